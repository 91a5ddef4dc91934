//! The benchmark behind `bench/run` (`cargo bench --bench faqctl`): one table of figures, all
//! on loopback — deploy (faqctl vs a script of `aws` CLI calls, and vs boto3 in one process),
//! the function (size, cold start, memory), the data path like for like (the floor: a
//! minimal HTTP server; the stage URL and Invoke API at 1, 8 and 32 clients, with 1 and 2
//! workers; `cargo lambda watch`'s function URL and Invoke API serving the same function,
//! measured by the same load generator in the same run), how fast `faqctl logs --follow`
//! shows a new line, the edit loop, and the arm64 function (under qemu-user). Each row with a
//! target says met or MISSED, and the bench exits 1 when one was missed.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[path = "../tests/it/common/project.rs"]
mod project;
use project::copy_project;

use faqctl::output::OutputFormat;
use faqctl::output::Printer;
use faqctl::package::{self, BuildConfig, PackageOutput, Profile};

const ROLE: &str = "arn:aws:iam::000000000000:role/faqctl-bench";
const DEPLOY_RUNS: usize = 7;
const CLI_RUNS: usize = 3;
const LOAD_SECONDS: u64 = 3;

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(bench());
}

/// The printed table; the rows with a target say whether it was met, and the bench exits
/// non-zero when one was missed, so that a regression shows.
struct Table {
    missed: Vec<String>,
}

impl Table {
    /// A figure with no target.
    fn row(&mut self, metric: &str, value: String, target: &str) {
        println!("  {metric:<52} {value:<30} {target}");
    }

    /// A figure against its target.
    fn check(&mut self, metric: &str, value: String, target: &str, met: bool) {
        let verdict = if met { "met" } else { "MISSED" };
        println!("  {metric:<52} {value:<30} {target:<24} {verdict}");
        if !met {
            self.missed
                .push(format!("{metric}: {value} (target {target})"));
        }
    }

