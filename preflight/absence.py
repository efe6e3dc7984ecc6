"""Moved to :mod:`preflight.facts.absence`; this name stays so existing imports keep working."""

from preflight.facts.absence import (
    JOINS,
    NONE_WHEN_ABSENT,
    Absence,
    Join,
    absent_means_none,
    missing_target,
    through_none,
)

__all__ = ["JOINS", "NONE_WHEN_ABSENT", "Absence", "Join", "absent_means_none", "missing_target", "through_none"]
