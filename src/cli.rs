//! Command line: parse arguments, run the pipeline, print, and pick the exit code.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::Config;
use crate::error::Failure;
use crate::graph::{EniGraph, Quotas};
use crate::pipeline::{self, Projection};
use crate::report::{self, Report};
use crate::rules::{self, Severity};
#[cfg(feature = "aws")]
use crate::source::aws::Collected;
use crate::source::{self, snapshot, LoadOptions};
use crate::timing;

#[derive(Parser, Debug)]
#[command(
    name = "eniplan",
    version,
    about = "Plan and lint the Hyperplane ENIs AWS Lambda creates for VPC-attached functions"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check templates, cdk.out, serverless.yml, Terraform plans or CloudFormation change sets before deploying (optionally against the account).
    Check {
        /// Templates (.yaml, .yml, .json), serverless.yml, Terraform plan JSON, change set JSON
        /// (`describe-change-set --include-property-values --output json`), directories, or cdk.out directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Judge the deploy against a saved account inventory: what it adds, frees and projects.
        #[arg(long, value_name = "SNAPSHOT", conflicts_with = "live")]
        against: Option<PathBuf>,
        /// Judge the deploy against the account, read live (same flags as `audit`).
        #[arg(long)]
        live: bool,
        /// Judge deleting the stacks the templates describe: every group, subnet, function and role in them is
        /// removed. Add `aws cloudformation describe-stack-resources --output json` output to match them to the
        /// account's by physical ID.
        #[arg(long)]
        delete: bool,
        /// The account the deploy goes to, for functions whose source does not say (a template never
        /// does). Without it, the deploy takes the account's only account; with several (`--org`, a merged
        /// snapshot) its functions are matched to none of them.
        #[arg(long, value_name = "ID")]
        deploy_account: Option<String>,
        /// The region the deploy goes to, for functions whose source does not say; as --deploy-account.
        #[arg(long, value_name = "REGION")]
        deploy_region: Option<String>,
        #[command(flatten)]
        account: Live,
        #[command(flatten)]
        common: Common,
    },
    /// Audit an account: live (read-only) or from saved snapshots.
    Audit {
        /// Lint a saved inventory instead of reading the account. Repeat it to
        /// audit several snapshots as one (as `eniplan snapshot merge` joins them).
        #[arg(long = "snapshot", value_name = "FILE")]
        snapshots: Vec<PathBuf>,
        /// Write the inventory read live to FILE (atomically).
        #[arg(long, value_name = "FILE")]
        save_snapshot: Option<PathBuf>,
        #[command(flatten)]
        live: Live,
        #[command(flatten)]
        common: Common,
    },
    /// Plan the consolidation: which functions move where, in what order, and what it saves.
    ///
    /// Takes templates as `check` does, `--snapshot FILE`, or, with neither, reads the
    /// account as `audit` does. Only merges the rules prove safe are planned.
    Plan {
        /// Templates, serverless.yml, Terraform plan JSON, directories or cdk.out directories.
        #[arg(conflicts_with = "snapshot")]
        paths: Vec<PathBuf>,
        /// Plan from a saved inventory.
        #[arg(long, value_name = "FILE")]
        snapshot: Option<PathBuf>,
        /// Also propose dropping extra security groups (ENI002): such steps change access and are marked for review.
        #[arg(long)]
        include_extra: bool,
        #[command(flatten)]
        live: Live,
        #[command(flatten)]
        common: Common,
    },
    /// Work with saved inventories.
    Snapshot {
        #[command(subcommand)]
        action: SnapshotAction,
    },
    /// List the rules.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// A rule ID (ENI001) or name (equivalent-security-groups).
        id: String,
    },
    /// Draw functions → combinations → subnets → VPCs.
    Graph {
        /// Templates, directories or cdk.out directories.
        paths: Vec<PathBuf>,
        /// Draw a saved inventory instead.
        #[arg(long, value_name = "FILE")]
        snapshot: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "dot")]
        format: GraphFormat,
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[arg(long = "parameter", value_name = "KEY=VALUE", value_parser = parse_kv)]
        parameters: Vec<(String, String)>,
    },
}

#[derive(Subcommand, Debug)]
pub enum SnapshotAction {
    /// Join snapshots (one per account or region, e.g. from a CI matrix) into one.
    ///
    /// An account and region read by two inputs must hold the same data in
    /// both; different data is an error (exit 2) naming them.
    Merge {
        /// The snapshots to join.
        #[arg(required = true, num_args = 1..)]
        files: Vec<PathBuf>,
        /// Where to write the joined snapshot (atomically).
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
    },
}

