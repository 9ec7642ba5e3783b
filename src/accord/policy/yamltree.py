"""YAML with line numbers: compose the node tree, build plain values, keep each path's line.

PyYAML's `safe_load` forgets where a value came from. Composing the node tree first keeps the
marks, so a problem found later at a key path (`directions.0.clauses.2.crime_areas.1`) can name
the line it is on. Duplicate keys, which `safe_load` silently resolves to the last one, are
rejected here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["MAX_DEPTH", "MAX_NODES", "Path", "Tree", "YamlProblem", "compose"]

#: Limits that stop aliases from expanding a small file into a huge or endless value.
MAX_NODES = 20_000
MAX_DEPTH = 24

#: A key path into a document: mapping keys and sequence indexes.
Path = tuple[str | int, ...]


class YamlProblem(Exception):
    """The text is not a usable YAML document; `line` is 1-based."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(slots=True)
class Tree:
    """A document's plain value and the 1-based line of every path in it."""

    data: Any
    lines: dict[Path, int] = field(default_factory=dict)
    key_lines: dict[Path, int] = field(default_factory=dict)

    nodes: int = 0

    def line(self, path: Path) -> int:
        """Line of the value at `path`, or of its nearest ancestor that exists."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), 1)

    def key_line(self, path: Path) -> int:
        """Line of the mapping key that ends `path` (falls back to the value's line)."""
        return self.key_lines.get(path) or self.line(path)


def compose(text: str) -> Tree:
    """Parse one YAML document with the safe constructors, keeping lines; raise YamlProblem."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise YamlProblem(1, "the file is empty")
        tree = Tree(data=None)
        tree.data = _build(loader, node, (), tree)
        return tree
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlProblem(line, f"not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(1, f"not valid YAML: {exc}") from None
    finally:
        loader.dispose()


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: Path, tree: Tree) -> Any:
    line = node.start_mark.line + 1
    tree.nodes += 1
    if tree.nodes > MAX_NODES or len(path) > MAX_DEPTH:
        raise YamlProblem(line, "the document is too large or too deeply nested")
    tree.lines[path] = line
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem(key_line, "a mapping key must be a plain value")
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                raise YamlProblem(key_line, f"key {key!r} must be text")
            if key in out:
                raise YamlProblem(key_line, f"duplicate key {key!r}")
            tree.key_lines[(*path, key)] = key_line
            out[key] = _build(loader, value_node, (*path, key), tree)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), tree) for i, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:
        # A scalar that looks like a timestamp but is not one (2030-13-01): keep the text and
        # let the reader say what it expected there.
        return node.value
