//! The JSON report; its schema is documented in `docs/report-json.md`.

use std::io::Write;

use super::Report;

/// Streams the report, so a large inventory's report is never held twice in memory.
pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    // Buffered here, so serde_json's many small writes are not dynamic calls.
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut buffered, report)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}
