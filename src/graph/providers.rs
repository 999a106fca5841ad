//! Lambda Managed Instances capacity providers: VPC consumers, not Hyperplane
//! ENI users. Their functions run on EC2 instances Lambda launches in the
//! provider's subnets, so they add no combination; the instances take subnet
//! addresses and count against the VPC's ENI quota.
//!
//! How many instances a provider can have is projected from
//! `MaxVCpuCount` and the smallest allowed instance type's vCPUs (see
//! [`ASSUMPTION`]). Without `MaxVCpuCount` the count is unbounded: AWS
//! documents no default.

use std::collections::BTreeMap;

use super::EniGraph;
use crate::model::{CapacityProvider, Value};

/// The report's assumption about providers, listed when the input has one.
pub const ASSUMPTION: &str = "Capacity-provider instances: each takes one ENI and one IP address (its primary interface), in any one of its provider's subnets. The most instances a provider can run is ScalingConfig.MaxVCpuCount divided by the vCPUs of its smallest allowed instance type: 2 for .large, 4 for .xlarge and 4×N for .Nxlarge in the C, M and R families of generation 5 and later (EC2 instance type specifications), and 1 for any other type or when AllowedInstanceTypes is absent (AWS then allows all compatible types). Without a MaxVCpuCount eniplan can read (absent, or an unresolved value) the count is unbounded and not added: AWS documents no default.";

/// One provider as the graph sees it.
#[derive(Debug, Clone)]
pub struct Provider {
    /// Index into `Inventory::capacity_providers`.
    pub index: usize,
    pub vpc: Value,
    /// Sorted, without duplicates.
    pub subnets: Vec<Value>,
    pub sgs: Vec<Value>,
    /// Functions that run on it, by index.
    pub functions: Vec<usize>,
    /// The most instances it can run; `None`: unbounded.
    pub max_instances: Option<u64>,
    /// The vCPUs the projection divides by, and the type they come from
    /// (`None`: no known type, so 1).
    pub smallest: (u64, Option<String>),
}

/// Every provider, and what they add per VPC and per subnet.
#[derive(Debug, Clone, Default)]
pub struct Providers {
    pub list: Vec<Provider>,
    pub vpcs: BTreeMap<Value, Load>,
    pub subnets: BTreeMap<Value, Load>,
}

/// Instances that may land in a VPC or subnet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Load {
    /// Indices into [`Providers::list`].
    pub providers: Vec<usize>,
    /// The most instances the bounded providers can put there.
    pub instances: u64,
    /// Some provider there has no MaxVCpuCount.
    pub unbounded: bool,
}

impl Provider {
    pub fn model<'a>(&self, g: &EniGraph<'a>) -> &'a CapacityProvider {
        &g.inv.capacity_providers[self.index]
    }

    /// "capacity provider workers", for messages.
    pub fn label(&self, g: &EniGraph) -> String {
        format!("capacity provider {}", self.model(g).name)
    }

    /// Where the provider names a subnet, else its VpcConfig.
    pub fn subnet_origin(&self, g: &EniGraph, subnet: &Value) -> crate::model::Origin {
        let cfg = &self.model(g).vpc;
        cfg.origin_in(&cfg.subnets, subnet).clone()
    }
}

impl Providers {
    pub(super) fn build(g: &EniGraph) -> Self {
        let inv = g.inv;
        let mut out = Providers::default();
        if inv.capacity_providers.is_empty() {
            return out;
        }
        // One pass over the functions: only the few on a provider are matched against each provider.
        let on_provider: Vec<(usize, &Value)> = inv
            .functions
            .iter()
            .enumerate()
            .filter_map(|(i, f)| Some((i, f.capacity_provider.as_deref()?)))
            .collect();
        for (index, p) in inv.capacity_providers.iter().enumerate() {
            let subnets = p.vpc.subnet_set();
            let vpc = match subnets.first() {
                Some(s) => g.vpc_of(s, &p.vpc),
                None => g.declared_vpc(&p.vpc).unwrap_or_else(Value::unknown_vpc),
            };
            let functions = on_provider.iter().filter(|(_, v)| names(p, v)).map(|&(i, _)| i).collect();
            let smallest = smallest_type(&p.instance_types);
            let max_instances = p.max_vcpus.map(|v| v / smallest.0.max(1));
            let i = out.list.len();
            out.vpcs.entry(vpc.clone()).or_default().add(i, max_instances);
            for s in &subnets {
                out.subnets.entry(s.clone()).or_default().add(i, max_instances);
            }
            out.list.push(Provider {
                index,
                vpc,
                subnets,
                sgs: p.vpc.sg_set(),
                functions,
                max_instances,
                smallest,
            });
        }
        out
    }

    pub fn vpc(&self, vpc: &Value) -> Option<&Load> {
        self.vpcs.get(vpc)
    }

    pub fn subnet(&self, subnet: &Value) -> Option<&Load> {
        self.subnets.get(subnet)
    }

    /// Functions that run on some provider of the input.
    pub fn functions(&self) -> usize {
        let mut all: Vec<usize> = self.list.iter().flat_map(|p| p.functions.iter().copied()).collect();
        all.sort_unstable();
        all.dedup();
        all.len()
    }
}

