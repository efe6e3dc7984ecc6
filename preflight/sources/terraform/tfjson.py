"""The other readers of Terraform configuration: ``.tf.json`` files, and the values of the root module's
variables from ``.tfvars``/``.tfvars.json`` files and ``TF_VAR_`` environment variables.

A ``.tf.json`` file gives the same :class:`~.syntax.RawBody` as an HCL file (lines from its JSON pointers);
its strings are templates (``"${var.x}"``, parsed by the HCL front end's ``parse_template``). Only what may
feed an export's facts is checked strictly (a block of the wrong shape there is an error at its line); the
rest is left out, never aborting the run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from preflight.errors import Msg, PreflightError
from preflight.model import Location
from preflight.sources import jsonpos
from preflight.sources.files import Files
from preflight.sources.terraform.hcl import parse_expression, parse_hcl, parse_template
from preflight.sources.terraform.limits import LIMITS, Limits
from preflight.sources.terraform.mapping import TYPES
from preflight.sources.terraform.syntax import ObjectExpr, Opaque, RawBlock, RawBody, Traversal, TupleExpr

#: nested blocks of the resources read here, which ``.tf.json`` writes as objects (or lists of them)
JSON_BLOCKS = frozenset({"server_side_encryption_rule", "disk_device_mapping", "versioning", "lifecycle_rule",
                         "statement", "features", "timeouts", "lifecycle", "logging", "transitions",
                         "expiration", "access_monitor", "transfer_acceleration"})


def _json_value(v: Any, depth: int = 0) -> Any:
    """A ``.tf.json`` value: strings are templates (``"${var.x}"``), the rest literal."""
    if isinstance(v, str):
        if "${" not in v and "%{" not in v:
            return v.replace("$${", "${")
        return parse_template(v)
    if isinstance(v, list | dict) and depth >= LIMITS.value_depth:
        return Opaque(Msg("iac.kind_too_deep", cap=LIMITS.value_depth))
    if isinstance(v, list):
        return TupleExpr(tuple(_json_value(x, depth + 1) for x in v))
    if isinstance(v, dict):
        return ObjectExpr(tuple((k, _json_value(x, depth + 1)) for k, x in v.items()))
    return v


@dataclass(frozen=True, slots=True)
class _JsonFile:
    """A ``.tf.json`` file being read: its text (for lines) and name (for errors)."""

    text: str
    display: str

    def line(self, pointer: str) -> int:
        return jsonpos.pointer_line(self.text, pointer)

    def not_a_block(self, pointer: str) -> PreflightError:
        return PreflightError(Msg("iac.tf_json_expected_block", pointer=pointer),
                              f"{self.display}:{self.line(pointer)}")


def _json_body(obj: Mapping[str, Any], pointer: str, f: _JsonFile, strict: bool) -> RawBody:
    """The arguments and nested blocks of a block. ``strict``: the block may feed an export's facts, so a
    nested block of the wrong shape (a string where ``disk_device_mapping {…}`` is expected) is an error."""
    out = RawBody()
    for key, v in obj.items():
        ptr = f"{pointer}/{_escape(key)}"
        items = v if isinstance(v, list) else [v]
        if key in JSON_BLOCKS and items and all(isinstance(x, dict) for x in items):
            for i, x in enumerate(items):
                p = f"{ptr}/{i}" if isinstance(v, list) else ptr
                line = f.line(p)
                out.blocks.append(RawBlock(key, (), _json_body(x, p, f, strict), f.display, line, line))
        elif key in JSON_BLOCKS and strict and v is not None and v != []:
            bad = next((f"{ptr}/{i}" for i, x in enumerate(v) if not isinstance(x, dict)), ptr) if (
                isinstance(v, list)) else ptr
            raise f.not_a_block(bad)
        elif key != "//":
            out.attrs[key] = (_json_value(v), f.line(ptr))
    return out


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _labelled(v: Any, pointer: str, depth: int, labels: tuple[str, ...], strict: Callable[[tuple[str, ...]], bool],
              f: _JsonFile, listed: bool = False) -> Iterator[tuple[tuple[str, ...], dict[str, Any], str]]:
    """Walk ``{"label": {"label": body}}`` ``depth`` levels down (at each level a list of objects may stand
    for an object). A value of another shape is an error where ``strict(labels)`` says the block may feed
    an export's facts, and is left out where it cannot (``data``, resources of other types)."""
    if isinstance(v, list) and not listed:
        for i, x in enumerate(v):
            yield from _labelled(x, f"{pointer}/{i}", depth, labels, strict, f, listed=True)
        return
    if not isinstance(v, dict):
        if v is not None and strict(labels):
            raise f.not_a_block(pointer)
        return
    if depth == 0:
        yield labels, v, pointer
        return
    for k, x in v.items():
        yield from _labelled(x, f"{pointer}/{_escape(k)}", depth - 1, (*labels, k), strict, f)


