//! `check --live`: the provisioned concurrency of the deploy's functions that
//! the account already has, read with Lambda `ListProvisionedConcurrencyConfigs`
//! (all pages) for those functions only, never for the whole account.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::errors::describe;
use super::lambda::{marker_pages, PAGE};
use super::{gap, ClientFactory, Stats, Target};
use crate::model::{Function, Gap, Origin, Warm, WarmBy};

const OPERATION: &str = "lambda:ListProvisionedConcurrencyConfigs";

/// Reads the configurations of every function named in `names` (each in its
/// own account and region, through that account's target), at most
/// `concurrency` calls at a time, and puts them on the function. A function
/// that cannot be read becomes a gap of its scope.
pub(super) async fn attach(
    factory: &dyn ClientFactory,
    stats: &Stats,
    targets: &BTreeMap<String, Target>,
    functions: &mut [Function],
    names: &BTreeSet<String>,
    concurrency: usize,
) -> Vec<Gap> {
    let sem = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut clients = BTreeMap::new();
    let mut set = JoinSet::new();
    for (i, f) in functions.iter().enumerate().filter(|(_, f)| names.contains(&*f.name)) {
        let Some(target) = targets.get(&*f.account) else { continue };
        let lambda = clients
            .entry((f.account.to_string(), f.region.to_string()))
            .or_insert_with(|| factory.clients(target, &f.region).instrumented(stats).lambda)
            .clone();
        let (sem, name) = (sem.clone(), f.name.clone());
        set.spawn(async move {
            let _permit = sem.acquire_owned().await;
            (i, list(&lambda, &name).await)
        });
    }
    let mut failed: BTreeMap<(String, String), (usize, String)> = BTreeMap::new();
    while let Some(joined) = set.join_next().await {
        let (i, result) = match joined {
            Ok(done) => done,
            Err(e) => {
                failed.entry(Default::default()).or_insert((0, e.to_string())).0 += 1;
                continue;
            }
        };
        let f = &mut functions[i];
        match result {
            Ok(configs) => f.warm.extend(configs),
            Err(e) => failed.entry((f.account.to_string(), f.region.to_string())).or_insert((0, e)).0 += 1,
        }
    }
    failed
        .into_iter()
        .map(|((account, region), (n, e))| gap(&account, &region, OPERATION, format!("{n} function(s) unreadable; first: {e}")))
        .collect()
}

async fn list(client: &aws_sdk_lambda::Client, function: &str) -> Result<Vec<Warm>, String> {
    marker_pages(|marker| async move {
        let page = client
            .list_provisioned_concurrency_configs()
            .function_name(function)
            .max_items(PAGE)
            .set_marker(marker)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let mut out = Vec::new();
        for c in page.provisioned_concurrency_configs() {
            let Some(arn) = c.function_arn() else { continue };
            out.push(Warm {
                qualifier: qualifier(arn).to_string(),
                environments: c.requested_provisioned_concurrent_executions().and_then(|n| u32::try_from(n).ok()),
                by: WarmBy::ProvisionedConcurrency,
                origin: Origin::resource(arn),
            });
        }
        Ok((out, page.next_marker))
    })
    .await
}

/// `arn:aws:lambda:eu-west-1:111122223333:function:orders:live` → `live`.
fn qualifier(arn: &str) -> &str {
    arn.splitn(8, ':').nth(7).unwrap_or(arn)
}

#[cfg(test)]
mod tests {
    #[test]
    fn qualifier_of_an_alias_or_version_arn() {
        assert_eq!(
            super::qualifier("arn:aws:lambda:eu-west-1:111122223333:function:orders:live"),
            "live"
        );
        assert_eq!(super::qualifier("arn:aws:lambda:eu-west-1:111122223333:function:orders:7"), "7");
    }
}
