"""The invalidation webhook: signed with a timestamp, refused when old, ahead or replayed."""

from __future__ import annotations

import json
from pathlib import Path

from gateway.hooks import TOLERANCE, RedisReplayGuard, ReplayGuard, signature
from tests.gateway.test_caching import HOOKED
from tests.support.demo_estate import DemoEstate
from tests.support.gateway import gateway, settings_from
from tests.support.redis import RedisServer

SECRET = "a-shared-secret-of-the-crm"
BODY = json.dumps({"entity": "person", "keys": ["C-000001"]}).encode()


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_signature_is_accepted_once_within_the_window() -> None:
    clock = Clock(1_800_000_000.0)
    guard = ReplayGuard(clock)
    header = signature(SECRET, BODY, clock.now)
    assert guard.check(SECRET, BODY, header) is None
    assert guard.check(SECRET, BODY, header) == "X-C360-Signature already used"
    clock.now += TOLERANCE + 1  # the replay is now refused as too old, and forgotten
    assert guard.check(SECRET, BODY, header) is not None
    assert guard.check(SECRET, BODY, signature(SECRET, BODY, clock.now)) is None


def test_old_future_forged_and_unsigned_hooks_are_refused() -> None:
    clock = Clock(1_800_000_000.0)
    guard = ReplayGuard(clock)
    old = signature(SECRET, BODY, clock.now - TOLERANCE - 1)
    ahead = signature(SECRET, BODY, clock.now + TOLERANCE + 1)
    other_body = signature(SECRET, b'{"entity": "person", "keys": []}', clock.now)
    restamped = old.replace(old.split(",")[0], f"t={int(clock.now)}")  # a new time, old HMAC
    for header in (old, ahead, other_body, restamped, "", "sha256=00", "t=x,sha256=00"):
        assert guard.check(SECRET, BODY, header) is not None, header


async def test_a_captured_hook_cannot_be_replayed(demo_estate: DemoEstate, tmp_path: Path) -> None:
    url = demo_estate.settings.sources["crm"].config.base_url  # type: ignore[attr-defined]
    settings = settings_from(tmp_path, HOOKED, CRM_URL=url)
    headers = {"X-C360-Signature": signature(SECRET, BODY)}
    async with gateway(settings) as client:
        first = await client.post("/hooks/invalidate/crm", content=BODY, headers=headers)
        replayed = await client.post("/hooks/invalidate/crm", content=BODY, headers=headers)
    assert first.status_code == 200
    assert replayed.status_code == 401 and "already used" in replayed.text


async def test_a_hook_used_on_one_gateway_is_refused_by_another_on_the_same_redis(
    redis_server: RedisServer,
) -> None:
    clock = Clock(1_800_000_000.0)
    one, other = (
        RedisReplayGuard(redis_server.url, clock),
        RedisReplayGuard(redis_server.url, clock),
    )
    header = signature(SECRET, BODY, clock.now)
    try:
        first = await one.admit(SECRET, BODY, header)
        replayed = await other.admit(SECRET, BODY, header)
        forged = await other.admit(SECRET, BODY + b" ", header)
        fresh = await other.admit(SECRET, BODY, signature(SECRET, BODY, clock.now + 1))
    finally:
        await one.aclose()
        await other.aclose()
    assert (first, replayed, fresh) == (None, "X-C360-Signature already used", None)
    assert forged == "missing or wrong X-C360-Signature"
