//! `eniplan.toml`: rules on or off, severities, thresholds, quotas and ignores.
//! Found upward from the current directory, or given with `--config`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::{Failure, InputError};
use crate::files::SourceFile;
use crate::severity::Severity;

pub const FILE_NAME: &str = "eniplan.toml";

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub thresholds: Thresholds,
    /// ENI quota per VPC ID, overriding the default and what the account reports.
    #[serde(default)]
    pub quota: BTreeMap<String, u32>,
    #[serde(default)]
    pub rules: BTreeMap<String, RuleConfig>,
    /// Suppressions by resource name or address glob.
    #[serde(default)]
    pub ignore: Vec<Ignore>,
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// The ENI quota when neither the account nor `[quota]` says otherwise.
    pub eni_quota: Option<u32>,
    /// Share of the quota at which ENI101 warns.
    pub quota_warning: f64,
    pub subnet_min_free_ips: u64,
    pub subnet_min_free_percent: f64,
    pub per_function_sg_min_functions: usize,
    pub per_function_sg_share: f64,
    pub min_availability_zones: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            eni_quota: None,
            quota_warning: 0.8,
            subnet_min_free_ips: 16,
            subnet_min_free_percent: 10.0,
            per_function_sg_min_functions: 3,
            per_function_sg_share: 0.75,
            min_availability_zones: 2,
        }
    }
}

#[derive(Debug, Deserialize, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    pub enabled: Option<bool>,
    pub severity: Option<Severity>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Ignore {
    /// Rule IDs; empty means all.
    #[serde(default)]
    pub rules: Vec<Spanned<String>>,
    /// A glob over the finding's resource (logical ID, ARN or address).
    pub resource: Spanned<String>,
    /// The line of `resource`, for notes about an entry that matches nothing.
    #[serde(skip)]
    pub line: usize,
}

impl Ignore {
    pub fn glob(&self) -> Result<globset::GlobMatcher, globset::Error> {
        Ok(globset::Glob::new(self.resource.get_ref())?.compile_matcher())
    }

    pub fn covers(&self, rule: &str) -> bool {
        self.rules.is_empty() || self.rules.iter().any(|r| r.get_ref() == rule)
    }

    /// The entry as a note shows it.
    pub fn describe(&self) -> String {
        let rules: Vec<String> = self.rules.iter().map(|r| format!("{:?}", r.get_ref())).collect();
        match rules.is_empty() {
            true => format!("[[ignore]] resource = {:?}", self.resource.get_ref()),
            false => format!(
                "[[ignore]] rules = [{}], resource = {:?}",
                rules.join(", "),
                self.resource.get_ref()
            ),
        }
    }
}

impl Config {
    /// `--config FILE`, else the nearest `eniplan.toml` upward from `start`.
    pub fn load(explicit: Option<&Path>, start: &Path) -> Result<Config, Failure> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => start.ancestors().map(|d| d.join(FILE_NAME)).find(|p| p.is_file()),
        };
        let Some(path) = path else { return Ok(Config::default()) };
        let mut config = Config::parse(&SourceFile::read(&path)?)?;
        config.path = Some(path);
        Ok(config)
    }

    /// Parses and checks a configuration file's text.
    pub fn parse(file: &SourceFile) -> Result<Config, InputError> {
        let mut config: Config = toml::from_str(&file.text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            InputError::at(file, span, format!("invalid configuration: {}", e.message()), "here")
        })?;
        for id in config.rules.keys() {
            let at = file.text.find(id.as_str()).unwrap_or(0);
            rule_id(file, id, at..at + id.len())?;
        }
        // `[rules.eni001]` and `[rules.equivalent-security-groups]` name ENI001: keyed by ID, they apply.
        config.rules = std::mem::take(&mut config.rules)
            .into_iter()
            .map(|(id, c)| (crate::rules::find(&id).map_or(id, |r| r.rule.id.to_string()), c))
            .collect();
        for ignore in &mut config.ignore {
            for r in &mut ignore.rules {
                let id = rule_id(file, r.get_ref(), r.span())?;
                *r.get_mut() = id.to_string();
            }
            if let Err(e) = ignore.glob() {
                return Err(
                    InputError::at(file, ignore.resource.span(), format!("invalid glob: {}", e.kind()), "here")
                        .with_help("globs use `*`, `?`, `[abc]` and `{a,b}`; escape a literal one as `[*]`"),
                );
            }
            ignore.line = file.line_col(ignore.resource.span().start).0;
        }
        Ok(config)
    }

    pub fn enabled(&self, id: &str) -> bool {
        self.rules.get(id).and_then(|r| r.enabled).unwrap_or(true)
    }
}

/// The registered ID a configuration names by ID or name, or a located error.
fn rule_id(file: &SourceFile, id: &str, at: crate::files::Span) -> Result<&'static str, InputError> {
    crate::rules::find(id).map(|r| r.rule.id).ok_or_else(|| {
        InputError::at(file, at, format!("unknown rule `{id}`"), "not a rule ID").with_help("`eniplan rules` lists the rule IDs")
    })
}
