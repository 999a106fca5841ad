//! The plan as JSON; the layout is documented in `docs/plan-json.md`.

use std::io::Write;

use super::Plan;

pub fn write(plan: &Plan, out: &mut dyn Write) -> std::io::Result<()> {
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut buffered, plan)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}
