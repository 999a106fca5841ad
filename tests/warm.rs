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

/// `check --live` reads ListProvisionedConcurrencyConfigs for the deploy's
/// functions the account has, and no other, through mocked clients.
#[cfg(feature = "aws")]
mod live {
    use aws_sdk_ec2::operation::describe_network_interfaces::DescribeNetworkInterfacesOutput;
    use aws_sdk_ec2::operation::describe_route_tables::DescribeRouteTablesOutput;
    use aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsOutput;
    use aws_sdk_ec2::operation::describe_subnets::DescribeSubnetsOutput;
    use aws_sdk_ec2::types::Subnet;
    use aws_sdk_lambda::operation::list_functions::ListFunctionsOutput;
    use aws_sdk_lambda::operation::list_provisioned_concurrency_configs::{
        ListProvisionedConcurrencyConfigsInput, ListProvisionedConcurrencyConfigsOutput,
    };
    use aws_sdk_lambda::types::{FunctionConfiguration, ProvisionedConcurrencyConfigListItem, VpcConfigResponse};
    use aws_sdk_servicequotas::operation::get_service_quota::GetServiceQuotaOutput;
    use aws_sdk_servicequotas::types::ServiceQuota;
    use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use eniplan::model::WarmBy;
    use eniplan::pipeline::{self, Input, Projection};
    use eniplan::source::aws::{collect_with, AwsOptions, ClientFactory, Clients, Collected, Target};
    use eniplan::source::{load_paths, LoadOptions};

    const ACCOUNT: &str = "111122223333";
    const REGION: &str = "eu-west-1";
    const OP: &str = "lambda:ListProvisionedConcurrencyConfigs";

    fn function(name: &str, version: &str) -> FunctionConfiguration {
        let arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}");
        FunctionConfiguration::builder()
            .function_name(name)
            .function_arn(if version == "$LATEST" { arn } else { format!("{arn}:{version}") })
            .version(version)
            .vpc_config(
                VpcConfigResponse::builder()
                    .subnet_ids("subnet-a")
                    .subnet_ids("subnet-b")
                    .security_group_ids("sg-shared")
                    .vpc_id("vpc-main")
                    .build(),
            )
            .build()
    }

    fn config(qualifier: &str, n: i32) -> ProvisionedConcurrencyConfigListItem {
        ProvisionedConcurrencyConfigListItem::builder()
            .function_arn(format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders:{qualifier}"))
            .requested_provisioned_concurrent_executions(n)
            .build()
    }

    /// The account: `orders` ($LATEST and version 3, provisioned on `live`
    /// and on 3, over two pages) and `reports`, both on sg-shared.
    fn clients() -> Clients {
        let functions = ListFunctionsOutput::builder()
            .functions(function("orders", "$LATEST"))
            .functions(function("orders", "3"))
            .functions(function("reports", "$LATEST"))
            .build();
        let lambda_rules = [
            mock!(aws_sdk_lambda::Client::list_functions).then_output(move || functions.clone()),
            mock!(aws_sdk_lambda::Client::list_capacity_providers).then_output(|| {
                aws_sdk_lambda::operation::list_capacity_providers::ListCapacityProvidersOutput::builder()
                    .set_capacity_providers(Some(vec![]))
                    .build()
                    .expect("an empty list")
            }),
            mock!(aws_sdk_lambda::Client::list_provisioned_concurrency_configs)
                .match_requests(|r: &ListProvisionedConcurrencyConfigsInput| r.function_name() == Some("orders") && r.marker().is_none())
                .then_output(|| {
                    ListProvisionedConcurrencyConfigsOutput::builder()
                        .provisioned_concurrency_configs(config("live", 8))
                        .next_marker("page-2")
                        .build()
                }),
            mock!(aws_sdk_lambda::Client::list_provisioned_concurrency_configs)
                .match_requests(|r: &ListProvisionedConcurrencyConfigsInput| {
                    r.function_name() == Some("orders") && r.marker() == Some("page-2")
                })
                .then_output(|| {
                    ListProvisionedConcurrencyConfigsOutput::builder()
                        .provisioned_concurrency_configs(config("3", 2))
                        .build()
                }),
        ];
        let subnet = |id: &str, az: &str| {
            Subnet::builder()
                .subnet_id(id)
                .vpc_id("vpc-main")
                .availability_zone(az)
                .cidr_block("10.0.1.0/24")
                .available_ip_address_count(200)
                .build()
        };
        let subnets = DescribeSubnetsOutput::builder()
            .subnets(subnet("subnet-a", "eu-west-1a"))
            .subnets(subnet("subnet-b", "eu-west-1b"))
            .build();
        let ec2_rules = [
            mock!(aws_sdk_ec2::Client::describe_network_interfaces).then_output(|| DescribeNetworkInterfacesOutput::builder().build()),
            mock!(aws_sdk_ec2::Client::describe_subnets).then_output(move || subnets.clone()),
            mock!(aws_sdk_ec2::Client::describe_security_groups).then_output(|| DescribeSecurityGroupsOutput::builder().build()),
            mock!(aws_sdk_ec2::Client::describe_route_tables).then_output(|| DescribeRouteTablesOutput::builder().build()),
        ];
        let sts_rules = [mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
            GetCallerIdentityOutput::builder()
                .account(ACCOUNT)
                .arn(format!("arn:aws:iam::{ACCOUNT}:user/test"))
                .build()
        })];
        let quota_rules = [mock!(aws_sdk_servicequotas::Client::get_service_quota).then_output(|| {
            GetServiceQuotaOutput::builder()
                .quota(ServiceQuota::builder().value(250.0).build())
                .build()
        })];
        Clients {
            sts: mock_client!(aws_sdk_sts, RuleMode::MatchAny, &sts_rules),
            lambda: mock_client!(aws_sdk_lambda, RuleMode::MatchAny, &lambda_rules),
            ec2: mock_client!(aws_sdk_ec2, RuleMode::MatchAny, &ec2_rules),
            quotas: mock_client!(aws_sdk_servicequotas, RuleMode::MatchAny, &quota_rules),
        }
    }

    struct Factory(Clients);

    impl ClientFactory for Factory {
        fn clients(&self, _: &Target, _: &str) -> Clients {
            self.0.clone()
        }
    }

    fn collect(warm_functions: &[&str]) -> Collected {
        let opts = AwsOptions {
            regions: vec![REGION.into()],
            warm_functions: warm_functions.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        collect_with(&Factory(clients()), &opts).expect("a mocked read")
    }

    #[test]
    fn reads_only_the_deploys_functions_the_account_has() {
        let deploy = load_paths(&["testdata/warm/live-deploy.yaml".into()], &LoadOptions::default()).unwrap();
        let names: Vec<&str> = deploy.inventory.functions.iter().map(|f| &*f.name).collect();
        let c = collect(&names);
        assert!(c.inventory.gaps.is_empty(), "{:?}", c.inventory.gaps);
        // Two pages for `orders`; none for `reports` (not deployed) or `fresh` (not in the account).
        assert_eq!(c.operations.get(OP), Some(&2), "{:?}", c.operations);
        let orders = c.inventory.functions.iter().find(|f| &*f.name == "orders").unwrap();
        let warm: Vec<(&str, Option<u32>)> = orders.warm.iter().map(|w| (w.qualifier.as_str(), w.environments)).collect();
        assert_eq!(warm, [("live", Some(8)), ("3", Some(2))]);
        assert!(orders.warm.iter().all(|w| w.by == WarmBy::ProvisionedConcurrency));
        let reports = c.inventory.functions.iter().find(|f| &*f.name == "reports").unwrap();
        assert!(reports.warm.is_empty());

        // The deploy moves `orders` to sg-new: ENI007 with the account's configurations.
        let projection = Projection::onto(c.inventory, deploy.inventory);
        let input = Input {
            command: "check",
            files: deploy.files,
            ..Input::default()
        };
        let report = pipeline::run(&projection, input).unwrap().report;
        let eni007: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.rule == "ENI007")
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(eni007.len(), 1, "{eni007:#?}");
        assert!(eni007[0].starts_with("orders keeps 10 environments warm"), "{}", eni007[0]);
        assert!(
            eni007[0].contains("on `live`: 8") && eni007[0].contains("on `3`: 2"),
            "{}",
            eni007[0]
        );

        // Every call is one the shipped policy allows.
        let policy = std::fs::read_to_string("iam-policy.json").unwrap();
        for op in c.operations.keys() {
            assert!(policy.contains(&format!("\"{op}\"")), "iam-policy.json does not allow {op}");
        }
    }

    #[test]
    fn an_audit_never_lists_provisioned_concurrency() {
        let c = collect(&[]);
        assert!(!c.operations.contains_key(OP), "{:?}", c.operations);
        let c = collect(&["not-in-the-account"]);
        assert!(!c.operations.contains_key(OP), "{:?}", c.operations);
    }
}

