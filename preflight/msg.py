"""Messages as plain data: a catalogue key with its values, a list of items, another library's text.

A leaf module (it imports nothing of preflight): every other module may hold messages, and only
:func:`preflight.i18n.render` words them, in the language a reader asks for (``str(message)`` is that
function's English text).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeAlias

#: the one function that words a message in a language, :func:`preflight.i18n.render`, which hands itself
#: over when the catalogue loads (:func:`use_wording`): this module stays a leaf that imports nothing of
#: preflight, and ``str(message)`` is still the message's English text
_wording: Callable[[Msg, str], str] | None = None


def use_wording(render: Callable[[Msg, str], str]) -> None:
    """Set the function ``str(message)`` words a message with (in English); called by :mod:`preflight.i18n`."""
    global _wording
    _wording = render


class Msg:
    """A message of the catalogue by key, with the values of its placeholders.

    Values may themselves be :class:`Msg` (a reason inside a sentence) or :class:`Foreign` (a text another
    library wrote); :func:`preflight.i18n.render` words them in the language of the message holding them.
    """

    __slots__ = ("key", "values")

    def __init__(self, key: str, /, **values: object) -> None:
        self.key = key
        self.values = values

    def __str__(self) -> str:
        """The English text (the catalogue is loaded by then: :mod:`preflight.errors` imports it)."""
        if _wording is None:
            raise RuntimeError("a message was worded before preflight.i18n was loaded")
        return _wording(self, "en")

    def __repr__(self) -> str:
        return f"Msg({self.key!r}, {self.values!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Msg) and (self.key, self.values) == (other.key, other.values)

    def __hash__(self) -> int:
        return hash(self.key)


class Listing(Msg):
    """Items one after another: "a, b, c" in English, 「a、b、c」 in Chinese; items may be messages."""

    __slots__ = ("items",)

    def __init__(self, items: Iterable[object]) -> None:
        self.items = tuple(items)
        super().__init__("listing", items=self.items)


#: the languages the product speaks
LANGS = ("en", "zh")


@dataclass(frozen=True)
class Text:
    """A text in both languages the product speaks (a rule's title; a note about the run). A message like the
    others: :func:`preflight.i18n.render` picks the language; ``str(text)`` is the English text."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def __str__(self) -> str:
        return self.en


class Composed:
    """A message that words itself: a rule's text template with the facts it fills
    (:class:`preflight.rules.templates.Filled`). Subclasses say how (:meth:`words`), and
    :func:`preflight.i18n.render` asks them; ``str(message)`` is the English text."""

    __slots__ = ()

    def words(self, lang: str) -> str:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.words("en")


class Foreign:
    """A text written by another library (json, PyYAML, the OS, an SDK), in English.

    ``kind`` names the library; :mod:`preflight.texts.foreign` words the few texts users meet daily (syntax
    errors, a missing file, a denied permission) and quotes any other verbatim inside a sentence of ours.
    """

    __slots__ = ("kind", "text")

    def __init__(self, kind: str, text: str) -> None:
        self.kind = kind
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Foreign({self.kind!r}, {self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Foreign) and (self.kind, self.text) == (other.kind, other.text)

    def __hash__(self) -> int:
        return hash(self.text)


#: what a result's title, message and remediation are (:class:`preflight.model.Result`): a plain text (the
#: same in every language), a catalogue message, another library's text, a text in both languages, or a
#: rule's template with its facts; :func:`preflight.i18n.render` words each in the reader's language
Message: TypeAlias = str | Msg | Foreign | Text | Composed


def one_line(text: str) -> str:
    """``text`` on one line: a newline or another unprintable character is shown escaped (``\\n``)."""
    return "".join(c if c.isprintable() or c == " " else ascii(c)[1:-1] for c in text)



#: how deep a recorded message may nest (a reason inside a reason ...): deeper is not read back as a message
MAX_DEPTH = 8


class NotData(Exception):
    """A value that has no plain-data form (or data that is no message's form)."""


def to_data(value: object, depth: int = 0) -> Any:
    """A message value as plain JSON data, for a snapshot to keep the message (``from_data`` reads it back):
    a message is ``{"key", "values"}``, a list of items ``{"items"}``, another library's text ``{"foreign",
    "text"}``, a tuple ``{"tuple"}``; strings, numbers, booleans, null and lists are themselves. A string that
    keeps its message (``Worded``) is its message. Anything else raises :class:`NotData`."""
    if depth > MAX_DEPTH:
        raise NotData(value)
    msg = getattr(value, "msg", None)
    if isinstance(value, str) and isinstance(msg, Msg):
        value = msg
    if isinstance(value, Listing):
        return {"items": [to_data(v, depth + 1) for v in value.items]}
    if isinstance(value, Msg):
        return {"key": value.key, "values": {k: to_data(v, depth + 1) for k, v in value.values.items()}}
    if isinstance(value, Foreign):
        return {"foreign": value.kind, "text": value.text}
    if value is None or type(value) in (str, int, float, bool):
        return value
    if type(value) is list:
        return [to_data(v, depth + 1) for v in value]
    if type(value) is tuple:
        return {"tuple": [to_data(v, depth + 1) for v in value]}
    raise NotData(value)


def from_data(data: Any, depth: int = 0) -> Any:
    """The value :func:`to_data` wrote; :class:`NotData` when ``data`` is no such form (a hand-edited file)."""
    if depth > MAX_DEPTH:
        raise NotData(data)
    if isinstance(data, list):
        return [from_data(v, depth + 1) for v in data]
    if not isinstance(data, dict):
        return data
    if data.keys() == {"key", "values"} and isinstance(data["key"], str) and isinstance(data["values"], dict):
        return Msg(data["key"], **{str(k): from_data(v, depth + 1) for k, v in data["values"].items()})
    if data.keys() == {"items"} and isinstance(data["items"], list):
        return Listing(from_data(v, depth + 1) for v in data["items"])
    if data.keys() == {"tuple"} and isinstance(data["tuple"], list):
        return tuple(from_data(v, depth + 1) for v in data["tuple"])
    if data.keys() == {"foreign", "text"} and isinstance(data["foreign"], str) and isinstance(data["text"], str):
        return Foreign(data["foreign"], data["text"])
    raise NotData(data)
