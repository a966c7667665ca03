"""Role policies inside GraphQL: query limits, introspection, field allow / deny lists,
masks, and the list of personal fields an answer returned (for the audit log).

Patterns name ``Type.field``; ``Type.*`` covers a type; ``*`` everything. ``deny`` wins over
``allow``. Masks: ``last4`` (``+12176702732`` -> ``********2732``), ``domain``
(``ann@x.com`` -> ``***@x.com``), ``redact`` (``***``).
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLResolveInfo,
    InlineFragmentNode,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    visit,
)
from graphql.language import Lexer, Source, TokenKind
from strawberry.extensions import SchemaExtension

from gateway.security.settings import RolePolicy

__all__ = ["PERSONAL_TYPES", "PolicyExtension", "mask", "permitted"]

PERSONAL_TYPES = frozenset(
    {
        "Customer",
        "PersonName",
        "Address",
        "ContactPoint",
        "SourceRecord",
        "RecordField",
        "Consent",
        "FieldProvenance",
        "ConflictInfo",
    }
)
LIST_DEFAULT = 20


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


def _error(code: str, message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


class PolicyExtension(SchemaExtension):
    def _policy(self) -> RolePolicy | None:
        return getattr(self.execution_context.context, "policy", None)

    async def on_operation(self) -> AsyncIterator[None]:
        self._trusted()
        yield
        context = self.execution_context.context
        audit = getattr(context, "audit", None)
        if audit is None or not getattr(context, "personal_fields", None):
            return
        principal = context.principal
        result = self.execution_context.result
        await audit.record(
            {
                "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                "principal": f"{principal.kind}:{principal.id}" if principal else "none",
                "role": principal.role if principal else None,
                "purpose": context.purpose,
                "customers": sorted(context.customers_seen),
                "fields": sorted(context.personal_fields),
                "outcome": "error" if result is not None and result.errors else "ok",
            }
        )

    def _trusted(self) -> None:
        """Persisted queries: a document sent by hash is looked up; a role that may only run
        trusted documents cannot send a query of its own."""
        context = self.execution_context.context
        settings = getattr(getattr(context, "settings", None), "security", None)
        path = settings.trusted_documents if settings is not None else None
        policy = self._policy()
        if path is None:
            if policy is not None and policy.trusted_only:
                self._refuse("FORBIDDEN", "this role may only run trusted documents", 403)
            return
        documents = trusted_documents(str(context.settings.base_dir / path))
        query = self.execution_context.query
        if query is None:
            persisted = (self.execution_context.operation_extensions or {}).get("persistedQuery")
            digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
            if not isinstance(digest, str) or digest not in documents:
                self._refuse("PERSISTED_QUERY_NOT_FOUND", "no trusted document with that hash")
            self.execution_context.query = documents[str(digest)]
        elif (
            policy is not None
            and policy.trusted_only
            and hashlib.sha256(query.encode()).hexdigest() not in documents
        ):
            self._refuse("FORBIDDEN", "this role may only run trusted documents", 403)

    def on_execute(self) -> Iterator[None]:
        policy = self._policy()
        document = self.execution_context.graphql_document
        if policy is not None and document is not None:
            self._check(policy)
        yield

    def _check(self, policy: RolePolicy) -> None:
        limits = policy.limits
        query = self.execution_context.query or ""
        tokens = _count_tokens(query, limits.tokens + 1)
        if tokens > limits.tokens:
            self._refuse("QUERY_TOO_LARGE", f"the query has more than {limits.tokens} tokens")
        schema = self.execution_context.schema._schema
        document = self.execution_context.graphql_document
        assert document is not None
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        for operation in operations:
            depth, aliases, cost = _measure(operation.selection_set, fragments, 1, set())
            if depth > limits.depth:
                self._refuse(
                    "QUERY_TOO_DEEP", f"the query is {depth} levels deep; at most {limits.depth}"
                )
            if aliases > limits.aliases:
                self._refuse(
                    "TOO_MANY_ALIASES",
                    f"the query uses {aliases} aliases; at most {limits.aliases}",
                )
            if cost > limits.cost:
                self._refuse(
                    "QUERY_TOO_COSTLY",
                    f"the query's estimated cost is {cost}; at most {limits.cost}",
                )
        denied: list[str] = []
        type_info = TypeInfo(schema)

        class Fields(Visitor):
            def enter_field(self, node: FieldNode, *_: Any) -> None:
                parent = type_info.get_parent_type()
                if parent is None:
                    return
                name = node.name.value
                if name.startswith("__"):
                    if not policy.introspection and name in ("__schema", "__type"):
                        denied.append(f"{parent.name}.{name}")
                    return
                if not permitted(policy, parent.name, name):
                    denied.append(f"{parent.name}.{name}")

        visit(document, TypeInfoVisitor(type_info, Fields()))
        if denied:
            self._refuse(
                "FORBIDDEN",
                f"not allowed for this role: {', '.join(sorted(set(denied))[:10])}",
                status=403,
            )

    def _refuse(self, code: str, message: str, status: int = 400) -> None:
        response = getattr(self.execution_context.context, "response", None)
        if response is not None and hasattr(response, "status_code"):
            response.status_code = status
        raise _error(code, message)

    def resolve(
        self, _next: Any, root: Any, info: GraphQLResolveInfo[Any], *args: Any, **kwargs: Any
    ) -> Any:
        result = _next(root, info, *args, **kwargs)
        policy = self._policy()
        if policy is None:
            return result
        parent = info.parent_type.name
        if parent not in PERSONAL_TYPES or get_named_type(info.return_type).name in PERSONAL_TYPES:
            return result
        masking = policy.mask.get(f"{parent}.{info.field_name}")
        fields = getattr(info.context, "personal_fields", None)
        if fields is not None:
            fields.add(f"{parent}.{info.field_name}")
        if masking is None:
            return result
        if hasattr(result, "__await__"):
            return _masked_later(result, masking)
        return (
            [mask(masking, v) for v in result]
            if isinstance(result, list)
            else mask(masking, result)
        )


async def _masked_later(pending: Any, masking: str) -> Any:
    result = await pending
    return [mask(masking, v) for v in result] if isinstance(result, list) else mask(masking, result)


@functools.lru_cache(maxsize=8)
def trusted_documents(path: str) -> dict[str, str]:
    """A JSON file of trusted documents, either ``{"<sha256>": "query ..."}`` or a list of
    query texts (hashed here); read once."""
    loaded = json.loads(Path(path).read_text("utf-8"))
    if isinstance(loaded, list):
        return {hashlib.sha256(q.encode()).hexdigest(): q for q in loaded}
    return {str(k): str(v) for k, v in loaded.items()}


def _count_tokens(query: str, stop: int) -> int:
    lexer = Lexer(Source(query))
    count = 0
    try:
        while lexer.advance().kind != TokenKind.EOF and count < stop:
            count += 1
    except GraphQLError:
        return count
    return count


def _measure(
    selection_set: Any, fragments: dict[str, Any], depth: int, seen: set[str]
) -> tuple[int, int, int]:
    """(depth, aliases, cost): a field costs 1, times the sizes of the lists above it."""
    deepest, aliases, cost = depth, 0, 0
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            if selection.alias is not None:
                aliases += 1
            size = _list_size(selection)
            sub_depth, sub_aliases, sub_cost = (
                _measure(selection.selection_set, fragments, depth + 1, seen)
                if selection.selection_set
                else (depth, 0, 0)
            )
            deepest = max(deepest, sub_depth)
            aliases += sub_aliases
            cost += 1 + size * sub_cost
        elif isinstance(selection, InlineFragmentNode):
            d, a, c = _measure(selection.selection_set, fragments, depth, seen)
            deepest, aliases, cost = max(deepest, d), aliases + a, cost + c
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in seen or name not in fragments:
                continue
            d, a, c = _measure(fragments[name].selection_set, fragments, depth, seen | {name})
            deepest, aliases, cost = max(deepest, d), aliases + a, cost + c
    return deepest, aliases, cost


def _list_size(field: FieldNode) -> int:
    for argument in field.arguments or ():
        if argument.name.value in ("first", "last") and hasattr(argument.value, "value"):
            try:
                return max(1, int(argument.value.value))
            except (TypeError, ValueError):
                return LIST_DEFAULT
    return 1
