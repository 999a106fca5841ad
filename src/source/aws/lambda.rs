//! Lambda: `ListFunctions` (all versions, every page), targeted
//! `ListAliases`, and optional `GetFunctionConfiguration` for state.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use aws_sdk_lambda::types::{FunctionConfiguration, FunctionVersion};
use aws_sdk_lambda::Client;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::errors::describe;
use super::progress::Progress;
use crate::model::{thin_vec, Function, FunctionState, Item, Origin, ThinVec, Value, Version, VpcConfig};

/// `ListFunctions` returns at most 50 items per page.
pub(crate) const PAGE: i32 = 50;

/// Every function and published version of a region, paginated to the end.
/// On an error the functions read so far come back with it. `on_page` gets
/// the VPC IDs of each page as it arrives, so their subnets and groups can be
/// read while the listing goes on.
pub(crate) async fn list_functions(
    client: &Client,
    account: &str,
    region: &str,
    progress: &Progress,
    on_page: impl Fn(Vec<String>),
) -> (Vec<Function>, Option<String>) {
    let mut grouping = Grouping::new(account, region);
    let mut marker: Option<String> = None;
    let mut seen = BTreeSet::new();
    let error = loop {
        let sent = client
            .list_functions()
            .function_version(FunctionVersion::All)
            .max_items(PAGE)
            .set_marker(marker.clone())
            .send()
            .await;
        match sent {
            Err(e) => break Some(describe(&e)),
            Ok(out) => {
                progress.page();
                let next = out.next_marker().filter(|m| !m.is_empty()).map(str::to_string);
                let functions = out.functions.unwrap_or_default();
                on_page(
                    functions
                        .iter()
                        .filter_map(|f| f.vpc_config()?.vpc_id())
                        .filter(|v| !v.is_empty())
                        .map(str::to_string)
                        .collect(),
                );
                for f in functions {
                    grouping.add(f);
                }
                match next {
                    None => break None,
                    Some(m) if !seen.insert(m.clone()) => break Some(format!("pagination did not advance (marker {m} repeated)")),
                    Some(m) => marker = Some(m),
                }
            }
        }
    };
    (grouping.finish(), error)
}

/// The IDs of a VpcConfig list, known by the VpcConfig's origin.
pub(crate) fn items(ids: &[String]) -> ThinVec<Item> {
    ids.iter().map(|id| Item::new(Value::id(id))).collect()
}

/// Strips a version or alias qualifier: `arn:aws:lambda:r:a:function:name[:q]`.
pub(crate) fn unqualified_arn(arn: &str) -> String {
    arn.splitn(8, ':').take(7).collect::<Vec<_>>().join(":")
}

/// The resource name a version's configuration is reported against; the same
/// convention as the snapshot reader, so findings survive a round trip.
pub(crate) fn version_resource(function_arn: &str, version: &str) -> String {
    if version == Version::LATEST || !function_arn.starts_with("arn:") {
        function_arn.to_string()
    } else {
        format!("{function_arn}:{version}")
    }
}

fn version_order(v: &Version) -> (u8, u64, String) {
    match &*v.version {
        Version::LATEST => (0, 0, String::new()),
        s => match s.parse::<u64>() {
            Ok(n) => (1, n, String::new()),
            Err(_) => (2, 0, s.to_string()),
        },
    }
}

/// Groups `FunctionVersion=ALL` items into functions, page by page as they
/// arrive: `$LATEST` first, then published versions in numeric order.
struct Grouping {
    by_name: BTreeMap<String, Function>,
    /// Shared by every function of the scope.
    account: Arc<str>,
    region: Arc<str>,
}

impl Grouping {
    fn new(account: &str, region: &str) -> Self {
        Grouping {
            by_name: BTreeMap::new(),
            account: account.into(),
            region: region.into(),
        }
    }

    fn add(&mut self, item: FunctionConfiguration) {
        let Some(name) = item.function_name() else {
            return;
        };
        let arn = item.function_arn().map(unqualified_arn).unwrap_or_else(|| name.to_string());
        let version = item.version().unwrap_or(Version::LATEST).to_string();
        let resource = version_resource(&arn, &version);
        let vpc = item.vpc_config().and_then(|c| {
            let origin = Origin::resource(&resource);
            let config = VpcConfig {
                subnets: items(c.subnet_ids()),
                security_groups: items(c.security_group_ids()),
                vpc_id: c.vpc_id().filter(|v| !v.is_empty()).map(Value::id),
                ipv6_dual_stack: c.ipv6_allowed_for_dual_stack(),
                origin: origin.clone(),
            };
            config.is_attached().then_some(config)
        });
        let version = Version {
            version: version.into(),
            aliases: ThinVec::new(),
            vpc,
            state: None,
        };
        let provider = item
            .capacity_provider_config()
            .and_then(|c| c.lambda_managed_instances_capacity_provider_config())
            .map(|c| c.capacity_provider_arn())
            .filter(|arn| !arn.is_empty())
            .map(|arn| Box::new(Value::id(arn)));
        match self.by_name.get_mut(name) {
            Some(function) => {
                // `$LATEST`'s provider is the function's; a published version's stands in until it is seen.
                if provider.is_some() && (version.is_latest() || function.capacity_provider.is_none()) {
                    function.capacity_provider = provider;
                }
                function.versions.push(version);
            }
            None => {
                let function = Function {
                    name: name.into(),
                    account: self.account.clone(),
                    region: self.region.clone(),
                    origin: Origin::resource(&arn),
                    versions: thin_vec![version],
                    capacity_provider: provider,
                    ..Default::default()
                };
                self.by_name.insert(function.name.to_string(), function);
            }
        }
    }

