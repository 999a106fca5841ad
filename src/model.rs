//! The inventory every source produces: functions and their published
//! versions, VPC configurations, subnets, security groups, VPCs, observed
//! Lambda ENIs and gaps. Rules never know which source filled it in.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
pub use thin_vec::{thin_vec, ThinVec};

use crate::files::FileId;
use crate::files::Span;
pub use crate::removal::*;

/// A subnet, security group or VPC as written: a literal ID, or a symbol that
/// stands for one (`!Ref LambdaSG`, `${ssm:/net/sg}`, `aws_security_group.x.id`).
/// Two equal symbols in the same scope are the same thing.
/// Strings are shared (`Arc<str>`): one ID appears in many functions, combinations and findings.
/// Sixteen bytes: a symbol's two strings sit behind one pointer, since every
/// subnet and group entry of every function version holds a value.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Value {
    Id(Arc<str>),
    Symbol(Arc<Symbol>),
}

/// An expression that stands for an ID, and the template, plan or file it is written in.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Symbol {
    pub scope: Arc<str>,
    pub expr: Arc<str>,
}

impl Value {
    pub fn id(s: impl AsRef<str>) -> Self {
        Value::Id(s.as_ref().into())
    }

    pub fn symbol(scope: impl AsRef<str>, expr: impl AsRef<str>) -> Self {
        Value::Symbol(Arc::new(Symbol {
            scope: scope.as_ref().into(),
            expr: expr.as_ref().into(),
        }))
    }

    /// The ID, or the symbol's expression.
    pub fn as_str(&self) -> &str {
        match self {
            Value::Id(id) => id,
            Value::Symbol(s) => &s.expr,
        }
    }

    pub fn unknown_vpc() -> Self {
        Value::symbol("", "unknown VPC")
    }
}

/// Serialised as its ID or expression, like `Display`.
impl serde::Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an element came from: always a readable resource name (logical ID,
/// `aws:cdk:path`, ARN or Terraform address), plus a file span when known.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Origin {
    pub resource: Arc<str>,
    file: Option<Located>,
}

/// A file span in 32-bit numbers: every function, version and subnet or group
/// entry carries an origin, so at a million functions each byte here is
/// megabytes. Files are far smaller than 4 GiB (snapshots stop at 1 GiB).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Located {
    file: u32,
    start: u32,
    end: u32,
}

impl Origin {
    pub fn resource(name: impl AsRef<str>) -> Self {
        Origin {
            resource: name.as_ref().into(),
            file: None,
        }
    }

    pub fn in_file(name: impl AsRef<str>, file: FileId, span: Span) -> Self {
        Origin::resource(name).at(file, span)
    }

    pub fn at(&self, file: FileId, span: Span) -> Self {
        let n = |x: usize| u32::try_from(x).unwrap_or(u32::MAX);
        Origin {
            resource: self.resource.clone(),
            file: Some(Located {
                file: n(file),
                start: n(span.start),
                end: n(span.end),
            }),
        }
    }

    /// The file and span, when the source was a file.
    pub fn file(&self) -> Option<(FileId, Span)> {
        self.file.map(|l| (l.file as FileId, l.start as usize..l.end as usize))
    }
}

#[derive(Clone, Debug, Default)]
pub struct Inventory {
    pub functions: Vec<Function>,
    pub subnets: BTreeMap<Value, Subnet>,
    pub security_groups: BTreeMap<Value, SecurityGroup>,
    pub vpcs: BTreeMap<Value, Vpc>,
    pub enis: Vec<ObservedEni>,
    /// For each symbol left unresolved: what would resolve it.
    pub unresolved: BTreeMap<Value, String>,
    /// Symbols that stand for a whole list (a list parameter without a value, a
    /// lookup, a value Terraform knows only after apply): any number of
    /// subnets or groups, in any AZs. Each is still one identity in the
    /// sharing key, but never "one subnet" or "one AZ".
    pub lists: BTreeSet<Value>,
    /// What a live read could not see. Non-empty means the inventory is partial.
    pub gaps: Vec<Gap>,
    /// Security groups named as a peer by some rule: (group, referring group or
    /// resource). Rules on groups in `security_groups` are also counted.
    pub sg_references: Vec<(Value, String)>,
    /// With `check --against`: functions from this index on are the deploy's;
    /// the ones before are the account's.
    pub deploy_start: Option<usize>,
    /// Lambda Managed Instances capacity providers: VPC consumers that are not
    /// Hyperplane ENI users.
    pub capacity_providers: Vec<CapacityProvider>,
    /// What the change being checked deletes or detaches (a plan's deletes, a
    /// change set's removals, a whole-stack delete). Empty for an audit.
    pub removals: Removals,
    /// Account ID → the name AWS Organizations gives it (an `--org` audit, or
    /// a snapshot of one). Labels only: no rule reads them.
    pub account_names: BTreeMap<String, String>,
}

