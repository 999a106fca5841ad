//! The combination graph drawn as SVG: accounts and VPCs are clusters, each
//! combination a node between the node that groups its function versions and
//! the node of its subnet. `eniplan graph --format svg` writes it on its own;
//! the HTML report inlines it.
//!
//! The layout is computed here rather than by a layout crate. The drawing is a
//! forest (a function group hangs off one combination, a combination sits in one
//! subnet, a subnet in one VPC), so a layered layout has no crossings to
//! minimise, and what the data needs — nested clusters, a `<title>` per node —
//! is what the candidates lack. layout-rs 0.1.3 (last release 2024) has no
//! clusters or tooltips, and its crossing minimisation took 0.5 s for 100
//! combinations, 9 s for 360 (the 500-function inventory) and did not finish
//! 1,000 in two minutes on this machine. graphviz-rust needs the `dot` binary;
//! dagre_rust (0.0.x) and rust-sugiyama give coordinates without clusters.
//! Here rows are stacked per subnet and VPC clusters are packed in shelves, in
//! time linear in the combinations drawn.
//!
//! The SVG text comes from a minijinja template with HTML escaping on, so a
//! name from a template is text in every element and attribute.

use std::collections::{BTreeMap, HashSet};

use minijinja::{context, AutoEscape, Environment};
use serde::Serialize;

use crate::graph::{Combo, Consolidation, EniGraph, Merge};
use crate::model::Value;
use crate::plural::{count, plural};
use crate::rules;

/// At most this many combinations are drawn; the needless splits and their
/// targets first. A drawing of more is not read, and its size would grow with
/// the account: the tables and findings carry the rest.
pub const MAX_DRAWN: usize = 1_000;

/// Names listed in a node's hover text; the count says how many there are.
const MAX_TITLE_NAMES: usize = 50;
/// Labels longer than this are cut; the full text is in the hover text.
const MAX_LABEL: usize = 38;
const CHAR_W: u32 = 7;
const NODE_H: u32 = 24;
const ROW_H: u32 = 32;
const GAP: u32 = 48;
const PAD: u32 = 14;
const HEAD: u32 = 26;
const SUBNET_GAP: u32 = 10;
/// VPC clusters wrap to a new shelf past this width.
const SHELF_W: u32 = 1_400;

#[derive(Serialize, Default)]
pub struct Drawing {
    pub width: u32,
    pub height: u32,
    pub clusters: Vec<Cluster>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Combinations drawn, and in all.
    pub drawn: usize,
    pub total: usize,
    pub splits: usize,
}

#[derive(Serialize)]
pub struct Cluster {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    pub label: String,
    pub title: String,
    pub class: &'static str,
}

#[derive(Serialize)]
pub struct Node {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
    pub label: String,
    pub title: String,
    /// `functions`, `combination`, `subnet`, `more`; a combination adds ` split` or ` target`.
    pub class: String,
    /// The combination's key as `ComboKey` displays it, on combination nodes.
    pub key: Option<String>,
}

#[derive(Serialize)]
pub struct Edge {
    pub d: String,
    pub class: &'static str,
}

/// How a combination fares under the active findings' merges.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    Split,
    Target,
    Plain,
}

/// The (subnet, SG set) a needless split folds into.
type Fold<'a> = (&'a Value, &'a [Value]);

/// What a VPC cluster holds, before it is placed.
struct VpcBox {
    account: String,
    vpc: String,
    title: String,
    /// Per subnet, sorted by AZ, then name.
    subnets: Vec<SubnetRows>,
}

/// One subnet's rows in its VPC box.
#[derive(Default)]
struct SubnetRows {
    label: String,
    /// Combinations drawn, and how many are not.
    combos: Vec<usize>,
    hidden: usize,
    /// Capacity providers with instances in the subnet (indices into the inventory's list).
    providers: Vec<usize>,
}

impl SubnetRows {
    fn rows(&self) -> u32 {
        (self.combos.len() + usize::from(self.hidden > 0) + self.providers.len()).max(1) as u32
    }
}

