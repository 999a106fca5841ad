//! `eniplan snapshot merge` and repeated `audit --snapshot`: several
//! snapshots (one per account, from a CI matrix) joined into one inventory.
//!
//! A scope (account, region) read by two inputs must hold the same data in
//! both: then it is kept once. Different data is an error naming the scope
//! and both files, because eniplan cannot tell which read is right. Subnets,
//! groups and VPCs are keyed by ID, not by scope (a shared VPC's subnets
//! appear in every account they are shared with): the first input's copy is
//! kept, and a copy that differs is noted. Account names are joined the same
//! way: the first input's name is kept, and another name is noted.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use std::path::PathBuf;

use super::{from_inventory, Snapshot};
use crate::error::{Failure, InputError};
use crate::model::{Inventory, Scope};

/// One loaded input: the name it is shown by, its inventory and its metadata.
pub struct Part {
    pub shown: String,
    pub inventory: Inventory,
    pub meta: Snapshot<'static>,
}

pub struct Merged {
    pub inventory: Inventory,
    pub scopes: Vec<Scope>,
    pub api_calls: u64,
    pub values: BTreeMap<String, String>,
    /// What the reader should know: copies that differed, values dropped.
    pub notes: Vec<String>,
}

impl Merged {
    /// The joined inventory as a snapshot, with the values every input agrees on.
    pub fn snapshot(&self) -> Snapshot<'_> {
        let mut snap = from_inventory(&self.inventory, self.scopes.clone(), self.api_calls);
        snap.values = self.values.clone();
        snap
    }
}

/// Loads each snapshot and joins them.
pub fn load(paths: &[PathBuf]) -> Result<Merged, Failure> {
    let mut parts = Vec::with_capacity(paths.len());
    for path in paths {
        let (inventory, meta) = super::load(path)?;
        parts.push(Part {
            shown: path.display().to_string(),
            inventory,
            meta,
        });
    }
    merge(parts)
}

/// The scopes an input covers: its recorded ones, else those its functions name.
fn scopes_of(part: &Part) -> BTreeSet<Scope> {
    let mut scopes: BTreeSet<Scope> = part.meta.scopes.iter().cloned().collect();
    if scopes.is_empty() {
        scopes.extend(part.inventory.functions.iter().map(|f| Scope {
            account: f.account.clone(),
            region: f.region.clone(),
        }));
    }
    scopes
}

/// A scope's functions, ENIs and gaps as the snapshot format writes them,
/// sorted, so two reads of the same account compare equal.
fn scope_data(inv: &Inventory, scope: &Scope) -> String {
    let within = |account: &str, region: &str| account == scope.account && region == scope.region;
    let mut sub = Inventory {
        functions: inv.functions.iter().filter(|f| within(&f.account, &f.region)).cloned().collect(),
        enis: inv.enis.iter().filter(|e| within(&e.account, &e.region)).cloned().collect(),
        ..Default::default()
    };
    sub.functions.sort_by(|a, b| a.name.cmp(&b.name));
    sub.enis.sort_by(|a, b| a.id.cmp(&b.id));
    let mut gaps: Vec<String> = inv
        .gaps
        .iter()
        .filter(|g| within(&g.account, &g.region))
        .map(|g| format!("{}\0{}", g.operation, g.error))
        .collect();
    gaps.sort();
    let snap = from_inventory(&sub, vec![], 0);
    serde_json::to_string(&(&snap.functions, &snap.enis, gaps)).unwrap_or_default()
}

