"""Terraform plans (``terraform show -json plan.out``) → the snapshot-shaped document + annotations.

A plan has the values Terraform resolved: ``planned_values`` (root module and ``child_modules``) and
``resource_changes`` (``change.after``; ``change.after_unknown`` marks what is known only after apply,
which becomes unknown here). Region: ``configuration.provider_config`` of the resource's
``provider_config_key`` (a constant, or a root variable's value from ``variables``). When a joining
argument (``image_id``, ``oss_bucket``, ``bucket``, ``role_name``, ``policy_name``) is unknown, the
configuration's ``references`` still tell which resource it names, so the join is made as for HCL.

Locations: the plan file, at the line of the resource (and of the attribute, when it has a value) in the
JSON; a plan has no HCL lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from preflight.errors import Msg
from preflight.model import Location
from preflight.sources import jsonpos
from preflight.sources.snapshot import Annotations
from preflight.sources.terraform import TYPES, Attr, Block, Resource, Unresolved, build_document

_RESOLVED_VARS = ("var.",)


def document(plan: Mapping[str, Any], text: str, display: str, *, export_roles: Sequence[str] = (),
             export_buckets: Sequence[str] = ()) -> tuple[dict[str, Any], Annotations]:
    resources = list(_resources(plan, text, display))
    return build_document(resources, source="Terraform plan", export_roles=export_roles,
                          export_buckets=export_buckets)


def _modules(module: Any, pointer: str) -> list[tuple[Mapping[str, Any], str]]:
    """Every module of ``planned_values`` with its JSON pointer, root first."""
    if not isinstance(module, Mapping):
        return []
    out = [(module, pointer)]
    for i, child in enumerate(module.get("child_modules") or []):
        out += _modules(child, f"{pointer}/child_modules/{i}")
    return out


def _resources(plan: Mapping[str, Any], text: str, display: str) -> list[Resource]:
    changes = {c.get("address"): (i, c) for i, c in enumerate(plan.get("resource_changes") or [])
               if isinstance(c, Mapping)}
    config = _Config(plan)
    out: list[Resource] = []
    seen: set[str] = set()
    planned = (plan.get("planned_values") or {}).get("root_module")
    for module, mptr in _modules(planned, "/planned_values/root_module"):
        for i, r in enumerate(module.get("resources") or []):
            if not _wanted(r):
                continue
            ptr = f"{mptr}/resources/{i}"
            change = changes.get(r["address"], (None, {}))[1].get("change") or {}
            out.append(_resource(r, r.get("values") or {}, change.get("after_unknown") or {}, ptr,
                                 text, display, config))
            seen.add(r["address"])
    # resources without planned values (plans written with only resource_changes)
    for address, (i, c) in changes.items():
        change = c.get("change") or {}
        deleted = "delete" in (change.get("actions") or []) and not change.get("after")
        if address in seen or not _wanted(c) or deleted:
            continue
        out.append(_resource(c, change.get("after") or {}, change.get("after_unknown") or {},
                             f"/resource_changes/{i}", text, display, config))
    return out


def _wanted(r: Any) -> bool:
    return (isinstance(r, Mapping) and r.get("mode", "managed") == "managed" and r.get("type") in TYPES
            and isinstance(r.get("address"), str))


def _resource(r: Mapping[str, Any], values: Mapping[str, Any], unknown: Any, pointer: str, text: str,
              display: str, config: _Config) -> Resource:
    address = _base_address(str(r["address"]))
    where = Location(display, jsonpos.pointer_line(text, pointer))
    module = str(r.get("module_address") or _module_of(address))
    expressions = config.expressions(address)
    body = _block(values, unknown if isinstance(unknown, Mapping) else {}, f"{pointer}/values", text, display,
                  where, expressions, module)
    return Resource(str(r["type"]), address, body, config.region(address, where))


def _block(values: Mapping[str, Any], unknown: Mapping[str, Any], pointer: str, text: str, display: str,
           where: Location, expressions: Mapping[str, Any], module: str) -> Block:
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
            marks = unknown.get(name)
            nested: list[Any] = marks if isinstance(marks, list) else []
            blocks[name] = tuple(
                _block(v, nested[j] if j < len(nested) and isinstance(nested[j], Mapping) else {},
                       f"{pointer}/{name}/{j}", text, display, where, {}, module)
                for j, v in enumerate(value))
            continue
        if value is None:
            continue  # null: not set
        line = jsonpos.pointer_line(text, f"{pointer}/{name}")
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
    """The ``configuration`` section: expressions and provider keys by resource address."""

    def __init__(self, plan: Mapping[str, Any]) -> None:
        conf = plan.get("configuration") or {}
        self.providers: Mapping[str, Any] = conf.get("provider_config") or {}
        variables = plan.get("variables") or {}
        self.variables = {k: v.get("value") for k, v in variables.items() if isinstance(v, Mapping)}
        self.resources: dict[str, Mapping[str, Any]] = {}
        self._walk(conf.get("root_module") or {}, "")

    def _walk(self, module: Mapping[str, Any], prefix: str) -> None:
        for r in module.get("resources") or []:
            if isinstance(r, Mapping) and isinstance(r.get("address"), str):
                self.resources[f"{prefix}{r['address']}"] = r
        for name, call in (module.get("module_calls") or {}).items():
            if isinstance(call, Mapping):
                self._walk(call.get("module") or {}, f"{prefix}module.{name}.")

    def expressions(self, address: str) -> Mapping[str, Any]:
        r = self.resources.get(address) or {}
        e = r.get("expressions")
        return e if isinstance(e, Mapping) else {}

    def region(self, address: str, where: Location) -> Attr:
        r = self.resources.get(address) or {}
        key = str(r.get("provider_config_key") or "alicloud")
        provider = self.providers.get(key) or self.providers.get(key.rsplit(":", 1)[-1])
        if not isinstance(provider, Mapping):
            return Attr(Unresolved(Msg("iac.plan_no_provider", key=key)), where)
        region = (provider.get("expressions") or {}).get("region")
        if not isinstance(region, Mapping):
            return Attr(Unresolved(Msg("iac.plan_provider_no_region", key=key)), where)
        if isinstance(region.get("constant_value"), str):
            return Attr(region["constant_value"], where)
        refs = region.get("references") or []
        if len(refs) == 1 and str(refs[0]).startswith(_RESOLVED_VARS) and ":" not in key:
            value = self.variables.get(str(refs[0])[4:])
            if isinstance(value, str):
                return Attr(value, where)
        return Attr(Unresolved(Msg("iac.plan_region_expr", key=key)), where)
