//! Route tables, for working out whether a subnet is public. Templates and
//! plans both describe tables, default routes and subnet associations.

use std::collections::{BTreeSet, HashMap};

use crate::model::{Egress, Inventory, Value};

/// A default route's target.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Target {
    Internet,
    Nat,
    Other,
}

#[derive(Default)]
pub struct Routes {
    /// Route table → targets of its default routes.
    pub defaults: HashMap<Value, Vec<Target>>,
    /// Tables defined in the input: only their routes are known in full.
    pub tables: BTreeSet<Value>,
    /// Subnet → route table.
    pub associations: HashMap<Value, Value>,
    /// Subnets associated with more than one table: their routing is unknown.
    pub ambiguous: BTreeSet<Value>,
}

impl Routes {
    pub fn associate(&mut self, subnet: Value, table: Value) {
        match self.associations.get(&subnet) {
            Some(t) if *t != table => {
                self.ambiguous.insert(subnet);
            }
            _ => {
                self.associations.insert(subnet, table);
            }
        }
    }

    /// A subnet is public when its table's default route goes to an internet
    /// gateway and there is no NAT; only tables defined in the input count.
    pub fn apply(&self, inv: &mut Inventory) {
        for (subnet, table) in &self.associations {
            let Some(s) = inv.subnets.get_mut(subnet) else { continue };
            if !self.tables.contains(table) || self.ambiguous.contains(subnet) {
                continue;
            }
            let targets = self.defaults.get(table).map(Vec::as_slice).unwrap_or(&[]);
            s.egress = if targets.contains(&Target::Nat) {
                Egress::Nat
            } else if targets.contains(&Target::Internet) {
                Egress::InternetGateway
            } else {
                Egress::Private
            };
        }
    }
}
