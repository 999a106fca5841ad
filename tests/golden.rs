//! Golden reports for every output format, on the bundled examples.

#[path = "support/cli.rs"]
mod support;

fn run(args: &[&str]) -> String {
    let out = support::eniplan().args(args).output().unwrap();
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
    for format in ["text", "json", "sarif", "markdown", "junit", "github", "gitlab", "rdjsonl"] {
        insta::assert_snapshot!(format!("sam_{format}"), run(&["check", t, "--format", format]));
    }
    for format in ["dot", "mermaid"] {
        insta::assert_snapshot!(format!("sam_graph_{format}"), run(&["graph", t, "--format", format]));
    }
}

#[test]
fn account_snapshot_in_every_format() {
    let s = "testdata/snapshots/account.json";
    for format in ["text", "json", "sarif", "markdown", "gitlab", "rdjsonl"] {
        insta::assert_snapshot!(format!("account_{format}"), run(&["audit", "--snapshot", s, "--format", format]));
    }
}

#[test]
fn cdk_example_text() {
    insta::assert_snapshot!("cdk_text", run(&["check", "testdata/examples/cdk.out"]));
}

#[test]
fn serverless_terraform_and_delta_reports() {
    insta::assert_snapshot!("serverless_app_text", run(&["check", "testdata/serverless/app/serverless.yml"]));
    for format in ["json", "sarif"] {
        insta::assert_snapshot!(
            format!("serverless_app_{format}"),
            run(&["check", "testdata/serverless/app/serverless.yml", "--format", format])
        );
    }
    let plans: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/terraform"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| format!("testdata/terraform/{}", p.file_name().unwrap().to_str().unwrap()))
        .collect();
    assert!(!plans.is_empty());
    let mut plans = plans;
    plans.sort();
    insta::assert_snapshot!("terraform_plan_text", run(&["check", &plans[0]]));
    insta::assert_snapshot!("terraform_plan_json", run(&["check", &plans[0], "--format", "json"]));
    for format in ["text", "json", "markdown"] {
        insta::assert_snapshot!(
            format!("delta_{format}"),
            run(&[
                "check",
                "testdata/delta/serverless.yml",
                "--against",
                "testdata/delta/account.json",
                "--format",
                format
            ])
        );
    }
}
