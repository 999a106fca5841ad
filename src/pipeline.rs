//! The one pipeline after loading: graph → rules → policy → report. The
//! commands and the tests run this same function, so a test sees what the
//! binary reports.

use crate::baseline::Baseline;
use crate::config::Config;
use crate::error::Failure;
use crate::files::Files;
use crate::graph::{EniGraph, Merge, Quotas};
use crate::model::Inventory;
use crate::model::Scope;
use crate::policy::{self, Policy};
use crate::report::{self, Report};
use crate::{delta, rules, timing};

/// The inventory the rules judge. The graph borrows it, so the caller owns
/// it and decides when (or whether) to free it.
pub struct Projection {
    pub inventory: Inventory,
    /// With `check --against`/`--live`: the account before the deploy.
    pub before: Option<Inventory>,
}

impl Projection {
    /// What was read, judged on its own.
    pub fn alone(inventory: Inventory) -> Self {
        Projection { inventory, before: None }
    }

    /// A deploy projected onto the account it lands in.
    pub fn onto(account: Inventory, deploy: Inventory) -> Self {
        Projection {
            inventory: delta::merge(account.clone(), deploy),
            before: Some(account),
        }
    }
}

/// Everything besides the inventory that goes into a report.
#[derive(Default)]
pub struct Input {
    /// `check` or `audit`, as the report names it.
    pub command: &'static str,
    pub config: Config,
    pub baseline: Option<Baseline>,
    pub files: Files,
    pub skipped: Vec<String>,
    pub scopes: Vec<Scope>,
    pub api_calls: u64,
    /// What the collector wants the reader to know.
    pub notes: Vec<String>,
    /// Account ID → name, where AWS Organizations named it.
    pub account_names: std::collections::BTreeMap<String, String>,
}

/// A finished run: the complete report, and the graph the rules judged. The
/// graph is kept, not dropped, because its consumers (the DOT and Mermaid
/// writers, the planner) read the same model the report was made from.
pub struct Analysis<'a> {
    pub graph: EniGraph<'a>,
    pub report: Report,
    /// The safe merges of the findings left active: the report's consolidated
    /// counts and the planner's steps are both made from these.
    pub merges: Vec<Merge>,
    /// The active findings' changes that may change access (ENI002), for review only.
    pub review: Vec<Merge>,
}

pub fn quotas(config: &Config) -> Quotas {
    Quotas {
        default: config.thresholds.eni_quota,
        per_vpc: config.quota.clone(),
    }
}

pub fn run(projection: &Projection, input: Input) -> Result<Analysis<'_>, Failure> {
    let Input {
        command,
        config,
        baseline,
        files,
        skipped,
        scopes,
        api_calls,
        notes,
        account_names,
    } = input;
    let Judgement {
        graph,
        judged,
        merges,
        review,
    } = judge(projection, &config, baseline.as_ref(), &files)?;
    let delta = projection
        .before
        .as_ref()
        .map(|before| delta::compare(before, &graph, &quotas(&config)));
    let report = timing::phase("report", || {
        report::build(report::Input {
            command,
            graph: &graph,
            merges: &merges,
            findings: judged.findings,
            files,
            skipped,
            scopes,
            api_calls,
            delta,
            stale_ignores: judged.stale,
            stale_baseline: judged.stale_baseline,
            notes,
            account_names,
        })
    });
    Ok(Analysis {
        graph,
        report,
        merges,
        review,
    })
}

/// The graph, the findings after policy, and the merges of the active ones:
/// what the report and the planner are both made from.
pub struct Judgement<'a> {
    pub graph: EniGraph<'a>,
    pub judged: policy::Judged,
    pub merges: Vec<Merge>,
    pub review: Vec<Merge>,
}

/// Graph → rules → policy. [`run`] adds the report; the planner, which needs
/// no report, calls this directly.
pub fn judge<'a>(
    projection: &'a Projection,
    config: &Config,
    baseline: Option<&Baseline>,
    files: &Files,
) -> Result<Judgement<'a>, Failure> {
    let quotas = quotas(config);
    let graph = timing::phase("graph", || EniGraph::build(&projection.inventory, &quotas).with_files(files));
    let found = timing::phase("rules", || rules::run(&graph, &config.thresholds, &policy::enabled(config)));
    let policy = Policy {
        config,
        baseline,
        deploy_only: projection.before.is_some(),
    };
    let judged = policy::apply(&graph, files, found, &policy)?;
    let active = || judged.findings.iter().filter(|f| !f.suppressed);
    let merges: Vec<Merge> = active().flat_map(|f| f.merges.iter().cloned()).collect();
    let review: Vec<Merge> = active().flat_map(|f| f.review.iter().cloned()).collect();
    Ok(Judgement {
        graph,
        judged,
        merges,
        review,
    })
}
