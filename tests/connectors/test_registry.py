"""Connector kinds chosen by name: built in, by entry point, by import string."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib.metadata import EntryPoint
from typing import Any

import pytest

from connectors import registry
from connectors.base import Connector
from connectors.files import CsvConnector
from connectors.registry import UnknownConnectorKind, resolve_kind
from model.records import Record


class DictConnector(Connector):
    """A connector over an in-memory table, for tests of the plug-in path."""

    async def fetch(
        self, entity: str, by: str, values: Sequence[str]
    ) -> Mapping[str, list[Record]]:
        self.spec(entity, by)
        return {value: [] for value in values}


def test_builtin_short_names() -> None:
    assert resolve_kind("csv") is CsvConnector
    assert {resolve_kind(k).__name__ for k in registry.BUILTIN_KINDS} == {
        "CsvConnector",
        "FixedWidthConnector",
        "GraphqlConnector",
        "RestConnector",
        "SoapConnector",
        "SqlConnector",
    }


def test_import_string() -> None:
    assert resolve_kind("tests.connectors.test_registry:DictConnector") is DictConnector


def test_entry_point(monkeypatch: pytest.MonkeyPatch) -> None:
    point = EntryPoint(
        "memory", "tests.connectors.test_registry:DictConnector", registry.ENTRY_POINT_GROUP
    )

    def entry_points(**query: Any) -> list[EntryPoint]:
        return [point] if query == {"group": registry.ENTRY_POINT_GROUP, "name": "memory"} else []

    monkeypatch.setattr(registry, "entry_points", entry_points)
    assert resolve_kind("memory") is DictConnector


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("soapy", "unknown connector kind 'soapy'"),
        ("no_such_module:X", "cannot import 'no_such_module'"),
        ("connectors.rest:Nope", "module 'connectors.rest' has no 'Nope'"),
        ("connectors.rest:escape", "is not a Connector subclass"),
    ],
)
def test_bad_kinds(kind: str, message: str) -> None:
    with pytest.raises(UnknownConnectorKind, match=message):
        resolve_kind(kind)
