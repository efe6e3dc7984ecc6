"""ROS (Resource Orchestration Service) templates, YAML or JSON → the snapshot-shaped document + annotations.

ROS has no resource that exports an image (domain.md §4.2), so a template yields no exports: the RAM roles
that are export roles (``AliyunECSImageExportDefaultRole`` or a name listed in ``export_roles``) and the OSS
buckets listed in ``export_buckets`` become scoped subjects that get the role or bucket rules.

Intrinsic functions are evaluated when their inputs are in the template: ``Ref`` (parameters with a
``Default``, resources), ``Fn::GetAtt`` of a name attribute, ``Fn::Sub``, ``Fn::Join``. Pseudo parameters
(``ALIYUN::Region``, ``ALIYUN::AccountId`` …), parameters without a default and every other function are
unknown. The YAML short forms (``!Ref``, ``!GetAtt`` …) are read by a safe loader that knows only these tags
and turns each into its long form; any other tag is an error, never an object.

Evaluation is bounded (``ROS_LIMITS``): a resource's name and every list or mapping of the template are
resolved once (YAML aliases repeat nodes; a chain of names each joining the previous twice doubles), a name
that refers back to itself is unknown (a cycle), and steps, nesting and the size of a value (the output of
``Fn::Join``/``Fn::Sub`` included) are capped; past a cap the value is unknown, naming the cap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from preflight import policy as pol
from preflight.errors import Msg, PreflightError
from preflight.facts import DEFAULT_ROLE_NAME
from preflight.model import Location
from preflight.sources import jsonpos
from preflight.sources.snapshot import Annotations
from preflight.sources.terraform import (
    Budget,
    DocBuilder,
    Hole,
    Limits,
    Partial,
    PartialText,
    Unresolved,
    partial_collection,
    partly_known_trust,
    plain,
)

try:  # the C loader when PyYAML was built with libyaml
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

#: YAML short tags and the function each stands for (ROS "function" docs)
SHORT_TAGS = {
    "Ref": "Ref", "Condition": "Condition",
    **{name: f"Fn::{name}" for name in (
        "GetAtt", "Sub", "Join", "Select", "Split", "Base64", "Base64Encode", "Base64Decode", "FindInMap",
        "GetAZs", "Replace", "If", "Equals", "And", "Or", "Not", "Str", "Index", "Length", "ListMerge",
        "GetJsonValue", "MergeMapToList", "Avg", "SelectMapList", "Add", "Calculate", "Max", "Min",
        "GetStackOutput", "Jq", "Contains", "Any", "EachMemberIn", "MatchPattern", "Cidr", "Indent")},
}


class RosLoader(_BaseLoader):
    """A safe loader that also reads the ROS short tags (and nothing else beyond plain YAML)."""


def _short_tag(fn: str) -> Callable[[yaml.BaseLoader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.BaseLoader, node: yaml.Node) -> dict[str, Any]:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if fn == "Fn::GetAtt" and isinstance(value, str):  # !GetAtt Role.RoleName
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        return {fn: value}

    return construct


for _tag, _fn in SHORT_TAGS.items():
    RosLoader.add_constructor(f"!{_tag}", _short_tag(_fn))


# ---------------------------------------------------------------------------------------------------------
# Loading


@dataclass(frozen=True)
class Template:
    """A parsed ROS template, with the line of each of its paths."""

    display: str
    data: Mapping[str, Any]
    #: the line of a path of keys/indexes inside the template
    line: Callable[[Sequence[str | int]], int]
    #: line ranges of the resources (for inline waivers)
    ranges: list[tuple[int, int]] = field(default_factory=list)

    def location(self, *path: str | int) -> Location:
        return Location(self.display, self.line(list(path)))


def load_template(text: str, display: str, parsed: Any = None) -> Template:
    """A ROS template from its text (YAML or JSON; ``parsed`` when JSON was already parsed)."""
    if parsed is not None or text.lstrip().startswith("{"):
        if parsed is None:
            from preflight.sources.snapshot import parse_json

            parsed = parse_json(text, display)
        if not isinstance(parsed, Mapping):
            raise PreflightError(Msg("iac.ros_mapping"), f"{display}:1")
        return Template(display, parsed, lambda path: jsonpos.pointer_line(text, _pointer(path)),
                        _json_ranges(text, parsed))
    from preflight import yamlpos

    data, lines = yamlpos.load(text, display, RosLoader)
    if not isinstance(data, Mapping):
        raise PreflightError(Msg("iac.ros_mapping"), f"{display}:1")
    return Template(display, data, lines.key_line, _yaml_ranges(lines.node, text))


def _pointer(path: Sequence[str | int]) -> str:
    return "".join(f"/{str(p).replace('~', '~0').replace('/', '~1')}" for p in path)


def _yaml_ranges(node: yaml.Node | None, text: str) -> list[tuple[int, int]]:
    """The lines of each resource, from its key to its last line with content (a block node's end mark
    lies after the blank lines and comments that follow it, which belong to the next resource)."""
    resources = _child(node, "Resources")
    if not isinstance(resources, yaml.MappingNode):
        return []
    lines = text.splitlines()
    out = []
    for k, v in resources.value:
        start = k.start_mark.line + 1
        # a block collection ends where the next token starts (the next key's line); a scalar or a flow
        # collection ends right after its last character
        block = isinstance(v, yaml.CollectionNode) and not v.flow_style
        end = v.end_mark.line if block else v.end_mark.line + 1
        while end > start and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1
        out.append((start, end))
    return out


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                child: yaml.Node = v
                return child
    return None


def _json_ranges(text: str, data: Mapping[str, Any]) -> list[tuple[int, int]]:
    resources = data.get("Resources")
    if not isinstance(resources, Mapping):
        return []
    starts = [jsonpos.pointer_line(text, _pointer(["Resources", k])) for k in resources]
    return [(s, s) for s in starts]  # JSON has no comments: the range is informative only


# ---------------------------------------------------------------------------------------------------------
# Intrinsic functions


_NAME_ATTRIBUTES = {
    "ALIYUN::RAM::Role": ("RoleName", {"RoleName"}),
    "ALIYUN::OSS::Bucket": ("BucketName", {"Name", "BucketName"}),
    "ALIYUN::RAM::ManagedPolicy": ("PolicyName", {"PolicyName"}),
}


#: the caps on evaluating one template (a template is untrusted: a YAML alias or a chain of ``Fn::Join`` can
#: make a few lines stand for gigabytes): ``eval_steps`` values resolved, ``eval_depth`` levels of nesting and
#: of references followed, ``value_size`` characters and elements of one value (``value_depth`` as in
#: Terraform); past one, the value is unknown with the cap named
ROS_LIMITS = Limits(eval_depth=50)


class Resolver:
    def __init__(self, data: Mapping[str, Any], limits: Limits = ROS_LIMITS) -> None:
        params = data.get("Parameters")
        self.parameters: Mapping[str, Any] = params if isinstance(params, Mapping) else {}
        resources = data.get("Resources")
        self.resources: Mapping[str, Any] = resources if isinstance(resources, Mapping) else {}
        self.budget = Budget(limits)
        #: the name of a resource, once resolved (a chain of resources named after each other twice over
        #: is resolved once per resource, not 2^n times)
        self._names: dict[str, Any] = {}
        self._naming: set[str] = set()
        #: id of a list or mapping of the template -> (it, what it resolves to): YAML aliases make one node
        #: appear many times (``*a`` ten times over, nine levels deep), and it is resolved once
        self._resolved: dict[int, tuple[Any, Any]] = {}

    def resolve(self, v: Any, depth: int = 0) -> Any:
        """The value with every intrinsic function evaluated, or :class:`Unresolved`."""
        budget = self.budget
        budget.steps += 1
        if budget.steps > budget.limits.eval_steps:
            return Unresolved(Msg("iac.cap_steps", cap=budget.limits.eval_steps))
        if depth > budget.limits.eval_depth:
            return Unresolved(Msg("iac.ros_too_deep", cap=budget.limits.eval_depth))
        composite = isinstance(v, list | Mapping)
        if composite:
            known = self._resolved.get(id(v))
            if known is not None and known[0] is v:
                return known[1]
        out = self._resolve(v, depth)
        out = budget.checked_partial(out) if isinstance(out, Unresolved) else budget.checked(out)
        if composite:
            self._resolved[id(v)] = (v, out)
        return out

    def _resolve(self, v: Any, depth: int) -> Any:
        if isinstance(v, list):
            items = []
            for x in v:
                r = self.resolve(x, depth + 1)
                if isinstance(r, Unresolved) and not isinstance(r, Partial):
                    return r
                items.append(r)
            partial = partial_collection(items, list)  # some items known in part (Fn::Sub of a pseudo parameter)
            return partial if partial is not None else items
        if not isinstance(v, Mapping):
            return v
        if len(v) == 1:
            (key, arg), = v.items()
            if key == "Ref":
                return self._ref(arg, depth)
            if key == "Fn::GetAtt":
                return self._get_att(arg, depth)
            if key == "Fn::Sub":
                return self._sub(arg, depth)
            if key == "Fn::Join":
                return self._join(arg, depth)
            if isinstance(key, str) and (key.startswith("Fn::") or key == "Condition"):
                return Unresolved(Msg("iac.ros_not_static", function=key))
        out = {}
        for k, x in v.items():
            r = self.resolve(x, depth + 1)
            if isinstance(r, Unresolved) and not isinstance(r, Partial):
                return r
            out[str(k)] = r
        partial = partial_collection(list(out.values()), lambda vs: dict(zip(out, vs, strict=True)))
        return partial if partial is not None else out

    def _ref(self, name: Any, depth: int) -> Any:
        if not isinstance(name, str):
            return Unresolved(Msg("iac.ros_ref_not_name"))
        if name.startswith("ALIYUN::"):
            return Unresolved(Msg("iac.ros_pseudo", name=name))
        param = self.parameters.get(name)
        if isinstance(param, Mapping):
            if "Default" in param:
                return param["Default"]
            return Unresolved(Msg("iac.ros_param_no_default", name=name))
        if name in self.resources:
            return self.name_of(name, depth + 1)
        return Unresolved(Msg("iac.ros_ref_unknown", name=name))

    def _get_att(self, arg: Any, depth: int) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg)):
            return Unresolved(Msg("iac.ros_getatt_args"))
        res, attr = arg
        r = self.resources.get(res)
        rtype = r.get("Type") if isinstance(r, Mapping) else None
        if isinstance(rtype, str) and rtype in _NAME_ATTRIBUTES and attr in _NAME_ATTRIBUTES[rtype][1]:
            return self.name_of(res, depth + 1)
        return Unresolved(Msg("iac.ros_getatt_runtime", resource=res, attribute=attr))

    def name_of(self, logical_id: str, depth: int = 0) -> Any:
        """The name a resource is given in the template (once resolved, remembered); a name that refers
        back to itself (``B`` named after ``C``, ``C`` after ``B``) is unknown."""
        if logical_id in self._names:
            self.budget.steps += 1
            return self._names[logical_id]
        if logical_id in self._naming:
            return Unresolved(Msg("iac.ros_cycle", name=logical_id))
        self._naming.add(logical_id)
        try:
            name = self._name_of(logical_id, depth)
        finally:
            self._naming.discard(logical_id)
        self._names[logical_id] = name
        return name

    def _name_of(self, logical_id: str, depth: int) -> Any:
        r = self.resources.get(logical_id)
        rtype = r.get("Type") if isinstance(r, Mapping) else None
        if not isinstance(r, Mapping) or rtype not in _NAME_ATTRIBUTES:
            return Unresolved(Msg("iac.ros_value_runtime", name=logical_id))
        props = r.get("Properties")
        prop = _NAME_ATTRIBUTES[str(rtype)][0]
        if not isinstance(props, Mapping):
            props = {}
        if prop not in props:
            return Unresolved(Msg("iac.ros_no_name", name=logical_id, prop=prop))
        return self.resolve(props[prop], depth + 1)

    def _sub(self, arg: Any, depth: int) -> Any:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1]) if (
            isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], Mapping)
        ) else (None, {})
        if text is None:
            return Unresolved(Msg("iac.ros_sub_args"))
        out: list[str | Hole] = []
        pos, size = 0, 0
        first: Unresolved | None = None
        while (start := text.find("${", pos)) >= 0:
            end = text.find("}", start)
            if end < 0:
                break
            out.append(text[pos:start])
            name = text[start + 2:end]
            if name.startswith("!"):  # ${!Literal} is the text ${Literal}
                out.append("${" + name[1:] + "}")
            else:
                value = (self.resolve(variables[name], depth + 1) if name in variables
                         else self._get_att(name.split(".", 1), depth) if "." in name else self._ref(name, depth))
                if isinstance(value, Unresolved):  # kept as a hole: the literal parts stay known
                    first = first or value
                    out.append(Hole("${" + name + "}"))
                else:
                    out.append(str(value))
            size += (len(out[-1]) if isinstance(out[-1], str) else 0) + start - pos
            if size > self.budget.limits.value_size:
                return Unresolved(Msg("iac.cap_value_size", cap=self.budget.limits.value_size))
            pos = end + 1
        out.append(text[pos:])
        if first is not None:
            return Partial(first.reason, value=PartialText(tuple(p for p in out if p != "")))
        return "".join(p for p in out if isinstance(p, str))

    def _join(self, arg: Any, depth: int) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
            return Unresolved(Msg("iac.ros_join_args"))
        items = self.resolve(arg[1], depth + 1)
        if isinstance(items, Unresolved):
            return plain(items)
        if not isinstance(items, list):
            return Unresolved(Msg("iac.ros_join_not_list"))
        parts = [str(x) for x in items]  # each item is within the size cap, measured when resolved
        if sum(map(len, parts)) + len(arg[0]) * len(parts) > self.budget.limits.value_size:
            return Unresolved(Msg("iac.cap_value_size", cap=self.budget.limits.value_size))
        return arg[0].join(parts)


# ---------------------------------------------------------------------------------------------------------
# Template → document


#: the document's fields as the ROS resources' properties (see terraform.mapping.ARGUMENTS)
PROPERTIES: dict[str, dict[str, str]] = {
    "images": {"Platform": "Platform", "OSType": "Platform", "DiskDeviceMappings": "DiskDeviceMapping"},
    "images/DiskDeviceMappings": {"Type": "DiskType", "Device": "Device", "Size": "Size", "SnapshotId": "SnapshotId"},
    "buckets": {"Name": "BucketName", "StorageClass": "StorageClass", "AccessControlList": "AccessControl",
                "ServerSideEncryptionRule": "ServerSideEncryptionConfiguration", "Policy": "Policy",
                "Versioning": "VersioningConfiguration"},
    "buckets/ServerSideEncryptionRule": {"SSEAlgorithm": "SSEAlgorithm", "KMSMasterKeyID": "KMSMasterKeyID"},
    "roles": {"RoleName": "RoleName", "AssumeRolePolicyDocument": "AssumeRolePolicyDocument",
              "AttachedPolicies": "Policies"},
}


@dataclass
class _Doc(DocBuilder):
    """The ROS source's document builder, with the template being read."""

    template: Template | None = None
    #: role pointer -> the names in its AttachedPolicies so far
    attached_names: dict[str, set[str]] = field(default_factory=dict)

    def at(self, *path: str | int) -> Location:
        assert self.template is not None
        return self.template.location(*path)


