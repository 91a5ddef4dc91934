// The interfaces of AWS's aws-lambda-java-core (package com.amazonaws.services.lambda.runtime),
// written from its published API for faqctl local's Java runtime client: a handler compiled
// against AWS's jar runs against these.
package com.amazonaws.services.lambda.runtime;

public interface Context {
    String getAwsRequestId();

    String getLogGroupName();

    String getLogStreamName();

    String getFunctionName();

    String getFunctionVersion();

    String getInvokedFunctionArn();

    CognitoIdentity getIdentity();

    ClientContext getClientContext();

    int getRemainingTimeInMillis();

    int getMemoryLimitInMB();

    LambdaLogger getLogger();
}
