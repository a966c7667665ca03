"""OpenTelemetry: spans per request, resolution round and source call; trace context sent on."""

from __future__ import annotations

from pathlib import Path

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.gateway.test_app import NEW_SYSTEM
from tests.support.gateway import gateway, graphql, settings_from
from tests.support.legacy_rest import LegacyRest

EXPORTER = InMemorySpanExporter()
_provider = TracerProvider()
_provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
trace.set_tracer_provider(_provider)


async def test_spans_and_w3c_context_to_the_backend(
    tmp_path: Path, rest_system: LegacyRest
) -> None:
    EXPORTER.clear()
    settings = settings_from(tmp_path, NEW_SYSTEM, WARRANTY_URL=rest_system.base_url)
    async with gateway(settings) as client:
        body = await graphql(
            client,
            """query Traced { customer(email: "zoe@example.com") {
            id identities { key } } }""",
        )
    assert body["data"]["customer"]["identities"] == [{"key": "P-ü"}]
    spans = EXPORTER.get_finished_spans()
    names = [s.name for s in spans]
    assert "c360.graphql" in names and "c360.source_call" in names
    assert "c360.resolution_round" in names
    request = next(s for s in spans if s.name == "c360.graphql")
    calls = [s for s in spans if s.name == "c360.source_call"]
    assert {s.attributes["c360.source"] for s in calls} == {"warranty"}
    assert all(s.context.trace_id == request.context.trace_id for s in calls)
    sent = [t for t in rest_system.traceparents if t]
    assert sent and all(t.split("-")[1] == f"{request.context.trace_id:032x}" for t in sent)