pub fn drawing(g: &EniGraph, merges: &[Merge]) -> Drawing {
    let merged = Consolidation::new(merges);
    let mut roles = vec![Role::Plain; g.combos.len()];
    // Where each split lands: its (subnet, SG set) after the merges.
    let mut folds: Vec<Option<Fold>> = vec![None; g.combos.len()];
    for (i, c) in g.combos.iter().enumerate() {
        let (subnet, sgs) = merged.target(c);
        if subnet == &c.key.subnet && sgs == &c.key.sgs[..] {
            continue;
        }
        roles[i] = Role::Split;
        folds[i] = Some((subnet, sgs));
        if let Some(t) = g.find_parts(&c.key.account, subnet, sgs) {
            if roles[t] == Role::Plain {
                roles[t] = Role::Target;
            }
        }
    }
    let splits = roles.iter().filter(|r| **r == Role::Split).count();
    let drawn: HashSet<usize> = {
        let mut order: Vec<usize> = (0..g.combos.len()).collect();
        order.sort_by_key(|&i| roles[i]);
        order.into_iter().take(MAX_DRAWN).collect()
    };
    let vpc_names = g.vpc_names();
    // (account, VPC) → subnet → the combinations drawn and the number not, in a stable order.
    type Subnets = BTreeMap<(Option<String>, String), SubnetRows>;
    let mut groups: BTreeMap<(&str, &Value), Subnets> = BTreeMap::new();
    let az = |subnet: &Value| g.subnet(subnet).and_then(|s| s.az.clone());
    for (i, c) in g.combos.iter().enumerate() {
        let rows = groups
            .entry((&c.key.account, &c.vpc))
            .or_default()
            .entry((az(&c.key.subnet), c.key.subnet.to_string()))
            .or_default();
        if drawn.contains(&i) {
            rows.combos.push(i);
        } else {
            rows.hidden += 1;
        }
    }
    // Capacity providers make no Hyperplane ENI: they hang off the subnets their instances use.
    let unknown = Value::unknown_vpc();
    for (i, p) in g.inv.capacity_providers.iter().enumerate() {
        for subnet in p.vpc.subnets.iter().map(|s| &s.value) {
            let vpc = g
                .subnet(subnet)
                .and_then(|s| s.vpc.as_ref())
                .or(p.vpc.vpc_id.as_ref())
                .unwrap_or(&unknown);
            let rows = groups
                .entry((&p.account, vpc))
                .or_default()
                .entry((az(subnet), subnet.to_string()))
                .or_default();
            rows.providers.push(i);
        }
    }
    let boxes: Vec<VpcBox> = groups
        .into_iter()
        .map(|((account, vpc), subnets)| {
            let name = vpc_names.get(vpc).cloned().unwrap_or_else(|| vpc.to_string());
            let (label, title) = match g.vpcs.get(vpc) {
                Some(s) => (
                    format!("{name} · {} of {} ENIs", s.enis(), s.quota),
                    format!(
                        "{name}: {} {}, {} of {} ENIs ({} headroom)",
                        s.combinations,
                        plural(s.combinations, "combination"),
                        s.enis(),
                        s.quota,
                        s.quota as i64 - s.enis() as i64
                    ),
                ),
                None => (name.clone(), name),
            };
            VpcBox {
                account: account.to_string(),
                vpc: label,
                title,
                subnets: subnets
                    .into_iter()
                    .map(|((az, subnet), mut rows)| {
                        rows.combos.sort_by_cached_key(|&i| rules::set(&g.combos[i].key.sgs));
                        rows.label = match az {
                            Some(az) => format!("{subnet} ({az})"),
                            None => subnet,
                        };
                        rows
                    })
                    .collect(),
            }
        })
        .collect();
    let mut d = Drawing {
        drawn: drawn.len(),
        total: g.combos.len(),
        splits,
        ..Drawing::default()
    };
    place(g, &boxes, &roles, &folds, &mut d);
    d
}

/// Places the VPC clusters in shelves inside their account's cluster, and the
/// accounts one under another.
fn place(g: &EniGraph, boxes: &[VpcBox], roles: &[Role], folds: &[Option<Fold>], d: &mut Drawing) {
    let mut y = PAD;
    let mut i = 0;
    while i < boxes.len() {
        let account = &boxes[i].account;
        let end = boxes[i..].iter().position(|b| &b.account != account).map_or(boxes.len(), |n| i + n);
        let top = y;
        let (mut x, mut shelf_h, mut right) = (2 * PAD, 0, 0);
        y += HEAD + PAD;
        for b in &boxes[i..end] {
            let (w, h) = vpc_size(g, b);
            if x > 2 * PAD && x + w > SHELF_W {
                x = 2 * PAD;
                y += shelf_h + PAD;
                shelf_h = 0;
            }
            vpc_cluster(g, b, roles, folds, x, y, d);
            x += w + PAD;
            right = right.max(x);
            shelf_h = shelf_h.max(h);
        }
        y += shelf_h + PAD;
        d.clusters.push(Cluster {
            x: PAD,
            y: top,
            w: right.max(2 * PAD + 200) - PAD,
            h: y - top,
            label: if account.is_empty() {
                "account of the deploy".to_string()
            } else {
                format!("account {account}")
            },
            title: String::new(),
            class: "account",
        });
        d.width = d.width.max(right + PAD);
        y += PAD;
        i = end;
    }
    d.height = y.max(2 * PAD);
    // Accounts are drawn first, so VPCs and nodes sit on top of them.
    d.clusters.sort_by_key(|c| c.class != "account");
}

