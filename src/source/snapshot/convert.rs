//! Mapping between the snapshot's schema and the model, both ways.

use std::borrow::Cow;
use std::collections::BTreeSet;

use super::schema::*;
use super::FORMAT_VERSION;
use crate::model::*;

pub(super) fn convert_eni(e: SnapEni, ids: &mut Interner) -> ObservedEni {
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

/// The inventory without its functions and ENIs: subnets, groups, VPCs, gaps
/// and account names, moved out of the snapshot.
pub(super) fn network_into_inventory<F, E>(s: &mut Snapshot<F, E>) -> Inventory {
    let mut inv = Inventory::default();
    let mut ids = Interner::default();
    let mut id = |text: &str| ids.get(text);
    for sn in std::mem::take(&mut s.subnets) {
        let mut subnet = Subnet::new(id(&sn.id), Origin::resource(&sn.id));
        subnet.vpc = sn.vpc_id.as_deref().map(&mut id);
        subnet.az = sn.availability_zone.map(Cow::into_owned);
        subnet.cidr = sn.cidr_block.map(Cow::into_owned);
        subnet.available_ips = sn.available_ip_address_count;
        subnet.egress = sn.egress;
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
        vpc.quota_source = v.eni_quota_source.unwrap_or(QuotaSource::Default);
        vpc.other_enis = v.other_enis;
        inv.vpcs.insert(vpc.id.clone(), vpc);
    }
    for p in std::mem::take(&mut s.capacity_providers) {
        let origin = Origin::resource(p.arn.as_deref().unwrap_or(&p.name));
        let mut items = |list: &[Entry]| -> ThinVec<Item> { list.iter().map(|x| Item::new(id(x))).collect() };
        let vpc = VpcConfig {
            subnets: items(&p.subnet_ids),
            security_groups: items(&p.security_group_ids),
            origin: origin.clone(),
            ..Default::default()
        };
        inv.capacity_providers.push(CapacityProvider {
            name: p.name.into_owned(),
            account: p.account.into_owned(),
            region: p.region.into_owned(),
            id: p.arn.as_deref().map(&mut id),
            origin,
            vpc,
            max_vcpus: p.max_vcpu_count,
            instance_types: p.allowed_instance_types.iter().map(|t| t.to_string()).collect(),
            ignore: vec![],
        });
    }
    inv.gaps = s.incomplete.clone();
    for a in std::mem::take(&mut s.accounts) {
        inv.account_names.entry(a.id.into_owned()).or_insert_with(|| a.name.into_owned());
    }
    inv
}

/// Equal IDs share one allocation.
#[derive(Default)]
pub(super) struct Interner(ahash::AHashMap<String, Value>);

impl Interner {
    pub(super) fn with_capacity(ids: usize) -> Self {
        Interner(ahash::AHashMap::with_capacity(ids))
    }

    pub(super) fn get(&mut self, text: &str) -> Value {
        if let Some(v) = self.0.get(text) {
            return v.clone();
        }
        let v = Value::id(text);
        self.0.insert(text.to_string(), v.clone());
        v
    }

    /// The text, shared with every earlier use of it.
    pub(super) fn text(&mut self, text: &str) -> std::sync::Arc<str> {
        match self.get(text) {
            Value::Id(shared) => shared,
            Value::Symbol { .. } => text.into(),
        }
    }
}

pub(super) fn convert_function(f: SnapFunction, ids: &mut Interner) -> Function {
    let function_origin = Origin::resource(f.arn.as_deref().unwrap_or(&f.name));
    // Not `into_iter().map().collect()`: that would reuse the parsed list's
    // buffer, which is larger than the versions and was sized by doubling.
    let mut versions = ThinVec::with_capacity(f.versions.len());
    versions.extend(f.versions.into_iter().map(|v| {
        let vpc = v.vpc.map(|c| {
            let o = version_origin(&function_origin, &v.version);
            let mut items = |list: &[Entry]| -> ThinVec<Item> { list.iter().map(|x| Item::new(ids.get(x))).collect() };
            VpcConfig {
                subnets: items(&c.subnet_ids),
                security_groups: items(&c.security_group_ids),
                vpc_id: c.vpc_id.as_deref().filter(|v| !v.is_empty()).map(|v| ids.get(v)),
                ipv6_dual_stack: c.ipv6_allowed_for_dual_stack,
                origin: o,
            }
        });
        Version {
            version: ids.text(&v.version),
            aliases: v.aliases.iter().map(|a| a.to_string()).collect(),
            vpc,
            state: v.state.map(state_to_model),
        }
    }));
    Function {
        name: (*f.name).into(),
        account: ids.text(&f.account),
        region: ids.text(&f.region),
        origin: function_origin,
        versions,
        capacity_provider: f.capacity_provider.as_deref().map(|p| Box::new(ids.get(p))),
        ..Default::default()
    }
}

/// Where a version's VpcConfig comes from: the function's own origin for
/// `$LATEST`, else the version's ARN.
pub(super) fn version_origin(function: &Origin, version: &str) -> Origin {
    if version == Version::LATEST {
        function.clone()
    } else {
        Origin::resource(version_arn(&function.resource, version))
    }
}

pub(super) fn state_to_model(s: SnapState) -> Box<FunctionState> {
    Box::new(FunctionState {
        state: s.state.map(Cow::into_owned),
        state_reason_code: s.state_reason_code.map(Cow::into_owned),
        last_update_status: s.last_update_status.map(Cow::into_owned),
        last_update_reason_code: s.last_update_status_reason_code.map(Cow::into_owned),
    })
}

fn version_arn(function: &str, version: &str) -> String {
    if version == Version::LATEST || !function.starts_with("arn:") {
        function.to_string()
    } else {
        format!("{function}:{version}")
    }
}

fn rule_to_model(r: &SnapRule) -> SgRule {
    let peer = match (&r.cidr, &r.prefix_list, &r.group) {
        (Some(c), _, _) => Peer::Cidr(c.to_string()),
        (_, Some(p), _) => Peer::PrefixList(p.to_string()),
        (_, _, Some(g)) => Peer::Group(Value::id(g)),
        _ => Peer::Cidr(String::new()),
    };
    SgRule::new(r.direction.clone(), &r.protocol, r.from_port, r.to_port, peer)
}

fn rule_to_snap(r: &SgRule) -> SnapRule<'_> {
    let (cidr, prefix_list, group) = match &r.peer {
        Peer::Cidr(c) => (Some(b(c)), None, None),
        Peer::PrefixList(p) => (None, Some(b(p)), None),
        Peer::Group(g) => (None, None, Some(b(g.as_str()))),
    };
    SnapRule {
        direction: r.direction.clone(),
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
        accounts: inv
            .account_names
            .iter()
            .map(|(id, name)| SnapAccount { id: b(id), name: b(name) })
            .collect(),
        functions: inv
            .functions
            .iter()
            .map(|f| SnapFunction {
                name: b(&f.name),
                account: b(&f.account),
                region: b(&f.region),
                arn: f.origin.resource.starts_with("arn:").then(|| b(&f.origin.resource)),
                capacity_provider: f.capacity_provider.as_deref().map(|v| b(v.as_str())),
                versions: f
                    .versions
                    .iter()
                    .map(|v| SnapVersion {
                        version: b(&v.version),
                        aliases: v.aliases.iter().map(|a| Entry(b(a))).collect(),
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
                egress: s.egress,
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
                eni_quota_source: Some(v.quota_source),
                other_enis: v.other_enis,
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
                security_group_ids: e.security_groups.iter().map(|v| Entry(b(v.as_str()))).collect(),
                vpc_id: opt(&e.vpc),
                status: b(&e.status),
                description: b(&e.description),
            })
            .collect(),
        capacity_providers: inv
            .capacity_providers
            .iter()
            .map(|p| SnapCapacityProvider {
                name: b(&p.name),
                account: b(&p.account),
                region: b(&p.region),
                arn: arn_of(p),
                subnet_ids: ids(&p.vpc.subnets),
                security_group_ids: ids(&p.vpc.security_groups),
                max_vcpu_count: p.max_vcpus,
                allowed_instance_types: p.instance_types.iter().map(|t| b(t)).collect(),
            })
            .collect(),
        incomplete: inv.gaps.clone(),
        api_calls,
        values: Default::default(),
    }
}

/// The provider's ARN: its identity or origin when either is one.
fn arn_of(p: &CapacityProvider) -> Option<Str<'_>> {
    let id = p.id.as_ref().map(Value::as_str);
    id.into_iter().chain([&*p.origin.resource]).find(|s| s.starts_with("arn:")).map(b)
}

fn ids<'a, L: FromIterator<Entry<'a>>>(items: &'a [Item]) -> L {
    items.iter().map(|i| Entry(b(i.value.as_str()))).collect()
}

fn opt(v: &Option<Value>) -> Option<Str<'_>> {
    v.as_ref().map(|v| b(v.as_str()))
}

fn b(s: &str) -> Str<'_> {
    Cow::Borrowed(s)
}
