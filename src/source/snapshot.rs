//! The snapshot: a saved inventory, versioned JSON. Documented in
//! `docs/snapshot.md`. The live collector writes it; `audit --snapshot` and
//! `check --against` read it.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::error::{Failure, InputError};
use crate::files::SourceFile;
use crate::model::*;

pub const FORMAT_VERSION: u32 = 1;

/// Strings borrow from the file's bytes when they have no escapes.
pub type Str<'a> = Cow<'a, str>;

/// Snapshots are written by machines and grow with the account: allow 1 GiB.
const MAX_SNAPSHOT_BYTES: u64 = 1 << 30;

/// `F` and `E` are how functions and ENIs are read: in full, or (when
/// loading) as raw JSON, to parse and convert one by one on two threads.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, bound(deserialize = "F: Deserialize<'de>, E: Deserialize<'de>"))]
pub struct Snapshot<'a, F = SnapFunction<'a>, E = SnapEni<'a>> {
    pub eniplan_snapshot: u32,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<Str<'a>>,
    /// Every (account, region) the inventory covers.
    #[serde(default)]
    pub scopes: Vec<Scope>,
    #[serde(default = "Vec::new")]
    pub functions: Vec<F>,
    #[serde(borrow, default)]
    pub subnets: Vec<SnapSubnet<'a>>,
    #[serde(borrow, default)]
    pub security_groups: Vec<SnapSecurityGroup<'a>>,
    #[serde(borrow, default)]
    pub vpcs: Vec<SnapVpc<'a>>,
    #[serde(default = "Vec::new")]
    pub enis: Vec<E>,
    #[serde(default)]
    pub incomplete: Vec<SnapGap>,
    #[serde(default)]
    pub api_calls: u64,
    /// Known values of variables the account holds, e.g. `"ssm:/net/lambda-sg": "sg-123"`:
    /// `check --against` uses them to resolve `${ssm:…}` and SSM parameter types.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub values: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Serialize, Deserialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    pub account: String,
    pub region: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapFunction<'a> {
    #[serde(borrow)]
    pub name: Str<'a>,
    #[serde(borrow, default)]
    pub account: Str<'a>,
    #[serde(borrow, default)]
    pub region: Str<'a>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<Str<'a>>,
    #[serde(borrow)]
    pub versions: Vec<SnapVersion<'a>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapVersion<'a> {
    #[serde(borrow)]
    pub version: Str<'a>,
    #[serde(borrow, default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub vpc: Option<SnapVpcConfig<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub state: Option<SnapState<'a>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapVpcConfig<'a> {
    #[serde(borrow)]
    pub subnet_ids: Vec<Str<'a>>,
    #[serde(borrow)]
    pub security_group_ids: Vec<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_allowed_for_dual_stack: Option<bool>,
}

#[derive(Debug, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SnapState<'a> {
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub state: Option<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub state_reason_code: Option<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub last_update_status: Option<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub last_update_status_reason_code: Option<Str<'a>>,
}

#[derive(Debug, Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum SnapEgress {
    #[default]
    Unknown,
    InternetGateway,
    Nat,
    Private,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapSubnet<'a> {
    #[serde(borrow)]
    pub id: Str<'a>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_ip_address_count: Option<u64>,
    #[serde(default)]
    pub egress: SnapEgress,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapSecurityGroup<'a> {
    #[serde(borrow)]
    pub id: Str<'a>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<Str<'a>>,
    #[serde(default)]
    pub is_default: bool,
    /// `null` or absent: rules unknown.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<SnapRule<'a>>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapRule<'a> {
    pub direction: SnapDirection,
    #[serde(borrow)]
    pub protocol: Str<'a>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i64>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub prefix_list: Option<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Str<'a>>,
}

#[derive(Debug, Serialize, Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum SnapDirection {
    Ingress,
    Egress,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapVpc<'a> {
    #[serde(borrow)]
    pub id: Str<'a>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<Str<'a>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eni_quota: Option<u32>,
    /// `service_quotas` when read from Service Quotas, `default` otherwise.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub eni_quota_source: Option<Str<'a>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapEni<'a> {
    #[serde(borrow)]
    pub id: Str<'a>,
    #[serde(borrow, default)]
    pub account: Str<'a>,
    #[serde(borrow, default)]
    pub region: Str<'a>,
    #[serde(borrow)]
    pub subnet_id: Str<'a>,
    #[serde(borrow)]
    pub security_group_ids: Vec<Str<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub status: Str<'a>,
    #[serde(borrow, default)]
    pub description: Str<'a>,
}

