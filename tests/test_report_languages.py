"""One evaluation, reported in every language: results carry messages and the reporters word them.

The engine takes no language. A report evaluated once and handed to every reporter with ``lang`` set to
``en`` or ``zh`` must read exactly as a separate run in that language: byte for byte the golden files the
CLI writes (``tests/golden``), and equal to a report evaluated for that language in-process. The memo that
shares one message between exports with the same facts must word it as each export's own facts would, in
both languages; and a reporter words each distinct message once, however many results share it.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preflight.engine import SKIP, answer, evaluate, evaluate_one
from preflight.facts import Subject, Unknown
from preflight.i18n import render, t
from preflight.model import Result, Status, Text
from preflight.reporters import REPORTERS, RenderOptions, get_chunks, get_reporter
from preflight.rules import Filled, Rule, load_rules
from tests.conftest import ROOT
from tests.test_golden import FORMATS, GOLDEN

RULES = load_rules().rules
#: the time the golden HTML footer shows (tests/test_golden.py sets SOURCE_DATE_EPOCH to it)
GENERATED = datetime.datetime.fromtimestamp(1796515200, datetime.UTC)
TODAY = datetime.date(2026, 12, 6)
LANGS = ("en", "zh")


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # paths in reports are relative to the working directory


def _check(lang: str, governed: bool = False) -> Any:
    """The report ``preflight check examples/snapshot.json`` makes (with the governed scenario's config,
    waivers and baseline when asked), as the CLI builds its options."""
    from preflight import baseline
    from preflight.run import CheckOptions, resolve_config, resolve_waivers, run_check

    config = Path("tests/golden/governed/preflight.yaml") if governed else None
    settings_ = resolve_config(config, Path.cwd())
    return run_check(CheckOptions(
        paths=[Path("examples/snapshot.json")], lang=lang, strict=False, config=settings_,
        waivers=resolve_waivers(settings_, None, Path.cwd()), inline_waivers=True,
        baseline=baseline.load(Path("tests/golden/governed/baseline.json")) if governed else None,
        today=TODAY))


def _audit(lang: str, doc: Any) -> Any:
    from preflight.audit import AuditOptions, report_from_fleet

    return report_from_fleet(doc, AuditOptions(lang=lang, today=TODAY), display="tests/fixtures/audit/fleet.json")


def _words(report: Any, fmt: str) -> str:
    return "".join(get_chunks(fmt)(report, RenderOptions(generated_at=GENERATED)))


def _in(report: Any, lang: str) -> Any:
    return dataclasses.replace(report, lang=lang)


def test_every_reporter_is_covered() -> None:
    assert set(FORMATS) | {"csv"} == set(REPORTERS)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_one_evaluation_reads_as_the_golden_run_in_each_language(fmt: str, lang: str, in_root: None) -> None:
    """Evaluated in the other language, worded in this one: the CLI's golden output, byte for byte."""
    other = "zh" if lang == "en" else "en"
    report = _check(other)
    golden = GOLDEN / f"example{'.zh' if lang == 'zh' else ''}.{FORMATS[fmt]}"
    assert _words(_in(report, lang), fmt) == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_one_governed_evaluation_in_both_languages(fmt: str, in_root: None) -> None:
    """Waived, baselined and noted results too: the golden run in English, a separate run in Chinese."""
    report = _check("zh", governed=True)
    assert _words(_in(report, "en"), fmt) == (GOLDEN / f"governed.{FORMATS[fmt]}").read_text(encoding="utf-8")
    assert _words(_in(_check("en", governed=True), "zh"), fmt) == _words(report, fmt)


@pytest.mark.parametrize("fmt", ["text", "json", "csv", "markdown", "html", "sarif", "junit", "github"])
def test_one_audit_in_both_languages(fmt: str, in_root: None) -> None:
    """The fleet summary's blockers (rule titles) follow the report's language. (The fleet's gap is left
    out: its subject names the region in the language of the run, and a subject is an identity.)"""
    doc = json.loads((ROOT / "tests/fixtures/audit/fleet.json").read_text(encoding="utf-8"))
    for account in doc["audit"]["accounts"]:
        account["gaps"] = []
    once = _audit("en", doc)
    assert once.audit is not None and once.audit.blockers()
    for lang in LANGS:
        assert _words(_in(once, lang), fmt) == _words(_audit(lang, doc), fmt)
    assert _words(_in(_audit("zh", doc), "en"), fmt) == _words(once, fmt)  # and the other way round
    if fmt != "csv":  # (CSV is data: no title in it)
        assert _words(_in(once, "en"), fmt) != _words(_in(once, "zh"), fmt)


# ---- the memo words a shared message as each export's own facts would ------------------------------------


def _samples() -> tuple[Subject, ...]:
    from tests.test_rules_depends import samples

    return samples()


