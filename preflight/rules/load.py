"""Load rule files: the bundled pack (fast path, from the parsed-document cache) and user rule directories
(parsed with line numbers and validated, every problem named with its file:line)."""

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from preflight.errors import Msg, PreflightError
from preflight.resources import rules_dir
from preflight.rules.cache import bundled_documents
from preflight.rules.paths import RuleError
from preflight.rules.rule import NamedList, Rule, compile_rule
from preflight.sources.common import display_path, list_dir, path_kind, read_text


def load_lists(directory: Path, cached: Mapping[str, Any] | None = None) -> dict[str, NamedList]:
    out: dict[str, NamedList] = {}
    for path in sorted(directory.glob("*.yaml")):
        data = (cached or {}).get(path.name)
        if data is None or _list_problem(data, path) is not None:
            from preflight import yamlpos

            display = display_path(path)
            data, lines = yamlpos.load(read_text(path), display)
            problem = _list_problem(data, path)
            if problem is not None:
                raise PreflightError(problem[1], f"{display}:{lines.line(problem[0])}")
        out[path.stem] = NamedList(path.stem, str(data.get("description", "")), tuple(data["values"]),
                                   str(data.get("source", "")))
    return out


def _list_problem(data: Any, path: Path) -> tuple[list[str], Msg] | None:
    if not isinstance(data, Mapping) or not isinstance(data.get("values"), list):
        return [], Msg("rule.list_shape")
    if not all(isinstance(v, str) for v in data["values"]):
        return ["values"], Msg("rule.list_values")
    if data.get("name") != path.stem:
        return ["name"], Msg("rule.list_name", stem=path.stem)
    return None


def schema_problems(doc: Any, display: str, lines: Any) -> list[tuple[str | None, Msg]]:
    from preflight.schemas import pointer, problems

    try:
        found = problems("rule", doc)
    except RecursionError:  # jsonschema recurses once per level of a condition
        return [(f"{display}:1", Msg("rule.schema_deep"))]
    return [(f"{display}:{lines.line(path)}", Msg("rule.schema_at", pointer=pointer(path), problem=message))
            for path, message in found]


def load_rule_file(path: Path, lists: Mapping[str, NamedList], *, validate_schema: bool,
                   parsed: Any = None, display: str | None = None) -> Rule:
    """Load, validate and compile one rule file.

    User rules (``validate_schema``) are parsed once with line tracking (duplicate keys are errors),
    compiled (which parses and checks the whole rule into its tree), and the same parsed document is then
    checked against the schema, which names every remaining problem at once. The bundled pack, which the
    test-suite validates, takes the fast path: its parsed documents come from the cache (``parsed``) or a
    plain safe load; only if compiling fails is the file parsed again with lines, to report where.
    ``display`` is the path as shown (:func:`display_path`'s, when the caller knows it already).
    """
    display = display or display_path(path)
    if not validate_schema and parsed is not None:
        try:
            return compile_rule(parsed, lists, display)
        except RuleError:
            pass  # reparse below, with lines, to say where
    from preflight import yamlpos

    if not validate_schema and parsed is None:
        try:
            return compile_rule(yamlpos.load_fast(read_text(path), display), lists, display)
        except RuleError:
            pass
    doc, lines = yamlpos.load(read_text(path), display)
    try:
        rule = compile_rule(doc, lists, f"{display}:{lines.line(())}")
    except RuleError as e:
        # the compiler's message says what is wrong in the rule's own terms ("unknown operator 'equals'"),
        # where the schema's oneOf over condition shapes could only say "not valid under any of the schemas"
        raise PreflightError(e.message, f"{display}:{lines.line(e.where)}") from None
    if validate_schema:  # and whatever the compiler let pass, the schema names, every problem at once
        problems = schema_problems(doc, display, lines)
        if problems:
            raise PreflightError.many(problems)
    return rule


def _display_in(directory: Path) -> Callable[[Path], str]:
    """:func:`display_path` of the files of ``directory``, resolving the directory once rather than every file
    (each resolution walks the whole path: a third of the start-up's rule loading): a file that is a symlink
    is resolved on its own."""
    base = display_path(directory)

    def shown(path: Path) -> str:
        if path.parent != directory or path.is_symlink():
            return display_path(path)
        return path.name if base == "." else f"{base}/{path.name}"

    return shown


def _rule_files(directory: Path) -> list[Path]:
    """The rule files of a directory; a path the OS cannot look at (a symlink loop, a name too long) is an
    error naming it, as is a rule file in the directory that cannot be looked at."""
    if path_kind(directory) != "dir":
        raise PreflightError(Msg("rule.no_dir"), display_path(directory))
    files = [directory / n for n in list_dir(directory) if Path(n).suffix in (".yaml", ".yml")]
    return [p for p in files if path_kind(p) == "file"]


class RuleSet(NamedTuple):
    rules: tuple[Rule, ...]
    lists: Mapping[str, NamedList]

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def load_rules(extra_dirs: Sequence[Path] = (), *, validate_bundled: bool = False) -> RuleSet:
    """The bundled rule pack plus rules from ``extra_dirs``.

    User rules are always validated against ``schemas/rule.schema.json``; the bundled pack is validated by
    the test-suite (so start-up does not pay for importing jsonschema) and compiled, with every check the
    compiler makes, on every run.
    """
    bundled = rules_dir()
    cached = None if validate_bundled else bundled_documents(bundled)
    lists = load_lists(bundled / "lists", {k.split("/", 1)[1]: v for k, v in (cached or {}).items()
                                           if k.startswith("lists/")})
    extra_files = [_rule_files(d) for d in extra_dirs]  # each directory checked before its lists/ is
    for d in extra_dirs:
        if path_kind(d / "lists") == "dir":
            for name, lst in load_lists(d / "lists").items():
                if name in lists:
                    raise PreflightError(Msg("rule.list_redefined", name=name),
                                         display_path(d / "lists" / f"{name}.yaml"))
                lists = {**lists, name: lst}
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    shown = _display_in(bundled)
    sources: list[tuple[Path, bool, Any, str | None]] = [
        (p, validate_bundled, (cached or {}).get(p.name), shown(p)) for p in _rule_files(bundled)]
    sources += [(p, True, None, None) for files in extra_files for p in files]
    for path, validate, parsed, display in sources:
        rule = load_rule_file(path, lists, validate_schema=validate, parsed=parsed, display=display)
        if rule.id in seen:
            raise PreflightError(Msg("rule.duplicate_id", rule=rule.id, first=seen[rule.id]), rule.source)
        seen[rule.id] = rule.source
        rules.append(rule)
    return RuleSet(tuple(sorted(rules, key=lambda r: r.id)), lists)
