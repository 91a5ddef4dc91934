# faqctl local's runtime interface client for Lambda's python3.x runtimes: what
# /var/runtime/bootstrap runs on AWS (awslambdaric), for the handler in LAMBDA_TASK_ROOT. It
# speaks the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API, as every bootstrap does; its
# answers and log lines are AWS's (see docs/parity.md, "Managed runtimes").
import importlib
import json
import os
import re
import struct
import sys
import threading
import time
import traceback
import urllib.request

TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
# Paths of the code as the function sees them on AWS.
SHOWN_ROOT = "/var/task"
API = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/"
# The Runtime API is reached directly, whatever proxy the function's environment names.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# The descriptor AWS's platform reads logging records and error reports from, each a frame:
# one log event, its line breaks kept. The handler never sees the variable.
_TELEMETRY_FD = os.environ.pop("_LAMBDA_TELEMETRY_LOG_FD", None)
_TELEMETRY = int(_TELEMETRY_FD) if _TELEMETRY_FD else None


_LOG_LOCK = threading.Lock()


def log_event(text):
    """One log event: a frame on the telemetry descriptor, else a line of stdout. One frame at
    a time, whichever thread logs."""
    with _LOG_LOCK:
        _write_event(text)


def _write_event(text):
    if _TELEMETRY is None:
        sys.stdout.write(text.replace("\n", "\r") + "\n")
        sys.stdout.flush()
        return
    data = text.encode("utf-8", errors="replace")
    frame = struct.pack(">IIQ", 0xA55A0003, len(data), int(time.time() * 1000000)) + data
    view = memoryview(frame)
    while view:
        view = view[os.write(_TELEMETRY, view):]


def post(path, body, error_type=None):
    headers = {"Content-Type": "application/json"}
    if error_type:
        headers["Lambda-Runtime-Function-Error-Type"] = error_type
    # Sent chunked, with no Content-Length, as AWS's client sends it: a response over the
    # limit is then refused without its size (recorded: test_lambda_too_large_response,
    # "Response payload size exceeded maximum allowed payload size (6291556 bytes).").
    request = urllib.request.Request(API + path, data=iter((body,)), method="POST", headers=headers)
    try:
        with OPENER.open(request) as answer:
            answer.read()
    except urllib.error.HTTPError as refused:
        refused.read()
    except OSError:
        # The Runtime API closed the connection on a payload over the limit; the
        # invocation has its error already.
        pass


def shown(path):
    if path.startswith(TASK_ROOT + "/"):
        return SHOWN_ROOT + path[len(TASK_ROOT):]
    return path


def frames(tb):
    """The stack trace's entries, as awslambdaric lists them (the client's own frames left
    out), with the code's paths as the function sees them."""
    entries = [
        (shown(e.filename), e.lineno, e.name, e.line)
        for e in traceback.extract_tb(tb)
        if e.filename != "<string>"
    ]
    # As tuples, the entries are written without Python 3.11's caret lines, as AWS's are.
    return traceback.format_list(entries)


LEADING_SPACES = re.compile(r"^ +")


def log_error(result):
    """An error report as awslambdaric logs it: one event, the trace's indentation in
    no-break spaces (recorded: test_invocation_type_event_error)."""
    description = "[ERROR]"
    if result.get("errorType"):
        description += " " + result["errorType"]
    if result.get("errorMessage"):
        if result.get("errorType"):
            description += ":"
        description += " " + result["errorMessage"]
    lines = [description]
    if result.get("stackTrace") is not None:
        lines.append("Traceback (most recent call last):")
        for entry in result["stackTrace"]:
            if entry == "":
                lines.append("")
                continue
            for line in entry.splitlines():
                lines.append(LEADING_SPACES.sub(lambda m: "\u00a0" * len(m.group()), line))
    log_event("\n".join(lines))


class Fault(Exception):
    def __init__(self, error_type, message, stack=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack = stack


def load_handler(handler):
    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as e:
        raise Fault("Runtime.MalformedHandlerName", "Bad handler '{}': {}".format(handler, e))
    module_name = module_name.replace("/", ".")
    try:
        if module_name.split(".")[0] in sys.builtin_module_names:
            raise Fault(
                "Runtime.BuiltInModuleConflict",
                "Cannot use built-in module {} as a handler module".format(module_name),
            )
        module = importlib.import_module(module_name)
    except Fault:
        raise
    except ImportError as e:
        raise Fault(
            "Runtime.ImportModuleError",
            "Unable to import module '{}': {}".format(module_name, str(e)),
        )
    except SyntaxError as e:
        trace = ['  File "{}" Line {}\n    {}\n'.format(shown(e.filename or ""), e.lineno, (e.text or "").strip())]
        raise Fault(
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module '{}': {}".format(module_name, str(e)),
            trace,
        )
    except Exception as e:
        raise Fault(type(e).__name__, str(e), frames(sys.exc_info()[2]))
    function = getattr(module, function_name, None)
    if function is None:
        raise Fault(
            "Runtime.HandlerNotFound",
            "Handler '{}' missing on module '{}'".format(function_name, module_name),
        )
    return function


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]


class Client:
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]


class ClientContext:
    __slots__ = ["custom", "env", "client"]


