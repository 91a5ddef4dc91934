//! A leaf: JSON Schema draft 4, as API Gateway validates a request body against a method's
//! model. Only whether the document is valid is answered: API Gateway's 400 says no more than
//! `Invalid request body`. `$ref` is resolved within the document (`#/definitions/…`) or by
//! the caller (another model, by the URL API Gateway gives each model); `format` is not
//! checked, as API Gateway's guide lists no format among what it validates.
//!
//! Written here rather than taken from a crate: the crates' resolvers fetch remote references,
//! and a model's references are the API's own models, which only the caller knows.

use serde_json::Value;

/// How deep references may nest before the document is taken as invalid (a cycle of
/// references that never reaches an instance's member).
const MAX_DEPTH: usize = 64;

/// How many schemas one validation may look at before the document is taken as invalid:
/// depth alone does not bound the work of a model whose `anyOf` branches refer back to it.
const MAX_STEPS: usize = 100_000;

/// Whether `instance` is valid against `schema`, `resolve` giving the schema a reference
/// that is not within the document names (none: the document is invalid).
pub fn valid(schema: &Value, instance: &Value, resolve: &dyn Fn(&str) -> Option<Value>) -> bool {
    let validator = Validator {
        resolve,
        steps: std::cell::Cell::new(0),
    };
    validator.check(schema, schema, instance, 0)
}

struct Validator<'r> {
    resolve: &'r dyn Fn(&str) -> Option<Value>,
    steps: std::cell::Cell<usize>,
}

impl Validator<'_> {
    fn check(&self, schema: &Value, root: &Value, instance: &Value, depth: usize) -> bool {
        self.steps.set(self.steps.get() + 1);
        if depth > MAX_DEPTH || self.steps.get() > MAX_STEPS {
            return false;
        }
        let Some(schema) = schema.as_object() else {
            // `true`/`false` schemas are draft 6's; draft 4 has only objects.
            return true;
        };
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            // In draft 4 a `$ref` replaces its whole schema.
            return self.reference(reference, root, instance, depth);
        }
        let kept = |keyword: &str| schema.get(keyword);
        if let Some(kind) = kept("type") {
            let kinds: Vec<&str> = match kind {
                Value::String(k) => vec![k.as_str()],
                Value::Array(ks) => ks.iter().filter_map(Value::as_str).collect(),
                _ => vec![],
            };
            if !kinds.iter().any(|k| is_type(instance, k)) {
                return false;
            }
        }
        if let Some(Value::Array(values)) = kept("enum") {
            if !values.iter().any(|v| equal(v, instance)) {
                return false;
            }
        }
        let sub = |s: &Value, i: &Value| self.check(s, root, i, depth + 1);
        if let Some(Value::Array(all)) = kept("allOf") {
            if !all.iter().all(|s| sub(s, instance)) {
                return false;
            }
        }
        if let Some(Value::Array(any)) = kept("anyOf") {
            if !any.iter().any(|s| sub(s, instance)) {
                return false;
            }
        }
        if let Some(Value::Array(one)) = kept("oneOf") {
            if one.iter().filter(|s| sub(s, instance)).count() != 1 {
                return false;
            }
        }
        if let Some(not) = kept("not") {
            if sub(not, instance) {
                return false;
            }
        }
        match instance {
            Value::Object(members) => self.object(schema, members, &sub),
            Value::Array(items) => array(schema, items, &sub),
            Value::String(text) => string(schema, text),
            Value::Number(_) => number(schema, instance),
            _ => true,
        }
    }

    fn reference(&self, reference: &str, root: &Value, instance: &Value, depth: usize) -> bool {
        if let Some(pointer) = reference.strip_prefix('#') {
            return match root.pointer(pointer) {
                Some(target) => self.check(target, root, instance, depth + 1),
                None => false,
            };
        }
        let (document, pointer) = reference.split_once('#').unwrap_or((reference, ""));
        let Some(other) = (self.resolve)(document) else {
            return false;
        };
        match other.pointer(pointer) {
            Some(target) => self.check(target, &other, instance, depth + 1),
            None => false,
        }
    }

    fn object(
        &self,
        schema: &serde_json::Map<String, Value>,
        members: &serde_json::Map<String, Value>,
        sub: &dyn Fn(&Value, &Value) -> bool,
    ) -> bool {
        if let Some(Value::Array(required)) = schema.get("required") {
            if required
                .iter()
                .filter_map(Value::as_str)
                .any(|name| !members.contains_key(name))
            {
                return false;
            }
        }
        let count = members.len() as u64;
        if schema
            .get("minProperties")
            .and_then(Value::as_u64)
            .is_some_and(|min| count < min)
            || schema
                .get("maxProperties")
                .and_then(Value::as_u64)
                .is_some_and(|max| count > max)
        {
            return false;
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        let patterns: Vec<(regex::Regex, &Value)> = schema
            .get("patternProperties")
            .and_then(Value::as_object)
            .map(|p| {
                p.iter()
                    .filter_map(|(pattern, s)| Some((regex::Regex::new(pattern).ok()?, s)))
                    .collect()
            })
            .unwrap_or_default();
        for (name, value) in members {
            let mut matched = false;
            if let Some(s) = properties.and_then(|p| p.get(name)) {
                matched = true;
                if !sub(s, value) {
                    return false;
                }
            }
            for (pattern, s) in &patterns {
                if pattern.is_match(name) {
                    matched = true;
                    if !sub(s, value) {
                        return false;
                    }
                }
            }
            if !matched {
                match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => return false,
                    Some(s @ Value::Object(_)) if !sub(s, value) => return false,
                    _ => {}
                }
            }
        }
        if let Some(Value::Object(dependencies)) = schema.get("dependencies") {
            for (name, dependency) in dependencies {
                if !members.contains_key(name) {
                    continue;
                }
                let met = match dependency {
                    Value::Array(names) => names
                        .iter()
                        .filter_map(Value::as_str)
                        .all(|n| members.contains_key(n)),
                    s => sub(s, &Value::Object(members.clone())),
                };
                if !met {
                    return false;
                }
            }
        }
        true
    }
}