/// The three column widths of a VPC cluster: function groups, combinations, subnets.
fn columns(g: &EniGraph, b: &VpcBox) -> [u32; 3] {
    let mut w = [90, 90, 90];
    for r in &b.subnets {
        w[2] = w[2].max(text_w(&r.label));
        for &c in &r.combos {
            w[0] = w[0].max(text_w(&group_label(g, &g.combos[c])));
            w[1] = w[1].max(text_w(&rules::set(&g.combos[c].key.sgs)));
        }
        if r.hidden > 0 {
            w[1] = w[1].max(text_w(&more_label(r.hidden)));
        }
        for &p in &r.providers {
            w[1] = w[1].max(text_w(&provider_label(g, p)));
        }
    }
    w
}

fn vpc_size(g: &EniGraph, b: &VpcBox) -> (u32, u32) {
    let [a, c, s] = columns(g, b);
    let w = PAD + a + GAP + c + GAP + s + PAD;
    let rows: u32 = b.subnets.iter().map(SubnetRows::rows).sum();
    let h = HEAD + rows * ROW_H + (b.subnets.len() as u32).saturating_sub(1) * SUBNET_GAP + PAD;
    // The VPC's label is not cut: the box widens to hold it.
    (w.max(b.vpc.chars().count() as u32 * CHAR_W + 2 * PAD), h)
}

fn vpc_cluster(g: &EniGraph, b: &VpcBox, roles: &[Role], folds: &[Option<Fold>], x: u32, y: u32, d: &mut Drawing) {
    let (w, h) = vpc_size(g, b);
    d.clusters.push(Cluster {
        x,
        y,
        w,
        h,
        label: b.vpc.clone(),
        title: b.title.clone(),
        class: "vpc",
    });
    let [a, c, s] = columns(g, b);
    let (x0, x1, x2) = (x + PAD, x + PAD + a + GAP, x + PAD + a + GAP + c + GAP);
    let mut top = y + HEAD;
    for r in &b.subnets {
        let n = r.rows();
        let subnet_y = top + (n - 1) * ROW_H / 2;
        d.nodes
            .push(node(x2, subnet_y, s, &r.label, r.label.clone(), "subnet".into(), None));
        for (row, &ci) in r.combos.iter().enumerate() {
            let cy = top + row as u32 * ROW_H;
            let combo = &g.combos[ci];
            let names: Vec<String> = combo.users.iter().map(|u| g.user_name(*u)).collect();
            let mut class = "combination".to_string();
            let mut combo_title = format!("{}\n{} observed", combo.key, count(combo.observed.len(), "ENI"));
            match roles[ci] {
                Role::Split => {
                    class += " split";
                    if let Some((subnet, sgs)) = folds[ci] {
                        combo_title += &format!("\nneedless split: the findings' merges fold it into {subnet} + {}", rules::set(sgs));
                    }
                }
                Role::Target => {
                    class += " target";
                    combo_title += "\nconsolidated target: needless splits fold into it";
                }
                Role::Plain => {}
            }
            let key = combo.key.to_string();
            d.nodes
                .push(node(x1, cy, c, &rules::set(&combo.key.sgs), combo_title, class, Some(key)));
            d.nodes
                .push(node(x0, cy, a, &group_label(g, combo), name_list(&names), "functions".into(), None));
            let mid = cy + NODE_H / 2;
            d.edges.push(Edge {
                d: format!("M{} {mid} H{}", x0 + a, x1),
                class: "uses",
            });
            d.edges.push(Edge {
                d: curve(x1 + c, mid, x2, subnet_y + NODE_H / 2),
                class: "in",
            });
        }
        let mut row = r.combos.len() as u32;
        if r.hidden > 0 {
            let text = more_label(r.hidden);
            d.nodes
                .push(node(x1, top + row * ROW_H, c, &text, text.clone(), "more".into(), None));
            row += 1;
        }
        for &p in &r.providers {
            let cy = top + row * ROW_H;
            let text = provider_label(g, p);
            let title = format!("{text}: its EC2 instances take IP addresses and VPC ENIs in this subnet; it makes no Hyperplane ENI");
            d.nodes.push(node(x1, cy, c, &text, title, "provider".into(), None));
            d.edges.push(Edge {
                d: curve(x1 + c, cy + NODE_H / 2, x2, subnet_y + NODE_H / 2),
                class: "in",
            });
            row += 1;
        }
        top += n * ROW_H + SUBNET_GAP;
    }
}

