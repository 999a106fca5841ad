//! GitLab Code Quality: a JSON array of issues, each with `description`,
//! `check_name`, `fingerprint`, `severity` and `location {path, lines {begin}}`,
//! the fields GitLab's merge-request widget reads
//! (<https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format>).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::{relative, FindingOut, Report};
use crate::severity::Severity;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: IssueLocation,
    categories: [&'static str; 1],
    #[serde(rename = "type")]
    kind: &'static str,
    /// The finding's fix, which the widget does not show but the artifact keeps.
    content: Content<'a>,
}

#[derive(Serialize)]
struct Content<'a> {
    body: &'a str,
}

#[derive(Serialize)]
struct IssueLocation {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
}

/// GitLab's scale is info, minor, major, critical, blocker. An error stops
/// the pipeline under the default `--fail-on`, so it ranks critical.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "critical",
        Severity::Warning => "major",
        Severity::Note => "info",
    }
}

/// Active findings only: a suppressed finding is not a code-quality issue.
/// Paths are made relative to `base` (the working directory), as GitLab
/// expects; a finding with no file (a live resource) uses its resource name.
pub fn render(report: &Report, base: &Path) -> String {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let issues: Vec<Issue> = report
        .active()
        .map(|f| Issue {
            description: format!("{} {}: {}", f.rule, f.name, f.message),
            check_name: format!("eniplan/{}", f.rule),
            fingerprint: unique(&mut seen, f),
            severity: severity(f.severity),
            location: IssueLocation {
                path: f.location.as_ref().map_or_else(|| f.resource.clone(), |l| relative(&l.file, base)),
                lines: Lines {
                    begin: f.location.as_ref().map_or(1, |l| l.line),
                },
            },
            categories: ["Performance"],
            kind: "issue",
            content: Content { body: &f.fix },
        })
        .collect();
    serde_json::to_string_pretty(&issues).expect("issues serialise") + "\n"
}

/// The baseline's fingerprint, which has no line numbers, so an issue keeps
/// its identity when lines move. GitLab shows one issue per fingerprint, so a
/// second finding with the same one gets the occurrence number mixed in.
fn unique<'a>(seen: &mut BTreeMap<&'a str, usize>, f: &'a FindingOut) -> String {
    let n = seen.entry(&f.fingerprint).or_default();
    *n += 1;
    match *n {
        1 => f.fingerprint.clone(),
        n => {
            use sha2::{Digest, Sha256};
            let h = Sha256::new()
                .chain_update(f.fingerprint.as_bytes())
                .chain_update(n.to_le_bytes())
                .finalize();
            h.iter().take(8).map(|b| format!("{b:02x}")).collect()
        }
    }
}
