// faqctl local's runtime interface client for Lambda's nodejs*.x runtimes: what
// /var/runtime/bootstrap runs on AWS (aws-lambda-nodejs-runtime-interface-client), for the
// handler in LAMBDA_TASK_ROOT. It speaks the Lambda Runtime API at AWS_LAMBDA_RUNTIME_API, as
// every bootstrap does; its answers and log lines are AWS's (see docs/parity.md, "Managed
// runtimes").
"use strict";
const http = require("http");
const fs = require("fs");
const path = require("path");
const util = require("util");
const url = require("url");

const TASK_ROOT = process.env.LAMBDA_TASK_ROOT || process.cwd();
const SHOWN_ROOT = "/var/task";
const [HOST, PORT] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let currentRequestId = undefined;

function shown(text) {
  return String(text).split(TASK_ROOT + "/").join(SHOWN_ROOT + "/");
}

function request(method, route, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: HOST, port: PORT, method, path: "/2018-06-01/runtime/" + route, agent, headers: headers || {} },
      (res) => {
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// The descriptor AWS's platform reads log records from, each a frame: one log event, its line
// breaks kept. The handler never sees the variable.
const TELEMETRY_FD = process.env._LAMBDA_TELEMETRY_LOG_FD ? Number(process.env._LAMBDA_TELEMETRY_LOG_FD) : undefined;
delete process.env._LAMBDA_TELEMETRY_LOG_FD;

function logEvent(text) {
  if (TELEMETRY_FD === undefined) {
    process.stdout.write(text.replace(/\n/g, "\r") + "\n");
    return;
  }
  const data = Buffer.from(text, "utf8");
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0xa55a0003, 0);
  header.writeUInt32BE(data.length, 4);
  header.writeBigUInt64BE(BigInt(Date.now()) * 1000n, 8);
  const frame = Buffer.concat([header, data]);
  let written = 0;
  while (written < frame.length) written += fs.writeSync(TELEMETRY_FD, frame, written);
}

