"""The facts: one typed *export subject* per ExportImage request, and how every input mode builds it.

Where things are:

- :mod:`preflight.facts.model` — the fact classes (three-state: a value, ``None`` = learned absent,
  :class:`Unknown` = not learned) and :func:`fact_fields`, the static shape rule paths are checked against
  when rules load;
- :mod:`preflight.facts.absence` — the one table of absences that mean "none", and what each join does with
  a missing target;
- :mod:`preflight.facts.decode` — reading the snapshot-shaped document: shape checks and the three-state
  reading of each field (:class:`~preflight.facts.decode.Obj`), the ``unknown`` list, IaC annotations;
- :mod:`preflight.facts.joins` — finding the entity an export or disk names in its section (present,
  absent, or unknown as the join declares) and the running tasks of an image;
- :mod:`preflight.facts.derive` — facts computed from others: a role's permissions judged per export, a
  bucket's public grants, the least-privilege fix (texts from :mod:`preflight.remediation`);
- :mod:`preflight.facts.build` — decode → join → derive for a whole document, with one typed cache per kind
  of entity (:func:`~preflight.facts.build.subjects_from_document`).

Every input mode (snapshot file, live run, Terraform, ROS, plan) produces the same intermediate document in
the snapshot's shape and goes through :mod:`preflight.facts.build`: one way to build facts, kept on purpose.

Importing this package loads the model only (the rule loader and engine need nothing else).
"""

from preflight.facts.model import (
    DEFAULT_IMAGE_FORMAT,
    DEFAULT_ROLE_NAME,
    Absent,
    AttachedPolicy,
    Bucket,
    ConditionClause,
    Disk,
    FieldType,
    Fix,
    Image,
    Policy,
    Principal,
    Region,
    Request,
    Role,
    Snapshot,
    Statement,
    Subject,
    Task,
    Unknown,
    fact_fields,
)

__all__ = [
    "DEFAULT_IMAGE_FORMAT",
    "DEFAULT_ROLE_NAME",
    "Absent",
    "AttachedPolicy",
    "Bucket",
    "ConditionClause",
    "Disk",
    "FieldType",
    "Fix",
    "Image",
    "Policy",
    "Principal",
    "Region",
    "Request",
    "Role",
    "Snapshot",
    "Statement",
    "Subject",
    "Task",
    "Unknown",
    "fact_fields",
]
