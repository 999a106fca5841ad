//! Baselines: record today's findings, then report only new ones. Entries
//! match by fingerprint, which has no line numbers, so moved lines still match.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Failure, InputError};
use crate::files::SourceFile;
use crate::rules::Finding;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub eniplan_baseline: u32,
    pub findings: Vec<Entry>,
    /// The file it was read from, for notes about entries that match nothing.
    #[serde(skip)]
    pub path: String,
}

#[derive(Debug, Serialize, Deserialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    pub fingerprint: String,
    pub resource: String,
    pub message: String,
    /// Where the entry is in its file (0 when not read from one).
    #[serde(skip)]
    pub line: usize,
}

pub fn load(path: &Path) -> Result<Baseline, Failure> {
    let file = SourceFile::read(path)?;
    let mut baseline: Baseline = serde_json::from_str(&file.text).map_err(|e| {
        let at = file.offset_of(e.line(), e.column());
        InputError::at(&file, at..at, format!("invalid baseline: {e}"), "here")
    })?;
    if baseline.eniplan_baseline != 1 {
        return Err(InputError::plain(
            &file.path,
            format!("baseline version {} is not supported", baseline.eniplan_baseline),
        )
        .into());
    }
    baseline.path = file.path.clone();
    for e in &mut baseline.findings {
        // A fingerprint is hex, and appears once per entry as a JSON string.
        let quoted = format!("\"{}\"", e.fingerprint);
        e.line = file.text.find(&quoted).map_or(0, |at| file.line_col(at).0);
    }
    Ok(baseline)
}

/// Marks findings the baseline knows as suppressed; returns the entries nothing matched.
pub fn apply(findings: &mut [Finding], baseline: &Baseline) -> Vec<Entry> {
    let known: BTreeSet<&str> = baseline.findings.iter().map(|e| e.fingerprint.as_str()).collect();
    let mut seen = BTreeSet::new();
    for f in findings.iter_mut() {
        let fp = f.fingerprint();
        if known.contains(fp.as_str()) {
            f.suppressed = true;
            f.baselined = true;
            seen.insert(fp);
        }
    }
    baseline
        .findings
        .iter()
        .filter(|e| !seen.contains(&e.fingerprint))
        .cloned()
        .collect()
}

/// Writes the entries (the command line makes them from a report's findings
/// that are not suppressed inline or by configuration).
pub fn write(path: &Path, findings: Vec<Entry>) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(&Baseline {
        eniplan_baseline: 1,
        findings,
        path: String::new(),
    })
    .expect("baselines serialise");
    std::fs::write(path, text + "\n").map_err(|e| Failure::Io(format!("cannot write {}: {e}", path.display())))
}
