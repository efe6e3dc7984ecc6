"""Texts other libraries write (json, PyYAML, Lark, the OS), worded in another language.

Those libraries speak English only. Each table maps a pattern of a known text to its wording; a text no
pattern knows is shown as the library wrote it (better an English detail than a lost one).
"""

from __future__ import annotations

import functools
import re


@functools.cache
def tables() -> dict[str, list[tuple[str, str]]]:
    """kind -> [(regex matching the whole English text, zh template with the groups as {1}, {2}, ... or by name)].

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


#: Foreign kind of a reason preflight itself worded in English and a snapshot file kept (``preflight snapshot``
#: of an older preflight wrote its reasons in English only; a newer one writes their keys too): worded again
#: from the catalogue, by matching the message it came from
WORDED = "worded"
_PLACEHOLDER = re.compile(r"\{(\w+)(![rsa])?\}")


@functools.cache
def _worded() -> list[tuple[re.Pattern[str], str]]:
    """(regex of a message's English text, its zh template without conversions), the most literal first.

    A template that is nothing but placeholders ("{code}") cannot be told from any other text: left out."""
    from preflight.texts import live

    out: list[tuple[int, re.Pattern[str], str]] = []
    for texts in live.TEXTS.values():
        en = texts["en"]
        literal = _PLACEHOLDER.sub("", en)
        if not literal.strip(" ():;,.") or "{{" in en or "}}" in en:  # (no such message has braces)
            continue
        seen: set[str] = set()
        parts: list[str] = []
        pos = 0
        for m in _PLACEHOLDER.finditer(en):
            parts.append(re.escape(en[pos:m.start()]))
            name = m.group(1)
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
            pos = m.end()
        parts.append(re.escape(en[pos:]))
        pattern = "".join(parts)
        zh = _PLACEHOLDER.sub(lambda m: "{" + m.group(1) + "}", texts["zh"])
        out.append((len(literal), re.compile(pattern), zh))
    out.sort(key=lambda item: -item[0])
    return [(p, z) for _, p, z in out]


def _reword(text: str) -> str:
    for pattern, template in _worded():
        m = pattern.fullmatch(text)
        if m:
            return template.format(**{k: _reword(v) for k, v in m.groupdict().items()})
    return text


def translate(kind: str, text: str, lang: str) -> str:
    if lang != "zh":
        return text
    if kind == WORDED:
        return _reword(text)
    for pattern, template in _compiled(kind):
        m = pattern.fullmatch(text)
        if m:
            return template.format("", *m.groups(), **m.groupdict())
    return text
