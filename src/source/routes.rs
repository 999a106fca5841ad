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
    /// Records that `key` uses `table`, `None` being a side the input does
    /// not pin down: an unknown table leaves `key` unknown. Returns whether
    /// the key was pinned down.
    fn record(&mut self, key: Option<Value>, table: Option<Value>) -> bool {
        let Some(key) = key else { return false };
        match (table, self.tables.get(&key)) {
            (Some(table), None) => {
                self.tables.insert(key, table);
            }
            (Some(table), Some(t)) if *t == table => {}
            _ => {
                self.ambiguous.insert(key);
            }
        }
        true
    }

    fn keys(&self) -> impl Iterator<Item = &Value> {
        self.tables.keys().chain(&self.ambiguous)
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
    /// Tables with a route the input leaves unclear: their subnets stay unknown.
    pub unclear: BTreeSet<Value>,
    /// Another name → the table it stands for (`aws_default_route_table`).
    pub aliases: HashMap<Value, Value>,
    /// Subnet → route table.
    pub subnets: Associations,
    /// Subnets the input creates → their VPC: without an association of their
    /// own they use the VPC's main table.
    pub new_subnets: HashMap<Value, Value>,
    /// VPC → the main table a main-table association makes it use.
    pub main: Associations,
    /// VPC → the main table it was created with.
    pub vpc_main: HashMap<Value, Value>,
    /// Set when a route or association names something the input does not
    /// pin down: it may be any subnet's, so no subnet falls back to a main table.
    pub no_main_fallback: bool,
}

impl Routes {
    /// A subnet's association, `None` being a side the input does not pin
    /// down. One that names no single subnet may be any subnet's: then no
    /// subnet falls back to a main table.
    pub fn associate_subnet(&mut self, subnet: Option<Value>, table: Option<Value>) {
        self.no_main_fallback |= !self.subnets.record(subnet, table);
    }

    /// A VPC's main-table association, read the same way.
    pub fn associate_main(&mut self, vpc: Option<Value>, table: Option<Value>) {
        self.no_main_fallback |= !self.main.record(vpc, table);
    }

    /// Marks every table a route may belong to as unclear; when none of them
    /// is known, any table may be.
    pub fn unclear_route(&mut self, candidates: Vec<Value>) {
        self.no_main_fallback |= candidates.is_empty();
        self.unclear.extend(candidates);
    }

    fn canonical<'a>(&'a self, table: &'a Value) -> &'a Value {
        self.aliases.get(table).unwrap_or(table)
    }

    /// A subnet's table: its own association, else (for a subnet the input
    /// creates) its VPC's main table.
    fn table_of(&self, subnet: &Subnet, main_fallback: bool) -> Option<&Value> {
        let table = match self.subnets.get(&subnet.id) {
            Some(table) => table,
            None if !main_fallback => return None,
            None => {
                let vpc = self.new_subnets.get(&subnet.id)?;
                self.main.get(vpc).unwrap_or_else(|| self.vpc_main.get(vpc))
            }
        };
        table.map(|t| self.canonical(t))
    }

    /// A subnet is public when its table's default route goes to an internet
    /// gateway and there is no NAT; only tables defined in the input, with
    /// every route clear, count.
    pub fn apply(&self, inv: &mut Inventory) {
        let mut defaults: HashMap<&Value, Vec<Target>> = HashMap::new();
        let mut unclear: BTreeSet<&Value> = BTreeSet::new();
        for (table, targets) in &self.defaults {
            defaults.entry(self.canonical(table)).or_default().extend(targets);
        }
        for table in &self.unclear {
            unclear.insert(self.canonical(table));
        }
        // A route on a table the input does not define, or an association of
        // a subnet it does not know, may be any subnet's.
        let main_fallback = !self.no_main_fallback
            && defaults.keys().chain(unclear.iter()).all(|t| self.tables.contains(*t))
            && self.subnets.keys().all(|s| inv.subnets.contains_key(s));
        for s in inv.subnets.values_mut() {
            let Some(table) = self.table_of(s, main_fallback) else { continue };
            if !self.tables.contains(table) || unclear.contains(table) {
                continue;
            }
            let targets = defaults.get(table).map(Vec::as_slice).unwrap_or(&[]);
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
