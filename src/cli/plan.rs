//! `eniplan plan`: read the inputs as `check` or `audit` does, run the one
//! pipeline up to its judged findings, and write the plan made from its graph
//! and merges.

use std::path::PathBuf;

use crate::cli::{self, Common, Format, Live};
use crate::error::Failure;
use crate::pipeline::{self, Projection};
use crate::plan::{self as planner, Options, Target};
use crate::source::{self, snapshot};

pub struct Args {
    pub paths: Vec<PathBuf>,
    pub snapshot: Option<PathBuf>,
    pub include_extra: bool,
    pub live: Live,
    pub common: Common,
}

/// Exit 0 with a plan, 3 when the inventory is incomplete; bad input fails with 2.
pub fn run(args: Args) -> Result<i32, Failure> {
    let common = &args.common;
    if !matches!(common.format, Format::Text | Format::Json | Format::Markdown) {
        return Err(Failure::Usage("`plan` writes text, json or markdown".into()));
    }
    let mut input = cli::input("plan", common)?;
    let thresholds = input.config.thresholds.clone();
    let (projection, target) = match (&args.snapshot, args.paths.is_empty()) {
        (Some(path), _) => {
            let (inv, snap) = snapshot::load(path)?;
            input.scopes = snap.scopes;
            input.api_calls = snap.api_calls;
            (Projection::alone(inv), Target::Account)
        }
        (None, false) => {
            let loaded = source::load_paths(&args.paths, &cli::load_options(common))?;
            input.files = loaded.files;
            input.skipped = loaded.skipped;
            (Projection::alone(loaded.inventory), Target::Templates)
        }
        (None, true) => {
            let collected = cli::collect_live(args.live)?;
            input.scopes = collected.scopes;
            input.api_calls = collected.api_calls;
            input.notes = collected.notes;
            input.account_names = collected.account_names;
            (Projection::alone(collected.inventory), Target::Account)
        }
    };
    // The plan needs the graph and the merges, not the report.
    let analysis = pipeline::judge(&projection, &input.config, input.baseline.as_ref(), &input.files)?;
    let review = if args.include_extra { &analysis.review[..] } else { &[] };
    let planned = planner::planned(&analysis.merges, review);
    let plan = crate::timing::phase("plan", || {
        planner::build(
            &analysis.graph,
            &input.files,
            &analysis.merges,
            &Options {
                target,
                thresholds: &thresholds,
                planned: &planned,
            },
        )
    });
    match common.format {
        Format::Json => crate::timing::phase("write", || {
            cli::stream_output(common.output.as_deref(), |w| planner::json::write(&plan, w))
        })?,
        Format::Markdown => cli::write_output(common.output.as_deref(), &planner::markdown::render(&plan))?,
        _ => cli::write_output(common.output.as_deref(), &planner::text::render(&plan))?,
    }
    let code = if plan.incomplete { 3 } else { 0 };
    // The process ends next: freeing a large inventory piece by piece would only cost time.
    std::mem::forget(analysis);
    std::mem::forget(projection);
    Ok(code)
}