#[derive(Args, Debug, Clone, Default)]
pub struct Common {
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity is reported.
    #[arg(long, value_enum, default_value = "error")]
    pub fail_on: FailOn,
    /// Configuration file (default: the nearest eniplan.toml upward).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// CloudFormation parameter override (repeatable); list values are comma-separated.
    #[arg(long = "parameter", value_name = "KEY=VALUE", value_parser = parse_kv)]
    pub parameters: Vec<(String, String)>,
    /// Serverless Framework stage (default: provider.stage, else dev).
    #[arg(long)]
    pub stage: Option<String>,
    /// Value for a variable eniplan cannot read itself, e.g. `ssm:/net/lambda-sg=sg-123` (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_kv)]
    pub vars: Vec<(String, String)>,
    /// Report only findings that FILE (from --write-baseline) does not record.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in FILE.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// SARIF `automationDetails` category (default: eniplan/<command>), so
    /// several eniplan uploads to one repository keep their own alerts.
    #[arg(long, value_name = "CATEGORY")]
    pub sarif_category: Option<String>,
}

#[derive(Args, Debug, Clone, Default)]
pub struct Live {
    /// AWS profile.
    #[arg(long)]
    pub profile: Option<String>,
    /// Region to audit (repeatable; default: the configured region).
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// Audit every region enabled for the account.
    #[arg(long)]
    pub all_regions: bool,
    /// Audit the account of each role by assuming it (repeatable).
    #[arg(long = "role-arn", value_name = "ARN")]
    pub role_arns: Vec<String>,
    #[arg(long)]
    pub external_id: Option<String>,
    /// Session name for assumed roles.
    #[arg(long, default_value = "eniplan")]
    pub session_name: String,
    /// Endpoint URL for every service (AWS_ENDPOINT_URL is honoured too).
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Also read each VPC function's state (GetFunctionConfiguration).
    #[arg(long)]
    pub with_state: bool,
    /// `check --live`: the deploy's functions, whose provisioned concurrency is read.
    #[arg(skip)]
    pub warm_functions: std::collections::BTreeSet<String>,
    /// Audit every ACTIVE account of the AWS Organization, from its management or delegated-administrator account.
    #[arg(long, conflicts_with = "role_arns")]
    pub org: bool,
    /// With --org: only the accounts under this OU or root, recursively (repeatable).
    #[arg(long = "org-ou", value_name = "OU_ID", requires = "org")]
    pub org_ous: Vec<String>,
    /// With --org: the role assumed in each account.
    #[arg(long, value_name = "NAME", default_value = "OrganizationAccountAccessRole", requires = "org")]
    pub org_role: String,
    /// With --org: leave this account out (repeatable).
    #[arg(long = "exclude-account", value_name = "ID", requires = "org")]
    pub exclude_accounts: Vec<String>,
    /// With --org: how many accounts are read at once.
    #[arg(long, value_name = "N", default_value_t = 16, requires = "org", value_parser = clap::value_parser!(u16).range(1..))]
    pub concurrency: u16,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
    Sarif,
    Markdown,
    /// JUnit XML, for GitLab and Jenkins.
    Junit,
    /// GitHub Actions annotations.
    Github,
    /// GitLab Code Quality JSON (`artifacts: reports: codequality`).
    Gitlab,
    /// reviewdog Diagnostics, one per line (`reviewdog -f=rdjsonl`).
    Rdjsonl,
    /// One self-contained HTML page with the combination graph drawn.
    Html,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Mermaid,
    /// The drawing the HTML report shows, with needless splits coloured.
    Svg,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum FailOn {
    #[default]
    Error,
    Warning,
    Note,
    Never,
}

fn parse_kv(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("expected KEY=VALUE, got `{s}`"))
}

mod output;
mod plan;

pub use output::exit_code;
use output::finish;
pub(crate) use output::{stream_output, write_output};

pub fn main() -> i32 {
    timing::event(|| "started".into());
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => {
            timing::event(|| "done".into());
            code
        }
        Err(failure) => {
            print_failure(&failure);
            failure.exit_code()
        }
    }
}

fn print_failure(f: &Failure) {
    match f {
        Failure::Input(e) => {
            let theme = if std::io::stderr().is_terminal() {
                miette::GraphicalTheme::unicode()
            } else {
                miette::GraphicalTheme::unicode_nocolor()
            };
            let mut out = String::new();
            let _ = miette::GraphicalReportHandler::new_themed(theme).render_report(&mut out, e);
            eprintln!("{out}");
        }
        other => eprintln!("error: {other}"),
    }
}

