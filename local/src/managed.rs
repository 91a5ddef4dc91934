//! Lambda's managed runtimes: a `python3.x`, `nodejs*.x`, `java*` or `ruby3.x` function has no
//! `bootstrap` of its own; on AWS the runtime's (`/var/runtime/bootstrap`) starts a runtime
//! interface client that loads the handler `_HANDLER` names from the code and speaks the
//! Runtime API. Here the same is done by an embedded client (`managed/python.py`,
//! `managed/node.js`, `managed/java/`, `managed/ruby.rb`) run by this machine's `python3`,
//! `node`, `java` or `ruby`, with the environment AWS gives those runtimes (recorded:
//! test_lambda_common.snapshot.json, test_introspection_invoke[python3.12], [nodejs20.x],
//! [java17], [java8.al2] and [ruby3.3]). Every
//! version of a family runs on the one interpreter found here: docs/parity.md lists that
//! difference.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::emulation::{on_path, Launch};
use super::state::Function;

const PYTHON_CLIENT: &str = include_str!("managed/python.py");
const NODE_CLIENT: &str = include_str!("managed/node.js");
const RUBY_CLIENT: &str = include_str!("managed/ruby.rb");
/// The Java client, and the interfaces of AWS's aws-lambda-java-core it loads handlers with:
/// compiled once with this machine's `javac` (`java_classes`).
const JAVA_SOURCES: &[(&str, &str)] = &[
    ("Ric.java", include_str!("managed/java/Ric.java")),
    ("Context.java", include_str!("managed/java/Context.java")),
    (
        "RequestHandler.java",
        include_str!("managed/java/RequestHandler.java"),
    ),
    (
        "RequestStreamHandler.java",
        include_str!("managed/java/RequestStreamHandler.java"),
    ),
    (
        "LambdaLogger.java",
        include_str!("managed/java/LambdaLogger.java"),
    ),
    (
        "LambdaRuntime.java",
        include_str!("managed/java/LambdaRuntime.java"),
    ),
    (
        "CognitoIdentity.java",
        include_str!("managed/java/CognitoIdentity.java"),
    ),
    (
        "ClientContext.java",
        include_str!("managed/java/ClientContext.java"),
    ),
    ("Client.java", include_str!("managed/java/Client.java")),
];

/// A managed runtime's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Python,
    Node,
    Java,
    Ruby,
}

impl Family {
    /// The family of a runtime AWS manages, or none (`provided.*` runs the code's bootstrap;
    /// .NET is not run here).
    pub fn of(runtime: &str) -> Option<Family> {
        if runtime.starts_with("python3") {
            Some(Family::Python)
        } else if runtime.starts_with("nodejs") {
            Some(Family::Node)
        } else if runtime.starts_with("java") {
            Some(Family::Java)
        } else if runtime.starts_with("ruby3") {
            Some(Family::Ruby)
        } else {
            None
        }
    }

    /// The interpreter's command name, and the variable that points at another one.
    fn command(self) -> (&'static str, &'static str) {
        match self {
            Family::Python => ("python3", "FAQCTL_PYTHON"),
            Family::Node => ("node", "FAQCTL_NODE"),
            Family::Java => ("java", "FAQCTL_JAVA"),
            Family::Ruby => ("ruby", "FAQCTL_RUBY"),
        }
    }

    /// What the family's runtimes are called in messages, and the Debian package that brings
    /// the interpreter.
    fn named(self) -> (&'static str, &'static str) {
        match self {
            Family::Python => ("python3.x", "python3"),
            Family::Node => ("nodejs*.x", "nodejs"),
            Family::Java => ("java*", "openjdk-17-jdk-headless"),
            Family::Ruby => ("ruby3.x", "ruby"),
        }
    }
}

/// The descriptor a runtime's client writes its framed log events to (AWS's
/// `_LAMBDA_TELEMETRY_LOG_FD`), or none: java8.al2 and java11 print theirs (recorded: their
/// environments name none; java17 on show 62). The Python, Node.js and Ruby clients take the
/// variable out of the handler's sight (recorded: [ruby3.3] shows none, as aws_lambda_ric
/// deletes it), so their number is not seen.
pub fn telemetry_fd(runtime: &str) -> Option<i32> {
    match Family::of(runtime)? {
        Family::Python | Family::Node | Family::Ruby => Some(3),
        Family::Java if matches!(runtime, "java8.al2" | "java11" | "java8") => None,
        Family::Java => Some(62),
    }
}

