"""Property-based tests of the two loaders that read untrusted documents: offline snapshots and rule files.

a. Whatever JSON a snapshot holds, ``load_document`` and ``preflight check`` end in subjects / a report
   (exit 0 or 1) or in a PreflightError / exit 2 with one ``preflight: error: <file>...`` line per problem,
   never in another exception.
b. The typed builder (``subjects_from_document``) and ``schemas/snapshot.schema.json`` accept and reject the
   same documents, except where the builder is documented to be stricter (a policy document given as a
   string that is not JSON, or not a policy: the schema cannot look inside a string).
c. Whatever YAML a rule file holds, ``compile_rule`` / ``load_rule_file`` end in a Rule or a RuleError /
   PreflightError; and for rules generated from the condition grammar, the compiler and
   ``schemas/rule.schema.json`` agree, except where the compiler checks what a schema cannot (paths and
   types against the fact model, regular expressions, named lists, message placeholders).

The bugs these properties found (divergences and crashes) are fixed; each keeps its minimal example as a
regression test (the KNOWN_* lists below). Should a new one be found and not fixed at once, pin it the same
way: a minimal example in an ``xfail(strict=True)`` test and a narrow tolerance (its trigger in the input
and its exception or disagreement) in the KNOWN_* tables, to be deleted together when it is fixed.

Profiles: ``PREFLIGHT_HYPOTHESIS_PROFILE=ci`` (default when ``CI`` is set: derandomised), ``dev`` (default
otherwise: random), ``thorough`` (20x the examples). None of them writes the example database.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from preflight.cli import main
from preflight.errors import Msg, PreflightError
from preflight.facts import FieldType, Subject, fact_fields
from preflight.i18n import render
from preflight.resources import rules_dir
from preflight.rules import NamedList, RuleError, compile_rule, load_lists, load_rule_file, load_rules
from preflight.schemas import schema, validator
from preflight.sources.common import display_path
from preflight.sources.snapshot import ShapeError, load_document, schema_problems, subjects_from_document

# a failing example holding 400-digit integers has a long repr; that must not hide the failure itself
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning")

# ---------------------------------------------------------------------------------------------------------
# Settings

_COMMON = {"deadline": None, "database": None,
           "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]}
settings.register_profile("preflight-loaders-ci", derandomize=True, **_COMMON)  # type: ignore[arg-type]
settings.register_profile("preflight-loaders-dev", **_COMMON)  # type: ignore[arg-type]
settings.register_profile("preflight-loaders-thorough", **_COMMON)  # type: ignore[arg-type]
_PROFILE_NAME = os.environ.get("PREFLIGHT_HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
_PROFILE = settings.get_profile(f"preflight-loaders-{_PROFILE_NAME}")
_SCALE = 20 if _PROFILE_NAME == "thorough" else 1


def examples(n: int) -> settings:
    """This file's profile with ``n`` examples (kept modest: the whole file runs in well under 20 s)."""
    return settings(_PROFILE, max_examples=n * _SCALE)


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any], one_in: int = 12) -> st.SearchStrategy[Any]:
    """``good`` except about once in ``one_in`` draws."""
    return st.integers(1, one_in).flatmap(lambda n: bad if n == 1 else good)


ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "snapshot.json"
SECTIONS = ("regions", "images", "snapshots", "tasks", "roles", "buckets")
WRAPPERS = {"regions": "Region", "images": "Image", "snapshots": "Snapshot", "tasks": "Task", "roles": "Role",
            "buckets": "Bucket", "exports": "Export"}
POLICY_FIELDS = frozenset({"AssumeRolePolicyDocument", "PolicyDocument", "Policy"})

# ---------------------------------------------------------------------------------------------------------
# JSON-like values, biased toward what snapshots hold

SNAPSHOT_KEYS = [
    "version", "exports", "account_id", "captured_at", "unknown", *SECTIONS, *WRAPPERS.values(),
    "RegionId", "ImageId", "OSSBucket", "OSSPrefix", "ImageFormat", "RoleName",
    "Status", "ImageOwnerAlias", "ProductCode", "OSType", "Platform", "OSName",
    "DiskDeviceMappings", "DiskDeviceMapping", "Type", "Device", "Size", "SnapshotId", "Encrypted", "KMSKeyId",
    "TaskId", "TaskAction", "TaskStatus", "ResourceId",
    "Arn", "AssumeRolePolicyDocument", "AttachedPolicies", "Policy", "PolicyName", "PolicyType", "PolicyDocument",
    "Version", "Statement", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "Service",
    "RAM", "Federated", "Condition", "Sid", "StringEquals", "Bool",
    "Name", "Location", "StorageClass", "AccessControlList", "Grant", "Owner", "ID", "ServerSideEncryptionRule",
    "SSEAlgorithm", "KMSMasterKeyID", "Versioning", "CrossRegionReplication",
    "section", "match", "field", "reason",
]
INTERESTING_STRINGS = [
    "", " ", "*", "true", "False", "TRUE", "yes", "40", " 7 ", "-1", "1.5", "None", "none", "null",
    "Allow", "Deny", "sts:AssumeRole", "ecs.aliyuncs.com", "oss:*", "acs:oss:*:*:b/*", "cn-hangzhou", "m-1", "s-1",
    "b", "r", "AliyunECSImageExportDefaultRole", "AliyunECSImageExportRolePolicy", "Available", "self", "system",
    "data", "Processing", "ExportImage", "KMS", "AES256", "private", "public-read", "Archive", "images", "RegionId",
    "{}", "[]", "{", '"*"', '{"Statement": []}', '{"Statement": [{"Effect": "Maybe"}]}',
    '{"Version": "1", "Statement": {"Effect": "Allow", "Action": "*", "Principal": "*"}}',
    "true\n", "fal\u017fe", "\u00a05", "\x1c4", "٣",
]
keys = st.one_of(st.sampled_from(SNAPSHOT_KEYS), st.text(max_size=4))
strings = st.one_of(st.sampled_from(INTERESTING_STRINGS), st.sampled_from(SNAPSHOT_KEYS), st.text(max_size=6))
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 600), st.integers(),
    st.sampled_from([2**63, 10**400, -(10**400)]),
    st.floats(allow_nan=False, allow_infinity=False), strings,
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5), max_leaves=20
)

# ---------------------------------------------------------------------------------------------------------
# Mostly-valid snapshots (a small consistent world), then random corruptions

REGION_IDS = ["cn-hangzhou", "cn-shanghai", "ap-southeast-1"]
ROLE_NAMES = ["AliyunECSImageExportDefaultRole", "ImageExportRole", "Spare"]
BUCKET_NAMES = ["exports", "other-bucket", "public"]
ACTIONS = ["sts:AssumeRole", "sts:*", "*", "oss:*", "oss:GetObject", "oss:PutObject", "oss:DeleteObject",
           "oss:GetBucketInfo", "oss:List*", "ram:*"]
RESOURCES = ["*", "acs:oss:*:*:exports", "acs:oss:*:*:exports/*", "acs:oss:*:123:other-bucket/Ecs*"]
SERVICES = ["ecs.aliyuncs.com", "fc.aliyuncs.com", "1234@ecs.aliyuncs.com", "*"]
RAM = ["acs:ram::9876543210987654:root", "*"]


def str_or_list(values: list[str]) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(values), st.lists(st.sampled_from(values), max_size=3), st.none())


def maybe_wrapped(items: list[Any], wrapper: str) -> st.SearchStrategy[Any]:
    return st.sampled_from([items, items, {wrapper: items}])


optional_str = st.one_of(st.none(), st.sampled_from(["", "x", "Available", "self", "linux", "windows", "Ubuntu"]))
boolish = st.one_of(st.booleans(), st.none(), st.sampled_from(["true", "False", "TRUE"]))
gib = st.one_of(st.integers(0, 2000), st.integers(0, 2000).map(str), st.integers(0, 900).map(lambda n: f" {n} "),
                st.just(40.0))
