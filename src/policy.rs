//! Policy: what configuration, inline ignores and a baseline make of the
//! rules' findings. Rules say what is true; policy says which rules run, at
//! what severity their findings are reported, which are suppressed, and which
//! suppressions no longer suppress anything.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::baseline::{self, Baseline};
use crate::config::Config;
use crate::error::Failure;
use crate::files::Files;
use crate::graph::EniGraph;
use crate::model::{Ignore, Inventory, Origin, Value};
use crate::rules::{Finding, Registered, RULES};

/// The rules the configuration leaves on; the others do not run at all.
pub fn enabled(config: &Config) -> Vec<&'static Registered> {
    RULES.iter().filter(|r| config.enabled(r.rule.id)).collect()
}

pub struct Policy<'a> {
    pub config: &'a Config,
    pub baseline: Option<&'a Baseline>,
    /// `check --against`/`--live`: report only what concerns the deploy.
    pub deploy_only: bool,
}

/// A suppression that suppresses nothing: an `[[ignore]]` entry, an inline
/// ignore or a baseline entry.
#[derive(Debug, Clone, Serialize)]
pub struct StaleIgnore {
    pub kind: Kind,
    pub file: String,
    /// 0 when the entry's line is not known.
    pub line: usize,
    /// The entry, as a note names it.
    pub entry: String,
    pub reason: Reason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Config,
    Inline,
    Baseline,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    NoMatch,
    /// The rule it names is turned off in `eniplan.toml`.
    RuleDisabled,
    /// An inline ignore naming no rule this eniplan knows: templates outlive
    /// tool versions, so it is a note, not an error.
    UnknownRule,
}

impl StaleIgnore {
    /// One sentence for the text, Markdown and SARIF notes.
    pub fn note(&self) -> String {
        let why = match self.reason {
            Reason::NoMatch => "matches no finding; remove it",
            Reason::RuleDisabled => "matches no finding: the rule is off in eniplan.toml",
            Reason::UnknownRule => "names no rule this eniplan knows, so it suppresses nothing",
        };
        match self.line {
            0 => format!("{} {why} ({})", self.entry, self.file),
            n => format!("{} {why} ({}:{n})", self.entry, self.file),
        }
    }
}

/// The findings as reported, and the suppressions that matched none of them.
pub struct Judged {
    pub findings: Vec<Finding>,
    pub stale: Vec<StaleIgnore>,
    /// The baseline's part of `stale`, in the baseline's own shape.
    pub stale_baseline: Vec<baseline::Entry>,
}

