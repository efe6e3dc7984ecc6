"""The one error type that ends a run with exit code 2 ("the run itself could not be done properly").

Every problem is a :class:`Msg` — a message key of the catalogue (:mod:`preflight.i18n`) with its values —
never a finished English string, so the CLI can print it in the language of the run. The type says so: a
``PreflightError`` built from a plain ``str`` does not pass ``mypy --strict``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


class Msg:
    """A message of the catalogue by key, with the values of its placeholders, worded on demand.

    Values may themselves be :class:`Msg` (a reason inside a sentence) or :class:`Foreign` (a text another
    library wrote); both are worded in the same language as the message holding them.
    """

    __slots__ = ("key", "values")

    def __init__(self, key: str, /, **values: object) -> None:
        self.key = key
        self.values = values

    def render(self, lang: str = "en") -> str:
        from preflight.i18n import t  # the catalogue is loaded only when a message is worded

        return t(self.key, lang, **self.values)

    def __str__(self) -> str:
        return self.render("en")

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

    def render(self, lang: str = "en") -> str:
        return ("、" if lang == "zh" else ", ").join(
            str(in_language(item, lang)) for item in self.items)


class Foreign:
    """A text written by another library (json, PyYAML, Lark, the OS, an SDK), in English.

    ``kind`` names the table of known texts of that library (:mod:`preflight.texts.foreign`) that words it in
    another language; a text the table does not know is shown as the library wrote it.
    """

    __slots__ = ("kind", "text")

    def __init__(self, kind: str, text: str) -> None:
        self.kind = kind
        self.text = text

    def render(self, lang: str = "en") -> str:
        if lang == "en":
            return self.text
        from preflight.texts.foreign import translate

        return translate(self.kind, self.text, lang)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Foreign({self.kind!r}, {self.text!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Foreign) and (self.kind, self.text) == (other.kind, other.text)

    def __hash__(self) -> int:
        return hash(self.text)


class Worded(str):
    """The English text of a catalogue message that keeps the message, so that a report in another language
    words it in that language (rule placeholders: :func:`preflight.rules.format_value`; a live run's unknown
    reasons: the snapshot builder).

    Everywhere else it is that English string: it compares, sorts, hashes and serialises exactly as the text,
    so facts, evidence, JSON, the snapshot document and the memoised answers stay what they were.
    """

    msg: Msg

    def __new__(cls, msg: Msg) -> Worded:
        self = super().__new__(cls, msg.render("en"))
        self.msg = msg
        return self

    def __getnewargs__(self) -> tuple[Msg]:  # type: ignore[override]  # copy and pickle rebuild from the message
        return (self.msg,)

    def render(self, lang: str = "en") -> str:
        return self.msg.render(lang)


class PreflightError(Exception):
    """Bad input, a broken rule or config, missing credentials: one line per problem, exit 2, no traceback.

    ``where`` names the file (and line, or JSON pointer) the problem is in, when there is one. Several
    problems found in one pass (every schema violation of a file) travel together in ``problems``.
    """

    def __init__(self, message: Msg, where: str | None = None) -> None:
        super().__init__(message)
        self.problems: list[tuple[str | None, Msg]] = [(where, message)]

    @classmethod
    def many(cls, problems: Sequence[tuple[str | None, Msg]]) -> PreflightError:
        err = cls(problems[0][1], problems[0][0])
        err.problems = list(problems)
        return err

    @property
    def message(self) -> str:
        """The first problem, in English."""
        return self.problems[0][1].render("en")

    @property
    def where(self) -> str | None:
        return self.problems[0][0]

    def lines(self, lang: str = "en") -> list[str]:
        """One line per problem, whatever the message holds (a key with a newline in it, say)."""
        out = []
        for where, msg in self.problems:
            text = msg.render(lang)
            out.append(_one_line(f"{where}: {text}" if where else text))
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def in_language(value: object, lang: str) -> object:
    """A value inside a text, in the text's language: a message, another library's text or a :class:`Worded`
    text is worded in it; anything else is itself. (The one place that decides which values are worded.)"""
    return value.render(lang) if isinstance(value, Msg | Foreign | Worded) else value


def _one_line(text: str) -> str:
    return "".join(c if c.isprintable() or c == " " else ascii(c)[1:-1] for c in text)
