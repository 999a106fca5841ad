//! Mermaid flowchart: function versions → combinations → subnets → VPCs, and
//! functions → capacity providers → subnets → VPCs.

use petgraph::visit::EdgeRef;

use super::graph_label;
use crate::graph::EniGraph;

pub fn render(g: &EniGraph) -> String {
    let mut out = String::from("flowchart LR\n");
    for n in g.graph().node_indices() {
        let (label, shape) = graph_label(g, &g.graph()[n]);
        out += &format!("  n{}{}\n", n.index(), node(&label, shape));
    }
    for e in g.graph().edge_references() {
        out += &format!("  n{} --> n{}\n", e.source().index(), e.target().index());
    }
    let providers = super::providers::drawing(g);
    for (id, label, shape) in providers.nodes {
        out += &format!("  {id}{}\n", node(&label, shape));
    }
    for (a, b) in providers.edges {
        out += &format!("  {a} --> {b}\n");
    }
    out
}

fn node(label: &str, shape: &str) -> String {
    let label = label.replace('"', "#quot;").replace('\n', "<br/>");
    match shape {
        "box" => format!("[\"{label}\"]"),
        "ellipse" => format!("([\"{label}\"])"),
        "provider" => format!("[[\"{label}\"]]"),
        _ => format!("{{{{\"{label}\"}}}}"),
    }
}
