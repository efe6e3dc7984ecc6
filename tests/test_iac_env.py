"""The evaluation environment is explicit (issue 13, "Layout"): an immutable :class:`Env` (the module, the
instance of a counted resource, the names bound by ``for`` and ``dynamic``) is passed down the evaluation
instead of being swapped in and out of the module by hand, so no evaluation sees another's bindings."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from preflight.sources import terraform, tffunctions
from preflight.sources.terraform import Env, Instance

COUNTED = '''
resource "alicloud_image" "img" {
  count = 2
  dynamic "disk_device_mapping" {
    for_each = [10, 20]
    content {
      device = join(",", [for x in [1, 2] : "${tostring(x)}-${count.index}-${disk_device_mapping.value}"])
    }
  }
}
'''


def _device_expression(module: terraform.Module) -> Any:
    (dynamic,) = module.resources["alicloud_image.img"].body.blocks
    (content,) = dynamic.body.blocks
    return content.body.attrs["device"][0]


def test_two_envs_evaluated_at_once_keep_their_own_bindings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same expression (a for inside a dynamic block inside a counted resource) evaluated in two threads
    at once, each in its own Env. A barrier inside the for's body holds both evaluations there together, so
    the reads after it (``count.index``, the iterator) would see the other's bindings if the scope were the
    module's state rather than the Env's."""
    body = terraform.parse_hcl(COUNTED, "m.tf")
    module = terraform.Module(body.blocks, {})
    expr = _device_expression(module)
    barrier = threading.Barrier(2, timeout=20)
    real = tffunctions.FUNCTIONS["tostring"]

    def tostring(args: list[Any], cap: int) -> Any:
        barrier.wait()  # both evaluations are inside the for's body, bindings set
        return real(args, cap)

    monkeypatch.setitem(tffunctions.FUNCTIONS, "tostring", tostring)
    envs = {(i, v): Env(module, Instance("alicloud_image.img", "count", {"index": i}, i),
                        {"disk_device_mapping": {"key": k, "value": v}})
            for i, (k, v) in ((0, (0, 10)), (1, (1, 20)))}
    with ThreadPoolExecutor(2) as pool:
        futures = {key: pool.submit(module.eval, expr, env) for key, env in envs.items()}
        got = {key: f.result(timeout=60) for key, f in futures.items()}
    assert got == {(0, 10): "1-0-10,2-0-10", (1, 20): "1-1-20,2-1-20"}


def test_a_counted_resource_gives_each_instance_and_block_its_own_bindings() -> None:
    body = terraform.parse_hcl('provider "alicloud" {\n  region = "cn-hangzhou"\n}\n' + COUNTED, "m.tf")
    module = terraform.Module(body.blocks, {})
    devices = [[d.value("device") for d in r.body.blocks["disk_device_mapping"]]
               for r in module.managed(("alicloud_image",))]
    assert devices == [["1-0-10,2-0-10", "1-0-20,2-0-20"], ["1-1-10,2-1-10", "1-1-20,2-1-20"]]


def test_binding_a_name_makes_a_new_env() -> None:
    module = terraform.Module([], {})
    outer = Env(module, None, {"a": 1})
    inner = outer.bind({"b": 2, "a": 3})
    assert (dict(outer.names), dict(inner.names)) == ({"a": 1}, {"a": 3, "b": 2})
    assert inner.module is module and inner.instance is None
    with pytest.raises(AttributeError):
        inner.names = {}  # type: ignore[misc]


def test_a_name_bound_by_a_for_does_not_reach_a_module_call_it_loads(tmp_path: Path) -> None:
    """A module call is loaded the first time something reads it; its inputs are evaluated in the caller's
    own Env, never in the scope of the expression that happened to read it first (here a ``for`` binding
    ``x``, which the call's ``name = x`` must not see)."""
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_text('variable "name" {}\noutput "name" {\n  value = var.name\n}\n')
    (tmp_path / "main.tf").write_text('''provider "alicloud" {
  region = "cn-hangzhou"
}
locals {
  names = [for x in ["leaked"] : module.m.name]
}
module "m" {
  source = "./m"
  name   = x
}
resource "alicloud_oss_bucket" "b" {
  bucket = local.names[0]
}
''')
    load = terraform.load_module([tmp_path / "main.tf"], [], environ={})
    (bucket,) = load.resources
    assert isinstance(bucket.body.value("bucket"), terraform.Unresolved)
