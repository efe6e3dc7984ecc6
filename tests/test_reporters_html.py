"""The HTML report without a browser: valid HTML (html5lib's strict parser), self-contained under a
Content-Security-Policy that allows only its own inline style and script, hostile values kept as text, the
page's structure (verdict, cards, counts) agreeing with the JSON report, and a large report's passes counted
per rule instead of listed. The browser tests are in ``test_reporters_html_browser.py``."""

from __future__ import annotations

import base64
import contextlib
import datetime
import hashlib
import html
import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import html5lib
import pytest
from hypothesis import given
from hypothesis import strategies as st

from preflight.cli import main
from preflight.escape import Part, html_text, rich_parts
from preflight.model import Category, Location, Mode, Report, Result, Severity, Status, Waiver
from preflight.reporters import RenderOptions, get_chunks, get_reporter
from preflight.reporters import html as html_reporter
from tests.conftest import EXAMPLE, ROOT, CliResult
from tests.test_reporters_hostile import FRAGMENTS, _replace, examples, hostile, mixed

NS = "{http://www.w3.org/1999/xhtml}"
AT = datetime.datetime(2026, 12, 6, 8, 0, 0, tzinfo=datetime.UTC)

#: the only elements the page is made of: a value that became markup would show up here
TAGS = {"html", "head", "body", "meta", "title", "style", "script", "header", "h1", "h2", "h3", "h4", "p", "ul",
        "li", "b", "dl", "dt", "dd", "form", "label", "select", "option", "input", "button", "span", "main",
        "section", "article", "div", "code", "pre", "details", "summary", "br", "a", "table", "thead", "tbody",
        "tr", "th", "td", "footer"}


