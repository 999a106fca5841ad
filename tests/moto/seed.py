#!/usr/bin/env python3
"""Seed a (patched) moto server with the scenarios eniplan's live tests and
benchmark use, and print what was created as JSON on stdout.

    seed.py --endpoint http://127.0.0.1:PORT audit
    seed.py --endpoint http://127.0.0.1:PORT bench --functions 2000 --region us-east-1 [--region eu-west-1]
    seed.py --endpoint http://127.0.0.1:PORT others

Scenario "audit" (region us-east-1 unless noted):
  - VPC A: pub-a, pub-b (az a, b; route 0.0.0.0/0 -> igw), priv-a (az a) and priv-b
    (az b) routed through a NAT gateway, priv-c (az a, the VPC's main table,
    no default route: private); an internet gateway and a NAT gateway.
  - security groups: shared; app1 and app2 with identical rules (ENI001);
    ref1 and ref2 with identical rules, but db allows ingress from ref1, so
    merging them is not safe (the referenced-group negative); old (pinned by
    a published version); orphan (its only function is deleted); default.
  - 120 functions bulk-000..bulk-119 on [priv-a, priv-b] + shared (pagination)
  - app1, app2 (equivalent groups), ref1, ref2 (referenced negative),
    public-fn (pub-a, pub-b), default-sg-fn (the default group),
    single-az-fn (priv-a only), drift-fn ([priv-c, priv-b]: priv-c is in the
    same AZ as priv-a), pinned-fn (version 1 and alias "live" keep
    [priv-a, priv-b] + old; $LATEST moved to shared), plain-fn (no VPC),
    gone-fn (created with orphan, then deleted: its two ENIs stay).
  - region eu-west-1: VPC B with two subnets in two AZs, one group, three
    functions b-fn-0..2.

Scenario "others" (us-east-1): a VPC with two subnets in two AZs, one group
and three functions on it (one combination a subnet: two Lambda ENIs), and
ENIs of other services in the same VPC: two plain network interfaces, an EFS
mount target and an interface VPC endpoint; and a "quiet" VPC with no
function, one subnet, a plain interface and an EFS mount target. It prints
boto3's own count of each VPC's non-Lambda ENIs (`InterfaceType` other than
`lambda`).
"""

import argparse
import io
import json
import sys
import zipfile

import boto3

ACCOUNT = "123456789012"


def zip_code():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return 'ok'\n")
    return buf.getvalue()


CODE = zip_code()


