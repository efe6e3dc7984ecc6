"""JUnit XML for CI test views (Jenkins, GitLab ``artifacts:reports:junit``, Azure DevOps).

One ``<testsuite>`` per export subject, one ``<testcase>`` per rule on it (name: rule id and title;
classname: the subject; ``file``/``line``: where to fix). Outcomes:

- ``fail`` → ``<failure type="SEVERITY">`` with the message, and the details (location, the API errors it
  prevents, the remediation, the evidence) as its text; a baselined fail is ``<skipped>`` instead;
- ``unknown`` → ``<failure type="unknown">`` when it fails the run (live and snapshot modes, ``--strict``),
  else ``<skipped>`` (IaC mode: the fact lives outside the files);
- ``waived`` → ``<skipped>`` with the waiver's reason; ``skip`` → ``<skipped>``; ``pass`` → a plain testcase.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from itertools import groupby

from preflight.escape import xml_text
from preflight.i18n import colon, t, word
from preflight.model import Report, Result, Status
from preflight.reporters import RenderOptions
from preflight.reporters._common import Words, fails


def _details(r: Result, lang: str, words: Words) -> str:
    lines = [words(r.message), f"{t('severity', lang)}{colon(lang)}{word(r.severity.value, lang)} · "
                        f"{word(r.category.value, lang)}"]
    if r.location is not None:
        lines.append(f"{t('at', lang)}{colon(lang)}{r.location}")
    if r.prevents:
        lines.append(f"{t('prevents', lang)}{colon(lang)}{', '.join(r.prevents)}")
    remediation = words(r.remediation)
    if remediation:
        lines.append(f"{t('fix', lang)}{colon(lang)}{remediation}")
    if r.evidence:
        lines.append(t("evidence", lang) + colon(lang) + json.dumps(r.evidence, ensure_ascii=False, sort_keys=True))
    return "\n".join(lines)


def _outcome(case: ET.Element, r: Result, report: Report, words: Words) -> str:
    """Adds the outcome element; returns 'failure', 'skipped' or 'pass'."""
    lang = report.lang
    if (r.status is Status.FAIL and not r.baselined) or (r.status is Status.UNKNOWN and fails(r, report)):
        kind = r.severity.value if r.status is Status.FAIL else "unknown"
        failure = ET.SubElement(case, "failure", {"message": words(r.message), "type": kind})
        failure.text = _details(r, lang, words)
        return "failure"
    if r.status is Status.PASS:
        return "pass"
    if r.waiver is not None:
        message = (f"{t('waived_by', lang, reason=r.waiver.reason)} ({t('at', lang)} {r.waiver.source}): "
                   f"{words(r.message)}")
    elif r.baselined:
        message = f"{t('baselined', lang)}{colon(lang)}{words(r.message)}"
    else:
        message = words(r.message)
    ET.SubElement(case, "skipped", {"message": message})
    return "skipped"


def _xml_safe(root: ET.Element) -> None:
    """Every text and attribute value of the document made something XML 1.0 can hold (the one place)."""
    for element in root.iter():
        if element.text:
            element.text = xml_text(element.text)
        for key, value in element.attrib.items():
            element.attrib[key] = xml_text(value)


def render(report: Report, options: RenderOptions | None = None) -> str:
    root = ET.Element("testsuites", {"name": "preflight"})
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    words = Words(report.lang)
    for subject, group in groupby(report.results, key=lambda r: r.subject):
        results = list(group)
        suite = ET.SubElement(root, "testsuite", {"name": subject})
        counts = {"failure": 0, "skipped": 0, "pass": 0}
        origin = results[0].origin
        if origin is not None:
            props = ET.SubElement(suite, "properties")
            ET.SubElement(props, "property", {"name": "origin", "value": str(origin)})
        for r in results:
            attrs = {"name": f"{r.rule_id} {words(r.title)}", "classname": subject, "time": "0"}
            if r.location is not None:
                attrs["file"] = r.location.path
                if r.location.line:
                    attrs["line"] = str(r.location.line)
            case = ET.SubElement(suite, "testcase", attrs)
            counts[_outcome(case, r, report, words)] += 1
        suite.attrib.update({"tests": str(len(results)), "failures": str(counts["failure"]), "errors": "0",
                             "skipped": str(counts["skipped"]), "time": "0"})
        totals["tests"] += len(results)
        totals["failures"] += counts["failure"]
        totals["skipped"] += counts["skipped"]
    root.attrib.update({"tests": str(totals["tests"]), "failures": str(totals["failures"]), "errors": "0",
                        "skipped": str(totals["skipped"]), "time": "0"})
    _xml_safe(root)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
