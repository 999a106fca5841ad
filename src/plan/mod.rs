//! The consolidation planner: the steps from today's combinations to the
//! consolidated ones, in an order that keeps functions out of `Pending` where
//! it can, and what each step saves.
//!
//! It reads the one pipeline's graph and the merges of its active findings
//! (the same merges the report's consolidated counts come from), and proposes
//! nothing else: no step changes what a function can reach, except the
//! `--include-extra` steps, which say so.

mod edits;
pub use edits::{Command, Edit};
pub mod json;
pub mod markdown;
mod size;
pub mod suggestions;
pub mod text;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::config::Thresholds;
use crate::files::Files;
use crate::graph::{ComboKey, Consolidation, EniGraph, Merge, User};
use crate::model::Value;
use crate::timing;

pub use size::{Totals, VpcPlan};

/// The JSON layout's version (docs/plan-json.md).
pub const VERSION: u32 = 1;

/// What AWS documents about a step that needs a new combination.
macro_rules! pending {
    () => {
        "the function stays Pending (LastUpdateStatus InProgress) while Lambda creates the ENI: \"Lambda can require several minutes to create a Hyperplane ENI\" (AWS Lambda Developer Guide, \"VPC networking for Lambda\", https://docs.aws.amazon.com/lambda/latest/dg/foundation-networking.html)"
    };
}
pub const PENDING: &str = pending!();
/// The note of a step that creates a combination: one shared text for every such step.
const CREATES: &str = concat!("creates a combination: ", pending!());
const REVIEW: &str = "changes access: review. It drops a security group that is not proven redundant (ENI002); the functions lose what only that group allowed";

/// What AWS documents about an ENI no function or version uses any more.
pub const RELEASE: &str = "\"Lambda requires up to 20 minutes to delete the attached Hyperplane ENI\" once no function or published version uses its combination, and until then the ENI blocks deleting its security groups and subnet (AWS Lambda Developer Guide, \"VPC networking for Lambda\", https://docs.aws.amazon.com/lambda/latest/dg/foundation-networking.html)";

/// How the plan's edits are written: into the files read, or as AWS CLI commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Templates,
    Account,
}

pub struct Options<'a> {
    pub target: Target,
    pub thresholds: &'a Thresholds,
    /// The merges the plan makes: the safe ones, with `--include-extra` after
    /// the proposals that change access (ENI002's extra groups), so a safe
    /// merge of the same set wins. See [`planned`].
    pub planned: &'a [Merge],
}

/// The merges a plan makes: the review ones (if any), then the safe ones.
pub fn planned(safe: &[Merge], review: &[Merge]) -> Vec<Merge> {
    review.iter().chain(safe).cloned().collect()
}

#[derive(Serialize)]
pub struct Plan<'g> {
    pub version: u32,
    /// `templates` or `account`: whether steps carry `edits` or `aws_cli`.
    pub input: &'static str,
    pub before: Totals,
    pub after: Totals,
    pub vpcs: Vec<VpcPlan>,
    pub steps: Vec<Step<'g>>,
    /// The inventory is incomplete: the plan covers only what was read.
    pub incomplete: bool,
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// `$LATEST` of the functions moves to another (subnets, groups).
    Update,
    /// Published versions that keep the old combination alive.
    Version,
    /// A security group no function uses after the plan.
    Cleanup,
}

/// Subnets and security groups of a VpcConfig, sorted; borrowed from the
/// graph where it can be, since a large account has a step per function.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Config<'g> {
    pub subnets: Cow<'g, [Value]>,
    pub security_groups: Cow<'g, [Value]>,
}

/// The versions a step moves, named only when the plan is written.
pub struct Names<'g> {
    g: &'g EniGraph<'g>,
    users: Vec<User>,
}

impl Names<'_> {
    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// `name` for `$LATEST`, `name:3` for a published version.
    pub fn strings(&self) -> Vec<String> {
        self.users.iter().map(|&u| self.g.user_name(u)).collect()
    }
}

impl Serialize for Names<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.users.iter().map(|&u| self.g.user_name(u)))
    }
}

