//! The ENI graph: function versions → combinations → subnets → VPCs.
//!
//! A combination is Lambda's sharing key, `(account, subnet, sorted set of
//! security groups)`. Each one is (at least) one Hyperplane ENI.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, OnceLock};

use ahash::AHashMap as HashMap;

use petgraph::graph::Graph;

use crate::files::Files;
use crate::model::*;
use crate::vpc_infer::InferredVpcs;

mod draw;
mod keys;
mod names;

use keys::{KeyRef, Keys, NO_SET};
pub mod providers;

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ComboKey {
    pub account: Arc<str>,
    pub subnet: Value,
    /// Sorted, without duplicates. Shared by every combination of one version.
    pub sgs: Arc<[Value]>,
}

impl fmt::Display for ComboKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sgs: Vec<String> = self.sgs.iter().map(|v| v.to_string()).collect();
        if self.account.is_empty() {
            write!(f, "{} + [{}]", self.subnet, sgs.join(", "))
        } else {
            write!(f, "{}: {} + [{}]", self.account, self.subnet, sgs.join(", "))
        }
    }
}

/// A function version that needs a combination.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct User {
    pub function: usize,
    pub version: usize,
}

/// A version's SG set and subnet set, numbered: see [`EniGraph::set_ids`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SetIds {
    pub sgs: u32,
    pub subnets: u32,
}

/// Numbers for a combination's key parts and VPC. Equal numbers mean equal
/// values, so rules can group combinations by integers instead of strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyIds {
    pub account: u32,
    pub subnet: u32,
    pub sgs: u32,
    pub vpc: u32,
}

#[derive(Debug)]
pub struct Combo {
    pub key: ComboKey,
    pub ids: KeyIds,
    pub vpc: Value,
    pub users: Vec<User>,
    /// Indices into `Inventory::enis` of the Lambda ENIs observed for this key.
    pub observed: Vec<usize>,
}

#[derive(Debug, Clone)]
pub enum GNode {
    Version(User),
    Combo(usize),
    Subnet(Value),
    Vpc(Value),
}

#[derive(Debug, Clone)]
pub struct VpcSummary {
    pub vpc: Value,
    pub accounts: BTreeSet<String>,
    pub combinations: usize,
    pub observed_enis: usize,
    /// Combinations with no ENI observed yet: each will need one.
    pub unmatched: usize,
    pub quota: u32,
    pub quota_source: QuotaSource,
    pub functions: BTreeSet<usize>,
    /// The VPC's ENIs that are not Lambda's, when the account was read.
    pub other_enis: Option<u64>,
}

impl VpcSummary {
    /// Projected Lambda ENIs: the ones observed (orphans too, until Lambda deletes them) plus one for each combination that has none yet.
    pub fn lambda_enis(&self) -> usize {
        self.observed_enis + self.unmatched
    }

    /// Projected ENIs against the VPC's quota: Lambda's, plus the others when they were counted.
    pub fn enis(&self) -> usize {
        self.lambda_enis() + self.other_enis.map_or(0, |n| n as usize)
    }
}

pub struct EniGraph<'a> {
    pub inv: &'a Inventory,
    /// Drawn on first need by [`EniGraph::graph`]: only the drawing writers
    /// read it, and at a million versions drawing it is a tenth of the run.
    drawn: OnceLock<Graph<GNode, ()>>,
    pub combos: Vec<Combo>,
    /// Numbered key parts; [`EniGraph::find`] looks combinations up by key.
    keys: Keys,
    pub vpcs: BTreeMap<Value, VpcSummary>,
    /// Group → the groups or resources whose rules name it as a peer.
    pub referenced_by: HashMap<Value, BTreeSet<String>>,
    /// Observed ENIs that match no combination of any function or version.
    pub orphans: Vec<usize>,
    /// Capacity providers, and the instances they may add per VPC and subnet.
    pub providers: providers::Providers,
    /// Each version's sorted, de-duplicated SG set and subnets, as set numbers
    /// ([`NO_SET`] when not attached), in inventory order: one flat list
    /// rather than a list per function, which at a million functions is a
    /// million allocations.
    version_sets: Vec<(u32, u32)>,
    /// Where each function's versions start in `version_sets`.
    first_version: Vec<usize>,
    /// Hash indexes over the inventory's ordered maps, for the hot lookups.
    subnets: HashMap<&'a Value, &'a Subnet>,
    groups: HashMap<&'a Value, &'a SecurityGroup>,
    /// Built on first need: inputs whose every VPC is known never pay for it.
    inferred: OnceLock<InferredVpcs>,
    /// Functions that share a name, and what tells each apart: its file, account or region.
    clashes: Vec<Vec<usize>>,
    qualifiers: HashMap<usize, String>,
}

