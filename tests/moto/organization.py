#!/usr/bin/env python3
"""An AWS Organization on a (patched) moto server, for `eniplan audit --org`.

    organization.py --endpoint URL seed --members 3 [--without-role 1] [--functions N] --region R [--region R2]
    organization.py --endpoint URL recount --region R [--region R2]

moto 5.2 creates each member account with an OrganizationAccountAccessRole
trusting the management account, and credentials from STS AssumeRole act in
the role's account; so every member is seeded through that role, as an
administrator would.

seed: the caller (123456789012) creates the organization and `--members`
member accounts `member-0` … Account k (the management account is k = 0)
gets, in every region, a VPC with k+1 subnets (two AZs) and k+2 groups, and
3 + 2k functions (or `--functions` each): function i on subnet i mod
(k+1) plus the next one, and group i mod (k+2); every third function is
outside any VPC. The last `--without-role` members lose their
OrganizationAccountAccessRole after seeding. member-0 stays under the root,
member-1 moves to OU "workloads", every later member to OU "team" inside
"workloads". Prints the accounts, the root and the OUs as JSON.

recount: every account's functions, VPC functions, combinations (subnet,
sorted group set) and Lambda ENIs per region, counted with boto3 alone.
"""

import argparse
import json
import sys
from pathlib import Path

import boto3

sys.path.insert(0, str(Path(__file__).parent))
from seed import make_fn, role_arn, sg, https_from  # noqa: E402

ROLE = "OrganizationAccountAccessRole"


def session(endpoint, region, creds=None):
    creds = creds or {"AccessKeyId": "testing", "SecretAccessKey": "testing", "SessionToken": None}
    kw = dict(
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    return lambda service: boto3.client(service, **kw)


def assume(endpoint, account):
    sts = session(endpoint, "us-east-1")("sts")
    arn = f"arn:aws:iam::{account}:role/{ROLE}"
    return sts.assume_role(RoleArn=arn, RoleSessionName="eniplan-seed")["Credentials"]


def accounts(endpoint):
    org = session(endpoint, "us-east-1")("organizations")
    out = []
    for page in org.get_paginator("list_accounts").paginate():
        out.extend(a for a in page["Accounts"] if a["Status"] == "ACTIVE")
    return out


def clients_for(endpoint, region, account, me):
    return session(endpoint, region, None if account == me else assume(endpoint, account))


def seed_account(client, k, functions):
    ec2, lam, iam = client("ec2"), client("lambda"), client("iam")
    role = role_arn(iam)
    vpc = ec2.create_vpc(CidrBlock=f"10.{k % 250}.0.0/16")["Vpc"]["VpcId"]
    azs = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{k % 250}.{i}.0/24", AvailabilityZone=azs[i % 2])["Subnet"]["SubnetId"]
        for i in range(k + 1)
    ]
    groups = [sg(ec2, vpc, f"team-{i}", [https_from("10.0.0.0/8")]) for i in range(k + 2)]
    n = functions if functions is not None else 3 + 2 * k
    for i in range(n):
        if functions is None and i % 3 == 2:
            make_fn(lam, role, f"fn-{i:05d}")
        else:
            pair = sorted({subnets[i % len(subnets)], subnets[(i + 1) % len(subnets)]})
            make_fn(lam, role, f"fn-{i:05d}", pair, [groups[i % len(groups)]])


def seed(endpoint, members, without_role, functions, regions):
    me = session(endpoint, "us-east-1")("sts").get_caller_identity()["Account"]
    org = session(endpoint, "us-east-1")("organizations")
    org.create_organization(FeatureSet="ALL")
    for i in range(members):
        org.create_account(Email=f"member-{i}@example.com", AccountName=f"member-{i}")
    listed = sorted(accounts(endpoint), key=lambda a: (a["Id"] != me, a["Name"]))
    root = org.list_roots()["Roots"][0]["Id"]
    workloads = org.create_organizational_unit(ParentId=root, Name="workloads")["OrganizationalUnit"]["Id"]
    team = org.create_organizational_unit(ParentId=workloads, Name="team")["OrganizationalUnit"]["Id"]
    out = {"management": me, "root": root, "ous": {"workloads": workloads, "team": team}, "accounts": []}
    for k, a in enumerate(listed):
        for region in regions:
            seed_account(clients_for(endpoint, region, a["Id"], me), k, functions)
        ou = {"member-0": root, "member-1": workloads}.get(a["Name"], team if a["Id"] != me else root)
        if ou != root:
            org.move_account(AccountId=a["Id"], SourceParentId=root, DestinationParentId=ou)
        out["accounts"].append({"id": a["Id"], "name": a["Name"], "role": True, "parent": ou})
    for a in out["accounts"][len(out["accounts"]) - without_role :]:
        iam = clients_for(endpoint, "us-east-1", a["id"], me)("iam")
        for p in iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]:
            iam.detach_role_policy(RoleName=ROLE, PolicyArn=p["PolicyArn"])
        for name in iam.list_role_policies(RoleName=ROLE)["PolicyNames"]:
            iam.delete_role_policy(RoleName=ROLE, PolicyName=name)
        iam.delete_role(RoleName=ROLE)
        a["role"] = False
    return out


def recount(endpoint, regions):
    me = session(endpoint, "us-east-1")("sts").get_caller_identity()["Account"]
    out = {}
    for a in accounts(endpoint):
        per = {}
        for region in regions:
            try:
                client = clients_for(endpoint, region, a["Id"], me)
            except Exception:  # noqa: BLE001 - the account without the role
                continue
            lam, ec2 = client("lambda"), client("ec2")
            fns = [f for p in lam.get_paginator("list_functions").paginate() for f in p["Functions"]]
            combos = set()
            vpc_fns = 0
            for f in fns:
                vc = f.get("VpcConfig") or {}
                if vc.get("SubnetIds"):
                    vpc_fns += 1
                    for s in vc["SubnetIds"]:
                        combos.add((s, tuple(sorted(vc["SecurityGroupIds"]))))
            enis = ec2.describe_network_interfaces(Filters=[{"Name": "interface-type", "Values": ["lambda"]}])
            per[region] = {
                "functions": len(fns),
                "vpc_functions": vpc_fns,
                "combinations": len(combos),
                "enis": len(enis["NetworkInterfaces"]),
            }
        out[a["Id"]] = {"name": a["Name"], "regions": per}
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("seed")
    s.add_argument("--members", type=int, default=3)
    s.add_argument("--without-role", type=int, default=0)
    s.add_argument("--functions", type=int, default=None)
    s.add_argument("--region", action="append", default=[])
    r = sub.add_parser("recount")
    r.add_argument("--region", action="append", default=[])
    args = p.parse_args()
    regions = args.region or ["us-east-1"]
    if args.command == "seed":
        result = seed(args.endpoint, args.members, args.without_role, args.functions, regions)
    else:
        result = recount(args.endpoint, regions)
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
