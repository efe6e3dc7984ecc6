"""Line numbers for JSON documents.

The standard library's parser keeps no positions. The document is parsed by ``json`` (C speed); positions
are found afterwards: the first look-up in a text tokenises it once (a regular expression that never
backtracks) into a map of every JSON pointer to its offset, and every later look-up is a dictionary hit, so
a plan or snapshot with thousands of located items costs one pass, not one pass per item.
:func:`section_lines` lists the elements of the top-level sections in one pass without the full index.
"""

from __future__ import annotations

import bisect
import functools
import json
import re
from collections.abc import Iterator
from typing import Any

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


#: one token of JSON text: punctuation, a string, or a bare word. Linear: the two alternatives inside a string
#: never overlap, and an unterminated string runs to the end instead of being retried from every quote
_TOKEN = re.compile(r'[{}\[\],:]|"(?:[^"\\]|\\.)*"?|[^\s{}\[\],:"]+', re.DOTALL)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


class _Index:
    """Every JSON pointer of one document mapped to the offset of its value, from one linear scan.

    Text that is not JSON (or stops early) is indexed as far as it goes; a pointer it lacks is answered with
    its deepest indexed ancestor, as :func:`pointer_offset` always did."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.offsets: dict[str, int] = {}
        self._newlines: list[int] | None = None
        # each open container: [its pointer, is_object, next index or pending key, expecting a key]
        stack: list[list[Any]] = []
        offsets = self.offsets
        for m in _TOKEN.finditer(text):
            tok = m.group()
            start = m.start()
            if not stack:
                if "" not in offsets:
                    offsets[""] = start
                if tok in "{[":
                    stack.append(["", tok == "{", 0, tok == "{"])
                continue
            top = stack[-1]
            if tok in "}]":
                stack.pop()
                continue
            if tok == ",":
                if top[1]:
                    top[3] = True
                continue
            if tok == ":":
                continue
            if top[1] and top[3]:  # a key of an object
                top[2] = _key(tok)
                top[3] = False
                continue
            if top[1]:
                pointer = f"{top[0]}/{_escape(top[2])}"
            else:
                pointer = f"{top[0]}/{top[2]}"
                top[2] += 1
            offsets[pointer] = start  # a duplicate key: the last one wins, as in json.loads
            if tok in "{[":
                stack.append([pointer, tok == "{", 0, tok == "{"])

    def offset(self, pointer: str) -> int:
        offsets = self.offsets
        while pointer not in offsets and pointer:
            pointer = pointer.rpartition("/")[0]
        return offsets.get(pointer, _skip_ws(self.text, 0))

    def line(self, offset: int) -> int:
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        return bisect.bisect_left(self._newlines, offset) + 1


def _key(token: str) -> str:
    if token.startswith('"'):
        try:
            return str(json.loads(token)) if "\\" in token else token[1:-1]
        except ValueError:
            return token[1:-1]
    return token


@functools.lru_cache(maxsize=2)
def _index(text: str) -> _Index:
    """The index of a text, built on first use and kept for the two documents last read (a string
    hashes once; a hit compares by identity first)."""
    return _Index(text)


def pointer_offset(text: str, pointer: str) -> int:
    """The offset of the value at a JSON pointer; of its deepest existing ancestor when it does not exist."""
    return _index(text).offset(pointer)


def line_of(text: str, offset: int) -> int:
    return _index(text).line(offset)


def pointer_line(text: str, pointer: str) -> int:
    """The line of the value at a JSON pointer (of its deepest existing ancestor when it does not exist).
    The first call on a text indexes it in one pass; every later call is a dictionary look-up."""
    index = _index(text)
    return index.line(index.offset(pointer))


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


#: a ``\uD800``–``\uDFFF`` escape: the only way a lone surrogate gets into parsed JSON (a pair is joined)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(doc: Any, text: str) -> str | None:
    """The JSON pointer of the first string (key or value) of ``doc`` holding a lone surrogate (``"\\ud800"``:
    valid JSON, but no character, so no report could print it), or None. Costs nothing when the text has no
    surrogate escape."""
    if not _SURROGATE_ESCAPE.search(text):
        return None
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack:
        pointer, value = stack.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                return pointer
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                child = f"{pointer}/{_escape(key)}"
                if _SURROGATE.search(key):
                    return child
                stack.append((child, item))
        elif isinstance(value, list):
            stack.extend((f"{pointer}/{i}", item) for i, item in reversed(list(enumerate(value))))
    return None


def check_characters(doc: Any, text: str, display: str) -> None:
    """A string holding a lone surrogate (``"\\ud800"``) is bad input, named by its line and pointer."""
    from preflight.errors import error

    pointer = lone_surrogate(doc, text)
    if pointer is not None:
        raise error("path.lone_surrogate", f"{display}:{pointer_line(text, pointer)}", pointer=pointer)
