//! The JSON report; its schema is documented in `docs/report-json.md`.

use super::Report;

pub fn render(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("the report serialises") + "\n"
}
