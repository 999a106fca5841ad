//! `eniplan.toml`: rules on or off, severities, thresholds, quotas and ignores.
//! Found upward from the current directory, or given with `--config`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

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
    pub rules: Vec<String>,
    /// A glob over the finding's resource (logical ID, ARN or address).
    pub resource: String,
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
        let config: Config = toml::from_str(&file.text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            InputError::at(file, span, format!("invalid configuration: {}", e.message()), "here")
        })?;
        for id in config.rules.keys() {
            if crate::rules::find(id).is_none() {
                let at = file.text.find(id.as_str()).unwrap_or(0);
                return Err(
                    InputError::at(file, at..at + id.len(), format!("unknown rule `{id}`"), "not a rule ID")
                        .with_help("`eniplan rules` lists the rule IDs"),
                );
            }
        }
        Ok(config)
    }

    pub fn enabled(&self, id: &str) -> bool {
        self.rules.get(id).and_then(|r| r.enabled).unwrap_or(true)
    }
}
