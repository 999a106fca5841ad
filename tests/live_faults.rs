//! Faults in the live collector.
//!
//! - With `aws-smithy-mocks` clients injected through `collect_with`:
//!   throttling and 5xx answers on every call (each call fails once, then
//!   succeeds) give the same inventory as a clean run; AccessDenied on one
//!   region or one call becomes a named gap and the rest is still read;
//!   expired credentials are a clear error (exit code 3). With `--org`:
//!   throttling and AccessDenied on ListAccounts and AssumeRole, and roles
//!   whose sessions end before the account is read (renewed, never used
//!   expired).
//! - End to end with the patched moto server: an access-denied region exits 3
//!   and names the gap in `incomplete[]`; no credentials at all is a clear
//!   error with exit code 3.

#![cfg(feature = "aws")]

#[path = "support/moto.rs"]
mod moto;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_config::retry::RetryConfig;
use aws_sdk_ec2::operation::describe_network_interfaces::DescribeNetworkInterfacesOutput;
use aws_sdk_ec2::operation::describe_route_tables::DescribeRouteTablesOutput;
use aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsOutput;
use aws_sdk_ec2::operation::describe_subnets::DescribeSubnetsOutput;
use aws_sdk_ec2::types::{
    GroupIdentifier, IpPermission, IpRange, NetworkInterface, NetworkInterfaceStatus, NetworkInterfaceType, Route, RouteTable,
    RouteTableAssociation, SecurityGroup, Subnet,
};
use aws_sdk_lambda::operation::list_aliases::ListAliasesOutput;
use aws_sdk_lambda::operation::list_capacity_providers::ListCapacityProvidersOutput;
use aws_sdk_lambda::operation::list_functions::ListFunctionsOutput;
use aws_sdk_lambda::operation::list_provisioned_concurrency_configs::ListProvisionedConcurrencyConfigsOutput;
use aws_sdk_lambda::types::{
    AliasConfiguration, CapacityProvider, CapacityProviderConfig, CapacityProviderScalingConfig, CapacityProviderState,
    CapacityProviderVpcConfig, FunctionConfiguration, InstanceRequirements, LambdaManagedInstancesCapacityProviderConfig,
    ProvisionedConcurrencyConfigListItem, VpcConfigResponse,
};
use aws_sdk_servicequotas::operation::get_service_quota::GetServiceQuotaOutput;
use aws_sdk_servicequotas::types::ServiceQuota;
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextMut, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use eniplan::error::Failure;
use eniplan::graph::{EniGraph, Quotas};
use eniplan::model::{Egress, QuotaSource, Value};
use eniplan::source::aws::{collect_with, AwsOptions, ClientFactory, Clients, Collected, Target};
use eniplan::source::snapshot;
use serde_json::Value as Json;

const ACCOUNT: &str = "111122223333";
const FUNCTIONS: usize = 120;

/// How a mocked call answers.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Clean,
    /// Every call is first throttled or gets a 5xx, then succeeds.
    Flaky,
    /// Access denied.
    Denied,
}

/// Which calls are denied (service:Operation), per region.
#[derive(Default, Clone)]
struct Faults {
    flaky: bool,
    denied: Vec<(&'static str, &'static str)>,
    expired: bool,
    /// The last function sits in a second VPC that only the last page shows.
    late_vpc: bool,
    /// ListCapacityProviders answers as an endpoint without the operation (moto's 404 page).
    providers_unknown: bool,
}

impl Faults {
    fn mode(&self, region: &str, op: &str) -> Mode {
        if self.denied.iter().any(|(r, o)| *r == region && *o == op) {
            Mode::Denied
        } else if self.flaky {
            Mode::Flaky
        } else {
            Mode::Clean
        }
    }
}