def clients(endpoint, region):
    kw = dict(
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return boto3.client("ec2", **kw), boto3.client("lambda", **kw), boto3.client("iam", **kw)


def role_arn(iam):
    try:
        return iam.get_role(RoleName="lambda-exec")["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        doc = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        )
        return iam.create_role(RoleName="lambda-exec", AssumeRolePolicyDocument=doc)["Role"]["Arn"]


def sg(ec2, vpc, name, ingress=()):
    gid = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
    if ingress:
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=list(ingress))
    return gid


def https_from(cidr):
    return {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": cidr}]}


def make_fn(lam, role, name, subnets=None, groups=None, publish=False):
    spec = dict(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="index.handler",
        Code={"ZipFile": CODE},
        Publish=publish,
    )
    if subnets is not None:
        spec["VpcConfig"] = {"SubnetIds": subnets, "SecurityGroupIds": groups}
    return lam.create_function(**spec)


def enis_of(ec2, subnet_ids, group_id):
    out = []
    for e in ec2.describe_network_interfaces(Filters=[{"Name": "interface-type", "Values": ["lambda"]}])[
        "NetworkInterfaces"
    ]:
        if e["SubnetId"] in subnet_ids and [g["GroupId"] for g in e["Groups"]] == [group_id]:
            out.append(e["NetworkInterfaceId"])
    return sorted(out)


def audit(endpoint):
    region = "us-east-1"
    ec2, lam, iam = clients(endpoint, region)
    role = role_arn(iam)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    azs = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]

    def subnet(cidr, az):
        return ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=az)["Subnet"]["SubnetId"]

    pub_a = subnet("10.0.0.0/24", azs[0])
    pub_b = subnet("10.0.4.0/24", azs[1])
    priv_a = subnet("10.0.1.0/24", azs[0])
    priv_b = subnet("10.0.2.0/24", azs[1])
    priv_c = subnet("10.0.3.0/24", azs[0])

    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_rt, SubnetId=pub_a)
    ec2.associate_route_table(RouteTableId=public_rt, SubnetId=pub_b)
    nat = ec2.create_nat_gateway(SubnetId=pub_a, ConnectivityType="private")["NatGateway"]["NatGatewayId"]
    private_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=private_rt, SubnetId=priv_a)
    ec2.associate_route_table(RouteTableId=private_rt, SubnetId=priv_b)

    default_sg = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    shared = sg(ec2, vpc, "lambda-shared", [https_from("10.0.0.0/16")])
    app1 = sg(ec2, vpc, "app1-lambda", [https_from("10.1.0.0/16")])
    app2 = sg(ec2, vpc, "app2-lambda", [https_from("10.1.0.0/16")])
    ref1 = sg(ec2, vpc, "ref1-lambda", [https_from("10.2.0.0/16")])
    ref2 = sg(ec2, vpc, "ref2-lambda", [https_from("10.2.0.0/16")])
    db = sg(
        ec2,
        vpc,
        "db",
        [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": ref1}]}],
    )
    old = sg(ec2, vpc, "old-lambda", [https_from("10.3.0.0/16")])
    orphan = sg(ec2, vpc, "orphan-lambda", [https_from("10.4.0.0/16")])

    pair = [priv_a, priv_b]
    for i in range(120):
        make_fn(lam, role, f"bulk-{i:03d}", pair, [shared])
    make_fn(lam, role, "app1", pair, [app1])
    make_fn(lam, role, "app2", pair, [app2])
    make_fn(lam, role, "ref1", pair, [ref1])
    make_fn(lam, role, "ref2", pair, [ref2])
    make_fn(lam, role, "public-fn", [pub_a, pub_b], [shared])
    make_fn(lam, role, "default-sg-fn", pair, [default_sg])
    make_fn(lam, role, "single-az-fn", [priv_a], [shared])
    make_fn(lam, role, "drift-fn", [priv_c, priv_b], [shared])
    make_fn(lam, role, "plain-fn")

    make_fn(lam, role, "pinned-fn", pair, [old])
    v1 = lam.publish_version(FunctionName="pinned-fn")["Version"]
    lam.create_alias(FunctionName="pinned-fn", Name="live", FunctionVersion=v1)
    lam.update_function_configuration(
        FunctionName="pinned-fn", VpcConfig={"SubnetIds": pair, "SecurityGroupIds": [shared]}
    )

    make_fn(lam, role, "gone-fn", pair, [orphan])
    lam.delete_function(FunctionName="gone-fn")
    orphan_enis = enis_of(ec2, pair, orphan)

    # Region B.
    region_b = "eu-west-1"
    ec2b, lamb, _ = clients(endpoint, region_b)
    vpc_b = ec2b.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    azs_b = [z["ZoneName"] for z in ec2b.describe_availability_zones()["AvailabilityZones"]][:2]
    b1 = ec2b.create_subnet(VpcId=vpc_b, CidrBlock="10.20.1.0/24", AvailabilityZone=azs_b[0])["Subnet"]["SubnetId"]
    b2 = ec2b.create_subnet(VpcId=vpc_b, CidrBlock="10.20.2.0/24", AvailabilityZone=azs_b[1])["Subnet"]["SubnetId"]
    sg_b = sg(ec2b, vpc_b, "b-lambda", [https_from("10.20.0.0/16")])
    for i in range(3):
        make_fn(lamb, role, f"b-fn-{i}", [b1, b2], [sg_b])

    return {
        "account": ACCOUNT,
        "regions": [region, region_b],
        "vpc": vpc,
        "vpc_b": vpc_b,
        "subnets": {"pub_a": pub_a, "pub_b": pub_b, "priv_a": priv_a, "priv_b": priv_b, "priv_c": priv_c, "b1": b1, "b2": b2},
        "groups": {
            "default": default_sg,
            "shared": shared,
            "app1": app1,
            "app2": app2,
            "ref1": ref1,
            "ref2": ref2,
            "db": db,
            "old": old,
            "orphan": orphan,
            "b": sg_b,
        },
        "orphan_enis": orphan_enis,
        "pinned_version": v1,
        "functions": {region: 120 + 10, region_b: 3},
    }


def bench(endpoint, functions, regions):
    out = {"functions": functions, "regions": {}}
    for region in regions:
        ec2, lam, iam = clients(endpoint, region)
        role = role_arn(iam)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        azs = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=az)["Subnet"]["SubnetId"]
            for i, az in enumerate(azs)
        ]
        groups = [sg(ec2, vpc, f"team-{i}", [https_from("10.0.0.0/16")]) for i in range(10)]
        for i in range(functions):
            make_fn(lam, role, f"fn-{i:05d}", subnets, [groups[i % len(groups)]])
        out["regions"][region] = {"vpc": vpc, "subnets": subnets, "groups": groups}
    return out