#[derive(Debug, Serialize, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct SnapGap {
    pub account: String,
    pub region: String,
    pub operation: String,
    pub error: String,
}

/// Reads and validates a snapshot file. The returned [`Snapshot`] keeps only
/// its metadata (`scopes`, `api_calls`, …): the inventory is moved out of it.
pub fn load(path: &Path) -> Result<(Inventory, Snapshot<'static>), Failure> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| InputError::plain(&shown, format!("cannot read: {e}")))?;
    if meta.len() > MAX_SNAPSHOT_BYTES {
        let message = format!(
            "file is {} bytes; eniplan reads snapshots up to {MAX_SNAPSHOT_BYTES} bytes",
            meta.len()
        );
        return Err(InputError::plain(&shown, message).into());
    }
    let bytes = crate::timing::phase("read", || map_or_read(path, meta.len()))
        .map_err(|e| InputError::plain(&shown, format!("cannot read: {e}")))?;
    from_bytes(&shown, bytes)
}

/// Reads and validates a snapshot already in memory, as [`load`] does for a file.
pub fn from_bytes(shown: &str, bytes: impl std::ops::Deref<Target = [u8]>) -> Result<(Inventory, Snapshot<'static>), Failure> {
    // The fast path parses bytes directly, borrowing strings from them, and
    // parses and converts functions on two threads; only a bad file pays for
    // a located error.
    let parsed = crate::timing::phase("parse", || serde_json::from_slice::<Snapshot<&RawValue, &RawValue>>(&bytes));
    if let Some(mut s) = parsed.ok().filter(|s| s.eniplan_snapshot == FORMAT_VERSION) {
        // Each converter interns about as many IDs as the network lists.
        let ids = s.subnets.len() + s.security_groups.len() + s.vpcs.len();
        let functions = crate::timing::phase("functions", || convert_raw(&s.functions, ids, convert_function));
        let enis = crate::timing::phase("enis", || convert_raw(&s.enis, ids, convert_eni));
        if let (Ok(functions), Ok(enis)) = (functions, enis) {
            let mut inv = crate::timing::phase("network", || network_into_inventory(&mut s));
            inv.functions = functions;
            inv.enis = enis;
            return Ok((inv, s.into_owned_meta()));
        }
    }
    parse(&SourceFile::from_bytes(shown, bytes.to_vec())?)?;
    drop(bytes);
    Err(InputError::plain(shown, "invalid snapshot (see docs/snapshot.md)").into())
}

/// A large snapshot is mapped rather than copied: its pages come straight
/// from the page cache. Anything that cannot be mapped is read.
enum Bytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Read(v) => v,
        }
    }
}

fn map_or_read(path: &Path, len: u64) -> std::io::Result<Bytes> {
    if len >= 1 << 20 {
        let file = std::fs::File::open(path)?;
        // SAFETY: the map is read-only and lives only while this load runs. A
        // file rewritten meanwhile can at worst fail to parse; snapshots are
        // replaced by rename (see `save`), which leaves a mapped file intact.
        if let Ok(map) = unsafe { memmap2::Mmap::map(&file) } {
            return Ok(Bytes::Mapped(map));
        }
    }
    std::fs::read(path).map(Bytes::Read)
}

/// Lists at least this long are converted on two threads.
const PARALLEL_FROM: usize = 20_000;

/// Parses each raw element and converts it at once, so the parsed form never
/// piles up in memory.
fn convert_raw<'a, S: Deserialize<'a>, T: Send>(
    raw: &[&'a RawValue],
    ids: usize,
    to_model: fn(S, &mut Interner) -> T,
) -> serde_json::Result<Vec<T>> {
    // Vectors are sized up front: growing one by doubling copies it and
    // touches fresh memory each time, which costs more than the conversion.
    let convert = |chunk: &[&'a RawValue], capacity: usize| {
        let mut ids = Interner(ahash::AHashMap::with_capacity(ids));
        let mut out = Vec::with_capacity(capacity);
        for r in chunk {
            out.push(to_model(serde_json::from_str::<S>(r.get())?, &mut ids));
        }
        Ok(out)
    };
    if raw.len() < PARALLEL_FROM {
        return convert(raw, raw.len());
    }
    let (first, second) = raw.split_at(raw.len() / 2);
    let (a, b) = std::thread::scope(|scope| {
        let other = scope.spawn(|| convert(second, second.len()));
        // The first half's vector has room for both, so appending the second does not reallocate.
        (convert(first, raw.len()), other.join().expect("conversion does not panic"))
    });
    let mut out = a?;
    out.extend(b?);
    Ok(out)
}

impl<F, E> Snapshot<'_, F, E> {
    /// The metadata, owned: what is left once the inventory has been moved out.
    fn into_owned_meta(self) -> Snapshot<'static> {
        Snapshot {
            eniplan_snapshot: self.eniplan_snapshot,
            generated_at: self.generated_at.map(|c| Cow::Owned(c.into_owned())),
            generator: self.generator.map(|c| Cow::Owned(c.into_owned())),
            scopes: self.scopes,
            functions: vec![],
            subnets: vec![],
            security_groups: vec![],
            vpcs: vec![],
            enis: vec![],
            incomplete: self.incomplete,
            api_calls: self.api_calls,
            values: self.values,
        }
    }
}