pub fn run(cli: Cli) -> Result<i32, Failure> {
    match cli.command {
        Command::Rules => {
            for r in rules::RULES {
                println!(
                    "{}  {:<28} {:<8} {}",
                    r.rule.id,
                    r.rule.name,
                    r.rule.severity.as_str(),
                    r.rule.summary
                );
            }
            Ok(0)
        }
        Command::Explain { id } => match rules::find(&id) {
            Some(r) => {
                print!("{}", r.doc);
                Ok(0)
            }
            None => Err(Failure::Usage(format!("unknown rule `{id}`; `eniplan rules` lists them"))),
        },
        Command::Check {
            paths,
            against,
            live,
            delete,
            deploy_account,
            deploy_region,
            account,
            common,
        } => {
            let mut input = input("check", &common)?;
            let account_snapshot = against.as_deref().map(snapshot::load).transpose()?;
            let mut opts = load_options(&common);
            if let Some((_, meta)) = &account_snapshot {
                // The snapshot's recorded values resolve variables; `--var` still wins.
                let mut values: Vec<(String, String)> = meta.values.clone().into_iter().collect();
                values.extend(common.vars.iter().cloned());
                opts.serverless.vars = values.clone();
                opts.cloudformation.values = values;
            }
            let mut loaded = source::load_paths(&paths, &opts)?;
            crate::delta::place(&mut loaded.inventory, deploy_account.as_deref(), deploy_region.as_deref());
            let deletion = delete.then(|| stack_deletion(&loaded)).transpose()?;
            if !delete && !loaded.stacks.resource_lists.is_empty() {
                input.notes.push(format!(
                    "{}: a stack resource list is only read with --delete",
                    loaded.stacks.resource_lists.join(", ")
                ));
            }
            let mut account_inventory = match (account_snapshot, live) {
                (Some((inv, meta)), _) => {
                    // The account's scopes and reads, as `check --live` reports them.
                    input.scopes = meta.scopes;
                    input.api_calls = meta.api_calls;
                    Some(inv)
                }
                (None, true) => {
                    let mut account = account;
                    account.warm_functions = loaded.inventory.functions.iter().map(|f| f.name.to_string()).collect();
                    let collected = collect_live_for(account, deploy_subnets(&loaded.inventory))?;
                    input.notes.extend(collected.notes);
                    input.account_names = collected.account_names;
                    input.api_calls = collected.api_calls;
                    input.scopes = collected.scopes;
                    Some(collected.inventory)
                }
                (None, false) => None,
            };
            if let Some(n) = account_inventory
                .as_ref()
                .map(|a| a.accounts(a.functions.len()).len())
                .filter(|&n| n > 1)
            {
                if loaded.inventory.functions.iter().any(|f| f.account.is_empty()) {
                    input.notes.push(format!(
                        "the account inventory holds {n} accounts and the deploy names none: pass --deploy-account \
                         (and --deploy-region) to judge which combinations it adds (ENI005, ENI007)"
                    ));
                }
            }
            input.files = loaded.files;
            input.skipped = loaded.skipped;
            let projection = match deletion {
                Some(deletion) => {
                    input.notes.extend(deletion.removals.notes.iter().cloned());
                    let before = account_inventory.take();
                    let after = source::changeset::delete::after(before.clone().unwrap_or_default(), deletion);
                    Projection { inventory: after, before }
                }
                None => {
                    input.notes.extend(loaded.inventory.removals.notes.iter().cloned());
                    match account_inventory {
                        Some(inv) => Projection::onto(inv, loaded.inventory),
                        None => Projection::alone(loaded.inventory),
                    }
                }
            };
            finish(projection, input, &common)
        }
        Command::Audit {
            snapshots,
            save_snapshot,
            common,
            ..
        } if !snapshots.is_empty() => {
            let mut input = input("audit", &common)?;
            let merged = snapshot::merge::load(&snapshots)?;
            if let Some(out) = save_snapshot {
                snapshot::save(&out, &merged.snapshot())?;
            }
            input.scopes = merged.scopes;
            input.api_calls = merged.api_calls;
            input.notes = merged.notes;
            finish(Projection::alone(merged.inventory), input, &common)
        }
        Command::Snapshot {
            action: SnapshotAction::Merge { files, output },
        } => {
            let merged = snapshot::merge::load(&files)?;
            snapshot::save(&output, &merged.snapshot())?;
            for note in &merged.notes {
                eprintln!("note: {note}");
            }
            eprintln!(
                "eniplan: wrote {} ({} functions, {} accounts and regions) from {} snapshots",
                output.display(),
                merged.inventory.functions.len(),
                merged.scopes.len(),
                files.len()
            );
            Ok(0)
        }
        Command::Audit {
            save_snapshot,
            live,
            common,
            ..
        } => {
            let mut input = input("audit", &common)?;
            let collected = collect_live(live)?;
            if let Some(path) = save_snapshot {
                let snap = snapshot::from_inventory(&collected.inventory, collected.scopes.clone(), collected.api_calls);
                snapshot::save(&path, &snap)?;
            }
            input.scopes = collected.scopes;
            input.api_calls = collected.api_calls;
            input.notes = collected.notes;
            input.account_names = collected.account_names;
            finish(Projection::alone(collected.inventory), input, &common)
        }
        Command::Plan {
            paths,
            snapshot,
            include_extra,
            live,
            common,
        } => plan::run(plan::Args {
            paths,
            snapshot,
            include_extra,
            live,
            common,
        }),
        Command::Graph {
            paths,
            snapshot: snap,
            format,
            output,
            parameters,
        } => {
            let (inv, files) = match snap {
                Some(p) => (snapshot::load(&p)?.0, Default::default()),
                None if paths.is_empty() => return Err(Failure::Usage("give template paths or --snapshot".into())),
                None => {
                    let loaded = source::load_paths(
                        &paths,
                        &load_options(&Common {
                            parameters,
                            ..Common::default()
                        }),
                    )?;
                    (loaded.inventory, loaded.files)
                }
            };
            let text = match format {
                GraphFormat::Dot => report::dot::render(&EniGraph::build(&inv, &Quotas::default())),
                GraphFormat::Mermaid => report::mermaid::render(&EniGraph::build(&inv, &Quotas::default())),
                GraphFormat::Svg => {
                    // The colours need the rules' merges, judged with the default configuration.
                    let projection = Projection::alone(inv);
                    let judged = pipeline::judge(&projection, &Config::default(), None, &files)?;
                    report::svg::render(&judged.graph, &judged.merges)
                }
            };
            write_output(output.as_deref(), &text)?;
            Ok(0)
        }
    }
}

