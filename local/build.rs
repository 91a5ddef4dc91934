//! Generates, from AWS's service models as vendored in `src/models/<service>.json` (by
//! `scripts/service-models`, from botocore's `service-2.json`), the Rust types of the services
//! whose operations are typed (`TYPED`): for each, into `$OUT_DIR/<service>.rs`,
//!
//! - `Operation`: one variant per emulated operation, with its name;
//! - `Request`: the operation with its typed input, parsed from the request's JSON;
//! - a struct per structure shape reachable from those inputs and outputs (members named by
//!   their wire name, typed by their shape, `Option` unless the model requires them, an unset
//!   member absent from the JSON, as AWS leaves it out) and an enum per string enum (with the
//!   values AWS is recorded answering beyond the model, `beyond_the_model`);
//! - `ErrorCode`: the errors the model names for those operations, with AWS's common errors
//!   (the ones every API answers and no model lists), each with its HTTP status.
//!
//! Nothing here is written member by member: a new botocore (`scripts/service-models`) is a
//! new set of types at the next build.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

/// The services whose operations take and give generated types, and their protocol's rules.
const TYPED: [&str; 4] = ["logs", "cloudwatch", "apigateway", "lambda"];

/// Errors AWS answers for every operation of an API that its model does not list (AWS's
/// "Common Errors" page: credentials, throttling, a body it cannot read, an operation it does
/// not know, its own failure), per service: the shape (`__type`), the code its clients see
/// (CloudWatch's query-compatible codes differ from its shapes), and the HTTP status.
fn common_errors(service: &str) -> &'static [(&'static str, &'static str, u16)] {
    match service {
        "logs" => &[
            ("ThrottlingException", "ThrottlingException", 400),
            ("ExpiredTokenException", "ExpiredTokenException", 400),
            ("RequestTimeout", "RequestTimeout", 408),
            ("SerializationException", "SerializationException", 400),
            (
                "UnknownOperationException",
                "UnknownOperationException",
                400,
            ),
            ("ValidationException", "ValidationException", 400),
            ("InternalFailure", "InternalFailure", 500),
        ],
        "cloudwatch" => &[
            ("AccessDeniedException", "AccessDenied", 403),
            ("ThrottlingException", "Throttling", 400),
            ("ServiceUnavailable", "ServiceUnavailable", 503),
            ("ValidationException", "ValidationError", 400),
            ("InvalidClientTokenId", "InvalidClientTokenId", 403),
            ("ExpiredToken", "ExpiredToken", 403),
            ("RequestTimeout", "RequestTimeout", 408),
            ("RequestEntityTooLarge", "RequestEntityTooLarge", 413),
            ("SerializationException", "SerializationException", 400),
            (
                "UnknownOperationException",
                "UnknownOperationException",
                400,
            ),
        ],
        // restJson1: `x-amzn-ErrorType` and the status. ValidationException: a request
        // outside the model's constraints (recorded in LocalStack's API Gateway snapshots).
        "apigateway" => &[
            ("AccessDeniedException", "AccessDeniedException", 403),
            ("ValidationException", "ValidationException", 400),
            (
                "MissingAuthenticationTokenException",
                "MissingAuthenticationTokenException",
                403,
            ),
            (
                "UnrecognizedClientException",
                "UnrecognizedClientException",
                403,
            ),
            ("ExpiredTokenException", "ExpiredTokenException", 403),
            ("RequestTimeoutException", "RequestTimeoutException", 408),
            ("RequestTooLargeException", "RequestTooLargeException", 413),
            ("SerializationException", "SerializationException", 400),
            (
                "UnknownOperationException",
                "UnknownOperationException",
                404,
            ),
            ("InternalFailure", "InternalFailure", 500),
        ],
        // restJson1, as Lambda answers: `x-amzn-ErrorType` and the status.
        "lambda" => &[
            ("AccessDeniedException", "AccessDeniedException", 403),
            (
                "MissingAuthenticationTokenException",
                "MissingAuthenticationTokenException",
                403,
            ),
            (
                "UnrecognizedClientException",
                "UnrecognizedClientException",
                403,
            ),
            ("ExpiredTokenException", "ExpiredTokenException", 403),
            ("ValidationException", "ValidationException", 400),
            (
                "RequestEntityTooLargeException",
                "RequestEntityTooLargeException",
                413,
            ),
            ("RequestTimeoutException", "RequestTimeoutException", 408),
            ("SerializationException", "SerializationException", 400),
            (
                "UnknownOperationException",
                "UnknownOperationException",
                404,
            ),
            ("InternalFailure", "InternalFailure", 500),
        ],
        other => panic!("no common errors listed for {other}"),
    }
}

