"""The vocabulary shared by engine, sources and reporters: statuses, severities, locations, results, reports.

Frozen dataclasses and enums only; no behaviour beyond ordering and small derived values.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, NamedTuple


class Status(enum.StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    SKIP = "skip"
    WAIVED = "waived"


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


class Category(enum.StrEnum):
    PRECONDITION = "precondition"
    SECURITY = "security"
    HYGIENE = "hygiene"


class Mode(enum.StrEnum):
    LIVE = "live"
    SNAPSHOT = "snapshot"
    IAC = "iac"
    MIXED = "mixed"


LANGS = ("en", "zh")


@dataclass(frozen=True, slots=True)
class Text:
    """A text in both languages the product speaks."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """Where the user fixes a finding: a file (relative to the working directory when under it) and a line."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


class Result(NamedTuple):
    """One rule on one export. Immutable; a NamedTuple rather than a frozen dataclass because a large check
    makes hundreds of thousands of them and tuple construction is several times cheaper."""

    rule_id: str
    title: str
    severity: Severity
    category: Category
    status: Status
    subject: str
    prevents: tuple[str, ...]
    message: str
    remediation: str
    location: Location | None
    evidence: dict[str, Any]
    references: tuple[str, ...] = ()
    #: where the export request itself is written (for grouping in reports; not part of the JSON contract)
    origin: Location | None = None

    @property
    def sort_key(self) -> tuple[str, int, str, str]:
        """Exports in the order they are written (by subject when they come from no file), rules by id."""
        o = self.origin
        return (o.path if o else "", (o.line or 0) if o else 0, self.subject, self.rule_id)


@dataclass(frozen=True, slots=True)
class Summary:
    passed: int = 0
    failed: int = 0
    unknown: int = 0
    skipped: int = 0
    waived: int = 0

    @classmethod
    def of(cls, results: tuple[Result, ...] | list[Result]) -> Summary:
        counts = dict.fromkeys(Status, 0)
        for r in results:
            counts[r.status] += 1
        return cls(
            passed=counts[Status.PASS],
            failed=counts[Status.FAIL],
            unknown=counts[Status.UNKNOWN],
            skipped=counts[Status.SKIP],
            waived=counts[Status.WAIVED],
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "pass": self.passed,
            "fail": self.failed,
            "unknown": self.unknown,
            "skip": self.skipped,
            "waived": self.waived,
        }


@dataclass(frozen=True, slots=True)
class Report:
    mode: Mode
    results: tuple[Result, ...]
    threshold: Severity = Severity.ERROR
    #: whether an unknown result at the threshold fails the run (live and snapshot modes; IaC with --strict)
    unknown_fails: bool = True
    lang: str = "en"

    @property
    def summary(self) -> Summary:
        return Summary.of(self.results)

    @property
    def failing(self) -> tuple[Result, ...]:
        """The results that make the run fail."""
        return tuple(r for r in self.results if fails_run(r, self.threshold, self.unknown_fails))

    @property
    def ok(self) -> bool:
        return not self.failing


def fails_run(result: Result, threshold: Severity, unknown_fails: bool) -> bool:
    """Does this result make the run fail (exit 1)? Unknown counts like a failure where the mode says so."""
    if result.severity.rank < threshold.rank:
        return False
    if result.status is Status.FAIL:
        return True
    return result.status is Status.UNKNOWN and unknown_fails
