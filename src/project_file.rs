//! `faqctl.toml`: the settings a project sets once (names, role, region, architecture,
//! memory, timeout, retention, CORS origins, traffic shifting and its alarms, API keys and
//! their usage plan), so that
//! `faqctl deploy` alone does the right thing. Flags and FAQCTL_* environment variables
//! override it. Unknown keys and bad values are an error that names the line, not a silent typo.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

pub const FILE_NAME: &str = "faqctl.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ProjectFile {
    pub function_name: Option<String>,
    pub api_name: Option<String>,
    pub stage: Option<String>,
    pub role_arn: Option<String>,
    pub region: Option<String>,
    pub memory: Option<i32>,
    pub timeout: Option<i32>,
    pub log_retention_days: Option<i32>,
    /// `x86_64` or `arm64`.
    pub arch: Option<crate::settings::Arch>,
    /// The `--cors-origin` values: `cors-origins = ["https://www.example.com"]`.
    pub cors_origins: Option<Vec<String>>,
    /// `--traffic`: `traffic = "canary:10:5"` (checked as the flag is).
    #[serde(default, deserialize_with = "from_str")]
    pub traffic: Option<crate::settings::Traffic>,
    /// The `--alarm` names: `alarms = ["faq-5xx"]`.
    pub alarms: Option<Vec<String>>,
    /// `--domain`, `--certificate-arn`, `--base-path`: the custom domain name.
    pub domain: Option<String>,
    pub certificate_arn: Option<String>,
    pub base_path: Option<String>,
    /// `--cache-ttl`: `cache-ttl = 300` (0: off).
    pub cache_ttl: Option<u32>,
    /// `--auth`: `auth = "iam"` (or `"none"`).
    pub auth: Option<crate::settings::Auth>,
    /// `--response-model`: `response-model = false` leaves the FAQ's model out.
    pub response_model: Option<bool>,
    /// `--api-key-required`: `api-key-required = true`.
    pub api_key_required: Option<bool>,
    /// `--usage-plan-rate` and `--usage-plan-burst`, per API key.
    pub usage_plan_rate: Option<u32>,
    pub usage_plan_burst: Option<u32>,
    /// `--usage-plan-quota`: `usage-plan-quota = "1000/day"` (checked as the flag is).
    #[serde(default, deserialize_with = "from_str")]
    pub usage_plan_quota: Option<crate::settings::Quota>,
    /// Where it was read from (none: no file).
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

impl ProjectFile {
    /// Reads `explicit`, or `faqctl.toml` in the current folder if it exists.
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<ProjectFile> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None => {
                let default = PathBuf::from(FILE_NAME);
                if !default.exists() {
                    return Ok(ProjectFile::default());
                }
                default
            }
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("{}: cannot read the project file", path.display()))?;
        let mut file = ProjectFile::parse(&path.display().to_string(), &text)?;
        file.path = Some(path);
        Ok(file)
    }

    pub fn parse(name: &str, text: &str) -> anyhow::Result<ProjectFile> {
        toml::from_str(text).map_err(|e| {
            let message = e.message().to_string();
            let place = e
                .span()
                .map(|span| {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    format!(" (line {line})")
                })
                .unwrap_or_default();
            anyhow::anyhow!("{name}{place}: {message}")
        })
    }
}

/// A value read with its type's `FromStr`, so the file accepts exactly what the flag does.
fn from_str<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr<Err = String>,
{
    let text = String::deserialize(deserializer)?;
    text.parse().map(Some).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_project_file_sets_what_a_project_sets_once() {
        let file = ProjectFile::parse(
            "faqctl.toml",
            "function-name = \"FAQ\"\nrole-arn = \"arn:aws:iam::123456789012:role/r\"\nregion = \"eu-west-1\"\nmemory = 256\n",
        )
        .unwrap();
        assert_eq!(file.memory, Some(256));
        assert_eq!(file.region.as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn traffic_and_alarms_are_read_as_the_flags_read_them() {
        let file = ProjectFile::parse(
            "faqctl.toml",
            "traffic = \"canary:10:5\"\nalarms = [\"faq-5xx\", \"faq-latency\"]\n",
        )
        .unwrap();
        assert_eq!(
            file.traffic,
            Some("canary:10:5".parse::<crate::settings::Traffic>().unwrap())
        );
        assert_eq!(
            file.alarms,
            Some(vec!["faq-5xx".to_string(), "faq-latency".to_string()])
        );
        let error =
            ProjectFile::parse("faqctl.toml", "stage = \"x\"\ntraffic = \"canary:150:5\"\n")
                .unwrap_err()
                .to_string();
        assert!(error.starts_with("faqctl.toml (line 2): "), "{error}");
        assert!(error.contains("150"), "{error}");
    }

    #[test]
    fn a_typo_is_an_error_that_names_the_file_and_line() {
        let error = ProjectFile::parse("faqctl.toml", "stage = \"x\"\nmemroy = 256\n")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(
                "faqctl.toml (line 2): unknown field `memroy`, expected one of `function-name`"
            ),
            "{error}"
        );
    }
}
