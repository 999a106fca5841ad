//! The planner's edits as suggested changes on the findings they fix, for CI
//! formats that post them (reviewdog's rdjsonl). Only a finding whose fix is
//! exactly one edit of one value, at the finding's own location, gets one:
//! anything larger belongs in `eniplan plan`.

use std::collections::{BTreeMap, HashMap};

use super::{build, edits::Edit, Options, Target};
use crate::config::Thresholds;
use crate::pipeline::Analysis;
use crate::report::rdjsonl::{range, Suggestion};

/// For each active finding (by its index in the report) the edit that fixes it.
pub fn for_findings(analysis: &Analysis, thresholds: &Thresholds) -> BTreeMap<usize, Vec<Suggestion>> {
    let report = &analysis.report;
    let mut out = BTreeMap::new();
    if analysis.merges.is_empty() {
        return out;
    }
    let options = Options {
        target: Target::Templates,
        thresholds,
        planned: &analysis.merges,
    };
    let plan = build(&analysis.graph, &report.files, &analysis.merges, &options);
    let mut at: HashMap<(&str, usize), Vec<&Edit>> = HashMap::new();
    for e in plan.steps.iter().flat_map(|s| &s.edits) {
        at.entry((e.file.as_str(), e.start)).or_default().push(e);
    }
    for (i, f) in report.findings.iter().enumerate().filter(|(_, f)| !f.suppressed) {
        let Some(l) = &f.location else { continue };
        let Some(edits) = at.get_mut(&(l.file.as_str(), l.span.start)) else {
            continue;
        };
        edits.sort();
        edits.dedup();
        // A removal leaves list syntax to tidy, and two different edits are a choice: neither is one value.
        if let [e] = edits[..] {
            if !e.with.is_empty() {
                let file = report.files.get(l.file_id);
                out.insert(
                    i,
                    vec![Suggestion {
                        range: range(file, e.start, e.end),
                        text: e.with.clone(),
                    }],
                );
            }
        }
    }
    out
}
