//! Packaging: build the `bootstrap` with cargo (for arm64 from an x86_64 machine, or the
//! other way round, a cross build through cargo-zigbuild pinned to provided.al2023's glibc),
//! check that Lambda can run it (ELF machine of the function's architecture, GLIBC ≤ 2.34, no
//! CPU features beyond what Lambda's processors promise), and write a deterministic zip. A
//! prebuilt zip (`--zip`) goes through the same checks. No AWS here: this layer only reads and
//! writes local files.

use std::fmt;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context};
use base64::Engine;
use faq_function::faq::FAQ_FILE_NAME;
use faq_function::Faq;
use serde::Serialize;
use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::output::Printer;
use crate::settings::Arch;

/// Lambda's limit for a zip uploaded directly (CreateFunction / UpdateFunctionCode).
pub const MAX_ZIPPED_BYTES: u64 = 50 * 1024 * 1024;
/// Lambda's limit for the unzipped deployment package.
pub const MAX_UNZIPPED_BYTES: u64 = 250 * 1024 * 1024;
/// The glibc of Amazon Linux 2023, the provided.al2023 runtime's OS.
pub const RUNTIME_GLIBC: GlibcVersion = GlibcVersion(2, 34);
/// The name the runtime starts; it must sit at the root of the zip.
pub const BOOTSTRAP: &str = "bootstrap";
/// The cargo profile the function is built with for AWS (see the workspace Cargo.toml).
pub const LAMBDA_PROFILE: &str = "lambda-release";
/// The ELF section where the function crate records what it was compiled for
/// (function/build.rs, function/src/bin/bootstrap/main.rs).
pub const BUILD_RECORD_SECTION: &str = ".faqctl.build";

/// The CPU features Lambda promises on an architecture: a bootstrap compiled to use more can
/// die of SIGILL on some hosts. The lists are rustc's own names for the features of a target
/// CPU (`rustc --print cfg --target T -C target-cpu=C`), compared with the features the
/// binary recorded it was compiled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuBaseline {
    pub name: &'static str,
    pub features: &'static [&'static str],
}

impl CpuBaseline {
    pub fn of(arch: Arch) -> CpuBaseline {
        match arch {
            // AWS documents arm64 functions as running on Graviton2: Neoverse N1, Armv8.2.
            Arch::Arm64 => CpuBaseline {
                name: "Graviton2 (neoverse-n1)",
                features: &[
                    "aes", "crc", "dotprod", "dpb", "fp16", "lor", "lse", "neon", "pan", "pmuv3",
                    "ras", "rcpc", "rdm", "sha2", "spe", "ssbs", "vh",
                ],
            },
            // AWS documents no x86_64 CPU model, and functions land on hosts of several
            // generations: x86-64-v2 (SSE4.2, POPCNT, CMPXCHG16B) is the level every one of them
            // has; AVX and later are not promised.
            Arch::X86_64 => CpuBaseline {
                name: "x86-64-v2",
                features: &[
                    "cmpxchg16b",
                    "fxsr",
                    "popcnt",
                    "sse",
                    "sse2",
                    "sse3",
                    "sse4.1",
                    "sse4.2",
                    "ssse3",
                ],
            },
        }
    }

    /// Recorded features that are not CPU instructions at all.
    const NOT_CPU: &'static [&'static str] = &["crt-static"];

    /// The features beyond the baseline, in the order given.
    pub fn beyond<'a>(&self, features: &'a [String]) -> Vec<&'a str> {
        features
            .iter()
            .map(String::as_str)
            .filter(|f| !self.features.contains(f) && !Self::NOT_CPU.contains(f))
            .collect()
    }
}

/// What the bootstrap recorded about its own compilation (see `BUILD_RECORD_SECTION`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildRecord {
    pub target: String,
    pub features: Vec<String>,
}

impl BuildRecord {
    /// Reads the record from the binary's section, if it has one.
    pub fn read(elf: &goblin::elf::Elf, bytes: &[u8]) -> Option<BuildRecord> {
        let section = elf.section_headers.iter().find(|section| {
            elf.shdr_strtab.get_at(section.sh_name) == Some(BUILD_RECORD_SECTION)
        })?;
        let start = usize::try_from(section.sh_offset).ok()?;
        let end = start.checked_add(usize::try_from(section.sh_size).ok()?)?;
        let raw = bytes.get(start..end)?;
        let text = std::str::from_utf8(raw.split(|b| *b == 0).next()?).ok()?;
        let mut fields = text.split(';');
        if fields.next()? != "faqctl-build-record" {
            return None;
        }
        let (mut target, mut features) = (None, Vec::new());
        for field in fields {
            match field.split_once('=') {
                Some(("target", value)) => target = Some(value.to_string()),
                Some(("features", value)) => {
                    features = value
                        .split(',')
                        .filter(|f| !f.is_empty())
                        .map(str::to_string)
                        .collect()
                }
                _ => {}
            }
        }
        Some(BuildRecord {
            target: target?,
            features,
        })
    }
}

/// How the CPU check went, as `build` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "result")]
pub enum CpuCheck {
    /// The binary recorded its target features and none is beyond the baseline.
    WithinBaseline {
        baseline: &'static str,
        features: Vec<String>,
    },
    /// No record in the binary (not built from this project's function crate): nothing to
    /// compare.
    NotRecorded { baseline: &'static str },
    /// A build for the local cloud only: not checked.
    NotChecked,
}

impl fmt::Display for CpuCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CpuCheck::WithinBaseline { baseline, .. } => {
                write!(f, "within Lambda's baseline {baseline}")
            }
            CpuCheck::NotRecorded { baseline } => write!(
                f,
                "not recorded in the binary, so not compared with {baseline}"
            ),
            CpuCheck::NotChecked => write!(f, "not checked (a build for the local cloud)"),
        }
    }
}

/// Which cargo profile builds the bootstrap (both are in the workspace Cargo.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// For AWS: smallest binary, fastest cold start (LTO, opt-level z, one codegen unit), and
    /// checked against provided.al2023's glibc. `build` and `deploy` use it.
    LambdaRelease,
    /// For the local cloud (`faqctl local`): cargo's `dev` profile, incremental, no LTO, so a
    /// one-line change rebuilds in seconds, and with the dependencies `cargo run` compiled for
    /// the CLI. Runs on this machine, so AWS's glibc bound is not checked.
    Dev,
}

impl Profile {
    /// The cargo profile's name.
    pub fn name(self) -> &'static str {
        match self {
            Profile::LambdaRelease => LAMBDA_PROFILE,
            Profile::Dev => "dev",
        }
    }

    /// What the profile is for, as the progress line says it.
    fn purpose(self) -> &'static str {
        match self {
            Profile::LambdaRelease => "size-optimised, for AWS",
            Profile::Dev => "incremental, for the local cloud",
        }
    }

    /// The zip's comment, which says the profile (read back by `--zip`: a development build
    /// is refused for anything but the local cloud). Not unpacked: the function never sees it.
    pub fn zip_comment(self) -> String {
        format!("faqctl build, cargo profile {}", self.name())
    }

    /// Deflate level: the smallest zip for AWS, the quickest for the local cloud.
    fn compression_level(self) -> i64 {
        match self {
            Profile::LambdaRelease => 9,
            Profile::Dev => 1,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What `faqctl build` needs to know, resolved from flags.
#[derive(Debug, Clone)]
pub struct BuildConfig {
    pub manifest_path: PathBuf,
    pub faq_path: PathBuf,
    pub function_name: String,
    pub profile: Profile,
    /// The architecture the function runs on, and so the bootstrap's target.
    pub arch: Arch,
}

/// A checked deployment package, ready to upload.
#[derive(Debug, Clone, Serialize)]
pub struct PackageOutput {
    pub schema_version: u32,
    pub zip: PathBuf,
    pub size: u64,
    /// Base64 of the zip's SHA-256: what Lambda reports as `CodeSha256`.
    pub code_sha256: String,
    /// The cargo profile that built the bootstrap; none for a prebuilt zip (`--zip`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    /// The architecture the bootstrap was checked for (Lambda's `Architectures`).
    pub architecture: Arch,
    /// The CPU features the bootstrap uses, against Lambda's baseline for the architecture.
    pub cpu: CpuCheck,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

impl fmt::Display for PackageOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "zip         {}", self.zip.display())?;
        writeln!(f, "size        {} bytes", self.size)?;
        if let Some(profile) = self.profile {
            writeln!(f, "profile     {profile} ({})", profile.purpose())?;
        }
        writeln!(
            f,
            "arch        {} ({})",
            self.architecture,
            self.architecture.rust_target()
        )?;
        writeln!(f, "CPU         {}", self.cpu)?;
        write!(f, "CodeSha256  {}", self.code_sha256)
    }
}

