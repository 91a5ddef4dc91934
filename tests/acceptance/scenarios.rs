//! The scenarios: what a user does with faqctl, end to end, each step checked as the user
//! would see it. Every wait is bounded by the target's propagation time and says how long it
//! took.

use std::time::Duration;

use anyhow::{bail, ensure, Context};
use serde_json::Value;

use crate::poll::Poll;
use crate::run::Ctx;

#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub name: &'static str,
    pub about: &'static str,
    /// Runs only against the local cloud (it needs the local cloud's admin API).
    pub local_only: bool,
}

pub const ALL: &[Scenario] = &[
    Scenario {
        name: "lifecycle",
        about: "cold deploy, the stage URL, invoke, logs --follow, plan, a change through the gate, a broken bootstrap stopped at it, rollback, API logs and --request-id, CORS, destroy twice",
        local_only: false,
    },
    Scenario {
        name: "refusals",
        about: "a role Lambda cannot assume and a name Lambda refuses: a clear error, nothing left",
        local_only: false,
    },
    Scenario {
        name: "least-privilege",
        about: "each command run by a role with exactly its published IAM policy (iam/*.json); a command outside its policy refused",
        local_only: false,
    },
    Scenario {
        name: "access-control",
        about: "--auth iam: unsigned refused, invoke --http (signed) served; then --api-key-required with a usage plan's quota: refused without a key, a partner's key served until its quota then 429, keys list counts it, a revoked key refused, plan converged; then --cache-ttl: answers from the cache, cache flush, --cache-ttl 0 off; --domain: the FAQ through the custom domain; destroy takes the plan and the domain",
        local_only: false,
    },
    Scenario {
        name: "guard",
        about: "--aws refuses without the right FAQCTL_ACCEPTANCE_ACCOUNT before any write, and --sweep deletes only old runs (the local cloud standing in for AWS)",
        local_only: true,
    },
];

pub async fn run(scenario: Scenario, ctx: &Ctx<'_>) -> anyhow::Result<()> {
    match scenario.name {
        "lifecycle" => lifecycle(ctx).await,
        "refusals" => refusals(ctx).await,
        "least-privilege" => least_privilege(ctx).await,
        "guard" => guard(ctx).await,
        "access-control" => access_control(ctx).await,
        other => bail!("no scenario {other}"),
    }
}

fn step(what: std::fmt::Arguments) {
    println!("  {what}");
}

const ORIGIN: &str = "https://www.example.com";

/// A stage URL's answer.
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn get(url: &str, origin: Option<&str>) -> anyhow::Result<Answer> {
    let mut request = reqwest::Client::new().get(url);
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let response = request.send().await?;
    Ok(Answer {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.text().await?,
    })
}

/// GETs `url` until `accept` holds for the answer, for at most `limit`; the answer and how
/// long it took.
async fn wait_for(
    url: &str,
    origin: Option<&str>,
    limit: Duration,
    what: &str,
    accept: impl Fn(&Answer) -> bool,
) -> anyhow::Result<(Answer, Duration)> {
    let mut poll = Poll::new(limit).every(Duration::from_millis(250));
    let last = loop {
        let last = match get(url, origin).await {
            Ok(answer) if accept(&answer) => return Ok((answer, poll.elapsed())),
            Ok(answer) => format!("HTTP {} {}", answer.status, answer.body),
            Err(error) => error.to_string(),
        };
        if !poll.tick().await {
            break last;
        }
    };
    bail!(
        "{url} did not {what} within {} s; last: {last}",
        limit.as_secs()
    )
}

/// The FAQ entry in a stage URL's or Invoke's body.
fn entry(body: &str) -> Option<(String, String)> {
    let value: Value = serde_json::from_str(body).ok()?;
    Some((value["q"].as_str()?.into(), value["a"].as_str()?.into()))
}

/// The live version(s), from `faqctl status`.
async fn live(ctx: &Ctx<'_>) -> anyhow::Result<Vec<u64>> {
    let status = ctx.ok(&["status"]).await?;
    Ok(status["function"]["live"]
        .as_array()
        .context("status names no live version")?
        .iter()
        .filter_map(|v| v["version"].as_u64())
        .collect())
}

/// GETs `url` with the API key `key` (as `x-api-key`) until `accept` holds, for at most
/// `limit`, 250 ms apart; the answer (status, `x-amzn-ErrorType`, body) and how long it took.
async fn wait_with_key(
    url: &str,
    key: Option<&str>,
    limit: Duration,
    what: &str,
    accept: impl Fn(u16, &str) -> bool,
) -> anyhow::Result<((u16, String, String), Duration)> {
    let mut poll = Poll::new(limit).every(Duration::from_millis(250));
    let last = loop {
        let mut request = reqwest::Client::new().get(url);
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        let last = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let kind = response
                    .headers()
                    .get("x-amzn-errortype")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                let body = response.text().await.unwrap_or_default();
                if accept(status, &kind) {
                    return Ok(((status, kind, body), poll.elapsed()));
                }
                format!("HTTP {status} {kind} {body}")
            }
            Err(error) => error.to_string(),
        };
        if !poll.tick().await {
            break last;
        }
    };
    bail!(
        "{url} did not {what} within {} s; last: {last}",
        limit.as_secs()
    )
}

