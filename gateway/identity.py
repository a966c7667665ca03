"""Any identifier -> every record of that person in every system, each link explained.

Resolution runs at query time, breadth first: the records found so far yield identifiers
(normalised: emails trimmed and lower-cased, phones in E.164), which are looked up in every
source that accepts them, one batched call per ``(source, identifier)`` and round, until
nothing new turns up or a bound is reached.

Over-merging is guarded as customer-data platforms do it: placeholder values are blocked; a
value shared by more than ``max_records`` records is too common to link by; an identifier
marked ``corroborate`` (a phone a family shares) links a record only if its name agrees with
the customer's; and the whole customer is capped at ``max_records`` records. Scored (fuzzy)
rules reach systems that share no identifier. When a bound stops the expansion, the identity
says so.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from connectors.errors import SourceError
from connectors.matching import match_key, normalize_email, normalize_phone
from connectors.tracing import span
from forms import DEFAULT_PROVIDERS, EmailProvider, NameVariants, country_code, standard_form
from gateway.batcher import Batcher
from gateway.concurrently import concurrently
from gateway.linkage.defaults import default_model
from gateway.linkage.model import MatchModel, Waterfall
from gateway.matching import Matcher
from gateway.names import PersonName, name_of, name_similarity
from gateway.rules import FuzzyRule, IdentifierRule, IdentitySettings
from gateway.sources import SourceSet
from model.records import Record

__all__ = ["Identity", "IdentityResolver", "Link", "Match", "Seed"]

PERSON = "person"
RecordId = tuple[str, str]  # (source, key)


@dataclass(frozen=True, slots=True)
class Seed:
    """Where a resolution starts: an identifier value, or one record of one source."""

    identifier: str | None = None
    value: str | None = None
    source: str | None = None
    entity: str = PERSON
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """Why a record is linked: the rule, the identifier and value, a score, and through which
    record's identifier it was found. A ``model`` link carries its waterfall: the match
    weight against ``via``, comparison by comparison."""

    rule: str  # "seed" | "identifier" | "fuzzy:<rule name>" | "model"
    identifier: str | None = None
    value: str | None = None
    score: float | None = None
    via: RecordId | None = None
    waterfall: Waterfall | None = None


@dataclass(frozen=True, slots=True)
class Link:
    record: Record
    match: Match


@dataclass(slots=True)
class Identity:
    """One customer: the linked person records, in source order, and what resolution noted."""

    links: list[Link]
    complete: bool = True
    notes: list[str] = field(default_factory=list)
    failed: dict[str, SourceError] = field(default_factory=dict)  # source -> its failure
    rounds: int = 0  # expansion rounds run after the seed

    @property
    def anchor(self) -> Record:
        return self.links[0].record

    @property
    def id(self) -> str:
        return f"{self.anchor.source}:{self.anchor.key}"

    def records(self, source: str | None = None) -> list[Record]:
        return [link.record for link in self.links if source in (None, link.record.source)]

    def keys(self) -> frozenset[RecordId]:
        return frozenset((link.record.source, link.record.key) for link in self.links)


class IdentityResolver:
    """Resolves seeds into identities through one request's :class:`Batcher`."""

    def __init__(
        self,
        settings: IdentitySettings,
        sources: SourceSet,
        batcher: Batcher,
        parents: Mapping[tuple[str, str], tuple[str, str, str]] | None = None,
        variants: NameVariants | None = None,
        email_providers: Mapping[str, EmailProvider] = DEFAULT_PROVIDERS,
        model: MatchModel | None = None,
    ) -> None:
        self.settings = settings
        self.variants = variants or NameVariants.built_in()
        self.email_providers = email_providers
        matching = settings.matching
        self.matcher = (
            Matcher(matching, model or default_model(matching.built(), self.variants))
            if matching is not None
            else None
        )
        self.sources = sources
        self.batcher = batcher
        self.order = {name: i for i, name in enumerate(sources)}
        # (source, entity) -> (parent source, parent entity, the child's field holding its key)
        self.parents = dict(parents or {})
        self._blocked = {
            kind: [re.compile(p) for p in rule.blocked]
            for kind, rule in settings.identifiers.items()
        }

    # identifiers ---------------------------------------------------------------------------

    def normalize(self, kind: str, value: Any) -> str | None:
        """The identifier as it is compared and asked for; None when blocked or unusable."""
        rule = self.settings.identifiers.get(kind)
        if rule is None or value is None:
            return None
        text = str(value)
        if rule.normalize == "email":
            normal: str | None = normalize_email(text)
        elif rule.normalize == "phone":
            normal = normalize_phone(text, rule.region)
        else:
            normal = match_key(rule.normalize, text)
        if not normal or any(p.search(normal) for p in self._blocked[kind]):
            return None
        return normal

    def comparable(self, field_name: str, data: Mapping[str, Any]) -> str | None:
        """A field of a record in its standard form (:mod:`forms`): ``12 High Street`` and
        ``12 high st.`` agree, as do ``sw1a1aa`` and ``SW1A 1AA``."""
        country = country_code(data.get("country"))
        value = data.get(field_name)
        return standard_form(field_name, value, country=country, providers=self.email_providers)

    def identifiers_of(self, record: Record) -> Iterable[tuple[str, str]]:
        for kind in self.settings.identifiers:
            normal = self.normalize(kind, record.data.get(kind))
            if normal is not None:
                yield kind, normal

    def _askers(self, kind: str) -> list[str]:
        """The sources whose person entity can be looked up by ``kind``."""
        return [
            name
            for name, connector in self.sources.items()
            if PERSON in connector.entities and kind in connector.entities[PERSON].by
        ]

    # resolution ------------------------------------------------------------------------------

    async def resolve_many(
        self, seeds: Sequence[Seed], max_age: float | None = None
    ) -> list[Identity | None]:
        """Resolve several customers at once; their look-ups share each round's batches."""
        return list(await asyncio.gather(*(self.resolve(seed, max_age) for seed in seeds)))

    async def resolve(
        self,
        seed: Seed,
        max_age: float | None = None,
        on_link: Callable[[Record], None] | None = None,
    ) -> Identity | None:
        """The customer ``seed`` leads to; ``max_age`` refuses older cached answers;
        ``on_link`` hears of every record as it is linked."""
        state = _State(self)
        state.max_age = max_age
        state.on_link = on_link
        if seed.source is not None and seed.key is not None:
            start = await self._seed_record(state, seed)
            if start is None:
                return None
            state.link(start, Match("seed"))
        elif seed.identifier is not None and seed.value is not None:
            value = self.normalize(seed.identifier, seed.value)
            if value is None:
                return None
            found = await self._lookup(state, {seed.identifier: {value: None}})
            records = found.get((seed.identifier, value), [])
            for record in self._seed_group(state, seed.identifier, value, records):
                state.link(record, Match("seed", seed.identifier, value))
        if not state.linked:
            return None
        await self._expand(state)
        return state.identity()

    async def _seed_record(self, state: _State, seed: Seed) -> Record | None:
        assert seed.source is not None and seed.key is not None
        source, entity, key = seed.source, seed.entity, seed.key
        for _ in range(5):  # walk up parents (a service visit -> its vehicle -> its owner)
            connector = self.sources.get(source)
            if connector is None or entity not in connector.entities:
                return None
            found = await self._safe_fetch(state, source, entity, "key", [key])
            if not found or not found[0]:
                return None
            record = found[0][0]
            if entity == PERSON:
                return record
            parent = self.parents.get((source, entity))
            ref = record.data.get(parent[2]) if parent else None
            if parent is None or ref is None:
                return None
            source, entity, key = parent[0], parent[1], str(ref)
        return None

    def _seed_group(
        self, state: _State, kind: str, value: str, records: list[Record]
    ) -> list[Record]:
        """The records a seed identifier names. A shared value (a family phone) names several
        people: the answer is the largest group of agreeing names, noted as ambiguous."""
        rule = self.settings.identifiers[kind]
        if not rule.corroborate or len(records) < 2:
            return records
        groups: list[list[Record]] = []
        for record in records:
            name = name_of(record.data)
            for group in groups:
                if name is not None and any(
                    (other := name_of(r.data)) is not None
                    and name_similarity(name, other, self.variants) >= self.settings.name_threshold
                    for r in group
                ):
                    group.append(record)
                    break
            else:
                groups.append([record])
        if len(groups) > 1:
            state.notes.append(
                f"{kind} {value} is shared by {len(groups)} people; answered with the one most"
                " systems know"
            )
        return max(groups, key=len)

    async def _expand(self, state: _State) -> None:
        for _ in range(self.settings.max_rounds):
            pending = state.take_pending()
            # scored matching is the last resort: only once no identifier is left to ask
            fuzzy = [] if pending else self._fuzzy_asks(state)
            blocking = {} if pending else self._blocking_asks(state)
            if not pending and not fuzzy and not blocking:
                return
            state.rounds += 1
            with span(
                "c360.resolution_round",
                round=state.rounds,
                identifiers=len(pending),
                fuzzy_rules=len(fuzzy),
                blocking_lookups=len(blocking),
            ):
                await self._round(state, pending, fuzzy, blocking)
            if state.capped:
                return
        if state.take_pending(peek=True):
            state.complete = False
            state.notes.append(
                f"stopped after {self.settings.max_rounds} rounds with identifiers still unasked"
            )

    async def _round(
        self,
        state: _State,
        pending: list[tuple[str, str, RecordId | None]],
        fuzzy: list[tuple[FuzzyRule, list[str]]],
        blocking: Mapping[tuple[str, str], list[str]],
    ) -> None:
        """One round: every pending identifier asked of every source that accepts it, and the
        fuzzy rules' and blocking rules' look-ups, all at once."""
        by_kind: dict[str, dict[str, RecordId | None]] = {}
        for kind, value, via in pending:
            by_kind.setdefault(kind, {})[value] = via
        if fuzzy or blocking:
            found, candidates, blocked = await asyncio.gather(
                self._lookup(state, by_kind),
                self._fuzzy_lookup(state, fuzzy),
                self._blocking_lookup(state, blocking),
            )
        else:  # a round of identifiers alone: asked in this task
            found, candidates, blocked = await self._lookup(state, by_kind), [], {}
        for kind, values in by_kind.items():
            for value, via in values.items():
                self._consider(state, kind, value, via, found.get((kind, value), []))
        self._score_all(state, candidates)
        self._match(state, blocked)

    # probabilistic matching ---------------------------------------------------------------

    def _blocking_asks(self, state: _State) -> dict[tuple[str, str], list[str]]:
        if self.matcher is None:
            return {}

        def usable(source: str, lookup: str) -> bool:
            connector = self.sources.get(source)
            return (
                connector is not None
                and PERSON in connector.entities
                and lookup in connector.entities[PERSON].by
            )

        return self.matcher.asks(state.records(), state.blocking_asked, usable)

    async def _blocking_lookup(
        self, state: _State, asks: Mapping[tuple[str, str], list[str]]
    ) -> dict[tuple[str, str], dict[str, list[Record]]]:
        answers = await concurrently(
            [
                self._safe_fetch(state, source, PERSON, lookup, values)
                for (source, lookup), values in asks.items()
            ]
        )
        return {
            at: dict(zip(values, found, strict=True))
            for (at, values), found in zip(asks.items(), answers, strict=True)
            if found is not None
        }

    def _match(
        self, state: _State, found: Mapping[tuple[str, str], Mapping[str, list[Record]]]
    ) -> None:
        """Score what the blocking look-ups found; link the likely ones (see gateway.matching)."""
        if self.matcher is None or not found:
            return
        if state.shared:
            state.notes.append("matching skipped: a shared number, namesakes at one address")
            return
        linked = state.records()
        candidates = self.matcher.candidates(found, linked)
        chosen, notes = self.matcher.decide(
            linked, candidates, state.prepared, lambda record: self._conflicts(state, record)
        )
        state.notes += notes
        for scored in chosen:
            waterfall = scored.waterfall
            state.link(
                scored.candidate.record,
                Match(
                    "model",
                    scored.candidate.rule.lookup,
                    scored.candidate.value,
                    score=round(waterfall.probability, 6),
                    via=scored.via,
                    waterfall=waterfall,
                ),
            )

    async def _lookup(
        self, state: _State, by_kind: Mapping[str, Mapping[str, RecordId | None]]
    ) -> dict[tuple[str, str], list[Record]]:
        asks = [
            (source, kind, list(values))
            for kind, values in by_kind.items()
            for source in self._askers(kind)
        ]
        answers = await concurrently(
            [self._safe_fetch(state, source, PERSON, kind, values) for source, kind, values in asks]
        )
        found: dict[tuple[str, str], list[Record]] = {}
        for (_, kind, values), records in zip(asks, answers, strict=True):
            for value, matched in zip(values, records or [[]] * len(values), strict=True):
                found.setdefault((kind, value), []).extend(matched)
        return found

    async def _safe_fetch(
        self, state: _State, source: str, entity: str, by: str, values: list[str]
    ) -> list[list[Record]] | None:
        try:
            return await self.batcher.fetch(source, entity, by, values, state.max_age)
        except SourceError as exc:
            # the request's record of the failure is the pipeline's; this is the identity's
            # own: which of its look-ups went unanswered
            state.unavailable.setdefault(source, exc)
            return None

    def _consider(
        self, state: _State, kind: str, value: str, via: RecordId | None, records: list[Record]
    ) -> None:
        rule: IdentifierRule = self.settings.identifiers[kind]
        distinct = {(r.source, r.key) for r in records}
        if len(distinct) > rule.max_records:
            state.notes.append(
                f"{kind} {value} is held by {len(distinct)} records, more than {rule.max_records}:"
                " too common to link by"
            )
            return
        if rule.corroborate and self._namesakes(records):
            state.shared.add((kind, value))
            state.notes.append(
                f"{kind} {value} is shared by people of the same name: not linked by it"
            )
            return
        for record in records:
            if (record.source, record.key) in state.linked:
                continue
            if rule.corroborate and not state.name_agrees(record):
                continue
            state.link(record, Match("identifier", kind, value, via=via))

    def _namesakes(self, records: list[Record]) -> bool:
        """Whether one source holds two records with this value whose names agree: a junior
        and a senior sharing the home phone, whom no name comparison can tell apart."""
        per_source: dict[str, dict[str, Record]] = {}
        for record in records:
            per_source.setdefault(record.source, {})[record.key] = record
        for found in per_source.values():
            names = [n for r in found.values() if (n := name_of(r.data)) is not None]
            for i, name in enumerate(names):
                if any(
                    name_similarity(name, other, self.variants) >= self.settings.name_threshold
                    for other in names[i + 1 :]
                ):
                    return True
        return False

    def _fuzzy_asks(self, state: _State) -> list[tuple[FuzzyRule, list[str]]]:
        asks = []
        for rule in self.settings.fuzzy:
            if rule.source not in self.sources:
                continue  # a source this caller may not use
            values = {
                text
                for record in state.records()
                if (text := str(record.data.get(rule.field) or "").strip())
            } - state.fuzzy_asked.setdefault(rule.name, set())
            state.fuzzy_asked[rule.name] |= values
            if values:
                asks.append((rule, sorted(values)))
        return asks

    async def _fuzzy_lookup(
        self, state: _State, asks: list[tuple[FuzzyRule, list[str]]]
    ) -> list[tuple[FuzzyRule, Record]]:
        answers = await concurrently(
            [
                self._safe_fetch(state, rule.source, PERSON, rule.block_by, values)
                for rule, values in asks
            ]
        )
        return [
            (rule, record)
            for (rule, _), found in zip(asks, answers, strict=True)
            for records in found or []
            for record in records
        ]

    def _score_all(self, state: _State, candidates: list[tuple[FuzzyRule, Record]]) -> None:
        """Link the candidates that score high enough, in systems the customer has no record of
        yet, where one system offers only one: two namesakes at one postcode are two people,
        and the rule cannot tell which is ours."""
        if candidates and state.shared:
            # the customer shares a number with someone of the same name (a household, a
            # junior and a senior): name and address cannot tell them apart
            state.notes.append("fuzzy rules skipped: a shared number, namesakes at one address")
            return
        passing: dict[tuple[str, str], list[tuple[Record, float]]] = {}
        present = {source for source, _ in state.linked}
        for rule, candidate in candidates:
            if candidate.source in present:
                continue  # fuzzy rules fill gaps; a second record of one system needs an identifier
            score = self._score(state, rule, candidate)
            if score is not None:
                passing.setdefault((rule.name, candidate.source), []).append((candidate, score))
        unique = {
            group: {(r.source, r.key): (r, score) for r, score in found}
            for group, found in passing.items()
        }
        for (rule_name, source), found in unique.items():
            if len(found) > 1:
                # namesakes at one address: whichever system shows it, none can be told apart
                state.notes.append(
                    f"fuzzy rule {rule_name}: {len(found)} records of {source} match equally;"
                    " no fuzzy link made"
                )
                return
        for (rule_name, _), found in unique.items():
            [(record, score)] = found.values()
            rule = next(r for r in self.settings.fuzzy if r.name == rule_name)
            state.link(record, Match(f"fuzzy:{rule_name}", rule.block_by, score=score))

    def _conflicts(self, state: _State, candidate: Record) -> bool:
        """Whether the candidate holds another value of an identifier marked ``conflicts``
        than the customer's: a namesake down the street has a phone of their own."""
        for kind, value in self.identifiers_of(candidate):
            held = state.held(kind)
            if self.settings.identifiers[kind].conflicts and held and value not in held:
                return True
        return False

    def _score(self, state: _State, rule: FuzzyRule, candidate: Record) -> float | None:
        total = sum(rule.weights.values())
        score = 0.0
        name_score = state.best_name_score(candidate)
        if name_score < self.settings.name_threshold:
            return None  # an address shared by a household is no reason to link another person
        if self._conflicts(state, candidate):
            return None
        for field_name, weight in rule.weights.items():
            if field_name == "name":
                score += weight * name_score
            else:
                theirs = self.comparable(field_name, candidate.data)
                if theirs and theirs in state.values_of(field_name):
                    score += weight
        score /= total
        return round(score, 3) if score >= rule.threshold else None


