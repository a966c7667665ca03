"""The one place the GraphQL schema is assembled, with its extensions."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.types import ExecutionContext

from gateway.operation_choice import OperationChoice
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
from schema.query import Query

__all__ = ["GatewaySchema", "build_schema"]

logger = logging.getLogger("c360.graphql")


class GatewaySchema(strawberry.Schema):
    """Logs errors at debug level, never with a stack trace: a failing source is logged at
    warning where its call fails (:mod:`gateway.recorded`), unexpected errors where they are
    masked (:mod:`gateway.source_errors`)."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            logger.debug("%s", error.message)


def build_schema(*, federation: bool = False) -> strawberry.Schema:
    """The gateway's schema; with ``federation``, an Apollo Federation 2 subgraph's
    (:mod:`schema.federation`)."""
    query: type = Query
    scalars: dict[object, Any] = {}
    if federation:
        from schema.federation import SCALARS, FederatedQuery

        query, scalars = FederatedQuery, SCALARS
    return GatewaySchema(
        query=query,
        scalar_overrides=scalars,
        mutation=Mutation,
        directives=[provenance_directive],
        extensions=[
            TrustedDocuments,  # first: it may refuse before any other extension has begun
            RequestMetrics,
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
