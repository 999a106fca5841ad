//! Golden reports for every output format, on the bundled examples.

use assert_cmd::Command;

fn run(args: &[&str]) -> String {
    let out = Command::cargo_bin("eniplan")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c == 0 || c == 1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn sam_example_in_every_format() {
    let t = "testdata/examples/sam-app/template.yaml";
    for format in ["text", "json", "sarif", "markdown"] {
        insta::assert_snapshot!(format!("sam_{format}"), run(&["check", t, "--format", format]));
    }
    for format in ["dot", "mermaid"] {
        insta::assert_snapshot!(format!("sam_graph_{format}"), run(&["graph", t, "--format", format]));
    }
}

#[test]
fn account_snapshot_in_every_format() {
    let s = "testdata/snapshots/account.json";
    for format in ["text", "json", "sarif", "markdown"] {
        insta::assert_snapshot!(format!("account_{format}"), run(&["audit", "--snapshot", s, "--format", format]));
    }
}

#[test]
fn cdk_example_text() {
    insta::assert_snapshot!("cdk_text", run(&["check", "testdata/examples/cdk.out"]));
}
