"""An export of an image the files create is joined to it by reference, and its ImageId is never made up
(issue 13, item 1).

``image_id = alicloud_image.x.id``: ECS gives the id when it creates the image, so the export's ImageId is
unknown (shown as the address). The image rules read the image's facts through the link; the object names
the export writes (``<prefix>_<ImageId>_…``) are known but for the id, and the role's policies are judged on
them for whatever the id turns out to be: a Deny written for ``prefix_m-*`` may match (unknown, never a
pass), an Allow of ``bucket/*`` covers every id (pass). Before, the address stood in for the id and such a
Deny read as not matching: a false go.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preflight.facts import Image, Unknown
from preflight.facts.absence import JOINS
from preflight.policy_match import OpenText, glob_match, open_match
from preflight.sources import iac
from tests.conftest import CliResult

TRUST = ('{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",'
         '"Principal":{"Service":["ecs.aliyuncs.com"]}}]}')
ALLOW_ALL = {"Effect": "Allow", "Action": ["oss:*"], "Resource": ["acs:oss:*:*:exports", "acs:oss:*:*:exports/*"]}


def _module(statements: list[dict[str, Any]], image: str = "", image_ref: str = "alicloud_image.x.id",
            export: str = "") -> str:
    policy = json.dumps({"Version": "1", "Statement": statements})
    return f'''
provider "alicloud" {{
  region = "cn-hangzhou"
}}
resource "alicloud_image" "x" {{
  instance_id = "i-1"
  platform    = "Ubuntu"
{image}}}
resource "alicloud_oss_bucket" "b" {{
  bucket = "exports"
}}
resource "alicloud_ram_policy" "p" {{
  policy_name     = "ExportWriter"
  policy_document = <<-JSON
    {policy}
  JSON
}}
resource "alicloud_ram_role" "r" {{
  role_name                   = "AliyunECSImageExportDefaultRole"
  assume_role_policy_document = <<-JSON
    {TRUST}
  JSON
}}
resource "alicloud_ram_role_policy_attachment" "a" {{
  policy_name = alicloud_ram_policy.p.policy_name
  policy_type = "Custom"
  role_name   = alicloud_ram_role.r.name
}}
resource "alicloud_image_export" "e" {{
  image_id   = {image_ref}
  oss_bucket = alicloud_oss_bucket.b.bucket
  oss_prefix = "prefix"
{export}}}
'''


def _results(cli: Callable[..., CliResult], tmp_path: Path, text: str, *args: str) -> dict[str, dict[str, Any]]:
    (tmp_path / "main.tf").write_text(text)
    result = cli("check", str(tmp_path), "-f", "json", *args)
    assert result.code in (0, 1), result.err
    return {r["rule_id"]: r for r in result.json()["results"] if "→" in r["subject"]}


# -- the role's policies judged on the object names, the id unknown ----------------------------------------------

#: (extra statement, PF403 for an image the files create)
POLICY_CASES = [
    (None, "pass"),  # the Allow of bucket/* covers whatever the id
    # the false go: a Deny written for real image ids may match this export's objects
    ({"Effect": "Deny", "Action": ["oss:PutObject"], "Resource": ["acs:oss:*:*:exports/prefix_m-*"]}, "unknown"),
    ({"Effect": "Deny", "Action": ["oss:PutObject"], "Resource": ["acs:oss:*:*:exports/prefix_*"]}, "fail"),
    ({"Effect": "Deny", "Action": ["oss:PutObject"], "Resource": ["acs:oss:*:*:exports/other_*"]}, "pass"),
    ({"Effect": "Deny", "Action": ["oss:PutObject"], "Resource": ["acs:oss:*:*:archive/*"]}, "pass"),
    ({"Effect": "Deny", "Action": ["oss:PutObject"], "NotResource": ["acs:oss:*:*:exports/prefix_m-*"]}, "unknown"),
]


@pytest.mark.parametrize(("extra", "status"), POLICY_CASES)
def test_pf403_judges_the_object_names_whatever_the_id(cli: Callable[..., CliResult], tmp_path: Path,
                                                        extra: dict[str, Any] | None, status: str) -> None:
    statements = [ALLOW_ALL, *([extra] if extra else [])]
    results = _results(cli, tmp_path, _module(statements))
    assert results["PF403"]["status"] == status, results["PF403"]
    if status == "unknown":
        assert "the ID of image alicloud_image.x" in results["PF403"]["message"]
        zh = _results(cli, tmp_path, _module(statements), "--lang", "zh")
        assert "镜像 alicloud_image.x 的 ID" in zh["PF403"]["message"]


def test_an_allow_for_real_ids_only_is_unknown_not_a_pass(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    scoped = {"Effect": "Allow", "Action": ["oss:*"], "Resource": ["acs:oss:*:*:exports",
                                                                     "acs:oss:*:*:exports/prefix_m-*"]}
    results = _results(cli, tmp_path, _module([scoped]))
    assert results["PF403"]["status"] == "unknown"
    # the same policy for an image named by its id is decided
    literal = _results(cli, tmp_path, _module([scoped], image_ref='"m-bp1abc"'))
    assert literal["PF403"]["status"] == "pass"


def test_the_id_is_never_the_address(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(_module([ALLOW_ALL]))
    (subject,) = [s for s in iac.load([tmp_path]).subjects if s.scope == "export"]
    assert JOINS["Subject.image"].link == "ImageId"
    assert isinstance(subject.request.ImageId, Unknown) and subject.request.ImageId.shown == "alicloud_image.x"
    assert isinstance(subject.image, Image) and isinstance(subject.image.ImageId, Unknown)
    assert subject.name.startswith("cn-hangzhou/alicloud_image.x → oss://exports/prefix")
    assert "alicloud_image.x_" not in json.dumps(subject.role.export_decisions)  # type: ignore[union-attr]


# -- the image rules read the image's facts through the link ---------------------------------------------------

IMAGE_CASES = [
    ('  platform = "Windows Server 2019"\n', "PF205", "fail"),
    ("".join(f'  disk_device_mapping {{\n    disk_type = "data"\n    size = 20\n    snapshot_id = "s-{i}"\n  }}\n'
             for i in range(5)), "PF206", "fail"),
    ('  disk_device_mapping {\n    disk_type = "data"\n    size = 600\n    snapshot_id = "s-1"\n  }\n',
     "PF207", "fail"),
    ("", "PF201", "pass"),
    ("", "PF202", "pass"),
    ("", "PF209", "unknown"),  # no running export of an image not created yet can be looked up: its id
]


@pytest.mark.parametrize(("image", "rule", "status"), IMAGE_CASES)
def test_image_rules_read_the_linked_image(cli: Callable[..., CliResult], tmp_path: Path, image: str, rule: str,
                                           status: str) -> None:
    text = _module([ALLOW_ALL], image=image)
    if "platform =" in image:
        text = text.replace('  platform    = "Ubuntu"\n', "")
    results = _results(cli, tmp_path, text)
    assert results[rule]["status"] == status, results[rule]
    if rule == "PF209":
        assert "ECS gives alicloud_image.x its image ID when it creates the image" in results[rule]["message"]


def test_an_image_of_another_region_is_not_joined(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    text = _module([ALLOW_ALL]).replace('  platform    = "Ubuntu"\n', '  platform    = "Windows Server 2019"\n'
                                        "  provider    = alicloud.sg\n")
    text += 'provider "alicloud" {\n  alias  = "sg"\n  region = "ap-southeast-1"\n}\n'
    results = _results(cli, tmp_path, text)
    assert results["PF205"]["status"] == "unknown" and results["PF201"]["status"] == "unknown"


def test_commands_show_the_id_as_a_placeholder(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    # a bucket in another region: PF302's remediation names the image in a CopyImage command
    text = _module([ALLOW_ALL]).replace('  bucket = "exports"\n', '  bucket = "exports"\n  provider = alicloud.sg\n')
    text += 'provider "alicloud" {\n  alias  = "sg"\n  region = "ap-southeast-1"\n}\n'
    results = _results(cli, tmp_path, text)
    assert results["PF302"]["status"] == "fail"
    assert "--ImageId '<alicloud_image.x>'" in results["PF302"]["remediation"], results["PF302"]["remediation"]


# -- the matcher for a text known but for one part --------------------------------------------------------------

HEAD, TAIL = "acs:oss:*:*:exports/prefix_", "_system.raw.tar.gz"
OPEN = OpenText(HEAD, TAIL, "alicloud_image.x")

MATCH_TABLE = [
    ("acs:oss:*:*:exports/*", True),
    ("acs:oss:*:*:exports/prefix*", True),
    ("acs:oss:*:*:exports/prefix_*_system.raw.tar.gz", True),
    ("acs:oss:*:*:*", True),
    ("*", True),
    ("acs:oss:*:*:exports/prefix_m-*", None),
    ("acs:oss:*:*:exports/*_system.raw.tar.gz", True),
    ("acs:oss:*:*:exports/*.qcow2", False),
    ("acs:oss:*:*:exports/prefix_?", False),
    ("acs:oss:*:*:exports/prefix_??_system.raw.tar.gz", None),
    ("acs:oss:*:*:exports/other/*", False),
    ("acs:oss:*:*:exports", False),
    ("acs:oss:*:*:exports/prefix_*x*_system.raw.tar.gz", None),
    ("acs:oss:*:*:exports/prefix__system.raw.tar.gz", False),  # the id is never empty
]


@pytest.mark.parametrize(("pattern", "want"), MATCH_TABLE)
def test_open_match_table(pattern: str, want: bool | None) -> None:
    assert open_match(pattern, OPEN) is want


_CHARS = "ab*?_:"


@settings(max_examples=300, deadline=None)
@given(pattern=st.text(_CHARS, max_size=8), head=st.text("ab_:", max_size=4), tail=st.text("ab_:", max_size=4),
       fills=st.lists(st.text("ab_c", min_size=1, max_size=5), min_size=1, max_size=12))
def test_open_match_is_sound(pattern: str, head: str, tail: str, fills: list[str]) -> None:
    """True only when every value matches, False only when none does (checked on sampled values)."""
    answer = open_match(pattern, OpenText(head, tail, "x"))
    hits = {glob_match(pattern, head + fill + tail) for fill in fills}
    if answer is True:
        assert hits == {True}
    elif answer is False:
        assert hits == {False}


@settings(max_examples=200, deadline=None)
@given(pattern=st.text(_CHARS, max_size=6), head=st.text("ab:", max_size=3), tail=st.text("ab:", max_size=3))
def test_open_match_says_none_only_when_some_value_matches(pattern: str, head: str, tail: str) -> None:
    """False is exact: when it is not False, a value of at most len(pattern)+1 characters (never ':' or '/':
    one name) matches."""
    answer = open_match(pattern, OpenText(head, tail, "x"))
    alphabet = "abc_"
    values = [""]
    found = False
    for _ in range(len(pattern) + 1):
        values = [v + c for v in values for c in alphabet]
        if any(glob_match(pattern, head + v + tail) for v in values):
            found = True
            break
    assert (answer is not False) == found


def test_open_match_time_is_bounded() -> None:
    import time

    pattern = "*a" * 3000 + "*"
    start = time.perf_counter()
    open_match.cache_clear()
    open_match(pattern, OpenText("a" * 60, "a" * 40, "x"))
    assert time.perf_counter() - start < 2.0
