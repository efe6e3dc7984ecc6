"""A fact not learned of which some parts are known: the name of a bucket the IaC files create whose name they
decide in part only (``"exports-${random_integer.x.result}"``).

It *is* an :class:`~preflight.facts.model.Unknown` (every rule sees an unknown value; texts show its
``shown``, the resource's address, never a made-up name); only the policy evaluator looks inside, to judge the
role's policies on the ARNs whatever the unknown parts turn out to be (``policy_analysis.export_targets``).
"""

from __future__ import annotations

from preflight.errors import Msg
from preflight.facts.model import Unknown


class KnownInPart(Unknown):
    """An unknown string whose ``parts`` are known: its literal text and, for each run not known, None (a
    run of any characters but ``:`` and ``/``, maybe none: the value is one name)."""

    __slots__ = ("parts",)

    def __init__(self, reason: str | Msg, path: str | None = None, shown: str | None = None, *,
                 given: bool = False, parts: tuple[str | None, ...] = (None,)) -> None:
        super().__init__(reason, path, shown, given=given)
        self.parts = parts

    def at(self, path: str) -> Unknown:
        return self if self.path == path else self.like(path=path)

    def like(self, *, path: str | None = None, shown: str | None = None, given: bool | None = None
             ) -> KnownInPart:
        """The same value with its path, ``shown`` or ``given`` replaced."""
        return KnownInPart(self.reason, path if path is not None else self.path,
                           shown if shown is not None else self.shown,
                           given=self.given if given is None else given, parts=self.parts)


def carried(old: Unknown, reason: str | Msg, path: str | None, shown: str | None, *, given: bool = False
            ) -> Unknown:
    """An Unknown with the reason, path, ``shown`` and ``given`` given, keeping the known parts of ``old``."""
    if isinstance(old, KnownInPart):
        return KnownInPart(reason, path, shown, given=given, parts=old.parts)
    return Unknown(reason, path, shown, given=given)