/// API keys for a partner: the method requires one, the partner's key is served within its
/// usage plan's quota and refused after it, and once revoked; `destroy` takes the plan.
async fn api_keys(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    // API Gateway takes a while to honour a new or revoked key (LocalStack's recording of
    // test_api_key_required_for_methods waited up to two minutes on AWS).
    let limit = ctx.target.propagation.max(Duration::from_secs(150));
    let good = path(&ctx.zips.good);
    let keyed = [
        "--api-key-required",
        "--usage-plan-rate",
        "10",
        "--usage-plan-burst",
        "20",
        "--usage-plan-quota",
        "5/day",
    ];
    // `--auth none` (the default): open to anyone with a key again.
    let mut args = vec!["deploy", "--zip", good, "--role-arn", &ctx.target.role_arn];
    args.extend(keyed);
    let deployed = ctx.ok(&args).await?;
    let (arn, api_id, url) = (
        deployed["function_arn"].as_str().unwrap_or_default(),
        deployed["api_id"].as_str().unwrap_or_default(),
        deployed["invoke_url"]
            .as_str()
            .context("deploy printed no invoke_url")?
            .to_string(),
    );
    ctx.tag(arn, api_id).await?;
    let ((_, kind, body), took) = wait_with_key(
        &url,
        None,
        limit,
        "refuse a request without a key",
        |s, _| s == 403,
    )
    .await?;
    ensure!(
        kind == "ForbiddenException" && body == r#"{"message":"Forbidden"}"#,
        "no key: {kind} {body}"
    );
    step(format_args!(
        "deployed with API keys required; no key: 403 Forbidden (after {:.1} s)",
        took.as_secs_f64()
    ));

    let created = ctx.ok(&["keys", "create", "partner"]).await?;
    let key = created["keys"][0]["value"]
        .as_str()
        .context("keys create printed no value")?
        .to_string();
    let (_, took) = wait_with_key(
        &url,
        Some(&key),
        limit,
        "serve the partner's key",
        |s, _| s == 200,
    )
    .await?;
    step(format_args!(
        "a partner's key made and served after {:.1} s",
        took.as_secs_f64()
    ));
    // The quota is 5 a day; API Gateway applies it on a best-effort basis, so a few more may
    // pass before the refusal.
    let ((_, kind, body), _) = wait_with_key(
        &url,
        Some(&key),
        Duration::from_secs(60),
        "refuse the key over its quota",
        |s, _| s == 429,
    )
    .await?;
    ensure!(
        kind == "LimitExceededException" && body == r#"{"message":"Limit Exceeded"}"#,
        "over the quota: {kind} {body}"
    );
    let listed = ctx.ok(&["keys", "list"]).await?;
    let used = listed["keys"][0]["used_today"].as_i64().unwrap_or_default();
    ensure!(
        used >= 5,
        "keys list counts {used} requests today: {listed}"
    );
    step(format_args!(
        "over its quota of 5 a day: 429 Limit Exceeded; keys list counts {used}"
    ));

    let mut plan = vec!["plan", "--zip", good, "--detailed-exitcode"];
    plan.extend(keyed);
    let ran = ctx.run(&plan).await?;
    ensure!(
        ran.code == 0,
        "plan after deploy exited {}: {}{}",
        ran.code,
        ran.stdout,
        ran.stderr
    );
    ctx.ok(&["keys", "revoke", "partner"]).await?;
    wait_with_key(&url, Some(&key), limit, "refuse a revoked key", |s, _| {
        s == 403
    })
    .await?;
    step(format_args!("plan converged; the revoked key refused"));
    Ok(())
}

/// IAM authorization, API keys, then a response cache and a custom domain, on one deployment
/// (one REST API: API Gateway's DeleteRestApi quota paces every destroy); `destroy` takes the
/// usage plan and the domain with it.
async fn access_control(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    iam_auth(ctx).await?;
    api_keys(ctx).await?;
    let domain = cache_and_domain(ctx).await?;
    let destroyed = ctx.ok(&["destroy", "--yes"]).await?;
    let ops = destroyed.to_string();
    ensure!(
        ops.contains("DeleteUsagePlan"),
        "destroy left the usage plan: {destroyed}"
    );
    if let Some(domain) = domain {
        ensure!(
            ops.contains("DeleteDomainName") && ops.contains(&domain),
            "destroy left the domain {domain}: {destroyed}"
        );
    }
    step(format_args!(
        "destroyed, usage plan and custom domain included"
    ));
    Ok(())
}

/// The custom domain and its certificate: on the local cloud a name of this run's own (any
/// certificate of the region will do there); on AWS the ones named by
/// `FAQCTL_ACCEPTANCE_DOMAIN` and `FAQCTL_ACCEPTANCE_CERTIFICATE_ARN` (an issued ACM
/// certificate for it: faqctl never makes one), `None` when they are not set.
fn custom_domain(ctx: &Ctx<'_>) -> Option<(String, String)> {
    if ctx.target.is_local() {
        let name = format!("faq-{}.example.com", ctx.id.to_lowercase());
        let certificate = format!(
            "arn:{}:acm:{}:{}:certificate/0a1b2c3d-acceptance",
            ctx.target.partition(),
            ctx.target.region,
            ctx.target.account
        );
        return Some((name, certificate));
    }
    let name = std::env::var("FAQCTL_ACCEPTANCE_DOMAIN").ok()?;
    let certificate = std::env::var("FAQCTL_ACCEPTANCE_CERTIFICATE_ARN").ok()?;
    Some((name, certificate))
}

