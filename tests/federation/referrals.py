"""A second, small subgraph for composition tests: a referral programme that knows customers
only by their c360 id, and adds one field of its own to them."""

from __future__ import annotations

import strawberry
from strawberry.asgi import GraphQL

__all__ = ["referrals_app"]


@strawberry.federation.type(keys=["id"])
class Customer:
    id: strawberry.ID
    referrals: strawberry.Private[dict[str, int]]

    @strawberry.field(description="How many people this customer has referred.")
    def referral_count(self) -> int:
        return self.referrals.get(str(self.id), 0)

    @classmethod
    def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Customer:
        return cls(id=id, referrals=info.context["counts"])


@strawberry.type
class Referral:
    code: str
    referrer: Customer


@strawberry.type
class Query:
    @strawberry.field
    def referral(self, info: strawberry.Info, code: str) -> Referral | None:
        owner = info.context["codes"].get(code)
        if owner is None:
            return None
        return Referral(code=code, referrer=Customer(id=owner, referrals=info.context["counts"]))


class _App(GraphQL[dict[str, dict[str, object]], None]):
    def __init__(self, codes: dict[str, str], counts: dict[str, int]) -> None:
        super().__init__(strawberry.federation.Schema(query=Query), graphql_ide=None)
        self.data: dict[str, dict[str, object]] = {"codes": dict(codes), "counts": dict(counts)}

    async def get_context(self, request: object, response: object) -> dict[str, dict[str, object]]:
        return self.data


def referrals_app(codes: dict[str, str], counts: dict[str, int]) -> _App:
    """The subgraph: referral ``codes`` (code -> c360 customer id) and ``counts`` per id."""
    return _App(codes, counts)
