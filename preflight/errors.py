"""The one error type that ends a run with exit code 2 ("the run itself could not be done properly")."""

from __future__ import annotations


class PreflightError(Exception):
    """Bad input, a broken rule or config, missing credentials: a one-line message, exit 2, no traceback.

    ``where`` names the file (and line or JSON pointer) the problem is in, when there is one.
    """

    def __init__(self, message: str, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message