    fn section(&mut self, title: &str) {
        println!("{title}");
    }
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

fn percentile(values: &mut [Duration], p: f64) -> Duration {
    values.sort();
    values[((values.len() as f64 * p) as usize).min(values.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

fn faqctl(endpoint: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_faqctl"));
    command
        .env_remove("AWS_PROFILE")
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .args(["--endpoint-url", endpoint])
        .stdin(Stdio::null());
    command
}

async fn run(mut command: Command) -> (Duration, std::process::Output) {
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        let output = command.output().expect("the command runs");
        let took = started.elapsed();
        assert!(
            output.status.success(),
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        (took, output)
    })
    .await
    .unwrap()
}

/// `faqctl local --no-deploy` as users run it (the release binary, its allocator and runtime),
/// on a free port; stopped with Ctrl-C (SIGINT) when dropped.
struct Cloud {
    child: std::process::Child,
    port: u16,
}

impl Cloud {
    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn calls(&self) -> BTreeMap<String, u64> {
        let body = admin()
            .get(format!("{}/_faqctl/calls", self.endpoint()))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let value: serde_json::Value = serde_json::from_str(&body).unwrap();
        serde_json::from_value(value["calls"].clone()).unwrap()
    }

    async fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let _ = tokio::task::spawn_blocking(move || self.child.wait()).await;
    }
}

async fn start(state_dir: Option<PathBuf>) -> Cloud {
    start_with(state_dir, &[]).await
}

/// `start` with more flags for `faqctl local`.
async fn start_with(state_dir: Option<PathBuf>, extra: &[&str]) -> Cloud {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_faqctl"));
    command
        .args(["local", "--no-deploy", "--port", &port.to_string()])
        .args(extra)
        .stdout(Stdio::null())
        .stdin(Stdio::null());
    if let Some(dir) = state_dir {
        command.arg("--state-dir").arg(dir);
    }
    let child = command.spawn().expect("faqctl local starts");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "faqctl local did not start");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Cloud { child, port }
}

/// A client of the admin API: like every control-plane call, signed (SigV4-shaped).
fn admin() -> reqwest::Client {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        reqwest::header::HeaderValue::from_static(
            "AWS4-HMAC-SHA256 Credential=test/20261124/us-east-1/faqctl/aws4_request, SignedHeaders=host, Signature=0",
        ),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

const READS: [&str; 6] = ["Get", "Describe", "Filter", "List", "Execute", "Invoke"];

async fn write_counts(cloud: &Cloud) -> BTreeMap<String, u64> {
    cloud
        .calls()
        .await
        .into_iter()
        .filter(|(op, _)| !READS.iter().any(|r| op.starts_with(r)))
        .collect()
}

fn total(calls: &BTreeMap<String, u64>) -> u64 {
    calls.values().sum()
}

async fn reset_calls(cloud: &Cloud) {
    admin()
        .delete(format!("{}/_faqctl/calls", cloud.endpoint()))
        .send()
        .await
        .unwrap();
}

async fn bench() {
    let mut table = run_sections().await;
    if !table.missed.is_empty() {
        println!("Missed {} target(s):", table.missed.len());
        for missed in table.missed.drain(..) {
            println!("  {missed}");
        }
        std::process::exit(1);
    }
    println!("Every target met.");
}

async fn run_sections() -> Table {
    println!(
        "faqctl benchmark — {} cores, {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        cpu_model()
    );
    let mut table = Table { missed: Vec::new() };
    // `bench/run edit-loop` measures the edit loop alone (it needs no release bootstrap).
    if std::env::args().skip(1).any(|a| a == "edit-loop") {
        edit_loop_section(&mut table).await;
        return table;
    }
    // `bench/run logs`: the follow delays alone (after the build below).
    let logs_only = std::env::args().skip(1).any(|a| a == "logs");
    // `bench/run arm64`: the arm64 figures alone.
    if std::env::args().skip(1).any(|a| a == "arm64") {
        arm64_section(&mut table, None).await;
        return table;
    }
    // `bench/run http`: the function's data path alone (stage URL, Invoke API, the peer, the
    // floor, workers, memory).
    let http_only = std::env::args().skip(1).any(|a| a == "http");
    // `bench/run deploy`: the deploy and function figures alone.
    let deploy_only = std::env::args().skip(1).any(|a| a == "deploy");
    // `bench/run minute`: the sustained minute alone, after the same loads as in `http`.
    let minute_only = std::env::args().skip(1).any(|a| a == "minute");
    let package = package::build(
        &BuildConfig {
            manifest_path: workspace().join("Cargo.toml"),
            faq_path: workspace().join("faq.json"),
            function_name: "Bench".into(),
            profile: Profile::LambdaRelease,
            arch: faqctl::settings::Arch::X86_64,
        },
        &Printer::new(OutputFormat::Json),
    )
    .expect("faqctl build");
    let zip = package.zip.display().to_string();
    if logs_only {
        logs_section(&mut table, &zip).await;
        return table;
    }
    if http_only {
        http_section(&mut table, &zip).await;
        return table;
    }
    if minute_only {
        minute_section(&mut table, &zip).await;
        return table;
    }
    deploy_rows(&mut table, &package, &zip).await;
    function_rows(&mut table, &package, &zip).await;
    if deploy_only {
        return table;
    }
    http_section(&mut table, &zip).await;

    // 3. Logs.
    logs_section(&mut table, &zip).await;

    // 4. The edit loop.
    edit_loop_section(&mut table).await;

    // 5. arm64.
    arm64_section(&mut table, Some(package.size)).await;
    table
}

/// The deploy figures: cold, no-op and code-change deploys (time and write calls), against
/// boto3 and the AWS CLI doing the same.
async fn deploy_rows(table: &mut Table, package: &PackageOutput, zip: &str) {
    let scratch = tempfile::tempdir().unwrap();
    let changed = scratch.path().join("changed.zip");
    let bootstrap = bootstrap_of(&package.bytes);
    std::fs::write(
        &changed,
        package::write_zip(&[
            ("bootstrap", 0o755, &bootstrap),
            (
                "faq.json",
                0o644,
                br#"{"service":"s","reference":"r","questions":[{"q":"Q?","a":"A."}]}"#,
            ),
        ])
        .unwrap(),
    )
    .unwrap();

    table.section("Deploy (faqctl binary → local cloud, prebuilt zip)");
    let (mut cold, mut noop, mut change) = (Vec::new(), Vec::new(), Vec::new());
    let (mut cold_writes, mut noop_writes, mut change_writes) =
        (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
    for _ in 0..DEPLOY_RUNS {
        let cloud = start(None).await;
        let endpoint = cloud.endpoint();
        let mut command = faqctl(&endpoint);
        command.args(["deploy", "--zip", zip, "--role-arn", ROLE]);
        cold.push(run(command).await.0);
        cold_writes = write_counts(&cloud).await;
        reset_calls(&cloud).await;
        let mut command = faqctl(&endpoint);
        command.args(["deploy", "--zip", zip]);
        noop.push(run(command).await.0);
        noop_writes = write_counts(&cloud).await;
        reset_calls(&cloud).await;
        let mut command = faqctl(&endpoint);
        command.args(["deploy", "--zip"]).arg(&changed);
        change.push(run(command).await.0);
        change_writes = write_counts(&cloud).await;
        cloud.stop().await;
    }
    let cold_median = median(cold);
    table.check(
        "cold deploy: wall time",
        ms(cold_median),
        "< 500 ms",
        cold_median < Duration::from_millis(500),
    );
    table.check(
        "cold deploy: write calls",
        format!(
            "{} ({})",
            total(&cold_writes),
            cold_writes.keys().cloned().collect::<Vec<_>>().join(", ")
        ),
        // The resources, plus a version and the alias `live` (safe deploys).
        "≤ 11",
        total(&cold_writes) <= 11,
    );
    let noop_median = median(noop);
    table.check(
        "no-op re-deploy: wall time",
        ms(noop_median),
        "< 30 ms",
        noop_median < Duration::from_millis(30),
    );
    table.check(
        "no-op re-deploy: write calls",
        total(&noop_writes).to_string(),
        "0",
        total(&noop_writes) == 0,
    );
    table.row("code-change re-deploy: wall time", ms(median(change)), "");
    table.check(
        "code-change re-deploy: write calls",
        format!(
            "{} ({})",
            total(&change_writes),
            change_writes.keys().cloned().collect::<Vec<_>>().join(", ")
        ),
        // The code, published as a version, which the alias moves to after the gate.
        "UpdateFunctionCode, PublishVersion, UpdateAlias only",
        change_writes
            .keys()
            .eq(["PublishVersion", "UpdateAlias", "UpdateFunctionCode"].iter()),
    );
    baseline_rows(table, zip, cold_median).await;
}

/// The fair baselines for a cold deploy: boto3 in one process, and the AWS CLI.
async fn baseline_rows(table: &mut Table, zip: &str, cold_median: Duration) {
    // The fair baseline: boto3 in one process, the same resources, stage settings included.
    let mut boto3 = Vec::new();
    let mut boto3_calls = 0;
    for _ in 0..CLI_RUNS {
        let cloud = start(None).await;
        let mut command = Command::new("python3");
        command
            .arg(workspace().join("bench/boto3-deploy.py"))
            .args([&cloud.endpoint(), zip, ROLE])
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .stdout(Stdio::null());
        boto3.push(run(command).await.0);
        boto3_calls = total(&cloud.calls().await);
        cloud.stop().await;
    }
    let boto3_median = median(boto3);
    table.row(
        "boto3 script, one process, same resources",
        format!("{} ({boto3_calls} calls)", ms(boto3_median)),
        "",
    );
    let over_boto3 = boto3_median.as_secs_f64() / cold_median.as_secs_f64();
    table.check(
        "faqctl cold deploy speed-up over boto3",
        format!("{over_boto3:.1}×"),
        "≥ 5×",
        over_boto3 >= 5.0,
    );
    let mut cli = Vec::new();
    let mut cli_calls = 0;
    for _ in 0..CLI_RUNS {
        let cloud = start(None).await;
        let mut command = Command::new(workspace().join("bench/aws-cli-deploy.sh"));
        command
            .args([&cloud.endpoint(), zip, ROLE])
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .stdout(Stdio::null());
        cli.push(run(command).await.0);
        cli_calls = total(&cloud.calls().await);
        cloud.stop().await;
    }
    let cli_median = median(cli);
    table.row(
        "aws CLI script, same resources: wall time",
        format!("{} ({cli_calls} calls)", ms(cli_median)),
        "",
    );
    let over_cli = cli_median.as_secs_f64() / cold_median.as_secs_f64();
    table.check(
        "faqctl cold deploy speed-up over the aws CLI",
        format!("{over_cli:.1}×"),
        "≥ 10×",
        over_cli >= 10.0,
    );
}

/// The function's figures: its zip, cold start and memory on the local cloud.
async fn function_rows(table: &mut Table, package: &PackageOutput, zip: &str) {
    table.section("The function (bootstrap on the local cloud)");
    table.check(
        "zip size",
        format!(
            "{} bytes ({:.0} KB)",
            package.size,
            package.size as f64 / 1024.0
        ),
        "< 450 KB",
        package.size < 450 * 1024,
    );
    let state = tempfile::tempdir().unwrap();
    let cloud = start(Some(state.path().to_path_buf())).await;
    let endpoint = cloud.endpoint();
    let url = deploy_unthrottled(&endpoint, zip, &[]).await;
    let client = reqwest::Client::new();
    let first = Instant::now();
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    let first_request = first.elapsed();
    let (init, duration) = first_report(&endpoint).await;
    table.row(
        "cold start: spawn → /next (Init Duration)",
        format!("{init:.2} ms"),
        "",
    );
    table.check(
        "cold start: spawn → first response",
        format!("{:.2} ms", init + duration),
        "< 5 ms",
        init + duration < 5.0,
    );
    table.row(
        "cold start: first GET through the stage URL",
        ms(first_request),
        "",
    );
    let rss = peak_rss_kb(state.path());
    table.check(
        "peak RSS of one environment (VmHWM)",
        format!("{:.1} MB", rss as f64 / 1024.0),
        "< 4 MB",
        rss < 4 * 1024,
    );
    // A warm environment must not grow with the invocations it serves (each brings a new
    // trace ID to `_X_AMZN_TRACE_ID`: glibc's setenv kept every one, docs/function.md).
    let _ = sequential_gets(&client, &url, WARM_GETS).await;
    let warm_rss = peak_rss_kb(state.path());
    table.check(
        &format!("peak RSS of one environment after {WARM_GETS} more GETs"),
        format!(
            "{:.1} MB (+{} KB)",
            warm_rss as f64 / 1024.0,
            warm_rss.saturating_sub(rss)
        ),
        "< 4 MB",
        warm_rss < 4 * 1024,
    );

    cloud.stop().await;
}

/// Deploys `zip` (with `extra` flags) with stage throttling above what the bench sends (the
/// default is 10/s, burst 20: the bench measures the data path); returns the stage URL.
async fn deploy_unthrottled(endpoint: &str, zip: &str, extra: &[&str]) -> String {
    let mut command = faqctl(endpoint);
    command
        .args([
            "deploy",
            "--zip",
            zip,
            "--role-arn",
            ROLE,
            "--output",
            "json",
        ])
        .args(["--throttle-rate", "10000", "--throttle-burst", "5000"])
        .args(extra);
    let deployed: serde_json::Value = serde_json::from_slice(&run(command).await.1.stdout).unwrap();
    deployed["invoke_url"].as_str().unwrap().to_string()
}

/// `count` GETs of `url`, one after the other: how long each took.
async fn sequential_gets(client: &reqwest::Client, url: &str, count: usize) -> Vec<Duration> {
    let mut times = Vec::with_capacity(count);
    for _ in 0..count {
        let started = Instant::now();
        let response = client.get(url).send().await.unwrap();
        let _ = response.bytes().await.unwrap();
        times.push(started.elapsed());
    }
    times
}

/// Requests per latency figure under qemu-user (each is ~10× slower than native).
const ARM64_REQUESTS: usize = 300;

async fn arm64_section(table: &mut Table, x86_64_size: Option<u64>) {
    table.section("arm64 (cross build; run under qemu-user: emulated figures, not Graviton's)");
    let built = package::build(
        &BuildConfig {
            manifest_path: workspace().join("Cargo.toml"),
            faq_path: workspace().join("faq.json"),
            function_name: "Bench".into(),
            profile: Profile::LambdaRelease,
            arch: faqctl::settings::Arch::Arm64,
        },
        &Printer::new(OutputFormat::Json),
    );
    let package = match built {
        Ok(package) => package,
        Err(e) => {
            let why = format!("{e:#}");
            let why = why.lines().next().unwrap_or_default().to_string();
            return table.row("arm64", format!("not measured: {why}"), "");
        }
    };
    let versus = x86_64_size
        .map(|x86| format!(", x86_64 {:.0} KB", x86 as f64 / 1024.0))
        .unwrap_or_default();
    table.check(
        "arm64 zip size",
        format!(
            "{} bytes ({:.0} KB{versus})",
            package.size,
            package.size as f64 / 1024.0
        ),
        "< 450 KB",
        package.size < 450 * 1024,
    );
    if let Err(why) = faqctl::local::check_runnable("arm64") {
        return table.row("arm64 under qemu", format!("not measured: {why}"), "");
    }
    let state = tempfile::tempdir().unwrap();
    let cloud = start(Some(state.path().to_path_buf())).await;
    let endpoint = cloud.endpoint();
    let zip = package.zip.display().to_string();
    let url = deploy_unthrottled(&endpoint, &zip, &["--arch", "arm64"]).await;
    let client = reqwest::Client::new();
    let first = Instant::now();
    assert_eq!(client.get(&url).send().await.unwrap().status(), 200);
    let first_request = first.elapsed();
    let (init, duration) = first_report(&endpoint).await;
    table.row(
        "arm64 cold start, emulated: spawn → first response",
        format!("{:.2} ms (Init Duration {init:.2} ms)", init + duration),
        "",
    );
    table.row(
        "arm64 cold start, emulated: first GET via stage URL",
        ms(first_request),
        "",
    );
    let mut stage = sequential_gets(&client, &url, ARM64_REQUESTS).await;
    table.row(
        "arm64 warm GET via stage URL, emulated: p50 / p99",
        format!(
            "{} / {}",
            us(percentile(&mut stage, 0.5)),
            us(percentile(&mut stage, 0.99))
        ),
        "",
    );
    cloud.stop().await;
}

async fn edit_loop_section(table: &mut Table) {
    table.section("Edit loop (`faqctl local --watch`, a one-line change to the handler)");
    match edit_loop().await {
        Ok(rounds) => {
            let e2e = median(rounds.iter().map(|r| r.0).collect());
            let build = median(rounds.iter().map(|r| r.1).collect());
            let swap = median(rounds.iter().map(|r| r.2).collect());
            table.check(
                &format!("save → new code serving (median of {})", rounds.len()),
                ms(e2e),
                "< 10 s",
                e2e < Duration::from_secs(10),
            );
            table.row("  of which: build (cargo, profile dev)", ms(build), "");
            table.check(
                "  of which: swap (converge: UpdateFunctionCode)",
                ms(swap),
                "< 100 ms",
                swap < Duration::from_millis(100),
            );
        }
        Err(why) => table.row("edit loop", format!("not measured: {why}"), ""),
    }
}

/// Runs `faqctl local --watch` on a copy of the project and changes the handler's
/// Content-Type, a few times: per round, save → the stage answers with the new header, and the
/// build and swap times faqctl reports.
async fn edit_loop() -> Result<Vec<(Duration, Duration, Duration)>, String> {
    use std::io::BufRead;
    const ROUNDS: usize = 5;
    let project = tempfile::tempdir().unwrap();
    copy_project(&workspace(), project.path());
    // A folder of its own in the bench's target directory (the function's dependencies build
    // once): cargo names a workspace member's artifacts by its path relative to the
    // workspace, so the edited copy must not build where the real project does.
    let target = std::env::current_exe().unwrap();
    let target = target.ancestors().nth(3).unwrap().join("edit-loop");
    let mut child = Command::new(env!("CARGO_BIN_EXE_faqctl"))
        .args(["local", "--watch", "--port", "0", "--output", "json"])
        .arg("--manifest-path")
        .arg(project.path().join("Cargo.toml"))
        .arg("--faq")
        .arg(project.path().join("faq.json"))
        .env("CARGO_TARGET_DIR", target)
        .env("CARGO_TERM_COLOR", "never")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let (lines_tx, lines) = std::sync::mpsc::channel::<String>();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if std::env::var_os("FAQCTL_BENCH_SHOW").is_some() {
                eprintln!("    | {line}");
            }
            if line.starts_with("watch: serving") && lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let stdout = child.stdout.take().unwrap();
    let (doc_tx, doc) = std::sync::mpsc::channel::<serde_json::Value>();
    std::thread::spawn(move || {
        let mut reader = std::io::BufReader::new(stdout);
        let mut text = String::new();
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            text.push_str(&line);
            line.clear();
            if let Ok(document) = serde_json::from_str(&text) {
                let _ = doc_tx.send(document);
                break;
            }
        }
        for _ in reader.lines() {}
    });
    let result = async {
        let document =
            tokio::task::spawn_blocking(move || doc.recv_timeout(Duration::from_secs(900)))
                .await
                .unwrap()
                .map_err(|_| "faqctl local --watch did not deploy".to_string())?;
        let url = document["deployed"]["stage_urls"][0]
            .as_str()
            .ok_or("no stage URL")?
            .to_string();
        let handler = project.path().join("function/src/handler.rs");
        let source = std::fs::read_to_string(&handler).unwrap();
        let client = reqwest::Client::new();
        let lines = std::sync::Arc::new(std::sync::Mutex::new(lines));
        let mut rounds = Vec::new();
        for round in 0..ROUNDS {
            let content_type = format!("application/json; round={round}");
            std::fs::write(
                &handler,
                source.replace("\"application/json\"", &format!("{content_type:?}")),
            )
            .unwrap();
            let saved = Instant::now();
            let mut last = String::new();
            loop {
                if saved.elapsed() > Duration::from_secs(300) {
                    return Err(format!(
                        "round {round}: the new code was not served (last answer: {last})"
                    ));
                }
                let served = match client.get(&url).send().await {
                    Ok(response) => {
                        let status = response.status();
                        let served = response
                            .headers()
                            .get("content-type")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string();
                        let body = response.text().await.unwrap_or_default();
                        last = format!("{status} {served} {body}");
                        served
                    }
                    Err(e) => {
                        last = e.to_string();
                        String::new()
                    }
                };
                if served == content_type {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let e2e = saved.elapsed();
            let lines = lines.clone();
            let line = tokio::task::spawn_blocking(move || {
                lines.lock().unwrap().recv_timeout(Duration::from_secs(30))
            })
            .await
            .unwrap()
            .map_err(|_| "faqctl printed no reload line".to_string())?;
            // "watch: serving the new code (…); build 3.1 s, swap 12 ms"
            let figures = line.rsplit("; ").next().unwrap_or_default();
            let number = |prefix: &str, suffix: &str| -> Option<f64> {
                figures.split(", ").find_map(|part| {
                    part.strip_prefix(prefix)?
                        .strip_suffix(suffix)?
                        .parse()
                        .ok()
                })
            };
            let build = number("build ", " s").ok_or_else(|| format!("unreadable: {line}"))?;
            let swap = number("swap ", " ms").ok_or_else(|| format!("unreadable: {line}"))?;
            rounds.push((
                e2e,
                Duration::from_secs_f64(build),
                Duration::from_secs_f64(swap / 1000.0),
            ));
        }
        Ok(rounds)
    }
    .await;
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let _ = tokio::task::spawn_blocking(move || child.wait()).await;
    result
}

const SIGNED_LAMBDA: &str = "AWS4-HMAC-SHA256 Credential=test/20261124/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0";

fn bootstrap_of(zip: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut bytes = Vec::new();
    archive
        .by_name("bootstrap")
        .unwrap()
        .read_to_end(&mut bytes)
        .unwrap();
    bytes
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

/// Init Duration and Duration (ms) of the first REPORT line.
async fn first_report(endpoint: &str) -> (f64, f64) {
    let mut command = faqctl(endpoint);
    command.args(["logs", "--output", "json", "--filter", "REPORT"]);
    let output = run(command).await.1;
    let line = String::from_utf8_lossy(&output.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let message = serde_json::from_str::<serde_json::Value>(&line)
        .map(|v| v["message"].as_str().unwrap_or("").to_string())
        .unwrap_or_default();
    let field = |name: &str| -> f64 {
        message
            .split('\t')
            .find_map(|part| part.trim().strip_prefix(name))
            .and_then(|v| v.trim_end_matches(" ms").parse().ok())
            .unwrap_or(f64::NAN)
    };
    (field("Init Duration: "), field("Duration: "))
}

/// Warm invocations after which an environment's memory is read again.
const WARM_GETS: usize = 20_000;

/// The highest VmHWM of the bootstrap processes running from `state_dir`.
fn peak_rss_kb(state_dir: &Path) -> u64 {
    let mut peak = 0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(exe) = std::fs::read_link(entry.path().join("exe")) else {
            continue;
        };
        if !exe.starts_with(state_dir) {
            continue;
        }
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        if let Some(kb) = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
        {
            peak = peak.max(kb);
        }
    }
    peak
}

/// One request the load generator repeats.
#[derive(Clone)]
struct Target {
    url: String,
    /// POST `{}` (an Invoke) instead of GET.
    post: bool,
    /// A SigV4-shaped `Authorization` (the local cloud's control plane wants one).
    authorization: Option<&'static str>,
}

impl Target {
    fn get(url: &str) -> Target {
        Target {
            url: url.to_string(),
            post: false,
            authorization: None,
        }
    }

    fn invoke(url: &str, authorization: Option<&'static str>) -> Target {
        Target {
            url: url.to_string(),
            post: true,
            authorization,
        }
    }
}

/// What `clients` concurrent keep-alive clients got for `LOAD_SECONDS`.
#[derive(Clone, Copy)]
struct Load {
    rate: f64,
    p50: Duration,
    p99: Duration,
}

impl Load {
    fn describe(&self) -> String {
        format!(
            "{:.0} req/s, {} / {}",
            self.rate,
            us(self.p50),
            us(self.p99)
        )
    }
}

/// `clients` concurrent keep-alive clients repeat `target` for `LOAD_SECONDS` (after a short
/// warm-up): completed requests per second, and the latency of each, p50 and p99. The same
/// generator measures every side.
async fn load(target: &Target, clients: usize) -> Load {
    load_measuring(target, clients, None).await.0
}

/// CPU seconds per request served: the server's process alone, and with its descendants (the
/// function processes it runs).
#[derive(Clone, Copy)]
struct CpuPerRequest {
    process: f64,
    tree: f64,
}

/// `load`, and the CPU the process `pid` (the local cloud; `cargo lambda watch`), alone and
/// with its descendants (the bootstraps; the function), spent per request in the window.
async fn load_with_cpu(target: &Target, clients: usize, pid: u32) -> (Load, CpuPerRequest) {
    let (figures, cpu) = load_measuring(target, clients, Some(pid)).await;
    let cpu = cpu.unwrap_or(CpuPerRequest {
        process: f64::NAN,
        tree: f64::NAN,
    });
    (figures, cpu)
}

async fn load_measuring(
    target: &Target,
    clients: usize,
    pid: Option<u32>,
) -> (Load, Option<CpuPerRequest>) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let measuring = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, target, stop, measuring) = (
            client.clone(),
            target.clone(),
            stop.clone(),
            measuring.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let mut request = if target.post {
                    client.post(&target.url).body("{}")
                } else {
                    client.get(&target.url)
                };
                if let Some(authorization) = target.authorization {
                    request = request.header("authorization", authorization);
                }
                let started = Instant::now();
                let ok = match request.send().await {
                    Ok(response) => {
                        response.status().is_success() && response.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                if ok && measuring.load(Ordering::Relaxed) {
                    latencies.push(started.elapsed());
                }
            }
            latencies
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let cpu_before = pid.map(tree_cpu_seconds);
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(LOAD_SECONDS)).await;
    measuring.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed();
    let cpu = pid.map(tree_cpu_seconds).zip(cpu_before);
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap_or_default());
    }
    assert!(!all.is_empty(), "no request to {} succeeded", target.url);
    let served = all.len() as f64;
    let figures = Load {
        rate: served / elapsed.as_secs_f64(),
        p50: percentile(&mut all, 0.5),
        p99: percentile(&mut all, 0.99),
    };
    let per_request = cpu.map(
        |((process, tree), (process_before, tree_before))| CpuPerRequest {
            process: (process - process_before) / served,
            tree: (tree - tree_before) / served,
        },
    );
    (figures, per_request)
}

/// One window of the sustained run: its rate, and where the machine's CPU went per request
/// served in it. A store whose work grows with what it holds shows as the local cloud's CPU
/// per request rising; a machine that gives less (other processes, the hypervisor's steal)
/// shows as a falling rate with a flat CPU per request.
struct Window {
    rate: f64,
    /// CPU per request, in µs: the local cloud's process, its bootstraps, the load generator.
    cloud_us: f64,
    bootstraps_us: f64,
    client_us: f64,
    /// Of the machine's CPU time in the window: stolen by the hypervisor, and idle, in %.
    steal: f64,
    idle: f64,
}

/// The machine's CPU time so far, from `/proc/stat`'s first line: (steal, idle, total), in ticks.
fn machine_ticks() -> (u64, u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let fields: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let field = |i: usize| fields.get(i).copied().unwrap_or(0);
    // user nice system idle iowait irq softirq steal (guest time is within user).
    (field(7), field(3) + field(4), fields.iter().take(8).sum())
}

/// The CPU time of this process (the load generator, every thread), in seconds.
fn own_cpu_seconds() -> f64 {
    tree_cpu_seconds(std::process::id()).0
}

/// `clients` keep-alive clients GET `url` for `windows` × `window`: each window's rate of
/// requests served (2xx), and the CPU spent per request in it by the process `pid` (the local
/// cloud), its descendants and this one, with the machine's steal and idle time.
async fn sustained(
    url: &str,
    clients: usize,
    windows: usize,
    window: Duration,
    pid: u32,
) -> Vec<Window> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, url, stop, served) = (
            client.clone(),
            url.to_string(),
            stop.clone(),
            served.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                if let Ok(response) = client.get(&url).send().await {
                    if response.status().is_success() && response.bytes().await.is_ok() {
                        served.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sample = || {
        let (cloud, tree) = tree_cpu_seconds(pid);
        (
            Instant::now(),
            served.load(Ordering::Relaxed),
            (cloud, tree - cloud, own_cpu_seconds()),
            machine_ticks(),
        )
    };
    let mut windows_seen = Vec::new();
    let mut last = sample();
    for _ in 0..windows {
        tokio::time::sleep(window).await;
        let now = sample();
        let requests = (now.1 - last.1).max(1) as f64;
        let per_request = |after: f64, before: f64| (after - before) / requests * 1e6;
        let total = (now.3 .2 - last.3 .2).max(1) as f64;
        windows_seen.push(Window {
            rate: (now.1 - last.1) as f64 / (now.0 - last.0).as_secs_f64(),
            cloud_us: per_request(now.2 .0, last.2 .0),
            bootstraps_us: per_request(now.2 .1, last.2 .1),
            client_us: per_request(now.2 .2, last.2 .2),
            steal: 100.0 * (now.3 .0 - last.3 .0) as f64 / total,
            idle: 100.0 * (now.3 .1 - last.3 .1) as f64 / total,
        });
        last = now;
    }
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    windows_seen
}

/// The CPU time (user + system, every thread) of `pid` alone, and of `pid` with every process
/// descended from it, in seconds, from `/proc` (a descendant's time counts while it runs, not
/// only once it has exited).
fn tree_cpu_seconds(pid: u32) -> (f64, f64) {
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    let mut parent = BTreeMap::new();
    let mut cpu = BTreeMap::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(id) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // After the command's closing parenthesis: state ppid … utime (14th) stime (15th).
        let Some(rest) = stat.rsplit_once(')').map(|(_, rest)| rest) else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let number = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        parent.insert(id, number(1) as u32);
        cpu.insert(id, number(11) + number(12));
    }
    let in_tree = |mut id: u32| {
        while id > 1 {
            if id == pid {
                return true;
            }
            id = parent.get(&id).copied().unwrap_or(0);
        }
        false
    };
    let alone = cpu.get(&pid).copied().unwrap_or(0) as f64 / ticks;
    let tree = cpu
        .iter()
        .filter(|(id, _)| in_tree(**id))
        .map(|(_, t)| *t as f64 / ticks)
        .sum();
    (alone, tree)
}

/// The floor: a minimal HTTP/1.1 server on loopback (hyper on a thread of its own, as lean as
/// a server gets) answering every request with one FAQ entry from memory. What the stage URL
/// costs beyond it is the local cloud's own work.
fn floor_server(body: String) -> String {
    let body = axum::body::Bytes::from(body);
    serve_on_thread(move |stream| {
        let body = body.clone();
        async move {
            let service = hyper::service::service_fn(move |_request| {
                let body = body.clone();
                async move {
                    let mut response = hyper::Response::new(http_body_util::Full::new(body));
                    response.headers_mut().insert(
                        "content-type",
                        hyper::header::HeaderValue::from_static("application/json"),
                    );
                    Ok::<_, std::convert::Infallible>(response)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        }
    })
}

/// A relay: each request is sent on to `upstream` over a kept-alive connection (one per
/// incoming connection), and its answer returned.
fn relay_server(upstream: &str) -> String {
    let upstream: std::net::SocketAddr = upstream
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    serve_on_thread(move |stream| async move {
        let next = tokio::net::TcpStream::connect(upstream).await.unwrap();
        let _ = next.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake::<
            _,
            http_body_util::Empty<axum::body::Bytes>,
        >(hyper_util::rt::TokioIo::new(next))
        .await
        .unwrap();
        tokio::spawn(connection);
        let sender = Arc::new(tokio::sync::Mutex::new(sender));
        let service = hyper::service::service_fn(move |_request| {
            let sender = sender.clone();
            async move {
                let request = hyper::Request::get("/")
                    .body(http_body_util::Empty::new())
                    .unwrap();
                let answer = sender.lock().await.send_request(request).await?;
                let (parts, body) = answer.into_parts();
                let body = http_body_util::BodyExt::collect(body).await?.to_bytes();
                Ok::<_, hyper::Error>(hyper::Response::from_parts(
                    parts,
                    http_body_util::Full::new(body),
                ))
            }
        });
        let _ = hyper::server::conn::http1::Builder::new()
            .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
            .await;
    })
}

/// A loopback server on a thread of its own (a single-threaded runtime): each connection, with
/// Nagle off, is handed to `serve` in a task of its own. Returns its URL.
fn serve_on_thread<F, Fut>(serve: F) -> String
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve(stream));
            }
        });
    });
    url
}