/// Values AWS answers that its model's enums lack (where the two disagree, AWS wins): per
/// service, the enum shape, the value, and where AWS was seen answering it. Generated into the
/// enum beside the model's values, and listed as `BEYOND_THE_MODEL`.
fn beyond_the_model(service: &str) -> &'static [(&'static str, &'static str, &'static str)] {
    match service {
        // A function being created: LastUpdateStatus InProgress, reason code "Creating" (42 of
        // LocalStack's AWS-validated Lambda recordings, e.g. test_lambda_api's
        // create_response).
        "lambda" => &[(
            "LastUpdateStatusReasonCode",
            "Creating",
            "test_lambda_api.snapshot.json",
        )],
        _ => &[],
    }
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for service in TYPED {
        let source = format!("src/models/{service}.json");
        println!("cargo:rerun-if-changed={source}");
        let text = std::fs::read_to_string(&source).expect("the vendored model is readable");
        let model: Value = serde_json::from_str(&text).expect("the vendored model is JSON");
        let code =
            Generator::new(&model, common_errors(service), beyond_the_model(service)).generate();
        std::fs::write(Path::new(&out).join(format!("{service}.rs")), code)
            .expect("OUT_DIR is writable");
    }
}

struct Generator<'a> {
    shapes: &'a serde_json::Map<String, Value>,
    operations: &'a serde_json::Map<String, Value>,
    common: &'static [(&'static str, &'static str, u16)],
    beyond: &'static [(&'static str, &'static str, &'static str)],
    out: String,
}

