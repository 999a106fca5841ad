#!/usr/bin/env python3
"""Generates a Terraform plan JSON (`terraform show -json`, format 1.2) with N
VPC-attached Lambda functions, for the benchmark.

    python3 bench/gen_plan.py 1000 > /tmp/plan-1000.json
    python3 bench/gen_plan.py 1000 -o /tmp/plan-1000.json [--compact]

Shape (deterministic): a VPC module with three subnets (count = 3, IDs unknown,
resolved through the module output), shared security groups created in the
same plan (IDs unknown, resolved through references), existing groups and
subnets with known IDs, functions in root resources, in a `for_each` module
(`module.svc["…"]`, groups passed as `var.sg_ids`) and in a nested module, a
few per-function groups, with updates, no-ops, replacements and deletions.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata", "terraform"))
from tfplan import UNKNOWN, Plan, lambda_config, lambda_value, refs, rule_block, sg_value, subnet_value  # noqa: E402

VPC = "vpc-0a1b2c3d4e5f60718"
ALL_OUT = rule_block("-1", 0, 0, cidrs=["0.0.0.0/0"])
HTTPS_OUT = rule_block("tcp", 443, 443, cidrs=["0.0.0.0/0"])


def generate(n):
    p = Plan()
    # module "vpc": three new subnets, output private_subnet_ids = aws_subnet.private[*].id
    p.module_call(["vpc"], {}, outputs={"private_subnet_ids": {"expression": {"references": ["aws_subnet.private"]}}})
    p.config("aws_subnet", "private", {"vpc_id": {"constant_value": VPC}}, module=["vpc"], count={"constant_value": 3})
    for i, az in enumerate(["eu-west-1a", "eu-west-1b", "eu-west-1c"]):
        p.change("aws_subnet", "private", subnet_value(az, f"10.0.{16 * i}.0/20", VPC), index=i, module_address="module.vpc")
    vpc_subnets = {"references": ["module.vpc.private_subnet_ids", "module.vpc"]}
    # Existing subnets with known IDs.
    existing = []
    for i, az in enumerate(["eu-west-1a", "eu-west-1b"]):
        sid = f"subnet-0e{i}{'1' * 15}"
        v = subnet_value(az, f"10.1.{i}.0/24", VPC, id_=sid)
        p.config("aws_subnet", f"legacy_{i}", {"vpc_id": {"constant_value": VPC}})
        p.change("aws_subnet", f"legacy_{i}", v, actions=["no-op"], before=v)
        existing.append(sid)
    # Shared groups: new (unknown IDs) and existing (known IDs).
    shared = []
    for g in range(4):
        egress = [ALL_OUT] if g % 2 == 0 else [HTTPS_OUT]
        p.config("aws_security_group", f"shared_{g}", {"vpc_id": {"constant_value": VPC}, "egress": {"constant_value": egress}})
        p.change("aws_security_group", f"shared_{g}", sg_value(f"shared-{g}", VPC, ingress=[], egress=egress))
        shared.append(f"aws_security_group.shared_{g}")
    known_sgs = []
    for g in range(2):
        gid = f"sg-0f{g}{'2' * 15}"
        v = sg_value(f"legacy-{g}", VPC, ingress=[], egress=[ALL_OUT], id_=gid)
        p.config("aws_security_group", f"legacy_{g}", {"vpc_id": {"constant_value": VPC}})
        p.change("aws_security_group", f"legacy_{g}", v, actions=["no-op"], before=v)
        known_sgs.append(gid)

    fn_expr = lambda_config("x", {"references": ["var.subnet_ids"]}, {"references": ["var.sg_ids"]})
    p.config("aws_lambda_function", "this", fn_expr, module=["svc"], for_each={"references": ["var.services"]})
    p.module_call(["team"], {"sg_ids": refs(shared[1]), "subnet_ids": vpc_subnets})
    p.module_call(["team", "fn"], {"sg_ids": {"references": ["var.sg_ids"]}, "subnet_ids": {"references": ["var.subnet_ids"]}})
    p.config("aws_lambda_function", "this", fn_expr, module=["team", "fn"], for_each={"references": ["var.names"]})
    svc_keys = []
    for i in range(n):
        kind = i % 10
        name = f"fn-{i:05d}"
        if kind < 4:
            # Root resource sharing a new group, subnets from the VPC module.
            sg = shared[i % 4]
            p.config("aws_lambda_function", f"f{i}", lambda_config(name, vpc_subnets, refs(sg)))
            p.change("aws_lambda_function", f"f{i}", lambda_value(name, UNKNOWN, UNKNOWN))
        elif kind < 7:
            # module "svc" { for_each = … sg_ids = [aws_security_group.shared_0.id] }
            svc_keys.append(name)
            p.change("aws_lambda_function", "this", lambda_value(name, UNKNOWN, UNKNOWN), module_address=f'module.svc["{name}"]')
        elif kind == 7:
            # Nested module, a whole-list variable passed twice.
            p.change("aws_lambda_function", "this", lambda_value(name, UNKNOWN, UNKNOWN), module_address="module.team.module.fn", index=name)
        elif kind == 8:
            # Existing function, known IDs; every fifth is being updated or replaced, one in 50 deleted.
            actions = ["delete"] if i % 50 == 8 else ["no-op"]
            if i % 50 != 8 and i % 20 == 18:
                actions = ["update"] if i % 2 else ["delete", "create"]
            v = lambda_value(name, existing, [known_sgs[i % 2]], vpc_id=VPC)
            v["id"], v["arn"] = name, f"arn:aws:lambda:eu-west-1:123456789012:function:{name}"
            p.config("aws_lambda_function", f"f{i}", lambda_config(name, {"constant_value": existing}, {"constant_value": [known_sgs[i % 2]]}))
            p.change("aws_lambda_function", f"f{i}", v, actions=actions, before=v)
        else:
            # Its own group (CDK-style per-function groups, in Terraform).
            p.config("aws_security_group", f"own_{i}", {"vpc_id": {"constant_value": VPC}, "egress": {"constant_value": [HTTPS_OUT]}})
            p.change("aws_security_group", f"own_{i}", sg_value(f"own-{i}", VPC, ingress=[], egress=[HTTPS_OUT]))
            p.config("aws_lambda_function", f"f{i}", lambda_config(name, vpc_subnets, refs(f"aws_security_group.own_{i}", shared[0])))
            p.change("aws_lambda_function", f"f{i}", lambda_value(name, UNKNOWN, UNKNOWN))
    p.module_call(["svc"], {"sg_ids": refs(shared[0]), "subnet_ids": vpc_subnets, "services": {"constant_value": svc_keys}},
                  for_each={"references": ["local.services"]})
    return p.to_json()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("functions", type=int, nargs="?", default=1000)
    ap.add_argument("-o", "--output")
    ap.add_argument("--compact", action="store_true", help="one line, as `terraform show -json` writes it")
    a = ap.parse_args()
    plan = generate(a.functions)
    text = json.dumps(plan, separators=(",", ":")) if a.compact else json.dumps(plan, indent=2)
    if a.output:
        with open(a.output, "w") as f:
            f.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
