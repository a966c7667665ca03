"""API keys as a fleet of gateways checks them: verified keys remembered for a moment, and
revocations told to every gateway at once.

Checking a key reads the key store (PostgreSQL in a fleet) on every request. With a Redis
backend (``cache.backend: redis://...``) each gateway remembers a verified key for
``security.api_keys.cache`` seconds (1 s by default), and a key revoked through c360 is
announced on the Redis channel :data:`CHANNEL`: every gateway that hears it forgets the key
at once, so the key is refused everywhere within the time a message takes. While a gateway
is not subscribed (Redis down, reconnecting) it remembers nothing and reads the store on
every request; a key revoked in the database by hand is refused within ``cache`` seconds.
Without Redis nothing is remembered: every request reads the store.

::

    keys = KeyCache(KeyStore.open(url, base_dir), clock, ttl=1.0, notices="redis://...")
    keys.start()                          # subscribes in the background
    principal = await keys.verify(presented)
    await keys.revoke(key_id)             # in the store, then announced to every gateway
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gateway.clock import Clock
from gateway.security.keys import KeyInfo, KeyStore
from gateway.security.principal import Principal

if TYPE_CHECKING:
    from redis.asyncio.client import PubSub

__all__ = ["CHANNEL", "KeyCache"]

logger = logging.getLogger("c360.security")

CHANNEL = "c360:v1:api-key-revoked"
MAX_REMEMBERED = 10_000


@dataclass(frozen=True, slots=True)
class _Verified:
    principal: Principal
    until: float  # on the clock's monotonic time


class KeyCache:
    """A :class:`KeyStore` with verified keys remembered and revocations announced."""

    def __init__(
        self, store: KeyStore, clock: Clock, ttl: float = 1.0, notices: str | None = None
    ) -> None:
        self.store, self.clock, self.ttl = store, clock, ttl
        self.heard = 0  # revocations heard from the channel, this process's own included
        self._remembered: dict[str, _Verified] = {}
        self._redis: Any = None
        self._listening = False
        self._reader: asyncio.Task[None] | None = None
        if notices is not None:
            from redis.asyncio import Redis

            self._redis = Redis.from_url(notices)

    @property
    def remembers(self) -> bool:
        """Whether a verified key is remembered now: only while revocations can be heard."""
        return self._listening and self.ttl > 0

    def start(self) -> None:
        """Subscribe to revocations, in the background (with a Redis backend): keys are
        remembered from the moment Redis confirms the subscription."""
        if self._redis is not None and self._reader is None:
            self._reader = asyncio.create_task(self._read(), name="c360-key-revocations")

    async def verify(self, presented: str) -> Principal | None:
        """The key's principal, or None for an unknown, malformed or revoked key."""
        digest = hashlib.sha256(presented.encode("utf-8", "replace")).hexdigest()
        now = self.clock.monotonic()
        known = self._remembered.get(digest)
        if known is not None and known.until > now and self.remembers:
            return known.principal
        principal = await self.store.verify(presented)
        if principal is not None and self.remembers:
            if len(self._remembered) >= MAX_REMEMBERED:
                self._remembered.clear()
            self._remembered[digest] = _Verified(principal, now + self.ttl)
        return principal

    async def create(
        self, role: str, name: str, dealer_id: str | None = None
    ) -> tuple[KeyInfo, str]:
        return await self.store.create(role, name, dealer_id)

    async def list(self) -> list[KeyInfo]:
        return await self.store.list()

    async def revoke(self, key_id: str) -> bool:
        """Revoke the key in the store, then tell every gateway; False when no active key has
        that id."""
        revoked = await self.store.revoke(key_id)
        if revoked:
            self.forget(key_id)
            if self._redis is not None:
                await self._announce(key_id)
        return revoked

    async def _announce(self, key_id: str) -> None:
        from redis.exceptions import RedisError

        try:
            await self._redis.publish(CHANNEL, key_id)
        except (RedisError, OSError) as exc:
            logger.warning(
                "key %s is revoked, but Redis could not announce it (%s): gateways refuse it"
                " once they have forgotten it, within %g s",
                key_id,
                type(exc).__name__,
                self.ttl,
            )

    def forget(self, key_id: str) -> None:
        """Drop what this process remembers of the key ``key_id``."""
        self._remembered = {
            digest: known
            for digest, known in self._remembered.items()
            if known.principal.id != key_id
        }

    async def _read(self) -> None:
        from redis.exceptions import ConnectionError as RedisConnectionError

        pubsub: PubSub = self._redis.pubsub()
        try:
            while True:
                try:
                    if not pubsub.channels:
                        await pubsub.subscribe(CHANNEL)
                    async for message in pubsub.listen():
                        self._received(message)
                except (RedisConnectionError, OSError) as exc:
                    # revocations may be missed until the client has subscribed again
                    self._listening = False
                    self._remembered.clear()
                    name = type(exc).__name__
                    logger.warning("key revocations: lost Redis (%s); reconnecting", name)
                    await self.clock.sleep(1.0)
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call, unused-ignore]

    def _received(self, message: dict[str, Any]) -> None:
        if message.get("type") == "subscribe":
            self._listening = True  # (again, after a reconnection)
        elif message.get("type") == "message":
            data = message["data"]
            self.forget(data.decode() if isinstance(data, bytes) else str(data))
            self.heard += 1

    async def aclose(self) -> None:
        self._listening = False
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)
        if self._redis is not None:
            await self._redis.aclose()
        await self.store.aclose()
