#!/usr/bin/env python3
"""Generates an organisation-sized eniplan snapshot, as `audit --org` or
`snapshot merge` would write it.

  gen_org.py N FILE [--seed S]

N functions over 40 accounts (one region each, alternating between two) and
400 VPCs (10 per account), each VPC with three subnets, one per AZ. Most
functions share their VPC's group; one in twenty has a group of its own (the
tail of per-function groups, each with rules of its own). One function in ten has a published version
with an alias; a third of those still run an older subnet pair. One ENI is
observed per combination the $LATEST versions use, except one in fifty, and
a few ENIs are orphans. 1,000,000 functions make 1.1M versions and about
300 MB of JSON.

The output is deterministic for a given N and seed. It is written as it is
made, so generating 1M functions needs little memory.
"""
import argparse
import json
import random

ACCOUNTS = 40
VPCS_PER_ACCOUNT = 10
REGIONS = ("eu-west-1", "us-east-1")
AZS = "abc"


def account_id(a):
    return f"{100000000000 + a * 7919:012d}"


def region_of(a):
    return REGIONS[a % len(REGIONS)]


def vpc_id(v):
    return f"vpc-0{v:07x}"


def subnet_id(v, s):
    return f"subnet-0{v:07x}{s}"


def shared_group(v):
    return f"sg-0{v:07x}shared"


def own_group(f):
    return f"sg-1{f:09x}"


def egress_rule(port, cidr="0.0.0.0/0"):
    return {"direction": "egress", "protocol": "tcp", "from_port": port, "to_port": port, "cidr": cidr}


def write(n, path, seed):
    rng = random.Random(seed)
    vpcs = ACCOUNTS * VPCS_PER_ACCOUNT
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    own = []  # (function, vpc) of each function with a group of its own
    combos = {}  # (account, subnet, group) -> vpc, in first-use order
    with open(path, "w") as out:
        scopes = [{"account": account_id(a), "region": region_of(a)} for a in range(ACCOUNTS)]
        out.write('{"eniplan_snapshot":1,"generator":"bench/gen_org.py","scopes":' + dumps(scopes) + ',"functions":[')
        for f in range(n):
            a = f % ACCOUNTS
            v = a * VPCS_PER_ACCOUNT + rng.randrange(VPCS_PER_ACCOUNT)
            s = rng.randrange(3)
            subnets = [subnet_id(v, s), subnet_id(v, (s + 1) % 3)]
            if rng.randrange(20) == 0:
                group = own_group(f)
                own.append((f, v))
            else:
                group = shared_group(v)
            acct, region = account_id(a), region_of(a)
            config = {"subnet_ids": subnets, "security_group_ids": [group], "vpc_id": vpc_id(v)}
            versions = [{"version": "$LATEST", "vpc": config}]
            for sn in subnets:
                combos.setdefault((acct, sn, group), v)
            if rng.randrange(10) == 0:
                older = config
                if rng.randrange(3) == 0:
                    older = dict(config, subnet_ids=[subnet_id(v, (s + 2) % 3), subnet_id(v, s)])
                versions.append({"version": str(1 + rng.randrange(40)), "aliases": ["live"], "vpc": older})
            arn = f"arn:aws:lambda:{region}:{acct}:function:fn-{f:07d}"
            function = {"name": f"fn-{f:07d}", "account": acct, "region": region, "arn": arn, "versions": versions}
            out.write(("," if f else "") + dumps(function))
        out.write('],"subnets":[')
        first = True
        for v in range(vpcs):
            for s in range(3):
                subnet = {"id": subnet_id(v, s), "vpc_id": vpc_id(v), "availability_zone": region_of(v // VPCS_PER_ACCOUNT) + AZS[s],
                          "cidr_block": f"10.{v % 256}.{s * 32}.0/19", "available_ip_address_count": 8000, "egress": "nat"}
                out.write(("" if first else ",") + dumps(subnet))
                first = False
        out.write('],"security_groups":[')
        for v in range(vpcs):
            group = {"id": shared_group(v), "name": "lambda-shared", "vpc_id": vpc_id(v), "rules": [egress_rule(443)]}
            out.write(("," if v else "") + dumps(group))
        for f, v in own:
            group = {"id": own_group(f), "name": f"fn-{f:07d}", "vpc_id": vpc_id(v), "rules": [egress_rule(1024 + f % 60000, f"10.{f // 60000}.0.0/16"), egress_rule(rng.choice((443, 5432, 6379)))]}
            out.write("," + dumps(group))
        out.write('],"vpcs":[')
        for v in range(vpcs):
            vpc = {"id": vpc_id(v), "cidr_block": f"10.{v % 256}.0.0/16", "eni_quota": 5000, "eni_quota_source": "service_quotas"}
            out.write(("," if v else "") + dumps(vpc))
        out.write('],"enis":[')
        count = 0
        for (acct, sn, group), v in combos.items():
            if rng.randrange(50) == 0:
                continue
            eni = {"id": f"eni-0{count:016x}", "account": acct, "region": region_of((int(acct) - 100000000000) // 7919), "subnet_id": sn,
                   "security_group_ids": [group], "vpc_id": vpc_id(v), "status": "in-use", "description": "AWS Lambda VPC ENI-fn"}
            out.write(("," if count else "") + dumps(eni))
            count += 1
        for i in range(max(1, n // 10_000)):
            v = rng.randrange(vpcs)
            a = v // VPCS_PER_ACCOUNT
            eni = {"id": f"eni-1{i:016x}", "account": account_id(a), "region": region_of(a), "subnet_id": subnet_id(v, rng.randrange(3)),
                   "security_group_ids": [f"sg-2{i:09x}"], "vpc_id": vpc_id(v), "status": "available", "description": "AWS Lambda VPC ENI-gone"}
            out.write("," + dumps(eni))
        out.write('],"incomplete":[],"api_calls":0}\n')


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("n", type=int)
    p.add_argument("path")
    p.add_argument("--seed", type=int, default=15)
    args = p.parse_args()
    write(args.n, args.path, args.seed)
