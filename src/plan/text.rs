//! The plan as text: the before/after tables, then the steps in order.

use std::fmt::Write;

use super::{Config, Kind, Plan, Step};
use crate::report::text::table;

/// Function names listed per step before "and N more".
const LISTED: usize = 20;

pub fn render(plan: &Plan) -> String {
    let mut out = String::new();
    let (b, a) = (&plan.before, &plan.after);
    let _ = writeln!(
        out,
        "plan: {} → {} combinations, {} → {} ENIs, {} → {} IPs* in {}",
        b.combinations,
        a.combinations,
        b.enis,
        a.enis,
        b.ips,
        a.ips,
        crate::plural::count(plan.steps.len(), "step")
    );
    for acc in b.accounts.iter().filter(|acc| !acc.account.is_empty()) {
        let after = a.accounts.iter().find(|x| x.account == acc.account).cloned().unwrap_or_default();
        let _ = writeln!(
            out,
            "account {}: {} → {} combinations, {} → {} ENIs",
            acc.account, acc.combinations, after.combinations, acc.enis, after.enis
        );
    }
    out.push('\n');
    let head = [
        "VPC",
        "quota",
        "combinations",
        "ENIs",
        "IPs*",
        "headroom (ENI101 warns)",
        "headroom (quota)",
    ];
    let mut rows: Vec<Vec<String>> = vec![];
    for v in &plan.vpcs {
        rows.push(row(&[
            &v.vpc,
            &v.quota.to_string(),
            &arrow(v.before.combinations, v.after.combinations),
            &arrow(v.before.enis, v.after.enis),
            &arrow(v.before.ips, v.after.ips),
            &arrow(v.before.headroom_warning, v.after.headroom_warning),
            &arrow(v.before.headroom_quota, v.after.headroom_quota),
        ]));
    }
    out += &table(&head, &rows);
    out.push('\n');
    let head = ["subnet", "VPC", "AZ", "combinations", "ENIs", "free IPs", "headroom (ENI102)"];
    let mut rows: Vec<Vec<String>> = vec![];
    for v in &plan.vpcs {
        for s in &v.subnets {
            let opt = |x: Option<i64>| x.map_or("?".to_string(), |n| n.to_string());
            rows.push(row(&[
                &s.subnet.to_string(),
                &v.vpc,
                s.availability_zone.as_deref().unwrap_or("?"),
                &arrow(s.before.combinations, s.after.combinations),
                &arrow(s.before.enis, s.after.enis),
                &format!("{} → {}", opt(s.before.free_ips), opt(s.after.free_ips)),
                &format!("{} → {}", opt(s.before.headroom), opt(s.after.headroom)),
            ]));
        }
    }
    out += &table(&head, &rows);
    out.push_str("* one IP per ENI is an assumption: AWS does not document it\n");
    out.push_str("headroom: how many more combinations fit before the rule fires; negative: it fires already\n");
    for (i, step) in plan.steps.iter().enumerate() {
        out.push('\n');
        write_step(&mut out, i + 1, step);
    }
    if plan.steps.is_empty() {
        out.push_str("\nnothing to do: no safe merge changes a combination\n");
    }
    for n in &plan.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}

fn write_step(out: &mut String, n: usize, step: &Step) {
    let what = match (step.kind, step.reuses_existing) {
        (Kind::Update, true) => "update onto combinations in use (no Pending)",
        (Kind::Update, false) => "update that creates a combination (Pending)",
        (Kind::Version, _) => "published versions that keep an old combination",
        (Kind::Cleanup, _) => "cleanup",
    };
    let review = if step.changes_access { " [changes access: review]" } else { "" };
    let _ = writeln!(out, "step {n}: {what}{review}");
    if !step.account.is_empty() {
        let _ = writeln!(out, "  account: {}", [step.account, step.region].join(" ").trim_end());
    }
    if !step.functions.is_empty() {
        let _ = writeln!(out, "  functions: {}", crate::rules::names(&step.functions.strings(), LISTED));
    }
    let _ = writeln!(out, "  from: {}", config(&step.from));
    if step.kind != Kind::Cleanup {
        let _ = writeln!(out, "  to:   {}", config(&step.to));
    }
    for e in &step.edits {
        let _ = writeln!(
            out,
            "  edit {}:{}:{}: {} → {}",
            e.file,
            e.line,
            e.column,
            one_line(&e.replace),
            one_line(shown(&e.with))
        );
    }
    for c in step.commands() {
        let _ = writeln!(out, "  run: {}", command(&c));
    }
    if !step.frees.is_empty() {
        let _ = writeln!(out, "  frees: {}", frees(&step.frees, LISTED));
    }
    for note in &step.notes {
        let _ = writeln!(out, "  note: {note}");
    }
}

pub(super) fn config(c: &Config) -> String {
    let subnets = if c.subnets.is_empty() {
        String::new()
    } else {
        format!("{} + ", crate::rules::set(&c.subnets))
    };
    format!("{subnets}{}", crate::rules::set(&c.security_groups))
}

/// A value written over several lines (JSON), on one.
pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn shown(with: &str) -> &str {
    if with.is_empty() {
        "(remove)"
    } else {
        with
    }
}

/// An argv list as one shell line.
pub(super) fn command(command: &super::Command) -> String {
    let argv = command.argv();
    shlex::try_join(argv.iter().map(|a| a.as_ref())).unwrap_or_else(|_| argv.join(" "))
}

fn arrow<T: std::fmt::Display + PartialEq>(before: T, after: T) -> String {
    if before == after {
        before.to_string()
    } else {
        format!("{before} → {after}")
    }
}

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

/// The freed combinations, shortened after `max`.
pub(super) fn frees(keys: &[&crate::graph::ComboKey], max: usize) -> String {
    let shown: Vec<String> = keys.iter().take(max).map(|k| k.to_string()).collect();
    match keys.len() > max {
        true => format!("{} and {} more", shown.join(", "), keys.len() - max),
        false => shown.join(", "),
    }
}