/// `check --delete`: the templates' resources, all removed. Change sets describe
/// a change of their own, so they cannot be deleted as a stack.
fn stack_deletion(loaded: &source::Loaded) -> Result<source::changeset::delete::Deletion, Failure> {
    if loaded.inventory.removals.tool.is_some() {
        return Err(Failure::Usage(
            "--delete takes templates (and stack resource lists), not change sets or plans".into(),
        ));
    }
    Ok(loaded.stacks.deletion(&loaded.inventory))
}

pub(crate) fn load_options(common: &Common) -> LoadOptions {
    let mut opts = LoadOptions::default();
    opts.cloudformation.parameters = common.parameters.clone();
    opts.serverless.stage = common.stage.clone();
    opts.serverless.vars = common.vars.clone();
    opts.cloudformation.values = common.vars.clone();
    opts
}

pub(crate) fn collect_live(live: Live) -> Result<Collected, Failure> {
    collect_live_for(live, vec![])
}

/// The subnet IDs a deploy names, so a live read covers their VPCs too.
fn deploy_subnets(deploy: &crate::model::Inventory) -> Vec<String> {
    let configs = deploy.functions.iter().flat_map(|f| &f.versions).filter_map(|v| v.vpc.as_ref());
    let mut ids: Vec<String> = configs
        .flat_map(|c| &c.subnets)
        .filter_map(|i| match &i.value {
            crate::model::Value::Id(id) => Some(id.to_string()),
            _ => None,
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[cfg(feature = "aws")]
fn collect_live_for(live: Live, also_subnets: Vec<String>) -> Result<source::aws::Collected, Failure> {
    let opts = source::aws::AwsOptions {
        profile: live.profile,
        regions: live.regions,
        all_regions: live.all_regions,
        role_arns: live.role_arns,
        external_id: live.external_id,
        session_name: Some(live.session_name),
        endpoint_url: live.endpoint_url,
        with_state: live.with_state,
        warm_functions: live.warm_functions,
        also_subnets,
        progress: std::io::stderr().is_terminal(),
        org: live.org.then(|| source::aws::OrgOptions {
            role: Some(live.org_role)
                .filter(|r| !r.is_empty())
                .unwrap_or_else(|| source::aws::DEFAULT_ORG_ROLE.into()),
            ous: live.org_ous,
            exclude: live.exclude_accounts,
            concurrency: usize::from(live.concurrency).max(1),
        }),
    };
    source::aws::collect(&opts)
}

#[cfg(not(feature = "aws"))]
fn collect_live_for(_: Live, _: Vec<String>) -> Result<Collected, Failure> {
    Err(Failure::Usage(
        "this eniplan was built without the `aws` feature; use a snapshot instead".into(),
    ))
}

#[cfg(not(feature = "aws"))]
pub(crate) struct Collected {
    pub inventory: crate::model::Inventory,
    pub scopes: Vec<crate::model::Scope>,
    pub api_calls: u64,
    pub notes: Vec<String>,
    pub account_names: std::collections::BTreeMap<String, String>,
}

/// The configuration and baseline a report command runs with.
pub(crate) fn input(command: &'static str, common: &Common) -> Result<pipeline::Input, Failure> {
    Ok(pipeline::Input {
        command,
        config: Config::load(common.config.as_deref(), &std::env::current_dir().unwrap_or_default())?,
        baseline: common.baseline.as_deref().map(crate::baseline::load).transpose()?,
        ..Default::default()
    })
}
