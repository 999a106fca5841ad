//! ENI007: a deploy that moves a function with provisioned concurrency or a
//! warmer onto a combination the account does not have, from each source.
//! Each fixture in testdata/warm/ has a warm function on a new combination
//! (ENI007 and ENI005), a warm function on the account's combination
//! (neither) and a cold one on a new combination (ENI005 only).

#[path = "support/cli.rs"]
mod support;

use serde_json::Value;
use support::{check, findings};

const ACCOUNT: &str = "testdata/warm/account.json";

/// The first function each finding of `rule` names, with the finding.
fn by_function<'a>(report: &'a Value, rule: &str) -> Vec<(&'a str, &'a Value)> {
    findings(report, rule)
        .into_iter()
        .map(|f| (f["functions"][0].as_str().expect("a function"), f))
        .collect()
}

fn against(file: &str) -> Value {
    let (report, _) = check(&[file, "--against", ACCOUNT]);
    report
}

/// ENI007 fires for exactly `warm` (function, words its message holds),
/// ENI005 for those and `cold`.
fn expect(report: &Value, warm: &[(&str, &[&str])], cold: &[&str]) {
    let eni007 = by_function(report, "ENI007");
    let fired: Vec<&str> = eni007.iter().map(|(f, _)| *f).collect();
    let wanted: Vec<&str> = warm.iter().map(|(f, _)| *f).collect();
    assert_eq!(fired, wanted, "ENI007 fired for {fired:?}");
    for ((_, f), (name, words)) in eni007.iter().zip(warm) {
        let message = f["message"].as_str().unwrap();
        for w in *words {
            assert!(message.contains(w), "{name}: `{w}` not in {message}");
        }
        assert!(f["fix"].as_str().unwrap().contains("shift traffic gradually"), "{f}");
    }
    let eni005: Vec<&str> = by_function(report, "ENI005").iter().map(|(f, _)| *f).collect();
    for name in wanted.iter().chain(cold) {
        assert!(eni005.contains(name), "ENI005 does not name {name}: {eni005:?}");
    }
}

#[test]
fn sam_auto_publish_alias_with_provisioned_concurrency() {
    let report = against("testdata/warm/sam.yaml");
    expect(
        &report,
        &[
            (
                "OrdersFunction",
                &["keeps 5 environments warm", "on `live`: 5", "subnet-a + [sg-shared]"],
            ),
            (
                "BillingFunction",
                &["an unresolved number of environments", "on `prod`: unresolved"],
            ),
        ],
        &["PlainFunction"],
    );
    // Points at the ProvisionedConcurrencyConfig it comes from.
    let (_, orders) = by_function(&report, "ENI007")[0];
    assert_eq!(orders["location"]["line"], 18, "{orders}");
}

#[test]
fn cloudformation_alias_and_version() {
    let report = against("testdata/warm/cfn-alias.yaml");
    expect(
        &report,
        &[
            ("OrdersFunction", &["keeps 20 environments warm", "on `live`: 20"]),
            ("ShippingFunction", &["keeps 4 environments warm", "on `ShippingVersion`: 4"]),
        ],
        &["PlainFunction"],
    );
}

#[test]
fn terraform_provisioned_concurrency_config() {
    let report = against("testdata/warm/warm.plan.json");
    expect(
        &report,
        &[("aws_lambda_function.orders", &["keeps 10 environments warm", "on `live`: 10"])],
        &["aws_lambda_function.plain"],
    );
}

#[test]
fn serverless_provisioned_concurrency_and_warmup() {
    let report = against("testdata/warm/serverless.yml");
    expect(
        &report,
        &[
            ("orders", &["keeps 4 environments warm", "on `provisioned`: 4"]),
            (
                "billing",
                &["keeps 3 environments warm", "serverless-plugin-warmup warmer on `$LATEST`: 3"],
            ),
        ],
        &["plain"],
    );
}

#[test]
fn quiet_without_an_account() {
    for file in [
        "testdata/warm/sam.yaml",
        "testdata/warm/cfn-alias.yaml",
        "testdata/warm/warm.plan.json",
        "testdata/warm/serverless.yml",
    ] {
        let (report, _) = check(&[file]);
        assert!(findings(&report, "ENI007").is_empty(), "{file}");
    }
}
