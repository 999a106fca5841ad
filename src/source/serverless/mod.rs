//! Serverless Framework `serverless.yml` (v3 and v4) into the inventory.

use crate::error::InputError;
use crate::files::{FileId, SourceFile};
use crate::source::doc::Node;
use crate::source::Loaded;

#[derive(Debug, Default, Clone)]
pub struct Options {
    /// `--stage`.
    pub stage: Option<String>,
    /// `--var NAME=VALUE`: values for `${ssm:…}`, `${cf:…}`, `${aws:…}`, `${s3:…}` and others.
    pub vars: Vec<(String, String)>,
}

/// True when a document looks like a serverless.yml.
pub fn is_serverless(root: &Node) -> bool {
    root.get("service").is_some() && (root.get("provider").is_some() || root.get("functions").is_some())
}

pub fn read(_file_id: FileId, file: &SourceFile, root: &Node, _opts: &Options, _loaded: &mut Loaded) -> Result<(), InputError> {
    Err(InputError::at(file, root.span.clone(), "serverless.yml is not supported yet", "here"))
}