pub fn parse(file: &SourceFile) -> Result<Snapshot<'_>, InputError> {
    let snap: Snapshot = serde_json::from_str(&file.text).map_err(|e| {
        let offset = offset_of(file, e.line(), e.column());
        InputError::at(file, offset..offset, format!("invalid snapshot: {e}"), "here")
            .with_help("see docs/snapshot.md for the snapshot format")
    })?;
    if snap.eniplan_snapshot != FORMAT_VERSION {
        let at = file.text.find("eniplan_snapshot").unwrap_or(0);
        return Err(InputError::at(
            file,
            at..at + "eniplan_snapshot".len(),
            format!(
                "snapshot format version {} is not supported (this eniplan reads version {FORMAT_VERSION})",
                snap.eniplan_snapshot
            ),
            "unsupported version",
        ));
    }
    Ok(snap)
}

fn offset_of(file: &SourceFile, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in file.text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset + l.char_indices().nth(column.saturating_sub(1)).map_or(l.len(), |(b, _)| b);
        }
        offset += l.len();
    }
    offset
}

fn convert_eni(e: SnapEni, ids: &mut Interner) -> ObservedEni {
    ObservedEni {
        id: e.id.into_owned(),
        account: e.account.into_owned(),
        region: e.region.into_owned(),
        subnet: ids.get(&e.subnet_id),
        security_groups: e.security_group_ids.iter().map(|x| ids.get(x)).collect(),
        vpc: e.vpc_id.as_deref().map(|v| ids.get(v)),
        status: e.status.into_owned(),
        description: e.description.into_owned(),
    }
}

/// The inventory without its functions and ENIs: subnets, groups, VPCs and gaps,
/// moved out of the snapshot.
fn network_into_inventory<F, E>(s: &mut Snapshot<F, E>) -> Inventory {
    let mut inv = Inventory::default();
    let mut ids = Interner::default();
    let mut id = |text: &str| ids.get(text);
    for sn in std::mem::take(&mut s.subnets) {
        let mut subnet = Subnet::new(id(&sn.id), Origin::resource(&sn.id));
        subnet.vpc = sn.vpc_id.as_deref().map(&mut id);
        subnet.az = sn.availability_zone.map(Cow::into_owned);
        subnet.cidr = sn.cidr_block.map(Cow::into_owned);
        subnet.available_ips = sn.available_ip_address_count;
        subnet.egress = match sn.egress {
            SnapEgress::Unknown => Egress::Unknown,
            SnapEgress::InternetGateway => Egress::InternetGateway,
            SnapEgress::Nat => Egress::Nat,
            SnapEgress::Private => Egress::Private,
        };
        inv.subnets.insert(subnet.id.clone(), subnet);
    }
    for g in std::mem::take(&mut s.security_groups) {
        let mut sg = SecurityGroup::new(id(&g.id), Origin::resource(&g.id));
        sg.name = g.name.map(Cow::into_owned);
        sg.vpc = g.vpc_id.as_deref().map(&mut id);
        sg.is_default = g.is_default;
        sg.rules = g
            .rules
            .as_ref()
            .map(|rules| rules.iter().map(rule_to_model).collect::<BTreeSet<_>>());
        inv.security_groups.insert(sg.id.clone(), sg);
    }
    for v in std::mem::take(&mut s.vpcs) {
        let mut vpc = Vpc::new(id(&v.id), Origin::resource(&v.id));
        vpc.cidr = v.cidr_block.map(Cow::into_owned);
        vpc.quota = v.eni_quota;
        vpc.quota_source = match v.eni_quota_source.as_deref() {
            Some("service_quotas") => QuotaSource::ServiceQuotas,
            Some("config") => QuotaSource::Config,
            _ => QuotaSource::Default,
        };
        inv.vpcs.insert(vpc.id.clone(), vpc);
    }
    inv.gaps = s
        .incomplete
        .iter()
        .map(|g| Gap {
            account: g.account.clone(),
            region: g.region.clone(),
            operation: g.operation.clone(),
            error: g.error.clone(),
        })
        .collect();
    inv
}

