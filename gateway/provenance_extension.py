"""Emitting provenance: ``query Q @provenance { ... }`` adds ``extensions.provenance``, a map
from each response path (aliases as the client wrote them) to where its value came from.

Without the directive the extension only passes each field through; with it, every leaf that
resolves to a value is described from the object it was read on (see
:mod:`gateway.provenance`).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any

import strawberry
from graphql import GraphQLEnumType, GraphQLResolveInfo, GraphQLScalarType, get_named_type
from graphql.language import OperationDefinitionNode
from strawberry.directive import DirectiveLocation
from strawberry.extensions import SchemaExtension

from gateway.context import GatewayContext
from gateway.provenance import Provenance, derived, from_choice, from_record
from gateway.security.masks import masking_of, visible_provenance
from gateway.security.policy import mask
from model.records import Record

__all__ = [
    "PROVENANCE",
    "ProvenanceExtension",
    "describe",
    "in_answer_order",
    "note",
    "provenance_directive",
]

PROVENANCE = "provenance"
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
# GraphQL fields of record-backed types -> the canonical field they show
_IDENTIFYING = {"id", "source", "number", "key", "vin", "record_key"}
_CANONICAL = {
    "number": "key",
    "id": "key",
    "vin": "key",
    "dealer_id": "dealer_ref",
    "raw_status": "status",
    "record_key": "key",
}


@strawberry.directive(
    name=PROVENANCE,
    locations=[DirectiveLocation.QUERY],
    description="Add `extensions.provenance`: for every value in the answer, the system, "
    "record and field it came from, when it was fetched, whether from cache, and the values "
    "other systems hold.",
)
def provenance_directive() -> None:  # pragma: no cover - an operation directive, never called
    return None


def _is_leaf(info: GraphQLResolveInfo[Any]) -> bool:
    return isinstance(get_named_type(info.return_type), GraphQLScalarType | GraphQLEnumType)


@functools.lru_cache(maxsize=4096)
def _snake(name: str) -> str:
    return _CAMEL.sub("_", name).lower()


def describe(root: Any, field_name: str, infos: dict[Any, Any]) -> Provenance:
    """Where the value of ``root.<field_name>`` came from."""
    python_name = _snake(field_name)
    explain = getattr(root, "provenance_of", None)
    if callable(explain):
        found: Provenance = explain(python_name, infos)
        return found
    mapper = getattr(root, "provenance_field", None)
    canonical = (
        mapper(python_name) if callable(mapper) else _CANONICAL.get(python_name, python_name)
    )
    choice = getattr(root, "choice", None)
    if choice is not None and hasattr(choice, "losers"):
        return from_choice(choice, canonical, infos)
    record = getattr(root, "record", None)
    if isinstance(record, Record):
        found = from_record(record, canonical, infos)
        if found.field is None and python_name not in _IDENTIFYING:
            return derived([record])  # the gateway's own word about the record (a match rule)
        return found
    records = getattr(root, "records", None)
    if isinstance(records, list) and records:
        if isinstance(records[0], Record):
            return derived(records) if len(records) > 1 else from_record(records[0], None, infos)
        return derived([Record(s, "", k, {}, {}) for s, k in records])
    return derived()


def note(
    entries: dict[str, Provenance],
    path: str,
    root: Any,
    field_name: str,
    infos: dict[Any, Any],
    masking: Any = None,
) -> None:
    """Note the provenance of the value of ``root.<field_name>`` written at ``path``; a
    field of a record-backed object (an order) notes its record once, on the object's path,
    and names only its source field itself. ``masking``: the mask its value is shown under."""
    found = describe(root, field_name, infos)
    if masking is not None and found.conflicts:
        # a masked value's rivals are masked alike: provenance never shows what data hides
        found = dataclasses.replace(
            found,
            conflicts=tuple(
                dataclasses.replace(c, value=mask(masking, c.value)) for c in found.conflicts
            ),
        )
    if (
        found.source is not None
        and found.rule is None
        and "." in path
        and isinstance(getattr(root, "record", None), Record)
    ):
        entries.setdefault(path.rpartition(".")[0], found.of_object())
        found = found.of_field()
    entries[path] = found


def in_answer_order(entries: dict[str, Provenance], data: Any) -> dict[str, Provenance]:
    """The entries in the order of the answer's own paths (an object's before its fields'),
    whatever order the fields were resolved in; any left over (nothing expected), after."""
    ordered: dict[str, Provenance] = {}

    def walk(value: Any, prefix: str) -> None:
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, inner in items:
            path = f"{prefix}.{key}" if prefix else str(key)
            if path in entries:
                ordered[path] = entries[path]
            if isinstance(inner, dict | list):
                walk(inner, path)

    if isinstance(data, dict):
        walk(data, "")
    if len(ordered) < len(entries):
        ordered.update((path, entry) for path, entry in entries.items() if path not in ordered)
    return ordered


class ProvenanceExtension(SchemaExtension):
    def __init__(self) -> None:
        self.entries: dict[str, Provenance] | None = None

    def on_execute(self) -> Iterator[None]:
        document = self.execution_context.graphql_document
        name = self.execution_context.operation_name
        if document is not None:
            for node in document.definitions:
                if isinstance(node, OperationDefinitionNode) and (
                    name is None or (node.name and node.name.value == name)
                ):
                    if any(d.name.value == PROVENANCE for d in node.directives or ()):
                        self.entries = {}
                    break
        yield

    def resolve(
        self,
        _next: Callable[..., Any],
        root: Any,
        info: GraphQLResolveInfo[Any],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        result = _next(root, info, *args, **kwargs)
        if self.entries is None or not _is_leaf(info):
            return result
        if inspect.isawaitable(result):
            return self._after(result, root, info)
        self._record(result, root, info)
        return result

    async def _after(self, pending: Any, root: Any, info: GraphQLResolveInfo[Any]) -> Any:
        result = await pending
        self._record(result, root, info)
        return result

    def _record(self, result: Any, root: Any, info: GraphQLResolveInfo[Any]) -> None:
        if result is None or self.entries is None or info.field_name == "__typename":
            return
        path = ".".join(map(str, info.path.as_list()))
        context: GatewayContext = info.context
        policy = context.policy
        masking = masking_of(policy, info, root) if policy is not None else None
        note(self.entries, path, root, info.field_name, context.recording.info, masking)

    def get_results(self) -> dict[str, Any]:
        if self.entries is None:
            return {}
        now = self.execution_context.context.clock.now()
        result = self.execution_context.result
        data = getattr(result, "data", None)
        entries = in_answer_order(self.entries, data) if data else self.entries
        shown = {path: entry.as_json(now) for path, entry in entries.items()}
        policy = getattr(self.execution_context.context, "policy", None)
        if policy is not None:
            # what the role could not ask of `Customer.provenance` it does not read here either
            shown = {path: visible_provenance(policy, entry) for path, entry in shown.items()}
        return {PROVENANCE: shown}
