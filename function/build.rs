//! Records what the bootstrap is compiled for (the Rust target and every enabled target
//! feature, as rustc reports them with the build's RUSTFLAGS and target-cpu), so that
//! `faqctl build` can read it back from the binary and refuse instructions Lambda's CPUs may
//! not have. Only `src/bin/bootstrap/main.rs` embeds it.

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    let mut features: Vec<String> = std::env::var("CARGO_CFG_TARGET_FEATURE")
        .unwrap_or_default()
        .split(',')
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect();
    features.sort();
    println!(
        "cargo:rustc-env=FAQ_BUILD_RECORD=faqctl-build-record;target={target};features={}",
        features.join(",")
    );
    // Only this script's own source decides a rerun; cargo reruns it anyway when RUSTFLAGS or
    // the target change, which is when the features can change.
    println!("cargo:rerun-if-changed=build.rs");
}
