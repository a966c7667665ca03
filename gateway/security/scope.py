"""Row scope: which customers and records one principal may see at all.

A role with ``row_scope: dealer`` sees only customers linked to a record carrying its own
dealer id (``dealer_ref``), and of their related records only those of its dealer or of no
dealer. Anything else is "not found", never "forbidden": a refusal would confirm the customer
exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from model.records import Record

if TYPE_CHECKING:
    from gateway.context import GatewayContext
    from gateway.identity import Identity

__all__ = ["in_scope", "visible"]


def _dealer(context: GatewayContext) -> str | None:
    policy = context.policy
    if policy is None or policy.row_scope != "dealer":
        return None
    principal = context.principal
    return (principal.dealer_id if principal else None) or "\x00none"


def visible(identity: Identity, context: GatewayContext) -> bool:
    dealer = _dealer(context)
    if dealer is None:
        return True
    return any(str(r.data.get("dealer_ref", "")) == dealer for r in identity.records())


def in_scope(record: Record, context: GatewayContext) -> bool:
    dealer = _dealer(context)
    ref = record.data.get("dealer_ref")
    return dealer is None or ref is None or str(ref) == dealer
