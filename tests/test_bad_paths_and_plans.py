"""Inputs that once ended in "internal error" now end in one line "file:place: message", exit 2, in en and zh.

a. Terraform plan JSON of the wrong shape (``planned_values`` a number, ``resources`` not a list, a change that
   is not an object, a configuration whose module calls are a list, …): the file, the line and the JSON
   pointer of the value. A property test throws mostly-plan-shaped random JSON at the plan loader: it ends in
   subjects or a PreflightError, nothing else.
b. Paths the OS cannot look at — a symlink loop, a name too long, a NUL in a name read from the config, a rule
   file that is a loop — given as a check input, ``--config``, ``--baseline``, ``--rules``, ``--requests``,
   ``--waivers``, found by discovery or met while walking a directory: the path and the OS's words.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preflight.errors import PreflightError
from preflight.sources import iac
from preflight.sources.common import display_path, list_dir, path_kind, resolved
from tests.conftest import Cli, both_languages
from tests.zhcheck import assert_chinese

LONG = "a" * 300  # longer than any file system's NAME_MAX (255)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work in tmp_path, so errors name files as given (relative)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _loop(root: Path, a: str = "loop1", b: str = "loop2") -> None:
    (root / b).symlink_to(a)
    (root / a).symlink_to(b)


def _assert_error(cli: Cli, args: tuple[str, ...], prefix: str, english: str) -> None:
    en, zh = both_languages(cli, *args)
    for r in (en, zh):
        assert r.code == 2, r
        assert "internal error" not in r.err and "内部错误" not in r.err, r.err
        assert len(r.err.strip().splitlines()) == 1, r.err
    assert en.err.strip() == f"preflight: error: {prefix}: {english}", en.err
    line = zh.err.strip()
    assert line.startswith(f"preflight: error: {prefix}: "), line
    assert_chinese(line[len(f"preflight: error: {prefix}: "):])


# ---------------------------------------------------------------------------------------------------------
# a. Plans of the wrong shape

R = {"type": "alicloud_image_export", "address": "alicloud_image_export.e", "mode": "managed",
     "values": {"image_id": "m-1", "oss_bucket": "b"}}
C = {"address": "alicloud_image_export.e", "type": "alicloud_image_export", "mode": "managed",
     "change": {"actions": ["create"], "after": {"image_id": "m-1"}, "after_unknown": {}}}
CONF_R = {"address": "alicloud_image_export.e", "provider_config_key": "alicloud",
          "expressions": {"image_id": {"references": ["alicloud_image.i.id", "alicloud_image.i"]}}}


def _plan(**sections: Any) -> dict[str, Any]:
    return {"format_version": "1.2", **sections}


def _pv(*resources: Any, **module: Any) -> dict[str, Any]:
    return {"root_module": {"resources": list(resources), **module}}


def _conf(**conf: Any) -> dict[str, Any]:
    return {"provider_config": {"alicloud": {"name": "alicloud", "expressions": {"region": {"constant_value": "x"}}}},
            **conf}


PLANS = [
    # the six the review found
    pytest.param(_plan(planned_values=5), "/planned_values", "an object", id="planned_values"),
    pytest.param(_plan(planned_values={"root_module": {"resources": 5}}), "/planned_values/root_module/resources",
                 "a list", id="resources"),
    pytest.param(_plan(planned_values=_pv({**R, "values": 5})), "/planned_values/root_module/resources/0/values",
                 "an object", id="values"),
    pytest.param(_plan(planned_values={"root_module": {"child_modules": 5}}),
                 "/planned_values/root_module/child_modules", "a list", id="child_modules"),
    pytest.param(_plan(planned_values={}, configuration=5), "/configuration", "an object", id="configuration"),
    pytest.param(_plan(resource_changes=5), "/resource_changes", "a list", id="resource_changes"),
    # every other container the loader reads
    pytest.param(_plan(planned_values={"root_module": 5}), "/planned_values/root_module", "an object",
                 id="root_module"),
    pytest.param(_plan(planned_values=_pv(5)), "/planned_values/root_module/resources/0", "an object",
                 id="resource"),
    pytest.param(_plan(planned_values=_pv({**R, "type": ["x"]})), "/planned_values/root_module/resources/0/type",
                 "a string", id="type"),
    pytest.param(_plan(planned_values=_pv({**R, "mode": 1})), "/planned_values/root_module/resources/0/mode",
                 "a string", id="mode"),
    pytest.param(_plan(planned_values=_pv({**R, "address": {}})),
                 "/planned_values/root_module/resources/0/address", "a string", id="address"),
    pytest.param(_plan(planned_values=_pv({k: v for k, v in R.items() if k != "address"})),
                 "/planned_values/root_module/resources/0/address", "a string", id="no-address"),
    pytest.param(_plan(planned_values=_pv({**R, "module_address": 3})),
                 "/planned_values/root_module/resources/0/module_address", "a string", id="module_address"),
    pytest.param(_plan(planned_values={"root_module": {"child_modules": [[]]}}),
                 "/planned_values/root_module/child_modules/0", "an object", id="child_module"),
    pytest.param(_plan(planned_values={"root_module": {"child_modules": [{"resources": [{**R, "values": []}]}]}}),
                 "/planned_values/root_module/child_modules/0/resources/0/values", "an object", id="child-values"),
    pytest.param(_plan(resource_changes=["x"]), "/resource_changes/0", "an object", id="resource_change"),
    pytest.param(_plan(resource_changes=[{**C, "address": []}]), "/resource_changes/0/address", "a string",
                 id="change-address"),
    pytest.param(_plan(resource_changes=[{**C, "change": []}]), "/resource_changes/0/change", "an object",
                 id="change"),
    pytest.param(_plan(planned_values=_pv(R), resource_changes=[{**C, "change": 7}]), "/resource_changes/0/change",
                 "an object", id="change-of-planned"),
    pytest.param(_plan(resource_changes=[{**C, "change": {"actions": "delete"}}]),
                 "/resource_changes/0/change/actions", "a list", id="actions"),
    pytest.param(_plan(resource_changes=[{**C, "change": {"actions": ["create"], "after": [1]}}]),
                 "/resource_changes/0/change/after", "an object", id="after"),
    pytest.param(_plan(planned_values=_pv(R), configuration={"provider_config": []}),
                 "/configuration/provider_config", "an object", id="provider_config"),
    pytest.param(_plan(planned_values=_pv(R), configuration={"provider_config": {"alicloud": "x"}}),
                 "/configuration/provider_config/alicloud", "an object", id="provider"),
    pytest.param(_plan(planned_values=_pv(R), configuration={"provider_config": {"alicloud": {"expressions": 1}}}),
                 "/configuration/provider_config/alicloud/expressions", "an object", id="provider-expressions"),
    pytest.param(_plan(planned_values=_pv(R), configuration={"provider_config": {"alicloud": {
        "expressions": {"region": "cn"}}}}), "/configuration/provider_config/alicloud/expressions/region",
        "an object", id="region"),
    pytest.param(_plan(planned_values=_pv(R), configuration={"provider_config": {"alicloud": {
        "expressions": {"region": {"references": {"0": "var.r"}}}}}}),
        "/configuration/provider_config/alicloud/expressions/region/references", "a list", id="region-references"),
    pytest.param(_plan(planned_values=_pv(R), variables=[]), "/variables", "an object", id="variables"),
    pytest.param(_plan(planned_values=_pv(R), variables={"a/b": 1}), "/variables/a~1b", "an object",
                 id="variable"),
    pytest.param(_plan(planned_values=_pv(R), configuration=_conf(root_module=[])), "/configuration/root_module",
                 "an object", id="conf-root_module"),
    pytest.param(_plan(planned_values=_pv(R), configuration=_conf(root_module={"resources": {}})),
                 "/configuration/root_module/resources", "a list", id="conf-resources"),
    pytest.param(_plan(planned_values=_pv(R), configuration=_conf(root_module={"resources": [None]})),
                 "/configuration/root_module/resources/0", "an object", id="conf-resource"),
    pytest.param(_plan(planned_values=_pv(R), configuration=_conf(root_module={"resources": [
        {**CONF_R, "address": 1}]})), "/configuration/root_module/resources/0/address", "a string",
        id="conf-address"),
    pytest.param(_plan(planned_values=_pv(R), configuration=_conf(root_module={"resources": [
        {**CONF_R, "provider_config_key": {}}]})), "/configuration/root_module/resources/0/provider_config_key",
        "a string", id="provider_config_key"),
    pytest.param(_plan(planned_values=_pv(R), configuration=_conf(root_module={"resources": [
        {**CONF_R, "expressions": []}]})), "/configuration/root_module/resources/0/expressions", "an object",
        id="expressions"),
    pytest.param(_plan(planned_values=_pv(R), configuration=_conf(root_module={"resources": [
        {**CONF_R, "expressions": {"image_id": {"references": 5}}}]})),
        "/configuration/root_module/resources/0/expressions/image_id/references", "a list", id="references"),
    pytest.param(_plan(planned_values=_pv(R), configuration=_conf(root_module={"module_calls": []})),
                 "/configuration/root_module/module_calls", "an object", id="module_calls"),
    pytest.param(_plan(planned_values=_pv(R), configuration=_conf(root_module={"module_calls": {"m": 1}})),
                 "/configuration/root_module/module_calls/m", "an object", id="module_call"),
    pytest.param(_plan(planned_values=_pv(R), configuration=_conf(root_module={"module_calls": {"m": {
        "module": []}}})), "/configuration/root_module/module_calls/m/module", "an object", id="call-module"),
    pytest.param(_plan(planned_values=_pv(R), configuration=_conf(root_module={"module_calls": {"m": {
        "module": {"resources": 1}}}})), "/configuration/root_module/module_calls/m/module/resources", "a list",
        id="call-resources"),
]


def _line_of_pointer(text: str, pointer: str) -> int:
    from preflight.sources import jsonpos

    return jsonpos.pointer_line(text, pointer)


@pytest.mark.parametrize("name", ["p.plan.json", "plan.json"])
@pytest.mark.parametrize(("doc", "pointer", "expected"), PLANS)
def test_a_plan_of_the_wrong_shape(cli: Cli, here: Path, name: str, doc: dict[str, Any], pointer: str,
                                   expected: str) -> None:
    text = json.dumps(doc, indent=2)
    (here / name).write_text(text, encoding="utf-8")
    line = _line_of_pointer(text, pointer)
    assert line > 1 or pointer == "/planned_values"  # the line is that of the value, not the top of the file
    _assert_error(cli, ("check", name), f"{name}:{line}", f"at {pointer}: expected {expected}")


def test_a_one_line_plan_names_line_1(cli: Cli, here: Path) -> None:
    (here / "p.plan.json").write_text('{"format_version": "1.2", "planned_values": 5}\n', encoding="utf-8")
    _assert_error(cli, ("check", "p.plan.json"), "p.plan.json:1", "at /planned_values: expected an object")


def test_a_plan_in_a_directory_is_checked_as_well(cli: Cli, here: Path) -> None:
    (here / "d").mkdir()
    (here / "d" / "p.json").write_text('{"resource_changes": {}}', encoding="utf-8")
    _assert_error(cli, ("check", "d"), "d/p.json:1", "at /resource_changes: expected a list")


def test_null_sections_are_absent() -> None:
    """``null`` is what Terraform writes for an empty section: read as absent, not as a wrong shape."""
    doc = _plan(planned_values={"root_module": {"resources": [{**R, "values": None}], "child_modules": None}},
                resource_changes=None, configuration={"provider_config": None, "root_module": None}, variables=None)
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "p.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        (subject,) = iac.load([path]).subjects
    assert "no configuration for provider" in str(subject.request.RegionId)


# property: whatever JSON a plan holds, subjects or a PreflightError

TYPES = ["alicloud_image_export", "alicloud_image", "alicloud_oss_bucket", "alicloud_ram_role",
         "alicloud_ram_policy", "alicloud_ram_role_policy_attachment", "aws_s3_bucket"]
ADDRESSES = ["alicloud_image_export.e", "alicloud_image.i", "alicloud_oss_bucket.b", "module.m.alicloud_ram_role.r[0]",
             "alicloud_ram_policy.p", 'alicloud_oss_bucket.b["x"]']
PLAN_KEYS = ["planned_values", "root_module", "child_modules", "resources", "resource_changes", "change", "after",
             "after_unknown", "actions", "values", "configuration", "provider_config", "expressions", "region",
             "references", "constant_value", "module_calls", "module", "variables", "value", "address", "type",
             "mode", "module_address", "provider_config_key", "image_id", "oss_bucket", "bucket", "role_name",
             "policy_name", "policy_document", "document", "disk_device_mapping", "platform", "acl"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2, 3), st.sampled_from(
    ["", "x", "m-1", "cn-hangzhou", "var.region", "alicloud", "create", "delete", "managed", "data", *ADDRESSES,
     *TYPES]), st.text(max_size=4))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.sampled_from(PLAN_KEYS) | st.text(max_size=3), inner, max_size=4),
                           max_leaves=12)


def mostly(good: st.SearchStrategy[Any], one_in: int = 8) -> st.SearchStrategy[Any]:
    """``good`` except about once in ``one_in`` draws, when it is any JSON value."""
    return st.integers(1, one_in).flatmap(lambda n: json_values if n == 1 else good)


values = st.dictionaries(st.sampled_from(PLAN_KEYS[-10:]), json_values, max_size=4)
resources = mostly(st.fixed_dictionaries(
    {"address": mostly(st.sampled_from(ADDRESSES)), "type": mostly(st.sampled_from(TYPES))},
    optional={"mode": mostly(st.sampled_from(["managed", "data"])), "values": mostly(values),
              "module_address": mostly(st.just("module.m"))}))
modules = st.recursive(
    st.fixed_dictionaries({}, optional={"resources": mostly(st.lists(resources, max_size=3))}),
    lambda inner: st.fixed_dictionaries({}, optional={"resources": mostly(st.lists(resources, max_size=3)),
                                                      "child_modules": mostly(st.lists(inner, max_size=2))}),
    max_leaves=3)
changes = mostly(st.fixed_dictionaries(
    {"address": mostly(st.sampled_from(ADDRESSES)), "type": mostly(st.sampled_from(TYPES))},
    optional={"change": mostly(st.fixed_dictionaries({}, optional={
        "actions": mostly(st.lists(st.sampled_from(["create", "delete", "update"]), max_size=2)),
        "after": mostly(values), "after_unknown": mostly(st.dictionaries(st.sampled_from(PLAN_KEYS[-10:]),
                                                                          st.booleans() | json_values)),
    }))}))
expressions = st.dictionaries(st.sampled_from(PLAN_KEYS[-10:]), mostly(st.fixed_dictionaries({}, optional={
    "references": mostly(st.lists(st.sampled_from(["alicloud_image.i.id", "alicloud_image.i", "var.x"]))),
    "constant_value": json_values})), max_size=3)
conf_resources = mostly(st.fixed_dictionaries({"address": mostly(st.sampled_from(ADDRESSES))}, optional={
    "provider_config_key": mostly(st.sampled_from(["alicloud", "m:alicloud", "alicloud.x"])),
    "expressions": mostly(expressions)}))
conf_modules = st.recursive(
    st.fixed_dictionaries({}, optional={"resources": mostly(st.lists(conf_resources, max_size=2))}),
    lambda inner: st.fixed_dictionaries({}, optional={
        "resources": mostly(st.lists(conf_resources, max_size=2)),
        "module_calls": mostly(st.dictionaries(st.sampled_from(["m", "n"]), mostly(
            st.fixed_dictionaries({}, optional={"module": mostly(inner)})), max_size=2))}),
    max_leaves=3)
providers = st.dictionaries(st.sampled_from(["alicloud", "alicloud.x", "m:alicloud"]), mostly(st.fixed_dictionaries(
    {}, optional={"expressions": mostly(st.fixed_dictionaries({}, optional={"region": mostly(
        st.fixed_dictionaries({}, optional={"constant_value": mostly(st.just("cn-hangzhou")),
                                            "references": mostly(st.just(["var.region"]))}))}))})), max_size=2)
plans = st.fixed_dictionaries({"format_version": st.just("1.2")}, optional={
    "planned_values": mostly(st.fixed_dictionaries({}, optional={"root_module": mostly(modules)})),
    "resource_changes": mostly(st.lists(changes, max_size=3)),
    "configuration": mostly(st.fixed_dictionaries({}, optional={"provider_config": mostly(providers),
                                                                "root_module": mostly(conf_modules)})),
    "variables": mostly(st.dictionaries(st.sampled_from(["region", "x"]), mostly(st.fixed_dictionaries(
        {"value": json_values})))),
}).filter(lambda d: "planned_values" in d or "resource_changes" in d)


@settings(max_examples=300, deadline=None, database=None, derandomize=bool(os.environ.get("CI")),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(plans)
def test_any_plan_ends_in_subjects_or_a_preflight_error(doc: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "p.json"
        path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
        try:
            iac.load([path])
        except PreflightError as e:
            (line,) = e.lines("zh")
            assert line.startswith(f"{display_path(path)}:"), line


# ---------------------------------------------------------------------------------------------------------
# b. Paths the OS cannot look at

LOOP = "cannot access: Too many levels of symbolic links"
TOO_LONG = "cannot access: File name too long"

FLAGS = [
    pytest.param(("check", "{p}"), id="input"),
    pytest.param(("check", "{p}/x.json"), id="input-under"),
    pytest.param(("check", "--pre-commit", "{p}"), id="pre-commit"),
    pytest.param(("check", "--config", "{p}", "snap.json"), id="config"),
    pytest.param(("check", "--baseline", "{p}", "snap.json"), id="baseline"),
    pytest.param(("check", "--rules", "{p}", "snap.json"), id="rules"),
    pytest.param(("check", "--live", "--requests", "{p}"), id="requests"),
    pytest.param(("check", "--waivers", "{p}", "snap.json"), id="waivers"),
    pytest.param(("rules", "list", "--rules", "{p}"), id="rules-list"),
    pytest.param(("waivers", "lint", "--waivers", "{p}"), id="waivers-lint"),
]


@pytest.mark.parametrize("args", FLAGS)
def test_a_symlink_loop(cli: Cli, here: Path, args: tuple[str, ...]) -> None:
    _loop(here)
    (here / "snap.json").write_text('{"version": 1, "exports": []}', encoding="utf-8")
    where = "loop1/x.json" if "{p}/x.json" in args else "loop1"
    _assert_error(cli, tuple(a.replace("{p}", "loop1") for a in args), where, LOOP)


@pytest.mark.parametrize("args", FLAGS)
def test_a_name_too_long(cli: Cli, here: Path, args: tuple[str, ...]) -> None:
    (here / "snap.json").write_text('{"version": 1, "exports": []}', encoding="utf-8")
    where = f"{LONG}/x.json" if "{p}/x.json" in args else LONG
    _assert_error(cli, tuple(a.replace("{p}", LONG) for a in args), where, TOO_LONG)


@pytest.mark.parametrize(("name", "message"), [
    pytest.param("l1.json", LOOP, id="json"),
    pytest.param("l1.yaml", LOOP, id="yaml"),
    pytest.param("l1.tf", LOOP, id="tf"),
])
def test_a_loop_met_while_walking_a_directory(cli: Cli, here: Path, name: str, message: str) -> None:
    (here / "d").mkdir()
    (here / "d" / "main.tf").write_text('resource "alicloud_oss_bucket" "b" {\n  bucket = "x"\n}\n',
                                        encoding="utf-8")
    _loop(here / "d", name, "l2" + name[2:])
    _assert_error(cli, ("check", "d"), f"d/{name}", message)


def test_a_loop_in_a_rule_directory(cli: Cli, here: Path) -> None:
    (here / "rules").mkdir()
    _loop(here / "rules", "a.yaml", "b.yaml")
    _assert_error(cli, ("rules", "list", "--rules", "rules"), "rules/a.yaml", LOOP)


def test_a_loop_in_the_lists_of_a_rule_directory(cli: Cli, here: Path) -> None:
    (here / "rules").mkdir()
    _loop(here / "rules", "lists", "lists2")
    _assert_error(cli, ("rules", "list", "--rules", "rules"), "rules/lists", LOOP)


def test_a_config_found_by_discovery_that_is_a_loop(cli: Cli, here: Path) -> None:
    _loop(here, ".preflight.yaml", "other.yaml")
    (here / "snap.json").write_text('{"version": 1, "exports": []}', encoding="utf-8")
    _assert_error(cli, ("check", "snap.json"), ".preflight.yaml", LOOP)


@pytest.mark.parametrize(("waivers", "where", "message"), [
    pytest.param('"w\\0x"', "w\\x00x", "not a valid path: it holds a NUL character", id="nul"),
    pytest.param(LONG, LONG, TOO_LONG, id="too-long"),
    pytest.param("loop1", "loop1", LOOP, id="loop"),
])
def test_a_waivers_path_in_the_config(cli: Cli, here: Path, waivers: str, where: str, message: str) -> None:
    _loop(here)
    (here / "c.yaml").write_text(f"waivers: {waivers}\n", encoding="utf-8")
    (here / "snap.json").write_text('{"version": 1, "exports": []}', encoding="utf-8")
    _assert_error(cli, ("check", "--config", "c.yaml", "snap.json"), where, message)


# the helpers themselves


def test_display_path_never_raises(here: Path) -> None:
    _loop(here)
    assert display_path("loop1") == "loop1"
    assert display_path(LONG) == LONG
    assert display_path("a\0b") == "a\0b"


def test_the_helpers_name_the_path(here: Path) -> None:
    _loop(here)
    (here / "f").write_text("", encoding="utf-8")
    assert (path_kind(here / "f"), path_kind(here), path_kind(here / "none"), path_kind(here / "f" / "x")) == \
        ("file", "dir", "missing", "missing")
    for call, arg, english in [
        (path_kind, Path("loop1"), LOOP),
        (resolved, Path("loop1"), LOOP),  # pathlib's RuntimeError (< 3.13) or the OS's ELOOP
        (list_dir, Path("f"), "cannot list the directory: Not a directory"),
        (list_dir, Path("loop1"), "cannot list the directory: Too many levels of symbolic links"),
        (path_kind, Path("a\0b"), "not a valid path: it holds a NUL character"),
    ]:
        with pytest.raises(PreflightError) as e:
            call(arg)
        assert e.value.lines("en") == [f"{str(arg).replace(chr(0), chr(92) + 'x00')}: {english}"]
        (zh,) = e.value.lines("zh")
        assert_chinese(zh)