impl Inventory {
    pub fn is_deploy(&self, function: usize) -> bool {
        self.deploy_start.is_some_and(|start| function >= start)
    }

    /// The known accounts of the first `functions` functions and of the observed ENIs.
    pub fn accounts(&self, functions: usize) -> BTreeSet<&str> {
        let functions = self.functions[..functions.min(self.functions.len())].iter().map(|f| &*f.account);
        let enis = self.enis.iter().map(|e| e.account.as_str());
        functions.chain(enis).filter(|a| !a.is_empty()).collect()
    }

    /// True when `value` may stand for any number of values.
    pub fn is_list(&self, value: &Value) -> bool {
        self.lists.contains(value)
    }

    /// Records that `value` stands for a list of unknown length.
    pub fn mark_list(&mut self, value: &Value) {
        if matches!(value, Value::Symbol(_)) {
            self.lists.insert(value.clone());
        }
    }
}

/// A function. An organisation's inventory holds a million of these, so
/// rarely-set parts are boxed and lists are [`ThinVec`]s (one pointer, no
/// allocation while empty), and account and region are shared strings.
#[derive(Clone, Debug, Default)]
pub struct Function {
    /// Shared: a report names each function once per combination it uses.
    pub name: Arc<str>,
    /// Empty when the source does not say (a template deploys into one account).
    pub account: Arc<str>,
    pub region: Arc<str>,
    pub origin: Origin,
    /// Rules suppressed on this resource.
    pub ignore: ThinVec<Ignore>,
    /// `$LATEST` first, then published versions.
    pub versions: ThinVec<Version>,
    /// The execution role (ARN or symbol), when the source says.
    pub role: Option<Box<Value>>,
    /// The capacity provider the function runs on. Such a function runs on
    /// the provider's instances and makes no Hyperplane ENI of its own.
    pub capacity_provider: Option<Box<Value>>,
    /// Execution environments kept warm: provisioned concurrency on an alias
    /// or version, or a warmer plugin.
    pub warm: ThinVec<Warm>,
}