_ABSENT: Any = object()


def document(template: Template, *, export_roles: Sequence[str] = (), export_buckets: Sequence[str] = ()
             ) -> tuple[dict[str, Any], Annotations]:
    resolver = Resolver(template.data)
    d = _Doc(source="ROS template", doc={"images": [], "buckets": [], "roles": []}, template=template,
             arguments=PROPERTIES)
    by_type: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for logical_id, r in resolver.resources.items():
        if isinstance(r, Mapping) and isinstance(r.get("Type"), str):
            props = r.get("Properties")
            by_type.setdefault(r["Type"], []).append((str(logical_id), props if isinstance(props, Mapping) else {}))
    policies = _managed_policies(d, resolver, by_type.get("ALIYUN::RAM::ManagedPolicy", []))
    attachments = _attachments(resolver, by_type)
    policy_roles: dict[str, list[str]] = {}  # role name -> the managed policies whose Roles name it
    for pname, (_, _, roles) in policies.items():
        for role in dict.fromkeys(r for r in roles if isinstance(r, str)):
            policy_roles.setdefault(role, []).append(pname)
    for logical_id, props in by_type.get("ALIYUN::RAM::Role", []):
        name = _role(d, resolver, logical_id, props, policies, attachments, policy_roles, export_roles)
        if name in export_roles or name == DEFAULT_ROLE_NAME:
            ptr = d.add("exports", {"RoleName": name}, template.location("Resources", logical_id), logical_id)
            d.scopes[int(ptr.rsplit("/", 1)[1])] = "role"
    bpa = _bucket_bpa(d, resolver, by_type)
    for logical_id, props in by_type.get("ALIYUN::OSS::Bucket", []):
        name = _bucket(d, resolver, logical_id, props, export_buckets, bpa)
        if name in export_buckets:
            ptr = d.add("exports", {"OSSBucket": name}, template.location("Resources", logical_id), logical_id)
            d.scopes[int(ptr.rsplit("/", 1)[1])] = "bucket"
    for logical_id, props in by_type.get("ALIYUN::ECS::CustomImage", []):
        _image(d, resolver, logical_id, props)
    return d.document(), d.annotations()


