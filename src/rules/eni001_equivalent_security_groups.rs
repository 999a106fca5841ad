use std::collections::BTreeSet;

use super::*;
use crate::model::SgRule;

pub static RULE: Rule = Rule {
    id: "ENI001",
    name: "equivalent-security-groups",
    severity: Severity::Warning,
    summary: "Different security-group sets in one VPC have identical rules and could be merged",
    check,
};

/// A class of SG sets in one VPC that allow exactly the same traffic.
type ClassKey<'a> = (&'a Value, BTreeSet<Option<&'a Value>>, BTreeSet<&'a SgRule>);

fn check(cx: &Context) -> Vec<Finding> {
    let g = cx.graph;
    // SG set → the combinations that use it, per VPC.
    let mut index: ahash::AHashMap<(u32, u32), usize> = ahash::AHashMap::new();
    let mut sets: Vec<(&Value, &[Value], Vec<usize>)> = Vec::new();
    for (i, c) in g.combos.iter().enumerate() {
        let j = *index.entry((c.ids.vpc, c.ids.sgs)).or_insert_with(|| {
            sets.push((&c.vpc, &c.key.sgs, vec![]));
            sets.len() - 1
        });
        sets[j].2.push(i);
    }
    let mut classes: ahash::AHashMap<ClassKey, Vec<usize>> = ahash::AHashMap::new();
    for (j, &(vpc, sgs, _)) in sets.iter().enumerate() {
        if let Some((vpcs, rules)) = effective_rules(g, sgs) {
            classes.entry((vpc, vpcs, rules)).or_default().push(j);
        }
    }
    // Hash maps are fast; sorting keeps the report stable.
    let mut classes: Vec<(ClassKey, Vec<usize>)> = classes.into_iter().filter(|(_, m)| m.len() > 1).collect();
    classes.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    // The distinct function versions using some of the sets.
    let users_of = |members: &mut dyn Iterator<Item = usize>| -> Vec<User> {
        let mut users: Vec<User> = members
            .flat_map(|j| sets[j].2.iter().flat_map(|&i| g.combos[i].users.iter().copied()))
            .collect();
        users.sort_unstable();
        users.dedup();
        users
    };
    let mut out = Vec::new();
    for ((vpc, _, rules), mut members) in classes {
        members.sort_unstable_by(|&a, &b| sets[a].1.cmp(sets[b].1));
        let combos: Vec<usize> = members.iter().flat_map(|&j| sets[j].2.iter().copied()).collect();
        let places: ahash::AHashSet<(&str, &Value)> = combos
            .iter()
            .map(|&i| (&*g.combos[i].key.account, &g.combos[i].key.subnet))
            .collect();
        let saved = combos.len() - places.len();
        if saved == 0 {
            continue;
        }
        let into_j = members
            .iter()
            .copied()
            .max_by_key(|&j| (users_of(&mut std::iter::once(j)).len(), std::cmp::Reverse(sets[j].1)))
            .unwrap();
        let into = sets[into_j].1;
        let others: Vec<&[Value]> = members.iter().filter(|&&j| j != into_j).map(|&j| sets[j].1).collect();
        let moved = users_of(&mut members.iter().copied().filter(|&j| j != into_j));
        let first = moved[0];
        let list = others.iter().map(|s| set(s)).collect::<Vec<_>>().join(", ");
        let (ingress, egress) = rules.iter().fold((0, 0), |(i, e), r| match r.direction {
            crate::model::Direction::Ingress => (i + 1, e),
            crate::model::Direction::Egress => (i, e + 1),
        });
        let mut f = Finding::new(
            &RULE,
            sg_origin(g, first, others[0].first()),
            format!(
                "security-group sets {list} and {} in {vpc} allow exactly the same traffic ({ingress} ingress, {egress} egress {}) and no group eniplan read refers to them; merging them removes {}{saved} combination{} ({})",
                set(into),
                if ingress + egress == 1 { "rule" } else { "rules" },
                at_least(g, combos.iter().map(|&i| &g.combos[i].key.subnet)),
                if saved == 1 { "" } else { "s" },
                enis(saved),
            ),
            format!("attach {} to {} in place of {list}", set(into), user_names(g, &moved, 5)),
        )
        .cost(saved)
        .users(g, moved)
        .combinations(combos.iter().map(|&i| &g.combos[i].key));
        for s in &others {
            f.merges.push(Merge::SecurityGroups {
                vpc: vpc.clone(),
                from: s.to_vec(),
                into: into.to_vec(),
            });
            f.subjects.groups.extend(s.iter().cloned());
        }
        for v in members.iter().flat_map(|&j| sets[j].1.iter()).collect::<BTreeSet<_>>() {
            if let Some(sg) = g.group(v) {
                f = f.related(sg.origin.clone(), format!("{v} defined here"));
            }
        }
        out.push(f);
    }
    out
}

/// The union of the set's rules, with the VPCs its groups belong to. `None`
/// when merging could change who can reach what: a rule is unknown, a group
/// refers to itself or to a member, or anything else refers to a member.
fn effective_rules<'a>(g: &'a EniGraph, sgs: &'a [Value]) -> Option<(BTreeSet<Option<&'a Value>>, BTreeSet<&'a SgRule>)> {
    let mut rules = BTreeSet::new();
    let mut vpcs = BTreeSet::new();
    if sgs.is_empty() {
        return None;
    }
    for v in sgs {
        let sg = g.group(v)?;
        if g.referenced_by.get(v).is_some_and(|r| !r.is_empty()) {
            return None;
        }
        for r in sg.rules.as_ref()? {
            if matches!(&r.peer, crate::model::Peer::Group(p) if sgs.contains(p)) {
                return None;
            }
            rules.insert(r);
        }
        vpcs.insert(sg.vpc.as_ref());
    }
    Some((vpcs, rules))
}
