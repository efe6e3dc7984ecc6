"""The ExportImage error-code catalogue: every code of the API reference's error table, as data.

``rules/errors/ExportImage.yaml`` holds one entry per distinct code with its HTTP statuses, its messages and
the reference's Chinese description. Which rules predict a code is not stored there: it follows from the
rules' ``prevents`` (:func:`predicted_by`). A code that no rule can predict carries ``unpredictable``, the
reason in both languages. ``tests/test_error_coverage.py`` keeps the catalogue, the API reference and the
rule pack in agreement.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from preflight import yamlpos
from preflight.errors import Listing, Msg, PreflightError
from preflight.model import Text
from preflight.resources import rules_dir
from preflight.rules import CODE_PATTERN
from preflight.sources.common import display_path, read_text

API = "ExportImage"
#: the same shape as a rule's ``prevents`` entries (schemas/rule.schema.json)

TOP_KEYS = frozenset({"api", "source", "codes"})
ENTRY_KEYS = ("code", "http_status", "messages", "description_zh", "unpredictable")
REQUIRED_ENTRY_KEYS = ("code", "http_status", "messages", "description_zh")


@dataclass(frozen=True)
class ErrorCode:
    """One error code of the API, with everything the reference's error table says about it."""

    code: str
    #: every HTTP status the code is listed with, ascending
    http_status: tuple[int, ...]
    #: every message listed for the code, in table order (``%s`` is filled in by the service)
    messages: tuple[str, ...]
    #: the reference's Chinese descriptions of the code, joined in table order ("" when it has none)
    description_zh: str
    #: why preflight cannot predict the code; ``None`` when a rule predicts it
    unpredictable: Text | None


class _Predicting(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def prevents(self) -> tuple[str, ...]: ...


def catalog_path() -> Path:
    return rules_dir() / "errors" / f"{API}.yaml"


@functools.cache
def load_error_catalog() -> dict[str, ErrorCode]:
    """The bundled catalogue, code -> entry, in file order. Read once; do not modify the returned dict."""
    return read_error_catalog(catalog_path())


def predicted_by(rules: Iterable[_Predicting]) -> dict[str, tuple[str, ...]]:
    """Error code -> the ids of the rules whose ``prevents`` names it, in the order given."""
    out: dict[str, list[str]] = {}
    for rule in rules:
        for code in rule.prevents:
            out.setdefault(code, []).append(rule.id)
    return {code: tuple(ids) for code, ids in out.items()}


def read_error_catalog(path: Path) -> dict[str, ErrorCode]:
    """Read and check a catalogue file; every problem is a :class:`PreflightError` naming file and line."""
    display = display_path(path)
    data, lines = yamlpos.load(read_text(path), display)
    return _Reader(display, lines).catalog(data)


class _Reader:
    def __init__(self, display: str, lines: yamlpos.Lines) -> None:
        self.display = display
        self.lines = lines

    def fail(self, where: Sequence[str | int], message: Msg) -> PreflightError:
        return PreflightError(message, f"{self.display}:{self.lines.line(where)}")

    def catalog(self, data: Any) -> dict[str, ErrorCode]:
        if not isinstance(data, Mapping):
            raise self.fail((), Msg("rule.cat_shape"))
        extra = sorted(str(k) for k in set(data) - TOP_KEYS)
        if extra:
            raise self.fail((extra[0],), Msg("err_unknown_key", key=extra[0], allowed=Listing(sorted(TOP_KEYS))))
        for key in sorted(TOP_KEYS):
            if key not in data:
                raise self.fail((), Msg("err_required", key=key))
        if data["api"] != API:
            raise self.fail(("api",), Msg("rule.cat_api", api=API))
        source = data["source"]
        if not isinstance(source, str) or not source.startswith(("https://", "http://")):
            raise self.fail(("source",), Msg("rule.cat_source"))
        codes = data["codes"]
        if not isinstance(codes, list) or not codes:
            raise self.fail(("codes",), Msg("rule.cat_codes"))
        out: dict[str, ErrorCode] = {}
        for i, entry in enumerate(codes):
            code = self.entry(entry, ("codes", i))
            if code.code in out:
                raise self.fail(("codes", i, "code"), Msg("rule.cat_duplicate", code=code.code))
            out[code.code] = code
        return out

    def entry(self, entry: Any, where: tuple[str | int, ...]) -> ErrorCode:
        if not isinstance(entry, Mapping):
            raise self.fail(where, Msg("rule.cat_entry"))
        extra = sorted(str(k) for k in set(entry) - set(ENTRY_KEYS))
        if extra:
            raise self.fail((*where, extra[0]), Msg("err_unknown_key", key=extra[0], allowed=Listing(ENTRY_KEYS)))
        for key in REQUIRED_ENTRY_KEYS:
            if key not in entry:
                raise self.fail(where, Msg("err_required", key=key))
        code = entry["code"]
        if not isinstance(code, str) or not CODE_PATTERN.fullmatch(code):
            raise self.fail((*where, "code"), Msg("rule.cat_code"))
        statuses = entry["http_status"]
        if (
            not isinstance(statuses, list)
            or not statuses
            or not all(isinstance(s, int) and not isinstance(s, bool) and 100 <= s <= 599 for s in statuses)
        ):
            raise self.fail((*where, "http_status"), Msg("rule.cat_status"))
        if len(set(statuses)) != len(statuses):
            raise self.fail((*where, "http_status"), Msg("rule.cat_status_twice"))
        messages = entry["messages"]
        if not isinstance(messages, list) or not messages or not all(isinstance(m, str) and m for m in messages):
            raise self.fail((*where, "messages"), Msg("rule.cat_messages"))
        if len(set(messages)) != len(messages):
            raise self.fail((*where, "messages"), Msg("rule.cat_messages_twice"))
        description = entry["description_zh"]
        if not isinstance(description, str):
            raise self.fail((*where, "description_zh"), Msg("rule.cat_description"))
        unpredictable = None
        if "unpredictable" in entry:
            unpredictable = self.text(entry["unpredictable"], (*where, "unpredictable"))
        return ErrorCode(
            code=code,
            http_status=tuple(sorted(statuses)),
            messages=tuple(messages),
            description_zh=description,
            unpredictable=unpredictable,
        )

    def text(self, node: Any, where: tuple[str | int, ...]) -> Text:
        if (
            isinstance(node, Mapping)
            and set(node) == {"en", "zh"}
            and all(isinstance(v, str) and v.strip() for v in node.values())
        ):
            return Text(en=node["en"], zh=node["zh"])
        raise self.fail(where, Msg("rule.cat_unpredictable"))
