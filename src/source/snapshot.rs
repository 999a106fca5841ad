//! The snapshot: a saved inventory, versioned JSON. Documented in
//! `docs/snapshot.md`. The live collector writes it; `audit --snapshot` and
//! `check --against` read it.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Failure, InputError};
use crate::files::SourceFile;
use crate::model::*;

pub const FORMAT_VERSION: u32 = 1;

/// Snapshots are written by machines and grow with the account: allow 1 GiB.
const MAX_SNAPSHOT_BYTES: u64 = 1 << 30;

#[derive(Debug, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub eniplan_snapshot: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
    /// Every (account, region) the inventory covers.
    #[serde(default)]
    pub scopes: Vec<Scope>,
    #[serde(default)]
    pub functions: Vec<SnapFunction>,
    #[serde(default)]
    pub subnets: Vec<SnapSubnet>,
    #[serde(default)]
    pub security_groups: Vec<SnapSecurityGroup>,
    #[serde(default)]
    pub vpcs: Vec<SnapVpc>,
    #[serde(default)]
    pub enis: Vec<SnapEni>,
    #[serde(default)]
    pub incomplete: Vec<SnapGap>,
    #[serde(default)]
    pub api_calls: u64,
}

#[derive(Debug, Serialize, Deserialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    pub account: String,
    pub region: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapFunction {
    pub name: String,
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub region: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    pub versions: Vec<SnapVersion>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapVersion {
    pub version: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc: Option<SnapVpcConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<SnapState>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapVpcConfig {
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_allowed_for_dual_stack: Option<bool>,
}

#[derive(Debug, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SnapState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_reason_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_update_status_reason_code: Option<String>,
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
pub struct SnapSubnet {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_ip_address_count: Option<u64>,
    #[serde(default)]
    pub egress: SnapEgress,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapSecurityGroup {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default)]
    pub is_default: bool,
    /// `null` or absent: rules unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Vec<SnapRule>>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapRule {
    pub direction: SnapDirection,
    pub protocol: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_port: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_port: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_list: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum SnapDirection {
    Ingress,
    Egress,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapVpc {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eni_quota: Option<u32>,
    /// `service_quotas` when read from Service Quotas, `default` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eni_quota_source: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapEni {
    pub id: String,
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub region: String,
    pub subnet_id: String,
    pub security_group_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub description: String,
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
pub fn load(path: &Path) -> Result<(Inventory, Snapshot), Failure> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| InputError::plain(&shown, format!("cannot read: {e}")))?;
    if meta.len() > MAX_SNAPSHOT_BYTES {
        return Err(InputError::plain(
            &shown,
            format!(
                "file is {} bytes; eniplan reads snapshots up to {MAX_SNAPSHOT_BYTES} bytes",
                meta.len()
            ),
        )
        .into());
    }
    let bytes = std::fs::read(path).map_err(|e| InputError::plain(&shown, format!("cannot read: {e}")))?;
    // The fast path parses bytes directly; only a bad file pays for a located error.
    let parsed = serde_json::from_slice::<Snapshot>(&bytes);
    drop(bytes);
    let snap = match parsed {
        Ok(s) if s.eniplan_snapshot == FORMAT_VERSION => s,
        _ => {
            parse(&SourceFile::read_limited(path, MAX_SNAPSHOT_BYTES)?)?;
            unreachable!("parse fails wherever from_slice did")
        }
    };
    let mut snap = snap;
    let inv = into_inventory(&mut snap);
    Ok((inv, snap))
}

pub fn parse(file: &SourceFile) -> Result<Snapshot, InputError> {
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

/// Builds the inventory, moving the element lists out of the snapshot.
pub fn into_inventory(s: &mut Snapshot) -> Inventory {
    let mut inv = Inventory::default();
    for f in std::mem::take(&mut s.functions) {
        let resource = f.arn.unwrap_or_else(|| f.name.clone());
        let versions = f
            .versions
            .into_iter()
            .map(|v| {
                let vpc = v.vpc.map(|c| {
                    let o = Origin::resource(version_arn(&resource, &v.version));
                    let items = |ids: Vec<String>| {
                        ids.into_iter()
                            .map(|id| Item {
                                value: Value::Id(id.into()),
                                origin: o.clone(),
                            })
                            .collect()
                    };
                    VpcConfig {
                        subnets: items(c.subnet_ids),
                        security_groups: items(c.security_group_ids),
                        vpc_id: c.vpc_id.filter(|v| !v.is_empty()).map(Value::id),
                        ipv6_dual_stack: c.ipv6_allowed_for_dual_stack,
                        origin: o,
                    }
                });
                Version {
                    version: v.version,
                    aliases: v.aliases,
                    vpc,
                    state: v.state.map(|s| FunctionState {
                        state: s.state,
                        state_reason_code: s.state_reason_code,
                        last_update_status: s.last_update_status,
                        last_update_reason_code: s.last_update_status_reason_code,
                    }),
                }
            })
            .collect();
        inv.functions.push(Function {
            name: f.name,
            account: f.account,
            region: f.region,
            origin: Origin::resource(resource),
            ignore: vec![],
            versions,
        });
    }
    for sn in std::mem::take(&mut s.subnets) {
        let mut subnet = Subnet::new(Value::id(&sn.id), Origin::resource(&sn.id));
        subnet.vpc = sn.vpc_id.map(Value::id);
        subnet.az = sn.availability_zone;
        subnet.cidr = sn.cidr_block;
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
        let mut sg = SecurityGroup::new(Value::id(&g.id), Origin::resource(&g.id));
        sg.name = g.name;
        sg.vpc = g.vpc_id.map(Value::id);
        sg.is_default = g.is_default;
        sg.rules = g
            .rules
            .as_ref()
            .map(|rules| rules.iter().map(rule_to_model).collect::<BTreeSet<_>>());
        inv.security_groups.insert(sg.id.clone(), sg);
    }
    for v in std::mem::take(&mut s.vpcs) {
        let mut vpc = Vpc::new(Value::id(&v.id), Origin::resource(&v.id));
        vpc.cidr = v.cidr_block;
        vpc.quota = v.eni_quota;
        vpc.quota_source = match v.eni_quota_source.as_deref() {
            Some("service_quotas") => QuotaSource::ServiceQuotas,
            Some("config") => QuotaSource::Config,
            _ => QuotaSource::Default,
        };
        inv.vpcs.insert(vpc.id.clone(), vpc);
    }
    inv.enis = std::mem::take(&mut s.enis)
        .into_iter()
        .map(|e| ObservedEni {
            id: e.id,
            account: e.account,
            region: e.region,
            subnet: Value::id(e.subnet_id),
            security_groups: e.security_group_ids.into_iter().map(Value::id).collect(),
            vpc: e.vpc_id.map(Value::id),
            status: e.status,
            description: e.description,
        })
        .collect();
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

/// Builds the inventory from a snapshot that stays whole.
pub fn to_inventory(s: &Snapshot) -> Inventory {
    let json = serde_json::to_value(s).expect("snapshots serialise");
    let mut copy: Snapshot = serde_json::from_value(json).expect("and deserialise");
    into_inventory(&mut copy)
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
        (Some(c), _, _) => Peer::Cidr(c.clone()),
        (_, Some(p), _) => Peer::PrefixList(p.clone()),
        (_, _, Some(g)) => Peer::Group(Value::id(g)),
        _ => Peer::Cidr(String::new()),
    };
    SgRule::new(direction, &r.protocol, r.from_port, r.to_port, peer)
}

fn rule_to_snap(r: &SgRule) -> SnapRule {
    let (cidr, prefix_list, group) = match &r.peer {
        Peer::Cidr(c) => (Some(c.clone()), None, None),
        Peer::PrefixList(p) => (None, Some(p.clone()), None),
        Peer::Group(g) => (None, None, Some(g.to_string())),
    };
    SnapRule {
        direction: match r.direction {
            Direction::Ingress => SnapDirection::Ingress,
            Direction::Egress => SnapDirection::Egress,
        },
        protocol: r.protocol.clone(),
        from_port: r.ports.map(|p| p.0),
        to_port: r.ports.map(|p| p.1),
        cidr,
        prefix_list,
        group,
    }
}

/// Builds a snapshot from a (live) inventory. Symbolic values are written as
/// their expression; the live collector only produces literal IDs.
pub fn from_inventory(inv: &Inventory, scopes: Vec<Scope>, api_calls: u64) -> Snapshot {
    let ids = |items: &[Item]| items.iter().map(|i| i.value.to_string()).collect();
    Snapshot {
        eniplan_snapshot: FORMAT_VERSION,
        generated_at: None,
        generator: Some(format!("eniplan {}", env!("CARGO_PKG_VERSION"))),
        scopes,
        functions: inv
            .functions
            .iter()
            .map(|f| SnapFunction {
                name: f.name.clone(),
                account: f.account.clone(),
                region: f.region.clone(),
                arn: f.origin.resource.starts_with("arn:").then(|| f.origin.resource.to_string()),
                versions: f
                    .versions
                    .iter()
                    .map(|v| SnapVersion {
                        version: v.version.clone(),
                        aliases: v.aliases.clone(),
                        vpc: v.vpc.as_ref().map(|c| SnapVpcConfig {
                            subnet_ids: ids(&c.subnets),
                            security_group_ids: ids(&c.security_groups),
                            vpc_id: c.vpc_id.as_ref().map(|v| v.to_string()),
                            ipv6_allowed_for_dual_stack: c.ipv6_dual_stack,
                        }),
                        state: v.state.as_ref().map(|s| SnapState {
                            state: s.state.clone(),
                            state_reason_code: s.state_reason_code.clone(),
                            last_update_status: s.last_update_status.clone(),
                            last_update_status_reason_code: s.last_update_reason_code.clone(),
                        }),
                    })
                    .collect(),
            })
            .collect(),
        subnets: inv
            .subnets
            .values()
            .map(|s| SnapSubnet {
                id: s.id.to_string(),
                vpc_id: s.vpc.as_ref().map(|v| v.to_string()),
                availability_zone: s.az.clone(),
                cidr_block: s.cidr.clone(),
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
                id: g.id.to_string(),
                name: g.name.clone(),
                vpc_id: g.vpc.as_ref().map(|v| v.to_string()),
                is_default: g.is_default,
                rules: g.rules.as_ref().map(|r| r.iter().map(rule_to_snap).collect()),
            })
            .collect(),
        vpcs: inv
            .vpcs
            .values()
            .map(|v| SnapVpc {
                id: v.id.to_string(),
                cidr_block: v.cidr.clone(),
                eni_quota: v.quota,
                eni_quota_source: Some(
                    match v.quota_source {
                        QuotaSource::ServiceQuotas => "service_quotas",
                        QuotaSource::Config => "config",
                        QuotaSource::Default => "default",
                    }
                    .to_string(),
                ),
            })
            .collect(),
        enis: inv
            .enis
            .iter()
            .map(|e| SnapEni {
                id: e.id.clone(),
                account: e.account.clone(),
                region: e.region.clone(),
                subnet_id: e.subnet.to_string(),
                security_group_ids: e.security_groups.iter().map(|v| v.to_string()).collect(),
                vpc_id: e.vpc.as_ref().map(|v| v.to_string()),
                status: e.status.clone(),
                description: e.description.clone(),
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
    }
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