pub struct Step<'g> {
    pub kind: Kind,
    pub account: &'g str,
    pub region: &'g str,
    pub vpc: Cow<'g, Value>,
    /// `name` for `$LATEST`, `name:3` for a published version.
    pub functions: Names<'g>,
    pub from: Config<'g>,
    pub to: Config<'g>,
    /// Every combination the step moves onto is in use already (by then), so no function goes Pending.
    pub reuses_existing: bool,
    /// The step drops a security group that is not proven redundant.
    pub changes_access: bool,
    /// Combinations no function or version uses after this step.
    pub frees: Vec<&'g ComboKey>,
    pub edits: Vec<Edit>,
    /// Commands other than the updates below.
    pub aws_cli: Vec<edits::Command<'g>>,
    /// Each function gets `to` by an update command, made only when the plan
    /// is written: a large account has one per function.
    pub updates: bool,
    pub notes: Vec<Cow<'static, str>>,
}

impl<'g> Step<'g> {
    /// The step's AWS CLI commands, in order.
    pub fn commands(&self) -> impl Iterator<Item = edits::Command<'g>> + '_ {
        let updates = self.functions.users.iter().filter(|_| self.updates);
        let updates = updates.map(|&u| edits::update_command(self.functions.g, u, &self.to));
        updates.chain(self.aws_cli.iter().cloned())
    }
}

/// How a step is written: its fields, with the update commands made on the way.
#[derive(Serialize)]
struct StepJson<'a, 'g> {
    kind: Kind,
    account: &'g str,
    region: &'g str,
    vpc: &'a Value,
    functions: &'a Names<'g>,
    from: &'a Config<'g>,
    to: &'a Config<'g>,
    reuses_existing: bool,
    changes_access: bool,
    #[serde(serialize_with = "as_strings")]
    frees: &'a [&'g ComboKey],
    edits: &'a [Edit],
    aws_cli: Commands<'a, 'g>,
    notes: &'a [Cow<'static, str>],
}

struct Commands<'a, 'g>(&'a Step<'g>);

impl Serialize for Commands<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.commands())
    }
}

impl Serialize for Step<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        StepJson {
            kind: self.kind,
            account: self.account,
            region: self.region,
            vpc: &self.vpc,
            functions: &self.functions,
            from: &self.from,
            to: &self.to,
            reuses_existing: self.reuses_existing,
            changes_access: self.changes_access,
            frees: &self.frees,
            edits: &self.edits,
            aws_cli: Commands(self),
            notes: &self.notes,
        }
        .serialize(s)
    }
}

/// Where one of a version's combinations lands: its subnet, the subnet and set
/// it lands on, and whether only a review merge moves it.
type Landing<'g> = (&'g Value, &'g Value, &'g [Value], bool);

/// Moves that make one step: (account, region, VPC, from, to, changes access).
type StepKey<'m, 'g> = (bool, &'g str, &'g str, &'g Value, &'m Config<'g>, &'m Config<'g>);

/// One function version's move, before steps group them. Borrowed from the
/// graph where it can be: a large account has a move per function.
struct Move<'g> {
    user: User,
    vpc: &'g Value,
    from: Config<'g>,
    to: Config<'g>,
    review: bool,
}

