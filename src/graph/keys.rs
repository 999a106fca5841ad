//! Numbers for the parts of a combination key, so the hot lookups hash
//! integers instead of strings, and versions with the same set share it.
//!
//! Sources share one string per ID (the snapshot and live readers intern
//! them), so a value is first looked up by the address of its string; only a
//! value not seen at that address is hashed as text. The inventory outlives
//! the graph, so an address stands for one value throughout.

use std::sync::Arc;

use ahash::AHashMap as HashMap;

use crate::model::{sorted_unique_into, Function, Item, Value};

/// A sorted set of security groups or subnets, shared by the versions that have it.
type Set = Arc<[Value]>;

/// The set number of a version with no VPC configuration.
pub(super) const NO_SET: u32 = u32::MAX;

/// A combination key, borrowed: (account, subnet, SG set).
pub(super) type KeyRef<'a> = (&'a str, &'a Value, &'a [Value]);

#[derive(Default)]
pub(super) struct Keys {
    accounts: HashMap<String, (u32, Arc<str>)>,
    pub(super) subnets: HashMap<Value, u32>,
    pub(super) sets: Sets,
    vpcs: HashMap<Value, u32>,
    pub(super) combos: HashMap<(u32, u32, u32), usize>,
    /// Subnet numbers by the address of the subnet's string.
    subnet_at: HashMap<usize, u32>,
}

/// Where a value's string lives: equal addresses, equal values.
fn address(v: &Value) -> usize {
    match v {
        Value::Id(id) => id.as_ptr() as usize,
        Value::Symbol(s) => Arc::as_ptr(s) as usize,
    }
}

impl Keys {
    pub(super) fn account(&mut self, account: &str) -> (u32, Arc<str>) {
        if let Some(a) = self.accounts.get(account) {
            return a.clone();
        }
        let a = (self.accounts.len() as u32, Arc::from(account));
        self.accounts.insert(account.to_string(), a.clone());
        a
    }

    pub(super) fn subnet(&mut self, subnet: &Value) -> u32 {
        if let Some(&n) = self.subnet_at.get(&address(subnet)) {
            return n;
        }
        let n = number(&mut self.subnets, subnet);
        self.subnet_at.insert(address(subnet), n);
        n
    }

    /// The account's number, if a function version in it is attached.
    pub(super) fn account_number(&self, account: &str) -> Option<u32> {
        Some(self.accounts.get(account)?.0)
    }

    /// The subnet's number, if a function version uses it.
    pub(super) fn subnet_number(&self, subnet: &Value) -> Option<u32> {
        match self.subnet_at.get(&address(subnet)) {
            Some(&n) => Some(n),
            None => self.subnets.get(subnet).copied(),
        }
    }

    pub(super) fn vpc(&mut self, vpc: &Value) -> u32 {
        number(&mut self.vpcs, vpc)
    }

    /// Numbers every attached version's SG set and subnet set, in inventory
    /// order ([`NO_SET`] for the others): each half of the functions is
    /// numbered on its own thread, then the halves' sets are renumbered in
    /// the order the inventory first uses them, as one pass would have.
    pub(super) fn number_sets(&mut self, functions: &[Function]) -> Vec<(u32, u32)> {
        let half = if functions.len() < PARALLEL_FROM {
            functions.len()
        } else {
            functions.len() / 2
        };
        let (first, second) = functions.split_at(half);
        let (first, second) = std::thread::scope(|scope| {
            let second = (!second.is_empty()).then(|| scope.spawn(|| LocalSets::number(second)));
            (
                LocalSets::number(first),
                second.map(|h| h.join().expect("numbering does not panic")),
            )
        });
        let mut out = Vec::with_capacity(first.versions.len() + second.as_ref().map_or(0, |s| s.versions.len()));
        for local in std::iter::once(first).chain(second) {
            let global: Vec<u32> = local.sets.list.into_iter().map(|set| self.sets.number(&set)).collect();
            let at = |n: u32| if n == NO_SET { NO_SET } else { global[n as usize] };
            out.extend(local.versions.into_iter().map(|(sgs, subnets)| (at(sgs), at(subnets))));
        }
        out
    }

