//! GitHub Actions workflow commands: one annotation per finding, on the file
//! and line when known.

use std::fmt::Write;

use super::Report;
use crate::severity::Severity;

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in report.active() {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut props = vec![format!("title={}", prop(&format!("{} {}", f.rule, f.name)))];
        if let Some(l) = &f.location {
            props.insert(
                0,
                format!("file={},line={},col={},endLine={}", prop(&l.file), l.line, l.column, l.end_line),
            );
        }
        let _ = writeln!(
            out,
            "::{level} {}::{}",
            props.join(","),
            data(&format!("{} — fix: {}", f.message, f.fix))
        );
    }
    let c = report.summary.findings;
    let _ = writeln!(
        out,
        "eniplan: {}, {} ({} after safe merges); {}",
        crate::plural::count(report.summary.combinations, "combination"),
        crate::plural::count(report.summary.enis, "ENI"),
        report.summary.consolidated_combinations,
        super::text::finding_counts(&c)
    );
    out
}

fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn prop(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}
