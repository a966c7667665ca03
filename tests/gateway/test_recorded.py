"""The recording layer on its own: what was asked, the first failure of each source, once."""

from __future__ import annotations

import pytest

from connectors.errors import SourceMisconfigured, SourceUnavailable
from gateway.recorded import Recorded, Recording
from tests.support.memory_sources import FailingSource, memory_source


async def test_asks_and_the_first_failure_are_recorded_once() -> None:
    source = memory_source(rows=[{"id": "C1"}], kind=FailingSource)
    assert isinstance(source, FailingSource)
    first, second = SourceUnavailable("crm", "down"), SourceMisconfigured("crm", "no column")
    source.failures = [first, second]
    recording = Recording()
    recorded = Recorded(source, "crm", recording)
    for _ in range(2):
        with pytest.raises((SourceUnavailable, SourceMisconfigured)):
            await recorded.fetch("person", "key", ["C1", "C2"])
    await recorded.fetch("person", "key", ["C1"])
    assert recording.failed == {"crm": first}
    assert recording.asked[("crm", "person", "key")] == 5


async def test_an_answer_records_no_failure() -> None:
    recording = Recording()
    await Recorded(memory_source(rows=[{"id": "C1"}]), "crm", recording).fetch(
        "person", "key", ["C1"]
    )
    assert recording.failed == {} and recording.asked[("crm", "person", "key")] == 1
