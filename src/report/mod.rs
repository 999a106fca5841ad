//! Reports: the analysis in one serialisable shape, rendered by one module per format.

pub mod accounts;
pub mod combinations;
pub mod dot;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod mermaid;
pub mod providers;
pub mod rdjsonl;
pub mod sarif;
pub mod svg;
pub mod text;

use std::collections::BTreeMap;

use serde::Serialize;

pub use combinations::{ComboOut, Names};

use crate::files::Files;
use crate::graph::EniGraph;
use crate::model::{Origin, QuotaSource};
use crate::policy::StaleIgnore;
use crate::rules::{self, Cost, Finding, Severity};

pub const ASSUMPTIONS: &[&str] = &[
    "One IP address per Hyperplane ENI: AWS does not document how many addresses an ENI holds, so IP counts are a floor.",
    "Ipv6AllowedForDualStack is not part of the sharing key: AWS does not document whether it is.",
    "Unresolved values are compared by identity: two functions naming the same expression share it.",
];

/// Under the per-VPC tables when some VPC's other ENIs were not read.
pub const OTHER_ENIS_UNREAD: &str =
    "other ENIs: \"-\" where not read; other services' ENIs share the VPC's ENI quota but only an account read (audit, --against, --live) counts them";

/// What ENIs per VPC count, by whether the VPCs' other ENIs were read (a
/// live audit, a snapshot of one, `check --against`/`--live`): every VPC's,
/// some, or none. It goes third in the assumptions.
const ENIS_COUNTED: [&str; 3] = [
    "ENIs per VPC are Lambda's (those observed plus one per combination that has none yet) plus the VPC's other ENIs (other_enis: EFS mount targets, VPC endpoints, load balancers…), as read from the account.",
    "ENIs per VPC are Lambda's (those observed plus one per combination that has none yet) plus the VPC's other ENIs where other_enis is given; in the VPCs without it, other services' ENIs share the quota but are not counted.",
    "ENIs per VPC count Lambda's ENIs only: those observed plus one per combination that has none yet. Other services' ENIs (EFS mount targets, VPC endpoints, load balancers…) share the quota but are not counted: an audit of the account, or check --against/--live, counts them.",
];

fn assumptions(vpcs: &[VpcOut]) -> Vec<&'static str> {
    let known = vpcs.iter().filter(|v| v.other_enis.is_some()).count();
    let enis = match known {
        0 => ENIS_COUNTED[2],
        n if n == vpcs.len() => ENIS_COUNTED[0],
        _ => ENIS_COUNTED[1],
    };
    let mut out = ASSUMPTIONS.to_vec();
    out.insert(2.min(out.len()), enis);
    out
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub version: String,
    pub command: String,
    pub summary: Summary,
    pub findings: Vec<FindingOut>,
    pub combinations: Vec<ComboOut>,
    pub incomplete: Vec<crate::model::Gap>,
    pub scopes: Vec<ScopeOut>,
    pub stats: Stats,
    pub unresolved: Vec<Unresolved>,
    pub skipped: Vec<String>,
    /// With `check --against`/`--live`: what the deploy adds, frees and projects.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<crate::delta::Delta>,
    /// Baseline entries that no longer match a finding; `stale_ignores` lists them too.
    pub stale_baseline: Vec<crate::baseline::Entry>,
    /// `[[ignore]]` entries, inline ignores and baseline entries that suppress nothing (notes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stale_ignores: Vec<StaleIgnore>,
    /// What the collector wants the reader to know (e.g. a quota that fell back to its default).
    pub notes: Vec<String>,
    pub assumptions: Vec<&'static str>,
    #[serde(skip)]
    pub files: Files,
}

#[derive(Debug, Serialize, Default)]
pub struct Summary {
    /// Distinct functions, not versions.
    pub functions: usize,
    pub vpc_functions: usize,
    /// Published versions (not `$LATEST`) with a VpcConfig.
    pub vpc_versions: usize,
    pub combinations: usize,
    pub enis: usize,
    pub ips: usize,
    pub consolidated_combinations: usize,
    pub observed_enis: usize,
    pub findings: Counts,
    pub vpcs: Vec<VpcOut>,
    /// Lambda Managed Instances capacity providers, and the functions that run on them.
    pub capacity_providers: usize,
    pub capacity_provider_functions: usize,
    #[serde(rename = "capacity_provider_details", skip_serializing_if = "Vec::is_empty")]
    pub capacity_provider_list: Vec<providers::ProviderOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capacity_provider_subnets: Vec<providers::SubnetOut>,
    /// Accounts audited (read live or from a snapshot); absent for templates alone.
    #[serde(skip_serializing_if = "is_zero")]
    pub accounts: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accounts_detail: Vec<accounts::AccountOut>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Debug, Serialize, Default, Clone, Copy)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub note: usize,
    pub suppressed: usize,
}