/// Why a package cannot run on Lambda. Each names the file and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("{file}: not a zip archive ({reason}); pass a zip written by `faqctl build`")]
    NotAZip { file: String, reason: String },
    #[error("{file}: no `bootstrap` at the root of the zip; the provided.al2023 runtime starts /var/task/bootstrap")]
    NoBootstrap { file: String },
    #[error("{file}: `bootstrap` is not executable (mode {mode:o}); zip it with mode 0755")]
    NotExecutable { file: String, mode: u32 },
    #[error("{file}: `bootstrap` is not an ELF executable ({reason}); build it for {} (`faqctl build --arch {arch}`)", arch.rust_target())]
    NotElf {
        file: String,
        reason: String,
        arch: Arch,
    },
    #[error("{file}: `bootstrap` is built for {found}, but the function runs on {arch}; build it with `faqctl build --arch {arch}` (target {}){}", arch.rust_target(), or_deploy_as(*found_arch))]
    WrongArch {
        file: String,
        found: String,
        found_arch: Option<Arch>,
        arch: Arch,
    },
    #[error("{file}: `bootstrap` needs GLIBC_{needed} but provided.al2023 has glibc {RUNTIME_GLIBC}; build it with `faqctl build --arch {arch}` (pinned to glibc 2.34) or `cargo zigbuild --target {}.2.34`", arch.rust_target())]
    GlibcTooNew {
        file: String,
        needed: GlibcVersion,
        arch: Arch,
    },
    #[error("{file}: `bootstrap` was compiled to use {} (target features beyond {baseline}, all that Lambda promises on {arch}): it can die of SIGILL on Lambda's CPUs. Remove `-C target-cpu` / `-C target-feature` from RUSTFLAGS, CARGO_ENCODED_RUSTFLAGS or .cargo/config.toml and build again", beyond.join(", "))]
    CpuFeatures {
        file: String,
        beyond: Vec<String>,
        baseline: &'static str,
        arch: Arch,
    },
    #[error("{file}: entry `{entry}` would be unpacked outside the function's directory (absolute path, `..` or a link); rebuild the zip with `faqctl build`")]
    PathEscape { file: String, entry: String },
    #[error("{file}: {size} bytes zipped, over Lambda's limit of {MAX_ZIPPED_BYTES} bytes for a direct upload")]
    TooLargeZipped { file: String, size: u64 },
    #[error("{file}: {size} bytes unzipped, over Lambda's limit of {MAX_UNZIPPED_BYTES} bytes")]
    TooLargeUnzipped { file: String, size: u64 },
}

fn or_deploy_as(found: Option<Arch>) -> String {
    match found {
        Some(found) => format!(", or deploy this one with `--arch {found}`"),
        None => String::new(),
    }
}

/// A GLIBC symbol version such as `2.34`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct GlibcVersion(pub u32, pub u32);

impl fmt::Display for GlibcVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0, self.1)
    }
}

impl GlibcVersion {
    /// Parses the part after `GLIBC_` (`2.34`, `2.2.5`; a third part does not matter here).
    fn parse(version: &str) -> Option<GlibcVersion> {
        let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
        Some(GlibcVersion(
            parts.next()??,
            parts.next().flatten().unwrap_or(0),
        ))
    }
}

/// `faqctl build`: validate the FAQ, build the bootstrap, check it, write the zip.
pub fn build(config: &BuildConfig, printer: &Printer) -> anyhow::Result<PackageOutput> {
    Faq::load(&config.faq_path)?;
    let how = BuildCommand::for_arch(config.arch)?;
    printer.progress(building(config));
    let mut command = how.command(&config.manifest_path, config.profile);
    if printer.shows_progress() {
        command.stderr(Stdio::inherit());
    } else {
        command.stderr(Stdio::piped());
    }
    // Where no progress is shown, a build over a second says so on stderr: a first build can
    // take minutes, and silence looks like a hang.
    let slow = (!printer.shows_progress() && !printer.quiet()).then(|| {
        SlowNotice::after(
            std::time::Duration::from_secs(1),
            format!("{} (over a second: cargo is compiling)", building(config)),
        )
    });
    let output = command.output().map_err(cannot_run_cargo);
    drop(slow);
    let output = output?;
    let (bootstrap, target_dir) = built_bootstrap(config, &how, &output)?;
    package_bootstrap(config, &bootstrap, &target_dir)
}

/// A line printed on stderr if it is not dropped within `after`.
struct SlowNotice {
    done: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SlowNotice {
    fn after(after: std::time::Duration, line: String) -> SlowNotice {
        let (done, wait) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(after) {
                eprintln!("{line}");
            }
        });
        SlowNotice {
            done: Some(done),
            thread: Some(thread),
        }
    }
}

