"""Trusted documents (a strawberry extension), as Apollo's persisted queries: a client may send
a document by its SHA-256 instead of its text, and a role with ``trusted_only`` may run
nothing else.

The file (``security.trusted_documents``, relative to the config) is a JSON list of query
texts or a ``{"<sha256>": "<query>"}`` map; it is read once, in a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path

from strawberry.extensions import SchemaExtension

from gateway.security.context import security_context
from gateway.security.refusal import refuse_operation

__all__ = ["TrustedDocuments", "load_documents"]

_LOADED: dict[str, dict[str, str]] = {}


def load_documents(path: str) -> dict[str, str]:
    """Hash -> query text, from the file at ``path`` (blocking: call it in a thread)."""
    loaded = json.loads(Path(path).read_text("utf-8"))
    if isinstance(loaded, list):
        return {hashlib.sha256(q.encode()).hexdigest(): q for q in loaded}
    return {str(k): str(v) for k, v in loaded.items()}


async def _documents(path: str) -> dict[str, str]:
    found = _LOADED.get(path)
    if found is None:
        found = _LOADED[path] = await asyncio.to_thread(load_documents, path)
    return found


class TrustedDocuments(SchemaExtension):
    async def on_operation(self) -> AsyncIterator[None]:
        await self._check()
        yield

    async def _check(self) -> None:
        context = security_context(self.execution_context.context)
        settings = context.settings
        path = settings.security.trusted_documents
        policy = context.policy
        only_trusted = policy is not None and policy.trusted_only
        if path is None:
            if only_trusted:
                refuse_operation(
                    context, "FORBIDDEN", "this role may only run trusted documents", 403
                )
            return
        documents = await _documents(str(settings.base_dir / path))
        query = self.execution_context.query
        if query is None:
            extensions = self.execution_context.operation_extensions or {}
            persisted = extensions.get("persistedQuery")
            digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
            if not isinstance(digest, str) or digest not in documents:
                refuse_operation(
                    context, "PERSISTED_QUERY_NOT_FOUND", "no trusted document with that hash"
                )
            self.execution_context.query = documents[digest]
        elif only_trusted and hashlib.sha256(query.encode()).hexdigest() not in documents:
            refuse_operation(context, "FORBIDDEN", "this role may only run trusted documents", 403)
