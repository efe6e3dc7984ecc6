"""The ACTIONS table: every read-only API call preflight makes, with the RAM action each needs.

It is the only way a call can be made (``Clients`` refuses a name it does not hold), it is read-only by
construction (only Describe/Get/List, and the one session call ``AssumeRole``), and it also generates
``preflight permissions`` (``live.required_permissions_policy``, ``audit.audit_permissions``): the policy a
user grants is the list of calls preflight can make, never a second list kept by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class ApiAction:
    """One read-only API call preflight makes. This table is the only way a call can be made."""

    service: str
    name: str
    version: str = ""  # RPC product version; OSS: ""
    permission: str | None = None  # the RAM action the caller needs (None: every identity may call it)
    subresource: str = ""  # OSS: the query sub-resource
    #: made by the auditing caller only (``preflight audit`` across accounts), not needed in a member account
    caller_only: bool = False


ACTIONS: Mapping[str, ApiAction] = {
    a.name: a
    for a in (
        ApiAction("ecs", "DescribeRegions", "2014-05-26", "ecs:DescribeRegions"),
        ApiAction("ecs", "DescribeImages", "2014-05-26", "ecs:DescribeImages"),
        ApiAction("ecs", "DescribeSnapshots", "2014-05-26", "ecs:DescribeSnapshots"),
        ApiAction("ecs", "DescribeTasks", "2014-05-26", "ecs:DescribeTasks"),
        ApiAction("ram", "GetRole", "2015-05-01", "ram:GetRole"),
        ApiAction("ram", "ListPoliciesForRole", "2015-05-01", "ram:ListPoliciesForRole"),
        ApiAction("ram", "GetPolicy", "2015-05-01", "ram:GetPolicy"),
        ApiAction("ram", "GetPolicyVersion", "2015-05-01", "ram:GetPolicyVersion"),
        ApiAction("sts", "GetCallerIdentity", "2015-04-01", None),
        # preflight audit across accounts: the organisation's members, and a session in each (no write)
        ApiAction("resourcemanager", "ListAccounts", "2020-03-31", "resourcemanager:ListAccounts", caller_only=True),
        ApiAction("sts", "AssumeRole", "2015-04-01", "sts:AssumeRole", caller_only=True),
        ApiAction("oss", "GetBucketInfo", permission="oss:GetBucketInfo", subresource="bucketInfo"),
        ApiAction("oss", "GetBucketPolicy", permission="oss:GetBucketPolicy", subresource="policy"),
        # account level: GET /?publicAccessBlock on the region's endpoint, no bucket
        ApiAction("oss", "GetPublicAccessBlock", permission="oss:GetPublicAccessBlock",
                  subresource="publicAccessBlock"),
    )
}
#: the one call that is not a Describe/Get/List: it creates no resource, only a temporary session to read with
SESSION_ACTIONS = frozenset({"AssumeRole"})
assert all(a.name.startswith(("Describe", "Get", "List")) or a.name in SESSION_ACTIONS
           for a in ACTIONS.values()), "read-only by construction"