def _prop_loc(d: _Doc, logical_id: str, *path: str | int) -> Location:
    return d.at("Resources", logical_id, "Properties", *path)


def _policy_doc(value: Any, where: Location, strict: bool = True) -> Any:
    """A policy document, validated now: an error at its place when it feeds an export's facts (``strict``:
    the export role's, the export bucket's), else a malformed one is only unknown (never aborts the run)."""
    if isinstance(value, Unresolved) or value is None:
        return value
    try:
        pol.parse_policy(value)
    except pol.PolicyError as e:
        if not strict:
            return Unresolved(Msg("iac.bad_policy", reason=e.message))
        raise PreflightError(Msg("iac.bad_policy", reason=e.message), str(where)) from None
    return value


def _get(resolver: Resolver, props: Mapping[str, Any], key: str) -> Any:
    return resolver.resolve(props[key]) if key in props else _ABSENT


def _managed_policies(d: _Doc, resolver: Resolver, items: list[tuple[str, Mapping[str, Any]]]
                      ) -> dict[str, tuple[Any, Location, list[Any]]]:
    """PolicyName -> (document, where, the roles its ``Roles`` property attaches it to)."""
    out = {}
    for logical_id, props in items:
        name = _get(resolver, props, "PolicyName")
        if not isinstance(name, str):
            continue
        where = _prop_loc(d, logical_id, "PolicyDocument")
        doc = _get(resolver, props, "PolicyDocument")
        roles = _get(resolver, props, "Roles")
        out[name] = (None if doc is _ABSENT else doc, where,  # validated where attached to a role
                     roles if isinstance(roles, list) else [])
    return out


