//! Lambda's managed runtimes: a `python3.x` or `nodejs*.x` function has no `bootstrap` of its
//! own; on AWS the runtime's (`/var/runtime/bootstrap`) starts a runtime interface client that
//! imports the handler `_HANDLER` names from the code and speaks the Runtime API. Here the
//! same is done by an embedded client (`managed/python.py`, `managed/node.js`) run by this
//! machine's `python3` or `node`, with the environment AWS gives those runtimes (recorded:
//! test_lambda_common.snapshot.json, test_introspection_invoke[python3.12] and
//! [nodejs20.x]). Every version of a family runs on the one interpreter found here:
//! docs/parity.md lists that difference.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::emulation::{on_path, Launch};
use super::state::Function;

const PYTHON_CLIENT: &str = include_str!("managed/python.py");
const NODE_CLIENT: &str = include_str!("managed/node.js");

/// A managed runtime's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Python,
    Node,
}

impl Family {
    /// The family of a runtime AWS manages, or none (`provided.*` runs the code's bootstrap;
    /// Java, .NET and Ruby are not run here).
    pub fn of(runtime: &str) -> Option<Family> {
        if runtime.starts_with("python3") {
            Some(Family::Python)
        } else if runtime.starts_with("nodejs") {
            Some(Family::Node)
        } else {
            None
        }
    }

    /// The interpreter's command name, and the variable that points at another one.
    fn command(self) -> (&'static str, &'static str) {
        match self {
            Family::Python => ("python3", "FAQCTL_PYTHON"),
            Family::Node => ("node", "FAQCTL_NODE"),
        }
    }
}

/// The interpreter of a family, found once: `FAQCTL_PYTHON` / `FAQCTL_NODE`, else `python3` /
/// `node` on this machine's PATH, resolved to the real binary (a version manager's shim needs
/// the host's environment, which the function never gets).
fn interpreter(family: Family) -> Result<PathBuf, String> {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    static NODE: OnceLock<PathBuf> = OnceLock::new();
    let cell = match family {
        Family::Python => &PYTHON,
        Family::Node => &NODE,
    };
    if let Some(found) = cell.get() {
        return Ok(found.clone());
    }
    // Only what was found is kept: an interpreter installed later is found then.
    let found = find(family)?;
    Ok(cell.get_or_init(|| found).clone())
}

fn find(family: Family) -> Result<PathBuf, String> {
    let (name, variable) = family.command();
    let given = std::env::var_os(variable).map(PathBuf::from);
    let program = match &given {
        Some(path) => Some(path.clone()).filter(|p| p.is_file()),
        None => on_path(name),
    };
    let missing = || {
        format!(
            "faqctl local runs {} functions with this machine's {name}, and found none{}: install it (`apt-get install {}`) or set {variable} to its path",
            match family {
                Family::Python => "python3.x",
                Family::Node => "nodejs*.x",
            },
            given
                .as_ref()
                .map(|p| format!(" at {variable}={}", p.display()))
                .unwrap_or_else(|| " on PATH".into()),
            match family {
                Family::Python => "python3",
                Family::Node => "nodejs",
            }
        )
    };
    let program = program.ok_or_else(missing)?;
    let asked = match family {
        Family::Python => vec!["-c", "import sys; print(sys.executable)"],
        Family::Node => vec!["-e", "console.log(process.execPath)"],
    };
    let output = std::process::Command::new(&program)
        .args(asked)
        .output()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    let real = String::from_utf8_lossy(&output.stdout).trim().to_string();
    match output.status.success() && !real.is_empty() {
        true => Ok(PathBuf::from(real)),
        false => Err(missing()),
    }
}

/// How an environment of a managed runtime starts: the interpreter with the runtime
/// interface client, behind `AWS_LAMBDA_EXEC_WRAPPER` when the function names one (AWS runs
/// the wrapper with the runtime's command as its arguments).
pub fn launch(family: Family, function: &Function) -> Result<Launch, String> {
    let interpreter = interpreter(family)?;
    let mut args: Vec<OsString> = match family {
        // -s: not the host user's site-packages.
        Family::Python => vec!["-s".into(), "-c".into(), PYTHON_CLIENT.into()],
        Family::Node => vec!["-e".into(), NODE_CLIENT.into()],
    };
    let wrapper = function
        .environment
        .as_ref()
        .and_then(|vars| vars.get("AWS_LAMBDA_EXEC_WRAPPER"));
    let Some(wrapper) = wrapper else {
        return Ok(Launch {
            program: interpreter,
            args,
        });
    };
    // As the runtime's own bootstrap (a shell script) checks and runs it, with its words
    // and exit codes (recorded: test_lambda_runtime_wrapper_not_found, "exit status 127").
    let mut wrapped: Vec<OsString> = vec![
        "-c".into(),
        WRAPPER_CHECK.into(),
        wrapper.into(),
        task_path(&function.code_dir, wrapper).into(),
        interpreter.into(),
    ];
    wrapped.append(&mut args);
    Ok(Launch {
        program: PathBuf::from("/bin/bash"),
        args: wrapped,
    })
}

