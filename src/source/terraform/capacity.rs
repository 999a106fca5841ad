//! Lambda Managed Instances in a plan: `aws_lambda_capacity_provider` and the
//! `capacity_provider_config` block of `aws_lambda_function`, as the AWS
//! provider's schema names them (`vpc_config`, `capacity_provider_scaling_config.max_vcpu_count`,
//! `instance_requirements.allowed_instance_types`,
//! `capacity_provider_config.lambda_managed_instances_capacity_provider_config.capacity_provider_arn`).

use super::Reader;
use crate::error::InputError;
use crate::model::*;
use crate::source::doc::{Kind, Node};

impl<'a> Reader<'a> {
    pub(super) fn capacity_provider(&mut self, i: usize) -> Result<(), InputError> {
        let r = &self.resources[i];
        let origin = Origin::in_file(r.address.clone(), self.file_id, r.span.clone());
        let name = r
            .get("name")
            .and_then(Node::as_str)
            .map_or_else(|| r.address.clone(), str::to_string);
        let block = r.get("vpc_config").and_then(first_block);
        let ublock = r.unknown.and_then(|u| u.get("vpc_config")).and_then(first_block);
        let at = r.after.and_then(|a| a.entry("vpc_config")).map(|(k, _)| k.span.clone());
        let max_vcpus = r
            .get("capacity_provider_scaling_config")
            .and_then(first_block)
            .and_then(|b| b.get("max_vcpu_count"))
            .and_then(|n| match &n.kind {
                Kind::Number(v) => v.parse::<u64>().ok(),
                _ => None,
            });
        let instance_types = r
            .get("instance_requirements")
            .and_then(first_block)
            .and_then(|b| b.get("allowed_instance_types"))
            .and_then(Node::as_seq)
            .map(|s| s.iter().map(|t| t.as_str().unwrap_or("unknown type").to_string()).collect())
            .unwrap_or_default();
        let vpc_origin = origin.at(self.file_id, at.unwrap_or_else(|| r.span.clone()));
        let vpc = if block.is_some() || ublock.is_some() || self.resources[i].is_unknown("vpc_config") {
            self.vpc_config(i, block, ublock, vpc_origin)?
        } else {
            VpcConfig {
                origin: vpc_origin,
                ..Default::default()
            }
        };
        self.inv.capacity_providers.push(CapacityProvider {
            name,
            account: String::new(),
            region: String::new(),
            origin,
            id: Some(self.own_value(i)),
            vpc,
            max_vcpus,
            instance_types,
            ignore: vec![],
        });
        Ok(())
    }

    /// The provider the function just read runs on: the ARN when the plan
    /// knows it, else what the configuration references.
    pub(super) fn function_provider(&mut self, i: usize) {
        let path = [
            "capacity_provider_config",
            "0",
            "lambda_managed_instances_capacity_provider_config",
            "0",
            "capacity_provider_arn",
        ];
        let r = &self.resources[i];
        let block = r
            .get(path[0])
            .and_then(first_block)
            .and_then(|b| b.get(path[2]))
            .and_then(first_block);
        let configured = self
            .config
            .expressions(&r.module, &r.config_name)
            .is_some_and(|e| e.get(path[0]).is_some());
        let provider = match block.and_then(|b| b.get(path[4])).and_then(Node::as_str) {
            Some(arn) if !arn.is_empty() => Some(Value::id(arn)),
            _ if block.is_some() || configured => self.config_values(i, &path).0.into_iter().next(),
            _ => None,
        };
        if let Some(f) = self.inv.functions.last_mut() {
            f.capacity_provider = provider.map(Box::new);
        }
    }
}

/// A nested block: Terraform writes it as a one-element list; an object is read as is.
fn first_block(n: &Node) -> Option<&Node> {
    match &n.kind {
        Kind::Seq(items) => items.first().filter(|b| b.entries().is_some()),
        Kind::Map(_) => Some(n),
        _ => None,
    }
}
