"""The entry point for one Terraform module directory: :func:`load_module` reads its files (and the local
modules it calls, through the run's :class:`~.reader.ParseCache`), evaluates them and returns the resources
this tool reads (:class:`ModuleLoad`), for the mapper (:mod:`.mapping`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from preflight.errors import Msg
from preflight.model import Location
from preflight.sources.terraform.limits import LIMITS, PARSES, Budget, Limits, Parses
from preflight.sources.terraform.mapping import TYPES
from preflight.sources.terraform.module import Module
from preflight.sources.terraform.reader import ParseCache, _Reader
from preflight.sources.terraform.tfjson import _env_values
from preflight.sources.terraform.values import Resource, Unresolved


@dataclass(frozen=True)
class ModuleLoad:
    """A root module's resources, and the files and child modules read for it."""

    resources: list[Resource]
    #: display path -> (text, line ranges of its top-level blocks), for inline waivers (child modules' too)
    files: dict[str, tuple[str, list[tuple[int, int]]]]
    #: the directories loaded as child modules (resolved), which are not root modules themselves
    called: frozenset[Path] = frozenset()
    #: module calls whose contents were not read (a registry or git source, a missing directory, a cycle),
    #: at their ``module`` block: what they create is not checked, and the user is told so
    unread: tuple[tuple[Location, Msg], ...] = ()


def load_module(tf_files: Sequence[Path], var_files: Sequence[Path],
                environ: Mapping[str, str] | None = None, limits: Limits = LIMITS,
                budget: Budget | None = None, cache: ParseCache | None = None) -> ModuleLoad:
    """Parse a module's files (all of one directory), and the local modules it calls, and return the
    resources this tool reads. Variables take, from lowest to highest precedence, their default, a
    ``TF_VAR_name`` variable of ``environ`` (the process environment by default), then ``var_files`` in
    order (terraform.tfvars, terraform.tfvars.json, *.auto.tfvars(.json) in lexical order).

    ``budget``: what the evaluation may spend (``Budget(limits)``); pass the same one to every root module of
    a run to make the caps on steps and instances hold for the run, not for each root module. ``cache``: the
    run's parsed files (pass the same one to every root module of a run: each file is parsed once)."""
    token = PARSES.set(Parses(limits.expressions))
    try:
        return _load_module(tf_files, var_files, environ, limits, budget, cache or ParseCache())
    finally:
        PARSES.reset(token)


def _load_module(tf_files: Sequence[Path], var_files: Sequence[Path], environ: Mapping[str, str] | None,
                 limits: Limits, budget: Budget | None, cache: ParseCache) -> ModuleLoad:
    reader = _Reader(limits=limits, cache=cache)
    blocks = reader.read(tf_files)
    tfvars = _env_values(blocks, os.environ if environ is None else environ)
    for path in var_files:  # later files win, as in Terraform
        tfvars.update(cache.tfvars(path, limits))
    module = Module(blocks, tfvars, reader=reader,
                    chain=tuple(sorted(d.resolve() for d in {p.parent for p in tf_files})) or None,
                    budget=budget if budget is not None else Budget(limits))
    resources = module.managed(TYPES)
    return ModuleLoad(resources, reader.files, frozenset(reader.called), tuple(_unread_calls(module)))


def _unread_calls(module: Module) -> Iterator[tuple[Location, Msg]]:
    """Every module call, at any depth, whose contents could not be read, with why."""
    for name, block in module.module_blocks.items():
        call = module.call(name)
        if call is None:
            continue
        if isinstance(call.children, Unresolved):
            yield Location(block.path, block.line), call.children.reason
            continue
        for _, child in call.children:
            yield from _unread_calls(child)
