#!/usr/bin/env python3
"""Writes the teardown fixtures in this directory (tests/teardown.rs).

Run from anywhere: `python3 testdata/teardown/make_fixtures.py`. Each plan is
what `terraform show -json PLANFILE` prints (format 1.2) for the change
described above its builder; the builders are testdata/terraform/tfplan.py's.
Resources that exist carry their prior state in `change.before`.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "terraform"))
from tfplan import UNKNOWN, Plan, lambda_config, lambda_value, refs, rule_block, sg_value, subnet_value  # noqa: E402

VPC = "vpc-0a1b2c3d4e5f60718"
ACCOUNT = "123456789012"
ALL_OUT = rule_block("-1", 0, 0, cidrs=["0.0.0.0/0"])
SUBNETS = ["subnet-0aaa1111222233334", "subnet-0bbb1111222233334"]
KEEP_SG = "sg-0aaa1111222233334"
OLD_SG = "sg-0bbb1111222233334"
NEW_SG = "sg-0ccc1111222233334"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/orders-lambda"
VPC_ACCESS = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"


def write(name, plan):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(plan.to_json(), f, indent=2)
        f.write("\n")


def subnets(p):
    """`aws_subnet.private_a` / `_b`, already applied and kept."""
    for sid, n in zip(SUBNETS, "ab"):
        v = subnet_value(f"eu-west-1{n}", f"10.0.{ord(n) - 96}.0/24", VPC, id_=sid)
        p.config("aws_subnet", f"private_{n}", {"vpc_id": {"constant_value": VPC}})
        p.change("aws_subnet", f"private_{n}", v, actions=["no-op"], before=v)


def group(p, name, id_, actions=("no-op",)):
    v = sg_value(name, VPC, ingress=[], egress=[ALL_OUT], id_=id_)
    if "delete" not in actions or "create" in actions:
        p.config("aws_security_group", name, {"vpc_id": {"constant_value": VPC}, "egress": {"constant_value": [ALL_OUT]}})
    after = v if list(actions) != ["delete", "create"] and list(actions) != ["create", "delete"] else sg_value(name, VPC, ingress=[], egress=[ALL_OUT])
    p.change("aws_security_group", name, after, actions=actions, before=v)


def existing(name, sgs, subnet_ids=SUBNETS, **extra):
    """An applied function's state: every attribute known."""
    v = lambda_value(name, list(subnet_ids), list(sgs), vpc_id=VPC)
    v["id"] = name
    v["arn"] = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:{name}"
    v["role"] = ROLE_ARN
    v["replace_security_groups_on_destroy"] = None
    v["replacement_security_group_ids"] = None
    v["skip_destroy"] = False
    v.update(extra)
    return v


def function(p, name, sgs, actions=("no-op",), after=None, **extra):
    before = existing(name, sgs, **extra)
    if list(actions) == ["delete"]:
        p.change("aws_lambda_function", name, None, actions=actions, before=before)
        return
    p.config("aws_lambda_function", name, lambda_config(name, {"constant_value": SUBNETS}, {"constant_value": list(sgs)}))
    p.change("aws_lambda_function", name, after if after is not None else before, actions=actions, before=before)


def shared_group():
    """
    `aws_lambda_function.gone` and `aws_security_group.legacy` are removed from
    the configuration; `aws_lambda_function.other` names the group by its ID
    (`security_group_ids = ["sg-0bbb…"]`) and stays. ENI401, not ENI402.
    """
    p = Plan()
    subnets(p)
    group(p, "legacy", OLD_SG, actions=["delete"])
    function(p, "gone", [OLD_SG], actions=["delete"])
    function(p, "other", [OLD_SG])
    write("shared-group.plan.json", p)


def function_and_group():
    """`aws_lambda_function.gone` and its own group `legacy` are removed: ENI402."""
    p = Plan()
    subnets(p)
    group(p, "keep", KEEP_SG)
    group(p, "legacy", OLD_SG, actions=["delete"])
    function(p, "gone", [OLD_SG], actions=["delete"])
    function(p, "other", [KEEP_SG])
    write("function-and-group.plan.json", p)


def replace_on_destroy():
    """
    As function-and-group, but `gone` sets `replace_security_groups_on_destroy
    = true` and is replaced (a new runtime forces a new function) while its
    group is deleted: the provider moves it off the group first. No ENI402.
    """
    p = Plan()
    subnets(p)
    group(p, "keep", KEEP_SG)
    group(p, "legacy", OLD_SG, actions=["delete"])
    new = existing("gone", [KEEP_SG], replace_security_groups_on_destroy=True)
    new.update({"id": UNKNOWN, "arn": UNKNOWN})
    function(p, "gone", [OLD_SG], actions=["delete", "create"], after=new, replace_security_groups_on_destroy=True)
    write("replace-on-destroy.plan.json", p)


def subnet_too():
    """
    As replace-on-destroy, and the plan also deletes `aws_subnet.private_b`:
    replacing the groups does not move the ENI out of the subnet. ENI402 for
    the subnet only.
    """
    p = Plan()
    v = subnet_value("eu-west-1a", "10.0.1.0/24", VPC, id_=SUBNETS[0])
    p.config("aws_subnet", "private_a", {"vpc_id": {"constant_value": VPC}})
    p.change("aws_subnet", "private_a", v, actions=["no-op"], before=v)
    gone = subnet_value("eu-west-1b", "10.0.2.0/24", VPC, id_=SUBNETS[1])
    p.change("aws_subnet", "private_b", None, actions=["delete"], before=gone)
    group(p, "keep", KEEP_SG)
    group(p, "legacy", OLD_SG, actions=["delete"])
    function(p, "gone", [OLD_SG], actions=["delete"], replace_security_groups_on_destroy=True)
    write("subnet-too.plan.json", p)


