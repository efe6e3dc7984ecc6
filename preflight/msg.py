"""Messages as plain data: a catalogue key with its values, a list of items, another library's text.

A leaf module (it imports nothing of preflight): every other module may hold messages, and only
:func:`preflight.i18n.render` words them, in the language a reader asks for (``str(message)`` is that
function's English text).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

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


class Foreign:
    """A text written by another library (json, PyYAML, Lark, the OS, an SDK), in English.

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


def one_line(text: str) -> str:
    """``text`` on one line: a newline or another unprintable character is shown escaped (``\\n``)."""
    return "".join(c if c.isprintable() or c == " " else ascii(c)[1:-1] for c in text)