/// The interpreter of a family, found once: `FAQCTL_PYTHON` / `FAQCTL_NODE` / `FAQCTL_JAVA` /
/// `FAQCTL_RUBY`, else `python3` / `node` / `java` / `ruby` on this machine's PATH, resolved
/// to the real binary (a version manager's shim needs the host's environment, which the
/// function never gets).
fn interpreter(family: Family) -> Result<PathBuf, String> {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    static NODE: OnceLock<PathBuf> = OnceLock::new();
    static JAVA: OnceLock<PathBuf> = OnceLock::new();
    static RUBY: OnceLock<PathBuf> = OnceLock::new();
    let cell = match family {
        Family::Python => &PYTHON,
        Family::Node => &NODE,
        Family::Java => &JAVA,
        Family::Ruby => &RUBY,
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
    let (runtimes, package) = family.named();
    let missing = || {
        format!(
            "faqctl local runs {runtimes} functions with this machine's {name}, and found none{}: install it (`apt-get install {package}`) or set {variable} to its path",
            given
                .as_ref()
                .map(|p| format!(" at {variable}={}", p.display()))
                .unwrap_or_else(|| " on PATH".into()),
        )
    };
    let program = program.ok_or_else(missing)?;
    let asked = match family {
        Family::Python => vec!["-c", "import sys; print(sys.executable)"],
        Family::Node => vec!["-e", "console.log(process.execPath)"],
        Family::Java => vec!["-XshowSettings:properties", "-version"],
        Family::Ruby => vec!["-e", "print RbConfig.ruby"],
    };
    let output = std::process::Command::new(&program)
        .args(asked)
        .output()
        .map_err(|e| format!("{}: {e}", program.display()))?;
    let real = match family {
        // `java.home = /usr/lib/jvm/…`, among the settings it prints on stderr.
        Family::Java => String::from_utf8_lossy(&output.stderr)
            .lines()
            .find_map(|line| line.trim().strip_prefix("java.home = "))
            .map(|home| format!("{home}/bin/java"))
            .unwrap_or_default(),
        _ => String::from_utf8_lossy(&output.stdout).trim().to_string(),
    };
    match output.status.success() && !real.is_empty() {
        true => Ok(PathBuf::from(real)),
        false => Err(missing()),
    }
}

/// The `javac` of the JDK whose `java` runs Java functions.
pub fn java_compiler() -> Result<PathBuf, String> {
    let java = interpreter(Family::Java)?;
    let javac = java.with_file_name("javac");
    match javac.is_file() {
        true => Ok(javac),
        false => Err(format!(
            "faqctl local compiles its Java runtime client with javac, and {} has none beside it: install a JDK (`apt-get install openjdk-17-jdk-headless`) or set FAQCTL_JAVA to a JDK's java",
            java.display()
        )),
    }
}

/// The directory of the Java client's classes, with the `com.amazonaws.services.lambda.runtime`
/// interfaces a handler is compiled against: compiled once per source and JDK with that JDK's
/// `javac`, into the user's private cache directory (a directory per content, filled aside and
/// moved in, so that two local clouds never see half of one).
pub fn java_classes() -> Result<PathBuf, String> {
    static CLASSES: OnceLock<PathBuf> = OnceLock::new();
    if let Some(found) = CLASSES.get() {
        return Ok(found.clone());
    }
    let javac = java_compiler()?;
    let java = interpreter(Family::Java)?;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in JAVA_SOURCES
        .iter()
        .flat_map(|(name, text)| name.bytes().chain(text.bytes()))
        .chain(java.to_string_lossy().bytes())
    {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let cache = cache_dir()?;
    let target = cache.join(format!("java-runtime-{hash:016x}"));
    if !target.join("faqctl/runtime/Ric.class").is_file() {
        compile_java(&javac, &target)?;
    }
    Ok(CLASSES.get_or_init(|| target).clone())
}

/// The user's own cache directory for faqctl (`$XDG_CACHE_HOME/faqctl`, else
/// `~/.cache/faqctl`), made private: classes every Java function runs must be nobody else's.
fn cache_dir() -> Result<PathBuf, String> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .ok_or("neither XDG_CACHE_HOME nor HOME is set: faqctl local keeps its Java runtime client in the user's cache directory")?;
    let dir = base.join("faqctl");
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let metadata =
        std::fs::metadata(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    if metadata.uid() != uid || metadata.mode() & 0o022 != 0 {
        return Err(format!(
            "{} is not yours alone (owner {}, mode {:o}): faqctl local does not run Java classes from it",
            dir.display(),
            metadata.uid(),
            metadata.mode() & 0o777
        ));
    }
    Ok(dir)
}

fn compile_java(javac: &Path, target: &Path) -> Result<(), String> {
    let aside = target.with_extension(format!(
        "{}.{}",
        std::process::id(),
        super::ids::random_hex(8)
    ));
    let sources = aside.join("src");
    let classes = aside.join("classes");
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        let _ = std::fs::remove_dir_all(&aside);
        format!("cannot compile faqctl local's Java runtime client ({what}): {e}")
    };
    std::fs::create_dir_all(&sources).map_err(|e| fail("a directory", &e))?;
    let mut files = Vec::new();
    for (name, text) in JAVA_SOURCES {
        let file = sources.join(name);
        std::fs::write(&file, text).map_err(|e| fail("a source", &e))?;
        files.push(file);
    }
    let output = std::process::Command::new(javac)
        .arg("-nowarn")
        .arg("-d")
        .arg(&classes)
        .args(&files)
        .output()
        .map_err(|e| fail("javac", &e))?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr).into_owned();
        return Err(fail("javac", &said));
    }
    // Another local cloud may have put the same classes there first: either is whole.
    if std::fs::rename(&classes, target).is_err()
        && !target.join("faqctl/runtime/Ric.class").is_file()
    {
        return Err(fail("moving the classes in", &target.display()));
    }
    let _ = std::fs::remove_dir_all(&aside);
    Ok(())
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
        Family::Java => java_arguments(function.memory)?,
        // Its gems are the function's alone: `environment` names GEM_HOME and GEM_PATH, and
        // the host's are never on them (nor RUBYOPT: the environment is cleared).
        Family::Ruby => vec!["-e".into(), RUBY_CLIENT.into()],
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

