//! Fuzz entry points, one per input format. The `fuzz/` targets call these,
//! and `tests/fuzz_corpus.rs` replays the corpora through them on stable, so
//! the harness and its replay cannot drift apart.
//!
//! Each reads the bytes through the loader the CLI uses for that format, then
//! runs what `eniplan check` runs on the result: graph, rules and the text
//! report. Errors are fine; a panic is a bug, and so is an input error that
//! points outside the file.

use crate::config::Config;
use crate::error::{Failure, InputError};
use crate::files::SourceFile;
use crate::model::Inventory;
use crate::pipeline::{self, Projection};
use crate::source::{self, LoadOptions, Loaded};

/// A fuzz target's body: any bytes in, no panic out.
pub type Target = fn(&[u8]);

/// The formats, by the name of their fuzz target and corpus directory.
pub const TARGETS: &[(&str, Target)] = &[
    ("cloudformation_yaml", cloudformation_yaml),
    ("cloudformation_json", cloudformation_json),
    ("serverless", serverless),
    ("terraform_plan", terraform_plan),
    ("changeset", changeset),
    ("snapshot", snapshot),
    ("config", config),
];

pub fn cloudformation_yaml(data: &[u8]) {
    template("template.yaml", data);
}

pub fn cloudformation_json(data: &[u8]) {
    template("template.json", data);
}

/// A serverless.yml in a directory that does not exist, so `${file(…)}`
/// references relative to it find nothing on the fuzzing machine.
pub fn serverless(data: &[u8]) {
    template("/nonexistent/eniplan-fuzz/serverless.yml", data);
}

pub fn terraform_plan(data: &[u8]) {
    template("plan.json", data);
}

/// `aws cloudformation describe-change-set --output json`.
pub fn changeset(data: &[u8]) {
    template("changeset.json", data);
}

/// Also reads the snapshot the slow way and in tiny chunks: every way must
/// give the same inventory, or fail alike.
pub fn snapshot(data: &[u8]) {
    const PATH: &str = "account.json";
    let read = source::snapshot::from_bytes(PATH, data);
    let shown = |r: &Result<_, Failure>| match r {
        Ok((inventory, meta)) => format!("{inventory:?} {meta:?}"),
        Err(_) => "error".to_string(),
    };
    for chunk in [None, Some(1), Some(16), Some(200)] {
        let other = source::snapshot::from_bytes_in_chunks(PATH, data, chunk);
        assert_eq!(shown(&read), shown(&other), "chunks of {chunk:?} bytes read otherwise");
    }
    match read {
        Ok((inventory, _)) => check(inventory, &Config::default(), Default::default()),
        Err(e) => located(PATH, data, &e),
    }
}

/// `eniplan.toml`, then the rules it configures over the SAM example.
pub fn config(data: &[u8]) {
    const PATH: &str = "eniplan.toml";
    let parsed = SourceFile::from_bytes(PATH, data.to_vec()).and_then(|file| Config::parse(&file));
    match parsed {
        Ok(config) => {
            let example = SourceFile::new("template.yaml", include_str!("../testdata/examples/sam-app/template.yaml"));
            let mut loaded = Loaded::default();
            source::load_source(example, &LoadOptions::default(), &mut loaded, true).expect("the SAM example loads");
            check(loaded.inventory, &config, loaded.files);
        }
        Err(e) => located(PATH, data, &e.into()),
    }
}

/// A file given to `eniplan check`: the path's extension picks JSON or YAML.
fn template(path: &str, data: &[u8]) {
    let loaded = SourceFile::from_bytes(path, data.to_vec()).map_err(Failure::from).and_then(|file| {
        let mut loaded = Loaded::default();
        source::load_source(file, &LoadOptions::default(), &mut loaded, true).map(|_| loaded)
    });
    match loaded {
        Ok(loaded) => check(loaded.inventory, &Config::default(), loaded.files),
        Err(e) => located(path, data, &e),
    }
}

/// The rest of the run, through the one pipeline the CLI uses.
fn check(inventory: Inventory, config: &Config, files: crate::files::Files) {
    let input = pipeline::Input {
        command: "check",
        config: config.clone(),
        files,
        ..Default::default()
    };
    let projection = Projection::alone(inventory);
    let analysis = pipeline::run(&projection, input).expect("a loaded input and a parsed config always run");
    crate::report::text::render(&analysis.report, false);
}

/// An input error names the file and a line and column inside it, and
/// renders as the CLI shows it.
fn located(path: &str, data: &[u8], failure: &Failure) {
    let Failure::Input(e) = failure else { return };
    assert!(position_is_inside(path, data, e), "error outside the file: {e}");
    let mut out = String::new();
    let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor());
    handler.render_report(&mut out, e).expect("a diagnostic renders");
}

fn position_is_inside(path: &str, data: &[u8], e: &InputError) -> bool {
    if e.file != path {
        // Only serverless `${file(…)}` names another file; it has its own text.
        return e.file.starts_with('/') || e.file.contains("..");
    }
    // Columns count characters; invalid UTF-8 is located in its valid prefix.
    let text = String::from_utf8_lossy(data);
    let Some(line) = text.split('\n').nth(e.line.wrapping_sub(1)) else {
        return false;
    };
    e.column >= 1 && e.column <= line.chars().count() + 1
}
