"""The request deadline: a source that never answers is cut when the clock passes the
deadline, the answer is partial, and one DEADLINE_EXCEEDED error names the pending sources."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.support.gateway import settings_from
from tests.support.memory_sources import HangingSource
from tests.support.runtime import Gateway

CONFIG = """\
server: {deadline: 2s}
sources:
  crm:
    kind: tests.support.memory_sources:MemorySource
    rows: {person: [{id: C1, first: Ann, mail: ann@example.com}]}
    entities:
      person: {fields: {key: id, given_name: first, email: mail}, lookups_by: [email]}
  desk:
    kind: tests.support.memory_sources:HangingSource
    entities:
      person: {fields: {key: id, email: mail}, lookups_by: [email]}
      ticket:
        fields: {key: id, customer_ref: contact}
        lookups_by: [contact_no]
        belongs_to: {entity: person, by: contact_no, ref: customer_ref}
identity:
  identifiers: {email: {normalize: email}}
"""

QUERY = """{ customer(sourceKey: {source: "crm", key: "C1"}) {
  id name { given } email tickets { number } } }"""


async def test_a_hanging_source_is_cut_at_the_deadline_and_named(tmp_path: Path) -> None:
    gateway = Gateway(settings_from(tmp_path, CONFIG))
    desk = gateway.runtime.sources["desk"]
    assert isinstance(desk, HangingSource)
    try:
        answer = asyncio.create_task(gateway.schema.execute(QUERY, context_value=gateway.context()))
        await desk.waiting.wait()  # the desk was asked for Ann by email, and hangs
        gateway.clock.advance(2)
        result = await asyncio.wait_for(answer, 60)  # a guard against hanging, not a bound
    finally:
        await gateway.aclose()
    # everything the CRM serves answers; the tickets only the desk serves are null
    assert result.data == {
        "customer": {
            "id": "crm:C1",
            "name": {"given": "Ann"},
            "email": "ann@example.com",
            "tickets": None,
        }
    }
    assert result.errors is not None
    [cut] = [e for e in result.errors if (e.extensions or {}).get("code") == "DEADLINE_EXCEEDED"]
    assert cut.extensions == {"code": "DEADLINE_EXCEEDED", "sources": ["desk"]}
    assert cut.message == "the request's 2s deadline passed; still pending: desk"
    assert result.extensions is not None
    assert result.extensions["sources"]["desk"]["status"] == "deadline_exceeded"
    assert result.extensions["sources"]["crm"]["status"] == "ok"
    assert desk.calls == 1  # cut once; nothing asked of it after the deadline
