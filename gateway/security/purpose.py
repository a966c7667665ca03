"""The ``C360-Purpose`` header (pure ASGI): why the caller asks, for the audit log.

Printable text of at most 200 characters, else 400 (a CR/LF could forge audit lines or
headers downstream); kept in ``scope["state"]["purpose"]``.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.security.refusal import refuse

__all__ = ["MAX_PURPOSE", "PurposeHeader", "purpose_problem"]

MAX_PURPOSE = 200


def purpose_problem(purpose: bytes) -> str | None:
    """Why a stated purpose is refused, or None (also for the websocket's connection_init)."""
    if len(purpose) > MAX_PURPOSE or any(b < 0x20 or b == 0x7F for b in purpose):
        return f"C360-Purpose must be printable text of at most {MAX_PURPOSE} characters"
    return None


class PurposeHeader:
    def __init__(self, app: ASGIApp, paths: tuple[str, ...] = ("/graphql",)) -> None:
        self.app, self.paths = app, paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.paths):
            await self.app(scope, receive, send)
            return
        purpose = b""
        for name, value in scope["headers"]:
            if name.lower() == b"c360-purpose":
                purpose = value
        problem = purpose_problem(purpose)
        if problem is not None:
            await refuse(send, 400, "BAD_REQUEST", problem)
            return
        scope.setdefault("state", {})["purpose"] = purpose.decode("latin-1")
        await self.app(scope, receive, send)
