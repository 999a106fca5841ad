//! SAM `Globals` merging, the way the SAM translator does it: mappings merge
//! key by key, lists are additive with global entries first, anything else
//! (including an intrinsic in place of a list) is replaced by the local value.

use crate::source::doc::{Kind, Node};

pub fn merge(global: &Node, local: &Node) -> Node {
    match (&global.kind, &local.kind) {
        (Kind::Map(g), Kind::Map(l)) if super::intrinsic::call(global).is_none() && super::intrinsic::call(local).is_none() => {
            let mut out = Vec::with_capacity(g.len() + l.len());
            for (gk, gv) in g {
                match l.iter().find(|(lk, _)| lk.name == gk.name) {
                    Some((lk, lv)) => out.push((lk.clone(), merge(gv, lv))),
                    None => out.push((gk.clone(), gv.clone())),
                }
            }
            for (lk, lv) in l {
                if !g.iter().any(|(gk, _)| gk.name == lk.name) {
                    out.push((lk.clone(), lv.clone()));
                }
            }
            Node::new(local.span.clone(), Kind::Map(out))
        }
        (Kind::Seq(g), Kind::Seq(l)) => Node::new(local.span.clone(), Kind::Seq(g.iter().chain(l).cloned().collect())),
        _ => local.clone(),
    }
}
