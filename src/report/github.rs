//! GitHub Actions workflow commands: one annotation per finding, on the file
//! and line when known, and a notice per suppression that suppresses nothing.

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
    // A suppression that suppresses nothing is a notice on its own line, as
    // the text, Markdown and SARIF formats note it.
    for s in &report.stale_ignores {
        let mut at = format!("file={}", prop(&s.file));
        if s.line > 0 {
            let _ = write!(at, ",line={}", s.line);
        }
        let _ = writeln!(out, "::notice {at},title=eniplan stale ignore::{}", data(&s.note()));
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
