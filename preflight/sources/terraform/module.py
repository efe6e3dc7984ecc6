"""A Terraform module: the files of one directory, parsed together, with what their expressions evaluate to.

Variables (defaults, ``TF_VAR_`` environment variables, ``terraform.tfvars``, ``*.auto.tfvars``, var files
given explicitly, in Terraform's precedence), ``locals``, outputs, references to arguments of resources in
the module, ``count``/``for_each`` and ``dynamic`` blocks; the expressions themselves are evaluated by
:class:`~.evaluate.Evaluator`. Data sources, variables without a value and attributes computed at apply time
are :class:`~.values.Unresolved` with the reason.

A resource (or module call) with a known ``count``/``for_each`` is expanded into its instances
(:class:`Expansion`, addresses ``type.name[0]``, ``type.name["k"]``); an unknown one stays one resource whose
``count.index``/``each.*`` are unresolved. Each instance's arguments are evaluated in an
:class:`~.evaluate.Env` of their own (``Env(module, instance)``), its ``dynamic`` blocks in that Env with the
iterator bound, and a named expression (variable, local, output, argument read elsewhere) in its module's
Env with its instance only: a reader's bindings never reach what it reads.

A ``module`` block with a local source loads that directory as a child :class:`Module` (inputs evaluated in
the caller's Env for that call instance, resources under ``module.NAME.``, outputs readable from the caller);
a remote source, a missing directory or a cycle leaves the call Unresolved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from preflight.errors import Msg
from preflight.model import Location
from preflight.sources.terraform.evaluate import Env, Evaluator, Instance, _collect, _steps_text
from preflight.sources.terraform.limits import LIMITS, MAX_INT_DIGITS, Budget
from preflight.sources.terraform.reader import _Reader
from preflight.sources.terraform.syntax import ObjectExpr, RawBlock, RawBody, Splat, Template, Traversal, TupleExpr
from preflight.sources.terraform.values import MISSING, Attr, Block, Resource, Unresolved

#: resource types whose ``id`` is one of their arguments (provider semantics), and their name arguments
ID_ARGUMENT = {
    "alicloud_oss_bucket": ("bucket",),
    "alicloud_ram_role": ("role_name", "name"),
    "alicloud_ram_policy": ("policy_name", "name"),
}
#: deprecated names of the same argument
ALIASES = {("alicloud_ram_role", "name"): "role_name", ("alicloud_ram_role", "role_name"): "name",
           ("alicloud_ram_policy", "name"): "policy_name", ("alicloud_ram_policy", "policy_name"): "name",
           ("alicloud_ram_role", "document"): "assume_role_policy_document",
           ("alicloud_ram_policy", "document"): "policy_document"}
_RUNTIME_ROOTS = {"path", "terraform", "self"}
#: arguments of a ``module`` block that are not the child's input variables
_MODULE_META = frozenset({"source", "version", "count", "for_each", "providers", "depends_on"})


@dataclass(frozen=True, slots=True)
class Expansion:
    """The instances of a block with ``count``/``for_each`` (none for ``count = 0``), or why they are unknown."""

    meta: str
    instances: tuple[Instance, ...] | Unresolved


@dataclass
class ModuleCall:
    """A ``module`` block: its instances, each a child :class:`Module`, or why its contents are unknown."""

    name: str
    expansion: Expansion | None
    children: list[tuple[Instance | None, Module]] | Unresolved


class Module(Evaluator):
    """The Terraform files of one directory, with what their expressions evaluate to.

    The root module takes its variables from ``tfvars`` (the values of ``.tfvars`` files and ``TF_VAR_``
    variables, by precedence) and their defaults; a child module (``module`` block with a local source) from
    ``inputs``, the block's arguments already evaluated in the caller, and addresses its resources under
    ``prefix`` (``module.NAME.``)."""

    def __init__(self, blocks: Sequence[RawBlock], tfvars: Mapping[str, tuple[Any, Location]], *,
                 inputs: Mapping[str, tuple[Any, Location]] | None = None,
                 providers: Mapping[str, tuple[Module, RawBlock]] | None = None, prefix: str = "",
                 reader: _Reader | None = None, chain: tuple[Path, ...] | None = None,
                 budget: Budget | None = None) -> None:
        self.blocks = list(blocks)
        self.tfvars = dict(tfvars)
        self.inputs = None if inputs is None else dict(inputs)
        self.prefix = prefix
        self.variables: dict[str, RawBlock] = {}
        self.locals: dict[str, tuple[Any, Location]] = {}
        #: provider key -> (the module it is written in, its block)
        self.providers: dict[str, tuple[Module, RawBlock]] = dict(providers or {})
        self.resources: dict[str, RawBlock] = {}
        self.outputs: dict[str, RawBlock] = {}
        self.module_blocks: dict[str, RawBlock] = {}
        for b in self.blocks:
            if b.type == "variable" and b.labels:
                self.variables[b.labels[0]] = b
            elif b.type == "locals":
                for name, (expr, line) in b.body.attrs.items():
                    self.locals[name] = (expr, Location(b.path, line))
            elif b.type == "provider" and b.labels:
                alias = b.body.attrs.get("alias")
                key = b.labels[0] if alias is None else f"{b.labels[0]}.{alias[0]}"
                self.providers[key] = (self, b)
            elif b.type == "resource" and len(b.labels) == 2:
                self.resources[f"{b.labels[0]}.{b.labels[1]}"] = b
            elif b.type == "output" and b.labels:
                self.outputs[b.labels[0]] = b
            elif b.type == "module" and b.labels:
                self.module_blocks[b.labels[0]] = b
        self._evaluating: set[str] = set()
        self._expansions: dict[str, Expansion | None] = {}
        self._calls: dict[str, ModuleCall] = {}
        self._reader = reader
        self._chain = chain
        self._budget = budget if budget is not None else Budget(LIMITS)
        #: what a variable, local, output or argument evaluated to, by its key and the instance
        self._memo: dict[tuple[str, Instance | None], Any] = {}
        #: this module's own Env (no instance, no bound names): where its named expressions are evaluated
        self.env = Env(self)
        self._unknown: dict[str, Instance] = {}

    @property
    def label(self) -> str:
        """``module.NAME`` for a child module (its address), ``the root module`` never shown."""
        return self.prefix.rstrip(".")

    # -- references ------------------------------------------------------------------------------------
    def _splat(self, sp: Splat, env: Env) -> Any:
        """``base[*].steps``: the steps applied to each element; a resource (or module call) with a known
        ``count`` is the list of its instances, one without ``count`` a list of one, null an empty list."""
        base = sp.base
        if isinstance(base, Traversal) and len(base.steps) == 1 and isinstance(base.steps[0], str):
            address = f"{base.root}.{base.steps[0]}"
            expansion: Expansion | None | Unresolved = MISSING
            if base.root == "module" and base.steps[0] in self.module_blocks:
                call = self.call(base.steps[0])
                expansion = None if call is None else call.expansion
            elif address in self.resources:
                expansion = self.expansion(address)
            if expansion is None:
                return self._collected([self.eval(Traversal(base.root, (base.steps[0], *sp.steps)), env)])
            if isinstance(expansion, Expansion):
                if isinstance(expansion.instances, Unresolved):
                    return expansion.instances
                if expansion.meta != "count":  # a map of instances: a splat of it is not theirs
                    return Unresolved(Msg("iac.call_error", name="[*]", what=Msg("iac.why_list")), error=True)
                return self._collected([self.eval(Traversal(base.root, (base.steps[0], inst.key, *sp.steps)), env)
                                        for inst in expansion.instances])
        v = self.eval(base, env)
        if isinstance(v, Unresolved):
            return v
        if v is None:
            return []
        items = v if isinstance(v, list) else [v]
        over = self._spend(steps=len(items))
        if over is not None:
            return over
        text = "[*]" + _steps_text(sp.steps)
        return self._collected([self._index(x, sp.steps, text, env) for x in items])

    def _collected(self, items: list[Any]) -> Any:
        return self._checked(_collect(items))

    def _traversal(self, t: Traversal, env: Env) -> Any:
        root, steps = t.root, t.steps
        if root in env.names:  # a name bound by a for expression or a dynamic block's iterator
            return self._index(env.names[root], steps, t.text, env)
        if root == "var" and steps and isinstance(steps[0], str):
            return self._index(self.variable(steps[0]), steps[1:], t.text, env)
        if root == "local" and steps and isinstance(steps[0], str):
            return self._index(self.local(steps[0]), steps[1:], t.text, env)
        if root == "data":
            name = ".".join(str(s) for s in steps[:2])
            return Unresolved(Msg("iac.data_source", name=name))
        if root in ("count", "each"):
            return self._instance_value(t, env)
        if root == "module" and steps and isinstance(steps[0], str):
            return self._module_output(steps[0], list(steps[1:]), t, env)
        if root in _RUNTIME_ROOTS or root == "module" or not steps or not isinstance(steps[0], str):
            return Unresolved(Msg("iac.runtime_value", ref=t.text))
        address = f"{root}.{steps[0]}"
        rest = list(steps[1:])
        if address not in self.resources:
            return Unresolved(Msg("iac.resource_undefined", address=self.prefix + address))
        expansion = self.expansion(address)
        ctx: Instance | None = None
        shown = self.prefix + address
        if expansion is not None and not isinstance(expansion.instances, Unresolved):
            picked = self._pick(expansion, shown, rest, t, env)
            if isinstance(picked, Unresolved):
                return picked
            ctx, rest = picked
            shown += ctx.suffix
        else:
            while rest and not isinstance(rest[0], str):  # an index into a count/for_each not known
                rest.pop(0)
            if expansion is not None and isinstance(expansion.instances, Unresolved):
                ctx = self._unknown_instance(address, expansion)
        if not rest:
            return Unresolved(Msg("iac.resource_object", address=shown))
        return self._index(self.resource_attr(address, rest[0], ctx), rest[1:], t.text, env)

    def _instances_of(self, expr: Any) -> list[Any] | None:
        """``type.name`` of a resource with a known count/for_each, as a list of its instances (for
        ``length(...)``); None for anything else."""
        if not isinstance(expr, Traversal) or len(expr.steps) != 1 or not isinstance(expr.steps[0], str):
            return None
        address = f"{expr.root}.{expr.steps[0]}"
        expansion = self.expansion(address) if address in self.resources else None
        if expansion is None or isinstance(expansion.instances, Unresolved):
            return None
        return [inst.key for inst in expansion.instances]

    def _pick(self, expansion: Expansion, shown: str, rest: list[Any], t: Traversal, env: Env
              ) -> tuple[Instance, list[Any]] | Unresolved:
        """The instance a reference names (``x.y[0]``, ``x.y["k"]``) and the steps after its key."""
        assert not isinstance(expansion.instances, Unresolved)
        if not rest or isinstance(rest[0], str):
            return Unresolved(Msg("iac.instance_key_missing", address=shown, meta=expansion.meta))
        key = rest[0] if isinstance(rest[0], int) else self.eval(rest[0], env)
        if isinstance(key, Unresolved):
            return key
        if expansion.meta == "count" and isinstance(key, str) and key.isascii() and key.isdigit():
            key = _whole(key)
        for inst in expansion.instances:
            if inst.key == key and type(inst.key) is type(key):
                return inst, rest[1:]
        return Unresolved(Msg("iac.no_such_element", ref=t.text))

    def _instance_value(self, t: Traversal, env: Env) -> Any:
        meta = "count" if t.root == "count" else "for_each"
        inst = env.instance
        if inst is None or inst.meta != meta:
            return Unresolved(Msg("iac.instance_outside", ref=t.text, meta=meta))
        if isinstance(inst.values, Unresolved):
            return Unresolved(Msg("iac.instance_unknown", ref=t.text, meta=meta, address=self.prefix + inst.address,
                                  reason=inst.values.reason))
        steps = t.steps
        if not steps or not isinstance(steps[0], str) or steps[0] not in inst.values:
            return Unresolved(Msg("iac.no_such_element", ref=t.text))
        return self._index(inst.values[steps[0]], steps[1:], t.text, env)

    def variable(self, name: str) -> Any:
        if self.inputs is not None:  # a child module: the calling block sets its variables
            block = self.variables.get(name)
            if block is None:
                return Unresolved(Msg("iac.var_undeclared", name=name))
            if name in self.inputs:
                return self.inputs[name][0]
            if "default" in block.body.attrs:
                return self._guarded(f"var.{name}", block.body.attrs["default"][0], None)
            return Unresolved(Msg("iac.module_var_missing", name=name, module=self.label))
        if name in self.tfvars:
            return self._guarded(f"tfvar.{name}", self.tfvars[name][0], None)
        block = self.variables.get(name)
        if block is None:
            return Unresolved(Msg("iac.var_undeclared", name=name))
        if "default" not in block.body.attrs:
            return Unresolved(Msg("iac.var_no_value", name=name))
        return self._guarded(f"var.{name}", block.body.attrs["default"][0], None)

    def local(self, name: str) -> Any:
        if name not in self.locals:
            return Unresolved(Msg("iac.local_undefined", name=name))
        return self._guarded(f"local.{name}", self.locals[name][0], None)

    def resource_attr(self, address: str, name: str, ctx: Instance | None = None) -> Any:
        block = self.resources[address]
        rtype = block.labels[0]
        attrs = block.body.attrs
        shown = self.prefix + address + (ctx.suffix if ctx is not None else "")
        if name == "id" and rtype in ID_ARGUMENT:
            for arg in ID_ARGUMENT[rtype]:
                if arg in attrs:
                    return self._guarded(f"{shown}.{arg}", attrs[arg][0], ctx)
        if name not in attrs and (rtype, name) in ALIASES:
            name = ALIASES[(rtype, name)]
        if name in attrs and name not in ("count", "for_each"):
            return self._guarded(f"{shown}.{name}", attrs[name][0], ctx)
        return Unresolved(Msg("iac.computed_attr", address=shown, name=name))

    def _guarded(self, key: str, expr: Any, ctx: Instance | None) -> Any:
        """The value of a named expression (a variable, local, output or argument of an instance), evaluated
        once: a local that two others use is not evaluated twice (nor 2^31 times down a chain of them)."""
        memo = (key, ctx)
        if memo in self._memo:
            self._budget.steps += 1
            return self._memo[memo]
        if key in self._evaluating:
            return Unresolved(Msg("iac.self_reference", key=key))
        self._evaluating.add(key)
        try:  # in its own Env: a named expression sees no for/iterator names of its reader
            value = self.eval_partial(expr, Env(self, ctx))
        finally:
            self._evaluating.discard(key)
        self._memo[memo] = value
        return value

    def target(self, expr: Any, env: Env | None = None, depth: int = 0) -> str | None:
        """The managed resource (instance) an expression refers to (through locals, and through the output
        of a local module called once: ``module.b.id`` whose ``value = alicloud_oss_bucket.this.id``), for
        joins; an index written as an expression is evaluated in ``env`` (this module's own by default)."""
        if isinstance(expr, Template) and len(expr.parts) == 1:
            expr = expr.parts[0]
        if not isinstance(expr, Traversal) or depth > 10:
            return None
        if expr.root == "module" and len(expr.steps) == 2 and all(isinstance(s, str) for s in expr.steps):
            call = self.call(str(expr.steps[0]))
            if call is None or isinstance(call.children, Unresolved) or len(call.children) != 1 \
                    or call.children[0][0] is not None:
                return None  # a remote or counted module: which instance's resource is not told here
            child = call.children[0][1]
            block = child.outputs.get(str(expr.steps[1]))
            if block is None or "value" not in block.body.attrs:
                return None
            return child.target(block.body.attrs["value"][0], None, depth + 1)
        if expr.root == "local" and expr.steps and len(expr.steps) == 1 and isinstance(expr.steps[0], str):
            local = self.locals.get(expr.steps[0])
            if not local:
                return None
            return self.target(local[0], self.env, depth + 1)
        if expr.steps and isinstance(expr.steps[0], str):
            address = f"{expr.root}.{expr.steps[0]}"
            if address in self.resources:
                expansion = self.expansion(address)
                if expansion is None or isinstance(expansion.instances, Unresolved):
                    return self.prefix + address
                picked = self._pick(expansion, address, list(expr.steps[1:]), expr,
                                    self.env if env is None else env)
                return None if isinstance(picked, Unresolved) else self.prefix + address + picked[0].suffix
        return None

    # -- count and for_each -----------------------------------------------------------------------------
    def expansion(self, address: str) -> Expansion | None:
        """The instances of a resource (``type.name``) or module call (``module.name``); None without
        ``count``/``for_each``."""
        if address not in self._expansions:
            block = self.module_blocks[address[7:]] if address.startswith("module.") else self.resources[address]
            self._expansions[address] = None  # a count that refers to its own resource is not resolved
            self._expansions[address] = self._expand(address, block)
        return self._expansions[address]

    def _expand(self, address: str, block: RawBlock) -> Expansion | None:
        attrs = block.body.attrs
        shown = self.prefix + address
        if "count" in attrs:
            v = self._guarded(f"{shown}.count", attrs["count"][0], None)
            if isinstance(v, Unresolved):
                return Expansion("count", v)
            n = _whole(v)
            if n is None:
                return Expansion("count", Unresolved(Msg("iac.count_invalid", address=shown)))
            capped = self._charge(shown, "count", n)
            if capped is not None:
                return capped
            return Expansion("count", tuple(Instance(address, "count", {"index": i}, i) for i in range(n)))
        if "for_each" in attrs:
            expr = attrs["for_each"][0]
            v = self._guarded(f"{shown}.for_each", expr, None)
            if isinstance(v, Unresolved):
                return Expansion("for_each", v)
            items: list[tuple[str, Any]] | None = None
            if isinstance(v, dict | list):
                capped = self._charge(shown, "for_each", len(v))
                if capped is not None:
                    return capped
            if isinstance(v, dict):
                items = sorted(v.items())
            elif isinstance(v, list) and not isinstance(expr, TupleExpr) and all(isinstance(x, str) for x in v):
                items = [(x, x) for x in _as_set(v)]  # a set of strings (a tuple literal is not one)
            if items is None:
                return Expansion("for_each", Unresolved(Msg("iac.for_each_invalid", address=shown)))
            return Expansion("for_each", tuple(Instance(address, "for_each", {"key": k, "value": x}, k)
                                               for k, x in items))
        return None

    def _unknown_instance(self, address: str, expansion: Expansion) -> Instance:
        """The one instance standing for all of a block whose count/for_each is unknown (the same object each
        time, so what its arguments evaluate to is memoised)."""
        assert isinstance(expansion.instances, Unresolved)
        if address not in self._unknown:
            self._unknown[address] = Instance(address, expansion.meta, expansion.instances)
        return self._unknown[address]

    def _charge(self, shown: str, meta: str, n: int) -> Expansion | None:
        """Count ``n`` instances against the caps; past one, the expansion that is unknown for it."""
        limits = self._budget.limits
        if n > limits.instances_per_block:
            return Expansion(meta, Unresolved(Msg("iac.cap_instances_block", address=shown, meta=meta,
                                                  cap=limits.instances_per_block)))
        if n > self._budget.instances_left():
            return Expansion(meta, Unresolved(Msg("iac.cap_instances_total", address=shown,
                                                  cap=limits.instances_total)))
        self._budget.instances += n
        return None

    # -- child modules ----------------------------------------------------------------------------------
    def call(self, name: str) -> ModuleCall | None:
        """The ``module "name"`` block, loaded (lazily, once) with its instances."""
        if name not in self.module_blocks:
            return None
        if name not in self._calls:
            key = f"module.{name}"
            if key in self._evaluating:  # its arguments refer to its own outputs
                return ModuleCall(name, None, Unresolved(Msg("iac.self_reference", key=self.prefix + key)))
            self._evaluating.add(key)
            try:
                self._calls[name] = self._load_call(name, self.module_blocks[name])
            finally:
                self._evaluating.discard(key)
        return self._calls[name]

    def _load_call(self, name: str, block: RawBlock) -> ModuleCall:
        shown = f"{self.prefix}module.{name}"
        source_attr = block.body.attrs.get("source")
        source = source_attr[0] if source_attr is not None else None
        if not isinstance(source, str) or not source.startswith(("./", "../")):
            text = source if isinstance(source, str) else "…"
            return ModuleCall(name, None, Unresolved(Msg("iac.module_remote", module=shown, source=text)))
        reader = self._reader if self._reader is not None else _Reader()
        try:
            directory = (Path(block.path).parent / source).resolve()
            chain = self._chain if self._chain is not None else (Path(block.path).parent.resolve(),)
            if directory in chain:
                return ModuleCall(name, None, Unresolved(Msg("iac.module_cycle", module=shown, source=source)))
            if len(chain) >= self._budget.limits.module_depth:
                return ModuleCall(name, None, Unresolved(Msg("iac.cap_module_depth", module=shown,
                                                             cap=self._budget.limits.module_depth)))
            blocks = reader.directory(directory)
        except (OSError, RuntimeError, ValueError):  # a path the system refuses (a NUL, too long, a symlink loop)
            blocks = None
        if blocks is None:
            return ModuleCall(name, None, Unresolved(Msg("iac.module_not_found", module=shown, source=source)))
        expansion = self.expansion(f"module.{name}")
        instances: Sequence[Instance | None] = (None,)
        if expansion is not None:  # an unknown count/for_each: one instance, its count.index/each.* unknown
            instances = ((self._unknown_instance(f"module.{name}", expansion),)
                         if isinstance(expansion.instances, Unresolved) else expansion.instances)
        # every instance of the module holds its resources and calls: they count against the total before any
        # is read (the instances themselves were counted with the count/for_each)
        weight = len(instances) * sum(1 for b in blocks if b.type in ("resource", "module"))
        if weight > self._budget.instances_left():
            return ModuleCall(name, expansion, Unresolved(Msg("iac.cap_instances_total", address=shown,
                                                               cap=self._budget.limits.instances_total)))
        self._budget.instances += weight
        children: list[tuple[Instance | None, Module]] = []
        for inst in instances:
            env = Env(self, inst)
            inputs = {arg: (self.eval(expr, env), Location(block.path, line))
                      for arg, (expr, line) in block.body.attrs.items() if arg not in _MODULE_META}
            providers = self._child_providers(block)
            prefix = f"{shown}{inst.suffix if inst is not None else ''}."
            children.append((inst, Module(blocks, {}, inputs=inputs, providers=providers, prefix=prefix,
                                          reader=reader, chain=(*chain, directory), budget=self._budget)))
        return ModuleCall(name, expansion, children)

    def _child_providers(self, block: RawBlock) -> dict[str, tuple[Module, RawBlock]]:
        """The provider configurations a child module gets: the default ones (no alias) implicitly, and
        those the block's ``providers = { alicloud = alicloud.x }`` passes."""
        out = {k: v for k, v in self.providers.items() if "." not in k}
        given = block.body.attrs.get("providers")
        if given is not None and isinstance(given[0], ObjectExpr):
            for k, v in given[0].items:
                inner, outer = _ref_text(k), _ref_text(v)
                if inner is not None and outer is not None and outer in self.providers:
                    out[inner] = self.providers[outer]
        return out

    def _module_output(self, name: str, rest: list[Any], t: Traversal, env: Env) -> Any:
        call = self.call(name)
        shown = f"{self.prefix}module.{name}"
        if call is None:
            return Unresolved(Msg("iac.module_undefined", module=shown))
        if isinstance(call.children, Unresolved):
            return call.children
        if call.expansion is not None and not isinstance(call.expansion.instances, Unresolved):
            picked = self._pick(call.expansion, shown, rest, t, env)
            if isinstance(picked, Unresolved):
                return picked
            inst, rest = picked
            child = next(m for i, m in call.children if i is inst)
            shown += inst.suffix
        else:
            child = call.children[0][1]
            while rest and not isinstance(rest[0], str):  # an index into a count/for_each not known
                rest.pop(0)
        if not rest or not isinstance(rest[0], str):
            return Unresolved(Msg("iac.resource_object", address=shown))
        return self._index(child.output(rest[0]), rest[1:], t.text, env)

    def output(self, name: str) -> Any:
        block = self.outputs.get(name)
        if block is None or "value" not in block.body.attrs:
            return Unresolved(Msg("iac.module_output_undefined", module=self.label, name=name))
        return self._guarded(f"output.{name}", block.body.attrs["value"][0], None)

    # -- resources --------------------------------------------------------------------------------------
    def region_of(self, block: RawBlock) -> tuple[Attr, Location | None]:
        """The region of a resource's provider (``provider = alicloud.alias`` or the default one)."""
        key = "alicloud"
        provider_loc = None
        ref = block.body.attrs.get("provider")
        if ref is not None:
            provider_loc = Location(block.path, ref[1])
            expr = ref[0]
            if isinstance(expr, Traversal):
                key = ".".join([expr.root, *(str(s) for s in expr.steps)])
            elif isinstance(expr, str):  # legacy quoted form "alicloud.sg"
                key = expr
        found = self.providers.get(key)
        if found is None:
            return Attr(Unresolved(Msg("iac.no_provider", key=key)), provider_loc), provider_loc
        owner, provider = found
        region = provider.body.attrs.get("region")
        if region is None:
            return Attr(Unresolved(Msg("iac.provider_no_region", key=key)),
                        Location(provider.path, provider.line)), provider_loc
        value = owner.eval(region[0])  # in the provider's module, outside any instance
        return Attr(value, Location(provider.path, region[1])), provider_loc

    def block(self, raw: RawBody, path: str, line: int, env: Env | None = None) -> Block:
        """A block's arguments evaluated in ``env`` (this module's own by default), and its nested blocks."""
        env = self.env if env is None else env
        attrs = {name: Attr(self.eval_partial(expr, env), Location(path, ln), self.target(expr, env))
                 for name, (expr, ln) in raw.attrs.items()}
        blocks: dict[str, list[Block]] = {}
        unknown: dict[str, Msg] = {}
        for b in raw.blocks:
            if b.type == "dynamic" and len(b.labels) == 1:
                expanded = self._dynamic(b, env)
                if isinstance(expanded, Unresolved):
                    unknown.setdefault(b.labels[0], expanded.reason)
                else:
                    blocks.setdefault(b.labels[0], []).extend(expanded)
                continue
            blocks.setdefault(b.type, []).append(self.block(b.body, b.path, b.line, env))
        return Block(attrs, {k: tuple(v) for k, v in blocks.items()}, Location(path, line), unknown)

    def _dynamic(self, raw: RawBlock, env: Env) -> list[Block] | Unresolved:
        """The blocks a ``dynamic "name" { for_each = …; iterator = it; content { … } }`` block generates: one
        per element (``it.key``/``it.value``, the iterator named after the block by default), or Unresolved
        when the elements are not known."""
        name = raw.labels[0]
        shown = f"{self.prefix}dynamic.{name}"
        for_each = raw.body.attrs.get("for_each")
        contents = [c for c in raw.body.blocks if c.type == "content"]
        if for_each is None or len(contents) != 1:
            return Unresolved(Msg("iac.dynamic_invalid", name=name), error=True)
        iterator = raw.body.attrs.get("iterator")
        it = name
        if iterator is not None:
            if not isinstance(iterator[0], Traversal) or iterator[0].steps:
                return Unresolved(Msg("iac.dynamic_invalid", name=name), error=True)
            it = iterator[0].root
        coll = self.eval(for_each[0], env)
        if isinstance(coll, Unresolved):
            return Unresolved(Msg("iac.dynamic_unknown", name=name, reason=coll.reason), error=coll.error)
        if isinstance(coll, dict):
            items: list[tuple[Any, Any]] = sorted(coll.items())
        elif isinstance(coll, list):
            items = list(enumerate(coll))
        else:
            return Unresolved(Msg("iac.dynamic_invalid", name=name), error=True)
        capped = self._charge(shown, "for_each", len(items))
        if capped is not None:
            assert isinstance(capped.instances, Unresolved)
            return Unresolved(Msg("iac.dynamic_unknown", name=name, reason=capped.instances.reason))
        content = contents[0]
        out = []
        for k, v in items:
            over = self._spend(steps=1)
            if over is not None:
                return Unresolved(Msg("iac.dynamic_unknown", name=name, reason=over.reason))
            out.append(self.block(content.body, content.path, content.line, env.bind({it: {"key": k, "value": v}})))
        return out

    def managed(self, types: Iterable[str]) -> list[Resource]:
        """The resources of the wanted types, one per instance, then those of the child modules."""
        wanted = frozenset(types)
        out = []
        for address, b in self.resources.items():
            if b.labels[0] not in wanted:
                continue
            expansion = self.expansion(address)
            instances: Sequence[Instance | None] = (None,)
            if expansion is not None:
                instances = ((self._unknown_instance(address, expansion),)
                             if isinstance(expansion.instances, Unresolved) else expansion.instances)
            for inst in instances:
                region, provider_loc = self.region_of(b)
                body = self.block(b.body, b.path, b.line, Env(self, inst))
                shown = self.prefix + address + (inst.suffix if inst is not None else "")
                out.append(Resource(b.labels[0], shown, body, region, provider_loc))
        for name in self.module_blocks:
            call = self.call(name)
            if call is not None and not isinstance(call.children, Unresolved):
                for _, child in call.children:
                    out += child.managed(wanted)
        return out


def _whole(v: Any) -> int | None:
    """A count: a whole number ≥ 0 (a string of digits converts, as in Terraform)."""
    if isinstance(v, bool):
        return None
    if isinstance(v, str):
        digits = v.strip()
        if not (digits.isascii() and digits.isdigit()):
            return None
        return int(digits) if len(digits) <= MAX_INT_DIGITS else 10 ** MAX_INT_DIGITS  # past any cap
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return v if isinstance(v, int) and v >= 0 else None


def _as_set(items: list[Any]) -> Any:
    """``toset(...)``: without duplicates, in Terraform's order for a set of strings or numbers."""
    if all(isinstance(x, str) for x in items) or all(isinstance(x, int | float) and not isinstance(x, bool)
                                                    for x in items):
        return sorted(set(items))
    return Unresolved(Msg("iac.function_not_static", name="toset"))


def _ref_text(x: Any) -> str | None:
    """``alicloud.x`` written as a reference or a string (keys of ``providers = {…}``)."""
    if isinstance(x, str):
        return x
    if isinstance(x, Traversal) and all(isinstance(s, str) for s in x.steps):
        return ".".join([x.root, *x.steps])
    return None