/// Equal IDs share one allocation.
#[derive(Default)]
struct Interner(ahash::AHashMap<String, Value>);

impl Interner {
    fn get(&mut self, text: &str) -> Value {
        if let Some(v) = self.0.get(text) {
            return v.clone();
        }
        let v = Value::id(text);
        self.0.insert(text.to_string(), v.clone());
        v
    }
}

fn convert_function(f: SnapFunction, ids: &mut Interner) -> Function {
    let mut id = |text: &str| ids.get(text);
    let resource = f.arn.as_deref().unwrap_or(&f.name);
    let function_origin = Origin::resource(resource);
    // Not `into_iter().map().collect()`: that would reuse the parsed list's
    // buffer, which is larger than the versions and was sized by doubling.
    let mut versions = Vec::with_capacity(f.versions.len());
    versions.extend(f.versions.into_iter().map(|v| {
        let vpc = v.vpc.map(|c| {
            let o = if v.version == Version::LATEST {
                function_origin.clone()
            } else {
                Origin::resource(version_arn(resource, &v.version))
            };
            let mut items = |ids: &[Str]| -> Vec<Item> {
                ids.iter()
                    .map(|x| Item {
                        value: id(x),
                        origin: o.clone(),
                    })
                    .collect()
            };
            VpcConfig {
                subnets: items(&c.subnet_ids),
                security_groups: items(&c.security_group_ids),
                vpc_id: c.vpc_id.as_deref().filter(|v| !v.is_empty()).map(&mut id),
                ipv6_dual_stack: c.ipv6_allowed_for_dual_stack,
                origin: o,
            }
        });
        Version {
            version: v.version.into_owned(),
            aliases: v.aliases.iter().map(|a| a.to_string()).collect(),
            vpc,
            state: v.state.map(|s| {
                Box::new(FunctionState {
                    state: s.state.map(Cow::into_owned),
                    state_reason_code: s.state_reason_code.map(Cow::into_owned),
                    last_update_status: s.last_update_status.map(Cow::into_owned),
                    last_update_reason_code: s.last_update_status_reason_code.map(Cow::into_owned),
                })
            }),
        }
    }));
    Function {
        name: f.name.into_owned(),
        account: f.account.into_owned(),
        region: f.region.into_owned(),
        origin: function_origin,
        ignore: vec![],
        versions,
    }
}

fn version_arn(function: &str, version: &str) -> String {
    if version == Version::LATEST || !function.starts_with("arn:") {
        function.to_string()
    } else {
        format!("{function}:{version}")
    }
}

fn rule_to_model(r: &SnapRule) -> SgRule {
    let direction = match r.direction {
        SnapDirection::Ingress => Direction::Ingress,
        SnapDirection::Egress => Direction::Egress,
    };
    let peer = match (&r.cidr, &r.prefix_list, &r.group) {
        (Some(c), _, _) => Peer::Cidr(c.to_string()),
        (_, Some(p), _) => Peer::PrefixList(p.to_string()),
        (_, _, Some(g)) => Peer::Group(Value::id(g)),
        _ => Peer::Cidr(String::new()),
    };
    SgRule::new(direction, &r.protocol, r.from_port, r.to_port, peer)
}

fn rule_to_snap(r: &SgRule) -> SnapRule<'_> {
    let (cidr, prefix_list, group) = match &r.peer {
        Peer::Cidr(c) => (Some(b(c)), None, None),
        Peer::PrefixList(p) => (None, Some(b(p)), None),
        Peer::Group(g) => (None, None, Some(b(g.as_str()))),
    };
    SnapRule {
        direction: match r.direction {
            Direction::Ingress => SnapDirection::Ingress,
            Direction::Egress => SnapDirection::Egress,
        },
        protocol: b(&r.protocol),
        from_port: r.ports.map(|p| p.0),
        to_port: r.ports.map(|p| p.1),
        cidr,
        prefix_list,
        group,
    }
}

