//! reviewdog's rdjsonl: one `Diagnostic` per line
//! (<https://github.com/reviewdog/reviewdog/tree/master/proto/rdf>), for
//! `reviewdog -f=rdjsonl`. A finding whose fix is one edit of one value
//! carries it as a suggestion, which reviewdog posts as a suggested change.

use std::path::Path;

use serde::Serialize;

use super::{doc_url, relative, FindingOut, Report};
use crate::files::SourceFile;
use crate::severity::Severity;

/// A single-value edit: replace the text between `start` and `end` (exclusive) with `text`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Suggestion {
    pub range: Range,
    pub text: String,
}

#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Range {
    pub start: Position,
    pub end: Position,
}

/// Line and column from 1; the column counts UTF-8 bytes, as reviewdog's does.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

#[derive(Serialize)]
struct Diagnostic<'a> {
    message: String,
    location: Location,
    severity: &'static str,
    source: Source,
    code: Code,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    suggestions: &'a [Suggestion],
}

#[derive(Serialize)]
struct Location {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    range: Option<Range>,
}

#[derive(Serialize)]
struct Source {
    name: &'static str,
    url: &'static str,
}

#[derive(Serialize)]
struct Code {
    value: &'static str,
    url: String,
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "ERROR",
        Severity::Warning => "WARNING",
        Severity::Note => "INFO",
    }
}

/// Active findings, one JSON object a line. `suggestions` gives, for a
/// finding's index in `report.findings`, the edits that fix it.
pub fn render(report: &Report, base: &Path, suggestions: &dyn Fn(usize) -> Vec<Suggestion>) -> String {
    let mut out = String::new();
    for (i, f) in report.findings.iter().enumerate().filter(|(_, f)| !f.suppressed) {
        let fixes = suggestions(i);
        let d = Diagnostic {
            message: format!("{}\nFix: {}", f.message, f.fix),
            location: location(report, f, base),
            severity: severity(f.severity),
            source: Source {
                name: "eniplan",
                url: "https://github.com/eniplan/eniplan",
            },
            code: Code {
                value: f.rule,
                url: doc_url(f.rule),
            },
            suggestions: &fixes,
        };
        out.push_str(&serde_json::to_string(&d).expect("diagnostics serialise"));
        out.push('\n');
    }
    out
}

/// The range of `start..end` in `file`, columns in bytes.
pub fn range(file: &SourceFile, start: usize, end: usize) -> Range {
    let position = |offset| {
        let (line, column) = file.line_byte_col(offset);
        Position { line, column }
    };
    Range {
        start: position(start),
        end: position(end),
    }
}

fn location(report: &Report, f: &FindingOut, base: &Path) -> Location {
    match &f.location {
        Some(l) => Location {
            path: relative(&l.file, base),
            range: Some(range(report.files.get(l.file_id), l.span.start, l.span.end)),
        },
        None => Location {
            path: f.resource.clone(),
            range: None,
        },
    }
}
