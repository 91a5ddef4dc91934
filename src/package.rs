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
    /// For the local cloud (`faqctl local`): incremental, no LTO, so a one-line change
    /// rebuilds in seconds. Runs on this machine, so AWS's glibc bound is not checked.
    LambdaDev,
}

impl Profile {
    /// The cargo profile's name.
    pub fn name(self) -> &'static str {
        match self {
            Profile::LambdaRelease => LAMBDA_PROFILE,
            Profile::LambdaDev => "lambda-dev",
        }
    }

    /// What the profile is for, as the progress line says it.
    fn purpose(self) -> &'static str {
        match self {
            Profile::LambdaRelease => "size-optimised, for AWS",
            Profile::LambdaDev => "incremental, for the local cloud",
        }
    }

    /// Deflate level: the smallest zip for AWS, the quickest for the local cloud.
    fn compression_level(self) -> i64 {
        match self {
            Profile::LambdaRelease => 9,
            Profile::LambdaDev => 1,
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
    let output = command.output().map_err(cannot_run_cargo)?;
    let (bootstrap, target_dir) = built_bootstrap(config, &how, &output)?;
    package_bootstrap(config, &bootstrap, &target_dir)
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
        command
            .arg("--manifest-path")
            .arg(manifest)
            .args([
                "--profile",
                profile.name(),
                "-p",
                "faq-function",
                "--bin",
                BOOTSTRAP,
            ])
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
        Profile::LambdaDev => {
            check_machine(&shown, &bootstrap, config.arch)?;
            CpuCheck::NotChecked
        }
    };

    let bytes = write_zip_at(
        &[(BOOTSTRAP, 0o755, &bootstrap), (FAQ_FILE_NAME, 0o644, &faq)],
        config.profile.compression_level(),
    )?;
    // target/lambda/FAQ/bootstrap.zip as cargo-lambda writes it; arm64 in a folder of its own,
    // so that builds for both architectures can sit side by side.
    let mut dir = target_dir.join("lambda").join(&config.function_name);
    if config.arch != Arch::X86_64 {
        dir.push(config.arch.lambda_name());
    }
    let zip = dir.join("bootstrap.zip");
    check_archive(&zip.display().to_string(), &bytes)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::fs::write(&zip, &bytes).with_context(|| format!("cannot write {}", zip.display()))?;
    let mut output = package_output(zip, bytes, config.arch, cpu);
    output.profile = Some(config.profile);
    Ok(output)
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
    Ok(package_output(path.to_path_buf(), bytes, arch, cpu))
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
            "`{cargo} --profile {} -p faq-function` failed ({}) for {}{}",
            config.profile,
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
    write_zip_at(entries, 9)
}

/// `write_zip` at a deflate level (1 fastest, 9 smallest).
fn write_zip_at(entries: &[(&str, u32, &[u8])], level: i64) -> anyhow::Result<Vec<u8>> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
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

    #[test]
    fn packages_over_lambdas_size_limits_are_refused() {
        let zipped = vec![0u8; MAX_ZIPPED_BYTES as usize + 1];
        assert!(matches!(
            check_zip("big.zip", &zipped, Arch::X86_64),
            Err(PackageError::TooLargeZipped { .. })
        ));
        // Zeros deflate to almost nothing: a small zip that unpacks past 250 MB.
        let huge = vec![0u8; MAX_UNZIPPED_BYTES as usize + 1];
        let bytes = zip_of(&[("bootstrap", 0o755, b"x"), ("data", 0o644, &huge)]);
        let error = check_zip("bomb.zip", &bytes, Arch::X86_64).unwrap_err();
        assert!(
            matches!(error, PackageError::TooLargeUnzipped { .. }),
            "{error}"
        );
    }
}