/// GETs `https://{domain}/` (on the local cloud: its endpoint with `Host: {domain}`, as API
/// Gateway routes by the name asked for; on AWS: the regional domain name's address, so that
/// no DNS record is needed) until it answers a FAQ, for at most `limit`.
async fn get_through_domain(
    ctx: &Ctx<'_>,
    domain: &str,
    regional: &str,
    limit: Duration,
) -> anyhow::Result<(String, Duration)> {
    let (client, url) = match &ctx.target.endpoint {
        Some(endpoint) => (reqwest::Client::new(), format!("{endpoint}/")),
        None => {
            let _ = rustls::crypto::ring::default_provider().install_default();
            let address = tokio::net::lookup_host((regional, 443))
                .await
                .with_context(|| format!("cannot resolve {regional}"))?
                .next()
                .with_context(|| format!("{regional} has no address"))?;
            let client = reqwest::Client::builder()
                .resolve(domain, address)
                .build()
                .context("an HTTPS client")?;
            (client, format!("https://{domain}/"))
        }
    };
    let mut poll = Poll::new(limit).every(Duration::from_millis(500));
    let last = loop {
        let mut request = client.get(&url);
        if ctx.target.endpoint.is_some() {
            request = request.header("host", domain);
        }
        let last = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let body = response.text().await.unwrap_or_default();
                if status == 200 && entry(&body).is_some() {
                    return Ok((body, poll.elapsed()));
                }
                format!("HTTP {status} {body}")
            }
            Err(error) => error.to_string(),
        };
        if !poll.tick().await {
            break last;
        }
    };
    bail!(
        "{url} (Host {domain}) did not answer a FAQ within {} s; last: {last}",
        limit.as_secs()
    )
}

/// A response cache and a custom domain on the same deployment: within the TTL every answer is
/// the cached one, `cache flush` empties it, `--cache-ttl 0` lets answers vary again; the
/// domain serves the FAQ. The domain's name, when one was made.
async fn cache_and_domain(ctx: &Ctx<'_>) -> anyhow::Result<Option<String>> {
    // A cache cluster takes about 4 minutes to be made on AWS (and as long to go).
    let limit = ctx.target.propagation.max(Duration::from_secs(360));
    let good = path(&ctx.zips.good);
    let domain = custom_domain(ctx);
    let mut args = vec![
        "deploy",
        "--zip",
        good,
        "--role-arn",
        &ctx.target.role_arn,
        "--api-key-required=false",
        "--cache-ttl",
        "300",
    ];
    if let Some((name, certificate)) = &domain {
        args.extend(["--domain", name, "--certificate-arn", certificate]);
    }
    let deployed = ctx.ok(&args).await?;
    let url = deployed["invoke_url"]
        .as_str()
        .context("deploy printed no invoke_url")?
        .to_string();
    // Five answers in a row the same: the cache (19 entries answered at random would agree
    // so by chance once in 130,000 tries).
    let mut poll = Poll::new(limit).every(Duration::from_millis(500));
    let mut run = (String::new(), 0);
    while run.1 < 5 {
        let answer = get(&url, None).await?;
        if answer.status != 200 || answer.body != run.0 {
            run = (answer.body, 1);
            ensure!(
                poll.tick().await,
                "the stage's answers did not come from a cache within {} s",
                limit.as_secs()
            );
        } else {
            run.1 += 1;
        }
    }
    step(format_args!(
        "--cache-ttl 300: five answers in a row from the cache (after {:.1} s)",
        poll.elapsed().as_secs_f64()
    ));
    ctx.ok(&["cache", "flush"]).await?;
    step(format_args!("cache flush: done"));

    let mut made = None;
    match (&domain, deployed["custom_domain"]["regional_domain_name"].as_str()) {
        (Some((name, _)), Some(regional)) => {
            let (body, took) = get_through_domain(ctx, name, regional, limit).await?;
            step(format_args!(
                "--domain {name}: the FAQ through the domain after {:.1} s: {body}",
                took.as_secs_f64()
            ));
            made = Some(name.clone());
        }
        (Some(_), None) => bail!("deploy --domain named no regional domain name: {deployed}"),
        (None, _) => step(format_args!(
            "custom domain skipped: set FAQCTL_ACCEPTANCE_DOMAIN and FAQCTL_ACCEPTANCE_CERTIFICATE_ARN (an issued ACM certificate for it in {})",
            ctx.target.region
        )),
    }

    ctx.ok(&["deploy", "--zip", good, "--cache-ttl", "0"])
        .await?;
    let mut poll = Poll::new(limit).every(Duration::from_millis(250));
    let mut previous = String::new();
    loop {
        let answer = get(&url, None).await?;
        if answer.status == 200 && !previous.is_empty() && answer.body != previous {
            break;
        }
        previous = answer.body;
        ensure!(
            poll.tick().await,
            "the answers still came from a cache {} s after --cache-ttl 0",
            limit.as_secs()
        );
    }
    step(format_args!(
        "--cache-ttl 0: answers vary again after {:.1} s",
        poll.elapsed().as_secs_f64()
    ));
    Ok(made)
}