principals = st.one_of(
    st.just("*"), st.none(), st.lists(st.sampled_from(["1234567890123456", "*"]), max_size=2),
    st.fixed_dictionaries({}, optional={"Service": str_or_list(SERVICES), "RAM": str_or_list(RAM),
                                        "Federated": str_or_list(["acs:ram::1:saml-provider/idp"])}),
)
condition_values = st.one_of(st.text(max_size=5), st.booleans(), st.integers(), st.floats(allow_nan=False,
                             allow_infinity=False), st.lists(st.text(max_size=3), max_size=2))
conditions = st.one_of(st.none(), st.dictionaries(
    st.sampled_from(["StringEquals", "IpAddress", "Bool", "NumericLessThan"]),
    st.dictionaries(st.sampled_from(["acs:SourceIp", "acs:SecureTransport", "oss:Prefix"]), condition_values,
                    max_size=2),
    max_size=2))
statements = st.fixed_dictionaries(
    {"Effect": st.sampled_from(["Allow", "Deny"])},
    optional={"Action": str_or_list(ACTIONS), "NotAction": str_or_list(ACTIONS), "Resource": str_or_list(RESOURCES),
              "NotResource": str_or_list(RESOURCES), "Principal": principals, "Condition": conditions,
              "Sid": st.one_of(st.text(max_size=3), st.integers())},
)


@st.composite
def policy_documents(draw: st.DrawFn) -> dict[str, Any]:
    stmts = draw(st.lists(statements, max_size=3))
    doc: dict[str, Any] = {"Statement": stmts[0] if len(stmts) == 1 and draw(st.booleans()) else stmts}
    if draw(st.booleans()):
        doc["Version"] = draw(st.sampled_from(["1", 1]))
    return doc


policy_fields = st.one_of(st.none(), st.just(""), policy_documents(), policy_documents().map(json.dumps))


def optional_fields(base: dict[str, Any], optional: Mapping[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    return st.fixed_dictionaries({k: st.just(v) for k, v in base.items()}, optional=dict(optional))


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, Any]:
    """A snapshot whose shapes are all valid (values vary; references may dangle, as in real accounts)."""
    images: list[dict[str, Any]] = []
    snapshots: list[dict[str, Any]] = []
    for i in range(draw(st.integers(0, 3))):
        disks = []
        for d in range(draw(st.integers(0, 3))):
            snap_id = f"s-{i}-{d}"
            disks.append(draw(optional_fields({}, {
                "Type": st.one_of(st.sampled_from(["system", "data"]), st.none()), "Device": optional_str,
                "Size": gib, "SnapshotId": st.sampled_from([snap_id, snap_id, "", None]), "Encrypted": boolish})))
            if draw(st.booleans()):
                snapshots.append(draw(optional_fields({"SnapshotId": snap_id}, {
                    "Encrypted": boolish, "KMSKeyId": optional_str, "ProductCode": optional_str})))
        image_fields: dict[str, st.SearchStrategy[Any]] = {
            k: optional_str for k in ("Status", "ImageOwnerAlias", "ProductCode", "OSType", "Platform", "OSName")}
        image_fields["DiskDeviceMappings"] = maybe_wrapped(disks, "DiskDeviceMapping")
        images.append(draw(optional_fields(
            {"RegionId": draw(st.sampled_from(REGION_IDS)), "ImageId": f"m-{i}"}, image_fields)))
    roles = [draw(optional_fields({"RoleName": name}, {
        "Arn": optional_str, "AssumeRolePolicyDocument": policy_fields,
        "AttachedPolicies": st.lists(optional_fields(
            {"PolicyName": draw(st.sampled_from(["AliyunECSImageExportRolePolicy", "Custom"]))},
            {"PolicyType": optional_str, "PolicyDocument": policy_fields}), max_size=2).flatmap(
            lambda items: maybe_wrapped(items, "Policy")),
    })) for name in draw(st.lists(st.sampled_from(ROLE_NAMES), unique=True, max_size=2))]
    nested = st.one_of(st.none(), st.fixed_dictionaries({}, optional={"Grant": optional_str, "ID": optional_str}))
    buckets = [draw(optional_fields({"Name": name}, {
        "Location": optional_str, "StorageClass": optional_str, "AccessControlList": nested, "Owner": nested,
        "ServerSideEncryptionRule": st.one_of(st.none(), st.fixed_dictionaries({}, optional={
            "SSEAlgorithm": st.one_of(optional_str, st.sampled_from(["None", "KMS", "AES256"])),
            "KMSMasterKeyID": optional_str})),
        "Versioning": optional_str, "CrossRegionReplication": optional_str, "Policy": policy_fields,
    })) for name in draw(st.lists(st.sampled_from(BUCKET_NAMES), unique=True, max_size=2))]
    tasks = draw(st.lists(optional_fields({}, {
        k: st.one_of(st.none(), st.sampled_from(v)) for k, v in {
            "RegionId": REGION_IDS, "TaskId": ["t-1"], "TaskAction": ["ExportImage", "ImportImage"],
            "TaskStatus": ["Processing", "Finished"], "ResourceId": ["m-0", "m-1"]}.items()}), max_size=2))
    request_values = {"RegionId": REGION_IDS, "ImageId": ["m-0", "m-1", "m-9"], "OSSBucket": BUCKET_NAMES,
                      "OSSPrefix": ["EcsExport", "bad-prefix", ""], "ImageFormat": ["raw", "RAW", "iso"],
                      "RoleName": ROLE_NAMES}
    exports = draw(st.lists(optional_fields({}, {
        k: st.one_of(st.none(), st.sampled_from(v)) for k, v in request_values.items()}), max_size=3))
    doc: dict[str, Any] = {"version": 1, "exports": draw(maybe_wrapped(exports, "Export"))}
    if draw(st.booleans()):
        doc["account_id"] = draw(st.sampled_from(["1234567890123456", None]))
    if draw(st.booleans()):
        doc["captured_at"] = "2026-11-27T10:00:00Z"
    present = {"regions": [{"RegionId": r} for r in REGION_IDS[:2]], "images": images, "snapshots": snapshots,
               "tasks": tasks, "roles": roles, "buckets": buckets}
    for section, items in present.items():
        if draw(st.integers(0, 9)) < 7:
            doc[section] = draw(maybe_wrapped(items, WRAPPERS[section]))
    if draw(st.integers(0, 9)) == 0:
        doc["unknown"] = draw(st.lists(optional_fields({
            "section": draw(st.sampled_from([*SECTIONS, "account_id"])), "reason": "AccessDenied"}, {
            "match": st.sampled_from([{}, {"ImageId": "m-0"}, {"Name": "exports"}, {"RoleName": ROLE_NAMES[0]}]),
            "field": st.sampled_from(["Status", "Encrypted", "Policy", "AttachedPolicies/Custom"])}), max_size=2))
    return doc


def _mappings(doc: Any) -> Iterator[Any]:
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            yield node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _locations(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if path:
        yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _locations(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _locations(v, (*path, i))


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc


#: the characters str.splitlines() breaks at; none may appear inside one problem's message
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")


def _key_breaks(doc: Any) -> set[str]:
    """Line-break characters that occur in the document's keys (they reach messages through JSON pointers)."""
    return {c for m in _mappings(doc) for k in m if isinstance(k, str) for c in k if c in LINE_BREAKS}


def pointer_break_bug(text: str, doc: Any) -> str | None:
    """BUG-pointer-control-chars: problems are reported "at <JSON pointer>" with the document's keys written
    raw, so a key holding a line break splits a problem over two lines. Blame a stray line break on it only
    when the document has such a key (values cannot cause it: messages show them with repr())."""
    return "BUG-pointer-control-chars" if LINE_BREAKS & set(text) and _key_breaks(doc) else None


def near_misses(value: Any) -> st.SearchStrategy[Any]:
    """Values a careless hand edit or another API version would put in place of ``value``."""
    if isinstance(value, bool):
        return st.sampled_from(["true", "TRUE", "yes", 1, 0, None, "True\n"])
    if isinstance(value, int | float):
        near = [str(value), -1, True, f" {value} ", "1e3", "٣", None]
        if abs(value) < 1e300:  # a huge int has no float neighbour (OverflowError)
            near += [value + 0.5, float(value)]
        return st.sampled_from(near)
    if isinstance(value, str):
        return st.sampled_from([0, None, [value], {"x": value}, True, value + "\n", value.upper(), " "])
    if value is None:
        return st.sampled_from(["", 0, [], {}, False])
    if isinstance(value, list):
        return st.sampled_from([{"x": value}, {}, None, [1], ["s"], [None], [[]], value + value])
    return st.sampled_from([[value], [], json.dumps(value), "{", None, {**value, "Effect": "Permit"}])


@st.composite
def corrupted(draw: st.DrawFn, base: st.SearchStrategy[dict[str, Any]]) -> Any:
    doc = draw(base)
    for _ in range(draw(st.integers(0, 3))):
        locations = list(_locations(doc))
        if not locations:
            break
        path = draw(st.sampled_from(locations))
        parent, key = _at(doc, path[:-1]), path[-1]
        value = parent[key]
        kind = draw(st.sampled_from(["replace", "near_miss", "near_miss", "delete", "add_key", "stringify", "wrap",
                                     "duplicate"]))
        if kind == "replace":
            parent[key] = draw(json_values)
        elif kind == "near_miss":
            parent[key] = draw(near_misses(value))
        elif kind == "delete":
            del parent[key]
        elif kind == "add_key":
            target = value if isinstance(value, dict) else parent if isinstance(parent, dict) else None
            if target is not None:
                target[draw(keys)] = draw(json_values)
        elif kind == "stringify":
            parent[key] = json.dumps(value)
        elif kind == "duplicate":  # the same entity listed twice, the copy edited
            if isinstance(parent, list):
                copy = json.loads(json.dumps(value))
                if isinstance(copy, dict) and copy:
                    field = draw(st.sampled_from(sorted(copy)))
                    copy[field] = draw(near_misses(copy[field]))
                parent.insert(key, copy)
        else:
            parent[key] = {draw(st.sampled_from([*WRAPPERS.values(), "DiskDeviceMapping", "Policy", "x"])): value}
    note(f"document: {json.dumps(doc)[:3000]}")
    return doc


structured_docs = corrupted(worlds())
arbitrary_docs = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {"version": st.one_of(st.just(1), json_values), "exports": json_values},
        optional={k: json_values for k in (*SECTIONS, "account_id", "captured_at", "unknown")},
    ),
)
snapshot_docs = st.one_of(structured_docs, structured_docs, structured_docs, arbitrary_docs)

# ---------------------------------------------------------------------------------------------------------
# Known bugs of the snapshot loader: recognised by trigger + symptom, each with an xfail example below


def _values_under(doc: Any, names: frozenset[str]) -> Iterator[Any]:
    """Every value held under a key in ``names``, anywhere in the document."""
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for k, v in node.items():
                if k in names:
                    yield v
                stack.append(v)
        elif isinstance(node, list):
            stack.extend(node)


def _int_fails(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return True
    return False


#: id -> (does this document trigger it, does this exception look like it)
KNOWN_SNAPSHOT_CRASHES: dict[str, tuple[Callable[[Any], bool], Callable[[BaseException], bool]]] = {}


def known_snapshot_crash(doc: Any, exc: BaseException) -> str | None:
    for bug, (triggered, looks_like) in KNOWN_SNAPSHOT_CRASHES.items():
        if looks_like(exc) and triggered(doc):
            return bug
    return None


def _tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]] if pointer else []


