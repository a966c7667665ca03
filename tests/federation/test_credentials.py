"""A client's key travels through Hive Gateway to c360, which applies that key's policy."""

from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

import httpx

from gateway.app import create_app
from gateway.security.keys import KeyStore
from schema.build import build_schema
from schema.federation import subgraph_sdl
from tests.federation.node_tools import compose, hive_gateway, require_node_tools
from tests.support.gateway import settings_from
from tests.support.legacy_rest import REST_SOURCE, LegacyRest
from tests.support.servers import free_port, serve

# docs/federation.md shows this config
FORWARD_CREDENTIALS = """\
export const gatewayConfig = {
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => {
      const forwarded = {};
      for (const name of ['x-api-key', 'authorization']) {
        const value = request.headers.get(name);
        if (value) forwarded[name] = value;
      }
      return forwarded;
    },
  },
};
"""
QUERY = '{ customer(email: "bob@example.com") { id email } }'


async def partner_key(store: str, folder: Path) -> str:
    keys = KeyStore.open(store, folder)
    try:
        return (await keys.create("partner", "a partner"))[1]
    finally:
        await keys.aclose()


def secured(legacy_rest: LegacyRest, folder: Path) -> tuple[Any, str]:
    store = f"sqlite+aiosqlite:///{folder / 'keys.db'}"
    crm = {**copy.deepcopy(REST_SOURCE), "base_url": legacy_rest.base_url}  # type: ignore[attr-defined]
    config = {
        "server": {"federation": True},
        "sources": {"crm": crm},
        "security": {
            "enabled": True,
            "api_keys": {"store": store},
            "roles": {"partner": {"mask": {"Customer.email": "domain"}}},
        },
    }
    return settings_from(folder, json.dumps(config)), asyncio.run(partner_key(store, folder))


def test_a_partners_key_reaches_c360_through_the_router(
    legacy_rest: LegacyRest, tmp_path: Path
) -> None:
    node = require_node_tools()
    settings, key = secured(legacy_rest, tmp_path)
    schema = tmp_path / "c360.graphql"  # composed from the printed schema: no key needed
    schema.write_text(subgraph_sdl(build_schema(federation=True).as_str()), encoding="utf-8")
    config = tmp_path / "gateway.config.mjs"
    config.write_text(FORWARD_CREDENTIALS, encoding="utf-8")
    with serve(create_app(settings)) as c360:
        supergraph = tmp_path / "supergraph.graphql"
        supergraph.write_text(compose(node, {"c360": f"{c360}/graphql"}, {"c360": schema}))
        with hive_gateway(supergraph, free_port(), config) as router:
            with_key = httpx.post(router, json={"query": QUERY}, headers={"x-api-key": key})
            without = httpx.post(router, json={"query": QUERY})
    customer = with_key.json()["data"]["customer"]
    assert customer == {"id": "crm:P-2", "email": "***@example.com"}  # the partner's mask
    refused = without.json()
    assert refused.get("data") in (None, {"customer": None}) and refused["errors"]
