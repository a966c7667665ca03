"""The ``writeback:`` block of the config: where the outbox lives and how writes are retried.

::

    writeback:
      outbox: sqlite+aiosqlite:///c360-outbox.db     # or postgresql+asyncpg://user:pw@host/db
      backoff: 2s          # the first retry of a system that failed; doubled each time
      max_backoff: 10m     # the longest wait between two tries
      lease: 1m            # how long a gateway holds a write it is sending before another may
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from connectors.options import Duration

__all__ = ["WritebackSettings"]

_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg"}


class WritebackSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    outbox: str = "sqlite+aiosqlite:///c360-outbox.db"
    backoff: Duration = Field(default=2.0, gt=0)
    max_backoff: Duration = Field(default=600.0, gt=0)
    lease: Duration = Field(default=60.0, gt=0)

    @field_validator("outbox")
    @classmethod
    def _database(cls, value: str) -> str:
        try:
            url = make_url(value)
        except sa_exc.ArgumentError as exc:
            raise ValueError(f"not a database URL: {exc}") from None
        driver = _DRIVERS.get(url.get_backend_name())
        if driver is None or url.get_driver_name() != driver:
            raise ValueError("sqlite+aiosqlite:///file.db or postgresql+asyncpg://... only")
        return value
