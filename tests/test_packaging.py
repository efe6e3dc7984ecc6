"""The wheel carries the rule pack and the schemas, and an installed copy works outside the checkout.

Builds the wheel with ``pip wheel`` (build isolation fetches hatchling from the package index), installs it
with ``pip install --no-deps --target``, and runs a check from a directory outside the checkout with the
installed copy first on ``sys.path``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "snapshot.json"
DATA = "preflight/_data"


def _names(directory: Path, pattern: str) -> set[str]:
    return {p.name for p in directory.glob(pattern) if p.is_file()}


def _pip(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    env.pop("PYTHONPATH", None)
    return subprocess.run([sys.executable, "-m", "pip", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600, check=False)


@pytest.fixture(scope="module")
def checkout_files() -> dict[str, set[str]]:
    """The data files of the checkout, taken before the build."""
    return {
        "rules": _names(ROOT / "rules", "*.yaml"),
        "lists": _names(ROOT / "rules" / "lists", "*.yaml"),
        "schemas": _names(ROOT / "schemas", "*.json"),
    }


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory, checkout_files: dict[str, set[str]]) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = _pip("wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT), cwd=out)
    if proc.returncode != 0:
        if "hatchling" in proc.stderr and ("No matching distribution" in proc.stderr
                                          or "Could not find a version" in proc.stderr):
            pytest.skip(f"cannot fetch the build backend (no package index?): {proc.stderr.strip()[-300:]}")
        pytest.fail(f"pip wheel failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    wheels = list(out.glob("preflight_export-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def _wheel_names(wheel: Path, folder: str, suffix: str) -> set[str]:
    prefix = f"{DATA}/{folder}/"
    with zipfile.ZipFile(wheel) as z:
        return {n.removeprefix(prefix) for n in z.namelist()
                if n.startswith(prefix) and "/" not in n.removeprefix(prefix) and n.endswith(suffix)}


def test_wheel_carries_every_rule_list_and_schema(wheel: Path, checkout_files: dict[str, set[str]]) -> None:
    assert checkout_files["rules"] and checkout_files["schemas"]
    assert checkout_files["rules"] <= _wheel_names(wheel, "rules", ".yaml")
    assert checkout_files["lists"] <= _wheel_names(wheel, "rules/lists", ".yaml")
    assert checkout_files["schemas"] <= _wheel_names(wheel, "schemas", ".json")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
    assert "preflight/__init__.py" in names and "preflight/py.typed" in names
    # the HTML report's inline style and script
    assert {"preflight/reporters/html_assets/report.css", "preflight/reporters/html_assets/report.js"} <= names
    assert not any(n.startswith(("tests/", "rules/", "schemas/", "examples/")) for n in names), \
        "data must live under preflight/_data, not at the top of site-packages"


PROBE = """
import json, sys
sys.path.insert(0, {target!r})
import preflight
import preflight.resources as resources
from preflight.cli import main
sys.stderr.write("PROBE " + json.dumps({{"package": preflight.__file__, "rules": str(resources.rules_dir()),
                                          "schemas": str(resources.data_dir("schemas"))}}) + "\\n")
import preflight.reporters.html as html_report
assert "sha256-" in html_report.content_security_policy()  # its assets are read from the installed package
raise SystemExit(main(["check", {example!r}, "-f", "json"]))
"""


def test_installed_wheel_checks_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "T"
    installed = _pip("install", "--no-deps", "--quiet", "--target", str(target), str(wheel), cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")  # the rules cache must not touch the user's home
    env.pop("PREFLIGHT_NO_CACHE", None)
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(target=str(target), example=str(EXAMPLE))],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    probe_lines = [line for line in proc.stderr.splitlines() if line.startswith("PROBE ")]
    assert probe_lines, proc.stderr
    probe = json.loads(probe_lines[0].removeprefix("PROBE "))
    other_stderr = [line for line in proc.stderr.splitlines() if not line.startswith("PROBE ")]
    assert proc.returncode == 1, (proc.returncode, proc.stderr)  # the example has failures
    assert other_stderr == []

    resolved = target.resolve()
    assert Path(probe["package"]).resolve().is_relative_to(resolved), probe
    assert Path(probe["rules"]).resolve() == resolved / "preflight" / "_data" / "rules", probe
    assert Path(probe["schemas"]).resolve() == resolved / "preflight" / "_data" / "schemas", probe
    assert not Path(probe["rules"]).resolve().is_relative_to(ROOT)

    report = json.loads(proc.stdout)
    assert report["ok"] is False
    assert report["summary"]["fail"] >= 1
    rule_files = _wheel_names(wheel, "rules", ".yaml")
    assert len({r["rule_id"] for r in report["results"]}) == len(rule_files)
    # the example path is outside the working directory: reported as an absolute path
    paths = {r["location"]["path"] for r in report["results"] if r["location"]}
    assert paths == {EXAMPLE.resolve().as_posix()}
