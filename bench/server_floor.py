#!/usr/bin/env python3
"""How much server time the live audit's calls need, one at a time.

Times each call `eniplan audit` makes in one region against the moto server
(median of RUNS, boto3 client): a ListFunctions page, and the eight other calls
(GetCallerIdentity, DescribeNetworkInterfaces by interface-type and by vpc-id,
DescribeSubnets, DescribeSecurityGroups, DescribeRouteTables, GetServiceQuota,
ListCapacityProviders). When one moto
process serves every service of a region (bench/live.sh with SPLIT=0), it runs
one request at a time (Python), so a client that makes them all needs about
the pages' time plus these calls'; on AWS, and in the split bench, the
services have separate endpoints. Prints that estimate as a ratio to the pages
alone. Each time includes the boto3 client's own work, so it is an estimate,
not a bound.

Usage: server_floor.py ENDPOINT REGION PAGES [RUNS]   (AWS_* test credentials in the environment)
"""
import statistics
import sys
import time

import boto3


def main():
    endpoint, region, pages = sys.argv[1], sys.argv[2], int(sys.argv[3])
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 15
    session = boto3.session.Session(region_name=region)
    lam, ec2, sts, quotas = (session.client(s, endpoint_url=endpoint) for s in ("lambda", "ec2", "sts", "service-quotas"))
    lambda_enis = [{"Name": "interface-type", "Values": ["lambda"]}]
    vpc = [{"Name": "vpc-id", "Values": [ec2.describe_network_interfaces(Filters=lambda_enis)["NetworkInterfaces"][0]["VpcId"]]}]

    def quota():
        try:
            quotas.get_service_quota(ServiceCode="lambda", QuotaCode="L-9FEE3D26")
        except quotas.exceptions.ClientError:
            pass  # an error answer costs the server a request too

    def providers():
        try:
            lam.list_capacity_providers()
        except (lam.exceptions.ClientError, AttributeError):
            pass  # moto has no such operation: its 404 answer is still a request

    calls = {
        "ListFunctions page (50 items, FunctionVersion=ALL)": lambda: lam.list_functions(FunctionVersion="ALL", MaxItems=50),
        "GetCallerIdentity": sts.get_caller_identity,
        "DescribeNetworkInterfaces (interface-type=lambda)": lambda: ec2.describe_network_interfaces(Filters=lambda_enis),
        "DescribeSubnets (vpc-id)": lambda: ec2.describe_subnets(Filters=vpc),
        "DescribeSecurityGroups (vpc-id)": lambda: ec2.describe_security_groups(Filters=vpc),
        "DescribeRouteTables (vpc-id)": lambda: ec2.describe_route_tables(Filters=vpc),
        "DescribeNetworkInterfaces (vpc-id)": lambda: ec2.describe_network_interfaces(Filters=vpc),
        "ListCapacityProviders": providers,
        "GetServiceQuota": quota,
    }
    times = {name: [] for name in calls}
    for name, call in calls.items():
        call()  # warm up
    for _ in range(runs):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            times[name].append((time.perf_counter() - start) * 1000)
    med = {name: statistics.median(v) for name, v in times.items()}
    page, *others = med.values()
    print(f"\n  one call at a time, {region}, median of {runs} (boto3 client):")
    for name, m in med.items():
        print(f"    {name:<52} {m:6.1f} ms")
    floor = (pages * page + sum(others)) / (pages * page)
    print(f"  {pages} pages take ~{pages * page:.0f} ms, the six other calls ~{sum(others):.0f} ms (boto3's own time included):")
    print(f"  a client making all of them on one server process needs about {floor:.2f}x the pages alone")


if __name__ == "__main__":
    main()
