//! The FAQ data model and its validation. One type for both sides: the function parses the
//! file once per execution environment, faqctl parses it before a build so that bad data never
//! reaches AWS. Errors name the file, the place and the problem.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The file name the function reads from its task root, and faqctl ships in the zip.
pub const FAQ_FILE_NAME: &str = "faq.json";

/// Larger than any sensible FAQ, small enough that one answer always fits in a Lambda response
/// (6 MB) and parsing stays well under a millisecond per kilobyte.
pub const MAX_FAQ_BYTES: u64 = 1024 * 1024;

/// The whole `faq.json`: which service the questions are about, where they come from, and the
/// question/answer pairs themselves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Faq {
    pub service: String,
    pub reference: String,
    pub questions: Vec<Entry>,
}

/// One question and its answer, serialised exactly as the function returns it: `{"q":…,"a":…}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub q: String,
    pub a: String,
}

#[derive(Debug, thiserror::Error)]
pub enum FaqError {
    /// The cause is in the message (not a `source`), so an error chain prints it once.
    #[error("{file}: cannot read it ({cause}){}", read_hint(cause))]
    Read { file: String, cause: std::io::Error },
    #[error("{file}: {problem}")]
    Invalid { file: String, problem: String },
}

/// What to do when the FAQ file is not there: run in the project, or name the file.
fn read_hint(cause: &std::io::Error) -> &'static str {
    if cause.kind() == std::io::ErrorKind::NotFound {
        ": run faqctl in the project's folder (where faq.json and Cargo.toml are), or pass the file with --faq PATH"
    } else {
        ""
    }
}

impl Faq {
    /// Reads and validates a FAQ file.
    pub fn load(path: &Path) -> Result<Faq, FaqError> {
        let file = path.display().to_string();
        let read_error = |cause| FaqError::Read {
            file: file.clone(),
            cause,
        };
        let size = std::fs::metadata(path).map_err(read_error)?.len();
        if size > MAX_FAQ_BYTES {
            return Err(FaqError::Invalid {
                file,
                problem: format!(
                    "is {size} bytes, more than the {MAX_FAQ_BYTES} bytes allowed; keep the FAQ short"
                ),
            });
        }
        let text = std::fs::read_to_string(path).map_err(read_error)?;
        Faq::parse(&file, &text)
    }

    /// Parses and validates FAQ text; `file` only names the source in errors.
    pub fn parse(file: &str, text: &str) -> Result<Faq, FaqError> {
        let invalid = |problem: String| FaqError::Invalid {
            file: file.to_string(),
            problem,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| invalid(format!("is not valid JSON: {e}")))?;
        // serde also accepts a struct written as an array; the file format is objects only.
        if !value.is_object() {
            return Err(invalid(
                "must be a JSON object with service, reference and questions".into(),
            ));
        }
        if let Some(questions) = value["questions"].as_array() {
            if let Some(i) = questions.iter().position(|q| !q.is_object()) {
                return Err(invalid(format!(
                    "questions[{i}] must be an object {{\"q\": …, \"a\": …}}"
                )));
            }
        }
        let faq: Faq = serde_path_to_error::deserialize(value).map_err(|e| {
            let mut place = e.path().to_string();
            let inner = e.into_inner();
            // The path of an unknown field ends in that field: name the object holding it.
            if inner.to_string().starts_with("unknown field") {
                place = place
                    .rsplit_once('.')
                    .map_or(".", |(parent, _)| parent)
                    .to_string();
            }
            invalid(if place == "." {
                inner.to_string()
            } else {
                format!("{place}: {inner}")
            })
        })?;
        faq.validate().map_err(invalid)?;
        Ok(faq)
    }