def others(endpoint):
    region = "us-east-1"
    ec2, lam, iam = clients(endpoint, region)
    role = role_arn(iam)
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    azs = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.30.{i}.0/24", AvailabilityZone=az)["Subnet"]["SubnetId"]
        for i, az in enumerate(azs)
    ]
    group = sg(ec2, vpc, "lambda", [https_from("10.30.0.0/16")])
    for i in range(3):
        make_fn(lam, role, f"fn-{i}", subnets, [group])
    created = []
    for i in range(2):
        eni = ec2.create_network_interface(SubnetId=subnets[i], Groups=[group], Description=f"plain-{i}")
        created.append(eni["NetworkInterface"]["NetworkInterfaceId"])
    kw = dict(endpoint_url=endpoint, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")
    efs = boto3.client("efs", **kw)
    fs = efs.create_file_system(CreationToken="eniplan-others")["FileSystemId"]
    created.append(efs.create_mount_target(FileSystemId=fs, SubnetId=subnets[0])["NetworkInterfaceId"])
    endpoint_enis = ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{region}.s3", VpcEndpointType="Interface", SubnetIds=[subnets[1]]
    )["VpcEndpoint"]["NetworkInterfaceIds"]
    created.extend(endpoint_enis)

    quiet = ec2.create_vpc(CidrBlock="10.31.0.0/16")["Vpc"]["VpcId"]
    quiet_subnet = ec2.create_subnet(VpcId=quiet, CidrBlock="10.31.0.0/24", AvailabilityZone=azs[0])["Subnet"]["SubnetId"]
    ec2.create_network_interface(SubnetId=quiet_subnet, Description="plain-quiet")
    quiet_fs = efs.create_file_system(CreationToken="eniplan-quiet")["FileSystemId"]
    efs.create_mount_target(FileSystemId=quiet_fs, SubnetId=quiet_subnet)

    def interfaces_in(v):
        pages = ec2.get_paginator("describe_network_interfaces").paginate(Filters=[{"Name": "vpc-id", "Values": [v]}])
        return [n for page in pages for n in page["NetworkInterfaces"]]

    interfaces = interfaces_in(vpc)
    return {
        "quiet_vpc": quiet,
        "quiet_subnet": quiet_subnet,
        "boto3_quiet_other_enis": sum(1 for n in interfaces_in(quiet) if n.get("InterfaceType") != "lambda"),
        "vpc": vpc,
        "subnets": subnets,
        "group": group,
        "created_other_enis": sorted(created),
        "boto3_other_enis": sum(1 for n in interfaces if n.get("InterfaceType") != "lambda"),
        "boto3_lambda_enis": sum(1 for n in interfaces if n.get("InterfaceType") == "lambda"),
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    sub = p.add_subparsers(dest="scenario", required=True)
    sub.add_parser("audit")
    sub.add_parser("others")
    b = sub.add_parser("bench")
    b.add_argument("--functions", type=int, default=2000)
    b.add_argument("--region", action="append", default=[])
    args = p.parse_args()
    if args.scenario == "audit":
        result = audit(args.endpoint)
    elif args.scenario == "others":
        result = others(args.endpoint)
    else:
        result = bench(args.endpoint, args.functions, args.region or ["us-east-1"])
    json.dump(result, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