fn array(
    schema: &serde_json::Map<String, Value>,
    items: &[Value],
    sub: &dyn Fn(&Value, &Value) -> bool,
) -> bool {
    let count = items.len() as u64;
    if schema
        .get("minItems")
        .and_then(Value::as_u64)
        .is_some_and(|min| count < min)
        || schema
            .get("maxItems")
            .and_then(Value::as_u64)
            .is_some_and(|max| count > max)
    {
        return false;
    }
    if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
        for (i, a) in items.iter().enumerate() {
            if items[i + 1..].iter().any(|b| equal(a, b)) {
                return false;
            }
        }
    }
    match schema.get("items") {
        Some(Value::Array(positional)) => {
            for (item, s) in items.iter().zip(positional) {
                if !sub(s, item) {
                    return false;
                }
            }
            let rest = items.iter().skip(positional.len());
            match schema.get("additionalItems") {
                Some(Value::Bool(false)) => rest.len() == 0,
                Some(s @ Value::Object(_)) => rest.into_iter().all(|item| sub(s, item)),
                _ => true,
            }
        }
        Some(s @ Value::Object(_)) => items.iter().all(|item| sub(s, item)),
        _ => true,
    }
}

fn string(schema: &serde_json::Map<String, Value>, text: &str) -> bool {
    // Lengths count characters (code points), as draft 4 says.
    let length = text.chars().count() as u64;
    if schema
        .get("minLength")
        .and_then(Value::as_u64)
        .is_some_and(|min| length < min)
        || schema
            .get("maxLength")
            .and_then(Value::as_u64)
            .is_some_and(|max| length > max)
    {
        return false;
    }
    match schema.get("pattern").and_then(Value::as_str) {
        // Unanchored, as ECMA 262's `test`.
        Some(pattern) => regex::Regex::new(pattern).is_ok_and(|re| re.is_match(text)),
        None => true,
    }
}

fn number(schema: &serde_json::Map<String, Value>, instance: &Value) -> bool {
    let Some(n) = instance.as_f64() else {
        return true;
    };
    let exclusive = |k: &str| schema.get(k) == Some(&Value::Bool(true));
    if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
        if n < min || (exclusive("exclusiveMinimum") && n == min) {
            return false;
        }
    }
    if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
        if n > max || (exclusive("exclusiveMaximum") && n == max) {
            return false;
        }
    }
    if let Some(divisor) = schema.get("multipleOf").and_then(Value::as_f64) {
        if divisor > 0.0 {
            let quotient = n / divisor;
            if (quotient - quotient.round()).abs() > 1e-9 {
                return false;
            }
        }
    }
    true
}