/// Builds a snapshot from a (live) inventory. Symbolic values are written as
/// their expression; the live collector only produces literal IDs.
pub fn from_inventory(inv: &Inventory, scopes: Vec<Scope>, api_calls: u64) -> Snapshot<'_> {
    Snapshot {
        eniplan_snapshot: FORMAT_VERSION,
        generated_at: None,
        generator: Some(Cow::Owned(format!("eniplan {}", env!("CARGO_PKG_VERSION")))),
        scopes,
        functions: inv
            .functions
            .iter()
            .map(|f| SnapFunction {
                name: b(&f.name),
                account: b(&f.account),
                region: b(&f.region),
                arn: f.origin.resource.starts_with("arn:").then(|| b(&f.origin.resource)),
                versions: f
                    .versions
                    .iter()
                    .map(|v| SnapVersion {
                        version: b(&v.version),
                        aliases: v.aliases.iter().map(|a| b(a)).collect(),
                        vpc: v.vpc.as_ref().map(|c| SnapVpcConfig {
                            subnet_ids: ids(&c.subnets),
                            security_group_ids: ids(&c.security_groups),
                            vpc_id: opt(&c.vpc_id),
                            ipv6_allowed_for_dual_stack: c.ipv6_dual_stack,
                        }),
                        state: v.state.as_ref().map(|s| SnapState {
                            state: s.state.as_deref().map(b),
                            state_reason_code: s.state_reason_code.as_deref().map(b),
                            last_update_status: s.last_update_status.as_deref().map(b),
                            last_update_status_reason_code: s.last_update_reason_code.as_deref().map(b),
                        }),
                    })
                    .collect(),
            })
            .collect(),
        subnets: inv
            .subnets
            .values()
            .map(|s| SnapSubnet {
                id: b(s.id.as_str()),
                vpc_id: opt(&s.vpc),
                availability_zone: s.az.as_deref().map(b),
                cidr_block: s.cidr.as_deref().map(b),
                available_ip_address_count: s.available_ips,
                egress: match s.egress {
                    Egress::Unknown => SnapEgress::Unknown,
                    Egress::InternetGateway => SnapEgress::InternetGateway,
                    Egress::Nat => SnapEgress::Nat,
                    Egress::Private => SnapEgress::Private,
                },
            })
            .collect(),
        security_groups: inv
            .security_groups
            .values()
            .map(|g| SnapSecurityGroup {
                id: b(g.id.as_str()),
                name: g.name.as_deref().map(b),
                vpc_id: opt(&g.vpc),
                is_default: g.is_default,
                rules: g.rules.as_ref().map(|r| r.iter().map(rule_to_snap).collect()),
            })
            .collect(),
        vpcs: inv
            .vpcs
            .values()
            .map(|v| SnapVpc {
                id: b(v.id.as_str()),
                cidr_block: v.cidr.as_deref().map(b),
                eni_quota: v.quota,
                eni_quota_source: Some(b(match v.quota_source {
                    QuotaSource::ServiceQuotas => "service_quotas",
                    QuotaSource::Config => "config",
                    QuotaSource::Default => "default",
                })),
            })
            .collect(),
        enis: inv
            .enis
            .iter()
            .map(|e| SnapEni {
                id: b(&e.id),
                account: b(&e.account),
                region: b(&e.region),
                subnet_id: b(e.subnet.as_str()),
                security_group_ids: e.security_groups.iter().map(|v| b(v.as_str())).collect(),
                vpc_id: opt(&e.vpc),
                status: b(&e.status),
                description: b(&e.description),
            })
            .collect(),
        incomplete: inv
            .gaps
            .iter()
            .map(|g| SnapGap {
                account: g.account.clone(),
                region: g.region.clone(),
                operation: g.operation.clone(),
                error: g.error.clone(),
            })
            .collect(),
        api_calls,
        values: Default::default(),
    }
}

fn ids(items: &[Item]) -> Vec<Str<'_>> {
    items.iter().map(|i| b(i.value.as_str())).collect()
}

fn opt(v: &Option<Value>) -> Option<Str<'_>> {
    v.as_ref().map(|v| b(v.as_str()))
}

fn b(s: &str) -> Str<'_> {
    Cow::Borrowed(s)
}

/// Writes atomically: a temporary file in the same directory, then a rename.
pub fn save(path: &Path, snap: &Snapshot) -> Result<(), Failure> {
    let json = serde_json::to_string_pretty(snap).map_err(|e| Failure::Io(e.to_string()))?;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("snapshot"),
        std::process::id()
    ));
    std::fs::write(&tmp, json + "\n").map_err(|e| Failure::Io(format!("cannot write {}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Failure::Io(format!("cannot rename {} to {}: {e}", tmp.display(), path.display()))
    })
}
