"""``c360 identity train`` and ``c360 eval-identity --truth``: the identity commands that run on
any config, not only the demo's."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gateway.config import ConfigError, Settings, load_settings
from gateway.evaluation import Outcome, RecordId, TruthError, evaluate_truth, load_clusters
from gateway.identity import IdentityResolver, Match
from gateway.linkage.modelfile import dump_model
from gateway.linkage.training import train
from gateway.runtime import Runtime, batch_settings
from gateway.sources import SourceSet

__all__ = ["eval_truth_command", "train_command"]

MAX_WRITTEN = 2000  # misses or false links written, each


def _settings(path: str, model_file: bool = True) -> Settings | None:
    try:
        return load_settings(path, model_file=model_file)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{len(exc.problems)} problem(s) in {path}", file=sys.stderr)
        return None


def train_command(config: str, version: str | None, seed: int) -> int:
    """Train the model of ``identity.matching`` and write it where the config says."""
    settings = _settings(config, model_file=False)
    if settings is None:
        return 1
    matching = settings.identity.matching
    if matching is None or matching.model is None:
        print(
            f"c360 identity train: {config} has no identity.matching.model naming the file"
            " to write",
            file=sys.stderr,
        )
        return 1
    target = settings.base_dir / matching.model
    name = version or f"{target.stem}-{_stamp()}"

    async def run() -> Any:
        sources = SourceSet.open(settings)
        try:
            return await train(matching, sources, name, seed, settings.name_variants)
        finally:
            await sources.aclose()

    report = asyncio.run(run())
    for line in report.lines():
        print(line)
    if report.model is None:
        print(f"c360 identity train: nothing written to {target}", file=sys.stderr)
        return 1
    partial = target.with_name(target.name + ".partial")
    partial.write_text(dump_model(report.model), encoding="utf-8")
    partial.replace(target)
    print(f"wrote {target} (version {name})")
    return 0


def _stamp() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).strftime("%Y%m%dT%H%MZ")


def eval_truth_command(
    config: str, truth: Path, sample: int | None, seed: int, out: Path | None
) -> int:
    """Resolve every labelled record through the config's sources; print precision, recall
    and F1; write the misses and false links, explained, under ``out``."""
    settings = _settings(config)
    if settings is None:
        return 1
    try:
        clusters = load_clusters(truth)
    except (OSError, TruthError) as exc:
        print(f"c360 eval-identity: {exc}", file=sys.stderr)
        return 1
    outcome, explained = asyncio.run(_evaluate(settings, clusters, sample, seed, out is not None))
    for line in outcome.lines():
        print(line)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for name, lines in explained.items():
            (out / name).write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        counts = " and ".join(f"{len(lines)} {n}" for n, lines in explained.items())
        print(f"wrote {counts} to {out}")
    return 0


async def _evaluate(
    settings: Settings,
    clusters: list[set[RecordId]],
    sample: int | None,
    seed: int,
    explain: bool,
) -> tuple[Outcome, dict[str, list[str]]]:
    async with Runtime(batch_settings(settings)) as runtime:

        def resolver() -> IdentityResolver:
            return runtime.context().resolver  # one "request" per resolution

        outcome = await evaluate_truth(clusters, resolver, sample, seed)
        explained: dict[str, list[str]] = {}
        if explain:
            misses = sorted(outcome.true_pairs - outcome.predicted)[:MAX_WRITTEN]
            false = sorted(outcome.predicted - outcome.true_pairs)[:MAX_WRITTEN]
            explained["misses.jsonl"] = await _explain(misses, settings, runtime, outcome)
            explained["false_links.jsonl"] = await _explain(false, settings, runtime, outcome)
        return outcome, explained


async def _explain(
    pairs: Iterable[tuple[RecordId, RecordId]],
    settings: Settings,
    runtime: Runtime,
    outcome: Outcome,
) -> list[str]:
    """One JSON line per pair: how each side was linked, and what the model makes of it."""
    batcher = runtime.context().batcher
    model = settings.match_model
    lines = []
    for a, b in pairs:
        entry: dict[str, Any] = {"a": f"{a[0]}:{a[1]}", "b": f"{b[0]}:{b[1]}"}
        for side, rid in (("linked_a_by", a), ("linked_b_by", b)):
            match = outcome.matches.get(rid)
            if match is not None:
                entry[side] = _match(match)
        if model is not None:
            found = [await batcher.fetch(s, "person", "key", [k]) for s, k in (a, b)]
            if all(f and f[0] for f in found):
                first, second = (f[0][0].data for f in found)
                waterfall = model.score(model.prepare(first), model.prepare(second))
                entry["model"] = waterfall.describe()
        lines.append(json.dumps(entry, ensure_ascii=False))
    return lines


def _match(match: Match) -> dict[str, Any]:
    found: dict[str, Any] = {"rule": match.rule}
    if match.identifier:
        found["identifier"], found["value"] = match.identifier, match.value
    if match.via:
        found["via"] = f"{match.via[0]}:{match.via[1]}"
    if match.waterfall is not None:
        found["waterfall"] = match.waterfall.describe()
    return found
