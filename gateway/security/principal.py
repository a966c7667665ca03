"""The caller of one request, as the credentials it presented establish it."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ANONYMOUS", "Principal"]


@dataclass(frozen=True, slots=True)
class Principal:
    """``kind`` is ``api_key``, ``jwt`` or ``anonymous``; ``id`` names the key or the subject."""

    kind: str
    id: str
    role: str
    name: str = ""
    dealer_id: str | None = None
    roles: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_anonymous(self) -> bool:
        return self.kind == "anonymous"

    @property
    def label(self) -> str:
        """``kind:id``, as the audit log, the outbox and the per-principal counters name it."""
        return f"{self.kind}:{self.id}"


ANONYMOUS = Principal(kind="anonymous", id="anonymous", role="anonymous")
