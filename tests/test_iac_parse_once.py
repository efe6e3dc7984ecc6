"""Each Terraform file is read and parsed once per run (issue 13, item 9), however many root modules read it
or module blocks call its directory (a repository's examples all calling its root module)."""

from __future__ import annotations

import collections
from pathlib import Path
from typing import Any

import pytest

from preflight.sources import common, iac, terraform
from preflight.sources import files as files_module
from preflight.sources.terraform import reader

ROOT = '''
variable "name" {
  default = "x"
}
resource "alicloud_oss_bucket" "b" {
  bucket = "b-${var.name}"
}
output "bucket" {
  value = alicloud_oss_bucket.b.bucket
}
'''
EXAMPLE = '''
module "a" {
  source = "../../"
  name   = "NAME"
}
module "b" {
  source = "../../"
  name   = "NAME-2"
}
module "nested" {
  source = "../../modules/inner"
}
'''


def test_every_file_is_read_and_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text(ROOT)
    (tmp_path / "versions.tf").write_text('terraform {\n  required_version = ">= 1.0"\n}\n')
    inner = tmp_path / "modules" / "inner"
    inner.mkdir(parents=True)
    (inner / "main.tf").write_text('module "up" {\n  source = "../../"\n  name = "inner"\n}\n')
    for n in range(4):
        example = tmp_path / "examples" / f"e{n}"
        example.mkdir(parents=True)
        (example / "main.tf").write_text(EXAMPLE.replace("NAME", f"e{n}"))
    parsed: collections.Counter[str] = collections.Counter()
    read: collections.Counter[str] = collections.Counter()
    real_parse, real_read = reader.parse_hcl, files_module.read_text

    def parse(text: str, display: str, *args: Any) -> Any:
        parsed[display] += 1
        return real_parse(text, display, *args)

    def read_text(path: Path) -> str:
        read[common.display_path(path)] += 1
        return real_read(path)

    monkeypatch.setattr(reader, "parse_hcl", parse)  # where the parse cache looks them up
    # the run's store, which the parse cache reads through (the reader itself has no other way to read)
    monkeypatch.setattr(files_module, "read_text", read_text)
    load = iac.load([tmp_path])
    files = {common.display_path(p) for p in tmp_path.rglob("*.tf")}
    assert set(parsed) == files and set(parsed.values()) == {1}, parsed
    assert set(read) == files and set(read.values()) == {1}, read
    assert load.files_read == len(files)
    # one parsed copy serves every caller, each module instance with its own values
    cache = terraform.ParseCache()
    values = set()
    for n in range(2):
        example = tmp_path / "examples" / f"e{n}"
        module = terraform.load_module([example / "main.tf"], [], cache=cache)
        values |= {(r.address, r.body.value("bucket")) for r in module.resources}
    assert values == {("module.a.alicloud_oss_bucket.b", "b-e0"), ("module.b.alicloud_oss_bucket.b", "b-e0-2"),
                      ("module.a.alicloud_oss_bucket.b", "b-e1"), ("module.b.alicloud_oss_bucket.b", "b-e1-2"),
                      ("module.nested.module.up.alicloud_oss_bucket.b", "b-inner")}
    assert cache.parsed == 5  # e0, e1, the root module's two files and the inner module's, once each
