"""RAM policy documents: parsing into typed facts, and the analysis the export rules need.

Trust policies, permission policies and OSS bucket policies share one shape (``Version`` + ``Statement``);
``Principal`` appears in trust and bucket policies. Values may be a string or a list; documents may arrive as
JSON strings (as RAM returns them) or as objects. This module normalises all of that.

The analysis here is deliberately conservative: anything it cannot decide (a ``Condition`` that may or may
not hold for the ECS service's request) makes the answer unknown, never a pass.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from preflight.facts import ConditionClause, Policy, Principal, Statement, Unknown

ECS_SERVICE = "ecs.aliyuncs.com"
ASSUME_ROLE = "sts:AssumeRole"

#: The OSS actions ExportImage needs on the export bucket (seed: the custom-policy alternative to
#: AliyunECSImageExportRolePolicy). Bucket-level ones are checked against the bucket ARN, the rest against
#: an object under the prefix.
EXPORT_ACTIONS: tuple[str, ...] = (
    "oss:GetObject",
    "oss:PutObject",
    "oss:DeleteObject",
    "oss:GetBucketLocation",
    "oss:GetBucketInfo",
    "oss:AbortMultipartUpload",
    "oss:ListMultipartUploads",
    "oss:ListParts",
)
BUCKET_LEVEL_ACTIONS = frozenset({"oss:GetBucketLocation", "oss:GetBucketInfo", "oss:ListMultipartUploads"})

#: The system policy the docs tell users to attach. Its text is not published verbatim; when a snapshot or
#: IaC file names it without its document, it is taken to grant what the documentation says it grants.
DEFAULT_EXPORT_POLICY = "AliyunECSImageExportRolePolicy"


class PolicyError(ValueError):
    """A policy document that is not a policy (bad JSON, wrong shapes). ``pointer`` is relative to the doc."""

    def __init__(self, message: str, pointer: str = "") -> None:
        super().__init__(message)
        self.pointer = pointer


def _strings(value: Any, pointer: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    raise PolicyError("expected a string or a list of strings", pointer)


def parse_principal(value: Any, pointer: str) -> Principal:
    if value == "*":
        return Principal(Service=[], RAM=[], Federated=[], Any=True)
    if isinstance(value, list):  # OSS bucket policies: a list of account UIDs or "*"
        uids = _strings(value, pointer)
        return Principal(Service=[], RAM=[u for u in uids if u != "*"], Federated=[], Any="*" in uids)
    if not isinstance(value, Mapping):
        raise PolicyError("Principal must be \"*\", a list, or an object of Service/RAM/Federated", pointer)
    kinds: dict[str, list[str]] = {"Service": [], "RAM": [], "Federated": []}
    for key, v in value.items():
        if key not in kinds:
            raise PolicyError(f"unknown Principal kind {key!r} (expected Service, RAM or Federated)", pointer)
        kinds[key] = _strings(v, f"{pointer}/{key}")
    any_ = any("*" in vs for vs in kinds.values())
    return Principal(Service=kinds["Service"], RAM=kinds["RAM"], Federated=kinds["Federated"], Any=any_)


def _conditions(value: Any, pointer: str) -> list[ConditionClause]:
    if value is None:
        return []
    if not isinstance(value, Mapping):
        raise PolicyError("Condition must be an object", pointer)
    clauses = []
    for op, keys in value.items():
        if not isinstance(keys, Mapping):
            raise PolicyError(f"Condition operator {op!r} must map keys to values", f"{pointer}/{op}")
        for key, vals in keys.items():
            if isinstance(vals, bool | int | float):
                vals = str(vals).lower() if isinstance(vals, bool) else str(vals)
            clauses.append(ConditionClause(str(op), str(key), _strings(vals, f"{pointer}/{op}/{key}")))
    return clauses


def parse_policy(doc: Any) -> Policy:
    """Parse a policy document given as a JSON string or an object."""
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except json.JSONDecodeError as e:
            raise PolicyError(f"policy document is not valid JSON ({e.msg} at line {e.lineno})") from None
        except (ValueError, RecursionError) as e:  # e.g. an integer past the digit limit, nesting too deep
            raise PolicyError(f"policy document cannot be read: {str(e) or 'nested too deeply'}") from None
    if not isinstance(doc, Mapping):
        raise PolicyError("policy document must be an object with Version and Statement")
    raw = doc.get("Statement", [])
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        raise PolicyError("Statement must be a list of statements", "/Statement")
    statements = []
    for i, st in enumerate(raw):
        p = f"/Statement/{i}"
        if not isinstance(st, Mapping):
            raise PolicyError("a statement must be an object", p)
        effect = st.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise PolicyError(f"Effect must be Allow or Deny, not {effect!r}", f"{p}/Effect")
        principal = st.get("Principal")
        statements.append(
            Statement(
                index=i + 1,
                Sid=st.get("Sid") if isinstance(st.get("Sid"), str) else None,
                Effect=effect,
                Action=_strings(st.get("Action"), f"{p}/Action"),
                NotAction=_strings(st.get("NotAction"), f"{p}/NotAction"),
                Resource=_strings(st.get("Resource"), f"{p}/Resource"),
                NotResource=_strings(st.get("NotResource"), f"{p}/NotResource"),
                Principal=None if principal is None else parse_principal(principal, f"{p}/Principal"),
                Condition=_conditions(st.get("Condition"), f"{p}/Condition"),
            )
        )
    version = doc.get("Version")
    return Policy(Version=str(version) if version is not None else None, Statement=statements)


# ---------------------------------------------------------------------------------------------------------
# Matching


@functools.lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    # RAM wildcards are only `*` (any run, also empty) and `?` (one character); fnmatch would also read
    # `[...]` as a character class, which RAM does not, so the translation is done here.
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def action_covered(st: Statement, action: str) -> bool:
    """Does the statement's Action (or NotAction) apply to ``action``? Actions are case-insensitive."""
    if st.NotAction:
        return not any(glob_match(p, action, ignore_case=True) for p in st.NotAction)
    return any(glob_match(p, action, ignore_case=True) for p in st.Action)


