//! Capacity providers in the report: one row per provider, the instances
//! they may add per VPC and per subnet, and their text and Markdown tables.

use std::fmt::Write;

use serde::Serialize;

use crate::graph::providers::Load;
use crate::graph::EniGraph;

#[derive(Debug, Serialize)]
pub struct ProviderOut {
    pub name: String,
    pub resource: String,
    pub vpc: String,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub functions: Vec<String>,
    pub max_vcpus: Option<u64>,
    /// The allowed type the projection divides by; absent when none is known.
    pub smallest_instance_type: Option<String>,
    pub smallest_vcpus: u64,
    /// The most instances (one ENI and one IP each); absent: unbounded.
    pub max_instances: Option<u64>,
}

/// What capacity providers may add to one VPC or subnet.
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub struct LoadOut {
    pub capacity_providers: usize,
    /// The most instances the bounded providers can put there.
    pub max_instances: u64,
    /// Some provider there has no MaxVCpuCount.
    pub unbounded: bool,
}

impl From<&Load> for LoadOut {
    fn from(l: &Load) -> Self {
        LoadOut {
            capacity_providers: l.providers.len(),
            max_instances: l.instances,
            unbounded: l.unbounded,
        }
    }
}

impl LoadOut {
    fn text(&self) -> String {
        if self.unbounded {
            "unbounded".into()
        } else {
            format!("≤{}", self.max_instances)
        }
    }
}

#[derive(Debug, Serialize)]
pub struct SubnetOut {
    pub subnet: String,
    pub availability_zone: Option<String>,
    pub available_ips: Option<u64>,
    pub instances: LoadOut,
}

/// Sorted by name, then resource: the same providers give the same list
/// whatever order their file declares them in.
pub fn providers(g: &EniGraph) -> Vec<ProviderOut> {
    let names = g.vpc_names();
    let mut list: Vec<ProviderOut> = g
        .providers
        .list
        .iter()
        .map(|p| {
            let m = &g.inv.capacity_providers[p.index];
            ProviderOut {
                name: m.name.clone(),
                resource: m.origin.resource.to_string(),
                vpc: names.get(&p.vpc).cloned().unwrap_or_else(|| p.vpc.to_string()),
                subnets: p.subnets.iter().map(|s| s.to_string()).collect(),
                security_groups: p.sgs.iter().map(|s| s.to_string()).collect(),
                functions: p.functions.iter().map(|&f| g.inv.functions[f].name.to_string()).collect(),
                max_vcpus: m.max_vcpus,
                smallest_instance_type: p.smallest.1.clone(),
                smallest_vcpus: p.smallest.0,
                max_instances: p.max_instances,
            }
        })
        .collect();
    list.sort_by(|a, b| (&a.name, &a.resource).cmp(&(&b.name, &b.resource)));
    list
}

pub fn subnets(g: &EniGraph) -> Vec<SubnetOut> {
    g.providers
        .subnets
        .iter()
        .map(|(s, load)| {
            let known = g.subnet(s);
            SubnetOut {
                subnet: s.to_string(),
                availability_zone: known.and_then(|k| k.az.clone()),
                available_ips: known.and_then(|k| k.available_ips),
                instances: load.into(),
            }
        })
        .collect()
}

/// The per-provider and per-subnet tables, after the per-VPC one.
pub fn text(report: &super::Report) -> String {
    let s = &report.summary;
    if s.capacity_provider_list.is_empty() {
        return String::new();
    }
    let rows: Vec<[String; 6]> = s
        .capacity_provider_list
        .iter()
        .map(|p| {
            [
                p.name.clone(),
                p.vpc.clone(),
                p.subnets.len().to_string(),
                p.functions.len().to_string(),
                p.max_vcpus.map_or("-".into(), |v| v.to_string()),
                instances(p),
            ]
        })
        .collect();
    let head = ["capacity provider", "VPC", "subnets", "functions", "max vCPUs", "instances†"];
    let mut out = super::text::table(&head, &rows);
    let rows: Vec<[String; 4]> = s
        .capacity_provider_subnets
        .iter()
        .map(|sn| {
            [
                sn.subnet.clone(),
                sn.availability_zone.clone().unwrap_or_else(|| "-".into()),
                sn.available_ips.map_or("-".into(), |v| v.to_string()),
                sn.instances.text(),
            ]
        })
        .collect();
    out += &super::text::table(&["subnet", "AZ", "free IPs", "provider instances†"], &rows);
    out + "† at most, one ENI and one IP each: see the assumptions\n"
}

