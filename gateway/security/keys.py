"""API keys: stored only as salted hashes, compared in constant time.

A key reads ``c360_<id>_<secret>``: the id finds the row, the secret is checked against the
stored hash. The store is a SQLite file by default, PostgreSQL with a ``postgresql+asyncpg://``
URL (``security.api_keys.store``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from gateway.security.principal import Principal

__all__ = ["KeyInfo", "KeyStore"]

_META = sa.MetaData()
KEYS = sa.Table(
    "c360_api_keys",
    _META,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(64), nullable=False),
    sa.Column("dealer_id", sa.String(64)),
    sa.Column("salt", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(128), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)


@dataclass(frozen=True, slots=True)
class KeyInfo:
    id: str
    name: str
    role: str
    dealer_id: str | None
    created_at: datetime
    revoked_at: datetime | None


def _digest(salt: str, secret: str) -> str:
    return hashlib.sha256(f"{salt}:{secret}".encode()).hexdigest()


class KeyStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._ready = False

    @classmethod
    def open(cls, url: str, base_dir: Path) -> KeyStore:
        parsed = make_url(url)
        if (
            parsed.get_backend_name() == "sqlite"
            and parsed.database
            and not Path(parsed.database).is_absolute()
        ):
            parsed = parsed.set(database=str((base_dir / parsed.database).resolve()))
        return cls(create_async_engine(parsed))

    async def _prepare(self) -> None:
        if not self._ready:
            async with self.engine.begin() as conn:
                await conn.run_sync(_META.create_all)
            self._ready = True

    async def create(
        self, role: str, name: str, dealer_id: str | None = None
    ) -> tuple[KeyInfo, str]:
        """A new key; the plain key is returned once and never stored."""
        await self._prepare()
        key_id, secret, salt = (
            secrets.token_hex(6),
            secrets.token_urlsafe(32),
            secrets.token_hex(16),
        )
        info = KeyInfo(key_id, name, role, dealer_id, datetime.now(UTC), None)
        async with self.engine.begin() as conn:
            await conn.execute(
                KEYS.insert().values(
                    id=key_id,
                    name=name,
                    role=role,
                    dealer_id=dealer_id,
                    salt=salt,
                    hash=_digest(salt, secret),
                    created_at=info.created_at,
                )
            )
        return info, f"c360_{key_id}_{secret}"

    async def list(self) -> list[KeyInfo]:
        await self._prepare()
        async with self.engine.connect() as conn:
            rows = (
                (await conn.execute(sa.select(KEYS).order_by(KEYS.c.created_at))).mappings().all()
            )
        return [
            KeyInfo(r["id"], r["name"], r["role"], r["dealer_id"], r["created_at"], r["revoked_at"])
            for r in rows
        ]

    async def revoke(self, key_id: str) -> bool:
        await self._prepare()
        async with self.engine.begin() as conn:
            done = await conn.execute(
                KEYS.update()
                .where(KEYS.c.id == key_id, KEYS.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC))
            )
        return bool(done.rowcount)

    async def verify(self, presented: str) -> Principal | None:
        """The key's principal, or None for an unknown, malformed or revoked key."""
        prefix, _, rest = presented.partition("_")
        key_id, _, secret = rest.partition("_")
        if prefix != "c360" or not key_id or not secret or len(presented) > 200:
            return None
        await self._prepare()
        async with self.engine.connect() as conn:
            row = (
                (await conn.execute(sa.select(KEYS).where(KEYS.c.id == key_id))).mappings().first()
            )
        expected = row["hash"] if row else _digest("x", "y")  # compare even when unknown
        ok = hmac.compare_digest(expected, _digest(row["salt"] if row else "x", secret))
        if row is None or not ok or row["revoked_at"] is not None:
            return None
        return Principal(
            kind="api_key",
            id=row["id"],
            role=row["role"],
            name=row["name"],
            dealer_id=row["dealer_id"],
            roles=(row["role"],),
        )

    async def aclose(self) -> None:
        await self.engine.dispose()
