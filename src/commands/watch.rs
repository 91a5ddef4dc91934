//! `--watch` (on `local` and `deploy`): rebuild when a source is saved and converge again,
//! through the same deploy path, so a code-only change is one UpdateFunctionCode and the
//! function, API id, stage and URL stay. A build that fails (a compile error, an invalid
//! faq.json) is printed and the previous code keeps serving; the next save tries again.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use notify_debouncer_full::notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, Debouncer, RecommendedCache};
use tokio::sync::mpsc;

use super::build::ProjectArgs;
use super::deploy::{converge, DeployOutput, FunctionArgs};
use crate::aws::AwsConfig;
use crate::output::Printer;
use crate::package::{self, BuildConfig};
use crate::settings::Names;

/// How long the watcher waits for a burst of saves (an editor's write + rename, a `git
/// checkout`) to end before it rebuilds once.
const DEBOUNCE: Duration = Duration::from_millis(200);

/// The project's sources, watched: everything under `function/` but build output and hidden
/// or backup files, the FAQ file, and the workspace's Cargo.toml and Cargo.lock.
pub struct Watcher {
    // Watching stops when it is dropped.
    _debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
    changes: mpsc::UnboundedReceiver<Result<Vec<PathBuf>, String>>,
}

impl Watcher {
    pub fn start(project: &ProjectArgs) -> anyhow::Result<Watcher> {
        let manifest = absolute(&project.manifest_path)?;
        let faq = absolute(&project.faq)?;
        let root = manifest
            .parent()
            .context("--manifest-path has no parent directory")?
            .to_path_buf();
        let function = root.join("function");
        let faq_dir = faq
            .parent()
            .context("--faq has no parent directory")?
            .to_path_buf();
        let sources = Sources {
            manifests: vec![manifest, root.join("Cargo.lock")],
            faq: faq.clone(),
            function: function.clone(),
        };
        let (sender, changes) = mpsc::unbounded_channel();
        let mut debouncer = new_debouncer(DEBOUNCE, None, move |result: DebounceEventResult| {
            let message = match result {
                Ok(events) => {
                    let mut paths: Vec<PathBuf> = events
                        .iter()
                        .filter(|e| !matches!(e.kind, EventKind::Access(_)))
                        .flat_map(|e| e.paths.iter())
                        .filter(|p| sources.contains(p))
                        .cloned()
                        .collect();
                    paths.sort();
                    paths.dedup();
                    if paths.is_empty() {
                        return;
                    }
                    Ok(paths)
                }
                Err(errors) => Err(errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")),
            };
            let _ = sender.send(message);
        })
        .context("cannot start watching files")?;
        let watch = |debouncer: &mut Debouncer<RecommendedWatcher, RecommendedCache>,
                     path: &Path,
                     mode: RecursiveMode| {
            debouncer
                .watch(path, mode)
                .with_context(|| format!("cannot watch {} for changes", path.display()))
        };
        // Directories, not files: an editor that saves by writing a new file and renaming it
        // over the old one would end a watch on the file itself.
        watch(&mut debouncer, &function, RecursiveMode::Recursive)?;
        watch(&mut debouncer, &root, RecursiveMode::NonRecursive)?;
        if faq_dir != root {
            watch(&mut debouncer, &faq_dir, RecursiveMode::NonRecursive)?;
        }
        Ok(Watcher {
            _debouncer: debouncer,
            changes,
        })
    }

    /// The next burst of changes to the sources (every path changed since the last call).
    pub async fn changed(&mut self) -> anyhow::Result<Vec<PathBuf>> {
        let mut paths = self
            .changes
            .recv()
            .await
            .context("the file watcher stopped")?;
        // Saves that arrived while the last build ran are one more build, not several.
        while let Ok(more) = self.changes.try_recv() {
            paths = match (paths, more) {
                (Ok(mut paths), Ok(more)) => {
                    paths.extend(more);
                    Ok(paths)
                }
                (Err(e), _) | (_, Err(e)) => Err(e),
            };
        }
        let mut paths = paths.map_err(|e| anyhow::anyhow!("watching files failed: {e}"))?;
        paths.sort();
        paths.dedup();
        Ok(paths)
    }
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("{}: cannot resolve it", path.display()))
}

