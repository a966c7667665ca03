"""The one place the GraphQL schema is assembled, with its extensions."""

from __future__ import annotations

import strawberry
from strawberry.extensions import ParserCache, ValidationCache

from gateway.source_errors import SourceErrors
from schema.query import Query

__all__ = ["build_schema"]


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        extensions=[SourceErrors, ParserCache(maxsize=1024), ValidationCache(maxsize=1024)],
    )
