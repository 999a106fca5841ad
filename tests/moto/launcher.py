#!/usr/bin/env python3
"""Start moto's server on loopback, patched in-process where stock moto
differs from AWS in ways eniplan depends on (DESIGN.md §5):

1. ListFunctions honours MaxItems (capped at 50, as AWS does) and Marker and
   returns NextMarker; stock moto returns everything in one page.
2. VpcConfig.VpcId is the VPC of the function's subnets; stock moto returns a
   fixed placeholder.
3. CreateFunction / UpdateFunctionConfiguration create one Hyperplane ENI
   (interface_type "lambda", requester-managed, "in-use") per new
   (subnet, sorted security-group set) in the account and region, reused by
   every later function with the same combination. DeleteFunction leaves the
   ENIs alone: AWS removes them up to ~20 minutes later, which is the
   orphaned-ENI case. Stock moto creates no ENIs.
4. DescribeNetworkInterfaces understands the `interface-type` filter.

For the benchmark, a line "FORK" on stdin (with --watch-stdin) forks a copy
of the server, holding the same state, on a new port, and prints
"FORKED <port>". bench/regions.py uses it to serve Lambda and the other
services from separate processes, as AWS serves them from separate endpoints.
Both copies diverge on writes, so fork only once seeding is done.

For fault tests, `--deny REGION:SERVICE:OPERATION` (repeatable) answers that
call with the service's own access-denied error, the way IAM would
(e.g. `--deny eu-west-1:lambda:ListFunctions`). The region and service come
from the request's SigV4 credential scope.

With `--roles-must-exist`, STS AssumeRole answers AccessDenied when the role
is not in the target account's IAM, as AWS does; stock moto hands out
credentials for any role ARN.

AvailableIpAddressCount already drops by one per ENI in stock moto (it counts
the ENIs' private addresses), so it needs no patch.

Usage: launcher.py [--port N] [--watch-stdin] [--roles-must-exist] [--deny REGION:SERVICE:OPERATION]...   (port 0 picks a free port)
Prints "READY <port>" on stdout once the server accepts connections.
"""

import argparse
import io
import json
import os
import re
import signal
import sys
import threading
import uuid

from moto.awslambda import models as lambda_models
from moto.awslambda import responses as lambda_responses
from moto.awslambda.exceptions import InvalidParameterValueException
from moto.ec2.models import ec2_backends
from moto.ec2.models.elastic_network_interfaces import NetworkInterface
from moto.moto_server import threaded_moto_server
from moto.server import ThreadedMotoServer

PAGE_MAX = 50
MARKER_PREFIX = "eniplan-moto-page-"


# 1. ListFunctions pagination -------------------------------------------------
def list_functions(self):
    qs = self.querystring
    version = qs.get("FunctionVersion", [None])[0]
    marker = qs.get("Marker", [None])[0]
    try:
        max_items = int(qs.get("MaxItems", [PAGE_MAX])[0])
    except ValueError:
        raise InvalidParameterValueException("MaxItems must be an integer")
    max_items = max(1, min(max_items, PAGE_MAX))
    start = 0
    if marker:
        if not marker.startswith(MARKER_PREFIX):
            raise InvalidParameterValueException(f"invalid Marker {marker!r}")
        try:
            start = int(marker[len(MARKER_PREFIX):])
        except ValueError:
            raise InvalidParameterValueException(f"invalid Marker {marker!r}")

    entries = []
    for group in list(self.backend._lambdas._functions.values()):
        if group["latest"] is not None:
            entries.append((group["latest"], True))
        if version == "ALL":
            entries.extend((v, False) for v in group["versions"])

    out = []
    for fn, is_latest in entries[start : start + max_items]:
        config = fn.get_configuration()
        if is_latest and version == "ALL":
            config["FunctionArn"] = f"{fn.function_arn}:$LATEST"
        out.append(config)
    result = {"Functions": out}
    if start + max_items < len(entries):
        result["NextMarker"] = f"{MARKER_PREFIX}{start + max_items}"
    return json.dumps(result)