impl Drop for SlowNotice {
    fn drop(&mut self) {
        drop(self.done.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The same as `build`, for a long-running command (`--watch`): cargo runs without blocking
/// the async workers (the local cloud keeps serving), its diagnostics go straight to stderr
/// (in colour on a terminal), and dropping the future stops the build.
pub async fn build_async(config: &BuildConfig) -> anyhow::Result<PackageOutput> {
    let checked = config.clone();
    let how = tokio::task::spawn_blocking(move || {
        Faq::load(&checked.faq_path)?;
        BuildCommand::for_arch(checked.arch)
    })
    .await
    .context("the faq.json check was cut off")??;
    let mut command =
        tokio::process::Command::from(how.command(&config.manifest_path, config.profile));
    command.stderr(Stdio::inherit()).kill_on_drop(true);
    // spawn, not output(): tokio's output() would capture stderr too.
    let output = command
        .spawn()
        .map_err(cannot_run_cargo)?
        .wait_with_output()
        .await
        .map_err(cannot_run_cargo)?;
    let config = config.clone();
    tokio::task::spawn_blocking(move || {
        let (bootstrap, target_dir) = built_bootstrap(&config, &how, &output)?;
        package_bootstrap(&config, &bootstrap, &target_dir)
    })
    .await
    .context("packaging was cut off")?
}

/// The progress line of a build: for which architecture, how, and in which profile.
pub fn building(config: &BuildConfig) -> String {
    let how = match Arch::host() == Some(config.arch) {
        true => "cargo".to_string(),
        false => format!(
            "cargo zigbuild, target {}.{}",
            config.arch.rust_target(),
            RUNTIME_GLIBC
        ),
    };
    format!(
        "building {BOOTSTRAP} for {} ({how}, profile {}: {})…",
        config.arch,
        config.profile,
        config.profile.purpose()
    )
}

/// How the bootstrap is compiled: plain cargo for this machine's architecture, cargo-zigbuild
/// for the other one (zig links against provided.al2023's glibc, 2.34, whatever this
/// machine's is).
#[derive(Debug, Clone)]
enum BuildCommand {
    Native,
    Cross { target: &'static str },
}

impl BuildCommand {
    /// Checks that a cross build can run here, and names everything missing when it cannot.
    fn for_arch(arch: Arch) -> anyhow::Result<BuildCommand> {
        if Arch::host() == Some(arch) {
            return Ok(BuildCommand::Native);
        }
        let target = arch.rust_target();
        let mut missing = Vec::new();
        if !rust_target_installed(target) {
            missing.push(format!(
                "the Rust standard library for {target}: `rustup target add {target}`"
            ));
        }
        if !runs(Command::new("cargo-zigbuild").arg("--version")) {
            missing.push(
                "cargo-zigbuild: `python3 -m pip install cargo-zigbuild` (or `cargo install cargo-zigbuild`)"
                    .to_string(),
            );
        }
        let zig = std::env::var_os("ZIG").map(Command::new);
        let zig_found = match zig {
            Some(mut zig) => runs(zig.arg("version")),
            None => {
                runs(Command::new("zig").arg("version"))
                    || runs(Command::new("python3").args(["-m", "ziglang", "version"]))
            }
        };
        if !zig_found {
            missing.push("zig, cargo-zigbuild's linker: `python3 -m pip install ziglang`".into());
        }
        if !missing.is_empty() {
            bail!(
                "--arch {arch} on this {} machine needs a cross build (cargo zigbuild --target {target}.{RUNTIME_GLIBC}), and this machine lacks:\n  - {}\n./scripts/setup-arm64 installs all of it (and qemu-user-static, which runs arm64 functions on the local cloud)",
                std::env::consts::ARCH,
                missing.join("\n  - ")
            );
        }
        Ok(BuildCommand::Cross { target })
    }

    /// `cargo build` (or `cargo zigbuild`) of the function crate's `bootstrap` in a profile,
    /// reporting artifacts as JSON on stdout (diagnostics rendered on stderr, as cargo shows
    /// them).
    fn command(&self, manifest: &Path, profile: Profile) -> Command {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(&cargo);
        match self {
            BuildCommand::Native => {
                command.arg("build");
            }
            BuildCommand::Cross { target } => {
                command
                    .arg("zigbuild")
                    .arg("--target")
                    .arg(format!("{target}.{RUNTIME_GLIBC}"));
            }
        }
        command.arg("--manifest-path").arg(manifest).args([
            "--profile",
            profile.name(),
            "-p",
            "faq-function",
        ]);
        if profile == Profile::Dev {
            // The CLI's package too, only for its features: the function's dependencies are
            // then resolved as `cargo run` resolved them, and reused (see the workspace
            // Cargo.toml's `[profile.dev.package.faq-function]`).
            command.args(["-p", env!("CARGO_PKG_NAME")]);
        }
        command
            .args(["--bin", BOOTSTRAP])
            .args(["--message-format", "json-render-diagnostics"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        command
    }
}

/// Whether the command starts and exits 0 (its output is not wanted).
fn runs(command: &mut Command) -> bool {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Whether rustc has the standard library for `target` (what `rustup target add` installs).
fn rust_target_installed(target: &str) -> bool {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let Ok(output) = Command::new(rustc)
        .args(["--print", "target-libdir", "--target", target])
        .stderr(Stdio::null())
        .output()
    else {
        return false;
    };
    let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    output.status.success()
        && std::fs::read_dir(dir).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("libstd-"))
        })
}

/// Checks the built bootstrap, zips it with the FAQ and writes the zip beside it.
fn package_bootstrap(
    config: &BuildConfig,
    bootstrap_path: &Path,
    target_dir: &Path,
) -> anyhow::Result<PackageOutput> {
    // Checked and read again after the build: the FAQ shipped is the one on disk now.
    Faq::load(&config.faq_path)?;
    let faq = std::fs::read(&config.faq_path)
        .with_context(|| format!("{}: cannot read it", config.faq_path.display()))?;
    let bootstrap = std::fs::read(bootstrap_path)
        .with_context(|| format!("{}: cannot read it", bootstrap_path.display()))?;
    let shown = bootstrap_path.display().to_string();
    let cpu = match config.profile {
        Profile::LambdaRelease => check_bootstrap(&shown, &bootstrap, config.arch)?,
        Profile::Dev => {
            check_machine(&shown, &bootstrap, config.arch)?;
            CpuCheck::NotChecked
        }
    };

    let bytes = write_zip_at(
        &[(BOOTSTRAP, 0o755, &bootstrap), (FAQ_FILE_NAME, 0o644, &faq)],
        config.profile.compression_level(),
        &config.profile.zip_comment(),
    )?;
    let zip = zip_path(
        target_dir,
        &config.function_name,
        config.arch,
        config.profile,
    );
    let dir = zip.parent().unwrap_or(target_dir).to_path_buf();
    check_archive(&zip.display().to_string(), &bytes)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(&zip, &bytes).with_context(|| format!("cannot write {}", zip.display()))?;
    let mut output = package_output(zip, bytes, config.arch, cpu);
    output.profile = Some(config.profile);
    Ok(output)
}

/// Where a build writes its zip: for AWS, `target/lambda/FAQ/bootstrap.zip` as cargo-lambda
/// writes it; any other profile in a folder of its own (`target/lambda/FAQ/dev/…`), so
/// that the local cloud's build never takes the place of the one for AWS; arm64 in a folder
/// of its own, so that builds for both architectures sit side by side.
pub fn zip_path(target_dir: &Path, function_name: &str, arch: Arch, profile: Profile) -> PathBuf {
    let mut dir = target_dir.join("lambda").join(function_name);
    if arch != Arch::X86_64 {
        dir.push(arch.lambda_name());
    }
    if profile != Profile::LambdaRelease {
        dir.push(profile.name());
    }
    dir.join("bootstrap.zip")
}

/// The profile a zip was built with, from the comment `faqctl build` writes in it (none for a
/// zip made otherwise).
pub fn zip_profile(bytes: &[u8]) -> Option<Profile> {
    let archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let comment = std::str::from_utf8(archive.comment()).ok()?;
    // Before the local cloud's build moved to cargo's `dev` profile, it had one of its own.
    if comment == "faqctl build, cargo profile lambda-dev" {
        return Some(Profile::Dev);
    }
    [Profile::LambdaRelease, Profile::Dev]
        .into_iter()
        .find(|p| comment == p.zip_comment())
}

/// Reads a prebuilt zip (`--zip PATH`) and runs the same checks as `build`, for `arch`.
pub fn load_zip(path: &Path, arch: Arch) -> anyhow::Result<PackageOutput> {
    let bytes = std::fs::read(path).with_context(|| {
        format!(
            "{}: cannot read the zip; pass an existing file or run `faqctl build`",
            path.display()
        )
    })?;
    let cpu = check_zip(&path.display().to_string(), &bytes, arch)?;
    let profile = zip_profile(&bytes);
    let mut output = package_output(path.to_path_buf(), bytes, arch, cpu);
    output.profile = profile;
    Ok(output)
}

fn package_output(
    zip: PathBuf,
    bytes: Vec<u8>,
    architecture: Arch,
    cpu: CpuCheck,
) -> PackageOutput {
    PackageOutput {
        schema_version: 1,
        zip,
        size: bytes.len() as u64,
        code_sha256: code_sha256(&bytes),
        profile: None,
        architecture,
        cpu,
        bytes,
    }
}

/// Base64 of the SHA-256 of the bytes, the form Lambda reports as `CodeSha256`.
pub fn code_sha256(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

fn cannot_run_cargo(error: std::io::Error) -> anyhow::Error {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    anyhow::anyhow!(
        "cannot run `{}` ({error}); install Rust (https://rustup.rs) or pass a prebuilt zip with --zip",
        cargo.to_string_lossy()
    )
}

/// From cargo's finished run: the binary and the workspace's target directory, or why the
/// build failed (cargo's own output, when it was kept rather than shown).
fn built_bootstrap(
    config: &BuildConfig,
    how: &BuildCommand,
    output: &std::process::Output,
) -> anyhow::Result<(PathBuf, PathBuf)> {
    let manifest = &config.manifest_path;
    if !output.status.success() {
        let kept: String = String::from_utf8_lossy(&output.stderr)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| format!("\n  {l}"))
            .collect();
        let cargo = match how {
            BuildCommand::Native => "cargo build".to_string(),
            BuildCommand::Cross { target } => {
                format!("cargo zigbuild --target {target}.{RUNTIME_GLIBC}")
            }
        };
        bail!(
            "`{cargo} --profile {} -p faq-function{}` failed ({}) for {}{}",
            config.profile,
            if config.profile == Profile::Dev {
                " -p faqctl"
            } else {
                ""
            },
            output.status,
            manifest.display(),
            if kept.is_empty() {
                "; cargo's diagnostics are above"
            } else {
                &kept
            }
        );
    }
    let mut executable = None;
    for line in output.stdout.split(|b| *b == b'\n') {
        let Ok(message) = serde_json::from_slice::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] == "compiler-artifact" && message["target"]["name"] == BOOTSTRAP {
            if let Some(path) = message["executable"].as_str() {
                executable = Some(PathBuf::from(path));
            }
        }
    }
    let executable = executable.with_context(|| {
        format!(
            "cargo built no `{BOOTSTRAP}` binary for {}; is this the faqctl workspace?",
            manifest.display()
        )
    })?;
    // <target>/<profile>/bootstrap, or <target>/<triple>/<profile>/bootstrap
    let levels = match how {
        BuildCommand::Native => 2,
        BuildCommand::Cross { .. } => 3,
    };
    let target_dir = executable
        .ancestors()
        .nth(levels)
        .map(Path::to_path_buf)
        .context("cargo reported a bootstrap path without a target directory")?;
    Ok((executable, target_dir))
}

/// Checks that `bytes` is an ELF executable for `arch`, needing no glibc newer than the
/// runtime's and no CPU feature beyond Lambda's baseline for `arch` (as far as the binary
/// recorded its features).
pub fn check_bootstrap(file: &str, bytes: &[u8], arch: Arch) -> Result<CpuCheck, PackageError> {
    let elf = check_machine_elf(file, bytes, arch)?;
    if let Some(needed) = max_glibc(&elf) {
        if needed > RUNTIME_GLIBC {
            return Err(PackageError::GlibcTooNew {
                file: file.into(),
                needed,
                arch,
            });
        }
    }
    let baseline = CpuBaseline::of(arch);
    let Some(record) = BuildRecord::read(&elf, bytes) else {
        return Ok(CpuCheck::NotRecorded {
            baseline: baseline.name,
        });
    };
    let beyond = baseline.beyond(&record.features);
    if !beyond.is_empty() {
        return Err(PackageError::CpuFeatures {
            file: file.into(),
            beyond: beyond.into_iter().map(str::to_string).collect(),
            baseline: baseline.name,
            arch,
        });
    }
    Ok(CpuCheck::WithinBaseline {
        baseline: baseline.name,
        features: record.features,
    })
}

/// Checks that `bytes` is an ELF executable for `arch` (what the local cloud can run).
pub fn check_machine(file: &str, bytes: &[u8], arch: Arch) -> Result<(), PackageError> {
    check_machine_elf(file, bytes, arch).map(|_| ())
}

fn check_machine_elf<'a>(
    file: &str,
    bytes: &'a [u8],
    arch: Arch,
) -> Result<goblin::elf::Elf<'a>, PackageError> {
    use goblin::elf::{header, Elf};
    let elf = Elf::parse(bytes).map_err(|e| PackageError::NotElf {
        file: file.into(),
        reason: e.to_string(),
        arch,
    })?;
    if !matches!(elf.header.e_type, header::ET_EXEC | header::ET_DYN) {
        return Err(PackageError::NotElf {
            file: file.into(),
            reason: format!(
                "ELF type {} is not an executable",
                header::et_to_str(elf.header.e_type)
            ),
            arch,
        });
    }
    let found_arch = match (elf.header.e_machine, elf.is_64) {
        (header::EM_X86_64, true) => Some(Arch::X86_64),
        (header::EM_AARCH64, true) => Some(Arch::Arm64),
        _ => None,
    };
    if found_arch != Some(arch) {
        return Err(PackageError::WrongArch {
            file: file.into(),
            found: header::machine_to_str(elf.header.e_machine).to_string(),
            found_arch,
            arch,
        });
    }
    Ok(elf)
}

/// The highest `GLIBC_x.y` version the binary's symbols need (none for a static binary).
fn max_glibc(elf: &goblin::elf::Elf) -> Option<GlibcVersion> {
    let verneed = elf.verneed.as_ref()?;
    verneed
        .iter()
        .flat_map(|need| need.iter().map(|aux| aux.vna_name).collect::<Vec<_>>())
        .filter_map(|name| elf.dynstrtab.get_at(name))
        .filter_map(|name| name.strip_prefix("GLIBC_"))
        .filter_map(GlibcVersion::parse)
        .max()
}

/// Writes a zip whose bytes depend only on the entries: fixed order, timestamps and modes.
pub fn write_zip(entries: &[(&str, u32, &[u8])]) -> anyhow::Result<Vec<u8>> {
    write_zip_at(entries, 9, "")
}

/// `write_zip` at a deflate level (1 fastest, 9 smallest).
fn write_zip_at(
    entries: &[(&str, u32, &[u8])],
    level: i64,
    comment: &str,
) -> anyhow::Result<Vec<u8>> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    writer
        .set_comment(comment)
        .context("cannot set the zip's comment")?;
    for (name, mode, data) in entries {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(level))
            .unix_permissions(*mode)
            .last_modified_time(zip::DateTime::default());
        writer
            .start_file(*name, options)
            .with_context(|| format!("cannot add {name} to the zip"))?;
        writer.write_all(data)?;
    }
    Ok(writer
        .finish()
        .context("cannot finish the zip")?
        .into_inner())
}

