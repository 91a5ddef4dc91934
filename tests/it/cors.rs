//! CORS: `deploy --cors-origin` makes the FAQ usable from a web page on another origin. The
//! preflight `OPTIONS /` is answered by API Gateway (a MOCK integration), the GET by the
//! function; the plan keeps both converged, and a page in a real browser (headless Chromium)
//! shows a question when its origin is listed and is refused by the browser when it is not.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::common;

use common::{faqctl_at, json_ok_async, operations, zip};
use faq_function::{Entry, Faq};
use faqctl::local::{LocalCloud, LocalConfig};

async fn deploy(cloud: &LocalCloud, origins: &[&str]) -> serde_json::Value {
    json_ok_async({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args(["deploy", "--zip", &zip(), "--role-arn", common::ROLE_ARN]);
        for origin in origins {
            command.args(["--cors-origin", origin]);
        }
        command
    })
    .await
}

/// The answer to `method` on `url` from a page on `origin`: status and CORS headers.
async fn request_from(
    method: reqwest::Method,
    url: &str,
    origin: &str,
) -> (u16, BTreeMap<String, String>) {
    let mut request = reqwest::Client::new()
        .request(method.clone(), url)
        .header("Origin", origin);
    if method == reqwest::Method::OPTIONS {
        request = request
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "content-type");
    }
    let response = request.send().await.unwrap();
    let headers = response
        .headers()
        .iter()
        .filter(|(name, _)| name.as_str().starts_with("access-control-") || *name == "vary")
        .map(|(name, value)| (name.to_string(), value.to_str().unwrap().to_string()))
        .collect();
    (response.status().as_u16(), headers)
}

fn allowed(origin: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "access-control-allow-headers".to_string(),
            "Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token".to_string(),
        ),
        (
            "access-control-allow-methods".to_string(),
            "GET,OPTIONS".to_string(),
        ),
        (
            "access-control-allow-origin".to_string(),
            origin.to_string(),
        ),
        ("vary".to_string(), "Origin".to_string()),
    ])
}

#[tokio::test(flavor = "multi_thread")]
async fn listed_origins_get_the_preflight_and_the_answer_and_a_redeploy_keeps_it_converged() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let (site, dev) = ("https://www.example.com", "http://localhost:8080");
    let deployed = deploy(&cloud, &[site, dev]).await;
    let url = deployed["invoke_url"].as_str().unwrap().to_string();
    let ops = operations(&deployed);
    for op in [
        "PutMethodResponse",
        "PutIntegrationResponse",
        "CreateDeployment",
    ] {
        assert!(ops.contains(&op.to_string()), "{op}: {ops:?}");
    }

    // The preflight: answered for each listed origin, with its own origin (two are listed, so
    // the answer is chosen per request); an origin not listed gets no Allow-Origin.
    for origin in [site, dev] {
        assert_eq!(
            request_from(reqwest::Method::OPTIONS, &url, origin).await,
            (200, allowed(origin)),
            "{origin}"
        );
    }
    let (status, headers) =
        request_from(reqwest::Method::OPTIONS, &url, "https://evil.example").await;
    assert_eq!(status, 200);
    assert_eq!(headers.get("access-control-allow-origin"), None);

    // The GET: the function adds Allow-Origin for a listed origin only.
    let (status, headers) = request_from(reqwest::Method::GET, &url, site).await;
    assert_eq!(status, 200);
    assert_eq!(headers["access-control-allow-origin"], site);
    assert_eq!(headers["vary"], "Origin");
    let (_, headers) = request_from(reqwest::Method::GET, &url, "https://evil.example").await;
    assert_eq!(headers.get("access-control-allow-origin"), None);

    // The same origins again (in another order): nothing to do.
    let again = deploy(&cloud, &[dev, site]).await;
    assert_eq!(operations(&again), Vec::<String>::new(), "{again}");

    // One origin: the preflight is made again with a static header, the function told.
    let one = deploy(&cloud, &[site]).await;
    assert_eq!(
        operations(&one),
        [
            "UpdateFunctionConfiguration",
            "PublishVersion",
            "Invoke",
            "UpdateAlias",
            "DeleteMethod",
            "PutMethod",
            "PutIntegration",
            "PutMethodResponse",
            "PutIntegrationResponse",
            "CreateDeployment"
        ]
    );
    assert_eq!(
        request_from(reqwest::Method::OPTIONS, &url, site).await,
        (200, allowed(site))
    );
    let (_, headers) = request_from(reqwest::Method::GET, &url, dev).await;
    assert_eq!(headers.get("access-control-allow-origin"), None);

    // No origin: CORS is removed; OPTIONS is an unknown route again, as on AWS.
    let none = deploy(&cloud, &[]).await;
    assert_eq!(
        operations(&none),
        [
            "UpdateFunctionConfiguration",
            "PublishVersion",
            "Invoke",
            "UpdateAlias",
            "DeleteMethod",
            "CreateDeployment"
        ]
    );
    let (status, _) = request_from(reqwest::Method::OPTIONS, &url, site).await;
    assert_eq!(status, 403);
    let (status, headers) = request_from(reqwest::Method::GET, &url, site).await;
    assert_eq!(status, 200);
    assert!(headers.is_empty(), "{headers:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cors_origin_that_is_not_an_origin_is_refused_before_any_call() {
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let output = common::run({
        let mut command = faqctl_at(&cloud.endpoint());
        command.args([
            "deploy",
            "--zip",
            &zip(),
            "--role-arn",
            common::ROLE_ARN,
            "--cors-origin",
            "https://www.example.com/faq",
        ]);
        command
    })
    .await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "--cors-origin \"https://www.example.com/faq\" is not a web origin: it has a path"
        ),
        "{stderr}"
    );
    assert!(cloud.calls().is_empty(), "{:?}", cloud.calls());
}