/// IAM authorization: GET / takes only signed requests of a caller IAM allows.
async fn iam_auth(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let limit = ctx.target.propagation;
    let good = path(&ctx.zips.good);
    let deployed = ctx
        .ok(&[
            "deploy",
            "--zip",
            good,
            "--role-arn",
            &ctx.target.role_arn,
            "--auth",
            "iam",
        ])
        .await?;
    let (arn, api_id, url) = (
        deployed["function_arn"].as_str().unwrap_or_default(),
        deployed["api_id"].as_str().unwrap_or_default(),
        deployed["invoke_url"]
            .as_str()
            .context("deploy printed no invoke_url")?
            .to_string(),
    );
    ctx.tag(arn, api_id).await?;
    let ((_, kind, _), took) =
        wait_with_key(&url, None, limit, "refuse an unsigned request", |s, _| {
            s == 403
        })
        .await?;
    ensure!(
        kind == "MissingAuthenticationTokenException",
        "unsigned: {kind}"
    );
    step(format_args!(
        "deployed with --auth iam; unsigned: 403 Missing Authentication Token (after {:.1} s)",
        took.as_secs_f64()
    ));
    let mut poll = Poll::new(limit).every(Duration::from_millis(500));
    loop {
        let ran = ctx.run(&["invoke", "--http", "--output", "json"]).await?;
        if ran.code == 0 {
            break;
        }
        ensure!(
            poll.tick().await,
            "invoke --http (signed) was not served within {} s: {}{}",
            limit.as_secs(),
            ran.stdout,
            ran.stderr
        );
    }
    step(format_args!(
        "invoke --http, signed with the caller's credentials: served after {:.1} s",
        poll.elapsed().as_secs_f64()
    ));
    Ok(())
}

fn path(p: &std::path::Path) -> &str {
    p.to_str().unwrap_or_default()
}

