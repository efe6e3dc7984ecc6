"""Run ``preflight check`` on each hostile input of issue 11 and print how it ends: exit code, wall time, peak
RSS. A script, not a test: ``make bench-hostile`` (``--preflight PATH`` picks the binary, so old and new code
can be compared; default ``.venv/bin/preflight``).

Each case is generated in a fresh temporary directory and run as a subprocess in its own session, under a wall
clock limit (``--timeout``, default 30 s: the process group is killed, "TIMEOUT") and an address-space limit
(``RLIMIT_AS``, default 4 GiB: allocations fail, "MEMLIMIT" when the child says it ran out of memory). Peak RSS
comes from ``os.wait4``'s rusage of the child. The first line of what it printed on stderr is shown, so an
"internal error" is told apart from a one-line error naming the file.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GIB = 1 << 30


# ---------------------------------------------------------------------------------------------------------
# Inputs


def snapshot(exports: list[dict[str, object]] | None = None, **sections: object) -> dict[str, object]:
    request = {"RegionId": "cn-hangzhou", "ImageId": "m-bp1aaaa", "OSSBucket": "exports", "OSSPrefix": "Ecs",
               "RoleName": "AliyunECSImageExportDefaultRole"}
    return {"version": 1, "exports": exports if exports is not None else [request], **sections}


def role(statements: list[dict[str, object]]) -> dict[str, object]:
    trust = {"Version": "1", "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                                             "Principal": {"Service": ["ecs.aliyuncs.com"]}}]}
    return {"RoleName": "AliyunECSImageExportDefaultRole", "AssumeRolePolicyDocument": json.dumps(trust),
            "AttachedPolicies": [{"PolicyName": "p", "PolicyType": "Custom",
                                  "PolicyDocument": {"Version": "1", "Statement": statements}}]}


def write_json(path: Path, doc: object) -> None:
    path.write_text(json.dumps(doc), encoding="utf-8")


TF_HEAD = 'provider "alicloud" {\n  region = "cn-hangzhou"\n}\n'
TF_EXPORT = ('resource "alicloud_image_export" "e" {\n  image_id   = "m-bp1aaaa"\n  oss_bucket = "exports"\n'
             '  oss_prefix = "Ecs"\n}\n')
ROS_HEAD = "ROSTemplateFormatVersion: '2015-09-01'\n"
WILDCARD_ACTION = "*" * 12 + "x"
WILDCARD_RESOURCE = "*a" * 14 + "b"


def tf_policy(action: str, resource_: str) -> str:
    doc = json.dumps({"Version": "1", "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource_}]})
    return (TF_HEAD + TF_EXPORT +
            'resource "alicloud_ram_role" "r" {\n  role_name = "AliyunECSImageExportDefaultRole"\n'
            '  assume_role_policy_document = <<EOF\n{"Version": "1", "Statement": [{"Action": "sts:AssumeRole", '
            '"Effect": "Allow", "Principal": {"Service": ["ecs.aliyuncs.com"]}}]}\nEOF\n}\n'
            f'resource "alicloud_ram_policy" "p" {{\n  policy_name = "p"\n  policy_document = <<EOF\n{doc}\nEOF\n}}\n'
            'resource "alicloud_ram_role_policy_attachment" "a" {\n'
            '  role_name = alicloud_ram_role.r.role_name\n  policy_name = alicloud_ram_policy.p.policy_name\n'
            '  policy_type = "Custom"\n}\n')


def plan(n: int) -> dict[str, object]:
    resources: list[dict[str, object]] = []
    for i in range(n):
        resources.append({"address": f"alicloud_image_export.e{i}", "mode": "managed", "type": "alicloud_image_export",
                          "name": f"e{i}", "provider_name": "registry.terraform.io/aliyun/alicloud",
                          "schema_version": 0,
                          "values": {"image_id": f"m-bp1{i:08d}", "oss_bucket": "exports", "oss_prefix": f"p{i}",
                                     "timeouts": None},
                          "sensitive_values": {}})
    return {"format_version": "1.2", "terraform_version": "1.9.8", "variables": {"region": {"value": "cn-hangzhou"}},
            "planned_values": {"root_module": {"resources": resources}}}


@dataclass
class Case:
    name: str
    #: writes the input into the directory; returns the extra arguments of ``preflight check``
    make: Callable[[Path], list[str]]
    notes: str = ""


def _snapshot_action(d: Path) -> list[str]:
    write_json(d / "s.json", snapshot(roles=[role([{"Effect": "Allow", "Action": WILDCARD_ACTION,
                                                      "Resource": "*"}])]))
    return ["s.json"]


def _snapshot_resource(d: Path) -> list[str]:
    # matched against the bucket's resource name: a 30-character bucket name
    request = {"RegionId": "cn-hangzhou", "ImageId": "m-bp1aaaa", "OSSBucket": "a" * 30, "OSSPrefix": "Ecs",
               "RoleName": "AliyunECSImageExportDefaultRole"}
    write_json(d / "s.json", snapshot([request], roles=[role([{"Effect": "Allow", "Action": "oss:*",
                                                      "Resource": WILDCARD_RESOURCE}])]))
    return ["s.json"]


def _tf_action(d: Path) -> list[str]:
    (d / "main.tf").write_text(tf_policy(WILDCARD_ACTION, "*"), encoding="utf-8")
    return ["--pre-commit", "main.tf"]


def _symlink_zero(d: Path) -> list[str]:
    walked = d / "walked"
    walked.mkdir()
    (walked / "main.tf").write_text(TF_HEAD + TF_EXPORT, encoding="utf-8")
    (walked / "x.json").symlink_to("/dev/zero")
    return ["walked"]


def _fifo(d: Path) -> list[str]:
    walked = d / "walked"
    walked.mkdir()
    (walked / "main.tf").write_text(TF_HEAD + TF_EXPORT, encoding="utf-8")
    os.mkfifo(walked / "stack.yaml")
    return ["walked"]


def _tf(text: str) -> Callable[[Path], list[str]]:
    def make(d: Path) -> list[str]:
        (d / "main.tf").write_text(TF_HEAD + text, encoding="utf-8")
        return ["main.tf"]
    return make


def _count(value: str) -> Callable[[Path], list[str]]:
    return _tf(TF_EXPORT.replace('resource "alicloud_image_export" "e" {\n',
                                 f'resource "alicloud_image_export" "e" {{\n  count = {value}\n'))


def _for_each(d: Path) -> list[str]:
    keys = ", ".join(f'k{i} = "p{i}"' for i in range(100_000))
    (d / "main.tf").write_text(
        TF_HEAD + f"locals {{\n  m = {{ {keys} }}\n}}\n"
        'resource "alicloud_image_export" "e" {\n  for_each = local.m\n  image_id = "m-bp1aaaa"\n'
        '  oss_bucket = "exports"\n  oss_prefix = each.value\n}\n', encoding="utf-8")
    return ["main.tf"]


def _module_fanout(d: Path) -> list[str]:
    # each level instantiates the next ten times: 10^6 exports at depth 6
    depth = 6
    for level in range(depth):
        m = d / f"m{level}"
        m.mkdir()
        body = TF_EXPORT if level == depth - 1 else f'module "n" {{\n  source = "../m{level + 1}"\n  count = 10\n}}\n'
        (m / "main.tf").write_text(body, encoding="utf-8")
    (d / "main.tf").write_text(TF_HEAD + 'module "n" {\n  source = "./m0"\n  count = 10\n}\n', encoding="utf-8")
    return ["main.tf"]


def _alias_bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [{','.join(['*a' + str(i - 1)] * 9)}]")
    return "\n".join(lines) + "\n"


def _ros_bomb(d: Path) -> list[str]:
    bomb = _alias_bomb().replace("\n", "\n  ")
    (d / "stack.yaml").write_text(
        ROS_HEAD + "Metadata:\n  " + bomb + "\nResources:\n  B:\n    Type: ALIYUN::OSS::Bucket\n    Properties:\n"
        f"      BucketName:\n        Fn::Join: ['-', *a{8}]\n", encoding="utf-8")
    return ["stack.yaml"]


def _rule_bomb(d: Path) -> list[str]:
    (d / "rules").mkdir()
    levels = ['&a0 ["x","x","x","x","x","x","x","x","x"]']
    levels += [f"&a{i} [{','.join(['*a' + str(i - 1)] * 9)}]" for i in range(1, 9)]
    (d / "rules" / "X1-bomb.yaml").write_text(
        "id: X1\ntitle: {en: t, zh: t}\nseverity: error\ncategory: hygiene\nprevents: []\n"
        f"assert: {{path: request.OSSPrefix, in: [{', '.join(levels)}]}}\n"
        "message: {en: m, zh: m}\nremediation: {en: r, zh: r}\n",
        encoding="utf-8")
    write_json(d / "s.json", snapshot())
    return ["--rules", "rules", "s.json"]


def _locals_doubling(d: Path) -> list[str]:
    lines = ['  l0 = "x"'] + [f'  l{i} = "${{local.l{i - 1}}}${{local.l{i - 1}}}"' for i in range(1, 31)]
    (d / "main.tf").write_text(TF_HEAD + "locals {\n" + "\n".join(lines) + "\n}\n" +
                               TF_EXPORT.replace('"Ecs"', "local.l30"), encoding="utf-8")
    return ["main.tf"]


def _locals_chain(d: Path) -> list[str]:
    lines = ['  l0 = "x"'] + [f"  l{i} = local.l{i - 1}" for i in range(1, 3000)]
    (d / "main.tf").write_text(TF_HEAD + "locals {\n" + "\n".join(lines) + "\n}\n" +
                               TF_EXPORT.replace('"Ecs"', "local.l2999"), encoding="utf-8")
    return ["main.tf"]


def _plan(n: int) -> Callable[[Path], list[str]]:
    def make(d: Path) -> list[str]:
        write_json(d / "plan.json", plan(n))
        return ["plan.json"]
    return make


def _problems(d: Path) -> list[str]:
    # 5,000 exports each with a field of the wrong type: 5,000 schema problems to place on lines
    exports = [{"RegionId": 1, "ImageId": f"m-{i}", "OSSBucket": "b"} for i in range(5000)]
    (d / "s.json").write_text(json.dumps(snapshot(exports), indent=1), encoding="utf-8")
    return ["s.json"]


def _surrogate(d: Path) -> list[str]:
    (d / "s.json").write_text(json.dumps(snapshot()).replace('"Ecs"', '"\\ud800"'), encoding="utf-8")
    return ["-f", "json", "s.json"]


def _timestamp(d: Path) -> list[str]:
    (d / "stack.yaml").write_text(ROS_HEAD + "Description: !!timestamp x\nResources: {}\n", encoding="utf-8")
    return ["stack.yaml"]


def _ros_cycle(d: Path) -> list[str]:
    (d / "stack.yaml").write_text(
        ROS_HEAD + "Resources:\n  A:\n    Type: ALIYUN::OSS::Bucket\n    Properties:\n"
        "      BucketName: {'Fn::GetAtt': [B, Name]}\n"
        "  B:\n    Type: ALIYUN::OSS::Bucket\n    Properties:\n      BucketName: {'Fn::GetAtt': [A, Name]}\n",
        encoding="utf-8")
    return ["stack.yaml"]


def _rule_regex(d: Path) -> list[str]:
    (d / "rules").mkdir()
    (d / "rules" / "X2-regex.yaml").write_text(
        "id: X2\ntitle: {en: t, zh: t}\nseverity: error\ncategory: hygiene\nprevents: []\n"
        "assert: {path: request.OSSPrefix, matches: 'a{4294967296}'}\n"
        "message: {en: m, zh: m}\nremediation: {en: r, zh: r}\n", encoding="utf-8")
    write_json(d / "s.json", snapshot())
    return ["--rules", "rules", "s.json"]


def _write(name: str, text: str, *args: str) -> Callable[[Path], list[str]]:
    def make(d: Path) -> list[str]:
        (d / name).write_text(text, encoding="utf-8")
        return [*args, name]
    return make


CASES: tuple[Case, ...] = (
    Case("wildcard Action ************x (snapshot)", _snapshot_action),
    Case("wildcard Action ************x (Terraform --pre-commit)", _tf_action),
    Case("Resource 14x'*a'+'b' (snapshot)", _snapshot_resource),
    Case("symlink x.json -> /dev/zero in a walked dir", _symlink_zero),
    Case("FIFO stack.yaml in a walked dir", _fifo),
    Case("count = 1000000000", _count("1000000000")),
    Case("count = 1e300", _count("1e300")),
    Case("for_each over a 100,000-key map", _for_each),
    Case("module fan-out 10^6", _module_fanout),
    Case("ROS YAML alias bomb (Fn::Join)", _ros_bomb),
    Case("rule-file alias bomb (--rules DIR)", _rule_bomb),
    Case("31 locals each using the previous twice", _locals_doubling),
    Case("3,000-local chain", _locals_chain),
    Case("valid plan JSON, 2,000 resources", _plan(2000)),
    Case("valid plan JSON, 4,000 resources", _plan(4000)),
    Case("snapshot with 5,000 problems", _problems),
    Case("lone surrogate in a snapshot (-f json)", _surrogate),
    Case("!!timestamp x in YAML", _timestamp),
    Case("5,000-digit HCL integer", _count("1" + "0" * 4999)),
    Case("ROS reference cycle", _ros_cycle),
    Case("rule regex a{4294967296}", _rule_regex),
    Case("-o /dev/full", lambda d: (write_json(d / "s.json", snapshot()), ["-o", "/dev/full", "s.json"])[1]),
    Case("package.json (--pre-commit)", _write("package.json", json.dumps(
        {"name": "x", "version": "1.0.0", "exports": {".": "./index.js"}}), "--pre-commit")),
    Case("tsconfig.json with comments (--pre-commit)", _write(
        "tsconfig.json", '{\n  // comment\n  "compilerOptions": {"strict": true}\n}\n', "--pre-commit")),
    Case("YAML file that is a list (--pre-commit)", _write("list.yaml", "- a\n- b\n", "--pre-commit")),
    Case("snapshot with a UTF-8 BOM", _write("s.json", "\ufeff" + json.dumps(snapshot()))),
)


# ---------------------------------------------------------------------------------------------------------
# Running


@dataclass
class Outcome:
    code: int | None
    wall: float
    rss_mib: float
    cut: str = ""  # "TIMEOUT" / "MEMLIMIT"
    first_error: str = field(default="")


def _limits(address_space: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    return apply


def run_case(argv: list[str], cwd: Path, timeout: float, address_space: int) -> Outcome:
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                preexec_fn=_limits(address_space), start_new_session=True)
        cut = ""
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                os.killpg(proc.pid, signal.SIGKILL)
                _, status, usage = os.wait4(proc.pid, 0)
                cut = "TIMEOUT"
                break
            time.sleep(0.01)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read(1 << 20).decode("utf-8", "replace")
    if not cut and ("MemoryError" in text or "Cannot allocate memory" in text or "out of memory" in text.lower()):
        cut = "MEMLIMIT"
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if "Traceback" in text:
        first = "TRACEBACK " + text.strip().splitlines()[-1]
    return Outcome(None if cut == "TIMEOUT" else proc.returncode, wall, usage.ru_maxrss / 1024, cut, first)


def iter_results(binary: list[str], timeout: float, address_space: int, only: str | None
                 ) -> Iterator[tuple[Case, Outcome]]:
    for case in CASES:
        if only and only.lower() not in case.name.lower():
            continue
        with tempfile.TemporaryDirectory(prefix="pf-hostile-") as tmp:
            d = Path(tmp)
            args = case.make(d)
            # an empty config keeps any .preflight.yaml of the surroundings out of the run
            (d / ".preflight.yaml").write_text("{}\n", encoding="utf-8")
            yield case, run_case([*binary, "check", *args], d, timeout, address_space)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preflight", default=str(ROOT / ".venv" / "bin" / "preflight"),
                        help="the preflight executable to run (default: .venv/bin/preflight)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per case (default 30)")
    parser.add_argument("--memory-gib", type=float, default=4.0, help="RLIMIT_AS per case in GiB (default 4)")
    parser.add_argument("-k", dest="only", help="run only the cases whose name contains this")
    args = parser.parse_args(argv)
    binary = [str(Path(args.preflight).resolve())]
    print(f"preflight: {binary[0]}; timeout {args.timeout:g} s, RLIMIT_AS {args.memory_gib:g} GiB")
    print(f"{'case':<56} {'exit':>4} {'wall':>8} {'peak RSS':>10}  cut       first line of stderr")
    for case, out in iter_results(binary, args.timeout, int(args.memory_gib * GIB), args.only):
        code = "-" if out.code is None else str(out.code)
        print(f"{case.name:<56} {code:>4} {out.wall:>7.2f}s {out.rss_mib:>7.1f} MiB  {out.cut:<8}  "
              f"{out.first_error[:100]!r}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
