"""Terraform plans (``terraform show -json plan.out``) → the snapshot-shaped document + annotations.

A plan has the values Terraform resolved: ``planned_values`` (root module and ``child_modules``) and
``resource_changes`` (``change.after``; ``change.after_unknown`` marks what is known only after apply,
which becomes unknown here). Region: ``configuration.provider_config`` of the resource's
``provider_config_key`` (a constant, or a root variable's value from ``variables``). When a joining
argument (``image_id``, ``oss_bucket``, ``bucket``, ``role_name``, ``policy_name``) is unknown, the
configuration's ``references`` still tell which resource it names, so the join is made as for HCL.

Locations: the plan file, at the line of the resource (and of the attribute, when it has a value) in the
JSON; a plan has no HCL lines.

Shapes: every container the plan is read through (sections, modules, resources, changes, configuration) must
have the shape Terraform writes (``null`` counts as absent); any other is an error naming the file, the line
and the JSON pointer (``p.plan.json:1: at /planned_values: expected an object``), never a crash.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

from preflight.errors import Msg, PreflightError
from preflight.model import Location
from preflight.sources import jsonpos
from preflight.sources.snapshot import Annotations
from preflight.sources.terraform import TYPES, Attr, Block, Resource, Unresolved, build_document

_RESOLVED_VARS = ("var.",)


def document(plan: Mapping[str, Any], text: str, display: str, *, export_roles: Sequence[str] = (),
             export_buckets: Sequence[str] = ()) -> tuple[dict[str, Any], Annotations]:
    resources = list(_resources(plan, _Shape(text, display)))
    return build_document(resources, source="Terraform plan", export_roles=export_roles,
                          export_buckets=export_buckets)


def _token(name: str) -> str:
    """A key as a JSON pointer token (RFC 6901)."""
    return name.replace("~", "~0").replace("/", "~1")


class _Shape:
    """Reads the plan's containers, failing with the file, line and pointer of one of the wrong shape."""

    def __init__(self, text: str, display: str) -> None:
        self.text = text
        self.display = display

    def fail(self, pointer: str, key: str) -> NoReturn:
        where = f"{self.display}:{jsonpos.pointer_line(self.text, pointer)}"
        raise PreflightError(Msg(key, pointer=pointer or "/"), where)

    def obj(self, value: Any, pointer: str) -> Mapping[str, Any]:
        """An object; ``null`` or absent is an empty one."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.fail(pointer, "iac.plan_expected_object")
        return value

    def arr(self, value: Any, pointer: str) -> list[Any]:
        """An array; ``null`` or absent is an empty one."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(pointer, "iac.plan_expected_list")
        return value

    def objects(self, value: Any, pointer: str) -> list[tuple[Mapping[str, Any], str]]:
        """An array of objects, each with its pointer."""
        out = []
        for i, item in enumerate(self.arr(value, pointer)):
            if not isinstance(item, Mapping):
                self.fail(f"{pointer}/{i}", "iac.plan_expected_object")
            out.append((item, f"{pointer}/{i}"))
        return out

    def string(self, value: Any, pointer: str) -> str | None:
        """A string; ``null`` or absent is None."""
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(pointer, "iac.plan_expected_string")
        return value


def _modules(shape: _Shape, module: Mapping[str, Any], pointer: str) -> list[tuple[Mapping[str, Any], str]]:
    """Every module of ``planned_values`` with its JSON pointer, root first, then each child before its
    children (walked with a list, not the Python stack: a plan may nest modules as deep as JSON goes)."""
    out = []
    todo = [(module, pointer)]
    while todo:
        module, pointer = todo.pop()
        out.append((module, pointer))
        todo += reversed(shape.objects(module.get("child_modules"), f"{pointer}/child_modules"))
    return out


def _resource_entry(shape: _Shape, r: Mapping[str, Any], pointer: str) -> str | None:
    """The address of a resource (of ``planned_values`` or ``resource_changes``) preflight reads, else None.

    The keys used to choose are checked first: a wrong ``type``, ``mode`` or ``address`` is an error, not a
    resource quietly left out."""
    kind = shape.string(r.get("type"), f"{pointer}/type")
    mode = shape.string(r.get("mode"), f"{pointer}/mode") or "managed"
    address = shape.string(r.get("address"), f"{pointer}/address")
    if mode != "managed" or kind not in TYPES:
        return None
    if address is None:
        shape.fail(f"{pointer}/address", "iac.plan_expected_string")
    shape.string(r.get("module_address"), f"{pointer}/module_address")
    return address


