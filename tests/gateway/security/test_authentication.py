"""Authentication at the boundary: failed attempts are limited per client address."""

from __future__ import annotations

from pathlib import Path

from tests.gateway.test_security import ask, new_key, secured
from tests.support.demo_estate import DemoEstate
from tests.support.gateway import gateway


async def test_failed_authentication_is_rate_limited_per_address(
    demo_estate: DemoEstate, tmp_path: Path
) -> None:
    settings = secured(demo_estate, tmp_path, failed_auth={"rate": "1/h", "burst": 3})
    async with gateway(settings) as client:
        good = {"X-API-Key": await new_key(tmp_path, "agent")}
        before = await ask(client, "{ sources { name } }", good)
        guesses = [
            await ask(client, "{ sources { name } }", {"X-API-Key": f"c360_{i:012x}_guess"})
            for i in range(5)
        ]
        after = await ask(client, "{ sources { name } }", good)
    assert before.status_code == 200  # a success costs nothing
    assert [g.status_code for g in guesses] == [401, 401, 401, 429, 429]
    assert int(guesses[-1].headers["retry-after"]) > 0
    assert after.status_code == 429  # even the right key waits: no guess is checked meanwhile
