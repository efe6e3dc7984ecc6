"""The vocabulary shared by engine, sources and reporters: statuses, severities, locations, results, reports.

Frozen dataclasses and enums only; no behaviour beyond ordering and small derived values.
"""


import datetime
import enum
import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from preflight.fieldrepr import FieldsRepr

if TYPE_CHECKING:
    from preflight.audit_model import AuditSummary

# messages (what a result's title, message and remediation are) are plain data of the leaf module msg
from preflight.msg import LANGS as LANGS
from preflight.msg import Message as Message
from preflight.msg import Text as Text


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
    AUDIT = "audit"


@dataclass(frozen=True, slots=True, order=True, repr=False)
class Location(FieldsRepr):
    """Where the user fixes a finding: a file (relative to the working directory when under it) and a line."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, repr=False)
class Waiver(FieldsRepr):
    """An accepted risk: it turns the matching ``fail`` and ``unknown`` results into ``waived``.

    Every origin makes the same type, and :func:`preflight.waivers.apply` applies a list of them alike:

    - the waivers file (``.preflight/waivers.yaml``): ``source`` is the entry's file and line, the scope is
      any combination of the globs below;
    - an inline IaC comment (``# preflight:ignore=PF104,PF303 reason="…" expires=2026-12-31``): ``source``
      is the comment's file and line, ``path_globs`` is that one file (exact path), ``lines`` the line range
      of the block the comment belongs to, or ``resource_glob`` the resource's address; ``inline=True``.

    A result matches when its rule is in ``rules`` (``"*"`` is every rule) and it lies in every scope given:
    ``subject_glob`` on the export subject, ``resource_glob`` on the result's resource (an IaC address such
    as ``alicloud_oss_bucket.exports``, or ``image/m-…``, ``bucket/NAME``, ``role/NAME``, ``region/ID``,
    ``export/SUBJECT`` for live and snapshot facts), ``path_globs`` on the location's path (any glob), and
    ``lines`` (inclusive) on its line. Globs are :mod:`fnmatch` patterns matched case-sensitively.

    A waiver is *active* when it has a non-empty ``reason`` and ``expires`` (inclusive) is not before
    today; an inactive one waives nothing and the finding fails again, with a warning saying why.
    """

    rules: tuple[str, ...]
    reason: str
    source: Location
    subject_glob: str | None = None
    resource_glob: str | None = None
    path_globs: tuple[str, ...] = ()
    lines: tuple[int, int] | None = None
    owner: str | None = None
    expires: datetime.date | None = None
    inline: bool = False

    def covers_rule(self, rule_id: str) -> bool:
        return "*" in self.rules or rule_id in self.rules

    def expired(self, today: datetime.date) -> bool:
        return self.expires is not None and self.expires < today

    def as_dict(self) -> dict[str, Any]:
        """The JSON form kept on a waived result (report schema: ``waiver``)."""
        return {
            "reason": self.reason,
            "owner": self.owner,
            "expires": self.expires.isoformat() if self.expires else None,
            "source": {"path": self.source.path, "line": self.source.line},
        }


class Result(NamedTuple):
    """One rule on one export. Immutable; a NamedTuple rather than a frozen dataclass because a large check
    makes hundreds of thousands of them and tuple construction is several times cheaper.

    ``title``, ``message`` and ``remediation`` are *messages*, not finished strings (:data:`Message`): the
    rule's title in both languages, a catalogue message with its values, or the rule's text template with
    the facts it fills. One evaluation can so be reported in any language: the reporters word them in the
    report's language. To get the text, ask :meth:`text` (``result.text("message", "zh")``);
    ``str(result.message)`` is the English text. A plain ``str`` is a message too (the same in every
    language), so results built by hand with strings keep working.
    """

    rule_id: str
    title: Message
    severity: Severity
    category: Category
    status: Status
    subject: str
    prevents: tuple[str, ...]
    message: Message
    remediation: Message
    location: Location | None
    evidence: dict[str, Any]
    references: tuple[str, ...] = ()
    #: where the export request itself is written (for grouping in reports; not part of the JSON contract)
    origin: Location | None = None
    #: the active waiver that made this result ``waived``
    waiver: Waiver | None = None
    #: a ``fail``/``unknown`` already recorded in the baseline given with ``--baseline``: reported, but it
    #: does not fail the run
    baselined: bool = False
    #: the account the subject belongs to (``preflight audit``; None elsewhere)
    account: str | None = None

    def text(self, field: str, lang: str = "en") -> str:
        """The text of ``title``, ``message`` or ``remediation`` in a language (``en`` or ``zh``)."""
        if field not in _TEXT_FIELDS:
            raise ValueError(f"not a text field of a result: {field!r} (one of {', '.join(_TEXT_FIELDS)})")
        from preflight.i18n import render  # (the catalogue: not needed to build results)

        return render(getattr(self, field), lang)

    @property
    def sort_key(self) -> tuple[str, int, str, str]:
        """Exports in the order they are written (by subject when they come from no file), rules by id."""
        o = self.origin
        return (o.path if o else "", (o.line or 0) if o else 0, self.subject, self.rule_id)

    @property
    def fingerprint(self) -> str:
        """A stable identity of the finding: rule and export subject (which names the export's region, image,
        bucket and prefix, or the role or bucket on its own); never a line number, so moving unrelated lines
        keeps it (SARIF ``partialFingerprints``, baselines)."""
        return fingerprint(self.rule_id, self.subject)


_TEXT_FIELDS = ("title", "message", "remediation")


def fingerprint(rule_id: str, subject: str) -> str:
    from hashlib import sha256  # here, not at the top: a report without fingerprints does not load OpenSSL

    key = "\0".join((rule_id, subject, ""))  # (the empty third part keeps the fingerprints of version 1)
    return sha256(key.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, repr=False)
class RuleInfo(FieldsRepr):
    """What reports say about a rule that was evaluated (SARIF ``tool.driver.rules``; Markdown, JUnit)."""

    id: str
    name: str
    title: Text
    description: Text | None
    severity: Severity
    category: Category
    prevents: tuple[str, ...]
    references: tuple[str, ...]
    #: the remediation with its placeholders shown as ``<path>``
    remediation: Text
    mandatory: bool = False


@dataclass(frozen=True, repr=False)
class Note(FieldsRepr):
    """A warning about the run that is not a rule's result (an expired waiver, a waiver that cannot apply)."""

    message: Text
    where: Location | None = None


