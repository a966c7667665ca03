"""Configuration models shared by every connector kind.

A connector declares the shape of its ``sources.<name>`` block as a pydantic model derived
from :class:`SourceConfig`; the gateway's config loader validates each block against the
model of its ``kind`` and reports every problem with file, line and key path.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from connectors.parsing import FieldParseSpec

__all__ = [
    "CachePolicy",
    "Duration",
    "EntityConfig",
    "HttpSourceConfig",
    "Identifier",
    "Parent",
    "Problem",
    "ResiliencePolicy",
    "SourceConfig",
    "http_url",
    "parse_duration",
]

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
# No timeout, TTL or window is meant to outlast a year; past that a value is a typo, and timers
# of the event loop and of sockets overflow.
MAX_DURATION = 366 * 86400.0
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# A problem found after the shape is valid: (key path below the source block, message).
Problem = tuple[tuple[str | int, ...], str]


def parse_duration(value: Any) -> float:
    """``2s``, ``500ms``, ``5m``, ``1h``, ``1d`` or a plain number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ValueError("a duration such as 2s, 500ms or 5m")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value)):
        seconds = float(match.group(1)) * _UNITS[match.group(2) or "s"]
    else:
        raise ValueError(f"{value!r} is not a duration such as 2s, 500ms or 5m")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if not math.isfinite(seconds) or seconds > MAX_DURATION:
        raise ValueError(f"{value!r} is too long: a duration is at most 366d")
    return seconds


def _identifier(value: Any) -> Any:
    if isinstance(value, str) and not _IDENTIFIER.match(value):
        raise ValueError(f"{value!r} is not a name (letters, digits and _ only)")
    return value


Duration = Annotated[float, BeforeValidator(parse_duration)]
Identifier = Annotated[str, BeforeValidator(_identifier)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CachePolicy(_Strict):
    """How long a source's answers are kept (``cache:`` on a source, or on one entity).

    ``ttl``: how long an answer is fresh. ``not_found_ttl``: how long "no such record" is
    kept. ``stale_for``: how long past its TTL an answer may still stand in, when the source
    fails (stale-if-error) or, with ``revalidate``, while a background refresh runs
    (stale-while-revalidate). ``enabled: false`` reads the source live every time.
    """

    enabled: bool = True
    ttl: Duration = 60.0
    not_found_ttl: Duration = 10.0
    stale_for: Duration = 0.0
    revalidate: bool = False


class ResiliencePolicy(_Strict):
    """Retries and the circuit breaker of one source (``resilience:``); see
    :mod:`gateway.resilience`."""

    retries: int = Field(default=2, ge=0, le=10)
    backoff: Duration = 0.1
    failures: int = Field(default=5, ge=1)
    window: Duration = 30.0
    cooldown: Duration = 15.0


def http_url(value: str) -> str:
    """A source's address: an absolute http(s) URL."""
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


class Parent(_Strict):
    """Whose child an entity is.

    ``belongs_to: {entity: person, by: customer_no, ref: customer_ref}``: the entity is
    fetched for a person with ``by=customer_no`` and the person's key, and its field
    ``customer_ref`` holds that key. ``ref`` is optional: many systems do not repeat the
    parent's key in its children (``/customers/{id}/orders``), and the value asked says whose
    they are; a child's own key then cannot lead to its parent, and ``shortcut_by`` needs it.
    ``source`` names another source's entity (a dealer's service visits, exported to a file,
    belong to the dealer system's vehicles).
    ``shortcut_by`` names a look-up by the key of the parent's own parent (order lines by the
    customer's account number): the records are then fetched with the parent's siblings, one
    tier earlier, instead of after the parents arrive.
    """

    entity: Identifier
    by: Identifier
    ref: Identifier | None = None
    source: Identifier | None = None
    shortcut_by: Identifier | None = None


class EntityConfig(_Strict):
    """How one canonical entity is read from a source.

    ``fields`` maps canonical field names (checked against the catalogue) to the source's own
    field names; it must map ``key``. ``updated_at_format`` is a ``strptime`` format for a
    system that writes its update times its own way (``"%d.%m.%Y %H:%M"``); without it ISO 8601,
    dates and Unix times are understood. ``parse`` says how the source writes other fields
    (dates, a whole name in one field, phones, postcodes): see :mod:`connectors.parsing`.
    """

    fields: dict[Identifier, str] = Field(min_length=1)
    updated_at_format: str | None = None
    parse: dict[Identifier, FieldParseSpec] = Field(default_factory=dict)
    belongs_to: Parent | None = None
    cache: CachePolicy | None = None

    def lookups(self) -> frozenset[str]:
        """The ``by`` values this entity accepts besides ``key``."""
        return frozenset()


class SourceConfig(_Strict):
    """Keys every source block has, whatever its kind.

    Example::

        crm:
          kind: rest
          system: Sales CRM     # the departmental system; several sources may share one
          timeout: 2s
          concurrency: 8
    """

    kind: str
    system: str = ""
    description: str = ""
    timeout: Duration = 5.0
    connect_timeout: Duration | None = None
    concurrency: int = Field(default=10, ge=1, le=1000)
    batch_size: int = Field(default=100, ge=1, le=10_000)
    cache: CachePolicy = Field(default_factory=CachePolicy)
    resilience: ResiliencePolicy = Field(default_factory=ResiliencePolicy)
    critical: bool = False
    webhook_secret: str | None = Field(default=None, min_length=16)
    entities: dict[Identifier, EntityConfig] = Field(min_length=1)

    def problems(self) -> Iterator[Problem]:
        """Problems the model's shape cannot express; a kind adds its own by overriding."""
        return iter(())

    def cache_policy(self, entity: str) -> CachePolicy:
        own = self.entities[entity].cache if entity in self.entities else None
        return own if own is not None else self.cache


class HttpSourceConfig(SourceConfig):
    """Keys of the sources that speak HTTP (REST, SOAP)."""

    headers: dict[str, str] = Field(default_factory=dict)
    max_response_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    # builtin (connectors._http1) costs the least CPU per call; aiohttp, or httpx for its
    # proxy and TLS options
    http_client: Literal["builtin", "aiohttp", "httpx"] = "builtin"
