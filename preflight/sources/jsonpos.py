"""Line numbers for JSON documents.

The standard library's parser keeps no positions, and a position-keeping parser written in Python would be
slow on a 10,000-export snapshot. Instead, the document is parsed once by ``json`` (C speed) and positions
are found afterwards by walking the text and letting ``JSONDecoder.raw_decode`` skip each value we do not
need to enter; only the handful of containers on the way to a wanted place are walked in Python.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _skip_ws(text: str, i: int) -> int:
    m = _WS.match(text, i)
    return m.end() if m else i


def _members(text: str, i: int) -> Iterator[tuple[str | int, int]]:
    """Yield (key or index, start offset of the value) for the container starting at ``i``."""
    opener = text[i]
    i = _skip_ws(text, i + 1)
    if opener == "{":
        while text[i] != "}":
            key, i = _DECODER.raw_decode(text, i)
            i = _skip_ws(text, i)
            i = _skip_ws(text, i + 1)  # the ':'
            yield str(key), i
            _, i = _DECODER.raw_decode(text, i)
            i = _skip_ws(text, i)
            if text[i] == ",":
                i = _skip_ws(text, i + 1)
    else:
        n = 0
        while text[i] != "]":
            yield n, i
            n += 1
            _, i = _DECODER.raw_decode(text, i)
            i = _skip_ws(text, i)
            if text[i] == ",":
                i = _skip_ws(text, i + 1)


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def pointer_offset(text: str, pointer: str) -> int:
    """The offset of the value at a JSON pointer; of its deepest existing ancestor when it does not exist."""
    i = _skip_ws(text, 0)
    if not pointer:
        return i
    for token in pointer.lstrip("/").split("/"):
        want = _unescape(token)
        if i >= len(text) or text[i] not in "{[":
            return i
        found = None
        for key, start in _members(text, i):
            if str(key) == want:
                found = start
                # last duplicate wins, as in json.loads: keep scanning
        if found is None:
            return i
        i = found
    return i


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def pointer_line(text: str, pointer: str) -> int:
    try:
        return line_of(text, pointer_offset(text, pointer))
    except (ValueError, IndexError):  # text that is not JSON at all: no better answer than the top
        return 1


def section_lines(text: str, sections: frozenset[str]) -> dict[str, list[int]]:
    """For each top-level key in ``sections`` whose value is an array: the line of each element.

    Wrapped lists (``{"Image": [...]}``) are entered too. Runs in one pass over the top-level object.
    """
    out: dict[str, list[int]] = {}
    start = _skip_ws(text, 0)
    if not text.startswith("{", start):
        return out
    line, pos = 1, 0
    for key, vstart in _members(text, start):
        if key not in sections:
            continue
        i = vstart
        if text[i] == "{":  # a wrapper object around the list
            inner = [s for _, s in _members(text, i) if text[s] == "["]
            if len(inner) != 1:
                continue
            i = inner[0]
        if text[i] != "[":
            continue
        lines: list[int] = []
        for _, estart in _members(text, i):
            line += text.count("\n", pos, estart)
            pos = estart
            lines.append(line)
        out[str(key)] = lines
    return out
