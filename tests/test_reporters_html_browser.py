"""The HTML report in a real browser: Debian's headless Chromium driven by Playwright (``tests/browser.py``).

Every page is opened from ``file://`` with every request routed: anything but a ``file:`` or ``data:`` URL
is aborted and fails the test, as does any console error or uncaught exception. A screenshot of the example
report is kept under the test's temporary directory.

Skipped, with the reason in the summary, where no browser can be started; ``PREFLIGHT_REQUIRE_BROWSER=1``
(``.ci/run``) turns that into a failure.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from preflight.escape import html_text
from preflight.model import Status
from preflight.reporters import RenderOptions
from preflight.reporters import html as html_reporter
from tests import browser as browser_mod
from tests.conftest import ROOT, CliResult
from tests.test_reporters_html import AT, HOSTILE, _report, _result, hostile_report

_PROBLEM = browser_mod.problem()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if _PROBLEM is not None:
        if browser_mod.required():
            pytest.fail(f"{_PROBLEM} (PREFLIGHT_REQUIRE_BROWSER=1)")
        pytest.skip(_PROBLEM)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = browser_mod.launch(p)
        yield b
        b.close()


@dataclass
class Watched:
    """A page whose console errors, uncaught exceptions and non-local requests are recorded."""

    page: Any
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def open(self, path: Path, fragment: str = "") -> None:
        self.page.goto(path.as_uri() + fragment)
        self.page.wait_for_load_state("load")

    def visible(self, selector: str) -> list[Any]:
        return [el for el in self.page.query_selector_all(selector) if el.is_visible()]

    def clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.blocked == [], self.blocked
        assert all(u.startswith(("file:", "data:")) for u in self.requests), self.requests


def _watch(context: Any) -> Watched:
    page = context.new_page()
    w = Watched(page)
    page.on("console", lambda m: w.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: w.errors.append(f"pageerror: {exc}"))

    def route(r: Any) -> None:
        url = r.request.url
        w.requests.append(url)
        if url.startswith(("file:", "data:")):
            r.continue_()
        else:
            w.blocked.append(url)
            r.abort()

    context.route("**/*", route)
    return w


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    context = browser.new_context(service_workers="block", viewport={"width": 1280, "height": 900})
    w = _watch(context)
    yield w
    context.close()


@pytest.fixture
def example(cli: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
            ) -> tuple[Path, dict[str, Any]]:
    """The bundled example's HTML report (file) and JSON report (data)."""
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796515200")
    page = tmp_path / "example.html"
    result = cli("check", "examples/snapshot.json", "--lang", "en", "-f", "json", "--report", f"html={page}")
    assert result.code == 1
    return page, result.json()


def _shown(w: Watched) -> tuple[int, int]:
    m = re.fullmatch(r"(\d+) of (\d+) results shown", w.page.inner_text("#shown").strip())
    assert m, w.page.inner_text("#shown")
    return int(m.group(1)), int(m.group(2))