/// Checks a deployment package: a zip within Lambda's limits, no entry escaping the unpack
/// directory, and an executable `bootstrap` at its root that provided.al2023 can run.
pub fn check_zip(file: &str, bytes: &[u8], arch: Arch) -> Result<CpuCheck, PackageError> {
    let binary = check_archive(file, bytes)?;
    // The zip is named in the messages: that is the file the user passed.
    check_bootstrap(file, &binary, arch)
}

/// The checks Lambda itself makes on upload: a zip within the limits, no entry escaping the
/// unpack directory, an executable `bootstrap` at the root (any executable: a script is a
/// valid custom runtime too). Returns the bootstrap's bytes.
pub fn check_archive(file: &str, bytes: &[u8]) -> Result<Vec<u8>, PackageError> {
    let size = bytes.len() as u64;
    if size > MAX_ZIPPED_BYTES {
        return Err(PackageError::TooLargeZipped {
            file: file.into(),
            size,
        });
    }
    let not_a_zip = |e: zip::result::ZipError| PackageError::NotAZip {
        file: file.into(),
        reason: e.to_string(),
    };
    let mut archive = ZipArchive::new(Cursor::new(bytes)).map_err(not_a_zip)?;
    let mut unzipped: u64 = 0;
    let mut bootstrap = None;
    for index in 0..archive.len() {
        let entry = archive.by_index(index).map_err(not_a_zip)?;
        let name = entry.name().map_err(not_a_zip)?.to_string();
        let is_link = entry
            .unix_mode()
            .is_some_and(|mode| mode & 0o170000 == 0o120000);
        // enclosed_name() tolerates a leading `/`; an unpacker may not, so refuse it here.
        let absolute = name.starts_with('/') || name.starts_with('\\');
        if entry.enclosed_name().is_none() || absolute || is_link {
            return Err(PackageError::PathEscape {
                file: file.into(),
                entry: name,
            });
        }
        unzipped = unzipped.saturating_add(entry.size());
        if name == BOOTSTRAP {
            bootstrap = Some(index);
        }
    }
    if unzipped > MAX_UNZIPPED_BYTES {
        return Err(PackageError::TooLargeUnzipped {
            file: file.into(),
            size: unzipped,
        });
    }
    let index = bootstrap.ok_or_else(|| PackageError::NoBootstrap { file: file.into() })?;
    let entry = archive.by_index(index).map_err(not_a_zip)?;
    let mode = entry.unix_mode().unwrap_or(0);
    if mode & 0o111 == 0 {
        return Err(PackageError::NotExecutable {
            file: file.into(),
            mode,
        });
    }
    let mut binary = Vec::with_capacity(entry.size().min(MAX_UNZIPPED_BYTES) as usize);
    entry
        .take(MAX_UNZIPPED_BYTES)
        .read_to_end(&mut binary)
        .map_err(|e| PackageError::NotAZip {
            file: file.into(),
            reason: e.to_string(),
        })?;
    Ok(binary)
}

#[cfg(test)]
mod tests {
    //! Checks that need no real binary; the ELF checks run on the real bootstrap in
    //! tests/package.rs.
    use super::*;

    fn zip_of(entries: &[(&str, u32, &[u8])]) -> Vec<u8> {
        write_zip(entries).unwrap()
    }

    #[test]
    fn zips_of_the_same_entries_are_byte_identical() {
        let entries: &[(&str, u32, &[u8])] =
            &[("bootstrap", 0o755, b"x"), ("faq.json", 0o644, b"{}")];
        assert_eq!(zip_of(entries), zip_of(entries));
        assert_ne!(zip_of(entries), zip_of(&[("bootstrap", 0o755, b"y")]));
    }

