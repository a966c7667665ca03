"""Tracing costs nothing until a tracer provider is set, and records once one is.

Run in a fresh interpreter: OpenTelemetry's provider is process-global, and another test
module sets one for good."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from connectors import tracing

    assert not tracing.active()
    assert tracing.span("c360.source_call", source="crm") is tracing.span("other")
    assert tracing.inject({}) == {}

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    assert not tracing.active()  # not asked again until the gateway starts
    assert tracing.refresh() and tracing.active()
    with tracing.span("c360.source_call", source="crm", batch=None):
        headers = tracing.inject({})
    [span] = exporter.get_finished_spans()
    assert span.name == "c360.source_call" and dict(span.attributes) == {"c360.source": "crm"}
    assert headers["traceparent"].split("-")[2] == format(span.context.span_id, "016x")
    print("ok")
    """
)


def test_no_provider_no_cost_then_spans_once_one_is_set() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
