"""The message catalogue beyond preflight's core texts (:data:`preflight.i18n.MESSAGES`), one module per part.

Each module holds ``TEXTS``: message key -> {"en": ..., "zh": ...}, keys prefixed by the part
(``rule.``, ``snap.``, ``iac.``, ``live.``, ``schema.``, ``cli.``, ``path.``, ``html.``). :func:`merged` is the
registry; a test holds every key unique, complete in both languages, and every key the code names present.
"""

from __future__ import annotations

from preflight.texts import audit, cli, html, iac, live, path, rule, schema, snap

PARTS = (rule, snap, iac, live, schema, cli, path, audit, html)


def merged() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for part in PARTS:
        out.update(part.TEXTS)
    return out