def _walk(doc: Any, tokens: list[str]) -> tuple[list[Any], bool]:
    """The values along a pointer (from the root) and whether the whole pointer resolved."""
    seen = [doc]
    for t in tokens:
        node = seen[-1]
        if isinstance(node, dict) and t in node:
            seen.append(node[t])
        elif isinstance(node, list) and t.isdigit() and int(t) < len(node):
            seen.append(node[int(t)])
        else:
            return seen, False
    return seen, True


ENTITY_KEYS = {"regions": ("RegionId",), "images": ("RegionId", "ImageId"), "snapshots": ("SnapshotId",),
               "roles": ("RoleName",), "buckets": ("Name",)}


def _entity(doc: Any, tokens: list[str]) -> tuple[str, list[Any], int, list[str]] | None:
    """For a pointer into a section entity: (section, its items, index, tokens inside the entity)."""
    if not tokens or tokens[0] not in ENTITY_KEYS or not isinstance(doc, dict):
        return None
    section, rest = tokens[0], tokens[1:]
    items = doc.get(section)
    if isinstance(items, dict) and rest and rest[0] == WRAPPERS[section]:
        items, rest = items.get(WRAPPERS[section]), rest[1:]
    if not isinstance(items, list) or not rest or not rest[0].isdigit() or int(rest[0]) >= len(items):
        return None
    return section, items, int(rest[0]), rest[1:]


def _key_of(section: str, item: Any) -> dict[str, Any]:
    return {k: item.get(k) for k in ENTITY_KEYS[section]} if isinstance(item, dict) else {}


def _unknown_covers(doc: dict[str, Any], section: str, keys: dict[str, Any], field: str | None,
                    inner: list[str], item: Any) -> bool:
    entries = doc.get("unknown")
    if not isinstance(entries, list):
        return False
    for e in entries:
        if not isinstance(e, dict) or e.get("section") != section:
            continue
        match = e.get("match", {})
        if not isinstance(match, dict) or not all(keys.get(k) == v for k, v in match.items()):
            continue
        f = e.get("field")
        if f is None or f == field:
            return True
        if isinstance(f, str) and f.startswith("AttachedPolicies/") and field == "AttachedPolicies":
            owner, _ = _walk(item, inner[1:2])  # the attached policy the pointer is in
            if len(owner) > 1 and isinstance(owner[1], dict) and owner[1].get("PolicyName") == f.split("/", 1)[1]:
                return True
    return False


def explain_schema_only(doc: Any, pointer: str) -> str | None:
    """Why the schema rejects what the builder accepted: a known divergence id, or None (a new bug)."""
    tokens = _tokens(pointer)
    if not isinstance(doc, dict):
        return None
    if tokens == ["version"] and doc.get("version") is True:
        return "DIV-version-true"
    if tokens[:1] == ["account_id"] and _unknown_covers(doc, "account_id", {}, None, [], None):
        return "DIV-unknown-skips-validation"
    seen, _ = _walk(doc, tokens)
    if len(tokens) >= 3 and tokens[-3] == "Condition" and len(seen) == len(tokens) + 1 and seen[-1] is None:
        return "DIV-condition-null"
    found = _entity(doc, tokens)
    if found is not None:
        section, items, index, inner = found
        key = _key_of(section, items[index])
        if all(isinstance(v, str) for v in key.values()) and any(
                _key_of(section, later) == key for later in items[index + 1:]):
            return "DIV-duplicate-entity-not-validated"
        if _unknown_covers(doc, section, key, inner[0] if inner else None, inner, items[index]):
            return "DIV-unknown-skips-validation"
    return None