def resource_covered(st: Statement, arn: str) -> bool:
    if st.NotResource:
        return not any(glob_match(p, arn) for p in st.NotResource)
    return any(glob_match(p, arn) for p in st.Resource)


def _is_ecs_service(name: str) -> bool:
    # The legacy "<account-id>@ecs.aliyuncs.com" form names the ECS service too.
    return name.lower().rsplit("@", 1)[-1] == ECS_SERVICE


def _admits_ecs(p: Principal | None) -> bool:
    return p is not None and (p.Any or any(_is_ecs_service(s) for s in p.Service))


def ecs_can_assume(trust: Policy) -> bool | Unknown:
    """An Allow of sts:AssumeRole to the ECS service, and no Deny that applies to it.

    A Condition is not evaluated here: an Allow that holds only under Conditions, or a Deny under
    Conditions, leaves the answer unknown (whether the ECS service's request meets them is not known).
    """
    assume = [s for s in trust.Statement if action_covered(s, ASSUME_ROLE) and _admits_ecs(s.Principal)]
    denies = [s for s in assume if s.Effect == "Deny"]
    if any(not s.Condition for s in denies):
        return False
    allows = [s for s in assume if s.Effect == "Allow"]
    if not allows:
        return False
    if denies:
        idx = ", ".join(str(s.index) for s in denies)
        return Unknown(f"a conditional Deny (statement {idx}) may stop ECS from assuming the role")
    if all(s.Condition for s in allows):
        idx = ", ".join(str(s.index) for s in allows)
        return Unknown(f"the Allow for {ECS_SERVICE} (statement {idx}) holds only under a Condition that "
                       "cannot be checked for the ECS service")
    return True


def other_principals(trust: Policy) -> list[str]:
    """Everyone besides the ECS service whom an Allow of sts:AssumeRole admits, as ``Kind:value``."""
    found: list[str] = []
    for s in trust.Statement:
        if s.Effect != "Allow" or not action_covered(s, ASSUME_ROLE) or s.Principal is None:
            continue
        p = s.Principal
        if p.Any:
            found.append("*")
        found += [f"Service:{v}" for v in p.Service if v != "*" and not _is_ecs_service(v)]
        found += [f"RAM:{v}" for v in p.RAM if v != "*"]
        found += [f"Federated:{v}" for v in p.Federated if v != "*"]
    return sorted(set(found))