/// Per-VPC quota overrides from configuration, and the default.
#[derive(Debug, Clone, Default)]
pub struct Quotas {
    pub default: Option<u32>,
    pub per_vpc: BTreeMap<String, u32>,
}

impl<'a> EniGraph<'a> {
    pub fn build(inv: &'a Inventory, quotas: &Quotas) -> Self {
        let mut g = EniGraph {
            inv,
            drawn: OnceLock::new(),
            combos: Vec::new(),
            keys: Keys::default(),
            vpcs: BTreeMap::new(),
            referenced_by: HashMap::new(),
            orphans: Vec::new(),
            providers: Default::default(),
            version_sets: Vec::new(),
            first_version: Vec::with_capacity(inv.functions.len()),
            subnets: inv.subnets.iter().collect(),
            groups: inv.security_groups.iter().collect(),
            inferred: OnceLock::new(),
            clashes: Vec::new(),
            qualifiers: HashMap::new(),
        };
        // Telling same-named functions apart needs only their names: it runs
        // beside the combining, which is most of the build.
        let clashes = std::thread::scope(|scope| {
            let clashes = scope.spawn(|| names::clashes(inv));
            g.combine();
            clashes.join().expect("naming does not panic")
        });
        g.qualifiers = names::qualifiers(inv, &clashes, None);
        g.clashes = clashes;
        g.match_enis();
        g.providers = providers::Providers::build(&g);
        g.summarise(quotas);
        g.references();
        g
    }

    /// Numbers every version's sets and makes the combinations they use, in
    /// inventory order.
    fn combine(&mut self) {
        let pairs: usize = self
            .inv
            .functions
            .iter()
            .flat_map(|f| f.versions.iter().filter_map(|v| v.vpc.as_ref()))
            .map(|c| c.subnets.len())
            .sum();
        // Not the table of keys: a table sized for every pair would be written
        // all over by the few combinations there are, and stay resident.
        self.combos.reserve(pairs / 2);
        self.version_sets = self.keys.number_sets(&self.inv.functions);
        // Each subnet set's subnet numbers, worked out on first use.
        let mut subnet_numbers: Vec<Option<Box<[u32]>>> = vec![None; self.keys.sets.list.len()];
        let mut k = 0;
        for (fi, f) in self.inv.functions.iter().enumerate() {
            let (account_id, account) = self.keys.account(&f.account);
            self.first_version.push(k);
            for (vi, v) in f.versions.iter().enumerate() {
                let (set_id, subnets_id) = self.version_sets[k];
                k += 1;
                let Some(cfg) = v.vpc.as_ref().filter(|_| set_id != NO_SET) else {
                    continue;
                };
                let user = User { function: fi, version: vi };
                let keys = &mut self.keys;
                let numbers = subnet_numbers[subnets_id as usize]
                    .get_or_insert_with(|| keys.sets.list[subnets_id as usize].clone().iter().map(|s| keys.subnet(s)).collect());
                for (j, &subnet_id) in numbers.iter().enumerate() {
                    let id = (account_id, subnet_id, set_id);
                    let ci = match self.keys.combos.get(&id) {
                        Some(&ci) => ci,
                        None => {
                            let subnet = self.keys.sets.list[subnets_id as usize][j].clone();
                            let vpc = self.vpc_of(&subnet, cfg);
                            let key = ComboKey {
                                account: account.clone(),
                                subnet,
                                sgs: self.keys.shared(set_id),
                            };
                            let ids = KeyIds {
                                account: id.0,
                                subnet: id.1,
                                sgs: id.2,
                                vpc: self.keys.vpc(&vpc),
                            };
                            self.combos.push(Combo {
                                key,
                                ids,
                                vpc,
                                users: vec![],
                                observed: vec![],
                            });
                            self.keys.combos.insert(id, self.combos.len() - 1);
                            self.combos.len() - 1
                        }
                    };
                    self.combos[ci].users.push(user);
                }
            }
        }
    }