    /// The values of set number `n`; none for [`NO_SET`].
    pub(super) fn values(&self, n: u32) -> &[Value] {
        self.sets.list.get(n as usize).map_or(&[], |s| &s[..])
    }

    /// Set number `n`, shared.
    pub(super) fn shared(&self, n: u32) -> Set {
        self.sets.list[n as usize].clone()
    }

    /// The number of a set of values (sorted, without duplicates), if a version has it.
    pub(super) fn set_number(&self, values: &[Value]) -> Option<u32> {
        self.sets.by_value.get(values).copied()
    }

    /// The combination with this key, if any function version uses it.
    pub(super) fn find(&self, account: &str, subnet: &Value, sgs: &[Value]) -> Option<usize> {
        let id = (self.account_number(account)?, self.subnet_number(subnet)?, self.set_number(sgs)?);
        self.combos.get(&id).copied()
    }
}

/// Sets of values, numbered in the order they are first given.
#[derive(Default)]
pub(super) struct Sets {
    by_value: HashMap<Set, u32>,
    /// The sets by number.
    pub(super) list: Vec<Set>,
}

impl Sets {
    /// The number of a set (sorted, without duplicates), given the next one if it has none yet.
    fn number(&mut self, values: &[Value]) -> u32 {
        if let Some(&n) = self.by_value.get(values) {
            return n;
        }
        let n = self.list.len() as u32;
        let set: Set = values.into();
        self.by_value.insert(set.clone(), n);
        self.list.push(set);
        n
    }
}

/// The value's number in `numbers`, given the next one if it has none yet.
fn number(numbers: &mut HashMap<Value, u32>, value: &Value) -> u32 {
    if let Some(&n) = numbers.get(value) {
        return n;
    }
    let n = numbers.len() as u32;
    numbers.insert(value.clone(), n);
    n
}

/// Lists at least this long are numbered on two threads.
const PARALLEL_FROM: usize = 20_000;

/// One thread's numbering of the sets of a run of functions.
struct LocalSets {
    /// The sets by local number, in the order the run first uses them.
    sets: Sets,
    /// (SG set, subnet set) of each version, by local number.
    versions: Vec<(u32, u32)>,
    /// Set numbers by the sorted addresses of the items' strings.
    by_address: HashMap<Vec<usize>, u32>,
    addresses: Vec<usize>,
    values: Vec<Value>,
}

impl LocalSets {
    fn number(functions: &[Function]) -> Self {
        let mut local = LocalSets {
            sets: Sets::default(),
            versions: Vec::with_capacity(functions.iter().map(|f| f.versions.len()).sum()),
            by_address: HashMap::new(),
            addresses: Vec::new(),
            values: Vec::new(),
        };
        for f in functions {
            for v in &f.versions {
                // A function on a capacity provider runs on the provider's instances: no ENI of its own.
                let ids = match v.vpc.as_ref().filter(|c| c.is_attached() && f.capacity_provider.is_none()) {
                    Some(cfg) => (local.set(&cfg.security_groups), local.set(&cfg.subnets)),
                    None => (NO_SET, NO_SET),
                };
                local.versions.push(ids);
            }
        }
        local
    }

    /// The local number of the items' values, sorted and without duplicates.
    fn set(&mut self, items: &[Item]) -> u32 {
        self.addresses.clear();
        self.addresses.extend(items.iter().map(|i| address(&i.value)));
        self.addresses.sort_unstable();
        self.addresses.dedup();
        if let Some(&n) = self.by_address.get(&self.addresses[..]) {
            return n;
        }
        sorted_unique_into(items, &mut self.values);
        let n = self.sets.number(&self.values);
        self.values.clear();
        self.by_address.insert(self.addresses.clone(), n);
        n
    }
}