pub fn markdown(report: &super::Report) -> String {
    let s = &report.summary;
    let mut out = String::new();
    if s.capacity_provider_list.is_empty() {
        return out;
    }
    out += "| capacity provider | VPC | subnets | functions | max vCPUs | instances² |\n|---|---|---:|---:|---:|---:|\n";
    for p in &s.capacity_provider_list {
        let vcpus = p.max_vcpus.map_or("-".into(), |v| v.to_string());
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} | {} | {vcpus} | {} |",
            p.name,
            p.vpc,
            p.subnets.len(),
            p.functions.len(),
            instances(p)
        );
    }
    out += "\n| subnet | AZ | free IPs | provider instances² |\n|---|---|---:|---:|\n";
    for sn in &s.capacity_provider_subnets {
        let az = sn.availability_zone.as_deref().unwrap_or("-");
        let free = sn.available_ips.map_or("-".into(), |v| v.to_string());
        let _ = writeln!(out, "| `{}` | {az} | {free} | {} |", sn.subnet, sn.instances.text());
    }
    out + "\n² at most, one ENI and one IP each: see the assumptions.\n\n"
}

fn instances(p: &ProviderOut) -> String {
    match (p.max_instances, &p.smallest_instance_type) {
        (None, _) => "unbounded".into(),
        (Some(n), Some(t)) => format!("≤{n} ({t}, {} vCPUs)", p.smallest_vcpus),
        (Some(n), None) => format!("≤{n} (1 vCPU each)"),
    }
}

/// Graph nodes and edges for capacity providers, beside the petgraph ones
/// (`n{index}`): functions → provider → subnets → VPC. Shapes as in
/// [`super::graph_label`], and `provider` for the provider itself.
pub struct Drawing {
    pub nodes: Vec<(String, String, &'static str)>,
    pub edges: Vec<(String, String)>,
}

pub fn drawing(g: &EniGraph) -> Drawing {
    use crate::graph::GNode;
    use std::collections::BTreeMap;
    let mut network: BTreeMap<String, String> = BTreeMap::new();
    for n in g.graph().node_indices() {
        if let GNode::Subnet(v) | GNode::Vpc(v) = &g.graph()[n] {
            let kind = if matches!(g.graph()[n], GNode::Subnet(_)) { "s" } else { "v" };
            network.insert(format!("{kind}{v}"), format!("n{}", n.index()));
        }
    }
    let mut d = Drawing {
        nodes: vec![],
        edges: vec![],
    };
    let mut node = |d: &mut Drawing, key: String, label: String, shape: &'static str| -> String {
        if let Some(id) = network.get(&key) {
            return id.clone();
        }
        let id = format!("cp{}", network.len());
        network.insert(key, id.clone());
        d.nodes.push((id.clone(), label, shape));
        id
    };
    for (i, p) in g.providers.list.iter().enumerate() {
        let bound = p.max_instances.map_or("unbounded".to_string(), |n| format!("≤{n} instances"));
        let pid = node(&mut d, format!("p{i}"), format!("{}\n{bound}", p.label(g)), "provider");
        for &f in &p.functions {
            let fid = node(&mut d, format!("f{f}"), g.inv.functions[f].name.to_string(), "box");
            d.edges.push((fid, pid.clone()));
        }
        let vid = node(&mut d, format!("v{}", p.vpc), p.vpc.to_string(), "hexagon");
        for s in &p.subnets {
            let az = g.subnet(s).and_then(|s| s.az.clone()).map(|a| format!("\n{a}")).unwrap_or_default();
            let sid = node(&mut d, format!("s{s}"), format!("{s}{az}"), "hexagon");
            d.edges.push((pid.clone(), sid.clone()));
            if !d.edges.contains(&(sid.clone(), vid.clone())) {
                d.edges.push((sid, vid.clone()));
            }
        }
    }
    d
}
