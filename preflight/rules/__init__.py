"""Rules as data: load YAML rule files, validate them, and compile their conditions into predicates.

A rule is one YAML file (``schemas/rule.schema.json``). Its ``assert`` (and optional ``when``) is a
declarative condition over the export subject's facts, in the spirit of Cloud Config condition rules
(path + operator + desired value) and Spectral (``given``/``then``)::

    {path: request.OSSPrefix, matches: '^[A-Za-z0-9]{1,30}$'}           # a leaf: path + one operator
    {path: image.data_disks, count: {lte: 4}}                            # a quantifier over a list
    {path: image.disks, where: {path: Type, eq: data}, all: {path: Size, lte: 500}}
    {all_of: [...]}, {any_of: [...]}, {not: {...}}                       # combinators

Evaluation is three-valued: true, false, or :class:`~preflight.facts.Unknown` (a fact the condition needs
was not learned). Nothing here runs code from the rule: conditions compile to closures over a fixed set of
operators, and every path is checked against the fact model at load time, so a rule that could never match
is a load error (file and line), never a silent no-op.

Where things are (one small module per job, as yamllint keeps one module per rule kind):

- :mod:`~preflight.rules.paths` — a dotted path checked against the fact model (:class:`PathRef`), the one
  way a rule reads a fact;
- :mod:`~preflight.rules.operators` — the operator registry: name, the facts it applies to, its argument,
  its evaluation and its JSON Schema (a test holds ``schemas/rule.schema.json`` to it);
- :mod:`~preflight.rules.tree` — ``when``/``assert`` parsed once into a typed tree, and what is derived from
  it: the facts read (``depends_on``), the evidence, the located field;
- :mod:`~preflight.rules.compile` — the tree compiled into three-valued predicates;
- :mod:`~preflight.rules.templates` — message templates and their ``|count``/``|sh``/``|lines`` filters;
- :mod:`~preflight.rules.rule` — one rule document into a :class:`Rule`;
- :mod:`~preflight.rules.load` and :mod:`~preflight.rules.cache` — rule files, named lists, user rule
  directories, and the parsed-document cache of the bundled pack.
"""

from __future__ import annotations

from preflight.rules.load import RuleSet, load_lists, load_rule_file, load_rules, schema_problems
from preflight.rules.operators import COMPARE_OPS, COUNT_UNKNOWN, OPERATORS, QUANTIFIERS, Operator
from preflight.rules.paths import OMIT, Getter, PathRef, Pred, RuleError, Tri, resolve_path
from preflight.rules.rule import (
    CODE_PATTERN,
    ID_PATTERN,
    LOCATABLE,
    RULE_KEYS,
    NamedList,
    Rule,
    compile_rule,
    dependencies,
)
from preflight.rules.templates import (
    FILTERS,
    PLACEHOLDER,
    BiTemplate,
    Filled,
    Placeholder,
    Template,
    compile_template,
    format_value,
)

#: the leaf operators' names (the registry's keys)
LEAF_OPS = frozenset(OPERATORS)

__all__ = [
    "CODE_PATTERN", "COMPARE_OPS", "COUNT_UNKNOWN", "FILTERS", "ID_PATTERN", "LEAF_OPS", "LOCATABLE", "OMIT",
    "OPERATORS", "PLACEHOLDER", "QUANTIFIERS", "RULE_KEYS", "BiTemplate", "Filled", "Getter", "NamedList", "Operator",
    "PathRef", "Placeholder", "Pred", "Rule", "RuleError", "RuleSet", "Template", "Tri", "compile_rule",
    "compile_template", "dependencies", "format_value", "load_lists", "load_rule_file", "load_rules",
    "resolve_path", "schema_problems",
]
