"""The marketing platform of the demo estate, read through its GraphQL API."""

from __future__ import annotations

import json

from tests.support.demo_estate import DemoEstate
from tests.support.gateway import gateway, graphql

QUERY = """query ($key: String!) @provenance {
  customer(sourceKey: {source: "loyalty", key: $key}) {
    campaignResponses { edges { node { id campaign channel outcome sentAt } } } } }"""


async def test_campaign_responses_come_from_the_graphql_system_in_one_call(
    demo_estate: DemoEstate,
) -> None:
    document = json.loads((demo_estate.folder / "campaigns.json").read_text("utf-8"))
    names = {c["code"]: c["name"] for c in document["campaigns"]}
    by_member: dict[str, list[dict[str, str]]] = {}
    for response in document["responses"]:
        by_member.setdefault(response["memberNo"], []).append(response)
    member, responses = next((m, r) for m, r in by_member.items() if len(r) >= 2)
    demo_estate.reset_counts()
    async with gateway(demo_estate.settings) as client:
        body = await graphql(client, QUERY, key=member)
    assert "errors" not in body, body
    found = [e["node"] for e in body["data"]["customer"]["campaignResponses"]["edges"]]
    assert sorted(r["id"] for r in found) == sorted(
        f"campaigns:{r['responseId']}" for r in responses
    )
    assert {r["campaign"] for r in found} == {names[r["campaign"]] for r in responses}
    assert [r["sentAt"] for r in found] == sorted((r["sentAt"] for r in found), reverse=True)
    assert demo_estate.instruments["campaigns"].by_route == {"responsesOfMembers": 1}
    provenance = body["extensions"]["provenance"]
    first = "customer.campaignResponses.edges.0.node"
    assert provenance[f"{first}.campaign"] == {"field": "campaign.name"}
    assert provenance[first]["source"] == "campaigns"