def _direct(rule: Rule, subject: Subject, field: str, lang: str) -> str:
    """What the engine wrote for one rule on one subject before results carried messages: the texts worded
    straight from the subject's own facts, no memo."""
    verdict = answer(rule, subject)
    if verdict is SKIP:
        return t("skipped", lang, title=rule.title.get(lang)) if field == "message" else ""
    if verdict is True:
        return rule.title.get(lang) if field == "message" else ""
    if isinstance(verdict, Unknown):
        if field == "remediation":
            return t("unknown_remediation", lang)
        if verdict.path:
            return t("unknown_fact", lang, path=verdict.path, reason=verdict.reason)
        return t("unknown_plain", lang, reason=verdict.reason)
    return (rule.message if field == "message" else rule.remediation).render(subject, lang)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(picked=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12),
       lang=st.sampled_from(LANGS))
def test_memoised_messages_word_each_exports_own_facts(picked: list[int], lang: str) -> None:
    samples = _samples()
    by_name: dict[str, Subject] = {}  # (samples from different documents may share a name: one each)
    for i in picked:
        s = samples[i % len(samples)]
        by_name.setdefault(s.name, s)
    by_rule = {r.id: r for r in RULES}
    results = evaluate(RULES, list(by_name.values()))
    assert results
    for r in results:
        rule, subject = by_rule[r.rule_id], by_name[r.subject]
        assert r.text("title", lang) == rule.title.get(lang)
        for field in ("message", "remediation"):
            assert r.text(field, lang) == _direct(rule, subject, field, lang), (r.rule_id, r.subject, field)


# ---- each distinct message is worded once per language ----------------------------------------------------


@pytest.fixture
def worded(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[int]]:
    """How often each rule text message is worded (by its identity)."""
    calls: Counter[int] = Counter()
    original = Filled.words

    def counting(self: Filled, lang: str) -> str:
        calls[id(self)] += 1
        return original(self, lang)

    monkeypatch.setattr(Filled, "words", counting)
    yield calls


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_a_shared_message_is_worded_once_per_report(fmt: str, lang: str, worded: Counter[int]) -> None:
    from preflight.model import Mode, Report
    from preflight.sources.snapshot import subjects_from_document

    doc = json.loads((ROOT / "examples/snapshot.json").read_text(encoding="utf-8"))
    request = doc["exports"][0]
    # 200 exports of the same image to the same bucket (prefixes differ): the same failing facts
    doc["exports"] = [{**request, "OSSPrefix": f"p{i}"} for i in range(200)]
    results = evaluate(RULES, subjects_from_document(doc))
    distinct = {id(m) for r in results for m in (r.message, r.remediation) if isinstance(m, Filled)}
    assert distinct and sum(isinstance(r.message, Filled) for r in results) >= 200  # shared by 200 exports
    from preflight.run import rule_info

    report = Report(mode=Mode.SNAPSHOT, results=tuple(results), lang=lang,
                    rules=tuple(rule_info(r, False) for r in RULES))  # (as the CLI makes it)
    get_reporter(fmt)(report, RenderOptions(generated_at=GENERATED))
    # each distinct message and remediation is worded at most once, however many results hold it
    assert set(worded) <= distinct and set(worded.values()) <= {1}
    assert worded  # (every format words at least the messages it shows)


# ---- the library's view of a result -----------------------------------------------------------------------


def test_result_text_words_each_field_and_str_is_english() -> None:
    subject = next(s for s in _samples() if any(evaluate_one(r, s).status is Status.FAIL for r in RULES))
    result = next(res for r in RULES if (res := evaluate_one(r, subject)).status is Status.FAIL)
    assert isinstance(result.title, Text) and isinstance(result.message, Filled)
    for field in ("title", "message", "remediation"):
        en, zh = result.text(field, "en"), result.text(field, "zh")
        assert en and zh and en != zh
        assert str(getattr(result, field)) == en == result.text(field) == render(getattr(result, field), "en")
    with pytest.raises(ValueError, match="not a text field"):
        result.text("subject", "en")


def test_a_result_built_with_plain_strings_still_reports() -> None:
    from preflight.model import Category, Mode, Report, Severity

    r = Result("X1", "a title", Severity.ERROR, Category.PRECONDITION, Status.FAIL, "s", (), "it broke",
               "mend it", None, {})
    assert (r.text("title", "zh"), r.text("message", "zh"), r.text("remediation", "zh")) == \
        ("a title", "it broke", "mend it")
    out = json.loads(get_reporter("json")(Report(mode=Mode.SNAPSHOT, results=(r,), lang="zh"), RenderOptions()))
    assert (out["results"][0]["title"], out["results"][0]["message"]) == ("a title", "it broke")