def explain_builder_only(doc: Any, error: ShapeError) -> str | None:
    """Why the builder rejects what the schema accepts: documented strictness, a known divergence, or None."""
    tokens = _tokens(error.pointer)
    seen, _ = _walk(doc, tokens)
    for i, value in enumerate(seen[1:]):
        if isinstance(value, str) and tokens[i] in POLICY_FIELDS:
            return "documented: a policy-document string that is not JSON, or not a policy"
    value = seen[-1]
    if tokens and tokens[-1] == "Encrypted" and isinstance(value, str) and value.lower() not in ("true", "false") \
            and re.search("^(?i:true|false)$", value):
        return "DIV-boolish-regex-laxer"
    return None


# ---------------------------------------------------------------------------------------------------------
# a. Snapshots: subjects or one-line errors, never a crash


def _export_count(doc: Any) -> int:
    exports = doc["exports"]
    return len(exports["Export"] if isinstance(exports, dict) else exports)


@given(doc=snapshot_docs)
@examples(250)
def test_load_document_gives_subjects_or_one_error_line_per_problem(doc: Any) -> None:
    text = json.dumps(doc, indent=1)
    try:
        subjects = load_document(doc, display="x.json", text=text)
    except PreflightError as e:
        assert e.problems
        last_line = text.count("\n") + 1
        for where, msg in e.problems:
            message = render(msg, "en")
            assert not LINE_BREAKS & set(render(msg, "zh")) or pointer_break_bug(render(msg, "zh"), doc)
            assert where is not None and re.fullmatch(r"x\.json:\d+", where), where
            assert 1 <= int(where.split(":")[1]) <= last_line
            bug = pointer_break_bug(message, doc)
            if bug:
                event(f"known bug {bug}")
                continue
            assert message and not LINE_BREAKS & set(message), message
        return
    except Exception as e:  # the property: nothing else escapes (but known bugs)
        bug = known_snapshot_crash(doc, e)
        if bug is None:
            raise
        event(f"known bug {bug}")
        return
    assert isinstance(subjects, list)
    assert len(subjects) == _export_count(doc)


@functools.cache
def bundled_rule_count() -> int:
    return len(load_rules().rules)


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def assert_error_lines(err: str, display: str, doc: Any = None) -> None:
    """One ``preflight: error: <file>[:line]: ...`` line per problem, nothing else."""
    assert err.endswith("\n"), "exit 2 without an error message"
    assert "Traceback" not in err
    for line in err[:-1].split("\n"):
        if (line.startswith(f"preflight: error: {display}:") or line == f"preflight: error: {display}") \
                and not LINE_BREAKS & set(line):
            continue
        bug = pointer_break_bug(err, doc)
        assert bug is not None, line
        event(f"known bug {bug}")


@given(doc=snapshot_docs, fmt=st.sampled_from(["text", "json"]))
@examples(100)
def test_cli_check_reports_or_exits_2_naming_the_file(doc: Any, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "snapshot.json"
        path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
        display = display_path(path)
        try:
            code, out, err = run_cli(["check", str(path), "-f", fmt])
        except Exception as e:  # only known bugs may escape
            bug = known_snapshot_crash(doc, e)
            if bug is None:
                raise
            event(f"known bug {bug}")
            return
    note(f"exit {code}\nstdout: {out[:2000]}\nstderr: {err[:2000]}")
    assert code in (0, 1, 2)
    if code == 2:
        assert out == ""
        assert_error_lines(err, display, doc)
        return
    assert err == ""
    if fmt == "json":
        report = json.loads(out)
        assert report["ok"] is (code == 0)
        assert len(report["results"]) == bundled_rule_count() * _export_count(doc)
    else:
        assert out.strip()


# ---------------------------------------------------------------------------------------------------------
# b. The typed builder and the JSON Schema agree


def builder_error(doc: Any) -> ShapeError | None:
    try:
        subjects_from_document(doc)
    except ShapeError as e:
        return e
    return None


@given(doc=snapshot_docs)
@examples(300)
def test_builder_and_schema_agree(doc: Any) -> None:
    try:
        shape = builder_error(doc)
    except Exception as e:  # only known bugs may escape
        bug = known_snapshot_crash(doc, e)
        if bug is None:
            raise
        event(f"known bug {bug}")
        return
    problems = schema_problems(doc)
    note(f"builder: {shape and (shape.pointer, shape.message)}\nschema: {problems}")
    if (shape is None) == (not problems):
        event("agree: valid" if shape is None else "agree: invalid")
        return
    if shape is not None:
        why = explain_builder_only(doc, shape)
        assert why is not None, f"the builder rejects at {shape.pointer} ({shape.message}); the schema accepts"
    else:
        whys = {p: explain_schema_only(doc, p) for p, _ in problems}
        unexplained = [p for p, w in whys.items() if w is None]
        assert not unexplained, f"the schema rejects {problems}; the builder accepts"
        why = ", ".join(sorted({w for w in whys.values() if w}))
    event(f"divergence: {why}")


KNOWN_DIVERGENCES = [
    pytest.param({"version": True, "exports": []}, id="DIV-version-true"),
    pytest.param({"version": 1, "exports": [], "account_id": 5,
                  "unknown": [{"section": "account_id", "reason": "denied"}]}, id="DIV-unknown-account_id"),
    pytest.param({"version": 1, "exports": [], "images": [{"RegionId": "r", "ImageId": "m", "Status": 5}],
                  "unknown": [{"section": "images", "reason": "denied"}]}, id="DIV-unknown-whole-entity"),
    pytest.param({"version": 1, "exports": [], "images": [{"RegionId": "r", "ImageId": "m", "Status": 5}],
                  "unknown": [{"section": "images", "field": "Status", "reason": "denied"}]},
                 id="DIV-unknown-field"),
    pytest.param({"version": 1, "exports": [], "snapshots": [{"SnapshotId": "s", "Encrypted": 5},
                                                             {"SnapshotId": "s"}]},
                 id="DIV-duplicate-entity-not-validated"),
    pytest.param({"version": 1, "exports": [], "buckets": [{"Name": "b", "Policy": {"Statement": [
        {"Effect": "Allow", "Condition": {"StringEquals": {"acs:SourceIp": None}}}]}}]}, id="DIV-condition-null"),
    pytest.param({"version": 1, "exports": [], "snapshots": [{"SnapshotId": "s", "Encrypted": "true\n"}]},
                 id="DIV-boolish-regex-laxer-newline"),
    pytest.param({"version": 1, "exports": [], "snapshots": [{"SnapshotId": "s", "Encrypted": "fal\u017fe"}]},
                 id="DIV-boolish-regex-laxer-casefold"),
]


@pytest.mark.parametrize("doc", KNOWN_DIVERGENCES)
def test_known_divergence(doc: Any) -> None:
    assert (builder_error(doc) is None) == (not schema_problems(doc))


def test_documented_divergence_policy_string() -> None:
    """The builder parses policy-document strings; the schema sees only a string."""
    doc = {"version": 1, "exports": [], "roles": [{"RoleName": "r", "AssumeRolePolicyDocument": "{not json"}]}
    shape = builder_error(doc)
    assert shape is not None and shape.pointer == "/roles/0/AssumeRolePolicyDocument"
    assert schema_problems(doc) == []
    assert explain_builder_only(doc, shape) is not None


KNOWN_CRASH_DOCS = [
    pytest.param({"version": 1, "exports": [], "images": [
        {"RegionId": "r", "ImageId": "m", "DiskDeviceMappings": [{"Size": 10**400}]}]}, id="CRASH-size-overflow"),
    pytest.param({"version": 1, "exports": [], "images": [
        {"RegionId": "r", "ImageId": "m", "DiskDeviceMappings": [{"Size": "\x1c4"}]}]}, id="CRASH-size-whitespace"),
]


@pytest.mark.parametrize("doc", KNOWN_CRASH_DOCS)
def test_known_snapshot_crash(doc: Any) -> None:
    """Were crashes; a huge Size is a (valid) whole number now, a control character in one is an error."""
    if isinstance(doc["images"][0]["DiskDeviceMappings"][0]["Size"], str):
        with pytest.raises(PreflightError):
            load_document(doc, display="x.json", text=json.dumps(doc))
    else:
        assert load_document(doc, display="x.json", text=json.dumps(doc)) == []


@pytest.mark.parametrize("policy", [
    pytest.param('{"Version": ' + "1" * 5000 + "}", id="int-beyond-str-digits-limit"),
    pytest.param("[" * 5000 + "]" * 5000, id="nested-too-deeply"),
])
def test_policy_strings_python_cannot_read_are_reported(policy: str) -> None:
    """Was a crash (ValueError / RecursionError from json.loads inside parse_policy); fixed."""
    doc = {"version": 1, "exports": [], "roles": [{"RoleName": "r", "AssumeRolePolicyDocument": policy}]}
    with pytest.raises(PreflightError) as exc:
        load_document(doc, display="x.json", text=json.dumps(doc))
    assert exc.value.where == "x.json:1"


def test_cli_snapshot_with_a_huge_integer_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "snapshot.json"
    path.write_text('{"version": 1, "exports": [], "x": ' + "1" * 5000 + "}", encoding="utf-8")
    code, _, err = run_cli(["check", str(path)])
    assert code == 2
    assert_error_lines(err, display_path(path))


@pytest.mark.parametrize("key", ["a\nb", "a\rb", "a\u2028b"])
def test_problem_pointers_escape_line_breaks(key: str) -> None:
    doc = {"version": 1, "exports": [], "unknown": [{"section": "images", "reason": "x", key: 1}]}
    with pytest.raises(PreflightError) as exc:
        load_document(doc, display="x.json", text=json.dumps(doc))
    for line in exc.value.lines():
        assert not LINE_BREAKS & set(line), line


# ---------------------------------------------------------------------------------------------------------
# c. Rules: arbitrary documents and files, then grammar-generated rules against the schema


@functools.cache
def bundled_lists() -> dict[str, NamedList]:
    return load_lists(rules_dir() / "lists")


RULE_KEYS = ["id", "title", "severity", "category", "prevents", "message", "remediation", "references", "when",
             "assert", "locate", "evidence", "description"]
CONDITION_KEYS = ["path", "eq", "ne", "in", "not_in", "matches", "not_matches", "gt", "gte", "lt", "lte", "length",
                  "exists", "unknown", "contains", "any", "all", "none", "count", "where", "all_of", "any_of", "not",
                  "ignore_case", "ref", "fmt", "list", "en", "zh"]
RULE_STRINGS = ["request.RegionId", "image.disks", "image.Status", "$.request.OSSPrefix", "Size", "error", "warning",
                "precondition", "security", "PF999", "image-formats", "^[a-z]+$", "(", "{request.ImageId}", "{nope}",
                "https://example.com", "", "2026-12-31"]
# YAML keys need not be strings (1:, null:, true:); a few of those (they crash compile_rule today)
yaml_keys = st.one_of(st.sampled_from([*RULE_KEYS, *CONDITION_KEYS, 1, 0, None, True]), st.text(max_size=4))
yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                         st.sampled_from(RULE_STRINGS), st.text(max_size=6))
yaml_values = st.recursive(
    yaml_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(yaml_keys, inner, max_size=5),
    max_leaves=20)