lambda_responses.LambdaResponse.list_functions = list_functions


# 2. VpcConfig.VpcId from the subnets ----------------------------------------
def vpc_config(self):
    if not self._vpc_config:
        return None
    config = dict(self._vpc_config)
    subnets = list(config.get("SubnetIds") or [])
    config["SubnetIds"] = subnets
    config["SecurityGroupIds"] = list(config.get("SecurityGroupIds") or [])
    vpc_id = ""
    if subnets:
        try:
            vpc_id = ec2_backends[self.account_id][self.region].get_subnet(subnets[0]).vpc_id
        except Exception:  # a subnet that no longer exists
            vpc_id = ""
    config["VpcId"] = vpc_id
    config.setdefault("Ipv6AllowedForDualStack", False)
    return config


lambda_models.LambdaFunction.vpc_config = property(vpc_config)


# 3. One Hyperplane ENI per new (subnet, security-group set) -----------------
def ensure_enis(backend, fn):
    config = fn._vpc_config or {}
    subnets = list(dict.fromkeys(config.get("SubnetIds") or []))
    groups = tuple(sorted(set(config.get("SecurityGroupIds") or [])))
    if not subnets or not groups:
        return
    ec2 = ec2_backends[backend.account_id][backend.region_name]
    existing = {
        (eni.subnet.id, tuple(sorted(g.id for g in eni._group_set)))
        for eni in ec2.enis.values()
        if eni.interface_type == "lambda"
    }
    for subnet in subnets:
        if (subnet, groups) in existing:
            continue
        eni = ec2.create_network_interface(
            subnet=subnet,
            private_ip_address=None,
            group_ids=list(groups),
            description=f"AWS Lambda VPC ENI-{fn.function_name}-{uuid.uuid4()}",
        )
        eni.interface_type = "lambda"
        eni.requester_managed = True
        eni.requester_id = "AROAEXAMPLELAMBDAHYPERPLANE:lambda"
        eni.status = "in-use"
        existing.add((subnet, groups))


_create_function = lambda_models.LambdaBackend.create_function
_update_configuration = lambda_models.LambdaBackend.update_function_configuration


def create_function(self, spec):
    fn = _create_function(self, spec)
    ensure_enis(self, self.get_function(spec["FunctionName"], None))
    return fn


def update_function_configuration(self, function_name, qualifier, body):
    result = _update_configuration(self, function_name, qualifier, body)
    ensure_enis(self, self.get_function(function_name, None))
    return result


lambda_models.LambdaBackend.create_function = create_function
lambda_models.LambdaBackend.update_function_configuration = update_function_configuration


# 4. The interface-type filter -------------------------------------------------
_get_filter_value = NetworkInterface.get_filter_value


def get_filter_value(self, filter_name, method_name=None):
    if filter_name == "interface-type":
        return self.interface_type
    if filter_name == "requester-managed":
        return str(bool(self.requester_managed)).lower()
    return _get_filter_value(self, filter_name, method_name)


NetworkInterface.get_filter_value = get_filter_value


# 5. --deny: access-denied answers for chosen calls ----------------------------
DENY = set()
SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/([^/]+)/")


def operation(environ, service):
    if service == "lambda":
        path = environ.get("PATH_INFO", "").rstrip("/")
        if environ.get("REQUEST_METHOD") == "GET" and path.endswith("/functions"):
            return "ListFunctions"
        if environ.get("REQUEST_METHOD") == "GET" and path.endswith("/aliases"):
            return "ListAliases"
        if environ.get("REQUEST_METHOD") == "GET" and path.endswith("/configuration"):
            return "GetFunctionConfiguration"
        return None
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        return target.rsplit(".", 1)[-1]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    m = re.search(rb"(?:^|&)Action=([A-Za-z]+)", body)
    return m.group(1).decode() if m else None


