"""The facts package: its layout (decode → join → derive, remediation apart from policy evaluation, no import
cycle), its typed caches, and the one join lookup every entity goes through."""

from __future__ import annotations

import ast
import functools
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from preflight.errors import Msg
from preflight.facts import Unknown
from preflight.facts.build import Memo, subjects_from_document
from preflight.facts.decode import Annotations, Unknowns, unknown_entries
from preflight.facts.joins import Sections

PACKAGE = Path(__file__).resolve().parent.parent / "preflight"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every preflight module this one imports, at the top or inside a function (lazy imports count)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("preflight"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
            if not base.startswith("preflight"):
                continue
            found.add(base)
            found.update(f"{base}.{a.name}" for a in node.names)  # `from preflight import policy`
    return found


@functools.cache
def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


MINE = ("preflight.facts", "preflight.remediation", "preflight.export_role", "preflight.sources.snapshot",
        "preflight.policy")


def _cycle_through(graph: dict[str, set[str]], start: str) -> list[str] | None:
    """A path start -> ... -> start in the import graph, if there is one."""
    stack: list[tuple[str, list[str]]] = [(m, [start, m]) for m in sorted(graph[start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        if node == start:
            return path
        if node in seen:
            continue
        seen.add(node)
        stack.extend((m, [*path, m]) for m in sorted(graph.get(node, ())))
    return None


def test_the_import_graph_reader_sees_a_cycle() -> None:
    """The cycle finder itself can fail (a test that cannot fail proves nothing)."""
    assert _cycle_through({"a": {"b"}, "b": {"c"}, "c": {"a"}}, "a") == ["a", "b", "c", "a"]
    assert _cycle_through({"a": {"b"}, "b": set()}, "a") is None


@pytest.mark.parametrize("module", sorted(m for m in _graph() if m.startswith(MINE)))
def test_no_import_cycle_runs_through_the_facts_and_fix_modules(module: str) -> None:
    assert _cycle_through(_graph(), module) is None


def test_each_stage_imports_only_the_stages_before_it() -> None:
    graph = _graph()
    order = ["model", "absence", "decode", "joins", "derive", "build"]
    for i, stage in enumerate(order):
        later = {f"preflight.facts.{s}" for s in order[i + 1:]}
        assert not graph[f"preflight.facts.{stage}"] & later, stage
    # the facts never reach back into the sources, the rules or the engine
    for name, deps in graph.items():
        if name.startswith("preflight.facts"):
            assert not {d for d in deps if d.startswith(("preflight.sources", "preflight.rules", "preflight.engine",
                                                         "preflight.run", "preflight.cli"))}, name


def test_policy_evaluates_policies_and_writes_no_fix() -> None:
    """The fix texts live in preflight.remediation; policy.py only re-exports their names for old callers."""
    tree = ast.parse((PACKAGE / "policy.py").read_text(encoding="utf-8"))
    defined = {n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef)}
    assert not defined & {"least_privilege_fix", "scoped_permission_policy", "trust_policy_document",
                          "_hcl", "_hcl_str", "_hcl_template_escape"}
    from preflight import policy, remediation

    assert policy.least_privilege_fix is remediation.least_privilege_fix


def test_importing_the_fact_model_loads_no_builder() -> None:
    """The rule loader and engine import ``preflight.facts``: that is the model, not the builder."""
    import subprocess

    code = "import sys, preflight.facts; print(sorted(m for m in sys.modules if m.startswith('preflight.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "preflight.facts.model" in out and "preflight.facts.build" not in out and "preflight.policy" not in out


# ---------------------------------------------------------------------------------------------------------
# Typed caches


@given(st.lists(st.integers(0, 5), max_size=30))
def test_a_memo_builds_each_key_once_and_returns_the_same_object(keys: list[int]) -> None:
    built: list[int] = []

    def build(k: int) -> list[int]:
        built.append(k)
        return [k]

    memo: Memo[int, list[int]] = Memo(build)
    values = [memo[k] for k in keys]
    assert sorted(built) == sorted(set(keys))
    for k, v in zip(keys, values, strict=True):
        assert v is memo[k] and v == [k]


def test_exports_share_each_entity_and_each_per_export_role() -> None:
    doc: dict[str, Any] = {
        "version": 1, "account_id": "1",
        "exports": [{"RegionId": "r", "ImageId": "m", "OSSBucket": "b", "OSSPrefix": p} for p in ("A", "A", "B")],
        "regions": [{"RegionId": "r"}], "buckets": [{"Name": "b", "Location": "oss-r", "StorageClass": "Standard",
                                                      "AccessControlList": {"Grant": "private"}, "Owner": {"ID": "1"},
                                                      "ServerSideEncryptionRule": {"SSEAlgorithm": "None"},
                                                      "Policy": None, "BlockPublicAccess": False}],
        "images": [{"RegionId": "r", "ImageId": "m", "Status": "Available", "ImageOwnerAlias": "self",
                    "DiskDeviceMappings": []}],
        "roles": [{"RoleName": "AliyunECSImageExportDefaultRole", "AssumeRolePolicyDocument": None,
                   "AttachedPolicies": [{"PolicyName": "P", "PolicyType": "Custom", "PolicyDocument": {
                       "Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:*",
                                                      "Resource": "acs:oss:*:*:b/A*"}]}}]}],
    }
    a1, a2, b = subjects_from_document(doc)
    for attr in ("region", "image", "bucket"):
        assert getattr(a1, attr) is getattr(a2, attr) is getattr(b, attr)
    assert a1.role is a2.role and a1.fix is a2.fix  # same prefix: one role judgement, one fix
    assert a1.role is not b.role and a1.fix is not b.fix  # the prefix decides what the role reaches


# ---------------------------------------------------------------------------------------------------------
# One join lookup, one order


def _sections(doc: dict[str, Any], annotations: Annotations | None = None) -> Sections:
    sections = Sections(doc, annotations, Unknowns(unknown_entries(doc)))
    sections.index_all()
    return sections


RECORDED = {"section": "buckets", "match": {"Name": "b"}, "reason": "AccessDenied"}


@pytest.mark.parametrize(("doc", "annotations", "want"), [
    ({"buckets": [{"Name": "b"}]}, None, "found"),
    ({"buckets": []}, None, None),  # a present section is the whole truth: absent
    ({}, None, "snap.no_section"),  # an absent section: unknown
    ({"buckets": [{"Name": "b"}], "unknown": [RECORDED]}, None, "as_recorded"),  # recorded unknown wins
    ({"unknown": [RECORDED]}, None, "as_recorded"),
    ({"buckets": []}, Annotations(), "snap.not_defined"),  # IaC files describe part of an account
    ({}, Annotations(), "snap.section_reason"),
], ids=["found", "absent", "no-section", "recorded", "recorded-no-section", "iac-missing", "iac-no-section"])
def test_find_reads_a_join_in_one_order(doc: dict[str, Any], annotations: Annotations | None,
                                        want: str | None) -> None:
    got = _sections(doc, annotations).find("buckets", {"Name": "b"}, "Subject.bucket")
    if want == "found":
        assert not isinstance(got, Unknown) and got is not None and got.pointer == "/buckets/0"
    elif want is None:
        assert got is None
    else:
        assert isinstance(got, Unknown) and isinstance(got.reason, Msg) and got.reason.key == want


@pytest.mark.parametrize(("section", "match", "fact"), [
    ("regions", {"RegionId": "cn-hangzhou"}, "region"),
    ("images", {"RegionId": "cn-hangzhou", "ImageId": "m-good"}, "image"),
    ("buckets", {"Name": "exports"}, "bucket"),
    ("roles", {"RoleName": "AliyunECSImageExportDefaultRole"}, "role"),
])
def test_every_join_reads_a_recorded_unknown_first(section: str, match: dict[str, str], fact: str) -> None:
    """An entity both listed and recorded unknown as a whole is unknown, whatever its section (the region's
    join was built apart and read the listing first)."""
    import copy

    from preflight.i18n import render
    from tests.conftest import BASE

    doc = copy.deepcopy(BASE)
    doc["unknown"] = [{"section": section, "match": match, "reason": "AccessDenied: recorded"}]
    (subject,) = subjects_from_document(doc)
    got = getattr(subject, fact)
    assert isinstance(got, Unknown) and render(got.reason, "en") == "AccessDenied: recorded", got


@pytest.mark.parametrize("doc", [{"buckets": []}, {"buckets": [{"Name": "b"}]}, {}, {"unknown": [RECORDED]}])
def test_find_asks_the_recorded_unknowns_once(doc: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    sections = _sections(doc)
    asked: list[tuple[str, Any]] = []
    whole = Unknowns.whole

    def counting(self: Unknowns, section: str, keys: Any) -> Any:
        asked.append((section, dict(keys)))
        return whole(self, section, keys)

    monkeypatch.setattr(Unknowns, "whole", counting)
    for name in ("b", "c"):
        sections.find("buckets", {"Name": name}, "Subject.bucket")
    assert asked == [("buckets", {"Name": "b"}), ("buckets", {"Name": "c"})]


def test_a_join_declared_unknown_reads_unknown_when_its_target_is_missing() -> None:
    got = _sections({"snapshots": []}).find("snapshots", {"SnapshotId": "s-1"}, "Disk.snapshot")
    assert isinstance(got, Unknown) and isinstance(got.reason, Msg) and got.reason.key == "snap.not_in_section"


@pytest.mark.parametrize(("old", "new", "names"), [
    ("preflight.sources.snapshot", "preflight.facts.decode",
     ["SECTIONS", "WRAPPERS", "Annotations", "Obj", "ShapeError"]),
    ("preflight.sources.snapshot", "preflight.facts.build", ["subjects_from_document"]),
    ("preflight.policy", "preflight.remediation", ["PREFIX_MARK", "least_privilege_fix",
                                                   "scoped_permission_policy", "trust_policy_document"]),
    ("preflight.policy", "preflight.export_role", ["EXPORT_ACTIONS", "BUCKET_LEVEL_ACTIONS", "DEFAULT_EXPORT_POLICY"]),
])
def test_old_import_paths_name_the_same_objects(old: str, new: str, names: list[str]) -> None:
    """Thin re-exports: one object under two names, never a copy that could drift."""
    import importlib

    before, after = importlib.import_module(old), importlib.import_module(new)
    for name in names:
        assert getattr(before, name) is getattr(after, name), name
