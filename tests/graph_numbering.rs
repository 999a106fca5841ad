//! The graph numbers each version's sets on two threads when the inventory is
//! large: the result must be what one pass in inventory order gives.

use std::sync::Arc;

use eniplan::graph::{EniGraph, Quotas, User};
use eniplan::model::*;

/// Enough functions that each half is numbered on its own thread.
const FUNCTIONS: usize = 50_000;

/// A function in `subnets` with `sgs`, its strings made fresh (not shared with
/// any other function), as a template source makes them.
fn function(i: usize, subnets: &[String], sgs: &[String]) -> Function {
    let items = |ids: &[String]| ids.iter().map(|id| Item::new(Value::id(id))).collect();
    let vpc = VpcConfig {
        subnets: items(subnets),
        security_groups: items(sgs),
        origin: Origin::resource(format!("fn-{i}")),
        ..Default::default()
    };
    Function {
        name: Arc::from(format!("fn-{i}").as_str()),
        account: Arc::from("111122223333"),
        versions: thin_vec![Version::latest(Some(vpc))],
        ..Default::default()
    }
}

#[test]
fn sets_and_combinations_are_numbered_as_the_inventory_first_uses_them() {
    let mut inv = Inventory::default();
    for i in 0..FUNCTIONS {
        // Sets shared across both halves, listed in varying order and with
        // duplicates, and sets only one half uses.
        let shared = format!("sg-shared-{}", i % 5);
        let sgs = match i % 4 {
            0 => vec![shared.clone(), "sg-base".to_string()],
            1 => vec!["sg-base".to_string(), shared.clone(), shared.clone()],
            2 if i < FUNCTIONS / 2 => vec![format!("sg-early-{}", i % 89)],
            2 => vec![format!("sg-late-{}", i % 97)],
            _ => vec![shared.clone()],
        };
        let subnets = vec![format!("subnet-{}", i % 3), format!("subnet-{}", (i + 1) % 3)];
        inv.functions.push(function(i, &subnets, &sgs));
    }
    let g = EniGraph::build(&inv, &Quotas::default());

    // Equal sets have equal numbers, wherever they are; different sets differ.
    let mut by_number: std::collections::BTreeMap<u32, Vec<Value>> = Default::default();
    for u in g.users() {
        let set = g.sgs(u).to_vec();
        assert_eq!(set, g.config(u).sg_set(), "{u:?} given another version's set");
        assert_eq!(g.subnets(u), &g.config(u).subnet_set()[..], "{u:?} given another version's subnets");
        let known = by_number.entry(g.set_ids(u).sgs).or_insert_with(|| set.clone());
        assert_eq!(*known, set, "one number for two sets at {u:?}");
    }
    let distinct: std::collections::BTreeSet<Vec<Value>> = by_number.values().cloned().collect();
    assert_eq!(distinct.len(), by_number.len(), "two numbers for one set");
    assert_eq!(distinct.len(), 5 + 5 + 89 + 97, "5 pairs, 5 singles, 89 early and 97 late sets");

    // Combinations appear in the order versions first use them, as one pass makes them.
    let firsts: Vec<User> = g.combos.iter().map(|c| c.users[0]).collect();
    assert!(firsts.windows(2).all(|w| w[0] <= w[1]), "combinations out of first-use order");
    for (ci, c) in g.combos.iter().enumerate() {
        assert!(c.users.windows(2).all(|w| w[0] < w[1]), "users of combination {ci} out of order");
        for &u in &c.users {
            assert_eq!(g.sgs(u), &c.key.sgs[..]);
            assert!(g.subnets(u).contains(&c.key.subnet));
        }
    }
    let uses: usize = g.combos.iter().map(|c| c.users.len()).sum();
    assert_eq!(uses, FUNCTIONS * 2, "each version uses one combination per subnet");
    assert_eq!(g.combos.len(), 3 * (5 + 5 + 89 + 97));
}
