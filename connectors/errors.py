"""The one error tree every connector speaks.

A connector translates its backend's failures into these at the boundary, re-raised ``from``
the original exception so that nothing of the cause is lost::

    SourceError                      any failure of one source; names the source
     ├── SourceUnavailable           cannot be reached: connection refused, DNS, file missing
     │    └── SourceTimeout          reached, but no answer within the source's timeout
     ├── SourceBadResponse           answered, but not as configured: non-2xx, not JSON, SOAP fault
     ├── SourceMisconfigured         the configuration does not match the system (missing column)
     └── UnsupportedLookup           asked what the source cannot answer: an entity or ``by``
                                     it does not serve, a value it cannot be asked (too long)

Each error carries a stable ``code`` that the GraphQL layer puts in ``errors[].extensions``.
"""

from __future__ import annotations

__all__ = [
    "SourceBadResponse",
    "SourceError",
    "SourceMisconfigured",
    "SourceTimeout",
    "SourceUnavailable",
    "UnsupportedLookup",
    "snippet",
]


class SourceError(Exception):
    """A failure of one source system, with the source's name in the message."""

    code = "SOURCE_ERROR"

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.detail = message


class SourceUnavailable(SourceError):
    code = "SOURCE_UNAVAILABLE"


class SourceTimeout(SourceUnavailable):
    code = "SOURCE_TIMEOUT"


class SourceBadResponse(SourceError):
    code = "SOURCE_BAD_RESPONSE"

    def __init__(
        self,
        source: str,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(source, message)
        self.status = status
        self.retry_after = retry_after


class SourceMisconfigured(SourceError):
    code = "SOURCE_MISCONFIGURED"


class UnsupportedLookup(SourceError):
    code = "UNSUPPORTED_LOOKUP"


def snippet(text: str, limit: int = 120) -> str:
    """A short, single-line excerpt of a backend's answer, for error messages."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
