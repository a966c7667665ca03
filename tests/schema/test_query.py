"""What a customer selection makes the gateway fetch early agrees with what its fields read."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gateway.customer_fields import ATTRIBUTES, PERSONAL_TYPES, READS, RELATED
from schema.build import build_schema
from tests.gateway.test_caching import first_crm_key
from tests.support.demo_estate import DemoEstate
from tests.support.runtime import Gateway


def test_every_declared_type_is_a_type_of_the_schema() -> None:
    schema = build_schema()
    declared = {a.type_name for a in ATTRIBUTES} | {r.type_name for r in RELATED}
    missing = [n for n in (declared - {None}) | PERSONAL_TYPES if not schema.get_type_by_name(n)]
    assert not missing


@pytest.fixture
async def gateway(demo_estate: DemoEstate) -> AsyncIterator[Gateway]:
    opened = Gateway(demo_estate.settings)
    yield opened
    await opened.aclose()


@pytest.mark.parametrize("field", sorted(READS))
async def test_a_related_field_reads_only_what_it_declares(
    demo_estate: DemoEstate, gateway: Gateway, field: str
) -> None:
    query = f"""query ($key: String!) {{
      customer(sourceKey: {{source: "crm", key: $key}}) {{ {field} {{ __typename }} }} }}"""
    _, context = await gateway.run(query, key=first_crm_key(demo_estate, 3))
    read = {entity for (_, entity, _) in context.recording.calls} - {"person"}
    assert read and read <= READS[field], (field, read)