    fn validate(&self) -> Result<(), String> {
        if self.questions.is_empty() {
            return Err("questions is empty: add at least one {\"q\": …, \"a\": …} entry".into());
        }
        for (i, entry) in self.questions.iter().enumerate() {
            if entry.q.trim().is_empty() {
                return Err(format!("questions[{i}].q is empty"));
            }
            if entry.a.trim().is_empty() {
                return Err(format!("questions[{i}].a is empty"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str) -> String {
        Faq::parse("faq.json", text).unwrap_err().to_string()
    }

    #[test]
    fn the_shipped_faq_is_valid_and_has_nineteen_questions() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../faq.json");
        let faq = Faq::load(&path).expect("the project's faq.json is valid");
        assert_eq!(faq.service, "lambda");
        assert_eq!(faq.questions.len(), 19);
    }

    #[test]
    fn broken_files_are_refused_with_the_place_and_the_problem() {
        let cases = [
            ("{", "faq.json: is not valid JSON: EOF while parsing"),
            (
                r#"{"service":"s","reference":"r","questions":[]}"#,
                "faq.json: questions is empty",
            ),
            (
                r#"{"service":"s","reference":"r","questions":[{"q":"x","a":"y"},{"q":"x","a":" "}]}"#,
                "faq.json: questions[1].a is empty",
            ),
            (
                r#"{"service":"s","reference":"r","questions":[{"q":"","a":"y"}]}"#,
                "faq.json: questions[0].q is empty",
            ),
            (
                r#"{"service":"s","reference":"r","questions":[{"q":"x","a":"y","extra":1}]}"#,
                "faq.json: questions[0]: unknown field `extra`, expected `q` or `a`",
            ),
            (
                r#"{"service":"s","reference":"r","questions":[],"x":1}"#,
                "faq.json: unknown field `x`, expected one of `service`",
            ),
            (
                r#"{"service":"s","questions":[{"q":"x","a":"y"}]}"#,
                "faq.json: missing field `reference`",
            ),
            (
                r#"{"service":"s","reference":"r","questions":[{"q":"x","a":7}]}"#,
                "faq.json: questions[0].a: invalid type: integer `7`",
            ),
            ("[]", "faq.json: must be a JSON object"),
            (
                r#"{"service":"s","reference":"r","questions":[["x","y"]]}"#,
                "faq.json: questions[0] must be an object",
            ),
            (
                r#"{"service":"s","reference":"r","questions":[{"q":"x","a":"y"}]} trailing"#,
                "faq.json: is not valid JSON: trailing characters",
            ),
        ];
        for (text, expected) in cases {
            let got = problem(text);
            assert!(
                got.starts_with(expected),
                "for {text}\n  expected: {expected}\n       got: {got}"
            );
        }
    }

    #[test]
    fn an_oversized_file_is_refused_before_parsing() {
        let dir = std::env::temp_dir().join(format!("faq-oversize-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("faq.json");
        std::fs::write(&path, vec![b' '; MAX_FAQ_BYTES as usize + 1]).unwrap();
        let err = Faq::load(&path).unwrap_err().to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(err.contains("more than the 1048576 bytes allowed"), "{err}");
    }

    proptest::proptest! {
        /// Any text, JSON or not, is either a valid FAQ or a clear error naming the file:
        /// never a panic.
        #[test]
        fn any_input_parses_or_fails_with_the_file_named(text in "\\PC{0,200}") {
            if let Err(error) = Faq::parse("faq.json", &text) {
                proptest::prop_assert!(error.to_string().contains("faq.json"), "{}", error);
            }
        }

        /// JSON of the right shape with arbitrary strings and counts never panics either.
        #[test]
        fn shaped_input_never_panics(
            service in ".{0,20}",
            entries in proptest::collection::vec((".{0,30}", ".{0,30}"), 0..20),
        ) {
            let questions: Vec<serde_json::Value> = entries
                .iter()
                .map(|(q, a)| serde_json::json!({ "q": q, "a": a }))
                .collect();
            let text = serde_json::json!({
                "service": service, "reference": "r", "questions": questions
            })
            .to_string();
            match Faq::parse("faq.json", &text) {
                Ok(faq) => proptest::prop_assert!(!faq.questions.is_empty()),
                Err(error) => proptest::prop_assert!(error.to_string().contains("faq.json")),
            }
        }
    }
}
