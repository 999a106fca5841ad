//! After the pipeline: the report written in the chosen format, and the exit code.

use super::*;

pub(super) fn finish(projection: Projection, input: pipeline::Input, common: &Common) -> Result<i32, Failure> {
    let thresholds = input.config.thresholds.clone();
    let analysis = pipeline::run(&projection, input)?;
    let report = &analysis.report;
    if let Some(path) = &common.write_baseline {
        crate::baseline::write(path, baseline_entries(report))?;
    }
    if common.format == Format::Json {
        timing::phase("write", || {
            stream_output(common.output.as_deref(), |w| report::json::write(report, w))
        })?;
    } else {
        let color = common.output.is_none() && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        let text = match common.format {
            Format::Text => report::text::render(report, color),
            Format::Json => unreachable!("streamed above"),
            Format::Sarif => report::sarif::render(report, common.sarif_category.as_deref()),
            Format::Markdown => report::markdown::render(report),
            Format::Junit => report::junit::render(report),
            Format::Github => report::github::render(report),
            Format::Gitlab => report::gitlab::render(report, &working_dir()),
            Format::Rdjsonl => {
                let fixes = crate::plan::suggestions::for_findings(&analysis, &thresholds);
                report::rdjsonl::render(report, &working_dir(), &|i| fixes.get(&i).cloned().unwrap_or_default())
            }
            Format::Html => report::html::render(report, &analysis.graph, &analysis.merges),
        };
        write_output(common.output.as_deref(), &text)?;
    }
    let code = exit_code(report, common.fail_on);
    // The process ends next: freeing a large inventory piece by piece would only cost time.
    std::mem::forget(analysis);
    std::mem::forget(projection);
    Ok(code)
}

/// The directory CI formats make paths relative to.
fn working_dir() -> PathBuf {
    std::env::current_dir().unwrap_or_default()
}

pub fn exit_code(report: &Report, fail_on: FailOn) -> i32 {
    if !report.incomplete.is_empty() {
        return 3;
    }
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Note => Severity::Note,
        FailOn::Never => return 0,
    };
    i32::from(report.active().any(|f| f.severity >= threshold))
}

/// Writes through a buffer to FILE or standard output.
pub(crate) fn stream_output(
    path: Option<&std::path::Path>,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), Failure> {
    use std::io::Write;
    match path {
        Some(p) => {
            let file = std::fs::File::create(p).map_err(|e| Failure::Io(format!("cannot write {}: {e}", p.display())))?;
            let mut w = file;
            write(&mut w)
                .and_then(|_| w.flush())
                .map_err(|e| Failure::Io(format!("cannot write {}: {e}", p.display())))
        }
        None => {
            let mut w = std::io::BufWriter::new(std::io::stdout().lock());
            // A closed pipe (`eniplan ... | head`) is not an error worth a panic.
            let _ = write(&mut w).and_then(|_| w.flush());
            Ok(())
        }
    }
}

pub(crate) fn write_output(path: Option<&std::path::Path>, text: &str) -> Result<(), Failure> {
    match path {
        Some(p) => std::fs::write(p, text).map_err(|e| Failure::Io(format!("cannot write {}: {e}", p.display()))),
        None => {
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            // A closed pipe (`eniplan ... | head`) is not an error worth a panic.
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
            Ok(())
        }
    }
}

/// What `--write-baseline` records: the active findings, and those the old baseline suppressed.
fn baseline_entries(report: &Report) -> Vec<crate::baseline::Entry> {
    report
        .findings
        .iter()
        .filter(|f| !f.suppressed || f.baselined)
        .map(|f| crate::baseline::Entry {
            rule: f.rule.to_string(),
            fingerprint: f.fingerprint.clone(),
            resource: f.resource.clone(),
            message: f.message.clone(),
            line: 0,
        })
        .collect()
}
