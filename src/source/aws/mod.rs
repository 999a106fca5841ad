//! Live, read-only account collector (feature `aws`).
//!
//! For every account (the caller's own, or one per `--role-arn`) and every
//! region it reads, all read-only:
//!
//! - STS `GetCallerIdentity` (the account ID), and with `--all-regions` EC2
//!   `DescribeRegions` (the regions enabled for the account);
//! - Lambda `ListFunctions` with `FunctionVersion=ALL`, 50 a page, to the end;
//! - EC2 `DescribeNetworkInterfaces` with `interface-type=lambda`, region-wide;
//! - EC2 `DescribeSubnets`, `DescribeSecurityGroups`, `DescribeRouteTables`
//!   and `DescribeNetworkInterfaces` (the VPCs' other ENIs, counted) filtered
//!   by `vpc-id` for the VPCs the functions and ENIs are in (≤ 200 values a filter);
//! - Lambda `ListCapacityProviders`, to the end (see [`capacity`]);
//! - Service Quotas `GetServiceQuota` `lambda`/`L-9FEE3D26` (unreadable: the
//!   default 250, marked [`QuotaSource::Default`], and a note — not a gap);
//! - Lambda `ListAliases`, only for functions whose published versions have a
//!   VPC configuration different from `$LATEST` (the ones that can pin a
//!   combination of their own); every other version's `aliases` stays empty;
//! - with `--with-state`, Lambda `GetFunctionConfiguration` for each VPC
//!   function's `$LATEST`;
//! - for `check --live`, Lambda `ListProvisionedConcurrencyConfigs` for each
//!   of the deploy's functions the account has (`warm_functions`), no other.
//!
//! Accounts and (account, region) scopes run concurrently, at most
//! `concurrency` at a time; within a scope, `ListFunctions` runs beside the
//! ENI and quota reads, pages strictly one after the other. Retries are the
//! SDK's: standard mode with 3 attempts unless `AWS_RETRY_MODE`
//! (`standard`/`adaptive`) and `AWS_MAX_ATTEMPTS`, or `retry_mode` and
//! `max_attempts` in the profile, say otherwise. Any call that still fails becomes a
//! [`Gap`] in `inventory.gaps` — unreadable is never read as empty.
//!
//! When no account can be identified at all (no credentials, expired or
//! invalid credentials, every role refused) `collect` returns
//! [`Failure::Incomplete`] (exit code 3) with a message that says what to fix.

mod capacity;
mod clients;
mod ec2;
mod errors;
mod gathered;
mod identity;
mod lambda;
mod network;
mod org;
mod other_enis;
mod progress;
mod quotas;
mod stats;
mod warm;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

pub use clients::{ClientFactory, Clients, SdkFactory, Target};
use gathered::Gathered;
pub use org::{OrgOptions, DEFAULT_ORG_CONCURRENCY, DEFAULT_ORG_ROLE};
pub use stats::{iam_action, Stats};

use crate::error::Failure;
use crate::model::{
    CapacityProvider, Function, Gap, Inventory, ObservedEni, Origin, QuotaSource, Scope, SecurityGroup, Subnet, Value, Vpc,
    DEFAULT_ENI_QUOTA,
};
use network::{Found, Network};
use progress::Progress;

/// How many scopes (account × region) are read at once, by default.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// How many `GetFunctionConfiguration`/`ListAliases` calls run at once in one scope.
pub const PER_SCOPE_CONCURRENCY: usize = 8;

/// What `eniplan audit` passes to the collector.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub regions: Vec<String>,
    pub all_regions: bool,
    pub role_arns: Vec<String>,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
    pub endpoint_url: Option<String>,
    pub with_state: bool,
    /// `check --live`: the deploy's function names, whose provisioned
    /// concurrency is read where the account has them.
    pub warm_functions: std::collections::BTreeSet<String>,
    /// Subnet IDs a deploy names (`check --live`): looked up in each region
    /// read, and their VPCs read too, so a VPC no function of the account uses
    /// yet still has its other ENIs counted.
    pub also_subnets: Vec<String>,
    /// Show a progress bar (only when stderr is a terminal).
    pub progress: bool,
    /// Audit the organization's accounts (see [`org`]).
    pub org: Option<OrgOptions>,
}

