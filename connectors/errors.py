"""The one error tree every connector speaks.

A connector translates its backend's failures into these at the boundary, re-raised ``from``
the original exception so that nothing of the cause is lost::

    SourceError                      any failure of one source; names the source
     ├── SourceUnavailable           cannot be reached: connection refused, DNS, file missing
     │    └── SourceTimeout          reached, but no answer within the source's timeout
     ├── SourceBadResponse           answered, but not as configured: non-2xx, not JSON, SOAP fault
     ├── SourceMisconfigured         the configuration does not match the system (missing column)
     ├── UnsupportedLookup           asked what the source cannot answer: an entity or ``by``
     │                               it does not serve, a value it cannot be asked (too long)
     ├── WriteRejected               a write refused by the system (its validation): the
     │    │                          system's own message is public, the write is not retried
     │    └── WriteConflict          the record changed in the system since c360 read it
     └── NotWritable                 the source (or this entity) takes no writes: a file export

Each error carries a stable ``code`` that the GraphQL layer puts in ``errors[].extensions``, and
a ``public_message`` that clients see: the source and a fixed summary of the code, never the
detail (a URL, an identifier, a row of data), unless the connector marked the detail ``public``
(it only repeats the configuration, as "does not serve entity 'ticket'" does). The detail stays
in ``str(error)`` for the gateway's log.
"""

from __future__ import annotations

__all__ = [
    "NotWritable",
    "SourceBadResponse",
    "SourceError",
    "SourceMisconfigured",
    "SourceTimeout",
    "SourceUnavailable",
    "UnsupportedLookup",
    "WriteConflict",
    "WriteRejected",
    "snippet",
]


class SourceError(Exception):
    """A failure of one source system, with the source's name in the message."""

    code = "SOURCE_ERROR"
    summary = "failed"

    def __init__(self, source: str, message: str, *, public: bool = False) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.detail = message
        self.public = public

    @property
    def public_message(self) -> str:
        """What a client may read: the source and the kind of failure, no detail."""
        return f"{self.source}: {self.detail if self.public else self.summary}"


class SourceUnavailable(SourceError):
    code = "SOURCE_UNAVAILABLE"
    summary = "unavailable"


class SourceTimeout(SourceUnavailable):
    code = "SOURCE_TIMEOUT"
    summary = "did not answer in time"


class SourceBadResponse(SourceError):
    code = "SOURCE_BAD_RESPONSE"
    summary = "answered with an error"

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
    summary = "does not match its configuration"


class UnsupportedLookup(SourceError):
    code = "UNSUPPORTED_LOOKUP"
    summary = "cannot answer this look-up"


class WriteRejected(SourceError):
    """The system refused the values (its own validation). ``detail`` is the system's message,
    shown to the caller: it says what the system wants, as a form would."""

    code = "WRITE_REJECTED"
    summary = "refused the change"

    def __init__(self, source: str, message: str, *, status: int | None = None) -> None:
        super().__init__(source, snippet(message, 200), public=True)
        self.status = status


class WriteConflict(WriteRejected):
    """The record's version (``updated_at``, an ETag) is no longer the one c360 read: someone
    changed it in the system meanwhile. The system's value is kept."""

    code = "WRITE_CONFLICT"
    summary = "changed in the system since it was read"


class NotWritable(SourceError):
    code = "NOT_WRITABLE"
    summary = "not writable here"

    def __init__(self, source: str, message: str = "not writable here") -> None:
        super().__init__(source, message, public=True)


def snippet(text: str, limit: int = 120) -> str:
    """A short, single-line excerpt of a backend's answer, for error messages."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
