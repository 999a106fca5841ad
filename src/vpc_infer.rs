//! VPC inference: the VPC of a subnet or security group whose own VPC the
//! inventory does not know, from the company it keeps.
//!
//! Lambda requires a function's subnets and security groups to belong to one
//! VPC (Lambda API reference, `VpcConfig`: "These must belong to the same
//! VPC"), and an ENI's security groups belong to its subnet's VPC. So every
//! subnet and group named together in one VpcConfig, or on one observed ENI,
//! is in one VPC, and that relation is transitive across the whole input:
//! union-find over the elements, in O(n α(n)).
//!
//! A component that holds exactly one known VPC puts all its members in it. A
//! component that holds two or more infers nothing: some VpcConfig in it mixes
//! VPCs (ENI203 reports it), and picking one would be a guess.

use ahash::AHashMap as HashMap;
use petgraph::unionfind::UnionFind;

use crate::model::{Inventory, Value};

/// The inferred VPC of each subnet and security group the inventory names.
#[derive(Debug, Default)]
pub struct InferredVpcs {
    subnets: HashMap<Value, u32>,
    groups: HashMap<Value, u32>,
    /// Per element: its component's only known VPC, if it has exactly one.
    vpcs: Vec<Option<Value>>,
}

/// The known VPCs of one component.
#[derive(Clone, Copy)]
enum Known<'a> {
    None,
    One(&'a Value),
    Several,
}

impl<'a> Known<'a> {
    fn add(self, vpc: &'a Value) -> Self {
        match self {
            Known::None => Known::One(vpc),
            Known::One(v) if v == vpc => self,
            _ => Known::Several,
        }
    }
}

impl InferredVpcs {
    pub fn new(inv: &Inventory) -> Self {
        let mut b = Builder {
            inv,
            out: InferredVpcs::default(),
            elements: Elements {
                sets: UnionFind::new_empty(),
                known: Vec::new(),
            },
            declared: Vec::new(),
        };
        let mut members = Vec::new();
        let configs = inv
            .functions
            .iter()
            .flat_map(|f| f.versions.iter().filter_map(|v| v.vpc.as_ref()))
            .filter(|c| c.is_attached());
        for cfg in configs {
            members.clear();
            for i in &cfg.subnets {
                members.push(b.subnet(&i.value));
            }
            for i in &cfg.security_groups {
                members.push(b.group(&i.value));
            }
            b.join(&members, cfg.vpc_id.as_ref());
        }
        for eni in &inv.enis {
            members.clear();
            members.push(b.subnet(&eni.subnet));
            for g in &eni.security_groups {
                members.push(b.group(g));
            }
            b.join(&members, eni.vpc.as_ref());
        }
        b.finish()
    }

    /// The VPC the subnet must be in, when its component knows exactly one.
    pub fn subnet(&self, subnet: &Value) -> Option<&Value> {
        self.vpcs[*self.subnets.get(subnet)? as usize].as_ref()
    }

    /// The VPC the security group must be in, when its component knows exactly one.
    pub fn group(&self, group: &Value) -> Option<&Value> {
        self.vpcs[*self.groups.get(group)? as usize].as_ref()
    }
}

struct Builder<'a> {
    inv: &'a Inventory,
    out: InferredVpcs,
    elements: Elements<'a>,
    /// VPCs a VpcConfig or ENI states (`VpcId`), with one of its elements.
    declared: Vec<(u32, &'a Value)>,
}

/// The union-find over subnets and groups, and the VPC the inventory records for each.
struct Elements<'a> {
    sets: UnionFind<u32>,
    known: Vec<Option<&'a Value>>,
}

impl<'a> Elements<'a> {
    /// The value's number in `numbers`; a new element, with the VPC `recorded`
    /// gives, when it has none yet.
    fn number(&mut self, numbers: &mut HashMap<Value, u32>, v: &Value, recorded: impl FnOnce() -> Option<&'a Value>) -> u32 {
        if let Some(&n) = numbers.get(v) {
            return n;
        }
        self.known.push(recorded());
        let n = self.sets.new_set();
        numbers.insert(v.clone(), n);
        n
    }
}

impl<'a> Builder<'a> {
    fn subnet(&mut self, v: &Value) -> u32 {
        let inv = self.inv;
        self.elements.number(&mut self.out.subnets, v, || inv.subnets.get(v)?.vpc.as_ref())
    }

    fn group(&mut self, v: &Value) -> u32 {
        let inv = self.inv;
        self.elements
            .number(&mut self.out.groups, v, || inv.security_groups.get(v)?.vpc.as_ref())
    }

    /// Members of one VpcConfig or ENI share a VPC; `declared` is the VPC it states.
    fn join(&mut self, members: &[u32], declared: Option<&'a Value>) {
        let Some((&first, rest)) = members.split_first() else { return };
        for &m in rest {
            self.elements.sets.union(first, m);
        }
        if let Some(vpc) = declared {
            self.declared.push((first, vpc));
        }
    }

    fn finish(mut self) -> InferredVpcs {
        let labels = self.elements.sets.into_labeling();
        let mut components = vec![Known::None; labels.len()];
        let recorded = self.elements.known.iter().enumerate().filter_map(|(i, v)| Some((i as u32, (*v)?)));
        for (element, vpc) in recorded.chain(self.declared.iter().copied()) {
            let root = labels[element as usize] as usize;
            components[root] = components[root].add(vpc);
        }
        self.out.vpcs = labels
            .iter()
            .map(|&root| match components[root as usize] {
                Known::One(vpc) => Some(vpc.clone()),
                _ => None,
            })
            .collect();
        self.out
    }
}
