package com.amazonaws.services.lambda.runtime;

public final class LambdaRuntime {
    private LambdaRuntime() {}

    /** Set by the runtime client before the handler's class is loaded. */
    public static volatile LambdaLogger logger = new LambdaLogger() {
        public void log(String message) {
            System.out.print(message);
        }

        public void log(byte[] message) {
            System.out.write(message, 0, message.length);
        }
    };

    public static LambdaLogger getLogger() {
        return logger;
    }
}
