"""Each schema extension alone, on a schema of its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import strawberry

from gateway.security.introspection import Introspection
from gateway.security.limits import QueryLimiter
from gateway.security.settings import RolePolicy, SecuritySettings


@strawberry.type
class Item:
    name: str


@strawberry.type
class Query:
    @strawberry.field
    def items(self, first: int | None = 5) -> list[Item]:
        return [Item(name=str(i)) for i in range(first or 0)]


@dataclass
class Settings:
    security: SecuritySettings = field(default_factory=SecuritySettings)
    base_dir: Path = Path(".")


@dataclass
class Context:
    """What the security extensions read of a context, and nothing else."""

    policy: RolePolicy | None = None
    response: Any = None
    settings: Settings = field(default_factory=Settings)
    audit: None = None
    principal: None = None
    purpose: str = ""
    personal_fields: set[str] = field(default_factory=set)
    customers_seen: set[str] = field(default_factory=set)


async def test_the_query_limiter_alone() -> None:
    schema = strawberry.Schema(Query, extensions=[lambda: QueryLimiter(largest_page=100)])
    tight = Context(RolePolicy.model_validate({"limits": {"cost": 30, "tokens": 50}}))
    fine = await schema.execute("{ items { name } }", context_value=tight)  # 1 + 5 * 1
    costly = await schema.execute(
        "query ($n: Int) { items(first: $n) { name } }", {"n": 40}, context_value=tight
    )
    long = await schema.execute("{ " + "items { name } " * 20 + "}", context_value=tight)
    assert fine.errors is None
    assert costly.errors and costly.errors[0].extensions == {"code": "QUERY_TOO_COSTLY"}
    assert long.errors and long.errors[0].extensions == {"code": "QUERY_TOO_LARGE"}


async def test_introspection_alone() -> None:
    schema = strawberry.Schema(Query, extensions=[Introspection])
    closed = Context(RolePolicy(introspection=False))
    refused = await schema.execute("{ __schema { types { name } } }", context_value=closed)
    guess = await schema.execute("{ item { name } }", context_value=closed)
    helped = await schema.execute("{ item { name } }", context_value=Context())
    assert refused.errors and refused.errors[0].extensions == {"code": "FORBIDDEN"}
    assert guess.errors and "Did you mean" not in guess.errors[0].message
    assert helped.errors and "Did you mean 'items'?" in helped.errors[0].message