def test_the_example_report(watched: Watched, example: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    path, report = example
    watched.open(path)
    assert watched.page.inner_text("#verdict h1") == "No-go"
    assert watched.page.title() == "preflight report: No-go"
    for status, n in report["summary"].items():
        assert watched.page.inner_text(f"#count-{status} b") == str(n)
    assert _shown(watched) == (len(report["results"]), len(report["results"]))
    findings = [r for r in report["results"] if r["status"] not in ("pass", "skip")]
    assert len(watched.visible("article.finding")) == len(findings)
    assert watched.visible(".quiet li") == []  # passes and skips are folded away
    assert watched.page.is_visible("#filters")
    assert "2026-12-06T00:00:00Z" in watched.page.inner_text("footer")
    shot = tmp_path / "example.png"
    watched.page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    watched.clean()


def test_a_filter_shows_only_what_it_selects(watched: Watched, example: tuple[Path, dict[str, Any]]) -> None:
    path, report = example
    watched.open(path)
    watched.page.select_option("#filters select[name=status]", "fail")
    watched.page.select_option("#filters select[name=category]", "security")
    expected = [r for r in report["results"] if r["status"] == "fail" and r["category"] == "security"]
    shown = watched.visible(".finding")
    assert len(shown) == len(expected) > 0
    assert {(el.get_attribute("data-status"), el.get_attribute("data-category")) for el in shown} == \
        {("fail", "security")}
    assert _shown(watched)[0] == len(expected)
    cards = {el.get_attribute("data-subject") for el in watched.visible("section.subject")}
    assert cards == {r["subject"] for r in expected}
    assert watched.page.evaluate("location.hash") == "#status=fail&category=security"
    # the search box narrows further, and is kept too
    watched.page.fill("#filters input[name=q]", "shared-downloads")
    narrowed = watched.visible(".finding")
    assert 0 < len(narrowed) < len(expected)
    for el in narrowed:
        text = el.evaluate("e => e.closest('.subject').dataset.subject + '\\n' + e.textContent")
        assert "shared-downloads" in text
    assert "q=shared-downloads" in watched.page.evaluate("location.hash")
    watched.page.click("#filters-reset")
    assert _shown(watched) == (len(report["results"]),) * 2 and watched.page.evaluate("location.hash") == ""
    watched.clean()


def test_the_state_is_read_from_the_url_fragment(watched: Watched, example: tuple[Path, dict[str, Any]]) -> None:
    path, report = example
    watched.open(path, "#status=fail&severity=warning")
    assert watched.page.eval_on_selector("select[name=status]", "s => s.value") == "fail"
    assert watched.page.eval_on_selector("select[name=severity]", "s => s.value") == "warning"
    expected = [r for r in report["results"] if r["status"] == "fail" and r["severity"] == "warning"]
    assert len(watched.visible(".finding")) == len(expected) > 0
    watched.page.evaluate("location.hash = '#rule=PF501'")
    watched.page.wait_for_function("document.querySelector('select[name=rule]').value === 'PF501'")
    assert {el.get_attribute("data-rule") for el in watched.visible(".finding")} == {"PF501"}
    # passes are listed (and their folds opened) when the filter asks for them
    watched.page.evaluate("location.hash = '#status=pass&rule=PF101'")
    watched.page.wait_for_function("document.querySelector('select[name=status]').value === 'pass'")
    passes = [r for r in report["results"] if r["status"] == "pass" and r["rule_id"] == "PF101"]
    assert len(watched.visible(".finding")) == len(passes) > 0
    # a value the page does not offer is ignored, not obeyed
    watched.page.evaluate("location.hash = '#status=%3Cscript%3E&rule=nope'")
    watched.page.wait_for_function("document.querySelector('select[name=rule]').value === ''")
    assert _shown(watched) == (len(report["results"]),) * 2
    watched.clean()


def test_readable_without_javascript(browser: Any, example: tuple[Path, dict[str, Any]]) -> None:
    path, report = example
    context = browser.new_context(java_script_enabled=False)
    try:
        w = _watch(context)
        w.open(path, "#status=fail")
        findings = [r for r in report["results"] if r["status"] not in ("pass", "skip")]
        assert len(w.visible("article.finding")) == len(findings)  # the fragment does nothing without JS
        assert not w.page.is_visible("#filters") and w.visible("button.copy") == []
        assert w.page.inner_text("#verdict h1") == "No-go"
        w.clean()
    finally:
        context.close()


def test_copy_button_copies_the_fix(browser: Any, example: tuple[Path, dict[str, Any]]) -> None:
    path, _ = example
    context = browser.new_context()
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        w = _watch(context)
        w.open(path)
        block = w.page.query_selector("details.codeblock")
        assert block is not None
        block.query_selector("summary").click()
        button = block.query_selector("button.copy")
        button.click()
        w.page.wait_for_function("b => b.textContent === 'copied'", arg=button)
        assert w.page.evaluate("navigator.clipboard.readText()") == block.query_selector("pre").inner_text()
        w.clean()
    finally:
        context.close()


@pytest.mark.parametrize("large", [False, True])
def test_hostile_names_run_no_script(watched: Watched, tmp_path: Path, large: bool,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    if large:
        monkeypatch.setattr(html_reporter, "LARGE", 0)
    pages = []
    for i, value in enumerate(HOSTILE):
        path = tmp_path / f"hostile{i}.html"
        path.write_text(html_reporter.render(hostile_report(value), RenderOptions(generated_at=AT)),
                        encoding="utf-8")
        pages.append((path, value))
    for path, value in pages:
        watched.open(path)
        watched.page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
        watched.page.fill("#filters input[name=q]", value[:20] or "x")
        watched.page.evaluate("location.hash = '#rule=PF1'")
        assert watched.page.evaluate("typeof window.__pwned") == "undefined", value
        h2 = watched.page.eval_on_selector("section.subject > h2", "h => h.textContent")
        assert h2 == html.unescape(html_text(value))  # the value, as text (controls shown escaped)
    watched.clean()


def test_the_csp_stops_markup_that_got_through(watched: Watched, example: tuple[Path, dict[str, Any]]) -> None:
    """Belt and braces: were a value ever to reach the page as markup, the policy would not run or load it."""
    path, _ = example
    page = path.read_text(encoding="utf-8").replace(
        "</main>", '<script>window.__pwned = 1</script><img src="https://example.invalid/x.png">'
        '<div onclick="window.__pwned = 2" id="injected">x</div></main>')
    path.write_text(page, encoding="utf-8")
    watched.open(path)
    watched.page.click("#injected")
    assert watched.page.evaluate("typeof window.__pwned") == "undefined"
    assert watched.blocked == []  # the image was never requested: the policy stopped it first
    assert any("Content Security Policy" in e for e in watched.errors), watched.errors


def test_a_large_report_lists_passes_on_demand(watched: Watched, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html_reporter, "LARGE", 10)
    results = [_result(subject=f"s{i:02d}", rule_id=f"PF{r}", status=Status.PASS if (i + r) % 5 else Status.SKIP)
               for i in range(20) for r in range(3)]
    results.append(_result(subject="s00", rule_id="PF9"))
    path = tmp_path / "large.html"
    path.write_text(html_reporter.render(_report(results), RenderOptions(generated_at=AT)), encoding="utf-8")
    watched.open(path)
    details = watched.page.query_selector("details.on-demand[data-rule=PF1]")
    assert details is not None and details.is_visible()
    assert details.query_selector_all("li") == []  # not built until asked for
    details.query_selector("summary").click()
    watched.page.wait_for_function("d => d.querySelectorAll('li').length > 0", arg=details)
    items = [li.inner_text() for li in details.query_selector_all("li")]
    assert items == [f"s{i:02d} — {'passed' if (i + 1) % 5 else 'skipped'}" for i in range(20)]
    assert json.loads(watched.page.inner_text("#quiet-data"))["subjects"][0] == "s00"
    watched.clean()


def test_printing_opens_every_fold_and_drops_the_controls(watched: Watched, example: tuple[Path, dict[str, Any]],
                                                          tmp_path: Path) -> None:
    path, _ = example
    watched.open(path)
    count = "[...document.querySelectorAll('details')].filter(d => d.open).length"
    assert watched.page.evaluate(count) == 0
    pdf = tmp_path / "example.pdf"
    watched.page.pdf(path=str(pdf))  # (fires beforeprint, as a browser's print dialog does)
    assert pdf.stat().st_size > 10_000
    assert watched.page.evaluate(count) == watched.page.evaluate("document.querySelectorAll('details').length") > 0
    watched.page.emulate_media(media="print")
    assert not watched.page.is_visible("#filters") and watched.visible("button.copy") == []
    watched.clean()
