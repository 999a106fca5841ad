//! Organization-wide audits (`--org`): the accounts come from AWS
//! Organizations, and each one is read through a role assumed in it.
//!
//! With the caller's credentials (the management or a delegated-administrator
//! account):
//!
//! - Organizations `ListAccounts`, or under `--org-ou` `ListAccountsForParent`
//!   and `ListOrganizationalUnitsForParent` down every child OU: the ACTIVE
//!   accounts, minus `--exclude-account`;
//! - STS `GetCallerIdentity` beside the listing: the caller's own account, if
//!   listed, is read with its own credentials, not through the role;
//! - STS `AssumeRole` into `arn:aws:iam::<account>:role/<--org-role>` once per
//!   other account (with `--external-id` and `--session-name`); the temporary
//!   credentials serve every region of that account, and are renewed (the role
//!   assumed again) shortly before the session ends, so an account whose
//!   reads outlast it is still read in full.
//!
//! Then each account's regions are read exactly as a single-account audit
//! reads them, and for `check --live --org` the provisioned concurrency of the
//! deploy's functions that the account has, through its role. At most
//! `concurrency` accounts run at once, each with at most
//! [`DEFAULT_CONCURRENCY`] regions at once. A role that cannot be assumed, or
//! an OU that cannot be listed, is a [`Gap`](crate::model::Gap); the other
//! accounts are read in full. Only an organization that cannot be listed at
//! all is a [`Failure::Incomplete`].

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;

use aws_sdk_lambda::config::SharedCredentialsProvider;
use aws_sdk_organizations::types::{Account, AccountState, AccountStatus};
use futures_util::future::join_all;
use futures_util::stream::{self, StreamExt};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::clients::AssumedRole;
use super::errors::describe;
use super::{
    ec2, gap, identity, no_account, regions_to_read, warm, ClientFactory, Clients, Collected, Gathered, Progress, ScopeData, ScopeReads,
    Stats, Target, DEFAULT_CONCURRENCY, PER_SCOPE_CONCURRENCY,
};
use crate::error::Failure;
use crate::model::Gap;

/// The role Organizations creates in every account it creates.
pub const DEFAULT_ORG_ROLE: &str = "OrganizationAccountAccessRole";
/// How many accounts are read at once, by default.
pub const DEFAULT_ORG_CONCURRENCY: usize = 16;

/// What `--org` and its flags ask for.
#[derive(Debug, Clone)]
pub struct OrgOptions {
    /// The role name assumed in each account.
    pub role: String,
    /// Only the accounts under these OUs (or roots), recursively; all when empty.
    pub ous: Vec<String>,
    pub exclude: Vec<String>,
    /// Accounts read at once.
    pub concurrency: usize,
}

impl Default for OrgOptions {
    fn default() -> Self {
        OrgOptions {
            role: DEFAULT_ORG_ROLE.to_string(),
            ous: Vec::new(),
            exclude: Vec::new(),
            concurrency: DEFAULT_ORG_CONCURRENCY,
        }
    }
}

/// An account Organizations listed.
#[derive(Debug, Clone)]
struct Member {
    id: String,
    name: Option<String>,
}

/// What one account gave: its scopes, or the gap that kept it unread.
struct AccountRead {
    member: Member,
    scopes: Vec<ScopeData>,
    gaps: Vec<Gap>,
}

/// Everything one account read needs, shared by all of them.
struct Shared<'a> {
    factory: &'a dyn ClientFactory,
    stats: &'a Stats,
    progress: &'a Progress,
    own: &'a Clients,
    caller: &'a str,
    home: &'a str,
    regions: &'a [String],
    all_regions: bool,
    with_state: bool,
    /// Subnets a deploy names (`check --live --org`), read in every scope.
    also_subnets: Arc<[String]>,
    /// The deploy's function names (`check --live --org`): their provisioned
    /// concurrency is read in each account that has them.
    warm_functions: &'a BTreeSet<String>,
    role: &'a str,
    session_name: String,
    external_id: Option<String>,
}

