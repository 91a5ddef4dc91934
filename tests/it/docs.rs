//! The documentation as a newcomer meets it: every relative link in `README.md` and
//! `docs/*.md` names a file that exists and, with `#anchor`, a heading of that file (by
//! GitHub's anchor rules, duplicates included) or an explicit `<a id>`/`<a name>`; old links
//! into the README keep working because its moved sections leave their headings behind. The
//! README stays a front door (short, with the set-up commands `.ci/run` relies on).
//! Pure text checks: no build of faqctl, no network.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Past this the README stops being something a newcomer reads in ten minutes: move the new
/// section into a page of `docs/` and link it from the README's table.
const README_MAX_LINES: usize = 300;

/// The README's anchors before it became a front door (its headings then): people hold links
/// to them, so each still names a heading of the README, which links on to the moved section.
const OLD_README_ANCHORS: [&str; 24] = [
    "faqctl",
    "set-up-on-a-fresh-machine",
    "the-local-cloud-faqctl-local",
    "the-edit-loop-faqctl-local---watch",
    "parity-with-aws-what-is-checked-against-recordings-and-what-still-differs",
    "security-what-the-local-cloud-refuses-and-why",
    "faqctl-build",
    "arm64-graviton2",
    "the-function",
    "deploy-to-aws",
    "commands",
    "cors-the-faq-from-a-web-page-on-another-origin",
    "debugging-with-cloudwatch-api-gateways-logs-beside-the-functions",
    "project-settings-faqctltoml",
    "in-ci",
    "safe-deploys-versions-the-alias-live-the-gate-rollback",
    "gradual-shifting---traffic-watched-rolled-back-on-errors",
    "reliability-what-a-deploy-survives",
    "iam-the-permissions-each-command-needs",
    "what-aws-does-that-emulators-dont",
    "performance",
    "exit-codes",
    "troubleshooting",
    "layout",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and every docs/*.md, sorted, as (path, text).
fn documentation() -> Vec<(PathBuf, String)> {
    let mut files = vec![root().join("README.md")];
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .into_iter()
        .flatten()
        .map(|entry| entry.expect("docs/ is readable").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    files.extend(pages);
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, text)
        })
        .collect()
}

fn shown(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The text with every fenced code block blanked, character for character (so positions
/// still point into the original), so that neither a `# comment` in a shell block counts as a
/// heading nor an example as a link.
fn outside_code_blocks(text: &str) -> String {
    let mut fence: Option<(char, usize)> = None;
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let run = |c: char| trimmed.chars().take_while(|&x| x == c).count();
        let in_code = match fence {
            None => {
                let opens = ['`', '~'].into_iter().find(|&c| run(c) >= 3);
                fence = opens.map(|c| (c, run(c)));
                opens.is_some()
            }
            Some((c, n)) => {
                if run(c) >= n && trimmed.trim_end().chars().all(|x| x == c) {
                    fence = None;
                }
                true
            }
        };
        if in_code {
            out.extend(line.chars().map(|c| if c == '\n' { c } else { ' ' }));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Blanks inline code spans (a run of N backticks to the next run of exactly N), so that
/// `` `[x](y)` `` is not a link; newlines inside a span are kept.
fn without_code_spans(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let run_at = |i: usize| chars[i..].iter().take_while(|&&c| c == '`').count();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '`' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let n = run_at(i);
        let mut j = i + n;
        let close = loop {
            if j >= chars.len() {
                break None;
            }
            if chars[j] == '`' {
                let m = run_at(j);
                if m == n {
                    break Some(j);
                }
                j += m;
            } else {
                j += 1;
            }
        };
        match close {
            Some(j) => {
                for &c in &chars[i..j + n] {
                    out.push(if c == '\n' { '\n' } else { ' ' });
                }
                i = j + n;
            }
            None => {
                (0..n).for_each(|_| out.push('`'));
                i += n;
            }
        }
    }
    out
}

/// GitHub's anchor for a heading: the rendered text (inline markup gone, a link's text kept)
/// lowercased; every character but letters, digits, spaces, `-` and `_` removed; each space a
/// `-` (runs are not collapsed: "`local --watch`" gives `local---watch`).
fn slug(heading: &str) -> String {
    let mut text = String::new();
    let mut chars = heading.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            // An HTML tag renders as nothing.
            '<' => {
                for c in chars.by_ref() {
                    if c == '>' {
                        break;
                    }
                }
            }
            // A link's target is not part of its text.
            ']' if chars.peek() == Some(&'(') => {
                for c in chars.by_ref() {
                    if c == ')' {
                        break;
                    }
                }
            }
            '`' | '*' | '[' | ']' => {}
            c => text.push(c),
        }
    }
    text.trim()
        .to_lowercase()
        .chars()
        .filter(|&c| c.is_alphanumeric() || c == '-' || c == '_' || c == ' ')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The heading text of an ATX heading line (`## Text ##`), if the line is one.
fn heading_text(line: &str) -> Option<&str> {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let line = &line[indent..];
    let level = line.chars().take_while(|&c| c == '#').count();
    if indent > 3 || !(1..=6).contains(&level) {
        return None;
    }
    let rest = &line[level..];
    if !(rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t')) {
        return None;
    }
    let rest = rest.trim();
    // A closing sequence of #s (after a space) is not part of the text.
    let text = match rest.trim_end_matches('#') {
        stripped if stripped.is_empty() || stripped.ends_with(' ') => stripped.trim_end(),
        _ => rest,
    };
    Some(text)
}

/// Every anchor a page offers: its headings' (the second "Usage" is `usage-1`, as on GitHub)
/// and the explicit ones (`<a id="x">`, `<a name="x">`).
fn anchors(text: &str) -> HashSet<String> {
    let prose = outside_code_blocks(text);
    let mut found = HashSet::new();
    for line in prose.lines() {
        let Some(heading) = heading_text(line) else {
            continue;
        };
        let base = slug(heading);
        let mut n = 0;
        loop {
            let candidate = match n {
                0 => base.clone(),
                n => format!("{base}-{n}"),
            };
            if found.insert(candidate) {
                break;
            }
            n += 1;
        }
    }
    let prose = without_code_spans(&prose);
    for tag in prose.split("<a ").skip(1) {
        let tag = tag.split('>').next().unwrap_or_default();
        for attribute in ["id=\"", "name=\""] {
            if let Some(start) = tag.find(attribute) {
                let value = &tag[start + attribute.len()..];
                if let Some(end) = value.find('"') {
                    found.insert(value[..end].to_string());
                }
            }
        }
    }
    found
}

/// The markdown links of a page outside code, as (text, target): inline `[text](target)` and
/// `![alt](src)` (text may wrap across lines), and reference definitions `[label]: target`.
fn links(text: &str) -> Vec<(String, String)> {
    let prose = without_code_spans(&outside_code_blocks(text));
    let chars: Vec<char> = prose.chars().collect();
    // Both blankings keep every character's position, so a label is read from the original.
    let original: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '[' {
            i += 1;
            continue;
        }
        // The matching `]`, within one paragraph.
        let mut depth = 0;
        let mut close = None;
        for (j, &c) in chars.iter().enumerate().skip(i) {
            match c {
                '[' => depth += 1,
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(j);
                        break;
                    }
                }
                '\n' if chars.get(j + 1) == Some(&'\n') => break,
                _ => {}
            }
        }
        let Some(close) = close else {
            i += 1;
            continue;
        };
        let label: String = original[i + 1..close].iter().collect();
        let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
        match chars.get(close + 1) {
            Some('(') => {
                let mut depth = 0;
                let mut end = None;
                for (j, &c) in chars.iter().enumerate().skip(close + 1) {
                    match c {
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                end = Some(j);
                                break;
                            }
                        }
                        '\n' => break,
                        _ => {}
                    }
                }
                if let Some(end) = end {
                    let inside: String = chars[close + 2..end].iter().collect();
                    // `(target "title")`, `(<target with spaces>)`
                    let target = match inside.trim().strip_prefix('<') {
                        Some(rest) => rest.split('>').next().unwrap_or_default().to_string(),
                        None => inside
                            .split_whitespace()
                            .next()
                            .unwrap_or_default()
                            .to_string(),
                    };
                    found.push((label, target));
                    i = end + 1;
                    continue;
                }
            }
            Some(':') if i == 0 || chars[i - 1] == '\n' => {
                let rest: String = chars[close + 2..]
                    .iter()
                    .take_while(|&&c| c != '\n')
                    .collect();
                if let Some(target) = rest.split_whitespace().next() {
                    found.push((label, target.to_string()));
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// Why a link from `from` (a file under `root`) does not resolve, if it does not.
fn broken(root: &Path, from: &Path, target: &str) -> Option<String> {
    let lowered = target.to_ascii_lowercase();
    if ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| lowered.starts_with(scheme))
    {
        return None;
    }
    let (path, fragment) = match target.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (target, None),
    };
    let file = match path {
        "" => from.to_path_buf(),
        absolute if absolute.starts_with('/') => root.join(absolute.trim_start_matches('/')),
        relative => from.parent().unwrap_or(root).join(relative),
    };
    let named = file
        .strip_prefix(root)
        .unwrap_or(&file)
        .display()
        .to_string();
    if !file.exists() {
        return Some(format!("{named} does not exist"));
    }
    let fragment = fragment?;
    if file.extension().is_none_or(|e| e != "md") {
        // GitHub's line anchors into source files.
        let line_anchor = fragment.strip_prefix('L').is_some_and(|n| {
            !n.is_empty()
                && n.bytes()
                    .all(|b| b.is_ascii_digit() || b == b'-' || b == b'L')
        });
        return (!line_anchor).then(|| format!("#{fragment} in a file that is not markdown"));
    }
    let text = std::fs::read_to_string(&file).ok()?;
    let offered = anchors(&text);
    if offered.contains(fragment) {
        return None;
    }
    let mut close: Vec<&String> = offered
        .iter()
        .filter(|a| {
            a.starts_with(fragment.get(..4).unwrap_or(fragment))
                || fragment.starts_with(a.get(..4).unwrap_or(a))
        })
        .collect();
    close.sort();
    Some(format!(
        "{named} has no heading or <a id> with the anchor #{fragment} (similar: {close:?})"
    ))
}

/// Every broken link of the given pages, one line each.
fn broken_links(root: &Path, pages: &[(PathBuf, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    for (path, text) in pages {
        for (label, target) in links(text) {
            if let Some(why) = broken(root, path, &target) {
                problems.push(format!(
                    "{}: [{label}]({target}): {why}",
                    path.strip_prefix(root).unwrap_or(path).display()
                ));
            }
        }
    }
    problems
}

#[test]
fn every_link_in_the_readme_and_docs_resolves() {
    let problems = broken_links(&root(), &documentation());
    assert!(
        problems.is_empty(),
        "{} broken link(s) in the documentation:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn every_anchor_the_readme_had_still_resolves() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let offered = anchors(&readme);
    let lost: Vec<&str> = OLD_README_ANCHORS
        .into_iter()
        .filter(|anchor| !offered.contains(*anchor))
        .collect();
    assert!(
        lost.is_empty(),
        "README.md lost these anchors, which links out there still use: {lost:?}; keep a heading with the old text (see 'Where the old sections went')"
    );
}

#[test]
fn the_readme_keeps_the_set_up_commands_that_ci_runs() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    // `.ci/run` ends in `exec ./scripts/test`: the README's test command, as a newcomer types it.
    let test_command = ci
        .lines()
        .find_map(|line| line.trim().strip_prefix("exec "))
        .expect(".ci/run execs the test command");
    assert_eq!(test_command, "./scripts/test");
    for command in ["cargo run -- local", test_command] {
        let in_a_block = readme
            .lines()
            .any(|line| line.trim_start().starts_with(command));
        assert!(
            in_a_block,
            "README.md must show the set-up command `{command}` at the start of a line"
        );
    }
}

#[test]
fn the_readme_stays_a_front_door() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let lines = readme.lines().count();
    assert!(
        lines < README_MAX_LINES,
        "README.md has {lines} lines (the bound is {README_MAX_LINES}): move the detail into a page of docs/ and link it"
    );
}

#[test]
fn every_docs_page_opens_with_a_summary_and_links_back_to_the_readme() {
    for (path, text) in documentation().iter().skip(1) {
        let mut lines = text.lines().filter(|line| !line.trim().is_empty());
        let title = lines.next().unwrap_or_default();
        assert!(
            heading_text(title).is_some() && title.starts_with("# "),
            "{}: starts with its `# Title`",
            shown(path)
        );
        let summary = lines.next().unwrap_or_default();
        assert!(
            heading_text(summary).is_none() && !summary.starts_with('['),
            "{}: a one-line summary follows the title",
            shown(path)
        );
        assert!(
            links(text)
                .iter()
                .any(|(_, target)| target.starts_with("../README.md")),
            "{}: links back to the README",
            shown(path)
        );
    }
}

#[test]
fn anchors_follow_githubs_rules() {
    let cases = [
        ("Set up on a fresh machine", "set-up-on-a-fresh-machine"),
        (
            "The local cloud (`faqctl local`)",
            "the-local-cloud-faqctl-local",
        ),
        (
            "The edit loop: `faqctl local --watch`",
            "the-edit-loop-faqctl-local---watch",
        ),
        (
            "Safe deploys: versions, the alias `live`, the gate, rollback",
            "safe-deploys-versions-the-alias-live-the-gate-rollback",
        ),
        (
            "Gradual shifting: `--traffic`, watched, rolled back on errors",
            "gradual-shifting---traffic-watched-rolled-back-on-errors",
        ),
        (
            "What AWS does that emulators don't",
            "what-aws-does-that-emulators-dont",
        ),
        (
            "Project settings: `faqctl.toml`",
            "project-settings-faqctltoml",
        ),
        ("arm64 (Graviton2)", "arm64-graviton2"),
        ("snake_case stays", "snake_case-stays"),
        (
            "A [link](x.md) and <b>bold</b> → arrows",
            "a-link-and-bold--arrows",
        ),
        ("Über 5 % — café", "über-5---café"),
    ];
    for (heading, anchor) in cases {
        assert_eq!(slug(heading), anchor, "for {heading:?}");
    }
    assert_eq!(heading_text("## Exit codes ##"), Some("Exit codes"));
    assert_eq!(heading_text("### C#"), Some("C#"));
    assert_eq!(heading_text("#hashtag"), None);
    assert_eq!(heading_text("    # indented code"), None);

    let page = "# Usage\n## Usage\n```sh\n# Usage\n```\n### Usage\n<a id=\"kept\"></a>\n";
    let got = anchors(page);
    let want: HashSet<String> = ["usage", "usage-1", "usage-2", "kept"]
        .map(String::from)
        .into();
    assert_eq!(got, want);
}

#[test]
fn links_are_found_outside_code_only() {
    let page = "\
See [the tour](#a-five-minute-tour) and [Safe
deploys](docs/safe-deploys.md#x), ![a picture](docs/a.svg).
`[not](a-link.md)` and ``[nor](this.md)``
```md
[inside](a-fence.md)
```
  ```console
  [indented](fence.md)
  ```
[site](https://example.com) [`iam/`](iam/) [titled](b.md \"Title\")
[ref]: docs/c.md
";
    let got: Vec<(String, String)> = links(page);
    let want: Vec<(String, String)> = [
        ("the tour", "#a-five-minute-tour"),
        ("Safe deploys", "docs/safe-deploys.md#x"),
        ("a picture", "docs/a.svg"),
        ("site", "https://example.com"),
        ("`iam/`", "iam/"),
        ("titled", "b.md"),
        ("ref", "docs/c.md"),
    ]
    .map(|(a, b)| (a.trim().to_string(), b.to_string()))
    .into();
    let got: Vec<(String, String)> = got
        .into_iter()
        .map(|(a, b)| (a.trim().to_string(), b))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn a_broken_link_or_anchor_is_reported() {
    let dir = std::env::temp_dir().join(format!("faqctl-docs-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    let readme = dir.join("README.md");
    let page = dir.join("docs/page.md");
    std::fs::write(
        &page,
        "# Page\n## Moved here\n[back](../README.md#faqctl)\n",
    )
    .unwrap();
    let text = "# faqctl\n\
        [ok](docs/page.md#moved-here) [ok](#faqctl) [ok](docs/) [ok](https://x.y/#z)\n\
        [gone](docs/missing.md) [bad anchor](docs/page.md#moved) [bad here](#nowhere)\n";
    std::fs::write(&readme, text).unwrap();
    let pages = vec![
        (readme.clone(), text.to_string()),
        (page.clone(), std::fs::read_to_string(&page).unwrap()),
    ];
    let problems = broken_links(&dir, &pages);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(problems[0].starts_with("README.md: [gone](docs/missing.md)"));
    assert!(problems[1].contains("#moved (similar: [\"moved-here\"])"));
    assert!(problems[2].starts_with("README.md: [bad here](#nowhere)"));
}