fn is_type(instance: &Value, kind: &str) -> bool {
    match kind {
        "object" => instance.is_object(),
        "array" => instance.is_array(),
        "string" => instance.is_string(),
        "boolean" => instance.is_boolean(),
        "null" => instance.is_null(),
        "number" => instance.is_number(),
        // 1.0 is an integer, as draft 4 reads a number with no fraction.
        "integer" => instance
            .as_f64()
            .is_some_and(|n| n.fract() == 0.0 && n.is_finite()),
        _ => false,
    }
}

/// JSON equality, numbers by value (`1` equals `1.0`).
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(schema: Value, instance: Value) -> bool {
        valid(&schema, &instance, &|_| None)
    }

    #[test]
    fn types_required_and_properties_are_checked() {
        let schema = json!({"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "integer"}}, "required": ["a", "b"]});
        assert!(ok(schema.clone(), json!({"a": 1.5, "b": 2})));
        assert!(ok(schema.clone(), json!({"a": 1, "b": 2.0})));
        assert!(!ok(schema.clone(), json!({"a": 1})));
        assert!(!ok(schema.clone(), json!({"a": "1", "b": 2})));
        assert!(!ok(schema.clone(), json!({"a": 1, "b": 2.5})));
        assert!(!ok(schema, json!([1, 2])));
    }

    #[test]
    fn one_of_needs_exactly_one_and_refs_resolve_through_the_caller() {
        let status = json!({"type": "object", "properties": {"Status": {"type": "string"}}, "required": ["Status"]});
        let schema = json!({"type": "object", "properties": {"status": {"oneOf": [{"type": "null"}, {"$ref": "https://x/models/S"}]}}, "required": ["status"]});
        let resolve = |url: &str| (url == "https://x/models/S").then(|| status.clone());
        assert!(valid(&schema, &json!({"status": null}), &resolve));
        assert!(valid(
            &schema,
            &json!({"status": {"Status": "ok"}}),
            &resolve
        ));
        assert!(!valid(&schema, &json!({"status": {"Order": 1}}), &resolve));
        assert!(!valid(&schema, &json!({}), &resolve));
        // A reference nobody resolves makes the document invalid.
        assert!(!valid(&json!({"$ref": "https://y"}), &json!({}), &resolve));
    }

    #[test]
    fn strings_numbers_arrays_and_local_refs() {
        assert!(ok(
            json!({"minLength": 2, "maxLength": 3, "pattern": "^a"}),
            json!("ab")
        ));
        assert!(!ok(json!({"minLength": 2}), json!("é")));
        assert!(!ok(json!({"pattern": "^a"}), json!("ba")));
        assert!(ok(
            json!({"minimum": 1, "maximum": 2, "exclusiveMaximum": true}),
            json!(1)
        ));
        assert!(!ok(
            json!({"minimum": 1, "maximum": 2, "exclusiveMaximum": true}),
            json!(2)
        ));
        assert!(ok(json!({"multipleOf": 0.5}), json!(1.5)));
        assert!(!ok(json!({"multipleOf": 2}), json!(3)));
        assert!(!ok(json!({"uniqueItems": true}), json!([1, 1.0])));
        assert!(!ok(
            json!({"items": [{"type": "string"}], "additionalItems": false}),
            json!(["a", 1])
        ));
        assert!(ok(
            json!({"definitions": {"n": {"type": "number"}}, "items": {"$ref": "#/definitions/n"}}),
            json!([1, 2])
        ));
        assert!(!ok(
            json!({"additionalProperties": false, "properties": {"a": {}}}),
            json!({"b": 1})
        ));
        assert!(!ok(json!({"enum": ["x", 1]}), json!("y")));
        assert!(!ok(json!({"not": {"type": "null"}}), json!(null)));
        // A reference cycle ends as invalid, not as a stack overflow.
        assert!(!ok(json!({"$ref": "#"}), json!(1)));
    }

    #[test]
    fn a_model_that_branches_back_into_itself_is_bounded() {
        // Unbounded, this would look at 2^64 schemas: it ends, and finds the body invalid.
        let schema = json!({"anyOf": [{"$ref": "#"}, {"$ref": "#"}]});
        assert!(!valid(&schema, &json!({}), &|_| None));
    }
}