/// The transient failure each protocol sees first in flaky mode.
fn transient(service: &str) -> (u16, String) {
    match service {
        "lambda" => (429, r#"{"__type":"TooManyRequestsException","message":"Rate exceeded"}"#.into()),
        "servicequotas" => (400, r#"{"__type":"TooManyRequestsException","message":"Rate exceeded"}"#.into()),
        "ec2" => (
            503,
            "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>x</RequestID></Response>".into(),
        ),
        _ => (500, "<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>oops</Message></Error></ErrorResponse>".into()),
    }
}

fn access_denied(service: &str) -> (u16, String) {
    match service {
        "lambda" => (403, r#"{"__type":"AccessDeniedException","Message":"not authorized to perform: lambda:ListFunctions"}"#.into()),
        "servicequotas" => (400, r#"{"__type":"AccessDeniedException","message":"not authorized"}"#.into()),
        "ec2" => (
            403,
            "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>x</RequestID></Response>".into(),
        ),
        _ => (403, "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>denied</Message></Error></ErrorResponse>".into()),
    }
}

/// Builds a rule for one call: clean, fail-once-then-succeed, or denied.
macro_rules! rule {
    ($op:path, $mode:expr, $service:expr, $matcher:expr, $output:expr) => {{
        let out = $output;
        let base = mock!($op).match_requests($matcher);
        match $mode {
            Mode::Clean => base.then_output(move || out.clone()),
            Mode::Flaky => {
                let (status, body) = transient($service);
                base.sequence().http_status(status, Some(body)).output(move || out.clone()).build()
            }
            Mode::Denied => {
                let (status, body) = access_denied($service);
                base.sequence().http_status(status, Some(body)).repeatedly().build()
            }
        }
    }};
}

fn retry() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(4)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
}

fn arn(region: &str, name: &str) -> String {
    format!("arn:aws:lambda:{region}:{ACCOUNT}:function:{name}")
}

fn function(region: &str, name: &str, version: &str, sg: &str) -> FunctionConfiguration {
    let qualified = if version == "$LATEST" {
        arn(region, name)
    } else {
        format!("{}:{version}", arn(region, name))
    };
    FunctionConfiguration::builder()
        .function_name(name)
        .function_arn(qualified)
        .version(version)
        .vpc_config(
            VpcConfigResponse::builder()
                .subnet_ids(format!("subnet-{region}-a"))
                .subnet_ids(format!("subnet-{region}-b"))
                .security_group_ids(sg)
                .vpc_id(format!("vpc-{region}"))
                .build(),
        )
        .build()
}

fn provider_arn(region: &str) -> String {
    format!("arn:aws:lambda:{region}:{ACCOUNT}:capacity-provider:steady")
}

/// One region: FUNCTIONS functions over three ListFunctions pages (fn-000 has
/// a published version with another group, and an alias; fn-001 runs on the
/// capacity provider `steady`, in subnet a), two subnets, three groups, a NAT
/// route, three Lambda ENIs and two others (an EFS mount target, an endpoint)
/// in the VPC, and an applied quota of 300.
fn region_clients(region: &'static str, faults: &Faults) -> Clients {
    let mut items: Vec<FunctionConfiguration> = Vec::new();
    for i in 0..FUNCTIONS {
        let name = format!("fn-{i:03}");
        items.push(function(region, &name, "$LATEST", &format!("sg-{region}-shared")));
        if i == 0 {
            items.push(function(region, &name, "1", &format!("sg-{region}-old")));
        }
    }
    items[2].capacity_provider_config = Some(
        CapacityProviderConfig::builder()
            .lambda_managed_instances_capacity_provider_config(
                LambdaManagedInstancesCapacityProviderConfig::builder()
                    .capacity_provider_arn(provider_arn(region))
                    .build()
                    .unwrap(),
            )
            .build(),
    );
    if faults.late_vpc {
        let late = items.last_mut().unwrap();
        late.vpc_config = Some(
            VpcConfigResponse::builder()
                .subnet_ids(format!("subnet-{region}-late"))
                .security_group_ids(format!("sg-{region}-shared"))
                .vpc_id(format!("vpc-{region}-late"))
                .build(),
        );
    }
    let pages: Vec<Vec<FunctionConfiguration>> = items.chunks(50).map(<[_]>::to_vec).collect();
    let mut lambda_rules: Vec<Rule> = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        let marker = (i > 0).then(|| format!("page-{i}"));
        let next = (i + 1 < pages.len()).then(|| format!("page-{}", i + 1));
        let output = ListFunctionsOutput::builder()
            .set_functions(Some(page.clone()))
            .set_next_marker(next)
            .build();
        let m = marker.clone();
        lambda_rules.push(rule!(
            aws_sdk_lambda::Client::list_functions,
            faults.mode(region, "lambda:ListFunctions"),
            "lambda",
            move |r: &aws_sdk_lambda::operation::list_functions::ListFunctionsInput| r.marker() == m.as_deref()
                && r.max_items() == Some(50)
                && r.function_version().map(|v| v.as_str()) == Some("ALL"),
            output
        ));
    }
    lambda_rules.push(rule!(
        aws_sdk_lambda::Client::list_aliases,
        faults.mode(region, "lambda:ListAliases"),
        "lambda",
        |r: &aws_sdk_lambda::operation::list_aliases::ListAliasesInput| r.function_name() == Some("fn-000"),
        ListAliasesOutput::builder()
            .aliases(AliasConfiguration::builder().name("prod").function_version("1").build())
            .build()
    ));
    // Only `check --live` asks: fn-000 keeps 5 environments warm on `prod`.
    lambda_rules.push(
        mock!(aws_sdk_lambda::Client::list_provisioned_concurrency_configs)
            .match_requests(|r| r.function_name() == Some("fn-000"))
            .then_output(move || {
                ListProvisionedConcurrencyConfigsOutput::builder()
                    .provisioned_concurrency_configs(
                        ProvisionedConcurrencyConfigListItem::builder()
                            .function_arn(format!("{}:prod", arn(region, "fn-000")))
                            .requested_provisioned_concurrent_executions(5)
                            .build(),
                    )
                    .build()
            }),
    );
    if faults.providers_unknown {
        lambda_rules.push(
            mock!(aws_sdk_lambda::Client::list_capacity_providers)
                .sequence()
                .http_status(404, Some("<!doctype html><title>404 Not Found</title><h1>Not Found</h1>".into()))
                .repeatedly()
                .build(),
        );
    }
    lambda_rules.push(rule!(
        aws_sdk_lambda::Client::list_capacity_providers,
        faults.mode(region, "lambda:ListCapacityProviders"),
        "lambda",
        |r: &aws_sdk_lambda::operation::list_capacity_providers::ListCapacityProvidersInput| r.marker().is_none(),
        ListCapacityProvidersOutput::builder()
            .capacity_providers(
                CapacityProvider::builder()
                    .capacity_provider_arn(provider_arn(region))
                    .state(CapacityProviderState::Active)
                    .vpc_config(
                        CapacityProviderVpcConfig::builder()
                            .subnet_ids(format!("subnet-{region}-a"))
                            .security_group_ids(format!("sg-{region}-shared"))
                            .build()
                            .unwrap(),
                    )
                    .capacity_provider_scaling_config(CapacityProviderScalingConfig::builder().max_v_cpu_count(64).build())
                    .instance_requirements(InstanceRequirements::builder().allowed_instance_types("m7g.xlarge").build())
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap()
    ));
    let lambda = mock_client!(aws_sdk_lambda, RuleMode::MatchAny, &lambda_rules, |c| c.retry_config(retry()));

    let sts_rules = [if faults.expired {
        mock!(aws_sdk_sts::Client::get_caller_identity).sequence().http_status(
            403,
            Some("<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error></ErrorResponse>".into()),
        ).repeatedly().build()
    } else {
        rule!(
            aws_sdk_sts::Client::get_caller_identity,
            faults.mode(region, "sts:GetCallerIdentity"),
            "sts",
            |_: &aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityInput| true,
            GetCallerIdentityOutput::builder()
                .account(ACCOUNT)
                .arn(format!("arn:aws:iam::{ACCOUNT}:user/test"))
                .build()
        )
    }];
    let sts = mock_client!(aws_sdk_sts, RuleMode::MatchAny, &sts_rules, |c| c.retry_config(retry()));

    let vpc = format!("vpc-{region}");
    let subnet = |az: &str, cidr: &str| {
        Subnet::builder()
            .subnet_id(format!("subnet-{region}-{az}"))
            .vpc_id(&vpc)
            .availability_zone(format!("{region}{az}"))
            .cidr_block(cidr)
            .available_ip_address_count(240)
            .build()
    };
    let group = |name: &str, cidr: &str| {
        SecurityGroup::builder()
            .group_id(format!("sg-{region}-{name}"))
            .group_name(name)
            .vpc_id(&vpc)
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(443)
                    .to_port(443)
                    .ip_ranges(IpRange::builder().cidr_ip(cidr).build())
                    .build(),
            )
            .build()
    };
    let eni = |id: &str, az: &str, sg: &str| {
        NetworkInterface::builder()
            .network_interface_id(format!("eni-{region}-{id}"))
            .subnet_id(format!("subnet-{region}-{az}"))
            .vpc_id(&vpc)
            .groups(GroupIdentifier::builder().group_id(format!("sg-{region}-{sg}")).build())
            .status(NetworkInterfaceStatus::InUse)
            .interface_type(NetworkInterfaceType::Lambda)
            .description("AWS Lambda VPC ENI-fn-000")
            .build()
    };
    let other = |id: &str, kind: NetworkInterfaceType| {
        NetworkInterface::builder()
            .network_interface_id(format!("eni-{region}-{id}"))
            .subnet_id(format!("subnet-{region}-a"))
            .vpc_id(&vpc)
            .status(NetworkInterfaceStatus::InUse)
            .interface_type(kind)
            .build()
    };
    let late_subnet = Subnet::builder()
        .subnet_id(format!("subnet-{region}-late"))
        .vpc_id(format!("vpc-{region}-late"))
        .availability_zone(format!("{region}c"))
        .cidr_block("10.1.0.0/24")
        .available_ip_address_count(250)
        .build();
    let late_vpc = format!("vpc-{region}-late");
    let vpc_filter = move |filters: &[aws_sdk_ec2::types::Filter]| -> Vec<String> {
        filters
            .iter()
            .filter(|f| f.name() == Some("vpc-id"))
            .flat_map(|f| f.values().to_vec())
            .collect()
    };
    let mut ec2_rules = vec![];
    if faults.late_vpc {
        // Asked for the late VPC, alone or with the first: its subnet is returned too.
        let (late, main_subnets) = (late_vpc.clone(), [subnet("a", "10.0.1.0/24"), subnet("b", "10.0.2.0/24")]);
        ec2_rules.push(
            mock!(aws_sdk_ec2::Client::describe_subnets)
                .match_requests(move |r| vpc_filter(r.filters()).contains(&late))
                .then_compute_output(move |r| {
                    let vpcs = vpc_filter(r.filters());
                    let mut out = DescribeSubnetsOutput::builder().subnets(late_subnet.clone());
                    for s in main_subnets.iter().filter(|s| vpcs.iter().any(|v| Some(v.as_str()) == s.vpc_id())) {
                        out = out.subnets(s.clone());
                    }
                    out.build()
                }),
        );
        let late = late_vpc.clone();
        ec2_rules.push(
            mock!(aws_sdk_ec2::Client::describe_security_groups)
                .match_requests(move |r| vpc_filter(r.filters()) == [late.clone()])
                .then_output(|| DescribeSecurityGroupsOutput::builder().build()),
        );
        let late = late_vpc.clone();
        ec2_rules.push(
            mock!(aws_sdk_ec2::Client::describe_network_interfaces)
                .match_requests(move |r| vpc_filter(r.filters()) == [late.clone()])
                .then_output(|| DescribeNetworkInterfacesOutput::builder().build()),
        );
        let late = late_vpc.clone();
        ec2_rules.push(
            mock!(aws_sdk_ec2::Client::describe_route_tables)
                .match_requests(move |r| vpc_filter(r.filters()) == [late.clone()])
                .then_output(|| DescribeRouteTablesOutput::builder().build()),
        );
    }
    // By vpc-id: every ENI in the VPC, Lambda's among them.
    let in_vpc = DescribeNetworkInterfacesOutput::builder()
        .network_interfaces(eni("1", "a", "shared"))
        .network_interfaces(eni("2", "b", "shared"))
        .network_interfaces(eni("3", "a", "gone"))
        .network_interfaces(other("efs", NetworkInterfaceType::Interface))
        .network_interfaces(other("endpoint", NetworkInterfaceType::VpcEndpoint))
        .build();
    ec2_rules.extend([
        rule!(
            aws_sdk_ec2::Client::describe_network_interfaces,
            faults.mode(region, "ec2:DescribeNetworkInterfaces by vpc-id"),
            "ec2",
            move |r: &aws_sdk_ec2::operation::describe_network_interfaces::DescribeNetworkInterfacesInput| vpc_filter(r.filters())
                .contains(&format!("vpc-{region}")),
            in_vpc
        ),
        rule!(
            aws_sdk_ec2::Client::describe_network_interfaces,
            faults.mode(region, "ec2:DescribeNetworkInterfaces"),
            "ec2",
            |r: &aws_sdk_ec2::operation::describe_network_interfaces::DescribeNetworkInterfacesInput| r
                .filters()
                .iter()
                .any(|f| f.name() == Some("interface-type") && f.values() == ["lambda"]),
            DescribeNetworkInterfacesOutput::builder()
                .network_interfaces(eni("1", "a", "shared"))
                .network_interfaces(eni("2", "b", "shared"))
                .network_interfaces(eni("3", "a", "gone"))
                .build()
        ),
        rule!(
            aws_sdk_ec2::Client::describe_subnets,
            faults.mode(region, "ec2:DescribeSubnets"),
            "ec2",
            |_: &aws_sdk_ec2::operation::describe_subnets::DescribeSubnetsInput| true,
            DescribeSubnetsOutput::builder()
                .subnets(subnet("a", "10.0.1.0/24"))
                .subnets(subnet("b", "10.0.2.0/24"))
                .build()
        ),
        rule!(
            aws_sdk_ec2::Client::describe_security_groups,
            faults.mode(region, "ec2:DescribeSecurityGroups"),
            "ec2",
            |_: &aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsInput| true,
            DescribeSecurityGroupsOutput::builder()
                .security_groups(group("shared", "10.0.0.0/16"))
                .security_groups(group("old", "10.9.0.0/16"))
                .security_groups(group("default", "10.0.0.0/16"))
                .build()
        ),
        rule!(
            aws_sdk_ec2::Client::describe_route_tables,
            faults.mode(region, "ec2:DescribeRouteTables"),
            "ec2",
            |_: &aws_sdk_ec2::operation::describe_route_tables::DescribeRouteTablesInput| true,
            DescribeRouteTablesOutput::builder()
                .route_tables(
                    RouteTable::builder()
                        .route_table_id(format!("rtb-{region}"))
                        .vpc_id(&vpc)
                        .associations(RouteTableAssociation::builder().main(true).build())
                        .routes(Route::builder().destination_cidr_block("0.0.0.0/0").nat_gateway_id("nat-1").build())
                        .build(),
                )
                .build()
        ),
    ]);
    let ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, &ec2_rules, |c| c.retry_config(retry()));

    let quota_rules = [rule!(
        aws_sdk_servicequotas::Client::get_service_quota,
        faults.mode(region, "servicequotas:GetServiceQuota"),
        "servicequotas",
        |r: &aws_sdk_servicequotas::operation::get_service_quota::GetServiceQuotaInput| r.service_code() == Some("lambda")
            && r.quota_code() == Some("L-9FEE3D26"),
        GetServiceQuotaOutput::builder()
            .quota(ServiceQuota::builder().value(300.0).build())
            .build()
    )];
    let quotas = mock_client!(aws_sdk_servicequotas, RuleMode::MatchAny, &quota_rules, |c| c.retry_config(retry()));

    Clients { sts, lambda, ec2, quotas }
}

struct MockFactory {
    regions: BTreeMap<String, Clients>,
}

impl MockFactory {
    fn new(regions: &[&'static str], faults: &Faults) -> Self {
        MockFactory {
            regions: regions.iter().map(|r| (r.to_string(), region_clients(r, faults))).collect(),
        }
    }
}

impl ClientFactory for MockFactory {
    fn clients(&self, _target: &Target, region: &str) -> Clients {
        self.regions
            .get(region)
            .unwrap_or_else(|| panic!("no mock clients for {region}"))
            .clone()
    }
}

#[allow(clippy::result_large_err)] // the collector's own signature
fn run(regions: &[&'static str], faults: Faults) -> Result<Collected, Failure> {
    let factory = MockFactory::new(regions, &faults);
    let opts = AwsOptions {
        regions: regions.iter().map(|r| r.to_string()).collect(),
        ..Default::default()
    };
    collect_with(&factory, &opts)
}

/// The inventory as snapshot JSON (stable, comparable), without the call count.
fn as_json(c: &Collected) -> Json {
    serde_json::to_value(snapshot::from_inventory(&c.inventory, c.scopes.clone(), 0)).unwrap()
}

#[test]
fn clean_mocked_audit_reads_everything() {
    let c = run(&["us-east-1"], Faults::default()).expect("clean run");
    let inv = &c.inventory;
    assert!(inv.gaps.is_empty(), "{:?}", inv.gaps);
    assert_eq!(inv.functions.len(), FUNCTIONS);
    let f0 = inv.functions.iter().find(|f| &*f.name == "fn-000").unwrap();
    assert_eq!(f0.versions.len(), 2);
    assert_eq!(f0.versions[1].aliases, ["prod"]);
    assert_eq!(inv.subnets.len(), 2);
    assert!(inv.subnets.values().all(|s| s.egress == Egress::Nat));
    assert!(inv.security_groups[&Value::id("sg-us-east-1-default")].is_default);
    assert_eq!(inv.enis.len(), 3);
    // Read while GetCallerIdentity ran, then given the account it answered.
    assert!(inv.functions.iter().all(|f| &*f.account == ACCOUNT));
    assert!(inv.enis.iter().all(|e| e.account == ACCOUNT));
    assert_eq!(c.scopes.iter().map(|s| s.account.as_str()).collect::<Vec<_>>(), [ACCOUNT]);
    let vpc = &inv.vpcs[&Value::id("vpc-us-east-1")];
    assert_eq!((vpc.quota, vpc.quota_source), (Some(300), QuotaSource::ServiceQuotas));
    // 1 STS + 3 pages + Lambda ENIs + quota + capacity providers + subnets +
    // groups + route tables + the VPC's ENIs + 1 ListAliases.
    assert_eq!(c.api_calls, 1 + 3 + 7 + 1, "{:?}", c.operations);
    assert_eq!(c.operations["ec2:DescribeNetworkInterfaces"], 2, "{:?}", c.operations);
    assert_eq!(c.operations["lambda:ListCapacityProviders"], 1, "{:?}", c.operations);
    assert_eq!(c.api_attempts, c.api_calls, "no retries in a clean run");
}

/// The VPC's other ENIs are counted apart from Lambda's, and count against the quota.
#[test]
fn other_enis_are_counted_per_vpc() {
    let c = run(&["us-east-1"], Faults::default()).expect("clean run");
    let inv = &c.inventory;
    assert!(inv.gaps.is_empty(), "{:?}", inv.gaps);
    let vpc = Value::id("vpc-us-east-1");
    assert_eq!(
        inv.vpcs[&vpc].other_enis,
        Some(2),
        "an EFS mount target and an endpoint; Lambda's three are not counted again"
    );
    let g = EniGraph::build(inv, &Quotas::default());
    let s = &g.vpcs[&vpc];
    // Lambda's: 3 observed, plus fn-000:1's two combinations with none yet.
    assert_eq!((s.lambda_enis(), s.enis()), (5, 7));
}

#[test]
fn unreadable_other_enis_are_a_gap_not_zero() {
    let faults = Faults {
        denied: vec![("us-east-1", "ec2:DescribeNetworkInterfaces by vpc-id")],
        ..Default::default()
    };
    let c = run(&["us-east-1"], faults).expect("partial");
    let gaps = &c.inventory.gaps;
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0].operation, "ec2:DescribeNetworkInterfaces");
    assert!(
        gaps[0].error.contains("other ENIs") && gaps[0].error.contains("UnauthorizedOperation"),
        "{}",
        gaps[0].error
    );
    assert_eq!(c.inventory.vpcs[&Value::id("vpc-us-east-1")].other_enis, None);
    assert_eq!(c.inventory.enis.len(), 3, "the Lambda ENIs are still read");
}

#[test]
fn capacity_providers_and_their_functions_are_read() {
    let c = run(&["us-east-1", "eu-west-1"], Faults::default()).expect("clean run");
    let inv = &c.inventory;
    assert!(inv.gaps.is_empty(), "{:?}", inv.gaps);
    assert_eq!(inv.capacity_providers.len(), 2, "one a region");
    let p = inv.capacity_providers.iter().find(|p| p.region == "eu-west-1").unwrap();
    assert_eq!((p.name.as_str(), p.account.as_str()), ("steady", ACCOUNT));
    assert_eq!(&*p.origin.resource, provider_arn("eu-west-1").as_str());
    assert_eq!(p.vpc.subnet_set(), [Value::id("subnet-eu-west-1-a")]);
    assert_eq!(p.vpc.sg_set(), [Value::id("sg-eu-west-1-shared")]);
    assert_eq!(p.max_vcpus, Some(64));
    assert_eq!(p.instance_types, ["m7g.xlarge"]);
    let on: Vec<(&str, &str)> = inv
        .functions
        .iter()
        .filter_map(|f| f.capacity_provider.as_ref().map(|v| (&*f.region, &*f.name, v)))
        .inspect(|(r, _, v)| assert_eq!(v.to_string(), provider_arn(r)))
        .map(|(r, n, _)| (r, n))
        .collect();
    assert_eq!(on, [("eu-west-1", "fn-001"), ("us-east-1", "fn-001")]);
    assert!(!c.notes.iter().any(|n| n.contains("ListCapacityProviders")), "{:?}", c.notes);
}

#[test]
fn denied_capacity_providers_are_a_gap() {
    let faults = Faults {
        denied: vec![("us-east-1", "lambda:ListCapacityProviders")],
        ..Default::default()
    };
    let c = run(&["us-east-1"], faults).expect("partial");
    let gaps = &c.inventory.gaps;
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0].operation, "lambda:ListCapacityProviders");
    assert!(gaps[0].error.contains("AccessDenied"), "{}", gaps[0].error);
    assert!(c.inventory.capacity_providers.is_empty());
    assert_eq!(c.inventory.functions.len(), FUNCTIONS);
}