def _change(shape: _Shape, c: Mapping[str, Any], pointer: str) -> Mapping[str, Any]:
    """The ``change`` of a resource change, its ``actions`` and ``after`` checked (``after_unknown`` is a mask:
    whatever is not an object there marks nothing)."""
    cptr = f"{pointer}/change"
    change = shape.obj(c.get("change"), cptr)
    shape.arr(change.get("actions"), f"{cptr}/actions")
    shape.obj(change.get("after"), f"{cptr}/after")
    return change


def _resources(plan: Mapping[str, Any], shape: _Shape) -> list[Resource]:
    changes: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for c, cptr in shape.objects(plan.get("resource_changes"), "/resource_changes"):
        address = shape.string(c.get("address"), f"{cptr}/address")
        if address is not None:
            changes[address] = (cptr, c)
    config = _Config(plan, shape)
    out: list[Resource] = []
    seen: set[str] = set()
    planned = shape.obj(plan.get("planned_values"), "/planned_values")
    root = shape.obj(planned.get("root_module"), "/planned_values/root_module")
    for module, mptr in _modules(shape, root, "/planned_values/root_module"):
        for r, ptr in shape.objects(module.get("resources"), f"{mptr}/resources"):
            address = _resource_entry(shape, r, ptr)
            if address is None:
                continue
            values = shape.obj(r.get("values"), f"{ptr}/values")
            after_unknown: Any = {}
            if address in changes:
                cptr, c = changes[address]
                after_unknown = _change(shape, c, cptr).get("after_unknown")
            out.append(_resource(r, address, values, after_unknown, ptr, shape, config))
            seen.add(address)
    # resources without planned values (plans written with only resource_changes)
    for address, (cptr, c) in changes.items():
        if address in seen or _resource_entry(shape, c, cptr) is None:
            continue
        change = _change(shape, c, cptr)
        after = change.get("after") or {}
        if "delete" in (change.get("actions") or []) and not after:
            continue
        out.append(_resource(c, address, after, change.get("after_unknown"), cptr, shape, config))
    return out


def _resource(r: Mapping[str, Any], full_address: str, values: Mapping[str, Any], unknown: Any, pointer: str,
              shape: _Shape, config: _Config) -> Resource:
    address = _base_address(full_address)
    text, display = shape.text, shape.display
    where = Location(display, jsonpos.pointer_line(text, pointer))
    module = str(r.get("module_address") or _module_of(address))
    expressions = config.expressions(address)
    body = _block(values, unknown if isinstance(unknown, Mapping) else {}, f"{pointer}/values", text, display,
                  where, expressions, module)
    return Resource(str(r["type"]), address, body, config.region(address, where))


#: how deep nested blocks are read (no provider schema nests them more than a few levels)
MAX_BLOCK_DEPTH = 16


def _block(values: Mapping[str, Any], unknown: Mapping[str, Any], pointer: str, text: str, display: str,
           where: Location, expressions: Mapping[str, Any], module: str, depth: int = 0) -> Block:
    attrs: dict[str, Attr] = {}
    blocks: dict[str, tuple[Block, ...]] = {}
    names = set(values) | {k for k, v in unknown.items() if v is True}
    for name in sorted(names):
        value = values.get(name)
        if unknown.get(name) is True:
            attrs[name] = Attr(Unresolved(Msg("iac.after_apply", name=name)), where,
                               _target(expressions.get(name), module))
            continue
        if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
            if depth >= MAX_BLOCK_DEPTH:
                attrs[name] = Attr(Unresolved(Msg("iac.cap_value_depth", cap=MAX_BLOCK_DEPTH)), where)
                continue
            found = unknown.get(name)
            marks: list[Any] = found if isinstance(found, list) else []
            blocks[name] = tuple(
                _block(v, marks[j] if j < len(marks) and isinstance(marks[j], Mapping) else {},
                       f"{pointer}/{_token(name)}/{j}", text, display, where, {}, module, depth + 1)
                for j, v in enumerate(value))
            continue
        if value is None:
            continue  # null: not set
        line = jsonpos.pointer_line(text, f"{pointer}/{_token(name)}")
        attrs[name] = Attr(value, Location(display, line), _target(expressions.get(name), module))
    return Block(attrs, blocks, where)