def denied(service, op, start_response):
    message = f"User: arn:aws:sts::123456789012:assumed-role/test/eniplan is not authorized to perform: {service}:{op}"
    if service == "lambda":
        status, headers = "403 Forbidden", [("Content-Type", "application/json"), ("x-amzn-ErrorType", "AccessDeniedException")]
        body = json.dumps({"Type": "User", "Message": message})
    elif service == "servicequotas":
        status, headers = "400 Bad Request", [("Content-Type", "application/x-amz-json-1.1")]
        body = json.dumps({"__type": "AccessDeniedException", "message": message})
    elif service == "ec2":
        status, headers = "403 Forbidden", [("Content-Type", "text/xml")]
        body = (
            "<Response><Errors><Error><Code>UnauthorizedOperation</Code>"
            f"<Message>You are not authorized to perform this operation. {message}</Message>"
            "</Error></Errors><RequestID>eniplan-deny</RequestID></Response>"
        )
    else:
        status, headers = "403 Forbidden", [("Content-Type", "text/xml")]
        body = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
            f"<Message>{message}</Message></Error><RequestId>eniplan-deny</RequestId></ErrorResponse>"
        )
    start_response(status, headers)
    return [body.encode()]


# 6. --roles-must-exist: AssumeRole only into roles that exist -----------------
ROLES_MUST_EXIST = []


def missing_role(environ):
    """The RoleArn of an AssumeRole call whose role does not exist, else None."""
    from urllib.parse import parse_qs

    from moto.iam.models import iam_backends

    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    arn = parse_qs(body.decode()).get("RoleArn", [""])[0]
    parts = arn.split(":")
    if len(parts) < 6:
        return arn
    try:
        iam_backends[parts[4]]["aws"].get_role_by_arn(arn)
    except Exception:  # noqa: BLE001 - moto's not-found error
        return arn
    return None


_Dispatcher = threaded_moto_server.DomainDispatcherApplication


def dispatcher(*args, **kwargs):
    app = _Dispatcher(*args, **kwargs)

    def wrapped(environ, start_response):
        if DENY or ROLES_MUST_EXIST:
            m = SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
            if m:
                region, service = m.group(1), m.group(2)
                op = operation(environ, service)
                if (region, service, op) in DENY:
                    return denied(service, op, start_response)
                if ROLES_MUST_EXIST and service == "sts" and op == "AssumeRole" and missing_role(environ):
                    return denied(service, op, start_response)
        return app(environ, start_response)

    return wrapped


threaded_moto_server.DomainDispatcherApplication = dispatcher


def fork_copy(host, keep):
    """Fork a copy of this server on a new port; it exits when this process does."""
    read_end, write_end = os.pipe()
    if os.fork():
        os.close(read_end)
        keep.append(write_end)  # the copy sees EOF on read_end once we are gone
        return
    status = 1
    try:  # the copy must never return into the caller's loop
        os.close(write_end)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_DFL)
        server = ThreadedMotoServer(ip_address=host, port=0, verbose=False)
        server.start()
        print(f"FORKED {server.get_host_and_port()[1]}", flush=True)
        os.read(read_end, 1)
        status = 0
    finally:
        os._exit(status)


def watch_stdin(host, stop):
    keep = []
    for line in sys.stdin:
        if line.strip() == "FORK":
            fork_copy(host, keep)
    stop.set()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--deny", action="append", default=[], metavar="REGION:SERVICE:OPERATION")
    parser.add_argument("--roles-must-exist", action="store_true", help="AssumeRole fails for a role that does not exist")
    parser.add_argument("--watch-stdin", action="store_true", help="exit when stdin closes (the parent is gone)")
    args = parser.parse_args()
    if args.roles_must_exist:
        ROLES_MUST_EXIST.append(True)
    for d in args.deny:
        region, service, op = d.split(":")
        DENY.add((region, service, op))
    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    print(f"READY {port}", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if args.watch_stdin:
        threading.Thread(target=watch_stdin, args=(args.host, stop), daemon=True).start()
    stop.wait()
    server.stop()


if __name__ == "__main__":
    main()
