"""The least-privilege fix texts (preflight.remediation): written once with markers and filled per export in
one pass, they equal the texts written straight from the values, whatever the values hold."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from preflight import remediation
from preflight.facts import Fix
from preflight.facts.build import subjects_from_document

_MARKS = ["@@ROLE@@", "@@BUCKET@@", "@@OSSPREFIX@@", "@@ACCOUNT@@", "@@POLICYNAME@@"]
#: values that hold the markers' text, template sequences, quotes and escapes, besides any text
_VALUE = st.one_of(st.text(max_size=12), st.lists(st.sampled_from([*_MARKS, "${", "%{", '"', "\\", "\n", "a", "é"]),
                                                  max_size=5).map("".join))


@given(role=_VALUE, bucket=st.none() | _VALUE, prefix=st.none() | _VALUE, account=st.none() | _VALUE)
def test_filled_templates_equal_texts_written_from_the_values(role: str, bucket: str | None, prefix: str | None,
                                                             account: str | None) -> None:
    fix = remediation.least_privilege_fix(role, bucket, prefix, account)
    name = remediation.policy_name(bucket)
    want = remediation.write_fix(role, bucket or "<export-bucket>", prefix, account, name)
    assert {k: v for k, v in fix.items() if k != "policy_name"} == want
    assert fix["policy_name"] == name and name.isascii() and name.isalnum()


def test_a_name_holding_a_marker_stays_as_given_in_an_exports_fix() -> None:
    """A role or bucket whose name holds the prefix marker's text once got the export's prefix put into it
    (the prefix was filled into texts already holding the names)."""
    role, bucket = "R@@OSSPREFIX@@", "b@@OSSPREFIX@@"
    doc = {"version": 1, "exports": [{"RegionId": "r", "ImageId": "m", "OSSBucket": bucket, "OSSPrefix": "P",
                                      "RoleName": role}]}
    (subject,) = subjects_from_document(doc)
    assert isinstance(subject.fix, Fix) and subject.fix.ros is not None and subject.fix.permission_policy
    ros = json.loads(subject.fix.ros)["ImageExportRole"]["Properties"]
    assert ros["RoleName"] == role
    resources = [r for s in json.loads(subject.fix.permission_policy)["Statement"] for r in s["Resource"]]
    assert resources == [f"acs:oss:*:*:{bucket}", f"acs:oss:*:*:{bucket}/P*"]
    assert subject.fix.terraform is not None and f'role_name = "{role}"' in subject.fix.terraform