#[test]
fn an_endpoint_without_capacity_providers_is_a_note() {
    let faults = Faults {
        providers_unknown: true,
        ..Default::default()
    };
    let c = run(&["us-east-1"], faults).expect("run");
    assert!(c.inventory.gaps.is_empty(), "{:?}", c.inventory.gaps);
    assert!(c.inventory.capacity_providers.is_empty());
    assert!(
        c.notes
            .iter()
            .any(|n| n.starts_with(&format!("{ACCOUNT}/us-east-1: lambda:ListCapacityProviders is not offered"))),
        "{:?}",
        c.notes
    );
}

#[test]
fn a_vpc_first_seen_on_a_later_page_is_read_too() {
    let c = run(
        &["us-east-1"],
        Faults {
            late_vpc: true,
            ..Default::default()
        },
    )
    .expect("clean run");
    let inv = &c.inventory;
    assert!(inv.gaps.is_empty(), "{:?}", inv.gaps);
    let late = &inv.subnets[&Value::id("subnet-us-east-1-late")];
    assert_eq!(late.vpc, Some(Value::id("vpc-us-east-1-late")));
    assert_eq!(late.az.as_deref(), Some("us-east-1c"));
    assert!(inv.vpcs.contains_key(&Value::id("vpc-us-east-1-late")));
    assert_eq!(inv.subnets.len(), 3);
    // The late VPC joins the first batch or gets its own: never one batch per page.
    let batches = c.operations["ec2:DescribeSubnets"];
    assert!((1..=2).contains(&batches), "{:?}", c.operations);
    assert_eq!(c.operations["ec2:DescribeSecurityGroups"], batches);
    assert_eq!(c.operations["ec2:DescribeRouteTables"], batches);
}

