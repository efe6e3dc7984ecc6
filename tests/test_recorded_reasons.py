"""A snapshot keeps an unknown reason as its message (key and values) beside the English text, and the reader
words it from them; matching the English back to the catalogue is only the fallback for older snapshots."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from preflight import cli
from preflight.facts.decode import record_reasons
from preflight.i18n import MESSAGES, Worded, render
from preflight.msg import MAX_DEPTH, Foreign, Listing, Msg, NotData, from_data, to_data
from preflight.sources.snapshot import ShapeError, subjects_from_document
from preflight.texts import foreign
from tests.conftest import BASE
from tests.fakecloud import FakeCloud, Fault
from tests.test_zh_live import FLAGS, _env
from tests.zhcheck import assert_chinese, unknown_lines

pytest_plugins = ("tests.fakecloud.plugin",)

DENIED = Msg("live.denied", permission="oss:GetBucketPolicy", code="AccessDenied")


def _doc(**entry: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    doc["unknown"] = [{"section": "images", "match": {"ImageId": "m-good"}, **entry}]
    return doc


def _reason(doc: dict[str, Any]) -> Msg:
    (s,) = subjects_from_document(doc)
    return s.image.reason  # type: ignore[union-attr,no-any-return]


@pytest.fixture
def no_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The regular expressions that match recorded English back to the catalogue are not there."""
    monkeypatch.setattr(foreign, "_reword", lambda text: text)


def test_the_snapshot_writes_key_and_values_and_keeps_the_english(no_fallback: None) -> None:
    written = json.loads(json.dumps(record_reasons(_doc(reason=Worded(DENIED)))))
    (entry,) = written["unknown"]
    assert entry["reason"] == render(DENIED, "en")  # older readers read this, as before
    assert (entry["key"], entry["values"]) == ("live.denied", DENIED.values)
    assert _reason(written) == DENIED
    assert_chinese(render(_reason(written), "zh"))


def test_an_old_snapshot_is_still_worded_by_the_fallback() -> None:
    reason = _reason(_doc(reason=render(DENIED, "en")))
    assert reason.key == "as_recorded" and render(reason, "zh") == render(DENIED, "zh")


@pytest.mark.parametrize("entry", [
    {"key": "no.such.key", "values": DENIED.values},  # a key this preflight does not know
    {"key": "live.denied", "values": {"permission": "oss:GetBucketPolicy"}},  # a placeholder missing
    {"key": "live.denied", "values": {**DENIED.values, "code": "Other"}},  # not the English beside it
    {"key": "live.denied", "values": {**DENIED.values, "code": {"nested": 1}}},  # no form of ours
    {"key": "live.denied", "values": {**DENIED.values, "code": {"key": "live.denied", "values": {}}}},
    {"key": "live.denied"},
])
def test_a_key_that_does_not_word_the_english_beside_it_leaves_the_english(no_fallback: None,
                                                                         entry: dict[str, Any]) -> None:
    english = render(DENIED, "en")
    reason = _reason(_doc(reason=english, **entry))
    assert reason.key == "as_recorded" and render(reason, "en") == english


@pytest.mark.parametrize(("entry", "pointer"), [
    ({"key": 3, "values": {}}, "/unknown/0/key"),
    ({"key": "live.denied", "values": ["x"]}, "/unknown/0/values"),
])
def test_key_and_values_of_the_wrong_type_are_bad_input(entry: dict[str, Any], pointer: str) -> None:
    with pytest.raises(ShapeError) as e:
        _reason(_doc(reason="x", **entry))
    assert e.value.pointer == pointer


def test_deep_nesting_is_not_read_as_a_message() -> None:
    data: Any = "x"
    for _ in range(MAX_DEPTH + 2):
        data = {"items": [data]}
    with pytest.raises(NotData):
        from_data(data)


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.lists(inner, max_size=3).map(tuple)
    | st.lists(inner, max_size=3).map(Listing)
    | st.builds(Foreign, st.sampled_from(["json", "os"]), st.text(max_size=8))
    | st.dictionaries(st.sampled_from(["a", "b", "reason"]), inner, max_size=2).map(lambda v: Msg("k", **v)),
    max_leaves=6)


@given(values)
def test_every_value_of_a_message_survives_the_file(value: object) -> None:
    msg = Msg("live.denied", permission=value, code="x")
    assert from_data(json.loads(json.dumps(to_data(msg)))) == msg


def test_reasons_a_live_run_recorded_read_back_in_the_readers_language(
    fake_cloud: FakeCloud, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    no_fallback: None,
) -> None:
    fake_cloud.add_fault(Fault(action="GetBucketPolicy", kind="deny", where={"bucket": "exports-bj"}))
    fake_cloud.add_fault(Fault(action="GetRole", kind="throttle"))
    for name, value in _env(fake_cloud, tmp_path).items():
        if name != "PATH":
            monkeypatch.setenv(name, value)
    snap = tmp_path / "snap.json"
    assert cli.main(["snapshot", *FLAGS, "--RoleName", "ExportRoleLegacy", "-o", str(snap)]) == 0
    entries = json.loads(snap.read_text(encoding="utf-8"))["unknown"]
    assert {e["key"] for e in entries} == {"live.denied", "live.throttled"}
    assert all(e["key"] in MESSAGES for e in entries)
    for lang in ("en", "zh"):
        cli.main(["check", "--live", *FLAGS, "--RoleName", "ExportRoleLegacy", "--lang", lang])
        live = unknown_lines(capsys.readouterr().out)
        cli.main(["check", str(snap), "--lang", lang])
        assert unknown_lines(capsys.readouterr().out) == live != []
