"""What a role policy says of one field: whether the role may ask it, how its value is
masked, and which types hold personal data (for masks and the audit trail). The extensions
that apply them: :mod:`~gateway.security.limits`, :mod:`~gateway.security.introspection`,
:mod:`~gateway.security.access`, :mod:`~gateway.security.masks`,
:mod:`~gateway.security.audit_trail`, :mod:`~gateway.security.trusted`.

Patterns name ``Type.field``; ``Type.*`` covers a type; ``*`` everything. ``deny`` wins over
``allow``. Masks: ``last4`` (``+12176702732`` -> ``********2732``), ``domain``
(``ann@x.com`` -> ``***@x.com``), ``redact`` (``***``).
"""

from __future__ import annotations

import fnmatch
from typing import Any

from gateway.customer_fields import PERSONAL_TYPES
from gateway.security.settings import RolePolicy

__all__ = ["PERSONAL_TYPES", "mask", "permitted"]


def permitted(policy: RolePolicy, type_name: str, field: str) -> bool:
    """Deny wins; mutations (administrative) need an allow pattern naming ``Mutation``."""
    name = f"{type_name}.{field}"
    if any(fnmatch.fnmatchcase(name, p) for p in policy.deny):
        return False
    allow = policy.allow
    if type_name == "Mutation":
        allow = [p for p in allow if p.startswith("Mutation.")]
    return any(fnmatch.fnmatchcase(name, p) for p in allow)


def mask(kind: str, value: Any) -> Any:
    if value is None:
        return None
    text = str(value)
    if kind == "last4":
        return "*" * max(0, len(text) - 4) + text[-4:]
    if kind == "domain" and "@" in text:
        return "***@" + text.rsplit("@", 1)[1]
    return "***"
