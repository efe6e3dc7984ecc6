"""Hostile IaC (issue 11): Terraform and ROS evaluation is bounded. Past a cap (:class:`terraform.Limits`) the
value, instances or module call concerned are unknown with a reason naming the cap and its value; a reference
cycle is unknown; malformed ``.tf.json`` blocks are one-line errors at file:line with the JSON pointer. Never a
hang, a MemoryError or an internal error.

The inputs are generated here, small; the caps are lowered where a default one would need a large input.
Time and memory on full-size hostile inputs are measured by ``bench/bench_hostile_iac.py``, not here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from preflight.errors import Msg, PreflightError
from preflight.i18n import render
from preflight.sources import ros, terraform
from preflight.sources.terraform import LIMITS, Limits, Unresolved, hcl, tfjson
from tests.conftest import Cli
from tests.zhcheck import assert_chinese

PROVIDER = 'provider "alicloud" {\n  region = "cn-hangzhou"\n}\n'


def _export(meta: str = "", prefix: str = '"p"', name: str = "e") -> str:
    return (f'resource "alicloud_image_export" "{name}" {{\n  {meta}\n  image_id = "m-1"\n  oss_bucket = "b"\n'
            f"  oss_prefix = {prefix}\n}}\n")


def _load(tmp_path: Path, files: dict[str, str], limits: Limits = LIMITS) -> terraform.ModuleLoad:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    tf = sorted(p for p in tmp_path.iterdir() if p.name.endswith((".tf", ".tf.json")))
    return terraform.load_module(tf, [], {}, limits=limits)


def _exports(tmp_path: Path, text: str, limits: Limits = LIMITS) -> list[terraform.Resource]:
    return [r for r in _load(tmp_path, {"main.tf": PROVIDER + text}, limits).resources
            if r.type == "alicloud_image_export"]


def _reason(v: Any) -> Msg:
    assert isinstance(v, Unresolved), v
    assert isinstance(v.reason, Msg)
    assert_chinese(render(v.reason, "zh"))
    return v.reason


def _innermost(msg: Msg) -> Msg:
    """The reason inside "count.index depends on the count of …, which is not known statically: REASON"."""
    inner = msg.values.get("reason")
    return _innermost(inner) if isinstance(inner, Msg) else msg


# ---------------------------------------------------------------------------------------------------------
# 1. count, for_each and module fan-out


SMALL = Limits(instances_per_block=5, instances_total=12)


@pytest.mark.parametrize(("count", "instances"), [
    ("5", 5),  # at the cap: expanded
    ('"5"', 5),
    ("5.0", 5),
], ids=["int", "string", "whole-float"])
def test_count_up_to_the_cap_is_expanded(tmp_path: Path, count: str, instances: int) -> None:
    found = _exports(tmp_path, _export(f"count = {count}", '"p${count.index}"'), SMALL)
    assert [r.body.value("oss_prefix") for r in found] == [f"p{i}" for i in range(instances)]


@pytest.mark.parametrize("count", ["6", "1000000000", "1e300", '"1000000000000"', '"' + "9" * 5000 + '"'],
                         ids=["cap+1", "1e9", "1e300", "long-string", "5000-digit-string"])
def test_count_past_the_cap_is_one_instance_whose_index_is_unknown(tmp_path: Path, count: str) -> None:
    (export,) = _exports(tmp_path, _export(f"count = {count}", '"p${count.index}"'), SMALL)
    assert export.address == "alicloud_image_export.e"
    reason = _innermost(_reason(export.body.value("oss_prefix")))
    assert reason == Msg("iac.cap_instances_block", address="alicloud_image_export.e", meta="count", cap=5)
    assert str(reason) == ("alicloud_image_export.e: its count gives more than 5 instances, the cap per block; "
                           "they are not expanded")
    assert export.body.value("image_id") == "m-1"  # what does not depend on the instance is still known


@pytest.mark.parametrize("count", ["-1", "1.5", '"²"', '"1e3"', "1e999"],
                         ids=["negative", "fraction", "unicode-digit", "exponent-string", "infinity"])
def test_count_that_is_not_a_whole_number_is_invalid_not_an_error(tmp_path: Path, count: str) -> None:
    (export,) = _exports(tmp_path, _export(f"count = {count}", '"p${count.index}"'), SMALL)
    reason = _innermost(_reason(export.body.value("oss_prefix")))
    assert reason.key == "iac.count_invalid"


def test_count_default_cap_is_a_thousand(tmp_path: Path) -> None:
    assert (LIMITS.instances_per_block, LIMITS.instances_total, LIMITS.module_depth) == (1_000, 10_000, 16)
    (export,) = _exports(tmp_path, _export("count = 1001", '"p${count.index}"'))
    assert _innermost(_reason(export.body.value("oss_prefix"))).values["cap"] == 1_000


@pytest.mark.parametrize(("keys", "expanded"), [(5, True), (6, False)])
def test_for_each_over_a_map_past_the_cap(tmp_path: Path, keys: int, expanded: bool) -> None:
    items = ", ".join(f'k{i} = "v{i}"' for i in range(keys))
    found = _exports(tmp_path, f"locals {{\n  m = {{ {items} }}\n}}\n" + _export("for_each = local.m",
                                                                                 "each.value"), SMALL)
    if expanded:
        assert sorted(r.body.value("oss_prefix") for r in found) == sorted(f"v{i}" for i in range(keys))
    else:
        (export,) = found
        reason = _innermost(_reason(export.body.value("oss_prefix")))
        assert reason == Msg("iac.cap_instances_block", address="alicloud_image_export.e", meta="for_each", cap=5)


def test_instances_in_all_are_capped(tmp_path: Path) -> None:
    text = "".join(_export("count = 5", '"p${count.index}"', name=n) for n in ("a", "b", "c"))
    found = _exports(tmp_path, text, SMALL)
    assert len(found) == 5 + 5 + 1  # the third would pass the total of 12: one instance, its index unknown
    last = next(r for r in found if r.address == "alicloud_image_export.c")
    reason = _innermost(_reason(last.body.value("oss_prefix")))
    assert reason == Msg("iac.cap_instances_total", address="alicloud_image_export.c", cap=12)


def _fanout(levels: int, count: int) -> dict[str, str]:
    """A module calling a module … ``levels`` deep, each call with ``count`` instances, an export at the end."""
    files = {"main.tf": PROVIDER + f'module "m" {{\n  source = "./l1"\n  count = {count}\n}}\n'}
    for i in range(1, levels + 1):
        here = "/".join(f"l{j}" for j in range(1, i + 1))
        call = f'module "m" {{\n  source = "./l{i + 1}"\n  count = {count}\n}}\n' if i < levels else _export()
        files[f"{here}/main.tf"] = call
    return files


def test_module_fan_out_past_the_total_is_not_read_and_said(tmp_path: Path) -> None:
    load = _load(tmp_path, _fanout(4, 3), Limits(instances_total=30))
    # each call of 3 instances weighs 6 (the instances, and the one block each holds); modules are read
    # depth first until the total of 30 is reached, and every call past it is said, with the cap
    assert {(why.key, why.values["cap"]) for _, why in load.unread} == {("iac.cap_instances_total", 30)}
    assert str(load.unread[0][1]).endswith("module.m: expanding it would pass the cap of 30 instances in all; "
                                           "it is not expanded")
    assert 0 < len(load.resources) < 81
    # with the default caps the same tree is read: 81 exports
    assert len(_load(tmp_path, _fanout(4, 3)).resources) == 81


def test_modules_nested_past_the_depth_cap_are_not_read(tmp_path: Path) -> None:
    load = _load(tmp_path, _fanout(5, 1), Limits(module_depth=4))
    assert load.resources == []
    (where, why), = set(load.unread)
    assert where.path == str(tmp_path / "l1/l2/l3/main.tf")
    assert why == Msg("iac.cap_module_depth", module="module.m[0].module.m[0].module.m[0].module.m", cap=4)
    assert str(why).endswith("is nested deeper than the cap of 4 module levels: it is not read")
    assert len(_load(tmp_path, _fanout(5, 1), Limits(module_depth=6)).resources) == 1


# ---------------------------------------------------------------------------------------------------------
# 2. locals: memoised, depth- and step-bounded


def _chain(n: int, first: str, step: str) -> str:
    """locals { l0 = FIRST; l1 = STEP(l0); … }"""
    lines = [f"  l0 = {first}"] + [f"  l{i} = {step.format(p=f'local.l{i - 1}')}" for i in range(1, n)]
    return "locals {\n" + "\n".join(lines) + "\n}\n"


def test_a_local_used_twice_by_each_next_one_is_evaluated_once(tmp_path: Path) -> None:
    # without memoisation: 2^30 evaluations; with it, a few hundred (the cap of 10,000 would show otherwise)
    text = _chain(31, '"a"', "length([{p}, {p}])") + _export(prefix="local.l30")
    (export,) = _exports(tmp_path, text, Limits(eval_steps=10_000))
    assert export.body.value("oss_prefix") == 2


@pytest.mark.parametrize(("step", "cap"), [
    ('"${{{p}}}${{{p}}}"', "value_size"),  # a string that doubles 31 times: 2^31 characters
    ("[{p}, {p}]", "value_size"),  # a list that doubles: 2^31 elements
    ("[{p}]", "value_depth"),  # a list nested 31 deep
])
def test_values_that_grow_past_a_cap_are_unknown(tmp_path: Path, step: str, cap: str) -> None:
    limits = Limits(value_size=10_000, value_depth=20)
    text = _chain(32, '"a"', step) + _export(prefix="jsonencode(local.l31)")
    (export,) = _exports(tmp_path, text, limits)
    reason = _reason(export.body.value("oss_prefix"))
    assert reason == Msg(f"iac.cap_{cap}", cap=getattr(limits, cap))


def test_the_doubling_string_chain_with_default_caps(tmp_path: Path) -> None:
    (export,) = _exports(tmp_path, _chain(32, '"a"', '"${{{p}}}${{{p}}}"') + _export(prefix="local.l31"))
    assert str(_reason(export.body.value("oss_prefix"))) == (
        "the value would be larger than the cap of 1000000 characters and elements")


def test_a_3000_local_chain_is_unknown_at_the_depth_cap_not_a_recursion_error(tmp_path: Path) -> None:
    (export,) = _exports(tmp_path, _chain(3000, '"a"', "{p}") + _export(prefix="local.l2999"))
    assert _reason(export.body.value("oss_prefix")) == Msg("iac.cap_eval_depth", cap=100)
    # a chain within the cap resolves
    (export,) = _exports(tmp_path, _chain(40, '"a"', "{p}") + _export(prefix="local.l39"))
    assert export.body.value("oss_prefix") == "a"


def test_the_step_cap_makes_values_unknown(tmp_path: Path) -> None:
    items = ", ".join("local.k" for i in range(50))
    text = f'locals {{\n  k = "k"\n  big = [{items}]\n}}\n' + _export(prefix="jsonencode(local.big)")
    (export,) = _exports(tmp_path, text, Limits(eval_steps=20))
    assert _reason(export.body.value("oss_prefix")) == Msg("iac.cap_steps", cap=20)
    # (a function's work counts by the size of its arguments and result: jsonencode here ~350 steps)
    (export,) = _exports(tmp_path, text, Limits(eval_steps=1_000))
    assert export.body.value("oss_prefix") == "[" + ",".join(['"k"'] * 50) + "]"


def test_references_of_an_unknown_count_are_memoised_too(tmp_path: Path) -> None:
    # each resource's argument uses the previous one's twice; all have a count that is not known
    text = "variable \"n\" {}\n" + "".join(
        f'resource "alicloud_oss_bucket" "b{i}" {{\n  count = var.n\n  bucket = '
        + ('"x"' if i == 0 else f'"${{length([alicloud_oss_bucket.b{i - 1}[0].bucket, '
                                   f'alicloud_oss_bucket.b{i - 1}[1].bucket])}}"')
        + "\n}\n" for i in range(30))
    found = _load(tmp_path, {"main.tf": PROVIDER + text}, Limits(eval_steps=20_000)).resources
    assert {r.body.value("bucket") for r in found if r.address != "alicloud_oss_bucket.b0"} == {2}


# ---------------------------------------------------------------------------------------------------------
# 4. numbers beyond Python's int/str conversion


@pytest.mark.parametrize("expr", ["9" * 5000, "-" + "9" * 5000], ids=["positive", "negative"])
def test_an_integer_literal_of_5000_digits_is_unknown(tmp_path: Path, expr: str) -> None:
    (export,) = _exports(tmp_path, _export(prefix=expr))
    reason = _reason(export.body.value("oss_prefix"))
    assert str(reason) == "a number of 5000 digits (more than 4000 are not evaluated) is not evaluated statically"


def test_a_count_literal_of_5000_digits_is_invalid(tmp_path: Path) -> None:
    (export,) = _exports(tmp_path, _export("count = " + "9" * 5000, '"p${count.index}"'))
    reason = _reason(export.body.value("oss_prefix"))
    assert str(reason).endswith("which is not known statically: a number of 5000 digits (more than 4000 are not "
                                "evaluated) is not evaluated statically")


def test_a_5000_digit_index_is_unknown(tmp_path: Path) -> None:
    text = 'locals {\n  l = ["a"]\n}\n' + _export(prefix="local.l." + "1" * 5000)
    (export,) = _exports(tmp_path, text)
    assert _reason(export.body.value("oss_prefix")).key == "iac.not_static"


def test_long_numbers_end_to_end_are_unknown_not_internal_errors(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "main.tf").write_text(PROVIDER + _export("count = " + "9" * 5000, "9" * 5000), encoding="utf-8")
    r = cli("check", str(tmp_path), "-f", "json")
    assert r.code == 0, r.err
    assert "internal error" not in r.err


# ---------------------------------------------------------------------------------------------------------
# 5. a bug while loading the parser is not taken for bad input


@pytest.fixture
def fresh_parser() -> Any:
    hcl._language.cache_clear()
    hcl._PARSERS.__dict__.clear()
    yield
    hcl._language.cache_clear()
    hcl._PARSERS.__dict__.clear()


def test_a_bug_while_building_the_parser_propagates(monkeypatch: pytest.MonkeyPatch, fresh_parser: None) -> None:
    import tree_sitter

    def broken(*args: object, **kw: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(tree_sitter, "Parser", broken)
    with pytest.raises(ZeroDivisionError):
        hcl.parse_hcl("x = 1\n", "t.tf")


# ---------------------------------------------------------------------------------------------------------
# 6. malformed .tf.json blocks


def _tf_json(tmp_path: Path, doc: str) -> terraform.RawBody:
    return terraform.parse_tf_json(doc, "m.tf.json")


@pytest.mark.parametrize(("doc", "pointer"), [
    ('{"resource": {"alicloud_image_export": {"e": "oops"}}}', "/resource/alicloud_image_export/e"),
    ('{"resource": {"alicloud_image_export": {"e": [{"image_id": "m"}, 3]}}}',
     "/resource/alicloud_image_export/e/1"),
    ('{"resource": {"alicloud_oss_bucket": 7}}', "/resource/alicloud_oss_bucket"),
    ('{"resource": "x"}', "/resource"),
    ('{"resource": [[{"alicloud_oss_bucket": {}}]]}', "/resource/0"),
    ('{"provider": {"alicloud": "cn-hangzhou"}}', "/provider/alicloud"),
    ('{"variable": {"region": "cn-hangzhou"}}', "/variable/region"),
    ('{"locals": "x"}', "/locals"),
    ('{"module": {"m": true}}', "/module/m"),
    ('{"resource": {"alicloud_image": {"i": {"disk_device_mapping": "s-1"}}}}',
     "/resource/alicloud_image/i/disk_device_mapping"),
    ('{"resource": {"alicloud_oss_bucket": {"b": {"versioning": [{"status": "Enabled"}, "x"]}}}}',
     "/resource/alicloud_oss_bucket/b/versioning/1"),
], ids=["resource-string", "resource-list-item", "type-number", "section-string", "nested-list", "provider",
        "variable", "locals", "module", "nested-block-string", "nested-block-list-item"])
def test_a_malformed_block_that_feeds_facts_is_an_error_at_its_pointer(tmp_path: Path, doc: str,
                                                                       pointer: str) -> None:
    with pytest.raises(PreflightError) as e:
        _tf_json(tmp_path, doc)
    assert e.value.lines() == [
        f"m.tf.json:1: at {pointer}: expected an object (a block) or a list of objects"]


@pytest.mark.parametrize("doc", [
    '{"resource": {"alicloud_vpc": {"v": "oops"}}}',
    '{"resource": {"alicloud_vpc": {"v": {"timeouts": "x"}}}}',
    '{"data": {"alicloud_images": {"i": 1}}}',
    '{"provider": {"aws": "x"}}',
    '{"resource": {"alicloud_oss_bucket": {"b": {"versioning": null}}}}',
    '{"resource": null}',
], ids=["other-type", "other-type-nested", "data", "other-provider", "null-block", "null-section"])
def test_shapes_that_cannot_feed_an_export_are_not_preflights_business(tmp_path: Path, doc: str) -> None:
    _tf_json(tmp_path, doc)  # no error


def test_a_malformed_tf_json_exits_2_with_one_line(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "main.tf.json").write_text(
        '{\n  "resource": {\n    "alicloud_image_export": {\n      "e": "oops"\n    }\n  }\n}\n', encoding="utf-8")
    r = cli("check", str(tmp_path / "main.tf.json"))
    assert r.code == 2
    assert r.err.strip().splitlines() == [
        f"preflight: error: {tmp_path / 'main.tf.json'}:4: at /resource/alicloud_image_export/e: "
        "expected an object (a block) or a list of objects"]


def test_deep_tf_json_values_are_unknown(tmp_path: Path) -> None:
    deep = "[" * 200 + '"x"' + "]" * 200
    body = _tf_json(tmp_path, '{"locals": {"d": ' + deep + "}}")
    (block,) = body.blocks
    module = terraform.Module(body.blocks, {})
    assert _reason(module.local("d")).key in ("iac.not_static", "iac.cap_eval_depth")
    assert block.type == "locals"


# ---------------------------------------------------------------------------------------------------------
# 3 and 7. ROS: reference cycles, deep nesting, alias bombs, Fn::Join/Fn::Sub output size


def _bucket(name: Any) -> dict[str, Any]:
    return {"Type": "ALIYUN::OSS::Bucket", "Properties": {"BucketName": name}}


@pytest.mark.parametrize("resources", [
    {"B": _bucket({"Ref": "B"})},
    {"B": _bucket({"Ref": "C"}), "C": _bucket({"Fn::Join": ["", [{"Ref": "B"}, "x"]]})},
    {"B": _bucket({"Fn::GetAtt": ["C", "BucketName"]}), "C": _bucket({"Fn::Sub": "${B}-x"})},
    {"B": _bucket({"Fn::Sub": ["${X}", {"X": {"Fn::GetAtt": ["B", "Name"]}}]})},
], ids=["self", "ref-join", "getatt-sub", "sub-variable"])
def test_a_ros_reference_cycle_is_unknown(resources: dict[str, Any]) -> None:
    resolver = ros.Resolver({"Resources": resources})
    for logical_id in resources:
        reason = _reason(resolver.name_of(logical_id))
        assert reason.key == "iac.ros_cycle" and reason.values["name"] in resources


def test_a_ros_cycle_through_the_cli_is_not_an_internal_error(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "t.yaml").write_text(
        "ROSTemplateFormatVersion: '2015-09-01'\nResources:\n  B:\n    Type: ALIYUN::OSS::Bucket\n"
        "    Properties:\n      BucketName: !Ref C\n  C:\n    Type: ALIYUN::OSS::Bucket\n    Properties:\n"
        "      BucketName: !Join ['', [!Ref B, x]]\n", encoding="utf-8")
    r = cli("check", str(tmp_path / "t.yaml"))
    assert r.code == 0 and "internal error" not in r.err


def test_a_chain_of_ros_names_is_resolved_once_per_resource() -> None:
    resources = {"R0": _bucket("x")}
    for i in range(1, 40):
        prev = {"Ref": f"R{i - 1}"}
        resources[f"R{i}"] = _bucket({"Fn::Join": ["", [prev, prev]]})
    resolver = ros.Resolver({"Resources": resources}, Limits(eval_depth=50, eval_steps=5_000))
    names = [resolver.name_of(f"R{i}") for i in range(40)]
    assert names[10] == "x" * 1024
    # 2^39 characters at the end: past the size cap, unknown, never built
    assert _reason(names[39]) == Msg("iac.cap_value_size", cap=1_000_000)


def test_deep_ros_nesting_is_unknown_naming_the_cap() -> None:
    value: Any = "x"
    for _ in range(300):
        value = [value]
    resolver = ros.Resolver({"Resources": {"B": _bucket({"Fn::Join": ["", value]})}})
    assert _reason(resolver.name_of("B")) == Msg("iac.ros_too_deep", cap=50)
    assert str(Msg("iac.ros_too_deep", cap=50)) == "the value is nested more than 50 deep (the cap)"


def test_a_yaml_alias_bomb_is_resolved_once_per_node_and_capped() -> None:
    lol: Any = ["lollollollol"]
    for _ in range(9):  # what `&a1 [*a0, *a0, …]` nine levels deep loads to: one list, shared
        lol = [lol] * 10
    resolver = ros.Resolver({"Resources": {"B": _bucket({"Fn::Join": ["", lol]})}})
    assert _reason(resolver.name_of("B")) == Msg("iac.cap_value_size", cap=1_000_000)
    assert resolver.budget.steps < 200  # nine distinct lists, not 10^9 elements


def test_a_yaml_alias_bomb_in_a_template_file() -> None:
    lines = ["ROSTemplateFormatVersion: '2015-09-01'", "Parameters:", "  P:", '    Default: &a0 ["lollollollol"]']
    lines += [f"  Q{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    lines += ["Resources:", "  B:", "    Type: ALIYUN::OSS::Bucket", "    Properties:",
              "      BucketName: !Join ['', *a8]"]
    try:
        template = ros.load_template("\n".join(lines) + "\n", "t.yaml")
    except PreflightError as e:  # the YAML loader may refuse the aliases itself: one line, file and line
        assert e.lines()[0].startswith("t.yaml")
        return
    resolver = ros.Resolver(template.data)
    assert _reason(resolver.name_of("B")).key == "iac.cap_value_size"


@pytest.mark.parametrize("value", [
    {"Fn::Join": ["", ["x" * 600_000, "y" * 600_000]]},
    {"Fn::Join": ["-" * 300_000, ["a", "b", "c", "d"]]},
    {"Fn::Sub": ["${A}${A}", {"A": "x" * 600_000}]},
], ids=["join-items", "join-delimiter", "sub"])
def test_ros_string_functions_stop_at_the_size_cap(value: dict[str, Any]) -> None:
    resolver = ros.Resolver({"Resources": {"B": _bucket(value)}})
    assert _reason(resolver.name_of("B")) == Msg("iac.cap_value_size", cap=1_000_000)


def test_ros_values_within_the_caps_resolve_as_before() -> None:
    resolver = ros.Resolver({"Parameters": {"P": {"Default": "p"}}, "Resources": {
        "B": _bucket({"Fn::Join": ["-", [{"Ref": "P"}, {"Fn::Sub": "${P}-${!Literal}"}]]})}})
    assert resolver.name_of("B") == "p-p-${Literal}"


@pytest.mark.parametrize("text", ["(" * 3000 + "x" + ")" * 3000, "[" * 3000 + "]" * 3000])
def test_an_expression_too_deep_to_parse_is_unknown_in_tf_json_and_tf_var(tmp_path: Path, text: str) -> None:
    import json

    body = _tf_json(tmp_path, json.dumps({"locals": {"x": "${" + text + "}"}}))
    module = terraform.Module(body.blocks, {})
    assert _reason(module.local("x")) == Msg("iac.not_static", what=Msg("iac.kind_nested"))
    blocks = terraform.parse_hcl('variable "x" {\n  type = list(string)\n}\n', "v.tf").blocks
    ((value, _),) = tfjson._env_values(blocks, {"TF_VAR_x": text}).values()
    assert value == terraform.Opaque(Msg("iac.kind_nested"))


# ---------------------------------------------------------------------------------------------------------
# Plans: modules and nested blocks as deep as JSON goes


def _plan(text: str) -> tuple[dict[str, Any], Any]:
    from preflight.sources import plan
    from preflight.sources.snapshot import parse_json

    return plan.document(parse_json(text, "p.json"), text, "p.json")


def test_plan_modules_nested_deeper_than_the_python_stack_are_walked() -> None:
    from preflight.sources import plan

    n = 5_000
    planned: dict[str, Any] = {"resources": []}
    config: dict[str, Any] = {"resources": [{"address": "alicloud_oss_bucket.b"}]}
    for _ in range(n):
        planned = {"child_modules": [planned]}
        config = {"module_calls": {"m": {"module": config}}}
    shape = plan._Shape("{}", "p.json")
    modules = plan._modules(shape, planned, "/planned_values/root_module")
    assert len(modules) == n + 1 and modules[0][1] == "/planned_values/root_module"
    assert modules[2][1] == "/planned_values/root_module/child_modules/0/child_modules/0"
    found = plan._Config({"configuration": {"root_module": config}}, shape)
    assert list(found.resources) == ["module.m." * n + "alicloud_oss_bucket.b"]


def test_plan_blocks_nested_past_the_cap_are_unknown() -> None:
    from preflight.model import Location
    from preflight.sources import plan

    values: dict[str, Any] = {"x": 1}
    for _ in range(plan.MAX_BLOCK_DEPTH + 5):
        values = {"inner": [values]}
    block = plan._block(values, {}, "/v", "{}", "p.json", Location("p.json", 1), {}, "")
    for _ in range(plan.MAX_BLOCK_DEPTH):
        (block,) = block.blocks["inner"]
    assert block.blocks == {}
    assert _reason(block.value("inner")) == Msg("iac.cap_value_depth", cap=plan.MAX_BLOCK_DEPTH)


def test_an_hcl_file_past_the_size_cap_is_refused_before_parsing(tmp_path: Path, cli: Cli) -> None:
    text = "locals {\n  m = {\n" + "".join(f'    k{i} = "v"\n' for i in range(100)) + "  }\n}\n"
    assert terraform.parse_hcl(text, "m.tf", Limits(hcl_chars=len(text))).blocks
    with pytest.raises(PreflightError) as e:
        terraform.parse_hcl(text, "m.tf", Limits(hcl_chars=len(text) - 1))
    assert e.value.lines() == [f"m.tf: {len(text)} characters: larger than the cap of {len(text) - 1} for one "
                               "HCL file, not read"]
    big = tmp_path / "main.tf"
    big.write_text("# " + "x" * LIMITS.hcl_chars + "\n", encoding="utf-8")
    r = cli("check", str(big))
    assert r.code == 2 and r.err.count("\n") == 1 and "larger than the cap of 1000000" in r.err


def test_one_budget_shared_by_the_root_modules_of_a_run(tmp_path: Path) -> None:
    def load(name: str, budget: terraform.Budget | None) -> list[terraform.Resource]:
        (tmp_path / name).mkdir(exist_ok=True)
        (tmp_path / name / "main.tf").write_text(PROVIDER + _export("count = 5", '"p${count.index}"'),
                                                 encoding="utf-8")
        return terraform.load_module([tmp_path / name / "main.tf"], [], {}, limits=SMALL, budget=budget).resources

    shared = terraform.Budget(SMALL)
    assert [len(load(name, shared)) for name in ("a", "b", "c")] == [5, 5, 1]  # 10 of 12, then not 5 more
    assert [len(load(name, None)) for name in ("a", "b", "c")] == [5, 5, 5]  # each root module its own


def test_interpolations_parsed_past_the_cap_are_unknown(tmp_path: Path) -> None:
    import json

    locals_ = {f"l{i}": f"${{local.base}}-{i}" for i in range(4)}
    doc = {"provider": {"alicloud": {"region": "cn-hangzhou"}}, "locals": {"base": "b", **locals_},
           "resource": {"alicloud_image_export": {"e": {"image_id": "m-1", "oss_bucket": "${local.l0}",
                                                        "oss_prefix": "${local.l3}"}}}}
    files = {"main.tf.json": json.dumps(doc)}
    ((export,),) = [[r for r in _load(tmp_path, files, Limits(expressions=n)).resources] for n in (3,)]
    assert export.body.value("oss_bucket") == "b-0"
    assert _reason(export.body.value("oss_prefix")) == Msg(
        "iac.not_static", what=Msg("iac.kind_cap_expressions", cap=3))
    (export,) = _load(tmp_path, files, Limits(expressions=6)).resources
    assert export.body.value("oss_prefix") == "b-3"
    # a heredoc's interpolations count too
    heredoc = PROVIDER + _export(prefix="<<EOT\n${" + "}${".join(['"a"'] * 5) + "}\nEOT")
    (export,) = _load(tmp_path / "h", {"main.tf": heredoc}, Limits(expressions=4)).resources
    assert _reason(export.body.value("oss_prefix")).values["what"] == Msg("iac.kind_cap_expressions", cap=4)


def _ros_doc(resources: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    return ros.document(ros.Template("t.yaml", {"Resources": resources}, lambda path: 1))


def test_ros_policy_names_that_are_not_strings_name_no_policy() -> None:
    doc, ann = _ros_doc({"R": {"Type": "ALIYUN::RAM::Role", "Properties": {
        "RoleName": "AliyunECSImageExportDefaultRole", "PolicyAttachments": {"Custom": [{"a": 1}, ["x"]]}}}})
    assert doc["roles"][0]["AttachedPolicies"] == [{"PolicyName": "{'a': 1}", "PolicyType": "Custom"},
                                                   {"PolicyName": "['x']", "PolicyType": "Custom"}]
    assert ann.unknown["/roles/0/AttachedPolicies/0/PolicyDocument"].key == "iac.policy_undefined"


def test_ros_attachments_are_found_by_role_once_each() -> None:
    policy = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*"}]}
    resources: dict[str, Any] = {
        "P": {"Type": "ALIYUN::RAM::ManagedPolicy", "Properties": {"PolicyName": "P", "PolicyDocument": policy,
                                                                     "Roles": ["R0", "R0", "R1"]}}}
    for i in range(3):
        resources[f"R{i}"] = {"Type": "ALIYUN::RAM::Role", "Properties": {"RoleName": f"R{i}"}}
    for i in range(200):  # the same attachment many times: listed once
        resources[f"A{i}"] = {"Type": "ALIYUN::RAM::AttachPolicyToRole", "Properties": {
            "RoleName": "R0", "PolicyName": "P", "PolicyType": "Custom"}}
    resources["S"] = {"Type": "ALIYUN::RAM::AttachPolicyToRole", "Properties": {
        "RoleName": "R2", "PolicyName": "AliyunOSSFullAccess", "PolicyType": "System"}}
    doc, _ = _ros_doc(resources)
    assert [[(a["PolicyName"], a["PolicyType"]) for a in r["AttachedPolicies"]] for r in doc["roles"]] == [
        [("P", "Custom")], [("P", "Custom")], [("AliyunOSSFullAccess", "System")]]


def test_the_instance_caps_hold_for_the_whole_run_not_per_directory(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Adding directories must not multiply the budget: two root modules share one."""
    from preflight.sources import iac

    monkeypatch.setattr(terraform, "LIMITS", SMALL)
    for d, names in (("a", ("a", "b")), ("b", ("c",))):
        (tmp_path / d).mkdir()
        (tmp_path / d / "main.tf").write_text(
            PROVIDER + "".join(_export("count = 5", '"p${count.index}"', name=n) for n in names), encoding="utf-8")
    prefixes = [s.request.OSSPrefix for s in iac.load([tmp_path]).subjects if s.scope == "export"]
    assert len(prefixes) == 5 + 5 + 1  # per directory it would be 15: the second directory's block is past 12
    assert sum(isinstance(p, str) for p in prefixes) == 10
