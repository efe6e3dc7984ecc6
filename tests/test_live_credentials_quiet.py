"""A credentials source that fails is named with its reason in preflight's one error line — without the
credentials package's own log lines and tracebacks, and without secrets or signed URLs."""

from __future__ import annotations

import io
import logging

import pytest

from preflight.errors import PreflightError
from preflight.i18n import render
from preflight.sources import live_clients, live_credentials
from tests.zhcheck import assert_chinese

SIGNED = ("Failed to get credentials from https://sts.aliyuncs.com/?AccessKeyId=LTAIexample&Signature=c2lnbmF0dXJl"
          "&Action=AssumeRole: connection refused")


class _Failing:
    """A provider that fails as the SDK's do: logging through the credentials logger, then raising."""

    def get_credentials(self) -> object:
        logging.getLogger("credentials").error("Refresh credentials failed: %s", SIGNED, exc_info=True)
        raise RuntimeError(SIGNED + "\nTraceback line 2")


def test_failure_names_the_reason_without_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    # the credentials package gives its logger a stream handler at import: stand one in that writes here
    logger = logging.getLogger("credentials")
    terminal = io.StringIO()
    handler = logging.StreamHandler(terminal)
    monkeypatch.setattr(logger, "disabled", False)
    monkeypatch.setattr(logger, "handlers", [handler])
    monkeypatch.setattr(logger, "level", logging.INFO)
    logger.info("a log line before preflight runs")
    assert terminal.getvalue(), "the stand-in handler does not write: the test could not fail"
    terminal.truncate(0)
    terminal.seek(0)
    with pytest.raises(PreflightError) as exc:
        live_clients.resolve_identity(_Failing(), None, {})
    assert terminal.getvalue() == "", "the credentials logger wrote to the terminal"
    (line,) = exc.value.lines("en")
    assert "RuntimeError: Failed to get credentials from https://sts.aliyuncs.com/?… connection refused" in line
    for secret in ("LTAIexample", "Signature", "c2lnbmF0dXJl", "Traceback"):
        assert secret not in line and secret not in exc.value.lines("zh")[0]
    assert_chinese(exc.value.lines("zh")[0].replace(SIGNED.split(":")[0], ""))


@pytest.mark.parametrize(("text", "shown"), [
    ("AccessKeySecret=hunter2 is wrong", "… is wrong"),
    ("token SecurityToken=abc&x=1 expired", "token …&x=1 expired"),
    ("x" * 400, "x" * 159 + "…"),
    ("", ""),
])
def test_failure_text_is_short_and_clean(text: str, shown: str) -> None:
    assert str(live_credentials._failure_text(ValueError(text))) == (f"ValueError: {shown}" if shown else "ValueError")


def test_redaction_reaches_the_items_of_a_list() -> None:
    from preflight.errors import Listing, Msg
    from preflight.sources.live import _redact_msg

    msg = Msg("live.nothing_reachable", endpoints=Listing(["https://a.example/?k=S3CR3T", "https://b.example/"]))
    redacted = _redact_msg(msg, ["S3CR3T"])
    for lang in ("en", "zh"):
        text = render(redacted, lang)
        assert "S3CR3T" not in text and "https://a.example/?k=***" in text and "https://b.example/" in text
