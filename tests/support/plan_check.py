"""The plans' equivalence check, over every request the test suite sends.

Installed on every schema the suite builds (``tests/conftest.py``), it watches both
executors. Whichever answered a request, the other one runs again on a replay of the same
request: the same principal and sources, every source call answered from what the first run
fetched (a value the first run never asked is a mismatch), its recording copied. Both answers
must be the same bytes; and both executors, replayed over the same answers (which come back
at once, so that the timing of real sources plays no part), must send the same calls (the
``calls`` of ``extensions.sources`` depend on it). The general executor of a replay is a
schema without the request metrics, so a request is counted once.
"""

from __future__ import annotations

import contextvars
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from strawberry.http import process_result
from strawberry.types import ExecutionResult

from gateway.batcher import Batcher, WindowKey
from gateway.clock import ManualClock
from gateway.context import GatewayContext
from gateway.planned import PlanStore, RequestData, Unplanned, answer_body
from gateway.recorded import Recording
from gateway.runtime import Runtime
from model.records import Record

_REPLAYING: contextvars.ContextVar[bool] = contextvars.ContextVar("replaying", default=False)


class ReplayMiss(Exception):
    """The replayed run asked a source for something the first run did not."""


class _Replay:
    """A source's pipeline that answers from what the first run's batcher was answered."""

    def __init__(self, first: Batcher, source: str, max_age: float | None, misses: list[str]):
        self.first, self.source, self.max_age, self.misses = first, source, max_age, misses

    async def fetch(
        self, entity: str, by: str, values: Sequence[str]
    ) -> Mapping[str, list[Record]]:
        answered = self.first.answered((self.source, entity, by, self.max_age))
        found: dict[str, list[Record]] = {}
        for value in values:
            if value not in answered:
                self.misses.append(f"{self.source}.{entity} by {by} = {value!r}")
                raise ReplayMiss(self.source)
            answer = answered[value]
            if isinstance(answer, BaseException):
                raise answer
            found[value] = answer
        return found


