//! Errors that stop a run, each with its exit code.

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

use crate::files::SourceFile;
use crate::files::Span;

/// Bad input: a file eniplan cannot read as what it claims to be. Exit code 2.
#[derive(Debug, Error, Diagnostic)]
#[error("{file}:{line}:{column}: {message}")]
#[diagnostic(code(eniplan::input))]
pub struct InputError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    #[source_code]
    src: Option<NamedSource<String>>,
    #[label("{label}")]
    span: Option<SourceSpan>,
    label: String,
    #[help]
    pub help: Option<String>,
}

impl InputError {
    /// An error about a whole file, with no better position than its start.
    pub fn plain(file: &str, message: impl Into<String>) -> Self {
        InputError {
            file: file.to_string(),
            line: 1,
            column: 1,
            message: message.into(),
            src: None,
            span: None,
            label: String::new(),
            help: None,
        }
    }

    pub fn at(file: &SourceFile, span: Span, message: impl Into<String>, label: impl Into<String>) -> Self {
        let span = file.clamp(&span);
        let (line, column) = file.line_col(span.start);
        let snippet = file.can_show_line(line);
        InputError {
            file: file.path.clone(),
            line,
            column,
            message: message.into(),
            src: snippet.then(|| NamedSource::new(&file.path, file.text.to_string())),
            span: snippet.then(|| span.into()),
            label: label.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Why a command ended early, mapped to the documented exit codes.
#[derive(Debug, Error)]
pub enum Failure {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Io(String),
    /// The live inventory could not be read at all (e.g. no credentials).
    #[error("{0}")]
    Incomplete(String),
}

impl Failure {
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Input(_) | Failure::Usage(_) | Failure::Io(_) => 2,
            Failure::Incomplete(_) => 3,
        }
    }
}
