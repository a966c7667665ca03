"""Write-back: a change told once reaches every system of record that holds it.

The mutations call :class:`WriteBack`; the writes go through a durable :class:`Outbox`, and a
:class:`Courier` in each gateway keeps trying the systems that were down.
"""

from __future__ import annotations

from gateway.writeback.changes import InvalidChange
from gateway.writeback.delivery import Courier, Delivery
from gateway.writeback.outbox import SETTLED, Outbox, OutboxWrite, WriteRequest
from gateway.writeback.service import (
    CustomerNotFound,
    IdempotencyKeyReused,
    WriteBack,
    WriteResult,
)
from gateway.writeback.settings import WritebackSettings

__all__ = [
    "SETTLED",
    "Courier",
    "CustomerNotFound",
    "Delivery",
    "IdempotencyKeyReused",
    "InvalidChange",
    "Outbox",
    "OutboxWrite",
    "WriteBack",
    "WriteRequest",
    "WriteResult",
    "WritebackSettings",
]