    fn finish(self) -> Vec<Function> {
        let mut functions: Vec<Function> = self.by_name.into_values().collect();
        for f in &mut functions {
            f.versions.sort_by_key(version_order);
            f.versions.dedup_by(|a, b| a.version == b.version);
        }
        functions
    }
}

fn key(v: &Version) -> Option<(Vec<Value>, Vec<Value>)> {
    v.vpc.as_ref().map(|c| (c.subnet_set(), c.sg_set()))
}

/// Functions worth a `ListAliases` call: a published version whose VPC
/// configuration differs from `$LATEST`'s, i.e. one that may pin a
/// combination of its own. Everything else keeps `aliases` empty.
pub(crate) fn needs_aliases(f: &Function) -> bool {
    let latest = f.latest().map(key);
    f.versions
        .iter()
        .any(|v| !v.is_latest() && v.vpc.is_some() && Some(key(v)) != latest)
}

/// Reads the aliases of the given functions (bounded concurrency) and attaches
/// each alias name to the versions it routes to. Returns the first error and
/// how many functions failed.
pub(crate) async fn attach_aliases(client: &Client, functions: &mut [Function], concurrency: usize) -> Option<(usize, String)> {
    let wanted = functions.iter().enumerate().filter(|(_, f)| needs_aliases(f));
    let mut set = spawn_bounded(client, wanted, concurrency, |client, name| async move {
        list_aliases(&client, &name).await
    });
    let mut failures = Failures::default();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok((i, Ok(aliases))) => {
                for (alias, versions) in aliases {
                    for v in functions[i].versions.iter_mut().filter(|v| versions.contains(&*v.version)) {
                        v.aliases.push(alias.clone());
                    }
                }
                for v in functions[i].versions.iter_mut() {
                    v.aliases.sort();
                    v.aliases.dedup();
                }
            }
            Ok((_, Err(e))) => failures.add(e),
            Err(e) => failures.add(e.to_string()),
        }
    }
    failures.summary()
}

async fn list_aliases(client: &Client, function: &str) -> Result<Vec<(String, BTreeSet<String>)>, String> {
    marker_pages(|marker| async move {
        let page = client
            .list_aliases()
            .function_name(function)
            .max_items(PAGE)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let mut out = Vec::new();
        for a in page.aliases() {
            let Some(name) = a.name() else { continue };
            let mut versions = BTreeSet::new();
            if let Some(v) = a.function_version() {
                versions.insert(v.to_string());
            }
            if let Some(weights) = a.routing_config().and_then(|r| r.additional_version_weights()) {
                versions.extend(weights.keys().cloned());
            }
            out.push((name.to_string(), versions));
        }
        Ok((out, page.next_marker))
    })
    .await
}

/// Every page of a per-function Lambda `Marker` listing; it ends at an empty
/// marker, or at one that repeats.
pub(crate) async fn marker_pages<T, F, Fut>(mut page: F) -> Result<Vec<T>, String>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<(Vec<T>, Option<String>), String>>,
{
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let (items, next) = page(marker.clone()).await?;
        out.extend(items);
        match next.filter(|m| !m.is_empty()) {
            Some(m) if marker.as_deref() != Some(m.as_str()) => marker = Some(m),
            _ => break,
        }
    }
    Ok(out)
}

/// `--with-state`: `GetFunctionConfiguration` for every VPC function's
/// `$LATEST` (bounded concurrency). Returns the first error and how many
/// functions failed.
pub(crate) async fn attach_state(
    client: &Client,
    functions: &mut [Function],
    concurrency: usize,
    progress: &Progress,
) -> Option<(usize, String)> {
    let wanted = functions
        .iter()
        .enumerate()
        .filter(|(_, f)| f.latest().is_some_and(|v| v.vpc.is_some()));
    let mut set = spawn_bounded(client, wanted, concurrency, |client, name| async move {
        client
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .map_err(|e| describe(&e))
    });
    let mut failures = Failures::default();
    while let Some(joined) = set.join_next().await {
        progress.page();
        match joined {
            Ok((i, Ok(c))) => {
                let state = FunctionState {
                    state: c.state().map(|s| s.as_str().to_string()),
                    state_reason_code: c.state_reason_code().map(|s| s.as_str().to_string()),
                    last_update_status: c.last_update_status().map(|s| s.as_str().to_string()),
                    last_update_reason_code: c.last_update_status_reason_code().map(|s| s.as_str().to_string()),
                };
                if let Some(v) = functions[i].versions.iter_mut().find(|v| v.is_latest()) {
                    v.state = Some(Box::new(state));
                }
            }
            Ok((_, Err(e))) => failures.add(e),
            Err(e) => failures.add(e.to_string()),
        }
    }
    failures.summary()
}

/// Calls that failed in a batch: how many, and the first error.
#[derive(Default)]
struct Failures {
    count: usize,
    first: Option<String>,
}

impl Failures {
    fn add(&mut self, error: String) {
        self.count += 1;
        self.first.get_or_insert(error);
    }

    fn summary(self) -> Option<(usize, String)> {
        self.first.map(|e| (self.count, e))
    }
}

/// Runs `call` for each of the given functions, at most `concurrency` at a
/// time; each result comes back with the function's index.
fn spawn_bounded<'f, T, Fut>(
    client: &Client,
    functions: impl Iterator<Item = (usize, &'f Function)>,
    concurrency: usize,
    call: impl Fn(Client, String) -> Fut,
) -> JoinSet<(usize, Result<T, String>)>
where
    T: Send + 'static,
    Fut: std::future::Future<Output = Result<T, String>> + Send + 'static,
{
    let sem = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut set = JoinSet::new();
    for (i, f) in functions {
        let work = call(client.clone(), f.name.to_string());
        let sem = sem.clone();
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            (i, work.await)
        });
    }
    set
}
