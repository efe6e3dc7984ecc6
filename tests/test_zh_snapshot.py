"""Snapshots in Chinese (``--lang zh``): every error of reading a snapshot file (JSON, shape, schema, policy
documents, the file itself), and every reason preflight gives for an unknown fact of a snapshot — while the
English stays word for word what it was."""

from __future__ import annotations

import copy
import errno
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from preflight import policy as pol
from preflight.errors import Foreign, Msg, PreflightError
from preflight.facts import AttachedPolicy, Unknown
from preflight.i18n import render
from preflight.schemas import message, problems
from preflight.sources.common import display_path, read_text
from preflight.sources.snapshot import Annotations, ShapeError, load_document, subjects_from_document
from preflight.texts import schema as schema_texts
from preflight.texts import snap as snap_texts
from tests.conftest import BASE, Cli
from tests.zhcheck import assert_chinese, unknown_lines

PREFIX = "preflight: error: "


def base(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    doc.update(changes)
    return doc


def _zh_lines(err: str, where: str) -> list[str]:
    """The problems of an exit-2 run, each checked to start with ``where: `` and to be worded in Chinese."""
    lines = err.rstrip("\n").split("\n")
    for line in lines:
        assert line.startswith(f"{PREFIX}{where}: "), line
        assert_chinese(line.removeprefix(PREFIX))
    return lines


# ---------------------------------------------------------------------------------------------------------
# Bad snapshot files through the CLI (exit 2, "file:line: message")

BIG = "1" * 5000
CLI_ERRORS = [
    # not valid JSON: every message of json's decoder
    pytest.param('{"version": 1, "exports": [,]}', 1, "not valid JSON: Expecting value (column 28)", id="value"),
    pytest.param('{\n"version": 1,\n"exports": [}', 3, "not valid JSON: Expecting value (column 13)",
                 id="value-line-3"),
    pytest.param('{"version" 1}', 1, "not valid JSON: Expecting ':' delimiter (column 12)", id="colon"),
    pytest.param('{"version": 1 "exports": []}', 1, "not valid JSON: Expecting ',' delimiter (column 15)", id="comma"),
    pytest.param("{version: 1}", 1, "not valid JSON: Expecting property name enclosed in double quotes (column 2)",
                 id="property-name"),
    pytest.param('{"version": "1', 1, "not valid JSON: Unterminated string starting at (column 13)",
                 id="unterminated"),
    pytest.param('{"a": "\x01"}', 1, "not valid JSON: Invalid control character at (column 8)", id="control"),
    pytest.param('{"a": "\\q"}', 1, "not valid JSON: Invalid \\escape (column 8)", id="escape"),
    pytest.param('{"a": "\\u12"}', 1, "not valid JSON: Invalid \\uXXXX escape (column 9)", id="u-escape"),
    pytest.param("{} {}", 1, "not valid JSON: Extra data (column 4)", id="extra-data"),
    pytest.param("[" * 100_000, None, "not valid JSON: nested too deeply", id="too-deep"),
    pytest.param('{"version": 1, "exports": [], "x": ' + BIG + "}", None,
                 "cannot be read: Exceeds the limit (4300 digits) for integer string conversion: value has 5000 "
                 "digits; use sys.set_int_max_str_digits() to increase the limit", id="int-digits"),
    # the snapshot schema
    pytest.param('{"version": 2, "exports": []}', 1, "at /version: 1 was expected", id="schema-const"),
    pytest.param('{"version": 1, "exports": [], "images": [{"RegionId": "r"}]}', 1,
                 "at /images/0: 'ImageId' is a required property", id="schema-required"),
    pytest.param('{"version": 1, "exports": [{"RegionId": 5}]}', 1,
                 "at /exports/0/RegionId: 5 is not of type 'string', 'null'", id="schema-type"),
    pytest.param('{"version": 1, "exports": [], "images": {"x": 1}}', 1,
                 "at /images: {'x': 1} is not valid under any of the given schemas", id="schema-any-of"),
    pytest.param('{"version": 1, "exports": [], "unknown": [{"section": "images", "reason": "r", "x": 1}]}', 1,
                 "at /unknown/0/x: Additional properties are not allowed ('x' was unexpected)",
                 id="schema-additional-one"),
    pytest.param('{"version": 1, "exports": [], "unknown": [{"section": "images", "reason": "r", "x": 1, "y": 2}]}',
                 1, "at /unknown/0/x: Additional properties are not allowed ('x', 'y' were unexpected)",
                 id="schema-additional-many"),
    pytest.param('{"version": 1, "exports": [], "unknown": [{"section": "nope", "reason": "r"}]}', 1,
                 "at /unknown/0/section: 'nope' is not one of ['regions', 'images', 'snapshots', 'tasks', 'roles', "
                 "'buckets', 'account_id', 'public_access_block']", id="schema-enum"),
    # what only the builder finds: a policy document given as a string
    pytest.param('{"version": 1, "exports": [], "roles": [{"RoleName": "r", "AssumeRolePolicyDocument": "{x"}]}', 1,
                 "at /roles/0/AssumeRolePolicyDocument: policy document is not valid JSON (Expecting property name "
                 "enclosed in double quotes at line 1)", id="policy-json"),
    pytest.param('{"version": 1, "exports": [], "buckets": [{"Name": "b", "Policy": "{\\"Statement\\": 5}"}]}', 1,
                 "at /buckets/0/Policy/Statement: Statement must be a list of statements", id="policy-shape"),
]


@pytest.mark.parametrize(("text", "line", "english"), CLI_ERRORS)
def test_bad_snapshot_file(cli: Cli, tmp_path: Path, text: str, line: int | None, english: str) -> None:
    path = tmp_path / "snap.json"
    path.write_text(text, encoding="utf-8")
    where = display_path(path) + (f":{line}" if line is not None else "")
    en = cli("check", str(path), "--lang", "en")
    assert (en.code, en.out, en.err) == (2, "", f"{PREFIX}{where}: {english}\n")
    zh = cli("check", str(path), "--lang", "zh")
    assert (zh.code, zh.out) == (2, "")
    assert len(_zh_lines(zh.err, where)) == 1


def test_every_schema_problem_is_a_line_in_chinese(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    path.write_text('{"version": 2, "exports": [{"RegionId": 5}],\n "images": [{}]}', encoding="utf-8")
    en = cli("check", str(path), "--lang", "en")
    assert en.err.count("\n") == 4  # /exports/0/RegionId, /images/0 (twice), /version
    zh = cli("check", str(path), "--lang", "zh")
    lines = zh.err.rstrip("\n").split("\n")
    assert len(lines) == 4
    for line in lines:
        assert line.startswith(f"{PREFIX}{display_path(path)}:")
        assert_chinese(line.removeprefix(PREFIX))


# ---------------------------------------------------------------------------------------------------------
# Reading the file (sources/common.py)


def _raise(exc: OSError) -> Callable[..., int]:
    def open_(*_: Any, **__: Any) -> int:
        raise exc

    return open_


READ_ERRORS = [
    pytest.param(None, "no such file", id="missing"),
    pytest.param(IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR)), "is a directory, expected a file",
                 id="directory"),
    pytest.param(PermissionError(errno.EACCES, os.strerror(errno.EACCES)), f"cannot read: {os.strerror(errno.EACCES)}",
                 id="permission"),
    pytest.param(OSError(errno.EIO, os.strerror(errno.EIO)), f"cannot read: {os.strerror(errno.EIO)}", id="io"),
]


