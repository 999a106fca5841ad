//! JUnit XML, for GitLab and Jenkins: one test case per finding, failed when
//! it is not suppressed; a single passing case when there is nothing to say.
//! Suppressions that suppress nothing are notes, not failures: a property
//! each, and the suite's system-out.

use std::fmt::Write;

use super::Report;

pub fn render(report: &Report) -> String {
    let active = report.active().count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total = report.findings.len().max(1);
    let _ = writeln!(out, "<testsuites name=\"eniplan\" tests=\"{total}\" failures=\"{active}\">");
    let _ = writeln!(
        out,
        "  <testsuite name=\"eniplan {}\" tests=\"{total}\" failures=\"{active}\" skipped=\"{}\">",
        report.command,
        report.findings.len() - active
    );
    if !report.stale_ignores.is_empty() {
        out += "    <properties>\n";
        for s in &report.stale_ignores {
            let _ = writeln!(out, "      <property name=\"stale-ignore\" value=\"{}\"/>", esc(&s.note()));
        }
        out += "    </properties>\n";
    }
    if report.findings.is_empty() {
        out += "    <testcase name=\"no findings\" classname=\"eniplan\"/>\n";
    }
    for f in &report.findings {
        let file = f
            .location
            .as_ref()
            .map_or_else(|| f.resource.clone(), |l| format!("{}:{}", l.file, l.line));
        let _ = write!(
            out,
            "    <testcase name=\"{} {}: {}\" classname=\"{}\"",
            f.rule,
            f.name,
            esc(&f.resource),
            esc(&file)
        );
        if let Some(l) = &f.location {
            let _ = write!(out, " file=\"{}\" line=\"{}\"", esc(&l.file), l.line);
        }
        if f.suppressed {
            out += ">\n      <skipped message=\"suppressed\"/>\n    </testcase>\n";
            continue;
        }
        let _ = writeln!(
            out,
            ">\n      <failure type=\"{}\" message=\"{}\">{}\nfix: {}</failure>\n    </testcase>",
            f.severity.as_str(),
            esc(&f.message),
            esc(&f.message),
            esc(&f.fix)
        );
    }
    if !report.stale_ignores.is_empty() {
        let notes: Vec<String> = report.stale_ignores.iter().map(|s| format!("note: {}", s.note())).collect();
        let _ = writeln!(out, "    <system-out>{}</system-out>", esc(&notes.join("\n")));
    }
    out + "  </testsuite>\n</testsuites>\n"
}

fn esc(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => String::new(),
            c => c.to_string(),
        })
        .collect()
}
