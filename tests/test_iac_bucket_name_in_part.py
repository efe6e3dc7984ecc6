"""An export joined to a bucket whose name the files decide in part (``"exports-${random_integer.x.result}"``):
the name travels to the facts known in part (``Annotations.in_part`` → ``KnownInPart``), and PF403 judges the
role's policies on the ARNs whatever the unknown part is: ``acs:oss:*:*:*`` or ``exports-*`` covers every name
(pass), ``other`` none (fail), anything that turns on the unknown part stays unknown. A name wholly unknown is
one unknown run: only a ``*`` decides it. Soundness: for random fillings of the unknown parts, a decided answer
is the answer of the concrete ARN (hypothesis, on the matcher and on the role's permissions)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from preflight import policy as pol
from preflight.facts import Unknown
from preflight.facts.partly import KnownInPart
from preflight.policy_match import OpenRun, OpenText, glob_match, open_match
from preflight.sources import iac
from tests.conftest import CliResult

TRUST = ('{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole",'
         '"Principal":{"Service":["ecs.aliyuncs.com"]}}]}')
PARTIAL = '"exports-${random_integer.x.result}"'


def _allow(*resources: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": ["oss:*"], "Resource": list(resources)}


def _deny(*resources: str) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": ["oss:PutObject"], "Resource": list(resources)}


def _module(statements: list[dict[str, Any]], name: str = PARTIAL, image_ref: str = '"m-1"') -> str:
    policy = json.dumps({"Version": "1", "Statement": statements})
    return f'''
provider "alicloud" {{
  region = "cn-hangzhou"
}}
variable "nope" {{
  type = string
}}
resource "random_integer" "x" {{
  min = 10000
  max = 99999
}}
resource "alicloud_image" "x" {{
  instance_id = "i-1"
  platform    = "Ubuntu"
}}
resource "alicloud_oss_bucket" "b" {{
  bucket = {name}
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
}}
'''


def _results(cli: Callable[..., CliResult], tmp_path: Path, text: str, *args: str) -> dict[str, dict[str, Any]]:
    (tmp_path / "main.tf").write_text(text)
    result = cli("check", str(tmp_path), "-f", "json", *args)
    assert result.code in (0, 1), result.err
    return {r["rule_id"]: r for r in result.json()["results"] if "→" in r["subject"]}


BOTH = ("acs:oss:*:*:exports-*", "acs:oss:*:*:exports-*/*")
#: (statements, bucket name as written, PF403, PF505)
CASES = [
    ([_allow("acs:oss:*:*:*")], PARTIAL, "pass", "fail"),
    ([_allow(*BOTH)], PARTIAL, "pass", "pass"),
    ([_allow("acs:oss:*:*:exports-*/*")], PARTIAL, "fail", "pass"),  # bucket-level actions: as for any name
    ([_allow("acs:oss:*:*:other", "acs:oss:*:*:other/*")], PARTIAL, "fail", "pass"),
    ([_allow("acs:oss:*:*:exports-1*", "acs:oss:*:*:exports-1*/*")], PARTIAL, "unknown", "pass"),
    ([_allow("acs:oss:*:*:exports-?????", "acs:oss:*:*:exports-?????/*")], PARTIAL, "unknown", "pass"),
    ([_allow(*BOTH), _deny("acs:oss:*:*:exports-9*/*")], PARTIAL, "unknown", "pass"),  # a Deny that may match
    ([_allow(*BOTH), _deny("acs:oss:*:*:other/*")], PARTIAL, "pass", "pass"),
    ([_allow(*BOTH), _deny("acs:oss:*:*:exports-*/prefix_*")], PARTIAL, "fail", "pass"),
    ([_allow("acs:oss:*:*:*")], "var.nope", "pass", "fail"),  # a name wholly unknown: only * decides it
    ([_allow("acs:oss:*:*:*")], '"${var.nope}"', "pass", "fail"),
    ([_allow(*BOTH)], "var.nope", "unknown", "pass"),
    ([_allow("acs:oss:*:*:other", "acs:oss:*:*:other/*")], "var.nope", "unknown", "pass"),
    ([_allow("acs:ecs:*:*:*")], "var.nope", "fail", "pass"),  # no bucket at all: no name makes it match
    ([_allow("acs:oss:*:*:*x", "acs:oss:*:*:*x/*")], '"${var.nope}-x"', "pass", "pass"),
]


@pytest.mark.parametrize(("statements", "name", "pf403", "pf505"), CASES)
def test_pf403_judges_the_arns_whatever_the_unknown_part(cli: Callable[..., CliResult], tmp_path: Path,
                                                        statements: list[dict[str, Any]], name: str, pf403: str,
                                                        pf505: str) -> None:
    results = _results(cli, tmp_path, _module(statements, name))
    assert results["PF403"]["status"] == pf403, results["PF403"]
    assert results["PF505"]["status"] == pf505, results["PF505"]
    if pf403 == "unknown":
        assert "the name of bucket alicloud_oss_bucket.b" in results["PF403"]["message"], results["PF403"]
        zh = _results(cli, tmp_path, _module(statements, name), "--lang", "zh")
        assert "Bucket alicloud_oss_bucket.b 的名称" in zh["PF403"]["message"]
    # no name is made up: texts show the address, the evidence the ARN with the unknown part marked
    if pf403 != "pass" and name == PARTIAL:
        assert "exports-<alicloud_oss_bucket.b>" in json.dumps(results["PF403"]["evidence"]), results["PF403"]


def test_with_the_image_id_unknown_too(cli: Callable[..., CliResult], tmp_path: Path) -> None:
    ref = "alicloud_image.x.id"
    assert _results(cli, tmp_path, _module([_allow(*BOTH)], image_ref=ref))["PF403"]["status"] == "pass"
    results = _results(cli, tmp_path, _module([_allow(*BOTH), _deny("acs:oss:*:*:exports-*/prefix_m-*")],
                                              image_ref=ref))
    assert results["PF403"]["status"] == "unknown"
    message = results["PF403"]["message"]
    assert "bucket alicloud_oss_bucket.b" in message and "image alicloud_image.x" in message, message
    zh = _results(cli, tmp_path, _module([_allow(*BOTH), _deny("acs:oss:*:*:exports-1*/*")], image_ref=ref),
                  "--lang", "zh")
    assert "Bucket alicloud_oss_bucket.b 的名称" in zh["PF403"]["message"] and "镜像" in zh["PF403"]["message"]


@pytest.mark.parametrize(("name", "parts"), [
    (PARTIAL, ("exports-", None)),
    ("var.nope", (None,)),
    ('"${var.nope}-x-${random_integer.x.result}"', (None, "-x-", None)),
])
def test_the_known_parts_reach_the_facts(tmp_path: Path, name: str, parts: tuple[str | None, ...]) -> None:
    (tmp_path / "main.tf").write_text(_module([_allow("acs:oss:*:*:*")], name))
    (subject,) = [s for s in iac.load([tmp_path]).subjects if s.scope == "export"]
    bucket = subject.request.OSSBucket
    assert isinstance(bucket, KnownInPart) and bucket.parts == parts
    assert bucket.shown == "alicloud_oss_bucket.b" and bucket.given  # written: PF103 still reads it as given


def test_a_bucket_named_in_full_is_not_known_in_part(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(_module([_allow("acs:oss:*:*:*")], '"exports"'))
    (subject,) = [s for s in iac.load([tmp_path]).subjects if s.scope == "export"]
    assert subject.request.OSSBucket == "exports"
    assert not isinstance(subject.request.OSSBucket, Unknown)


# -- the matcher with several unknown runs --------------------------------------------------------------------

_CHARS = "ab*?/:"


def _open(parts: list[str | bool]) -> str | OpenText:
    """True: a run of one or more characters; False: a run that may be empty."""
    return OpenText.of(p if isinstance(p, str) else OpenRun(f"g{i}", empty=not p) for i, p in enumerate(parts))


def _fill(parts: list[str | bool], fills: list[str]) -> str:
    """The text with each run replaced by the next of ``fills``."""
    it = iter(fills)
    return "".join(p if isinstance(p, str) else next(it) for p in parts)


_PARTS = st.lists(st.one_of(st.text("ab/:", max_size=3), st.booleans()), min_size=1, max_size=5)


@settings(max_examples=400, deadline=None)
@given(pattern=st.text(_CHARS, max_size=8), parts=_PARTS,
       fills=st.lists(st.lists(st.text("abc", max_size=4), min_size=5, max_size=5), min_size=1, max_size=8))
def test_open_match_is_sound_with_several_runs(pattern: str, parts: list[str | bool], fills: list[list[str]]
                                               ) -> None:
    """True only when every filling matches, False only when none does (checked on sampled fillings; a run
    of one or more characters gets 'a' when its sample is empty)."""
    text = _open(parts)
    if isinstance(text, str):
        return
    answer = open_match(pattern, text)
    hits = set()
    for sample in fills:
        filled = [s if s or not isinstance(p, bool) or not p else "a" for s, p in
                  zip(sample, [p for p in parts if isinstance(p, bool)], strict=False)]
        hits.add(glob_match(pattern, _fill(parts, filled)))
    if answer is True:
        assert hits == {True}
    elif answer is False:
        assert hits == {False}


@settings(max_examples=60, deadline=None)
@given(pattern=st.text("ab*?:", max_size=3), parts=st.lists(st.one_of(st.text("ab:", max_size=2), st.booleans()),
                                                           min_size=1, max_size=3).filter(
                                                               lambda ps: sum(isinstance(p, bool) for p in ps) <= 2))
def test_open_match_says_none_only_when_some_filling_matches(pattern: str, parts: list[str | bool]) -> None:
    """False is exact: when it is not False, some filling of at most len(pattern)+1 characters per run
    (never ':' or '/') matches."""
    text = _open(parts)
    if isinstance(text, str):
        return
    runs = [p for p in parts if isinstance(p, bool)]
    values = [""]
    for _ in range(len(pattern) + 1):
        values += [v + c for v in values for c in "abc" if len(v) < len(pattern) + 1]
        values = list(dict.fromkeys(values))
    import itertools

    found = any(glob_match(pattern, _fill(parts, list(combo)))
                for combo in itertools.product(*[[v for v in values if v or not need] for need in runs]))
    assert (open_match(pattern, text) is not False) == found


def test_open_text_of_parts() -> None:
    runs = (OpenRun("x", empty=True), OpenRun("y"))
    assert OpenText.of(["a", *runs, "b"]) == OpenText("a", "b", "x, y", runs)
    assert OpenText.of(["a", "-", OpenRun("y"), "b", ""]) == OpenText("a-", "b", "y")
    # two runs of one or more characters next to each other hold two at least: '?' never matches them
    assert open_match("a?b", OpenText.of(["a", *runs[1:] * 2, "b"])) is False
    assert OpenText.of(["a", "b"]) == "ab"
    text = OpenText.of(["acs:oss:*:*:exports-", OpenRun("alicloud_oss_bucket.b", empty=True)])
    assert str(text) == "acs:oss:*:*:exports-<alicloud_oss_bucket.b>"


# -- the role's permissions: a decided answer is the answer of every concrete name ------------------------------

_PATTERN = st.lists(st.sampled_from(["acs:oss:*:*:", "exports-", "*", "?", "1", "/", "prefix_", "m-", "x"]),
                    min_size=1, max_size=6).map("".join)

#: a few whole patterns, so that passes are drawn too
_WHOLE = st.sampled_from(["acs:oss:*:*:*", *BOTH])


@settings(max_examples=150, deadline=None)
@given(allows=st.lists(st.one_of(_PATTERN, _WHOLE), min_size=1, max_size=3), denies=st.lists(_PATTERN, max_size=2),
       head=st.sampled_from(["exports-", "", "x"]), tail=st.sampled_from(["", "-x", "1"]),
       fills=st.lists(st.text("1x-", max_size=4), min_size=1, max_size=6), open_id=st.booleans())
def test_a_decided_answer_is_the_answer_of_every_concrete_name(
        allows: list[str], denies: list[str], head: str, tail: str, fills: list[str], open_id: bool) -> None:
    statements = [{"Effect": "Allow", "Action": ["oss:*"], "Resource": allows}]
    if denies:
        statements.append({"Effect": "Deny", "Action": ["oss:PutObject", "oss:GetBucketInfo"], "Resource": denies})
    document = pol.parse_policy({"Version": "1", "Statement": statements})
    bucket = KnownInPart("not known", shown="alicloud_oss_bucket.b", parts=(head, None, tail))
    image: str | Unknown = Unknown("created", shown="alicloud_image.x") if open_id else "m-1"
    answer = pol.ExportPermissions([("p", document)]).missing(bucket, "prefix", image, None)
    if isinstance(answer, Unknown):
        return
    for fill in fills:
        for image_id in (["m-1", "m-x1", "m-"] if open_id else ["m-1"]):
            concrete = pol.ExportPermissions([("p", document)]).missing(head + fill + tail, "prefix", image_id, None)
            # the verdict is the concrete one; each action said missing is missing (an action whose answer
            # turns on the unknown part is left out of a fail's list, as for Conditions)
            assert isinstance(concrete, list) and (concrete == []) == (answer == []), (fill, image_id)
            assert set(answer) <= set(concrete), (fill, image_id)


def test_open_match_time_is_bounded_with_several_runs() -> None:
    import time

    pattern = "*a" * 3000 + "*"
    text = OpenText.of(["a" * 30, OpenRun("x", empty=True), "a" * 30, OpenRun("y"), "a" * 40])
    assert isinstance(text, OpenText)
    open_match.cache_clear()
    start = time.perf_counter()
    assert open_match(pattern, text) is None  # 3000 a's fit only if the runs hold them: some names only
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize(("statements", "name"), [(s, n) for s, n, p403, p505 in CASES if "fail" in (p403, p505)])
def test_a_remediation_never_shows_the_bucket_address_as_a_policy(cli: Callable[..., CliResult], tmp_path: Path,
                                                                  statements: list[dict[str, Any]], name: str
                                                                  ) -> None:
    """The least-privilege fix of an export whose bucket name is undecided is unknown for the bucket's reason;
    a command in the remediation never takes the bucket's address for the policy document it would write."""
    results = _results(cli, tmp_path, _module(statements, name))
    for rule in ("PF403", "PF505"):
        remediation = results[rule]["remediation"]
        assert "'<alicloud_oss_bucket.b>'" not in remediation, remediation
