"""``POST /hooks/invalidate/{source}``: a legacy system (or its change feed) says which records
changed, and the gateway drops them from the cache.

The body is JSON, ``{"entity": "person", "keys": ["C-1042", ...]}``, signed with the source's
``webhook_secret``: the header ``X-C360-Signature: sha256=<hex HMAC-SHA256 of the raw body>``.
A source without a secret accepts no hook.
"""

from __future__ import annotations

import hashlib
import hmac
import json

from starlette.requests import Request
from starlette.responses import JSONResponse

__all__ = ["MAX_HOOK_BYTES", "invalidate_hook", "signature"]

MAX_HOOK_BYTES = 1_000_000
MAX_KEYS = 10_000


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def invalidate_hook(request: Request) -> JSONResponse:
    state = request.app.state
    name = request.path_params["source"]
    connector = state.sources.get(name)
    secret = connector.config.webhook_secret if connector is not None else None
    if connector is None or secret is None:
        return _error(404, f"no source {name[:100]!r} accepts invalidation hooks")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_HOOK_BYTES):
        return _error(413, f"the body may hold at most {MAX_HOOK_BYTES} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_HOOK_BYTES:
            return _error(413, f"the body may hold at most {MAX_HOOK_BYTES} bytes")
    given = request.headers.get("x-c360-signature", "")
    if not hmac.compare_digest(given.encode(), signature(secret, body).encode()):
        return _error(401, "missing or wrong X-C360-Signature")
    try:
        payload = json.loads(body)
        entity, keys = payload["entity"], payload["keys"]
    except (ValueError, KeyError, TypeError):
        return _error(400, 'expected {"entity": "...", "keys": ["...", ...]}')
    if entity not in connector.entities:
        return _error(400, f"{name} serves no entity {str(entity)[:100]!r}")
    if (
        not isinstance(keys, list)
        or not all(isinstance(k, str) for k in keys)
        or len(keys) > MAX_KEYS
    ):
        return _error(400, f"keys must be a list of at most {MAX_KEYS} strings")
    cache = state.cache
    dropped = await cache.invalidate(name, entity, keys) if cache is not None else 0
    return JSONResponse({"source": name, "entity": entity, "keys": len(keys), "dropped": dropped})
