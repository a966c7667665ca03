"""Structured logs: one JSON object per line, each with the request id of the request it
belongs to, the gateway's and uvicorn's (its access lines included) in one stream. Personal
data stays out of INFO and WARNING: a failing source is logged by name and error code, at most
once per source per request and per :data:`WARNING_INTERVAL`; the failing call's details
(which may hold an identifier) only at DEBUG; an access line shows the path without its query
string (a GET query may carry an email)."""

from __future__ import annotations

import contextvars
import json
import logging
import logging.config
import re
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "REQUEST_ID",
    "WARNING_INTERVAL",
    "AccessFormatter",
    "JsonFormatter",
    "RequestIdMiddleware",
    "WarningLimiter",
    "configure_logging",
    "log_config",
]

WARNING_INTERVAL = 10.0

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": REQUEST_ID.get(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class AccessFormatter(JsonFormatter):
    """uvicorn's access line as JSON: method, path without its query string, status."""

    def format(self, record: logging.LogRecord) -> str:
        if isinstance(record.args, tuple) and len(record.args) == 5:
            _, method, path, _, status = record.args
            shown = (method, str(path).split("?", 1)[0], status)
            record = logging.makeLogRecord({**record.__dict__, "msg": "%s %s %s", "args": shown})
        return super().format(record)


def log_config(level: str = "info", json_lines: bool = True) -> dict[str, Any]:
    """One ``logging.config`` dictionary for the gateway's loggers and uvicorn's, given to
    uvicorn too so that every worker process logs the same way."""
    level = level.upper()
    plain = {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    formatters: dict[str, Any] = (
        {"default": {"()": JsonFormatter}, "access": {"()": AccessFormatter}}
        if json_lines
        else {"default": plain, "access": plain}
    )
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": formatters,
        "handlers": {
            "default": {**handler, "formatter": "default"},
            "access": {**handler, "formatter": "access"},
        },
        "loggers": {
            "c360": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": ["access"], "level": level, "propagate": False},
        },
    }


def configure_logging(level: str = "info", json_lines: bool = True) -> None:
    logging.config.dictConfig(log_config(level, json_lines))


class WarningLimiter:
    """At most one warning per key (a source) per ``interval`` seconds; the next one says how
    many were held back. A fault run of thousands of requests gives a few lines, not
    thousands, and none is lost from the count."""

    def __init__(
        self,
        logger: logging.Logger,
        interval: float = WARNING_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger, self.interval, self.clock = logger, interval, clock
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def warn(self, key: str, message: str, *args: object) -> bool:
        """Log ``message % args`` at WARNING unless ``key`` was logged within the interval;
        returns whether it was logged."""
        now = self.clock()
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            self._held[key] = self._held.get(key, 0) + 1
            return False
        self._last[key] = now
        held = self._held.pop(key, 0)
        if held:
            message += " (%d more since the last warning)"
            args = (*args, held)
        self.logger.warning(message, *args)
        return True


class RequestIdMiddleware:
    """Takes the caller's ``X-Request-Id`` (if it is a sane token) or makes one; every log
    line of the request carries it, and so does the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _VALID_ID.match(given) else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)

        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            REQUEST_ID.reset(token)
