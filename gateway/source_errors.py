"""GraphQL errors that say which source failed, and nothing about the gateway's insides.

A :class:`~connectors.errors.SourceError` raised in a resolver becomes an error entry with
``extensions: {code, source}`` and the error's ``public_message`` (the source and the kind of
failure: never the URL, identifier or data row the detail may hold; the detail is logged at
debug level); any other unexpected exception is masked, so that a bug never leaks a stack
detail or a connection string to a client.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult, StreamExecutionResult

from connectors.errors import SourceError
from gateway.context import GatewayContext
from gateway.deadline import DeadlineExceeded
from gateway.live import is_live

__all__ = ["SourceErrors", "source_extensions", "statuses"]

logger = logging.getLogger("c360.gateway")

INTERNAL_ERROR = "internal error; the gateway's log has the details"


class SourceErrors(SchemaExtension):
    """Also reports the sources that failed inside a field that still answered (a customer
    built without the billing system): one error per source, one ``DEADLINE_EXCEEDED`` error
    naming every source the request's deadline cut, and ``extensions.sources``, each source's
    status for this request, which always agrees with those errors."""

    def on_operation(self) -> Iterator[None]:
        yield
        self._settle(self.execution_context.result)

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        if is_live(self.execution_context):  # each event of a subscription is an answer
            self._settle(result)
        yield

    def _settle(self, result: StreamExecutionResult | GraphQLExecutionResult | None) -> None:
        context = self.execution_context.context
        if not isinstance(result, ExecutionResult | GraphQLExecutionResult):
            return
        if not isinstance(context, GatewayContext):
            return
        errors = [_translate(error) for error in result.errors or []]
        named = {(e.extensions or {}).get("source") for e in errors}
        pending: list[str] = []
        for source, exc in sorted(context.recording.failed.items()):
            if isinstance(exc, DeadlineExceeded):
                pending.append(source)
            elif source not in named:
                errors.append(
                    GraphQLError(
                        exc.public_message, extensions={"code": exc.code, "source": source}
                    )
                )
        if pending:
            errors.append(
                GraphQLError(
                    f"the request's {context.deadline.seconds:g}s deadline passed; still "
                    f"pending: {', '.join(pending)}",
                    extensions={"code": DeadlineExceeded.code, "sources": pending},
                )
            )
        result.errors = errors or None

    def get_results(self) -> dict[str, object]:
        context = self.execution_context.context
        if not isinstance(context, GatewayContext):
            return {}
        return source_extensions(context, self.execution_context.pre_execution_errors or [])


def source_extensions(context: GatewayContext, errors: Iterable[GraphQLError]) -> dict[str, object]:
    """The answer's ``extensions`` about its sources: ``sources``, unless the role may not
    see them."""
    policy = context.policy
    if policy is not None and not policy.shows_source_status:
        return {}
    return {"sources": statuses(context, errors)}


def statuses(context: GatewayContext, errors: Iterable[GraphQLError]) -> dict[str, object]:
    """Each source's status for this request: the code of its failure when it failed (as
    recorded by its pipeline or as raised into a field), else ``stale``, ``ok`` (asked),
    ``cache`` (answered from cache alone) or ``not_asked``; and the calls that reached it."""
    recording = context.recording
    failed = {source: exc.code for source, exc in recording.failed.items()}
    for error in errors:
        cause = error.original_error
        if isinstance(cause, SourceError):
            failed.setdefault(cause.source, cause.code)
    calls: dict[str, int] = {}
    for (source, _, _), count in recording.calls.items():
        calls[source] = calls.get(source, 0) + count
    cached = {source for (source, _, _), info in recording.info.items() if info.cache == "hit"}
    found: dict[str, object] = {}
    for source in context.sources:
        if source in failed:
            status = failed[source].lower()
        elif source in recording.stale_sources:
            status = "stale"
        elif source in calls:
            status = "ok"
        elif source in cached:
            status = "cache"
        else:
            status = "not_asked"
        found[source] = {"status": status, "calls": calls.get(source, 0)}
    return found


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
