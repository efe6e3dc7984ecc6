"""Safe YAML loading that remembers the line of every node, for errors that name file and line.

PyYAML's composer already records a mark on each node; this keeps the node tree beside the constructed
data so a JSON pointer (or a path of keys) can be turned into a line afterwards. Only the safe loader is
used. Duplicate mapping keys, which PyYAML would silently collapse, are reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from preflight.errors import Foreign, Msg, PreflightError

try:  # the C loader when PyYAML was built with libyaml: same results, several times faster
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


@dataclass(frozen=True)
class Lines:
    """Lines of the nodes of a parsed YAML document, by path."""

    node: yaml.Node | None
    #: each mapping node's entries by key, built when a path first steps into it (a look-up is then a
    #: dictionary hit, not a scan of the mapping: many located problems in a big file stay linear)
    _keys: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = field(default_factory=dict, compare=False, repr=False)

    def _entry(self, node: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
        entries = self._keys.get(id(node))
        if entries is None:
            entries = {}
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    entries[k.value] = (k, v)  # the last duplicate wins, as the scan always answered
            self._keys[id(node)] = entries
        return entries.get(key)

    def line(self, path: Sequence[str | int]) -> int:
        """The 1-based line of the node at ``path`` (or of its deepest existing ancestor)."""
        return self._line(path, at_key=False)

    def key_line(self, path: Sequence[str | int]) -> int:
        """Like :meth:`line`, but a mapping entry is reported where its key is written (so an unknown key or
        a property whose value is a block below it names the key's own line); a list entry at the item."""
        return self._line(path, at_key=True)

    def _line(self, path: Sequence[str | int], *, at_key: bool) -> int:
        node = self.node
        if node is None:
            return 1
        line = node.start_mark.line + 1
        for step in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                entry = self._entry(node, str(step))
                if entry is not None:
                    child, at = entry[1], (entry[0] if at_key else entry[1])
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
                child = at = node.value[step]
            if child is None:
                return line
            node = child
            line = at.start_mark.line + 1
        return line


def _duplicate_key(node: yaml.Node) -> yaml.Node | None:
    stack = [node]
    visited: set[int] = set()  # an alias may point back at its own ancestor (`a: &x [*x]`): visit each node once
    while stack:
        n = stack.pop()
        if id(n) in visited:
            continue
        visited.add(id(n))
        if isinstance(n, yaml.MappingNode):
            seen: set[str] = set()
            for k, v in n.value:
                if isinstance(k, yaml.ScalarNode) and k.tag != "tag:yaml.org,2002:merge":
                    if k.value in seen:
                        return k
                    seen.add(k.value)
                stack.append(v)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend(n.value)
    return None


def load(text: str, display: str, loader_class: Any = None) -> tuple[Any, Lines]:
    """Parse one YAML document safely; errors become a one-line :class:`PreflightError` with the line.

    ``loader_class`` may name a subclass of the safe loader (ROS adds its short tags such as ``!Ref``)."""
    try:
        loader = (loader_class or _Loader)(text)
        try:
            node = loader.get_single_node()
            if node is not None and "&" in text:  # no anchor, no alias: nothing to expand
                check_aliases(node, display)
            dup = _duplicate_key(node) if node is not None else None
            if dup is not None:
                raise PreflightError(Msg("rule.yaml_duplicate_key", key=dup.value),
                                     f"{display}:{dup.start_mark.line + 1}")
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{display}:{mark.line + 1}" if mark else display
        problem = e.problem or e.context
        reason = Foreign("yaml", problem) if problem else Msg("rule.yaml_malformed")
        raise PreflightError(Msg("err_yaml_value", reason=reason), where) from None
    except yaml.YAMLError as e:  # no mark (e.g. a control character): the reader gives a position
        position = getattr(e, "position", None)
        where = f"{display}:{text.count(chr(10), 0, position) + 1}" if isinstance(position, int) else display
        problem = getattr(e, "reason", None) or str(e).splitlines()[0]
        raise PreflightError(Msg("err_yaml_value", reason=Foreign("yaml", problem)), where) from None
    except RecursionError:
        raise PreflightError(Msg("err_yaml_value", reason=Msg("rule.yaml_too_deep")), display) from None
    except _VALUE_ERRORS as e:  # a value PyYAML cannot build: date 2026-13-01, `!!timestamp x`, `!!bool maybe`
        raise _bad_value(text, display, e, loader_class or _Loader) from None
    return data, Lines(node)


#: what PyYAML's constructors raise on a scalar they cannot build (``!!timestamp x`` is an AttributeError,
#: ``!!bool maybe`` a KeyError, ``!!int`` of 5,000 digits a ValueError)
_VALUE_ERRORS = (ValueError, TypeError, OverflowError, KeyError, AttributeError, IndexError)

#: how many nodes aliases may add when a document is read as the tree its consumers walk: a "billion laughs"
#: of ten nested lists of ten aliases is 10^10 nodes from a few hundred bytes
MAX_ALIAS_NODES = 100_000


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_aliases(root: yaml.Node, display: str, limit: int = MAX_ALIAS_NODES) -> None:
    """Refuse a document whose aliases expand it by more than ``limit`` nodes, or that contains itself
    (``a: &x [*x]``), before anything is built from it: one pass over the distinct nodes, sizes memoised."""
    size: dict[int, int] = {}
    state: dict[int, bool] = {}  # False: on the path being walked; True: done
    counted: set[int] = set()
    extra = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        nid = id(node)
        if leaving:
            total = 1
            for child in _children(node):
                cid = id(child)
                total += size[cid]
                if cid in counted:  # met again: an alias, read as a copy of the whole subtree
                    extra += size[cid]
                    if extra > limit:
                        raise PreflightError(Msg("err_yaml_value", reason=Msg("path.yaml_aliases", limit=limit)),
                                             f"{display}:{node.start_mark.line + 1}")
                else:
                    counted.add(cid)
            size[nid] = total
            state[nid] = True
            continue
        if state.get(nid) is True:
            continue
        state[nid] = False
        stack.append((node, True))
        for child in _children(node):
            seen = state.get(id(child))
            if seen is False:
                raise PreflightError(Msg("err_yaml_value", reason=Msg("path.yaml_alias_cycle")),
                                     f"{display}:{node.start_mark.line + 1}")
            if seen is None:
                stack.append((child, False))


def _bad_value(text: str, display: str, cause: Exception, loader_class: Any) -> PreflightError:
    """Name the scalar PyYAML could not build (an impossible date such as 2026-13-01, ``!!timestamp x``,
    ``!!bool maybe``) and its line."""
    from preflight.errors import error

    loader = loader_class(text)
    try:
        stack = [loader.get_single_node()]
        while stack:
            n = stack.pop()
            if isinstance(n, yaml.MappingNode):
                stack.extend(v for pair in reversed(n.value) for v in reversed(pair))
            elif isinstance(n, yaml.SequenceNode):
                stack.extend(reversed(n.value))
            elif isinstance(n, yaml.ScalarNode):
                try:
                    loader.construct_object(n)
                except (*_VALUE_ERRORS, yaml.YAMLError):
                    where = f"{display}:{n.start_mark.line + 1}"
                    if n.tag == "tag:yaml.org,2002:timestamp":
                        return error("err_yaml_date", where, value=n.value)
                    return error("err_yaml_value", where,
                                 reason=Msg("path.yaml_tag_value", value=n.value[:80], tag=n.tag))
    except (*_VALUE_ERRORS, yaml.YAMLError, RecursionError):
        pass
    finally:
        loader.dispose()
    return error("err_yaml_value", display, reason=Foreign("yaml", str(cause)))


def load_fast(text: str, display: str) -> Any:
    """Parse without keeping nodes (several times faster); for trusted files whose errors are rare.

    On any problem, parse again with :func:`load` to report it with its line.
    """
    if "&" in text:  # anchors, so perhaps aliases: their expansion is bounded by the checked path
        return load(text, display)[0]
    try:
        return yaml.load(text, Loader=_Loader)
    except (yaml.YAMLError, RecursionError, *_VALUE_ERRORS):
        return load(text, display)[0]