def _attachments(resolver: Resolver, by_type: Mapping[str, list[tuple[str, Mapping[str, Any]]]]
                 ) -> dict[str, list[tuple[str, Any]]]:
    """Role name -> (policy name, policy type) of every ``ALIYUN::RAM::AttachPolicyToRole`` naming it (by role,
    so that each role looks up its own, not every attachment of the template)."""
    out: dict[str, list[tuple[str, Any]]] = {}
    for _, p in by_type.get("ALIYUN::RAM::AttachPolicyToRole", []):
        role, pname = _get(resolver, p, "RoleName"), _get(resolver, p, "PolicyName")
        if isinstance(role, str) and isinstance(pname, str):
            out.setdefault(role, []).append((pname, _get(resolver, p, "PolicyType")))
    return out


def _role(d: _Doc, resolver: Resolver, logical_id: str, props: Mapping[str, Any],
          policies: Mapping[str, tuple[Any, Location, list[Any]]], attachments: Mapping[str, list[tuple[str, Any]]],
          policy_roles: Mapping[str, list[str]], export_roles: Sequence[str]) -> str | None:
    name = _get(resolver, props, "RoleName")
    role_name = name if isinstance(name, str) else logical_id
    # its policies feed an export's facts
    strict = isinstance(name, str) and (name in export_roles or name == DEFAULT_ROLE_NAME)
    entry: dict[str, Any] = {"RoleName": role_name}
    ptr = d.add("roles", entry, d.at("Resources", logical_id), logical_id)
    if not isinstance(name, str):  # the logical id only stands for it: recorded unknown, never matched as a name
        d.unknown[f"{ptr}/RoleName"] = _unnamed(name, logical_id, "RoleName")
    d.put(entry, ptr, "Arn", Unresolved(Msg("iac.ros_role_arn")), None)
    trust = _get(resolver, props, "AssumeRolePolicyDocument")
    where = _prop_loc(d, logical_id, "AssumeRolePolicyDocument")
    if trust is _ABSENT:
        trust = Unresolved(Msg("iac.ros_no_trust"))
    d.put(entry, ptr, "AssumeRolePolicyDocument", _policy_doc(partly_known_trust(trust), where, strict), where)
    attached: list[dict[str, Any]] = []
    first: Location | None = None
    inline = props.get("Policies")
    for i, p in enumerate(inline if isinstance(inline, list) else []):
        pname = resolver.resolve(p.get("PolicyName")) if isinstance(p, Mapping) else None
        pname = pname if isinstance(pname, str) else f"{logical_id}.Policies[{i}]"
        loc = _prop_loc(d, logical_id, "Policies", i, "PolicyDocument")
        doc = resolver.resolve(p.get("PolicyDocument")) if isinstance(p, Mapping) else None
        _attach(d, ptr, role_name, attached, pname, "Custom", _policy_doc(doc, loc, strict))
        first = first or loc
    pa = props.get("PolicyAttachments")
    for ptype in ("System", "Custom"):
        names = resolver.resolve(pa.get(ptype)) if isinstance(pa, Mapping) else None
        for item in names if isinstance(names, list) else []:
            pname = str(item)  # a name that is not a string names no policy of the template
            managed = policies.get(pname) if isinstance(item, str) else None
            if ptype == "System":
                doc = Unresolved(Msg("iac.ros_policy_not_in_template", type="System", name=pname))
            elif managed is not None:
                doc = _policy_doc(managed[0], managed[1], strict)
            else:
                doc = Unresolved(Msg("iac.policy_undefined", type="Custom", name=pname, source=d.source_name))
            _attach(d, ptr, role_name, attached, pname, ptype, doc)
            first = first or (managed[1] if ptype == "Custom" and managed is not None
                              else _prop_loc(d, logical_id, "PolicyAttachments", ptype))
    for pname, ptype in attachments.get(role_name, ()):
        t = ptype if isinstance(ptype, str) else "Custom"
        doc = (_policy_doc(policies[pname][0], policies[pname][1], strict) if t == "Custom" and pname in policies
               else Unresolved(Msg("iac.ros_policy_not_in_template", type=t, name=pname)))
        _attach(d, ptr, role_name, attached, pname, t, doc)
    for pname in policy_roles.get(role_name, ()):
        doc, loc, _ = policies[pname]
        _attach(d, ptr, role_name, attached, pname, "Custom", _policy_doc(doc, loc, strict))
        first = first or loc
    d.put(entry, ptr, "AttachedPolicies", attached, first or d.at("Resources", logical_id))
    return role_name if isinstance(name, str) else None


