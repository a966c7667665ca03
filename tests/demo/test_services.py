"""The demo's served systems: look-ups, the dealer's API key, injected failures, SOAP faults."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from demo.estate import generate
from demo.services.instruments import Instruments
from demo.services.systems import crm, dealer, service_desk


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("estate")
    generate(folder, customers=200, seed=5)
    return folder


async def client_for(app: object) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://demo") as c:
        yield c


async def test_crm_lookups_are_lenient_like_the_real_one(estate: Path) -> None:
    async for c in client_for(Instruments().middleware(crm(estate, Instruments()))):
        one = (await c.get("/contacts/C-000001")).json()
        by_email = (
            await c.get("/contacts", params={"email": f"  {one['emailAddress'].upper()} "})
        ).json()
        by_ids = (await c.get("/contacts", params={"ids": "C-000001,C-000002,nope"})).json()
        missing = await c.get("/contacts/nope")
    assert one["id"] in [item["id"] for item in by_email["items"]]
    assert [item["id"] for item in by_ids["items"]] == ["C-000001", "C-000002"]
    assert missing.status_code == 404


async def test_dealer_needs_its_key(estate: Path) -> None:
    async for c in client_for(dealer(estate, Instruments(), api_key="k")):
        refused = await c.get("/owners/OW-000001")
        allowed = await c.get("/owners/OW-000001", headers={"X-Dealer-Key": "k"})
        vehicles = await c.get("/owners/OW-000001/vehicles", headers={"X-Dealer-Key": "k"})
    assert refused.status_code == 401
    assert allowed.json()["ownerId"] == "OW-000001"
    assert vehicles.json()["items"] and all(
        v["ownerId"] == "OW-000001" for v in vehicles.json()["items"]
    )


async def test_injected_failures_and_stats(estate: Path) -> None:
    instruments = Instruments(fail_rate=1.0)
    async for c in client_for(instruments.middleware(crm(estate, instruments))):
        failed = await c.get("/contacts/C-000001")
        await c.put("/_chaos", json={"fail_rate": 0})
        ok = await c.get("/contacts/C-000001")
        stats = (await c.get("/_stats", params={"detail": 1})).json()
        await c.post("/_stats/reset")
        reset = (await c.get("/_stats")).json()
    assert failed.status_code == 503 and ok.status_code == 200
    assert stats["calls"] == 1 and stats["failed"] == 1
    assert stats["by_request"] == {"/contacts/C-000001": 1}
    assert reset["calls"] == 0


@pytest.mark.parametrize(
    ("body", "fault"),
    [
        (b"<Envelope><Body><Nope/></Body></Envelope>", "unknown operation 'Nope'"),
        (b"<Envelope><Body>", "malformed request"),
        (b'<!DOCTYPE x [<!ENTITY a "b">]><Envelope/>', "malformed request"),
        (b"<Envelope><Body/></Envelope>", "no operation in the SOAP body"),
    ],
)
async def test_service_desk_faults(estate: Path, body: bytes, fault: str) -> None:
    async for c in client_for(service_desk(estate, Instruments())):
        answer = await c.post("/soap", content=body)
    assert answer.status_code == 500
    assert f"<faultstring>{fault}" in answer.text.replace("&#x27;", "'")


async def test_service_desk_wsdl_lists_operations(estate: Path) -> None:
    async for c in client_for(service_desk(estate, Instruments())):
        wsdl = (await c.get("/soap?wsdl")).text
    for op in (
        "GetContacts",
        "FindContactsByEmail",
        "FindContactsByPhone",
        "FindCasesByContactId",
        "FindNotesByCaseId",
    ):
        assert f'<wsdl:operation name="{op}">' in wsdl
