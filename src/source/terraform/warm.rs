//! `aws_lambda_provisioned_concurrency_config`: provisioned environments on a
//! function's alias or version, put on the `aws_lambda_function` it names.

use super::refs::references;
use super::{Reader, Target};
use crate::model::{Origin, Warm, WarmBy};
use crate::source::doc::{Kind, Node};

const TYPE: &str = "aws_lambda_provisioned_concurrency_config";

impl<'a> Reader<'a> {
    /// Every provisioned-concurrency config in the plan, on the functions this
    /// plan added (from index `first` on).
    pub(super) fn warm(&mut self, first: usize) {
        for i in 0..self.resources.len() {
            let r = &self.resources[i];
            if !r.managed || r.ty != TYPE {
                continue;
            }
            let Some(function) = self.warm_function(i) else { continue };
            let r = &self.resources[i];
            let environments = match r.get("provisioned_concurrent_executions").map(|n| &n.kind) {
                Some(Kind::Number(n)) => n.parse().ok(),
                _ => None,
            };
            let span = r
                .after
                .and_then(|a| super::entry_span(a, "provisioned_concurrent_executions"))
                .unwrap_or_else(|| r.span.clone());
            let warm = Warm {
                qualifier: self.qualifier(i),
                environments,
                by: WarmBy::ProvisionedConcurrency,
                origin: Origin::in_file(&r.address, self.file_id, span),
            };
            if let Some(f) = self.inv.functions[first..].iter_mut().find(|f| *f.name == *function) {
                f.warm.push(warm);
            }
        }
    }

    /// The address of the `aws_lambda_function` that config `i` names: by the
    /// configuration's references, else by its known `function_name` or ARN.
    fn warm_function(&self, i: usize) -> Option<String> {
        let r = &self.resources[i];
        let mut targets = Vec::new();
        if let Some(expr) = self
            .config
            .expressions(&r.module, &r.config_name)
            .and_then(|e| e.get("function_name"))
        {
            self.resolve(&references(expr), &r.module, r.index.as_deref(), 0, &mut targets);
        }
        let by_reference = targets.iter().find_map(|t| match t {
            Target::Address(a) => self.function_address(a),
            Target::Opaque(..) => None,
        });
        if by_reference.is_some() {
            return by_reference;
        }
        let name = r.get("function_name").and_then(Node::as_str)?;
        self.resources
            .iter()
            .find(|f| {
                f.managed
                    && f.ty == "aws_lambda_function"
                    && ["function_name", "arn"]
                        .iter()
                        .any(|k| f.get(k).and_then(Node::as_str) == Some(name))
            })
            .map(|f| f.address.clone())
    }

    fn function_address(&self, address: &str) -> Option<String> {
        let &j = self.by_address.get(address)?;
        (self.resources[j].ty == "aws_lambda_function").then(|| address.to_string())
    }

    /// The alias or version: the known `qualifier`, else the alias's known
    /// name, else what the configuration refers to.
    fn qualifier(&self, i: usize) -> String {
        let r = &self.resources[i];
        if let Some(q) = r.get("qualifier").and_then(Node::as_str) {
            return q.to_string();
        }
        let expr = self.config.expressions(&r.module, &r.config_name).and_then(|e| e.get("qualifier"));
        let mut targets = Vec::new();
        if let Some(expr) = expr {
            self.resolve(&references(expr), &r.module, r.index.as_deref(), 0, &mut targets);
        }
        for t in &targets {
            if let Target::Address(a) = t {
                let known = self
                    .by_address
                    .get(a)
                    .and_then(|&j| self.resources[j].get("name"))
                    .and_then(Node::as_str);
                return known.map_or_else(|| a.clone(), str::to_string);
            }
        }
        expr.map(references)
            .and_then(|r| r.first().map(|s| s.to_string()))
            .unwrap_or_else(|| "an unknown qualifier".to_string())
    }
}