    /// The VPC of a combination: the subnet's VPC when known (never trust a
    /// declared VpcId over it), else the declared one, else its groups' VPC,
    /// else the one VPC the subnet's company puts it in (see [`crate::vpc_infer`]).
    fn vpc_of(&self, subnet: &Value, cfg: &VpcConfig) -> Value {
        self.subnet(subnet)
            .and_then(|s| s.vpc.clone())
            .or_else(|| self.declared_vpc(cfg))
            .or_else(|| self.inferred().subnet(subnet).cloned())
            .unwrap_or_else(Value::unknown_vpc)
    }

    /// The VpcConfig's own VpcId, else its groups' VPC.
    fn declared_vpc(&self, cfg: &VpcConfig) -> Option<Value> {
        cfg.vpc_id
            .clone()
            .or_else(|| cfg.security_groups.iter().find_map(|i| self.group(&i.value)?.vpc.clone()))
    }

    /// The VPC of an observed ENI: its own, else its subnet's, else the one its
    /// subnet and groups are inferred to be in.
    pub fn vpc_of_eni(&self, eni: &ObservedEni) -> Value {
        eni.vpc
            .clone()
            .or_else(|| self.subnet(&eni.subnet).and_then(|s| s.vpc.clone()))
            .or_else(|| self.inferred().subnet(&eni.subnet).cloned())
            .unwrap_or_else(Value::unknown_vpc)
    }

    fn inferred(&self) -> &InferredVpcs {
        self.inferred.get_or_init(|| InferredVpcs::new(self.inv))
    }

    fn match_enis(&mut self) {
        let mut sgs = Vec::new();
        for (i, eni) in self.inv.enis.iter().enumerate() {
            sgs.clone_from(&eni.security_groups);
            sgs.sort_unstable();
            sgs.dedup();
            match self.keys.find(&eni.account, &eni.subnet, &sgs) {
                Some(ci) => self.combos[ci].observed.push(i),
                None => self.orphans.push(i),
            }
        }
    }

    fn summarise(&mut self, quotas: &Quotas) {
        let mut vpcs: BTreeMap<Value, VpcSummary> = BTreeMap::new();
        let entry = |vpc: &Value, inv: &Inventory| -> VpcSummary {
            let known = inv.vpcs.get(vpc);
            let configured = quotas.per_vpc.get(&vpc.to_string()).copied();
            // A quota read from the account beats the configured default; a
            // recorded fallback to AWS's default does not.
            let read = known
                .filter(|v| v.quota_source != QuotaSource::Default)
                .and_then(|v| v.quota.map(|q| (q, v.quota_source)));
            let (quota, quota_source) = match (configured, read, quotas.default) {
                (Some(q), _, _) => (q, QuotaSource::Config),
                (None, Some((q, src)), _) => (q, src),
                (None, None, Some(q)) => (q, QuotaSource::Config),
                (None, None, None) => (known.and_then(|v| v.quota).unwrap_or(DEFAULT_ENI_QUOTA), QuotaSource::Default),
            };
            VpcSummary {
                vpc: vpc.clone(),
                accounts: BTreeSet::new(),
                combinations: 0,
                observed_enis: 0,
                unmatched: 0,
                quota,
                quota_source,
                functions: BTreeSet::new(),
                other_enis: known.and_then(|v| v.other_enis),
            }
        };
        // Functions per VPC are gathered in one vector and sorted once: cheaper
        // than a tree insert per user. Each is one integer, VPC number above
        // function index (below 2^32: a snapshot stops at 1 GiB), so the sort
        // compares integers.
        let mut functions: Vec<u64> = Vec::with_capacity(self.combos.iter().map(|c| c.users.len()).sum());
        let mut vpc_by_id: HashMap<u32, &Value> = HashMap::new();
        for c in &self.combos {
            let s = vpcs.entry(c.vpc.clone()).or_insert_with(|| entry(&c.vpc, self.inv));
            s.combinations += 1;
            s.observed_enis += c.observed.len();
            s.unmatched += usize::from(c.observed.is_empty());
            if !s.accounts.contains(&*c.key.account) {
                s.accounts.insert(c.key.account.to_string());
            }
            vpc_by_id.insert(c.ids.vpc, &c.vpc);
            functions.extend(c.users.iter().map(|u| (u64::from(c.ids.vpc) << 32) | u.function as u64));
        }
        functions.sort_unstable();
        functions.dedup();
        for list in functions.chunk_by(|a, b| a >> 32 == b >> 32) {
            if let Some(s) = vpcs.get_mut(vpc_by_id[&((list[0] >> 32) as u32)]) {
                s.functions = list.iter().map(|&f| (f & u64::from(u32::MAX)) as usize).collect();
            }
        }
        for &i in &self.orphans {
            let eni = &self.inv.enis[i];
            let vpc = self.vpc_of_eni(eni);
            let s = vpcs.entry(vpc.clone()).or_insert_with(|| entry(&vpc, self.inv));
            s.observed_enis += 1;
            s.accounts.insert(eni.account.clone());
        }
        for (p, model) in self.providers.list.iter().zip(&self.inv.capacity_providers) {
            let s = vpcs.entry(p.vpc.clone()).or_insert_with(|| entry(&p.vpc, self.inv));
            s.accounts.insert(model.account.clone());
        }
        self.vpcs = vpcs;
    }

