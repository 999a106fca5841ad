//! The binary as the tests run it: from the crate root, so paths in reports
//! are the same on every machine, without colour, and with a time limit.
//! Each test file uses some of these.
#![allow(dead_code)]

use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

pub fn eniplan() -> Command {
    let mut c = Command::cargo_bin("eniplan").unwrap();
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(30));
    c
}

/// Runs `eniplan ARGS --format json`: the report and the exit code. A panic fails the test.
pub fn json(args: &[&str]) -> (Value, i32) {
    json_with(&mut eniplan(), args)
}

pub fn json_with(cmd: &mut Command, args: &[&str]) -> (Value, i32) {
    let out = cmd.args(args).args(["--format", "json"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (v, out.status.code().unwrap())
}

/// `eniplan check ARGS --format json`.
pub fn check(args: &[&str]) -> (Value, i32) {
    json(&[&["check"], args].concat())
}

/// The report's findings of one rule, suppressed or not.
pub fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .expect("findings[]")
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

/// The messages of one rule's findings, suppressed or not.
pub fn messages(report: &Value, rule: &str) -> Vec<String> {
    findings(report, rule)
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

/// The report's notes.
pub fn notes(report: &Value) -> Vec<String> {
    report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect()
}

/// The report's findings that are not suppressed.
pub fn active(report: &Value) -> Vec<&Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"] == false)
        .collect()
}
