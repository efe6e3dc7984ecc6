"""Block Public Access in ROS templates: the bucket's ``BlockPublicAccess`` property and
``ALIYUN::OSS::BucketPublicAccessBlock`` (``Bucket`` by name, ``Ref`` or ``Fn::GetAtt``; ``BlockPublicAccess``)
are mapped to the bucket's fact, located at the property; without either, what ROS creates (off). ROS has no
account-level resource, so the account's setting stays unknown (its own)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from preflight.engine import evaluate
from preflight.facts import Bucket, Unknown
from preflight.model import Status
from preflight.rules import load_rules
from preflight.sources import iac, ros

HEAD = """ROSTemplateFormatVersion: '2015-09-01'
Parameters:
  Flag:
    Type: Boolean
  Named:
    Type: String
    Default: exports
Resources:
  Exports:
    Type: ALIYUN::OSS::Bucket
    Properties:
      BucketName: exports
      AccessControl: public-read
"""
INLINE = "      BlockPublicAccess: {value}\n"
SEPARATE = """  Block{n}:
    Type: ALIYUN::OSS::BucketPublicAccessBlock
    Properties:
      Bucket: {bucket}
      BlockPublicAccess: {value}
"""
OTHER = """  Other:
    Type: ALIYUN::OSS::Bucket
    Properties:
      BucketName: other
"""


def _sep(value: str, bucket: str = "!Ref Exports", n: int = 1) -> str:
    return SEPARATE.format(n=n, bucket=bucket, value=value)


def _template(inline: str | None, extra: str = "", name: str = "exports") -> str:
    head = HEAD.replace("BucketName: exports", f"BucketName: {name}")
    return head + (INLINE.format(value=inline) if inline is not None else "") + extra


def _bpa(text: str) -> Any:
    doc, ann = ros.document(ros.load_template(text, "t.yaml"), export_buckets=["exports"])
    bucket = doc["buckets"][0]
    if "/buckets/0/BlockPublicAccess" in ann.unknown:
        assert "BlockPublicAccess" not in bucket
        return "unknown"
    return bucket["BlockPublicAccess"]


CASES = [
    (None, "", False),  # nothing declared: what ROS creates, off
    ("true", "", True),
    ("false", "", False),
    ("'true'", "", True),  # a Boolean given as a string
    ("!Ref Flag", "", "unknown"),  # a parameter without a default
    ("maybe", "", "unknown"),
    (None, _sep("true"), True),  # by Ref
    (None, _sep("true", "!GetAtt Exports.Name"), True),
    (None, _sep("true", "exports"), True),  # by name
    (None, _sep("true", "!Ref Named"), True),  # by a parameter's default: the name
    (None, _sep("true", "other") + OTHER, False),  # another bucket's
    (None, _sep("true", "!Ref Other") + OTHER, False),
    (None, _sep("!Ref Flag"), "unknown"),
    (None, _sep("true", "!Ref Missing"), "unknown"),  # its bucket is not decided: may be this one's
    (None, _sep("true", "!Sub '${ALIYUN::AccountId}-x'"), "unknown"),
    ("true", _sep("true"), True),  # inline and separate agree
    ("true", _sep("false"), "unknown"),  # they disagree: the order ROS applies them is not fixed
    (None, _sep("true") + _sep("false", "exports", 2), "unknown"),
    (None, _sep("true") + _sep("true", "exports", 2), True),
]


@pytest.mark.parametrize(("inline", "extra", "expected"), CASES)
def test_bucket_block_public_access(inline: str | None, extra: str, expected: Any) -> None:
    assert _bpa(_template(inline, extra)) == expected


@pytest.mark.parametrize(("extra", "expected"), [
    ("", False),
    (_sep("true"), True),  # by reference: whatever the name turns out to be
    (_sep("true", "exports"), "unknown"),  # by a name the undecided one may have
    (_sep("true", "!Ref Missing"), "unknown"),
])
def test_a_bucket_whose_name_is_not_decided(extra: str, expected: Any) -> None:
    assert _bpa(_template(None, extra, name="!Sub '${ALIYUN::AccountId}-exports'")) == expected


def test_located_at_the_property() -> None:
    text = _template(None, _sep("true"))
    _, ann = ros.document(ros.load_template(text, "t.yaml"))
    line = text.splitlines().index("      BlockPublicAccess: true") + 1
    assert ann.locations["/buckets/0/BlockPublicAccess"].line == line
    text = _template("true")
    _, ann = ros.document(ros.load_template(text, "t.yaml"))
    assert ann.locations["/buckets/0/BlockPublicAccess"].line == text.splitlines().index(
        "      BlockPublicAccess: true") + 1
    _, ann = ros.document(ros.load_template(_template(None), "t.yaml"))
    assert ann.locations["/buckets/0/BlockPublicAccess"].line == 9  # the bucket resource


def _facts(tmp_path: Path, text: str) -> Bucket:
    (tmp_path / "stack.yaml").write_text(text)
    load = iac.load([tmp_path / "stack.yaml"], export_buckets=["exports"])
    (subject,) = [s for s in load.subjects if s.scope == "bucket"]
    assert isinstance(subject.bucket, Bucket)
    return subject.bucket


def test_the_account_setting_stays_unknown(tmp_path: Path) -> None:
    bucket = _facts(tmp_path, _template(None))
    assert bucket.BlockPublicAccess is False
    assert isinstance(bucket.AccountBlockPublicAccess, Unknown)
    assert isinstance(bucket.public_access_blocked, Unknown)
    assert _facts(tmp_path, _template("true")).public_access_blocked is True


@pytest.mark.parametrize(("inline", "status"), [(None, Status.FAIL), ("true", Status.PASS), ("!Ref Flag", Status.FAIL)])
def test_pf501_reads_it(tmp_path: Path, inline: str | None, status: Status) -> None:
    (tmp_path / "stack.yaml").write_text(_template(inline))
    load = iac.load([tmp_path / "stack.yaml"], export_buckets=["exports"])
    (pf501,) = [r for r in evaluate(load_rules().rules, load.subjects) if r.rule_id == "PF501"]
    assert pf501.status == status, pf501.message
