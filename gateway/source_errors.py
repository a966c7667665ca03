"""GraphQL errors that say which source failed, and nothing about the gateway's insides.

A :class:`~connectors.errors.SourceError` raised in a resolver becomes an error entry with
``extensions: {code, source}``; any other unexpected exception is masked, so that a bug never
leaks a stack detail or a connection string to a client.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from connectors.errors import SourceError

__all__ = ["SourceErrors"]

logger = logging.getLogger("c360.gateway")

INTERNAL_ERROR = "internal error; the gateway's log has the details"


class SourceErrors(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = [_translate(error) for error in result.errors]


def _translate(error: GraphQLError) -> GraphQLError:
    cause = error.original_error
    if cause is None or isinstance(cause, GraphQLError):
        return error
    if isinstance(cause, SourceError):
        extensions = {**(error.extensions or {}), "code": cause.code, "source": cause.source}
        return GraphQLError(
            str(cause), error.nodes, error.source, error.positions, error.path, cause, extensions
        )
    logger.error("unexpected error at %s", error.path, exc_info=cause)
    return GraphQLError(
        INTERNAL_ERROR,
        error.nodes,
        error.source,
        error.positions,
        error.path,
        None,
        {"code": "INTERNAL_SERVER_ERROR"},
    )
