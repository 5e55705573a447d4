//! The examples' binaries, for the tests that run them as a user does.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// The binary of example `name`, as `cargo run --example {name}` builds it (a no-op when
/// `cargo test` just built it; needed when only one test was asked for).
pub fn example_binary(name: &str) -> PathBuf {
    let test_exe = std::env::current_exe().expect("the test's path");
    let profile_dir = test_exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>/deps");
    let binary = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let mut build = Command::new(env!("CARGO"));
    build.args(["build", "--quiet", "--example", name]);
    // The features this test was built with, so the build is the one `cargo test` made.
    let features: Vec<&str> = [
        ("tower", cfg!(feature = "tower")),
        ("axum", cfg!(feature = "axum")),
        ("actix", cfg!(feature = "actix")),
        ("reqwest", cfg!(feature = "reqwest")),
    ]
    .into_iter()
    .filter_map(|(feature, enabled)| enabled.then_some(feature))
    .collect();
    if !features.is_empty() {
        build.arg("--features").arg(features.join(","));
    }
    if profile_dir.ends_with("release") {
        build.arg("--release");
    }
    let status = build
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "example {name} builds");
    assert!(binary.exists(), "{} built", binary.display());
    binary
}

/// A command for example `name` that reaches no telemetry backend: no Sentry DSN, and
/// OTLP pointed at a closed loopback port.
pub fn example_command(name: &str) -> Command {
    let mut command = Command::new(example_binary(name));
    command
        .env("NO_COLOR", "1")
        .env_remove("SENTRY_DSN")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9");
    command
}