#[derive(Debug, Serialize)]
pub struct VpcOut {
    pub vpc: String,
    pub accounts: Vec<String>,
    pub functions: usize,
    pub combinations: usize,
    /// Projected Lambda ENIs.
    pub enis: usize,
    /// The VPC's ENIs that are not Lambda's; `None` when not read (a template or plan alone).
    pub other_enis: Option<u64>,
    pub observed_enis: usize,
    /// Assumed one per Lambda ENI.
    pub ips: usize,
    pub quota: u32,
    pub quota_source: &'static str,
    /// The quota minus the ENIs (Lambda's and the other ENIs) and the capacity-provider instances.
    pub headroom: i64,
    /// What capacity providers may add: one ENI and one IP per instance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity_provider_instances: Option<providers::LoadOut>,
    /// Combinations left if every safe merge the rules propose were made.
    pub consolidated: usize,
}

#[derive(Debug, Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    #[serde(skip)]
    pub span: std::ops::Range<usize>,
    #[serde(skip)]
    pub file_id: usize,
}

#[derive(Debug, Serialize)]
pub struct Related {
    pub label: String,
    pub resource: String,
    pub location: Option<Location>,
}

#[derive(Debug, Serialize)]
pub struct FindingOut {
    pub rule: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    pub fix: String,
    pub resource: String,
    pub location: Option<Location>,
    /// At most 50 names; `functions_total` counts them all.
    pub functions: Vec<String>,
    pub functions_total: usize,
    pub combinations: Vec<String>,
    pub combinations_total: usize,
    pub cost: Option<Cost>,
    pub suppressed: bool,
    /// Suppressed because the `--baseline` file records it.
    pub baselined: bool,
    /// Stable across moved lines: rule, resource and combinations.
    pub fingerprint: String,
    pub related: Vec<Related>,
    /// Teardown findings (ENI4xx) only: how long the delete may wait.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub teardown: Option<rules::Teardown>,
}

#[derive(Debug, Serialize, Clone)]
pub struct ScopeOut {
    pub account: String,
    pub region: String,
    pub functions: usize,
    pub vpc_functions: usize,
    pub combinations: usize,
}

#[derive(Debug, Serialize, Default)]
pub struct Stats {
    pub api_calls: u64,
}

#[derive(Debug, Serialize)]
pub struct Unresolved {
    pub value: String,
    pub hint: String,
}

/// `path` relative to `base` when it lies under it, with `/` separators and no `./`.
pub fn relative(path: &str, base: &std::path::Path) -> String {
    let p = std::path::Path::new(path);
    let shown = match p.is_absolute() {
        true => p.strip_prefix(base).map_or(path.to_string(), |r| r.to_string_lossy().into_owned()),
        false => path.to_string(),
    };
    let shown = shown.replace('\\', "/");
    shown.trim_start_matches("./").to_string()
}

/// The rule's documentation, for links from CI reports.
pub fn doc_url(rule: &str) -> String {
    format!("https://github.com/eniplan/eniplan/blob/main/rules/{rule}.md")
}

/// Where an origin points, narrowed to the first line of its span: an excerpt
/// shows the key, item or resource line that matters, never a whole resource.
pub fn location(files: &Files, origin: &Origin) -> Option<Location> {
    let (id, span) = origin.file()?;
    let f = files.get(id);
    let span = first_line(&f.text, f.clamp(&span));
    let (line, column) = f.line_col(span.start);
    let (end_line, end_column) = f.line_col(span.end);
    Some(Location {
        file: f.path.clone(),
        line,
        column,
        end_line,
        end_column,
        span,
        file_id: id,
    })
}

/// The part of `span` on its first line, without the line break.
fn first_line(text: &str, span: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let bytes = &text.as_bytes()[span.clone()];
    let end = bytes
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .map_or(span.end, |i| span.start + i);
    span.start..end
}

pub struct Input<'a> {
    pub command: &'a str,
    pub graph: &'a EniGraph<'a>,
    /// The active findings' merges, for the consolidated counts.
    pub merges: &'a [crate::graph::Merge],
    pub findings: Vec<Finding>,
    pub files: Files,
    pub skipped: Vec<String>,
    pub scopes: Vec<crate::model::Scope>,
    pub api_calls: u64,
    pub delta: Option<crate::delta::Delta>,
    pub stale_ignores: Vec<StaleIgnore>,
    pub stale_baseline: Vec<crate::baseline::Entry>,
    pub notes: Vec<String>,
    /// Account ID → name, where AWS Organizations named it.
    pub account_names: BTreeMap<String, String>,
}

