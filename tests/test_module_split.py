"""Issue 12's size rule, and the fronts the split modules left behind.

No module of preflight is over ~800 lines. ``policy``, ``sources.live_clients``, ``sources.live`` and
``sources.terraform`` (now a package) were split into modules named for their job; each old module still offers
every name it offered before (the same object, listed in ``__all__``), so no caller changes. The Terraform
package keeps its layers apart: the HCL front end (the one module that knows the parser) reads nothing but the syntax
tree and the caps, and the values, caps and syntax tree import no parser and no evaluator.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import preflight

ROOT = Path(preflight.__file__).parent
LIMIT = 800
#: modules left over the limit on purpose, with who splits them
OVER_LIMIT: dict[str, str] = {}

#: every public name each front offered before the split
FRONTS = {
    "preflight.policy": """ANONYMOUS ASSUME_ROLE BUCKET_ADMIN_ACTIONS BUCKET_LEVEL_ACTIONS ConditionClause
        DEFAULT_EXPORT_POLICY Decision ECS_PRINCIPAL ECS_SERVICE EXCESS_PREFIXES EXPORT_ACTIONS Effect
        ExportPermissions Exposure Foreign Gap Kind Listing Msg OBJECT_ACTIONS PREFIX_MARK ParsedPolicy Policy
        PolicyError Principal PrincipalRef RESTRICTING_KEYS Request Statement StatementRef Unknown Worded
        action_covered applies broken clause_holds conditions_hold decidable_trust ecs_can_assume
        ecs_trust_conditions evaluate export_targets glob_match least_privilege_fix
        missing_export_actions other_principals parse_policy parse_principal principal_matches public_grants
        render scoped_permission_policy trust_decision trust_policy_document""",
    "preflight.sources.live_clients": """ACTIONS AccessKey ApiAction Candidate Clients DEFAULT_MAX_BODY_BYTES
        ENDPOINT_ENV_PREFIX Endpoint Foreign Identity LOOPBACK_ONLY_ENV Listing Msg PreflightError SERVICES
        SESSION_ACTIONS USER_AGENT default_endpoint guard_response harden_session harden_tea_transport
        loopback_only parse_endpoint proxies_taken_from_env proxy_for quiet_sdk_logs redact_url resolve_endpoints
        resolve_identity sdk_missing""",
    "preflight.sources.live": """ACTIONS AccessKey BATCH CallError Clients DEFAULT_MAX_BODY_BYTES DEFAULT_ROLE
        Findings Foreign IMAGE_STATUSES Identity Kind LIMIT_VARIABLES Limits Listing MARKETPLACE MISSING Msg
        Outcome Plan PreflightError QUARANTINE_ROUNDS Refused RetryPolicy TASK_FIELDS Unknown Worded assemble
        call_with_retries classify collect loopback_only parse_bucket_info parse_bucket_policy
        parse_public_access_block plan_requests proxies_taken_from_env quarantine quiet_sdk_logs reason
        required_permissions_policy resolve_endpoints resolve_identity""",
    # every public name of the old sources/terraform.py but the parser-specific ones (Tree, parse_tree, convert:
    # preflight.sources.terraform.hcl's own, which another front end replaces), plus the evaluator's base and Env
    "preflight.sources.terraform": """ALIASES Attr Block Budget Call Conditional DocBuilder Env Evaluator Expansion
        ForExpr Hole ID_ARGUMENT Instance JSON_BLOCKS LIMITS Limits MAX_INT_DIGITS MISSING Module ModuleCall
        ModuleLoad ObjectExpr Opaque Operation ParseCache Partial PartialText Postfix RawBlock RawBody Resource
        SOURCES SYSTEM Splat StrIndex TYPES Template Traversal TupleExpr UNKNOWN_REGION Unresolved
        build_document is_known load_module parse_expression parse_hcl parse_tf_json parse_tfvars
        partial_collection partly_known_trust placeholder plain""",
}
#: the private names ``sources.live_discovery`` reaches through ``live.``
LIVE_PRIVATE = ["_Run", "_DaemonPool", "_items", "_prepare_clients", "_redact_msg", "_redact_reason", "_sort_unknown"]


def test_no_module_is_over_the_size_limit() -> None:
    sizes = {p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
             for p in ROOT.rglob("*.py")}
    over = {name: n for name, n in sizes.items() if n > LIMIT and name not in OVER_LIMIT}
    assert over == {}


@pytest.mark.parametrize("front", sorted(FRONTS))
def test_a_front_offers_every_name_it_offered(front: str) -> None:
    module = importlib.import_module(front)
    names = FRONTS[front].split()
    assert [n for n in names if not hasattr(module, n)] == []
    assert sorted(set(names) - set(module.__all__)) == []
    assert sorted(set(module.__all__) - set(names)) == []


@pytest.mark.parametrize("front", sorted(FRONTS))
def test_a_front_holds_the_defining_modules_objects(front: str) -> None:
    """A re-export is the object itself, never a copy: ``isinstance`` and monkeypatching on the defining module
    keep working for old callers."""
    module = importlib.import_module(front)
    for name in FRONTS[front].split():
        value = getattr(module, name)
        home = getattr(value, "__module__", None)
        if isinstance(home, str) and home.startswith("preflight") and hasattr(value, "__qualname__"):
            assert getattr(importlib.import_module(home), value.__qualname__.split(".")[0]) is value, name


@pytest.mark.parametrize("name", LIVE_PRIVATE)
def test_the_audit_scheduler_still_reaches_the_live_machinery(name: str) -> None:
    from preflight.sources import live

    assert callable(getattr(live, name))


TERRAFORM = "preflight.sources.terraform"
#: the modules of the Terraform package each lower layer may import (the package's own; anything else is free)
LAYERS: dict[str, set[str]] = {
    "values": set(),
    "limits": {"values"},
    "syntax": set(),
    "hcl": {"syntax", "limits"},
}


def _imports_of(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function (``from a import b`` gives ``a`` and
    ``a.b``; relative imports resolved against the Terraform package)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*TERRAFORM.split(".")[: 4 - node.level], *([base] if base else [])])
            names.update({base, *(f"{base}.{a.name}" for a in node.names)})
    return names


def _package_modules(names: set[str]) -> set[str]:
    """The modules of the Terraform package among imported names."""
    here = {p.stem for p in (ROOT / "sources" / "terraform").glob("*.py")} - {"__init__"}
    return {n.split(".")[3] for n in names if n.startswith(TERRAFORM + ".") and n.split(".")[3] in here}


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_a_lower_layer_of_the_terraform_package_imports_only_what_is_below_it(layer: str) -> None:
    assert _package_modules(_imports_of(ROOT / "sources" / "terraform" / f"{layer}.py")) <= LAYERS[layer]


def test_the_terraform_modules_import_each_other_never_their_front() -> None:
    """A module of the package that imported ``preflight.sources.terraform`` itself would import every other
    one (and, at run time, could find the front half initialised)."""
    for path in sorted((ROOT / "sources" / "terraform").glob("*.py")):
        if path.name != "__init__.py":
            assert TERRAFORM not in _imports_of(path), path.name


def test_the_parser_is_named_by_the_hcl_front_end_alone() -> None:
    """Everything tree-sitter-specific lives in ``sources/terraform/hcl.py``, which another front end may
    replace by providing the same three functions."""
    naming = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*.py")
                    if any(n.split(".")[0] in ("tree_sitter", "tree_sitter_hcl", "lark", "hcl2")
                           for n in _imports_of(p)))
    assert naming == ["sources/terraform/hcl.py"]
    hcl = importlib.import_module(f"{TERRAFORM}.hcl")
    assert all(callable(getattr(hcl, n, None)) for n in ("parse_hcl", "parse_expression", "parse_template"))
    users = {p.stem for p in (ROOT / "sources" / "terraform").glob("*.py")
             if "hcl" in _package_modules(_imports_of(p))}
    for stem in users - {"__init__"}:
        used = {n.rsplit(".", 1)[1] for n in _imports_of(ROOT / "sources" / "terraform" / f"{stem}.py")
                if n.startswith(f"{TERRAFORM}.hcl.")}
        assert used <= {"parse_hcl", "parse_expression", "parse_template"}, stem


def test_every_module_of_the_terraform_package_says_its_job() -> None:
    for path in sorted((ROOT / "sources" / "terraform").glob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc and len(doc.split()) >= 20, path.name
