"""Bearer tokens from the company's identity provider, checked with PyJWT.

HS256 with a shared secret, or RS256/ES256 with keys from a JWKS URL (cached; fetched again
when a token names an unknown ``kid``). Issuer, audience and expiry are checked; ``alg: none``
and any algorithm not listed are refused.
"""

from __future__ import annotations

import asyncio
from typing import Any

import jwt

from gateway.security.principal import Principal
from gateway.security.settings import JwtSettings

__all__ = ["InvalidToken", "TokenVerifier"]


class InvalidToken(Exception):
    """The token cannot be trusted; the message says why, never what the token held."""


class TokenVerifier:
    def __init__(self, settings: JwtSettings) -> None:
        self.settings = settings
        self._jwks = (
            jwt.PyJWKClient(settings.jwks_url, cache_keys=True) if settings.jwks_url else None
        )

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed token") from exc
        algorithm = str(header.get("alg", ""))
        allowed = [a for a in self.settings.algorithms if a.lower() != "none"]
        if algorithm not in allowed:
            raise InvalidToken("its algorithm is not accepted")  # never echoed: it is the caller's
        if algorithm.startswith("HS"):
            if not self.settings.secret:
                raise InvalidToken("HMAC tokens are not accepted")
            key: Any = self.settings.secret
        elif self._jwks is not None:
            try:
                key = (await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)).key
            except jwt.PyJWTError as exc:
                raise InvalidToken("no signing key for this token") from exc
        else:
            raise InvalidToken("no key to check this token with")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                options={"require": ["exp"], "verify_aud": self.settings.audience is not None},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("token expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidToken("token not meant for this audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken("token from another issuer") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken("token signature or claims invalid") from exc
        roles = claims.get(self.settings.roles_claim) or []
        roles = [roles] if isinstance(roles, str) else [str(r) for r in roles]
        if not roles:
            raise InvalidToken(f"token has no {self.settings.roles_claim!r} claim")
        dealer = claims.get(self.settings.dealer_claim)
        return Principal(
            kind="jwt",
            id=str(claims.get("sub", "unknown"))[:200],
            role=roles[0],
            name=str(claims.get("name", ""))[:200],
            roles=tuple(roles),
            dealer_id=str(dealer) if dealer else None,
        )
