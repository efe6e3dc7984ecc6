"""Variable files are read through the run's store (issue 13, item 4): once per run however many root modules
take them, with the caps every input is read with (``Files.text``: ``common.read_text``)."""

from __future__ import annotations

from pathlib import Path

from preflight.sources.files import Files
from preflight.sources.terraform import ParseCache, load_module


def _module(tmp_path: Path) -> tuple[Path, Path]:
    (tmp_path / "main.tf").write_text('variable "p" {\n  type = string\n}\n'
                                      'resource "alicloud_image_export" "e" {\n  image_id = "m-1"\n'
                                      '  oss_bucket = "b"\n  oss_prefix = var.p\n}\n')
    (tmp_path / "terraform.tfvars").write_text('p = "fromvars"\n')
    return tmp_path / "main.tf", tmp_path / "terraform.tfvars"


def test_a_variable_file_is_read_once_per_run(tmp_path: Path) -> None:
    tf, tfvars = _module(tmp_path)
    files = Files()
    cache = ParseCache(files)
    for _ in range(3):  # three root modules of one run taking the same file
        loaded = load_module([tf], [tfvars], environ={}, cache=cache)
        (export,) = loaded.resources
        assert export.body.value("oss_prefix") == "fromvars"
    assert files.reads == 2  # main.tf and terraform.tfvars, once each
