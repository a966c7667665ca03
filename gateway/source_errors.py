"""GraphQL errors that say which source failed, and nothing about the gateway's insides.

A :class:`~connectors.errors.SourceError` raised in a resolver becomes an error entry with
``extensions: {code, source}`` and the error's ``public_message`` (the source and the kind of
failure: never the URL, identifier or data row the detail may hold; the detail is logged at
debug level); any other unexpected exception is masked, so that a bug never leaks a stack
detail or a connection string to a client.
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
    """Also reports the sources that failed inside a field that still answered (a customer
    built without the billing system): one error per source, and ``extensions.sources``,
    each source's status for this request."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None:
            return
        errors = [_translate(error) for error in result.errors or []]
        named = {(e.extensions or {}).get("source") for e in errors}
        failed = getattr(self.execution_context.context, "failed", None) or {}
        for source, exc in sorted(failed.items()):
            if source not in named:
                errors.append(
                    GraphQLError(
                        exc.public_message, extensions={"code": exc.code, "source": source}
                    )
                )
        result.errors = errors or None

    def get_results(self) -> dict[str, object]:
        context = self.execution_context.context
        fetcher = getattr(context, "fetcher", None)
        policy = getattr(context, "policy", None)
        if fetcher is None or (policy is not None and not policy.shows_source_status):
            return {}
        called = {source for source, _, _ in fetcher.calls}
        cached = {source for (source, _, _), info in fetcher.info.items() if info.cache == "hit"}
        failed = getattr(context, "failed", None) or {}
        statuses: dict[str, object] = {}
        for source in context.sources:
            if source in failed:
                status = failed[source].code.lower()
            elif source in fetcher.stale_sources:
                status = "stale"
            elif source in called:
                status = "ok"
            elif source in cached:
                status = "cache"
            else:
                status = "not_asked"
            calls = sum(n for (s, _, _), n in fetcher.calls.items() if s == source)
            statuses[source] = {"status": status, "calls": calls}
        return {"sources": statuses}


def _translate(error: GraphQLError) -> GraphQLError:
    cause = error.original_error
    if cause is None or isinstance(cause, GraphQLError):
        return error
    if isinstance(cause, SourceError):
        extensions = {**(error.extensions or {}), "code": cause.code, "source": cause.source}
        return GraphQLError(
            cause.public_message,
            error.nodes,
            error.source,
            error.positions,
            error.path,
            cause,
            extensions,
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
