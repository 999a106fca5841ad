//! The petgraph view of the ENI graph, for the drawing writers (DOT, Mermaid,
//! the HTML report's picture): drawn on first need, in the order the build met
//! each version, combination, subnet and VPC.

use ahash::AHashMap as HashMap;
use petgraph::graph::{Graph, NodeIndex};

use super::{EniGraph, GNode};
use crate::model::Value;

impl EniGraph<'_> {
    /// Versions → combinations → subnets → VPCs, drawn on first call.
    pub fn graph(&self) -> &Graph<GNode, ()> {
        self.drawn.get_or_init(|| self.draw())
    }

    /// Adds each version, then each combination it is the first to use, with
    /// the combination's subnet and VPC when they are new: the build's order.
    fn draw(&self) -> Graph<GNode, ()> {
        let mut graph = Graph::new();
        let mut subnet_nodes: HashMap<&Value, NodeIndex> = HashMap::new();
        let mut vpc_nodes: HashMap<&Value, NodeIndex> = HashMap::new();
        // Combinations were numbered in the order versions first used them:
        // the next one drawn is the next number.
        let mut combo_nodes: Vec<NodeIndex> = Vec::with_capacity(self.combos.len());
        for u in self.users() {
            let vnode = graph.add_node(GNode::Version(u));
            for ci in self.combos_of(u) {
                let c = &self.combos[ci];
                if ci == combo_nodes.len() {
                    let node = graph.add_node(GNode::Combo(ci));
                    combo_nodes.push(node);
                    let subnet = &c.key.subnet;
                    let snode = *subnet_nodes
                        .entry(subnet)
                        .or_insert_with(|| graph.add_node(GNode::Subnet(subnet.clone())));
                    graph.add_edge(node, snode, ());
                    let vpc_node = *vpc_nodes.entry(&c.vpc).or_insert_with(|| {
                        let n = graph.add_node(GNode::Vpc(c.vpc.clone()));
                        graph.add_edge(snode, n, ());
                        n
                    });
                    if graph.find_edge(snode, vpc_node).is_none() {
                        graph.add_edge(snode, vpc_node, ());
                    }
                }
                graph.add_edge(vnode, combo_nodes[ci], ());
            }
        }
        graph
    }
}