def parse(page: str) -> ET.Element:
    """The page parsed by html5lib's strict parser: any parse error (bad nesting, a stray end tag, a control
    character, a missing doctype) raises."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True)
    tree: ET.Element = parser.parse(page)
    assert parser.errors == []
    return tree


def tag(el: ET.Element) -> str:
    return el.tag.replace(NS, "")


def text_of(el: ET.Element) -> str:
    return "".join(el.itertext())


def by_class(tree: ET.Element, name: str, element: str = "*") -> list[ET.Element]:
    return [el for el in tree.iter(f"{NS}{element}" if element != "*" else element)
            if name in (el.get("class") or "").split()]


def sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


def check_page(page: str) -> ET.Element:
    """What every page must be, whatever it shows: valid; only its own style and script, allowed by hash; no
    event handler, no external resource, no link but http(s) references."""
    tree = parse(page)
    assert page.startswith("<!DOCTYPE html>\n")
    assert {tag(el) for el in tree.iter() if isinstance(el.tag, str)} <= TAGS
    csp = [el.get("content") for el in tree.iter(f"{NS}meta") if el.get("http-equiv") == "Content-Security-Policy"]
    assert len(csp) == 1 and csp[0] is not None
    policy = dict(d.strip().partition(" ")[::2] for d in csp[0].split(";"))
    assert policy["default-src"] == "'none'" and policy["base-uri"] == "'none'"
    styles = list(tree.iter(f"{NS}style"))
    scripts = [el for el in tree.iter(f"{NS}script") if el.get("type") is None]
    data = [el for el in tree.iter(f"{NS}script") if el.get("type") is not None]
    assert len(styles) == 1 and len(scripts) == 1 and len(data) <= 1
    assert policy["style-src"] == f"'{sha256(styles[0].text or '')}'"
    assert policy["script-src"] == f"'{sha256(scripts[0].text or '')}'"
    assert all(el.get("type") == "application/json" for el in data)
    ids = {el.get("id") for el in tree.iter() if isinstance(el.tag, str) and el.get("id")}
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        for name, value in el.attrib.items():
            assert not name.lower().startswith("on"), (tag(el), name)
            assert name not in ("src", "srcdoc", "style", "action", "formaction"), (tag(el), name)
            if name == "href":  # a reference on the web, or a place on this page that exists
                assert tag(el) == "a", tag(el)
                assert value.lower().startswith(("https://", "http://")) or value[1:] in ids, value
    return tree


def run_html(cli: Callable[..., CliResult], *args: str) -> str:
    result = cli("check", *args, "-f", "html")
    assert result.code == 1 and result.err == "", result.err
    return result.out


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796515200")


# ---------------------------------------------------------------------------------------------------------
# The example report


@pytest.mark.parametrize("args", [["examples/snapshot.json"], ["examples/snapshot.json", "--lang", "zh"],
                                  ["examples/snapshot.json", "--config", "tests/golden/governed/preflight.yaml",
                                   "--baseline", "tests/golden/governed/baseline.json"]])
def test_the_page_agrees_with_the_json_report(cli: Callable[..., CliResult], in_root: None, args: list[str]) -> None:
    page = run_html(cli, *args)
    report = cli("check", *args, "-f", "json").json()
    tree = check_page(page)
    header = next(el for el in tree.iter(f"{NS}header"))
    assert header.get("data-verdict") == "nogo" and "v-nogo" in (header.get("class") or "")
    for status, n in report["summary"].items():
        count = next(el for el in tree.iter(f"{NS}li") if el.get("id") == f"count-{status}")
        assert text_of(count.find(f"{NS}b")) == str(n)  # type: ignore[arg-type]
    findings = by_class(tree, "finding", "article")
    quiet = by_class(tree, "finding", "li")
    got = Counter((el.get("data-rule"), el.get("data-status")) for el in findings + quiet)
    assert got == Counter((r["rule_id"], r["status"]) for r in report["results"])
    cards = by_class(tree, "subject", "section")
    assert [c.get("data-subject") for c in cards] == list(dict.fromkeys(r["subject"] for r in report["results"]))
    waived = [r for r in report["results"] if r.get("waiver")]
    for r in waived:  # a waiver is shown with its reason, owner and expiry
        card = next(c for c in cards if c.get("data-subject") == r["subject"])
        article = next(a for a in by_class(card, "finding", "article") if a.get("data-rule") == r["rule_id"])
        shown = text_of(article)
        assert r["waiver"]["reason"] in shown and (r["waiver"]["owner"] or "") in shown
        assert r["waiver"]["source"]["path"] in shown
    if "--baseline" in args:
        assert any("baseline" in text_of(el) or "基线" in text_of(el) for el in tree.iter(f"{NS}dd"))


def test_blocking_findings_come_before_the_others(cli: Callable[..., CliResult], in_root: None) -> None:
    tree = check_page(run_html(cli, "examples/snapshot.json"))
    for card in by_class(tree, "subject", "section"):
        groups = by_class(card, "group", "div")
        heads = [text_of(g.find(f"{NS}h3")) for g in groups]  # type: ignore[arg-type]
        assert heads == sorted(heads, key=lambda h: not h.startswith("Blocking"))
        quiet = by_class(card, "quiet", "details")
        assert all(q.get("open") is None for q in quiet)  # passes and skips are folded away


def test_footer_has_the_version_and_the_injected_time() -> None:
    report = _report([_result()])
    page = html_reporter.render(report, RenderOptions(generated_at=AT))
    footer = next(el for el in parse(page).iter(f"{NS}footer"))
    assert text_of(footer) == "preflight 0.1.0 · run at 2026-12-06T08:00:00Z"
    footer = next(el for el in parse(html_reporter.render(report, RenderOptions())).iter(f"{NS}footer"))
    assert text_of(footer) == "preflight 0.1.0"


def test_the_cli_uses_source_date_epoch(cli: Callable[..., CliResult], in_root: None) -> None:
    assert "2026-12-06T00:00:00Z" in run_html(cli, "examples/snapshot.json")


def test_report_flag_writes_html(cli: Callable[..., CliResult], in_root: None, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = cli("check", "examples/snapshot.json", "--report", f"html={out}", "-f", "json")
    assert result.code == 1 and result.json()["ok"] is False
    check_page(out.read_text(encoding="utf-8"))


def test_chunks_join_to_the_page() -> None:
    report = _report([_result(subject=f"s{i}", rule_id=f"PF{i % 7}") for i in range(700)])
    pieces = list(get_chunks("html")(report, RenderOptions(generated_at=AT)))
    assert len(pieces) > 2
    assert "".join(pieces) == get_reporter("html")(report, RenderOptions(generated_at=AT))


def test_chinese_page_says_its_language(cli: Callable[..., CliResult], in_root: None) -> None:
    tree = check_page(run_html(cli, "examples/snapshot.json", "--lang", "zh"))
    assert tree.get("lang") == "zh-CN"
    assert text_of(next(el for el in tree.iter(f"{NS}h1"))) == "不可导出"


# ---------------------------------------------------------------------------------------------------------
# Hand-made reports: verdicts, accounts, large reports


def _result(**kw: Any) -> Result:
    base: dict[str, Any] = dict(rule_id="PF104", title="OSSPrefix is valid", severity=Severity.ERROR,
                                category=Category.PRECONDITION, status=Status.FAIL, subject="cn-hangzhou/m-1",
                                prevents=("InvalidOSSPrefix.Malformed",), message="bad prefix",
                                remediation="Use `EcsExport`.", location=Location("in.json", 3), evidence={})
    base.update(kw)
    return Result(**base)


def _report(results: list[Result], **kw: Any) -> Report:
    return Report(mode=kw.pop("mode", Mode.SNAPSHOT), results=tuple(results), **kw)


@pytest.mark.parametrize(("statuses", "unknown_fails", "expected"), [
    ((Status.FAIL, Status.UNKNOWN), True, "nogo"),
    ((Status.UNKNOWN, Status.PASS), True, "unsure"),
    ((Status.UNKNOWN, Status.PASS), False, "go"),  # IaC mode: unknowns do not fail the run
    ((Status.PASS, Status.SKIP, Status.WAIVED), True, "go"),
    ((), True, "go"),
])
def test_verdict(statuses: tuple[Status, ...], unknown_fails: bool, expected: str) -> None:
    report = _report([_result(status=s, rule_id=f"PF{i}") for i, s in enumerate(statuses)],
                     unknown_fails=unknown_fails)
    tree = check_page(html_reporter.render(report, RenderOptions(generated_at=AT)))
    assert next(tree.iter(f"{NS}header")).get("data-verdict") == expected


def test_a_warning_that_does_not_fail_the_run_is_not_blocking() -> None:
    report = _report([_result(severity=Severity.WARNING, rule_id="PF110")])
    tree = check_page(html_reporter.render(report))
    (group,) = by_class(tree, "group", "div")
    assert text_of(group.find(f"{NS}h3")).startswith("Other findings")  # type: ignore[arg-type]


class _AuditResult(Result):
    """A result of an audit across accounts: the reporter reads ``account`` where results carry it."""

    @property
    def account(self) -> str:
        return self.subject.split("/")[0]


def test_subjects_are_grouped_by_account_when_results_carry_one() -> None:
    results = [_AuditResult(*_result(subject=f"{acc}/m-{i}", rule_id=f"PF{i}"))
               for i, acc in enumerate(["222", "111", "222", "111"])]
    tree = check_page(html_reporter.render(_report(results), RenderOptions(generated_at=AT)))
    accounts = by_class(tree, "account", "section")
    assert [a.get("data-account") for a in accounts] == ["111", "222"]
    assert [c.get("data-subject") for c in by_class(accounts[0], "subject", "section")] == ["111/m-1", "111/m-3"]
    assert [c.get("data-subject") for c in by_class(accounts[1], "subject", "section")] == ["222/m-0", "222/m-2"]


def test_a_large_report_counts_passes_per_rule_instead_of_listing_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_reporter, "LARGE", 10)
    results = [_result(subject=f"s{i:02d}", rule_id=f"PF{r}", status=Status.PASS if (i + r) % 5 else Status.SKIP)
               for i in range(20) for r in range(3)]
    results.append(_result(subject="s00", rule_id="PF9"))
    tree = check_page(html_reporter.render(_report(results), RenderOptions(generated_at=AT)))
    assert by_class(tree, "finding", "li") == [] and len(by_class(tree, "finding", "article")) == 1
    on_demand = by_class(tree, "on-demand", "details")
    assert sorted(d.get("data-rule") for d in on_demand) == ["PF0", "PF1", "PF2"]
    (data,) = [el for el in tree.iter(f"{NS}script") if el.get("type") == "application/json"]
    quiet = json.loads(data.text or "")
    assert len(quiet["subjects"]) == 20 and sum(len(v) for v in quiet["rules"].values()) == 60
    assert Counter(quiet["statuses"][s] for v in quiet["rules"].values() for _, s in v) == \
        Counter("passed" if r.status is Status.PASS else "skipped" for r in results if r.rule_id != "PF9")


def test_a_large_page_shows_each_fix_once_and_short_findings_link_their_rule(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_reporter, "LARGE", 5)
    results = [_result(subject=f"s{i}", remediation=f"Fix `{i % 2}`") for i in range(4)]
    results += [_result(subject=f"s{i}", rule_id="PF110", severity=Severity.WARNING, remediation="Warn fix")
                for i in range(4)]
    tree = check_page(html_reporter.render(_report(results), RenderOptions(generated_at=AT)))
    fixes = by_class(tree, "fix", "div")
    full = [f for f in fixes if f.get("id")]
    assert [text_of(f) for f in full] == ["fix: Fix 0", "fix: Fix 1"]  # each distinct fix once
    links = [f.find(f"{NS}a").get("href") for f in fixes if not f.get("id")]  # type: ignore[union-attr]
    assert Counter(links) == {f"#{full[0].get('id')}": 1, f"#{full[1].get('id')}": 1}
    short = by_class(tree, "short", "article")  # the warnings: one paragraph, the rule's fix one link away
    assert len(short) == 4 and all(s.get("data-rule") == "PF110" for s in short)
    assert all(s.find(f".//{NS}a").get("href") == "#rule-PF110" for s in short)  # type: ignore[union-attr]
    assert "Warn fix" not in text_of(by_class(tree, "subject", "section")[0])
    small = check_page(html_reporter.render(_report(results[:4]), RenderOptions(generated_at=AT)))
    assert [text_of(f) for f in by_class(small, "fix", "div")] == ["fix: Fix 0", "fix: Fix 1"] * 2


# ---------------------------------------------------------------------------------------------------------
# Hostile values


HOSTILE = ["<script>window.__pwned = 1</script>", "</details><script>window.__pwned = 2</script>",
           '"><img src=x onerror="window.__pwned = 3">', "javascript:window.__pwned = 4",
           "</script><script>window.__pwned = 5</script>", "'--><svg onload=window.__pwned=6>",
           "<!--", "]]>", "&amp;lt;", "</textarea></title></style>", "a\u2028b\x00c\x1b[31m\u202e\ufdd0\U0010ffff",
           "`x` ```y```", "\n```\n<b>x</b>\n```\n"]


def hostile_report(value: str, large: bool = False) -> Report:
    """Every field a value can reach, holding ``value``."""
    waiver = Waiver(rules=("PF1",), reason=value, source=Location(value, 2), owner=value,
                    expires=datetime.date(2099, 1, 1))
    results = [
        _result(subject=value, rule_id=value, title=value, message=value, remediation=f"Use `{value}` or\n```json\n"
                f"{value}\n```", location=Location(value, 1), origin=Location(value, 1), prevents=(value,),
                evidence={value: value, "list": [value, value], "nested": {value: [value]}},
                references=(value, f"javascript:{value}", "https://example.com/?q=" + value)),
        _result(subject=value, rule_id="PF1", status=Status.WAIVED, waiver=waiver),
        _result(subject=value, rule_id="PF2", status=Status.PASS, message=value),
    ]
    return _report(results)


@pytest.mark.parametrize("value", HOSTILE)
@pytest.mark.parametrize("large", [False, True])
def test_hostile_values_are_text(value: str, large: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if large:
        monkeypatch.setattr(html_reporter, "LARGE", 0)
    page = html_reporter.render(hostile_report(value), RenderOptions(generated_at=AT))
    tree = check_page(page)
    shown = html.unescape(html_text(value))  # the value as the page shows it: controls made visible
    (card,) = by_class(tree, "subject", "section")
    assert card.get("data-subject") == shown
    assert text_of(card.find(f"{NS}h2")) == shown  # type: ignore[arg-type]
    for article in by_class(card, "finding", "article"):
        assert shown in text_of(article)
    if large:
        (data,) = [el for el in tree.iter(f"{NS}script") if el.get("type") == "application/json"]
        assert json.loads(data.text or "")["subjects"] == [value]  # data, exactly, and the script not ended


@examples(40)
@given(value=mixed)
def test_any_value_is_text(value: str) -> None:
    page = html_reporter.render(hostile_report(value), RenderOptions(generated_at=AT))
    (card,) = by_class(check_page(page), "subject", "section")
    assert text_of(card.find(f"{NS}h2")) == html.unescape(html_text(value))  # type: ignore[arg-type]


def _check_file(prefix: str, bucket: str, role: str) -> str:
    doc = _replace(json.loads(EXAMPLE.read_text(encoding="utf-8")),
                   {"BigData": prefix, "shared-downloads": bucket, "ImageExportRole": role})
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        Path("snap.json").write_text(json.dumps(doc), encoding="utf-8")
        Path("config.yaml").write_text("{}\n", encoding="utf-8")
        with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
            code = main(["check", "snap.json", "--config", "config.yaml", "--report", "html=out.html"])
        assert code == 1
        return Path("out.html").read_text(encoding="utf-8")


@examples(8, shrink=False)
@given(prefix=hostile, bucket=hostile, role=hostile)
def test_hostile_snapshot_values_end_to_end(prefix: str, bucket: str, role: str) -> None:
    tree = check_page(_check_file(prefix, bucket, role))
    subjects = [c.get("data-subject") or "" for c in by_class(tree, "subject", "section")]
    assert any(html.unescape(html_text(prefix)) in s for s in subjects)


# ---------------------------------------------------------------------------------------------------------
# The escaping functions


@pytest.mark.parametrize(("raw", "escaped"), [
    ("<b>&'\"", "&lt;b&gt;&amp;&#x27;&quot;"),
    ("a\nb\tc", "a\nb\tc"),
    ("\r\x0c\x00\x1b", "\\r\\x0c\\x00\\x1b"),
    ("\x85\u202e\u2028\ufeff", "\\x85\\u202e\\u2028\\ufeff"),
    ("\ufdd0\uffff\U0001fffe\U0010ffff", "\\ufdd0\\uffff\\U0001fffe\\U0010ffff"),
    ("\ud800", "\\ud800"),
    ("普通 text ✓", "普通 text ✓"),
])
def test_html_text(raw: str, escaped: str) -> None:
    assert html_text(raw) == escaped


@given(st.text())
def test_html_text_parses_back_as_the_visible_text(value: str) -> None:
    escaped = html_text(value)
    tree = parse(f"<!DOCTYPE html><title>t</title><p>{escaped}</p><p title=\"{escaped}\">x</p>")
    p1, p2 = list(tree.iter(f"{NS}p"))
    assert text_of(p1) == p2.get("title") == html.unescape(escaped)
    assert not re.search("[<>\"']", escaped)


@pytest.mark.parametrize(("text", "parts"), [
    ("Use `a` now", [Part("text", "Use "), Part("code", "a"), Part("text", " now")]),
    ("one\ntwo", [Part("text", "one"), Part("break"), Part("text", "two")]),
    ("x\n```json\n{}\n```\ny", [Part("text", "x"), Part("block", "{}", "json"), Part("text", "y")]),
    ("`` a`b ``", [Part("code", "a`b")]),
    ("unclosed ` tick", [Part("text", "unclosed ` tick")]),
    ("```\nnever closed", [Part("text", "```"), Part("break"), Part("text", "never closed")]),
])
def test_rich_parts(text: str, parts: list[Part]) -> None:
    assert rich_parts(text) == parts


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_rich_markup_is_only_ours(fragment: str) -> None:
    text = f"Run `aliyun {fragment}` then\n```hcl\n{fragment}\n```\n{fragment}"
    tree = parse(f"<!DOCTYPE html><title>t</title><div>{html_reporter.rich(text, 'en')}</div>")
    div = next(tree.iter(f"{NS}div"))
    assert {tag(el) for el in div.iter()} <= {"div", "code", "br", "details", "summary", "pre", "button", "span"}


@pytest.mark.parametrize("name", ["example.html", "example.zh.html", "governed.html"])
def test_golden_pages_are_valid(name: str) -> None:
    check_page((ROOT / "tests" / "golden" / name).read_text(encoding="utf-8"))
