"""examples/quickstart as shipped: orders from both order systems, a customer found by a phone
number however it is written, names taken whole from the system that has them."""

from __future__ import annotations

from gateway.config import load_settings
from tests.docs.blocks import ROOT, patient
from tests.support.gateway import gateway, graphql

QUICKSTART = ROOT / "examples" / "quickstart" / "c360.yaml"

CUSTOMER = """query ($email: String, $phone: String) {
  customer(email: $email, phone: $phone) {
    id name { full } phone
    orders(first: 5) { totalCount edges { node { number } } }
    identities { source key }
  }
}"""


async def test_the_quickstart_answers_as_a_new_user_expects() -> None:
    async with gateway(patient(load_settings(QUICKSTART, environ={}))) as client:
        ann = await graphql(client, CUSTOMER, email="ann.lee@example.com")
        by_phone = await graphql(client, CUSTOMER, phone="(555) 010-2233")
        bob = await graphql(client, CUSTOMER, phone="555.010.4455")
    for answer in (ann, by_phone, bob):
        assert "errors" not in answer
    customer = ann["data"]["customer"]
    assert customer["name"]["full"] == "Ann Lee"
    assert [e["node"]["number"] for e in customer["orders"]["edges"]] == [
        "SO-5002",
        "SO-5001",
        "SO-4001",
    ]
    assert {(i["source"], i["key"]) for i in customer["identities"]} == {
        ("billing", "1042"),
        ("loyalty", "L-77812"),
    }
    assert by_phone["data"]["customer"]["id"] == customer["id"]
    assert bob["data"]["customer"]["name"]["full"] == "Robert Ng"
    assert bob["data"]["customer"]["orders"]["totalCount"] == 1
