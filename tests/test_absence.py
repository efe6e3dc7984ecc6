"""The absence table is the one place a missing field reads as "none"; everything else missing is unknown,
joins say what a missing target is, the README lists the same fields, and a pass says why when a rule asks."""

from __future__ import annotations

import ast
import copy
import datetime
import inspect
import re
from typing import Any

import pytest

from preflight.engine import evaluate_one
from preflight.facts import Unknown
from preflight.facts.absence import JOINS, NONE_WHEN_ABSENT, absent_means_none
from preflight.model import Status
from preflight.rules import load_rules
from preflight.run import CheckOptions
from preflight.sources.snapshot import Obj, subjects_from_document
from tests.conftest import BASE, ROOT

RULES = load_rules(validate_bundled=True)


def _doc(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    doc.update(changes)
    return doc


def test_no_reader_takes_an_absence_flag() -> None:
    """The Obj readers decide absence through the table alone: no flag, and no code passes one."""
    for name in ("str_", "bool_", "int_", "obj", "items"):
        params = list(inspect.signature(getattr(Obj, name)).parameters)
        assert params in (["self", "key"], ["self", "key", "wrapper"]), (name, params)
    for path in sorted((ROOT / "preflight").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword):
                assert node.arg != "absent_is_none", f"{path}:{node.value.lineno}"
            if isinstance(node, ast.arg):
                assert node.arg != "absent_is_none", f"{path}:{node.lineno}"


@pytest.mark.parametrize(("pointer", "where"), [
    ("/exports/0", "exports"),
    ("/exports/Export/3", "exports"),
    ("/buckets/2", "buckets"),
    ("/buckets/0/ServerSideEncryptionRule", "buckets/ServerSideEncryptionRule"),
    ("/images/1/DiskDeviceMappings/DiskDeviceMapping/0", "images/DiskDeviceMappings"),
    ("/images/1/DiskDeviceMappings/0", "images/DiskDeviceMappings"),
    ("/roles/0/AttachedPolicies/Policy/1", "roles/AttachedPolicies"),
    ("/tasks/Task/4", "tasks"),
])
def test_an_object_knows_its_place_in_the_table(pointer: str, where: str) -> None:
    assert Obj({}, pointer).where == where


@pytest.mark.parametrize("entry", NONE_WHEN_ABSENT, ids=lambda a: f"{a.where}.{a.field}")
def test_a_listed_field_missing_reads_as_none(entry: Any) -> None:
    o = Obj({}, "/" + "/0/".join(entry.where.split("/")) + "/0")
    assert o.where == entry.where
    assert o.str_(entry.field) is None and o.bool_(entry.field) is None
    assert entry.api.strip() and entry.means.strip()


@pytest.mark.parametrize(("pointer", "key"), [
    ("/buckets/0", "CrossRegionReplication"),
    ("/buckets/0", "BlockPublicAccess"),
    ("/images/0", "OSName"),
    ("/images/0/DiskDeviceMappings/DiskDeviceMapping/0", "Device"),
    ("/snapshots/0", "KMSKeyId"),
    ("/tasks/0", "TaskStatus"),
    ("/tasks/0", "ResourceId"),
    ("/tasks/0", "TaskAction"),
    ("/buckets/0/ServerSideEncryptionRule", "SSEAlgorithm"),
])
def test_any_other_field_missing_is_unknown_naming_it(pointer: str, key: str) -> None:
    o = Obj({}, pointer)
    assert not absent_means_none(o.where, key)
    for value in (o.str_(key), o.bool_(key)):
        assert isinstance(value, Unknown) and key in str(value.reason)


def test_the_readme_lists_exactly_the_table() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- absence-table -->", 1)[1].split("<!-- /absence-table -->", 1)[0]
    listed = set()
    for row in block.splitlines()[3:]:
        cells = [c.strip() for c in row.strip().strip("|").split("|")]
        if len(cells) >= 2:
            where = cells[0].strip("`")
            listed |= {(where, f) for f in re.findall(r"`([^`]+)`", cells[1])}
    assert listed == {(a.where, a.field) for a in NONE_WHEN_ABSENT}


def test_a_missing_snapshot_is_unknown_naming_it_and_a_missing_image_is_absent() -> None:
    assert JOINS["Disk.snapshot"].missing == "unknown" and JOINS["Subject.image"].missing == "none"
    (s,) = subjects_from_document(_doc(snapshots=[]))
    (disk,) = s.image.disks  # type: ignore[union-attr]
    assert isinstance(disk.snapshot, Unknown) and "s-sys" in str(disk.snapshot.reason)
    (s,) = subjects_from_document(_doc(images=[]))
    assert s.image is None


@pytest.mark.parametrize(("bucket_bpa", "account", "expected"), [
    (True, None, True), (None, {"BlockPublicAccess": True}, True), (False, {"BlockPublicAccess": False}, False),
    (False, None, "unknown"), (None, {}, "unknown"), ("true", {"BlockPublicAccess": "false"}, True),
])
def test_block_public_access_is_on_when_either_level_is(bucket_bpa: Any, account: Any, expected: Any) -> None:
    doc = _doc()
    if bucket_bpa is not None:
        doc["buckets"] = [{**doc["buckets"][0], "BlockPublicAccess": bucket_bpa}]
    if account is not None:
        doc["public_access_block"] = account
    (s,) = subjects_from_document(doc)
    got = s.bucket.public_access_blocked  # type: ignore[union-attr]
    assert (isinstance(got, Unknown) if expected == "unknown" else got is expected), got


@pytest.mark.parametrize("rule_id", ["PF501", "PF506"])
def test_a_pass_by_block_public_access_says_so(rule_id: str) -> None:
    rule = RULES.get(rule_id)
    assert rule is not None
    (on,) = subjects_from_document(_doc(public_access_block={"BlockPublicAccess": True}))
    result = evaluate_one(rule, on)
    assert result.status is Status.PASS and result.evidence == {"bucket.public_access_blocked": True}
    (plain,) = subjects_from_document(_doc())
    result = evaluate_one(rule, plain)
    assert result.status is Status.PASS and result.evidence == {}


def test_the_date_waivers_expire_against_is_required() -> None:
    with pytest.raises(TypeError, match="today"):
        CheckOptions(paths=())  # type: ignore[call-arg]
    assert CheckOptions(today=datetime.date(2026, 1, 2)).today == datetime.date(2026, 1, 2)


# -- an absent parent is not an empty leaf (the rule language) -----------------------------------------


def _nullable_fact_fields() -> set[str]:
    """Every ``Class.field`` a rule path can reach that holds another fact or ``None``."""
    import types
    import typing

    from preflight.facts import Subject, fact_fields

    found: set[str] = set()
    todo, seen = [Subject], set()
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        hints = typing.get_type_hints(cls)
        for name, ft in fact_fields(cls).items():
            if ft.fact is None:
                continue
            todo.append(ft.fact)
            hint = hints[name]
            args = typing.get_args(hint) if typing.get_origin(hint) in (typing.Union, types.UnionType) else ()
            if type(None) in args:
                found.add(f"{cls.__name__}.{name}")
    return found


def test_every_join_that_may_hold_none_is_declared() -> None:
    assert _nullable_fact_fields() == set(JOINS)
    for join in JOINS.values():
        assert join.why.strip() and join.through in ("none", "absent")


def _condition(node: dict[str, Any]) -> Any:
    from preflight.facts import Subject
    from preflight.rules.compile import compile_condition
    from preflight.rules.operators import Context
    from preflight.rules.tree import parse_condition

    return compile_condition(parse_condition(node, Subject, (), Context({})))


@pytest.mark.parametrize(("node", "expected"), [
    ({"path": "image.Status", "eq": "Available"}, "unknown"),
    ({"path": "image.Status", "ne": "Available"}, "unknown"),
    ({"path": "image.ProductCode", "length": {"gt": 0}}, "unknown"),
    ({"path": "image.disks", "none": {"path": "Encrypted", "eq": True}}, "unknown"),
    ({"path": "image.disks", "count": {"eq": 0}}, "unknown"),
    ({"not": {"path": "image.Status", "eq": "Available"}}, "unknown"),
    ({"path": "image.Status", "eq": "Available", "if_absent": True}, True),
    ({"path": "image.Status", "eq": "Available", "if_absent": False}, False),
    ({"path": "image.disks", "none": {"path": "Encrypted", "eq": True}, "if_absent": True}, True),
    ({"path": "image.disks", "count": {"gt": 0}, "if_absent": False}, False),
    ({"path": "image.Status", "exists": False}, True),
    ({"path": "image.Status", "unknown": False}, True),
    ({"path": "image", "exists": False}, True),
])
def test_a_path_through_a_missing_image_is_not_an_empty_leaf(node: dict[str, Any], expected: Any) -> None:
    (s,) = subjects_from_document(_doc(images=[]))
    assert s.image is None
    got = _condition(node)(s, s)
    if expected == "unknown":
        assert isinstance(got, Unknown) and "image does not exist" in str(got.reason), got
    else:
        assert got is expected


def _mappings(image: dict[str, Any]) -> list[Any]:
    m = image["DiskDeviceMappings"]
    return list(m["DiskDeviceMapping"] if isinstance(m, dict) else m)


def test_a_disk_without_a_snapshot_has_no_snapshot_facts() -> None:
    """Disk.snapshot reads ``none`` through: a (data) disk with no SnapshotId has no encryption or product code."""
    base = BASE["images"][0]
    image = {**base, "DiskDeviceMappings": [*_mappings(base), {"Type": "data", "Size": "40", "Device": "/dev/xvdb",
                                                                "SnapshotId": ""}]}
    (s,) = subjects_from_document(_doc(images=[image]))
    cond = _condition({"path": "image.disks", "none": {"path": "snapshot.Encrypted", "eq": True}})
    assert cond(s, s) is True


@pytest.mark.parametrize("mappings", [[], [{"Type": "system", "Size": "40", "Device": "/dev/xvda", "SnapshotId": ""}]],
                         ids=["no disk at all", "system disk without a snapshot"])
def test_an_image_whose_disks_lost_their_snapshots_is_not_read_as_unencrypted(mappings: list[Any]) -> None:
    """A custom image always has a system disk made from a snapshot: an empty mapping list, or a system disk
    naming none, is knowledge lost, so PF204/PF208 cannot pass on it."""
    image = {**BASE["images"][0], "DiskDeviceMappings": mappings}
    (s,) = subjects_from_document(_doc(images=[image]))
    cond = _condition({"path": "image.disks", "none": {"path": "snapshot.Encrypted", "eq": True}})
    assert isinstance(cond(s, s), Unknown)


@pytest.mark.parametrize(("node", "problem"), [
    ({"path": "image.Status", "exists": True, "if_absent": True}, "if_absent"),
    ({"path": "image.Status", "eq": "x", "if_absent": "maybe"}, "if_absent"),
])
def test_if_absent_is_checked_at_load_time(node: dict[str, Any], problem: str) -> None:
    from preflight.rules import RuleError

    with pytest.raises(RuleError) as e:
        _condition(node)
    assert e.value.where[-1] == problem


def test_the_account_level_setting_can_be_recorded_unknown() -> None:
    doc = _doc(public_access_block={"BlockPublicAccess": True},
               unknown=[{"section": "public_access_block", "reason": "AccessDenied: oss:GetPublicAccessBlock"}])
    (s,) = subjects_from_document(doc)
    got = s.bucket.AccountBlockPublicAccess  # type: ignore[union-attr]
    assert isinstance(got, Unknown) and "GetPublicAccessBlock" in str(got.reason)


@pytest.mark.parametrize("bad", [{"BlockPublicAccess": "yes"}, ["BlockPublicAccess"]])
def test_a_malformed_account_level_setting_is_bad_input(bad: Any) -> None:
    from preflight.sources.snapshot import ShapeError

    with pytest.raises(ShapeError) as e:
        subjects_from_document(_doc(public_access_block=bad))
    assert e.value.pointer.startswith("/public_access_block")


@pytest.mark.parametrize("value", ["bucket.public_access_blocked", [1], ["bucket.nothing_here"]])
def test_pass_evidence_is_checked_at_load_time(value: Any) -> None:
    from preflight.rules import RuleError, compile_rule

    doc = {"id": "X1", "title": {"en": "t", "zh": "t"}, "severity": "error", "category": "security",
           "assert": {"path": "bucket", "exists": True}, "message": {"en": "m", "zh": "m"},
           "remediation": {"en": "r", "zh": "r"}, "pass_evidence": value}
    with pytest.raises(RuleError) as e:
        compile_rule(doc, {}, "x.yaml")
    assert e.value.where[0] == "pass_evidence"


def test_a_user_rule_may_declare_if_absent_and_pass_evidence(tmp_path: Any) -> None:
    (tmp_path / "X900.yaml").write_text(
        "id: X900\ntitle: {en: t, zh: t}\nseverity: error\ncategory: security\n"
        "assert:\n  all_of:\n    - {path: image.Status, eq: Available, if_absent: false}\n"
        "    - {path: image.disks, none: {path: Encrypted, eq: true}, if_absent: true}\n"
        "pass_evidence: [image.Status]\nmessage: {en: m, zh: m}\nremediation: {en: r, zh: r}\n", encoding="utf-8")
    rule = load_rules([tmp_path]).get("X900")
    assert rule is not None
    (missing,) = subjects_from_document(_doc(images=[]))
    assert evaluate_one(rule, missing).status is Status.FAIL
    (present,) = subjects_from_document(_doc())
    result = evaluate_one(rule, present)
    assert result.status is Status.PASS and result.evidence == {"image.Status": "Available"}
