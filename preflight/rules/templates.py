"""Message templates: ``text {path|filter|…} text``, every path checked against the fact model at load time.

A template is parsed once into literal parts and :class:`Placeholder` s; each placeholder keeps the
:class:`~preflight.rules.paths.PathRef` it reads, which is what the rule's ``depends_on`` is computed from.
"""

import functools
import re
import shlex
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from preflight.errors import Msg, in_language
from preflight.escape import ValuedText, controls, controls_but_breaks
from preflight.facts import Absent, Unknown
from preflight.msg import Composed
from preflight.rules.paths import Getter, PathRef, RuleError, Where, project, resolve_path, subject_path

#: a placeholder in a rule text: ``{path}`` or ``{path|filter|…}``; group 1 is the path, group 2 the filters
PLACEHOLDER = re.compile(r"\{([^{}|]*)((?:\|[^{}|]*)*)\}")
#: the filters a placeholder may name after its path (``{role.RoleName|sh}``); any other name is a rule error
FILTERS = ("count", "sh", "lines")


class Placeholder(NamedTuple):
    """A ``{path|filter|…}`` in a text: the fact to show and how (see :data:`FILTERS`)."""

    #: reads the fact (not compared: placeholders are equal when they say the same, see ``expr``)
    getter: Getter
    #: ``|sh``: quoted as one shell word (``shlex.quote``), for a value pasted into a command
    shell: bool = False
    #: ``|lines``: a value that is several lines by design (a generated Terraform or ROS snippet) keeps its
    #: line breaks; every other value shows its line breaks and control characters escaped
    lines: bool = False
    #: the path read from the subject (for ``list[*].field``, the list)
    reads: PathRef | None = None
    #: the placeholder as written, without its braces
    expr: str = ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Placeholder) and self[1:] == other[1:]

    def __hash__(self) -> int:
        return hash(self[1:])

    def render(self, subject: Any, lang: str) -> str:
        return self.show(self.getter(subject), lang)

    def show(self, value: Any, lang: str) -> str:
        """The fact as the text shows it in the language (quoted, escaped)."""
        text = value if value.__class__ is str else format_value(value, lang)
        if self.shell:
            # an unknown value shown by what stands for it (an IaC address) is a placeholder in a command,
            # never a word that could pass for the value: `<alicloud_oss_bucket.b>`
            text = shlex.quote(f"<{text}>" if isinstance(value, Unknown) and value.shown is not None else text)
        # a value can never add a line (a CI command, a fake heading) or a terminal sequence to a report
        return controls_but_breaks(text) if self.lines else controls(text)


class Template(NamedTuple):
    """A text with placeholders, parsed once: literal parts and :class:`Placeholder` s."""

    source: str
    parts: tuple[str | Placeholder, ...]

    @property
    def reads(self) -> tuple[PathRef, ...]:
        return tuple(p.reads for p in self.parts if not isinstance(p, str) and p.reads is not None)

    @property
    def placeholders(self) -> tuple[Placeholder, ...]:
        return tuple(p for p in self.parts if not isinstance(p, str))

    def render(self, subject: Any, lang: str = "en") -> str:
        return self.words({p.expr: p.getter(subject) for p in self.placeholders}, lang)

    def words(self, facts: Mapping[str, Any], lang: str = "en") -> str:
        """The text in the language with its placeholders showing ``facts`` (placeholder as written -> fact)."""
        return self.joined([p if isinstance(p, str) else p.show(facts[p.expr], lang) for p in self.parts])

    def joined(self, pieces: list[str]) -> str:
        """The text of its parts worded (``pieces``, one for each of :attr:`parts`)."""
        text = "".join(pieces)
        if "`" not in text:
            return text
        # a value with a backtick: the text remembers where it is, so that Markdown keeps it inside the
        # rule's code span (the text itself is the same string)
        values: list[tuple[int, int]] = []
        pos = 0
        for part, piece in zip(self.parts, pieces, strict=True):
            if not isinstance(part, str) and "`" in piece:
                values.append((pos, pos + len(piece)))
            pos += len(piece)
        return ValuedText(text, tuple(values)) if values else text

    def value(self, subject: Any) -> Any:
        """The text as a desired value (``{fmt: ...}``): the facts as they are (no quoting, no escaping)."""
        out: list[str] = []
        for p in self.parts:
            if isinstance(p, str):
                out.append(p)
                continue
            v = p.getter(subject)
            if isinstance(v, Unknown | Absent) or v is None:
                return v
            out.append(format_value(v))
        return "".join(out)


#: a text's parts, each placeholder with the index of its value (:meth:`BiTemplate.word`)
Plan = tuple[str | tuple[Placeholder, int], ...]


class BiTemplate(NamedTuple):
    """A rule's text (``message``, ``remediation``) in both languages, each parsed once."""

    en: Template
    zh: Template
    #: the placeholders of both, each expression once (:meth:`of` computes them; :meth:`fill` reads them)
    slots: tuple[Placeholder, ...] | None = None
    #: each text's parts with each placeholder's index in ``slots`` (what :meth:`word` fills)
    plans: tuple[Plan, Plan] | None = None

    @classmethod
    def of(cls, en: Template, zh: Template) -> "BiTemplate":
        slots = tuple({p.expr: p for t in (en, zh) for p in t.placeholders}.values())
        index = {p.expr: i for i, p in enumerate(slots)}

        def plan(t: Template) -> Plan:
            return tuple(p if isinstance(p, str) else (p, index[p.expr]) for p in t.parts)

        return cls(en, zh, slots, (plan(en), plan(zh)))

    def word(self, values: tuple[Any, ...], lang: str) -> str:
        """The text in the language, its placeholders showing ``values`` (one for each of
        :attr:`placeholders`, as :meth:`fill` reads them)."""
        plans = self.plans if self.plans is not None else BiTemplate.of(self.en, self.zh).plans
        assert plans is not None
        zh = lang == "zh"
        return (self.zh if zh else self.en).joined(
            [p if isinstance(p, str) else p[0].show(values[p[1]], lang) for p in plans[zh]])

    def render(self, subject: Any, lang: str) -> str:
        return (self.zh if lang == "zh" else self.en).render(subject, lang)

    def fill(self, subject: Any) -> "Filled":
        """The text as a message: the templates with the facts the subject fills them with (read now; worded
        in a language when a reporter asks)."""
        return Filled(self, tuple(p.getter(subject) for p in self.placeholders))

    @property
    def placeholders(self) -> tuple[Placeholder, ...]:
        """The placeholders of both texts, each expression once (what :meth:`fill` reads, in its order)."""
        return self.slots if self.slots is not None else BiTemplate.of(self.en, self.zh).placeholders


