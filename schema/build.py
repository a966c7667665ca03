"""The one place the GraphQL schema is assembled, with its extensions."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextlib import aclosing
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.schema.schema import StreamResult
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from gateway.context import GatewayContext
from gateway.operation_choice import OperationChoice
from gateway.planned import PlanStore
from gateway.provenance_extension import ProvenanceExtension, provenance_directive
from gateway.request_metrics import RequestMetrics
from gateway.security.access import FieldAccess
from gateway.security.audit_trail import AuditTrail
from gateway.security.introspection import Introspection
from gateway.security.limits import QueryLimiter
from gateway.security.masks import Masks
from gateway.security.trusted import TrustedDocuments
from gateway.source_errors import SourceErrors
from schema.mutation import Mutation
from schema.pagination import MAX_FIRST
from schema.query import PLANNED_ROOTS, Query
from schema.subscription import Subscription

__all__ = ["GatewaySchema", "build_schema"]

logger = logging.getLogger("c360.graphql")


class GatewaySchema(strawberry.Schema):
    """Logs errors at debug level, never with a stack trace: a failing source is logged at
    warning where its call fails (:mod:`gateway.recorded`), unexpected errors where they are
    masked (:mod:`gateway.source_errors`).

    Each document it runs is compiled into a plan (``plans``, :mod:`gateway.planned`) once
    the general executor has run it, so that the next request for it can skip this one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plans = PlanStore(self, PLANNED_ROOTS)

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        result = await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed_operation_types,
            operation_extensions,
        )
        if query is not None and result.data is not None:
            self.plans.learn(query, operation_name)
            observer = self.plans.observer
            if observer is not None and isinstance(context_value, GatewayContext):
                request = (query, variable_values, operation_name)
                await observer.general(self.plans, request, context_value, result)
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            logger.debug("%s", error.message)

    async def stream(self, query: str | None, *args: Any, **kwargs: Any) -> StreamResult:
        """Operations over a socket or an event stream (subscriptions): an extension's
        refusal (limits, field access) is answered as an error, as over HTTP."""
        return _refusals_answered(await super().stream(query, *args, **kwargs))


async def _refusals_answered(results: StreamResult) -> StreamResult:
    async with aclosing(results):
        try:
            async for result in results:
                yield result
        except GraphQLError as refused:
            yield PreExecutionError(data=None, errors=[refused])


def build_schema(*, federation: bool = False, counted: bool = True) -> GatewaySchema:
    """The gateway's schema; with ``federation``, an Apollo Federation 2 subgraph's
    (:mod:`schema.federation`). ``counted=False`` leaves out the request metrics, for a
    second run of a request already counted (the plans' equivalence check)."""
    query: type = Query
    scalars: dict[object, Any] = {}
    if federation:
        from schema.federation import SCALARS, FederatedQuery

        query, scalars = FederatedQuery, SCALARS
    return GatewaySchema(
        query=query,
        scalar_overrides=scalars,
        mutation=Mutation,
        subscription=Subscription,
        directives=[provenance_directive],
        extensions=[
            TrustedDocuments,  # first: it may refuse before any other extension has begun
            *([RequestMetrics] if counted else []),
            AuditTrail,  # before SourceErrors: it writes once that one has added its errors
            SourceErrors,
            Masks,
            # limits and introspection refuse before the caches below parse and validate
            lambda: QueryLimiter(largest_page=MAX_FIRST),
            Introspection,
            FieldAccess,
            ProvenanceExtension,
            # Factories: a fresh extension per request, over caches shared at module level.
            lambda: ParserCache(maxsize=1024),
            lambda: ValidationCache(maxsize=1024),
            OperationChoice,
        ],
    )
