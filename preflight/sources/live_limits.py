"""The bounds of a live run (``Limits``): deadline, pages per list, response body size, and the environment
variables that set them. What a bound cuts off is reported unknown, never taken as complete.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from preflight.errors import Msg, PreflightError
from preflight.sources.live_transport import DEFAULT_MAX_BODY_BYTES


@dataclass(frozen=True)
class Limits:
    """The caps of a live run against a slow, endless or hostile endpoint. What a cap cuts off is unknown,
    with a reason naming the cap. (docs/security.md lists them.)"""

    deadline_s: float = 300.0  # the whole collection; calls still unanswered then are unknown
    max_pages: int = 1000  # pages of one list (DescribeImages, DescribeSnapshots, DescribeTasks)
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # one answer's body

    def __post_init__(self) -> None:
        for name, value in (("--deadline", self.deadline_s), ("max_pages", self.max_pages),
                            ("max_body_bytes", self.max_body_bytes)):
            if not (isinstance(value, (int, float)) and value > 0 and value != float("inf")):
                raise PreflightError(Msg("live.bad_limit", name=name, value=value))

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], deadline_s: float | None = None) -> Limits:
        """The defaults, over which ``PREFLIGHT_DEADLINE_S``, ``PREFLIGHT_MAX_PAGES`` and
        ``PREFLIGHT_MAX_BODY_BYTES`` are laid, and ``deadline_s`` (``--deadline``) over those."""
        values: dict[str, Any] = {}
        for variable, name, kind in LIMIT_VARIABLES:
            text = environ.get(variable, "").strip()
            if not text:
                continue
            try:
                values[name] = kind(text)
            except ValueError:
                raise PreflightError(Msg("live.bad_limit", name=variable, value=text)) from None
            if not values[name] > 0 or values[name] == float("inf"):
                raise PreflightError(Msg("live.bad_limit", name=variable, value=text))
        if deadline_s is not None:
            values["deadline_s"] = deadline_s
        return cls(**values)


#: environment variable, ``Limits`` field, type
LIMIT_VARIABLES: tuple[tuple[str, str, Callable[[str], Any]], ...] = (
    ("PREFLIGHT_DEADLINE_S", "deadline_s", float),
    ("PREFLIGHT_MAX_PAGES", "max_pages", int),
    ("PREFLIGHT_MAX_BODY_BYTES", "max_body_bytes", int),
)