def _attach(d: _Doc, ptr: str, role: str, attached: list[dict[str, Any]], name: str, ptype: str, doc: Any
            ) -> None:
    """Add a policy to the role's ``AttachedPolicies`` (the role is at ``ptr``), once (the last item is the
    newest; the names so far are looked up in a set kept beside the list)."""
    names = d.attached_names.setdefault(ptr, set())
    if name in names:
        return
    names.add(name)
    item: dict[str, Any] = {"PolicyName": name, "PolicyType": ptype}
    if isinstance(doc, Unresolved) or doc is None:
        reason = doc.reason if isinstance(doc, Unresolved) else Msg("iac.ros_policy_no_document", name=name)
        d.unknown_policy(role, name, f"{ptr}/AttachedPolicies/{len(attached)}", reason)
    else:
        item["PolicyDocument"] = doc
    attached.append(item)


def _unnamed(name: Any, logical_id: str, prop: str) -> Any:
    """Why a resource's name is not known: its own reason, or that ROS names it when the stack is created."""
    return name.reason if isinstance(name, Unresolved) else Msg("iac.ros_no_name", name=logical_id, prop=prop)


def _bucket(d: _Doc, resolver: Resolver, logical_id: str, props: Mapping[str, Any], export_buckets: Sequence[str],
            bpa: _SeparateBpa) -> str | None:
    name = _get(resolver, props, "BucketName")
    bucket_name = name if isinstance(name, str) else logical_id
    entry: dict[str, Any] = {"Name": bucket_name}
    ptr = d.add("buckets", entry, d.at("Resources", logical_id), logical_id)
    if not isinstance(name, str):  # the logical id only stands for it: recorded unknown, never matched as a name
        d.unknown[f"{ptr}/Name"] = _unnamed(name, logical_id, "BucketName")
    d.put(entry, ptr, "Location", Unresolved(Msg("iac.ros_bucket_region")), None)
    storage = _get(resolver, props, "StorageClass")
    d.put(entry, ptr, "StorageClass", "Standard" if storage is _ABSENT else storage,
          _prop_loc(d, logical_id, "StorageClass"))
    acl = _get(resolver, props, "AccessControl")
    acl = "private" if acl is _ABSENT else acl
    d.put(entry, ptr, "AccessControlList", acl if isinstance(acl, Unresolved) else {"Grant": acl},
          _prop_loc(d, logical_id, "AccessControl"))
    sse = _get(resolver, props, "ServerSideEncryptionConfiguration")
    if sse is _ABSENT:
        rule: Any = {"SSEAlgorithm": "None"}
    elif isinstance(sse, Mapping):
        rule = {"SSEAlgorithm": sse.get("SSEAlgorithm") or "None"}
        if sse.get("KMSMasterKeyID"):
            rule["KMSMasterKeyID"] = sse["KMSMasterKeyID"]
    else:
        rule = sse
    d.put(entry, ptr, "ServerSideEncryptionRule", rule,
          _prop_loc(d, logical_id, "ServerSideEncryptionConfiguration", "SSEAlgorithm"))
    d.put(entry, ptr, "Owner", Unresolved(Msg("iac.ros_bucket_owner")), None)
    versioning = _get(resolver, props, "VersioningConfiguration")
    if versioning is not _ABSENT:
        status = versioning.get("Status") if isinstance(versioning, Mapping) else versioning
        d.put(entry, ptr, "Versioning", status, _prop_loc(d, logical_id, "VersioningConfiguration", "Status"))
    d.put(entry, ptr, "CrossRegionReplication",
          Unresolved(Msg("iac.ros_replication")), None)
    block, block_loc = _block_public_access(d, resolver, logical_id, props, name, bpa)
    d.put(entry, ptr, "BlockPublicAccess", block, block_loc)
    policy = _get(resolver, props, "Policy")
    where = _prop_loc(d, logical_id, "Policy")
    strict = isinstance(name, str) and name in export_buckets  # only an export bucket's policy feeds an export's
    d.put(entry, ptr, "Policy", None if policy is _ABSENT else _policy_doc(policy, where, strict), where)
    return bucket_name if isinstance(name, str) else None


