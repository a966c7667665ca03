"""Building a connector from a plain config dict, as the gateway does from YAML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connectors.base import Connector
from connectors.registry import resolve_kind


def make_connector(name: str, block: dict[str, Any], base_dir: Path | None = None) -> Connector:
    kind = resolve_kind(block["kind"])
    config = kind.config_model.model_validate(block)
    return kind.from_config(name, config, base_dir=base_dir or Path.cwd())