class _State:
    def __init__(self, resolver: IdentityResolver) -> None:
        self.resolver = resolver
        self.linked: dict[RecordId, Link] = {}
        self.asked: set[tuple[str, str]] = set()
        self.pending: list[tuple[str, str, RecordId | None]] = []
        self.fuzzy_asked: dict[str, set[str]] = {}
        self.blocking_asked: dict[tuple[str, str], set[str]] = {}
        self.prepared: dict[RecordId, Any] = {}  # each record's values in comparable form
        self.shared: set[tuple[str, str]] = set()
        self.notes: list[str] = []
        self.unavailable: dict[str, SourceError] = {}  # sources whose look-ups failed
        self.complete = True
        self.capped = False
        self.rounds = 0
        self.max_age: float | None = None
        self.on_link: Callable[[Record], None] | None = None
        self._names: list[PersonName] = []

    def link(self, record: Record, match: Match) -> None:
        if self.capped:
            return
        limit = self.resolver.settings.max_records
        if len(self.linked) >= limit:
            self.capped, self.complete = True, False
            self.notes.append(f"stopped at {limit} linked records (identity.max_records)")
            return
        self.linked[(record.source, record.key)] = Link(record, match)
        if self.on_link is not None:
            self.on_link(record)
        name = name_of(record.data)
        if name is not None:
            self._names.append(name)
        for kind, value in self.resolver.identifiers_of(record):
            if (kind, value) not in self.asked:
                self.asked.add((kind, value))
                self.pending.append((kind, value, (record.source, record.key)))

    def take_pending(self, peek: bool = False) -> list[tuple[str, str, RecordId | None]]:
        taken = list(self.pending)
        if not peek:
            self.pending.clear()
        return taken

    def records(self) -> list[Record]:
        return [link.record for link in self.linked.values()]

    def held(self, kind: str) -> set[str]:
        """The normalised values of one identifier that the linked records hold."""
        return {value for k, value in self.asked if k == kind}

    def values_of(self, field_name: str) -> set[str]:
        found = (self.resolver.comparable(field_name, r.data) for r in self.records())
        return {value for value in found if value}

    def best_name_score(self, record: Record) -> float:
        name = name_of(record.data)
        if name is None:
            return 0.0
        variants = self.resolver.variants
        return max((name_similarity(name, known, variants) for known in self._names), default=0.0)

    def name_agrees(self, record: Record) -> bool:
        return self.best_name_score(record) >= self.resolver.settings.name_threshold

    def identity(self) -> Identity:
        order = self.resolver.order
        links = sorted(
            self.linked.values(),
            key=lambda link: (order.get(link.record.source, len(order)), link.record.key),
        )
        return Identity(links, self.complete, self.notes, self.unavailable, self.rounds)
