#!/usr/bin/env python3
"""Generates large inputs for the benchmarks.

Snapshots: 20 VPCs, three subnets each (one per AZ), a security group per four
functions, every tenth function with a published version, and one ENI per combination.

  gen.py cfn N FILE        CloudFormation YAML with N VPC functions (300 → ~430 resources)
  gen.py snapshot N FILE   eniplan snapshot with N functions over 20 VPCs
  gen.py serverless N FILE serverless.yml with N functions (provider VPC, a quarter with their own groups)
"""
import json
import sys


def cfn(n):
    out = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:", "  Vpc:", "    Type: AWS::EC2::VPC", "    Properties: {CidrBlock: 10.0.0.0/16}"]
    for i in range(6):
        out += [f"  Subnet{i}:", "    Type: AWS::EC2::Subnet", "    Properties:", "      VpcId: !Ref Vpc",
                f"      AvailabilityZone: eu-west-1{'abc'[i % 3]}", f"      CidrBlock: 10.0.{i * 16}.0/20"]
    groups = max(1, n * 2 // 5)
    for g in range(groups):
        out += [f"  Sg{g}:", "    Type: AWS::EC2::SecurityGroup", "    Properties:", f"      GroupDescription: group {g}", "      VpcId: !Ref Vpc",
                "      SecurityGroupEgress:", f"        - {{IpProtocol: tcp, FromPort: {443 + g % 7}, ToPort: {443 + g % 7}, CidrIp: 0.0.0.0/0}}"]
    for f in range(n):
        out += [f"  Fn{f}:", "    Type: AWS::Lambda::Function", "    Properties:", "      Runtime: python3.12", "      Handler: app.handler",
                f"      Role: arn:aws:iam::123456789012:role/fn{f}", "      Code: {ZipFile: 'def handler(e, c): pass'}", "      VpcConfig:",
                f"        SecurityGroupIds: [!Ref Sg{f % groups}]", f"        SubnetIds: [!Ref Subnet{f % 6}, !Ref Subnet{(f + 1) % 6}]"]
    return "\n".join(out) + "\n"


def snapshot(n):
    vpcs = 20
    subnets, groups, functions, enis = [], [], [], []
    for v in range(vpcs):
        for s in range(3):
            subnets.append({"id": f"subnet-{v:03d}{s}", "vpc_id": f"vpc-{v:03d}", "availability_zone": f"eu-west-1{'abc'[s % 3]}",
                            "cidr_block": f"10.{v}.{s * 16}.0/20", "available_ip_address_count": 4000, "egress": "nat"})
    per_vpc_groups = max(1, n // vpcs // 4)
    for v in range(vpcs):
        for g in range(per_vpc_groups):
            groups.append({"id": f"sg-{v:03d}{g:05d}", "vpc_id": f"vpc-{v:03d}",
                           "rules": [{"direction": "egress", "protocol": "tcp", "from_port": 443 + g % 5, "to_port": 443 + g % 5, "cidr": "0.0.0.0/0"}]})
    for f in range(n):
        v = f % vpcs
        g = (f // vpcs) % per_vpc_groups
        s = f % 3
        vpc = {"subnet_ids": [f"subnet-{v:03d}{s}", f"subnet-{v:03d}{(s + 1) % 3}"], "security_group_ids": [f"sg-{v:03d}{g:05d}"], "vpc_id": f"vpc-{v:03d}"}
        versions = [{"version": "$LATEST", "vpc": vpc}]
        if f % 10 == 0:
            versions.append({"version": "1", "aliases": ["live"], "vpc": vpc})
        functions.append({"name": f"fn-{f}", "account": "123456789012", "region": "eu-west-1",
                          "arn": f"arn:aws:lambda:eu-west-1:123456789012:function:fn-{f}", "versions": versions})
    seen = set()
    for f in functions:
        vpc = f["versions"][0]["vpc"]
        for s in vpc["subnet_ids"]:
            key = (s, tuple(vpc["security_group_ids"]))
            if key not in seen:
                seen.add(key)
                enis.append({"id": f"eni-{len(enis):08d}", "account": "123456789012", "region": "eu-west-1", "subnet_id": s,
                             "security_group_ids": list(key[1]), "vpc_id": vpc["vpc_id"], "status": "in-use", "description": "AWS Lambda VPC ENI"})
    return json.dumps({"eniplan_snapshot": 1, "scopes": [{"account": "123456789012", "region": "eu-west-1"}], "functions": functions,
                       "subnets": subnets, "security_groups": groups,
                       "vpcs": [{"id": f"vpc-{v:03d}", "eni_quota": 5000, "eni_quota_source": "service_quotas"} for v in range(vpcs)],
                       "enis": enis, "incomplete": [], "api_calls": 0})


def serverless(n):
    out = ["service: bench", "frameworkVersion: '3'", "provider:", "  name: aws", "  runtime: python3.12", "  stage: ${opt:stage, 'dev'}",
           "  vpc:", "    securityGroupIds:", "      - ${self:custom.sg}", "    subnetIds:", "      - subnet-0a", "      - subnet-0b",
           "custom:", "  sg: sg-shared", "functions:"]
    for f in range(n):
        out += [f"  fn{f}:", f"    handler: handlers/fn{f}.handler"]
        if f % 4 == 0:
            out += ["    vpc:", "      securityGroupIds:", f"        - !Ref Fn{f}SecurityGroup"]
    out += ["resources:", "  Resources:"]
    for f in range(0, n, 4):
        out += [f"    Fn{f}SecurityGroup:", "      Type: AWS::EC2::SecurityGroup", "      Properties:", f"        GroupDescription: fn{f}",
                "        VpcId: vpc-0main", "        SecurityGroupEgress:", "          - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    kind, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    text = {"cfn": cfn, "snapshot": snapshot, "serverless": serverless}[kind](n)
    with open(path, "w") as f:
        f.write(text)