@dataclass(frozen=True, repr=False)
class BaselineSummary(FieldsRepr):
    """How the current findings compare with the baseline given with ``--baseline``."""

    path: str
    #: failing findings not in the baseline
    new: int
    #: baselined findings that are still present (reported, not failing the run)
    still_present: int
    #: baselined findings that are no longer there
    gone: int

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "new": self.new, "still_present": self.still_present, "gone": self.gone}


_STATUS = attrgetter("status")
#: the statuses that are findings to record or waive (a baseline keeps them; a waiver turns them ``waived``)
OPEN_FINDINGS = frozenset({Status.FAIL, Status.UNKNOWN})


@dataclass(frozen=True, repr=False)
class Summary(FieldsRepr):
    """How many results of a report passed, failed, are unknown or were skipped."""

    passed: int = 0
    failed: int = 0
    unknown: int = 0
    skipped: int = 0
    waived: int = 0

    @classmethod
    def of(cls, results: tuple[Result, ...] | list[Result]) -> "Summary":
        counts = Counter(map(_STATUS, results))  # counted in C: a large check has hundreds of thousands
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


@dataclass(frozen=True, repr=False)
class Report(FieldsRepr):
    """The results of a run and what a reporter needs to show them."""

    mode: Mode
    results: tuple[Result, ...]
    threshold: Severity = Severity.ERROR
    #: whether an unknown result at the threshold fails the run (live and snapshot modes; IaC with --strict)
    unknown_fails: bool = True
    lang: str = "en"
    #: every rule that was evaluated (reporters that describe rules: SARIF, JUnit, Markdown)
    rules: tuple[RuleInfo, ...] = ()
    #: warnings about the run itself (waivers that expired, lack a reason, or cannot silence a rule)
    notes: tuple[Note, ...] = ()
    baseline: BaselineSummary | None = None
    #: ``preflight audit``: the fleet summary a reviewer reads first (:mod:`preflight.audit`)
    audit: "AuditSummary | None" = None

    # computed once: reporters ask for them several times, and a large check has 360,000 results
    @functools.cached_property
    def summary(self) -> Summary:
        return Summary.of(self.results)

    @functools.cached_property
    def failing(self) -> tuple[Result, ...]:
        """The results that make the run fail."""
        return tuple(filter(failing_predicate(self.threshold, self.unknown_fails), self.results))

    @property
    def ok(self) -> bool:
        return not self.failing


def failing_predicate(threshold: Severity, unknown_fails: bool) -> Callable[[Result], bool]:
    """Does a result make the run fail (exit 1)? A fail at or above the threshold, and an unknown where the
    mode says so; a baselined finding never. Built once per report: a large one has 360,000 results."""
    statuses = (Status.FAIL, Status.UNKNOWN) if unknown_fails else (Status.FAIL,)
    rank = threshold.rank
    return lambda r: r.status in statuses and not r.baselined and r.severity.rank >= rank


def fails_run(result: Result, threshold: Severity, unknown_fails: bool) -> bool:
    return failing_predicate(threshold, unknown_fails)(result)


#: how a subject's name starts when it is not an export but an IaC role or bucket checked on its own
#: (``facts.Subject.name`` makes the names; a test holds the two together): reports count exports apart by it
NON_EXPORT_NAME_PREFIXES = ("role ", "bucket oss://")


def is_export_name(name: str) -> bool:
    """Whether a result's subject names an export rather than a role or bucket checked on its own."""
    return not name.startswith(NON_EXPORT_NAME_PREFIXES)
