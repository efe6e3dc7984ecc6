"""``--format csv`` (``preflight audit``): one row per image, for spreadsheets.

Columns: account, region, image_id, name, verdict, blocking_rules (``;``-separated). A cell that a
spreadsheet would read as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return)
is prefixed with ``'``: an image name is the account owner's text, not ours (CSV injection).
"""

from __future__ import annotations

import csv
import io

from preflight.model import Report

HEADER = ("account", "region", "image_id", "name", "verdict", "blocking_rules")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA) else value


def render(report: Report, options: object = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for image in report.audit.images if report.audit is not None else ():
        writer.writerow([cell(v) for v in (image.account, image.region, image.image_id, image.name,
                                           image.verdict.value, ";".join(image.blockers))])
    return buffer.getvalue()