fn node(x: u32, y: u32, w: u32, label: &str, title: String, class: String, key: Option<String>) -> Node {
    Node {
        x,
        y,
        w,
        h: NODE_H,
        label: cut(label),
        title,
        class,
        key,
    }
}

fn curve(x1: u32, y1: u32, x2: u32, y2: u32) -> String {
    let mid = (x1 + x2) / 2;
    format!("M{x1} {y1} C{mid} {y1} {mid} {y2} {x2} {y2}")
}

/// One name, or how many functions and versions the combination's node stands for.
fn group_label(g: &EniGraph, c: &Combo) -> String {
    if let [u] = c.users[..] {
        return g.user_name(u);
    }
    let versions = c.users.iter().filter(|u| !g.version(**u).is_latest()).count();
    let functions = c.users.len() - versions;
    match (functions, versions) {
        (f, 0) => format!("{f} {}", plural(f, "function")),
        (0, v) => format!("{v} {}", plural(v, "version")),
        (f, v) => format!("{f} {} + {v} {}", plural(f, "function"), plural(v, "version")),
    }
}

fn provider_label(g: &EniGraph, p: usize) -> String {
    format!("capacity provider {}", g.inv.capacity_providers[p].name)
}

fn more_label(hidden: usize) -> String {
    format!("+ {hidden} more {} not drawn", plural(hidden, "combination"))
}

fn name_list(names: &[String]) -> String {
    let mut out = names.iter().take(MAX_TITLE_NAMES).cloned().collect::<Vec<_>>().join("\n");
    if names.len() > MAX_TITLE_NAMES {
        out += &format!("\n… and {} more", names.len() - MAX_TITLE_NAMES);
    }
    out
}

fn cut(s: &str) -> String {
    if s.chars().count() <= MAX_LABEL {
        return s.to_string();
    }
    s.chars().take(MAX_LABEL - 1).chain(['…']).collect()
}

fn text_w(s: &str) -> u32 {
    (s.chars().count().min(MAX_LABEL) as u32) * CHAR_W + 16
}

/// The drawing as SVG markup; `standalone` adds the XML namespace a `.svg` file needs.
pub fn render_drawing(d: &Drawing, standalone: bool) -> String {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    env.add_template("graph.svg", include_str!("templates/graph.svg"))
        .expect("the SVG template parses");
    env.get_template("graph.svg")
        .and_then(|t| t.render(context! { d => d, standalone => standalone }))
        .expect("the SVG template renders")
}

/// `eniplan graph --format svg`.
pub fn render(g: &EniGraph, merges: &[Merge]) -> String {
    render_drawing(&drawing(g, merges), true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Quotas;
    use crate::model::{thin_vec, CapacityProvider, Function, Inventory, Item, Version, VpcConfig};

    fn config(subnets: &[&str], sgs: &[&str]) -> VpcConfig {
        let items = |ids: &[&str]| ids.iter().map(|id| Item::new(Value::id(id))).collect();
        VpcConfig {
            subnets: items(subnets),
            security_groups: items(sgs),
            vpc_id: Some(Value::id("vpc-1")),
            ..Default::default()
        }
    }

    #[test]
    fn capacity_providers_hang_off_their_subnets() {
        let mut inv = Inventory::default();
        inv.functions.push(Function {
            name: "api".into(),
            account: "111122223333".into(),
            versions: thin_vec![Version::latest(Some(config(&["subnet-a"], &["sg-1"])))],
            ..Default::default()
        });
        inv.capacity_providers.push(CapacityProvider {
            name: "fleet".into(),
            account: "111122223333".into(),
            vpc: config(&["subnet-a", "subnet-b"], &["sg-2"]),
            ..Default::default()
        });
        let g = EniGraph::build(&inv, &Quotas::default());
        let d = drawing(&g, &[]);
        let providers: Vec<&Node> = d.nodes.iter().filter(|n| n.class == "provider").collect();
        assert_eq!(providers.len(), 2, "one per subnet the provider uses");
        assert!(providers.iter().all(|n| n.label == "capacity provider fleet"));
        let subnets: Vec<&str> = d.nodes.iter().filter(|n| n.class == "subnet").map(|n| n.label.as_str()).collect();
        assert_eq!(subnets, ["subnet-a", "subnet-b"]);
        // In the one VPC box, beside the combination, and not counted as one.
        assert_eq!(d.clusters.iter().filter(|c| c.class == "vpc").count(), 1);
        assert_eq!((d.drawn, d.total), (1, 1));
        // Each provider node is drawn below the combination, not over it.
        let combo = d.nodes.iter().find(|n| n.class == "combination").unwrap();
        assert!(providers.iter().all(|p| (p.x, p.y) != (combo.x, combo.y)));
    }
}