/// The plan borrows from the graph and the planned merges, so a large
/// account's many steps copy little.
pub fn build<'g>(g: &'g EniGraph<'g>, files: &Files, merges: &[Merge], options: &Options<'g>) -> Plan<'g> {
    let safe = Consolidation::new(merges);
    let planned = Consolidation::new(options.planned);
    // The sizes do not depend on the moves: on a large account they are
    // measured on a second thread while the moves are found.
    let sizes = || {
        let before = timing::phase("plan before", || size::before(g, options.thresholds));
        let after = timing::phase("plan after", || size::after(g, options.thresholds, &planned));
        let vpcs = size::vpcs(g, &before, &after);
        (before, after, vpcs)
    };
    let ((moves, mut notes), (before, after, vpcs)) = std::thread::scope(|scope| {
        let sizes = scope.spawn(sizes);
        let moves = timing::phase("plan moves", || moves(g, &safe, &planned));
        (moves, sizes.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    });
    let cleanups = cleanup_steps(g, &before.used_groups, &after.used_groups, options.target);
    // Sized once: a large account's steps take tens of MB, and growing them copies as much.
    let versions = moves.iter().filter(|m| !g.version(m.user).is_latest()).count();
    // Version steps do not depend on the update steps: made on a second thread meanwhile.
    let (mut steps, version) = std::thread::scope(|scope| {
        let version = scope.spawn(|| timing::phase("plan versions", || version_steps(g, &moves, options.target)));
        let steps = timing::phase("plan updates", || {
            update_steps(g, files, &moves, options.target, versions + cleanups.len())
        });
        (steps, version.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
    });
    steps.extend(version);
    steps.extend(cleanups);
    timing::phase("plan frees", || freed(g, &after.kept, &mut steps));
    if !g.inv.gaps.is_empty() {
        notes.push("the inventory is incomplete: functions eniplan could not read are not in this plan".into());
    }
    if !g.inv.unresolved.is_empty() {
        notes.push("unresolved values are compared by identity: a combination named by one may already exist under its real ID".into());
    }
    Plan {
        version: VERSION,
        input: match options.target {
            Target::Templates => "templates",
            Target::Account => "account",
        },
        vpcs,
        before: before.totals,
        after: after.totals,
        steps,
        incomplete: !g.inv.gaps.is_empty(),
        notes,
    }
}

/// Each attached version whose (subnets, groups) the merges change.
fn moves<'g>(g: &'g EniGraph<'g>, safe: &Consolidation, planned: &Consolidation<'g>) -> (Vec<Move<'g>>, Vec<String>) {
    // (version, VPC, landing) for every moved combination, sorted by version:
    // a vector sorted once costs less than a map entry per version.
    let moved: Vec<_> = g
        .combos
        .iter()
        .map(|c| (c, planned.target(c)))
        .filter(|(c, target)| *target != (&c.key.subnet, &c.key.sgs[..]))
        .collect();
    let mut landings: Vec<(User, &Value, Landing)> = Vec::with_capacity(moved.iter().map(|(c, _)| c.users.len()).sum());
    for (c, (subnet, sgs)) in moved {
        let review = safe.target(c) != (subnet, sgs);
        landings.extend(c.users.iter().map(|&u| (u, &c.vpc, (&c.key.subnet, subnet, sgs, review))));
    }
    landings.sort_unstable_by_key(|l| l.0);
    let mut notes = Vec::new();
    let mut out = Vec::with_capacity(landings.chunk_by(|a, b| a.0 == b.0).count());
    for chunk in landings.chunk_by(|a, b| a.0 == b.0) {
        let (u, vpc) = (chunk[0].0, chunk[0].1);
        let sgs = chunk[0].2 .2;
        let same_sgs = chunk.iter().all(|l| l.2 .2 == sgs);
        let moved = |s: &Value| chunk.iter().find(|l| l.2 .0 == s).map(|l| l.2 .1);
        let from = g.subnets(u);
        let subnets: Cow<[Value]> = if chunk.iter().all(|l| l.2 .0 == l.2 .1) {
            Cow::Borrowed(from)
        } else {
            let mut list: Vec<Value> = from.iter().map(|s| moved(s).unwrap_or(s).clone()).collect();
            list.sort_unstable();
            list.dedup();
            Cow::Owned(list)
        };
        // Subnets the merges leave alone keep the old set; a VpcConfig has one set for all.
        let untouched = from.iter().any(|s| moved(s).is_none());
        if !same_sgs || (untouched && sgs != g.sgs(u)) {
            notes.push(format!(
                "{} is not planned: the merges give its subnets different security-group sets, which one VpcConfig cannot express",
                g.user_name(u)
            ));
            continue;
        }
        out.push(Move {
            user: u,
            vpc,
            from: Config {
                subnets: Cow::Borrowed(from),
                security_groups: Cow::Borrowed(g.sgs(u)),
            },
            to: Config {
                subnets,
                security_groups: Cow::Borrowed(sgs),
            },
            review: chunk.iter().any(|l| l.2 .3),
        });
    }
    (out, notes)
}