@dataclass
class _SeparateBpa:
    """The ``ALIYUN::OSS::BucketPublicAccessBlock`` resources of a template, by the bucket they configure."""

    #: ("name", bucket name) or ("ref", the logical id of the bucket a ``Ref``/``Fn::GetAtt`` names)
    #: -> [(value, where, logical id)]
    by_bucket: dict[tuple[str, str], list[tuple[Any, Location, str]]] = field(default_factory=dict)
    #: one whose ``Bucket`` the template does not decide: it may be any bucket's
    stray: Msg | None = None


def _bucket_bpa(d: _Doc, resolver: Resolver, by_type: Mapping[str, list[tuple[str, Mapping[str, Any]]]]
                ) -> _SeparateBpa:
    """``ALIYUN::OSS::BucketPublicAccessBlock`` (``Bucket``, ``BlockPublicAccess``) by the bucket it names:
    by name, or by the bucket resource a ``Ref``/``Fn::GetAtt`` refers to when its name is not decided."""
    out = _SeparateBpa()
    for logical_id, props in by_type.get("ALIYUN::OSS::BucketPublicAccessBlock", []):
        value = _ros_bool(_get(resolver, props, "BlockPublicAccess"))
        where = _prop_loc(d, logical_id, "BlockPublicAccess") if "BlockPublicAccess" in props else \
            d.at("Resources", logical_id)
        name = _get(resolver, props, "Bucket")
        ref = _referenced_bucket(resolver, props.get("Bucket"))
        key = ("ref", ref) if ref is not None else ("name", name) if isinstance(name, str) else None
        if key is None:
            out.stray = out.stray or Msg("iac.bucket_stray", address=logical_id)
        else:
            out.by_bucket.setdefault(key, []).append((value, where, logical_id))
    return out


