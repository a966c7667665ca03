"""YAML with a line number for every key, and ``${VAR}`` / ``${VAR:-default}`` interpolation.

The loader keeps, for each key path (``("sources", "crm", "timeout")``), the line it was written
on, so that every configuration error can name the file, the line and the key path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

__all__ = ["KeyPath", "LoadedYaml", "Located", "load_yaml"]

KeyPath = tuple[str | int, ...]

_VARIABLE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


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
    loader = yaml.SafeLoader(text)
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
        out.value = _Walker(loader, environ, out).walk(node, ())
    return out


class _Walker:
    def __init__(self, loader: yaml.SafeLoader, environ: Mapping[str, str], out: LoadedYaml):
        self.loader, self.environ, self.out = loader, environ, out

    def walk(self, node: yaml.Node, path: KeyPath) -> Any:
        self.out.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            self.loader.flatten_mapping(node)
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
                line = key_node.start_mark.line + 1
                if key in result:
                    self.out.problems.append(Located((*path, key), line, "duplicate key"))
                self.out.lines[(*path, key)] = line
                result[key] = self.walk(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.walk(item, (*path, i)) for i, item in enumerate(node.value)]
        value = self.loader.construct_object(node)
        if isinstance(value, str):
            return self.interpolate(value, path, node.start_mark.line + 1)
        return value

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