@dataclass
class PlanCheck:
    """What the check saw: requests, the documents a plan covered, comparisons, mismatches."""

    requests: int = 0
    compared: int = 0
    served_compared: int = 0  # of which kept whole answers
    declined: Counter[str] = field(default_factory=Counter)  # why a plan did not answer
    documents: set[str] = field(default_factory=set)  # covered and compared
    uncovered: Counter[str] = field(default_factory=Counter)  # documents the compiler left
    mismatches: list[str] = field(default_factory=list)
    _general: dict[bool, Any] = field(default_factory=dict)

    async def general(
        self,
        store: PlanStore,
        request: RequestData,
        context: GatewayContext,
        result: ExecutionResult,
    ) -> None:
        if _REPLAYING.get():
            return
        self.requests += 1
        query = request[0]
        if store.get(query, request[2]) is None:
            self.declined["not covered by the plan compiler"] += 1
            self.uncovered[" ".join(query.split())[:120]] += 1
            return
        misses: list[str] = []
        try:
            planned, plan_calls = await self._plan_replay(store, request, context, misses)
        except Unplanned as exc:
            if not misses:
                self.declined[f"declined at run time: {exc}"] += 1
                return
            planned, plan_calls = b"", Counter()
        _, general_calls = await self._general_replay(store, request, context, misses)
        general = orjson.dumps(process_result(result))
        self._compare(query, general, planned, general_calls, plan_calls, misses, context.runtime)

    async def planned(
        self, store: PlanStore, request: RequestData, context: GatewayContext, body: bytes
    ) -> None:
        if _REPLAYING.get():
            return
        self.requests += 1
        misses: list[str] = []
        general, general_calls = await self._general_replay(store, request, context, misses)
        try:
            _, plan_calls = await self._plan_replay(store, request, context, misses)
        except Unplanned:
            plan_calls = Counter()
        self._compare(request[0], general, body, general_calls, plan_calls, misses, context.runtime)

    async def _general_replay(
        self, store: PlanStore, request: RequestData, context: GatewayContext, misses: list[str]
    ) -> tuple[bytes, Counter[WindowKey]]:
        """The general executor's answer over what ``context``'s run fetched, and its calls."""
        query, variables, name = request
        replay = _replayed(context, misses)
        token = _REPLAYING.set(True)
        try:
            result = await self._general_schema(store).execute(
                query, dict(variables or {}), replay, operation_name=name
            )
        finally:
            _REPLAYING.reset(token)
        return orjson.dumps(process_result(result)), replay.batcher.sent

    async def _plan_replay(
        self, store: PlanStore, request: RequestData, context: GatewayContext, misses: list[str]
    ) -> tuple[bytes, Counter[WindowKey]]:
        """The plan's answer over what ``context``'s run fetched, and its calls."""
        query, variables, name = request
        plan = store.get(query, name)
        assert plan is not None
        replay = _replayed(context, misses)
        token = _REPLAYING.set(True)
        try:
            planned = await plan.answer(store.schema._schema, replay, variables)
        finally:
            _REPLAYING.reset(token)
        return answer_body(planned, replay), replay.batcher.sent

    async def served(
        self, store: PlanStore, request: RequestData, runtime: Runtime, body: bytes
    ) -> None:
        """A kept answer against the general executor over the record cache, asked now."""
        if _REPLAYING.get():
            return
        self.requests += 1
        query, variables, name = request
        context = runtime.context()
        token = _REPLAYING.set(True)
        try:
            result = await self._general_schema(store).execute(
                query, dict(variables or {}), context, operation_name=name
            )
        finally:
            _REPLAYING.reset(token)
        self.served_compared += 1
        general = orjson.dumps(process_result(result))
        self._compare(query, general, body, Counter(), Counter(), [], runtime)

    def _general_schema(self, store: PlanStore) -> Any:
        from schema.build import build_schema

        federation = bool(getattr(store.schema, "federation", False))
        if federation not in self._general:
            self._general[federation] = build_schema(federation=federation, counted=False)
        return self._general[federation]

    def _compare(
        self,
        query: str,
        general: bytes,
        planned: bytes,
        general_calls: Counter[WindowKey],
        plan_calls: Counter[WindowKey],
        misses: list[str],
        runtime: Runtime,
    ) -> None:
        """Both answers the same bytes; both executors, replayed over the same answers (which
        come back at once), the same calls of the sources. On a real clock, time passes
        between a run and its replay: the ages provenance gives are the one thing let differ
        (the fetch times they are counted from are compared)."""
        if not isinstance(runtime.clock, ManualClock):
            general, planned = _ageless(general), _ageless(planned)
        self.compared += 1
        self.documents.add(query)
        problems = []
        if misses:
            problems.append(f"the replay asked what the first run did not: {misses[:3]}")
        if general != planned:
            at = next(
                (i for i, (g, p) in enumerate(zip(general, planned, strict=False)) if g != p),
                min(len(general), len(planned)),
            )
            start = max(0, at - 200)
            problems.append(
                f"answers differ from byte {at}:\n  general ...{general[start : at + 400]!r}"
                f"\n  planned ...{planned[start : at + 400]!r}"
            )
        if general_calls != plan_calls:
            problems.append(f"calls differ: {dict(general_calls)} != {dict(plan_calls)}")
        if problems:
            report = f"plan mismatch for {query[:200]!r}: " + "; ".join(problems)
            self.mismatches.append(report)
            raise AssertionError(report)


_AGE = re.compile(rb'"ageSeconds":[-+0-9.eE]+')


def _ageless(body: bytes) -> bytes:
    return _AGE.sub(b'"ageSeconds":null', body)


def _replayed(context: GatewayContext, misses: list[str]) -> GatewayContext:
    first = context.batcher

    def pipelines(source: str, max_age: float | None) -> _Replay:
        return _Replay(first, source, max_age, misses)

    return context.runtime.context(
        context.request,
        context.response,
        principal=context.principal,
        purpose=context.purpose,
        pipelines=pipelines,
        recording=_copied(context.recording),
    )


def _copied(recording: Recording) -> Recording:
    return Recording(
        calls=recording.calls.copy(),
        asked=recording.asked.copy(),
        info=dict(recording.info),
        failed=dict(recording.failed),
        stale_sources=set(recording.stale_sources),
    )


CHECK = PlanCheck()
__all__ = ["CHECK", "PlanCheck", "ReplayMiss"]