#: id -> (does this document trigger it, does this exception look like it)
KNOWN_RULE_CRASHES: dict[str, tuple[Callable[[Any], bool], Callable[[BaseException], bool]]] = {}


def known_rule_crash(doc: Any, exc: BaseException) -> str | None:
    for bug, (triggered, looks_like) in KNOWN_RULE_CRASHES.items():
        if looks_like(exc) and triggered(doc):
            return bug
    return None


def compile_outcome(doc: Any) -> RuleError | None:
    try:
        compile_rule(doc, bundled_lists(), "rule.yaml:1")
    except RuleError as e:
        assert isinstance(e.message, Msg) and render(e.message, "en") and render(e.message, "zh")
        return e
    return None


@given(doc=st.one_of(yaml_values, st.dictionaries(yaml_keys, yaml_values, max_size=8)))
@examples(250)
def test_compile_rule_gives_a_rule_or_a_rule_error(doc: Any) -> None:
    try:
        compile_outcome(doc)
    except Exception as e:  # only known bugs may escape
        bug = known_rule_crash(doc, e)
        if bug is None:
            raise
        event(f"known bug {bug}")


YAML_SNIPPETS = [
    "id: PF999\n", "id: 2026-13-45\n", "expires: 2026-12-31\n", "a: !!int abc\n", "a: !!float abc\n",
    "a: !!bool maybe\n", "a: !!timestamp 2026-02-30\n", "a: !!binary '@@'\n", "a: !!python/name:os.system\n",
    "? [a]\n: b\n", "a: &x 1\nb: *x\n", "a: *nope\n", "<<: {id: X}\n", "a: b: c\n", "- a\nb: c\n", "a:\n\t- b\n",
    "{a: [1, 2}\n", "a: 'unterminated\n", "%YAML 1.1\n---\na: 1\n", "---\na: 1\n---\nb: 2\n", "a: 1\na: 2\n",
    "\x00", "a: \x07\n", "\ufeffid: X\n", "assert: {path: request.RegionId, exists: true}\n", "",
    "a: 0x1F\n", "a: 1_000\n", "a: .inf\n", "a: 0o17\n",
]
yaml_texts = st.one_of(
    st.lists(st.sampled_from(YAML_SNIPPETS), min_size=1, max_size=3).map("".join),
    st.text(alphabet=st.sampled_from(list("ab:-[]{},'\"!&*?|>#%@` \n\t0123456789.")), max_size=40),
    yaml_values.map(lambda v: yaml.safe_dump(v, sort_keys=False, allow_unicode=True)),
)

def known_yaml_crash(text: str, exc: BaseException) -> str | None:
    """CRASH-yaml-bool-tag: PyYAML's bool constructor raises KeyError (``!!bool maybe``), which escapes."""
    if isinstance(exc, KeyError) and "!!bool" in text:
        tb = exc.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        if tb is not None and "yaml" in tb.tb_frame.f_code.co_filename:
            return "CRASH-yaml-bool-tag"
    return None


#: PyYAML's ReaderError (a control character, a non-printable one) reads "...\n  in "<unicode string>",
#: position N"; yamlpos.load passes str(e) on, so the error takes two lines and has no line number
KNOWN_MULTILINE_YAML_ERROR = re.compile(r'^not valid YAML: .*\n\s+in "<unicode string>", position \d+$', re.DOTALL)


def _file_outcome(path: Path, validate: bool, doc: Any) -> str | None:
    """Load a rule file; a known bug's id if one showed, else None. Fails on anything else."""
    try:
        load_rule_file(path, bundled_lists(), validate_schema=validate)
    except PreflightError as e:
        display = display_path(path)
        assert e.problems
        for where, msg in e.problems:
            message = render(msg, "en")
            assert where is not None and (where == display or re.fullmatch(re.escape(display) + r":\d+", where)), where
            bug = pointer_break_bug(message, doc)
            if bug:
                return bug
            assert message and not LINE_BREAKS & set(message), message
    return None


@given(text=st.one_of(yaml_texts, yaml_values.map(lambda v: yaml.safe_dump(v, sort_keys=False))),
       validate=st.booleans())
