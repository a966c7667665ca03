"""Introspection for roles that may not have it (a strawberry extension): ``__schema`` and
``__type`` are refused with 403, and validation errors lose their "Did you mean ...?"
suggestions, which would spell the schema out one guess at a time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import FieldNode, GraphQLError, Visitor, visit
from strawberry.extensions import SchemaExtension

from gateway.security.context import security_context
from gateway.security.refusal import refuse_operation, reworded

__all__ = ["Introspection", "without_suggestions"]

_SUGGESTION = re.compile(r"\s*Did you mean .*\?\s*$", re.DOTALL)
_META = ("__schema", "__type")


class Introspection(SchemaExtension):
    def _allowed(self) -> bool:
        policy = security_context(self.execution_context.context).policy
        return policy is None or bool(policy.introspection)

    def on_validate(self) -> Iterator[None]:
        document = self.execution_context.graphql_document
        allowed = self._allowed()
        if not allowed and document is not None and _asks_schema(document):
            refuse_operation(
                self.execution_context.context,
                "FORBIDDEN",
                "not allowed for this role: introspection",
                403,
            )
        yield

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors and not self._allowed():
            # a new list: the validation cache shares the one it holds between requests
            result.errors = [without_suggestions(e) for e in result.errors]


def without_suggestions(error: GraphQLError) -> GraphQLError:
    return reworded(error, _SUGGESTION.sub("", error.message))


def _asks_schema(document: Any) -> bool:
    found = False

    class Meta(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> Any:
            nonlocal found
            if node.name.value in _META:
                found = True
                return Visitor.BREAK
            return None

    visit(document, Meta())
    return found
