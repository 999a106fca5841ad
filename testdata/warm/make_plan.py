#!/usr/bin/env python3
"""Writes testdata/warm/warm.plan.json (tests/warm.rs): a Terraform plan with
`aws_lambda_provisioned_concurrency_config`, as `terraform show -json` prints it.

- `orders`: a new security group and 10 provisioned environments on alias `live`
  (the config names the function through the alias): ENI005 and ENI007;
- `reports`: provisioned environments, on the account's combination
  (subnet-a/b + sg-shared): neither;
- `plain`: a new security group, nothing warm: ENI005 only.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "terraform"))
from tfplan import UNKNOWN, Plan, lambda_config, lambda_value, refs, sg_value  # noqa: E402

p = Plan()
p.config("aws_security_group", "orders", {"name": {"constant_value": "orders"}, "vpc_id": {"constant_value": "vpc-main"}})
p.change("aws_security_group", "orders", sg_value("orders", "vpc-main"))
subnets = {"constant_value": ["subnet-a", "subnet-b"]}
for name, sg_expr, sgs in [
    ("orders", refs("aws_security_group.orders"), [UNKNOWN]),
    ("reports", {"constant_value": ["sg-shared"]}, ["sg-shared"]),
    ("plain", refs("aws_security_group.orders"), [UNKNOWN]),
]:
    p.config("aws_lambda_function", name, lambda_config(name, subnets, sg_expr))
    value = lambda_value(name, ["subnet-a", "subnet-b"], sgs)
    value["publish"] = True
    value["version"] = UNKNOWN
    p.change("aws_lambda_function", name, value)

for name in ["orders", "reports"]:
    p.config("aws_lambda_alias", name, {
        "function_name": refs(f"aws_lambda_function.{name}", attr="function_name"),
        "function_version": refs(f"aws_lambda_function.{name}", attr="version"),
        "name": {"constant_value": "live"},
    })
    p.change("aws_lambda_alias", name, {"arn": UNKNOWN, "function_name": name, "function_version": UNKNOWN, "id": UNKNOWN, "name": "live"})

# orders: through the alias's attributes, all known in the plan.
p.config("aws_lambda_provisioned_concurrency_config", "orders", {
    "function_name": refs("aws_lambda_alias.orders", attr="function_name"),
    "qualifier": refs("aws_lambda_alias.orders", attr="name"),
    "provisioned_concurrent_executions": {"constant_value": 10},
})
p.change("aws_lambda_provisioned_concurrency_config", "orders", {
    "function_name": "orders", "id": UNKNOWN, "provisioned_concurrent_executions": 10, "qualifier": "live", "skip_destroy": False,
})
# reports: straight to the function, qualifier unknown until apply.
p.config("aws_lambda_provisioned_concurrency_config", "reports", {
    "function_name": refs("aws_lambda_function.reports", attr="function_name"),
    "qualifier": refs("aws_lambda_alias.reports", attr="name"),
    "provisioned_concurrent_executions": {"constant_value": 2},
})
p.change("aws_lambda_provisioned_concurrency_config", "reports", {
    "function_name": "reports", "id": UNKNOWN, "provisioned_concurrent_executions": 2, "qualifier": UNKNOWN, "skip_destroy": False,
})

with open(os.path.join(HERE, "warm.plan.json"), "w") as f:
    json.dump(p.to_json(), f, indent=2)
    f.write("\n")