def _referenced_bucket(resolver: Resolver, raw: Any) -> str | None:
    """The logical id of the ``ALIYUN::OSS::Bucket`` that ``Ref: X`` or ``Fn::GetAtt: [X, Name]`` refers to."""
    if not (isinstance(raw, Mapping) and len(raw) == 1):
        return None
    (fn, arg), = raw.items()
    if fn == "Ref":
        target = arg
    elif fn == "Fn::GetAtt" and isinstance(arg, list) and len(arg) == 2 and \
            arg[1] in _NAME_ATTRIBUTES["ALIYUN::OSS::Bucket"][1]:
        target = arg[0]
    else:
        return None
    r = resolver.resources.get(target) if isinstance(target, str) else None
    return target if isinstance(r, Mapping) and r.get("Type") == "ALIYUN::OSS::Bucket" else None


def _ros_bool(v: Any) -> Any:
    """A Boolean property as ROS reads it (``"true"``/``"false"`` strings too); anything else unknown."""
    v = plain(v)
    if isinstance(v, bool | Unresolved):
        return v
    if isinstance(v, str) and v.lower() in ("true", "false"):
        return v.lower() == "true"
    return Unresolved(Msg("iac.not_a_bool", value="(not set)" if v is _ABSENT else str(v)))


def _block_public_access(d: _Doc, resolver: Resolver, logical_id: str, props: Mapping[str, Any], name: Any,
                         separate: _SeparateBpa) -> tuple[Any, Location]:
    """The bucket's Block Public Access: its ``BlockPublicAccess`` property and the
    ``ALIYUN::OSS::BucketPublicAccessBlock`` resources naming it (by name or reference). What the template does
    not declare is what ROS creates: off (OSS's default). Settings that disagree (ROS applies them in an order
    the template does not fix), or a separate resource whose ``Bucket`` is not decided, are unknown."""
    declared: list[tuple[Any, Location, str]] = []
    if "BlockPublicAccess" in props:
        declared.append((_ros_bool(_get(resolver, props, "BlockPublicAccess")),
                         _prop_loc(d, logical_id, "BlockPublicAccess"), logical_id))
    declared.extend(separate.by_bucket.get(("ref", logical_id), ()))
    if isinstance(name, str):
        declared.extend(separate.by_bucket.get(("name", name), ()))
    elif any(kind == "name" for kind, _ in separate.by_bucket):  # a name the template does not decide
        # may be the one a separate resource names
        named = next(x for (kind, _), xs in separate.by_bucket.items() if kind == "name" for x in xs)
        return Unresolved(Msg("iac.bucket_stray", address=named[2])), named[1]
    if separate.stray is not None:
        return Unresolved(separate.stray), declared[0][1] if declared else d.at("Resources", logical_id)
    if not declared:
        return False, d.at("Resources", logical_id)
    value, where, _ = declared[-1]
    if any(v != value for v, _, _ in declared):
        names = ", ".join(dict.fromkeys(x[2] for x in declared))
        return Unresolved(Msg("iac.ros_bpa_conflict", resources=names)), where
    return value, where