#[test]
fn throttling_and_5xx_give_the_same_result_as_a_clean_run() {
    let regions = ["us-east-1", "eu-west-1"];
    let clean = run(&regions, Faults::default()).expect("clean run");
    let flaky = run(
        &regions,
        Faults {
            flaky: true,
            ..Default::default()
        },
    )
    .expect("flaky run");
    assert!(
        flaky.inventory.gaps.is_empty(),
        "retries should absorb every fault: {:?}",
        flaky.inventory.gaps
    );
    assert_eq!(as_json(&clean), as_json(&flaky), "a throttled run must read the same inventory");
    assert_eq!(flaky.api_calls, clean.api_calls, "the same calls");
    assert_eq!(
        flaky.api_attempts,
        2 * flaky.api_calls,
        "every call was retried once: {} attempts",
        flaky.api_attempts
    );
}

#[test]
fn access_denied_on_one_region_is_a_named_gap() {
    let faults = Faults {
        denied: vec![("eu-west-1", "lambda:ListFunctions")],
        ..Default::default()
    };
    let c = run(&["us-east-1", "eu-west-1"], faults).expect("a partial inventory is still an inventory");
    let gaps = &c.inventory.gaps;
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!((gaps[0].account.as_str(), gaps[0].region.as_str()), (ACCOUNT, "eu-west-1"));
    assert_eq!(gaps[0].operation, "lambda:ListFunctions");
    assert!(gaps[0].error.contains("AccessDenied"), "{}", gaps[0].error);
    // us-east-1 is complete; eu-west-1 functions are not invented as "none".
    assert_eq!(
        c.inventory.functions.iter().filter(|f| &*f.region == "us-east-1").count(),
        FUNCTIONS
    );
    assert_eq!(c.inventory.functions.iter().filter(|f| &*f.region == "eu-west-1").count(), 0);
    assert_eq!(c.scopes.len(), 2, "the denied region is still a scope of the audit");
}