/// The result of a live read. `inventory.gaps` lists what could not be read.
pub struct Collected {
    pub inventory: Inventory,
    /// Every (account, region) read, sorted.
    pub scopes: Vec<Scope>,
    /// API calls made (one per request the collector issued, retries not counted).
    pub api_calls: u64,
    /// HTTP attempts, retries included.
    pub api_attempts: u64,
    /// Calls per IAM action (`lambda:ListFunctions` → 41). `sts:AssumeRole`,
    /// made by the credentials provider, appears with 0.
    pub operations: BTreeMap<String, u64>,
    /// Things the report should say that are not gaps: a quota that fell back
    /// to the default, which functions had their aliases read.
    pub notes: Vec<String>,
    /// Account ID → name, for the accounts Organizations named (`--org`).
    pub account_names: BTreeMap<String, String>,
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Io(format!("cannot start the async runtime: {e}")))
}

/// Reads the accounts and regions `opts` names with the standard credential chain.
pub fn collect(opts: &AwsOptions) -> Result<Collected, Failure> {
    runtime()?.block_on(async {
        let factory = SdkFactory::load(opts).await;
        run(&factory, opts).await
    })
}

/// [`collect`] with clients from `factory` (tests inject mocked clients here).
pub fn collect_with(factory: &dyn ClientFactory, opts: &AwsOptions) -> Result<Collected, Failure> {
    runtime()?.block_on(run(factory, opts))
}

/// Pages `ListFunctions` (`FunctionVersion=ALL`, 50 a page) in every region
/// `opts` names, with the same clients and concurrency as [`collect`], and
/// nothing else. For the benchmark: the floor the audit is measured against.
/// Returns (pages, items).
pub fn list_function_pages(opts: &AwsOptions) -> Result<(u64, u64), Failure> {
    runtime()?.block_on(async {
        let factory = SdkFactory::load(opts).await;
        let stats = Stats::new();
        let regions = regions_to_read(opts, factory.configured_region())?;
        let targets = targets(opts);
        let sem = Arc::new(Semaphore::new(DEFAULT_CONCURRENCY));
        let mut set = JoinSet::new();
        for t in &targets {
            for r in &regions {
                let c = factory.clients(t, r).instrumented(&stats);
                let sem = sem.clone();
                let r = r.clone();
                set.spawn(async move {
                    let _p = sem.acquire_owned().await;
                    lambda::list_functions(&c.lambda, "", &r, &Progress::silent(), |_| {}).await
                });
            }
        }
        let mut items = 0u64;
        while let Some(j) = set.join_next().await {
            let (functions, err) = j.map_err(|e| Failure::Io(e.to_string()))?;
            if let Some(e) = err {
                return Err(Failure::Incomplete(format!("lambda:ListFunctions: {e}")));
            }
            items += functions.iter().map(|f| f.versions.len() as u64).sum::<u64>();
        }
        Ok((stats.calls(), items))
    })
}

fn targets(opts: &AwsOptions) -> Vec<Target> {
    if opts.role_arns.is_empty() {
        return vec![Target::own()];
    }
    let mut seen = BTreeSet::new();
    opts.role_arns
        .iter()
        .filter(|r| seen.insert(r.as_str()))
        .map(Target::role)
        .collect()
}

/// `--region`s in order without repeats, else the configured region.
fn regions_to_read(opts: &AwsOptions, configured: Option<String>) -> Result<Vec<String>, Failure> {
    let mut seen = BTreeSet::new();
    let mut regions: Vec<String> = opts.regions.iter().filter(|r| seen.insert(r.as_str())).cloned().collect();
    if regions.is_empty() {
        regions.extend(configured);
    }
    if regions.is_empty() && !opts.all_regions {
        return Err(Failure::Usage(
            "no AWS region: pass --region (repeatable) or --all-regions, set AWS_REGION, or set a region in the profile".into(),
        ));
    }
    Ok(regions)
}

/// One account after `GetCallerIdentity`.
struct Account {
    target: Target,
    id: String,
    regions: Vec<String>,
}

/// What one (account, region) scope read.
struct ScopeData {
    scope: Scope,
    functions: Vec<Function>,
    subnets: Vec<Subnet>,
    security_groups: Vec<SecurityGroup>,
    vpcs: Vec<Vpc>,
    enis: Vec<ObservedEni>,
    capacity_providers: Vec<CapacityProvider>,
    gaps: Vec<Gap>,
    /// Why `ListCapacityProviders` is not offered here, when it is not.
    providers_unoffered: Option<String>,
    /// Why the ENI quota could not be read, when the default stands in for it.
    quota_unread: Option<String>,
}

