"""The plans a schema has compiled, and the answers they write.

:class:`PlanStore` keeps one plan (or the note that none covers it) per query text and
operation name, compiled the first time the general executor has run that document (so it is
known to parse, validate and pass the query limits). The HTTP route asks it for a plan before
anything else; :func:`answer_body` writes a plan's answer as the general executor's is
written: ``data``, then ``extensions`` (each source's status, see
:mod:`gateway.source_errors`), by orjson.

An observer (:class:`PlanObserver`) may watch both executors: the test suite installs one that
runs the other executor on the same data and compares the answers byte for byte.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, cast

import orjson
from graphql import parse

from connectors.tracing import span
from gateway.answers import AGE_MARK
from gateway.plans import Plan, PlannedAnswer, PlannedRoot, Unplanned, compile_plan
from gateway.provenance_extension import PROVENANCE
from gateway.request_metrics import count_request
from gateway.source_errors import source_extensions

if TYPE_CHECKING:
    from collections.abc import Mapping

    import strawberry
    from strawberry.types import ExecutionResult

    from gateway.answers import KeptAnswer
    from gateway.context import GatewayContext
    from gateway.runtime import Runtime

__all__ = ["PlanObserver", "PlanStore", "Unplanned", "answer_body"]

MAX_PLANS = 1024  # documents; as many as the parser's cache keeps


class PlanObserver(Protocol):
    """Sees every request either executor answered (the plans' equivalence check)."""

    async def planned(
        self, store: PlanStore, request: RequestData, context: GatewayContext, body: bytes
    ) -> None: ...

    async def served(
        self, store: PlanStore, request: RequestData, runtime: Runtime, body: bytes
    ) -> None: ...

    async def general(
        self,
        store: PlanStore,
        request: RequestData,
        context: GatewayContext,
        result: ExecutionResult,
    ) -> None: ...


RequestData = tuple[str, "Mapping[str, Any] | None", "str | None"]  # query, variables, name


class PlanStore:
    """A schema's plans by query text and operation name."""

    observer: ClassVar[PlanObserver | None] = None  # every store's, in this process

    def __init__(self, schema: strawberry.Schema, roots: Mapping[str, PlannedRoot]) -> None:
        self.schema = schema
        self.roots = roots
        self._plans: dict[tuple[str, str | None], Plan | None] = {}

    def get(self, query: str, operation_name: str | None) -> Plan | None:
        """The document's plan, if it was compiled and covers it."""
        return self._plans.get((query, operation_name))

    def learn(self, query: str, operation_name: str | None) -> Plan | None:
        """Compile the document's plan, once; None where plans do not cover it."""
        key = (query, operation_name)
        if key in self._plans:
            return self._plans[key]
        if len(self._plans) >= MAX_PLANS:
            self._plans.clear()
        plan = self._plans[key] = compile_plan(
            self.schema, parse(query), operation_name, self.roots
        )
        return plan

    async def answer(
        self,
        plan: Plan,
        context: GatewayContext,
        request: RequestData,
        keep: bytes | None = None,
    ) -> bytes:
        """The answer's body, as the general executor writes it; counted in the request
        metrics; kept under ``keep`` in the runtime's answer cache where it may be. Raises
        :class:`Unplanned` when the general executor must answer instead."""
        started = time.perf_counter()
        answers = context.runtime.answers if keep is not None and plan.keepable else None
        generation = answers.generation if answers is not None else 0
        name = plan.operation_name(request[2])
        with span("c360.graphql", operation=name or "anonymous"):
            planned = await plan.answer(self.schema._schema, context, request[1])
        body = answer_body(planned, context)
        count_request(name, "ok", started)
        if answers is not None and keep is not None:
            hits = planned.from_cache()
            answers.keep(keep, context, generation, lambda c, ages: answer_body(hits, c, ages))
        if self.observer is not None:
            await self.observer.planned(self, request, context, body)
        return body

    async def served(
        self, plan: Plan, kept: KeptAnswer, runtime: Runtime, request: RequestData
    ) -> bytes:
        """A kept answer, counted as a request answered."""
        count_request(plan.operation_name(request[2]), "ok", time.perf_counter())
        body = kept.body(runtime.clock.now())
        if self.observer is not None:
            await self.observer.served(self, request, runtime, body)
        return body


def answer_body(
    answer: PlannedAnswer, context: GatewayContext, ages: list[float] | None = None
) -> bytes:
    """A successful answer's body: ``data`` and the answer's ``extensions`` (its sources'
    statuses, then its provenance where the operation asked for it). With ``ages``, each
    record's age is written as :data:`~gateway.answers.AGE_MARK` and its fetch time added
    to ``ages`` (a kept answer says the age when it is served)."""
    extensions = source_extensions(context, [])
    if answer.provenance is not None:
        now = context.clock.now()
        shown: dict[str, Any] = {}
        for path, entry in answer.provenance.items():
            shown[path] = written = entry.as_json(now)
            if ages is not None and "ageSeconds" in written:
                written["ageSeconds"] = AGE_MARK
                ages.append(cast(float, entry.fetched_at))
        extensions[PROVENANCE] = shown
    data = answer.data
    return orjson.dumps({"data": data, "extensions": extensions} if extensions else {"data": data})
