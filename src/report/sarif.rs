//! SARIF 2.1.0 for code-scanning services; validated against the OASIS schema in tests.

use serde_json::{json, Value};

use super::Report;
use crate::rules::RULES;

pub fn render(report: &Report) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.rule.id,
                "name": r.rule.name,
                "shortDescription": { "text": r.rule.summary },
                "fullDescription": { "text": r.rule.summary },
                "help": { "text": r.doc, "markdown": r.doc },
                "helpUri": format!("https://github.com/eniplan/eniplan/blob/main/rules/{}.md", r.rule.id),
                "defaultConfiguration": { "level": r.rule.severity.as_str() },
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let index = RULES.iter().position(|r| r.rule.id == f.rule).unwrap_or(0);
            let mut location = json!({
                "logicalLocations": [{ "name": f.resource, "kind": "resource" }],
            });
            if let Some(l) = &f.location {
                location["physicalLocation"] = json!({
                    "artifactLocation": { "uri": uri(&l.file) },
                    "region": { "startLine": l.line, "startColumn": l.column, "endLine": l.end_line, "endColumn": l.end_column.max(1) },
                });
            }
            let mut result = json!({
                "ruleId": f.rule,
                "ruleIndex": index,
                "level": f.severity.as_str(),
                "message": { "text": format!("{}\nFix: {}", f.message, f.fix) },
                "locations": [location],
                "partialFingerprints": { "eniplanFindingHash/v1": f.fingerprint },
            });
            if f.suppressed {
                result["suppressions"] = json!([{ "kind": "inSource" }]);
            }
            result
        })
        .collect();
    let mut sarif = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "eniplan",
                "version": report.version,
                "informationUri": "https://github.com/eniplan/eniplan",
                "rules": rules,
            }},
            "results": results,
        }],
    });
    if !report.stale_ignores.is_empty() {
        sarif["runs"][0]["invocations"] = json!([{
            "executionSuccessful": true,
            "toolExecutionNotifications": report.stale_ignores.iter().map(notification).collect::<Vec<_>>(),
        }]);
    }
    serde_json::to_string_pretty(&sarif).expect("SARIF serialises") + "\n"
}

/// A suppression that suppresses nothing, as a note about the run.
fn notification(s: &crate::policy::StaleIgnore) -> Value {
    let mut location = json!({ "artifactLocation": { "uri": uri(&s.file) } });
    if s.line > 0 {
        location["region"] = json!({ "startLine": s.line });
    }
    json!({
        "level": "note",
        "descriptor": { "id": "stale-ignore" },
        "message": { "text": s.note() },
        "locations": [{ "physicalLocation": location }],
    })
}

/// Relative paths as URI references, with `/` separators.
fn uri(path: &str) -> String {
    path.replace('\\', "/").trim_start_matches("./").replace(' ', "%20")
}
