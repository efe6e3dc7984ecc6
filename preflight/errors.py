"""The one error type that ends a run with exit code 2 ("the run itself could not be done properly").

Every problem is a :class:`~preflight.msg.Msg` — a message key of the catalogue (:mod:`preflight.i18n`) with
its values — never a finished English string, so the CLI can print it in the language of the run. The type
says so: a ``PreflightError`` built from a plain ``str`` does not pass ``mypy --strict``.
"""

from __future__ import annotations

from collections.abc import Sequence

from preflight.i18n import Worded, in_language, render
from preflight.msg import Foreign, Listing, Msg, one_line

# the message types, for the modules that import them from here
__all__ = ["Foreign", "Listing", "Msg", "PreflightError", "Worded", "error", "in_language"]


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
        return render(self.problems[0][1], "en")

    @property
    def where(self) -> str | None:
        return self.problems[0][0]

    def lines(self, lang: str = "en") -> list[str]:
        """One line per problem, whatever the message holds (a key with a newline in it, say)."""
        out = []
        for where, msg in self.problems:
            text = render(msg, lang)
            out.append(one_line(f"{where}: {text}" if where else text))
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def error(message_key: str, where: str | None = None, /, **values: object) -> PreflightError:
    """One problem, by message key; ``raise error("err_no_file", "x.yaml")``."""
    return PreflightError(Msg(message_key, **values), where)