// console.* as the Node.js runtime writes them: time, request id, level, then the message,
// each call one log event.
function patchConsole() {
  const write = (level) =>
    function (...args) {
      logEvent(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t${util.format(...args)}\n`);
    };
  console.log = write("INFO");
  console.info = write("INFO");
  console.debug = write("DEBUG");
  console.warn = write("WARN");
  console.error = write("ERROR");
  console.trace = write("TRACE");
  console.fatal = write("FATAL");
}

class Fault extends Error {
  constructor(name, message, cause) {
    super(message);
    this.name = name;
    if (cause && cause.stack) this.stack = `${name}: ${message}\n` + String(cause.stack).split("\n").slice(1).join("\n");
  }
}

function errorBody(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name,
      errorMessage: shown(error.message),
      trace: shown(error.stack || "").split("\n"),
    };
  }
  try {
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
  } catch (e) {
    return { errorType: "handled", errorMessage: "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack" };
  }
}

async function loadModule(modulePath) {
  for (const ext of [".js", ".mjs", ".cjs"]) {
    const file = modulePath + ext;
    if (fs.existsSync(file)) {
      if (ext === ".mjs") return import(url.pathToFileURL(file).href);
      try {
        return require(file);
      } catch (e) {
        if (e && e.code === "ERR_REQUIRE_ESM") return import(url.pathToFileURL(file).href);
        throw e;
      }
    }
  }
  if (fs.existsSync(modulePath) && fs.statSync(modulePath).isDirectory()) {
    return require(modulePath);
  }
  const moduleName = path.basename(modulePath);
  return require(moduleName); // a package of node_modules, or Node's own "Cannot find module"
}

async function loadHandler(fullHandler) {
  if (fullHandler.includes("..")) {
    throw new Fault(
      "Runtime.MalformedHandlerName",
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const slash = fullHandler.lastIndexOf("/");
  const dir = fullHandler.slice(0, slash + 1);
  const rest = fullHandler.slice(slash + 1);
  const dot = rest.indexOf(".");
  if (dot < 0) throw new Fault("Runtime.MalformedHandlerName", "Bad handler");
  const moduleRel = dir + rest.slice(0, dot);
  const chain = rest.slice(dot + 1).split(".");
  let module;
  try {
    module = await loadModule(path.resolve(TASK_ROOT, moduleRel));
  } catch (e) {
    if (e instanceof SyntaxError) throw new Fault("Runtime.UserCodeSyntaxError", String(e), e);
    if (e && e.code === "MODULE_NOT_FOUND") throw new Fault("Runtime.ImportModuleError", `Error: ${e.message}`, e);
    throw e;
  }
  let handler = module;
  for (const member of chain) {
    handler = handler == null ? undefined : handler[member];
  }
  if (handler === undefined) {
    throw new Fault("Runtime.HandlerNotFound", `${fullHandler} is undefined or not exported`);
  }
  if (typeof handler !== "function") {
    throw new Fault("Runtime.HandlerNotFound", `${fullHandler} is not a function`);
  }
  return handler;
}

async function postError(route, error) {
  const body = errorBody(error);
  const logged = { errorType: body.errorType, errorMessage: body.errorMessage };
  if (error && error.code !== undefined) logged.code = error.code;
  logged.stack = body.trace || [];
  console.error(route === "init/error" ? "Uncaught Exception" : "Invoke Error", "\t" + JSON.stringify(logged));
  await request("POST", route, JSON.stringify(body), {
    "Content-Type": "application/json",
    "Lambda-Runtime-Function-Error-Type": body.errorType,
  });
}

function contextOf(headers) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"]);
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
  };
  if (headers["lambda-runtime-client-context"]) context.clientContext = JSON.parse(headers["lambda-runtime-client-context"]);
  if (headers["lambda-runtime-cognito-identity"]) context.identity = JSON.parse(headers["lambda-runtime-cognito-identity"]);
  return context;
}

// Response streaming as the Node.js runtime offers it (the developer guide, "Response
// streaming for Lambda functions"): `awslambda.streamifyResponse` marks a handler that writes
// its response to a stream; `awslambda.HttpResponseStream.from` opens that stream with the
// HTTP status and headers, a JSON prelude and 8 NUL bytes before the body, as a function URL
// reads it. Here the stream is collected and posted whole once the handler is done, not sent
// as it is written (docs/parity.md).
const STREAMING = Symbol("streaming");
globalThis.awslambda = {
  streamifyResponse(handler) {
    handler[STREAMING] = true;
    return handler;
  },
  HttpResponseStream: {
    from(stream, prelude) {
      stream.write(JSON.stringify(prelude));
      stream.write(Buffer.alloc(8));
      return stream;
    },
  },
};

// Runs a streaming handler with a stream that collects what it writes: those bytes, once the
// handler has returned and the stream ended (ended here if the handler did not).
async function runStreaming(handler, event, context) {
  const { Writable } = require("stream");
  const chunks = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(Buffer.from(chunk));
      done();
    },
  });
  const finished = new Promise((resolve, reject) => {
    stream.on("finish", resolve);
    stream.on("error", reject);
  });
  // Should the handler throw, a later stream error is not left as an unhandled rejection.
  finished.catch(() => {});
  await handler(event, stream, context);
  if (!stream.writableEnded) stream.end();
  await finished;
  return Buffer.concat(chunks);
}

// Runs the handler, async or callback style, to its one result.
function run(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const once = (f) => (value) => {
      if (!settled) {
        settled = true;
        f(value);
      }
    };
    const ok = once(resolve);
    const fail = once(reject);
    const callback = (err, result) => (err !== undefined && err !== null ? fail(err) : ok(result));
    context.succeed = (result) => ok(result);
    context.fail = (err) => fail(err === undefined || err === null ? "handled" : err);
    context.done = callback;
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === "function") returned.then(ok, fail);
      // A handler that is not async and takes no callback answers null once it has run
      // (the runtime's answer when the event loop drains).
      else if (handler.length < 3) setImmediate(() => ok(null));
    } catch (e) {
      fail(e);
    }
  });
}

async function main() {
  // nodejs16.x and 18.x point Node at the runtime's CA bundle (recorded:
  // test_introspection_invoke[nodejs18.x]); set for the handler, not for this Node, which
  // would warn that the file is not here.
  if (/^AWS_Lambda_nodejs1[68]\.x$/.test(process.env.AWS_EXECUTION_ENV || "")) {
    process.env.NODE_EXTRA_CA_CERTS = (process.env.LAMBDA_RUNTIME_DIR || "/var/runtime") + "/ca-cert.pem";
  }
  patchConsole();
  process.chdir(TASK_ROOT);
  let handler;
  try {
    handler = await loadHandler(process.env._HANDLER || "");
  } catch (e) {
    await postError("init/error", e);
    process.exit(129);
  }
  for (;;) {
    const next = await request("GET", "invocation/next");
    const id = next.headers["lambda-runtime-aws-request-id"];
    currentRequestId = id;
    if (next.headers["lambda-runtime-trace-id"]) process.env._X_AMZN_TRACE_ID = next.headers["lambda-runtime-trace-id"];
    else delete process.env._X_AMZN_TRACE_ID;
    let event;
    try {
      event = JSON.parse(next.body.toString("utf8"));
    } catch (e) {
      await postError(`invocation/${id}/error`, new Fault("Runtime.UnmarshalError", `Unable to unmarshal input: ${e.message}`, e));
      continue;
    }
    try {
      if (handler[STREAMING]) {
        const body = await runStreaming(handler, event, contextOf(next.headers));
        await request("POST", `invocation/${id}/response`, body, { "Content-Type": "application/octet-stream" });
        continue;
      }
      const result = await run(handler, event, contextOf(next.headers));
      let payload = JSON.stringify(result === undefined ? null : result);
      if (payload === undefined) payload = "";
      await request("POST", `invocation/${id}/response`, payload, { "Content-Type": "application/json" });
    } catch (e) {
      await postError(`invocation/${id}/error`, e);
    }
  }
}

process.on("uncaughtException", async (error) => {
  console.error("Uncaught Exception", JSON.stringify(errorBody(error)));
  process.exit(129);
});
process.on("unhandledRejection", (reason) => {
  console.error("Unhandled Promise Rejection", JSON.stringify(errorBody(reason)));
  process.exit(128);
});

main();
