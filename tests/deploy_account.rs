//! `check --against` an inventory of several accounts (an org snapshot, a
//! merged one): a template names no account, so which combinations the deploy
//! adds is known only once `--deploy-account` says where it goes.

#[path = "support/cli.rs"]
mod support;

use serde_json::Value;
use support::{check, findings, notes};

const OTHER: &str = "444455556666";

/// testdata/delta/account.json (account 111122223333) plus a second account
/// whose functions sit in the same subnets behind another group: it has none
/// of the first account's combinations.
fn two_accounts(dir: &tempfile::TempDir) -> String {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/delta/account.json")).unwrap();
    let mut snap: Value = serde_json::from_str(&text).unwrap();
    let functions = snap["functions"].as_array().unwrap().clone();
    for f in functions {
        let mut f = serde_json::to_string(&f).unwrap().replace("111122223333", OTHER);
        f = f.replace("sg-shared", "sg-other");
        snap["functions"].as_array_mut().unwrap().push(serde_json::from_str(&f).unwrap());
    }
    let region = snap["scopes"][0]["region"].clone();
    snap["scopes"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"account": OTHER, "region": region}));
    let path = dir.path().join("two-accounts.json");
    std::fs::write(&path, serde_json::to_string(&snap).unwrap()).unwrap();
    path.display().to_string()
}

/// The functions ENI005 says need new combinations.
fn new_for(report: &Value) -> Vec<String> {
    findings(report, "ENI005")
        .iter()
        .map(|f| f["functions"][0].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_deploys_new_combinations_are_judged_in_the_account_it_goes_to() {
    let dir = tempfile::tempdir().unwrap();
    let snap = two_accounts(&dir);
    let template = "testdata/delta/serverless.yml";

    // `orders` uses sg-shared, which only the first account has.
    let (first, _) = check(&[template, "--against", &snap, "--deploy-account", "111122223333"]);
    assert_eq!(new_for(&first), ["reports"]);
    let (other, _) = check(&[template, "--against", &snap, "--deploy-account", OTHER]);
    assert_eq!(new_for(&other), ["orders", "reports"]);
    assert!(notes(&first).iter().all(|n| !n.contains("--deploy-account")));
}

#[test]
fn without_it_no_combination_is_called_new_and_a_note_says_what_would_tell() {
    let dir = tempfile::tempdir().unwrap();
    let snap = two_accounts(&dir);
    let (report, _) = check(&["testdata/delta/serverless.yml", "--against", &snap]);
    assert!(new_for(&report).is_empty(), "{:?}", new_for(&report));
    let notes = notes(&report);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("holds 2 accounts") && n.contains("--deploy-account")),
        "{notes:?}"
    );
}