pub fn build(input: Input) -> Report {
    // The combination rows name every user of every combination, a million
    // at an organisation's size: they are made beside everything else.
    std::thread::scope(|scope| {
        let rows = scope.spawn(|| combinations::rows(input.graph));
        let report = build_without_rows(input);
        Report {
            combinations: rows.join().expect("rows do not panic"),
            ..report
        }
    })
}

fn build_without_rows(input: Input) -> Report {
    let g = input.graph;
    let inv = g.inv;
    let consolidated = g.consolidated(input.merges);
    let mut counts = Counts::default();
    for f in &input.findings {
        match (f.suppressed, f.severity) {
            (true, _) => counts.suppressed += 1,
            (false, Severity::Error) => counts.error += 1,
            (false, Severity::Warning) => counts.warning += 1,
            (false, Severity::Note) => counts.note += 1,
        }
    }
    let vpc_names = g.vpc_names();
    let vpcs: Vec<VpcOut> = g
        .vpcs
        .values()
        .map(|s| VpcOut {
            vpc: vpc_names[&s.vpc].clone(),
            accounts: s.accounts.iter().filter(|a| !a.is_empty()).cloned().collect(),
            functions: s.functions.len(),
            combinations: s.combinations,
            enis: s.lambda_enis(),
            other_enis: s.other_enis,
            observed_enis: s.observed_enis,
            ips: s.lambda_enis(),
            quota: s.quota,
            quota_source: match s.quota_source {
                QuotaSource::Default => "default",
                QuotaSource::ServiceQuotas => "service_quotas",
                QuotaSource::Config => "config",
            },
            headroom: s.quota as i64 - s.enis() as i64 - g.providers.vpc(&s.vpc).map_or(0, |l| l.instances as i64),
            capacity_provider_instances: g.providers.vpc(&s.vpc).map(Into::into),
            consolidated: consolidated.get(&s.vpc).copied().unwrap_or(0),
        })
        .collect();
    let vpc_functions = inv
        .functions
        .iter()
        .filter(|f| f.capacity_provider.is_none() && f.versions.iter().any(|v| v.vpc.as_ref().is_some_and(|c| c.is_attached())))
        .count();
    let assumptions = assumptions(&vpcs);
    let summary = Summary {
        functions: inv.functions.len(),
        vpc_functions,
        vpc_versions: g.users().filter(|u| !g.version(*u).is_latest()).count(),
        combinations: g.combos.len(),
        enis: vpcs.iter().map(|v| v.enis).sum(),
        ips: vpcs.iter().map(|v| v.ips).sum(),
        consolidated_combinations: vpcs.iter().map(|v| v.consolidated).sum(),
        observed_enis: inv.enis.len(),
        findings: counts,
        vpcs,
        capacity_providers: inv.capacity_providers.len(),
        capacity_provider_functions: g.providers.functions(),
        capacity_provider_list: providers::providers(g),
        capacity_provider_subnets: providers::subnets(g),
        accounts: input
            .scopes
            .iter()
            .map(|s| &s.account)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        accounts_detail: accounts::accounts(g, &input.scopes, &input.account_names, &input.findings),
    };
    let files = input.files;
    let mut findings: Vec<FindingOut> = input
        .findings
        .iter()
        .map(|f| FindingOut {
            rule: f.rule,
            name: rules::find(f.rule).map_or("", |r| r.rule.name),
            severity: f.severity,
            message: f.message.clone(),
            fix: f.fix.clone(),
            resource: f.location.resource.to_string(),
            location: location(&files, &f.location),
            functions: f.functions.clone(),
            functions_total: f.functions_total,
            combinations: f.combinations.clone(),
            combinations_total: f.combinations_total,
            cost: f.cost,
            suppressed: f.suppressed,
            fingerprint: f.fingerprint(),
            baselined: f.baselined,
            related: f
                .related
                .iter()
                .map(|(o, l)| Related {
                    label: l.clone(),
                    resource: o.resource.to_string(),
                    location: location(&files, o),
                })
                .collect(),
            teardown: f.teardown,
        })
        .collect();
    findings.sort_by(|a, b| {
        let key = |f: &FindingOut| {
            (
                f.location.as_ref().map(|l| (l.file.clone(), l.line, l.column)),
                f.rule,
                f.resource.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    Report {
        version: env!("CARGO_PKG_VERSION").to_string(),
        command: input.command.to_string(),
        summary,
        findings,
        combinations: Vec::new(),
        incomplete: inv.gaps.clone(),
        scopes: scopes(g, &input.scopes),
        stats: Stats {
            api_calls: input.api_calls,
        },
        unresolved: inv
            .unresolved
            .iter()
            .map(|(v, h)| Unresolved {
                value: v.to_string(),
                hint: h.clone(),
            })
            .collect(),
        skipped: input.skipped,
        delta: input.delta,
        stale_baseline: input.stale_baseline,
        stale_ignores: input.stale_ignores,
        notes: input.notes,
        assumptions: assumptions
            .into_iter()
            .chain((!inv.capacity_providers.is_empty()).then_some(crate::graph::providers::ASSUMPTION))
            .collect(),
        files,
    }
}

/// Per (account, region) counts, for audits that span several.
fn scopes(g: &EniGraph, declared: &[crate::model::Scope]) -> Vec<ScopeOut> {
    let mut out: BTreeMap<(String, String), ScopeOut> = declared
        .iter()
        .map(|s| {
            (
                (s.account.clone(), s.region.clone()),
                ScopeOut {
                    account: s.account.clone(),
                    region: s.region.clone(),
                    functions: 0,
                    vpc_functions: 0,
                    combinations: 0,
                },
            )
        })
        .collect();
    // Counted under borrowed keys first: one entry per scope, not a copy per function.
    let mut counts: ahash::AHashMap<(&str, &str), [usize; 3]> = ahash::AHashMap::new();
    for f in &g.inv.functions {
        let n = counts.entry((&f.account, &f.region)).or_default();
        n[0] += 1;
        n[1] += usize::from(f.capacity_provider.is_none() && f.versions.iter().any(|v| v.vpc.as_ref().is_some_and(|c| c.is_attached())));
    }
    // Combinations are distinct by construction; each counts in its first user's scope.
    for c in &g.combos {
        let f = g.function(c.users[0]);
        counts.entry((&f.account, &f.region)).or_default()[2] += 1;
    }
    for ((account, region), [functions, vpc_functions, combinations]) in counts {
        let e = out.entry((account.to_string(), region.to_string())).or_insert_with(|| ScopeOut {
            account: account.to_string(),
            region: region.to_string(),
            functions: 0,
            vpc_functions: 0,
            combinations: 0,
        });
        e.functions += functions;
        e.vpc_functions += vpc_functions;
        e.combinations += combinations;
    }
    out.into_values().collect()
}

impl Report {
    pub fn active(&self) -> impl Iterator<Item = &FindingOut> {
        self.findings.iter().filter(|f| !f.suppressed)
    }
}

/// A graph node's label and shape (`box` functions, `ellipse` combinations, `hexagon` network).
pub fn graph_label(g: &EniGraph, n: &crate::graph::GNode) -> (String, &'static str) {
    use crate::graph::GNode;
    match n {
        GNode::Version(u) => (g.user_name(*u), "box"),
        GNode::Combo(i) => {
            let c = &g.combos[*i];
            (format!("{}\n{}", c.key.subnet, rules::set(&c.key.sgs)), "ellipse")
        }
        GNode::Subnet(s) => {
            let az = g
                .inv
                .subnets
                .get(s)
                .and_then(|s| s.az.clone())
                .map(|a| format!("\n{a}"))
                .unwrap_or_default();
            (format!("{s}{az}"), "hexagon")
        }
        GNode::Vpc(v) => (v.to_string(), "hexagon"),
    }
}

#[cfg(test)]
mod tests {
    use super::{assumptions, VpcOut, ENIS_COUNTED};

    fn vpc(other_enis: Option<u64>) -> VpcOut {
        VpcOut {
            vpc: "vpc-1".into(),
            accounts: vec![],
            functions: 1,
            combinations: 1,
            enis: 1,
            other_enis,
            observed_enis: 0,
            ips: 1,
            quota: 250,
            quota_source: "default",
            headroom: 249,
            consolidated: 1,
            capacity_provider_instances: None,
        }
    }

    #[test]
    fn the_assumptions_say_where_other_enis_are_counted() {
        let said = |vpcs: &[VpcOut]| assumptions(vpcs)[2];
        assert_eq!(said(&[vpc(Some(3)), vpc(Some(0))]), ENIS_COUNTED[0]);
        assert_eq!(said(&[vpc(Some(3)), vpc(None)]), ENIS_COUNTED[1]);
        assert_eq!(said(&[vpc(None)]), ENIS_COUNTED[2]);
        assert_eq!(said(&[]), ENIS_COUNTED[2]);
    }
}
