//! Markdown, for pull-request comments and CI step summaries.

use std::fmt::Write;

use super::text::finding_counts;
use super::Report;
use crate::plural::{count, plural};

pub fn render(report: &Report) -> String {
    let s = &report.summary;
    let c = s.findings;
    let mut out = String::from("## eniplan\n\n");
    let _ = writeln!(
        out,
        "**{}** {} ({} in a VPC) · **{}** ENI {} · **{}** {} · **{}** after safe merges · {}\n",
        s.functions,
        plural(s.functions, "function"),
        s.vpc_functions,
        s.combinations,
        plural(s.combinations, "combination"),
        s.enis,
        plural(s.enis, "ENI"),
        s.consolidated_combinations,
        finding_counts(&c)
    );
    if !s.vpcs.is_empty() {
        out += "| VPC | functions | combinations | ENIs | other ENIs | IPs¹ | quota | headroom | consolidated |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
        for v in &s.vpcs {
            let other = v.other_enis.map_or_else(|| "-".to_string(), |n| n.to_string());
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {other} | {} | {} ({}) | {} | {} |",
                v.vpc, v.functions, v.combinations, v.enis, v.ips, v.quota, v.quota_source, v.headroom, v.consolidated
            );
        }
        out += "\n¹ one IP per ENI is an assumption: AWS does not document it.\n";
        if s.vpcs.iter().any(|v| v.other_enis.is_none()) {
            let _ = writeln!(out, "\n{}", super::OTHER_ENIS_UNREAD);
        }
        out.push('\n');
    }
    out += &super::providers::markdown(report);
    if s.accounts_detail.len() > 1 {
        let head = super::accounts::HEAD;
        let _ = writeln!(out, "| {} |\n|---|---|{}", head.join(" | "), "---:|".repeat(head.len() - 2));
        for a in &s.accounts_detail {
            let mut cells = a.cells();
            cells[0] = format!("`{}`", cells[0]);
            let _ = writeln!(out, "| {} |", cells.map(|c| escape(&c)).join(" | "));
        }
        out.push('\n');
    }
    if let Some(d) = &report.delta {
        let _ = writeln!(
            out,
            "### What this deploy does\n\n{}, {} freed.\n",
            count(d.new_combinations.len(), "new combination"),
            d.freed_combinations.len()
        );
        for c in &d.new_combinations {
            let _ = writeln!(out, "- ➕ `{c}`");
        }
        for c in &d.freed_combinations {
            let _ = writeln!(out, "- ➖ `{c}`");
        }
        for v in d.vpcs.iter().filter(|v| v.enis_before != v.enis_after) {
            let _ = writeln!(
                out,
                "- `{}`: {} → {} (quota {})",
                v.vpc,
                v.enis_before,
                count(v.enis_after, "ENI"),
                v.quota
            );
        }
        out.push('\n');
    }
    for s in &report.stale_ignores {
        let _ = writeln!(out, "> note: {}\n", escape(&s.note()));
    }
    if !report.incomplete.is_empty() {
        out += "### Incomplete inventory\n\n| account | region | operation | error |\n|---|---|---|---|\n";
        for g in &report.incomplete {
            let _ = writeln!(out, "| {} | {} | {} | {} |", g.account, g.region, g.operation, escape(&g.error));
        }
        out.push('\n');
    }
    let active: Vec<_> = report.active().collect();
    if !active.is_empty() {
        out += "| | rule | where | finding | fix |\n|---|---|---|---|---|\n";
        for f in active {
            let icon = match f.severity {
                crate::rules::Severity::Error => "🔴",
                crate::rules::Severity::Warning => "🟡",
                crate::rules::Severity::Note => "🔵",
            };
            let at = f
                .location
                .as_ref()
                .map_or_else(|| format!("`{}`", f.resource), |l| format!("`{}:{}`", l.file, l.line));
            let _ = writeln!(
                out,
                "| {icon} | {} {} | {at} | {} | {} |",
                f.rule,
                f.name,
                escape(&f.message),
                escape(&f.fix)
            );
        }
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
