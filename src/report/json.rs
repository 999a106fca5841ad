//! The JSON report; its schema is documented in `docs/report-json.md`.

use super::Report;

/// Streams the report, so a large inventory's report is never held twice in memory.
pub fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    out.write_all(b"\n")
}
