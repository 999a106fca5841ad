//! Route tables, for working out whether a subnet is public. Templates and
//! plans both describe tables, default routes and subnet associations; a
//! subnet without an association of its own uses its VPC's main table.

use std::collections::{BTreeSet, HashMap};

use crate::model::{Egress, Inventory, Subnet, Value};

/// A default route's target.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Target {
    Internet,
    Nat,
    Other,
}

/// Keys tied to one table each; a key tied to two different tables is
/// ambiguous, and its routing unknown.
#[derive(Default)]
pub struct Associations {
    tables: HashMap<Value, Value>,
    ambiguous: BTreeSet<Value>,
}

impl Associations {
    pub fn associate(&mut self, key: Value, table: Value) {
        match self.tables.get(&key) {
            Some(t) if *t != table => {
                self.ambiguous.insert(key);
            }
            _ => {
                self.tables.insert(key, table);
            }
        }
    }

    /// `Some(None)` when `key` is tied to several tables.
    fn get(&self, key: &Value) -> Option<Option<&Value>> {
        if self.ambiguous.contains(key) {
            return Some(None);
        }
        self.tables.get(key).map(Some)
    }
}

#[derive(Default)]
pub struct Routes {
    /// Route table → targets of its default routes.
    pub defaults: HashMap<Value, Vec<Target>>,
    /// Tables defined in the input: only their routes are known in full.
    pub tables: BTreeSet<Value>,
    /// Subnet → route table.
    pub subnets: Associations,
    /// VPC → the main table a main-table association makes it use.
    pub main: Associations,
    /// VPC → the main table it was created with.
    pub vpc_main: HashMap<Value, Value>,
}

impl Routes {
    /// A subnet's table: its own association, else its VPC's main table.
    fn table_of(&self, subnet: &Subnet) -> Option<&Value> {
        if let Some(table) = self.subnets.get(&subnet.id) {
            return table;
        }
        let vpc = subnet.vpc.as_ref()?;
        match self.main.get(vpc) {
            Some(table) => table,
            None => self.vpc_main.get(vpc),
        }
    }

    /// A subnet is public when its table's default route goes to an internet
    /// gateway and there is no NAT; only tables defined in the input count.
    pub fn apply(&self, inv: &mut Inventory) {
        for s in inv.subnets.values_mut() {
            let Some(table) = self.table_of(s).filter(|t| self.tables.contains(*t)) else {
                continue;
            };
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
