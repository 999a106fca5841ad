//! A CDK cloud assembly (`cdk.out`): `manifest.json` lists the stack templates.

use std::path::Path;

use super::{json, LoadOptions, Loaded};
use crate::error::{Failure, InputError};
use crate::files::SourceFile;

const MAX_NESTING: usize = 8;

pub fn read(dir: &Path, opts: &LoadOptions, loaded: &mut Loaded) -> Result<(), Failure> {
    read_nested(dir, opts, loaded, 0)
}

fn read_nested(dir: &Path, opts: &LoadOptions, loaded: &mut Loaded, depth: usize) -> Result<(), Failure> {
    let manifest = SourceFile::read(&dir.join("manifest.json"))?;
    let root = json::parse(&manifest)?;
    let Some(artifacts) = root.get("artifacts").and_then(|a| a.entries()) else {
        return Err(InputError::at(&manifest, root.span.clone(), "cdk manifest has no `artifacts` mapping", "here").into());
    };
    for (name, artifact) in artifacts {
        let ty = artifact.get("type").and_then(|t| t.as_str()).unwrap_or("");
        let props = artifact.get("properties");
        match ty {
            "aws:cloudformation:stack" => {
                let Some(template) = props.and_then(|p| p.get("templateFile")).and_then(|t| t.as_str()) else {
                    return Err(InputError::at(
                        &manifest,
                        name.span.clone(),
                        format!("stack `{}` has no templateFile", name.name),
                        "here",
                    )
                    .into());
                };
                let mut stack_opts = opts.clone();
                if let Some((account, region)) = artifact.get("environment").and_then(|e| e.as_str()).and_then(environment) {
                    stack_opts.cloudformation.account = account;
                    stack_opts.cloudformation.region = region;
                }
                super::load_file(&dir.join(template), &stack_opts, loaded, true)?;
            }
            "cdk:cloud-assembly" if depth < MAX_NESTING => {
                if let Some(sub) = props.and_then(|p| p.get("directoryName")).and_then(|d| d.as_str()) {
                    read_nested(&dir.join(sub), opts, loaded, depth + 1)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// `aws://123456789012/eu-west-1` → concrete account and region, if any.
fn environment(env: &str) -> Option<(String, String)> {
    let (account, region) = env.strip_prefix("aws://")?.split_once('/')?;
    let known = |s: &str| !s.starts_with("unknown-");
    Some((
        if known(account) { account.to_string() } else { String::new() },
        if known(region) { region.to_string() } else { String::new() },
    ))
}
