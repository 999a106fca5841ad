//! Reports on corpus files through the `eniplan` binary, shared by the tests
//! that need `../shared` (realworld.rs, peer_corpus.rs).

// Each test file uses a part.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// `eniplan check PATH --format FORMAT`, run from the crate root: stdout and exit code.
pub fn report(path: &Path, format: &str) -> (String, i32) {
    let out = Command::cargo_bin("eniplan")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .arg("check")
        .arg(path)
        .args(["--format", format])
        .output()
        .unwrap();
    (String::from_utf8(out.stdout).unwrap(), out.status.code().unwrap())
}

/// (function, subnet, security groups) for every function of every combination.
pub fn combinations(path: &Path) -> BTreeSet<(String, String, Vec<String>)> {
    let (json, _) = report(path, "json");
    combinations_in(&serde_json::from_str(&json).unwrap())
}

/// [`combinations`] of a JSON report.
pub fn combinations_in(v: &Value) -> BTreeSet<(String, String, Vec<String>)> {
    v["combinations"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| {
            c["functions"].as_array().unwrap().iter().map(move |f| {
                let sgs = c["security_groups"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect();
                (f.as_str().unwrap().to_string(), c["subnet"].as_str().unwrap().to_string(), sgs)
            })
        })
        .collect()
}