    fn references(&mut self) {
        for sg in self.inv.security_groups.values() {
            for rule in sg.rules.iter().flatten() {
                if let Peer::Group(peer) = &rule.peer {
                    self.referenced_by.entry(peer.clone()).or_default().insert(sg.id.to_string());
                }
            }
        }
        for (group, by) in &self.inv.sg_references {
            self.referenced_by.entry(group.clone()).or_default().insert(by.clone());
        }
    }

    /// How each VPC is shown in tables: see [`names::vpc_names`].
    pub fn vpc_names(&self) -> ahash::AHashMap<&Value, String> {
        names::vpc_names(self.vpcs.keys())
    }

    /// The combination with this key, if a function version uses it.
    pub fn find(&self, key: &ComboKey) -> Option<usize> {
        self.keys.find(&key.account, &key.subnet, &key.sgs)
    }

    /// The combination in `like`'s account and subnet with this SG set, if one is used.
    pub fn find_beside(&self, like: &Combo, sgs: &[Value]) -> Option<usize> {
        let set = self.keys.set_number(sgs)?;
        self.keys.combos.get(&(like.ids.account, like.ids.subnet, set)).copied()
    }

    pub fn subnet(&self, id: &Value) -> Option<&'a Subnet> {
        self.subnets.get(id).copied()
    }

    pub fn group(&self, id: &Value) -> Option<&'a SecurityGroup> {
        self.groups.get(id).copied()
    }

    /// Numbers for the version's SG set and subnet set: equal numbers, equal
    /// sets. Rules that judge a set, not a version, judge each number once.
    pub fn set_ids(&self, u: User) -> SetIds {
        let (sgs, subnets) = self.version_sets[self.first_version[u.function] + u.version];
        SetIds { sgs, subnets }
    }

    /// How many set numbers [`EniGraph::set_ids`] gives out: each is below this.
    pub fn set_count(&self) -> usize {
        self.keys.sets.list.len()
    }

    /// The combinations a version uses, one per subnet, in subnet order.
    pub fn combos_of(&self, u: User) -> impl Iterator<Item = usize> + '_ {
        let account = self.keys.account_number(&self.function(u).account);
        let sgs = self.set_ids(u).sgs;
        self.subnets(u)
            .iter()
            .filter_map(move |s| self.keys.combos.get(&(account?, self.keys.subnet_number(s)?, sgs)).copied())
    }

    /// The version's SG set: sorted, without duplicates.
    pub fn sgs(&self, u: User) -> &[Value] {
        self.keys.values(self.set_ids(u).sgs)
    }

    /// The version's subnets: sorted, without duplicates.
    pub fn subnets(&self, u: User) -> &[Value] {
        self.keys.values(self.set_ids(u).subnets)
    }

    pub fn function(&self, u: User) -> &Function {
        &self.inv.functions[u.function]
    }

    pub fn version(&self, u: User) -> &Version {
        &self.inv.functions[u.function].versions[u.version]
    }

    pub fn config(&self, u: User) -> &VpcConfig {
        self.version(u).vpc.as_ref().expect("graph users always have a VpcConfig")
    }

    /// Tells same-named functions apart by the files they were read from too.
    pub fn with_files(mut self, files: &Files) -> Self {
        self.qualifiers = names::qualifiers(self.inv, &self.clashes, Some(files));
        self
    }

    /// `name` for `$LATEST`, `name:3` for a published version; when another
    /// function has the same name, followed by what tells them apart:
    /// `name (a/template.yaml)`, `name:3 (111122223333)`.
    pub fn user_name(&self, u: User) -> String {
        self.user_label(u).to_string()
    }

    /// [`EniGraph::user_name`], shared: a `$LATEST` whose name no other
    /// function has is the function's own name, without a copy.
    pub fn user_label(&self, u: User) -> Arc<str> {
        let f = self.function(u);
        let v = self.version(u);
        match (v.is_latest(), self.qualifiers.get(&u.function)) {
            (true, None) => f.name.clone(),
            (true, Some(q)) => format!("{} ({q})", f.name).into(),
            (false, None) => format!("{}:{}", f.name, v.version).into(),
            (false, Some(q)) => format!("{}:{} ({q})", f.name, v.version).into(),
        }
    }

    /// Every attached function version, in inventory order.
    pub fn users(&self) -> impl Iterator<Item = User> + '_ {
        (0..self.inv.functions.len()).flat_map(|fi| self.function_users(fi))
    }

    /// The attached versions of one function, `$LATEST` first.
    pub fn function_users(&self, function: usize) -> impl Iterator<Item = User> + '_ {
        self.inv.functions[function]
            .versions
            .iter()
            .enumerate()
            .filter(|(_, v)| v.vpc.as_ref().is_some_and(VpcConfig::is_attached))
            .filter(move |_| self.inv.functions[function].capacity_provider.is_none())
            .map(move |(version, _)| User { function, version })
    }

    /// The VPC a function version is in (of its first subnet), if attached.
    pub fn vpc_of_user(&self, u: User) -> Value {
        let cfg = self.config(u);
        match self.subnets(u).first() {
            Some(s) => self.vpc_of(s, cfg),
            None => self
                .declared_vpc(cfg)
                .or_else(|| cfg.security_groups.iter().find_map(|i| self.inferred().group(&i.value).cloned()))
                .unwrap_or_else(Value::unknown_vpc),
        }
    }

    /// Combination count per VPC after applying merges; see `rules::Merge`.
    pub fn consolidated(&self, merges: &[Merge]) -> BTreeMap<Value, usize> {
        let merged = Consolidation::new(merges);
        let mut keys: BTreeMap<&Value, ahash::AHashSet<KeyRef>> = BTreeMap::new();
        for c in &self.combos {
            let (subnet, sgs) = merged.target(c);
            keys.entry(&c.vpc).or_default().insert((&c.key.account, subnet, sgs));
        }
        keys.into_iter().map(|(v, k)| (v.clone(), k.len())).collect()
    }

    /// The combination with this account, subnet and SG set (sorted), if one is used.
    pub fn find_parts(&self, account: &str, subnet: &Value, sgs: &[Value]) -> Option<usize> {
        self.keys.find(account, subnet, sgs)
    }
}

