"""What the security extensions read of a request's GraphQL context.

:class:`~gateway.context.GatewayContext` provides it; an extension tested alone gets any
object with these attributes. Read directly, never with a default: a context that lacks one
fails loudly instead of running without protection.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from gateway.persisted import PersistedQueries
    from gateway.security.audit import AuditLog
    from gateway.security.principal import Principal
    from gateway.security.settings import RolePolicy, SecuritySettings

__all__ = ["SecurityContext", "SecuritySettingsHolder", "security_context"]


class SecuritySettingsHolder(Protocol):
    @property
    def security(self) -> SecuritySettings: ...

    @property
    def base_dir(self) -> Path: ...


class SecurityContext(Protocol):
    @property
    def settings(self) -> SecuritySettingsHolder: ...

    @property
    def audit(self) -> AuditLog | None: ...

    @property
    def persisted_queries(self) -> PersistedQueries | None: ...

    principal: Principal | None
    purpose: str
    policy: RolePolicy | None
    response: Any
    personal_fields: set[str]
    customers_seen: set[str]


def security_context(context: Any) -> SecurityContext:
    return cast("SecurityContext", context)
