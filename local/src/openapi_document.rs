//! A Swagger 2.0 or OpenAPI 3.x document, as ImportRestApi, PutRestApi and
//! ImportDocumentationParts read one: JSON, or YAML (a leaf: it imports nothing of the crate).

use serde_json::Value;

/// The document as JSON, if `body` is a Swagger 2.0 or OpenAPI 3.x object in JSON or YAML
/// (recorded: test_import_rest_api_with_base_path_oas30's YAML documents).
pub fn read(body: &str) -> Option<Value> {
    let doc: Value = match serde_json::from_str(body) {
        Ok(doc) => doc,
        Err(_) => json_of_yaml(serde_norway::from_str::<serde_norway::Value>(body).ok()?),
    };
    let swagger = doc.get("swagger").and_then(Value::as_str) == Some("2.0");
    let openapi = doc
        .get("openapi")
        .and_then(Value::as_str)
        .is_some_and(|v| v.starts_with("3."));
    (doc.is_object() && (swagger || openapi)).then_some(doc)
}

/// A YAML document as JSON: a mapping's keys as text (YAML's `200:` is the JSON's `"200"`, as
/// AWS takes it: test_import_with_integer_http_status_code), a tag's value as its value.
fn json_of_yaml(value: serde_norway::Value) -> Value {
    use serde_norway::Value as Yaml;
    let text = |key: Yaml| match key {
        Yaml::String(s) => s,
        Yaml::Number(n) => n.to_string(),
        Yaml::Bool(b) => b.to_string(),
        Yaml::Null => "null".to_string(),
        other => json_of_yaml(other).to_string(),
    };
    match value {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => n
            .as_i64()
            .map(Value::from)
            .or_else(|| n.as_u64().map(Value::from))
            .or_else(|| n.as_f64().map(Value::from))
            .unwrap_or(Value::Null),
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(json_of_yaml).collect()),
        Yaml::Mapping(entries) => Value::Object(
            entries
                .into_iter()
                .map(|(key, value)| (text(key), json_of_yaml(value)))
                .collect(),
        ),
        Yaml::Tagged(tagged) => json_of_yaml(tagged.value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// YAML is read as its JSON, numeric keys and statuses as their text; anything that is
    /// not a Swagger 2.0 or OpenAPI 3.x object is no document.
    #[test]
    fn a_yaml_document_reads_as_its_json() {
        let doc = read("openapi: 3.0.1\npaths:\n  /a:\n    get:\n      responses:\n        200:\n          description: ok\n").unwrap();
        assert_eq!(
            doc["paths"]["/a"]["get"]["responses"]["200"]["description"],
            "ok"
        );
        assert!(read("{\"openapi\": \"3.0.1\"}").is_some());
        assert!(read("swagger: '2.0'").is_some());
        for refused in ["{'key:value}", "openapi: 2.0", "[]", "test: [", ""] {
            assert!(read(refused).is_none(), "{refused:?}");
        }
    }
}
