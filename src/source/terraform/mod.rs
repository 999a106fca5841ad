//! Terraform plan JSON (`terraform show -json PLANFILE`) into the inventory.

use crate::error::InputError;
use crate::files::{FileId, SourceFile};
use crate::source::doc::Node;
use crate::source::Loaded;

#[derive(Debug, Default, Clone)]
pub struct Options {}

/// True when a document looks like a Terraform plan.
pub fn is_plan(root: &Node) -> bool {
    root.get("format_version").is_some() && (root.get("resource_changes").is_some() || root.get("planned_values").is_some())
}

pub fn read(_file_id: FileId, file: &SourceFile, root: &Node, _opts: &Options, _loaded: &mut Loaded) -> Result<(), InputError> {
    Err(InputError::at(file, root.span.clone(), "Terraform plans are not supported yet", "here"))
}

/// A `.tf` file given to `check`: not a plan.
pub fn read_tf(file: &SourceFile) -> Result<(), InputError> {
    Err(InputError::at(file, 0..0, "this is Terraform source, not a plan", "here").with_help(
        "make a plan eniplan can read: `terraform plan -out plan.tfplan && terraform show -json plan.tfplan > plan.json`, then `eniplan check plan.json`",
    ))
}