@examples(200)
def test_load_rule_file_gives_a_rule_or_preflight_error(text: str, validate: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rule.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            doc = yaml.safe_load(text)
        except Exception:  # not YAML, or PyYAML's own crash: checked below
            doc = None
        try:
            bug = _file_outcome(path, validate, doc)
        except Exception as e:  # only known bugs may escape
            bug = known_yaml_crash(text, e) or known_rule_crash(doc, e)
            if bug is None:
                raise
        if bug is not None:
            event(f"known bug {bug}")


@pytest.mark.parametrize("text", [pytest.param("\x00", id="NUL"), pytest.param("id: X1\x07\n", id="BEL"),
                                  pytest.param("id: \ufffe\n", id="noncharacter")])
def test_yaml_reader_error_is_one_line_with_a_line_number(tmp_path: Path, text: str) -> None:
    path = tmp_path / "rule.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PreflightError) as exc:
        load_rule_file(path, bundled_lists(), validate_schema=True)
    ((where, msg),) = exc.value.problems
    assert "\n" not in render(msg, "en") and "\n" not in render(msg, "zh")
    assert where is not None and re.fullmatch(re.escape(display_path(path)) + r":\d+", where)


# -- the condition grammar ---------------------------------------------------------------------------------


def _fact_paths(cls: type, prefix: str = "", depth: int = 3) -> list[tuple[str, FieldType]]:
    out: list[tuple[str, FieldType]] = []
    for name, ft in fact_fields(cls).items():
        out.append((f"{prefix}{name}", ft))
        if ft.fact is not None and not ft.is_list and depth > 1:
            out += _fact_paths(ft.fact, f"{prefix}{name}.", depth - 1)
    return out


SUBJECT_PATHS = _fact_paths(Subject)
BAD_PATHS = ["image.Nope", "image.disks.Size", "request..RegionId", "Image.Status", "image.Status.x", "$.",
             "request.RegionId ", "", 5, None]
LEAF_OPS = ["eq", "ne", "in", "not_in", "matches", "not_matches", "gt", "gte", "lt", "lte", "length", "exists",
            "unknown", "contains"]
BAD_OPS = ["equals", "regex", "where", "any", "is"]
COUNT_OPS = ["eq", "ne", "gt", "gte", "lt", "lte"]


def plain_literal(ft: FieldType | None) -> st.SearchStrategy[Any]:
    """A literal of the fact's scalar type."""
    if ft is not None and ft.scalar is str:
        return st.sampled_from(["cn-hangzhou", "raw", "Available", "", "x"])
    if ft is not None and ft.scalar is int:
        return st.integers(-1, 600)
    if ft is not None and ft.scalar is bool:
        return st.booleans()
    return st.none()


def typed_literal(ft: FieldType | None) -> st.SearchStrategy[Any]:
    """A desired value for eq/ne/contains: of the fact's type but once in a while."""
    right = plain_literal(ft)
    if ft is not None and ft.scalar is str:
        right = st.one_of(right, st.sampled_from([{"ref": "request.RegionId"}, {"ref": "$.request.OSSBucket"},
                                                  {"fmt": "oss-{request.RegionId}"}]))
    wrong = st.sampled_from([1, 2.5, True, "s", [1], {"a": 1}, {"ref": "image.disks"}, {"ref": "$.nope"},
                             {"fmt": "{nope}"}, {"fmt": 5}, {"ref": 5}, {"ref": "x", "fmt": "y"}, None])
    return mostly(right, wrong, 10)


def op_value(op: str, ft: FieldType | None) -> st.SearchStrategy[Any]:
    """A value for an operator, right for ``ft`` but once in a while."""
    good: st.SearchStrategy[Any]
    bad: st.SearchStrategy[Any]
    if op in ("eq", "ne", "contains"):
        return typed_literal(ft)
    if op in ("in", "not_in"):
        good = st.one_of(st.lists(plain_literal(ft), min_size=1, max_size=3), st.just({"list": "image-formats"}))
        bad = st.sampled_from([{"list": "nope"}, {"list": ["image-formats"]}, {"list": "image-formats", "x": 1},
                               "raw", []])
    elif op in ("matches", "not_matches"):
        good, bad = st.sampled_from(["^[A-Za-z0-9]{1,30}$", "raw", "^cn-"]), st.sampled_from(["(", "[a-", 5, None])
    elif op in ("gt", "gte", "lt", "lte"):
        good, bad = st.sampled_from([0, 4, 500, 1.5]), st.sampled_from([True, "4", None])
    elif op in ("length", "count"):
        good = st.dictionaries(st.sampled_from(COUNT_OPS), st.integers(0, 5), min_size=1, max_size=1)
        bad = st.one_of(st.dictionaries(st.sampled_from([*COUNT_OPS, "bogus"]),
                                        st.sampled_from([0, 4, 4.0, True, "4", -1]), max_size=2),
                        st.sampled_from([4, None, [4]]))
    elif op in ("exists", "unknown"):
        good, bad = st.booleans(), st.sampled_from([1, "yes", None])
    else:  # the bad operators
        return st.sampled_from([True, 1, "x", None])
    return mostly(good, bad, 10)


def _ops_for(ft: FieldType) -> list[str]:
    """The operators the compiler accepts on a path of this type."""
    if ft.is_list and ft.fact is not None:
        return ["length", "exists", "unknown"]
    if ft.is_list:
        return ["contains", "length", "exists", "unknown"]
    if ft.fact is not None:
        return ["exists", "unknown"]
    if ft.scalar is str:
        return ["eq", "ne", "in", "not_in", "matches", "not_matches", "length", "exists", "unknown"]
    if ft.scalar is int:
        return ["eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte", "exists", "unknown"]
    return ["eq", "ne", "in", "exists", "unknown"]


@st.composite
def conditions_in(draw: st.DrawFn, paths: list[tuple[str, FieldType]], depth: int) -> Any:
    """A condition over ``paths``: mostly well-typed (both sides should accept), with a share of noise."""
    roll = draw(st.integers(0, 99))
    if roll < 8 and depth > 0:
        key = draw(st.sampled_from(["all_of", "any_of"]))
        items = draw(st.lists(conditions_in(paths, depth - 1), min_size=1, max_size=3))
        return {key: items if draw(st.integers(0, 19)) else draw(st.sampled_from([[], None, {}, "x"]))}
    if roll < 12 and depth > 0:
        return {"not": draw(conditions_in(paths, depth - 1))}
    lists_ = [(p, ft) for p, ft in paths if ft.is_list and ft.fact is not None]
    if roll < 24 and lists_:
        path, ft = draw(st.sampled_from(lists_))
        assert ft.fact is not None
        element = _fact_paths(ft.fact)
        q = draw(st.sampled_from(["any", "all", "none", "count"]))
        node: dict[str, Any] = {"path": path}
        node[q] = draw(op_value("count", None)) if q == "count" else draw(conditions_in(element, max(depth - 1, 0)))
        if draw(st.integers(0, 2)) == 0:
            node["where"] = draw(conditions_in(element, max(depth - 1, 0)))
        return node
    if roll < 95:
        path, ft = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(_ops_for(ft)))
        node = {"path": path if draw(st.integers(0, 9)) or paths is not SUBJECT_PATHS else f"$.{path}",
                op: draw(op_value(op, ft))}
        if ft.scalar is str and op in ("eq", "ne", "in", "not_in", "matches", "not_matches", "contains") \
                and draw(st.integers(0, 4)) == 0:
            node["ignore_case"] = True
        return node
    return draw(noisy_conditions(paths, depth))


