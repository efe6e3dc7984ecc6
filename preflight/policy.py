"""RAM policy documents: the conservative policy evaluator and the analyses the export rules need.

This module is the stable front door: every name it always offered stays importable from here. The work is
done in modules named for their job:

- ``policy_parse``: documents (string or object) into typed facts; ``broken`` says which element is missing.
- ``policy_match``: wildcard globs in linear time (no regular expression from policy text) and Conditions.
- ``policy_eval``: the conservative evaluator, one request against a set of policies (Deny, Allow, implicit).
- ``policy_analysis``: trust (may ECS assume the role), export permissions (missing, excess), public grants.

The analysis is deliberately conservative: anything it cannot decide (a ``Condition`` that may or may not hold
for the ECS service's request) makes the answer unknown, never a pass. The fix texts live in
``preflight.remediation``; their names are re-exported here for existing callers.
"""

from __future__ import annotations

# names this module's namespace always carried (callers use e.g. ``policy.Worded``)
from preflight.errors import Foreign as Foreign
from preflight.errors import Listing as Listing
from preflight.errors import Msg as Msg
from preflight.errors import Worded as Worded
from preflight.export_role import ASSUME_ROLE as ASSUME_ROLE
from preflight.export_role import BUCKET_LEVEL_ACTIONS as BUCKET_LEVEL_ACTIONS
from preflight.export_role import DEFAULT_EXPORT_POLICY as DEFAULT_EXPORT_POLICY
from preflight.export_role import ECS_SERVICE as ECS_SERVICE
from preflight.export_role import EXPORT_ACTIONS as EXPORT_ACTIONS
from preflight.facts import ConditionClause as ConditionClause
from preflight.facts import Policy as Policy
from preflight.facts import Principal as Principal
from preflight.facts import Statement as Statement
from preflight.facts import Unknown as Unknown
from preflight.i18n import render as render
from preflight.oss_actions import OBJECT_ACTIONS as OBJECT_ACTIONS
from preflight.oss_actions import Exposure as Exposure
from preflight.policy_analysis import BUCKET_ADMIN_ACTIONS as BUCKET_ADMIN_ACTIONS
from preflight.policy_analysis import EXCESS_PREFIXES as EXCESS_PREFIXES
from preflight.policy_analysis import RESTRICTING_KEYS as RESTRICTING_KEYS
from preflight.policy_analysis import ExportPermissions as ExportPermissions
from preflight.policy_analysis import decidable_trust as decidable_trust
from preflight.policy_analysis import ecs_can_assume as ecs_can_assume
from preflight.policy_analysis import ecs_trust_conditions as ecs_trust_conditions
from preflight.policy_analysis import export_targets as export_targets
from preflight.policy_analysis import missing_export_actions as missing_export_actions
from preflight.policy_analysis import other_principals as other_principals
from preflight.policy_analysis import public_grants as public_grants
from preflight.policy_analysis import trust_decision as trust_decision
from preflight.policy_eval import ANONYMOUS as ANONYMOUS
from preflight.policy_eval import ECS_PRINCIPAL as ECS_PRINCIPAL
from preflight.policy_eval import Decision as Decision
from preflight.policy_eval import Effect as Effect
from preflight.policy_eval import PrincipalRef as PrincipalRef
from preflight.policy_eval import Request as Request
from preflight.policy_eval import StatementRef as StatementRef
from preflight.policy_eval import applies as applies
from preflight.policy_eval import evaluate as evaluate
from preflight.policy_eval import principal_matches as principal_matches
from preflight.policy_match import action_covered as action_covered
from preflight.policy_match import clause_holds as clause_holds
from preflight.policy_match import conditions_hold as conditions_hold
from preflight.policy_match import glob_match as glob_match
from preflight.policy_parse import Gap as Gap
from preflight.policy_parse import Kind as Kind
from preflight.policy_parse import ParsedPolicy as ParsedPolicy
from preflight.policy_parse import PolicyError as PolicyError
from preflight.policy_parse import broken as broken
from preflight.policy_parse import parse_policy as parse_policy
from preflight.policy_parse import parse_principal as parse_principal
from preflight.remediation import PREFIX_MARK as PREFIX_MARK
from preflight.remediation import least_privilege_fix as least_privilege_fix
from preflight.remediation import scoped_permission_policy as scoped_permission_policy
from preflight.remediation import trust_policy_document as trust_policy_document

__all__ = [
    "ANONYMOUS",
    "ASSUME_ROLE",
    "BUCKET_ADMIN_ACTIONS",
    "BUCKET_LEVEL_ACTIONS",
    "DEFAULT_EXPORT_POLICY",
    "ECS_PRINCIPAL",
    "ECS_SERVICE",
    "EXCESS_PREFIXES",
    "EXPORT_ACTIONS",
    "OBJECT_ACTIONS",
    "PREFIX_MARK",
    "RESTRICTING_KEYS",
    "ConditionClause",
    "Decision",
    "Effect",
    "ExportPermissions",
    "Exposure",
    "Foreign",
    "Gap",
    "Kind",
    "Listing",
    "Msg",
    "ParsedPolicy",
    "Policy",
    "PolicyError",
    "Principal",
    "PrincipalRef",
    "Request",
    "Statement",
    "StatementRef",
    "Unknown",
    "Worded",
    "action_covered",
    "applies",
    "broken",
    "clause_holds",
    "conditions_hold",
    "decidable_trust",
    "ecs_can_assume",
    "ecs_trust_conditions",
    "evaluate",
    "export_targets",
    "glob_match",
    "least_privilege_fix",
    "missing_export_actions",
    "other_principals",
    "parse_policy",
    "parse_principal",
    "principal_matches",
    "public_grants",
    "render",
    "scoped_permission_policy",
    "trust_decision",
    "trust_policy_document",
]
