"""Probabilistic matching at query time: blocking look-ups find candidates, the Fellegi-Sunter
model scores each against the customer's records, and the ones likely enough are linked.

A candidate's score is its best match weight against any record already linked (two records
of one person need not agree with every other record of that person, only with one). Rivals
are settled so that two different people are never both linked:

- the candidates of one system that pass are linked together when they also match each other
  (duplicates of one person inside that system);
- when they split into groups that do not match each other (two people who both resemble the
  customer), the best group is linked only if it leads the next by ``margin`` bits; else
  neither is, and the identity notes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.base import Record
from forms import country_code, family_key, postcode_key
from gateway.linkage.comparisons import NORMALISERS, Prepared
from gateway.linkage.model import MatchModel, Waterfall, weight_of
from gateway.linkage.settings import BlockingRule, MatchingSettings
from gateway.names import name_of

__all__ = [
    "BLOCKING_FIELDS",
    "BLOCKING_KEYS",
    "Candidate",
    "Matcher",
    "Scored",
    "asked_of",
    "key_of",
]

RecordId = tuple[str, str]


def _birth_year(data: Mapping[str, Any]) -> str:
    return NORMALISERS["date"](str(data.get("birth_date") or ""))[:4]


def _family_name(data: Mapping[str, Any]) -> str:
    name = name_of(data)  # a name in one field (``"Lee, Ann"``) has its family part too
    return (name.family or "") if name is not None else ""


def _family_sound(data: Mapping[str, Any]) -> str:
    return family_key(_family_name(data)) or ""


def _postcode(data: Mapping[str, Any]) -> str:
    return postcode_key(data.get("postcode"), country_code(data.get("country"))) or ""


# Derived blocking keys: a name -> how a record's value of it is computed, and its field.
# ``family_sound`` (forms.family_key) and ``postcode`` (forms.postcode_key) are the keys the
# sources' derived look-ups index (``match: phonetic``, ``match: postcode``).
BLOCKING_KEYS: Mapping[str, Callable[[Mapping[str, Any]], str]] = {
    "birth_year": _birth_year,
    "family_sound": _family_sound,
    "postcode": _postcode,
}
BLOCKING_FIELDS: Mapping[str, str] = {"birth_year": "birth_date", "family_sound": "family_name"}
# What a derived look-up is asked with: the value the source derives its key from.
_ASKED: Mapping[str, Callable[[Mapping[str, Any]], str]] = {"family_sound": _family_name}


def key_of(data: Mapping[str, Any], key: str) -> str:
    """A record's value of a blocking key: a derived key, or the field as written (trimmed)."""
    derived = BLOCKING_KEYS.get(key)
    if derived is not None:
        return derived(data)
    value = data.get(key)
    return "" if value is None else str(value).strip()