    #[test]
    fn code_sha256_is_base64_of_the_sha256() {
        // sha256("") is e3b0c442…b855; Lambda reports it base64-encoded.
        assert_eq!(
            code_sha256(b""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }

    #[test]
    fn glibc_versions_order_numerically() {
        assert!(GlibcVersion::parse("2.34").unwrap() > GlibcVersion::parse("2.4").unwrap());
        assert_eq!(GlibcVersion::parse("2.2.5"), Some(GlibcVersion(2, 2)));
        assert_eq!(GlibcVersion::parse("PRIVATE"), None);
    }

    #[test]
    fn a_symlink_entry_is_refused() {
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        writer
            .add_symlink("bootstrap", "/bin/sh", SimpleFileOptions::default())
            .unwrap();
        let bytes = writer.finish().unwrap().into_inner();
        let error = check_zip("pkg.zip", &bytes, Arch::X86_64).unwrap_err();
        assert!(matches!(error, PackageError::PathEscape { .. }), "{error}");
    }

    // Lambda's quotas as AWS documents them (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html):
    // 50 MB for a zip uploaded directly, 250 MB unzipped; MB there is MiB, as the error Lambda
    // answers with says ("Unzipped size must be smaller than 262144000 bytes"). Written out, not
    // taken from the constants under test.
    const LAMBDA_ZIPPED_LIMIT: usize = 52_428_800;
    const LAMBDA_UNZIPPED_LIMIT: usize = 262_144_000;

    #[test]
    fn a_zip_of_exactly_50_mb_is_uploaded_and_one_byte_more_is_refused() {
        // Not a zip at all: refused for that, so the size check let it through.
        let at_limit = vec![0u8; LAMBDA_ZIPPED_LIMIT];
        let error = check_archive("big.zip", &at_limit).unwrap_err();
        assert!(matches!(error, PackageError::NotAZip { .. }), "{error}");
        let over = vec![0u8; LAMBDA_ZIPPED_LIMIT + 1];
        assert_eq!(
            check_archive("big.zip", &over).unwrap_err().to_string(),
            "big.zip: 52428801 bytes zipped, over Lambda's limit of 52428800 bytes for a direct upload"
        );
    }

    #[test]
    fn a_package_of_exactly_250_mb_unzipped_is_accepted_and_one_byte_more_is_refused() {
        // Zeros deflate to almost nothing: small zips that unpack to the limit and just past it.
        let bootstrap: &[u8] = b"#!/bin/sh\n";
        let mut data = vec![0u8; LAMBDA_UNZIPPED_LIMIT - bootstrap.len()];
        let at_limit = write_zip_at(
            &[("bootstrap", 0o755, bootstrap), ("data", 0o644, &data)],
            1,
            "",
        )
        .unwrap();
        assert_eq!(check_archive("pkg.zip", &at_limit).unwrap(), bootstrap);
        data.push(0);
        let over = write_zip_at(
            &[("bootstrap", 0o755, bootstrap), ("data", 0o644, &data)],
            1,
            "",
        )
        .unwrap();
        assert_eq!(
            check_archive("pkg.zip", &over).unwrap_err().to_string(),
            "pkg.zip: 262144001 bytes unzipped, over Lambda's limit of 262144000 bytes"
        );
    }

    #[test]
    fn the_archive_check_returns_the_bootstrap_it_found() {
        let bytes = zip_of(&[
            ("faq.json", 0o644, b"{}"),
            ("bootstrap", 0o755, b"#!/bin/sh\necho hi\n"),
        ]);
        assert_eq!(
            check_archive("pkg.zip", &bytes).unwrap(),
            b"#!/bin/sh\necho hi\n"
        );
    }

    #[test]
    fn a_bootstrap_that_nobody_may_execute_is_refused_and_any_execute_bit_will_do() {
        for mode in [0o644, 0o600, 0o666] {
            let bytes = zip_of(&[("bootstrap", mode, b"#!/bin/sh\n")]);
            let error = check_archive("pkg.zip", &bytes).unwrap_err().to_string();
            assert_eq!(
                error,
                format!("pkg.zip: `bootstrap` is not executable (mode 100{mode:o}); zip it with mode 0755")
            );
        }
        // Lambda runs the bootstrap as a user of its own: an execute bit for anyone is enough
        // for the check (what Lambda then makes of it is its business).
        for mode in [0o755, 0o700, 0o744, 0o645, 0o641] {
            let bytes = zip_of(&[("bootstrap", mode, b"#!/bin/sh\n")]);
            assert!(check_archive("pkg.zip", &bytes).is_ok(), "mode {mode:o}");
        }
    }

    #[test]
    fn a_zip_without_a_bootstrap_at_its_root_is_refused() {
        for entries in [
            &[("faq.json", 0o644, &b"{}"[..])][..],
            &[("bin/bootstrap", 0o755, &b"#!/bin/sh\n"[..])][..],
        ] {
            assert_eq!(
                check_archive("pkg.zip", &zip_of(entries)).unwrap_err().to_string(),
                "pkg.zip: no `bootstrap` at the root of the zip; the provided.al2023 runtime starts /var/task/bootstrap"
            );
        }
    }

    #[test]
    fn entries_that_would_unpack_outside_the_function_directory_are_refused() {
        for name in ["../evil", "/etc/evil", "a/../../evil"] {
            let bytes = zip_of(&[("bootstrap", 0o755, b"#!/bin/sh\n"), (name, 0o644, b"x")]);
            assert_eq!(
                check_archive("pkg.zip", &bytes).unwrap_err().to_string(),
                format!("pkg.zip: entry `{name}` would be unpacked outside the function's directory (absolute path, `..` or a link); rebuild the zip with `faqctl build`"),
            );
        }
        // Names that merely look odd stay inside.
        let bytes = zip_of(&[
            ("bootstrap", 0o755, b"#!/bin/sh\n"),
            ("a/..b/c", 0o644, b"x"),
        ]);
        assert!(check_archive("pkg.zip", &bytes).is_ok());
    }

    // ELF constants from the System V ABI and glibc's elf.h.
    const ET_REL: u16 = 1;
    const ET_EXEC: u16 = 2;
    const ET_DYN: u16 = 3;
    const EM_X86_64: u16 = 62;
    const EM_AARCH64: u16 = 183;
    const EM_RISCV: u16 = 243;

    /// The smallest 64-bit little-endian ELF file the checks read as a bootstrap: the header,
    /// a PT_LOAD and a PT_DYNAMIC naming the dynamic string table, a version-needs section
    /// (`.gnu.version_r`) asking libc.so.6 for each `GLIBC_x.y` in `glibc`, and `extra`
    /// sections (name, contents), such as the build record. No code: nothing runs it.
    fn elf(machine: u16, e_type: u16, glibc: &[&str], extra: &[(&str, &[u8])]) -> Vec<u8> {
        const SHT_PROGBITS: u32 = 1;
        const SHT_STRTAB: u32 = 3;
        const SHT_DYNAMIC: u32 = 6;
        const SHT_GNU_VERNEED: u32 = 0x6fff_fffe;
        const DT_NULL: u64 = 0;
        const DT_STRTAB: u64 = 5;
        const DT_STRSZ: u64 = 10;
        const HEADERS: usize = 64 + 2 * 56;

        let mut dynstr = b"\0libc.so.6\0".to_vec();
        let mut vernaux_names = Vec::new();
        for version in glibc {
            vernaux_names.push(dynstr.len() as u32);
            dynstr.extend(format!("GLIBC_{version}\0").bytes());
        }
        let mut verneed = Vec::new();
        if !glibc.is_empty() {
            verneed.extend(1u16.to_le_bytes()); // vn_version
            verneed.extend((glibc.len() as u16).to_le_bytes()); // vn_cnt
            verneed.extend(1u32.to_le_bytes()); // vn_file: "libc.so.6"
            verneed.extend(16u32.to_le_bytes()); // vn_aux: the Vernaux entries follow
            verneed.extend(0u32.to_le_bytes()); // vn_next: the only Verneed
            for (i, name) in vernaux_names.iter().enumerate() {
                verneed.extend(0u32.to_le_bytes()); // vna_hash (not read)
                verneed.extend(0u16.to_le_bytes()); // vna_flags
                verneed.extend((i as u16 + 2).to_le_bytes()); // vna_other
                verneed.extend(name.to_le_bytes()); // vna_name
                let next: u32 = if i + 1 < glibc.len() { 16 } else { 0 };
                verneed.extend(next.to_le_bytes());
            }
        }
        // Sections: (name, type, contents, link, info); .dynstr is section 1.
        let dynstr_offset = HEADERS as u64;
        let mut dynamic = Vec::new();
        for (tag, value) in [
            (DT_STRTAB, dynstr_offset),
            (DT_STRSZ, dynstr.len() as u64),
            (DT_NULL, 0),
        ] {
            dynamic.extend(tag.to_le_bytes());
            dynamic.extend(value.to_le_bytes());
        }
        let mut sections: Vec<(&str, u32, Vec<u8>, u32, u32)> = vec![
            (".dynstr", SHT_STRTAB, dynstr, 0, 0),
            (".dynamic", SHT_DYNAMIC, dynamic, 1, 0),
        ];
        if !glibc.is_empty() {
            sections.push((".gnu.version_r", SHT_GNU_VERNEED, verneed, 1, 1));
        }
        for (name, contents) in extra {
            sections.push((name, SHT_PROGBITS, contents.to_vec(), 0, 0));
        }
        let mut shstrtab = b"\0".to_vec();
        let mut name_offsets = Vec::new();
        for (name, ..) in &sections {
            name_offsets.push(shstrtab.len() as u32);
            shstrtab.extend(name.bytes());
            shstrtab.push(0);
        }
        name_offsets.push(shstrtab.len() as u32);
        shstrtab.extend(b".shstrtab\0");
        sections.push((".shstrtab", SHT_STRTAB, shstrtab, 0, 0));

        // Contents one after the other, 8-aligned, after the headers; section headers last.
        let mut body = Vec::new();
        let mut placed = Vec::new();
        for (_, _, contents, ..) in &sections {
            while (HEADERS + body.len()) % 8 != 0 {
                body.push(0);
            }
            placed.push(((HEADERS + body.len()) as u64, contents.len() as u64));
            body.extend(contents);
        }
        while (HEADERS + body.len()) % 8 != 0 {
            body.push(0);
        }
        let shoff = (HEADERS + body.len()) as u64;
        let total = shoff + 64 * (sections.len() as u64 + 1);

        let mut out = Vec::new();
        out.extend(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"); // 64-bit, little-endian, v1
        out.extend(e_type.to_le_bytes());
        out.extend(machine.to_le_bytes());
        out.extend(1u32.to_le_bytes()); // e_version
        out.extend(0u64.to_le_bytes()); // e_entry
        out.extend(64u64.to_le_bytes()); // e_phoff
        out.extend(shoff.to_le_bytes());
        out.extend(0u32.to_le_bytes()); // e_flags
        for half in [
            64u16,
            56,
            2,
            64,
            sections.len() as u16 + 1,
            sections.len() as u16,
        ] {
            // e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx
            out.extend(half.to_le_bytes());
        }
        let (dynamic_offset, dynamic_size) = placed[1];
        // PT_LOAD maps the whole file at address 0, so addresses are file offsets.
        for (p_type, offset, size) in [(1u32, 0, total), (2, dynamic_offset, dynamic_size)] {
            out.extend(p_type.to_le_bytes());
            out.extend(4u32.to_le_bytes()); // p_flags: R
            out.extend(offset.to_le_bytes()); // p_offset
            out.extend(offset.to_le_bytes()); // p_vaddr
            out.extend(offset.to_le_bytes()); // p_paddr
            out.extend(size.to_le_bytes()); // p_filesz
            out.extend(size.to_le_bytes()); // p_memsz
            out.extend(8u64.to_le_bytes()); // p_align
        }
        out.extend(body);
        out.extend([0u8; 64]); // the null section
        for (i, (_, sh_type, _, link, info)) in sections.iter().enumerate() {
            let (offset, size) = placed[i];
            out.extend(name_offsets[i].to_le_bytes());
            out.extend(sh_type.to_le_bytes());
            out.extend(0u64.to_le_bytes()); // sh_flags
            out.extend(offset.to_le_bytes()); // sh_addr
            out.extend(offset.to_le_bytes()); // sh_offset
            out.extend(size.to_le_bytes());
            out.extend(link.to_le_bytes());
            out.extend(info.to_le_bytes());
            out.extend(1u64.to_le_bytes()); // sh_addralign
            out.extend(0u64.to_le_bytes()); // sh_entsize
        }
        assert_eq!(out.len() as u64, total);
        out
    }

    /// A dynamically linked x86_64 bootstrap needing these glibc versions, no build record.
    fn x86_64_needing(glibc: &[&str]) -> Vec<u8> {
        elf(EM_X86_64, ET_DYN, glibc, &[])
    }

    /// A bootstrap with a build record section holding `record` (NUL-padded, as the function
    /// crate's static is).
    fn recorded(machine: u16, record: &str) -> Vec<u8> {
        let mut section = record.as_bytes().to_vec();
        section.resize(record.len() + 16, 0);
        elf(
            machine,
            ET_DYN,
            &["2.2.5"],
            &[(BUILD_RECORD_SECTION, &section)],
        )
    }

    #[test]
    fn a_bootstrap_needing_glibc_2_34_is_accepted_for_al2023() {
        // 2.34 is Amazon Linux 2023's own: the newest a bootstrap may ask for.
        let bootstrap = x86_64_needing(&["2.2.5", "2.34", "2.3"]);
        assert_eq!(
            check_bootstrap("bootstrap", &bootstrap, Arch::X86_64).unwrap(),
            CpuCheck::NotRecorded {
                baseline: "x86-64-v2"
            }
        );
    }

    #[test]
    fn a_bootstrap_needing_glibc_2_35_is_refused_for_al2023() {
        for (arch, machine, target) in [
            (Arch::X86_64, EM_X86_64, "x86_64-unknown-linux-gnu"),
            (Arch::Arm64, EM_AARCH64, "aarch64-unknown-linux-gnu"),
        ] {
            let bootstrap = elf(machine, ET_DYN, &["2.2.5", "2.35", "2.34"], &[]);
            assert_eq!(
                check_bootstrap("bootstrap", &bootstrap, arch)
                    .unwrap_err()
                    .to_string(),
                format!("bootstrap: `bootstrap` needs GLIBC_2.35 but provided.al2023 has glibc 2.34; build it with `faqctl build --arch {arch}` (pinned to glibc 2.34) or `cargo zigbuild --target {target}.2.34`")
            );
        }
        // A newer major version is newer, whatever its minor.
        let error = check_bootstrap("bootstrap", &x86_64_needing(&["3.0"]), Arch::X86_64)
            .unwrap_err()
            .to_string();
        assert!(error.contains("needs GLIBC_3.0 but"), "{error}");
    }

    #[test]
    fn a_static_bootstrap_needs_no_glibc_at_all() {
        let bootstrap = elf(EM_X86_64, ET_EXEC, &[], &[]);
        assert!(check_bootstrap("bootstrap", &bootstrap, Arch::X86_64).is_ok());
    }

    #[test]
    fn a_bootstrap_for_another_machine_is_refused_and_says_which_arch_would_run_it() {
        let aarch64 = x86_64_needing(&[]);
        let aarch64 = {
            let mut b = aarch64;
            b[18..20].copy_from_slice(&EM_AARCH64.to_le_bytes());
            b
        };
        assert_eq!(
            check_machine("bootstrap", &aarch64, Arch::X86_64)
                .unwrap_err()
                .to_string(),
            "bootstrap: `bootstrap` is built for AARCH64, but the function runs on x86_64; build it with `faqctl build --arch x86_64` (target x86_64-unknown-linux-gnu), or deploy this one with `--arch arm64`"
        );
        let x86_64 = x86_64_needing(&[]);
        assert_eq!(
            check_machine("bootstrap", &x86_64, Arch::Arm64)
                .unwrap_err()
                .to_string(),
            "bootstrap: `bootstrap` is built for X86_64, but the function runs on arm64; build it with `faqctl build --arch arm64` (target aarch64-unknown-linux-gnu), or deploy this one with `--arch x86_64`"
        );
        // A machine Lambda has no functions on: nothing to deploy it as.
        let riscv = elf(EM_RISCV, ET_DYN, &[], &[]);
        assert_eq!(
            check_bootstrap("bootstrap", &riscv, Arch::X86_64)
                .unwrap_err()
                .to_string(),
            "bootstrap: `bootstrap` is built for RISCV, but the function runs on x86_64; build it with `faqctl build --arch x86_64` (target x86_64-unknown-linux-gnu)"
        );
        // Each machine passes for its own architecture.
        assert!(check_machine("bootstrap", &aarch64, Arch::Arm64).is_ok());
        assert!(check_machine("bootstrap", &x86_64, Arch::X86_64).is_ok());
    }

    #[test]
    fn an_elf_object_file_is_not_an_executable_bootstrap() {
        let object = elf(EM_X86_64, ET_REL, &[], &[]);
        assert_eq!(
            check_machine("bootstrap", &object, Arch::X86_64)
                .unwrap_err()
                .to_string(),
            "bootstrap: `bootstrap` is not an ELF executable (ELF type REL is not an executable); build it for x86_64-unknown-linux-gnu (`faqctl build --arch x86_64`)"
        );
        for e_type in [ET_EXEC, ET_DYN] {
            assert!(
                check_machine("bootstrap", &elf(EM_X86_64, e_type, &[], &[]), Arch::X86_64).is_ok()
            );
        }
        let error = check_machine("bootstrap", b"#!/bin/sh\n", Arch::Arm64)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("bootstrap: `bootstrap` is not an ELF executable (")
                && error.ends_with(
                    "); build it for aarch64-unknown-linux-gnu (`faqctl build --arch arm64`)"
                ),
            "{error}"
        );
    }

    #[test]
    fn the_build_record_is_read_back_from_its_section() {
        let bootstrap = recorded(
            EM_X86_64,
            "faqctl-build-record;target=x86_64-unknown-linux-gnu;features=fxsr,sse,sse2",
        );
        let elf = goblin::elf::Elf::parse(&bootstrap).unwrap();
        assert_eq!(
            BuildRecord::read(&elf, &bootstrap),
            Some(BuildRecord {
                target: "x86_64-unknown-linux-gnu".into(),
                features: vec!["fxsr".into(), "sse".into(), "sse2".into()],
            })
        );
        // Fields in any order, unknown ones ignored, no features at all.
        let bootstrap = recorded(
            EM_AARCH64,
            "faqctl-build-record;features=;profile=lambda-release;target=aarch64-unknown-linux-gnu",
        );
        let elf = goblin::elf::Elf::parse(&bootstrap).unwrap();
        assert_eq!(
            BuildRecord::read(&elf, &bootstrap),
            Some(BuildRecord {
                target: "aarch64-unknown-linux-gnu".into(),
                features: vec![],
            })
        );
    }

    #[test]
    fn a_malformed_or_missing_build_record_reads_as_none() {
        for record in [
            // Not ours.
            "some-other-record;target=x86_64-unknown-linux-gnu;features=sse2",
            // No target: the record is incomplete.
            "faqctl-build-record;features=sse2",
            "",
        ] {
            let bootstrap = recorded(EM_X86_64, record);
            let elf = goblin::elf::Elf::parse(&bootstrap).unwrap();
            assert_eq!(BuildRecord::read(&elf, &bootstrap), None, "{record:?}");
        }
        // The record under another section name is not read.
        let bootstrap = elf(
            EM_X86_64,
            ET_DYN,
            &[],
            &[(".faqctl.other", b"faqctl-build-record;target=x;features=\0")],
        );
        let parsed = goblin::elf::Elf::parse(&bootstrap).unwrap();
        assert_eq!(BuildRecord::read(&parsed, &bootstrap), None);
        // A section that points past the end of the file is not read either.
        let mut truncated = recorded(EM_X86_64, "faqctl-build-record;target=x;features=");
        let headers = goblin::elf::Elf::parse(&truncated).unwrap().section_headers;
        let index = headers.iter().position(|s| s.sh_type == 1).unwrap(); // SHT_PROGBITS
        let shoff = u64::from_le_bytes(truncated[40..48].try_into().unwrap()) as usize;
        let sh_size = shoff + 64 * index + 32;
        let past_the_end = truncated.len() as u64;
        truncated[sh_size..sh_size + 8].copy_from_slice(&past_the_end.to_le_bytes());
        let parsed = goblin::elf::Elf::parse(&truncated).unwrap();
        assert_eq!(BuildRecord::read(&parsed, &truncated), None);
    }

    #[test]
    fn a_recorded_bootstrap_within_lambdas_cpu_baseline_passes_with_its_features() {
        let bootstrap = recorded(
            EM_X86_64,
            "faqctl-build-record;target=x86_64-unknown-linux-gnu;features=crt-static,fxsr,sse,sse2,sse4.2,popcnt",
        );
        assert_eq!(
            check_bootstrap("bootstrap", &bootstrap, Arch::X86_64).unwrap(),
            CpuCheck::WithinBaseline {
                baseline: "x86-64-v2",
                features: ["crt-static", "fxsr", "sse", "sse2", "sse4.2", "popcnt"]
                    .map(String::from)
                    .to_vec(),
            }
        );
    }

    #[test]
    fn a_bootstrap_compiled_for_cpu_features_beyond_lambdas_is_refused_naming_them() {
        let bootstrap = recorded(
            EM_AARCH64,
            "faqctl-build-record;target=aarch64-unknown-linux-gnu;features=neon,lse,sve,sve2,crt-static",
        );
        assert_eq!(
            check_bootstrap("bootstrap", &bootstrap, Arch::Arm64)
                .unwrap_err()
                .to_string(),
            "bootstrap: `bootstrap` was compiled to use sve, sve2 (target features beyond Graviton2 (neoverse-n1), all that Lambda promises on arm64): it can die of SIGILL on Lambda's CPUs. Remove `-C target-cpu` / `-C target-feature` from RUSTFLAGS, CARGO_ENCODED_RUSTFLAGS or .cargo/config.toml and build again"
        );
    }

    #[test]
    fn only_cpu_features_beyond_the_baseline_count_and_crt_static_is_not_one() {
        let features = ["sse2", "avx2", "crt-static", "popcnt", "avx512f"].map(String::from);
        assert_eq!(
            CpuBaseline::of(Arch::X86_64).beyond(&features),
            ["avx2", "avx512f"]
        );
        let features = ["neon", "dotprod", "sve", "crt-static"].map(String::from);
        assert_eq!(CpuBaseline::of(Arch::Arm64).beyond(&features), ["sve"]);
        assert!(CpuBaseline::of(Arch::Arm64).beyond(&[]).is_empty());
    }

    #[test]
    fn a_zip_is_checked_with_its_bootstrap_and_named_in_the_messages() {
        let bytes = zip_of(&[("bootstrap", 0o755, &x86_64_needing(&["2.35"]))]);
        let error = check_zip("pkg.zip", &bytes, Arch::X86_64)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("pkg.zip: `bootstrap` needs GLIBC_2.35"),
            "{error}"
        );
        let bytes = zip_of(&[("bootstrap", 0o755, &x86_64_needing(&["2.34"]))]);
        assert_eq!(
            check_zip("pkg.zip", &bytes, Arch::X86_64).unwrap(),
            CpuCheck::NotRecorded {
                baseline: "x86-64-v2"
            }
        );
    }

    #[test]
    fn a_prebuilt_zip_is_loaded_with_its_size_hash_and_checks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bootstrap.zip");
        let bytes = zip_of(&[("bootstrap", 0o755, &x86_64_needing(&["2.34"]))]);
        std::fs::write(&path, &bytes).unwrap();
        let loaded = load_zip(&path, Arch::X86_64).unwrap();
        assert_eq!(loaded.zip, path);
        assert_eq!(loaded.size, bytes.len() as u64);
        assert_eq!(loaded.code_sha256, code_sha256(&bytes));
        assert_eq!(loaded.bytes, bytes);
        assert_eq!(loaded.profile, None);
        assert_eq!(loaded.architecture, Arch::X86_64);
        assert_eq!(
            loaded.cpu,
            CpuCheck::NotRecorded {
                baseline: "x86-64-v2"
            }
        );
        let error = load_zip(&path, Arch::Arm64).unwrap_err().to_string();
        assert!(
            error.contains("is built for X86_64, but the function runs on arm64"),
            "{error}"
        );
    }

