//! Human output: miette diagnostics with source snippets, then per-VPC tables.

use std::fmt::{self, Write};

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};

use super::{FindingOut, Location, Report};
use crate::plural::count;
use crate::severity::Severity;

struct FindingDiagnostic<'a> {
    finding: &'a FindingOut,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
}

impl fmt::Debug for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!("{} {}", self.finding.rule, self.finding.name)))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(format!("fix: {}", self.finding.fix)))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty()).then(|| Box::new(self.labels.iter().cloned()) as Box<dyn Iterator<Item = LabeledSpan>>)
    }
}

pub fn render(report: &Report, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(110);
    let mut out = String::new();
    for f in report.active() {
        let (source, labels) = match &f.location {
            Some(loc) if report.files.get(loc.file_id).can_show_line(loc.line) => {
                let file = report.files.get(loc.file_id);
                let mut labels = vec![LabeledSpan::new_primary_with_span(Some(f.resource.clone()), loc.span.clone())];
                // Far ones are listed as `related:` lines below: in the snippet they
                // would pull in every line between them and the finding.
                for (r, l) in f.related.iter().filter_map(|r| Some((r, r.location.as_ref()?))) {
                    if nearby(l, loc) {
                        labels.push(LabeledSpan::new_with_span(Some(r.label.clone()), l.span.clone()));
                    }
                }
                (Some(NamedSource::new(&file.path, file.text.to_string())), labels)
            }
            _ => (None, vec![]),
        };
        let d = FindingDiagnostic {
            finding: f,
            source,
            labels,
        };
        let _ = handler.render_report(&mut out, &d);
        match &f.location {
            None => {
                let _ = writeln!(out, "  at {}", f.resource);
            }
            Some(l) if !report.files.get(l.file_id).can_show_line(l.line) => {
                let _ = writeln!(out, "  at {}:{}:{} ({})", l.file, l.line, l.column, f.resource);
            }
            Some(_) => {}
        }
        for r in &f.related {
            match &r.location {
                Some(l) if f.location.as_ref().is_some_and(|p| nearby(l, p)) => {}
                Some(l) => {
                    let _ = writeln!(out, "  related: {}:{}:{}: {}", l.file, l.line, l.column, r.label);
                }
                None => {
                    let _ = writeln!(out, "  related: {}: {}", r.resource, r.label);
                }
            }
        }
        if let Some(c) = f.cost {
            let _ = writeln!(out, "  cost: {} (assuming one IP per ENI)", crate::rules::enis(c.enis));
        }
        out.push('\n');
    }
    out + &summary(report)
}

/// "0 errors, 1 warning, 2 notes, 0 suppressed", as every format's summary says it.
pub fn finding_counts(c: &super::Counts) -> String {
    format!(
        "{}, {}, {}, {} suppressed",
        count(c.error, "error"),
        count(c.warning, "warning"),
        count(c.note, "note"),
        c.suppressed
    )
}

/// A related location close enough to the finding's to share its snippet.
fn nearby(related: &Location, finding: &Location) -> bool {
    related.file_id == finding.file_id && related.line.abs_diff(finding.line) <= 8
}

pub fn summary(report: &Report) -> String {
    let s = &report.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({} in a VPC, {} with a VpcConfig), {}, {}, {} consolidated",
        count(s.functions, "function"),
        s.vpc_functions,
        count(s.vpc_versions, "published version"),
        count(s.combinations, "combination"),
        count(s.enis, "ENI"),
        s.consolidated_combinations
    );
    if !s.vpcs.is_empty() {
        let rows: Vec<[String; 8]> = s
            .vpcs
            .iter()
            .map(|v| {
                [
                    v.vpc.clone(),
                    v.functions.to_string(),
                    v.combinations.to_string(),
                    format!("{} ({} observed)", v.enis, v.observed_enis),
                    v.other_enis.map_or_else(|| "-".to_string(), |n| n.to_string()),
                    v.ips.to_string(),
                    format!("{} ({})", v.quota, v.quota_source),
                    v.consolidated.to_string(),
                ]
            })
            .collect();
        let head = [
            "VPC",
            "functions",
            "combinations",
            "ENIs",
            "other ENIs",
            "IPs*",
            "quota",
            "consolidated",
        ];
        out += &table(&head, &rows);
        out += "* one IP per ENI is an assumption: AWS does not document it\n";
        if s.vpcs.iter().any(|v| v.other_enis.is_none()) {
            out += super::OTHER_ENIS_UNREAD;
            out.push('\n');
        }
    }
    out += &super::providers::text(report);
    if s.accounts_detail.len() > 1 {
        let rows: Vec<[String; 7]> = s.accounts_detail.iter().map(super::accounts::AccountOut::cells).collect();
        out += &table(&super::accounts::HEAD, &rows);
    }
    if let Some(d) = &report.delta {
        let _ = writeln!(
            out,
            "deploy: {}, {} freed",
            count(d.new_combinations.len(), "new combination"),
            d.freed_combinations.len()
        );
        for c in &d.new_combinations {
            let _ = writeln!(out, "  + {c}");
        }
        for c in &d.freed_combinations {
            let _ = writeln!(out, "  - {c}");
        }
        for v in d.vpcs.iter().filter(|v| v.enis_before != v.enis_after) {
            let _ = writeln!(
                out,
                "  {}: {} → {} (quota {})",
                v.vpc,
                v.enis_before,
                count(v.enis_after, "ENI"),
                v.quota
            );
        }
        for sn in d.subnets.iter().filter(|s| s.free_ips_after != s.free_ips_before as i64) {
            let ips = if sn.free_ips_after == 1 { "IP" } else { "IPs" };
            let _ = writeln!(out, "  {}: {} → {} free {ips}", sn.subnet, sn.free_ips_before, sn.free_ips_after);
        }
    }
    for n in &report.notes {
        let _ = writeln!(out, "note: {n}");
    }
    for s in &report.stale_ignores {
        let _ = writeln!(out, "note: {}", s.note());
    }
    for g in &report.incomplete {
        let _ = writeln!(out, "incomplete: {} {} {}: {}", g.account, g.region, g.operation, g.error);
    }
    let c = s.findings;
    let _ = writeln!(out, "findings: {}", finding_counts(&c));
    out
}

/// Columns padded to their widest cell, two spaces apart, without trailing
/// spaces: the per-VPC table here and the plan's tables.
pub(crate) fn table<R: AsRef<[String]>>(head: &[&str], rows: &[R]) -> String {
    let mut widths: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r.as_ref()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| -> String {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
            + "\n"
    };
    let mut out = line(head.to_vec());
    for r in rows {
        out += &line(r.as_ref().iter().map(String::as_str).collect());
    }
    out
}
