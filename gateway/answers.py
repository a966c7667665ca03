"""Whole answers kept for identical requests: the same body (document, variables, operation
name) from the same kind of caller gets the same answer without running anything, while the
records it was built from are still fresh and unchanged.

Only answers of compiled plans are kept (:mod:`gateway.planned`), and of those only answers
with no error, no stale record and no ``maxAge`` argument, to callers without a principal (a
gateway without security): a role's policy, masks or row scope never meet a kept answer. An
answer lives as long as its least fresh record (:func:`gateway.freshness.remaining_freshness`:
the same figure as an HTTP ``max-age``, bounded by any "nothing found" it used), and is
dropped when any of its records changes (the invalidation webhooks and write-backs publish that
on the event bus, :mod:`gateway.events`) or is answered anew by its source (another request's
``maxAge``, a refresh): it never says less than a run over the record cache would. A request
that began before a change, or read a record since answered anew, keeps nothing.

What a kept answer says about its sources is what a run over a warm record cache says:
``cache`` for every source whose records it holds, no calls. It is kept with the memory cache
only: over Redis, a change learnt by another gateway would reach this one late.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import orjson

from gateway.freshness import remaining_freshness
from gateway.recorded import FetchInfo, Recording
from model.records import Record
from model.timestamps import age_seconds

if TYPE_CHECKING:
    from gateway.context import GatewayContext
    from gateway.events import CustomerChanged

__all__ = ["AGE_MARK", "AnswerCache", "KeptAnswer"]

RecordId = tuple[str, str, str]  # (source, entity, key)
REFRESHES = 100_000  # records whose last fresh answer is remembered (a request's window)


AGE_MARK = "\x00c360:age\x00"  # where an encoded answer says a record's age (provenance)
_MARK = orjson.dumps(AGE_MARK)


class KeptAnswer:
    """An answer kept whole; its provenance, if it has any, written afresh for each serving."""

    __slots__ = ("_ages", "_index", "_last", "expires", "parts", "records")

    def __init__(
        self,
        parts: tuple[bytes, ...],
        fetched: tuple[float, ...],
        expires: float,
        records: frozenset[RecordId],
    ) -> None:
        self.parts = parts  # the answer, cut where it says a record's age
        self.expires = expires  # Unix time its first record goes stale
        self.records = records
        # the fetch times of its records, each once (a request's records share a few), and
        # which of them each cut of the answer says the age of
        self._ages = tuple(dict.fromkeys(fetched))
        self._index = tuple(self._ages.index(at) for at in fetched)
        self._last: tuple[tuple[float, ...], bytes] | None = None  # ages, the body they made

    def body(self, now: float) -> bytes:
        """The answer as a request served from it at ``now`` gets it: its provenance says
        each record's age at that moment (to a tenth of a second, so one body serves every
        request of the same tenth)."""
        parts = self.parts
        if not self._index:
            return parts[0]
        ages = tuple(age_seconds(at, now) for at in self._ages)
        last = self._last
        if last is not None and last[0] == ages:
            return last[1]
        written = [orjson.dumps(age) for age in ages]
        out = [parts[0]]
        for index, part in zip(self._index, parts[1:], strict=True):
            out.append(written[index])
            out.append(part)
        body = b"".join(out)
        self._last = (ages, body)
        return body


class AnswerCache:
    """Answers by request body, at most ``max_entries``, the oldest dropped first."""

    def __init__(self, now: Callable[[], float], max_entries: int = 10_000) -> None:
        self.now = now
        self.max_entries = max_entries
        self.generation = 0  # moves on every change: answers begun before it are not kept
        self._kept: OrderedDict[bytes, KeptAnswer] = OrderedDict()
        self._holding: dict[RecordId, set[bytes]] = {}  # record -> the answers built from it
        # record -> when a source last answered it anew (the most recent, at most REFRESHES)
        self._refreshed: OrderedDict[RecordId, float] = OrderedDict()

    def get(self, key: bytes) -> KeptAnswer | None:
        found = self._kept.get(key)
        if found is not None and found.expires <= self.now():
            self._drop(key)
            return None
        return found

    def keep(
        self,
        key: bytes,
        context: GatewayContext,
        generation: int,
        encode: Callable[[GatewayContext, list[float]], bytes],
    ) -> KeptAnswer | None:
        """Keep the answer of the request whose context this is, if it may be kept;
        ``encode`` writes it for a context (here: one whose records all came from cache),
        writing :data:`AGE_MARK` for each record's age and its fetch time in the list."""
        recording = context.recording
        if generation != self.generation or recording.failed or recording.stale_sources:
            return None
        now = self.now()
        fresh = remaining_freshness(recording, context.sources, now)
        if not fresh:
            return None  # no record (nothing to say how long it holds), or one already stale
        refreshed = self._refreshed
        if any(info.fetched_at < refreshed.get(r, 0.0) for r, info in recording.info.items()):
            return None  # a source answered one of its records anew while it ran
        fetched: list[float] = []
        body = encode(dataclasses.replace(context, recording=_from_cache(recording)), fetched)
        parts = tuple(body.split(_MARK))
        if len(parts) != len(fetched) + 1:
            return None  # the mark is in the data itself: kept nowhere rather than wrong
        kept = KeptAnswer(parts, tuple(fetched), now + fresh, frozenset(recording.info))
        self._drop(key)
        self._kept[key] = kept
        for record in kept.records:
            self._holding.setdefault(record, set()).add(key)
        if len(self._kept) > self.max_entries:
            self._drop(next(iter(self._kept)))
        return kept

    def changed(self, event: CustomerChanged) -> None:
        """Records changed: drop every answer built from any of them."""
        self.generation += 1
        for record in event.records():
            for key in list(self._holding.get(record, ())):
                self._drop(key)

    def refreshed(self, records: Iterable[Record], fetched_at: float) -> None:
        """A source answered these records anew at ``fetched_at``: an answer holding an older
        copy says no more than a run over the record cache would, so it is dropped; and a
        request that read an older copy keeps nothing."""
        refreshed = self._refreshed
        for record in records:
            at = (record.source, record.entity, record.key)
            refreshed[at] = fetched_at
            refreshed.move_to_end(at)
            for key in list(self._holding.get(at, ())):
                self._drop(key)
        while len(refreshed) > REFRESHES:
            refreshed.popitem(last=False)

    def _drop(self, key: bytes) -> None:
        kept = self._kept.pop(key, None)
        if kept is None:
            return
        for record in kept.records:
            holders = self._holding.get(record)
            if holders is not None:
                holders.discard(key)
                if not holders:
                    del self._holding[record]

    def __len__(self) -> int:
        return len(self._kept)


def _from_cache(recording: Recording) -> Recording:
    """The recording of the same records all read from cache, nothing asked of a source."""
    return Recording(
        info={record: FetchInfo(info.fetched_at, "hit") for record, info in recording.info.items()}
    )
