"""The metrics layer on its own: each call counted by outcome and timed."""

from __future__ import annotations

import pytest
from prometheus_client import REGISTRY

from connectors.errors import SourceUnavailable
from gateway.instrumented import Instrumented
from tests.support.memory_sources import FailingSource, memory_source


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_each_call_is_counted_by_outcome_and_timed() -> None:
    source = memory_source("instrumented_crm", rows=[{"id": "C1"}], kind=FailingSource)
    assert isinstance(source, FailingSource)
    source.failures = [SourceUnavailable("instrumented_crm", "down")]
    layer = Instrumented(source, "instrumented_crm")
    with pytest.raises(SourceUnavailable):
        await layer.fetch("person", "key", ["C1"])
    await layer.fetch("person", "key", ["C1"])
    calls = "c360_backend_calls_total"
    assert sample(calls, source="instrumented_crm", outcome="ok") == 1
    assert sample(calls, source="instrumented_crm", outcome="source_unavailable") == 1
    assert sample("c360_backend_seconds_count", source="instrumented_crm") == 2
