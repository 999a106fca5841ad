//! The petgraph view of the ENI graph, for the drawing writers (DOT, Mermaid,
//! the HTML report's picture): drawn on first need, in the order the build met
//! each version, combination, subnet and VPC, so each combination's `node` is its index here.

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
        // Combinations were numbered in the order versions first used them.
        let mut drawn = 0;
        for u in self.users() {
            let vnode = graph.add_node(GNode::Version(u));
            for subnet in self.subnets(u) {
                let Some(ci) = self.find_parts(&self.function(u).account, subnet, self.sgs(u)) else {
                    continue;
                };
                let c = &self.combos[ci];
                if ci == drawn {
                    drawn += 1;
                    let node = graph.add_node(GNode::Combo(ci));
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
                graph.add_edge(vnode, c.node, ());
            }
        }
        graph
    }
}