/// What each source reads as warm, straight from the model.
mod facts {
    use eniplan::model::WarmBy;
    use eniplan::source::{load_paths, LoadOptions};

    fn warm(file: &str, parameters: &[(&str, &str)]) -> Vec<(String, String, Option<u32>, WarmBy)> {
        let mut opts = LoadOptions::default();
        opts.cloudformation.parameters = parameters.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let loaded = load_paths(&[file.into()], &opts).unwrap();
        let mut out = Vec::new();
        for f in &loaded.inventory.functions {
            for w in &f.warm {
                out.push((f.name.to_string(), w.qualifier.clone(), w.environments, w.by));
            }
        }
        out
    }

    fn pc(f: &str, q: &str, n: Option<u32>) -> (String, String, Option<u32>, WarmBy) {
        (f.into(), q.into(), n, WarmBy::ProvisionedConcurrency)
    }

    #[test]
    fn sam_globals_conditions_and_versions() {
        assert_eq!(
            warm("testdata/warm/globals.yaml", &[]),
            [
                pc("ApiFunction", "live", Some(2)),
                pc("WorkerFunction", "prod-alias", Some(6)),
                pc("WorkerFunction", "WorkerVersion", Some(3)),
            ]
        );
        // The condition now drops the alias's configuration; the size is the parameter's.
        assert_eq!(
            warm("testdata/warm/globals.yaml", &[("Env", "dev")]),
            [pc("ApiFunction", "live", Some(2)), pc("WorkerFunction", "WorkerVersion", Some(3))]
        );
    }

    #[test]
    fn serverless_framework_alias_and_warmers() {
        let got = warm("testdata/warm/serverless.yml", &[]);
        assert_eq!(
            got,
            [
                pc("orders", "provisioned", Some(4)),
                ("billing".into(), "$LATEST".into(), Some(3), WarmBy::Warmer),
                pc("catalog", "provisioned", Some(2)),
            ]
        );
    }

    #[test]
    fn terraform_qualifier_known_or_from_the_alias() {
        assert_eq!(
            warm("testdata/warm/warm.plan.json", &[]),
            [
                pc("aws_lambda_function.orders", "live", Some(10)),
                pc("aws_lambda_function.reports", "live", Some(2)),
            ]
        );
    }
}
