"""YAML with a line number for every key, and ``${VAR}`` / ``${VAR:-default}`` interpolation.

The loader keeps, for each key path (``("sources", "crm", "timeout")``), the line it was written
on, so that every configuration error can name the file, the line and the key path.

A configuration file is small, and a hostile one must not cost more than a small one does:
nesting deeper than :data:`MAX_DEPTH`, more than :data:`MAX_VALUES` values once aliases and
merge keys are expanded (an alias bomb), and an anchor that contains itself are each one
problem with its line, found before the expansion costs anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import ComposerError

__all__ = ["MAX_DEPTH", "MAX_VALUES", "KeyPath", "LoadedYaml", "Located", "load_yaml"]

KeyPath = tuple[str | int, ...]

MAX_DEPTH = 64
MAX_VALUES = 50_000

_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_MERGE = "tag:yaml.org,2002:merge"
# flow collections opened one in another past the limit: PyYAML's scanner reads up to a
# thousand of them ahead before the composer could refuse, so they are refused on the text
_DEEP_FLOW = re.compile(rf"(?:[\[{{][ \t]*){{{MAX_DEPTH + 1}}}")


@dataclass(frozen=True, slots=True)
class Located:
    """A problem found while reading the file, at a key path and line."""

    path: KeyPath
    line: int
    message: str


@dataclass(slots=True)
class LoadedYaml:
    value: Any = None
    lines: dict[KeyPath, int] = field(default_factory=dict)
    problems: list[Located] = field(default_factory=list)

    def line_of(self, path: KeyPath) -> int:
        """The line of the deepest key of ``path`` that the file holds (1 if none)."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return 1


def load_yaml(text: str, environ: Mapping[str, str]) -> LoadedYaml:
    """Parse ``text``; interpolate environment variables in string values."""
    out = LoadedYaml()
    if deep := _DEEP_FLOW.search(text):
        line = text.count("\n", 0, deep.start()) + 1
        out.problems.append(
            Located((), line, f"not valid YAML: nests deeper than {MAX_DEPTH} levels")
        )
        return out
    loader = _BoundedLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        out.problems.append(Located((), line, f"not valid YAML: {exc.problem or exc}"))
        return out
    finally:
        loader.dispose()
    if node is not None:
        try:
            out.value = _Walker(loader, environ, out).walk(node, ())
        except _Refused as exc:
            out.value = None
            out.problems.append(exc.located)
    return out


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's composer recurses once per level: refuse a depth it could not handle. Keeps
    the anchor of each collection, to name it in a problem."""

    depth = 0

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.anchor_names: dict[int, str] = {}

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                message = f"nests deeper than {MAX_DEPTH} levels"
                raise ComposerError(None, None, message, event.start_mark)
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        if node is not None and event.anchor and not isinstance(event, yaml.AliasEvent):
            self.anchor_names[id(node)] = event.anchor
        return node


class _Refused(Exception):
    def __init__(self, located: Located) -> None:
        self.located = located


class _Walker:
    def __init__(self, loader: _BoundedLoader, environ: Mapping[str, str], out: LoadedYaml):
        self.loader, self.environ, self.out = loader, environ, out
        self.count = 0
        self.open: list[int] = []  # the collections being walked: an alias of one is a loop

    def walk(self, node: yaml.Node, path: KeyPath) -> Any:
        line = node.start_mark.line + 1
        self.count += 1
        if self.count > MAX_VALUES:
            message = f"expands to more than {MAX_VALUES:,} values (aliases within aliases?)"
            raise _Refused(Located(path[:1], self.out.line_of(path[:1]), message))
        self.out.lines.setdefault(path, line)
        if not isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            value = self.loader.construct_object(node)
            return self.interpolate(value, path, line) if isinstance(value, str) else value
        if id(node) in self.open:
            anchor = self.loader.anchor_names.get(id(node), "?")
            message = f"refers to itself (anchor &{anchor})"
            self.out.problems.append(Located(path, self.out.line_of(path), message))
            return None
        if len(self.open) >= MAX_DEPTH:  # aliases of aliases nest deeper than the text does
            message = f"nests deeper than {MAX_DEPTH} levels"
            raise _Refused(Located(path, self.out.line_of(path), message))
        self.open.append(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.walk(item, (*path, i)) for i, item in enumerate(node.value)]
            return self.mapping(node, path)
        finally:
            self.open.pop()

    def mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        # merge keys (`<<: *base`) first, so that the mapping's own keys win and keep their lines
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                self.merge(result, value_node, path)
        merged = set(result)
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                continue
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            line = key_node.start_mark.line + 1
            if key in result and key not in merged:
                self.out.problems.append(Located((*path, key), line, "duplicate key"))
            merged.discard(key)
            self.out.lines[(*path, key)] = line
            result[key] = self.walk(value_node, (*path, key))
        return result

    def merge(self, into: dict[str, Any], value: yaml.Node, path: KeyPath) -> None:
        # YAML's merge: the first mapping listed wins over later ones
        sources = value.value if isinstance(value, yaml.SequenceNode) else [value]
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                line = source.start_mark.line + 1
                self.out.problems.append(Located(path, line, "`<<` merges mappings only"))
                continue
            walked = self.walk(source, path)
            for key, item in (walked or {}).items():
                into.setdefault(key, item)

    def interpolate(self, text: str, path: KeyPath, line: int) -> str:
        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name is None:
                return "$"
            value = self.environ.get(name)
            if value is None or (value == "" and default is not None):
                if default is None:
                    self.out.problems.append(
                        Located(path, line, f"environment variable {name} is not set")
                    )
                    return ""
                return default
            return value

        return _VARIABLE.sub(replace, text) if "$" in text else text
