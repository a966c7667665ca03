"""``c360 check --probe``: read the first rows of each source and try its declared formats.

A config can be valid and still wrong about its data: ``birth_date: "%d/%m/%Y"`` on a system
that writes ``1984-03-07`` reads nothing, and every birth date is left out of matching. The
probe reads a sample of each entity that declares ``parse:`` (the first ``rows`` records,
where its kind can list records: SQL and export files) and reports each declared field whose
values cannot be read, with where the declaration is written::

    c360.yaml:14: sources.desk.entities.person.parse.birth_date: 20 of the first 20 values
    cannot be read as declared (written like 9999-99-99)

Values are never printed, only their shape (digits as 9, letters as A).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.errors import SourceError
from connectors.parsing import readable
from gateway.config import ConfigProblem, Settings
from gateway.sources import SourceSet

__all__ = ["ProbeReport", "probe"]


@dataclass(slots=True)
class ProbeReport:
    problems: list[ConfigProblem]
    fields: int = 0  # declared fields probed
    values: int = 0  # values read


def shape(value: Any) -> str:
    """How a value is written, without what it says: ``07/03/1984`` -> ``99/99/9999``."""
    text = re.sub(r"[^\W\d_]", "A", re.sub(r"\d", "9", str(value)))
    return text if len(text) <= 40 else text[:40] + "..."


async def probe(
    settings: Settings, rows: int = 20, lines: Mapping[tuple[Any, ...], int] | None = None
) -> ProbeReport:
    """Try every ``parse:`` declaration on the first ``rows`` records of its source."""
    report = ProbeReport([])
    sources = SourceSet.open(settings)
    try:
        for name, source in settings.sources.items():
            connector = sources[name]
            for entity, config in source.config.entities.items():
                if not config.parse:
                    continue
                at: tuple[str | int, ...] = ("sources", name, "entities", entity, "parse")
                try:
                    sample = await connector.raw_sample(entity, rows)
                except SourceError as exc:
                    report.problems.append(
                        _problem(settings, at, f"cannot read a sample: {exc.detail}", lines)
                    )
                    continue
                if sample is None:
                    continue  # a kind that cannot list records (REST, SOAP)
                for field, declared in config.parse.items():
                    values = [row[field] for row in sample if row.get(field) not in (None, "")]
                    failing = [v for v in values if not readable(declared, v)]
                    report.fields += 1
                    report.values += len(values)
                    if failing:
                        message = (
                            f"{len(failing)} of the first {len(values)} values cannot be read as"
                            f" declared (written like {shape(failing[0])})"
                        )
                        report.problems.append(_problem(settings, (*at, field), message, lines))
    finally:
        await sources.aclose()
    return report


def _problem(
    settings: Settings,
    path: tuple[str | int, ...],
    message: str,
    lines: Mapping[tuple[Any, ...], int] | None,
) -> ConfigProblem:
    line = 1
    if lines:
        for end in range(len(path), -1, -1):
            if path[:end] in lines:
                line = lines[path[:end]]
                break
    return ConfigProblem(str(settings.path), line, ".".join(map(str, path)), message)