@pytest.mark.parametrize(("exc", "english"), READ_ERRORS)
def test_read_text_errors(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, exc: OSError | None, english: str) -> None:
    path = tmp_path / "snap.json"
    if exc is not None:
        path.write_text("{}", encoding="utf-8")
        monkeypatch.setattr(os, "open", _raise(exc))  # the one reader opens with os.open
    with pytest.raises(PreflightError) as e:
        read_text(path)
    monkeypatch.undo()
    assert e.value.lines() == [f"{display_path(path)}: {english}"]
    (zh,) = e.value.lines("zh")
    assert zh.startswith(f"{display_path(path)}: ")
    assert_chinese(zh)


def test_a_directory_given_as_a_file(tmp_path: Path) -> None:
    with pytest.raises(PreflightError) as e:
        read_text(tmp_path)
    assert e.value.message == "is a directory, expected a file"
    assert_chinese(e.value.lines("zh")[0])


def test_not_utf8_through_the_cli(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "snap.json"
    path.write_bytes(b'{"version": 1, "exports": [], "x": "\xff"}')
    where = display_path(path)
    assert cli("check", str(path), "--lang", "en").err == f"{PREFIX}{where}: not UTF-8 text (byte 36)\n"
    _zh_lines(cli("check", str(path), "--lang", "zh").err, where)


OS_ERRNOS = ["EACCES", "ENOENT", "EISDIR", "ENOTDIR", "ELOOP", "ENAMETOOLONG", "EIO", "EMFILE", "ENFILE", "EPERM",
             "ENXIO", "ENODEV", "EBUSY", "EAGAIN", "ETXTBSY", "EINVAL", "EFBIG", "EOVERFLOW", "ENOMEM", "EINTR",
             "ESTALE", "EROFS", "ENOSPC", "EDQUOT", "EEXIST", "ETIMEDOUT", "EBADF", "EILSEQ"]


@pytest.mark.parametrize("name", OS_ERRNOS)
def test_os_texts_in_chinese(name: str) -> None:
    text = os.strerror(getattr(errno, name))
    assert_chinese(render(Msg("snap.cannot_read", reason=Foreign("os", text)), "zh"))


# ---------------------------------------------------------------------------------------------------------
# json's own texts (FOREIGN["json"]), also those of its pure-Python decoder and of newer Pythons

JSON_TEXTS = ["Expecting value", "Expecting property name enclosed in double quotes", "Expecting ':' delimiter",
              "Expecting ',' delimiter", "Unterminated string starting at", "Invalid control character at",
              "Invalid control character '\\x01' at", "Invalid \\escape", "Invalid \\escape: 'q'",
              "Invalid \\uXXXX escape", "Extra data", "Illegal trailing comma before end of object",
              "Illegal trailing comma before end of array",
              "maximum recursion depth exceeded while decoding a JSON array from a unicode string"]


@pytest.mark.parametrize("text", JSON_TEXTS)
def test_json_texts_in_chinese(text: str) -> None:
    assert_chinese(render(Msg("snap.bad_json", reason=Foreign("json", text), column=3), "zh"))


def test_json_decoder_texts_are_all_known() -> None:
    """Every message the decoder gives on a sample of broken texts is in the table."""
    samples = ["", "{", '{"a"', '{"a":', '{"a":1', '{"a":1,}', "[1,]", "[1", '"abc', '"a\x01"', '"\\q"', '"\\u12"',
               "1 2", "nul", "{1:2}", "[1 2]"]
    seen = set()
    for sample in samples:
        with pytest.raises(json.JSONDecodeError) as e:
            json.loads(sample)
        seen.add(e.value.msg)
    for text in seen:
        assert render(Foreign("json", text), "zh") != text, text


# ---------------------------------------------------------------------------------------------------------
# The shape of a snapshot, as the builder says it (each ShapeError)

SHAPES = [
    pytest.param([], "", "a snapshot must be a JSON object with 'version' and 'exports'", id="not-object"),
    pytest.param({"exports": []}, "", "'version' is a required property", id="no-version"),
    pytest.param({"version": 2, "exports": []}, "/version", "unsupported snapshot version 2 (this preflight reads 1)",
                 id="version"),
    pytest.param({"version": 1}, "", "'exports' is a required property", id="no-exports"),
    pytest.param({"version": 1, "exports": 5}, "/exports", "expected a list (or {'Export': [...]})", id="not-list"),
    pytest.param({"version": 1, "exports": [5]}, "/exports/0", "5 is not of type 'object'", id="item-not-object"),
    pytest.param({"version": 1, "exports": [], "unknown": 5}, "/unknown", "5 is not of type 'array'",
                 id="unknown-array"),
    pytest.param({"version": 1, "exports": [], "unknown": [{"section": "images", "reason": "x", "foo": 1}]},
                 "/unknown/0",
                 "unexpected key 'foo' (expected ['field', 'key', 'match', 'reason', 'section', 'values'])",
                 id="unknown-key"),
    pytest.param({"version": 1, "exports": [], "unknown": [{"section": "nope", "reason": "x"}]},
                 "/unknown/0/section", "'nope' is not one of ['account_id', 'buckets', 'images', "
                 "'public_access_block', 'regions', 'roles', 'snapshots', 'tasks']", id="unknown-section"),
    pytest.param({"version": 1, "exports": [], "unknown": [{"section": "images", "reason": "x", "match": 5}]},
                 "/unknown/0/match", "match must be an object of strings", id="unknown-match"),
    pytest.param({"version": 1, "exports": [], "unknown": [{"section": "images", "reason": "x", "field": 5}]},
                 "/unknown/0/field", "5 is not of type 'string'", id="unknown-field"),
    pytest.param({"version": 1, "exports": [], "unknown": [{"section": "images"}]}, "/unknown/0",
                 "'reason' is a required string", id="required-string"),
    pytest.param({"version": 1, "exports": [], "captured_at": 5}, "/captured_at", "5 is not of type 'string'",
                 id="captured-at"),
    pytest.param({"version": 1, "exports": [], "account_id": 5}, "/account_id", "5 is not of type 'string'",
                 id="account-id"),
    pytest.param({"version": 1, "exports": [], "account_id": -10**40}, "/account_id",
                 "a very large number is not of type 'string'", id="account-id-huge"),
    pytest.param({"version": 1, "exports": [], "images": [{"RegionId": "r", "ImageId": "m", "Status": 5}]},
                 "/images/0/Status", "5 is not of type 'string'", id="str-field"),
    pytest.param({"version": 1, "exports": [], "snapshots": [{"SnapshotId": "s", "Encrypted": 5}]},
                 "/snapshots/0/Encrypted", "5 is not a boolean", id="boolean"),
    pytest.param({"version": 1, "exports": [], "images": [{"RegionId": "r", "ImageId": "m",
                                                           "DiskDeviceMappings": [{"Size": -1}]}]},
                 "/images/0/DiskDeviceMappings/0/Size", "-1 is not a whole number of GiB", id="gib"),
    pytest.param({"version": 1, "exports": [], "images": [{"RegionId": "r", "ImageId": "m",
                                                           "DiskDeviceMappings": [{"Size": -10**40}]}]},
                 "/images/0/DiskDeviceMappings/0/Size", "a very large number is not a whole number of GiB",
                 id="gib-huge"),
    pytest.param({"version": 1, "exports": [], "buckets": [{"Name": "b", "Owner": 5}]}, "/buckets/0/Owner",
                 "5 is not of type 'object'", id="object-field"),
    pytest.param({"version": 1, "exports": [], "roles": [{"RoleName": "r", "AssumeRolePolicyDocument": "[1]"}]},
                 "/roles/0/AssumeRolePolicyDocument",
                 "policy document must be an object with Version and Statement", id="policy"),
]


@pytest.mark.parametrize(("doc", "pointer", "english"), SHAPES)
def test_shape_errors(doc: Any, pointer: str, english: str) -> None:
    with pytest.raises(ShapeError) as e:
        subjects_from_document(doc)
    assert (e.value.pointer, str(e.value.message)) == (pointer, english)
    assert_chinese(render(e.value.message, "zh"))
    # as the CLI shows it: the schema's wording where it has one, else the builder's
    with pytest.raises(PreflightError) as err:
        load_document(doc, display="x.json", text=json.dumps(doc, indent=1))
    for line in err.value.lines("zh"):
        assert line.startswith("x.json:")
        assert_chinese(line)


# ---------------------------------------------------------------------------------------------------------
# Policy documents (policy.PolicyError)

STATEMENT = {"Effect": "Allow", "Action": "oss:GetObject", "Resource": "*"}
POLICIES = [
    pytest.param("{x", "", "policy document is not valid JSON (Expecting property name enclosed in double quotes at "
                 "line 1)", id="json"),
    pytest.param('{"Version": ' + BIG + "}", "", "policy document cannot be read: Exceeds the limit (4300 digits) "
                 "for integer string conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase "
                 "the limit", id="int-digits"),
    pytest.param("[" * 100_000 + "]" * 100_000, "", "policy document cannot be read: maximum recursion depth exceeded "
                 "while decoding a JSON array from a unicode string", id="too-deep"),
    pytest.param(5, "", "policy document must be an object with Version and Statement", id="not-object"),
    pytest.param({"Statement": 5}, "/Statement", "Statement must be a list of statements", id="statement-list"),
    pytest.param({"Statement": [5]}, "/Statement/0", "a statement must be an object", id="statement-object"),
    pytest.param({"Statement": [{"Effect": "Maybe"}]}, "/Statement/0/Effect", "Effect must be Allow or Deny, not "
                 "'Maybe'", id="effect"),
    pytest.param({"Statement": [{**STATEMENT, "Action": 5}]}, "/Statement/0/Action",
                 "expected a string or a list of strings", id="strings"),
    pytest.param({"Statement": [{**STATEMENT, "Principal": 5}]}, "/Statement/0/Principal",
                 'Principal must be "*", a list, or an object of Service/RAM/Federated', id="principal"),
    pytest.param({"Statement": [{**STATEMENT, "Principal": {"User": "x"}}]}, "/Statement/0/Principal",
                 "unknown Principal kind 'User' (expected Service, RAM or Federated)", id="principal-kind"),
    pytest.param({"Statement": [{**STATEMENT, "Condition": 5}]}, "/Statement/0/Condition",
                 "Condition must be an object", id="condition"),
    pytest.param({"Statement": [{**STATEMENT, "Condition": {"StringEquals": 5}}]},
                 "/Statement/0/Condition/StringEquals", "Condition operator 'StringEquals' must map keys to values",
                 id="condition-operator"),
    pytest.param({"Statement": [{**STATEMENT, "Condition": {"StringEquals": {"acs:SourceIp": None}}}]},
                 "/Statement/0/Condition/StringEquals/acs:SourceIp", "Condition StringEquals acs:SourceIp has no value",
                 id="condition-value"),
]


@pytest.mark.parametrize(("doc", "pointer", "english"), POLICIES)
def test_policy_errors(doc: Any, pointer: str, english: str) -> None:
    with pytest.raises(pol.PolicyError) as e:
        pol.parse_policy(doc)
    assert (e.value.pointer, str(e.value.message)) == (pointer, english)
    assert_chinese(render(e.value.message, "zh"))


def test_policy_nested_too_deeply_without_a_text() -> None:
    assert_chinese(render(Msg("snap.policy_unreadable", reason=Msg("snap.nested_too_deeply")), "zh"))
    assert str(Msg("snap.policy_unreadable", reason=Msg("snap.nested_too_deeply"))) == \
        "policy document cannot be read: nested too deeply"


# ---------------------------------------------------------------------------------------------------------
# Why a fact is unknown: the result lines of `preflight check --lang zh --format text`

ALLOW_EXPORT = json.loads(BASE["roles"][0]["AttachedPolicies"][0]["PolicyDocument"])
TRUST = json.loads(BASE["roles"][0]["AssumeRolePolicyDocument"])
ALL_ACTIONS = ", ".join(pol.EXPORT_ACTIONS)


def _without(section: str) -> dict[str, Any]:
    doc = base()
    del doc[section]
    return doc


def _patched(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = base()
    change(doc)
    return doc


def _deny_under_condition(doc: dict[str, Any]) -> None:
    deny = {**TRUST["Statement"][0], "Effect": "Deny", "Condition": {"IpAddress": {"acs:SourceIp": "1.2.3.4"}}}
    doc["roles"][0]["AssumeRolePolicyDocument"] = json.dumps({**TRUST, "Statement": [*TRUST["Statement"], deny]})


def _allow_under_condition(doc: dict[str, Any]) -> None:
    st = {**ALLOW_EXPORT["Statement"][0], "Condition": {"IpAddress": {"acs:SourceIp": "1.2.3.4"}}}
    doc["roles"][0]["AttachedPolicies"][0]["PolicyDocument"] = json.dumps({**ALLOW_EXPORT, "Statement": [st]})


def _owner_unknown(doc: dict[str, Any]) -> None:
    del doc["account_id"]
    del doc["buckets"][0]["Owner"]


UNKNOWN_REASONS = [
    *(pytest.param(_without(section), f"the snapshot has no {section} section", id=f"no-{section}")
      for section in ("regions", "images", "snapshots", "tasks", "roles", "buckets")),
    pytest.param(_patched(lambda d: d["images"][0].pop("Status")), "/images/0 has no 'Status'", id="has-no"),
    pytest.param(_patched(lambda d: d["roles"][0].update(AssumeRolePolicyDocument="")),
                 "/roles/0 has an empty AssumeRolePolicyDocument", id="empty-trust"),
    pytest.param(_patched(lambda d: d["roles"][0].update(AttachedPolicies=[{"PolicyName": "Custom",
                                                                             "PolicyType": "Custom"}])),
                 "the document of attached policy Custom is not known", id="policy-doc-unknown"),
    pytest.param(_patched(lambda d: d["images"][0]["DiskDeviceMappings"]["DiskDeviceMapping"][0].pop("Type")),
                 "a disk mapping of the image has no Type", id="disk-no-type"),
    pytest.param(_patched(_deny_under_condition),
                 "a conditional Deny (statement 2) may stop ECS from assuming the role", id="conditional-deny"),
    pytest.param(_patched(_owner_unknown), "the policies scope their Resource to accounts, and the account that owns "
                 "bucket exports is not known", id="account-scoped"),
    pytest.param(_patched(_allow_under_condition),
                 f"whether ECS may use {ALL_ACTIONS} depends on policy Conditions", id="depends-on-conditions"),
]



@pytest.mark.parametrize(("doc", "english"), UNKNOWN_REASONS)
def test_unknown_reasons_in_the_text_report(cli: Cli, tmp_path: Path, doc: dict[str, Any], english: str) -> None:
    path = tmp_path / "snap.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    en = unknown_lines(cli("check", str(path), "--lang", "en", "--format", "text").out)
    assert any(line.endswith(f"({english})") for line in en), en
    zh = unknown_lines(cli("check", str(path), "--lang", "zh", "--format", "text").out)
    assert len(zh) == len(en) and zh
    for line in zh:
        assert_chinese(line)
        assert english not in line


def test_unknown_reasons_of_facts_no_rule_shows() -> None:
    """Reasons on facts the rules do not word themselves: still Msg, in both languages."""
    doc = base()
    del doc["account_id"]
    doc["roles"][0]["AttachedPolicies"] = [{"PolicyName": "Custom", "PolicyType": "Custom", "PolicyDocument": None}]
    (s,) = subjects_from_document(doc)
    assert isinstance(s.account_id, Unknown)
    policy = s.role.policies[0]  # type: ignore[union-attr,index]
    assert isinstance(policy, AttachedPolicy) and isinstance(policy.PolicyDocument, Unknown)
    expected = [(s.account_id.reason, "the snapshot has no account_id"),
                (policy.PolicyDocument.reason, "/roles/0/AttachedPolicies/0 has no PolicyDocument")]
    for reason, english in expected:
        assert isinstance(reason, Msg) and str(reason) == english
        assert_chinese(render(reason, "zh"))


def test_unknown_reasons_with_annotations() -> None:
    """A source other than a snapshot file: an absent section or entity, with the default reason."""
    (s,) = subjects_from_document(_without("images"), annotations=Annotations())
    assert isinstance(s.image, Unknown) and str(s.image.reason) == "images: not defined in the files checked"
    assert_chinese(render(Msg("unknown_plain", reason=s.image.reason), "zh"))
    (s,) = subjects_from_document(base(images=[]), annotations=Annotations())
    assert isinstance(s.image, Unknown) and str(s.image.reason) == "not defined in the files checked"
    assert_chinese(render(Msg("unknown_plain", reason=s.image.reason), "zh"))


def test_reasons_from_the_snapshot_stay_as_written() -> None:
    doc = base(unknown=[{"section": "images", "match": {"ImageId": "m-good"}, "reason": "AccessDenied: ecs"}])
    (s,) = subjects_from_document(doc)
    assert isinstance(s.image, Unknown) and str(s.image.reason) == "AccessDenied: ecs"


# ---------------------------------------------------------------------------------------------------------
# JSON Schema messages: English exactly jsonschema's, Chinese for every keyword the schemas use and more

KEYWORD_CASES = [
    ({"type": "string"}, 5), ({"type": ["string", "null"]}, 5), ({"required": ["a", "b"]}, {"a": 1}),
    ({"properties": {"a": {}}, "additionalProperties": False}, {"b": 1}),
    ({"properties": {"a": {}}, "additionalProperties": False}, {"b": 1, "c": 2}),
    ({"patternProperties": {"^x": {}}, "additionalProperties": False}, {"b": 1}),
    ({"patternProperties": {"^x": {}}, "additionalProperties": False}, {"b": 1, "c": 2}),
    ({"enum": ["a", "b"]}, "c"), ({"const": 1}, 2), ({"pattern": "^a"}, "b"),
    ({"minLength": 1}, ""), ({"minLength": 3}, "ab"), ({"maxLength": 0}, "a"), ({"maxLength": 1}, "ab"),
    ({"minItems": 1}, []), ({"minItems": 3}, [1]), ({"maxItems": 0}, [1]), ({"maxItems": 1}, [1, 2]),
    ({"minProperties": 1}, {}), ({"minProperties": 2}, {"a": 1}), ({"maxProperties": 0}, {"a": 1}),
    ({"maxProperties": 1}, {"a": 1, "b": 2}), ({"uniqueItems": True}, [1, 1]), ({"minimum": 0}, -1),
    ({"maximum": 0}, 1), ({"exclusiveMinimum": 0}, 0), ({"exclusiveMaximum": 0}, 0), ({"multipleOf": 3}, 4),
    ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, None),
    ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, None), ({"not": {"type": "string"}}, "a"),
    ({"items": False, "prefixItems": [{}]}, [1, 2]), ({"properties": {"a": False}}, {"a": 1}),
    ({"dependentRequired": {"a": ["b"]}}, {"a": 1}), ({"contains": {"type": "string"}}, [1]),
    ({"propertyNames": {"pattern": "^a"}}, {"b": 1}), ({"oneOf": [{}, {"type": "integer"}]}, 1),
    ({"unevaluatedProperties": False}, {"a": 1}),
]


