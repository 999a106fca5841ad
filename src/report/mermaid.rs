//! Mermaid flowchart: function versions → combinations → subnets → VPCs.

use petgraph::visit::EdgeRef;

use super::graph_label;
use crate::graph::EniGraph;

pub fn render(g: &EniGraph) -> String {
    let mut out = String::from("flowchart LR\n");
    for n in g.graph.node_indices() {
        let (label, shape) = graph_label(g, &g.graph[n]);
        let label = label.replace('"', "#quot;").replace('\n', "<br/>");
        let node = match shape {
            "box" => format!("[\"{label}\"]"),
            "ellipse" => format!("([\"{label}\"])"),
            _ => format!("{{{{\"{label}\"}}}}"),
        };
        out += &format!("  n{}{node}\n", n.index());
    }
    for e in g.graph.edge_references() {
        out += &format!("  n{} --> n{}\n", e.source().index(), e.target().index());
    }
    out
}
