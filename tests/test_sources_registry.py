"""The source registry (``preflight/sources/registry.py``): one table that says what an input is, and one
store through which a run reads each file once and parses it once (issue 12, item 4)."""

from __future__ import annotations

import collections
import shutil
from pathlib import Path
from typing import Any

import pytest

from preflight import run, yamlpos
from preflight.errors import PreflightError
from preflight.sources import common, files, iac, registry, snapshot, terraform
from preflight.sources.registry import Files, json_kind
from preflight.sources.terraform import reader, tfjson

ROOT = Path(__file__).resolve().parent.parent
IAC = ROOT / "tests" / "iac"


def _tree(tmp_path: Path) -> Path:
    """A directory with one input of every kind, and files of ours that are not inputs."""
    shutil.copy(ROOT / "examples" / "snapshot.json", tmp_path / "snap.json")
    shutil.copy(IAC / "ros" / "export-role.yaml", tmp_path / "ros.yaml")
    shutil.copy(IAC / "ros" / "managed-policy.json", tmp_path / "ros.json")
    shutil.copy(IAC / "plan" / "export.plan.json", tmp_path / "export.plan.json")
    (tmp_path / "main.tf").write_text('resource "alicloud_oss_bucket" "b" {\n  bucket = "b"\n}\n')
    (tmp_path / "terraform.tfvars").write_text('x = "1"\n')  # read through the store too, once
    (tmp_path / "package.json").write_text('{"version": "1.0.0", "exports": {".": "./x.js"}}')
    (tmp_path / "tsconfig.json").write_text('{\n  // a comment\n  "exports": []\n}\n')
    return tmp_path


@pytest.mark.parametrize("explicit", [False, True], ids=["directory", "directory-and-its-files"])
def test_each_file_is_read_once_and_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 explicit: bool) -> None:
    root = _tree(tmp_path)
    reads: collections.Counter[str] = collections.Counter()
    parses: collections.Counter[str] = collections.Counter()
    real_read, real_json, real_hcl, real_yaml = common.read_text, snapshot.parse_json, terraform.parse_hcl, \
        yamlpos.load

    def read_text(path: Path) -> str:
        reads[path.name] += 1
        return real_read(path)

    def parse_json(text: str, display: str) -> Any:
        parses[Path(display).name] += 1
        return real_json(text, display)

    def parse_hcl(text: str, display: str, *args: Any) -> Any:
        parses[Path(display).name] += 1
        return real_hcl(text, display, *args)

    def load_yaml(text: str, display: str, *args: Any) -> Any:
        parses[Path(display).name] += 1
        return real_yaml(text, display, *args)

    walks: collections.Counter[Path] = collections.Counter()
    real_walk = common.walk

    def walk(directory: Path, suffixes: Any) -> list[Path]:
        walks[directory] += 1
        return real_walk(directory, suffixes)

    for module in (files, registry, run, iac):  # the store's, and any a source would do on its own
        if getattr(module, "walk", None) is real_walk:
            monkeypatch.setattr(module, "walk", walk)
    for module in (files, snapshot):  # every module that names the one reader (reader, tfjson: only the store)
        monkeypatch.setattr(module, "read_text", read_text)
    monkeypatch.setattr(snapshot, "parse_json", parse_json)
    for module in (reader, tfjson):  # the modules that call the HCL front end
        monkeypatch.setattr(module, "parse_hcl", parse_hcl)
    monkeypatch.setattr(yamlpos, "load", load_yaml)
    monkeypatch.chdir(root)
    given = [root]
    if explicit:
        given += [root / n for n in ("snap.json", "main.tf", "export.plan.json", "ros.json", "ros.yaml")]
    inputs = run.subjects_from_paths(given)
    assert inputs.subjects
    assert walks == {root: 1}, walks  # one walk serves the snapshot and the IaC sources
    assert reads and set(reads.values()) == {1}, reads
    assert parses and set(parses.values()) == {1}, parses
    # every input of ours was parsed; the package.json holds no "exports" list and is not
    assert {"snap.json", "main.tf", "export.plan.json", "ros.json", "ros.yaml", "terraform.tfvars"} <= set(parses)


@pytest.mark.parametrize(("doc", "strict", "kind"), [
    ({"version": 1, "exports": []}, True, "snapshot"),
    ({"version": 1, "exports": [{"ImageId": "m-1"}]}, True, "snapshot"),
    ({"version": "1.0.0", "exports": {".": "./x.js"}}, True, "other"),  # package.json
    ({"version": "1.0.0", "exports": {".": "./x.js"}}, False, "snapshot"),  # named: its faults are said
    ({"version": True, "exports": []}, True, "other"),  # True == 1, but not the integer 1
    ({"version": 1, "exports": [1]}, True, "other"),
    ({"ROSTemplateFormatVersion": "2015-09-01"}, True, "ros"),
    ({"planned_values": {}}, True, "plan"),
    ({"resource_changes": []}, True, "plan"),
    ({"resource": {}}, True, "terraform"),
    ({"provider": {}}, True, "terraform"),
    ({"variable": {}}, True, "terraform"),
    ({"compilerOptions": {}}, True, "other"),
    ([], True, "other"),
    ("text", False, "other"),
    (None, True, "other"),
])
def test_json_kind_by_the_table(doc: Any, strict: bool, kind: str) -> None:
    assert json_kind(doc, strict=strict) == kind


@pytest.mark.parametrize(("name", "text", "iac"), [
    ("main.tf", "", True),
    ("x.tf.json", "{}", True),
    ("prod.tfvars", "a = 1", True),
    ("template.yaml", "ROSTemplateFormatVersion: '2015-09-01'\n", True),
    # one rule for the mark, in a walk and for a file given: anywhere in the text (then the shape decides)
    ("template.yaml", "Description: " + "x" * 5000 + "\nROSTemplateFormatVersion: '2015-09-01'\n", True),
    ("README.md", "terraform", False),
    ("main.tf.bak", "", False),
])
def test_sniff_text(name: str, text: str, iac: bool) -> None:
    assert registry.sniff_text(Path(name), text) is iac


def test_a_parse_error_is_kept_not_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1,\n  "exports": [}\n')
    files = Files()
    errors = []
    for _ in range(3):
        with pytest.raises(PreflightError) as e:
            files.json(bad)
        errors.append(str(e.value))
    assert files.reads == 1 and files.parses == 1
    assert len(set(errors)) == 1 and "bad.json:2" in errors[0]


def test_the_store_reads_through_the_one_reader(tmp_path: Path) -> None:
    """The store keeps read_text's properties: a BOM dropped, a file over the cap refused naming it."""
    f = tmp_path / "a.json"
    f.write_bytes(b"\xef\xbb\xbf{}")
    assert Files().json(f) == {}
    with common.file_size_cap(1), pytest.raises(PreflightError, match=r"a\.json"):
        Files().text(f)
