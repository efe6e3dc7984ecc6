"""The rule language: every broken rule is a load error with file and line; operators are three-valued."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from preflight.errors import PreflightError
from preflight.facts import Unknown
from preflight.rules import compile_rule, load_rules
from preflight.sources.snapshot import subjects_from_document
from tests.conftest import BASE

LISTS = load_rules().lists

HEADER = """\
id: {id}
title: {{en: t, zh: 标题}}
severity: error
category: precondition
message: {{en: m, zh: 消息}}
remediation: {{en: r, zh: 修复}}
"""


def write_rule(tmp_path: Path, body: str, rule_id: str = "USR001", name: str | None = None) -> Path:
    d = tmp_path / "rules"
    d.mkdir(exist_ok=True)
    path = d / (name or f"{rule_id}.yaml")
    path.write_text(HEADER.format(id=rule_id) + textwrap.dedent(body), encoding="utf-8")
    return d


@pytest.mark.parametrize("validate", [True, False])
@pytest.mark.parametrize(
    ("body", "line", "expected"),
    [
        ("assert: {path: image.Statuss, eq: Available}\n", 7, "can never exist: Image has no field 'Statuss'"),
        ("assert: {path: image.Status, equals: Available}\n", 7, "equals"),
        ("assert: {path: request.OSSPrefix, matches: '[a-z'}\n", 7, "regular expression"),
        ("assert:\n  all_of:\n    - {path: request.RegionId, exists: true}\n    - {path: nope.x, exists: true}\n",
         10, "nope"),
        ("assert: {path: image.disks.Size, lte: 500}\n", 7, "quantifier"),
        ("assert: {path: image.Status, gt: 3}\n", 7, "numbers"),
        ("assert: {path: request.RegionId, in: {list: no-such-list}}\n", 7, "no-such-list"),
        ("assert: {path: image.disks, any: {path: Size, eq: '40'}}\n", 7, "can never equal"),
        ("assert: {path: image.Status, eq: Available}\nextra_key: 1\n", 8, "extra_key"),
        ("assert: {path: request.RegionId, exists: true, eq: x}\n", 7, "exactly one operator"),
    ],
)
def test_broken_rules_fail_to_load_with_line(tmp_path: Path, body: str, line: int, expected: str,
                                             validate: bool) -> None:
    from preflight.rules import load_rule_file

    d = write_rule(tmp_path, body)
    with pytest.raises(PreflightError) as info:
        load_rule_file(d / "USR001.yaml", LISTS, validate_schema=validate)
    text = str(info.value)
    assert f"USR001.yaml:{line}:" in text or (not validate and "USR001.yaml:" in text), text
    assert expected in text, text


def test_message_placeholder_must_exist(tmp_path: Path) -> None:
    d = tmp_path / "rules"
    d.mkdir()
    (d / "USR002.yaml").write_text(textwrap.dedent("""\
        id: USR002
        title: {en: t, zh: 标题}
        severity: warning
        category: hygiene
        assert: {path: image.Status, eq: Available}
        message:
          en: "image is {image.Statu}"
          zh: 镜像
        remediation: {en: r, zh: 修复}
        """), encoding="utf-8")
    with pytest.raises(PreflightError) as info:
        load_rules([d])
    assert "USR002.yaml:7" in str(info.value) and "Statu" in str(info.value)


def test_missing_chinese_text_is_an_error(tmp_path: Path) -> None:
    d = tmp_path / "rules"
    d.mkdir()
    (d / "USR003.yaml").write_text(textwrap.dedent("""\
        id: USR003
        title: {en: t}
        severity: warning
        category: hygiene
        assert: {path: image.Status, eq: Available}
        message: {en: m, zh: 消息}
        remediation: {en: r, zh: 修复}
        """), encoding="utf-8")
    with pytest.raises(PreflightError) as info:
        load_rules([d])
    assert "USR003.yaml:2" in str(info.value) and "zh" in str(info.value)


def test_duplicate_ids_name_both_files(tmp_path: Path) -> None:
    d = write_rule(tmp_path, "assert: {path: image.Status, eq: Available}\n", "PF104", name="mine.yaml")
    with pytest.raises(PreflightError) as info:
        load_rules([d])
    assert "duplicate rule id 'PF104'" in str(info.value) and "mine.yaml" in str(info.value)


def test_malformed_yaml_and_duplicate_keys(tmp_path: Path) -> None:
    d = tmp_path / "rules"
    d.mkdir()
    (d / "a.yaml").write_text("id: A1\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(PreflightError) as info:
        load_rules([d])
    assert "a.yaml:" in str(info.value) and "not valid YAML" in str(info.value)
    (d / "a.yaml").write_text(HEADER.format(id="A1") + "assert: {path: image.Status, eq: x}\nseverity: info\n",
                              encoding="utf-8")
    with pytest.raises(PreflightError) as info:
        load_rules([d])
    assert "a.yaml:8" in str(info.value) and "duplicate key 'severity'" in str(info.value)


def test_user_rules_are_added(tmp_path: Path) -> None:
    d = write_rule(tmp_path, "assert: {path: request.OSSPrefix, matches: '^Corp'}\n", "CORP001")
    ruleset = load_rules([d])
    assert ruleset.get("CORP001") is not None and ruleset.get("PF104") is not None


def test_missing_rule_directory(tmp_path: Path) -> None:
    with pytest.raises(PreflightError, match="rule directory does not exist"):
        load_rules([tmp_path / "nope"])


# -- semantics ----------------------------------------------------------------------------------------------


def evaluate(condition: dict[str, Any], doc: dict[str, Any] | None = None) -> Any:
    rule = compile_rule(
        {"id": "T1", "title": {"en": "t", "zh": "t"}, "severity": "error", "category": "precondition",
         "assert": condition, "message": {"en": "m", "zh": "m"}, "remediation": {"en": "r", "zh": "r"}},
        LISTS, "test")
    (subject,) = subjects_from_document(doc or BASE)
    return rule.check(subject, subject)


def with_disks(*sizes: Any, drop: str | None = None) -> dict[str, Any]:
    import copy

    doc = copy.deepcopy(BASE)
    maps = [{"Type": "system", "Device": "/dev/xvda", "Size": "40", "SnapshotId": "s-sys"}]
    maps += [{"Type": "data", "Device": f"/dev/xvd{chr(98 + i)}", "Size": str(s), "SnapshotId": "s-sys"}
             for i, s in enumerate(sizes)]
    if drop:
        for m in maps[1:]:
            m.pop(drop)
    doc["images"][0]["DiskDeviceMappings"] = {"DiskDeviceMapping": maps}
    return doc


@pytest.mark.parametrize(
    ("condition", "doc", "expected"),
    [
        ({"path": "image.Status", "eq": "Available"}, None, True),
        ({"path": "image.Status", "ne": "Available"}, None, False),
        ({"path": "image.Status", "in": ["Creating", "Available"]}, None, True),
        ({"path": "request.ImageFormat", "eq": "RAW", "ignore_case": True}, None, True),
        ({"path": "request.ImageFormat", "in": {"list": "image-formats"}}, None, True),
        ({"path": "request.OSSPrefix", "length": {"lte": 30}}, None, True),
        ({"path": "bucket.Location", "eq": {"fmt": "oss-{request.RegionId}"}}, None, True),
        ({"path": "image.RegionId", "eq": {"ref": "request.RegionId"}}, None, True),
        ({"path": "bucket.SSEAlgorithm", "exists": False}, None, True),
        ({"path": "image.data_disks", "count": {"lte": 4}}, with_disks(1, 2, 3, 4), True),
        ({"path": "image.data_disks", "count": {"lte": 4}}, with_disks(1, 2, 3, 4, 5), False),
        ({"path": "image.data_disks", "all": {"path": "Size", "lte": 500}}, with_disks(100, 500), True),
        ({"path": "image.data_disks", "all": {"path": "Size", "lte": 500}}, with_disks(100, 501), False),
        ({"path": "image.disks", "where": {"path": "Type", "eq": "data"}, "none": {"path": "Size", "gt": 500}},
         with_disks(600), False),
        ({"path": "image.disks", "any": {"path": "$.request.RegionId", "eq": "cn-hangzhou"}}, None, True),
        ({"not": {"path": "image.Status", "eq": "Available"}}, None, False),
        ({"any_of": [{"path": "image.Status", "eq": "x"}, {"path": "image.OSType", "eq": "linux"}]}, None, True),
        ({"path": "role.other_principals", "length": {"eq": 0}}, None, True),
        ({"path": "image.Platform", "matches": "^windows", "ignore_case": True}, None, False),
    ],
)
def test_operators(condition: dict[str, Any], doc: dict[str, Any] | None, expected: bool) -> None:
    assert evaluate(condition, doc) is expected


def test_unknown_propagates_and_is_never_true() -> None:
    import copy

    doc = copy.deepcopy(BASE)
    del doc["images"]
    result = evaluate({"path": "image.Status", "eq": "Available"}, doc)
    assert isinstance(result, Unknown) and result.path == "image.Status"
    assert isinstance(evaluate({"not": {"path": "image.Status", "eq": "Available"}}, doc), Unknown)
    # false AND unknown is false; true OR unknown is true
    assert evaluate({"all_of": [{"path": "request.RegionId", "eq": "x"}, {"path": "image.Status", "eq": "A"}]},
                    doc) is False
    assert evaluate({"any_of": [{"path": "request.RegionId", "eq": "cn-hangzhou"},
                                {"path": "image.Status", "eq": "A"}]}, doc) is True
    assert evaluate({"path": "image", "unknown": True}, doc) is True


def test_count_over_partly_unknown_elements() -> None:
    # sizes unknown: 5 data disks is over the limit whatever they are, 1 data disk could be either
    assert evaluate({"path": "image.disks", "where": {"path": "Size", "gt": 500}, "count": {"eq": 0}},
                    with_disks(100, drop="Size")).__class__ is Unknown
    assert evaluate({"path": "image.disks", "where": {"path": "Type", "eq": "data"}, "count": {"lte": 4}},
                    with_disks(1, 2, 3, 4, 5, drop="Size")) is False


@pytest.mark.parametrize("where", ["root", "rules", "elsewhere", "linked"])
def test_a_bundled_rule_s_source_is_its_display_path(where: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Shown paths of the bundled rules come from their directory resolved once; each is what
    display_path(file) says, from any working directory, a rule file that is a symlink resolved on its own."""
    import shutil

    from preflight.rules import load as loader
    from preflight.sources.common import display_path
    from tests.conftest import ROOT

    rules = ROOT / "rules"
    if where == "linked":  # a copy of the pack in which one rule file is a symlink to a file elsewhere
        copy = tmp_path / "pack"
        shutil.copytree(rules, copy)
        target = tmp_path / "elsewhere" / "PF104-oss-prefix-format.yaml"
        target.parent.mkdir()
        (copy / target.name).rename(target)
        (copy / target.name).symlink_to(target)
        monkeypatch.setattr(loader, "rules_dir", lambda: copy)
        monkeypatch.setenv("PREFLIGHT_NO_CACHE", "1")
        rules = copy
    monkeypatch.chdir({"root": ROOT, "rules": ROOT / "rules", "elsewhere": tmp_path, "linked": tmp_path}[where])
    resolved: list[Path] = []

    def counting(path: Path | str) -> str:
        resolved.append(Path(path))
        return display_path(path)

    monkeypatch.setattr(loader, "display_path", counting)
    got = {r.id: r.source for r in loader.load_rules().rules}
    want = {p.name.split("-", 1)[0]: display_path(p) for p in rules.glob("PF*.yaml")}
    assert got == want
    assert resolved == ([rules] if where != "linked" else [rules, rules / "PF104-oss-prefix-format.yaml"])
    if where == "linked":
        assert got["PF104"] == "elsewhere/PF104-oss-prefix-format.yaml"
