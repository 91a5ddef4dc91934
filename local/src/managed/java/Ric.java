// faqctl local's runtime interface client for Lambda's java* runtimes: what AWS's
// aws-lambda-java-runtime-interface-client does on AWS, for the handler `_HANDLER` names in
// LAMBDA_TASK_ROOT (its classes, and the jars in its lib/). It speaks the Lambda Runtime API
// at AWS_LAMBDA_RUNTIME_API as every bootstrap does; its answers and log lines are AWS's (see
// docs/parity.md, "Managed runtimes").
package faqctl.runtime;

import com.amazonaws.services.lambda.runtime.Client;
import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.LambdaRuntime;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class Ric {
    private static final String API =
            "http://" + System.getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/";
    // The Runtime API is reached directly, whatever proxy the function's environment names.
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .proxy(HttpClient.Builder.NO_PROXY)
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    private static final Object LOG_LOCK = new Object();
    private static OutputStream telemetry;
    // java8.al2 and java11 show the trace id, and two older names of the credentials, as
    // variables (recorded: test_introspection_invoke[java8.al2], [java11]); java17 on do not.
    private static Map<String, String> legacyEnvironment;

    private Ric() {}

    public static void main(String[] args) throws Exception {
        String fd = System.getenv("_LAMBDA_TELEMETRY_LOG_FD");
        if (fd != null) {
            // A pipe's descriptor, opened again by its name: the same pipe.
            telemetry = new FileOutputStream("/proc/self/fd/" + fd);
        }
        LambdaRuntime.logger = new Logger();
        String executionEnv = String.valueOf(System.getenv("AWS_EXECUTION_ENV"));
        if (executionEnv.endsWith("_java8.al2") || executionEnv.endsWith("_java11")) {
            legacyEnvironment = writableEnvironment();
            if (legacyEnvironment != null) {
                legacyEnvironment.put("AWS_ACCESS_KEY", System.getenv("AWS_ACCESS_KEY_ID"));
                legacyEnvironment.put("AWS_SECRET_KEY", System.getenv("AWS_SECRET_ACCESS_KEY"));
            }
        }
        Handler handler;
        try {
            handler = Handler.load(System.getenv("_HANDLER"));
        } catch (Fault fault) {
            log(fault.reportable());
            post("init/error", fault.json(), "Runtime.Unknown");
            System.exit(1);
            return;
        }
        while (true) {
            HttpResponse<byte[]> next = HTTP.send(
                    HttpRequest.newBuilder(URI.create(API + "invocation/next")).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            Invocation invocation = new Invocation(next);
            String trace = invocation.traceId;
            if (trace != null) {
                System.setProperty("com.amazonaws.xray.traceHeader", trace);
                if (legacyEnvironment != null) {
                    legacyEnvironment.put("_X_AMZN_TRACE_ID", trace);
                }
            }
            byte[] answer;
            try {
                answer = handler.invoke(next.body(), invocation);
            } catch (Throwable thrown) {
                Throwable cause = thrown instanceof InvocationTargetException && thrown.getCause() != null
                        ? thrown.getCause()
                        : thrown;
                Fault fault = Fault.of(cause);
                log(fault.reportable());
                post("invocation/" + invocation.id + "/error", fault.json(), "Function<" + cause.getClass().getName() + ">");
                continue;
            }
            post("invocation/" + invocation.id + "/response", answer, null);
        }
    }

    private static void post(String path, byte[] body, String errorType) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(API + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (errorType != null) {
            request.header("Lambda-Runtime-Function-Error-Type", errorType);
        }
        HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding());
    }

    /** The variables' map behind System.getenv(), to change (needs java.util opened). */
    @SuppressWarnings("unchecked")
    private static Map<String, String> writableEnvironment() {
        try {
            Map<String, String> shown = System.getenv();
            Field inner = shown.getClass().getDeclaredField("m");
            inner.setAccessible(true);
            return (Map<String, String>) inner.get(shown);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** One log event: a frame on the telemetry descriptor, else stdout as it is. */
    static void log(String message) {
        logBytes(message.getBytes(StandardCharsets.UTF_8));
    }

    static void logBytes(byte[] data) {
        synchronized (LOG_LOCK) {
            try {
                if (telemetry == null) {
                    System.out.write(data, 0, data.length);
                    System.out.flush();
                    return;
                }
                ByteBuffer header = ByteBuffer.allocate(16);
                header.putInt(0xA55A0003).putInt(data.length).putLong(System.currentTimeMillis() * 1000);
                telemetry.write(header.array());
                telemetry.write(data);
                telemetry.flush();
            } catch (java.io.IOException e) {
                // The platform stopped reading: nothing else to tell.
            }
        }
    }

    static final class Logger implements LambdaLogger {
        public void log(String message) {
            Ric.log(message);
        }

        public void log(byte[] message) {
            Ric.logBytes(message);
        }
    }

    /** An error as AWS's client reports it: its message, type and trace. */
    static final class Fault extends Exception {
        private static final long serialVersionUID = 0;
        final String message;
        final String type;
        final Throwable thrown;

        Fault(String message, String type, Throwable thrown) {
            super(message);
            this.message = message;
            this.type = type;
            this.thrown = thrown;
        }

        static Fault of(Throwable thrown) {
            filter(thrown);
            String message = thrown.getLocalizedMessage() == null
                    ? thrown.getClass().getName()
                    : thrown.getLocalizedMessage();
            return new Fault(message, thrown.getClass().getName(), thrown);
        }

        /** AWS's client cuts each trace where its own code begins. */
        static void filter(Throwable thrown) {
            for (Throwable t = thrown; t != null; t = t.getCause()) {
                StackTraceElement[] trace = t.getStackTrace();
                for (int i = 0; i < trace.length; i++) {
                    if (trace[i].getClassName().startsWith("faqctl.runtime.")) {
                        t.setStackTrace(Arrays.copyOf(trace, i));
                        break;
                    }
                }
                if (t.getCause() == t) {
                    break;
                }
            }
        }

        /** The log event: "message: type\ntrace\n" (AWS's UserFault.reportableError). */
        String reportable() {
            if (thrown == null) {
                return message + ": " + type + "\n\n";
            }
            StringWriter trace = new StringWriter();
            thrown.printStackTrace(new PrintWriter(trace));
            return message + ": " + type + "\n" + trace + "\n";
        }

        byte[] json() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("errorMessage", message);
            body.put("errorType", type);
            List<Object> frames = new ArrayList<>();
            if (thrown != null) {
                for (StackTraceElement frame : thrown.getStackTrace()) {
                    frames.add(frame.toString());
                }
            }
            body.put("stackTrace", frames);
            return Json.write(body).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The handler `_HANDLER` names: `package.Class` or `package.Class::method`. */
    static final class Handler {
        final Object instance;
        final Method method;
        final boolean stream;
        final Type input;
        final boolean takesContext;

        Handler(Object instance, Method method, boolean stream, Type input, boolean takesContext) {
            this.instance = instance;
            this.method = method;
            this.stream = stream;
            this.input = input;
            this.takesContext = takesContext;
        }

        static Handler load(String name) throws Fault {
            if (name == null || name.isEmpty()) {
                throw new Fault("Handler is empty", "java.lang.IllegalArgumentException", null);
            }
            int separator = name.indexOf("::");
            String className = separator < 0 ? name : name.substring(0, separator);
            String methodName = separator < 0 ? null : name.substring(separator + 2);
            ClassLoader loader = new URLClassLoader(classpath(), Ric.class.getClassLoader());
            Thread.currentThread().setContextClassLoader(loader);
            Class<?> type;
            try {
                type = Class.forName(className, true, loader);
            } catch (ClassNotFoundException e) {
                Fault.filter(e);
                throw new Fault("Class not found: " + className, e.getClass().getName(), e);
            } catch (Throwable e) {
                Fault.filter(e);
                String message = e.getMessage() == null ? "" : ": " + e.getMessage();
                throw new Fault("Error loading class " + className + message, e.getClass().getName(), e);
            }
            try {
                return find(type, methodName);
            } catch (InvocationTargetException e) {
                throw Fault.of(e.getCause() == null ? e : e.getCause());
            } catch (ReflectiveOperationException e) {
                throw Fault.of(e);
            }
        }

        private static Handler find(Class<?> type, String methodName) throws Fault, ReflectiveOperationException {
            boolean named = methodName != null;
            if (!named || methodName.equals("handleRequest")) {
                if (RequestStreamHandler.class.isAssignableFrom(type)) {
                    Method method = RequestStreamHandler.class.getMethod(
                            "handleRequest", InputStream.class, OutputStream.class, Context.class);
                    return new Handler(instance(type), method, true, null, true);
                }
                if (RequestHandler.class.isAssignableFrom(type)) {
                    Method method = RequestHandler.class.getMethod("handleRequest", Object.class, Context.class);
                    return new Handler(instance(type), method, false, inputOf(type), true);
                }
                if (!named) {
                    throw new Fault(
                            "Class " + type.getName() + " does not implement RequestHandler with concrete type parameters",
                            "java.lang.IllegalArgumentException",
                            null);
                }
            }
            // The method of that name with the most parameters, as AWS's client picks it.
            Method chosen = null;
            for (Method method : type.getMethods()) {
                if (!method.getName().equals(methodName) || method.isBridge() || method.isSynthetic()) {
                    continue;
                }
                if (method.getParameterCount() > 3) {
                    continue;
                }
                if (chosen == null || method.getParameterCount() > chosen.getParameterCount()) {
                    chosen = method;
                }
            }
            if (chosen == null) {
                throw new Fault(
                        "No public method named " + methodName + " with appropriate method signature found on class " + type.getName(),
                        "java.lang.NoSuchMethodException",
                        null);
            }
            Class<?>[] params = chosen.getParameterTypes();
            boolean stream = params.length >= 2 && params[0] == InputStream.class && params[1] == OutputStream.class;
            boolean takesContext = params.length > 0 && params[params.length - 1] == Context.class;
            Type input = params.length > 0 && params[0] != Context.class ? chosen.getGenericParameterTypes()[0] : null;
            Object instance = Modifier.isStatic(chosen.getModifiers()) ? null : instance(type);
            return new Handler(instance, chosen, stream, input, takesContext);
        }

        private static Object instance(Class<?> type) throws ReflectiveOperationException {
            java.lang.reflect.Constructor<?> constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
            return constructor.newInstance();
        }

        /** RequestHandler's first type argument, wherever in the class's ancestry it is bound. */
        private static Type inputOf(Class<?> type) {
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                for (Type implemented : c.getGenericInterfaces()) {
                    if (implemented instanceof ParameterizedType
                            && ((ParameterizedType) implemented).getRawType() == RequestHandler.class) {
                        return ((ParameterizedType) implemented).getActualTypeArguments()[0];
                    }
                }
            }
            return Object.class;
        }

        /** LAMBDA_TASK_ROOT and the jars of its lib/, as AWS's client loads them. */
        private static URL[] classpath() {
            List<URL> urls = new ArrayList<>();
            File root = new File(System.getenv().getOrDefault("LAMBDA_TASK_ROOT", "."));
            try {
                urls.add(root.toURI().toURL());
                File[] jars = new File(root, "lib").listFiles((dir, n) -> n.endsWith(".jar"));
                if (jars != null) {
                    Arrays.sort(jars);
                    for (File jar : jars) {
                        urls.add(jar.toURI().toURL());
                    }
                }
            } catch (java.net.MalformedURLException e) {
                throw new IllegalStateException(e);
            }
            return urls.toArray(new URL[0]);
        }

        byte[] invoke(byte[] payload, Context context) throws Exception {
            if (stream) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                InputStream in = new ByteArrayInputStream(payload);
                Object[] args = takesContext ? new Object[] {in, out, context} : new Object[] {in, out};
                method.invoke(instance, args);
                return out.toByteArray();
            }
            List<Object> args = new ArrayList<>();
            if (input != null) {
                args.add(Json.convert(Json.read(new String(payload, StandardCharsets.UTF_8)), input));
            }
            if (takesContext) {
                args.add(context);
            }
            Object result = method.invoke(instance, args.toArray());
            return Json.write(result).getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * One event's context, from the Runtime API's headers. Only plain values: a handler may
     * hand its context to a reflective serializer (Gson), as LocalStack's handlers do.
     */
    static final class Invocation implements Context {
        final String id;
        final long deadline;
        final String invokedFunctionArn;
        final String traceId;
        final String clientContext;
        final String cognitoIdentity;

        Invocation(HttpResponse<byte[]> next) {
            this.id = header(next, "lambda-runtime-aws-request-id");
            String deadline = header(next, "lambda-runtime-deadline-ms");
            this.deadline = deadline == null ? 0 : Long.parseLong(deadline);
            this.invokedFunctionArn = header(next, "lambda-runtime-invoked-function-arn");
            this.traceId = header(next, "lambda-runtime-trace-id");
            this.clientContext = header(next, "lambda-runtime-client-context");
            this.cognitoIdentity = header(next, "lambda-runtime-cognito-identity");
        }

        private static String header(HttpResponse<byte[]> next, String name) {
            return next.headers().firstValue(name).orElse(null);
        }

        public String getAwsRequestId() {
            return id;
        }

        public String getLogGroupName() {
            return System.getenv("AWS_LAMBDA_LOG_GROUP_NAME");
        }

        public String getLogStreamName() {
            return System.getenv("AWS_LAMBDA_LOG_STREAM_NAME");
        }

        public String getFunctionName() {
            return System.getenv("AWS_LAMBDA_FUNCTION_NAME");
        }

        public String getFunctionVersion() {
            return System.getenv("AWS_LAMBDA_FUNCTION_VERSION");
        }

        public String getInvokedFunctionArn() {
            return invokedFunctionArn;
        }

        public CognitoIdentity getIdentity() {
            Map<?, ?> identity = object(cognitoIdentity);
            return new CognitoIdentity() {
                public String getIdentityId() {
                    return string(identity.get("cognitoIdentityId"));
                }

                public String getIdentityPoolId() {
                    return string(identity.get("cognitoIdentityPoolId"));
                }
            };
        }

        public ClientContext getClientContext() {
            if (clientContext == null) {
                return null;
            }
            Map<?, ?> context = object(clientContext);
            Map<?, ?> client = object(context.get("client"));
            return new ClientContext() {
                public Client getClient() {
                    return new Client() {
                        public String getInstallationId() {
                            return string(client.get("installation_id"));
                        }

                        public String getAppTitle() {
                            return string(client.get("app_title"));
                        }

                        public String getAppVersionName() {
                            return string(client.get("app_version_name"));
                        }

                        public String getAppVersionCode() {
                            return string(client.get("app_version_code"));
                        }

                        public String getAppPackageName() {
                            return string(client.get("app_package_name"));
                        }
                    };
                }

                public Map<String, String> getCustom() {
                    return strings(context.get("custom"));
                }

                public Map<String, String> getEnvironment() {
                    return strings(context.get("env"));
                }
            };
        }

        public int getRemainingTimeInMillis() {
            return (int) Math.max(0, deadline - System.currentTimeMillis());
        }

        public int getMemoryLimitInMB() {
            return Integer.parseInt(System.getenv().getOrDefault("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"));
        }

        public LambdaLogger getLogger() {
            return LambdaRuntime.logger;
        }

        private static Map<?, ?> object(Object given) {
            Object parsed = given instanceof String ? safeRead((String) given) : given;
            return parsed instanceof Map ? (Map<?, ?>) parsed : new LinkedHashMap<>();
        }

        private static Object safeRead(String text) {
            try {
                return Json.read(text);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        private static String string(Object value) {
            return value == null ? null : value.toString();
        }

        private static Map<String, String> strings(Object value) {
            Map<String, String> out = new LinkedHashMap<>();
            object(value).forEach((k, v) -> out.put(String.valueOf(k), string(v)));
            return out;
        }
    }

    /** JSON as the runtime's serializer reads and writes it: objects in their order. */
    static final class Json {
        private final String text;
        private int at;

        private Json(String text) {
            this.text = text;
        }

        static Object read(String text) {
            Json json = new Json(text);
            json.space();
            Object value = json.value();
            json.space();
            if (json.at != text.length()) {
                throw json.error();
            }
            return value;
        }

        private IllegalArgumentException error() {
            return new IllegalArgumentException("Unexpected character at position " + at + " of the event");
        }

        private void space() {
            while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
                at++;
            }
        }

        private Object value() {
            if (at >= text.length()) {
                throw error();
            }
            char c = text.charAt(at);
            switch (c) {
                case '{':
                    return object();
                case '[':
                    return array();
                case '"':
                    return string();
                case 't':
                    return word("true", Boolean.TRUE);
                case 'f':
                    return word("false", Boolean.FALSE);
                case 'n':
                    return word("null", null);
                default:
                    return number();
            }
        }

        private Object word(String word, Object value) {
            if (!text.startsWith(word, at)) {
                throw error();
            }
            at += word.length();
            return value;
        }

        private Map<String, Object> object() {
            Map<String, Object> map = new LinkedHashMap<>();
            at++;
            space();
            if (at < text.length() && text.charAt(at) == '}') {
                at++;
                return map;
            }
            while (true) {
                space();
                if (at >= text.length() || text.charAt(at) != '"') {
                    throw error();
                }
                String key = string();
                space();
                if (at >= text.length() || text.charAt(at) != ':') {
                    throw error();
                }
                at++;
                space();
                map.put(key, value());
                space();
                if (at >= text.length()) {
                    throw error();
                }
                char c = text.charAt(at++);
                if (c == '}') {
                    return map;
                }
                if (c != ',') {
                    throw error();
                }
            }
        }

        private List<Object> array() {
            List<Object> list = new ArrayList<>();
            at++;
            space();
            if (at < text.length() && text.charAt(at) == ']') {
                at++;
                return list;
            }
            while (true) {
                space();
                list.add(value());
                space();
                if (at >= text.length()) {
                    throw error();
                }
                char c = text.charAt(at++);
                if (c == ']') {
                    return list;
                }
                if (c != ',') {
                    throw error();
                }
            }
        }

        private String string() {
            StringBuilder out = new StringBuilder();
            at++;
            while (at < text.length()) {
                char c = text.charAt(at++);
                if (c == '"') {
                    return out.toString();
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                if (at >= text.length()) {
                    break;
                }
                char e = text.charAt(at++);
                switch (e) {
                    case 'n': out.append('\n'); break;
                    case 't': out.append('\t'); break;
                    case 'r': out.append('\r'); break;
                    case 'b': out.append('\b'); break;
                    case 'f': out.append('\f'); break;
                    case 'u':
                        if (at + 4 > text.length()) {
                            throw error();
                        }
                        out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                        at += 4;
                        break;
                    default: out.append(e);
                }
            }
            throw error();
        }

        private Object number() {
            int start = at;
            while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
            String number = text.substring(start, at);
            if (number.isEmpty()) {
                throw error();
            }
            try {
                if (number.indexOf('.') < 0 && number.indexOf('e') < 0 && number.indexOf('E') < 0) {
                    long value = Long.parseLong(number);
                    if (value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE) {
                        return (int) value;
                    }
                    return value;
                }
                return Double.parseDouble(number);
            } catch (NumberFormatException e) {
                throw error();
            }
        }

        /** The event as the handler's declared input type. */
        static Object convert(Object value, Type type) throws ReflectiveOperationException {
            if (value == null) {
                return null;
            }
            Class<?> raw = type instanceof ParameterizedType
                    ? (Class<?>) ((ParameterizedType) type).getRawType()
                    : type instanceof Class ? (Class<?>) type : Object.class;
            Type[] arguments = type instanceof ParameterizedType
                    ? ((ParameterizedType) type).getActualTypeArguments()
                    : new Type[0];
            if (raw == Object.class) {
                return value;
            }
            if (raw == String.class) {
                if (value instanceof Map || value instanceof List) {
                    throw new IllegalArgumentException("Cannot deserialize value of type `java.lang.String` from "
                            + (value instanceof Map ? "Object" : "Array") + " value");
                }
                return value.toString();
            }
            if (Map.class.isAssignableFrom(raw)) {
                if (!(value instanceof Map)) {
                    throw new IllegalArgumentException("Cannot deserialize value of type `" + raw.getName() + "` from a non-object value");
                }
                Type element = arguments.length == 2 ? arguments[1] : Object.class;
                Map<String, Object> out = new LinkedHashMap<>();
                for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                    out.put((String) entry.getKey(), convert(entry.getValue(), element));
                }
                return out;
            }
            if (Collection.class.isAssignableFrom(raw)) {
                if (!(value instanceof List)) {
                    throw new IllegalArgumentException("Cannot deserialize value of type `" + raw.getName() + "` from a non-array value");
                }
                Type element = arguments.length == 1 ? arguments[0] : Object.class;
                List<Object> out = new ArrayList<>();
                for (Object item : (List<?>) value) {
                    out.add(convert(item, element));
                }
                return out;
            }
            if (raw == Integer.class || raw == int.class) {
                return ((Number) numeric(value)).intValue();
            }
            if (raw == Long.class || raw == long.class) {
                return ((Number) numeric(value)).longValue();
            }
            if (raw == Double.class || raw == double.class) {
                return ((Number) numeric(value)).doubleValue();
            }
            if (raw == Boolean.class || raw == boolean.class) {
                return value instanceof Boolean ? value : Boolean.valueOf(value.toString());
            }
            if (!(value instanceof Map)) {
                throw new IllegalArgumentException("Cannot deserialize value of type `" + raw.getName() + "` from a non-object value");
            }
            // A bean: its setters, else its public fields, by the members' names.
            java.lang.reflect.Constructor<?> constructor = raw.getDeclaredConstructor();
            constructor.setAccessible(true);
            Object bean = constructor.newInstance();
            for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                String name = (String) entry.getKey();
                if (name.isEmpty()) {
                    continue;
                }
                String setter = "set" + Character.toUpperCase(name.charAt(0)) + name.substring(1);
                boolean set = false;
                for (Method method : raw.getMethods()) {
                    if (method.getName().equals(setter) && method.getParameterCount() == 1) {
                        method.invoke(bean, convert(entry.getValue(), method.getGenericParameterTypes()[0]));
                        set = true;
                        break;
                    }
                }
                if (!set) {
                    try {
                        Field field = raw.getField(name);
                        field.set(bean, convert(entry.getValue(), field.getGenericType()));
                    } catch (NoSuchFieldException unknown) {
                        // An unknown member is left out, as AWS's serializer leaves it.
                    }
                }
            }
            return bean;
        }

        private static Object numeric(Object value) {
            if (value instanceof Number) {
                return value;
            }
            return Double.valueOf(value.toString());
        }

        static String write(Object value) {
            StringBuilder out = new StringBuilder();
            write(value, out);
            return out.toString();
        }

        private static void write(Object value, StringBuilder out) {
            if (value == null) {
                out.append("null");
            } else if (value instanceof String || value instanceof Character || value instanceof Enum) {
                quote(value.toString(), out);
            } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long
                    || value instanceof Short || value instanceof Byte
                    || value instanceof java.math.BigInteger || value instanceof java.math.BigDecimal) {
                out.append(value);
            } else if (value instanceof Number) {
                double d = ((Number) value).doubleValue();
                out.append(Double.isFinite(d) ? value.toString() : "\"" + value + "\"");
            } else if (value instanceof Map) {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    quote(String.valueOf(entry.getKey()), out);
                    out.append(':');
                    write(entry.getValue(), out);
                }
                out.append('}');
            } else if (value instanceof Collection) {
                writeAll(((Collection<?>) value).toArray(), out);
            } else if (value.getClass().isArray()) {
                int length = java.lang.reflect.Array.getLength(value);
                Object[] items = new Object[length];
                for (int i = 0; i < length; i++) {
                    items[i] = java.lang.reflect.Array.get(value, i);
                }
                writeAll(items, out);
            } else {
                write(bean(value), out);
            }
        }

        private static void writeAll(Object[] items, StringBuilder out) {
            out.append('[');
            for (int i = 0; i < items.length; i++) {
                if (i > 0) {
                    out.append(',');
                }
                write(items[i], out);
            }
            out.append(']');
        }

        /** A bean's properties: its public fields, then its getters. */
        private static Map<String, Object> bean(Object value) {
            Map<String, Object> properties = new LinkedHashMap<>();
            try {
                for (Field field : value.getClass().getFields()) {
                    if (!Modifier.isStatic(field.getModifiers())) {
                        // A handler's value class is often not public (LocalStack's ReturnValue).
                        field.setAccessible(true);
                        properties.put(field.getName(), field.get(value));
                    }
                }
                for (Method method : value.getClass().getMethods()) {
                    String name = method.getName();
                    if (Modifier.isStatic(method.getModifiers()) || method.getParameterCount() != 0
                            || method.getDeclaringClass() == Object.class) {
                        continue;
                    }
                    String property = name.startsWith("get") && name.length() > 3 ? name.substring(3)
                            : name.startsWith("is") && name.length() > 2 && method.getReturnType() == boolean.class
                                    ? name.substring(2)
                                    : null;
                    if (property == null) {
                        continue;
                    }
                    property = Character.toLowerCase(property.charAt(0)) + property.substring(1);
                    if (!properties.containsKey(property)) {
                        method.setAccessible(true);
                        properties.put(property, method.invoke(value));
                    }
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            return properties;
        }

        private static void quote(String text, StringBuilder out) {
            out.append('"');
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                switch (c) {
                    case '"': out.append("\\\""); break;
                    case '\\': out.append("\\\\"); break;
                    case '\n': out.append("\\n"); break;
                    case '\r': out.append("\\r"); break;
                    case '\t': out.append("\\t"); break;
                    case '\b': out.append("\\b"); break;
                    case '\f': out.append("\\f"); break;
                    default:
                        if (c < 0x20) {
                            out.append(String.format("\\u%04X", (int) c));
                        } else {
                            out.append(c);
                        }
                }
            }
            out.append('"');
        }
    }
}