def asked_of(data: Mapping[str, Any], lookup: str) -> str:
    """The value a blocking look-up asks with for this record: the field as the system
    wrote it (a postcode as written: the source matches it by its own rule), the family name
    for ``family_sound``, or a derived key."""
    asked = _ASKED.get(lookup)
    if asked is not None:
        return asked(data).strip()
    if lookup in data:
        value = data.get(lookup)
        return "" if value is None else str(value).strip()
    return key_of(data, lookup)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A record a blocking look-up found, with the rule and the value that found it."""

    rule: BlockingRule
    value: str
    record: Record


@dataclass(frozen=True, slots=True)
class Scored:
    candidate: Candidate
    waterfall: Waterfall
    via: RecordId


class Matcher:
    """The blocking rules and the model of one config; stateless between resolutions."""

    def __init__(self, settings: MatchingSettings, model: MatchModel) -> None:
        self.settings = settings
        self.model = model
        self.threshold = weight_of(settings.link_at)

    def prepared(self, record: Record, cache: dict[RecordId, tuple[Prepared | None, ...]]) -> Any:
        rid = (record.source, record.key)
        found = cache.get(rid)
        if found is None:
            found = cache[rid] = self.model.prepare(record.data)
        return found

    def asks(
        self,
        records: Iterable[Record],
        asked: dict[tuple[str, str], set[str]],
        usable: Callable[[str, str], bool],
    ) -> dict[tuple[str, str], list[str]]:
        """The look-ups to make this round: values of the linked records not asked before,
        one list per (source, look-up) whatever the number of rules sharing it."""
        records = list(records)
        asks: dict[tuple[str, str], set[str]] = {}
        for rule in self.settings.blocking:
            if not usable(rule.source, rule.lookup):
                continue
            at = (rule.source, rule.lookup)
            values = {v for r in records if (v := asked_of(r.data, rule.lookup))}
            fresh = values - asked.setdefault(at, set())
            if fresh:
                asks.setdefault(at, set()).update(fresh)
        for at, values in asks.items():
            asked[at] |= values
        return {at: sorted(values) for at, values in asks.items()}

    def candidates(
        self,
        found: Mapping[tuple[str, str], Mapping[str, list[Record]]],
        linked: Sequence[Record],
    ) -> list[Candidate]:
        """The records found that meet every key of a rule that asked for them."""
        out: list[Candidate] = []
        for rule in self.settings.blocking:
            answers = found.get((rule.source, rule.lookup))
            if not answers:
                continue
            others = rule.by[1:]
            wanted = [{key_of(r.data, k) for r in linked} - {""} for k in others]
            for value, records in answers.items():
                for record in records:
                    if all(
                        key_of(record.data, k) in w for k, w in zip(others, wanted, strict=True)
                    ):
                        out.append(Candidate(rule, value, record))
        return out

    def decide(
        self,
        linked: Sequence[Record],
        candidates: Sequence[Candidate],
        cache: dict[RecordId, tuple[Prepared | None, ...]],
        vetoed: Callable[[Record], bool] | None = None,
    ) -> tuple[list[Scored], list[str]]:
        """The candidates to link, and notes on the rivals left unlinked; ``vetoed`` says
        which may not be linked whatever their score (an identifier's value in conflict)."""
        known = {(r.source, r.key) for r in linked}
        references: dict[tuple[Prepared | None, ...], RecordId] = {}
        for record in linked:
            references.setdefault(self.prepared(record, cache), (record.source, record.key))
        passing: dict[str, dict[RecordId, Scored]] = {}
        household: set[RecordId] = set()
        elsewhere: dict[RecordId, Record] = {}  # records found that are someone else's
        floor = min(0.0, self.threshold)
        for candidate in candidates:
            record = candidate.record
            rid = (record.source, record.key)
            if rid in known or rid in passing.get(record.source, {}):
                continue
            if vetoed is not None and vetoed(record):
                elsewhere[rid] = record
                continue
            mine = self.prepared(record, cache)
            best: tuple[float, tuple[Prepared | None, ...], RecordId] | None = None
            likeness = float("-inf")
            for values, via in references.items():
                weighed = self.model.reaching(values, mine, floor)
                if weighed is None:
                    continue  # below zero and the threshold: evidence against
                weight, personal = weighed
                likeness = max(likeness, weight)
                if weight >= self.threshold and personal <= 0:
                    household.add(rid)  # like the customer only in what a household shares
                    continue
                if best is None or weight > best[0]:
                    best = (weight, values, via)
            if likeness < 0:
                elsewhere[rid] = record  # more likely someone else than the customer
            if best is not None and best[0] >= self.threshold:
                household.discard(rid)
                waterfall = self.model.score(best[1], mine)
                passing.setdefault(record.source, {})[rid] = Scored(candidate, waterfall, best[2])
        links: list[Scored] = []
        notes: list[str] = []
        if household:
            notes.append(
                f"matching: {len(household)} records agree with the customer only on what a"
                " household shares (family name, address, phone); not linked"
            )
        for source, found in passing.items():
            chosen = self._settle(list(found.values()), cache)
            if chosen is None:
                # rivals the customer resembles equally: maybe someone else, each of them
                elsewhere.update({rid: s.candidate.record for rid, s in found.items()})
                notes.append(
                    f"matching: {len(found)} records of {source} resemble the customer but not"
                    " each other, none by a clear margin; none linked"
                )
            else:
                links += chosen
        kept = [s for s in links if not self._claimed(s, elsewhere, cache)]
        if len(kept) < len(links):
            notes.append(
                f"matching: {len(links) - len(kept)} records resemble someone else the"
                " look-ups found as well as the customer; not linked"
            )
        return kept, notes

    def _claimed(
        self,
        scored: Scored,
        others: Mapping[RecordId, Record],
        cache: dict[RecordId, tuple[Prepared | None, ...]],
    ) -> bool:
        """Whether someone else the look-ups found (a namesake at the same postcode, scored
        against the customer as more likely another person) is as good an owner of this
        candidate as the customer: the customer must lead by ``margin`` bits."""
        mine = self.prepared(scored.candidate.record, cache)
        bar = scored.waterfall.weight - self.settings.margin
        floor = max(self.threshold, bar)
        for record in others.values():
            found = self.model.reaching(self.prepared(record, cache), mine, floor)
            if found is not None and found[1] > 0 and found[0] > bar:
                return True
        return False

    def _one_person(self, a: tuple[Prepared | None, ...], b: tuple[Prepared | None, ...]) -> bool:
        """Whether two records of one system are one person entered twice. A system holds
        a household (a junior and a senior at one address and phone) more often than one
        person twice, so what a household shares is set aside: the prior and the evidence of
        the person alone must reach the threshold."""
        _, personal = self.model.weigh(a, b)
        return self.model.prior_weight + personal >= self.threshold

    def _settle(
        self, scored: list[Scored], cache: dict[RecordId, tuple[Prepared | None, ...]]
    ) -> list[Scored] | None:
        """One system's passing candidates -> those to link, or None when rivals tie."""
        if len(scored) == 1:
            return scored
        groups: list[list[Scored]] = []
        for item in sorted(scored, key=lambda s: -s.waterfall.weight):
            mine = self.prepared(item.candidate.record, cache)
            for group in groups:
                if any(
                    self._one_person(self.prepared(o.candidate.record, cache), mine) for o in group
                ):
                    group.append(item)
                    break
            else:
                groups.append([item])
        if len(groups) == 1:
            return groups[0]
        first, second = groups[0][0].waterfall.weight, groups[1][0].waterfall.weight
        return groups[0] if first - second >= self.settings.margin else None
