"""The evaluation of Terraform expressions, as far as the files decide them, with Terraform's semantics.

Literals, string templates, conditionals, operators, ``for`` expressions, indexes and the functions of
:mod:`preflight.sources.tffunctions` (``try``/``can``/``coalesce``/``jsonencode`` of a partly known value
here). Anything else (other functions, values the files do not decide) is
:class:`~.values.Unresolved` with the reason, and becomes an unknown fact; nothing is guessed. An error
Terraform would stop on (an index out of range, a function refusing its arguments) is an Unresolved marked
``error``, which ``try``/``can`` catch. Every step is counted against the run's :class:`~.limits.Budget`.

:class:`Evaluator` is the base of :class:`~.module.Module`, which resolves the names an expression
refers to (variables, locals, resources, ``count``/``each``, module outputs, splats over instances).
Every evaluation runs in an explicit, immutable :class:`Env` (the module, the instance of a counted
resource, the names bound by ``for`` and ``dynamic``), passed down rather than swapped in and out of the
module: no evaluation sees another's bindings, and nothing is restored afterwards.
"""

from __future__ import annotations

import abc
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from preflight.errors import Msg
from preflight.sources.terraform.limits import Budget
from preflight.sources.terraform.syntax import (
    Call,
    Conditional,
    ForExpr,
    ObjectExpr,
    Opaque,
    Operation,
    Postfix,
    Splat,
    StrIndex,
    Template,
    Traversal,
    TupleExpr,
)
from preflight.sources.terraform.values import Hole, Partial, PartialText, Unresolved, partial_collection, plain


@dataclass(frozen=True, slots=True, eq=False)
class Instance:
    """One instance of a resource (or module call) with ``count`` or ``for_each``: what ``count.index``, or
    ``each.key`` and ``each.value``, are in its expressions. ``values`` is Unresolved when the count or
    for_each is not known statically: the resource then stays one, its instance-dependent values unknown."""

    address: str  # of the resource or call, without the instance key
    meta: str  # "count" | "for_each"
    values: Mapping[str, Any] | Unresolved
    key: int | str | None = None

    @property
    def suffix(self) -> str:
        """``[0]`` or ``["key"]``, as Terraform writes the instance's address."""
        if self.key is None:
            return ""
        return f"[{self.key}]" if isinstance(self.key, int) else f"[{json.dumps(self.key, ensure_ascii=False)}]"


@dataclass(frozen=True, slots=True, eq=False)
class Env:
    """Where an expression is evaluated, passed down the evaluation and never kept in the evaluator: the
    module instance whose names it reads (variables, locals, resources, module calls), the instance of a
    resource or module call with ``count``/``for_each`` it belongs to (``count.index``, ``each.key``,
    ``each.value``; None outside one), and the names bound by the ``for`` expressions and ``dynamic`` blocks
    around it. Immutable: a nested scope is a new Env, so two evaluations, nested or concurrent, never see
    each other's bindings, and nothing has to be restored afterwards.

    Whether a partly known value may be returned is not part of it: that is each reader's choice
    (:meth:`Evaluator.eval` or :meth:`Evaluator.eval_partial`), and is not inherited by what it reads."""

    module: Evaluator
    instance: Instance | None = None
    names: Mapping[str, Any] = field(default_factory=dict)

    def bind(self, names: Mapping[str, Any]) -> Env:
        """This Env with ``names`` bound too (a for expression's element, a dynamic block's iterator)."""
        return Env(self.module, self.instance, {**self.names, **names})