/// Updates of `$LATEST`, grouped by (account, region, from, to): those onto
/// combinations in use first, then those that create one, each marked as
/// reusing once an earlier step has created its combinations.
/// The vector returned has room for `spare` more steps.
fn update_steps<'g>(g: &'g EniGraph<'g>, files: &Files, moves: &[Move<'g>], target: Target, spare: usize) -> Vec<Step<'g>> {
    // Moves come in inventory order, so the groups are made in the order of their first version.
    let mut index: ahash::AHashMap<StepKey, usize> = ahash::AHashMap::with_capacity(moves.len());
    let mut ordered: Vec<(bool, StepKey, Vec<User>)> = Vec::with_capacity(moves.len());
    for m in moves.iter().filter(|m| g.version(m.user).is_latest()) {
        let f = g.function(m.user);
        let key = (m.review, &*f.account, &*f.region, m.vpc, &m.from, &m.to);
        match index.entry(key) {
            std::collections::hash_map::Entry::Occupied(e) => ordered[*e.get()].2.push(m.user),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(ordered.len());
                ordered.push((false, key, vec![m.user]));
            }
        }
    }
    drop(index);
    for (creates, (_, account, _, _, _, to), _) in &mut ordered {
        *creates = !to.subnets.iter().all(|s| g.find_parts(account, s, &to.security_groups).is_some());
    }
    // Safe steps onto combinations in use first, then the others; a stable sort keeps inventory order within each.
    ordered.sort_by_key(|(creates, key, _)| (key.0, *creates));
    let mut created: ahash::AHashSet<(&str, &Value, &[Value])> = ahash::AHashSet::new();
    let mut steps = Vec::with_capacity(ordered.len() + spare);
    for (_, (review, account, region, vpc, from, to), users) in ordered {
        let sgs = &to.security_groups[..];
        let reuses = to
            .subnets
            .iter()
            .all(|s| g.find_parts(account, s, sgs).is_some() || created.contains(&(account, s, sgs)));
        created.extend(to.subnets.iter().map(|s| (account, s, sgs)));
        let (from, to) = (from.clone(), to.clone());
        let mut notes = Vec::new();
        if !reuses {
            notes.push(Cow::Borrowed(CREATES));
        }
        if review {
            notes.push(Cow::Borrowed(REVIEW));
        }
        let edits = match target {
            Target::Templates => {
                let (edits, more) = edits::template(g, files, &users, &from, &to);
                notes.extend(more.into_iter().map(Cow::Owned));
                edits
            }
            Target::Account => vec![],
        };
        steps.push(Step {
            kind: Kind::Update,
            account,
            region,
            vpc: Cow::Borrowed(vpc),
            functions: Names { g, users },
            from,
            to,
            reuses_existing: reuses,
            changes_access: review,
            frees: vec![],
            edits,
            aws_cli: vec![],
            updates: target == Target::Account,
            notes,
        });
    }
    steps
}

/// Published versions cannot be updated: each keeps its old combination
/// until it is deleted, or re-published from the updated `$LATEST`.
fn version_steps<'g>(g: &'g EniGraph<'g>, moves: &[Move<'g>], target: Target) -> Vec<Step<'g>> {
    let mut steps = Vec::new();
    for m in moves.iter().filter(|m| !g.version(m.user).is_latest()) {
        let f = g.function(m.user);
        let v = g.version(m.user);
        let cost = m.from.subnets.len();
        let mut notes: Vec<Cow<str>> = vec![Cow::Owned(format!(
            "published versions keep their VpcConfig and cannot be updated: version {} keeps {} (up to {}) alive while it exists; the plan's `after` counts it re-published from the updated $LATEST, or deleted",
            v.version,
            if cost == 1 { "its combination".to_string() } else { format!("its {cost} combinations") },
            crate::rules::enis(cost)
        ))];
        let aliases: Vec<String> = v.aliases.iter().map(|a| format!("{}:{a}", f.name)).collect();
        if aliases.is_empty() {
            notes.push(Cow::Owned(format!(
                "no alias points to it: delete version {} once nothing invokes it; Lambda then frees the ENI",
                v.version
            )));
        } else {
            notes.push(Cow::Owned(format!(
                "publish a new version after the update of {} (`aws lambda publish-version`), point {} at it (`aws lambda update-alias`), then delete version {}; Lambda then frees the ENI",
                f.name,
                aliases.join(", "),
                v.version
            )));
        }
        let aws_cli = match (target, aliases.is_empty()) {
            (Target::Account, true) => vec![edits::delete_version_command(&f.name, &v.version)],
            _ => vec![],
        };
        steps.push(Step {
            kind: Kind::Version,
            account: &f.account,
            region: &f.region,
            vpc: Cow::Borrowed(m.vpc),
            functions: Names { g, users: vec![m.user] },
            from: m.from.clone(),
            to: m.to.clone(),
            reuses_existing: true,
            changes_access: m.review,
            frees: vec![],
            edits: vec![],
            aws_cli,
            updates: false,
            notes,
        });
    }
    steps
}

