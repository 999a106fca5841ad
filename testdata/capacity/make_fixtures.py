#!/usr/bin/env python3
"""Writes the Terraform plan fixture for capacity providers (tests/capacity.rs).

Run from anywhere: `python3 testdata/capacity/make_fixtures.py`. It reuses the
plan builders in testdata/terraform/tfplan.py. Attribute names follow the AWS
provider's `aws_lambda_capacity_provider` resource and the
`capacity_provider_config` block of `aws_lambda_function`.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "terraform"))
from tfplan import UNKNOWN, Plan, lambda_config, lambda_value, refs, rule_block, sg_value, subnet_value  # noqa: E402

VPC = "vpc-0a1b2c3d4e5f60718"
SUBNET = "subnet-0aaa1111222233334"
ALL_OUT = rule_block("-1", 0, 0, cidrs=["0.0.0.0/0"])


def provider_plan():
    """
    resource "aws_subnet" "private_a" { … }                 # applied, eu-west-1a
    resource "aws_security_group" "workers" { … }           # new
    resource "aws_lambda_capacity_provider" "workers" {
      name = "workers"
      vpc_config {
        subnet_ids         = [aws_subnet.private_a.id]
        security_group_ids = [aws_security_group.workers.id]
      }
      capacity_provider_scaling_config { max_vcpu_count = 40 }
      instance_requirements {
        architectures          = ["x86_64"]
        allowed_instance_types = ["c6i.2xlarge", "c7i.xlarge"]
      }
    }
    resource "aws_lambda_function" "api" {
      capacity_provider_config {
        lambda_managed_instances_capacity_provider_config {
          capacity_provider_arn = aws_lambda_capacity_provider.workers.arn
        }
      }
    }
    resource "aws_lambda_function" "legacy" { vpc_config { subnet_ids = [subnet-0aaa…], security_group_ids = [aws_security_group.workers.id] } }
    """
    p = Plan()
    s = subnet_value("eu-west-1a", "10.0.1.0/24", VPC, id_=SUBNET)
    p.config("aws_subnet", "private_a", {"vpc_id": {"constant_value": VPC}})
    p.change("aws_subnet", "private_a", s, actions=["no-op"], before=s)
    p.config("aws_security_group", "workers", {"vpc_id": {"constant_value": VPC}, "egress": {"constant_value": [ALL_OUT]}})
    p.change("aws_security_group", "workers", sg_value("workers", VPC, ingress=[], egress=[ALL_OUT]))
    p.config("aws_lambda_capacity_provider", "workers", {
        "name": {"constant_value": "workers"},
        "vpc_config": [{"subnet_ids": refs("aws_subnet.private_a"), "security_group_ids": refs("aws_security_group.workers")}],
        "capacity_provider_scaling_config": [{"max_vcpu_count": {"constant_value": 40}}],
        "instance_requirements": [{"architectures": {"constant_value": ["x86_64"]},
                                   "allowed_instance_types": {"constant_value": ["c6i.2xlarge", "c7i.xlarge"]}}],
    })
    p.change("aws_lambda_capacity_provider", "workers", {
        "arn": UNKNOWN,
        "id": UNKNOWN,
        "name": "workers",
        "vpc_config": [{"subnet_ids": [SUBNET], "security_group_ids": [UNKNOWN]}],
        "capacity_provider_scaling_config": [{"max_vcpu_count": 40, "scaling_mode": "Auto", "scaling_policies": []}],
        "instance_requirements": [{"architectures": ["x86_64"], "allowed_instance_types": ["c6i.2xlarge", "c7i.xlarge"], "excluded_instance_types": []}],
        "permissions_config": [{"capacity_provider_operator_role_arn": "arn:aws:iam::123456789012:role/operator"}],
    })
    api = lambda_config("api", None, None)
    api["capacity_provider_config"] = [{"lambda_managed_instances_capacity_provider_config": [
        {"capacity_provider_arn": refs("aws_lambda_capacity_provider.workers", attr="arn")}]}]
    p.config("aws_lambda_function", "api", api)
    value = lambda_value("api", None, None)
    value["capacity_provider_config"] = [{"lambda_managed_instances_capacity_provider_config": [
        {"capacity_provider_arn": UNKNOWN, "execution_environment_memory_gib_per_vcpu": 2, "per_execution_environment_max_concurrency": 10}]}]
    p.change("aws_lambda_function", "api", value)
    p.config("aws_lambda_function", "legacy", lambda_config("legacy", {"constant_value": [SUBNET]}, refs("aws_security_group.workers")))
    p.change("aws_lambda_function", "legacy", lambda_value("legacy", [SUBNET], [UNKNOWN]))
    with open(os.path.join(HERE, "provider.plan.json"), "w") as f:
        json.dump(p.to_json(), f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    provider_plan()
