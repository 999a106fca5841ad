//! A `.json` file is read as JSON; one that is not JSON and does not look like
//! it (a YAML template saved as `.json`) is read as YAML, as cfn-lint does. A
//! JSON file with a syntax error still fails at the error's line and column.

#[path = "support/cli.rs"]
mod support;

fn check_text(name: &str, text: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    let out = support::eniplan()
        .current_dir(dir.path())
        .args(["check", name, "--format", "json"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_yaml_template_named_json_is_read() {
    let (r, code) = support::check(&["testdata/valid/yaml-template.json"]);
    assert!(matches!(code, 0 | 1), "exit {code}");
    assert_eq!(r["summary"]["functions"], 1);
    assert_eq!(r["summary"]["combinations"], 2);
}

#[test]
fn a_json_syntax_error_is_still_a_json_error() {
    let cases = [
        ("{\"Resources\": {\"A\": 1,}}", "t.json:1:23:", "invalid JSON"),
        ("\u{feff}\n  [1, 2", "t.json:2:8:", "invalid JSON"),
    ];
    for (text, location, message) in cases {
        let (code, _, stderr) = check_text("t.json", text);
        assert_eq!(code, 2, "{text:?}: {stderr}");
        assert!(stderr.contains(location) && stderr.contains(message), "{text:?}: {stderr}");
    }
}

#[test]
fn malformed_yaml_named_json_fails_at_its_yaml_error() {
    let (code, _, stderr) = check_text("t.json", "Resources:\n  A: [1, 2\n");
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("t.json:") && !stderr.contains("invalid JSON"), "{stderr}");
}