def _image(d: _Doc, resolver: Resolver, logical_id: str, props: Mapping[str, Any]) -> None:
    # No ROS resource exports an image, so images are listed for completeness only; their region is the
    # stack's, which a template does not name.
    entry: dict[str, Any] = {"RegionId": "ALIYUN::Region", "ImageId": logical_id, "ImageOwnerAlias": "self"}
    ptr = d.add("images", entry, d.at("Resources", logical_id), logical_id)
    # ECS gives the id when it creates the image: the logical id only stands in, never read as an image id
    d.unknown[f"{ptr}/ImageId"] = Msg("iac.image_id_created", address=logical_id)
    platform = _get(resolver, props, "Platform")
    if platform is _ABSENT:
        platform = Unresolved(Msg("iac.ros_image_no_platform"))
    d.put(entry, ptr, "Platform", platform, _prop_loc(d, logical_id, "Platform"))
    if isinstance(platform, str):
        entry["OSType"] = "windows" if platform.lower().startswith("windows") else "linux"
    d.put(entry, ptr, "OSName", Unresolved(Msg("iac.image_os_name", resource="ALIYUN::ECS::CustomImage",
                                               platform="Platform")), _prop_loc(d, logical_id, "Platform"))
    mappings = _get(resolver, props, "DiskDeviceMapping")
    if isinstance(mappings, list):
        disks = [{k: str(m[src]) for k, src in (("Type", "DiskType"), ("Size", "Size"), ("SnapshotId", "SnapshotId"),
                                                ("Device", "Device")) if m.get(src) is not None}
                 for m in mappings if isinstance(m, Mapping)]
        d.put(entry, ptr, "DiskDeviceMappings", disks, _prop_loc(d, logical_id, "DiskDeviceMapping"))
    else:
        d.put(entry, ptr, "DiskDeviceMappings", mappings if isinstance(mappings, Unresolved) else
              Unresolved(Msg("iac.ros_image_no_disks")), None)
