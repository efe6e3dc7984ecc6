"""The OSS actions that reach objects or their versions, and what each exposes when anyone may call it.

Data, not code: a bucket policy that lets everyone (``Principal "*"`` or ``[]``) call any of these exposes the
exported disk images. Each action is read (download an object or an earlier version of it), list (learn the
keys, versions and uploads in progress), write (create, replace or re-permission an object) or delete (remove
an object, a version, or an upload in progress).

Source: the Action tables (bucket-level and object-level operations) of "OSS authorization syntax and
elements", https://www.alibabacloud.com/help/en/oss/user-guide/authorization-syntax-and-elements (also
https://www.alibabacloud.com/help/en/oss/user-guide/ram-policy-overview), and the actions the OSS service
system policies grant (AliyunOSSBatchOperationJobRolePolicy lists oss:GetObjectVersion,
oss:ListObjectVersions, oss:PutObjectVersionAcl; AliyunOTSAccessingOSSRolePolicy lists oss:AppendObject,
oss:CopyObject, oss:PutSymlink), https://www.alibabacloud.com/help/en/ram/developer-reference/aliyunossbatchoperationjobrolepolicy.
The oss:Replicate* actions are those the cross-region replication role is granted.

Actions that only read or change configuration (tags, ACL reads, WORM, lifecycle) are not here: they expose no
object data. A wildcard (``oss:Get*``, ``oss:*``, ``*``) or a NotAction is matched against every name here.
"""

from __future__ import annotations

import enum


class Exposure(enum.StrEnum):
    """What anyone could do to the exported images; the order is the order they are reported in."""

    READ = "read"
    LIST = "list"
    WRITE = "write"
    DELETE = "delete"


#: action -> what it exposes (OSS action names are case-insensitive; they are matched as such)
OBJECT_ACTIONS: dict[str, Exposure] = {
    # read: the object's data, or an earlier version of it
    "oss:GetObject": Exposure.READ,  # GetObject, HeadObject, GetObjectMeta, SelectObject, CopyObject's source
    "oss:GetObjectVersion": Exposure.READ,  # GetObject with a versionId (earlier exports)
    "oss:ReplicateGet": Exposure.READ,
    "oss:GetSymlink": Exposure.READ,  # the target key of a symlink object
    # list: the keys, the versions and the uploads in progress
    "oss:ListObjects": Exposure.LIST,  # ListObjects, ListObjectsV2 (GetBucket)
    "oss:ListObjectVersions": Exposure.LIST,  # every key and version id, delete markers included
    "oss:ListMultipartUploads": Exposure.LIST,  # the export's upload in progress
    "oss:ListParts": Exposure.LIST,
    "oss:ReplicateList": Exposure.LIST,
    # write: create or replace an object, or make it public
    "oss:PutObject": Exposure.WRITE,  # PutObject, PostObject, multipart upload, CopyObject's target
    "oss:AppendObject": Exposure.WRITE,
    "oss:CopyObject": Exposure.WRITE,
    "oss:PutSymlink": Exposure.WRITE,
    "oss:PutObjectAcl": Exposure.WRITE,  # public-read on one object
    "oss:PutObjectVersionAcl": Exposure.WRITE,
    "oss:RestoreObject": Exposure.WRITE,  # a readable copy of an archived object
    "oss:RestoreObjectVersion": Exposure.WRITE,
    "oss:ReplicatePut": Exposure.WRITE,
    # delete: an object, a version, or an upload in progress
    "oss:DeleteObject": Exposure.DELETE,  # DeleteObject, DeleteMultipleObjects
    "oss:DeleteObjectVersion": Exposure.DELETE,
    "oss:AbortMultipartUpload": Exposure.DELETE,
    "oss:ReplicateDelete": Exposure.DELETE,
}
