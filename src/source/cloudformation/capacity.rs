//! Lambda Managed Instances in templates: `AWS::Lambda::CapacityProvider`,
//! `AWS::Serverless::CapacityProvider` (merged with SAM's
//! `Globals.CapacityProvider`, which the SAM translator supports), and the
//! `CapacityProviderConfig` that puts a function on one.

use super::intrinsic::{List, Scalar};
use super::{sam, Reader};
use crate::error::InputError;
use crate::model::*;
use crate::source::doc::Node;

/// Where each form writes the facts: (scaling block, allowed-types list).
/// SAM passes `ScalingConfig.MaxVCpuCount` and `InstanceRequirements.AllowedTypes`
/// to CloudFormation's `CapacityProviderScalingConfig.MaxVCpuCount` and
/// `InstanceRequirements.AllowedInstanceTypes`.
const SAM_NAMES: (&str, &str) = ("ScalingConfig", "AllowedTypes");
const CFN_NAMES: (&str, &str) = ("CapacityProviderScalingConfig", "AllowedInstanceTypes");

impl<'a> Reader<'a> {
    pub(super) fn capacity_provider(
        &mut self,
        logical_id: &str,
        origin: Origin,
        ignore: Vec<Ignore>,
        props: Option<&'a Node>,
        is_sam: bool,
    ) -> Result<(), InputError> {
        let merged;
        let globals = self.sam_globals.and_then(|g| g.get("CapacityProvider")).filter(|_| is_sam);
        let props = match (globals, props) {
            (Some(g), Some(p)) => {
                merged = sam::merge(g, p);
                Some(&merged)
            }
            (Some(g), None) => Some(g),
            (None, p) => p,
        };
        let (scaling, allowed) = if is_sam { SAM_NAMES } else { CFN_NAMES };
        let vpc = match props.and_then(|p| p.entry("VpcConfig")) {
            Some((k, node)) => self.vpc_config(node, origin.at(self.file_id, k.span.clone()))?,
            None => None,
        }
        .unwrap_or_else(|| VpcConfig {
            origin: origin.clone(),
            ..Default::default()
        });
        let name = props
            .and_then(|p| p.get("CapacityProviderName"))
            .and_then(|n| self.literal(n))
            .unwrap_or_else(|| logical_id.to_string());
        let max_vcpus = props
            .and_then(|p| p.get(scaling))
            .and_then(|s| s.get("MaxVCpuCount"))
            .and_then(|n| self.literal(n))
            .and_then(|v| whole_number(&v));
        let instance_types = props
            .and_then(|p| p.get("InstanceRequirements"))
            .and_then(|r| r.get(allowed))
            .map(|n| self.type_list(n))
            .unwrap_or_default();
        self.inv.capacity_providers.push(CapacityProvider {
            name,
            account: self.opts.account.clone(),
            region: self.opts.region.clone(),
            origin,
            id: Some(self.symbol_for(logical_id)),
            vpc,
            max_vcpus,
            instance_types,
            ignore,
        });
        Ok(())
    }

    /// The provider the function just read runs on: SAM's
    /// `CapacityProviderConfig.Arn` (the function's own, else `Globals`'),
    /// CloudFormation's `CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig.CapacityProviderArn`.
    pub(super) fn function_provider(&mut self, props: Option<&'a Node>, is_sam: bool) -> Result<(), InputError> {
        let local = props.and_then(|p| p.get("CapacityProviderConfig"));
        let arn = if is_sam {
            let global = self
                .sam_globals
                .and_then(|g| g.get("Function"))
                .and_then(|f| f.get("CapacityProviderConfig"));
            local.and_then(|c| c.get("Arn")).or_else(|| global.and_then(|c| c.get("Arn")))
        } else {
            local
                .and_then(|c| c.get("LambdaManagedInstancesCapacityProviderConfig"))
                .and_then(|c| c.get("CapacityProviderArn"))
        };
        let Some(node) = arn else { return Ok(()) };
        let provider = self.value(node);
        if let Some(f) = self.inv.functions.last_mut() {
            f.capacity_provider = provider.map(Box::new);
        }
        Ok(())
    }

    fn literal(&self, node: &Node) -> Option<String> {
        match self.env.scalar(node) {
            Ok(Scalar::Lit(v)) => Some(v),
            _ => None,
        }
    }

    /// Instance types as written; one eniplan cannot resolve keeps its
    /// expression, which names no known type and so counts as the smallest.
    fn type_list(&self, node: &Node) -> Vec<String> {
        match self.env.list(node) {
            Ok(List::Items(items)) => items
                .into_iter()
                .filter_map(|(s, _)| match s {
                    Scalar::Lit(v) => Some(v),
                    Scalar::Sym { expr, .. } => Some(expr),
                    Scalar::NoValue => None,
                })
                .collect(),
            Ok(List::Sym { expr, .. }) => vec![expr],
            Ok(List::NoValue) => vec![],
            Err(_) => vec![self.env.render(node)],
        }
    }
}

/// `10`, `10.0`: a count; anything else is no count.
fn whole_number(v: &str) -> Option<u64> {
    v.trim().parse::<u64>().ok().or_else(|| {
        v.trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0)
            .map(|f| f as u64)
    })
}
