//! Environments a template keeps warm: SAM `ProvisionedConcurrencyConfig`
//! with `AutoPublishAlias` (each may come from `Globals.Function`), and
//! `AWS::Lambda::Alias` / `AWS::Lambda::Version` with
//! `ProvisionedConcurrencyConfig`, linked to their function by `FunctionName`.

use super::intrinsic::{self, Scalar};
use super::{sam, Reader};
use crate::model::{Origin, Warm, WarmBy};
use crate::source::doc::{Key, Node};

impl<'a> Reader<'a> {
    /// Puts each warm configuration on the function it names, among the
    /// functions this template added (from index `first` on).
    pub(super) fn warm(&mut self, entries: &'a [(Key, Node)], globals: Option<&Node>, first: usize) {
        for (key, resource) in entries {
            let Some(ty) = resource.get("Type").and_then(Node::as_str) else {
                continue;
            };
            if resource.get("Condition").and_then(Node::as_str).and_then(|c| self.env.condition(c)) == Some(false) {
                continue;
            }
            let props = resource.get("Properties");
            let found = match ty {
                "AWS::Serverless::Function" => self.sam_warm(key, props, globals).map(|w| (key.name.as_str(), w)),
                "AWS::Lambda::Alias" | "AWS::Lambda::Version" => self.resource_warm(key, ty, props),
                _ => None,
            };
            let Some((function, warm)) = found else { continue };
            let Some(entry) = entries.iter().find(|(k, _)| k.name == function) else {
                continue;
            };
            let at = Some((self.file_id, entry.0.span.clone()));
            if let Some(f) = self.inv.functions[first..].iter_mut().find(|f| f.origin.file() == at) {
                f.warm.push(warm);
            }
        }
    }

    /// `AutoPublishAlias` plus `ProvisionedConcurrencyConfig`, local over `Globals.Function`.
    fn sam_warm(&self, key: &Key, props: Option<&Node>, globals: Option<&Node>) -> Option<Warm> {
        let local = |name: &str| props.and_then(|p| p.entry(name));
        let global = |name: &str| globals.and_then(|g| g.entry(name));
        let (_, alias) = local("AutoPublishAlias").or_else(|| global("AutoPublishAlias"))?;
        let alias = match self.env.scalar(alias).ok()? {
            Scalar::Lit(s) => s,
            Scalar::Sym { expr, .. } => expr,
            Scalar::NoValue => return None,
        };
        let merged;
        let (config_key, config) = match (local("ProvisionedConcurrencyConfig"), global("ProvisionedConcurrencyConfig")) {
            (Some((k, l)), Some((_, g))) => {
                merged = sam::merge(g, l);
                (k, &merged)
            }
            (Some((k, l)), None) | (None, Some((k, l))) => (k, l),
            (None, None) => return None,
        };
        let config = self.chosen(config)?;
        let environments = self.count(config.get("ProvisionedConcurrentExecutions")?)?;
        Some(Warm {
            qualifier: alias,
            environments,
            by: WarmBy::ProvisionedConcurrency,
            origin: Origin::in_file(&key.name, self.file_id, config_key.span.clone()),
        })
    }

    /// An alias's or version's `ProvisionedConcurrencyConfig`, with the logical ID of its function.
    fn resource_warm(&self, key: &'a Key, ty: &str, props: Option<&'a Node>) -> Option<(&'a str, Warm)> {
        let props = props?;
        let (config_key, config) = props.entry("ProvisionedConcurrencyConfig")?;
        let config = self.chosen(config)?;
        let environments = self.count(config.get("ProvisionedConcurrentExecutions")?)?;
        let function = function_logical_id(props.get("FunctionName")?)?;
        let qualifier = match ty {
            "AWS::Lambda::Alias" => match props.get("Name").map(|n| self.env.scalar(n)) {
                Some(Ok(Scalar::Lit(s))) => s,
                Some(Ok(Scalar::Sym { expr, .. })) => expr,
                _ => key.name.clone(),
            },
            _ => key.name.clone(),
        };
        Some((
            function,
            Warm {
                qualifier,
                environments,
                by: WarmBy::ProvisionedConcurrency,
                origin: Origin::in_file(&key.name, self.file_id, config_key.span.clone()),
            },
        ))
    }

    /// The configuration a known `Fn::If` chooses; `None` when it is absent
    /// (`AWS::NoValue`) or its condition is unknown: then whether the
    /// function is warm at all is not known.
    fn chosen<'n>(&self, node: &'n Node) -> Option<&'n Node> {
        match intrinsic::call(node) {
            None => node.entries().is_some().then_some(node),
            Some(c) if c.name == "Fn::If" => {
                let [cond, then, other] = c.args.as_seq()? else { return None };
                let known = self.env.condition(cond.as_str()?)?;
                self.chosen(if known { then } else { other })
            }
            Some(_) => None,
        }
    }

    /// `Some(Some(n))` for a known count, `Some(None)` for an unresolved one,
    /// `None` when it is `AWS::NoValue` or not a count at all.
    fn count(&self, node: &Node) -> Option<Option<u32>> {
        match self.env.scalar(node).ok()? {
            Scalar::Lit(s) => s.trim().parse().ok().map(Some),
            Scalar::Sym { .. } => Some(None),
            Scalar::NoValue => None,
        }
    }
}

/// `!Ref Fn`, `!GetAtt Fn.Arn`: the function's logical ID.
fn function_logical_id(node: &Node) -> Option<&str> {
    let c = intrinsic::call(node)?;
    match c.name.as_str() {
        "Ref" => c.args.as_str(),
        "Fn::GetAtt" => match &c.args.kind {
            crate::source::doc::Kind::Str(s) => s.split_once('.').map(|(id, _)| id),
            crate::source::doc::Kind::Seq(items) => items.first()?.as_str(),
            _ => None,
        },
        _ => None,
    }
}
