"""Terraform: ``TF_VAR_`` environment variables, ``count``/``for_each`` instances and local child modules, through
the loader and the CLI (pass/fail/unknown at file:line), with the new reasons in English and Chinese."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from preflight.engine import evaluate
from preflight.facts import Bucket, Unknown
from preflight.i18n import render
from preflight.model import Location, Result, Status
from preflight.rules import load_rules
from preflight.sources import iac, terraform
from preflight.sources.snapshot import Annotations
from preflight.sources.terraform import reader, tfjson
from tests.conftest import ROOT, Cli
from tests.zhcheck import assert_chinese

FIX = Path("tests/fixtures/iac_expand")
ENV = FIX / "env_vars"
INST = FIX / "instances"
MODS = FIX / "modules"


@pytest.fixture(autouse=True)
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    for name in ("TF_VAR_bucket_name", "TF_VAR_export_prefix", "TF_VAR_region", "TF_VAR_sse", "TF_VAR_x"):
        monkeypatch.delenv(name, raising=False)


def _load(directory: Path, environ: dict[str, str] | None = None) -> terraform.ModuleLoad:
    tf, auto = iac._module_files(directory)
    return terraform.load_module(tf, auto, environ if environ is not None else {})


def _doc(directory: Path, environ: dict[str, str] | None = None) -> tuple[dict[str, Any], Annotations]:
    return terraform.build_document(_load(directory, environ).resources, source="Terraform files")


def _results(*paths: Path) -> list[Result]:
    return evaluate(load_rules().rules, iac.load(list(paths)).subjects)


def _find(results: list[Result], rule: str, subject_part: str) -> Result:
    return next(r for r in results if r.rule_id == rule and subject_part in r.subject)


def _reason(ann: Annotations, pointer: str) -> str:
    msg = ann.unknown[pointer]
    assert not isinstance(msg, str)
    assert_chinese(render(msg, "zh"))
    return str(msg)


# ---------------------------------------------------------------------------------------------------------
# 1. TF_VAR_ environment variables


def test_environment_values_sit_between_defaults_and_tfvars_files() -> None:
    env = {"TF_VAR_bucket_name": "from-env", "TF_VAR_export_prefix": "FromEnv", "TF_VAR_region": "cn-beijing",
           "TF_VAR_undeclared": "ignored"}
    doc, ann = _doc(ENV, env)
    # bucket_name has no default: the environment gives it; export_prefix: the environment beats the default;
    # region: terraform.tfvars beats the environment
    assert doc["exports"] == [{"RegionId": "cn-shanghai", "ImageId": "m-bp1g7004ksh0oeuc0001",
                               "OSSBucket": "from-env", "OSSPrefix": "FromEnv"}]
    assert ann.locations["/exports/0/OSSPrefix"] == Location(str(ENV / "main.tf"), 35)
    # without the environment: what there was before
    doc, ann = _doc(ENV, {})
    assert doc["exports"][0]["OSSPrefix"] == "EcsExport" and "OSSBucket" not in doc["exports"][0]
    assert _reason(ann, "/exports/0/OSSBucket") == (
        "the name of alicloud_oss_bucket.exports cannot be resolved statically")


def test_environment_value_is_located_at_the_variable_block() -> None:
    tf, _ = iac._module_files(ENV)
    blocks = reader._Reader().read(tf)
    values = tfjson._env_values(blocks, {"TF_VAR_bucket_name": "b", "TF_VAR_nope": "x"})
    assert values == {"bucket_name": ("b", Location(str(ENV / "main.tf"), 9))}


def test_complex_types_are_parsed_as_hcl_primitive_ones_taken_literally() -> None:
    doc, _ = _doc(ENV, {"TF_VAR_bucket_name": '{ not = "parsed" }', "TF_VAR_sse": '{ algorithm = "AES256" }'})
    assert doc["exports"][0]["OSSBucket"] == '{ not = "parsed" }'  # type = string: literal
    assert doc["buckets"][0]["ServerSideEncryptionRule"] == {"SSEAlgorithm": "AES256"}  # map(string): HCL
    doc, ann = _doc(ENV, {"TF_VAR_bucket_name": "b", "TF_VAR_sse": "{ algorithm = "})
    assert _reason(ann, "/buckets/0/ServerSideEncryptionRule") == (
        "an expression that could not be parsed is not evaluated statically")


@pytest.mark.parametrize(("files", "expected"), [
    ({}, "FromEnv"),
    ({"terraform.tfvars": 'p = "Tfvars"\n'}, "Tfvars"),
    ({"terraform.tfvars": 'p = "Tfvars"\n', "terraform.tfvars.json": '{"p": "TfvarsJson"}'}, "TfvarsJson"),
    ({"terraform.tfvars.json": '{"p": "TfvarsJson"}', "a.auto.tfvars": 'p = "AutoA"\n'}, "AutoA"),
    ({"a.auto.tfvars": 'p = "AutoA"\n', "b.auto.tfvars.json": '{"p": "AutoB"}'}, "AutoB"),
])
def test_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, str], expected: str) -> None:
    (tmp_path / "main.tf").write_text('provider "alicloud" {\n  region = "cn-hangzhou"\n}\n'
                                      'variable "p" {\n  default = "Default"\n}\n'
                                      'resource "alicloud_image_export" "e" {\n  image_id = "m-1"\n'
                                      '  oss_bucket = "b"\n  oss_prefix = var.p\n}\n')
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    monkeypatch.setenv("TF_VAR_p", "FromEnv")
    (subject,) = iac.load([tmp_path]).subjects
    assert subject.request.OSSPrefix == expected


def test_environment_through_the_cli(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    report = cli("check", str(ENV), "-f", "json").json()
    pf303 = next(r for r in report["results"] if r["rule_id"] == "PF303")
    # the bucket's name is not known, but the export refers to it: joined by the reference, its KMS rule fails
    assert pf303["status"] == "fail" and "oss://alicloud_oss_bucket.exports/" in pf303["subject"], pf303
    monkeypatch.setenv("TF_VAR_bucket_name", "from-env")
    result = cli("check", str(ENV), "-f", "json")
    assert result.code == 1
    status = {r["rule_id"]: (r["status"], r["location"]) for r in result.json()["results"]}
    assert status["PF303"] == ("fail", {"path": f"{ENV}/main.tf", "line": 28})
    assert status["PF104"] == ("pass", {"path": f"{ENV}/main.tf", "line": 35})


# ---------------------------------------------------------------------------------------------------------
# 2. count and for_each


def test_instances_are_expanded_with_terraform_addresses() -> None:
    module = _load(INST)
    assert [r.address for r in module.resources] == [
        'alicloud_oss_bucket.team["blue"]', 'alicloud_oss_bucket.team["red"]',
        "alicloud_oss_bucket.shard[0]", "alicloud_oss_bucket.shard[1]",  # count = 0: no alicloud_oss_bucket.none
        'alicloud_image_export.team["blue"]', 'alicloud_image_export.team["red"]',
        "alicloud_image_export.shard[0]", "alicloud_image_export.shard[1]",
        "alicloud_image_export.later"]  # count not known: one resource
    doc, ann = _doc(INST)
    assert doc["exports"] == [
        {"RegionId": "cn-hangzhou", "ImageId": "m-bp1g7004ksh0oeuc0001", "OSSBucket": "exports-blue",
         "OSSPrefix": "blue-exports"},
        {"RegionId": "cn-hangzhou", "ImageId": "m-bp1g7004ksh0oeuc0001", "OSSBucket": "exports-red",
         "OSSPrefix": "bad-prefix"},
        {"RegionId": "cn-hangzhou", "ImageId": "m-bp1g7004ksh0oeuc0000", "OSSBucket": "shard-0", "OSSPrefix": "shard"},
        {"RegionId": "cn-hangzhou", "ImageId": "m-bp1g7004ksh0oeuc0001", "OSSBucket": "shard-1", "OSSPrefix": "shard"},
        {"RegionId": "cn-hangzhou", "ImageId": "m-bp1g7004ksh0oeuc0009", "OSSBucket": "shard-1"},
    ]
    assert [b["ServerSideEncryptionRule"]["SSEAlgorithm"] for b in doc["buckets"]] == ["AES256", "KMS", "None", "None"]
    assert ann.locations["/exports/1/OSSPrefix"] == Location(str(INST / "main.tf"), 43)
    assert ann.locations["/buckets/1/ServerSideEncryptionRule"] == Location(str(INST / "main.tf"), 25)
    assert _reason(ann, "/exports/4/OSSPrefix") == (
        "count.index depends on the count of alicloud_image_export.later, which is not known statically: "
        "var.export_count has no default and no value in a .tfvars file")


@pytest.mark.parametrize(("rule", "subject", "status", "line"), [
    ("PF104", "oss://exports-blue/blue-exports", Status.FAIL, 43),
    ("PF104", "oss://exports-red/bad-prefix", Status.FAIL, 43),
    ("PF303", "oss://exports-red/bad-prefix", Status.FAIL, 25),
    ("PF303", "oss://exports-blue/blue-exports", Status.FAIL, 25),  # AES256 is encryption too
    ("PF104", "oss://shard-0/shard", Status.PASS, 50),
    ("PF303", "oss://shard-1/shard", Status.PASS, 29),
    ("PF104", "m-bp1g7004ksh0oeuc0009", Status.UNKNOWN, 57),
])
def test_instance_results_point_at_the_attribute(rule: str, subject: str, status: Status, line: int) -> None:
    r = _find(_results(INST), rule, subject)
    assert (r.status, r.location) == (status, Location(str(INST / "main.tf"), line)), r.message


def test_instances_through_the_cli(cli: Cli) -> None:
    en, zh = cli("check", str(INST), "--lang", "en"), cli("check", str(INST), "--lang", "zh")
    assert en.code == zh.code == 1
    assert f"{INST}/main.tf:43" in en.out and "5 export(s)" in en.out
    assert "count.index depends on the count of alicloud_image_export.later" in en.out
    (line,) = {x for x in zh.out.splitlines() if "count.index 取决于" in x}
    assert_chinese(line)


EXPR = ('provider "alicloud" {{\n  region = "cn-hangzhou"\n}}\n'
        'resource "alicloud_oss_bucket" "b" {{\n  count = 2\n  bucket = "b-${{count.index}}"\n}}\n'
        'resource "alicloud_oss_bucket" "m" {{\n  for_each = {{ x = "X" }}\n  bucket = each.value\n}}\n'
        'resource "alicloud_image_export" "e" {{\n  {meta}\n  image_id = "m-1"\n  oss_bucket = {ref}\n}}\n')


@pytest.mark.parametrize(("meta", "ref", "expected"), [
    ("", "alicloud_oss_bucket.b[1].bucket", "b-1"),
    ("", 'alicloud_oss_bucket.m["x"].id', "X"),
    ("", 'alicloud_oss_bucket.b["1"].bucket', "b-1"),
    ("count = 1", "alicloud_oss_bucket.b[count.index].bucket", "b-0"),
    ('for_each = toset(["x"])', "alicloud_oss_bucket.m[each.key].bucket", "X"),
    ("", "alicloud_oss_bucket.b[2].bucket", "alicloud_oss_bucket.b[2].bucket does not exist"),
    ("", 'alicloud_oss_bucket.m["y"].bucket', "alicloud_oss_bucket.m[…].bucket does not exist"),
    ("", "alicloud_oss_bucket.b.bucket",
     "alicloud_oss_bucket.b sets count: a reference must name one instance (alicloud_oss_bucket.b[…])"),
    ("", "alicloud_oss_bucket.b[0].arn", "b-0"),  # joined by the instance it names
    ("", "count.index", "count.index is valid only in a block that sets count"),
    ("count = 1", "each.key", "each.key is valid only in a block that sets for_each"),
    ("count = -1", "count.index", "count.index depends on the count of alicloud_image_export.e, which is not "
     "known statically: the count of alicloud_image_export.e is not a whole number of at least 0"),
    ('for_each = ["a"]', "each.key", "each.key depends on the for_each of alicloud_image_export.e, which is not "
     "known statically: the for_each of alicloud_image_export.e is neither a map nor a set of strings"),
    ('count = "x"', "count.index", "count.index depends on the count of alicloud_image_export.e, which is not "
     "known statically: the count of alicloud_image_export.e is not a whole number of at least 0"),
])
def test_references_to_instances(tmp_path: Path, meta: str, ref: str, expected: str) -> None:
    (tmp_path / "main.tf").write_text(EXPR.format(meta=meta, ref=ref))
    doc, ann = _doc(tmp_path)
    export = doc["exports"][0]
    if "OSSBucket" in export:
        assert export["OSSBucket"] == expected
    else:
        assert _reason(ann, "/exports/0/OSSBucket") == expected


def test_a_join_by_instance_address(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "alicloud_oss_bucket" "b" {\n  count = 2\n  bucket = "b-${count.index}"\n}\n'
        'resource "alicloud_oss_bucket_acl" "a" {\n  count = 2\n  bucket = alicloud_oss_bucket.b[count.index].id\n'
        '  acl = count.index == 0 ? "private" : "public-read"\n}\n'
        'resource "alicloud_oss_bucket_acl" "p" {\n  bucket = alicloud_oss_bucket.b[1].id\n  acl = "public-read"\n}\n')
    module = _load(tmp_path)
    acl = next(r for r in module.resources if r.address == "alicloud_oss_bucket_acl.p")
    assert acl.body.attrs["bucket"].target == "alicloud_oss_bucket.b[1]"
    acl0 = next(r for r in module.resources if r.address == "alicloud_oss_bucket_acl.a[0]")
    assert acl0.body.attrs["bucket"].target == "alicloud_oss_bucket.b[0]"


# ---------------------------------------------------------------------------------------------------------
# 3. local child modules


def test_child_modules_are_read_with_their_inputs_and_providers() -> None:
    module = _load(MODS / "root")
    assert [r.address for r in module.resources] == [
        "alicloud_image_export.from_output", "alicloud_image_export.from_remote",
        "module.store.alicloud_oss_bucket.this", "module.store.alicloud_image_export.this",
        "module.archive.alicloud_oss_bucket.this", "module.archive.alicloud_image_export.this"]
    assert module.called == {(MODS / "store").resolve(), (MODS / "loop").resolve()}
    doc, ann = _doc(MODS / "root")
    assert doc["exports"] == [
        {"RegionId": "cn-hangzhou", "ImageId": "m-bp1g7004ksh0oeuc0002", "OSSBucket": "corp-exports",
         "OSSPrefix": "fromoutput"},  # module.store.bucket: an output of the child
        {"RegionId": "cn-hangzhou", "ImageId": "m-bp1g7004ksh0oeuc0003", "OSSPrefix": "fromremote"},
        {"RegionId": "cn-hangzhou", "ImageId": "m-bp1g7004ksh0oeuc0001", "OSSBucket": "corp-exports",
         "OSSPrefix": "nightly"},
        {"RegionId": "ap-southeast-1", "ImageId": "m-bp1g7004ksh0oeuc0001", "OSSBucket": "corp-archive",
         "OSSPrefix": "bad-prefix"},  # providers = { alicloud = alicloud.sg }
    ]
    assert _reason(ann, "/exports/1/OSSBucket") == (
        "module.remote comes from git::https://example.com/exports.git, which is not read: its contents are unknown")
    assert ann.locations["/exports/3/OSSPrefix"] == Location(str(MODS / "store/main.tf"), 24)
    assert ann.locations["/exports/3/RegionId"] == Location(str(MODS / "root/main.tf"), 7)


@pytest.mark.parametrize(("rule", "subject", "status", "where"), [
    ("PF104", "oss://corp-archive/bad-prefix", Status.FAIL, ("store", 24)),
    ("PF303", "oss://corp-archive/bad-prefix", Status.FAIL, ("store", 17)),
    ("PF303", "oss://corp-exports/nightly", Status.PASS, ("store", 17)),
    ("PF104", "oss://corp-exports/fromoutput", Status.PASS, ("root", 37)),
    ("PF303", "oss://?/fromremote", Status.UNKNOWN, ("root", 40)),
])
def test_module_results(rule: str, subject: str, status: Status, where: tuple[str, int]) -> None:
    # walking the tree: the called directories are part of root, not modules of their own
    results = _results(MODS)
    assert len({r.subject for r in results}) == 4
    r = _find(results, rule, subject)
    assert (r.status, r.location) == (status, Location(str(MODS / where[0] / "main.tf"), where[1])), r.message


def test_a_called_directory_given_itself_is_a_root_module() -> None:
    load = iac.load([MODS / "store"])
    # var.bucket_name has no value: the export's bucket name is unknown, the export is joined to the bucket by
    # its reference (no subject of its own, no made-up name)
    (export,) = load.subjects
    assert str(export.request.OSSBucket.reason) == "the name of alicloud_oss_bucket.this cannot be resolved statically"
    assert isinstance(export.bucket, Bucket) and export.bucket.address == "alicloud_oss_bucket.this"
    assert isinstance(export.bucket.Name, Unknown) and export.bucket.Name.shown == "alicloud_oss_bucket.this"


def test_modules_through_the_cli(cli: Cli) -> None:
    en, zh = cli("check", str(MODS / "root"), "--lang", "en"), cli("check", str(MODS / "root"), "--lang", "zh")
    assert en.code == zh.code == 1
    assert f"{MODS}/store/main.tf:24" in en.out
    assert "module.remote comes from git::https://example.com/exports.git, which is not read" in en.out
    lines = [x for x in zh.out.splitlines() if "module.remote 来自" in x]
    assert lines
    for line in lines:
        assert_chinese(line)


CHILD = {"child/main.tf": 'variable "name" {}\nvariable "prefix" {\n  default = "dflt"\n}\n'
                          'resource "alicloud_image_export" "e" {\n  image_id = "m-1"\n  oss_bucket = var.name\n'
                          '  oss_prefix = var.prefix\n}\noutput "o" {\n  value = var.name\n}\n'}


@pytest.mark.parametrize(("call", "ref", "expected"), [
    ('count = 2\n  source = "./child"\n  name = "n-${count.index}"', "module.m[1].o", "n-1"),
    ('for_each = { a = "A" }\n  source = "./child"\n  name = each.value', 'module.m["a"].o', "A"),
    ('source = "./child"\n  name = "n"', "module.m.nope", "module.m has no output nope"),
    ('source = "./child"', "module.m.o", "var.name has no default and module.m does not set it"),
    ('source = "./nowhere"', "module.m.o", "module.m: ./nowhere is not a directory of Terraform files"),
    ('source = "hashicorp/x/alicloud"\n  version = "1.0"', "module.m.o",
     "module.m comes from hashicorp/x/alicloud, which is not read: its contents are unknown"),
    ('source = "./child"\n  name = "n"', "module.other.o", "module.other is not defined in the module"),
    ('count = 2\n  source = "./child"\n  name = "n"', "module.m.o",
     "module.m sets count: a reference must name one instance (module.m[…])"),
    ('count = var.n\n  source = "./child"\n  name = "n"', "module.m[0].o", "n"),
    ('count = var.n\n  source = "./child"\n  name = "n-${count.index}"', "module.m[0].o",
     "count.index depends on the count of module.m, which is not known statically: "
     "var.n has no default and no value in a .tfvars file"),
])
def test_module_calls(tmp_path: Path, call: str, ref: str, expected: str) -> None:
    (tmp_path / "child").mkdir()
    for name, text in CHILD.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "main.tf").write_text(f'variable "n" {{}}\nmodule "m" {{\n  {call}\n}}\n'
                                      f'resource "alicloud_image_export" "e" {{\n  image_id = "m-1"\n'
                                      f'  oss_bucket = {ref}\n}}\n')
    doc, ann = _doc(tmp_path)
    export = doc["exports"][0]
    if "OSSBucket" in export:
        assert export["OSSBucket"] == expected
    else:
        assert _reason(ann, "/exports/0/OSSBucket") == expected


def test_module_instances_are_addressed(tmp_path: Path) -> None:
    (tmp_path / "child").mkdir()
    for name, text in CHILD.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "main.tf").write_text('module "m" {\n  for_each = toset(["b", "a"])\n  source = "./child"\n'
                                      '  name = each.key\n}\n')
    module = _load(tmp_path)
    assert [r.address for r in module.resources] == ['module.m["a"].alicloud_image_export.e',
                                                     'module.m["b"].alicloud_image_export.e']
    doc, _ = _doc(tmp_path)
    assert [e["OSSBucket"] for e in doc["exports"]] == ["a", "b"]


def test_a_module_with_an_unknown_count_is_one_instance(tmp_path: Path) -> None:
    (tmp_path / "child").mkdir()
    for name, text in CHILD.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "main.tf").write_text('variable "n" {}\nmodule "m" {\n  count = var.n\n  source = "./child"\n'
                                      '  name = "n-${count.index}"\n  prefix = "ok"\n}\n')
    assert [r.address for r in _load(tmp_path).resources] == ["module.m.alicloud_image_export.e"]
    doc, ann = _doc(tmp_path)
    assert doc["exports"][0]["OSSPrefix"] == "ok"
    assert _reason(ann, "/exports/0/OSSBucket").startswith("count.index depends on the count of module.m")


def test_a_cycle_of_modules_stops() -> None:
    module = terraform.Module(reader._Reader().read([MODS / "loop/main.tf"]), {})
    call = module.call("again")
    assert call is not None and isinstance(call.children, terraform.Unresolved)
    assert str(call.children.reason) == "module.again: ../loop is a module that calls itself"
    assert_chinese(render(call.children.reason, "zh"))
    root = _load(MODS / "root")
    assert root.resources  # the root's call of ../loop, which calls itself, ends too


def test_an_inline_waiver_in_a_child_module_applies_once(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "child").mkdir()
    (tmp_path / "child/main.tf").write_text(
        'variable "prefix" {}\n'
        '# preflight:ignore=PF104 reason="legacy prefix, tracked in OPS-1"\n'
        'resource "alicloud_image_export" "e" {\n  image_id = "m-1"\n  oss_bucket = "b"\n'
        '  oss_prefix = var.prefix\n}\n')
    (tmp_path / "main.tf").write_text('provider "alicloud" {\n  region = "cn-hangzhou"\n}\n'
                                      'module "a" {\n  source = "./child"\n  prefix = "bad-a"\n}\n'
                                      'module "b" {\n  source = "./child"\n  prefix = "bad-b"\n}\n')
    load = iac.load([tmp_path])
    assert len(load.waivers) == 1
    report = cli("check", str(tmp_path), "-f", "json").json()
    pf104 = [r for r in report["results"] if r["rule_id"] == "PF104"]
    assert [r["status"] for r in pf104] == ["waived", "waived"]
    assert {json.dumps(r["location"]) for r in pf104} == {json.dumps({"path": f"{tmp_path}/child/main.tf",
                                                                      "line": 6})}


def test_modules_that_are_not_read_are_warned_about(cli: Cli) -> None:
    """What a remote module or a module cycle creates is not checked: the run says so, at the module block."""
    load = iac.load([MODS / "root"])
    reasons = {(w.line, str(m)) for w, m in load.unread_modules}
    assert (26, "module.remote comes from git::https://example.com/exports.git, which is not read: "
                "its contents are unknown") in reasons
    assert any("../loop is a module that calls itself" in m for _, m in reasons)
    report = cli("check", str(MODS / "root"), "-f", "json").json()
    warnings = [w["message"] for w in report["warnings"]]
    assert any(m.startswith("module.remote comes from git::") and m.endswith("are not checked") for m in warnings)
    zh = cli("check", str(MODS / "root"), "--lang", "zh")
    lines = [x for x in zh.out.splitlines() if x.startswith("警告") and "module.remote" in x]
    assert lines
    for line in lines:
        assert_chinese(line)


def test_a_called_module_file_that_is_not_a_regular_file_is_an_error_naming_it(tmp_path: Path) -> None:
    """A called module's ``.tf`` that is a link to a device is an error naming it, as in a root module: left out
    quietly, it would drop what the module declares (a bucket's ACL, a policy)."""
    import os

    from preflight.errors import PreflightError
    from preflight.sources import iac

    (tmp_path / "mod").mkdir()
    (tmp_path / "mod" / "a.tf").write_text('resource "alicloud_oss_bucket" "b" {\n  bucket = "x"\n}\n')
    os.symlink("/dev/zero", tmp_path / "mod" / "b.tf")
    (tmp_path / "root").mkdir()  # the module is outside the walked tree: only the call reads it
    (tmp_path / "root" / "main.tf").write_text('provider "alicloud" {\n  region = "cn-beijing"\n}\n'
                                               'module "m" {\n  source = "../mod"\n}\n')
    with pytest.raises(PreflightError) as e:
        iac.load([tmp_path / "root"])
    assert "b.tf" in str(e.value)