impl Load {
    fn add(&mut self, provider: usize, instances: Option<u64>) {
        self.providers.push(provider);
        match instances {
            Some(n) => self.instances += n,
            None => self.unbounded = true,
        }
    }

    /// "up to 5 capacity-provider instances", "an unbounded number of …", for messages.
    pub fn describe(&self) -> String {
        let n = self.instances;
        let some = crate::plural::count(n as usize, "capacity-provider instance");
        match (self.unbounded, n) {
            (false, _) => format!("up to {some}"),
            (true, 0) => "an unbounded number of capacity-provider instances (no MaxVCpuCount eniplan can read)".into(),
            (true, _) => format!("up to {some} plus an unbounded number more (no MaxVCpuCount eniplan can read)"),
        }
    }
}

/// True when `v` names the provider: its template or plan identity, its name,
/// or an ARN ending in `:capacity-provider:NAME`.
pub fn names(p: &CapacityProvider, v: &Value) -> bool {
    if p.id.as_ref() == Some(v) {
        return true;
    }
    match v {
        Value::Id(s) => {
            !p.name.is_empty()
                && (**s == *p.name
                    || s.strip_suffix(p.name.as_str())
                        .is_some_and(|head| head.ends_with(":capacity-provider:")))
        }
        Value::Symbol { .. } => false,
    }
}

/// The allowed type with the fewest vCPUs. A type outside the table may
/// have a single vCPU, so it counts as 1; so does an empty list, which
/// allows every compatible type.
pub fn smallest_type(types: &[String]) -> (u64, Option<String>) {
    let mut best: Option<(u64, &String)> = None;
    for t in types {
        let v = vcpus(t).unwrap_or(1);
        if best.is_none_or(|(b, _)| v < b) {
            best = Some((v, t));
        }
    }
    match best {
        Some((v, t)) => (v, Some(t.clone())),
        None => (1, None),
    }
}

/// vCPUs of a C, M or R instance type of generation 5 or later, from its size:
/// `.medium` 1, `.large` 2, `.xlarge` 4, `.Nxlarge` 4×N (EC2 instance type
/// specifications: compute optimized, general purpose and memory optimized).
/// Older generations break the pattern (m2.xlarge has 2 vCPUs), and other
/// families or sizes (`.metal`) are not in the table.
pub fn vcpus(instance_type: &str) -> Option<u64> {
    let (family, size) = instance_type
        .to_ascii_lowercase()
        .split_once('.')
        .map(|(f, s)| (f.to_string(), s.to_string()))?;
    let mut chars = family.chars();
    let class = chars.next()?;
    let generation: u32 = chars.take_while(char::is_ascii_digit).collect::<String>().parse().ok()?;
    if !matches!(class, 'c' | 'm' | 'r') || generation < 5 {
        return None;
    }
    match size.as_str() {
        "medium" => Some(1),
        "large" => Some(2),
        "xlarge" => Some(4),
        _ => {
            let n: u64 = size.strip_suffix("xlarge")?.parse().ok()?;
            (n > 0).then_some(4 * n)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_of_current_c_m_r_types_and_nothing_else() {
        assert_eq!(vcpus("c5.large"), Some(2));
        assert_eq!(vcpus("c5.xlarge"), Some(4));
        assert_eq!(vcpus("c5.9xlarge"), Some(36));
        assert_eq!(vcpus("m7g.medium"), Some(1));
        assert_eq!(vcpus("r6id.2xlarge"), Some(8));
        assert_eq!(vcpus("m7i-flex.large"), Some(2));
        assert_eq!(vcpus("m2.xlarge"), None, "older generations break the pattern");
        assert_eq!(vcpus("t3.large"), None, "not a C, M or R family");
        assert_eq!(vcpus("c5.metal"), None);
        assert_eq!(vcpus("c5"), None);
    }

    #[test]
    fn the_smallest_type_bounds_the_count_and_unknown_types_count_as_one_vcpu() {
        let t = |v: &[&str]| smallest_type(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(t(&["c5.2xlarge", "c5.xlarge"]), (4, Some("c5.xlarge".into())));
        assert_eq!(t(&["c5.2xlarge", "x2gd.metal"]), (1, Some("x2gd.metal".into())));
        assert_eq!(t(&[]), (1, None));
    }

    #[test]
    fn a_provider_is_named_by_its_identity_name_or_arn() {
        let p = CapacityProvider {
            name: "cp".into(),
            id: Some(Value::symbol("t.yaml", "!Ref Cp")),
            ..Default::default()
        };
        assert!(names(&p, &Value::symbol("t.yaml", "!Ref Cp")));
        assert!(names(&p, &Value::id("cp")));
        assert!(names(&p, &Value::id("arn:aws:lambda:us-east-1:123456789012:capacity-provider:cp")));
        assert!(!names(
            &p,
            &Value::id("arn:aws:lambda:us-east-1:123456789012:capacity-provider:xcp")
        ));
        assert!(!names(&p, &Value::symbol("t.yaml", "!Ref Other")));
    }
}
