"""The one error type that ends a run with exit code 2 ("the run itself could not be done properly")."""

from __future__ import annotations

from collections.abc import Sequence


class PreflightError(Exception):
    """Bad input, a broken rule or config, missing credentials: one line per problem, exit 2, no traceback.

    ``where`` names the file (and line, or JSON pointer) the problem is in, when there is one. Several
    problems found in one pass (every schema violation of a file) travel together in ``problems``.
    """

    def __init__(self, message: str, where: str | None = None) -> None:
        super().__init__(message)
        self.problems: list[tuple[str | None, str]] = [(where, message)]

    @classmethod
    def many(cls, problems: Sequence[tuple[str | None, str]]) -> PreflightError:
        err = cls(problems[0][1], problems[0][0])
        err.problems = list(problems)
        return err

    @property
    def message(self) -> str:
        return self.problems[0][1]

    @property
    def where(self) -> str | None:
        return self.problems[0][0]

    def lines(self) -> list[str]:
        """One line per problem, whatever the message holds (a key with a newline in it, say)."""
        return [_one_line(f"{w}: {m}" if w else m) for w, m in self.problems]

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _one_line(text: str) -> str:
    return "".join(c if c.isprintable() or c == " " else ascii(c)[1:-1] for c in text)