impl<'a> Generator<'a> {
    fn new(
        model: &'a Value,
        common: &'static [(&'static str, &'static str, u16)],
        beyond: &'static [(&'static str, &'static str, &'static str)],
    ) -> Self {
        Generator {
            shapes: model["shapes"].as_object().expect("shapes"),
            operations: model["operations"].as_object().expect("operations"),
            common,
            beyond,
            out: String::new(),
        }
    }

    fn shape(&self, name: &str) -> &'a Value {
        self.shapes
            .get(name)
            .unwrap_or_else(|| panic!("shape {name} is not in the model"))
    }

    /// Whether a shape becomes a type of its own (a structure, or a string enum).
    fn is_named_type(&self, name: &str) -> bool {
        let shape = self.shape(name);
        match shape["type"].as_str() {
            Some("structure") => !is_stream(shape) && shape.get("exception").is_none(),
            Some("string") => shape.get("enum").is_some(),
            _ => false,
        }
    }

    /// The Rust type of a member that targets `name`.
    fn rust_type(&self, name: &str) -> String {
        let shape = self.shape(name);
        match shape["type"].as_str().expect("every shape has a type") {
            "string" if shape.get("enum").is_some() => type_name(name),
            "string" | "blob" => "String".into(),
            "integer" => "i32".into(),
            "long" => "i64".into(),
            "boolean" => "bool".into(),
            "double" | "float" => "f64".into(),
            // Epoch seconds (every typed protocol's default): `shapes::Timestamp`.
            "timestamp" => "super::Timestamp".into(),
            "list" => format!("Vec<{}>", self.rust_type(str_of(&shape["member"]))),
            "map" => format!(
                "std::collections::BTreeMap<String, {}>",
                self.rust_type(str_of(&shape["value"]))
            ),
            "structure" => type_name(name),
            other => panic!("shape {name}: type {other} is not generated"),
        }
    }

    /// Whether `Default` can be derived: every required member's type has a default.
    fn defaultable(&self, name: &str) -> bool {
        let shape = self.shape(name);
        match shape["type"].as_str() {
            Some("string") => shape.get("enum").is_none(),
            Some("structure") => required(shape)
                .iter()
                .all(|member| self.defaultable(str_of(&shape["members"][member]["shape"]))),
            _ => true,
        }
    }

    /// Every shape the emulated operations' inputs and outputs reach, event streams' events
    /// included (their payloads are typed too), errors excluded.
    fn reachable(&self) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut wanted: Vec<String> = self
            .operations
            .values()
            .flat_map(|op| [op.get("input"), op.get("output")])
            .flatten()
            .map(|name| str_of(name).to_string())
            .collect();
        while let Some(name) = wanted.pop() {
            if !seen.insert(name.clone()) {
                continue;
            }
            let shape = self.shape(&name);
            if let Some(members) = shape.get("members").and_then(Value::as_object) {
                wanted.extend(members.values().map(|m| str_of(&m["shape"]).to_string()));
            }
            for key in ["member", "key", "value"] {
                if let Some(inner) = shape.get(key) {
                    wanted.push(str_of(inner).to_string());
                }
            }
        }
        seen.retain(|name| self.is_named_type(name));
        seen
    }

    fn generate(mut self) -> String {
        self.out
            .push_str("// Generated by local/build.rs from AWS's service model: do not edit.\n\n");
        self.operations_enum();
        let _ = writeln!(
            self.out,
            "/// Values AWS answers that the model's enums lack: (enum shape, value).\npub const BEYOND_THE_MODEL: &[(&str, &str)] = &[{}];\n",
            self.beyond
                .iter()
                .map(|(shape, value, _)| format!("(\"{shape}\", \"{value}\")"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        self.request_enum();
        self.error_codes();
        for name in self.reachable() {
            let shape = self.shape(&name);
            if shape["type"] == "string" {
                self.string_enum(&name, shape);
            } else {
                self.structure(&name, shape);
            }
        }
        self.out
    }

    fn operations_enum(&mut self) {
        let names: Vec<&String> = self.operations.keys().collect();
        let mut o = String::new();
        o.push_str("/// The operations the local cloud emulates, from the model.\n");
        o.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\npub enum Operation {\n");
        for name in &names {
            let _ = writeln!(o, "    {name},");
        }
        o.push_str("}\n\nimpl Operation {\n");
        let _ = writeln!(
            o,
            "    /// Every one of them, in the model's (alphabetical) order.\n    pub const ALL: [Operation; {}] = [{}];\n",
            names.len(),
            names
                .iter()
                .map(|n| format!("Operation::{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        o.push_str("    /// The operation's name in AWS's API.\n    pub fn name(self) -> &'static str {\n        match self {\n");
        for name in &names {
            let _ = writeln!(o, "            Operation::{name} => \"{name}\",");
        }
        o.push_str("        }\n    }\n\n    /// The operation of a name, if it is emulated.\n    pub fn from_name(name: &str) -> Option<Operation> {\n        Operation::ALL.into_iter().find(|op| op.name() == name)\n    }\n}\n\n");
        self.out.push_str(&o);
    }

    fn request_enum(&mut self) {
        let mut o = String::new();
        o.push_str("/// A request: its operation with the operation's typed input.\n#[derive(Debug, Clone)]\npub enum Request {\n");
        for (name, op) in self.operations {
            match op.get("input") {
                Some(input) => {
                    let _ = writeln!(o, "    {name}({}),", type_name(str_of(input)));
                }
                None => {
                    let _ = writeln!(o, "    {name},");
                }
            }
        }
        o.push_str("}\n\nimpl Request {\n    /// The typed input of `operation` from the request's JSON members, already held to the\n    /// model (`model::validate`): what fails here is a member of the wrong JSON type, answered\n    /// as AWS answers a body it cannot read (`SerializationException`).\n    pub fn parse(operation: Operation, body: serde_json::Value) -> Result<Request, super::super::error::AwsError> {\n        let unreadable = |e: serde_json::Error| super::super::error::AwsError::new(ErrorCode::SerializationException, format!(\"the request does not match {}: {e}\", operation.name()));\n        Ok(match operation {\n");
        for (name, op) in self.operations {
            if op.get("input").is_some() {
                let _ = writeln!(
                    o,
                    "            Operation::{name} => Request::{name}(serde_json::from_value(body).map_err(unreadable)?),"
                );
            } else {
                let _ = writeln!(o, "            Operation::{name} => Request::{name},");
            }
        }
        o.push_str("        })\n    }\n\n    pub fn operation(&self) -> Operation {\n        match self {\n");
        for (name, op) in self.operations {
            let args = if op.get("input").is_some() { "(_)" } else { "" };
            let _ = writeln!(o, "            Request::{name}{args} => Operation::{name},");
        }
        o.push_str("        }\n    }\n}\n\n");
        self.out.push_str(&o);
    }

    fn error_codes(&mut self) {
        // Shape → (code, status): every error shape of the model, then the common ones.
        let mut errors: BTreeMap<String, (String, u16)> = BTreeMap::new();
        for (name, shape) in self.shapes {
            if shape.get("exception").is_none() {
                continue;
            }
            let code = shape["error"]["code"].as_str().unwrap_or(name);
            let status = shape["error"]["httpStatusCode"].as_u64().map_or_else(
                // awsJson: a client's error is a 400; the service's own fault a 500, or a 503
                // when it says it is unavailable.
                || match (shape.get("fault").is_some(), name.as_str()) {
                    (true, "ServiceUnavailableException") => 503,
                    (true, _) => 500,
                    (false, _) => 400,
                },
                |status| status as u16,
            );
            errors.insert(name.clone(), (code.to_string(), status));
        }
        for (shape, code, status) in self.common {
            errors
                .entry(shape.to_string())
                .or_insert((code.to_string(), *status));
        }
        let mut o = String::new();
        o.push_str("/// The model's error shapes, and AWS's common errors.\n#[derive(Debug, Clone, Copy, PartialEq, Eq)]\npub enum ErrorCode {\n");
        for name in errors.keys() {
            let _ = writeln!(o, "    {name},");
        }
        let _ = writeln!(
            o,
            "}}\n\nimpl ErrorCode {{\n    pub const ALL: [ErrorCode; {}] = [{}];\n",
            errors.len(),
            errors
                .keys()
                .map(|n| format!("ErrorCode::{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        o.push_str("    /// The code AWS's clients see (`__type` in JSON, `x-amzn-ErrorType`, the query code).\n    pub fn code(self) -> &'static str {\n        match self {\n");
        for (name, (code, _)) in &errors {
            let _ = writeln!(o, "            ErrorCode::{name} => \"{code}\",");
        }
        o.push_str("        }\n    }\n\n    /// The error's shape in the model (`__type` in RPC v2 CBOR).\n    pub fn shape(self) -> &'static str {\n        match self {\n");
        for name in errors.keys() {
            let _ = writeln!(o, "            ErrorCode::{name} => \"{name}\",");
        }
        o.push_str("        }\n    }\n\n    /// The error of a code, if the model or AWS's common errors have it.\n    pub fn from_code(code: &str) -> Option<ErrorCode> {\n        ErrorCode::ALL.into_iter().find(|e| e.code() == code)\n    }\n\n    /// The HTTP status AWS answers it with.\n    pub fn status(self) -> u16 {\n        match self {\n");
        for (name, (_, status)) in &errors {
            let _ = writeln!(o, "            ErrorCode::{name} => {status},");
        }
        o.push_str("        }\n    }\n}\n\n");
        o.push_str("impl super::super::error::Code for ErrorCode {\n    fn code(self) -> &'static str {\n        ErrorCode::code(self)\n    }\n    fn shape(self) -> &'static str {\n        ErrorCode::shape(self)\n    }\n    fn status(self) -> u16 {\n        ErrorCode::status(self)\n    }\n}\n\n");
        self.out.push_str(&o);
    }

    fn string_enum(&mut self, name: &str, shape: &Value) {
        let mut values: Vec<&str> = shape["enum"]
            .as_array()
            .expect("enum")
            .iter()
            .map(str_of)
            .collect();
        values.extend(
            self.beyond
                .iter()
                .filter(|(enum_shape, _, _)| *enum_shape == name)
                .map(|(_, value, _)| *value),
        );
        let mut variants: Vec<String> = Vec::new();
        for value in &values {
            let mut variant = upper_camel(value);
            while variants.contains(&variant) {
                variant.push('_');
            }
            variants.push(variant);
        }
        let mut o = String::new();
        let _ = writeln!(o, "/// `{name}`: one of the model's values.");
        o.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]\n");
        let _ = writeln!(o, "pub enum {} {{", type_name(name));
        for (value, variant) in values.iter().zip(&variants) {
            let _ = writeln!(o, "    #[serde(rename = \"{value}\")]\n    {variant},");
        }
        let _ = writeln!(o, "}}\n\nimpl {} {{", type_name(name));
        o.push_str("    /// The value as AWS spells it.\n    pub fn as_str(self) -> &'static str {\n        match self {\n");
        for (value, variant) in values.iter().zip(&variants) {
            let _ = writeln!(
                o,
                "            {}::{variant} => \"{value}\",",
                type_name(name)
            );
        }
        o.push_str("        }\n    }\n\n    /// The value of that spelling, if it is one.\n    pub fn from_value(value: &str) -> Option<Self> {\n        match value {\n");
        for (value, variant) in values.iter().zip(&variants) {
            let _ = writeln!(
                o,
                "            \"{value}\" => Some({}::{variant}),",
                type_name(name)
            );
        }
        o.push_str("            _ => None,\n        }\n    }\n}\n\n");
        self.out.push_str(&o);
    }

    fn structure(&mut self, name: &str, shape: &Value) {
        let required = required(shape);
        let mut derives = vec![
            "Debug",
            "Clone",
            "PartialEq",
            "serde::Serialize",
            "serde::Deserialize",
        ];
        if self.defaultable(name) {
            derives.push("Default");
        }
        let mut o = String::new();
        let _ = writeln!(o, "/// `{name}`, as the model shapes it.");
        let _ = writeln!(o, "#[derive({})]", derives.join(", "));
        let _ = writeln!(o, "pub struct {} {{", type_name(name));
        let members = shape["members"]
            .as_object()
            .expect("a structure has members");
        for (member, reference) in members {
            let target = str_of(&reference["shape"]);
            if is_stream(self.shape(target)) {
                // An event stream is the body itself, written frame by frame: not a member.
                continue;
            }
            let wire = reference
                .get("locationName")
                .map_or(member.as_str(), str_of);
            let rust = self.rust_type(target);
            let field = field_name(member);
            if required.contains(member) {
                let _ = writeln!(
                    o,
                    "    #[serde(rename = \"{wire}\")]\n    pub {field}: {rust},"
                );
            } else {
                let _ = writeln!(
                    o,
                    "    #[serde(rename = \"{wire}\", default, skip_serializing_if = \"Option::is_none\")]\n    pub {field}: Option<{rust}>,"
                );
            }
        }
        o.push_str("}\n\n");
        self.out.push_str(&o);
    }
}

fn is_stream(shape: &Value) -> bool {
    shape.get("eventstream").is_some()
}

fn required(shape: &Value) -> Vec<String> {
    shape["required"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| str_of(v).to_string())
        .collect()
}

fn str_of(value: &Value) -> &str {
    value.as_str().expect("a name is a string")
}

/// A shape's name as a Rust type: as it is, unless it would shadow a prelude type.
fn type_name(shape: &str) -> String {
    match shape {
        "String" | "Option" | "Vec" | "Result" | "Box" | "Ok" | "Err" | "Some" | "None" => {
            format!("{shape}Shape")
        }
        _ => shape.to_string(),
    }
}

/// A member's name in snake case (`logGroupName` → `log_group_name`, `KMSKeyArn` →
/// `kms_key_arn`), raw when it is a keyword.
fn field_name(member: &str) -> String {
    let chars: Vec<char> = member.chars().collect();
    let mut out = String::new();
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let previous_lower =
                i > 0 && (chars[i - 1].is_ascii_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            let previous_upper = i > 0 && chars[i - 1].is_ascii_uppercase();
            if previous_lower || (previous_upper && next_lower) {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(*c);
        } else {
            out.push('_');
        }
    }
    const KEYWORDS: [&str; 12] = [
        "type", "match", "ref", "self", "struct", "enum", "fn", "mod", "move", "use", "where", "in",
    ];
    if KEYWORDS.contains(&out.as_str()) {
        format!("r#{out}")
    } else {
        out
    }
}

/// An enum value as a variant (`INFREQUENT_ACCESS` → `InfrequentAccess`, `python3.12` →
/// `Python312`, `LastEventTime` as it is).
fn upper_camel(value: &str) -> String {
    let mut out = String::new();
    for word in value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let all_upper = word.chars().all(|c| !c.is_ascii_lowercase());
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            if all_upper {
                out.extend(chars.map(|c| c.to_ascii_lowercase()));
            } else {
                out.extend(chars);
            }
        }
    }
    // A digit first, or a word Rust keeps for itself (`SELF`), takes a `V` before it.
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) || out == "Self" {
        out.insert(0, 'V');
    }
    out
}