/// Applies severities, ignores (configuration and inline), the deploy filter
/// and the baseline, in that order. A suppression counts as used when it
/// matches a finding before the deploy filter: an ignore an audit needs is not
/// stale in a `check --against` that leaves its finding out.
pub fn apply(graph: &EniGraph, files: &Files, mut findings: Vec<Finding>, policy: &Policy) -> Result<Judged, Failure> {
    let config = policy.config;
    let globs = config
        .ignore
        .iter()
        .map(|i| {
            i.glob()
                .map_err(|e| Failure::Usage(format!("invalid glob `{}` in [[ignore]]: {e}", i.resource.get_ref())))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut used = vec![false; config.ignore.len()];
    for f in &mut findings {
        if let Some(s) = config.rules.get(f.rule).and_then(|c| c.severity) {
            f.severity = s;
        }
        f.suppressed = suppressed_inline(graph, f);
        for ((ignore, glob), used) in config.ignore.iter().zip(&globs).zip(&mut used) {
            if ignore.covers(f.rule) && glob.is_match(&*f.location.resource) {
                *used = true;
                f.suppressed = true;
            }
        }
    }
    let config_file = config.path.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
    let mut stale: Vec<StaleIgnore> = config
        .ignore
        .iter()
        .zip(&used)
        .filter(|(_, used)| !**used)
        .map(|(i, _)| StaleIgnore {
            kind: Kind::Config,
            file: config_file.clone(),
            line: i.line,
            entry: i.describe(),
            reason: match i.rules.iter().all(|r| !config.enabled(r.get_ref())) && !i.rules.is_empty() {
                true => Reason::RuleDisabled,
                false => Reason::NoMatch,
            },
        })
        .collect();
    stale.extend(stale_inline(graph.inv, files, &findings, config));
    if policy.deploy_only {
        findings.retain(|f| concerns_deploy(graph.inv, f));
    }
    let stale_baseline = policy.baseline.map(|b| baseline::apply(&mut findings, b)).unwrap_or_default();
    let baseline_file = policy.baseline.map(|b| b.path.as_str()).unwrap_or_default();
    stale.extend(stale_baseline.iter().map(|e| StaleIgnore {
        kind: Kind::Baseline,
        file: baseline_file.to_string(),
        line: e.line,
        entry: format!("baseline entry {} {} ({})", e.rule, e.fingerprint, e.resource),
        reason: Reason::NoMatch,
    }));
    Ok(Judged {
        findings,
        stale,
        stale_baseline,
    })
}

/// Keeps what concerns the deploy: findings naming a deploy function, and the
/// projections (quota, subnet headroom).
fn concerns_deploy(inv: &Inventory, f: &Finding) -> bool {
    f.projected || f.subjects.users.iter().any(|u| inv.is_deploy(u.function))
}

/// Suppressed when an affected security group or capacity provider ignores
/// the rule, or when every affected function does.
fn suppressed_inline(g: &EniGraph, f: &Finding) -> bool {
    let ignores = |list: &[Ignore]| list.iter().any(|i| i.covers(f.rule));
    let by_group = f.subjects.groups.iter().any(|v| g.group(v).is_some_and(|sg| ignores(&sg.ignore)));
    let by_functions = !f.subjects.users.is_empty() && f.subjects.users.iter().all(|u| ignores(&g.function(*u).ignore));
    let by_provider = f.subjects.providers.iter().any(|&p| ignores(&g.inv.capacity_providers[p].ignore));
    by_group || by_functions || by_provider
}

/// Inline ignores that name no rule, or whose rule found nothing about their
/// function or group. A function's ignore counts as matching a finding that
/// names the function, even where other functions keep that finding active.
fn stale_inline(inv: &Inventory, files: &Files, findings: &[Finding], config: &Config) -> Vec<StaleIgnore> {
    let functions = inv.functions.iter().enumerate().filter(|(_, f)| !f.ignore.is_empty());
    let groups = inv.security_groups.values().filter(|g| !g.ignore.is_empty());
    let mut carriers: Vec<(Carrier, &Origin, &[Ignore])> = functions
        .map(|(i, f)| (Carrier::Function(i), &f.origin, f.ignore.as_slice()))
        .chain(groups.map(|g| (Carrier::Group(&g.id), &g.origin, g.ignore.as_slice())))
        .collect();
    if carriers.is_empty() {
        return vec![];
    }
    // The (function or group, rule) pairs some finding names.
    let mut named: BTreeSet<(Carrier, &str)> = BTreeSet::new();
    for f in findings {
        let users = f.subjects.users.iter().map(|u| u.function);
        named.extend(
            users
                .filter(|&i| !inv.functions[i].ignore.is_empty())
                .map(|i| (Carrier::Function(i), f.rule)),
        );
        let groups = f.subjects.groups.iter().filter_map(|v| inv.security_groups.get(v));
        named.extend(groups.filter(|g| !g.ignore.is_empty()).map(|g| (Carrier::Group(&g.id), f.rule)));
    }
    carriers.sort_by_cached_key(|(_, origin, _)| place(files, origin));
    let mut out = Vec::new();
    for (carrier, origin, list) in carriers {
        let mut seen = BTreeSet::new();
        for ignore in list.iter().filter(|i| seen.insert(i.rule.to_ascii_uppercase())) {
            let id = &ignore.rule;
            // Where the ignore is written; its resource's line when the source does not say.
            let (file, line) = match ignore.origin.file() {
                Some(_) => place(files, &ignore.origin),
                None => place(files, origin),
            };
            let reason = match RULES.iter().map(|r| r.rule.id).find(|r| r.eq_ignore_ascii_case(id)) {
                None => Reason::UnknownRule,
                Some(r) if !config.enabled(r) => Reason::RuleDisabled,
                Some(r) if named.contains(&(carrier, r)) => continue,
                Some(_) => Reason::NoMatch,
            };
            out.push(StaleIgnore {
                kind: Kind::Inline,
                file,
                line,
                entry: format!("inline ignore {id} on {}", origin.resource),
                reason,
            });
        }
    }
    out
}

/// What an inline ignore is written on.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Carrier<'a> {
    Function(usize),
    Group(&'a Value),
}

/// The file and line of an origin; the resource and line 0 without a file.
fn place(files: &Files, origin: &Origin) -> (String, usize) {
    match origin.file() {
        Some((id, span)) => {
            let f = files.get(id);
            (f.path.clone(), f.line_col(f.clamp(&span).start).0)
        }
        None => (origin.resource.to_string(), 0),
    }
}