/// Environments kept initialised ahead of traffic.
#[derive(Clone, Debug)]
pub struct Warm {
    /// The alias or version they are configured on.
    pub qualifier: String,
    /// How many environments; `None` when unresolved.
    pub environments: Option<u32>,
    pub by: WarmBy,
    pub origin: Origin,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarmBy {
    ProvisionedConcurrency,
    /// A scheduled warmer (serverless-plugin-warmup).
    Warmer,
}

/// A Lambda Managed Instances capacity provider: EC2 instances Lambda runs in
/// the provider's subnets. Each instance takes subnet IPs and VPC ENIs.
#[derive(Clone, Debug, Default)]
pub struct CapacityProvider {
    pub name: String,
    pub account: String,
    pub region: String,
    pub origin: Origin,
    /// What functions name it by when that is not its ARN or name: the
    /// template resource's symbol, the plan's address. `None` when only its
    /// name and ARN identify it (live, snapshots).
    pub id: Option<Value>,
    pub vpc: VpcConfig,
    /// `ScalingConfig.MaxVCpuCount`, when known.
    pub max_vcpus: Option<u64>,
    /// The allowed instance types, when restricted.
    pub instance_types: Vec<String>,
    pub ignore: Vec<Ignore>,
}

impl Function {
    pub fn latest(&self) -> Option<&Version> {
        self.versions.iter().find(|v| v.is_latest())
    }
}

/// An inline ignore on a function or security group: the rule ID as written,
/// and where it is written, so an ignore that suppresses nothing is reported
/// at its own line.
#[derive(Clone, Debug)]
pub struct Ignore {
    pub rule: String,
    pub origin: Origin,
}

impl Ignore {
    pub fn covers(&self, rule: &str) -> bool {
        self.rule.eq_ignore_ascii_case(rule)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Version {
    /// `$LATEST` or the version number; shared, as most are `$LATEST`.
    pub version: Arc<str>,
    pub aliases: ThinVec<String>,
    pub vpc: Option<VpcConfig>,
    pub state: Option<Box<FunctionState>>,
}

impl Version {
    pub const LATEST: &'static str = "$LATEST";

    pub fn latest(vpc: Option<VpcConfig>) -> Self {
        Version {
            version: Self::LATEST.into(),
            vpc,
            ..Default::default()
        }
    }

    pub fn is_latest(&self) -> bool {
        &*self.version == Self::LATEST
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FunctionState {
    pub state: Option<String>,
    pub state_reason_code: Option<String>,
    pub last_update_status: Option<String>,
    pub last_update_reason_code: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct VpcConfig {
    pub subnets: ThinVec<Item>,
    pub security_groups: ThinVec<Item>,
    /// The VPC the source declares (live `VpcConfig.VpcId`). Subnets' VPCs win.
    pub vpc_id: Option<Value>,
    pub ipv6_dual_stack: Option<bool>,
    pub origin: Origin,
}

impl VpcConfig {
    /// Where `item`, one of this configuration's entries, is written.
    pub fn origin_of<'a>(&'a self, item: &'a Item) -> &'a Origin {
        item.at.as_deref().unwrap_or(&self.origin)
    }

    /// Where `value` is written in `items` (its subnets or groups), else the configuration.
    pub fn origin_in<'a>(&'a self, items: &'a [Item], value: &Value) -> &'a Origin {
        items.iter().find(|i| &i.value == value).map_or(&self.origin, |i| self.origin_of(i))
    }

    pub fn is_attached(&self) -> bool {
        !self.subnets.is_empty() || !self.security_groups.is_empty()
    }

    /// The sharing key's security-group part: sorted, duplicates removed.
    pub fn sg_set(&self) -> Vec<Value> {
        sorted_unique(&self.security_groups)
    }

    pub fn subnet_set(&self) -> Vec<Value> {
        sorted_unique(&self.subnets)
    }
}

fn sorted_unique(items: &[Item]) -> Vec<Value> {
    let mut values = Vec::with_capacity(items.len());
    sorted_unique_into(items, &mut values);
    values
}

/// The items' values, sorted, without duplicates, into `out` (cleared first).
pub fn sorted_unique_into(items: &[Item], out: &mut Vec<Value>) {
    out.clear();
    out.extend(items.iter().map(|i| i.value.clone()));
    out.sort_unstable();
    out.dedup();
}

/// One subnet or security-group entry of a VpcConfig, and where it is written
/// when that is more than the VpcConfig's own origin: see [`VpcConfig::origin_of`].
#[derive(Clone, Debug)]
pub struct Item {
    pub value: Value,
    /// A template's line for this entry. `None` where a source knows only the
    /// resource (live reads, snapshots): each of a million versions' entries
    /// would otherwise carry a copy of it.
    pub at: Option<Box<Origin>>,
}

impl Item {
    /// An entry known only by its VpcConfig's origin.
    pub fn new(value: Value) -> Self {
        Item { value, at: None }
    }

    /// An entry written at `origin`.
    pub fn at(value: Value, origin: Origin) -> Self {
        Item {
            value,
            at: Some(Box::new(origin)),
        }
    }
}

/// Serialised in snake_case, as snapshots store it.
#[derive(Clone, Debug, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Egress {
    #[default]
    Unknown,
    /// Default route to an internet gateway, and no NAT: a public subnet.
    InternetGateway,
    Nat,
    /// Known routes, none of them to the internet.
    Private,
}

#[derive(Clone, Debug)]
pub struct Subnet {
    pub id: Value,
    pub vpc: Option<Value>,
    pub az: Option<String>,
    pub cidr: Option<String>,
    pub available_ips: Option<u64>,
    pub egress: Egress,
    pub origin: Origin,
}

impl Subnet {
    pub fn new(id: Value, origin: Origin) -> Self {
        Subnet {
            id,
            vpc: None,
            az: None,
            cidr: None,
            available_ips: None,
            egress: Egress::Unknown,
            origin,
        }
    }

    /// Addresses in the subnet's IPv4 CIDR, minus the five AWS reserves.
    pub fn size(&self) -> Option<u64> {
        let bits: u32 = self.cidr.as_ref()?.split_once('/')?.1.parse().ok()?;
        (bits <= 32).then(|| (1u64 << (32 - bits)).saturating_sub(5))
    }
}

#[derive(Clone, Debug)]
pub struct SecurityGroup {
    pub id: Value,
    pub name: Option<String>,
    pub vpc: Option<Value>,
    pub is_default: bool,
    /// Normalised rules; `None` when the source cannot see them.
    pub rules: Option<BTreeSet<SgRule>>,
    pub origin: Origin,
    pub ignore: Vec<Ignore>,
}

impl SecurityGroup {
    pub fn new(id: Value, origin: Origin) -> Self {
        SecurityGroup {
            id,
            name: None,
            vpc: None,
            is_default: false,
            rules: None,
            origin,
            ignore: vec![],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Ingress,
    Egress,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Peer {
    Cidr(String),
    PrefixList(String),
    Group(Value),
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SgRule {
    pub direction: Direction,
    /// `-1` (all), `tcp`, `udp`, `icmp`, `icmpv6` or a protocol number.
    pub protocol: String,
    /// Port range; `None` when the protocol has no ports or all are allowed.
    pub ports: Option<(i64, i64)>,
    pub peer: Peer,
}

impl SgRule {
    pub fn new(direction: Direction, protocol: &str, from: Option<i64>, to: Option<i64>, peer: Peer) -> Self {
        let protocol = normalise_protocol(protocol);
        let ports = match (protocol.as_str(), from, to) {
            ("-1", ..) => None,
            (_, Some(a), Some(b)) if (a, b) != (-1, -1) && !(a == 0 && b == 65535 && protocol != "icmp") => Some((a, b)),
            (_, Some(a), None) | (_, None, Some(a)) if a != -1 => Some((a, a)),
            _ => None,
        };
        SgRule {
            direction,
            protocol,
            ports,
            peer,
        }
    }
}

fn normalise_protocol(p: &str) -> String {
    match p.to_ascii_lowercase().as_str() {
        "-1" | "all" | "any" | "" => "-1".into(),
        "6" | "tcp" => "tcp".into(),
        "17" | "udp" => "udp".into(),
        "1" | "icmp" => "icmp".into(),
        "58" | "icmpv6" => "icmpv6".into(),
        other => other.to_string(),
    }
}

/// Where a VPC's ENI quota came from. Any other name read back means the default.
#[derive(Clone, Debug, PartialEq, Eq, Copy, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaSource {
    ServiceQuotas,
    Config,
    #[serde(other)]
    Default,
}

#[derive(Clone, Debug)]
pub struct Vpc {
    pub id: Value,
    pub cidr: Option<String>,
    /// "Elastic network interfaces per VPC" (L-9FEE3D26) when known.
    pub quota: Option<u32>,
    pub quota_source: QuotaSource,
    pub origin: Origin,
    /// ENIs in the VPC that are not Lambda's Hyperplane ENIs (EFS mount
    /// targets, endpoints, load balancers, instances…), when a live read counted them.
    pub other_enis: Option<u64>,
}

impl Vpc {
    pub fn new(id: Value, origin: Origin) -> Self {
        Vpc {
            id,
            cidr: None,
            quota: None,
            quota_source: QuotaSource::Default,
            origin,
            other_enis: None,
        }
    }
}

/// A Lambda (Hyperplane) ENI seen in the account.
#[derive(Clone, Debug)]
pub struct ObservedEni {
    pub id: String,
    pub account: String,
    pub region: String,
    pub subnet: Value,
    pub security_groups: Vec<Value>,
    pub vpc: Option<Value>,
    pub status: String,
    pub description: String,
}

/// One (account, region) an inventory covers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    pub account: String,
    pub region: String,
}

/// Something a live read could not see: never treated as empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gap {
    pub account: String,
    pub region: String,
    pub operation: String,
    pub error: String,
}

pub const DEFAULT_ENI_QUOTA: u32 = 250;
pub const MAX_SECURITY_GROUPS: usize = 5;
pub const MAX_SUBNETS: usize = 16;
