//! The integration tests, as one binary (after uv's `crates/uv/tests/it/`): the SDK crates are
//! linked once instead of once per file, and the helpers live in one place (`common`).
//! A module per area:
//! - `build`, `package`: `faqctl build` and the zip checks; `arm64`: the cross build, qemu;
//! - `cli`: whole-binary behaviour, help and JSON shapes (insta snapshots in `snapshots/`);
//! - `local`, `apilogs`, `pipeline`: end to end on the local cloud;
//! - `moto`: the control plane against moto_server;
//! - `faults`, `aws_edges`, `least_privilege`: AWS's harder edges and failures, reproduced;
//! - `trust`: the local cloud under hostile input, crashes and stops;
//! - `security`: no web page reaches the control plane; limits on memory, time and size;
//! - `watch`: `faqctl local --watch` on an edited copy of the project;
//! - `livetail`: `logs --follow` on Live Tail, its fallback, and `logs --request-id`;
//! - `parity`: proxy events and responses against behaviour recorded on real AWS;
//! - `cors`: `--cors-origin`, the preflight, and a page in headless Chromium;
//! - `cache`: `--cache-ttl`, answers kept and expired, `faqctl cache flush`;
//! - `domains`: `--domain`, a custom domain name served by its `Host`;
//! - `iam_auth`: `--auth iam`, signed requests verified by the local cloud;
//! - `api_keys`: `--api-key-required`, usage plans, `faqctl keys`, enforced on the stage URL;
//! - `docs`: every link in README.md and docs/ resolves; the README stays a short front door;
//! - `versions`: Lambda versions and aliases on the local cloud, against AWS recordings;
//! - `safe`: safe deploys (a version per change, the gate, the alias `live`);
//! - `shift`: gradual traffic shifting, watched in the local cloud's CloudWatch, and rollback;
//! - `recorded`: answers to requests faqctl does not make, as AWS recorded them;
//! - `export`: GetExport's documents against those AWS exported, and openapi-spec-validator;
//! - `lint`: the workflows (actionlint) and the published IAM policies (parliament).
//!
//! The acceptance suite, end to end through the binary, is a target of its own:
//! `tests/acceptance/` (`./scripts/acceptance`).

mod common;

mod api_keys;
mod apilogs;
mod arm64;
mod aws_edges;
mod build;
mod cache;
mod cli;
mod contract;
mod cors;
mod docs;
mod domains;
mod export;
mod faults;
mod iam_auth;
mod least_privilege;
mod lint;
mod livetail;
mod local;
mod moto;
mod package;
mod parity;
mod pipeline;
mod recorded;
mod replay;
mod roles;
mod safe;
mod security;
mod shift;
mod snapshot_replay;
mod trust;
mod versions;
mod watch;