/// Which changed paths are sources.
struct Sources {
    manifests: Vec<PathBuf>,
    faq: PathBuf,
    function: PathBuf,
}

impl Sources {
    fn contains(&self, path: &Path) -> bool {
        if path == self.faq || self.manifests.iter().any(|m| m == path) {
            return true;
        }
        let Ok(inside) = path.strip_prefix(&self.function) else {
            return false;
        };
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let hidden_or_output = inside.components().any(|c| {
            let c = c.as_os_str().to_string_lossy();
            c == "target" || c.starts_with('.')
        });
        // Editors' backup and swap files (`lib.rs~`, `.lib.rs.swp`, vim's `4913` probe).
        let scratch = name.ends_with('~') || name.ends_with(".swp") || name == "4913";
        let source = matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("rs" | "toml" | "json")
        );
        !hidden_or_output && !scratch && source
    }
}

/// Where a watch deploys to, and with what settings.
pub struct Target<'a> {
    pub aws: &'a AwsConfig,
    pub function: &'a FunctionArgs,
    pub names: &'a Names,
    pub build: &'a BuildConfig,
}

/// One rebuild that went live.
pub struct Reload {
    pub build: Duration,
    /// From the end of the build to the deploy converged (the new code is served from here).
    pub swap: Duration,
    pub output: DeployOutput,
}

/// Rebuilds and converges on every change, until the future is dropped (Ctrl-C) or the watcher
/// fails. `reloaded` is told of each deploy that converged.
pub async fn watch(
    watcher: &mut Watcher,
    target: Target<'_>,
    printer: &Printer,
    mut reloaded: impl FnMut(&Reload) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let root = absolute(&target.build.manifest_path)?
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    notice(
        printer,
        format!(
            "watching function/, {} and the workspace manifest; a save rebuilds and redeploys",
            target.build.faq_path.display()
        ),
    );
    loop {
        let changed = watcher.changed().await?;
        let shown: Vec<String> = changed.iter().map(|p| relative(p, &root)).collect();
        notice(
            printer,
            format!(
                "{} changed: {}",
                shown.join(", "),
                package::building(target.build)
            ),
        );
        let started = Instant::now();
        let built = match package::build_async(target.build).await {
            Ok(built) => built,
            Err(error) => {
                eprintln!("error: {error:#}");
                notice(
                    printer,
                    "the previous code keeps serving; fix it and save again".into(),
                );
                continue;
            }
        };
        let build = started.elapsed();
        let swapped = Instant::now();
        let desired = target.function.desired(
            target.names,
            &target.aws.region,
            &built.code_sha256,
            built.architecture,
        )?;
        match converge(target.aws, &desired, &built, printer).await {
            Ok(output) => {
                let reload = Reload {
                    build,
                    swap: swapped.elapsed(),
                    output,
                };
                let what = match reload.output.changes.len() {
                    0 => "nothing to change (the build is byte-identical)".to_string(),
                    n => format!(
                        "{n} change(s): {}",
                        reload
                            .output
                            .changes
                            .iter()
                            .map(|c| c.operation)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                notice(
                    printer,
                    format!(
                        "serving the new code ({what}); build {:.1} s, swap {} ms",
                        reload.build.as_secs_f64(),
                        reload.swap.as_millis()
                    ),
                );
                reloaded(&reload)?;
            }
            Err(error) => {
                eprintln!("error: {error:#}");
                notice(
                    printer,
                    "the deploy did not finish; the next save tries again".into(),
                );
            }
        }
    }
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A line about the watch loop, on stderr (stdout carries the results and log lines), unless
/// `-q`.
fn notice(printer: &Printer, message: String) {
    if !printer.quiet() {
        eprintln!("watch: {message}");
    }
}