/// `$0`: the wrapper as the function names it; `$1`: where it is here; then the runtime's
/// command.
const WRAPPER_CHECK: &str = r#"wrapper="$0"; path="$1"; shift
if [ ! -f "$path" ]; then echo "$wrapper: does not exist"; exit 127; fi
if [ ! -x "$path" ]; then echo "$wrapper: is not an executable"; exit 126; fi
exec -- "$path" "$@""#;

/// A path the function names as on AWS (`/var/task/…`), in the code's directory here.
fn task_path(code_dir: &Path, path: &str) -> PathBuf {
    match path.strip_prefix("/var/task/") {
        Some(rest) => code_dir.join(rest),
        None => PathBuf::from(path),
    }
}

/// The variables a managed runtime adds to those every runtime has (recorded:
/// test_introspection_invoke[python3.12] and [nodejs20.x]), with /var/runtime and /var/task
/// mapped to the code's directory.
pub fn environment(
    family: Family,
    runtime: &str,
    root: &str,
    function_vars: Option<&std::collections::BTreeMap<String, String>>,
) -> Vec<(&'static str, String)> {
    let mut vars = vec![
        ("AWS_EXECUTION_ENV", format!("AWS_Lambda_{runtime}")),
        ("PWD", root.to_string()),
        ("SHLVL", "0".to_string()),
        // Where these runtimes' X-Ray daemon listens (provided.* has another address).
        ("AWS_XRAY_DAEMON_ADDRESS", "169.254.100.1:2000".to_string()),
        ("_AWS_XRAY_DAEMON_ADDRESS", "169.254.100.1".to_string()),
    ];
    match family {
        Family::Python => {
            vars.push(("PYTHONPATH", root.to_string()));
            // python3.12 on set LC_CTYPE, older ones do not (recorded: [python3.11] has none).
            // Python itself sets it when it coerces a C locale (PEP 538), so the client is told
            // what the function sees and puts it right before the handler is loaded.
            let minor: u32 = runtime
                .strip_prefix("python3.")
                .and_then(|m| m.parse().ok())
                .unwrap_or(0);
            let own = environment_of(function_vars, "LC_CTYPE");
            let shown = own.unwrap_or(if minor >= 12 { "C.UTF-8" } else { "" });
            vars.push(("_FAQCTL_LC_CTYPE", shown.to_string()));
        }
        Family::Node => {
            let major = runtime.trim_start_matches("nodejs").trim_end_matches(".x");
            vars.push((
                "NODE_PATH",
                format!("/opt/nodejs/node{major}/node_modules:/opt/nodejs/node_modules:{root}/node_modules:{root}:{root}"),
            ));
        }
    }
    vars
}

fn environment_of<'a>(
    vars: Option<&'a std::collections::BTreeMap<String, String>>,
    name: &str,
) -> Option<&'a str> {
    vars.and_then(|vars| vars.get(name)).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes_are_told_apart_by_family() {
        assert_eq!(Family::of("python3.12"), Some(Family::Python));
        assert_eq!(Family::of("nodejs20.x"), Some(Family::Node));
        assert_eq!(Family::of("provided.al2023"), None);
        assert_eq!(Family::of("java21"), None);
    }

    #[test]
    fn a_wrapper_under_var_task_is_the_codes_own() {
        let dir = Path::new("/tmp/code");
        assert_eq!(task_path(dir, "/var/task/wrap"), dir.join("wrap"));
        assert_eq!(task_path(dir, "/opt/wrap"), PathBuf::from("/opt/wrap"));
    }

    #[test]
    fn node_path_names_the_runtimes_major_version() {
        let vars = environment(Family::Node, "nodejs22.x", "/c", None);
        let node_path = &vars.iter().find(|(k, _)| *k == "NODE_PATH").unwrap().1;
        assert!(
            node_path.starts_with("/opt/nodejs/node22/node_modules:"),
            "{node_path}"
        );
    }
}
