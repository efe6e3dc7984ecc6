"""The operator registry and ``schemas/rule.schema.json`` say the same thing: the same leaf operators with
the same argument schemas, the same quantifiers, the same count comparisons, the same extra keys. The
compiler, its "unknown operator" message and the schema all follow the registry, so adding an operator in
one place and not the other fails here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from preflight.errors import Listing, Msg
from preflight.facts import Disk, Subject
from preflight.rules import LEAF_OPS, RuleError, load_rules
from preflight.rules.operators import COUNT_OPS, LEAF_KEYS, OPERATORS, QUANTIFIER_KEYS, QUANTIFIERS, Context
from preflight.rules.tree import Leaf, Quantifier, parse_condition
from tests.conftest import ROOT

SCHEMA: dict[str, Any] = json.loads((ROOT / "schemas" / "rule.schema.json").read_text(encoding="utf-8"))
DEFS = SCHEMA["$defs"]


def _one_of_required(node: dict[str, Any]) -> set[str]:
    names = set()
    for alt in node["oneOf"]:
        (name,) = alt["required"]
        names.add(name)
    return names


def test_leaf_operators_and_their_arguments_match_the_schema() -> None:
    leaf = DEFS["leaf"]
    assert {k: v for k, v in leaf["properties"].items() if k not in LEAF_KEYS} == \
        {name: dict(op.schema) for name, op in OPERATORS.items()}
    assert _one_of_required(leaf) == set(OPERATORS) == LEAF_OPS
    assert set(leaf["properties"]) >= set(LEAF_KEYS)


def test_quantifiers_match_the_schema() -> None:
    quantifier = DEFS["quantifier"]
    assert {k: v for k, v in quantifier["properties"].items() if k not in QUANTIFIER_KEYS} == \
        {name: dict(schema) for name, schema in QUANTIFIERS.items()}
    assert _one_of_required(quantifier) == set(QUANTIFIERS)
    assert set(quantifier["properties"]) >= set(QUANTIFIER_KEYS)


def test_count_comparisons_match_the_schema() -> None:
    assert set(DEFS["count"]["properties"]) == set(COUNT_OPS)
    assert all(v == {"type": "integer"} for v in DEFS["count"]["properties"].values())


def test_the_unknown_operator_message_lists_the_registry() -> None:
    with pytest.raises(RuleError) as e:
        parse_condition({"path": "request.OSSPrefix", "equals": "x"}, Subject, ("assert",), Context({}))
    assert e.value.message == Msg("rule.unknown_op", op="equals", ops=Listing(sorted({*OPERATORS, *QUANTIFIERS})))
    assert e.value.where == ("assert",)


#: a path of each kind, and an argument each operator accepts
PATHS = {"str": "request.OSSPrefix", "int": "Size", "bool": "bucket.BlockPublicAccess", "fact": "image",
         "list_of_facts": "image.disks", "list_of_str": "bucket.public_grants"}


def _scope(kind: str) -> type:
    return Disk if kind == "int" else Subject  # no number at the subject's own level: a disk's Size
ARGS: dict[str, Any] = {"eq": "x", "ne": "x", "in": ["x"], "not_in": ["x"], "matches": "x", "not_matches": "x",
                        "gt": 1, "gte": 1, "lt": 1, "lte": 1, "length": {"lte": 1}, "exists": True,
                        "unknown": True, "contains": "x"}


def test_every_operator_has_a_sample_argument() -> None:
    assert set(ARGS) == set(OPERATORS)


@pytest.mark.parametrize("op", sorted(OPERATORS))
@pytest.mark.parametrize("kind", sorted(PATHS))
def test_the_registry_decides_which_facts_an_operator_applies_to(op: str, kind: str) -> None:
    """Each operator parses on the facts its ``accepts`` admits and is a rule error (at the operator's key,
    naming the path and its type) on every other."""
    from preflight.rules.paths import resolve_path

    path = resolve_path(PATHS[kind], _scope(kind), ())
    operator = OPERATORS[op]
    arg = ARGS[op]
    if kind == "int" and op in ("eq", "ne", "in", "not_in"):
        arg = [1] if op in ("in", "not_in") else 1
    if kind == "bool" and op in ("eq", "ne", "in", "not_in"):
        arg = [True] if op in ("in", "not_in") else True
    node = {"path": PATHS[kind], op: arg}
    if operator.accepts is None or operator.accepts(path.type):
        parsed = parse_condition(node, _scope(kind), ("assert",), Context({}))
        assert isinstance(parsed, Leaf) and parsed.op == op and parsed.path == path
    else:
        with pytest.raises(RuleError) as e:
            parse_condition(node, _scope(kind), ("assert",), Context({}))
        assert e.value.where == ("assert", op)
        assert e.value.message.key == operator.wrong_type
        assert e.value.message.values["path"] == PATHS[kind]
        assert e.value.message.values["type"] == path.type.name


def test_sample_paths_are_of_their_kinds() -> None:
    from preflight.rules.paths import resolve_path

    types = {kind: resolve_path(p, _scope(kind), ()).type for kind, p in PATHS.items()}
    assert types["str"].scalar is str and types["int"].scalar is int and types["bool"].scalar is bool
    assert types["fact"].fact is not None and not types["fact"].is_list
    assert types["list_of_facts"].is_list and types["list_of_facts"].fact is not None
    assert types["list_of_str"].is_list and types["list_of_str"].scalar is str


@pytest.mark.parametrize("q", sorted(QUANTIFIERS))
def test_every_quantifier_parses(q: str) -> None:
    node = {"path": "image.disks", q: {"lte": 1} if q == "count" else {"path": "Size", "gt": 1}}
    parsed = parse_condition(node, Subject, ("assert",), Context({}))
    assert isinstance(parsed, Quantifier) and parsed.q == q


def test_user_rules_are_parsed_and_validated_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user rule file is read once, compiled once and schema-checked once per load."""
    from preflight import yamlpos
    from preflight.rules import load as load_mod

    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "X1.yaml").write_text(
        "id: X1\ntitle: {en: t, zh: 标题}\nseverity: info\ncategory: hygiene\n"
        "assert: {path: request.OSSPrefix, exists: true}\nmessage: {en: m, zh: 消息}\nremediation: {en: r, zh: 修复}\n",
        encoding="utf-8")
    calls = {"yaml": 0, "compile": 0, "schema": 0}
    real_load, real_compile, real_schema = yamlpos.load, load_mod.compile_rule, load_mod.schema_problems

    def count(name: str, fn: Any) -> Any:
        def wrapped(*a: Any, **k: Any) -> Any:
            calls[name] += 1
            return fn(*a, **k)

        return wrapped

    monkeypatch.setattr(yamlpos, "load", count("yaml", real_load))
    monkeypatch.setattr(load_mod, "compile_rule", count("compile", real_compile))
    monkeypatch.setattr(load_mod, "schema_problems", count("schema", real_schema))
    ruleset = load_rules([rules])
    assert ruleset.get("X1") is not None
    assert calls["schema"] == 1 and calls["yaml"] == 1  # the bundled pack comes from the cache or load_fast
    assert calls["compile"] == len(ruleset.rules)

