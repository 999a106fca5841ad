//! Graphviz DOT: function versions → combinations → subnets → VPCs, and
//! functions → capacity providers → subnets → VPCs.

use petgraph::visit::EdgeRef;

use super::graph_label;
use crate::graph::EniGraph;

pub fn render(g: &EniGraph) -> String {
    let mut out = String::from("digraph eniplan {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
    for n in g.graph().node_indices() {
        let (label, shape) = graph_label(g, &g.graph()[n]);
        out += &format!("  n{} [label={:?}, shape={shape}];\n", n.index(), label);
    }
    for e in g.graph().edge_references() {
        out += &format!("  n{} -> n{};\n", e.source().index(), e.target().index());
    }
    let providers = super::providers::drawing(g);
    for (id, label, shape) in providers.nodes {
        let shape = if shape == "provider" { "box3d" } else { shape };
        out += &format!("  {id} [label={label:?}, shape={shape}];\n");
    }
    for (a, b) in providers.edges {
        out += &format!("  {a} -> {b};\n");
    }
    out + "}\n"
}