async fn lifecycle(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let limit = ctx.target.propagation;
    let good = path(&ctx.zips.good);
    let url = cold_deploy(ctx, good).await?;
    the_stage_answers_a_faq(&url, limit).await?;
    let follow = ctx
        .faqctl(&["logs", "--follow", "--since", "5m", "--output", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .context("cannot start `faqctl logs --follow`")?;
    let request_id = invoke_runs_version_1(ctx).await?;
    export_describes_the_faq_contract(ctx).await?;
    logs_follow_shows_the_request(follow, &request_id, limit).await?;
    plan_shows_no_changes(ctx, good).await?;
    a_change_passes_the_gate(ctx, &url, limit).await?;
    a_broken_bootstrap_is_stopped_at_the_gate(ctx).await?;
    rollback_makes_version_1_live_again(ctx, &url, limit).await?;
    let gateway_id = cors_is_served_with_api_logs(ctx, good, &url, limit).await?;
    logs_request_id_shows_every_source(ctx, &gateway_id, limit).await?;
    destroy_twice_leaves_nothing(ctx).await
}

/// The cold deploy, tagged as this run's; returns the stage URL.
async fn cold_deploy(ctx: &Ctx<'_>, good: &str) -> anyhow::Result<String> {
    let deployed = ctx
        .ok(&["deploy", "--zip", good, "--role-arn", &ctx.target.role_arn])
        .await?;
    let (arn, api_id, url) = (
        deployed["function_arn"].as_str().unwrap_or_default(),
        deployed["api_id"].as_str().unwrap_or_default(),
        deployed["invoke_url"]
            .as_str()
            .context("deploy printed no invoke_url")?
            .to_string(),
    );
    ctx.tag(arn, api_id).await?;
    step(format_args!(
        "deployed {} ({} changes)",
        ctx.function,
        deployed["changes"].as_array().map_or(0, Vec::len)
    ));
    Ok(url)
}

/// The stage URL answers a FAQ entry within the propagation time.
async fn the_stage_answers_a_faq(url: &str, limit: Duration) -> anyhow::Result<()> {
    let (answer, took) = wait_for(url, None, limit, "answer a FAQ", |a| {
        a.status == 200 && entry(&a.body).is_some()
    })
    .await?;
    step(format_args!(
        "the stage URL answered a FAQ after {:.1} s: {}",
        took.as_secs_f64(),
        answer.body
    ));
    Ok(())
}

/// `faqctl invoke` runs version 1 and answers a FAQ entry; returns its request id.
async fn invoke_runs_version_1(ctx: &Ctx<'_>) -> anyhow::Result<String> {
    let invoked = ctx.ok(&["invoke"]).await?;
    ensure!(
        invoked["status_code"] == 200 && invoked["function_error"].is_null(),
        "invoke: {invoked}"
    );
    ensure!(
        invoked["executed_version"] == "1",
        "invoke ran {} where version 1 is live",
        invoked["executed_version"]
    );
    let body = invoked["payload"]["body"].as_str().unwrap_or_default();
    ensure!(
        entry(body).is_some(),
        "invoke answered no FAQ entry: {invoked}"
    );
    let request_id = invoked["request_id"]
        .as_str()
        .context("invoke named no request id")?
        .to_string();
    step(format_args!(
        "invoke: version 1 answered (request {request_id})"
    ));
    Ok(request_id)
}

/// The FAQ's contract, as the target exports it: the stage's OpenAPI document describes GET /
/// 200 with the model FaqEntry.
async fn export_describes_the_faq_contract(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("a folder for the export")?;
    let file = dir.path().join("faq-api.json");
    let exported = ctx.ok(&["export", "-o", path(&file)]).await?;
    let text = std::fs::read_to_string(&file).context("the exported document")?;
    let document: Value = serde_json::from_str(&text)
        .with_context(|| format!("export wrote no JSON ({exported}): {text}"))?;
    let reference = &document["paths"]["/"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"]["$ref"];
    ensure!(
        document["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.0"))
            && reference == "#/components/schemas/FaqEntry"
            && document["components"]["schemas"]["FaqEntry"]["required"]
                == serde_json::json!(["q", "a"]),
        "the export does not describe GET / 200 with FaqEntry: {document}"
    );
    step(format_args!(
        "export: OpenAPI {} with FaqEntry on GET / 200 ({} bytes)",
        document["openapi"], exported["bytes"]
    ));
    Ok(())
}

/// `faqctl logs --follow` (started before the invoke) shows the invoked request's line.
async fn logs_follow_shows_the_request(
    mut follow: tokio::process::Child,
    request_id: &str,
    limit: Duration,
) -> anyhow::Result<()> {
    let stdout = follow.stdout.take().context("logs --follow's stdout")?;
    let seen = tokio::time::timeout(limit, async {
        use tokio::io::AsyncBufReadExt;
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let mut started = false;
        while let Ok(Some(line)) = lines.next_line().await {
            let event: Value = serde_json::from_str(&line).unwrap_or_default();
            let message = event["message"].as_str().unwrap_or_default();
            started |= message.starts_with("START") && message.contains(request_id);
            if started && message.starts_with("Quote selected: ") {
                return Some(message.to_string());
            }
        }
        None
    })
    .await;
    let _ = follow.kill().await;
    match seen {
        Ok(Some(line)) => step(format_args!(
            "logs --follow showed that request's line: {line}"
        )),
        Ok(None) => bail!("logs --follow ended without the line of request {request_id}"),
        Err(_) => bail!(
            "logs --follow showed no `Quote selected` line of request {request_id} within {} s",
            limit.as_secs()
        ),
    }
    Ok(())
}

/// Right after a deploy, plan has nothing to do.
async fn plan_shows_no_changes(ctx: &Ctx<'_>, good: &str) -> anyhow::Result<()> {
    let plan = ctx.ok(&["plan", "--zip", good]).await?;
    ensure!(
        plan["changes"].as_array().is_some_and(Vec::is_empty),
        "plan after deploy: {plan}"
    );
    step(format_args!("plan: no changes"));
    Ok(())
}

/// A good change passes the gate: version 2 goes live and is served.
async fn a_change_passes_the_gate(ctx: &Ctx<'_>, url: &str, limit: Duration) -> anyhow::Result<()> {
    ctx.ok(&["deploy", "--zip", path(&ctx.zips.changed)])
        .await?;
    ensure!(
        live(ctx).await? == [2],
        "after a good change, status says live {:?}",
        live(ctx).await?
    );
    let (_, took) = wait_for(url, None, limit, "answer the changed FAQ", |a| {
        a.body.contains("Is this the changed FAQ?")
    })
    .await?;
    step(format_args!(
        "a change passed the gate: version 2 live, served after {:.1} s",
        took.as_secs_f64()
    ));
    Ok(())
}

/// A broken bootstrap is stopped at the gate (exit 4), and version 2 stays live.
async fn a_broken_bootstrap_is_stopped_at_the_gate(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let stderr = ctx
        .fails(4, &["deploy", "--zip", path(&ctx.zips.broken)])
        .await?;
    ensure!(
        stderr.contains("gate"),
        "a broken bootstrap's deploy said:\n{stderr}"
    );
    ensure!(
        live(ctx).await? == [2],
        "after a broken deploy, status says live {:?}",
        live(ctx).await?
    );
    step(format_args!(
        "a broken bootstrap was stopped at the gate (exit 4); version 2 still live"
    ));
    Ok(())
}

/// Rollback goes to version 1, the last live and healthy one (never the broken 3).
async fn rollback_makes_version_1_live_again(
    ctx: &Ctx<'_>,
    url: &str,
    limit: Duration,
) -> anyhow::Result<()> {
    let rolled = ctx.ok(&["rollback"]).await?;
    ensure!(
        rolled["to"] == 1,
        "rollback went to {} where version 1 was the last live and healthy",
        rolled["to"]
    );
    ensure!(
        live(ctx).await? == [1],
        "after rollback, status says live {:?}",
        live(ctx).await?
    );
    wait_for(url, None, limit, "answer the original FAQ again", |a| {
        a.status == 200 && entry(&a.body).is_some() && !a.body.contains("changed FAQ")
    })
    .await?;
    step(format_args!(
        "rollback: version 1 live again (never the broken 3)"
    ));
    Ok(())
}

/// A deploy with API logs and a CORS origin: GET from the origin is allowed, and so is the
/// preflight. Returns the API Gateway request id of the allowed GET.
async fn cors_is_served_with_api_logs(
    ctx: &Ctx<'_>,
    good: &str,
    url: &str,
    limit: Duration,
) -> anyhow::Result<String> {
    let mut args = vec![
        "deploy",
        "--zip",
        good,
        "--api-logs",
        "--cors-origin",
        ORIGIN,
    ];
    if let Some(role) = &ctx.target.apigw_logs_role_arn {
        args.extend(["--apigw-logs-role-arn", role]);
    }
    ctx.ok(&args).await?;
    let (answer, took) = wait_for(url, Some(ORIGIN), limit, "allow the listed origin", |a| {
        a.status == 200
            && a.headers
                .get("access-control-allow-origin")
                .is_some_and(|v| v == ORIGIN)
    })
    .await?;
    step(format_args!(
        "CORS: GET from {ORIGIN} allowed after {:.1} s",
        took.as_secs_f64()
    ));
    let preflight = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, url)
        .header("origin", ORIGIN)
        .header("access-control-request-method", "GET")
        .send()
        .await?;
    let allowed = preflight
        .headers()
        .get("access-control-allow-methods")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    ensure!(
        preflight.status().is_success() && allowed.contains("GET"),
        "the preflight answered {} with Access-Control-Allow-Methods {allowed:?}",
        preflight.status()
    );
    step(format_args!("CORS: the preflight allows {allowed}"));
    let gateway_id = answer
        .headers
        .get("x-amzn-requestid")
        .and_then(|v| v.to_str().ok())
        .context("the stage answered no x-amzn-RequestId")?
        .to_string();
    Ok(gateway_id)
}

/// `faqctl logs --request-id` shows that request's access, API Gateway and function lines.
async fn logs_request_id_shows_every_source(
    ctx: &Ctx<'_>,
    gateway_id: &str,
    limit: Duration,
) -> anyhow::Result<()> {
    let mut poll = Poll::new(limit).every(Duration::from_secs(1));
    loop {
        let ran = ctx
            .run(&["logs", "--request-id", gateway_id, "--output", "json"])
            .await?;
        let sources: Vec<String> = ran
            .stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter_map(|e| e["source"].as_str().map(str::to_string))
            .collect();
        if ran.code == 0
            && ["access", "api", "function"]
                .iter()
                .all(|s| sources.iter().any(|x| x == s))
        {
            step(format_args!(
                "logs --request-id: {} lines (access, API Gateway, function) after {:.1} s",
                sources.len(),
                poll.elapsed().as_secs_f64()
            ));
            break;
        }
        if !poll.tick().await {
            bail!(
                "logs --request-id {gateway_id} showed {sources:?} after {} s (exit {}): {}",
                limit.as_secs(),
                ran.code,
                ran.stderr
            );
        }
    }
    Ok(())
}

/// Destroy, twice: everything gone, the second a no-op.
async fn destroy_twice_leaves_nothing(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let destroyed = ctx.ok(&["destroy", "--yes", "--quota-wait", "5m"]).await?;
    ensure!(
        destroyed["changes"]
            .as_array()
            .is_some_and(|c| !c.is_empty()),
        "destroy: {destroyed}"
    );
    let again = ctx.ok(&["destroy", "--yes", "--quota-wait", "5m"]).await?;
    ensure!(
        again["changes"].as_array().is_some_and(Vec::is_empty),
        "a second destroy: {again}"
    );
    let status = ctx.ok(&["status"]).await?;
    ensure!(status["deployed"] == false, "after destroy: {status}");
    step(format_args!(
        "destroy, twice: everything gone, the second a no-op"
    ));
    Ok(())
}

async fn refusals(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let good = path(&ctx.zips.good);
    // A role Lambda cannot assume: on AWS one that does not exist in the account; the local
    // cloud does not model which roles exist, so it is told to answer as Lambda does for one.
    let role = format!(
        "arn:aws:iam::{}:role/faqctl-acc-{}-does-not-exist",
        ctx.target.account, ctx.id
    );
    if ctx.target.is_local() {
        ctx.target
            .admin(
                reqwest::Method::POST,
                "/_faqctl/faults",
                "CreateFunction=role*1000",
            )
            .await?;
    }
    let mut deploy = ctx.faqctl(&["deploy", "--zip", good, "--role-arn", &role]);
    // Lambda cannot tell "not yet propagated" from "never": faqctl waits for IAM, briefly here.
    let wait = if ctx.target.is_local() {
        "2000"
    } else {
        "15000"
    };
    deploy.env("FAQCTL_IAM_WAIT_MS", wait);
    let ran = ctx.run_command(deploy).await;
    if ctx.target.is_local() {
        ctx.target
            .admin(reqwest::Method::DELETE, "/_faqctl/faults", "")
            .await?;
    }
    let ran = ran?;
    ensure!(
        ran.code == 1 && ran.stderr.contains("cannot be assumed") && ran.stderr.contains(&role),
        "a deploy with a role Lambda cannot assume exited {}:\n{}",
        ran.code,
        ran.stderr
    );
    let status = ctx.ok(&["status"]).await?;
    ensure!(
        status["deployed"] == false,
        "a refused deploy left: {status}"
    );
    step(format_args!(
        "a role Lambda cannot assume: refused, named, nothing deployed"
    ));

    let stderr = ctx
        .fails(
            1,
            &[
                "deploy",
                "--zip",
                good,
                "--role-arn",
                &ctx.target.role_arn,
                "--function-name",
                "FAQ acc!",
            ],
        )
        .await?;
    ensure!(
        stderr.contains("\"FAQ acc!\" is not a valid Lambda function name"),
        "a function name Lambda refuses:\n{stderr}"
    );
    step(format_args!(
        "a function name Lambda refuses: refused before any call"
    ));
    Ok(())
}

/// The published policies with this scenario's names and roles in place of the defaults.
fn policy(ctx: &Ctx<'_>, command: &str) -> anyhow::Result<String> {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("iam/{command}.json"));
    let text = std::fs::read_to_string(&file).with_context(|| file.display().to_string())?;
    // Everything after `:role/`, its path included (`service-role/x`), as PassRole matches it.
    let role_name = |arn: &str| {
        arn.split_once(":role/")
            .map(|(_, name)| name.to_string())
            .unwrap_or_default()
    };
    let logs_role = ctx
        .target
        .apigw_logs_role_arn
        .as_deref()
        .map(role_name)
        .unwrap_or_else(|| "faqctl-acceptance-apigw-logs".into());
    Ok(text
        .replace("function:FAQ\"", &format!("function:{}\"", ctx.function))
        .replace("function:FAQ:", &format!("function:{}:", ctx.function))
        .replace(
            "/aws/lambda/FAQ:",
            &format!("/aws/lambda/{}:", ctx.function),
        )
        .replace(
            "/aws/apigateway/FAQ-API/",
            &format!("/aws/apigateway/{}/", ctx.api),
        )
        .replace("YOUR-LAMBDA-ROLE", &role_name(&ctx.target.role_arn))
        .replace("YOUR-APIGW-LOGS-ROLE", &logs_role))
}

/// Each command run by a role that has exactly its published policy: IAM's own judgement, on
/// AWS as on the local cloud. The suite makes the roles and deletes them with the run.
async fn least_privilege(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let good = path(&ctx.zips.good);
    let mut sessions = std::collections::BTreeMap::new();
    for command in ["deploy", "plan", "invoke", "logs", "destroy"] {
        let arn =
            crate::roles::create(ctx.target, &ctx.id, command, &policy(ctx, command)?).await?;
        let session = crate::roles::assume(ctx.target, &arn, &format!("faqctl-{command}")).await?;
        sessions.insert(command, (arn, session));
    }
    step(format_args!(
        "five roles under {}, each with one command's policy, assumed",
        crate::roles::PATH
    ));
    // As whom: the role session's credentials, nothing of the caller's own.
    let as_role = |command: &str, args: &[&str]| {
        let (_, session) = &sessions[command];
        let mut faqctl = ctx.faqctl(args);
        faqctl
            .env_remove("AWS_PROFILE")
            .env("AWS_REGION", &ctx.target.region)
            .env("AWS_ACCESS_KEY_ID", &session.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", &session.secret_access_key)
            .env("AWS_SESSION_TOKEN", &session.session_token);
        faqctl
    };
    let steps: [(&str, Vec<&str>); 6] = [
        (
            "deploy",
            vec!["deploy", "--zip", good, "--role-arn", &ctx.target.role_arn],
        ),
        ("plan", vec!["plan", "--zip", good]),
        ("plan", vec!["status"]),
        ("invoke", vec!["invoke"]),
        ("logs", vec!["logs", "--since", "5m"]),
        ("destroy", vec!["destroy", "--yes", "--quota-wait", "5m"]),
    ];
    for (index, (policy_of, args)) in steps.into_iter().enumerate() {
        // A role's new policy can take seconds to apply on AWS: a refusal is tried again
        // within the propagation time there, never on the local cloud.
        let mut poll = Poll::new(ctx.target.propagation).every(Duration::from_secs(5));
        let ran = loop {
            let ran = ctx.run_command(as_role(policy_of, &args)).await?;
            let refused = ran.stderr.contains("is not authorized to perform")
                || ran
                    .stderr
                    .contains("security token included in the request is invalid");
            if ran.code == 0 || !refused || ctx.target.is_local() || !poll.tick().await {
                break ran;
            }
        };
        ensure!(
            ran.code == 0,
            "`faqctl {}` as {} (exactly iam/{policy_of}.json) exited {}:\n{}",
            args.join(" "),
            sessions[policy_of].0,
            ran.code,
            ran.stderr
        );
        step(format_args!(
            "faqctl {} as a role with exactly iam/{policy_of}.json",
            args[0]
        ));
        if index == 3 {
            // The roles are real limits: invoke's policy cannot destroy.
            let ran = ctx
                .run_command(as_role("invoke", &["destroy", "--yes"]))
                .await?;
            ensure!(
                ran.code != 0 && ran.stderr.contains("is not authorized to perform"),
                "`faqctl destroy` with only iam/invoke.json exited {}:\n{}",
                ran.code,
                ran.stderr
            );
            let status = ctx.ok(&["status"]).await?;
            ensure!(
                status["deployed"] == true,
                "a refused destroy changed: {status}"
            );
            step(format_args!(
                "faqctl destroy as the invoke role: refused by IAM, nothing deleted"
            ));
        }
    }
    Ok(())
}

/// The suite's own `--aws` guard and `--sweep`, with the local cloud standing in for AWS (it
/// answers sts:GetCallerIdentity for account 000000000000).
async fn guard(ctx: &Ctx<'_>) -> anyhow::Result<()> {
    let endpoint = ctx.target.endpoint.as_deref().context("a local cloud")?;
    the_aws_guard_refuses_before_any_write(ctx, endpoint).await?;
    let old = leave_an_old_and_a_young_run(ctx).await?;
    sweep_deletes_only_the_old_run(ctx, endpoint, &old).await?;
    // The young one is this scenario's own names: its clean-up deletes it.
    Ok(())
}

/// This suite again, with `--aws` and `args`, against the local cloud at `endpoint` standing
/// in for AWS, with `account` as FAQCTL_ACCEPTANCE_ACCOUNT (none if `None`).
fn the_suite_with_aws(
    ctx: &Ctx<'_>,
    endpoint: &str,
    account: Option<&str>,
    args: &[&str],
) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(std::env::current_exe().unwrap_or_default());
    command
        .arg("--aws")
        .args(args)
        .env_remove("AWS_PROFILE")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/faqctl-acceptance/config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/faqctl-acceptance/credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("FAQCTL_ROLE_ARN", &ctx.target.role_arn)
        .env_remove("FAQCTL_ACCEPTANCE_ACCOUNT")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    if let Some(account) = account {
        command.env("FAQCTL_ACCEPTANCE_ACCOUNT", account);
    }
    command
}

/// The calls the local cloud at `endpoint` counted.
async fn calls_counted(endpoint: &str) -> anyhow::Result<Value> {
    let answer = reqwest::Client::new()
        .get(format!("{endpoint}/_faqctl/calls"))
        .header("authorization", "AWS4-HMAC-SHA256 Credential=testing/20261203/us-east-1/faqctl/aws4_request, SignedHeaders=host, Signature=0")
        .send()
        .await?
        .text()
        .await?;
    let answer: Value = serde_json::from_str(&answer)?;
    anyhow::Ok(answer["calls"].clone())
}

/// `--aws` without FAQCTL_ACCEPTANCE_ACCOUNT, or with another account's id, exits 2 saying
/// why, after calling nothing but GetCallerIdentity.
async fn the_aws_guard_refuses_before_any_write(
    ctx: &Ctx<'_>,
    endpoint: &str,
) -> anyhow::Result<()> {
    for (account, says) in [
        (None, "set FAQCTL_ACCEPTANCE_ACCOUNT to the 12-digit id of the account your credentials are for"),
        (Some("123456789012"), "FAQCTL_ACCEPTANCE_ACCOUNT is 123456789012, but your credentials are for account 000000000000"),
    ] {
        ctx.target.admin(reqwest::Method::DELETE, "/_faqctl/calls", "").await?;
        let ran = ctx.run_command(the_suite_with_aws(ctx, endpoint, account, &[])).await?;
        ensure!(
            ran.code == 2 && ran.stderr.contains(says) && ran.stderr.contains("nothing was done"),
            "--aws with FAQCTL_ACCEPTANCE_ACCOUNT={account:?} exited {}:\n{}{}",
            ran.code,
            ran.stdout,
            ran.stderr
        );
        let calls = calls_counted(endpoint).await?;
        let made: Vec<&String> = calls.as_object().map(|c| c.keys().collect()).unwrap_or_default();
        ensure!(
            made.iter().all(|op| *op == "GetCallerIdentity"),
            "--aws refused, but after calling {made:?}"
        );
        step(format_args!("--aws with FAQCTL_ACCEPTANCE_ACCOUNT={account:?}: refused before any write ({made:?})"));
    }
    Ok(())
}

/// Two runs' leftovers: a whole deployment of a run that started in 2020 (killed), and a
/// function of a run that started now (still running; only a function, so that the suite
/// waits out DeleteRestApi's quota once less); and a test role of each run. Returns the old
/// run's id.
async fn leave_an_old_and_a_young_run(ctx: &Ctx<'_>) -> anyhow::Result<String> {
    let old = format!("20200101T000000Z-{:04x}", fastrand::u16(..));
    let mut deploy = ctx.target.faqctl();
    deploy
        .args([
            "deploy",
            "--zip",
            path(&ctx.zips.good),
            "--role-arn",
            &ctx.target.role_arn,
        ])
        .args([
            "--function-name",
            &format!("FAQ-acc-{old}"),
            "--api-name",
            &format!("FAQ-API-acc-{old}"),
        ])
        .args(["--output", "json", "--quiet"]);
    let ran = ctx.run_command(deploy).await?;
    ensure!(ran.code == 0, "deploying a leftover: {}", ran.stderr);
    let deployed: Value = serde_json::from_str(&ran.stdout)?;
    let arn = deployed["function_arn"].as_str().unwrap_or_default();
    let api_id = deployed["api_id"].as_str().unwrap_or_default();
    crate::run::tag(ctx.target, &old, arn, api_id).await?;
    ctx.target
        .lambda()
        .create_function()
        .function_name(&ctx.function)
        .runtime(aws_sdk_lambda::types::Runtime::Providedal2023)
        .handler("bootstrap")
        .role(&ctx.target.role_arn)
        .code(
            aws_sdk_lambda::types::FunctionCode::builder()
                .zip_file(std::fs::read(&ctx.zips.good)?.into())
                .build(),
        )
        .tags(crate::run::TAG, &ctx.id)
        .send()
        .await
        .context("lambda:CreateFunction")?;
    // And a test role of each run (the young one is this scenario's own: its clean-up
    // deletes it).
    let invoke_policy = policy(ctx, "invoke")?;
    crate::roles::create(ctx.target, &old, "invoke", &invoke_policy).await?;
    crate::roles::create(ctx.target, &ctx.id, "invoke", &invoke_policy).await?;
    Ok(old)
}

/// `--sweep` deletes the run of 2020 (its function, REST API and test role) and keeps the one
/// under an hour old.
async fn sweep_deletes_only_the_old_run(
    ctx: &Ctx<'_>,
    endpoint: &str,
    old: &str,
) -> anyhow::Result<()> {
    let leftovers = [format!("FAQ-acc-{old}"), ctx.function.clone()];
    let ran = ctx
        .run_command(the_suite_with_aws(
            ctx,
            endpoint,
            Some("000000000000"),
            &["--sweep"],
        ))
        .await?;
    ensure!(
        ran.code == 0,
        "--sweep exited {}:\n{}{}",
        ran.code,
        ran.stdout,
        ran.stderr
    );
    let names: Vec<String> = ctx
        .target
        .lambda()
        .list_functions()
        .send()
        .await?
        .functions()
        .iter()
        .filter_map(|f| f.function_name().map(str::to_string))
        .collect();
    ensure!(
        !names.contains(&leftovers[0]) && names.contains(&leftovers[1]),
        "--sweep left {names:?} (it should delete {} and keep {}):\n{}",
        leftovers[0],
        leftovers[1],
        ran.stdout
    );
    let roles: Vec<String> = crate::roles::list(ctx.target)
        .await?
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    ensure!(
        !roles.contains(&crate::roles::name(old, "invoke"))
            && roles.contains(&crate::roles::name(&ctx.id, "invoke")),
        "--sweep left the roles {roles:?} (it should delete the one of {old} and keep the one of {}):\n{}",
        ctx.id,
        ran.stdout
    );
    step(format_args!(
        "--sweep deleted the run of 2020 (its function, REST API and test role) and kept the one under an hour old"
    ));
    Ok(())
}