    #[test]
    fn build_prints_what_it_made_line_by_line() {
        let mut output = package_output(
            PathBuf::from("target/lambda/FAQ/bootstrap.zip"),
            b"zip".to_vec(),
            Arch::X86_64,
            CpuCheck::WithinBaseline {
                baseline: "x86-64-v2",
                features: vec!["sse2".into()],
            },
        );
        output.profile = Some(Profile::LambdaRelease);
        assert_eq!(
            output.to_string(),
            format!(
                "zip         target/lambda/FAQ/bootstrap.zip\n\
                 size        3 bytes\n\
                 profile     lambda-release (size-optimised, for AWS)\n\
                 arch        x86_64 (x86_64-unknown-linux-gnu)\n\
                 CPU         within Lambda's baseline x86-64-v2\n\
                 CodeSha256  {}",
                code_sha256(b"zip")
            )
        );
        // A prebuilt zip has no profile.
        let output = package_output(
            PathBuf::from("pkg.zip"),
            vec![],
            Arch::Arm64,
            CpuCheck::NotRecorded {
                baseline: "Graviton2 (neoverse-n1)",
            },
        );
        assert_eq!(
            output.to_string(),
            "zip         pkg.zip\n\
             size        0 bytes\n\
             arch        arm64 (aarch64-unknown-linux-gnu)\n\
             CPU         not recorded in the binary, so not compared with Graviton2 (neoverse-n1)\n\
             CodeSha256  47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert_eq!(
            CpuCheck::NotChecked.to_string(),
            "not checked (a build for the local cloud)"
        );
    }

