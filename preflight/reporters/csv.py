"""``--format csv`` (``preflight audit``): one row per image, for spreadsheets.

Columns: account, region, image_id, name, verdict, blocking_rules (``;``-separated), reason. An account or a
region that could not be read (a gap) is a row of its own with no image, verdict ``unknown`` and the reason, so
a spreadsheet never reads "no images" where preflight could not look. A cell that a
spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
is prefixed with ``'``: an image name is the account owner's text, not ours (CSV injection).
"""

from __future__ import annotations

import csv
import io

from preflight.model import Report

HEADER = ("account", "region", "image_id", "name", "verdict", "blocking_rules", "reason")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA) else value


def render(report: Report, options: object = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    audit = report.audit
    for image in audit.images if audit is not None else ():
        writer.writerow([cell(v) for v in (image.account, image.region, image.image_id, image.name,
                                           image.verdict.value, ";".join(image.blockers), "")])
    for gap in audit.gaps if audit is not None else ():
        writer.writerow([cell(v) for v in (gap.account, gap.region or "", "", "", "unknown", "", gap.reason)])
    return buffer.getvalue()