pub(super) async fn run(factory: &dyn ClientFactory, opts: &super::AwsOptions, org: &OrgOptions) -> Result<Collected, Failure> {
    let stats = Stats::new();
    let progress = Progress::new(opts.progress, &stats);
    let regions = regions_to_read(opts, factory.configured_region())?;
    let home = regions.first().cloned().unwrap_or_else(|| "us-east-1".to_string());
    let own = factory.clients(&Target::own(), &home).instrumented(&stats);
    let client = factory
        .organizations(&home)
        .ok_or_else(|| Failure::Usage("--org needs an Organizations client, which this build cannot make".into()))?;
    let client = aws_sdk_organizations::Client::from_conf(client.config().to_builder().interceptor(stats.interceptor()).build());

    let (caller, (listed, list_errors)) = tokio::join!(identity::account_id(&own.sts), members(&client, &org.ous));
    let caller = caller.map_err(|e| no_account(&[("the default credentials".to_string(), e)]))?;
    if listed.is_empty() && !list_errors.is_empty() {
        let detail = list_errors
            .iter()
            .map(|(op, e)| format!("{op}: {e}"))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(Failure::Incomplete(format!(
            "cannot list the organization's accounts from account {caller} ({detail}); run --org with the credentials of the \
             management account or of a delegated administrator for AWS Organizations"
        )));
    }
    let mut gathered = Gathered {
        gaps: list_errors.into_iter().map(|(op, e)| gap(&caller, &home, op, e)).collect(),
        ..Gathered::default()
    };
    let excluded: BTreeSet<&str> = org.exclude.iter().map(String::as_str).collect();
    let members: Vec<Member> = listed.into_iter().filter(|m| !excluded.contains(m.id.as_str())).collect();
    progress.add_accounts(members.len() as u64);
    if members.is_empty() {
        gathered.notes.push(format!(
            "the organization listed no ACTIVE account to audit{}",
            if org.ous.is_empty() { "" } else { " under the given OUs" }
        ));
    }

    let shared = Shared {
        factory,
        stats: &stats,
        progress: &progress,
        own: &own,
        caller: &caller,
        home: &home,
        regions: &regions,
        all_regions: opts.all_regions,
        with_state: opts.with_state,
        also_subnets: opts.also_subnets.clone().into(),
        warm_functions: &opts.warm_functions,
        role: &org.role,
        session_name: opts.session_name.clone().unwrap_or_else(|| "eniplan-audit".to_string()),
        external_id: opts.external_id.clone(),
    };
    let mut reads = stream::iter(members)
        .map(|m| read_account(&shared, m))
        .buffer_unordered(org.concurrency.max(1));
    while let Some(read) = reads.next().await {
        let read = read?;
        if let Some(name) = read.member.name.filter(|n| !n.is_empty()) {
            gathered.account_names.insert(read.member.id, name);
        }
        gathered.gaps.extend(read.gaps);
        for data in read.scopes {
            gathered.add(data);
        }
    }
    drop(reads);
    progress.finish();
    Ok(gathered.finish(&stats))
}

/// Reads every region of one account: through the assumed role, or with the
/// caller's own credentials when it is the caller's account.
async fn read_account(s: &Shared<'_>, member: Member) -> Result<AccountRead, Failure> {
    let id = member.id.clone();
    let credentials = if id == s.caller {
        None
    } else {
        let arn = format!("arn:aws:iam::{id}:role/{}", s.role);
        let role = AssumedRole::new(s.own.sts.clone(), arn.clone(), s.session_name.clone(), s.external_id.clone());
        match role.await {
            Ok(role) => Some(SharedCredentialsProvider::new(role)),
            Err(e) => {
                s.progress.account_done();
                let gaps = vec![gap(&id, s.home, "sts:AssumeRole", format!("{arn}: {e}"))];
                return Ok(AccountRead {
                    member,
                    scopes: Vec::new(),
                    gaps,
                });
            }
        }
    };
    let inside = AsAccount {
        inner: s.factory,
        credentials,
    };
    let mut gaps = Vec::new();
    let mut regions = s.regions.to_vec();
    if s.all_regions {
        let c = inside.clients(&Target::own(), s.home).instrumented(s.stats);
        match ec2::enabled_regions(&c.ec2).await {
            Ok(list) if !list.is_empty() => regions = list,
            Ok(_) => {}
            Err(e) => gaps.push(gap(&id, s.home, "ec2:DescribeRegions", e)),
        }
    }
    let reader = ScopeReads {
        factory: &inside,
        stats: s.stats,
        progress: s.progress,
        sem: Arc::new(Semaphore::new(DEFAULT_CONCURRENCY)),
        with_state: s.with_state,
        also_subnets: s.also_subnets.clone(),
    };
    let mut set = JoinSet::new();
    reader.spawn(&mut set, &Target::own(), &id, &regions);
    let mut scopes = Vec::with_capacity(regions.len());
    while let Some(joined) = set.join_next().await {
        scopes.push(joined.map_err(|e| Failure::Io(format!("internal error: {e}")))?);
    }
    if !s.warm_functions.is_empty() {
        // Through the account's own role, as its functions were listed.
        let targets = BTreeMap::from([(id.clone(), Target::own())]);
        let reads = scopes.iter_mut().map(|data| {
            let functions = &mut data.functions;
            warm::attach(&inside, s.stats, &targets, functions, s.warm_functions, PER_SCOPE_CONCURRENCY)
        });
        gaps.extend(join_all(reads).await.into_iter().flatten());
    }
    s.progress.account_done();
    Ok(AccountRead { member, scopes, gaps })
}