    #[test]
    fn the_progress_line_says_how_and_in_which_profile_it_builds() {
        let host = Arch::host().expect("tests run on x86_64 or arm64");
        let other = match host {
            Arch::X86_64 => Arch::Arm64,
            Arch::Arm64 => Arch::X86_64,
        };
        let config = |arch, profile| BuildConfig {
            manifest_path: "Cargo.toml".into(),
            faq_path: "faq.json".into(),
            function_name: "FAQ".into(),
            profile,
            arch,
        };
        assert_eq!(
            building(&config(host, Profile::LambdaRelease)),
            format!("building bootstrap for {host} (cargo, profile lambda-release: size-optimised, for AWS)…")
        );
        assert_eq!(
            building(&config(other, Profile::Dev)),
            format!(
                "building bootstrap for {other} (cargo zigbuild, target {}.2.34, profile dev: incremental, for the local cloud)…",
                other.rust_target()
            )
        );
    }

    #[test]
    fn the_aws_profile_zips_smaller_than_the_local_clouds() {
        // Text that compresses, but not trivially: deflate's levels differ on it.
        let mut text = String::new();
        let mut state: u32 = 1;
        for _ in 0..20_000 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            text.push_str(
                ["faq ", "lambda ", "answer ", "question ", "\n"][(state >> 16) as usize % 5],
            );
            text.push_str(&((state >> 20) % 100).to_string());
        }
        let size = |profile: Profile| {
            write_zip_at(
                &[("faq.json", 0o644, text.as_bytes())],
                profile.compression_level(),
                "",
            )
            .unwrap()
            .len()
        };
        let (release, dev) = (size(Profile::LambdaRelease), size(Profile::Dev));
        assert!(release < dev, "release {release} bytes, dev {dev} bytes");
        // Both compress: neither stores the text as it is.
        assert!(dev < text.len() / 2, "dev {dev} bytes of {}", text.len());
        assert_eq!(
            size(Profile::LambdaRelease),
            write_zip(&[("faq.json", 0o644, text.as_bytes())])
                .unwrap()
                .len()
        );
    }

    #[test]
    fn profiles_are_named_as_cargo_knows_them() {
        assert_eq!(Profile::LambdaRelease.to_string(), "lambda-release");
        assert_eq!(Profile::Dev.to_string(), "dev");
        assert_eq!(Profile::Dev.name(), "dev");
    }

    /// What cargo answers: its exit code, its JSON messages on stdout, its diagnostics.
    fn cargo_output(code: i32, stdout: &str, stderr: &str) -> std::process::Output {
        use std::os::unix::process::ExitStatusExt;
        std::process::Output {
            status: std::process::ExitStatus::from_raw(code << 8),
            stdout: stdout.as_bytes().to_vec(),
            stderr: stderr.as_bytes().to_vec(),
        }
    }

    fn release_config() -> BuildConfig {
        BuildConfig {
            manifest_path: "/w/Cargo.toml".into(),
            faq_path: "/w/faq.json".into(),
            function_name: "FAQ".into(),
            profile: Profile::LambdaRelease,
            arch: Arch::X86_64,
        }
    }

    #[test]
    fn the_bootstrap_and_the_target_directory_are_found_in_cargos_messages() {
        // The bootstrap's artifact, among others' and messages about it that are no artifact.
        let messages = [
            r#"{"reason":"compiler-artifact","target":{"name":"faq_function"},"executable":null}"#,
            "not JSON: cargo's own line",
            r#"{"reason":"compiler-artifact","target":{"name":"bootstrap"},"executable":"/w/target/lambda-release/bootstrap"}"#,
            r#"{"reason":"compiler-artifact","target":{"name":"other"},"executable":"/w/target/lambda-release/other"}"#,
            r#"{"reason":"compiler-message","target":{"name":"bootstrap"},"executable":"/w/target/lambda-release/wrong"}"#,
            r#"{"reason":"build-finished","success":true}"#,
        ]
        .join("\n");
        let found = built_bootstrap(
            &release_config(),
            &BuildCommand::Native,
            &cargo_output(0, &messages, ""),
        )
        .unwrap();
        assert_eq!(
            found,
            (
                "/w/target/lambda-release/bootstrap".into(),
                "/w/target".into()
            )
        );
        // A cross build puts the target triple in between.
        let messages = r#"{"reason":"compiler-artifact","target":{"name":"bootstrap"},"executable":"/w/target/aarch64-unknown-linux-gnu/lambda-release/bootstrap"}"#;
        let cross = BuildCommand::Cross {
            target: "aarch64-unknown-linux-gnu",
        };
        let found =
            built_bootstrap(&release_config(), &cross, &cargo_output(0, messages, "")).unwrap();
        assert_eq!(found.1, PathBuf::from("/w/target"));
    }

    #[test]
    fn a_build_without_a_bootstrap_says_so() {
        let messages =
            r#"{"reason":"compiler-artifact","target":{"name":"faq_function"},"executable":null}"#;
        let error = built_bootstrap(
            &release_config(),
            &BuildCommand::Native,
            &cargo_output(0, messages, ""),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            error,
            "cargo built no `bootstrap` binary for /w/Cargo.toml; is this the faqctl workspace?"
        );
    }

    #[test]
    fn a_failed_build_repeats_cargos_diagnostics_when_they_were_not_shown() {
        let error = built_bootstrap(
            &release_config(),
            &BuildCommand::Native,
            &cargo_output(
                101,
                "",
                "error[E0425]: cannot find value `x`\n\n  --> src/lib.rs:1:1\n",
            ),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            error,
            "`cargo build --profile lambda-release -p faq-function` failed (exit status: 101) for /w/Cargo.toml\n  error[E0425]: cannot find value `x`\n    --> src/lib.rs:1:1"
        );
        let cross = BuildCommand::Cross {
            target: "aarch64-unknown-linux-gnu",
        };
        let error = built_bootstrap(&release_config(), &cross, &cargo_output(101, "", ""))
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "`cargo zigbuild --target aarch64-unknown-linux-gnu.2.34 --profile lambda-release -p faq-function` failed (exit status: 101) for /w/Cargo.toml; cargo's diagnostics are above"
        );
    }

    #[test]
    fn cargo_is_asked_for_the_bootstrap_alone_with_json_messages() {
        let args = |command: Command| -> Vec<String> {
            command
                .get_args()
                .map(|a| a.to_string_lossy().into_owned())
                .collect()
        };
        let tail = [
            "--manifest-path",
            "/w/Cargo.toml",
            "--profile",
            "dev",
            "-p",
            "faq-function",
            "-p",
            "faqctl",
            "--bin",
            "bootstrap",
            "--message-format",
            "json-render-diagnostics",
        ];
        let native = BuildCommand::Native.command(Path::new("/w/Cargo.toml"), Profile::Dev);
        assert_eq!(args(native), [&["build"][..], &tail].concat());
        let cross = BuildCommand::Cross {
            target: "aarch64-unknown-linux-gnu",
        }
        .command(Path::new("/w/Cargo.toml"), Profile::Dev);
        assert_eq!(
            args(cross),
            [
                &["zigbuild", "--target", "aarch64-unknown-linux-gnu.2.34"][..],
                &tail
            ]
            .concat()
        );
    }

    #[test]
    fn a_build_for_this_machine_needs_plain_cargo_and_one_for_the_other_arch_names_what_is_missing()
    {
        let host = Arch::host().expect("tests run on x86_64 or arm64");
        assert!(matches!(
            BuildCommand::for_arch(host),
            Ok(BuildCommand::Native)
        ));
        // The other architecture: a cross build, or the list of what this machine lacks for one.
        let other = match host {
            Arch::X86_64 => Arch::Arm64,
            Arch::Arm64 => Arch::X86_64,
        };
        let target = other.rust_target();
        let has_std = rust_target_installed(target);
        let has_zigbuild = runs(Command::new("cargo-zigbuild").arg("--version"));
        let has_zig = match std::env::var_os("ZIG") {
            Some(zig) => runs(Command::new(zig).arg("version")),
            None => {
                runs(Command::new("zig").arg("version"))
                    || runs(Command::new("python3").args(["-m", "ziglang", "version"]))
            }
        };
        match BuildCommand::for_arch(other) {
            Ok(BuildCommand::Cross { target: cross }) => {
                assert_eq!(cross, target);
                assert!(has_std && has_zigbuild && has_zig);
            }
            Ok(BuildCommand::Native) => panic!("a native build for {other} on {host}"),
            Err(error) => {
                let error = error.to_string();
                assert!(
                    error.starts_with(&format!("--arch {other} on this {} machine needs a cross build (cargo zigbuild --target {target}.2.34), and this machine lacks:\n  - ", std::env::consts::ARCH)),
                    "{error}"
                );
                assert!(error.ends_with("\n./scripts/setup-arm64 installs all of it (and qemu-user-static, which runs arm64 functions on the local cloud)"), "{error}");
                assert_eq!(error.contains("rustup target add"), !has_std, "{error}");
                assert_eq!(
                    error.contains("pip install cargo-zigbuild"),
                    !has_zigbuild,
                    "{error}"
                );
                assert_eq!(error.contains("pip install ziglang"), !has_zig, "{error}");
                assert!(!(has_std && has_zigbuild && has_zig), "{error}");
            }
        }
    }

    #[test]
    fn a_tool_runs_when_it_starts_and_exits_0() {
        assert!(runs(&mut Command::new("true")));
        assert!(!runs(&mut Command::new("false")));
        assert!(!runs(&mut Command::new("faqctl-no-such-tool")));
    }

    #[test]
    fn the_standard_library_of_this_machines_target_is_installed_and_a_bogus_one_is_not() {
        let host = Arch::host().expect("tests run on x86_64 or arm64");
        assert!(rust_target_installed(host.rust_target()));
        assert!(!rust_target_installed("faqctl-no-such-target"));
    }

    /// A FAQ the function crate accepts.
    const FAQ: &[u8] =
        br#"{"service":"lambda","reference":"r","questions":[{"q":"Why?","a":"Because."}]}"#;

    /// Packages `bootstrap` as `build` does after cargo, in a fresh target directory; returns
    /// the directory (kept alive) and the result.
    fn package(
        bootstrap: &[u8],
        arch: Arch,
        profile: Profile,
    ) -> (tempfile::TempDir, anyhow::Result<PackageOutput>) {
        let dir = tempfile::tempdir().unwrap();
        let faq_path = dir.path().join("faq.json");
        std::fs::write(&faq_path, FAQ).unwrap();
        let bootstrap_path = dir.path().join("bootstrap");
        std::fs::write(&bootstrap_path, bootstrap).unwrap();
        let config = BuildConfig {
            manifest_path: dir.path().join("Cargo.toml"),
            faq_path,
            function_name: "FAQ".into(),
            profile,
            arch,
        };
        let target = dir.path().join("target");
        let result = package_bootstrap(&config, &bootstrap_path, &target);
        (dir, result)
    }

    #[test]
    fn a_build_writes_the_zip_where_cargo_lambda_does_arm64_in_a_folder_of_its_own() {
        let (dir, x86_64) = package(
            &x86_64_needing(&["2.34"]),
            Arch::X86_64,
            Profile::LambdaRelease,
        );
        let x86_64 = x86_64.unwrap();
        let expected = dir.path().join("target/lambda/FAQ/bootstrap.zip");
        assert_eq!(x86_64.zip, expected);
        let written = std::fs::read(&expected).unwrap();
        assert_eq!(written, x86_64.bytes);
        assert_eq!(x86_64.code_sha256, code_sha256(&written));
        assert_eq!(x86_64.profile, Some(Profile::LambdaRelease));
        // The bootstrap, executable, and the FAQ beside it.
        let mut archive = ZipArchive::new(Cursor::new(&written)).unwrap();
        assert_eq!(
            archive.by_name("bootstrap").unwrap().unix_mode(),
            Some(0o100755)
        );
        let mut faq = Vec::new();
        archive
            .by_name("faq.json")
            .unwrap()
            .read_to_end(&mut faq)
            .unwrap();
        assert_eq!(faq, FAQ);

        let arm64 = elf(EM_AARCH64, ET_DYN, &["2.17"], &[]);
        let (dir, arm64) = package(&arm64, Arch::Arm64, Profile::LambdaRelease);
        assert_eq!(
            arm64.unwrap().zip,
            dir.path().join("target/lambda/FAQ/arm64/bootstrap.zip")
        );
    }

    #[test]
    fn a_zip_says_its_profile_and_one_from_the_former_lambda_dev_profile_is_a_dev_build() {
        let zip = |comment: &str| {
            write_zip_at(&[(BOOTSTRAP, 0o755, b"\x7fELF".as_slice())], 1, comment).unwrap()
        };
        for profile in [Profile::LambdaRelease, Profile::Dev] {
            assert_eq!(zip_profile(&zip(&profile.zip_comment())), Some(profile));
        }
        assert_eq!(
            zip_profile(&zip("faqctl build, cargo profile lambda-dev")),
            Some(Profile::Dev)
        );
        assert_eq!(zip_profile(&zip("made by hand")), None);
    }

    #[test]
    fn a_build_for_the_local_cloud_checks_the_machine_but_not_aws_glibc_or_cpu() {
        // This machine's glibc may be newer than AWS's: fine for the local cloud.
        let bootstrap = x86_64_needing(&["2.39"]);
        let (_dir, local) = package(&bootstrap, Arch::X86_64, Profile::Dev);
        let local = local.unwrap();
        assert_eq!(local.cpu, CpuCheck::NotChecked);
        assert_eq!(local.profile, Some(Profile::Dev));
        let (_dir, aws) = package(&bootstrap, Arch::X86_64, Profile::LambdaRelease);
        let error = format!("{:#}", aws.unwrap_err());
        assert!(
            error.contains("needs GLIBC_2.39 but provided.al2023 has glibc 2.34"),
            "{error}"
        );
        // The machine is checked for both.
        let (_dir, wrong) = package(&bootstrap, Arch::Arm64, Profile::Dev);
        let error = format!("{:#}", wrong.unwrap_err());
        assert!(
            error.contains("is built for X86_64, but the function runs on arm64"),
            "{error}"
        );
    }
}
