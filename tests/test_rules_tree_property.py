"""Property: for any rule the language can express, what its compiled predicate and texts read is within
its ``depends_on``, and parsing is deterministic (the same document gives the same tree and derivations).

Conditions are generated from the operator registry (each operator on paths of the kinds it accepts), with
quantifiers, ``$.`` paths inside them, desired values read from the subject (``{ref}``, ``{fmt}``) and the
combinators; reads are observed on real subjects as in ``test_rules_depends``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preflight.facts import Disk, Subject
from preflight.rules import compile_rule
from preflight.rules.operators import OPERATORS, Context
from preflight.rules.paths import resolve_path
from preflight.rules.tree import parse_condition
from tests.test_rules_depends import RULES, reads_beyond, samples

#: paths by scope: at the subject, and inside ``image.disks`` (a Disk, with ``$.`` paths to the subject)
TOP = ["request.OSSPrefix", "request.RegionId", "request.ImageFormat", "image.Status", "image.OSType", "image",
       "bucket.BlockPublicAccess", "bucket.public_grants", "bucket", "role.RoleName", "role.missing_export_actions",
       "tasks", "region", "account_id", "fix"]
IN_DISK = ["Size", "Type", "Encrypted", "Device", "$.request.OSSPrefix", "$.bucket.Name", "$.image.Status"]


def _argument(op: str, path: str, scope: type, draw: Any) -> Any:
    ft = resolve_path(path, scope, ()).type
    if op in ("exists", "unknown"):
        return draw(st.booleans())
    if op in ("gt", "gte", "lt", "lte"):
        return draw(st.integers(0, 100))
    if op == "length":
        return {draw(st.sampled_from(["lte", "gt", "eq"])): draw(st.integers(0, 3))}
    if op in ("matches", "not_matches"):
        return draw(st.sampled_from(["^a", "x", "[0-9]"]))
    literal = (draw(st.booleans()) if ft.scalar is bool else draw(st.integers(0, 50)) if ft.scalar is int
               else draw(st.sampled_from(["a", "cn-hangzhou", "qcow2"])))
    if op in ("in", "not_in"):
        return [literal]
    if ft.scalar is str or op == "contains":
        return draw(st.sampled_from([literal if ft.scalar is str else "a", {"ref": "request.OSSBucket"},
                                     {"fmt": "{bucket.Name}-{role.RoleName}"}, {"ref": "$.image.Status"}]))
    return literal


@st.composite
def leaf(draw: Any, scope: type) -> dict[str, Any]:
    paths = TOP if scope is Subject else IN_DISK
    path = draw(st.sampled_from(paths))
    ft = resolve_path(path, scope, ()).type
    ops = sorted(name for name, op in OPERATORS.items() if op.accepts is None or op.accepts(ft))
    op = draw(st.sampled_from(ops))
    node: dict[str, Any] = {"path": path, op: _argument(op, path, scope, draw)}
    if OPERATORS[op].sees == "known" and draw(st.booleans()):
        node["if_absent"] = draw(st.sampled_from([True, False, "unknown"]))
    return node


def condition(scope: type, depth: int = 3) -> st.SearchStrategy[dict[str, Any]]:
    if depth == 0:
        return leaf(scope)
    inner = condition(scope, depth - 1)
    options = [leaf(scope),
               st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all_of": xs}),
               st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any_of": xs}),
               inner.map(lambda c: {"not": c})]
    if scope is Subject:
        in_disk = condition(Disk, depth - 1)
        options.append(st.builds(
            lambda q, body, where, count: {"path": "image.disks", q: count if q == "count" else body,
                                           **({"where": where} if where else {})},
            st.sampled_from(["any", "all", "none", "count"]), in_disk, st.none() | in_disk,
            st.sampled_from([{"lte": 1}, {"gt": 0}, {"eq": 2}])))
    return st.one_of(options)


TEXTS = ["plain", "{request.OSSPrefix|sh}", "{image.disks|count} disks", "{image.disks[*].Size}",
         "{fix.terraform|lines}", "{role.RoleName} {bucket.Name}"]


@st.composite
def rule_document(draw: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": "X1", "title": {"en": "t", "zh": "标题"}, "severity": "error", "category": "precondition",
        "assert": draw(condition(Subject)),
        "message": {"en": draw(st.sampled_from(TEXTS)), "zh": draw(st.sampled_from(TEXTS))},
        "remediation": {"en": draw(st.sampled_from(TEXTS)), "zh": "修复"},
    }
    if draw(st.booleans()):
        doc["when"] = draw(condition(Subject, 1))
    if draw(st.booleans()):
        doc["evidence"] = draw(st.lists(st.sampled_from(["request.RoleName", "bucket.Grant", "image.disks"]),
                                        max_size=2, unique=True))
    if draw(st.booleans()):
        doc["pass_evidence"] = ["bucket.public_access_blocked"]
    return doc


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=rule_document(), picks=st.lists(st.integers(0, 10_000), min_size=3, max_size=3))
def test_any_rule_reads_only_its_depends_on(doc: dict[str, Any], picks: list[int]) -> None:
    rule = compile_rule(doc, RULES.lists, "generated.yaml")
    pool = samples()
    for i in picks:
        condition_beyond, text_beyond = reads_beyond(rule, pool[i % len(pool)])
        assert condition_beyond == set(), (doc, rule.condition_depends_on)
        assert text_beyond == set(), (doc, rule.depends_on)


@settings(max_examples=50, deadline=None)
@given(doc=rule_document())
def test_parsing_is_deterministic(doc: dict[str, Any]) -> None:
    a, b = compile_rule(doc, RULES.lists, "g"), compile_rule(doc, RULES.lists, "g")
    assert a.conditions == b.conditions
    assert (a.depends_on, a.condition_depends_on, a.locate, a.locate_field) == \
        (b.depends_on, b.condition_depends_on, b.locate, b.locate_field)
    assert [k for k, _ in a.evidence] == [k for k, _ in b.evidence]
    tree = parse_condition(doc["assert"], Subject, ("assert",), Context({n: v.values for n, v in RULES.lists.items()}))
    assert a.conditions is not None and tree == a.conditions[1]