def _target(expression: Any, module: str) -> str | None:
    """The resource a configuration expression references (``["alicloud_image.web.id", "alicloud_image.web"]``)."""
    refs = expression.get("references") if isinstance(expression, Mapping) else None
    for ref in refs or []:
        parts = str(ref).split(".")
        if len(parts) == 2 and parts[0] not in ("var", "local", "data", "module", "path", "each", "count"):
            return f"{module}.{ref}" if module else str(ref)
    return None


def _base_address(address: str) -> str:
    """``alicloud_oss_bucket.b[0]`` → ``alicloud_oss_bucket.b`` (instances of count/for_each are one)."""
    return address.split("[", 1)[0] if address.endswith("]") else address


def _module_of(address: str) -> str:
    parts = address.split(".")
    return ".".join(parts[:-2]) if len(parts) > 2 else ""


class _Config:
    """The ``configuration`` section: expressions and provider keys by resource address (shapes checked)."""

    def __init__(self, plan: Mapping[str, Any], shape: _Shape) -> None:
        self.shape = shape
        conf = shape.obj(plan.get("configuration"), "/configuration")
        self.providers: dict[str, tuple[Mapping[str, Any], str]] = {}
        for key, provider in shape.obj(conf.get("provider_config"), "/configuration/provider_config").items():
            pptr = f"/configuration/provider_config/{_token(key)}"
            self.providers[key] = (shape.obj(provider, pptr), pptr)
        self.variables: dict[str, Any] = {}
        for name, v in shape.obj(plan.get("variables"), "/variables").items():
            self.variables[name] = shape.obj(v, f"/variables/{_token(name)}").get("value")
        self.resources: dict[str, Mapping[str, Any]] = {}
        self._walk(shape.obj(conf.get("root_module"), "/configuration/root_module"), "", "/configuration/root_module")

    def _walk(self, root: Mapping[str, Any], prefix: str, pointer: str) -> None:
        """Every module of the configuration (with a list, not the Python stack: see :func:`_modules`)."""
        todo = [(root, prefix, pointer)]
        while todo:
            todo += reversed(self._module(*todo.pop()))

    def _module(self, module: Mapping[str, Any], prefix: str, pointer: str
                ) -> list[tuple[Mapping[str, Any], str, str]]:
        """Read one module's resources; returns its calls' modules."""
        shape = self.shape
        for r, rptr in shape.objects(module.get("resources"), f"{pointer}/resources"):
            address = shape.string(r.get("address"), f"{rptr}/address")
            shape.string(r.get("provider_config_key"), f"{rptr}/provider_config_key")
            for name, expression in shape.obj(r.get("expressions"), f"{rptr}/expressions").items():
                if isinstance(expression, Mapping):  # an attribute (a nested block is a list of them)
                    shape.arr(expression.get("references"), f"{rptr}/expressions/{_token(name)}/references")
            if address is not None:
                self.resources[f"{prefix}{address}"] = r
        calls = shape.obj(module.get("module_calls"), f"{pointer}/module_calls")
        children = []
        for name, call in calls.items():
            cptr = f"{pointer}/module_calls/{_token(name)}"
            inner = shape.obj(shape.obj(call, cptr).get("module"), f"{cptr}/module")
            children.append((inner, f"{prefix}module.{name}.", f"{cptr}/module"))
        return children

    def expressions(self, address: str) -> Mapping[str, Any]:
        r = self.resources.get(address) or {}
        e = r.get("expressions")
        return e if isinstance(e, Mapping) else {}

    def region(self, address: str, where: Location) -> Attr:
        r = self.resources.get(address) or {}
        key = str(r.get("provider_config_key") or "alicloud")
        found = self.providers.get(key) or self.providers.get(key.rsplit(":", 1)[-1])
        if found is None:
            return Attr(Unresolved(Msg("iac.plan_no_provider", key=key)), where)
        provider, pptr = found
        expressions = self.shape.obj(provider.get("expressions"), f"{pptr}/expressions")
        if expressions.get("region") is None:
            return Attr(Unresolved(Msg("iac.plan_provider_no_region", key=key)), where)
        region = self.shape.obj(expressions["region"], f"{pptr}/expressions/region")
        if isinstance(region.get("constant_value"), str):
            return Attr(region["constant_value"], where)
        refs = self.shape.arr(region.get("references"), f"{pptr}/expressions/region/references")
        if len(refs) == 1 and str(refs[0]).startswith(_RESOLVED_VARS) and ":" not in key:
            value = self.variables.get(str(refs[0])[4:])
            if isinstance(value, str):
                return Attr(value, where)
        return Attr(Unresolved(Msg("iac.plan_region_expr", key=key)), where)
