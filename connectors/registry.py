"""Connector kinds chosen by name.

``kind:`` in a source block is one of three things, tried in this order:

1. a short name of the built-in kinds (``rest``, ``soap``, ``sql``, ``csv``, ``fixed_width``,
   ``graphql``);
2. a name registered by an installed package under the entry-point group ``c360.connectors``::

       [project.entry-points."c360.connectors"]
       mainframe = "acme_c360.mainframe:MainframeConnector"

3. an import string ``"package.module:Class"``.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from connectors.base import Connector

__all__ = [
    "BUILTIN_KINDS",
    "ENTRY_POINT_GROUP",
    "UnknownConnectorKind",
    "kind_names",
    "resolve_kind",
]

ENTRY_POINT_GROUP = "c360.connectors"

BUILTIN_KINDS: dict[str, str] = {
    "csv": "connectors.files:CsvConnector",
    "fixed_width": "connectors.files:FixedWidthConnector",
    "graphql": "connectors.graphql:GraphqlConnector",
    "rest": "connectors.rest:RestConnector",
    "soap": "connectors.soap:SoapConnector",
    "sql": "connectors.sql:SqlConnector",
}


class UnknownConnectorKind(ValueError):
    """``kind:`` names no connector, or names something that is not one."""


def kind_names() -> str:
    """The built-in kinds, as config errors list them: ``csv, fixed_width, rest, ...``."""
    return ", ".join(sorted(BUILTIN_KINDS))


def resolve_kind(kind: str) -> type[Connector]:
    """The connector class a ``kind:`` value names."""
    target = BUILTIN_KINDS.get(kind)
    if target is None:
        for entry in entry_points(group=ENTRY_POINT_GROUP, name=kind):
            return _check(kind, entry.load())
        target = kind
    if ":" not in target:
        raise UnknownConnectorKind(
            f"unknown connector kind {kind!r} (built in: {kind_names()}; or 'package.module:Class')"
        )
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UnknownConnectorKind(f"cannot import {module_name!r}: {exc}") from exc
    try:
        found = getattr(module, attr)
    except AttributeError as exc:
        raise UnknownConnectorKind(f"module {module_name!r} has no {attr!r}") from exc
    return _check(kind, found)


def _check(kind: str, found: object) -> type[Connector]:
    if not (isinstance(found, type) and issubclass(found, Connector)):
        raise UnknownConnectorKind(f"{kind!r} is not a Connector subclass")
    return found
