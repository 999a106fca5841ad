#!/usr/bin/env python3
"""Writes the Terraform plan fixtures in this directory (tests/terraform.rs).

Run from anywhere: `python3 testdata/terraform/make_fixtures.py`. The plans
are what `terraform show -json PLANFILE | jq .` prints for the configurations
described above each builder (format_version 1.2).
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from tfplan import UNKNOWN, Plan, lambda_config, lambda_value, refs, rule_block, sg_value, subnet_value  # noqa: E402

VPC = "vpc-0a1b2c3d4e5f60718"
ALL_OUT = rule_block("-1", 0, 0, cidrs=["0.0.0.0/0"])
HTTPS_OUT = rule_block("tcp", 443, 443, cidrs=["0.0.0.0/0"])


def write(name, plan, **kw):
    with open(os.path.join(HERE, name), "w") as f:
        json.dump(plan.to_json(**kw), f, indent=2)
        f.write("\n")


def existing_subnets(p, names=("a", "b")):
    """`aws_subnet.private_a` / `_b`, already applied (no-op, IDs known)."""
    ids = []
    for n in names:
        sid = f"subnet-0{n}{n}{n}1111222233334"
        p.config("aws_subnet", f"private_{n}", {"availability_zone": {"constant_value": f"eu-west-1{n}"}, "cidr_block": {"constant_value": "10.0.1.0/24"}, "vpc_id": {"constant_value": VPC}})
        v = subnet_value(f"eu-west-1{n}", f"10.0.{ord(n) - 96}.0/24", VPC, id_=sid)
        p.change("aws_subnet", f"private_{n}", v, actions=["no-op"], before=v)
        ids.append(sid)
    return ids


def shared_sg():
    """
    resource "aws_subnet" "private" { count = 2 ... }
    resource "aws_security_group" "lambda" { vpc_id = "vpc-…" egress { … all … } }
    resource "aws_lambda_function" "<f>" {          # orders, payments, shipping, invoices
      vpc_config {
        subnet_ids         = aws_subnet.private[*].id
        security_group_ids = [aws_security_group.lambda.id]
      }
    }
    """
    p = Plan()
    p.config("aws_subnet", "private", {"vpc_id": {"constant_value": VPC}}, count={"constant_value": 2})
    for i, az in enumerate(["eu-west-1a", "eu-west-1b"]):
        p.change("aws_subnet", "private", subnet_value(az, f"10.0.{i + 1}.0/24", VPC), index=i)
    p.config("aws_security_group", "lambda", {"name": {"constant_value": "lambda"}, "vpc_id": {"constant_value": VPC},
                                              "egress": {"constant_value": [ALL_OUT]}})
    p.change("aws_security_group", "lambda", sg_value("lambda", VPC, ingress=[], egress=[ALL_OUT]))
    for f in ["orders", "payments", "shipping", "invoices"]:
        p.config("aws_lambda_function", f, lambda_config(f, {"references": ["aws_subnet.private"]}, refs("aws_security_group.lambda")))
        p.change("aws_lambda_function", f, lambda_value(f, UNKNOWN, UNKNOWN))
    write("shared-sg.plan.json", p)


def actions():
    """Every action: only `["delete"]` removes a function (and its group)."""
    p = Plan()
    subnets = existing_subnets(p)
    shared = sg_value("shared", VPC, ingress=[], egress=[ALL_OUT], id_="sg-0aaa1111222233334")
    p.config("aws_security_group", "shared", {"vpc_id": {"constant_value": VPC}})
    p.change("aws_security_group", "shared", shared, actions=["no-op"], before=shared)
    legacy = sg_value("legacy", VPC, ingress=[], egress=[ALL_OUT], id_="sg-0bbb1111222233334")
    p.change("aws_security_group", "legacy", legacy, actions=["delete"], before=legacy)

    def known(name, sg):
        v = lambda_value(name, subnets, [sg], vpc_id=VPC)
        v["id"] = name
        v["arn"] = f"arn:aws:lambda:eu-west-1:123456789012:function:{name}"
        return v

    for name, acts in [("keep", ["no-op"]), ("changed", ["update"]), ("replaced", ["delete", "create"]), ("create_first", ["create", "delete"])]:
        p.config("aws_lambda_function", name, lambda_config(name, {"constant_value": subnets}, {"constant_value": ["sg-0aaa1111222233334"]}))
        p.change("aws_lambda_function", name, known(name, "sg-0aaa1111222233334"), actions=acts, before=known(name, "sg-0aaa1111222233334"))
    p.change("aws_lambda_function", "gone", None, actions=["delete"], before=known("gone", "sg-0bbb1111222233334"))
    p.config("aws_lambda_function", "new", lambda_config("new", {"constant_value": subnets}, {"constant_value": ["sg-0aaa1111222233334"]}))
    p.change("aws_lambda_function", "new", lambda_value("new", subnets, ["sg-0aaa1111222233334"]))
    # A data source read during apply: not a function, not in the inventory.
    p.config("aws_subnet", "extra", {"id": {"constant_value": subnets[0]}}, mode="data")
    p.change("aws_subnet", "extra", {"id": subnets[0], "availability_zone": UNKNOWN}, actions=["read"], mode="data")
    write("actions.plan.json", p)


def modules():
    """
    module "vpc"     { source = "./modules/vpc" }   # aws_subnet.private (count = 2); output private_subnet_ids = aws_subnet.private[*].id
    resource "aws_security_group" "lambda" { … }
    module "api"     { for_each = toset(["orders", "payments"]); sg_ids = [aws_security_group.lambda.id]; subnet_ids = module.vpc.private_subnet_ids }
    module "workers" { sg_ids = [aws_security_group.lambda.id]; subnet_ids = module.vpc.private_subnet_ids }
      module "fn"    { sg_ids = var.sg_ids; subnet_ids = var.subnet_ids }   # aws_lambda_function.this, for_each resize/thumbnail
    module "reports" { subnet_ids = module.vpc.private_subnet_ids }          # its own aws_security_group.this
    """
    p = Plan()
    p.module_call(["vpc"], {}, outputs={"private_subnet_ids": {"expression": {"references": ["aws_subnet.private"]}}})
    p.config("aws_subnet", "private", {"vpc_id": {"constant_value": VPC}}, module=["vpc"], count={"constant_value": 2})
    for i, az in enumerate(["eu-west-1a", "eu-west-1b"]):
        p.change("aws_subnet", "private", subnet_value(az, f"10.0.{i + 1}.0/24", VPC), index=i, module_address="module.vpc")
    p.config("aws_security_group", "lambda", {"vpc_id": {"constant_value": VPC}, "egress": {"constant_value": [ALL_OUT]}})
    p.change("aws_security_group", "lambda", sg_value("lambda", VPC, ingress=[], egress=[ALL_OUT]))
    subnets_from_vpc = {"references": ["module.vpc.private_subnet_ids", "module.vpc"]}
    fn_expr = lambda_config("x", {"references": ["var.subnet_ids"]}, {"references": ["var.sg_ids"]})

    p.module_call(["api"], {"sg_ids": refs("aws_security_group.lambda"), "subnet_ids": subnets_from_vpc},
                  for_each={"constant_value": ["orders", "payments"]})
    p.config("aws_lambda_function", "this", fn_expr, module=["api"])
    for key in ["orders", "payments"]:
        p.change("aws_lambda_function", "this", lambda_value(f"api-{key}", UNKNOWN, UNKNOWN), module_address=f'module.api["{key}"]')

    p.module_call(["workers"], {"sg_ids": refs("aws_security_group.lambda"), "subnet_ids": subnets_from_vpc})
    p.module_call(["workers", "fn"], {"sg_ids": {"references": ["var.sg_ids"]}, "subnet_ids": {"references": ["var.subnet_ids"]}})
    p.config("aws_lambda_function", "this", fn_expr, module=["workers", "fn"], for_each={"references": ["var.names"]})
    for key in ["resize", "thumbnail"]:
        p.change("aws_lambda_function", "this", lambda_value(key, UNKNOWN, UNKNOWN), module_address="module.workers.module.fn", index=key)

    p.module_call(["reports"], {"subnet_ids": subnets_from_vpc})
    p.config("aws_security_group", "this", {"vpc_id": {"constant_value": VPC}}, module=["reports"])
    p.change("aws_security_group", "this", sg_value("reports", VPC, ingress=[], egress=[HTTPS_OUT]), module_address="module.reports")
    p.config("aws_lambda_function", "this", lambda_config("reports", {"references": ["var.subnet_ids"]}, refs("aws_security_group.this")), module=["reports"])
    p.change("aws_lambda_function", "this", lambda_value("reports", UNKNOWN, UNKNOWN), module_address="module.reports")
    write("modules.plan.json", p)


def two_groups(referenced):
    """
    aws_security_group.a: inline egress tcp/443 to 0.0.0.0/0.
    aws_security_group.b: no inline rules; aws_vpc_security_group_egress_rule.b_https adds the same rule.
    Functions fa (group a) and fb (group b) in the same two subnets.
    With `referenced`: aws_security_group.db allows 5432 from group b (aws_security_group_rule),
    so b cannot be merged away.
    """
    p = Plan()
    subnets = existing_subnets(p)
    p.config("aws_security_group", "a", {"vpc_id": {"constant_value": VPC}, "egress": {"constant_value": [HTTPS_OUT]}})
    p.change("aws_security_group", "a", sg_value("a", VPC, ingress=[], egress=[HTTPS_OUT]))
    p.config("aws_security_group", "b", {"vpc_id": {"constant_value": VPC}})
    p.change("aws_security_group", "b", sg_value("b", VPC))
    p.config("aws_vpc_security_group_egress_rule", "b_https", {
        "security_group_id": refs("aws_security_group.b"), "cidr_ipv4": {"constant_value": "0.0.0.0/0"},
        "ip_protocol": {"constant_value": "tcp"}, "from_port": {"constant_value": 443}, "to_port": {"constant_value": 443}})
    p.change("aws_vpc_security_group_egress_rule", "b_https", {
        "arn": UNKNOWN, "cidr_ipv4": "0.0.0.0/0", "cidr_ipv6": None, "description": None, "from_port": 443, "id": UNKNOWN,
        "ip_protocol": "tcp", "prefix_list_id": None, "referenced_security_group_id": None, "security_group_id": UNKNOWN,
        "security_group_rule_id": UNKNOWN, "tags": None, "to_port": 443})
    if referenced:
        p.config("aws_security_group", "db", {"vpc_id": {"constant_value": VPC}})
        p.change("aws_security_group", "db", sg_value("db", VPC))
        p.config("aws_security_group_rule", "db_from_b", {
            "type": {"constant_value": "ingress"}, "protocol": {"constant_value": "tcp"}, "from_port": {"constant_value": 5432},
            "to_port": {"constant_value": 5432}, "security_group_id": refs("aws_security_group.db"),
            "source_security_group_id": refs("aws_security_group.b")})
        p.change("aws_security_group_rule", "db_from_b", {
            "cidr_blocks": None, "description": None, "from_port": 5432, "id": UNKNOWN, "ipv6_cidr_blocks": None,
            "prefix_list_ids": None, "protocol": "tcp", "security_group_id": UNKNOWN, "security_group_rule_id": UNKNOWN,
            "self": False, "source_security_group_id": UNKNOWN, "to_port": 5432, "type": "ingress"})
    for f, g in [("fa", "a"), ("fb", "b")]:
        p.config("aws_lambda_function", f, lambda_config(f, {"constant_value": subnets}, refs(f"aws_security_group.{g}")))
        p.change("aws_lambda_function", f, lambda_value(f, subnets, UNKNOWN))
    write("referenced-sg.plan.json" if referenced else "equivalent-sgs.plan.json", p)


def default_sg():
    """
    resource "aws_default_security_group" "default" { vpc_id = "vpc-…" }   # sg-0def…, already applied
    resource "aws_security_group" "extra" { … }                              # new
    aws_lambda_function.plain: security_group_ids = [aws_default_security_group.default.id]
    aws_lambda_function.mixed: security_group_ids = [aws_default_security_group.default.id, aws_security_group.extra.id]
      (the new group's ID is unknown: after holds null in its place)
    """
    p = Plan()
    subnets = existing_subnets(p)
    d = sg_value("default", VPC, ingress=[rule_block("-1", 0, 0, self_=True)], egress=[ALL_OUT], id_="sg-0def1111222233334")
    p.config("aws_default_security_group", "default", {"vpc_id": {"constant_value": VPC}})
    p.change("aws_default_security_group", "default", d, actions=["no-op"], before=d)
    p.config("aws_security_group", "extra", {"vpc_id": {"constant_value": VPC}, "egress": {"constant_value": [HTTPS_OUT]}})
    p.change("aws_security_group", "extra", sg_value("extra", VPC, ingress=[], egress=[HTTPS_OUT]))
    p.config("aws_lambda_function", "plain", lambda_config("plain", {"constant_value": subnets}, refs("aws_default_security_group.default")))
    p.change("aws_lambda_function", "plain", lambda_value("plain", subnets, ["sg-0def1111222233334"]))
    p.config("aws_lambda_function", "mixed", lambda_config("mixed", {"constant_value": subnets}, refs("aws_default_security_group.default", "aws_security_group.extra")))
    p.change("aws_lambda_function", "mixed", lambda_value("mixed", subnets, ["sg-0def1111222233334", UNKNOWN]))
    write("default-sg.plan.json", p)


def single_az():
    """module.legacy.aws_lambda_function.this and aws_lambda_function.other, each in one subnet."""
    p = Plan()
    subnets = existing_subnets(p, names=("a",))
    sg = sg_value("shared", VPC, ingress=[], egress=[ALL_OUT], id_="sg-0aaa1111222233334")
    p.change("aws_security_group", "shared", sg, actions=["no-op"], before=sg)
    p.module_call(["legacy"], {})
    p.config("aws_lambda_function", "this", lambda_config("legacy", {"constant_value": subnets}, {"constant_value": ["sg-0aaa1111222233334"]}), module=["legacy"])
    p.change("aws_lambda_function", "this", lambda_value("legacy", subnets, ["sg-0aaa1111222233334"]), module_address="module.legacy")
    p.config("aws_lambda_function", "other", lambda_config("other", {"constant_value": subnets}, {"constant_value": ["sg-0aaa1111222233334"]}))
    p.change("aws_lambda_function", "other", lambda_value("other", subnets, ["sg-0aaa1111222233334"]))
    write("single-az.plan.json", p)


def route_value(table_id, gateway_id=None, nat_gateway_id=None):
    return {"destination_cidr_block": "0.0.0.0/0", "gateway_id": gateway_id, "id": UNKNOWN, "nat_gateway_id": nat_gateway_id,
            "route_table_id": table_id}


def public_subnet():
    """
    resource "aws_internet_gateway" "igw" {}                  # new: ID known after apply
    resource "aws_subnet" "public" { count = 2 }               # new
    resource "aws_route_table" "public" {}
    resource "aws_route" "internet" { route_table_id = aws_route_table.public.id
                                      destination_cidr_block = "0.0.0.0/0", gateway_id = aws_internet_gateway.igw.id }
    resource "aws_route_table_association" "public" { count = 2
      subnet_id = aws_subnet.public[count.index].id, route_table_id = aws_route_table.public.id }
    resource "aws_subnet" "private" { count = 2 }              # its table routes through a NAT gateway
    resource "aws_route_table" "private" { route { cidr_block = "0.0.0.0/0", nat_gateway_id = aws_nat_gateway.nat.id } }
    resource "aws_route_table_association" "private" { count = 2 ... }
    resource "aws_subnet" "edge" {}                            # an existing table with an inline IGW route
    resource "aws_route_table" "edge" { route { cidr_block = "0.0.0.0/0", gateway_id = aws_internet_gateway.igw.id } }
    resource "aws_lambda_function" "web"    { subnets: public }    # ENI202
    resource "aws_lambda_function" "worker" { subnets: private }   # quiet
    resource "aws_lambda_function" "edge"   { subnets: [edge] }    # ENI202 (inline route)
    resource "aws_lambda_function" "vpn"    { subnets: [vpn] }     # quiet: gateway_id = var.public ? igw : vgw
    """
    p = Plan()
    p.config("aws_internet_gateway", "igw", {"vpc_id": {"constant_value": VPC}})
    p.change("aws_internet_gateway", "igw", {"id": UNKNOWN, "vpc_id": VPC})
    p.config("aws_nat_gateway", "nat", {"subnet_id": {"references": ["aws_subnet.public[0].id", "aws_subnet.public[0]", "aws_subnet.public"]}})
    p.change("aws_nat_gateway", "nat", {"id": UNKNOWN, "subnet_id": UNKNOWN})
    sg = sg_value("shared", VPC, ingress=[], egress=[ALL_OUT], id_="sg-0aaa1111222233334")
    p.change("aws_security_group", "shared", sg, actions=["no-op"], before=sg)
    for tier, route in (("public", None), ("private", "nat")):
        p.config("aws_subnet", tier, {"vpc_id": {"constant_value": VPC}}, count={"constant_value": 2})
        for i, az in enumerate(["eu-west-1a", "eu-west-1b"]):
            p.change("aws_subnet", tier, subnet_value(az, f"10.0.{i + (1 if tier == 'public' else 11)}.0/24", VPC), index=i)
        table = {"vpc_id": {"constant_value": VPC}}
        if route == "nat":
            table["route"] = [{"cidr_block": {"constant_value": "0.0.0.0/0"}, "nat_gateway_id": refs("aws_nat_gateway.nat")}]
        p.config("aws_route_table", tier, table)
        # `route` is computed: with no inline blocks, Terraform knows it only after apply.
        inline = [{"cidr_block": "0.0.0.0/0", "gateway_id": "", "nat_gateway_id": UNKNOWN}] if route == "nat" else UNKNOWN
        p.change("aws_route_table", tier, {"id": UNKNOWN, "route": inline, "vpc_id": VPC})
        p.config("aws_route_table_association", tier, {"route_table_id": refs(f"aws_route_table.{tier}"),
                                                       "subnet_id": {"references": [f"aws_subnet.{tier}", "count.index"]}},
                 count={"constant_value": 2})
        for i in range(2):
            p.change("aws_route_table_association", tier, {"id": UNKNOWN, "route_table_id": UNKNOWN, "subnet_id": UNKNOWN}, index=i)
    p.config("aws_route", "internet", {"destination_cidr_block": {"constant_value": "0.0.0.0/0"}, "gateway_id": refs("aws_internet_gateway.igw"),
                                       "route_table_id": refs("aws_route_table.public")})
    p.change("aws_route", "internet", route_value(UNKNOWN, gateway_id=UNKNOWN))
    edge = "subnet-0eee1111222233334"
    p.config("aws_subnet", "edge", {"vpc_id": {"constant_value": VPC}})
    v = subnet_value("eu-west-1a", "10.0.99.0/24", VPC, id_=edge)
    p.change("aws_subnet", "edge", v, actions=["no-op"], before=v)
    p.config("aws_route_table", "edge", {"route": [{"cidr_block": {"constant_value": "10.1.0.0/16"}, "gateway_id": {"constant_value": "pcx-1"}},
                                                   {"cidr_block": {"constant_value": "0.0.0.0/0"}, "gateway_id": refs("aws_internet_gateway.igw")}]})
    p.change("aws_route_table", "edge", {"id": UNKNOWN, "route": [{"cidr_block": "10.1.0.0/16", "gateway_id": "pcx-1", "nat_gateway_id": ""},
                                                                  {"cidr_block": "0.0.0.0/0", "gateway_id": UNKNOWN, "nat_gateway_id": ""}], "vpc_id": VPC})
    p.config("aws_route_table_association", "edge", {"route_table_id": refs("aws_route_table.edge"), "subnet_id": {"constant_value": edge}})
    p.change("aws_route_table_association", "edge", {"id": UNKNOWN, "route_table_id": UNKNOWN, "subnet_id": edge})
    # A gateway chosen by a condition between the internet gateway and a VPN gateway: not known to be public.
    p.config("aws_vpn_gateway", "vgw", {"vpc_id": {"constant_value": VPC}})
    p.change("aws_vpn_gateway", "vgw", {"id": UNKNOWN, "vpc_id": VPC})
    vpn = "subnet-0fff1111222233334"
    p.config("aws_subnet", "vpn", {"vpc_id": {"constant_value": VPC}})
    v = subnet_value("eu-west-1b", "10.0.98.0/24", VPC, id_=vpn)
    p.change("aws_subnet", "vpn", v, actions=["no-op"], before=v)
    p.config("aws_route_table", "vpn", {"vpc_id": {"constant_value": VPC}})
    p.change("aws_route_table", "vpn", {"id": UNKNOWN, "route": UNKNOWN, "vpc_id": VPC})
    p.config("aws_route", "vpn", {"destination_cidr_block": {"constant_value": "0.0.0.0/0"},
                                  "gateway_id": {"references": ["var.public", "aws_internet_gateway.igw.id", "aws_internet_gateway.igw", "aws_vpn_gateway.vgw.id", "aws_vpn_gateway.vgw"]},
                                  "route_table_id": refs("aws_route_table.vpn")})
    p.change("aws_route", "vpn", route_value(UNKNOWN, gateway_id=UNKNOWN))
    p.config("aws_route_table_association", "vpn", {"route_table_id": refs("aws_route_table.vpn"), "subnet_id": {"constant_value": vpn}})
    p.change("aws_route_table_association", "vpn", {"id": UNKNOWN, "route_table_id": UNKNOWN, "subnet_id": vpn})
    p.config("aws_lambda_function", "vpn", lambda_config("vpn", {"constant_value": [vpn]}, {"constant_value": ["sg-0aaa1111222233334"]}))
    p.change("aws_lambda_function", "vpn", lambda_value("vpn", [vpn], ["sg-0aaa1111222233334"]))
    for f, tier in (("web", "public"), ("worker", "private")):
        p.config("aws_lambda_function", f, lambda_config(f, {"references": [f"aws_subnet.{tier}"]}, {"constant_value": ["sg-0aaa1111222233334"]}))
        p.change("aws_lambda_function", f, lambda_value(f, [UNKNOWN, UNKNOWN], ["sg-0aaa1111222233334"]))
    p.config("aws_lambda_function", "edge", lambda_config("edge", {"constant_value": [edge]}, {"constant_value": ["sg-0aaa1111222233334"]}))
    p.change("aws_lambda_function", "edge", lambda_value("edge", [edge], ["sg-0aaa1111222233334"]))
    write("public-subnet.plan.json", p)


def main_route_table():
    """
    Subnets with no aws_route_table_association use their VPC's main table.

    resource "aws_vpc" "tutorial" {}                           # new
    resource "aws_internet_gateway" "tutorial" { vpc_id = aws_vpc.tutorial.id }
    resource "aws_default_route_table" "tutorial" { default_route_table_id = aws_vpc.tutorial.default_route_table_id
      route { cidr_block = "0.0.0.0/0", gateway_id = aws_internet_gateway.tutorial.id } }
    resource "aws_vpc" "routed" {}                             # new; an aws_route on its main table
    resource "aws_route" "routed" { route_table_id = aws_vpc.routed.main_route_table_id, gateway_id = aws_internet_gateway.routed.id }
    resource "aws_vpc" "adopted" {}                            # new; a main-table association to a public table
    resource "aws_route_table" "adopted" { route { cidr_block = "0.0.0.0/0", gateway_id = aws_internet_gateway.adopted.id } }
    resource "aws_main_route_table_association" "adopted" { vpc_id = aws_vpc.adopted.id, route_table_id = aws_route_table.adopted.id }
    resource "aws_vpc" "aliased" {}                            # new; an aws_route on its aws_default_route_table
    resource "aws_default_route_table" "aliased" { default_route_table_id = aws_vpc.aliased.default_route_table_id }
    resource "aws_route" "aliased" { route_table_id = aws_default_route_table.aliased.id, gateway_id = aws_internet_gateway.aliased.id }
    resource "aws_vpc" "quiet" {}                              # new; its main table keeps the local route only
    resource "aws_subnet" "<vpc>" { count = 2, vpc_id = aws_vpc.<vpc>.id }   # for each VPC; no associations
    resource "aws_subnet" "existing" {}                        # in an existing VPC whose main table the plan does not define
    resource "aws_lambda_function" "<vpc>" { subnets: aws_subnet.<vpc>[*] }
    # ENI202: tutorial, routed, adopted, aliased; quiet and existing stay quiet
    """
    p = Plan()
    for name in ("tutorial", "routed", "adopted", "aliased", "quiet"):
        p.config("aws_vpc", name, {"cidr_block": {"constant_value": "10.0.0.0/16"}})
        p.change("aws_vpc", name, {"cidr_block": "10.0.0.0/16", "default_route_table_id": UNKNOWN, "id": UNKNOWN, "main_route_table_id": UNKNOWN})
        if name != "quiet":
            p.config("aws_internet_gateway", name, {"vpc_id": refs(f"aws_vpc.{name}")})
            p.change("aws_internet_gateway", name, {"id": UNKNOWN, "vpc_id": UNKNOWN})
        p.config("aws_subnet", name, {"vpc_id": refs(f"aws_vpc.{name}")}, count={"constant_value": 2})
        for i, az in enumerate(["eu-west-1a", "eu-west-1b"]):
            p.change("aws_subnet", name, subnet_value(az, f"10.0.{i + 1}.0/24", UNKNOWN), index=i)
        p.config("aws_security_group", name, {"vpc_id": refs(f"aws_vpc.{name}"), "egress": {"constant_value": [ALL_OUT]}})
        p.change("aws_security_group", name, sg_value(name, UNKNOWN, ingress=[], egress=[ALL_OUT]))
        p.config("aws_lambda_function", name, lambda_config(name, {"references": [f"aws_subnet.{name}"]}, refs(f"aws_security_group.{name}")))
        p.change("aws_lambda_function", name, lambda_value(name, [UNKNOWN, UNKNOWN], [UNKNOWN]))
    inline_igw = lambda igw: {"route": [{"cidr_block": {"constant_value": "0.0.0.0/0"}, "gateway_id": refs(f"aws_internet_gateway.{igw}")}]}
    unknown_igw = [{"cidr_block": "0.0.0.0/0", "gateway_id": UNKNOWN, "nat_gateway_id": ""}]
    p.config("aws_default_route_table", "tutorial", {"default_route_table_id": refs("aws_vpc.tutorial", attr="default_route_table_id"), **inline_igw("tutorial")})
    p.change("aws_default_route_table", "tutorial", {"default_route_table_id": UNKNOWN, "id": UNKNOWN, "route": unknown_igw})
    p.config("aws_route", "routed", {"destination_cidr_block": {"constant_value": "0.0.0.0/0"}, "gateway_id": refs("aws_internet_gateway.routed"),
                                     "route_table_id": refs("aws_vpc.routed", attr="main_route_table_id")})
    p.change("aws_route", "routed", route_value(UNKNOWN, gateway_id=UNKNOWN))
    p.config("aws_default_route_table", "aliased", {"default_route_table_id": refs("aws_vpc.aliased", attr="default_route_table_id")})
    p.change("aws_default_route_table", "aliased", {"default_route_table_id": UNKNOWN, "id": UNKNOWN, "route": UNKNOWN})
    p.config("aws_route", "aliased", {"destination_cidr_block": {"constant_value": "0.0.0.0/0"}, "gateway_id": refs("aws_internet_gateway.aliased"),
                                      "route_table_id": refs("aws_default_route_table.aliased")})
    p.change("aws_route", "aliased", route_value(UNKNOWN, gateway_id=UNKNOWN))
    p.config("aws_route_table", "adopted", {"vpc_id": refs("aws_vpc.adopted"), **inline_igw("adopted")})
    p.change("aws_route_table", "adopted", {"id": UNKNOWN, "route": unknown_igw, "vpc_id": UNKNOWN})
    p.config("aws_main_route_table_association", "adopted", {"route_table_id": refs("aws_route_table.adopted"), "vpc_id": refs("aws_vpc.adopted")})
    p.change("aws_main_route_table_association", "adopted", {"id": UNKNOWN, "route_table_id": UNKNOWN, "vpc_id": UNKNOWN})
    existing = "subnet-0ddd1111222233334"
    p.config("aws_vpc", "existing", {"cidr_block": {"constant_value": "10.1.0.0/16"}})
    v = {"cidr_block": "10.1.0.0/16", "default_route_table_id": "rtb-0ddd1111222233334", "id": VPC, "main_route_table_id": "rtb-0ddd1111222233334"}
    p.change("aws_vpc", "existing", v, actions=["no-op"], before=v)
    p.config("aws_subnet", "existing", {"vpc_id": refs("aws_vpc.existing")})
    v = subnet_value("eu-west-1a", "10.1.1.0/24", VPC, id_=existing)
    p.change("aws_subnet", "existing", v, actions=["no-op"], before=v)
    p.config("aws_lambda_function", "existing", lambda_config("existing", {"constant_value": [existing]}, {"constant_value": ["sg-0aaa1111222233334"]}))
    p.change("aws_lambda_function", "existing", lambda_value("existing", [existing], ["sg-0aaa1111222233334"]))
    write("main-route-table.plan.json", p)


def main_route_table_unclear():
    """
    The tutorial layout, but the private subnets' associations name them as
    `each.value.id`, which the plan does not pin to a subnet: any subnet may
    have one, so none falls back to the (public) main table.

    resource "aws_vpc" "main" {}
    resource "aws_internet_gateway" "main" { vpc_id = aws_vpc.main.id }
    resource "aws_default_route_table" "main" { default_route_table_id = aws_vpc.main.default_route_table_id
      route { cidr_block = "0.0.0.0/0", gateway_id = aws_internet_gateway.main.id } }
    resource "aws_subnet" "private" { for_each = { a = …, b = … }, vpc_id = aws_vpc.main.id }
    resource "aws_route_table" "private" { route { cidr_block = "0.0.0.0/0", nat_gateway_id = "nat-0…" } }
    resource "aws_route_table_association" "private" { for_each = aws_subnet.private
      subnet_id = each.value.id, route_table_id = aws_route_table.private.id }
    resource "aws_lambda_function" "worker" { subnets: [for s in aws_subnet.private : s.id] }   # no ENI202
    """
    p = Plan()
    p.config("aws_vpc", "main", {"cidr_block": {"constant_value": "10.0.0.0/16"}})
    p.change("aws_vpc", "main", {"cidr_block": "10.0.0.0/16", "default_route_table_id": UNKNOWN, "id": UNKNOWN, "main_route_table_id": UNKNOWN})
    p.config("aws_internet_gateway", "main", {"vpc_id": refs("aws_vpc.main")})
    p.change("aws_internet_gateway", "main", {"id": UNKNOWN, "vpc_id": UNKNOWN})
    p.config("aws_default_route_table", "main", {"default_route_table_id": refs("aws_vpc.main", attr="default_route_table_id"),
                                                 "route": [{"cidr_block": {"constant_value": "0.0.0.0/0"}, "gateway_id": refs("aws_internet_gateway.main")}]})
    p.change("aws_default_route_table", "main", {"default_route_table_id": UNKNOWN, "id": UNKNOWN,
                                                 "route": [{"cidr_block": "0.0.0.0/0", "gateway_id": UNKNOWN, "nat_gateway_id": ""}]})
    p.config("aws_subnet", "private", {"vpc_id": refs("aws_vpc.main")}, for_each={"constant_value": {"a": "eu-west-1a", "b": "eu-west-1b"}})
    for k, az in (("a", "eu-west-1a"), ("b", "eu-west-1b")):
        p.change("aws_subnet", "private", subnet_value(az, f"10.0.{ord(k) - 96}.0/24", UNKNOWN), index=k)
    p.config("aws_route_table", "private", {"vpc_id": refs("aws_vpc.main"), "route": [{"cidr_block": {"constant_value": "0.0.0.0/0"},
                                                                                       "nat_gateway_id": {"constant_value": "nat-0aaa1111222233334"}}]})
    p.change("aws_route_table", "private", {"id": UNKNOWN, "route": [{"cidr_block": "0.0.0.0/0", "gateway_id": "", "nat_gateway_id": "nat-0aaa1111222233334"}], "vpc_id": UNKNOWN})
    p.config("aws_route_table_association", "private", {"route_table_id": refs("aws_route_table.private"),
                                                        "subnet_id": {"references": ["each.value.id", "each.value"]}},
             for_each=refs("aws_subnet.private", attr="id"))
    for k in ("a", "b"):
        p.change("aws_route_table_association", "private", {"id": UNKNOWN, "route_table_id": UNKNOWN, "subnet_id": UNKNOWN}, index=k)
    p.config("aws_security_group", "worker", {"vpc_id": refs("aws_vpc.main"), "egress": {"constant_value": [ALL_OUT]}})
    p.change("aws_security_group", "worker", sg_value("worker", UNKNOWN, ingress=[], egress=[ALL_OUT]))
    p.config("aws_lambda_function", "worker", lambda_config("worker", {"references": ["aws_subnet.private"]}, refs("aws_security_group.worker")))
    p.change("aws_lambda_function", "worker", lambda_value("worker", [UNKNOWN, UNKNOWN], [UNKNOWN]))
    write("main-route-table-unclear.plan.json", p)


if __name__ == "__main__":
    shared_sg()
    actions()
    modules()
    two_groups(False)
    two_groups(True)
    default_sg()
    single_az()
    public_subnet()
    main_route_table()
    main_route_table_unclear()
