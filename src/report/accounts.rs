//! Per-account rows, for audits that span several accounts (`--org`,
//! `--role-arn`, merged snapshots).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::Counts;
use crate::graph::EniGraph;
use crate::model::{Scope, Value};
use crate::rules::{Finding, Severity};

#[derive(Debug, Serialize, Default, Clone)]
pub struct AccountOut {
    pub account: String,
    /// The name AWS Organizations gives it, when the audit listed the
    /// organization (or the snapshot audited records it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Regions read in it.
    pub regions: usize,
    pub functions: usize,
    pub vpc_functions: usize,
    pub combinations: usize,
    /// Projected ENIs, counted as `summary.enis` counts them.
    pub enis: usize,
    pub observed_enis: usize,
    /// Findings that concern the account; one about several accounts (a
    /// shared VPC's quota) counts in each.
    pub findings: Counts,
}

/// The per-account table's columns, in the text and Markdown reports.
pub const HEAD: [&str; 7] = ["account", "name", "regions", "functions", "combinations", "ENIs", "findings"];

impl AccountOut {
    /// The row under [`HEAD`]; findings as `errors/warnings/notes`.
    pub fn cells(&self) -> [String; 7] {
        let c = &self.findings;
        [
            self.account.clone(),
            self.name.clone().unwrap_or_default(),
            self.regions.to_string(),
            format!("{} ({} in a VPC)", self.functions, self.vpc_functions),
            self.combinations.to_string(),
            format!("{} ({} observed)", self.enis, self.observed_enis),
            format!("{}E {}W {}N", c.error, c.warning, c.note),
        ]
    }
}

/// One row per account audited (the accounts of `scopes`), by account ID,
/// named by `names` (the run's), else by the inventory (a snapshot's).
pub(super) fn accounts(g: &EniGraph, scopes: &[Scope], names: &BTreeMap<String, String>, findings: &[Finding]) -> Vec<AccountOut> {
    // Only audited accounts get a row: templates alone have none to count.
    if scopes.is_empty() {
        return vec![];
    }
    let mut rows: BTreeMap<String, AccountOut> = BTreeMap::new();
    for s in scopes.iter().filter(|s| !s.account.is_empty()) {
        let row = rows.entry(s.account.clone()).or_insert_with(|| AccountOut {
            account: s.account.clone(),
            name: names.get(&s.account).or_else(|| g.inv.account_names.get(&s.account)).cloned(),
            ..AccountOut::default()
        });
        row.regions += 1;
    }
    // Resources of accounts no scope covers (a deploy's functions) count nowhere.
    let mut add = |account: &str, f: &mut dyn FnMut(&mut AccountOut)| {
        if let Some(r) = rows.get_mut(account) {
            f(r);
        }
    };
    for f in &g.inv.functions {
        let attached = f.versions.iter().any(|v| v.vpc.as_ref().is_some_and(|c| c.is_attached()));
        add(&f.account, &mut |r| {
            r.functions += 1;
            r.vpc_functions += usize::from(attached);
        });
    }
    for c in &g.combos {
        add(&c.key.account, &mut |r| {
            r.combinations += 1;
            r.observed_enis += c.observed.len();
            r.enis += c.observed.len().max(1);
        });
    }
    for &i in &g.orphans {
        add(&g.inv.enis[i].account, &mut |r| {
            r.observed_enis += 1;
            r.enis += 1;
        });
    }
    let eni_accounts: HashMap<&str, &str> = g.inv.enis.iter().map(|e| (e.id.as_str(), e.account.as_str())).collect();
    for f in findings {
        for account in finding_accounts(g, &eni_accounts, f) {
            add(&account, &mut |r| match (f.suppressed, f.severity) {
                (true, _) => r.findings.suppressed += 1,
                (false, Severity::Error) => r.findings.error += 1,
                (false, Severity::Warning) => r.findings.warning += 1,
                (false, Severity::Note) => r.findings.note += 1,
            });
        }
    }
    rows.into_values().collect()
}

/// The accounts a finding is about: its functions' accounts; else the
/// account of the ENI, VPC or subnet it names; else the one in its ARN.
fn finding_accounts(g: &EniGraph, eni_accounts: &HashMap<&str, &str>, f: &Finding) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = f.subjects.users.iter().map(|u| g.function(*u).account.to_string()).collect();
    if !out.is_empty() {
        return out;
    }
    let resource: &str = &f.location.resource;
    if let Some(account) = eni_accounts.get(resource) {
        out.insert(account.to_string());
        return out;
    }
    let id = Value::id(resource);
    let vpc = g.subnet(&id).and_then(|s| s.vpc.clone()).unwrap_or(id);
    if let Some(s) = g.vpcs.get(&vpc) {
        out.extend(s.accounts.iter().cloned());
        return out;
    }
    if let Some(account) = resource.strip_prefix("arn:").and_then(|r| r.split(':').nth(3)) {
        out.insert(account.to_string());
    }
    out
}
