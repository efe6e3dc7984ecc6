"""What ExportImage asks of the role it assumes: data both the policy evaluator (:mod:`preflight.policy`,
which judges a role against it) and the fixes (:mod:`preflight.remediation`, which write a role that meets it)
read. A leaf module: it imports nothing of preflight's.
"""

from __future__ import annotations

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

