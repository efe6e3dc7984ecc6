"""Helpers for tests that a text preflight shows in Chinese is Chinese (no English sentence left in it).

Identifiers stay as they are in either language (file names, keys in quotes, API and action names, JSON
pointers, flags, error codes); what must not remain is English prose — three or more plain English words in a
row, which is what an untranslated message or reason looks like.
"""

from __future__ import annotations

import re

CJK = re.compile(r"[\u4e00-\u9fff]")
# things that stay untranslated: quoted or backticked text, paths and pointers, flags, dotted/colon names,
# identifiers with _ - or digits (not bare numbers), CamelCase or ALLCAPS words
_KEEP = re.compile(
    r"'[^']*'|\"[^\"]*\"|`[^`]*`|“[^”]*”|‘[^’]*’"
    r"|(?:[\w.~*-]*/[\w./~*{}-]*)"
    r"|--?[\w-]+"
    r"|[\w*-]+(?:[.:][\w*-]+)+"
    r"|\b(?!\d+\b)\w*[_\d]\w*\b"
    r"|\b[a-z]+[A-Z]\w*\b|\b[A-Z][a-z]+[A-Z]\w*\b|\b[A-Z]{2,}\w*\b"
)
# a bare number between the words does not end the run ("statement 1 of policy"), nor count as a word
_PROSE = re.compile(r"\b[A-Za-z]{2,}\b(?:(?: +\d+)* +\b[A-Za-z]{2,}\b){2,}")


def english_prose(text: str) -> list[str]:
    """The runs of three or more English words left in ``text`` once identifiers are taken out."""
    return _PROSE.findall(_KEEP.sub(" ¦ ", text))


def assert_chinese(text: str) -> None:
    """``text`` (one line of output) is worded in Chinese: it has CJK characters and no English prose."""
    assert CJK.search(text), f"no Chinese in: {text!r}"
    prose = english_prose(text)
    assert not prose, f"English left in the Chinese text {text!r}: {prose}"


def unknown_lines(out: str) -> list[str]:
    """The lines of a text report that show an unknown result (``? severity RULE  could not be checked …``)."""
    return [line.strip() for line in out.splitlines() if line.lstrip().startswith("? ")]