pub fn merge(mut parts: Vec<Part>) -> Result<Merged, Failure> {
    if parts.len() == 1 {
        // One snapshot is audited as it is, without moving a large inventory.
        let Part { inventory, meta, .. } = parts.remove(0);
        return Ok(Merged {
            inventory,
            scopes: meta.scopes,
            api_calls: meta.api_calls,
            values: meta.values,
            notes: vec![],
        });
    }
    let mut out = Merged {
        inventory: Inventory::default(),
        scopes: vec![],
        api_calls: 0,
        values: BTreeMap::new(),
        notes: vec![],
    };
    // Which input each scope was taken from; the joined inventory holds that input's copy.
    let mut taken: BTreeMap<Scope, String> = BTreeMap::new();
    let mut conflicting_values = BTreeSet::new();
    for part in parts {
        let mut skip = BTreeSet::new();
        for scope in scopes_of(&part) {
            match taken.entry(scope.clone()) {
                Entry::Vacant(e) => {
                    e.insert(part.shown.clone());
                }
                Entry::Occupied(e) => {
                    if scope_data(&out.inventory, &scope) != scope_data(&part.inventory, &scope) {
                        return Err(InputError::plain(
                            &part.shown,
                            format!(
                                "account {} region {} is also in {} with different data; merge one read of each account and region",
                                scope.account,
                                scope.region,
                                e.get()
                            ),
                        )
                        .into());
                    }
                    skip.insert(scope);
                }
            }
        }
        let keep = |account: &str, region: &str| {
            skip.is_empty()
                || !skip.contains(&Scope {
                    account: account.to_string(),
                    region: region.to_string(),
                })
        };
        let Part {
            shown,
            inventory: inv,
            meta,
        } = part;
        let dst = &mut out.inventory;
        dst.functions
            .extend(inv.functions.into_iter().filter(|f| keep(&f.account, &f.region)));
        dst.enis.extend(inv.enis.into_iter().filter(|e| keep(&e.account, &e.region)));
        dst.gaps.extend(inv.gaps.into_iter().filter(|g| keep(&g.account, &g.region)));
        dst.capacity_providers
            .extend(inv.capacity_providers.into_iter().filter(|c| keep(&c.account, &c.region)));
        let mut differ = Vec::new();
        keyed(
            &mut dst.subnets,
            inv.subnets,
            |a, b| a.vpc == b.vpc && a.az == b.az && a.cidr == b.cidr && a.egress == b.egress,
            &mut differ,
        );
        keyed(
            &mut dst.security_groups,
            inv.security_groups,
            |a, b| a.vpc == b.vpc && a.rules == b.rules && a.is_default == b.is_default,
            &mut differ,
        );
        keyed(&mut dst.vpcs, inv.vpcs, |a, b| a.cidr == b.cidr && a.quota == b.quota, &mut differ);
        if !differ.is_empty() {
            out.notes.push(format!(
                "{shown} describes {} differently from an earlier snapshot; the earlier copy is used",
                differ.join(", ")
            ));
        }
        let renamed = names(&mut dst.account_names, inv.account_names);
        if !renamed.is_empty() {
            out.notes.push(format!(
                "{shown} names {} differently from an earlier snapshot; the earlier name is used",
                renamed.join(", ")
            ));
        }
        dst.unresolved.extend(inv.unresolved);
        dst.lists.extend(inv.lists);
        dst.sg_references.extend(inv.sg_references);
        out.api_calls += meta.api_calls;
        for (k, v) in meta.values {
            match out.values.get(&k) {
                Some(old) if *old != v => {
                    conflicting_values.insert(k);
                }
                _ => {
                    out.values.insert(k, v);
                }
            }
        }
    }
    for k in &conflicting_values {
        out.values.remove(k);
    }
    if !conflicting_values.is_empty() {
        out.notes.push(format!(
            "the snapshots give different values for {}: they are left out, so templates that use them stay unresolved",
            conflicting_values.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    out.scopes = taken.into_keys().collect();
    Ok(out)
}

/// Adds the account names `into` lacks; an account `from` names differently
/// is listed, as `111122223333 ("new" here, "old" before)`. Names are labels:
/// a difference (an account renamed between two reads) is no conflict.
fn names(into: &mut BTreeMap<String, String>, from: BTreeMap<String, String>) -> Vec<String> {
    let mut renamed = Vec::new();
    for (id, name) in from {
        match into.entry(id) {
            Entry::Vacant(e) => {
                e.insert(name);
            }
            Entry::Occupied(e) if *e.get() != name => renamed.push(format!("{} (\"{name}\" here, \"{}\" before)", e.key(), e.get())),
            Entry::Occupied(_) => {}
        }
    }
    renamed
}

/// Adds `from`'s entries that `into` lacks; an entry both hold and `same`
/// finds different is named in `differ`. Free IPs are left out of `same`: two
/// reads of a shared subnet minutes apart rarely agree on them.
fn keyed<K: Ord + std::fmt::Display, V>(
    into: &mut BTreeMap<K, V>,
    from: BTreeMap<K, V>,
    same: impl Fn(&V, &V) -> bool,
    differ: &mut Vec<String>,
) {
    if into.is_empty() {
        *into = from;
        return;
    }
    for (k, v) in from {
        match into.entry(k) {
            Entry::Vacant(e) => {
                e.insert(v);
            }
            Entry::Occupied(e) if !same(e.get(), &v) => differ.push(e.key().to_string()),
            Entry::Occupied(_) => {}
        }
    }
}