@st.composite
def noisy_conditions(draw: st.DrawFn, paths: list[tuple[str, FieldType]], depth: int) -> Any:
    """Conditions that are often wrong: bad paths and operators, type mismatches, stray keys, junk."""
    kind = draw(st.sampled_from(["leaf", "leaf", "quantifier", "junk"]))
    if kind == "junk":
        return draw(st.one_of(yaml_scalars, st.just({}), st.just({"path": "request.RegionId"}),
                              st.just({"all_of": [], "not": {}}), st.just({"path": "image.disks", "where": {}})))
    if kind == "quantifier":
        path, ft = draw(st.sampled_from(paths)) if draw(st.integers(0, 4)) else (
            draw(st.sampled_from(BAD_PATHS)), None)
        element = _fact_paths(ft.fact) if ft is not None and ft.fact is not None else SUBJECT_PATHS
        q = draw(st.sampled_from(["any", "all", "none", "count", "bogus"]))
        node: dict[str, Any] = {"path": path}
        node[q] = draw(op_value("count", None)) if q == "count" else draw(conditions_in(element, max(depth - 1, 0)))
        if draw(st.integers(0, 4)) == 0:
            node[draw(st.sampled_from(["eq", "any", "all", "extra"]))] = 1
        return node
    choice = draw(st.integers(0, 3))
    path, ft = draw(st.sampled_from(paths)) if choice else (draw(st.sampled_from(BAD_PATHS)), None)
    op = draw(st.sampled_from(LEAF_OPS + BAD_OPS))
    node = {"path": path, op: draw(op_value(op, ft))}
    if draw(st.integers(0, 3)) == 0:
        node["ignore_case"] = draw(st.sampled_from([True, False, "yes"]))
    if draw(st.integers(0, 3)) == 0:
        node[draw(st.sampled_from(["eq", "exists", "where", "all_of", "extra"]))] = draw(op_value("eq", ft))
    return node


GOOD_TEMPLATES = ["Export of {request.ImageId} would fail", "plain text", "{{literal}} braces",
                  "{role.missing_export_actions|count} actions missing", "sizes {image.disks[*].Size}",
                  "镜像 {request.ImageId}"]
BAD_TEMPLATES = ["", " ", "{nope}", "{request.Nope}", "{", "}", "{request.RegionId|count}", "{image[*].Status}"]
good_texts = st.fixed_dictionaries({"en": st.sampled_from(GOOD_TEMPLATES), "zh": st.sampled_from(GOOD_TEMPLATES)})
bad_texts = st.one_of(
    st.fixed_dictionaries({"en": st.sampled_from(BAD_TEMPLATES + GOOD_TEMPLATES),
                           "zh": st.sampled_from(BAD_TEMPLATES)}),
    st.sampled_from([{"en": "x"}, {"en": "x", "zh": "y", "fr": "z"}, "x", None, {"en": 1, "zh": "y"}]))
SUBJECT_FIELDS = list(fact_fields(Subject))


@st.composite
def grammar_rules(draw: st.DrawFn) -> dict[str, Any]:
    """Rules from the condition grammar, each part right most of the time, so both verdicts are common."""
    texts = mostly(good_texts, bad_texts, 20)
    doc: dict[str, Any] = {
        "id": draw(mostly(st.sampled_from(["PF999", "X1", "PF-1.x_y", "Custom.Rule_2"]),
                          st.sampled_from(["a", "1abc", "PF1\n", "", 7, "P" * 65]), 20)),
        "title": draw(texts),
        "severity": draw(mostly(st.sampled_from(["error", "warning", "info"]), st.sampled_from(["fatal", 1, None]),
                                20)),
        "category": draw(mostly(st.sampled_from(["precondition", "security", "hygiene"]), st.just("other"), 20)),
        "assert": draw(conditions_in(SUBJECT_PATHS, 2)),
        "message": draw(texts),
        "remediation": draw(texts),
    }
    optional: dict[str, st.SearchStrategy[Any]] = {
        "when": conditions_in(SUBJECT_PATHS, 1),
        "description": texts,
        "prevents": mostly(st.lists(st.sampled_from(["MissingParameter", "InvalidOSSPrefix.Malformed",
                                                     "ImageIsExporting"]), unique=True, max_size=3),
                           st.one_of(st.lists(st.sampled_from(["Bad-Code", "", "1x", 5, "A"]), min_size=1,
                                              max_size=2), st.sampled_from([None, "X", ["A", "A"]]))),
        "references": mostly(st.lists(st.sampled_from(["https://x.example", "http://y.example/z"]), max_size=2),
                             st.one_of(st.lists(st.sampled_from(["httpfoo", "ftp://z", ""]), min_size=1, max_size=2),
                                       st.none())),
        "locate": mostly(st.sampled_from(SUBJECT_FIELDS), st.sampled_from([None, "", "location", "nope", 0, False])),
        "evidence": mostly(st.lists(st.sampled_from(["request.RegionId", "image.Status", "bucket"]), max_size=2),
                           st.one_of(st.lists(st.sampled_from(["nope.x", "$.request", 5]), min_size=1, max_size=2),
                                     st.sampled_from([None, "", 0, False, "request", {"request": 1}, {}]))),
    }
    for key, strategy in optional.items():
        if draw(st.integers(0, 3)) == 0:
            doc[key] = draw(strategy)
    if draw(st.integers(0, 24)) == 0:
        doc[draw(st.sampled_from(["extra", "Severity", "assert_"]))] = draw(yaml_scalars)
    if draw(st.integers(0, 24)) == 0:
        del doc[draw(st.sampled_from(sorted(doc)))]
    return doc


#: what the compiler checks and a JSON Schema cannot: a RuleError with one of these messages on a
#: schema-valid rule is the compiler being stricter, as documented in rules.py
COMPILER_ONLY_CHECKS = {
    "can never exist": "the path does not exist in the fact model",
    "it has no field": "the path steps into a scalar or a list",
    "can never equal": "the literal's type can never equal the fact's",
    "compares single values": "eq/ne on a list or a fact",
    "tests one value": "in/not_in on a list or a fact",
    "needs a string path": "matches on a non-string fact",
    "compares numbers": "gt/gte/lt/lte on a non-number",
    "needs a string or list path": "length on a scalar that has no length",
    "needs a list of values": "contains on something other than a list of values",
    "needs a list;": "a quantifier over something other than a list",
    "is a list of plain values": "a quantifier over a list of plain values",
    "bad regular expression": "the regular expression does not compile",
    "no named list": "the named list does not exist",
    "not a single value": "{ref: ...} to a list or a fact",
    "unbalanced '{' or '}'": "a message template with a stray brace",
    "is not a list of facts": "a [*] placeholder over something other than a list of facts",
    "'|count' needs a list": "|count on a scalar",
    "a non-empty text in each language": "a text of blanks (schema: minLength 1) [DIV-rule-blank-text, benign]",
    "a count is compared with a whole number": "4.0 is an integer to JSON Schema [DIV-rule-count-float, benign]",
    "a path must be a non-empty string": "an evidence path given as a non-string inside the list",
}


def schema_locate_enum() -> list[str]:
    enum: list[str] = schema("rule")["properties"]["locate"]["enum"]
    return enum


def schema_errors(doc: Any) -> list[Any]:
    return list(validator("rule").iter_errors(doc))


def explain_rule_schema_only(doc: dict[str, Any], error: Any) -> str | None:
    """Why the schema rejects a rule the compiler accepted: a known divergence id, or None (a new bug)."""
    path = list(error.absolute_path)
    top = path[0] if path else None
    if top == "locate" and not doc.get("locate"):
        return "DIV-rule-locate-falsy"
    if top == "locate" and doc.get("locate") in set(SUBJECT_FIELDS) - set(schema_locate_enum()):
        return "DIV-rule-locate-enum-drift"
    if top == "evidence" and (not doc.get("evidence") or not isinstance(doc["evidence"], list)):
        return "DIV-rule-evidence-not-a-list"
    if top == "prevents" and error.validator in ("pattern", "uniqueItems"):
        return "DIV-rule-prevents-pattern"
    if top == "references" and error.validator == "pattern":
        return "DIV-rule-references-pattern"
    return None