_JSON_LABELS = {"resource": 2, "data": 2, "provider": 1, "variable": 1, "output": 1, "module": 1, "locals": 0}


def _json_strict(kind: str) -> Callable[[tuple[str, ...]], bool]:
    """Which blocks of a kind may feed an export's facts (their shape is then checked): the resources this
    tool reads, the ``alicloud`` provider (regions), and every variable, local, output and module call;
    never a data source (its values are unknown anyway)."""
    if kind == "resource":
        return lambda labels: not labels or labels[0] in TYPES
    if kind == "provider":
        return lambda labels: not labels or labels[0] == "alicloud"
    return lambda labels: kind != "data"


def parse_tf_json(text: str, display: str) -> RawBody:
    from preflight.sources.snapshot import parse_json

    doc = parse_json(text, display)
    if not isinstance(doc, dict):
        raise PreflightError(Msg("iac.tf_json_object"), f"{display}:1")
    f = _JsonFile(text, display)
    out = RawBody()
    for kind, depth in _JSON_LABELS.items():
        if kind not in doc:
            continue
        strict = _json_strict(kind)
        for labels, body, pointer in _labelled(doc[kind], f"/{kind}", depth, (), strict, f):
            line = f.line(pointer)
            out.blocks.append(RawBlock(kind, labels, _json_body(body, pointer, f, strict(labels)), display,
                                       line, line))
    return out


def parse_tfvars(path: Path, limits: Limits = LIMITS, files: Files | None = None) -> dict[str, tuple[Any, Location]]:
    """Variable values from a ``.tfvars`` (HCL) or ``.tfvars.json`` file, read through the run's ``files``
    (once per run, with the caps every input is read with)."""
    store = files if files is not None else Files()
    display = store.display(path)
    text = store.text(path)
    if path.name.endswith(".json"):
        from preflight.sources.snapshot import parse_json

        doc = parse_json(text, display)
        if not isinstance(doc, dict):
            raise PreflightError(Msg("iac.tfvars_json_object"), f"{display}:1")
        return {k: (_json_value(v), Location(display, jsonpos.pointer_line(text, f"/{_escape(k)}")))
                for k, v in doc.items()}
    body = parse_hcl(text, display, limits)
    return {k: (v, Location(display, line)) for k, (v, line) in body.attrs.items()}

#: type constraints whose ``TF_VAR_`` value Terraform takes literally (any other type is parsed as HCL)
_PRIMITIVE_TYPES = frozenset({"string", "number", "bool"})


def _env_values(blocks: Sequence[RawBlock], environ: Mapping[str, str]) -> dict[str, tuple[Any, Location]]:
    """``TF_VAR_name`` values of the declared variables: taken literally when the variable's type is a
    primitive one (or not given), else parsed as an HCL expression, as Terraform does. Located at the
    variable's block (the environment has no file)."""
    out: dict[str, tuple[Any, Location]] = {}
    for b in blocks:
        if b.type != "variable" or not b.labels or f"TF_VAR_{b.labels[0]}" not in environ:
            continue
        raw = environ[f"TF_VAR_{b.labels[0]}"]
        type_attr = b.body.attrs.get("type")
        ty = type_attr[0] if type_attr is not None else None
        literal = (ty is None or (isinstance(ty, Traversal) and not ty.steps and ty.root in _PRIMITIVE_TYPES)
                   or ty == "string")
        out[b.labels[0]] = (raw if literal else parse_expression(raw), Location(b.path, b.line))
    return out
