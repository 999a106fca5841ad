//! Sources: everything that turns input into the inventory model.

pub mod cdk;
pub mod changeset;
pub mod cloudformation;
pub mod doc;
pub mod json;
pub mod routes;
pub mod serverless;
pub mod snapshot;
pub mod terraform;
pub mod yaml;

#[cfg(feature = "aws")]
pub mod aws;

use std::path::{Path, PathBuf};

use crate::error::{Failure, InputError};
use crate::files::{FileId, Files, SourceFile};
use crate::model::Inventory;
use doc::Node;

/// The inventory read from files, with the files kept for diagnostics.
#[derive(Debug, Default)]
pub struct Loaded {
    pub inventory: Inventory,
    pub files: Files,
    /// Files found while walking a directory that are not a format eniplan reads.
    pub skipped: Vec<String>,
    /// The change sets read, and the nested ones they name.
    pub change_sets: changeset::Seen,
    /// The templates' resources and physical IDs, for `check --delete`.
    pub stacks: changeset::delete::Stacks,
}

#[derive(Debug, Default, Clone)]
pub struct LoadOptions {
    pub cloudformation: cloudformation::Options,
    pub serverless: serverless::Options,
    pub terraform: terraform::Options,
}

/// Reads every path given to `eniplan check` or `eniplan graph`.
pub fn load_paths(paths: &[PathBuf], opts: &LoadOptions) -> Result<Loaded, Failure> {
    let mut loaded = Loaded::default();
    for path in paths {
        if path.is_dir() {
            if path.join("manifest.json").is_file() {
                cdk::read(path, opts, &mut loaded)?;
            } else {
                walk(path, opts, &mut loaded)?;
            }
        } else if path.exists() {
            load_file(path, opts, &mut loaded, true)?;
        } else {
            return Err(Failure::Usage(format!("{}: no such file or directory", path.display())));
        }
    }
    changeset::finish(&mut loaded);
    Ok(loaded)
}

fn walk(dir: &Path, opts: &LoadOptions, loaded: &mut Loaded) -> Result<(), Failure> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Failure::Io(format!("{}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') && name != ".serverless" || name == "node_modules" || name == "target" {
            continue;
        }
        if path.is_dir() {
            if path.join("manifest.json").is_file() {
                cdk::read(&path, opts, loaded)?;
            } else {
                walk(&path, opts, loaded)?;
            }
        } else if has_extension(&path, &["yaml", "yml", "json", "template", "tf"]) {
            load_file(&path, opts, loaded, false)?;
        }
    }
    Ok(())
}

fn has_extension(path: &Path, exts: &[&str]) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| exts.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// Parses a file as JSON or YAML, by extension, then by its first character.
/// A `.json` file that is not JSON and does not look like it is read as YAML,
/// as cfn-lint does: templates converted by hand often keep the extension.
pub fn parse(file: &SourceFile) -> Result<Node, InputError> {
    let path = Path::new(&file.path);
    let start = file.text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if has_extension(path, &["json"]) {
        return json::parse(file).or_else(|e| {
            if start.is_empty() || start.starts_with(['{', '[']) {
                Err(e)
            } else {
                yaml::parse(file)
            }
        });
    }
    if !has_extension(path, &["yaml", "yml"]) && start.starts_with('{') {
        json::parse(file)
    } else {
        yaml::parse(file)
    }
}

/// Reads one file. `explicit` files must be a known format; files found by a
/// directory walk that are not are listed as skipped.
pub fn load_file(path: &Path, opts: &LoadOptions, loaded: &mut Loaded, explicit: bool) -> Result<Option<FileId>, Failure> {
    load_source(SourceFile::read(path)?, opts, loaded, explicit)
}

/// Reads one file already in memory; its path chooses JSON or YAML as for [`load_file`].
pub fn load_source(file: SourceFile, opts: &LoadOptions, loaded: &mut Loaded, explicit: bool) -> Result<Option<FileId>, Failure> {
    let path = Path::new(&file.path);
    if has_extension(path, &["tf"]) {
        if explicit {
            terraform::read_tf(&file)?;
        }
        loaded.skipped.push(format!(
            "{} (Terraform source: check a plan from `terraform show -json` instead)",
            file.path
        ));
        return Ok(None);
    }
    let root = parse(&file)?;
    if cloudformation::is_template(&root) {
        let id = loaded.files.add(file.clone());
        cloudformation::read(id, &file, &root, &opts.cloudformation, &mut loaded.inventory)?;
        changeset::delete::note_template(&file.path, &root, &mut loaded.stacks);
        return Ok(Some(id));
    }
    if serverless::is_serverless(&root) {
        let id = loaded.files.add(file.clone());
        serverless::read(id, &file, &root, &opts.serverless, loaded)?;
        return Ok(Some(id));
    }
    if terraform::is_plan(&root) {
        let id = loaded.files.add(file.clone());
        terraform::read(id, &file, &root, &opts.terraform, loaded)?;
        return Ok(Some(id));
    }
    if changeset::is_change_set(&root) {
        let id = loaded.files.add(file.clone());
        changeset::read(id, &file, &root, loaded)?;
        return Ok(Some(id));
    }
    if changeset::delete::is_stack_resources(&root) {
        changeset::delete::read_stack_resources(&file, &root, &mut loaded.stacks)?;
        return Ok(None);
    }
    if explicit {
        return Err(
            InputError::at(&file, root.span.start..root.span.start, "unknown input format", "not a template")
                .with_help(
                    "eniplan check reads CloudFormation/SAM templates (YAML or JSON, with a `Resources` section), cdk.out directories, serverless.yml, Terraform plan JSON, CloudFormation change sets (`describe-change-set --output json`) and, with --delete, stack resource lists (`describe-stack-resources --output json`)",
                )
                .into(),
        );
    }
    loaded.skipped.push(file.path.clone());
    Ok(None)
}
