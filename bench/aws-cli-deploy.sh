#!/usr/bin/env bash
# A baseline for the deploy benchmark: the same resources `faqctl deploy` creates (a version,
# invoked once before the alias `live` names it, and stage throttling included), made by hand with the aws CLI, as the lab's console steps would be
# scripted; each call pays the CLI's interpreter start-up, as users do. Usage:
#   bench/aws-cli-deploy.sh ENDPOINT ZIP ROLE_ARN
set -euo pipefail
endpoint=$1 zip=$2 role=$3
aws() { python3 -m awscli --endpoint-url "$endpoint" --region us-east-1 --output text "$@"; }

aws logs create-log-group --log-group-name /aws/lambda/FAQ
aws logs put-retention-policy --log-group-name /aws/lambda/FAQ --retention-in-days 14
arn=$(aws lambda create-function --function-name FAQ --runtime provided.al2023 --handler bootstrap \
  --architectures x86_64 --role "$role" --zip-file "fileb://$zip" --tags managed-by=faqctl --query FunctionArn)
aws lambda wait function-active-v2 --function-name FAQ
version=$(aws lambda publish-version --function-name FAQ --query Version)
aws lambda invoke --function-name FAQ --qualifier "$version" \
  --payload '{"httpMethod":"GET","path":"/"}' /dev/null >/dev/null
arn=$(aws lambda create-alias --function-name FAQ --name live --function-version "$version" --query AliasArn)
api=$(aws apigateway create-rest-api --name FAQ-API --endpoint-configuration types=REGIONAL \
  --tags managed-by=faqctl --query id)
root=$(aws apigateway get-resources --rest-api-id "$api" --query 'items[?path==`/`].id')
aws apigateway put-method --rest-api-id "$api" --resource-id "$root" --http-method GET \
  --authorization-type NONE >/dev/null
aws apigateway put-integration --rest-api-id "$api" --resource-id "$root" --http-method GET \
  --type AWS_PROXY --integration-http-method POST \
  --uri "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/$arn/invocations" >/dev/null
aws lambda add-permission --function-name FAQ --qualifier live --statement-id faqctl-apigw-get \
  --action lambda:InvokeFunction --principal apigateway.amazonaws.com \
  --source-arn "arn:aws:execute-api:us-east-1:000000000000:$api/*/GET/" >/dev/null
aws apigateway create-deployment --rest-api-id "$api" --stage-name myDeployment >/dev/null
aws apigateway update-stage --rest-api-id "$api" --stage-name myDeployment --patch-operations \
  'op=replace,path=/*/*/throttling/rateLimit,value=10' 'op=replace,path=/*/*/throttling/burstLimit,value=20' >/dev/null
