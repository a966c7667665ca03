"""Connectors: one module per kind of legacy system, one contract in :mod:`connectors.base`."""

from connectors.base import Connector, EntitySpec, Record, SourceHealth
from connectors.errors import (
    SourceBadResponse,
    SourceError,
    SourceMisconfigured,
    SourceTimeout,
    SourceUnavailable,
    UnsupportedLookup,
)
from connectors.options import EntityConfig, SourceConfig
from connectors.registry import UnknownConnectorKind, resolve_kind

__all__ = [
    "Connector",
    "EntityConfig",
    "EntitySpec",
    "Record",
    "SourceBadResponse",
    "SourceConfig",
    "SourceError",
    "SourceHealth",
    "SourceMisconfigured",
    "SourceTimeout",
    "SourceUnavailable",
    "UnknownConnectorKind",
    "UnsupportedLookup",
    "resolve_kind",
]
