"""Messages the results share are worded once per run, not once per rule or per export (issue 13's speed
target: a 500-file tree's ~6,000 outcomes were worded 38,000 times), and wording them once changes nothing."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

import preflight.engine as engine
import preflight.i18n as i18n
import preflight.msg as msg
import preflight.reporters.json as json_reporter
from preflight.engine import English, evaluate, to_json
from preflight.errors import Msg
from preflight.facts import Unknown
from preflight.model import Status, Text
from preflight.reporters.json import _KEPT_TEXT, _ResultEncoder, result_dict
from preflight.rules import load_rules
from preflight.sources import iac
from tests.test_reporters_sarif import result

MODULE = """
resource "alicloud_oss_bucket" "b{i}" {{
  bucket = "exports-{i}"
}}

resource "alicloud_image_export" "e{i}" {{
  image_id   = "m-bp1{i:017d}"
  oss_bucket = alicloud_oss_bucket.b{i}.bucket
  oss_prefix = "{prefix}"
}}
"""


def _tree(root: Path, modules: int = 2, files: int = 4) -> list[Path]:
    """Modules whose exports share the module's unknown reasons (what the files do not define)."""
    for m in range(modules):
        d = root / f"m{m}"
        d.mkdir()
        for f in range(files):
            i = m * files + f
            (d / f"e{f}.tf").write_text(MODULE.format(i=i, prefix="ok" if i % 2 else "bad-prefix"))
    return [root]


@pytest.fixture
def english_words(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[int]]:
    """Counts, by message identity, the messages worded in English by ``str(message)`` from the outside
    (a message worded inside another one is part of that one's wording)."""
    counts: Counter[int] = Counter()
    depth = [0]

    def counting(message: msg.Msg, lang: str) -> str:
        if depth[0] == 0:
            counts[id(message)] += 1
        depth[0] += 1
        try:
            return i18n.render(message, lang)
        finally:
            depth[0] -= 1

    monkeypatch.setattr(msg, "_wording", counting)
    yield counts


def test_evaluation_words_each_shared_reason_once(tmp_path: Path, english_words: Counter[int]) -> None:
    subjects = iac.load(_tree(tmp_path)).subjects
    english_words.clear()
    results = evaluate(load_rules().rules, subjects)
    assert any(r.status is Status.UNKNOWN for r in results)
    assert english_words and max(english_words.values()) == 1


def test_evaluation_evidence_as_worded_one_by_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The shared wording gives the evidence each message would have on its own (``str`` every time)."""
    subjects = iac.load(_tree(tmp_path)).subjects
    shared = evaluate(load_rules().rules, subjects)
    monkeypatch.setattr(engine, "English", lambda: str)
    alone = evaluate(load_rules().rules, subjects)
    assert [json.dumps(r.evidence) for r in shared] == [json.dumps(r.evidence) for r in alone]
    assert any("unknown" in json.dumps(r.evidence) for r in shared)


def test_english_words_messages_made_on_reading() -> None:
    """A fact made anew at each reading is a new message each time; each is worded as itself (the cache
    keeps the message, so a freed one's identity is never taken for another's)."""
    english = English()
    for n in range(200):
        reason = Msg("unknown_plain", reason=Msg("iac.absent", source=f"source {n}"))
        assert to_json(Unknown(reason), english) == {"unknown": str(reason)}
        assert to_json([reason, f"plain {n}"], english) == [str(reason), f"plain {n}"]


def test_json_encoder_words_a_shared_short_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: Counter[int] = Counter()

    def counting(message: object, lang: str = "en") -> str:
        calls[id(message)] += 1
        return i18n.render(message, lang)  # type: ignore[arg-type]

    monkeypatch.setattr(json_reporter, "render_message", counting)
    remediation = Msg("unknown_remediation")
    long_fix = Text("x" * (_KEPT_TEXT + 1), "长" * (_KEPT_TEXT + 1))
    results = tuple(result(Status.UNKNOWN, message=Msg("unknown_plain", reason=f"r{n}"),
                           remediation=long_fix if n % 2 else remediation) for n in range(20))
    for lang in ("en", "zh"):
        expected = [json.dumps(result_dict(r, lang), ensure_ascii=False, separators=(", ", ": "))
                    for r in results]
        calls.clear()
        assert _ResultEncoder(lang).lines(results) == expected
        assert calls[id(remediation)] == 1  # kept
        assert calls[id(long_fix)] == 10  # too long to keep twice: worded with each middle that holds it
