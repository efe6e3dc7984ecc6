"""One rule: its document parsed once into metadata, texts and a condition tree, and what is derived from it.

:func:`compile_rule` checks the document, parses ``when``/``assert`` into a tree
(:mod:`preflight.rules.tree`) and the texts into templates (:mod:`preflight.rules.templates`), then derives
from those alone the predicates, the evidence, ``depends_on`` (the engine's memo key) and the located
field: no second walk over the raw YAML.
"""

import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from preflight.errors import Listing, Msg
from preflight.facts import Subject
from preflight.fieldrepr import FieldsRepr
from preflight.model import Category, Severity, Text
from preflight.rules.compile import compile_condition
from preflight.rules.operators import Context
from preflight.rules.paths import Getter, PathRef, Pred, RuleError, Where, subject_path
from preflight.rules.templates import BiTemplate, compile_template
from preflight.rules.tree import Condition, asserted_paths, evidence, parse_condition, reads

RULE_KEYS = frozenset({
    "id", "title", "severity", "category", "prevents", "message", "remediation", "references",
    "when", "assert", "locate", "evidence", "description", "pass_evidence",
})
ID_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{1,63}")  # used with fullmatch (no "$": it allows a newline)
CODE_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9.]*")
#: the facts of a subject a finding can be located on (schemas/rule.schema.json lists the same)
LOCATABLE = ("request", "account_id", "region", "image", "tasks", "bucket", "role")


class NamedList(NamedTuple):
    """A named list (``rules/lists/*.yaml``): data several rules share, kept in one place."""

    name: str
    description: str
    values: tuple[str, ...]
    source: str


@dataclass(frozen=True, repr=False)
class Rule(FieldsRepr):
    """A compiled rule: metadata, texts, predicates, and what the engine needs to memoise and locate it."""

    id: str
    title: Text
    description: Text | None
    severity: Severity
    category: Category
    prevents: tuple[str, ...]
    references: tuple[str, ...]
    message: BiTemplate
    remediation: BiTemplate
    locate: str
    when: Pred | None
    check: Pred
    evidence: tuple[tuple[str, Getter], ...]
    source: str  # file:line of the rule
    document: Mapping[str, Any] = dataclasses.field(compare=False, repr=False)
    #: every fact of the subject the outcome can depend on: ("image",) or ("request", "RegionId"), …
    depends_on: tuple[tuple[str, ...], ...] = ()
    #: the facts the status alone depends on (``when`` and ``assert``; not the texts)
    condition_depends_on: tuple[tuple[str, ...], ...] = ()
    #: the fact of the ``locate`` entity the rule asserts on (its attribute is where the user fixes it)
    locate_field: str | None = None
    #: facts shown on a pass when they hold (``pass_evidence``): why the finding does not apply
    pass_evidence: tuple[tuple[str, Getter], ...] = ()
    #: the parsed ``when`` and ``assert`` everything above is derived from
    conditions: tuple[Condition | None, Condition] | None = dataclasses.field(default=None, compare=False, repr=False)


def _text(node: Any, where: Where) -> Text:
    if isinstance(node, Mapping) and set(node) == {"en", "zh"} and all(isinstance(v, str) and v.strip()
                                                                        for v in node.values()):
        return Text(en=node["en"], zh=node["zh"])
    raise RuleError(where, Msg("rule.bitext"))


def _bitemplate(node: Any, where: Where) -> BiTemplate:
    text = _text(node, where)
    return BiTemplate.of(compile_template(text.en, (*where, "en")), compile_template(text.zh, (*where, "zh")))


def _paths(node: Any, key: str) -> tuple[PathRef, ...]:
    if not isinstance(node, list) or not all(isinstance(e, str) for e in node):
        raise RuleError((key,), Msg("rule.evidence"))
    return tuple(subject_path(p, (key, i)) for i, p in enumerate(node))


def keys_of(paths: Iterable[PathRef]) -> tuple[tuple[str, ...], ...]:
    """The engine's memo key for a set of paths read from the subject (see :meth:`PathRef.dependency`)."""
    return tuple(sorted({p.dependency() for p in paths}))


def condition_reads(when: Condition | None, check: Condition) -> Iterator[PathRef]:
    if when is not None:
        yield from reads(when)
    yield from reads(check)


def text_reads(*templates: BiTemplate) -> Iterator[PathRef]:
    for t in templates:
        yield from t.en.reads
        yield from t.zh.reads


