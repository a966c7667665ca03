"""Refusals in GraphQL's shape: ``{"errors": [{"message", "extensions": {"code"}}]}``.

One for the HTTP boundary (a pure ASGI answer, before any GraphQL work) and one for a schema
extension (an error raised out of the operation, with the HTTP status set on the response).
Neither ever echoes what the caller presented.
"""

from __future__ import annotations

import json
from typing import Any, NoReturn

from graphql import GraphQLError
from starlette.types import Send

__all__ = ["refuse", "refuse_operation", "reworded"]


async def refuse(
    send: Send,
    status: int,
    code: str,
    message: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """Answer the request at the HTTP boundary."""
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def refuse_operation(context: Any, code: str, message: str, status: int = 400) -> NoReturn:
    """Stop the operation: ``context`` is the GraphQL context (its ``response`` gets the
    status)."""
    response = context.response
    if response is not None and hasattr(response, "status_code"):
        response.status_code = status
    raise GraphQLError(message, extensions={"code": code})


def reworded(error: GraphQLError, message: str) -> GraphQLError:
    """``error`` with another message and everything else kept (path, locations, cause)."""
    if message == error.message:
        return error
    return GraphQLError(
        message,
        error.nodes,
        error.source,
        error.positions,
        error.path,
        error.original_error,
        error.extensions,
    )
