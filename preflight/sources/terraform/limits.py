"""The caps on evaluating untrusted IaC: files from a pull request are untrusted, so evaluation is bounded
in time and memory.

One :class:`Budget` per root module or run (every IaC source: Terraform files and ROS templates) counts what
evaluation spends against the :class:`Limits`: variables, locals, outputs and arguments are evaluated once
per module instance (memoised), and instances per block and in all, module depth, evaluation steps and
depth, the size and depth of a value and the interpolations parsed are capped. Past a cap the value,
instances or module call are Unresolved with a reason naming the cap and its value (never a hang, never a
guess); an HCL file over its size cap is an error.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from preflight.errors import Msg
from preflight.sources.terraform.values import Partial, Unresolved


@dataclass(frozen=True, slots=True)
class Limits:
    """The caps on evaluating one root module (with the modules it calls). Past a cap the value, the
    instances or the module call concerned are :class:`Unresolved` with a reason naming the cap and its
    value: never a hang, never a guess."""

    #: instances one ``count``/``for_each`` may give (a resource or a module call)
    instances_per_block: int = 1_000
    #: instances of resources and module calls in all, over every module instance
    instances_total: int = 10_000
    #: how deep ``module`` blocks may nest (the root module is depth 1)
    module_depth: int = 16
    #: expressions evaluated in all (each variable, local, output or argument read counts, memoised or not)
    eval_steps: int = 1_000_000
    #: how deep evaluation may nest (expressions inside expressions, references followed)
    eval_depth: int = 100
    #: the size of one value: characters of its strings plus its elements and keys
    value_size: int = 1_000_000
    #: how deep one value (lists and maps inside each other) may nest
    value_depth: int = 64
    #: characters of one HCL file (``.tf``, ``.tfvars``): the parser takes time and memory in proportion
    #: (~1 s and ~300 MB a megabyte on a quiet machine), so a larger file is refused with an error
    hcl_chars: int = 1_000_000
    #: interpolations (``${…}`` in a heredoc, a ``.tf.json`` string or a ``TF_VAR_`` value) parsed as
    #: expressions while one root module is loaded; each costs a parse, and past the cap one is unknown
    expressions: int = 20_000


LIMITS = Limits()


class Budget:
    """What one root module's evaluation has spent, shared by every module instance it loads."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.steps = 0
        self.depth = 0
        self.instances = 0
        #: id -> (the value, kept alive so its id is not reused; its size; its depth)
        self._measured: dict[int, tuple[Any, int, int]] = {}

    def instances_left(self) -> int:
        return self.limits.instances_total - self.instances

    def measure(self, v: Any, levels: int = 0) -> tuple[int, int]:
        """The size and depth of a value (a shared part counted each time it appears, as a copy would be;
        measured once, so a structure of shared parts is measured in the time of its distinct parts);
        ``levels``: how deep inside the value measured first this one is."""
        if isinstance(v, str):
            return len(v) + 1, 0
        if not isinstance(v, list | Mapping):
            return 1, 0
        known = self._measured.get(id(v))
        if known is not None and known[0] is v:
            return known[1], known[2]
        if levels > self.limits.value_depth:  # deeper than allowed: not worth (nor safe) to go further
            return 1, self.limits.value_depth + 1
        size, depth = 1, 0
        for k, x in (v.items() if isinstance(v, Mapping) else enumerate(v)):
            s, d = self.measure(x, levels + 1)
            size += s + (len(k) if isinstance(k, str) else 0)
            depth = max(depth, d)
            if size > self.limits.value_size or depth > self.limits.value_depth:
                break  # already too large: no need to look further
        self._measured[id(v)] = (v, size, depth + 1)
        return size, depth + 1

    def checked_partial(self, p: Any) -> Any:
        """A :class:`Partial` whose known parts are within the caps (they are walked by the policy reader),
        else the Unresolved naming the cap; any other value as it is."""
        if not isinstance(p, Partial):
            return p
        c = self.checked(p.value)
        return c if isinstance(c, Unresolved) else p

    def checked(self, v: Any) -> Any:
        """The value, or Unresolved when it is past the caps on a value's size and depth."""
        size, depth = self.measure(v)
        if size > self.limits.value_size:
            return Unresolved(Msg("iac.cap_value_size", cap=self.limits.value_size))
        if depth > self.limits.value_depth:
            return Unresolved(Msg("iac.cap_value_depth", cap=self.limits.value_depth))
        return v


#: the most digits an integer literal may have to be evaluated (Python converts at most 4,300 digits between
#: text and int; Terraform's numbers are arbitrary-precision, so a longer one is unknown, not an error)
MAX_INT_DIGITS = 4_000


class Parses:
    """How many more expressions given as text may be parsed while a root module is loaded."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.left = cap


#: the parses left while :func:`~preflight.sources.terraform.load.load_module` runs (read by the
#: front end's ``parse_expression``); None outside it (no cap)
PARSES: contextvars.ContextVar[Parses | None] = contextvars.ContextVar("preflight_tf_parses", default=None)
