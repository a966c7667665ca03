"""The SOAP connector: envelopes, faults, hostile XML, against the demo service desk and respx."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from connectors.errors import SourceBadResponse, SourceTimeout
from connectors.soap import SoapConfig, SoapConnector, envelope
from demo.services.instruments import Instruments
from tests.support.backends import soap_source
from tests.support.build import make_connector

URL = "http://desk.test/soap"

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Envelope><Body><GetContactsResponse><Contacts><Contact><ContactId>&lol9;</ContactId>
</Contact></Contacts></GetContactsResponse></Body></Envelope>"""


def connector(**overrides: Any) -> SoapConnector:
    block = {**soap_source("http://desk.test"), **overrides}
    config = SoapConfig.model_validate(block)
    return SoapConnector("desk", config, httpx.AsyncClient())


def test_envelope_escapes_values() -> None:
    body = envelope("urn:x", "GetContacts", "ContactId", ["</tns:ContactId><Evil/>", "a&b\x00"])
    assert b"<Evil/>" not in body
    assert b"&lt;/tns:ContactId&gt;&lt;Evil/&gt;" in body
    assert b"a&amp;b\xef\xbf\xbd" in body


async def test_one_call_per_batch_and_the_soap_action(
    service_desk: tuple[str, Instruments],
) -> None:
    url, instruments = service_desk
    before = instruments.by_route["GetContacts"]
    async with make_connector("desk", {**soap_source(url), "batch_size": 2}) as desk:
        found = await desk.fetch("person", "key", ["P-1", "P-2", "P-ü", "P-4", "nope"])
    assert [len(found[k]) for k in ("P-1", "P-2", "P-ü", "P-4", "nope")] == [1, 1, 1, 1, 0]
    assert instruments.by_route["GetContacts"] - before == 3


@respx.mock
async def test_a_fault_names_its_string() -> None:
    respx.post(URL).respond(
        500,
        text=(
            '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
            "<soap:Fault><faultcode>soap:Server</faultcode><faultstring>Database locked by batch"
            " job</faultstring></soap:Fault></soap:Body></soap:Envelope>"
        ),
    )
    async with connector() as desk:
        with pytest.raises(
            SourceBadResponse, match="desk: GetContacts: SOAP fault soap:Server: Database locked"
        ) as e:
            await desk.fetch("person", "key", ["P-1"])
    assert e.value.status == 500


@respx.mock
async def test_the_soap_action_header() -> None:
    route = respx.post(URL).respond(text="<Envelope><Body><R><Contacts/></R></Body></Envelope>")
    async with connector() as desk:
        assert await desk.fetch("person", "email", ["a@b.c"]) == {"a@b.c": []}
    request = route.calls.last.request
    assert request.headers["SOAPAction"] == '"urn:c360-demo:service-desk/FindContactsByEmail"'
    assert request.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert b"<tns:Email>a@b.c</tns:Email>" in request.content


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (200, b"<Envelope><Body><unclosed></Body>", "malformed XML"),
        (200, b'{"json": true}', "malformed XML"),
        (200, b"<html><body>Login</body></html>", "not a SOAP envelope: <html><body>Login"),
        (503, b'{"error": "injected failure"}', 'GetContacts: HTTP 503: {"error": "injected'),
        (502, b"<Envelope><Body><X/></Body></Envelope>", "GetContacts: HTTP 502"),
    ],
)
@respx.mock
async def test_garbage_answers(status: int, body: bytes, message: str) -> None:
    respx.post(URL).respond(status, content=body)
    async with connector() as desk:
        with pytest.raises(SourceBadResponse, match=message):
            await desk.fetch("person", "key", ["P-1"])


@respx.mock
async def test_an_xml_bomb_is_refused_without_expanding() -> None:
    respx.post(URL).respond(content=BOMB)
    async with connector() as desk:
        tracemalloc.start()
        try:
            with pytest.raises(SourceBadResponse, match="unsafe XML refused"):
                await desk.fetch("person", "key", ["P-1"])
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 5_000_000  # the expansion would be ~3 GB


@respx.mock
async def test_an_oversized_answer_is_refused() -> None:
    respx.post(URL).respond(content=b"<Envelope>" + b" " * 50_000 + b"</Envelope>")
    async with connector(max_response_bytes=4096) as desk:
        with pytest.raises(SourceBadResponse, match="answer larger than 4096 bytes; refused"):
            await desk.fetch("person", "key", ["P-1"])


async def test_timeout_against_a_slow_service_desk(service_desk: tuple[str, Instruments]) -> None:
    url, instruments = service_desk
    instruments.latency = 0.5
    try:
        async with make_connector("desk", {**soap_source(url), "timeout": "100ms"}) as desk:
            with pytest.raises(SourceTimeout, match="desk: POST .*/soap: no answer within 0.1s"):
                await desk.fetch("person", "key", ["P-1"])
    finally:
        instruments.latency = 0.0


def test_config_problems(tmp_path: Path) -> None:
    block = soap_source("http://desk.test")
    block["entities"]["order"]["operations"]["customer_no"]["match"] = "customer"
    del block["entities"]["person"]["operations"]["key"]
    problems = list(SoapConfig.model_validate(block).problems())
    assert problems == [
        (("entities", "person", "operations"), "needs a `key` operation"),
        (
            ("entities", "order", "operations", "customer_no", "match"),
            "'customer' is not one of this entity's fields",
        ),
    ]