#[test]
fn access_denied_on_one_call_keeps_the_rest() {
    let faults = Faults {
        denied: vec![("us-east-1", "ec2:DescribeSecurityGroups")],
        ..Default::default()
    };
    let c = run(&["us-east-1"], faults).expect("partial");
    let gaps = &c.inventory.gaps;
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0].operation, "ec2:DescribeSecurityGroups");
    assert!(gaps[0].error.starts_with("UnauthorizedOperation"), "{}", gaps[0].error);
    assert!(c.inventory.security_groups.is_empty());
    assert_eq!(c.inventory.subnets.len(), 2);
    assert_eq!(c.inventory.functions.len(), FUNCTIONS);
    assert_eq!(c.inventory.enis.len(), 3);
}

#[test]
fn unreadable_quota_falls_back_to_the_default_without_a_gap() {
    let faults = Faults {
        denied: vec![("us-east-1", "servicequotas:GetServiceQuota")],
        ..Default::default()
    };
    let c = run(&["us-east-1"], faults).expect("run");
    assert!(c.inventory.gaps.is_empty(), "{:?}", c.inventory.gaps);
    let vpc = &c.inventory.vpcs[&Value::id("vpc-us-east-1")];
    assert_eq!((vpc.quota, vpc.quota_source), (Some(250), QuotaSource::Default));
    assert!(
        c.notes
            .iter()
            .any(|n| n.starts_with(&format!("{ACCOUNT}/us-east-1: ")) && n.contains("L-9FEE3D26") && n.contains("default 250")),
        "{:?}",
        c.notes
    );
}

#[test]
fn expired_credentials_are_a_clear_error() {
    let err = run(
        &["us-east-1"],
        Faults {
            expired: true,
            ..Default::default()
        },
    )
    .err()
    .expect("must fail");
    assert_eq!(err.exit_code(), 3);
    let msg = err.to_string();
    assert!(msg.contains("expired"), "{msg}");
    assert!(msg.contains("ExpiredToken"), "{msg}");
}