class LambdaContext:
    def __init__(self, request_id, deadline_ms, invoked_function_arn, identity, client_context):
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        self._deadline_ms = deadline_ms
        self.identity = CognitoIdentity()
        self.identity.cognito_identity_id = (identity or {}).get("cognitoIdentityId")
        self.identity.cognito_identity_pool_id = (identity or {}).get("cognitoIdentityPoolId")
        self.client_context = None
        if client_context:
            self.client_context = ClientContext()
            self.client_context.custom = client_context.get("custom")
            self.client_context.env = client_context.get("env")
            client = client_context.get("client")
            client = client if isinstance(client, dict) else None
            self.client_context.client = None
            if client:
                self.client_context.client = Client()
                for member, key in [
                    ("installation_id", "installation_id"),
                    ("app_title", "app_title"),
                    ("app_version_name", "app_version_name"),
                    ("app_version_code", "app_version_code"),
                    ("app_package_name", "app_package_name"),
                ]:
                    setattr(self.client_context.client, member, client.get(key))

    def get_remaining_time_in_millis(self):
        return max(self._deadline_ms - int(round(time.time() * 1000)), 0)

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id={},log_group_name={},log_stream_name={},function_name={},"
            "memory_limit_in_mb={},function_version={},invoked_function_arn={},client_context={},identity={}])"
        ).format(
            self.aws_request_id,
            self.log_group_name,
            self.log_stream_name,
            self.function_name,
            self.memory_limit_in_mb,
            self.function_version,
            self.invoked_function_arn,
            self.client_context,
            self.identity,
        )


class RequestIdFilter:
    request_id = ""

    def filter(self, record):
        record.aws_request_id = RequestIdFilter.request_id
        return True


def setup_logging():
    import logging

    class Formatter(logging.Formatter):
        converter = time.gmtime

        def format(self, record):
            record.aws_request_id = RequestIdFilter.request_id
            return super().format(record)

    class EventHandler(logging.Handler):
        """Each record one log event."""

        def emit(self, record):
            try:
                log_event(self.format(record))
            except Exception:
                self.handleError(record)

    handler = EventHandler()
    handler.setFormatter(
        Formatter(
            "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
            "%Y-%m-%dT%H:%M:%S",
        )
    )
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.WARNING)


# python3.8's client answered no requestId (recorded: test_uncaught_exception_invoke[python3.8]).
WITH_REQUEST_ID = os.environ.get("AWS_EXECUTION_ENV") != "AWS_Lambda_python3.8"


def error_result(error_type, message, request_id, stack):
    result = {"errorMessage": message, "errorType": error_type}
    if WITH_REQUEST_ID:
        result["requestId"] = request_id
    result["stackTrace"] = stack
    return result


def main():
    # What the runtime shows of the locale (see managed.rs): set or left out as on AWS.
    lc_ctype = os.environ.pop("_FAQCTL_LC_CTYPE", None)
    if lc_ctype:
        os.environ["LC_CTYPE"] = lc_ctype
    elif lc_ctype is not None:
        os.environ.pop("LC_CTYPE", None)
    os.chdir(TASK_ROOT)
    sys.path.insert(0, TASK_ROOT)
    sys.stdout = os.fdopen(sys.stdout.fileno(), "w", 1, encoding="utf-8", errors="replace")
    setup_logging()
    handler_name = os.environ.get("_HANDLER", "")
    try:
        handler = load_handler(handler_name)
        fault = None
    except Fault as e:
        handler = None
        fault = e
    while True:
        with OPENER.open(API + "invocation/next") as answer:
            headers = answer.headers
            body = answer.read()
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        RequestIdFilter.request_id = request_id
        os.environ["_X_AMZN_TRACE_ID"] = headers.get("Lambda-Runtime-Trace-Id", "")
        if fault is not None:
            result = error_result(fault.error_type, fault.message, "", fault.stack or [])
            log_error(result)
            post("invocation/" + request_id + "/error", json.dumps(result).encode(), fault.error_type)
            continue
        try:
            event = json.loads(body)
        except Exception as e:
            result = error_result("Runtime.UnmarshalError", "Unable to unmarshal input: {}".format(e), request_id, [])
            log_error(result)
            post("invocation/" + request_id + "/error", json.dumps(result).encode(), "Runtime.UnmarshalError")
            continue
        try:
            identity = json.loads(headers.get("Lambda-Runtime-Cognito-Identity") or "null")
            client_context = json.loads(headers.get("Lambda-Runtime-Client-Context") or "null")
            context = LambdaContext(
                request_id,
                int(headers.get("Lambda-Runtime-Deadline-Ms", "0")),
                headers.get("Lambda-Runtime-Invoked-Function-Arn"),
                identity if isinstance(identity, dict) else None,
                client_context if isinstance(client_context, dict) else None,
            )
            output = handler(event, context)
        except Exception as e:
            result = error_result(type(e).__name__, str(e), request_id, frames(sys.exc_info()[2]))
            log_error(result)
            post("invocation/" + request_id + "/error", json.dumps(result).encode(), "Unhandled")
            continue
        try:
            payload = json.dumps(output).encode()
        except Exception as e:
            result = error_result("Runtime.MarshalError", "Unable to marshal response: {}".format(e), request_id, [])
            log_error(result)
            post("invocation/" + request_id + "/error", json.dumps(result).encode(), "Runtime.MarshalError")
            continue
        post("invocation/" + request_id + "/response", payload)


main()
