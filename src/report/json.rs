//! The JSON report; its schema is documented in `docs/report-json.md`.

use super::Report;

pub fn render(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("the report serialises") + "\n"
}

/// Streams the report, so a large inventory's report is never held twice in memory.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}