/// Merges as lookups: where each combination lands once they are made. The
/// consolidated count and the planner both read it, so they cannot disagree.
pub struct Consolidation<'m> {
    sgs: HashMap<(&'m Value, &'m [Value]), &'m [Value]>,
    subnets: HashMap<(&'m Value, &'m [Value], &'m Value), &'m Value>,
}

impl<'m> Consolidation<'m> {
    pub fn new(merges: &'m [Merge]) -> Self {
        let mut sgs = HashMap::new();
        let mut subnets = HashMap::new();
        for m in merges {
            match m {
                Merge::SecurityGroups { vpc, from, into } => {
                    sgs.insert((vpc, &from[..]), &into[..]);
                }
                Merge::Subnet { vpc, sgs: set, from, into } => {
                    subnets.insert((vpc, &set[..], from), into);
                }
            }
        }
        Consolidation { sgs, subnets }
    }

    /// The (subnet, SG set) the combination has after the merges.
    /// Borrowed from the combination or the merges, not from `self`.
    pub fn target(&self, c: &'m Combo) -> (&'m Value, &'m [Value]) {
        let sgs = self.sgs.get(&(&c.vpc, &*c.key.sgs)).copied().unwrap_or(&c.key.sgs);
        let subnet = self.subnets.get(&(&c.vpc, sgs, &c.key.subnet)).copied().unwrap_or(&c.key.subnet);
        (subnet, sgs)
    }
}

/// A change a rule proposes that keeps behaviour the same and removes combinations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Merge {
    /// Functions using `from` in `vpc` switch to the equivalent set `into`.
    SecurityGroups { vpc: Value, from: Vec<Value>, into: Vec<Value> },
    /// Functions with SG set `sgs` in `vpc` move from one subnet to another in the same AZ.
    Subnet {
        vpc: Value,
        sgs: Vec<Value>,
        from: Value,
        into: Value,
    },
}