/// The factory's clients for the caller, with an account's assumed role in
/// place of the caller's credentials (none: the caller's own account). All
/// the account's clients share the one role, and so its renewals.
struct AsAccount<'a> {
    inner: &'a dyn ClientFactory,
    credentials: Option<SharedCredentialsProvider>,
}

/// `$client` rebuilt with the credentials provider `$k`.
macro_rules! with_credentials {
    ($sdk:ident, $client:expr, $k:expr) => {{
        let mut conf = $client.config().to_builder();
        conf.set_credentials_provider(Some($k.clone()));
        $sdk::Client::from_conf(conf.build())
    }};
}

impl ClientFactory for AsAccount<'_> {
    fn clients(&self, _: &Target, region: &str) -> Clients {
        let c = self.inner.clients(&Target::own(), region);
        let Some(k) = &self.credentials else { return c };
        Clients {
            sts: with_credentials!(aws_sdk_sts, c.sts, k),
            lambda: with_credentials!(aws_sdk_lambda, c.lambda, k),
            ec2: with_credentials!(aws_sdk_ec2, c.ec2, k),
            quotas: with_credentials!(aws_sdk_servicequotas, c.quotas, k),
        }
    }
}

/// Every page of an Organizations listing: `$request` without its token,
/// `$items` the field that holds what it lists.
macro_rules! list {
    ($request:expr, $items:ident) => {
        pages(|token| async move {
            let out = $request.set_next_token(token).send().await.map_err(|e| describe(&e))?;
            Ok((out.$items.unwrap_or_default(), out.next_token))
        })
        .await
    };
}

/// The ACTIVE accounts to read, in listing order without repeats, and the
/// listing calls that failed (IAM action, error).
async fn members(client: &aws_sdk_organizations::Client, ous: &[String]) -> (Vec<Member>, Vec<(&'static str, String)>) {
    let mut errors = Vec::new();
    let mut accounts = Vec::new();
    if ous.is_empty() {
        let (listed, err) = list!(client.list_accounts(), accounts);
        accounts = listed;
        errors.extend(err.map(|e| ("organizations:ListAccounts", e)));
    }
    // Breadth first down every OU; an OU named twice (or under another named one) is read once.
    let mut queue: Vec<String> = ous.to_vec();
    let mut seen = BTreeSet::new();
    while let Some(parent) = queue.pop() {
        if !seen.insert(parent.clone()) {
            continue;
        }
        let p = parent.as_str();
        let (listed, err) = list!(client.list_accounts_for_parent().parent_id(p), accounts);
        accounts.extend(listed);
        errors.extend(err.map(|e| ("organizations:ListAccountsForParent", format!("{parent}: {e}"))));
        let (children, err) = list!(client.list_organizational_units_for_parent().parent_id(p), organizational_units);
        errors.extend(err.map(|e| ("organizations:ListOrganizationalUnitsForParent", format!("{parent}: {e}"))));
        queue.extend(children.iter().filter_map(|ou| ou.id().map(str::to_string)));
    }
    let mut ids = BTreeSet::new();
    let members = accounts
        .iter()
        .filter(|a| active(a))
        .filter_map(|a| {
            Some(Member {
                id: a.id()?.to_string(),
                name: a.name().map(str::to_string),
            })
        })
        .filter(|m| ids.insert(m.id.clone()))
        .collect();
    (members, errors)
}

/// `State` where Organizations gives it, else the older `Status`.
fn active(a: &Account) -> bool {
    match (a.state(), a.status()) {
        (Some(state), _) => *state == AccountState::Active,
        (None, Some(status)) => *status == AccountStatus::Active,
        (None, None) => false,
    }
}

/// Every page of a `NextToken` listing; on an error, the items read so far and the error.
async fn pages<T, F, Fut>(mut page: F) -> (Vec<T>, Option<String>)
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), String>>,
{
    let mut items = Vec::new();
    let mut token = None;
    let mut seen = BTreeSet::new();
    loop {
        match page(token.take()).await {
            Err(e) => return (items, Some(e)),
            Ok((got, next)) => {
                items.extend(got);
                match next.filter(|t| !t.is_empty()) {
                    None => return (items, None),
                    Some(t) if !seen.insert(t.clone()) => {
                        return (items, Some(format!("pagination did not advance (token {t} repeated)")));
                    }
                    Some(t) => token = Some(t),
                }
            }
        }
    }
}