/// Groups some combination used before and none uses after, one step per
/// account and VPC: they can go once Lambda has released the ENIs.
fn cleanup_steps<'g>(
    g: &'g EniGraph<'g>,
    before: &BTreeSet<(&'g str, &'g Value)>,
    after: &BTreeSet<(&'g str, &'g Value)>,
    target: Target,
) -> Vec<Step<'g>> {
    let mut places: BTreeMap<(&str, Value), Vec<&Value>> = BTreeMap::new();
    for &(account, group) in before.difference(after) {
        let vpc = g.group(group).and_then(|s| s.vpc.clone()).unwrap_or_else(Value::unknown_vpc);
        places.entry((account, vpc)).or_default().push(group);
    }
    let mut steps = Vec::new();
    for ((account, vpc), groups) in places {
        let list = crate::rules::set(&groups.iter().map(|&v| v.clone()).collect::<Vec<_>>());
        let mut notes: Vec<Cow<str>> = vec![
            format!("no Lambda function or version uses {list} after the steps above; delete them only after Lambda has released their ENIs: {RELEASE}").into(),
            "eniplan sees Lambda's use of a group only: check that nothing else (instances, databases, endpoints) uses them".into(),
        ];
        for &group in &groups {
            if let Some(by) = g.referenced_by.get(group).filter(|b| !b.is_empty()) {
                let by: Vec<String> = by.iter().cloned().collect();
                notes.push(format!("{} refer to {group}; remove those references first", crate::rules::names(&by, 5)).into());
            }
            if let (Target::Templates, Some(sg)) = (target, g.group(group)) {
                notes.push(
                    format!(
                        "remove the resource {} from its template once nothing else in it refers to it",
                        sg.origin.resource
                    )
                    .into(),
                );
            }
        }
        let aws_cli = match target {
            Target::Account => groups
                .iter()
                .filter_map(|v| match v {
                    Value::Id(id) => Some(edits::delete_group_command(id)),
                    Value::Symbol { .. } => None,
                })
                .collect(),
            Target::Templates => vec![],
        };
        steps.push(Step {
            kind: Kind::Cleanup,
            account,
            region: "",
            vpc: Cow::Owned(vpc),
            functions: Names { g, users: vec![] },
            from: Config {
                subnets: Cow::Borrowed(&[]),
                security_groups: groups.into_iter().cloned().collect(),
            },
            to: Config {
                subnets: Cow::Borrowed(&[]),
                security_groups: Cow::Borrowed(&[]),
            },
            reuses_existing: true,
            changes_access: false,
            frees: vec![],
            edits: vec![],
            aws_cli,
            updates: false,
            notes,
        });
    }
    steps
}

/// Marks each update and version step with the combinations nothing uses once it is done.
fn freed<'g>(g: &'g EniGraph<'g>, kept: &[bool], steps: &mut [Step<'g>]) {
    // Users left on each combination; a step takes its versions off their old ones.
    let mut left: Vec<usize> = g.combos.iter().map(|c| c.users.len()).collect();
    for step in steps.iter_mut().filter(|s| s.kind != Kind::Cleanup) {
        let moving = step.functions.len();
        for subnet in step.from.subnets.iter() {
            let Some(ci) = g.find_parts(step.account, subnet, &step.from.security_groups) else {
                continue;
            };
            left[ci] = left[ci].saturating_sub(moving);
            if left[ci] == 0 && !kept[ci] {
                step.frees.push(&g.combos[ci].key);
            }
        }
    }
}

/// Values as their text, the way the report writes combinations.
fn as_strings<S: serde::Serializer, T: std::fmt::Display>(values: &[T], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(values.iter().map(Text))
}

/// A value written as its text straight into the output.
struct Text<T>(T);

impl<T: std::fmt::Display> Serialize for Text<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}