/// End to end: one region's ListFunctions is denied → exit 3, the gap named.
#[test]
fn cli_access_denied_region_exits_3_and_names_the_gap() {
    let moto = moto::Moto::start_with(&["--deny", "eu-west-1:lambda:ListFunctions"]);
    moto.seed(&["audit"]);
    let home = tempfile::tempdir().unwrap();
    let out = moto
        .eniplan(home.path())
        .args([
            "audit",
            "--endpoint-url",
            &moto.endpoint,
            "--region",
            "us-east-1",
            "--region",
            "eu-west-1",
        ])
        .args(["--format", "json", "--fail-on", "never"])
        .output()
        .unwrap();
    let report: Json =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(3), "a partial inventory exits 3");
    let gaps = report["incomplete"].as_array().expect("incomplete[]");
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0]["account"], moto::ACCOUNT);
    assert_eq!(gaps[0]["region"], "eu-west-1");
    assert_eq!(gaps[0]["operation"], "lambda:ListFunctions");
    assert!(gaps[0]["error"].as_str().unwrap().contains("AccessDenied"), "{}", gaps[0]);
    assert_eq!(report["summary"]["functions"], 130, "us-east-1 is still read");
}

/// End to end: no credentials anywhere → exit 3 with a message that says what to do.
#[test]
fn cli_missing_credentials_is_a_clear_error() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = assert_cmd::Command::cargo_bin("eniplan").unwrap();
    moto::isolate(&mut cmd, home.path());
    let out = cmd
        .args([
            "audit",
            "--region",
            "us-east-1",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--format",
            "json",
        ])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "stderr:\n{stderr}");
    assert!(stderr.contains("no usable AWS credentials"), "stderr:\n{stderr}");
    assert!(
        stderr.contains("--profile") || stderr.contains("AWS_PROFILE"),
        "says what to do:\n{stderr}"
    );
}

// Org-wide audits (`--org`): the caller (ACCOUNT) lists the organization and
// assumes a role in each member; every account reads the same mocked regions.

const MEMBERS: [&str; 2] = ["222233334444", "333344445555"];

/// How the Organizations listing and each member's AssumeRole answer.
#[derive(Default, Clone, Copy)]
struct OrgFaults {
    /// ListAccounts and AssumeRole are throttled once each, then succeed.
    throttled: bool,
    list_denied: bool,
    /// The member whose role cannot be assumed.
    assume_denied: Option<&'static str>,
    /// AssumeRole grants the shortest session STS allows, 15 minutes, a new
    /// access key each time, and every request the audit makes starts
    /// [`STEP`] seconds after the one before: the reads outlast the sessions.
    short_sessions: bool,
}

/// Seconds the clock moves on at each request, with `short_sessions`.
const STEP: u64 = 30;
/// STS's shortest session, in seconds.
const SHORTEST_SESSION: u64 = 900;
/// Where a request carries the clock of its start.
const CLOCK_HEADER: &str = "x-test-clock";

/// The clock every mocked client signs and caches with, moved on by the test.
#[derive(Debug, Clone, Default)]
struct Clock(Arc<AtomicU64>);

impl Clock {
    fn secs(&self) -> u64 {
        1_800_000_000 + self.0.load(Ordering::SeqCst)
    }
}

impl aws_smithy_async::time::TimeSource for Clock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.secs())
    }
}

/// The sessions AssumeRole granted, and each request's access key, the clock
/// when it was signed, and its operation.
#[derive(Debug, Clone, Default)]
struct Sessions {
    clock: Clock,
    /// Access key → (role ARN, expiry in seconds).
    granted: Arc<Mutex<BTreeMap<String, (String, u64)>>>,
    signed: Arc<Mutex<Vec<(String, u64, String)>>>,
}

impl Sessions {
    fn grant(&self, role: &str) -> aws_sdk_sts::types::Credentials {
        let mut granted = self.granted.lock().unwrap();
        let key = format!("ASIASESSION{:04}", granted.len());
        let expiry = self.clock.secs() + SHORTEST_SESSION;
        granted.insert(key.clone(), (role.to_string(), expiry));
        aws_sdk_sts::types::Credentials::builder()
            .access_key_id(key)
            .secret_access_key("secret")
            .session_token("token")
            .expiration(aws_sdk_sts::primitives::DateTime::from_secs(expiry as i64))
            .build()
            .unwrap()
    }
}

impl Intercept for Sessions {
    fn name(&self) -> &'static str {
        "Sessions"
    }

    fn read_before_execution(
        &self,
        _: &BeforeSerializationInterceptorContextRef<'_>,
        _: &mut aws_sdk_lambda::config::ConfigBag,
    ) -> Result<(), BoxError> {
        self.clock.0.fetch_add(STEP, Ordering::SeqCst);
        Ok(())
    }

    /// Stamps the request with the clock before its credentials are
    /// resolved: other requests move the clock on meanwhile, and credentials
    /// valid when resolved must not be judged by a later time.
    fn modify_before_retry_loop(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut aws_sdk_lambda::config::ConfigBag,
    ) -> Result<(), BoxError> {
        context
            .request_mut()
            .headers_mut()
            .insert(CLOCK_HEADER, self.clock.secs().to_string());
        Ok(())
    }

    fn read_after_signing(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut aws_sdk_lambda::config::ConfigBag,
    ) -> Result<(), BoxError> {
        let auth = context.request().headers().get("authorization").unwrap_or_default();
        let key = auth
            .split("Credential=")
            .nth(1)
            .and_then(|c| c.split('/').next())
            .unwrap_or_default();
        let operation = cfg.load::<Metadata>().map(|m| m.name().to_string()).unwrap_or_default();
        let at = context
            .request()
            .headers()
            .get(CLOCK_HEADER)
            .and_then(|t| t.parse().ok())
            .unwrap_or(u64::MAX);
        self.signed.lock().unwrap().push((key.to_string(), at, operation));
        Ok(())
    }
}

struct OrgFactory {
    inner: MockFactory,
    sts: aws_sdk_sts::Client,
    org: aws_sdk_organizations::Client,
    /// With `short_sessions`: the clock and what was signed with what.
    sessions: Option<Sessions>,
}

/// `$client` signing and caching with the test's clock, its requests recorded.
macro_rules! on_clock {
    ($sdk:ident, $client:expr, $sessions:expr) => {
        $sdk::Client::from_conf(
            $client
                .config()
                .to_builder()
                .time_source($sessions.clock.clone())
                .interceptor($sessions.clone())
                .build(),
        )
    };
}

