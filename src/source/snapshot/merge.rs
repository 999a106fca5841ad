//! `eniplan snapshot merge` and repeated `audit --snapshot`: several
//! snapshots (one per account, from a CI matrix) joined into one inventory.
//!
//! A scope (account, region) read by two inputs must hold the same data in
//! both (functions, Lambda ENIs, gaps, capacity providers, and the other-ENI
//! counts of the VPCs these are in): then it is kept once. Different data is
//! an error naming the scope, what differs and both files, because eniplan
//! cannot tell which read is right. Subnets, groups and VPCs are keyed by ID,
//! not by scope (a shared VPC's subnets appear in every account they are
//! shared with): the first input's copy is kept, and a copy that differs is
//! noted. Account names are joined the same
//! way: the first input's name is kept, and another name is noted.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use std::path::PathBuf;

use super::{from_inventory, Snapshot};
use crate::error::{Failure, InputError};
use crate::model::{Inventory, Scope, Value};

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
            account: f.account.to_string(),
            region: f.region.to_string(),
        }));
    }
    scopes
}

/// What two reads of one scope must agree on: its functions, ENIs, gaps and
/// capacity providers as the snapshot format writes them, sorted, and the VPCs
/// they are in (whose other ENIs are compared too).
struct ScopeRead {
    functions: String,
    enis: String,
    gaps: Vec<String>,
    capacity_providers: String,
    vpcs: BTreeSet<String>,
}

fn scope_read(inv: &Inventory, scope: &Scope) -> ScopeRead {
    let within = |account: &str, region: &str| account == scope.account && region == scope.region;
    let mut sub = Inventory {
        functions: inv.functions.iter().filter(|f| within(&f.account, &f.region)).cloned().collect(),
        enis: inv.enis.iter().filter(|e| within(&e.account, &e.region)).cloned().collect(),
        capacity_providers: inv
            .capacity_providers
            .iter()
            .filter(|p| within(&p.account, &p.region))
            .cloned()
            .collect(),
        ..Default::default()
    };
    sub.functions.sort_by(|a, b| a.name.cmp(&b.name));
    sub.enis.sort_by(|a, b| a.id.cmp(&b.id));
    sub.capacity_providers.sort_by(|a, b| a.name.cmp(&b.name));
    let mut gaps: Vec<String> = inv
        .gaps
        .iter()
        .filter(|g| within(&g.account, &g.region))
        .map(|g| format!("{}\0{}", g.operation, g.error))
        .collect();
    gaps.sort();
    let snap = from_inventory(&sub, vec![], 0);
    // A VPC is named directly, or through a subnet the inventory places in it.
    let vpc_of = |subnet: &str| {
        inv.subnets
            .get(&Value::id(subnet))
            .and_then(|s| s.vpc.as_ref())
            .map(Value::to_string)
    };
    let configs = snap.functions.iter().flat_map(|f| &f.versions).filter_map(|v| v.vpc.as_ref());
    let mut vpcs: BTreeSet<String> = configs
        .flat_map(|c| {
            c.vpc_id
                .iter()
                .map(|v| v.to_string())
                .chain(c.subnet_ids.iter().filter_map(|s| vpc_of(s)))
        })
        .collect();
    for e in &snap.enis {
        vpcs.extend(e.vpc_id.iter().map(|v| v.to_string()).chain(vpc_of(&e.subnet_id)));
    }
    vpcs.extend(snap.capacity_providers.iter().flat_map(|p| &p.subnet_ids).filter_map(|s| vpc_of(s)));
    fn json(v: &impl serde::Serialize) -> String {
        serde_json::to_string(v).unwrap_or_default()
    }
    ScopeRead {
        functions: json(&snap.functions),
        enis: json(&snap.enis),
        gaps,
        capacity_providers: json(&snap.capacity_providers),
        vpcs,
    }
}

/// Each VPC's count of other ENIs, as one input has it.
type OtherEnis = BTreeMap<Value, Option<u64>>;

fn other_enis(inv: &Inventory) -> OtherEnis {
    inv.vpcs.iter().map(|(id, v)| (id.clone(), v.other_enis)).collect()
}

/// What differs between the read of a scope `there` (an earlier input) and
/// `here`: the parts named, and each VPC whose other-ENI count differs.
fn differences(there: (&ScopeRead, &OtherEnis), here: (&ScopeRead, &OtherEnis)) -> Vec<String> {
    let ((a, counts_a), (b, counts_b)) = (there, here);
    let mut out: Vec<String> = [
        (a.functions != b.functions, "functions"),
        (a.enis != b.enis, "Lambda ENIs"),
        (a.gaps != b.gaps, "gaps"),
        (a.capacity_providers != b.capacity_providers, "capacity providers"),
    ]
    .into_iter()
    .filter(|(differ, _)| *differ)
    .map(|(_, what)| what.to_string())
    .collect();
    let count = |counts: &OtherEnis, vpc: &str| counts.get(&Value::id(vpc)).copied().flatten();
    let shown = |n: Option<u64>| n.map_or_else(|| "not counted".to_string(), |n| n.to_string());
    for vpc in a.vpcs.union(&b.vpcs) {
        let (x, y) = (count(counts_a, vpc), count(counts_b, vpc));
        if x != y {
            out.push(format!("{vpc}'s other ENIs ({} there, {} here)", shown(x), shown(y)));
        }
    }
    out
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
    // Which input each scope was taken from; the joined inventory holds that
    // input's copy of its functions, ENIs, gaps and providers. The VPCs are
    // keyed by ID, so each input's own counts of their other ENIs are kept aside.
    let mut taken: BTreeMap<Scope, usize> = BTreeMap::new();
    let mut inputs: Vec<(String, OtherEnis)> = Vec::new();
    let mut conflicting_values = BTreeSet::new();
    for part in parts {
        let mut skip = BTreeSet::new();
        let counts = other_enis(&part.inventory);
        for scope in scopes_of(&part) {
            match taken.entry(scope.clone()) {
                Entry::Vacant(e) => {
                    e.insert(inputs.len());
                }
                Entry::Occupied(e) => {
                    let (there, there_counts) = &inputs[*e.get()];
                    let a = scope_read(&out.inventory, &scope);
                    let b = scope_read(&part.inventory, &scope);
                    let differ = differences((&a, there_counts), (&b, &counts));
                    if !differ.is_empty() {
                        return Err(InputError::plain(
                            &part.shown,
                            format!(
                                "account {} region {} is also in {there} with different data ({}); merge one read of each account and region",
                                scope.account,
                                scope.region,
                                differ.join("; ")
                            ),
                        )
                        .into());
                    }
                    skip.insert(scope);
                }
            }
        }
        inputs.push((part.shown.clone(), counts));
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
