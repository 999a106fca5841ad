//! `resource_changes` (or `planned_values`) into resource instances, and
//! `aws_lambda_function` instances into functions.

use super::refs::{render_index, ModulePath};
use super::{Reader, Res, AFTER_APPLY_HINT};
use crate::error::InputError;
use crate::model::*;
use crate::source::doc::{Kind, Node};

impl<'a> Reader<'a> {
    pub(super) fn collect(&mut self, root: &'a Node) -> Result<(), InputError> {
        match root.get("resource_changes") {
            Some(changes) => {
                let items = changes.as_seq().ok_or_else(|| {
                    self.err(
                        changes.span.clone(),
                        format!("`resource_changes` must be a list, found {}", changes.type_name()),
                    )
                })?;
                for rc in items {
                    self.resource_change(rc)?;
                }
            }
            None => {
                let rm = root.get("planned_values").and_then(|p| p.get("root_module"));
                if let Some(m) = rm {
                    self.module_values(m, false, 0)?;
                }
            }
        }
        // Data sources read while planning are in prior_state, not resource_changes.
        if let Some(m) = root
            .get("prior_state")
            .and_then(|p| p.get("values"))
            .and_then(|v| v.get("root_module"))
        {
            self.module_values(m, true, 0)?;
        }
        Ok(())
    }

