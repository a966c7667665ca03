"""What a GraphQL request body may be, and the GraphQL-shaped answer when it is not.

A body is one JSON object (``{"query": ..., "variables": ..., "operationName": ...}``) of
bounded nesting. A scalar (``1``, ``"x"``, ``null``), an array (a batch, which the gateway does
not accept), broken UTF-8, a lone surrogate or a deeply nested value is refused with a 400
whose body is a GraphQL error, never a traceback or a bare text line::

    {"errors": [{"message": "...", "extensions": {"code": "BAD_REQUEST"}}]}
"""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from starlette.responses import Response

__all__ = ["MAX_JSON_DEPTH", "error_response", "parse_request_json"]

# Well above any honest request (a query, its variables and their input objects), well below
# what a recursive walk of the value (validation, encoding) could not handle.
MAX_JSON_DEPTH = 32

_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    413: "BODY_TOO_LARGE",
}


def parse_request_json(data: str | bytes) -> dict[str, Any]:
    """The JSON object of a request body (or of a ``variables`` / ``extensions`` parameter);
    raises ``HTTPException(400)`` saying what is wrong with anything else."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        # orjson refuses broken UTF-8 and lone surrogates too; its message says where
        reason = str(exc).split(":", 1)[0]
        raise HTTPException(400, f"the body is not valid JSON ({reason})") from exc
    if isinstance(value, list):
        raise HTTPException(400, "batched operations are not accepted: send one per request")
    if not isinstance(value, dict):
        raise HTTPException(400, "the body must be a JSON object with a `query`")
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise HTTPException(400, f"the body nests deeper than {MAX_JSON_DEPTH} levels")
    return value


def _depth_exceeds(value: object, limit: int) -> bool:
    # iterative: the value is the client's, and so is its depth
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def error_response(status: int, message: str) -> Response:
    """A request the gateway refuses before running it, as a GraphQL error (no ``data``)."""
    code = _CODES.get(status, "BAD_REQUEST")
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")
