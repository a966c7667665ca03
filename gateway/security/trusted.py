"""Trusted documents and automatic persisted queries (a strawberry extension), as Apollo's
persisted queries: a client may send a document by its SHA-256 instead of its text, and a role
with ``trusted_only`` may run nothing but the trusted documents. Other roles may also run what
any client registered (:mod:`gateway.persisted`): a hash that is neither gets
``PERSISTED_QUERY_NOT_FOUND`` (message ``PersistedQueryNotFound``, as Apollo clients expect),
and the client's retry with the text registers it.

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

from gateway.persisted import PersistedQueries, digest_of, is_digest
from gateway.security.context import SecurityContext, security_context
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
    """Runs a document sent by its hash (trusted, or registered as an automatic persisted
    query), registers one sent with its hash and text, and keeps ``trusted_only`` roles to
    the trusted list."""

    async def on_operation(self) -> AsyncIterator[None]:
        await self._check()
        yield

    async def _check(self) -> None:
        context = security_context(self.execution_context.context)
        settings = context.settings
        path = settings.security.trusted_documents
        policy = context.policy
        only_trusted = policy is not None and policy.trusted_only
        if path is None and only_trusted:
            refuse_operation(context, "FORBIDDEN", "this role may only run trusted documents", 403)
        documents = await _documents(str(settings.base_dir / path)) if path else {}
        # the registry never widens what a trusted_only role may run
        registry = None if only_trusted else context.persisted_queries
        execution = self.execution_context
        extensions = execution.operation_extensions or {}
        persisted = extensions.get("persistedQuery")
        query = execution.query
        if query is None:
            if persisted is not None:
                execution.query = await _by_hash(context, persisted, documents, registry)
            return
        if only_trusted and digest_of(query) not in documents:
            refuse_operation(context, "FORBIDDEN", "this role may only run trusted documents", 403)
        if persisted is not None and registry is not None:
            await _register(context, persisted, query, registry)


def _digest(context: SecurityContext, persisted: object) -> str:
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        refuse_operation(context, "BAD_REQUEST", "persistedQuery must be {version: 1, sha256Hash}")
    digest = persisted.get("sha256Hash")
    if not is_digest(digest):
        refuse_operation(
            context, "BAD_REQUEST", "persistedQuery.sha256Hash must be 64 lower-case hex digits"
        )
    return str(digest)


async def _by_hash(
    context: SecurityContext,
    persisted: object,
    documents: dict[str, str],
    registry: PersistedQueries | None,
) -> str:
    digest = _digest(context, persisted)
    found = documents.get(digest)
    if found is None and registry is not None:
        found = await registry.get(digest)
    if found is None:
        if registry is None and not documents:
            refuse_operation(
                context, "PERSISTED_QUERY_NOT_SUPPORTED", "persisted queries are not accepted"
            )
        refuse_operation(context, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
    return found


async def _register(
    context: SecurityContext, persisted: object, query: str, registry: PersistedQueries
) -> None:
    digest = _digest(context, persisted)
    if digest_of(query) != digest:
        refuse_operation(
            context, "BAD_REQUEST", "persistedQuery.sha256Hash is not the SHA-256 of the query"
        )
    await registry.put(digest, query)  # past the registry's size bound it runs, unkept