def export_targets(bucket: str, prefix: str | None, image_id: str | None) -> tuple[str, str]:
    """The bucket ARN and a representative object ARN the export writes (naming per domain.md §1 notes)."""
    obj = f"{prefix or ''}_{image_id or 'm-image'}_system.raw.tar.gz"
    return f"acs:oss:*:*:{bucket}", f"acs:oss:*:*:{bucket}/{obj}"


def _arn_covered(st: Statement, arn: str) -> bool:
    # The target ARN carries `*` for region and account (neither is known to matter to the service, and OSS
    # ARNs take only `*` as region), so a pattern's own region/account fields are compared as wildcards.
    patterns = st.NotResource or st.Resource
    hit = False
    for pat in patterns:
        parts = pat.split(":", 4)
        if len(parts) == 5:
            pat = ":".join([parts[0], parts[1], "*", "*", parts[4]])
        if glob_match(pat, arn):
            hit = True
            break
    return not hit if st.NotResource else hit


class ExportPermissions:
    """Which export actions a role's attached policies allow, for any bucket and prefix.

    Built once per role: the statements that could bear on an export action are kept with the actions each
    covers, so answering for one bucket and prefix only matches resources. Answers are memoised, as many
    exports share a role and a bucket.
    """

    def __init__(self, documents: Iterable[tuple[str, Policy | None]]) -> None:
        statements: list[Statement] = []
        for name, doc in documents:
            if doc is None:
                if name == DEFAULT_EXPORT_POLICY:
                    statements.append(Statement(0, None, "Allow", list(EXPORT_ACTIONS), [], ["*"], [], None, []))
                continue
            statements += doc.Statement
        self._relevant = [
            (s, frozenset(a for a in EXPORT_ACTIONS if action_covered(s, a))) for s in statements
        ]
        self._relevant = [(s, acts) for s, acts in self._relevant if acts]
        self._memo: dict[tuple[str, str | None, str | None], list[str] | Unknown] = {}

    def missing(self, bucket: str, prefix: str | None, image_id: str | None) -> list[str] | Unknown:
        key = (bucket, prefix, image_id)
        if key not in self._memo:
            self._memo[key] = self._missing(bucket, prefix, image_id)
        return self._memo[key]

    def signature(self, bucket: str, prefix: str | None, image_id: str | None) -> tuple[object, ...]:
        """Equal for two exports exactly when every statement applies to both alike (same answer)."""
        bucket_arn, object_arn = export_targets(bucket, prefix, image_id)
        return (bucket_arn, *(_arn_covered(s, object_arn) for s, _ in self._relevant))

    def _missing(self, bucket: str, prefix: str | None, image_id: str | None) -> list[str] | Unknown:
        bucket_arn, object_arn = export_targets(bucket, prefix, image_id)
        on_bucket = [(s, acts) for s, acts in self._relevant if _arn_covered(s, bucket_arn)]
        on_object = [(s, acts) for s, acts in self._relevant if _arn_covered(s, object_arn)]
        missing: list[str] = []
        conditional: list[str] = []
        for action in EXPORT_ACTIONS:
            applying = [s for s, acts in (on_bucket if action in BUCKET_LEVEL_ACTIONS else on_object)
                        if action in acts]
            deny = [s for s in applying if s.Effect == "Deny"]
            allow = [s for s in applying if s.Effect == "Allow"]
            if any(not s.Condition for s in deny) or not allow:
                missing.append(action)
            elif deny or all(s.Condition for s in allow):
                conditional.append(action)
        if missing:
            return missing
        if conditional:
            return Unknown("whether ECS may use " + ", ".join(conditional) + " depends on policy Conditions")
        return []


def missing_export_actions(
    documents: Iterable[tuple[str, Policy | None]], bucket: str, prefix: str | None, image_id: str | None
) -> list[str] | Unknown:
    """Which export actions the attached policies do not allow on the export bucket (or a Deny blocks).

    ``documents`` holds (policy name, parsed document); a ``None`` document is the documented system policy
    :data:`DEFAULT_EXPORT_POLICY`, taken as granting all export actions on ``*``.
    """
    return ExportPermissions(documents).missing(bucket, prefix, image_id)
