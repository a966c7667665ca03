"""The marketing platform's GraphQL API over its campaign responses (a strawberry app)::

    type Query {
      responsesOfMembers(memberNos: [String!]!): [CampaignResponse!]!   # many members at once
      response(id: ID!): CampaignResponse                              # one response
    }

Each call is counted per top-level field (``instruments.by_route``), ``POST /graphql`` only.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.types import Info

from demo.services.instruments import Instruments

__all__ = ["marketing_service"]

Row = dict[str, Any]


@strawberry.type
class Campaign:
    code: str
    name: str


@strawberry.type
class CampaignResponse:
    response_id: strawberry.ID
    member_no: str
    campaign: Campaign
    channel: str
    sent_at: str
    outcome: str | None
    responded_at: str | None


class _Store:
    def __init__(self, document: dict[str, Any], instruments: Instruments) -> None:
        campaigns = {
            c["code"]: Campaign(code=c["code"], name=c["name"]) for c in document["campaigns"]
        }
        self.by_id: dict[str, CampaignResponse] = {}
        self.by_member: dict[str, list[CampaignResponse]] = defaultdict(list)
        for row in document["responses"]:
            response = CampaignResponse(
                response_id=strawberry.ID(row["responseId"]),
                member_no=row["memberNo"],
                campaign=campaigns[row["campaign"]],
                channel=row["channel"],
                sent_at=row["sentAt"],
                outcome=row["outcome"],
                responded_at=row["respondedAt"],
            )
            self.by_id[row["responseId"]] = response
            self.by_member[row["memberNo"]].append(response)
        self.instruments = instruments


@strawberry.type
class Query:
    @strawberry.field
    def responses_of_members(
        self, info: Info[_Store, None], member_nos: list[str]
    ) -> list[CampaignResponse]:
        store = info.context
        store.instruments.count("responsesOfMembers", ",".join(member_nos))
        return [r for member in dict.fromkeys(member_nos) for r in store.by_member.get(member, [])]

    @strawberry.field
    def response(self, info: Info[_Store, None], id: strawberry.ID) -> CampaignResponse | None:
        store = info.context
        store.instruments.count("response", str(id))
        return store.by_id.get(str(id))


class _MarketingGraphQL(GraphQL[_Store, None]):
    def __init__(self, store: _Store) -> None:
        super().__init__(strawberry.Schema(query=Query), graphql_ide=None)
        self.store = store

    async def get_context(self, request: Any, response: Any) -> _Store:
        return self.store


def marketing_service(document: dict[str, Any], instruments: Instruments) -> Starlette:
    graphql = _MarketingGraphQL(_Store(document, instruments))

    async def up(request: Request) -> JSONResponse:
        return JSONResponse({"status": "up"})

    routes = [
        *instruments.routes(),
        Route("/graphql", graphql, methods=["POST"]),
        Route("/", up),
    ]
    return Starlette(routes=routes)
