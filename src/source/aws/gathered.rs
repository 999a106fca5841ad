//! The reads of every scope folded into one inventory, with the run's gaps and notes.

use std::collections::BTreeMap;

use super::*;

/// Scope reads folded into one inventory, with the gaps and notes of the run.
#[derive(Default)]
pub(super) struct Gathered {
    pub(super) inventory: Inventory,
    pub(super) scopes: Vec<Scope>,
    pub(super) gaps: Vec<Gap>,
    pub(super) notes: Vec<String>,
    pub(super) alias_reads: usize,
    pub(super) account_names: BTreeMap<String, String>,
}

impl Gathered {
    pub(super) fn add(&mut self, data: ScopeData) {
        let inventory = &mut self.inventory;
        if let Some(e) = &data.quota_unread {
            self.notes.push(format!(
                "{}/{}: the quota {} (ENIs per VPC) could not be read ({e}); using the default {DEFAULT_ENI_QUOTA}",
                data.scope.account,
                data.scope.region,
                quotas::ENI_PER_VPC
            ));
        }
        if let Some(e) = &data.providers_unoffered {
            self.notes.push(format!(
                "{}/{}: lambda:ListCapacityProviders is not offered there ({e}); no capacity providers are read in that region",
                data.scope.account, data.scope.region
            ));
        }
        self.scopes.push(data.scope);
        self.alias_reads += data.functions.iter().filter(|f| lambda::needs_aliases(f)).count();
        inventory.functions.extend(data.functions);
        for s in data.subnets {
            inventory.subnets.insert(s.id.clone(), s);
        }
        for g in data.security_groups {
            inventory.security_groups.insert(g.id.clone(), g);
        }
        for v in data.vpcs {
            inventory.vpcs.insert(v.id.clone(), v);
        }
        inventory.enis.extend(data.enis);
        inventory.capacity_providers.extend(data.capacity_providers);
        self.gaps.extend(data.gaps);
    }

    pub(super) fn finish(self, stats: &Stats) -> Collected {
        let Gathered {
            mut inventory,
            mut scopes,
            mut gaps,
            mut notes,
            alias_reads,
            account_names,
        } = self;
        inventory
            .functions
            .sort_by(|a, b| (&a.account, &a.region, &a.name).cmp(&(&b.account, &b.region, &b.name)));
        inventory
            .enis
            .sort_by(|a, b| (&a.account, &a.region, &a.id).cmp(&(&b.account, &b.region, &b.id)));
        // Scopes finish in any order: sorted, the same account reads to the same inventory.
        inventory
            .capacity_providers
            .sort_by(|a, b| (&a.account, &a.region, &a.name).cmp(&(&b.account, &b.region, &b.name)));
        gaps.sort_by(|a, b| (&a.account, &a.region, &a.operation, &a.error).cmp(&(&b.account, &b.region, &b.operation, &b.error)));
        gaps.dedup();
        inventory.gaps = gaps;
        inventory.account_names = account_names.clone();
        scopes.sort();
        scopes.dedup();
        notes.sort();
        notes.dedup();
        notes.push(format!(
            "aliases were read (ListAliases) for {alias_reads} function(s) whose published versions have a VPC configuration \
             different from $LATEST; other versions' aliases are not listed"
        ));
        Collected {
            inventory,
            scopes,
            api_calls: stats.calls(),
            api_attempts: stats.attempts(),
            operations: stats.by_operation(),
            notes,
            account_names,
        }
    }
}
