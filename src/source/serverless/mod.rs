//! Serverless Framework `serverless.yml` (v3 and v4) into the inventory.
//!
//! The file is turned into the CloudFormation the Framework would package —
//! one `AWS::Lambda::Function` per function (logical ID `HelloLambdaFunction`
//! for `hello`), with the VpcConfig the Framework compiles, plus the
//! `resources:` section — and that template is read by the CloudFormation
//! reader, so intrinsics, security-group rules and subnets work the same way.
//! Every node keeps its span in serverless.yml, so findings point there.

mod synth;
mod variables;
mod vpc;
mod warm;

use crate::error::InputError;
use crate::files::{FileId, SourceFile};
use crate::source::doc::Node;
use crate::source::Loaded;

pub use synth::logical_id;

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

pub fn read(file_id: FileId, file: &SourceFile, root: &Node, opts: &Options, loaded: &mut Loaded) -> Result<(), InputError> {
    let synth = synth::synthesize(file, root, opts)?;
    let first = loaded.inventory.functions.len();
    crate::source::cloudformation::read_synthesized(
        file_id,
        file,
        &synth.template,
        &crate::source::cloudformation::Options::default(),
        &mut loaded.inventory,
    )?;
    // Name functions as serverless.yml does (`hello`); the resource stays the
    // logical ID the stack will show (`HelloLambdaFunction`).
    for f in &mut loaded.inventory.functions[first..] {
        if let Some(name) = synth.names.get(&*f.name) {
            f.name = name.as_str().into();
        }
    }
    warm::attach(file_id, synth.warm, &mut loaded.inventory.functions[first..]);
    Ok(())
}