@pytest.mark.parametrize(("schema", "instance"), KEYWORD_CASES)
def test_schema_messages(schema: dict[str, Any], instance: Any) -> None:
    from jsonschema import Draft202012Validator

    errors = list(Draft202012Validator(schema).iter_errors(instance))
    assert errors
    for error in errors:
        msg = message(error)
        assert str(msg) == error.message
        assert_chinese(render(msg, "zh"))


def test_schema_problems_are_messages() -> None:
    found = problems("snapshot", {"version": 2, "exports": [], "unknown": [{"section": "images", "x": 1}]})
    assert [(path, str(m)) for path, m in found] == [
        (["unknown", 0], "'reason' is a required property"),
        (["unknown", 0, "x"], "Additional properties are not allowed ('x' was unexpected)"),
        (["version"], "1 was expected")]
    assert all(isinstance(m, Msg) and m.key != "schema.other" for _, m in found)


@pytest.mark.parametrize("texts", [snap_texts.TEXTS, schema_texts.TEXTS], ids=["snap", "schema"])
def test_texts_are_chinese(texts: dict[str, dict[str, str]]) -> None:
    for both in texts.values():
        assert_chinese(re.sub(r"\{\{|\}\}|\{[^{}]*\}", "'v'", both["zh"]))


def test_a_live_runs_reasons_keep_their_message() -> None:
    """A document a live run built in this process: its reasons are str (for JSON) keeping their Msg."""
    from preflight.errors import Worded

    why = Worded(Msg("snap.disk_no_type"))
    doc = base(unknown=[{"section": "images", "match": {"ImageId": "m-good"}, "reason": why}])
    (s,) = subjects_from_document(doc)
    assert isinstance(s.image, Unknown) and s.image.reason == Msg("snap.disk_no_type")
    assert str(s.image.reason) == why
