"""Bearer tokens: what a refusal says, and what it never repeats."""

from __future__ import annotations

import base64
import json

import pytest

from gateway.security.settings import JwtSettings
from gateway.security.tokens import InvalidToken, TokenVerifier

SECRET = "a-test-signing-secret-of-32-characters!"


def _segment(value: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("algorithm", ["HS384", "none", "<script>alert(1)</script>"])
async def test_a_refused_algorithm_is_not_echoed(algorithm: str) -> None:
    verifier = TokenVerifier(JwtSettings(secret=SECRET))
    forged = f"{_segment({'alg': algorithm, 'typ': 'JWT'})}.{_segment({'sub': 'x'})}.c2ln"
    with pytest.raises(InvalidToken) as refused:
        await verifier.verify(forged)
    assert "not accepted" in str(refused.value)
    assert algorithm not in str(refused.value)
