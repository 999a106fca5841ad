//! One self-contained HTML file: the verdict, the combination graph (inline
//! SVG), the findings with their excerpts and the rules' documentation, the
//! per-VPC table and the assumptions. It references nothing outside itself
//! (no script, style, font or image is fetched), so it works as a CI artifact
//! and offline.
//!
//! The page comes from a minijinja template with HTML escaping on: every name
//! read from a template or an account is untrusted text.

use std::collections::BTreeSet;

use minijinja::{context, AutoEscape, Environment, Value};
use serde::Serialize;

use super::svg;
use super::{FindingOut, Report};
use crate::graph::{EniGraph, Merge};
use crate::rules::{self, Severity};

/// Lines shown around a finding's line.
const CONTEXT_LINES: usize = 1;

#[derive(Serialize)]
struct FindingView<'a> {
    severity: Severity,
    /// 0 for errors: the table sorts on it.
    rank: u8,
    rule: &'static str,
    name: &'static str,
    message: &'a str,
    fix: &'a str,
    resource: &'a str,
    at: Option<String>,
    excerpt: Vec<ExcerptLine<'a>>,
    functions: &'a [String],
    functions_total: usize,
    cost: Option<rules::Cost>,
    related: Vec<String>,
}

#[derive(Serialize)]
struct ExcerptLine<'a> {
    number: usize,
    text: &'a str,
    hit: bool,
}

#[derive(Serialize)]
struct RuleDoc {
    id: &'static str,
    name: &'static str,
    summary: &'static str,
    doc: &'static str,
}

#[derive(Serialize)]
struct QuotaBar {
    vpc: String,
    enis: usize,
    quota: u32,
    /// Share of the quota used, capped at 100 for the bar's width.
    percent: u32,
    over: bool,
}

pub fn render(report: &Report, graph: &EniGraph, merges: &[Merge]) -> String {
    let drawing = svg::drawing(graph, merges);
    let svg = svg::render_drawing(&drawing, false);
    let findings: Vec<FindingView> = report.active().map(|f| view(report, f)).collect();
    let used: BTreeSet<&str> = findings.iter().map(|f| f.rule).collect();
    let docs: Vec<RuleDoc> = rules::RULES
        .iter()
        .filter(|r| used.contains(r.rule.id))
        .map(|r| RuleDoc {
            id: r.rule.id,
            name: r.rule.name,
            summary: r.rule.summary,
            doc: r.doc,
        })
        .collect();
    let quotas: Vec<QuotaBar> = report
        .summary
        .vpcs
        .iter()
        .map(|v| QuotaBar {
            vpc: v.vpc.clone(),
            enis: v.enis,
            quota: v.quota,
            percent: (v.enis as u64 * 100 / u64::from(v.quota.max(1))).min(100) as u32,
            over: v.enis as u64 > u64::from(v.quota),
        })
        .collect();
    let stale: Vec<String> = report.stale_ignores.iter().map(|s| s.note()).collect();
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_template("report.html", include_str!("templates/report.html"))
        .expect("the HTML template parses");
    env.get_template("report.html")
        .and_then(|t| {
            t.render(context! {
                r => report,
                s => &report.summary,
                findings => findings,
                docs => docs,
                quotas => quotas,
                stale => stale,
                graph => Value::from_safe_string(svg),
                drawn => drawing.drawn,
                total => drawing.total,
                splits => drawing.splits,
            })
        })
        .expect("the HTML template renders")
}

fn view<'a>(report: &'a Report, f: &'a FindingOut) -> FindingView<'a> {
    let excerpt = match &f.location {
        Some(l) => {
            let file = report.files.get(l.file_id);
            let first = l.line.saturating_sub(CONTEXT_LINES).max(1);
            let last = (l.line + CONTEXT_LINES).min(file.line_col(file.text.len()).0);
            (first..=last)
                .filter(|&n| file.can_show_line(n))
                .map(|n| ExcerptLine {
                    number: n,
                    text: file.line_text(n),
                    hit: n == l.line,
                })
                .collect()
        }
        None => Vec::new(),
    };
    FindingView {
        severity: f.severity,
        rank: match f.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Note => 2,
        },
        rule: f.rule,
        name: f.name,
        message: &f.message,
        fix: &f.fix,
        resource: &f.resource,
        at: f.location.as_ref().map(|l| format!("{}:{}:{}", l.file, l.line, l.column)),
        excerpt,
        functions: &f.functions,
        functions_total: f.functions_total,
        cost: f.cost,
        related: f
            .related
            .iter()
            .map(|r| match &r.location {
                Some(l) => format!("{}: {} ({}:{})", r.label, r.resource, l.file, l.line),
                None => format!("{}: {}", r.label, r.resource),
            })
            .collect(),
    }
}