/// The JVM's options as Lambda's Java runtimes set them: a heap of 85 % of the function's
/// memory (an allocation beyond it is the handler's OutOfMemoryError, as on AWS), the C1
/// compiler only and the serial collector for a short start; then the client. java.util is
/// opened to the client, which puts the variables java8.al2 and java11 show into the
/// environment the handler reads.
fn java_arguments(memory: u64) -> Result<Vec<OsString>, String> {
    let classes = java_classes()?;
    Ok(vec![
        format!("-XX:MaxHeapSize={}k", memory * 1024 * 85 / 100).into(),
        "-XX:+TieredCompilation".into(),
        "-XX:TieredStopAtLevel=1".into(),
        "-XX:+UseSerialGC".into(),
        "-Xshare:auto".into(),
        "--add-opens".into(),
        "java.base/java.util=ALL-UNNAMED".into(),
        "-cp".into(),
        classes.into(),
        "faqctl.runtime.Ric".into(),
    ])
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
/// test_introspection_invoke[python3.12], [nodejs20.x] and [ruby3.3]), with /var/runtime and
/// /var/task mapped to the code's directory.
pub fn environment(
    family: Family,
    runtime: &str,
    root: &str,
    function_vars: Option<&std::collections::BTreeMap<String, String>>,
) -> Vec<(&'static str, String)> {
    let mut vars = vec![
        ("AWS_EXECUTION_ENV", format!("AWS_Lambda_{runtime}")),
        // Where these runtimes' X-Ray daemon listens (provided.* has another address).
        ("AWS_XRAY_DAEMON_ADDRESS", "169.254.100.1:2000".to_string()),
        ("_AWS_XRAY_DAEMON_ADDRESS", "169.254.100.1".to_string()),
    ];
    if family != Family::Java {
        // Their bootstrap is a shell script; Java's launches the JVM with neither.
        vars.push(("PWD", root.to_string()));
        vars.push(("SHLVL", "0".to_string()));
    }
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
        Family::Java => {}
        Family::Ruby => ruby_environment(runtime, root, &mut vars),
    }
    vars
}

/// What the Ruby runtimes set besides: the gems' directories of the runtime's Ruby version
/// (`ruby3.3` → `3.3.0`), aws_lambda_ric's library first on RUBYLIB, and /var/lang's entries
/// twice on PATH and LD_LIBRARY_PATH (recorded: ruby3.2 to ruby3.4 alike).
fn ruby_environment(runtime: &str, root: &str, vars: &mut Vec<(&'static str, String)>) {
    let version = format!("{}.0", runtime.trim_start_matches("ruby"));
    vars.push(("GEM_HOME", root.to_string()));
    vars.push((
        "GEM_PATH",
        format!("{root}/vendor/bundle/ruby/{version}:/opt/ruby/gems/{version}:{root}:{root}/ruby/{version}"),
    ));
    vars.push((
        "RUBYLIB",
        format!("{root}/gems/aws_lambda_ric-3.1.3/lib:{root}:{root}/lib:/opt/ruby/lib"),
    ));
    vars.push((
        "PATH",
        "/var/lang/bin:/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin".to_string(),
    ));
    vars.push((
        "LD_LIBRARY_PATH",
        format!("/var/lang/lib:/var/lang/lib:/lib64:/usr/lib64:{root}:{root}/lib:{root}:{root}/lib:/opt/lib"),
    ));
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
        assert_eq!(Family::of("java21"), Some(Family::Java));
        assert_eq!(Family::of("ruby3.3"), Some(Family::Ruby));
        assert_eq!(Family::of("dotnet8"), None);
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

    #[test]
    fn ruby_gem_path_names_the_runtimes_ruby_version() {
        let vars = environment(Family::Ruby, "ruby3.4", "/c", None);
        let gem_path = &vars.iter().find(|(k, _)| *k == "GEM_PATH").unwrap().1;
        assert_eq!(
            gem_path,
            "/c/vendor/bundle/ruby/3.4.0:/opt/ruby/gems/3.4.0:/c:/c/ruby/3.4.0"
        );
    }
}
