"""Terraform configuration (``.tf``, ``.tf.json``, ``.tfvars``) → the snapshot-shaped document + annotations.

The IaC package: one module per job, each under ~800 lines, imported bottom-up (no cycle)::

    values.py    what an expression evaluates to: Unresolved, Partial, MISSING; Attr, Block, Resource
    limits.py    the caps on evaluating untrusted files (Limits, Budget)
    syntax.py    the expression tree and the parsed files' bodies (plain data, no parser)
    hcl.py       THE HCL front end (tree-sitter-hcl, and all that is tree-sitter-specific)
    tfjson.py    .tf.json files; variable values from .tfvars files and TF_VAR_ variables
    reader.py    each file read and parsed once per run (ParseCache)
    evaluate.py  expressions, operators, the functions glue (Evaluator), in an explicit Env
    module.py    a module: variables, locals, outputs, count/for_each, dynamic blocks, module calls
    load.py      the entry point for one module directory (load_module → ModuleLoad)
    mapping.py   alicloud resources → the document, shared with plans (plan.py) and ROS (ros.py)

What is good, and kept: expressions are evaluated only as far as the files decide them, with Terraform's
semantics, and anything else is Unresolved with the reason (an unknown fact, never a guess); a partly known
string keeps its literal parts for the policy reader only; every file is read and parsed once per run;
evaluation is bounded (one Budget per run: steps, depth, instances, value sizes), past a cap unknown with
the cap named; one mapper builds the document for every IaC input mode.

This module re-exports the names callers use (``from preflight.sources.terraform import …``): the same
objects as their defining modules'. To replace one in a test, patch it in the module that looks it up
(``reader.parse_hcl``, ``tfjson.read_text`` …), not here.
"""

from __future__ import annotations

from preflight.sources.terraform.evaluate import Env, Evaluator, Instance
from preflight.sources.terraform.hcl import parse_expression, parse_hcl
from preflight.sources.terraform.limits import LIMITS, MAX_INT_DIGITS, Budget, Limits
from preflight.sources.terraform.load import ModuleLoad, load_module
from preflight.sources.terraform.mapping import (
    SOURCES,
    SYSTEM,
    TYPES,
    UNKNOWN_REGION,
    DocBuilder,
    build_document,
    partly_known_trust,
)
from preflight.sources.terraform.module import ALIASES, ID_ARGUMENT, Expansion, Module, ModuleCall
from preflight.sources.terraform.reader import ParseCache
from preflight.sources.terraform.syntax import (
    Call,
    Conditional,
    ForExpr,
    ObjectExpr,
    Opaque,
    Operation,
    Postfix,
    RawBlock,
    RawBody,
    Splat,
    StrIndex,
    Template,
    Traversal,
    TupleExpr,
)
from preflight.sources.terraform.tfjson import JSON_BLOCKS, parse_tf_json, parse_tfvars
from preflight.sources.terraform.values import (
    MISSING,
    Attr,
    Block,
    Hole,
    Partial,
    PartialText,
    Resource,
    Unresolved,
    is_known,
    partial_collection,
    placeholder,
    plain,
)

__all__ = [
    "ALIASES", "ID_ARGUMENT", "JSON_BLOCKS", "LIMITS", "MAX_INT_DIGITS", "MISSING", "SOURCES", "SYSTEM", "TYPES",
    "UNKNOWN_REGION", "Attr", "Block", "Budget", "Call", "Conditional", "DocBuilder", "Env", "Evaluator", "Expansion",
    "ForExpr", "Hole", "Instance", "Limits", "Module", "ModuleCall", "ModuleLoad", "ObjectExpr", "Opaque",
    "Operation", "ParseCache", "Partial", "PartialText", "Postfix", "RawBlock", "RawBody", "Resource", "Splat",
    "StrIndex", "Template", "Traversal", "TupleExpr", "Unresolved", "build_document", "is_known", "load_module",
    "parse_expression", "parse_hcl", "parse_tf_json", "parse_tfvars", "partial_collection", "partly_known_trust",
    "placeholder", "plain",
]