class Filled(Composed):
    """A rule's text as a message: its templates and the facts that fill them (``values``, one for each of
    the template's :attr:`~BiTemplate.placeholders`), read from the subject when the rule was evaluated.
    Plain, immutable data: it holds no subject and no words; :func:`preflight.i18n.render` words it in a
    language. The engine hands one message to every export with the same facts, and a reporter words each
    distinct message once (:class:`preflight.reporters._common.Words`, the JSON encoder's pieces), so a large
    check words each distinct text once per report, in the report's language only."""

    __slots__ = ("template", "values")

    def __init__(self, template: BiTemplate, values: tuple[Any, ...]) -> None:
        self.template = template
        self.values = values

    @property
    def facts(self) -> dict[str, Any]:
        """Each placeholder as written -> the fact it shows."""
        return {p.expr: v for p, v in zip(self.template.placeholders, self.values, strict=True)}

    def words(self, lang: str) -> str:
        return self.template.word(self.values, lang)

    def __repr__(self) -> str:
        return f"Filled({self.template.en.source!r}, {self.facts!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Filled) and (self.template, self.values) == (other.template, other.values)

    def __hash__(self) -> int:
        return hash((self.template.en.source, self.template.zh.source))


#: how a placeholder shows a fact that is unknown or empty, in the language of the text holding it
_UNKNOWN_WORD = {"en": "unknown", "zh": "未知"}
_NONE_WORD = {"en": "none", "zh": "无"}


def format_value(v: Any, lang: str = "en") -> str:
    if v.__class__ is str:  # (most facts: a plain string is itself in every language)
        return v
    if isinstance(v, Unknown):
        return v.shown if v.shown is not None else _UNKNOWN_WORD.get(lang, "unknown")
    if v is None or v.__class__ is Absent:
        return _NONE_WORD.get(lang, "none")
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        if not v:
            return _NONE_WORD.get(lang, "none")
        return ("、" if lang == "zh" else ", ").join(format_value(x, lang) for x in v)
    return str(in_language(v, lang))


def compile_template(text: Any, where: Where) -> Template:
    if not isinstance(text, str):
        raise RuleError(where, Msg("rule.text_type"))
    parts: list[str | Placeholder] = []
    pos = 0
    source = text.replace("{{", "\0").replace("}}", "\1")
    for m in PLACEHOLDER.finditer(source):
        parts.append(source[pos : m.start()])
        parts.append(_placeholder(m.group(0)[1:-1].strip(), where))
        pos = m.end()
    parts.append(source[pos:])
    if any(isinstance(p, str) and ("{" in p or "}" in p) for p in parts):
        raise RuleError(where, Msg("rule.unbalanced"))
    restored = tuple(p.replace("\0", "{").replace("\1", "}") if isinstance(p, str) else p for p in parts if p != "")
    return Template(text, restored)


def _count(inner: Getter) -> Getter:
    def count(s: Any) -> Any:
        v = inner(s)
        return v if v is None or isinstance(v, Unknown | Absent) else len(v)

    return count


def _placeholder(expr: str, where: Where) -> Placeholder:
    """The placeholder ``expr`` parsed and checked against the fact model, once per process: the pack's
    texts write ~270 placeholders with ~50 expressions (a message and its translation name the same facts).
    A problem is reported at ``where``, as :func:`~preflight.rules.paths.resolve_path` reports its own."""
    try:
        return _parse_placeholder(expr)
    except RuleError as e:
        raise RuleError((*where, *e.where), e.message) from None


@functools.lru_cache(maxsize=1024)  # bounded for hostile rule sets, as paths._resolve
def _parse_placeholder(expr: str) -> Placeholder:
    where: Where = ()
    written = expr
    path, *filters = (part.strip() for part in expr.split("|"))
    for name in filters:
        if name not in FILTERS:
            raise RuleError(where, Msg("rule.unknown_filter", filter=name, expr=expr, allowed=", ".join(FILTERS)))
    counting = "count" in filters
    expr = path
    getter: Callable[[Any], Any]
    if "[*]." in expr:
        list_text, item_text = expr.split("[*].", 1)
        ref = subject_path(list_text, where)
        if not ref.type.is_list or ref.type.fact is None:
            raise RuleError(where, Msg("rule.placeholder_list", list=list_text, expr=expr))
        getter = project(ref.getter(), resolve_path(item_text, ref.type.fact, where).getter())
    else:
        ref = subject_path(expr, where)
        getter = ref.getter()
        if counting and not ref.type.is_list:
            raise RuleError(where, Msg("rule.count_needs_list", expr=expr, type=ref.type.name))
    if counting:
        getter = _count(getter)
    return Placeholder(getter, shell="sh" in filters, lines="lines" in filters, reads=ref, expr=written)
