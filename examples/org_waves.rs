//! Benchmark helper: the org-wide audit's scheduling alone, against mocked
//! AWS clients (aws-smithy-mocks) that answer every call after a fixed round
//! trip and cost no server time. `bench/org.sh` runs it beside the moto
//! measurement, whose single Python server is the bottleneck there.
//!
//! An organization of A accounts, each with F functions in each of 2 regions
//! (⌈F/50⌉ pages), one VPC, two subnets, one group. Prints the wall time of
//! one account alone (through `--org --org-ou` of a one-account OU is not
//! needed: `--exclude-account` every other) and of the whole org at
//! `--concurrency C`, and the API calls of each.
//!
//!     cargo run --release --example org_waves -- [A] [F] [C] [LATENCY_MS]

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_ec2::operation::describe_network_interfaces::DescribeNetworkInterfacesOutput;
use aws_sdk_ec2::operation::describe_route_tables::DescribeRouteTablesOutput;
use aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsOutput;
use aws_sdk_ec2::operation::describe_subnets::DescribeSubnetsOutput;
use aws_sdk_ec2::types::{SecurityGroup, Subnet};
use aws_sdk_lambda::operation::list_functions::{ListFunctionsInput, ListFunctionsOutput};
use aws_sdk_lambda::types::{FunctionConfiguration, VpcConfigResponse};
use aws_sdk_organizations::operation::list_accounts::ListAccountsOutput;
use aws_sdk_organizations::types::{Account, AccountState};
use aws_sdk_servicequotas::operation::get_service_quota::GetServiceQuotaOutput;
use aws_sdk_servicequotas::types::ServiceQuota;
use aws_sdk_sts::operation::assume_role::AssumeRoleOutput;
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
use aws_smithy_mocks::{create_mock_http_client, mock, mock_client, RuleMode};
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use eniplan::source::aws::{collect_with, AwsOptions, ClientFactory, Clients, OrgOptions, Target};

const CALLER: &str = "100000000000";
const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];

/// The mock HTTP client, answering each request after `delay`.
#[derive(Debug, Clone)]
struct Delayed {
    inner: SharedHttpClient,
    delay: Duration,
}

#[derive(Debug)]
struct DelayedConnector {
    inner: SharedHttpConnector,
    delay: Duration,
}

impl HttpClient for Delayed {
    fn http_connector(&self, settings: &HttpConnectorSettings, components: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(DelayedConnector {
            inner: self.inner.http_connector(settings, components),
            delay: self.delay,
        })
    }
}

impl HttpConnector for DelayedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let answer = self.inner.call(request);
        let delay = self.delay;
        HttpConnectorFuture::new(async move {
            tokio::time::sleep(delay).await;
            answer.await
        })
    }
}

struct Mocked {
    clients: std::collections::BTreeMap<&'static str, Clients>,
    org: aws_sdk_organizations::Client,
}

impl ClientFactory for Mocked {
    fn clients(&self, _: &Target, region: &str) -> Clients {
        self.clients[region].clone()
    }

    fn organizations(&self, _: &str) -> Option<aws_sdk_organizations::Client> {
        Some(self.org.clone())
    }
}

