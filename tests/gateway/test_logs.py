"""Log lines: rate-limited source warnings, access lines without query strings."""

from __future__ import annotations

import json
import logging

import pytest

from gateway.logs import AccessFormatter, WarningLimiter


def test_a_failing_source_is_warned_once_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    limiter = WarningLimiter(logging.getLogger("c360.test"), interval=10.0, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, "c360.test"):
        logged = [limiter.warn("crm", "source %s failed", "crm") for _ in range(5)]
        other = limiter.warn("billing", "source %s failed", "billing")
        now[0] += 10.0
        later = limiter.warn("crm", "source %s failed", "crm")
    assert logged == [True, False, False, False, False] and other and later
    assert [r.getMessage() for r in caplog.records] == [
        "source crm failed",
        "source billing failed",
        "source crm failed (4 more since the last warning)",
    ]


def test_an_access_line_keeps_no_query_string() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", '/graphql?query={customer(email:"ann@x.com"){id}}', "1.1", 200),
        None,
    )
    line = json.loads(AccessFormatter().format(record))
    assert line["message"] == "GET /graphql 200"
    assert line["level"] == "info" and line["logger"] == "uvicorn.access"
