"""The vocabulary of ``preflight audit``: an image's verdict, the fleet summary a reviewer reads first.

Apart from :mod:`preflight.model` (whose ``Report.audit`` holds an :class:`AuditSummary`) because only an
audit makes them: a check does not pay for defining these frozen dataclasses at every start (each costs
about half a millisecond). This module imports only the leaf :mod:`preflight.msg` (a title is a message).
"""

import enum
from collections import Counter
from dataclasses import dataclass

from preflight.msg import Message


class Verdict(enum.StrEnum):
    """What an audit says of one image: it can be exported, something blocks it, or that is not known."""

    EXPORTABLE = "exportable"
    BLOCKED = "blocked"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class ImageVerdict:
    """One custom image of an audited account: whether it can be exported, and why."""

    account: str
    region: str
    image_id: str
    name: str
    verdict: Verdict
    #: the rules that stop the export (failing preconditions), or for an unknown verdict the unknown ones
    blockers: tuple[str, ...]
    subject: str


@dataclass(frozen=True)
class Gap:
    """An account (``region`` None) or a region whose images could not be listed, and why."""

    account: str
    region: str | None
    reason: str


@dataclass(frozen=True)
class Unsafe:
    """An export role or bucket that a security rule fails on, and the rules."""

    account: str
    kind: str  # "role" | "bucket"
    name: str
    rules: tuple[str, ...]
    images: int


@dataclass(frozen=True)
class AuditedAccount:
    """An account the audit read, and the regions it read in it."""

    account_id: str
    name: str
    regions: tuple[str, ...]


@dataclass(frozen=True)
class AuditSummary:
    """What an audit found over every account: images, gaps in what it could read, unsafe settings."""

    accounts: tuple[AuditedAccount, ...]
    images: tuple[ImageVerdict, ...]
    gaps: tuple[Gap, ...]
    unsafe: tuple[Unsafe, ...]
    #: rule id -> title (a message: reporters word it), of the rules that block or leave unknown an image
    titles: dict[str, Message]

    def count(self, verdict: Verdict, account: str | None = None, region: str | None = None) -> int:
        return sum(1 for i in self.images if i.verdict is verdict and account in (None, i.account)
                   and region in (None, i.region))

    def blockers(self) -> list[tuple[str, int]]:
        """Rule ids by how many images each blocks, most first (ties by id)."""
        counts = Counter(rule for i in self.images if i.verdict is Verdict.BLOCKED for rule in i.blockers)
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def unreachable(self) -> tuple[str, ...]:
        """The accounts that could not be read at all."""
        return tuple(sorted({g.account for g in self.gaps if g.region is None}))