@given(doc=grammar_rules())
@examples(300)
def test_compiler_and_rule_schema_agree(doc: dict[str, Any]) -> None:
    try:
        compiled = compile_outcome(doc)
    except Exception as e:  # only known bugs may escape
        bug = known_rule_crash(doc, e)
        if bug is None:
            raise
        event(f"known bug {bug}")
        return
    errors = schema_errors(doc)
    note(f"compiler: {compiled and (compiled.where, compiled.message)}\n"
         f"schema: {[(list(e.absolute_path), e.message) for e in errors]}")
    if (compiled is None) == (not errors):
        event("agree: valid" if compiled is None else "agree: invalid")
        return
    if compiled is None:
        whys = [explain_rule_schema_only(doc, e) for e in errors]
        assert None not in whys, "the compiler accepts a rule the schema rejects"
        event(f"divergence: {', '.join(sorted(set(map(str, whys))))}")
        return
    reason = next((why for fragment, why in COMPILER_ONLY_CHECKS.items() if fragment in str(compiled.message)), None)
    assert reason is not None, f"the compiler rejects a schema-valid rule at {compiled.where}: {compiled.message}"
    event(f"compiler stricter: {reason}")


@given(doc=grammar_rules())
@examples(60)
def test_cli_with_a_generated_rule_directory(doc: dict[str, Any]) -> None:
    """``check --rules DIR``: a report (0/1) or exit 2 with one error line per problem naming the rule file."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rule.yaml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
        try:
            code, out, err = run_cli(["check", str(EXAMPLE), "--rules", tmp, "-f", "json"])
        except Exception as e:  # only known bugs may escape
            bug = known_rule_crash(doc, e)
            if bug is None:
                raise
            event(f"known bug {bug}")
            return
        note(f"exit {code}\nstderr: {err[:2000]}")
        assert code in (0, 1, 2)
        if code == 2:
            assert out == ""
            assert_error_lines(err, display_path(path), doc)
        else:
            report = json.loads(out)
            assert doc.get("id") in {r["rule_id"] for r in report["results"]}


BASE_RULE: dict[str, Any] = {
    "id": "X1", "title": {"en": "t", "zh": "t"}, "severity": "error", "category": "precondition",
    "assert": {"path": "request.RegionId", "exists": True}, "message": {"en": "m", "zh": "m"},
    "remediation": {"en": "r", "zh": "r"},
}


def test_base_rule_compiles_and_validates() -> None:
    assert compile_outcome(BASE_RULE) is None
    assert schema_errors(BASE_RULE) == []


KNOWN_RULE_DIVERGENCES = [
    pytest.param({**BASE_RULE, "locate": None}, id="DIV-rule-locate-falsy-null"),
    pytest.param({**BASE_RULE, "locate": ""}, id="DIV-rule-locate-falsy-empty"),
    pytest.param({**BASE_RULE, "evidence": None}, id="DIV-rule-evidence-not-a-list-null"),
    pytest.param({**BASE_RULE, "evidence": {"request": 1}}, id="DIV-rule-evidence-not-a-list-mapping"),
    pytest.param({**BASE_RULE, "prevents": ["MissingParameter", "MissingParameter"]},
                 id="DIV-rule-prevents-duplicate"),
    pytest.param({**BASE_RULE, "prevents": ["Invalid-Code"]}, id="DIV-rule-prevents-pattern"),
    pytest.param({**BASE_RULE, "references": ["httpfoo"]}, id="DIV-rule-references-pattern"),
]


def test_locate_enum_matches_the_compiler() -> None:
    """The schema's enum and the compiler's list of locatable facts are one list (was a drift)."""
    from preflight.rules import LOCATABLE

    assert sorted(schema_locate_enum()) == sorted(LOCATABLE)
    assert set(LOCATABLE) <= set(SUBJECT_FIELDS)


@pytest.mark.parametrize("doc", KNOWN_RULE_DIVERGENCES)
def test_known_rule_divergence(doc: dict[str, Any]) -> None:
    assert (compile_outcome(doc) is None) == (not schema_errors(doc))


_MIXED_KEYS: dict[Any, Any] = {**BASE_RULE, 1: "x", "zz": "y"}
KNOWN_RULE_CRASH_DOCS = [
    pytest.param(_MIXED_KEYS, id="CRASH-rule-mixed-keys-top"),
    pytest.param({**BASE_RULE, "assert": {1: 2, "a": 3}}, id="CRASH-rule-mixed-keys-condition"),
    pytest.param({**BASE_RULE, "assert": {"path": "request.RegionId", 1: 2, "zz": 3}}, id="CRASH-rule-mixed-keys-leaf"),
    pytest.param({**BASE_RULE, "assert": {"path": "request.ImageFormat", "in": {"list": ["image-formats"]}}},
                 id="CRASH-rule-unhashable-list-name"),
    pytest.param({**BASE_RULE, "locate": ["image"]}, id="CRASH-rule-unhashable-locate"),
    pytest.param({**BASE_RULE, "evidence": 5}, id="CRASH-rule-evidence-not-iterable"),
]


@pytest.mark.parametrize("doc", KNOWN_RULE_CRASH_DOCS)
def test_known_rule_crash(doc: dict[str, Any]) -> None:
    with pytest.raises(RuleError):
        compile_rule(doc, bundled_lists(), "rule.yaml:1")


@pytest.mark.parametrize("validate", [True, False])
@pytest.mark.parametrize("text", [
    pytest.param("id: 2026-13-45\n", id="bad-date"),
    pytest.param("id: X1\nexpires: 2026-02-30\n", id="day-out-of-range"),
    pytest.param("a: !!int abc\n", id="int-tag"),
    pytest.param("a: !!float abc\n", id="float-tag"),
    pytest.param("a: " + "1" * 5000 + "\n", id="int-beyond-digit-limit"),
])
def test_yaml_values_python_cannot_build_are_errors(tmp_path: Path, text: str, validate: bool) -> None:
    """Were crashes (ValueError from PyYAML's constructors); fixed in yamlpos."""
    path = tmp_path / "rule.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PreflightError) as exc:
        load_rule_file(path, bundled_lists(), validate_schema=validate)
    assert exc.value.where is not None and exc.value.where.startswith(display_path(path))


@pytest.mark.parametrize("validate", [True, False])
def test_yaml_bad_bool_tag_is_an_error(tmp_path: Path, validate: bool) -> None:
    path = tmp_path / "rule.yaml"
    path.write_text("a: !!bool maybe\n", encoding="utf-8")
    with pytest.raises(PreflightError):
        load_rule_file(path, bundled_lists(), validate_schema=validate)


def test_deeply_nested_user_rule_is_an_error(tmp_path: Path) -> None:
    """Was a crash (RecursionError in jsonschema for ~200 nested 'not'); fixed."""
    depth = 300
    condition = "{not: " * depth + "{path: request.RegionId, exists: true}" + "}" * depth
    head = "id: X1\ntitle: {en: t, zh: t}\nseverity: error\ncategory: precondition\n" \
           "message: {en: m, zh: m}\nremediation: {en: r, zh: r}\n"
    path = tmp_path / "rule.yaml"
    path.write_text(head + f"assert: {condition}\n", encoding="utf-8")
    with contextlib.suppress(PreflightError):  # a Rule or a PreflightError, nothing else
        load_rule_file(path, bundled_lists(), validate_schema=True)


def test_known_rule_divergence_explanations_match_their_examples() -> None:
    for param in KNOWN_RULE_DIVERGENCES:
        (doc,) = param.values
        assert isinstance(doc, dict)
        if compile_outcome(doc) is not None:
            continue  # fixed
        whys = {explain_rule_schema_only(doc, e) for e in schema_errors(doc)}
        assert None not in whys and whys, param.id


def test_known_divergence_explanations_match_their_examples() -> None:
    for param in KNOWN_DIVERGENCES:
        (doc,) = param.values
        shape, problems = builder_error(doc), schema_problems(doc)
        if (shape is None) == (not problems):
            continue  # fixed
        if shape is not None:
            assert explain_builder_only(doc, shape) is not None, param.id
        else:
            assert all(explain_schema_only(doc, p) for p, _ in problems), param.id

