//! The report's combination rows: each combination and the names of the
//! function versions that use it.

use std::sync::Arc;

use serde::Serialize;

use crate::graph::EniGraph;
use crate::model::Value;

/// One combination, sharing its IDs with the graph: large audits list tens of thousands.
#[derive(Debug, Serialize)]
pub struct ComboOut {
    pub account: Arc<str>,
    pub vpc: Value,
    pub subnet: Value,
    pub availability_zone: Option<String>,
    pub security_groups: Arc<[Value]>,
    pub functions: Names,
    pub observed_enis: Vec<String>,
}

/// A combination's function version names, one after the other in one
/// buffer: at an organisation's size the rows name millions of versions, and
/// the JSON writer reads them in order instead of across the whole inventory.
#[derive(Debug, Default)]
pub struct Names {
    text: String,
    ends: Vec<u32>,
}

impl Names {
    fn with_capacity(names: usize) -> Self {
        Names {
            text: String::new(),
            ends: Vec::with_capacity(names),
        }
    }

    fn push(&mut self, name: &str) {
        self.text.push_str(name);
        self.ends.push(self.text.len() as u32);
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(start, &end)| &self.text[start as usize..end as usize])
    }
}

impl Serialize for Names {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// A row for each combination, with the versions that use it.
pub(super) fn rows(g: &EniGraph) -> Vec<ComboOut> {
    // Versions are named in inventory order, which is the order the functions
    // lie in memory, and each name goes to the combinations it uses: walking
    // each combination's users instead jumps across the whole inventory.
    let mut names: Vec<Names> = g.combos.iter().map(|c| Names::with_capacity(c.users.len())).collect();
    for u in g.users() {
        let name = g.user_label(u);
        for ci in g.combos_of(u) {
            names[ci].push(&name);
        }
    }
    g.combos
        .iter()
        .zip(names)
        .map(|(c, functions)| ComboOut {
            account: c.key.account.clone(),
            vpc: c.vpc.clone(),
            subnet: c.key.subnet.clone(),
            availability_zone: g.subnet(&c.key.subnet).and_then(|s| s.az.clone()),
            security_groups: c.key.sgs.clone(),
            functions,
            observed_enis: c.observed.iter().map(|&i| g.inv.enis[i].id.clone()).collect(),
        })
        .collect()
}