    fn string_field(&self, obj: &'a Node, key: &str, required: bool) -> Result<Option<&'a str>, InputError> {
        match obj.get(key) {
            None | Some(Node { kind: Kind::Null, .. }) if !required => Ok(None),
            None => Err(self.err(obj.span.clone(), format!("resource change has no `{key}`"))),
            Some(n) => match &n.kind {
                Kind::Str(s) => Ok(Some(s)),
                _ => Err(self.err(n.span.clone(), format!("`{key}` must be a string, found {}", n.type_name()))),
            },
        }
    }

    fn resource_change(&mut self, rc: &'a Node) -> Result<(), InputError> {
        if rc.entries().is_none() {
            return Err(self.err(
                rc.span.clone(),
                format!("each entry of `resource_changes` must be an object, found {}", rc.type_name()),
            ));
        }
        let address = self.string_field(rc, "address", true)?.unwrap_or_default();
        let change = rc
            .get("change")
            .ok_or_else(|| self.err(rc.span.clone(), format!("resource change `{address}` has no `change`")))?;
        if change.entries().is_none() {
            return Err(self.err(
                change.span.clone(),
                format!("`change` of `{address}` must be an object, found {}", change.type_name()),
            ));
        }
        let actions = change
            .get("actions")
            .ok_or_else(|| self.err(change.span.clone(), format!("`change` of `{address}` has no `actions`")))?;
        let list = actions.as_seq().ok_or_else(|| {
            self.err(
                actions.span.clone(),
                format!("`actions` must be a list such as [\"create\"], found {}", actions.type_name()),
            )
        })?;
        let mut names = Vec::with_capacity(list.len());
        for a in list {
            match &a.kind {
                Kind::Str(s) => names.push(s.as_str()),
                _ => return Err(self.err(a.span.clone(), format!("actions are strings, found {}", a.type_name()))),
            }
        }
        self.removal(rc, address, &names, change)?;
        // ["delete"] removes it; ["delete","create"] / ["create","delete"] replace it;
        // "forget" (removed blocks) stops managing it but leaves it in the account.
        if names.contains(&"delete") && !names.contains(&"create") {
            return Ok(());
        }
        let after = match change.get("after") {
            Some(n) if n.entries().is_some() => Some(n),
            None | Some(Node { kind: Kind::Null, .. }) => None,
            Some(n) => {
                return Err(self.err(
                    n.span.clone(),
                    format!("`change.after` of `{address}` must be an object, found {}", n.type_name()),
                ))
            }
        };
        let unknown = change.get("after_unknown");
        self.add_resource(rc, address, after, unknown)
    }

    fn add_resource(&mut self, obj: &'a Node, address: &str, after: Option<&'a Node>, unknown: Option<&'a Node>) -> Result<(), InputError> {
        let ty = self.string_field(obj, "type", true)?.unwrap_or_default();
        let name = self.string_field(obj, "name", true)?.unwrap_or_default();
        let managed = self.string_field(obj, "mode", false)? != Some("data");
        let module_address = self.string_field(obj, "module_address", false)?.unwrap_or("");
        let module = ModulePath::parse(module_address).ok_or_else(|| {
            let span = obj.get("module_address").map_or(obj.span.clone(), |n| n.span.clone());
            self.err(span, format!("`module_address` \"{module_address}\" is not a module address"))
        })?;
        let index = obj.get("index").filter(|n| !n.is_null()).and_then(render_index);
        let config_name = if managed {
            format!("{ty}.{name}")
        } else {
            format!("data.{ty}.{name}")
        };
        let base = format!("{}{config_name}", module.prefix());
        self.resources.push(Res {
            address: address.to_string(),
            base,
            config_name,
            module,
            index,
            managed,
            ty,
            after,
            unknown,
            span: super::entry_span(obj, "address").unwrap_or_else(|| obj.span.clone()),
        });
        Ok(())
    }

    /// `planned_values` / `prior_state.values` modules: `resources[]` with
    /// `values`, and `child_modules[]`. From prior_state only data sources count.
    fn module_values(&mut self, module: &'a Node, data_only: bool, depth: usize) -> Result<(), InputError> {
        if depth > 64 {
            return Ok(());
        }
        for r in module.get("resources").and_then(Node::as_seq).unwrap_or(&[]) {
            let Some(address) = r.get("address").and_then(Node::as_str) else {
                continue;
            };
            if data_only && (r.get("mode").and_then(Node::as_str) != Some("data") || self.resources.iter().any(|x| x.address == address)) {
                continue;
            }
            let values = r.get("values").filter(|v| v.entries().is_some());
            // Planned values omit unknown attributes, which [`Res::is_unknown`] treats as unknown.
            if r.entries().is_some() {
                self.add_resource(r, address, values, None)?;
            }
        }
        for child in module.get("child_modules").and_then(Node::as_seq).unwrap_or(&[]) {
            // Child modules carry their address as `address`, resources carry `module_address`
            // only in resource_changes; derive it from the resource address instead.
            self.module_values_child(child, data_only, depth + 1)?;
        }
        Ok(())
    }

    fn module_values_child(&mut self, module: &'a Node, data_only: bool, depth: usize) -> Result<(), InputError> {
        let before = self.resources.len();
        self.module_values(module, data_only, depth)?;
        let Some(addr) = module.get("address").and_then(Node::as_str) else {
            return Ok(());
        };
        let Some(path) = ModulePath::parse(addr) else { return Ok(()) };
        let prefix = path.prefix();
        for r in &mut self.resources[before..] {
            // Resources directly in this module (deeper ones already have a longer prefix).
            if r.module.0.is_empty() && r.address.starts_with(&prefix) {
                r.module = path.clone();
                r.base = format!("{prefix}{}", r.config_name);
            }
        }
        Ok(())
    }

    /// An `aws_lambda_function` instance.
    pub(super) fn function(&mut self, i: usize) -> Result<(), InputError> {
        let r = &self.resources[i];
        let origin = Origin::in_file(r.address.clone(), self.file_id, r.span.clone());
        let address = r.address.clone();
        let whole_unknown = r
            .unknown
            .and_then(|u| u.get("vpc_config"))
            .is_some_and(|n| matches!(n.kind, Kind::Bool(true)));
        let vpc_key = r.after.and_then(|a| a.entry("vpc_config")).map(|(k, _)| k.span.clone());
        let vpc = match r.after.and_then(|a| a.get("vpc_config")) {
            None | Some(Node { kind: Kind::Null, .. }) if !whole_unknown => None,
            None | Some(Node { kind: Kind::Null, .. }) => {
                // A dynamic block Terraform cannot expand yet: only the configuration says.
                let cfg = self.config.expressions(&r.module, &r.config_name).and_then(|e| e.get("vpc_config"));
                if cfg.is_some() {
                    let origin = origin.clone();
                    Some(self.vpc_config(i, None, None, origin)?)
                } else {
                    None
                }
            }
            Some(n) => {
                let blocks = n.as_seq().ok_or_else(|| {
                    self.err(
                        n.span.clone(),
                        format!(
                            "`vpc_config` of `{address}` must be a list (Terraform writes a block as a one-element list), found {}",
                            n.type_name()
                        ),
                    )
                })?;
                match blocks {
                    [] => None,
                    [block] => {
                        if block.entries().is_none() {
                            return Err(self.err(
                                block.span.clone(),
                                format!("`vpc_config[0]` of `{address}` must be an object, found {}", block.type_name()),
                            ));
                        }
                        let ublock = r
                            .unknown
                            .and_then(|u| u.get("vpc_config"))
                            .and_then(Node::as_seq)
                            .and_then(|s| s.first());
                        let origin = origin.at(self.file_id, vpc_key.unwrap_or_else(|| block.span.clone()));
                        Some(self.vpc_config(i, Some(block), ublock, origin)?)
                    }
                    _ => {
                        return Err(self.err(
                            n.span.clone(),
                            format!(
                                "`vpc_config` of `{address}` has {} blocks; a function has at most one",
                                blocks.len()
                            ),
                        ))
                    }
                }
            }
        };
        self.inv.functions.push(Function {
            name: address.into(),
            account: "".into(),
            region: "".into(),
            origin,
            ignore: ThinVec::new(),
            versions: thin_vec![Version::latest(vpc)],
            role: self.role(i).map(Box::new),
            ..Default::default()
        });
        Ok(())
    }

    pub(super) fn vpc_config(
        &mut self,
        i: usize,
        block: Option<&'a Node>,
        ublock: Option<&'a Node>,
        origin: Origin,
    ) -> Result<VpcConfig, InputError> {
        let subnets = self.id_list(i, block, ublock, "subnet_ids", &origin)?;
        let security_groups = self.id_list(i, block, ublock, "security_group_ids", &origin)?;
        let ipv6_dual_stack = block.and_then(|b| b.get("ipv6_allowed_for_dual_stack")).and_then(|n| match n.kind {
            Kind::Bool(b) => Some(b),
            _ => None,
        });
        let vpc_id = block
            .and_then(|b| b.get("vpc_id"))
            .and_then(Node::as_str)
            .filter(|s| !s.is_empty())
            .map(Value::id);
        Ok(VpcConfig {
            subnets: subnets.into(),
            security_groups: security_groups.into(),
            vpc_id,
            ipv6_dual_stack,
            origin,
        })
    }

    /// `subnet_ids` / `security_group_ids`: known IDs from `after`, unknown ones
    /// from the configuration's references.
    fn id_list(
        &mut self,
        i: usize,
        block: Option<&'a Node>,
        ublock: Option<&'a Node>,
        key: &str,
        origin: &Origin,
    ) -> Result<Vec<Item>, InputError> {
        let address = self.resources[i].address.clone();
        let marked = ublock.and_then(|u| u.get(key));
        let all_unknown = block.is_none()
            || matches!(
                marked,
                Some(Node {
                    kind: Kind::Bool(true),
                    ..
                })
            )
            || ublock.is_some_and(|u| matches!(u.kind, Kind::Bool(true)));
        let per: &[Node] = marked.and_then(Node::as_seq).unwrap_or(&[]);
        let mut items = Vec::new();
        let mut unknown = 0usize;
        match block.and_then(|b| b.get(key)) {
            None => unknown = 1,
            Some(Node { kind: Kind::Null, .. }) => {
                if all_unknown {
                    unknown = 1;
                }
            }
            Some(n) => {
                let list = n.as_seq().ok_or_else(|| {
                    self.err(
                        n.span.clone(),
                        format!(
                            "`vpc_config[0].{key}` of `{address}` must be a list of IDs, found {}",
                            n.type_name()
                        ),
                    )
                })?;
                for (j, e) in list.iter().enumerate() {
                    match &e.kind {
                        Kind::Str(s) => items.push(Item::at(Value::id(s), origin.at(self.file_id, e.span.clone()))),
                        Kind::Null if all_unknown || per.get(j).is_some_and(super::any_true) => unknown += 1,
                        Kind::Null => {}
                        _ => {
                            return Err(self.err(
                                e.span.clone(),
                                format!("`vpc_config[0].{key}` of `{address}` must hold ID strings, found {}", e.type_name()),
                            ))
                        }
                    }
                }
                if all_unknown && list.is_empty() {
                    unknown = 1;
                }
            }
        }
        if unknown == 0 {
            return Ok(items);
        }
        let (values, span) = self.config_values(i, &["vpc_config", "0", key]);
        let at = origin.at(self.file_id, span.unwrap_or_else(|| self.resources[i].span.clone()));
        let known: Vec<Value> = items.iter().map(|it| it.value.clone()).collect();
        let fresh: Vec<Value> = values.into_iter().filter(|v| !known.contains(v)).collect();
        // Unless each value stands for exactly one unknown entry, a value
        // Terraform cannot resolve (a variable, a module output, a data source,
        // the attribute itself) may hold any number of IDs.
        let one_each = !all_unknown && fresh.len() == unknown;
        if fresh.is_empty() {
            let value = Value::symbol(&self.scope, format!("{address}.vpc_config[0].{key}"));
            self.inv.unresolved.insert(value.clone(), AFTER_APPLY_HINT.into());
            if all_unknown || unknown > 1 {
                self.inv.mark_list(&value);
            }
            items.push(Item::at(value, at));
        } else {
            for value in fresh {
                if !one_each && self.inv.unresolved.contains_key(&value) {
                    self.inv.mark_list(&value);
                }
                items.push(Item::at(value, at.clone()));
            }
        }
        Ok(items)
    }
}