/// The account label of a scope read before GetCallerIdentity answered.
const PENDING: &str = "(pending GetCallerIdentity)";

impl ScopeData {
    /// Puts the account ID, once known, on everything the scope read: all of
    /// it belongs to that account.
    fn relabel(&mut self, account: &str) {
        self.scope.account = account.to_string();
        let shared: std::sync::Arc<str> = account.into();
        for f in &mut self.functions {
            f.account = shared.clone();
        }
        let fields = self.enis.iter_mut().map(|e| &mut e.account);
        let fields = fields.chain(self.capacity_providers.iter_mut().map(|p| &mut p.account));
        for field in fields.chain(self.gaps.iter_mut().map(|g| &mut g.account)) {
            *field = account.to_string();
        }
    }
}

/// Starts scope reads: one task per region, bounded by the shared semaphore.
struct ScopeReads<'a> {
    factory: &'a dyn ClientFactory,
    stats: &'a Stats,
    progress: &'a Progress,
    sem: Arc<Semaphore>,
    with_state: bool,
    also_subnets: Arc<[String]>,
}

impl ScopeReads<'_> {
    fn spawn(&self, set: &mut JoinSet<ScopeData>, target: &Target, account: &str, regions: &[String]) {
        self.progress.add_scopes(regions.len() as u64);
        for r in regions {
            let c = self.factory.clients(target, r).instrumented(self.stats);
            let scope = Scope {
                account: account.to_string(),
                region: r.clone(),
            };
            let (sem, progress, with_state) = (self.sem.clone(), self.progress.clone(), self.with_state);
            let also = self.also_subnets.clone();
            set.spawn(async move {
                let _p = sem.acquire_owned().await;
                let data = read_scope(&c, scope, with_state, &also, &progress).await;
                progress.scope_done();
                data
            });
        }
    }
}

fn gap(account: &str, region: &str, operation: &str, error: impl Into<String>) -> Gap {
    Gap {
        account: account.to_string(),
        region: region.to_string(),
        operation: operation.to_string(),
        error: error.into(),
    }
}