impl OrgFactory {
    fn new(regions: &[&'static str], faults: OrgFaults) -> Self {
        use aws_sdk_organizations::operation::list_accounts::{ListAccountsInput, ListAccountsOutput};
        use aws_sdk_organizations::types::{Account, AccountState};
        use aws_sdk_sts::operation::assume_role::{AssumeRoleInput, AssumeRoleOutput};

        let throttled = (400, r#"{"__type":"TooManyRequestsException","Message":"AWS Organizations can't complete your request because another request is already in progress"}"#.to_string());
        let listing = move || {
            let account = |id: &str, name: &str| Account::builder().id(id).name(name).state(AccountState::Active).build();
            let mut accounts = vec![account(ACCOUNT, "management")];
            accounts.extend(MEMBERS.iter().map(|m| account(m, &format!("member-{m}"))));
            accounts.push(
                Account::builder()
                    .id("444455556666")
                    .name("closed")
                    .state(AccountState::Closed)
                    .build(),
            );
            ListAccountsOutput::builder().set_accounts(Some(accounts)).build()
        };
        let list = mock!(aws_sdk_organizations::Client::list_accounts).match_requests(|_: &ListAccountsInput| true);
        let list = if faults.list_denied {
            let body = r#"{"__type":"AccessDeniedException","Message":"You don't have permissions to access this resource."}"#;
            list.sequence().http_status(400, Some(body.into())).repeatedly().build()
        } else if faults.throttled {
            list.sequence()
                .http_status(throttled.0, Some(throttled.1.clone()))
                .output(listing)
                .build()
        } else {
            list.then_output(listing)
        };
        let org = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, &[list], |c| c.retry_config(retry()));

        let sessions = faults.short_sessions.then(Sessions::default);
        let grants = sessions.clone();
        let granted = move || {
            let c = match &grants {
                Some(s) => s.grant("a member's role"),
                None => aws_sdk_sts::types::Credentials::builder()
                    .access_key_id("ASIAMEMBER")
                    .secret_access_key("secret")
                    .session_token("token")
                    .expiration(aws_sdk_sts::primitives::DateTime::from_secs(4_102_444_800))
                    .build()
                    .unwrap(),
            };
            AssumeRoleOutput::builder().credentials(c).build()
        };
        let denied = faults.assume_denied.unwrap_or("none");
        let sts_throttled =
            "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>";
        let mut rules = vec![mock!(aws_sdk_sts::Client::assume_role)
            .match_requests(move |r: &AssumeRoleInput| r.role_arn().is_some_and(|a| a.contains(denied)))
            .sequence()
            .http_status(403, Some(access_denied("sts").1))
            .repeatedly()
            .build()];
        let assume = mock!(aws_sdk_sts::Client::assume_role).match_requests(|_: &AssumeRoleInput| true);
        rules.push(if faults.throttled {
            assume
                .sequence()
                .http_status(400, Some(sts_throttled.into()))
                .output(granted)
                .repeatedly()
                .build()
        } else {
            assume.then_output(granted)
        });
        rules.push(
            mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| GetCallerIdentityOutput::builder().account(ACCOUNT).build()),
        );
        let sts = mock_client!(aws_sdk_sts, RuleMode::MatchAny, &rules, |c| c.retry_config(retry()));
        OrgFactory {
            inner: MockFactory::new(regions, &Faults::default()),
            sts,
            org,
            sessions,
        }
    }
}

impl ClientFactory for OrgFactory {
    fn clients(&self, target: &Target, region: &str) -> Clients {
        let c = Clients {
            sts: self.sts.clone(),
            ..self.inner.clients(target, region)
        };
        let Some(s) = &self.sessions else { return c };
        Clients {
            sts: on_clock!(aws_sdk_sts, c.sts, s),
            lambda: on_clock!(aws_sdk_lambda, c.lambda, s),
            ec2: on_clock!(aws_sdk_ec2, c.ec2, s),
            quotas: on_clock!(aws_sdk_servicequotas, c.quotas, s),
        }
    }

    fn organizations(&self, _region: &str) -> Option<aws_sdk_organizations::Client> {
        Some(self.org.clone())
    }
}

