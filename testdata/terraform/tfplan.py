"""Builders for Terraform plan JSON (`terraform show -json PLANFILE`, format 1.2).

Shared by testdata/terraform/make_fixtures.py and bench/gen_plan.py. The shapes
follow what Terraform 1.x writes: `resource_changes[].change.after` omits
unknown attributes (unknown list elements become null) and
`after_unknown` marks them; `configuration` holds each resource's
`expressions`, where an unknown value's `references` say what it is made of.
"""

PROVIDER = "registry.terraform.io/hashicorp/aws"
UNKNOWN = object()  # an attribute Terraform knows only after apply


def split_unknown(value):
    """(after, after_unknown) for a value that may contain UNKNOWN."""
    if value is UNKNOWN:
        return None, True
    if isinstance(value, dict):
        after, unknown = {}, {}
        for k, v in value.items():
            a, u = split_unknown(v)
            if u is True:
                unknown[k] = True  # omitted from after
            else:
                after[k] = a
                if isinstance(v, (dict, list)):
                    unknown[k] = u
        return after, unknown
    if isinstance(value, list):
        pairs = [split_unknown(v) for v in value]
        # unknown elements stay in place as null: order is how Terraform correlates them
        return [a for a, _ in pairs], [u for _, u in pairs]
    return value, False


class Plan:
    def __init__(self, terraform_version="1.9.8"):
        self.changes = []
        self.planned = {"resources": [], "child_modules": {}}
        self.modules = {"resources": [], "module_calls": {}}
        self.terraform_version = terraform_version

    def _module(self, path):
        m = self.modules
        for name in path:
            call = m["module_calls"].setdefault(name, {"source": f"./modules/{name}", "module": {"resources": [], "module_calls": {}}})
            m = call["module"]
        return m

    def module_call(self, path, expressions, for_each=None, count=None, outputs=None):
        """Declares `module "<path[-1]>"` inside module `path[:-1]`."""
        parent = self._module(path[:-1])
        call = parent["module_calls"].setdefault(path[-1], {"source": f"./modules/{path[-1]}", "module": {"resources": [], "module_calls": {}}})
        call["expressions"] = expressions
        if for_each is not None:
            call["for_each_expression"] = for_each
        if count is not None:
            call["count_expression"] = count
        if outputs:
            call["module"]["outputs"] = outputs

    def config(self, type_, name, expressions, module=(), count=None, for_each=None, mode="managed"):
        m = self._module(module)
        addr = f"{'data.' if mode == 'data' else ''}{type_}.{name}"
        if any(r["address"] == addr for r in m["resources"]):
            return
        r = {"address": addr, "mode": mode, "type": type_, "name": name, "provider_config_key": "aws", "expressions": expressions, "schema_version": 0}
        if count is not None:
            r["count_expression"] = count
        if for_each is not None:
            r["for_each_expression"] = for_each
        m["resources"].append(r)

    def change(self, type_, name, value, actions=("create",), module_address=None, index=None, mode="managed", before=None):
        addr = f"{'data.' if mode == 'data' else ''}{type_}.{name}"
        if index is not None:
            addr += f"[{index}]" if isinstance(index, int) else f'["{index}"]'
        if module_address:
            addr = f"{module_address}.{addr}"
        rc = {"address": addr}
        if module_address:
            rc["module_address"] = module_address
        rc.update({"mode": mode, "type": type_, "name": name})
        if index is not None:
            rc["index"] = index
        rc["provider_name"] = PROVIDER
        actions = list(actions)
        if actions == ["delete"]:
            after, unknown = None, False
        else:
            after, unknown = split_unknown(value)
        rc["change"] = {
            "actions": actions,
            "before": before,
            "after": after,
            "after_unknown": unknown,
            "before_sensitive": False if before is None else {},
            "after_sensitive": False if after is None else {},
        }
        if actions in (["delete", "create"], ["create", "delete"]):
            rc["action_reason"] = "replace_because_cannot_update"
        self.changes.append(rc)
        if after is not None:
            self.planned["resources"].append(
                {"address": addr, "mode": mode, "type": type_, "name": name, **({"index": index} if index is not None else {}),
                 "provider_name": PROVIDER, "schema_version": 0, "values": after, "sensitive_values": {}}
            )
        return addr

    def to_json(self, format_version="1.2"):
        return {
            "format_version": format_version,
            "terraform_version": self.terraform_version,
            "planned_values": {"root_module": {"resources": self.planned["resources"]}},
            "resource_changes": self.changes,
            "configuration": {
                "provider_config": {"aws": {"name": "aws", "full_name": PROVIDER, "expressions": {"region": {"constant_value": "eu-west-1"}}}},
                "root_module": self.modules,
            },
            "timestamp": "2026-11-02T10:00:00Z",
            "applyable": True,
            "complete": True,
            "errored": False,
        }


def refs(*resources, attr="id"):
    """`references` as Terraform writes them for `[a.id, b.id]`."""
    out = []
    for r in resources:
        if r.startswith(("var.", "local.", "module.", "each.", "count.")):
            out.append(r)
        else:
            out += [f"{r}.{attr}", r]
    return {"references": out}


def lambda_value(function_name, subnets, sgs, vpc_id=UNKNOWN):
    vpc = [] if subnets is None else [{"ipv6_allowed_for_dual_stack": False, "security_group_ids": sgs, "subnet_ids": subnets, "vpc_id": vpc_id}]
    return {
        "architectures": ["x86_64"],
        "arn": UNKNOWN,
        "function_name": function_name,
        "handler": "index.handler",
        "id": UNKNOWN,
        "memory_size": 128,
        "package_type": "Zip",
        "publish": False,
        "role": "arn:aws:iam::123456789012:role/lambda",
        "runtime": "nodejs20.x",
        "timeout": 3,
        "vpc_config": vpc,
    }


def lambda_config(function_name, subnet_expr, sg_expr):
    e = {"function_name": {"constant_value": function_name}, "handler": {"constant_value": "index.handler"}, "runtime": {"constant_value": "nodejs20.x"}}
    if subnet_expr is not None:
        e["vpc_config"] = [{"security_group_ids": sg_expr, "subnet_ids": subnet_expr}]
    return e


def rule_block(protocol, from_port, to_port, cidrs=(), groups=(), self_=False, ipv6=(), prefix_lists=()):
    return {
        "cidr_blocks": list(cidrs),
        "description": "",
        "from_port": from_port,
        "ipv6_cidr_blocks": list(ipv6),
        "prefix_list_ids": list(prefix_lists),
        "protocol": protocol,
        "security_groups": list(groups),
        "self": self_,
        "to_port": to_port,
    }


def sg_value(name, vpc_id, ingress=UNKNOWN, egress=UNKNOWN, id_=UNKNOWN):
    return {
        "arn": UNKNOWN if id_ is UNKNOWN else f"arn:aws:ec2:eu-west-1:123456789012:security-group/{id_}",
        "description": "Managed by Terraform",
        "egress": egress,
        "id": id_,
        "ingress": ingress,
        "name": name,
        "owner_id": UNKNOWN if id_ is UNKNOWN else "123456789012",
        "revoke_rules_on_delete": False,
        "tags": None,
        "vpc_id": vpc_id,
    }


def subnet_value(az, cidr, vpc_id, id_=UNKNOWN):
    return {
        "arn": UNKNOWN if id_ is UNKNOWN else f"arn:aws:ec2:eu-west-1:123456789012:subnet/{id_}",
        "availability_zone": az,
        "cidr_block": cidr,
        "id": id_,
        "map_public_ip_on_launch": False,
        "vpc_id": vpc_id,
    }
