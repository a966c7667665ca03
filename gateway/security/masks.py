"""Masks that follow the value (a strawberry extension).

A role's ``mask: {Customer.phone: last4}`` hides the customer's phone numbers wherever one
appears in an answer, not only in ``Customer.phone``: the values of ``phones``, a link's
``matchedBy.value`` when it matched by phone, the phone fields of raw records (``data``,
``fields``), the conflicts of its provenance, and any other string of the answer or its error
messages equal to a phone number the request masked. ``Customer.<attribute>`` names an
attribute of the config's own (``Customer.national_id: last4``) the same way: its values in
``identifiers``, a link's ``matchedBy.value`` and raw records. A mask on another type's field
(``Address.line1: redact``) covers that field and its provenance conflicts.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLScalarType,
    get_named_type,
)
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult, StreamExecutionResult

from gateway.customer_fields import ATTRIBUTES
from gateway.live import is_live
from gateway.security.context import security_context
from gateway.security.policy import mask, permitted
from gateway.security.refusal import reworded
from gateway.security.settings import RolePolicy

__all__ = ["Masks", "attribute_masks", "masking_of"]

_BY_NAME = {a.graphql_name: a for a in ATTRIBUTES} | {a.name: a for a in ATTRIBUTES}
_BY_TYPE = {a.type_name: a for a in ATTRIBUTES if a.type_name}  # PersonName -> name
_LISTS = {"emails": "email", "phones": "phone"}  # Customer lists of contact points


def attribute_masks(policy: RolePolicy) -> dict[str, str]:
    """Canonical record field -> the mask of the customer attribute that holds it."""
    found: dict[str, str] = {}
    for pattern, kind in policy.mask.items():
        type_name, _, field = pattern.partition(".")
        if type_name != "Customer":
            continue
        attribute = _BY_NAME.get(field)
        if attribute is not None:
            for name in attribute.reads:
                found[name] = kind
        elif field.isidentifier() and field.islower():
            found[field] = kind  # an attribute of the config's own (``attributes:``)
    return found


def masking_of(policy: RolePolicy, info: GraphQLResolveInfo[Any], root: Any) -> str | None:
    """The mask for the value of the leaf being resolved, if any."""
    parent, field = info.parent_type.name, info.field_name
    direct = policy.mask.get(f"{parent}.{field}")
    if direct is not None:
        return direct
    whole = _BY_TYPE.get(parent)  # a leaf of PersonName under a mask of Customer.name
    if whole is not None and f"Customer.{whole.graphql_name}" in policy.mask:
        return policy.mask[f"Customer.{whole.graphql_name}"]
    by_field = attribute_masks(policy)
    if not by_field:
        return None
    if parent == "MatchInfo" and field == "value":
        return by_field.get(str(getattr(root, "identifier", "")))
    if parent == "CustomerIdentifier" and field == "value":
        return by_field.get(str(getattr(root, "kind", "")))
    if parent == "ContactPoint" and field == "value":
        above = info.path.prev.prev if info.path.prev is not None else None
        return by_field.get(_LISTS.get(str(above.key) if above else "", ""))
    if parent == "RecordField" and field == "value":
        return by_field.get(str(getattr(root, "name", "")))
    return None


class Masks(SchemaExtension):
    def __init__(self) -> None:
        self.hidden: dict[str, str] = {}  # every raw value masked in this request -> its mask

    def _policy(self) -> RolePolicy | None:
        policy = security_context(self.execution_context.context).policy
        return policy if policy is not None and policy.mask else None

    def resolve(
        self, _next: Any, root: Any, info: GraphQLResolveInfo[Any], *args: Any, **kwargs: Any
    ) -> Any:
        result = _next(root, info, *args, **kwargs)
        policy = security_context(info.context).policy
        if policy is None or not policy.mask:
            return result
        if inspect.isawaitable(result):
            return self._later(result, policy, root, info, kwargs)
        return self._masked(result, policy, root, info, kwargs)

    async def _later(
        self,
        pending: Any,
        policy: RolePolicy,
        root: Any,
        info: GraphQLResolveInfo[Any],
        kwargs: Any,
    ) -> Any:
        return self._masked(await pending, policy, root, info, kwargs)

    def _masked(
        self, result: Any, policy: RolePolicy, root: Any, info: GraphQLResolveInfo[Any], kwargs: Any
    ) -> Any:
        if result is None:
            return None
        parent, field = info.parent_type.name, info.field_name
        if parent == "SourceRecord" and field == "data" and isinstance(result, dict):
            by_field = attribute_masks(policy)
            return {
                k: self._hide(by_field[k], v) if k in by_field else v for k, v in result.items()
            }
        if parent == "Customer" and field == "provenance":
            attribute = _BY_NAME.get(str(kwargs.get("field", "")))
            kind: str | None = (
                policy.mask.get(f"Customer.{attribute.graphql_name}") if attribute else None
            )
            return self._conflicts(result, kind) if kind else result
        if not isinstance(get_named_type(info.return_type), GraphQLScalarType | GraphQLEnumType):
            return result  # an object (a name, an address): its leaves are masked one by one
        kind = masking_of(policy, info, root)
        if kind is None:
            return result
        if isinstance(result, list):
            return [self._hide(kind, v) for v in result]
        return self._hide(kind, result)

    def _hide(self, kind: str, value: Any) -> Any:
        if value is None or isinstance(value, dict | list):
            return mask(kind, value) if value is not None else None
        hidden = mask(kind, value)
        self.hidden[str(value)] = hidden
        return hidden

    def _conflicts(self, provenance: Any, kind: str) -> Any:
        conflicts = getattr(provenance, "conflicts", None)
        if (
            not conflicts
            or not dataclasses.is_dataclass(provenance)
            or isinstance(provenance, type)
        ):
            return provenance
        hidden = [dataclasses.replace(c, value=self._hide(kind, c.value)) for c in conflicts]
        return dataclasses.replace(provenance, conflicts=hidden)

    def on_operation(self) -> Iterator[None]:
        yield
        self._everywhere(self.execution_context.result)

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        if is_live(self.execution_context):  # each event of a subscription is an answer
            self._everywhere(result)
            self.hidden.clear()
        yield

    def _everywhere(self, result: StreamExecutionResult | GraphQLExecutionResult | None) -> None:
        if not isinstance(result, ExecutionResult | GraphQLExecutionResult):
            return
        if not self.hidden or self._policy() is None:
            return
        # a value masked in one place is masked in every other place it shows up
        keys = _Keys(self.hidden)
        result.data = keys.replace(result.data)
        if result.errors:
            result.errors = [keys.error(e) for e in result.errors]


class _Keys:
    """Finds a masked value again, however it is written (a phone by its digits, an email in
    any case)."""

    def __init__(self, hidden: dict[str, str]) -> None:
        self.hidden = hidden
        self.normal = {_normal(raw): masked for raw, masked in hidden.items() if _normal(raw)}

    def replace(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.normal.get(_normal(value), value)
        if isinstance(value, dict):
            return {k: self.replace(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.replace(v) for v in value]
        return value

    def error(self, error: GraphQLError) -> GraphQLError:
        message = error.message
        for raw, masked in self.hidden.items():
            if len(raw) >= 5:
                message = message.replace(raw, masked)
        return reworded(error, message)


def _normal(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    if len(digits) >= 7 and not re.search(r"[A-Za-z@]", text):
        return "tel:" + digits[-10:]
    return text.strip().casefold() if len(text.strip()) >= 5 else ""


def visible_provenance(policy: RolePolicy, entry: dict[str, Any]) -> dict[str, Any]:
    """An entry of ``extensions.provenance`` as the role may read ``FieldProvenance`` and
    ``ConflictInfo``: a key whose field the role may not ask is left out."""
    shown = {
        k: v
        for k, v in entry.items()
        if k not in _PROVENANCE_KEYS or permitted(policy, "FieldProvenance", k)
    }
    if "conflicts" in shown:
        shown["conflicts"] = [
            {k: v for k, v in c.items() if permitted(policy, "ConflictInfo", k)}
            for c in shown["conflicts"]
        ]
    return shown


_PROVENANCE_KEYS = frozenset(
    {"source", "record", "field", "fetchedAt", "ageSeconds", "cache", "rule", "conflicts"}
)