#[allow(clippy::result_large_err)] // the collector's own signature
fn run_org(regions: &[&'static str], faults: OrgFaults) -> Result<Collected, Failure> {
    let opts = AwsOptions {
        regions: regions.iter().map(|r| r.to_string()).collect(),
        org: Some(eniplan::source::aws::OrgOptions::default()),
        ..Default::default()
    };
    collect_with(&OrgFactory::new(regions, faults), &opts)
}

#[test]
fn org_audit_reads_every_active_account_once() {
    let c = run_org(&["us-east-1"], OrgFaults::default()).expect("clean org run");
    assert!(c.inventory.gaps.is_empty(), "{:?}", c.inventory.gaps);
    let accounts: std::collections::BTreeSet<&str> = c.scopes.iter().map(|s| s.account.as_str()).collect();
    assert_eq!(
        accounts,
        [ACCOUNT, MEMBERS[0], MEMBERS[1]].into_iter().collect(),
        "the closed account is left out"
    );
    assert_eq!(c.inventory.functions.len(), 3 * FUNCTIONS);
    let ops = &c.operations;
    assert_eq!(ops["organizations:ListAccounts"], 1);
    assert_eq!(
        ops["sts:AssumeRole"], 2,
        "the caller's own account is read with its own credentials"
    );
    assert_eq!(c.account_names[MEMBERS[0]], format!("member-{}", MEMBERS[0]));
    // The names go into the snapshot, and come back out of it.
    let saved = serde_json::to_vec(&snapshot::from_inventory(&c.inventory, c.scopes.clone(), c.api_calls)).unwrap();
    let names: Json = serde_json::from_slice::<Json>(&saved).unwrap()["accounts"].clone();
    assert_eq!(names.as_array().map(Vec::len), Some(3), "{names}");
    assert_eq!(
        names[1],
        serde_json::json!({"id": MEMBERS[0], "name": format!("member-{}", MEMBERS[0])})
    );
    let (back, _) = snapshot::from_bytes("org.json", saved).unwrap();
    assert_eq!(back.account_names, c.account_names);
}

#[test]
fn org_throttling_on_list_accounts_and_assume_role_is_retried() {
    let clean = run_org(&["us-east-1"], OrgFaults::default()).expect("clean org run");
    let throttled = run_org(
        &["us-east-1"],
        OrgFaults {
            throttled: true,
            ..Default::default()
        },
    )
    .expect("throttled org run");
    assert!(throttled.inventory.gaps.is_empty(), "{:?}", throttled.inventory.gaps);
    assert_eq!(as_json(&clean), as_json(&throttled), "a throttled run reads the same inventory");
    assert_eq!(throttled.api_calls, clean.api_calls, "the same calls");
    assert_eq!(
        throttled.api_attempts,
        clean.api_attempts + 2,
        "ListAccounts and one AssumeRole were retried"
    );
}

#[test]
fn org_access_denied_on_list_accounts_is_a_clear_error() {
    let err = run_org(
        &["us-east-1"],
        OrgFaults {
            list_denied: true,
            ..Default::default()
        },
    )
    .err()
    .expect("an organization that cannot be listed is not an audit");
    let text = err.to_string();
    assert_eq!(err.exit_code(), 3, "{text}");
    assert!(text.contains("organizations:ListAccounts"), "{text}");
    assert!(text.contains("AccessDenied"), "{text}");
    assert!(text.contains("management account"), "says where to run it: {text}");
}

#[test]
fn org_access_denied_on_assume_role_is_a_gap_and_the_others_are_read() {
    let c = run_org(
        &["us-east-1", "eu-west-1"],
        OrgFaults {
            assume_denied: Some(MEMBERS[1]),
            ..Default::default()
        },
    )
    .expect("one refused role leaves the rest readable");
    let gaps = &c.inventory.gaps;
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(gaps[0].account, MEMBERS[1]);
    assert_eq!(gaps[0].operation, "sts:AssumeRole");
    assert!(gaps[0].error.contains("AccessDenied"), "{}", gaps[0].error);
    assert!(gaps[0].error.contains("OrganizationAccountAccessRole"), "{}", gaps[0].error);
    assert!(c.scopes.iter().all(|s| s.account != MEMBERS[1]));
    for a in [ACCOUNT, MEMBERS[0]] {
        let n = c.inventory.functions.iter().filter(|f| &*f.account == a).count();
        assert_eq!(n, 2 * FUNCTIONS, "{a} is read in full in both regions");
    }
}

#[test]
fn assumed_roles_are_renewed_when_the_reads_outlast_the_session() {
    let regions = ["us-east-1", "eu-west-1"];
    let clean = run_org(&regions, OrgFaults::default()).expect("clean org run");
    let opts = AwsOptions {
        regions: regions.iter().map(|r| r.to_string()).collect(),
        org: Some(eniplan::source::aws::OrgOptions::default()),
        ..Default::default()
    };
    let factory = OrgFactory::new(
        &regions,
        OrgFaults {
            short_sessions: true,
            ..Default::default()
        },
    );
    let c = collect_with(&factory, &opts).expect("an org run with short sessions");
    assert!(c.inventory.gaps.is_empty(), "{:?}", c.inventory.gaps);
    assert_eq!(as_json(&clean), as_json(&c), "every account is read in full");

    let sessions = factory.sessions.unwrap();
    let granted = sessions.granted.lock().unwrap().clone();
    let signed = sessions.signed.lock().unwrap().clone();
    let (start, end) = (signed.first().unwrap().1, signed.last().unwrap().1);
    assert!(end - start > 2 * SHORTEST_SESSION, "the run outlasts a session: {}s", end - start);
    // AWS refuses a request signed with an expired token (ExpiredToken): none is sent.
    let mut by_member = 0;
    for (key, at, _) in &signed {
        let Some((_, expiry)) = granted.get(key) else { continue };
        by_member += 1;
        assert!(at < expiry, "{key} expired at {expiry} but signed a request at {at}");
    }
    assert!(by_member > 0, "the members are read through their roles");
    let used: std::collections::BTreeSet<&String> = signed.iter().map(|(k, ..)| k).filter(|k| granted.contains_key(*k)).collect();
    assert!(
        used.len() > MEMBERS.len(),
        "reads after the first sessions ended used renewed credentials: {used:?}"
    );
    assert_eq!(c.operations["sts:AssumeRole"], granted.len() as u64, "every renewal is counted");
}

/// `check --live --org`: the provisioned concurrency of the deploy's functions
/// is read in every account that has them, through that account's role.
#[test]
fn org_check_reads_the_deploys_provisioned_concurrency_in_each_account() {
    let regions = ["us-east-1"];
    let opts = AwsOptions {
        regions: regions.iter().map(|r| r.to_string()).collect(),
        org: Some(eniplan::source::aws::OrgOptions::default()),
        warm_functions: ["fn-000", "not-in-any-account"].into_iter().map(String::from).collect(),
        ..Default::default()
    };
    let faults = OrgFaults {
        short_sessions: true,
        ..Default::default()
    };
    let factory = OrgFactory::new(&regions, faults);
    let c = collect_with(&factory, &opts).expect("an org check");
    assert!(c.inventory.gaps.is_empty(), "{:?}", c.inventory.gaps);
    assert_eq!(
        c.operations.get("lambda:ListProvisionedConcurrencyConfigs"),
        Some(&3),
        "fn-000 in each of the three accounts, nothing else: {:?}",
        c.operations
    );
    /// (account, [(qualifier, environments)]) of each function kept warm.
    type Warmed<'a> = Vec<(&'a str, Vec<(&'a str, Option<u32>)>)>;
    let warm: Warmed = c
        .inventory
        .functions
        .iter()
        .filter(|f| !f.warm.is_empty())
        .map(|f| (&*f.account, f.warm.iter().map(|w| (w.qualifier.as_str(), w.environments)).collect()))
        .collect();
    let want: Warmed = [ACCOUNT, MEMBERS[0], MEMBERS[1]]
        .into_iter()
        .map(|a| (a, vec![("prod", Some(5))]))
        .collect();
    assert_eq!(warm, want);

    // The members' reads are signed with their roles' credentials, the caller's with its own.
    let sessions = factory.sessions.unwrap();
    let granted = sessions.granted.lock().unwrap().clone();
    let signed = sessions.signed.lock().unwrap().clone();
    let reads: Vec<bool> = signed
        .iter()
        .filter(|(_, _, op)| op == "ListProvisionedConcurrencyConfigs")
        .map(|(key, ..)| granted.contains_key(key))
        .collect();
    assert_eq!(reads.len(), 3);
    assert_eq!(reads.iter().filter(|assumed| **assumed).count(), 2, "{signed:?}");
}