async fn run(factory: &dyn ClientFactory, opts: &AwsOptions) -> Result<Collected, Failure> {
    if let Some(org) = &opts.org {
        return org::run(factory, opts, org).await;
    }
    let stats = Stats::new();
    let progress = Progress::new(opts.progress, &stats);
    let limit = DEFAULT_CONCURRENCY;
    let regions = regions_to_read(opts, factory.configured_region())?;
    let home = regions.first().cloned().unwrap_or_else(|| "us-east-1".to_string());
    let targets = targets(opts);
    let mut gaps = Vec::new();
    let mut notes = Vec::new();
    let sem = Arc::new(Semaphore::new(limit));
    let reader = ScopeReads {
        factory,
        stats: &stats,
        progress: &progress,
        sem: sem.clone(),
        with_state: opts.with_state,
        also_subnets: opts.also_subnets.clone().into(),
    };

    // With one target and known regions, nothing waits for the account ID:
    // the regions are read while GetCallerIdentity runs, and the ID is
    // filled in when it answers. That saves a round trip before the first page.
    let early = !opts.all_regions && targets.len() == 1;
    let mut reads = JoinSet::new();
    if early {
        reader.spawn(&mut reads, &targets[0], PENDING, &regions);
    }

    // 1. Who each target is (and, with --all-regions, where it runs).
    let mut set = JoinSet::new();
    for (i, t) in targets.iter().enumerate() {
        if t.role_arn.is_some() {
            stats.record_external("sts:AssumeRole");
        }
        let c = factory.clients(t, &home).instrumented(&stats);
        let all = opts.all_regions;
        // Early reads may hold every permit; the one identity call must not wait behind them.
        let sem = (!early).then(|| sem.clone());
        set.spawn(async move {
            let _p = match sem {
                Some(sem) => Some(sem.acquire_owned().await),
                None => None,
            };
            let id = identity::account_id(&c.sts).await;
            let found = match (&id, all) {
                (Ok(_), true) => Some(ec2::enabled_regions(&c.ec2).await),
                _ => None,
            };
            (i, id, found)
        });
    }
    let mut identified: Vec<Option<Account>> = targets.iter().map(|_| None).collect();
    let mut refused: Vec<(String, String)> = Vec::new();
    while let Some(joined) = set.join_next().await {
        let (i, id, found) = joined.map_err(|e| Failure::Io(format!("internal error: {e}")))?;
        let target = &targets[i];
        let label = match &target.role_arn {
            Some(r) => identity::role_account(r).unwrap_or(r).to_string(),
            None => "unknown".to_string(),
        };
        match id {
            Err(e) => {
                let op = if target.role_arn.is_some() && (e.contains("AssumeRole") || errors::is_credential_problem(&e)) {
                    "sts:AssumeRole"
                } else {
                    "sts:GetCallerIdentity"
                };
                gaps.push(gap(&label, &home, op, e.clone()));
                refused.push((target.role_arn.clone().unwrap_or_else(|| "the default credentials".into()), e));
            }
            Ok(account) => {
                let mut account_regions = regions.clone();
                match found {
                    Some(Ok(list)) if !list.is_empty() => account_regions = list,
                    Some(Ok(_)) => {}
                    Some(Err(e)) => gaps.push(gap(&account, &home, "ec2:DescribeRegions", e)),
                    None => {}
                }
                identified[i] = Some(Account {
                    target: target.clone(),
                    id: account,
                    regions: account_regions,
                });
            }
        }
    }
    let mut accounts: Vec<Account> = Vec::new();
    for a in identified.into_iter().flatten() {
        if accounts.iter().any(|b| b.id == a.id) {
            notes.push(format!(
                "account {} is reachable through more than one role; it is read once, through {}",
                a.id,
                accounts
                    .iter()
                    .find(|b| b.id == a.id)
                    .and_then(|b| b.target.role_arn.clone())
                    .unwrap_or_default()
            ));
            continue;
        }
        accounts.push(a);
    }
    if accounts.is_empty() {
        reads.abort_all();
        progress.finish();
        return Err(no_account(&refused));
    }

    // 2. Every (account, region), concurrently with a bound.
    if !early {
        for a in &accounts {
            reader.spawn(&mut reads, &a.target, &a.id, &a.regions);
        }
    }
    let mut gathered = Gathered {
        gaps,
        notes,
        ..Gathered::default()
    };
    while let Some(joined) = reads.join_next().await {
        let mut data = joined.map_err(|e| Failure::Io(format!("internal error: {e}")))?;
        if data.scope.account == PENDING {
            data.relabel(&accounts[0].id);
        }
        gathered.add(data);
    }
    progress.finish();
    if !opts.warm_functions.is_empty() {
        let targets = accounts.iter().map(|a| (a.id.clone(), a.target.clone())).collect();
        let functions = &mut gathered.inventory.functions;
        let gaps = warm::attach(factory, &stats, &targets, functions, &opts.warm_functions, PER_SCOPE_CONCURRENCY).await;
        gathered.gaps.extend(gaps);
    }
    Ok(gathered.finish(&stats))
}

/// The error when not one account could be identified.
fn no_account(refused: &[(String, String)]) -> Failure {
    let detail = refused.iter().map(|(who, e)| format!("{who}: {e}")).collect::<Vec<_>>().join("; ");
    let all_text = refused.iter().map(|(_, e)| e.as_str()).collect::<Vec<_>>().join(" ");
    let hint = if errors::is_expired(&all_text) {
        "the AWS credentials have expired: refresh them (for example `aws sso login`, or new temporary keys) and run again"
    } else if all_text.contains("no credentials")
        || all_text.contains("credentials provider was not enabled")
        || all_text.contains("no providers in chain")
        || all_text.contains("failed to load credentials")
        || all_text.contains("identity")
    {
        "no usable AWS credentials were found: set AWS_PROFILE or pass --profile, run `aws sso login`, or export \
         AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
    } else if errors::is_credential_problem(&all_text) {
        "the AWS credentials were rejected: check the profile, keys or role and run again"
    } else {
        "no account could be identified with sts:GetCallerIdentity"
    };
    Failure::Incomplete(format!("cannot read any AWS account: {hint} ({detail})"))
}