class Evaluator(abc.ABC):
    """What an expression evaluates to in an :class:`Env`; the names it refers to are resolved by the Env's
    module (the subclass)."""

    #: what the root module's evaluation may still spend (shared by every module instance it loads)
    _budget: Budget
    #: this module's own Env: no instance, no bound names
    env: Env

    @abc.abstractmethod
    def _traversal(self, t: Traversal, env: Env) -> Any:
        """What a reference (``var.x``, ``local.y``, ``type.name.attr``, ``each.key``, a bound name) is."""

    @abc.abstractmethod
    def _instances_of(self, expr: Any) -> list[Any] | None:
        """``type.name`` of a resource with a known count/for_each as a list of its instances, else None."""

    @abc.abstractmethod
    def _splat(self, sp: Splat, env: Env) -> Any:
        """``base[*].steps`` (over a resource's or module call's instances, or a value)."""

    # -- evaluation -------------------------------------------------------------------------------------
    def eval(self, expr: Any, env: Env | None = None) -> Any:
        """What an expression evaluates to in ``env`` (this module's own by default); a partly known value is
        a plain Unresolved here."""
        v = self.eval_partial(expr, env)
        return Unresolved(v.reason, v.error) if isinstance(v, Partial) else v

    def eval_partial(self, expr: Any, env: Env | None = None) -> Any:
        """What an expression evaluates to in ``env`` (this module's own by default), a partly known value as
        a :class:`Partial`."""
        if expr is None or isinstance(expr, str | int | float | bool):
            return expr
        budget = self._budget
        budget.steps += 1
        if budget.steps > budget.limits.eval_steps:
            return Unresolved(Msg("iac.cap_steps", cap=budget.limits.eval_steps))
        if budget.depth >= budget.limits.eval_depth:
            return Unresolved(Msg("iac.cap_eval_depth", cap=budget.limits.eval_depth))
        budget.depth += 1
        try:
            return self._eval(expr, self.env if env is None else env)
        finally:
            budget.depth -= 1

    def _eval(self, expr: Any, env: Env) -> Any:
        if isinstance(expr, Template):
            return self._template(expr, env)
        if isinstance(expr, TupleExpr):
            items = [self.eval_partial(x, env) for x in expr.items]
            partial = partial_collection(items, list)
            return self._budget.checked_partial(partial) if partial is not None else self._checked(items)
        if isinstance(expr, ObjectExpr):
            return self._object(expr, env)
        if isinstance(expr, Call):
            return self._call(expr, env)
        if isinstance(expr, Traversal):
            return env.module._traversal(expr, env)
        if isinstance(expr, StrIndex):
            return expr.value
        if isinstance(expr, Conditional):
            return self._conditional(expr, env)
        if isinstance(expr, Operation):
            return self._operation(expr, env)
        if isinstance(expr, Postfix):
            return self._index(self.eval(expr.base, env), expr.steps, "(…)" + _steps_text(expr.steps), env)
        if isinstance(expr, Splat):
            return env.module._splat(expr, env)
        if isinstance(expr, ForExpr):
            return self._for(expr, env)
        if isinstance(expr, Opaque):
            return Unresolved(Msg("iac.not_static", what=expr.kind))
        return Unresolved(Msg("iac.expr_not_static"))

    def _checked(self, v: Any) -> Any:
        return v if isinstance(v, Unresolved) else self._budget.checked(v)

    def _spend(self, *values: Any, steps: int = 0) -> Unresolved | None:
        """Count work that is not one evaluation step (a function's or an operator's, proportional to the size
        of its values; a for or splat element) against the cap on steps; past it, the Unresolved to return."""
        budget = self._budget
        budget.steps += steps + sum(budget.measure(v)[0] for v in values)
        if budget.steps > budget.limits.eval_steps:
            return Unresolved(Msg("iac.cap_steps", cap=budget.limits.eval_steps))
        return None

    def _template(self, t: Template, env: Env) -> Any:
        """A string template; with unknown parts (not errors), a :class:`Partial` keeping the literal ones."""
        out: list[str | Hole] = []
        first: Unresolved | None = None
        size, cap = 0, self._budget.limits.value_size
        for p in t.parts:
            v = self.eval_partial(p, env)
            if isinstance(v, Unresolved):
                if v.error:
                    return plain(v)
                first = first or v
                if isinstance(v, Partial) and isinstance(v.value, PartialText):
                    out += v.value.parts
                else:
                    out.append(Hole("${" + (p.text if isinstance(p, Traversal) else "…") + "}"))
                continue
            if isinstance(v, bool):
                out.append("true" if v else "false")
            elif isinstance(v, str | int | float):
                out.append(str(v))
            else:
                return Unresolved(Msg("iac.template_non_string"))
            size += len(out[-1]) if isinstance(out[-1], str) else 0
            if size > cap:
                return Unresolved(Msg("iac.cap_value_size", cap=cap))
        if first is not None:
            return Partial(first.reason, value=PartialText(tuple(out)))
        return "".join(x for x in out if isinstance(x, str))

    def _object(self, o: ObjectExpr, env: Env) -> Any:
        keys: list[str] = []
        values: list[Any] = []
        for k, v in o.items:
            key = self.eval(k, env)
            if isinstance(key, Unresolved):
                return key
            keys.append(str(key))
            values.append(self.eval_partial(v, env))
        partial = partial_collection(values, lambda vs: dict(zip(keys, vs, strict=True)))
        if partial is not None:
            return self._budget.checked_partial(partial)
        return self._checked(dict(zip(keys, values, strict=True)))

    def _call(self, c: Call, env: Env) -> Any:
        """A function call, as Terraform evaluates it: ``try``/``can`` catch errors, ``coalesce`` takes the
        first argument that is neither null nor empty; any other function of an unknown argument is unknown."""
        from preflight.sources import tffunctions as tff

        if c.name in ("try", "can") and c.args and not c.expand:
            return self._try(c, env)
        if c.name == "jsonencode" and len(c.args) == 1 and not c.expand:
            arg = self.eval_partial(c.args[0], env)
            if isinstance(arg, Partial) and not isinstance(arg.value, PartialText):
                # a document known in part: its JSON text with the unknown parts inside their strings, which a
                # template may interpolate (``"RAM": ${local.arns}``) and the policy reader parses back
                return Partial(arg.reason, arg.error, value=PartialText(_json_parts(arg.value)))
        if c.name == "length" and len(c.args) == 1:
            instances = env.module._instances_of(c.args[0])
            if instances is not None:
                return len(instances)
        if c.name == "coalesce" and not c.expand:
            return self._coalesce([self.eval_partial(a, env) for a in c.args])
        fn = tff.FUNCTIONS.get(c.name)
        if fn is None and c.name != "coalesce":
            return Unresolved(Msg("iac.function_not_static", name=c.name))
        args = [self.eval(a, env) for a in c.args]
        if c.expand and args:
            last = args.pop()
            if isinstance(last, list):
                args += last
            else:
                args.append(last if isinstance(last, Unresolved) else Unresolved(
                    Msg("iac.call_error", name=c.name, what=Msg("iac.why_expand")), error=True))
        if c.name == "coalesce":
            return self._coalesce(args)
        assert fn is not None
        for a in args:
            if isinstance(a, Unresolved):
                return a
        over = self._spend(*args)
        if over is not None:
            return over
        try:
            result = fn(args, self._budget.limits.value_size)
            return self._spend(result) or self._checked(result)
        except tff.CallError as e:
            return Unresolved(e.msg, error=True)
        except tff.NotStatic as e:
            return Unresolved(e.msg)
        except RecursionError:
            return Unresolved(Msg("iac.kind_nested"))

    def _try(self, c: Call, env: Env) -> Any:
        """``try(a, b, …)``: the first argument that evaluates without an error; unknown as soon as one is
        unknown (Terraform cannot tell before apply whether it would fail). ``can(a)``: whether it does."""
        last: Any = None
        for arg in c.args:
            v = self.eval(arg, env)
            if isinstance(v, Unresolved) and v.error:
                if c.name == "can":
                    return False
                last = v
                continue
            if c.name == "can":
                return v if isinstance(v, Unresolved) else True
            return v
        return Unresolved(Msg("iac.call_error", name="try", what=Msg("iac.why_try")),
                          error=True) if last is not None else last

    @staticmethod
    def _coalesce(args: list[Any]) -> Any:
        for a in args:
            if isinstance(a, Partial) and isinstance(a.value, PartialText) and any(
                    isinstance(p, str) and p for p in a.value.parts):
                return a  # a string known in part and not empty whatever its unknown parts: the one taken
            if isinstance(a, Unresolved):
                return plain(a)  # an unknown before any known value decides: unknown
            if a is not None and a != "":
                return a
        return Unresolved(Msg("iac.call_error", name="coalesce", what=Msg("iac.why_coalesce")), error=True)

    def _conditional(self, c: Conditional, env: Env) -> Any:
        from preflight.sources import tffunctions as tff

        cond = self.eval(c.cond, env)
        if isinstance(cond, Unresolved):
            return cond
        try:
            chosen = tff.to_bool(cond, "condition")
        except tff.CallError as e:
            return Unresolved(e.msg, error=True)
        # a known condition picks the branch exactly: a branch known in part stays so (for the policy reader)
        return self.eval_partial(c.then if chosen else c.other, env)

    def _operation(self, o: Operation, env: Env) -> Any:
        from preflight.sources import tffunctions as tff

        values = [self.eval(x, env) for x in o.operands]
        if o.op in ("&&", "||"):  # a known operand that decides the result decides it, the other unknown or not
            decisive = o.op == "||"
            for v in values:
                if v is decisive or v == ("true" if decisive else "false"):
                    return decisive
        for v in values:
            if isinstance(v, Unresolved):
                return v
        over = self._spend(*values) if o.op in ("==", "!=") else None  # comparing lists and maps takes time
        if over is not None:
            return over
        try:
            return _operate(o.op, values)
        except tff.CallError as e:
            return Unresolved(e.msg, error=True)

    def _for(self, f: ForExpr, env: Env) -> Any:
        """A ``for`` expression over a known collection (a map in key order), each element evaluated with the
        iteration names bound; unknown when the collection, or a condition, key or value it needs, is."""
        coll = self.eval(f.collection, env)
        if isinstance(coll, Unresolved):
            return coll
        if isinstance(coll, dict):
            pairs: list[tuple[Any, Any]] = sorted(coll.items())
        elif isinstance(coll, list):
            pairs = list(enumerate(coll))
        else:
            return Unresolved(Msg("iac.call_error", name="for", what=Msg("iac.why_not_collection")), error=True)
        out_list: list[Any] = []
        out_map: dict[str, Any] = {}
        for k, v in pairs:
            over = self._spend(steps=1)  # an element whose value is a literal is not an evaluation step
            if over is not None:
                return over
            inner = env.bind({f.value_var: v, **({f.key_var: k} if f.key_var else {})})
            if f.cond is not None:
                keep = self.eval(f.cond, inner)
                if isinstance(keep, Unresolved):
                    return keep
                if not isinstance(keep, bool):
                    return Unresolved(Msg("iac.call_error", name="for", what=Msg("iac.why_cond_bool")),
                                      error=True)
                if not keep:
                    continue
            value = self.eval(f.value, inner)
            if isinstance(value, Unresolved):
                return value
            if f.key is None:
                out_list.append(value)
                continue
            key = self.eval(f.key, inner)
            if isinstance(key, Unresolved):
                return key
            if not isinstance(key, str | int | float | bool):
                return Unresolved(Msg("iac.call_error", name="for", what=Msg("iac.why_key_string")), error=True)
            from preflight.sources.tffunctions import to_string

            skey = to_string(key)
            if f.group:
                out_map.setdefault(skey, []).append(value)
            elif skey in out_map:
                return Unresolved(Msg("iac.call_error", name="for", what=Msg("iac.why_duplicate_key")), error=True)
            else:
                out_map[skey] = value
        return self._checked(out_list if f.key is None else out_map)

    def _index(self, v: Any, steps: Sequence[Any], ref: str, env: Env) -> Any:
        for s in steps:
            if isinstance(v, Unresolved):
                return plain(v)  # a part of a value known in part is not known
            if not isinstance(s, str | int):
                s = self.eval(s, env)
                if isinstance(s, Unresolved):
                    return s
            if isinstance(v, list) and isinstance(s, str) and s.isascii() and s.isdigit() and len(s) < 20:
                s = int(s)  # a list indexed by a string of digits, as Terraform converts it
            in_map = isinstance(v, dict) and isinstance(s, str) and s in v
            in_list = isinstance(v, list) and isinstance(s, int) and not isinstance(s, bool) and 0 <= s < len(v)
            if in_map or in_list:
                v = v[s]
            else:
                return Unresolved(Msg("iac.no_such_element", ref=ref), error=True)
        return v


