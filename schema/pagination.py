"""Relay-style connections over lists the gateway has already assembled and ordered."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Generic, TypeVar

import strawberry
from graphql import GraphQLError

from model.records import Record

__all__ = ["Connection", "Edge", "PageInfo", "paginate"]

T = TypeVar("T")
MAX_FIRST = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int
    records: strawberry.Private[list[Record]]


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def _offset(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        if not text.startswith("o:"):
            raise ValueError(text)
        return int(text[2:])
    except (ValueError, UnicodeDecodeError) as exc:
        raise GraphQLError(
            f"not a cursor of this list: {cursor[:40]!r}", extensions={"code": "BAD_USER_INPUT"}
        ) from exc


def paginate(items: Sequence[T], first: int | None, after: str | None) -> Connection[T]:
    """The page of ``first`` items after the ``after`` cursor (``first`` at most 100)."""
    if first is not None and not 0 <= first <= MAX_FIRST:
        raise GraphQLError(
            f"first must be between 0 and {MAX_FIRST}", extensions={"code": "BAD_USER_INPUT"}
        )
    start = _offset(after) + 1 if after else 0
    count = MAX_FIRST if first is None else first
    page = items[start : start + count]
    # a count over every system's records: its provenance lists them all
    edges = [Edge(cursor=_cursor(start + i), node=node) for i, node in enumerate(page)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=start + len(page) < len(items),
            has_previous_page=start > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=len(items),
        records=[r for item in items if isinstance(r := getattr(item, "record", None), Record)],
    )
