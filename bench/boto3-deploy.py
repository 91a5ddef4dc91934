#!/usr/bin/env python3
"""The fair baseline for the deploy benchmark: the same resources `faqctl deploy` creates
(log group with retention, function, a version that is invoked once before the alias `live`
is made to name it, REST API with GET / → the alias, the alias' permission, deployment, stage
throttling), made by boto3 in one process, so interpreter start-up is paid
once, as a deploy script in Python would. Usage:
    bench/boto3-deploy.py ENDPOINT ZIP ROLE_ARN
"""
import sys

import boto3

endpoint, zip_path, role = sys.argv[1:4]
session = boto3.session.Session(region_name="us-east-1")
logs = session.client("logs", endpoint_url=endpoint)
lam = session.client("lambda", endpoint_url=endpoint)
apigw = session.client("apigateway", endpoint_url=endpoint)

logs.create_log_group(logGroupName="/aws/lambda/FAQ")
logs.put_retention_policy(logGroupName="/aws/lambda/FAQ", retentionInDays=14)
with open(zip_path, "rb") as f:
    code = f.read()
arn = lam.create_function(
    FunctionName="FAQ",
    Runtime="provided.al2023",
    Handler="bootstrap",
    Architectures=["x86_64"],
    Role=role,
    Code={"ZipFile": code},
    Tags={"managed-by": "faqctl"},
)["FunctionArn"]
lam.get_waiter("function_active_v2").wait(
    FunctionName="FAQ", WaiterConfig={"Delay": 0.05, "MaxAttempts": 600}
)
version = lam.publish_version(FunctionName="FAQ")["Version"]
gate = lam.invoke(FunctionName="FAQ", Qualifier=version, Payload=b'{"httpMethod":"GET","path":"/"}')
assert gate["StatusCode"] == 200 and "FunctionError" not in gate, gate
arn = lam.create_alias(FunctionName="FAQ", Name="live", FunctionVersion=version)["AliasArn"]
api = apigw.create_rest_api(
    name="FAQ-API", endpointConfiguration={"types": ["REGIONAL"]}, tags={"managed-by": "faqctl"}
)
api_id, root = api["id"], api.get("rootResourceId")
if root is None:
    root = next(r["id"] for r in apigw.get_resources(restApiId=api_id)["items"] if r["path"] == "/")
apigw.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
apigw.put_integration(
    restApiId=api_id,
    resourceId=root,
    httpMethod="GET",
    type="AWS_PROXY",
    integrationHttpMethod="POST",
    uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations",
)
lam.add_permission(
    FunctionName="FAQ",
    Qualifier="live",
    StatementId="faqctl-apigw-get",
    Action="lambda:InvokeFunction",
    Principal="apigateway.amazonaws.com",
    SourceArn=f"arn:aws:execute-api:us-east-1:000000000000:{api_id}/*/GET/",
)
apigw.create_deployment(restApiId=api_id, stageName="myDeployment")
apigw.update_stage(
    restApiId=api_id,
    stageName="myDeployment",
    patchOperations=[
        {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "10"},
        {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "20"},
    ],
)