def _steps_text(steps: Sequence[Any]) -> str:
    return Traversal("", tuple(steps)).text


_COMPARE = {"<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b}
_ARITHMETIC = {"+", "-", "*", "/", "%"}


def _operate(op: str, values: list[Any]) -> Any:
    """An operator on known values, as Terraform applies it (numbers given as strings convert; ``==`` compares
    type and value; errors raise ``tffunctions.CallError``)."""
    from preflight.sources import tffunctions as tff

    if op == "!":
        return not tff.to_bool(values[0], "!")
    if op == "neg":
        return tff.to_number(-tff.to_number(values[0], "-"))
    a, b = values
    if op in ("&&", "||"):
        p, q = tff.to_bool(a, op), tff.to_bool(b, op)
        return (p and q) if op == "&&" else (p or q)
    if op in ("==", "!="):
        same = tff.same(a, b)
        return same if op == "==" else not same
    x, y = tff.to_number(a, op), tff.to_number(b, op)
    if op in _COMPARE:
        return bool(_COMPARE[op](x, y))
    if op in ("/", "%") and y == 0:
        raise tff.CallError(Msg("iac.call_error", name=op, what=Msg("iac.why_division")))
    if op == "+":
        r: Any = x + y
    elif op == "-":
        r = x - y
    elif op == "*":
        if abs(x) > 1e300 or abs(y) > 1e300:
            raise tff.CallError(Msg("iac.call_error", name=op, what=Msg("iac.why_too_large")))
        r = x * y
    elif op == "/":
        r = x / y
    elif op == "%":
        r = math.fmod(x, y) if isinstance(x, float) or isinstance(y, float) else int(math.fmod(x, y))
    else:
        raise tff.CallError(Msg("iac.call_error", name=op, what=Msg("iac.why_operator")))
    if isinstance(r, int) and abs(r).bit_length() > 3_000:
        raise tff.CallError(Msg("iac.call_error", name=op, what=Msg("iac.why_too_large")))
    return tff.to_number(r) if isinstance(r, float) and math.isfinite(r) else r


def _collect(items: list[Any]) -> Any:
    for v in items:
        if isinstance(v, Unresolved):
            return v
    return items


def _json_parts(v: Any) -> tuple[str | Hole, ...]:
    """``jsonencode`` of a value whose strings may be known in part (:class:`PartialText`): the JSON text
    (as :func:`preflight.sources.tffunctions` writes it) with each unknown part left as its :class:`Hole`, inside
    its string. The value's size and depth were bounded when it was built."""
    out: list[str | Hole] = []

    def add(x: Any) -> None:
        if isinstance(x, PartialText):
            out.append('"')
            out.extend(json.dumps(p)[1:-1] if isinstance(p, str) else p for p in x.parts)
            out.append('"')
        elif isinstance(x, dict):
            out.append("{")
            for i, (k, item) in enumerate(x.items()):
                out.append(("," if i else "") + json.dumps(k) + ":")
                add(item)
            out.append("}")
        elif isinstance(x, list):
            out.append("[")
            for i, item in enumerate(x):
                if i:
                    out.append(",")
                add(item)
            out.append("]")
        else:
            out.append(json.dumps(x, separators=(",", ":")))

    add(v)
    merged: list[str | Hole] = []
    for part in out:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return tuple(merged)
