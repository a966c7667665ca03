"""Arguments several fields share, read once."""

from __future__ import annotations

from graphql import GraphQLError

__all__ = ["max_age_seconds"]


def max_age_seconds(max_age: int | None) -> float | None:
    """A ``maxAge`` argument: refuse cached answers older than this many seconds (0: read the
    systems live); None leaves each source's cache policy alone."""
    if max_age is not None and max_age < 0:
        raise GraphQLError("maxAge cannot be negative", extensions={"code": "BAD_USER_INPUT"})
    return None if max_age is None else float(max_age)