def skip_destroy():
    """`aws_lambda_function.gone` is removed with `skip_destroy = true`: it stays in the account, on its group. ENI401."""
    p = Plan()
    subnets(p)
    group(p, "legacy", OLD_SG, actions=["delete"])
    function(p, "gone", [OLD_SG], actions=["delete"], skip_destroy=True)
    write("skip-destroy.plan.json", p)


def group_replaced(create_first):
    """
    `aws_security_group.api` changes its `name`, which forces a replacement;
    `aws_lambda_function.api` references it, so its `security_group_ids` is
    known only after apply. Destroy-before-create (the default) deletes the
    old group while the function still uses it: ENI401. With
    `create_before_destroy` the function moves first and the delete waits: ENI402.
    """
    p = Plan()
    subnets(p)
    group(p, "api", OLD_SG, actions=["create", "delete"] if create_first else ["delete", "create"])
    after = existing("api", [UNKNOWN])
    p.config("aws_lambda_function", "api", lambda_config("api", {"constant_value": SUBNETS}, refs("aws_security_group.api")))
    p.change("aws_lambda_function", "api", after, actions=["update"], before=existing("api", [OLD_SG]))
    write("group-replaced-create-first.plan.json" if create_first else "group-replaced.plan.json", p)


def detached():
    """`vpc_config` is removed from `aws_lambda_function.orders`, and its group deleted: ENI402."""
    p = Plan()
    subnets(p)
    group(p, "orders", OLD_SG, actions=["delete"])
    after = existing("orders", [])
    after["vpc_config"] = []
    function(p, "orders", [OLD_SG], actions=["update"], after=after)
    write("detached.plan.json", p)


def moved():
    """`aws_lambda_function.orders` moves from group `old` (deleted) to `new` (kept): for the delta test."""
    p = Plan()
    subnets(p)
    group(p, "new", NEW_SG)
    group(p, "old", OLD_SG, actions=["delete"])
    function(p, "orders", [OLD_SG], actions=["update"], after=existing("orders", [NEW_SG]))
    write("moved.plan.json", p)


def role_policy(kind):
    """
    `aws_lambda_function.orders` is deleted with its group, and in the same
    apply its role loses its ENI permissions:
    - `attachment`: `aws_iam_role_policy_attachment.vpc_access` (AWSLambdaVPCAccessExecutionRole) is removed: ENI403;
    - `inline`: `aws_iam_role_policy.eni` keeps only the logs actions: ENI403;
    - `kept`: the attachment is removed but the function stays attached: no ENI403;
    - `deleted`: the role itself is deleted: ENI403;
    - `managed`: the customer managed `aws_iam_policy.eni`, attached to the role, drops the ec2 actions: ENI403.
    """
    p = Plan()
    subnets(p)
    group(p, "orders", OLD_SG, actions=["no-op"] if kind == "kept" else ["delete"])
    function(p, "orders", [OLD_SG], actions=["no-op"] if kind == "kept" else ["delete"])
    role = {"arn": ROLE_ARN, "id": "orders-lambda", "name": "orders-lambda", "managed_policy_arns": [VPC_ACCESS], "path": "/"}
    if kind == "deleted":
        p.change("aws_iam_role", "orders", None, actions=["delete"], before=role)
    else:
        p.config("aws_iam_role", "orders", {"name": {"constant_value": "orders-lambda"}})
        p.change("aws_iam_role", "orders", role, actions=["no-op"], before=role)
    doc = lambda actions: json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
    eni = ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"]
    logs = ["logs:CreateLogStream", "logs:PutLogEvents"]
    if kind == "deleted":
        pass
    elif kind == "managed":
        arn = f"arn:aws:iam::{ACCOUNT}:policy/orders-eni"
        before = {"arn": arn, "id": arn, "name": "orders-eni", "path": "/", "policy": doc(logs + eni)}
        p.config("aws_iam_policy", "eni", {"name": {"constant_value": "orders-eni"}})
        p.change("aws_iam_policy", "eni", dict(before, policy=doc(logs)), actions=["update"], before=before)
        att = {"id": "orders-lambda-20261101000000000000000002", "policy_arn": arn, "role": "orders-lambda"}
        p.config("aws_iam_role_policy_attachment", "eni", {"role": refs("aws_iam_role.orders", attr="name"), "policy_arn": refs("aws_iam_policy.eni", attr="arn")})
        p.change("aws_iam_role_policy_attachment", "eni", att, actions=["no-op"], before=att)
    elif kind == "inline":
        before = {"id": "orders-lambda:eni", "name": "eni", "name_prefix": "", "policy": doc(logs + eni), "role": "orders-lambda"}
        after = dict(before, policy=doc(logs))
        p.config("aws_iam_role_policy", "eni", {"role": refs("aws_iam_role.orders", attr="name")})
        p.change("aws_iam_role_policy", "eni", after, actions=["update"], before=before)
    else:
        att = {"id": "orders-lambda-20261101000000000000000001", "policy_arn": VPC_ACCESS, "role": "orders-lambda"}
        p.change("aws_iam_role_policy_attachment", "vpc_access", None, actions=["delete"], before=att)
    write(f"role-{kind}.plan.json", p)


if __name__ == "__main__":
    shared_group()
    function_and_group()
    replace_on_destroy()
    group_replaced(False)
    group_replaced(True)
    detached()
    moved()
    subnet_too()
    skip_destroy()
    for kind in ("attachment", "inline", "kept", "deleted", "managed"):
        role_policy(kind)