/// A process's memory from /proc (`VmRSS`, or `VmHWM` for its peak), in KB.
fn process_memory_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|line| {
            line.strip_prefix(field)
                .and_then(|rest| rest.trim_start_matches(':').split_whitespace().next())
                .and_then(|kb| kb.parse().ok())
        })
        .unwrap_or(0)
}

const CLIENTS: [usize; 3] = [1, 8, 32];
/// The sustained run: twelve windows of five seconds.
const SUSTAINED_WINDOWS: usize = 12;
const SUSTAINED_WINDOW: Duration = Duration::from_secs(5);

/// A minute of load at 32 clients on the stage URL `url` of the local cloud `pid`: the rate must
/// hold once the function's log group is full (its 32 MB bound is reached after ~50,000
/// requests, in the first seconds here). Each window's CPU per request and the machine's steal
/// tell a local cloud that does more per request with time from a machine that gives less.
async fn minute_rows(table: &mut Table, url: &str, pid: u32) {
    let windows = sustained(url, 32, SUSTAINED_WINDOWS, SUSTAINED_WINDOW, pid).await;
    let per_window = |figure: &dyn Fn(&Window) -> f64| {
        windows
            .iter()
            .map(|w| format!("{:.0}", figure(w)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    /// One figure of a window.
    type Figure = fn(&Window) -> f64;
    let rows: [(&str, Figure); 4] = [
        ("stage URL, 32 clients, a minute: req/s per 5 s", |w| w.rate),
        ("  CPU µs per request, per 5 s: faqctl local", |w| {
            w.cloud_us
        }),
        ("  CPU µs per request, per 5 s: its bootstraps", |w| {
            w.bootstraps_us
        }),
        ("  CPU µs per request, per 5 s: the load generator", |w| {
            w.client_us
        }),
    ];
    for (metric, figure) in rows {
        table.row(metric, per_window(&figure), "");
    }
    table.row(
        "  the machine's CPU per 5 s: % stolen / % idle",
        windows
            .iter()
            .map(|w| format!("{:.0}/{:.0}", w.steal, w.idle))
            .collect::<Vec<_>>()
            .join(" "),
        "",
    );
    let rates: Vec<f64> = windows.iter().map(|w| w.rate).collect();
    let first = rates[0];
    let minute = rates.iter().sum::<f64>() / rates.len() as f64;
    let last = rates[rates.len() - 1];
    let worst = rates.iter().copied().fold(f64::INFINITY, f64::min);
    table.check(
        "stage URL, 32 clients: the minute's rate vs its first 5 s",
        format!(
            "{:.0}% ({minute:.0} vs {first:.0} req/s; last 5 s {:.0}%, worst {:.0}%)",
            100.0 * minute / first,
            100.0 * last / first,
            100.0 * worst / first
        ),
        "≥ 90%",
        minute >= 0.9 * first,
    );
    // The local cloud's own work per request, window by window: what the rate's fall would be
    // if the local cloud did more per request with time, whatever the machine gives. The
    // minute's mean is checked (one window is noisy); its worst is shown.
    let first_cpu = windows[0].cloud_us;
    let mean_cpu = windows.iter().map(|w| w.cloud_us).sum::<f64>() / windows.len() as f64;
    let worst_cpu = windows.iter().map(|w| w.cloud_us).fold(0.0, f64::max);
    table.check(
        "faqctl local's CPU per request: the minute's mean vs its first 5 s",
        format!(
            "{:.2}× ({mean_cpu:.0} vs {first_cpu:.0} µs; worst 5 s {:.2}×)",
            mean_cpu / first_cpu,
            worst_cpu / first_cpu
        ),
        "≤ 1.1×",
        mean_cpu <= 1.1 * first_cpu,
    );
}

/// The stage URL's sustained minute alone, on `faqctl local` with its default workers, after
/// the loads the `http` section runs before it (1, 8 and 32 clients).
async fn minute_section(table: &mut Table, zip: &str) {
    table.section("faqctl local, a minute of load (the default workers)");
    let cloud = start(None).await;
    let url = deploy_unthrottled(&cloud.endpoint(), zip, &[]).await;
    let stage = Target::get(&url);
    for clients in CLIENTS {
        let figures = load(&stage, clients).await;
        table.row(
            &format!("stage URL, {clients} client(s): req/s, p50 / p99"),
            figures.describe(),
            "",
        );
    }
    minute_rows(table, &url, cloud.child.id()).await;
    cloud.stop().await;
}

/// The data path, like for like: the same load generator, in the same run, against the floor,
/// the stage URL and the Invoke API of `faqctl local` (with its default workers, and with the
/// other count), and `cargo lambda watch`'s function URL and Invoke API serving the same
/// function.
async fn http_section(table: &mut Table, zip: &str) {
    let floor = floor_rows(table).await;
    // The default (the CPUs but one), and the other of 1 and 2.
    let default_workers = faqctl::commands::local::default_workers();
    let other = if default_workers == 1 { 2 } else { 1 };
    let ours = local_rows(table, zip, default_workers, true).await;
    let other_workers = local_rows(table, zip, other, false).await;
    against_floor_rows(table, &floor, &ours);
    table.row(
        &format!("stage URL, 32 clients: {default_workers} (default) vs {other} worker(s)"),
        format!(
            "{:.0} vs {:.0} req/s",
            ours.stage[&32].rate, other_workers.stage[&32].rate
        ),
        "",
    );
    match peer_rows(table).await {
        Some(peer) => against_peer_rows(table, &ours, &peer),
        None => table.check(
            "cargo lambda watch",
            "not available (pip install cargo-lambda)".into(),
            "measured",
            false,
        ),
    }
}

/// The floor's figures: one client and more, and one client through a relay.
struct Floor {
    direct: BTreeMap<usize, Load>,
    relay: Load,
}

/// A minimal HTTP server on loopback answering the FAQ body from memory, alone and behind a
/// relay: what no server of this path can beat.
async fn floor_rows(table: &mut Table) -> Floor {
    table.section("The floor: a minimal HTTP server on loopback, the FAQ body from memory");
    let faq = faq_function::Faq::load(&workspace().join("faq.json")).unwrap();
    let floor_url = floor_server(serde_json::to_string(&faq.questions[0]).unwrap());
    let mut direct = BTreeMap::new();
    for clients in CLIENTS {
        let figures = load(&Target::get(&floor_url), clients).await;
        table.row(
            &format!("floor, {clients} client(s): req/s, p50 / p99"),
            figures.describe(),
            "",
        );
        direct.insert(clients, figures);
    }
    // A stage URL's request makes two loopback exchanges, whatever serves it: caller ↔ local
    // cloud, then local cloud ↔ bootstrap (the event as the answer to its /next, its answer
    // as a POST). The relay makes the same two with nothing else between.
    let relay = load(&Target::get(&relay_server(&floor_url)), 1).await;
    table.row(
        "floor, two exchanges (a relay in front), 1 client: p50",
        relay.describe(),
        "",
    );
    Floor { direct, relay }
}

/// What one `faqctl local` served: its stage URL by clients, and with the default workers
/// also its CPU per request at 32 clients and its Invoke API.
struct Ours {
    stage: BTreeMap<usize, Load>,
    cpu: Option<CpuPerRequest>,
    invoke: BTreeMap<usize, Load>,
}

/// `faqctl local` with `workers`: the stage URL under each client count; with the default
/// count (`default`) also the minute, its memory and the Invoke API.
async fn local_rows(table: &mut Table, zip: &str, workers: usize, default: bool) -> Ours {
    table.section(&format!(
        "faqctl local, {workers} worker(s){}",
        if default { " (the default here)" } else { "" }
    ));
    let cloud = start_with(None, &["--workers", &workers.to_string()]).await;
    let endpoint = cloud.endpoint();
    let url = deploy_unthrottled(&endpoint, zip, &[]).await;
    let stage = Target::get(&url);
    let _ = load(&stage, 1).await;
    let idle = process_memory_kb(cloud.child.id(), "VmRSS");
    let mut ours = Ours {
        stage: BTreeMap::new(),
        cpu: None,
        invoke: BTreeMap::new(),
    };
    for clients in CLIENTS {
        let (figures, cpu) = load_with_cpu(&stage, clients, cloud.child.id()).await;
        table.row(
            &format!("stage URL, {clients} client(s): req/s, p50 / p99"),
            figures.describe(),
            "",
        );
        if default && clients == 32 {
            ours.cpu = Some(cpu);
            table.row(
                "CPU per stage request, 32 clients: faqctl local / with its bootstraps",
                format!("{:.0} µs / {:.0} µs", cpu.process * 1e6, cpu.tree * 1e6),
                "",
            );
        }
        ours.stage.insert(clients, figures);
    }
    if default {
        minute_rows(table, &url, cloud.child.id()).await;
        memory_rows(table, cloud.child.id(), idle);
        let invoke_target = Target::invoke(
            &format!("{endpoint}/2015-03-31/functions/FAQ/invocations"),
            Some(SIGNED_LAMBDA),
        );
        for clients in CLIENTS {
            let figures = load(&invoke_target, clients).await;
            table.row(
                &format!("Invoke API, {clients} client(s): req/s, p50 / p99"),
                figures.describe(),
                "",
            );
            ours.invoke.insert(clients, figures);
        }
    }
    cloud.stop().await;
    ours
}

/// The local cloud's memory after the minute, and idle vs peak.
fn memory_rows(table: &mut Table, pid: u32, idle: u64) {
    let rss = process_memory_kb(pid, "VmRSS") as f64 / 1024.0;
    table.check(
        "RSS of faqctl local after the minute (log group at its 32 MB bound)",
        format!("{rss:.1} MB"),
        "≤ 256 MB",
        rss <= 256.0,
    );
    let peak = process_memory_kb(pid, "VmHWM");
    table.row(
        "RSS of faqctl local: idle / peak under 32 clients",
        format!(
            "{:.1} MB / {:.1} MB",
            idle as f64 / 1024.0,
            peak as f64 / 1024.0
        ),
        "",
    );
}

/// The stage URL against the floor: its p50 target and what it adds.
fn against_floor_rows(table: &mut Table, floor: &Floor, ours: &Ours) {
    table.section("The stage URL against the floor");
    let p50 = ours.stage[&1].p50;
    table.check(
        "stage URL, 1 client: p50",
        us(p50),
        "≤ 150 µs",
        p50 <= Duration::from_micros(150),
    );
    table.row(
        "stage URL p50 overhead over the floor, 1 client",
        format!(
            "{:.0} µs",
            (p50.as_secs_f64() - floor.direct[&1].p50.as_secs_f64()) * 1e6
        ),
        "",
    );
    table.row(
        "stage URL p50 over the two-exchange floor, 1 client",
        format!(
            "{:.0} µs (the function's and the local cloud's work)",
            (p50.as_secs_f64() - floor.relay.p50.as_secs_f64()) * 1e6
        ),
        "",
    );
    for clients in CLIENTS {
        table.row(
            &format!("stage URL throughput, share of the floor's, {clients} client(s)"),
            format!(
                "{:.0}%",
                100.0 * ours.stage[&clients].rate / floor.direct[&clients].rate
            ),
            "",
        );
    }
}

/// What `cargo lambda watch` served: its function URL and Invoke API by clients, and its CPU
/// per function URL request at 32 clients.
struct Peer {
    url: BTreeMap<usize, Load>,
    invoke: BTreeMap<usize, Load>,
    cpu: Option<CpuPerRequest>,
}

/// `cargo lambda watch` serving the same function; None when it is not installed.
async fn peer_rows(table: &mut Table) -> Option<Peer> {
    table.section("cargo lambda watch serving the same function: function URL, Invoke API");
    let (mut child, port) = cargo_lambda_watch().await?;
    let furl = Target::get(&format!("http://127.0.0.1:{port}/lambda-url/bootstrap/"));
    let peer_invoke = Target::invoke(
        &format!("http://127.0.0.1:{port}/2015-03-31/functions/bootstrap/invocations"),
        None,
    );
    let mut peer = Peer {
        url: BTreeMap::new(),
        invoke: BTreeMap::new(),
        cpu: None,
    };
    for clients in CLIENTS {
        let (figures, cpu) = load_with_cpu(&furl, clients, child.id()).await;
        table.row(
            &format!("function URL, {clients} client(s): req/s, p50 / p99"),
            figures.describe(),
            "",
        );
        if clients == 32 {
            peer.cpu = Some(cpu);
            table.row(
                "CPU per function URL request, 32 clients: cargo lambda watch / with its function",
                format!("{:.0} µs / {:.0} µs", cpu.process * 1e6, cpu.tree * 1e6),
                "",
            );
        }
        peer.url.insert(clients, figures);
    }
    for clients in CLIENTS {
        let figures = load(&peer_invoke, clients).await;
        table.row(
            &format!("Invoke API, {clients} client(s): req/s, p50 / p99"),
            figures.describe(),
            "",
        );
        peer.invoke.insert(clients, figures);
    }
    let _ = child.kill();
    let _ = child.wait();
    Some(peer)
}

/// faqctl local against `cargo lambda watch`, path for path: the throughput, p50 and CPU
/// targets.
fn against_peer_rows(table: &mut Table, ours: &Ours, peer: &Peer) {
    table.section("faqctl local vs cargo lambda watch, the same path");
    rate_rows(table, "stage URL vs function URL", &ours.stage, &peer.url);
    let ratio = ours.stage[&1].p50.as_secs_f64() / peer.url[&1].p50.as_secs_f64();
    table.check(
        "stage URL vs function URL, 1 client: p50",
        format!(
            "{ratio:.2}× ({} vs {})",
            us(ours.stage[&1].p50),
            us(peer.url[&1].p50)
        ),
        "≤ 0.9×",
        ratio <= 0.9,
    );
    if let (Some(ours), Some(peer)) = (ours.cpu, peer.cpu) {
        // The server's own work per request (the issue's measure), then with the function.
        let ratio = ours.process / peer.process;
        table.check(
            "CPU per request, faqctl local vs cargo lambda watch, 32 clients",
            format!(
                "{ratio:.2}× ({:.0} vs {:.0} µs)",
                ours.process * 1e6,
                peer.process * 1e6
            ),
            "≤ 0.5×",
            ratio <= 0.5,
        );
        table.row(
            "CPU per request with the function processes, 32 clients",
            format!(
                "{:.2}× ({:.0} vs {:.0} µs)",
                ours.tree / peer.tree,
                ours.tree * 1e6,
                peer.tree * 1e6
            ),
            "",
        );
    }
    rate_rows(
        table,
        "Invoke API vs Invoke API",
        &ours.invoke,
        &peer.invoke,
    );
}

/// Throughput ratios by clients; at 32 clients the target is at least 1.5×.
fn rate_rows(
    table: &mut Table,
    what: &str,
    ours: &BTreeMap<usize, Load>,
    peer: &BTreeMap<usize, Load>,
) {
    for clients in CLIENTS {
        let ratio = ours[&clients].rate / peer[&clients].rate;
        let label = format!("{what}, {clients} client(s): req/s");
        if clients == 32 {
            table.check(&label, format!("{ratio:.2}×"), "≥ 1.5×", ratio >= 1.5);
        } else {
            table.row(&label, format!("{ratio:.2}×"), "");
        }
    }
}

/// Starts `cargo lambda watch` on the function crate (same profile as `faqctl build`).
async fn cargo_lambda_watch() -> Option<(std::process::Child, u16)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new("cargo-lambda")
        .args([
            "lambda",
            "watch",
            "--profile",
            "lambda-release",
            "-p",
            "faq-function",
            "--bin",
            "bootstrap",
            "--ignore-changes",
            "-q",
        ])
        .args([
            "--invoke-address",
            "127.0.0.1",
            "--invoke-port",
            &port.to_string(),
        ])
        .args([
            "--env-var",
            &format!("LAMBDA_TASK_ROOT={}", workspace().display()),
        ])
        .current_dir(workspace())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/2015-03-31/functions/bootstrap/invocations");
    let deadline = Instant::now() + Duration::from_secs(300);
    while Instant::now() < deadline {
        if let Ok(response) = client.post(&url).body("{}").send().await {
            if response.status().is_success() {
                return Some((child, port));
            }
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    None
}

/// Invocations per follow-delay figure.
const FOLLOW_SAMPLES: usize = 15;

async fn logs_section(table: &mut Table, zip: &str) {
    table.section("Logs (print → shown by `faqctl logs --follow`)");
    let cloud = start(None).await;
    let endpoint = cloud.endpoint();
    let mut command = faqctl(&endpoint);
    command.args(["deploy", "--zip", zip, "--role-arn", ROLE]);
    run(command).await;
    for (label, poll, target) in [
        (
            "Live Tail (StartLiveTail): median / max",
            false,
            "median < 100 ms",
        ),
        (
            "polling (--poll, FilterLogEvents): median / max",
            true,
            "< 1.5 s",
        ),
    ] {
        let delays = follow_delays(&endpoint, poll).await;
        let (middle, worst) = (
            median(delays.clone()),
            delays.iter().copied().max().unwrap_or_default(),
        );
        let met = if poll {
            worst < Duration::from_millis(1500)
        } else {
            middle < Duration::from_millis(100)
        };
        table.check(
            label,
            format!("{} / {}", ms(middle), ms(worst)),
            target,
            met,
        );
    }
    cloud.stop().await;
}

/// For some invocations, how long after its line was printed `faqctl logs --follow` showed it
/// (the line's own timestamp is when the function printed it).
async fn follow_delays(endpoint: &str, poll: bool) -> Vec<Duration> {
    let mut command = faqctl(endpoint);
    command
        .args([
            "logs",
            "--follow",
            "--output",
            "json",
            "--filter",
            "Quote selected",
            "--since",
            "1s",
        ])
        .stdout(Stdio::piped());
    if poll {
        command.arg("--poll");
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis() as i64;
            let _ = lines.send((line, now));
        }
    });
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let client = reqwest::Client::new();
    let mut delays = Vec::new();
    for _ in 0..FOLLOW_SAMPLES {
        client
            .post(format!("{endpoint}/2015-03-31/functions/FAQ/invocations"))
            .header("authorization", SIGNED_LAMBDA)
            .body("{}")
            .send()
            .await
            .unwrap();
        let (line, shown) =
            tokio::task::block_in_place(|| received.recv_timeout(Duration::from_secs(10)))
                .expect("the line is shown");
        let event: serde_json::Value = serde_json::from_str(&line).unwrap();
        let printed = event["timestamp_ms"].as_i64().unwrap();
        delays.push(Duration::from_millis((shown - printed).max(0) as u64));
        tokio::time::sleep(Duration::from_millis(700 + fastrand::u64(..600))).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    delays
}