/// Reads one (account, region).
async fn read_scope(c: &Clients, scope: Scope, with_state: bool, also_subnets: &[String], progress: &Progress) -> ScopeData {
    let (account, region) = (&*scope.account, &*scope.region);
    let mut gaps = Vec::new();
    let (found, reveal) = tokio::sync::mpsc::unbounded_channel();
    let reveal_enis = found.clone();
    let listing = async move {
        lambda::list_functions(&c.lambda, account, region, progress, |vpcs| {
            let _ = found.send(Found::Page(vpcs));
        })
        .await
    };
    let eni_list = async move {
        let enis = ec2::lambda_enis(&c.ec2, account, region, progress).await;
        let vpcs = enis.iter().flatten().filter_map(|e| match &e.vpc {
            Some(Value::Id(id)) => Some(id.to_string()),
            _ => None,
        });
        let _ = reveal_enis.send(Found::Enis(vpcs.collect()));
        enis
    };
    let mut network = Network::new(c, account, region, progress);
    let ((mut functions, list_err), enis, quota, providers, ()) = tokio::join!(
        listing,
        eni_list,
        quotas::eni_per_vpc(&c.quotas),
        capacity::list(&c.lambda, account, region, progress),
        network.follow(reveal)
    );
    if let Some(e) = list_err {
        gaps.push(gap(account, region, "lambda:ListFunctions", e));
    }
    let enis = enis.unwrap_or_else(|e| {
        gaps.push(gap(account, region, "ec2:DescribeNetworkInterfaces", e));
        Vec::new()
    });
    let (capacity_providers, providers_unoffered) = match providers {
        Ok(p) => (p, None),
        Err(capacity::Unread::NotOffered(e)) => (Vec::new(), Some(e)),
        Err(capacity::Unread::Failed(e)) => {
            gaps.push(gap(account, region, "lambda:ListCapacityProviders", e));
            (Vec::new(), None)
        }
    };

    let wanted_subnets: BTreeSet<String> = functions
        .iter()
        .flat_map(|f| f.versions.iter())
        .filter_map(|v| v.vpc.as_ref())
        .flat_map(|c| c.subnets.iter())
        .filter_map(|i| match &i.value {
            Value::Id(id) => Some(id.to_string()),
            _ => None,
        })
        .chain(enis.iter().filter_map(|e| match &e.subnet {
            Value::Id(id) if !id.is_empty() => Some(id.to_string()),
            _ => None,
        }))
        .chain(
            capacity_providers
                .iter()
                .flat_map(|p| p.vpc.subnets.iter())
                .map(|i| i.value.to_string()),
        )
        .chain(also_subnets.iter().cloned())
        .collect();

    let ec2_part = network.finish(wanted_subnets);
    let lambda_part = async {
        let mut gaps = Vec::new();
        if let Some((n, e)) = lambda::attach_aliases(&c.lambda, &mut functions, PER_SCOPE_CONCURRENCY).await {
            gaps.push(gap(
                account,
                region,
                "lambda:ListAliases",
                format!("{n} function(s) unreadable; first: {e}"),
            ));
        }
        if with_state {
            if let Some((n, e)) = lambda::attach_state(&c.lambda, &mut functions, PER_SCOPE_CONCURRENCY, progress).await {
                gaps.push(gap(
                    account,
                    region,
                    "lambda:GetFunctionConfiguration",
                    format!("{n} function(s) unreadable; first: {e}"),
                ));
            }
        }
        gaps
    };
    let (net, lambda_gaps) = tokio::join!(ec2_part, lambda_part);
    let (subnets, groups, vpcs, other_enis) = (net.subnets, net.groups, net.vpcs, net.other_enis);
    gaps.extend(net.gaps);
    gaps.extend(lambda_gaps);

    let (quota, source, quota_unread) = match quota {
        Ok(q) => (q, QuotaSource::ServiceQuotas, None),
        Err(e) => (DEFAULT_ENI_QUOTA, QuotaSource::Default, Some(e).filter(|_| !vpcs.is_empty())),
    };
    let vpcs = vpcs
        .into_iter()
        .map(|id| {
            let mut v = Vpc::new(Value::id(&id), Origin::resource(&id));
            v.quota = Some(quota);
            v.quota_source = source;
            v.other_enis = other_enis.get(&id).copied();
            v
        })
        .collect();
    ScopeData {
        scope,
        functions,
        subnets,
        security_groups: groups,
        vpcs,
        enis,
        capacity_providers,
        gaps,
        providers_unoffered,
        quota_unread,
    }
}
