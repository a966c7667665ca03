"""Which operation of a document runs: the one ``operationName`` names, or the only one.

The GraphQL specification (GetOperation) makes a document of several operations without an
``operationName`` a request error; strawberry would run the first. This extension refuses it,
before validation, with the error graphql-core itself would raise.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import SchemaExtension

__all__ = ["OperationChoice"]

MESSAGE = "Must provide operation name if query contains multiple operations."


class OperationChoice(SchemaExtension):
    """Listed after the validation cache, so its error is added to the cached ones."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        named = context._provided_operation_name  # what the request said, not strawberry's pick
        if document is not None and named is None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                context.pre_execution_errors = [
                    *(context.pre_execution_errors or []),
                    GraphQLError(MESSAGE, nodes=operations),
                ]
        yield
