"""Texts other libraries write (json, PyYAML, Lark, the OS), worded in another language.

Those libraries speak English only. Each table maps a pattern of a known text to its wording; a text no
pattern knows is shown as the library wrote it (better an English detail than a lost one).
"""

from __future__ import annotations

import functools
import re


@functools.cache
def tables() -> dict[str, list[tuple[str, str]]]:
    """kind -> [(regex matching the whole English text, zh template with the groups as {1}, {2}, ...)].

    Each part of the catalogue (:mod:`preflight.texts`) may hold ``FOREIGN`` tables for the libraries it reads.
    """
    from preflight.texts import PARTS

    out: dict[str, list[tuple[str, str]]] = {}
    for part in PARTS:
        for kind, table in getattr(part, "FOREIGN", {}).items():
            out.setdefault(kind, []).extend(table)
    return out


@functools.cache
def _compiled(kind: str) -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(p), z) for p, z in tables().get(kind, [])]


def translate(kind: str, text: str, lang: str) -> str:
    if lang != "zh":
        return text
    for pattern, template in _compiled(kind):
        m = pattern.fullmatch(text)
        if m:
            return template.format("", *m.groups())
    return text