fn region(region: &'static str, functions: usize, http: &Delayed) -> Clients {
    let vpc = format!("vpc-{region}");
    let subnets = [format!("subnet-{region}-a"), format!("subnet-{region}-b")];
    let page = {
        let (vpc, subnets) = (vpc.clone(), subnets.clone());
        move |start: usize| {
            let end = (start + 50).min(functions);
            let fns = (start..end).map(|i| {
                FunctionConfiguration::builder()
                    .function_name(format!("fn-{i:05}"))
                    .function_arn(format!("arn:aws:lambda:{region}:{CALLER}:function:fn-{i:05}"))
                    .version("$LATEST")
                    .vpc_config(
                        VpcConfigResponse::builder()
                            .set_subnet_ids(Some(subnets.to_vec()))
                            .security_group_ids(format!("sg-{region}"))
                            .vpc_id(&vpc)
                            .build(),
                    )
                    .build()
            });
            let next = (end < functions).then(|| end.to_string());
            ListFunctionsOutput::builder()
                .set_functions(Some(fns.collect()))
                .set_next_marker(next)
                .build()
        }
    };
    let mut pages: Vec<_> = (0..functions.div_ceil(50).max(1))
        .map(|p| {
            let page = page.clone();
            let marker = (p > 0).then(|| (p * 50).to_string());
            mock!(aws_sdk_lambda::Client::list_functions)
                .match_requests(move |r: &ListFunctionsInput| r.marker() == marker.as_deref())
                .then_output(move || page(p * 50))
        })
        .collect();
    pages.push(mock!(aws_sdk_lambda::Client::list_capacity_providers).then_output(|| {
        aws_sdk_lambda::operation::list_capacity_providers::ListCapacityProvidersOutput::builder()
            .set_capacity_providers(Some(vec![]))
            .build()
            .expect("an empty list")
    }));
    let with = |delay: &Delayed| delay.clone();
    let lambda = mock_client!(aws_sdk_lambda, RuleMode::MatchAny, &pages, |c| c.http_client(with(http)));
    let ec2_rules = [
        mock!(aws_sdk_ec2::Client::describe_network_interfaces).then_output(|| DescribeNetworkInterfacesOutput::builder().build()),
        mock!(aws_sdk_ec2::Client::describe_subnets).then_output(move || {
            let s = |az: &str| {
                Subnet::builder()
                    .subnet_id(format!("subnet-{region}-{az}"))
                    .vpc_id(format!("vpc-{region}"))
                    .availability_zone(format!("{region}{az}"))
                    .cidr_block("10.0.0.0/24")
                    .available_ip_address_count(200)
                    .build()
            };
            DescribeSubnetsOutput::builder().subnets(s("a")).subnets(s("b")).build()
        }),
        mock!(aws_sdk_ec2::Client::describe_security_groups).then_output(move || {
            let g = SecurityGroup::builder()
                .group_id(format!("sg-{region}"))
                .vpc_id(format!("vpc-{region}"))
                .build();
            DescribeSecurityGroupsOutput::builder().security_groups(g).build()
        }),
        mock!(aws_sdk_ec2::Client::describe_route_tables).then_output(|| DescribeRouteTablesOutput::builder().build()),
    ];
    let ec2 = mock_client!(aws_sdk_ec2, RuleMode::MatchAny, &ec2_rules, |c| c.http_client(with(http)));
    let quota = [mock!(aws_sdk_servicequotas::Client::get_service_quota).then_output(|| {
        GetServiceQuotaOutput::builder()
            .quota(ServiceQuota::builder().value(250.0).build())
            .build()
    })];
    let quotas = mock_client!(aws_sdk_servicequotas, RuleMode::MatchAny, &quota, |c| c.http_client(with(http)));
    let sts_rules = [
        mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| GetCallerIdentityOutput::builder().account(CALLER).build()),
        mock!(aws_sdk_sts::Client::assume_role).then_output(|| {
            let c = aws_sdk_sts::types::Credentials::builder()
                .access_key_id("ASIAMEMBER")
                .secret_access_key("secret")
                .session_token("token")
                .expiration(aws_sdk_sts::primitives::DateTime::from_secs(4_102_444_800))
                .build()
                .expect("credentials");
            AssumeRoleOutput::builder().credentials(c).build()
        }),
    ];
    let sts = mock_client!(aws_sdk_sts, RuleMode::MatchAny, &sts_rules, |c| c.http_client(with(http)));
    Clients { sts, lambda, ec2, quotas }
}

fn main() {
    let arg = |i: usize, default: u64| std::env::args().nth(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (accounts, functions, concurrency, latency) = (arg(1, 50), arg(2, 200), arg(3, 16), arg(4, 20));
    let http = Delayed {
        inner: create_mock_http_client(),
        delay: Duration::from_millis(latency),
    };
    let ids: Arc<Vec<String>> = Arc::new((0..accounts).map(|i| format!("{:012}", 100_000_000_000 + i)).collect());
    let listing = {
        let ids = ids.clone();
        move || {
            let accounts = ids.iter().map(|id| {
                Account::builder()
                    .id(id)
                    .name(format!("acct-{id}"))
                    .state(AccountState::Active)
                    .build()
            });
            ListAccountsOutput::builder().set_accounts(Some(accounts.collect())).build()
        }
    };
    let list = [mock!(aws_sdk_organizations::Client::list_accounts).then_output(listing)];
    let org = mock_client!(aws_sdk_organizations, RuleMode::MatchAny, &list, |c| c.http_client(http.clone()));
    let factory = Mocked {
        clients: REGIONS.iter().map(|r| (*r, region(r, functions as usize, &http))).collect(),
        org,
    };
    let run = |exclude: Vec<String>| {
        let opts = AwsOptions {
            regions: REGIONS.iter().map(|r| r.to_string()).collect(),
            org: Some(OrgOptions {
                exclude,
                concurrency: concurrency as usize,
                ..OrgOptions::default()
            }),
            ..Default::default()
        };
        let start = Instant::now();
        let c = collect_with(&factory, &opts).expect("mocked org audit");
        assert!(c.inventory.gaps.is_empty(), "{:?}", c.inventory.gaps);
        (start.elapsed().as_secs_f64(), c.api_calls, c.scopes.len())
    };
    // One member account alone: every other account (the caller too) left out.
    let (one, one_calls, _) = run(ids.iter().filter(|id| **id != ids[1]).cloned().collect());
    let (all, all_calls, scopes) = run(Vec::new());
    let waves = accounts.div_ceil(concurrency);
    println!(
        "{{\"accounts\": {accounts}, \"functions\": {functions}, \"concurrency\": {concurrency}, \"latency_ms\": {latency}, \
         \"one_account_s\": {one:.3}, \"one_account_calls\": {one_calls}, \"org_s\": {all:.3}, \"org_calls\": {all_calls}, \
         \"org_scopes\": {scopes}, \"waves\": {waves}, \"ratio\": {:.2}}}",
        all / (waves as f64 * one)
    );
}