/// Chromium, where the machine has it (scripts/setup-browser installs it); CI requires it.
fn chromium() -> Option<std::path::PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|dir| dir.join(name))
                    .find(|path| path.is_file())
            })
        });
    if found.is_none() {
        assert!(
            std::env::var("FAQCTL_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "FAQCTL_REQUIRE_BROWSER=1 but Chromium is not installed: run scripts/setup-browser"
        );
        eprintln!("skipped: Chromium is not installed (scripts/setup-browser installs it)");
    }
    found
}

/// A web page served from its own origin (`http://127.0.0.1:PORT`) whose script fetches
/// `url` (with `Content-Type: application/json`, so the browser sends a preflight first) and
/// shows the question, or why it could not.
async fn serve_page(url: &str) -> (String, tokio::task::JoinHandle<()>) {
    let page = format!(
        r#"<!doctype html>
<html><head><title>FAQ</title></head><body>
<p id="faq">loading</p>
<script>
fetch({url:?}, {{ headers: {{ "Content-Type": "application/json" }} }})
  .then((response) => response.json())
  .then((entry) => {{ document.getElementById("faq").textContent = "Q: " + entry.q; }})
  .catch((error) => {{ document.getElementById("faq").textContent = "refused: " + error; }});
</script>
</body></html>"#
    );
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let page = page.clone();
            async move { axum::response::Html(page) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    (origin, server)
}

/// What headless Chromium shows for `page` once its script has run (bounded: the page's
/// virtual time, and a hard limit on the process).
async fn shown_text(chromium: &std::path::Path, page: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=15000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(page)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut dom = String::new();
    let read = tokio::time::timeout(Duration::from_secs(90), async {
        use tokio::io::AsyncReadExt;
        stdout.read_to_string(&mut dom).await.unwrap();
        child.wait().await.unwrap()
    })
    .await;
    assert!(read.is_ok(), "Chromium did not finish within 90 s: {dom}");
    let start = dom.find("<p id=\"faq\">").expect("the page's paragraph") + "<p id=\"faq\">".len();
    let end = dom[start..].find("</p>").unwrap() + start;
    dom[start..end].to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_page_in_a_browser_shows_a_question_only_from_a_listed_origin() {
    let Some(chromium) = chromium() else {
        return;
    };
    let cloud = common::local_cloud(LocalConfig::default()).await;
    let port = cloud.address.port();
    // The page needs the API's URL, and the deploy the page's origin: deploy, then serve the
    // pages, then deploy again with the origin.
    let first = deploy(&cloud, &[]).await;
    let api = first["api_id"].as_str().unwrap();
    let url = format!("http://127.0.0.1:{port}/_aws/execute-api/{api}/myDeployment/");
    let (listed, _listed_server) = serve_page(&url).await;
    let (other, _other_server) = serve_page(&url).await;
    deploy(&cloud, &[&listed]).await;
    let faq = Faq::load(&common::workspace().join("faq.json")).unwrap();
    let questions: Vec<&str> = faq.questions.iter().map(|e: &Entry| e.q.as_str()).collect();

    let stage_requests = || cloud.calls().get("Execute").copied().unwrap_or(0);

    let before = stage_requests();
    let shown = shown_text(&chromium, &format!("{listed}/")).await;
    let question = shown
        .strip_prefix("Q: ")
        .unwrap_or_else(|| panic!("{shown}"));
    assert!(questions.contains(&question), "{shown}");
    // The browser asked first (OPTIONS, answered by the MOCK integration), then GET.
    assert_eq!(stage_requests() - before, 2);

    let before = stage_requests();
    let shown = shown_text(&chromium, &format!("{other}/")).await;
    assert_eq!(shown, "refused: TypeError: Failed to fetch");
    // The browser refused the preflight's answer, so it never sent the GET.
    assert_eq!(stage_requests() - before, 1);
}
