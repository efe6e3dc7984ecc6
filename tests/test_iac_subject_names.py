"""Subjects from module instances: two instances of one module that evaluate to the same request are two
subjects, named by their module address (their findings, fingerprints and waivers stay apart); subjects of the
root module keep their names."""

from __future__ import annotations

from pathlib import Path

from preflight.sources import iac
from tests.conftest import Cli

PROVIDER = 'provider "alicloud" {\n  region = "cn-hangzhou"\n}\n'
EXPORT = 'resource "alicloud_image_export" "e" {\n  image_id   = "m-1"\n  oss_bucket = "b"\n  oss_prefix = "p"\n}\n'
BUCKET = 'resource "alicloud_oss_bucket" "b" {\n  bucket = "b"\n}\n'


def _names(tmp_path: Path, root: str, child: str | None = None, buckets: tuple[str, ...] = ()) -> list[str]:
    (tmp_path / "main.tf").write_text(PROVIDER + root, encoding="utf-8")
    if child is not None:
        (tmp_path / "child").mkdir()
        (tmp_path / "child" / "main.tf").write_text(child, encoding="utf-8")
    return sorted(s.name for s in iac.load([tmp_path], export_buckets=buckets).subjects)


def test_instances_of_one_module_are_named_apart(tmp_path: Path) -> None:
    names = _names(tmp_path, 'module "a" {\n  source = "./child"\n  count = 2\n}\n', EXPORT)
    assert names == ["cn-hangzhou/m-1 → oss://b/p (module.a[0].alicloud_image_export.e)",
                     "cn-hangzhou/m-1 → oss://b/p (module.a[1].alicloud_image_export.e)"]


def test_a_bucket_in_a_module_is_named_with_its_address(tmp_path: Path) -> None:
    names = _names(tmp_path, 'module "s" {\n  source = "./child"\n}\n', BUCKET, buckets=("b",))
    assert names == ["bucket oss://b (module.s.alicloud_oss_bucket.b)"]


def test_root_module_subjects_keep_their_names(tmp_path: Path) -> None:
    assert _names(tmp_path, EXPORT) == ["cn-hangzhou/m-1 → oss://b/p"]


def test_roles_and_buckets_checked_on_their_own_are_not_counted_as_exports(tmp_path: Path) -> None:
    from preflight.model import is_export_name

    (tmp_path / "main.tf").write_text(PROVIDER + EXPORT + BUCKET.replace('"b"', '"other"'), encoding="utf-8")
    subjects = iac.load([tmp_path], export_buckets=("other",)).subjects
    assert sorted((s.scope, is_export_name(s.name)) for s in subjects) == [("bucket", False), ("export", True)]


def test_the_text_header_counts_exports_apart(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "main.tf").write_text(PROVIDER + EXPORT + BUCKET.replace('"b"', '"other"'), encoding="utf-8")
    (tmp_path / ".preflight.yaml").write_text("version: 1\nexport_buckets: [other]\n", encoding="utf-8")
    head = cli("check", str(tmp_path), "--config", str(tmp_path / ".preflight.yaml")).out.splitlines()[0]
    assert head.endswith("· 1 export(s) · 36 rules · 1 role(s) or bucket(s) checked on their own")