def compile_rule(doc: Any, lists: Mapping[str, NamedList], source: str) -> Rule:
    if not isinstance(doc, Mapping):
        raise RuleError((), Msg("rule.doc_shape"))
    unknown_keys = sorted(map(str, set(doc) - RULE_KEYS))
    if unknown_keys:
        allowed = Listing(sorted(RULE_KEYS))
        raise RuleError((unknown_keys[0],), Msg("err_unknown_key", key=unknown_keys[0], allowed=allowed))
    for key in ("id", "title", "severity", "category", "assert", "message", "remediation"):
        if key not in doc:
            raise RuleError((), Msg("err_required", key=key))
    rule_id = doc["id"]
    if not isinstance(rule_id, str) or not ID_PATTERN.fullmatch(rule_id):
        raise RuleError(("id",), Msg("rule.id"))
    try:
        severity = Severity(doc["severity"])
    except ValueError:
        raise RuleError(("severity",), Msg("rule.severity")) from None
    try:
        category = Category(doc["category"])
    except ValueError:
        raise RuleError(("category",), Msg("rule.category")) from None
    prevents = doc.get("prevents", [])
    if (not isinstance(prevents, list) or not all(isinstance(p, str) and CODE_PATTERN.fullmatch(p) for p in prevents)
            or len(set(prevents)) != len(prevents)):
        raise RuleError(("prevents",), Msg("rule.prevents"))
    references = doc.get("references", [])
    if not isinstance(references, list) or not all(
            isinstance(r, str) and re.fullmatch(r"https?://\S+", r) for r in references):
        raise RuleError(("references",), Msg("rule.references"))
    evidence_doc = doc.get("evidence", [])
    if not isinstance(evidence_doc, list) or not all(isinstance(e, str) for e in evidence_doc):
        raise RuleError(("evidence",), Msg("rule.evidence"))
    ctx = Context({name: lst.values for name, lst in lists.items()})
    when = parse_condition(doc["when"], Subject, ("when",), ctx) if "when" in doc else None
    check = parse_condition(doc["assert"], Subject, ("assert",), ctx)
    extra = _paths(evidence_doc, "evidence")
    shown_on_pass = _paths(doc.get("pass_evidence", []), "pass_evidence")
    asserted = asserted_paths(check)
    first = asserted[0].removeprefix("$.").split(".", 1)[0] if asserted else None
    locate = doc.get("locate", first if first in LOCATABLE else "request")
    if not isinstance(locate, str) or locate not in LOCATABLE:
        raise RuleError(("locate",), Msg("rule.locate", facts=Listing(LOCATABLE)))
    title = _text(doc["title"], ("title",))
    description = _text(doc["description"], ("description",)) if "description" in doc else None
    message = _bitemplate(doc["message"], ("message",))
    remediation = _bitemplate(doc["remediation"], ("remediation",))
    conditions = list(condition_reads(when, check))
    return Rule(
        id=rule_id,
        title=title,
        description=description,
        severity=severity,
        category=category,
        prevents=tuple(prevents),
        references=tuple(references),
        message=message,
        remediation=remediation,
        locate=locate,
        when=compile_condition(when) if when is not None else None,
        check=compile_condition(check),
        evidence=_evidence(when, check, extra),
        source=source,
        document=doc,
        depends_on=keys_of([*conditions, *text_reads(message, remediation), *extra, *shown_on_pass]),
        condition_depends_on=keys_of(conditions),
        locate_field=_locate_field(asserted, locate),
        pass_evidence=tuple((p.text.removeprefix("$."), p.getter()) for p in shown_on_pass),
        conditions=(when, check),
    )


def _evidence(when: Condition | None, check: Condition, extra: Iterable[PathRef]) -> tuple[tuple[str, Getter], ...]:
    """The facts a finding shows: the conditions' (in the order they name them), then ``evidence``'s; each
    key once."""
    out: dict[str, Getter] = {}
    found = [*(evidence(when) if when is not None else ()), *evidence(check),
             *((p.text, p.getter()) for p in extra)]
    for key, get in found:
        out.setdefault(key.removeprefix("$."), get)
    return tuple(out.items())


def _locate_field(paths: list[str], locate: str) -> str | None:
    for p in paths:
        steps = p.removeprefix("$.").split(".")
        if steps[0] == locate and len(steps) > 1:
            return steps[1]
    return None


def dependencies(doc: Mapping[str, Any], *, texts: bool = True,
                 lists: Mapping[str, NamedList] | None = None) -> tuple[tuple[str, ...], ...]:
    """The subject's facts a rule document reads (conditions, values, texts, evidence), parsed as
    :func:`compile_rule` parses it: its outcome is a function of these alone, which lets the engine evaluate a
    rule once per distinct combination (exports share images, buckets and roles). Request fields count one
    by one; every other fact by its top-level entity."""
    ctx = Context({name: lst.values for name, lst in (lists or {}).items()})
    when = parse_condition(doc["when"], Subject, ("when",), ctx) if "when" in doc else None
    check = parse_condition(doc["assert"], Subject, ("assert",), ctx)
    found = list(condition_reads(when, check))
    if texts:
        found += text_reads(_bitemplate(doc["message"], ("message",)), _bitemplate(doc["remediation"],
                                                                                    ("remediation",)))
        found += _paths(doc.get("evidence", []), "evidence") + _paths(doc.get("pass_evidence", []), "pass_evidence")
    return keys_of(found)
