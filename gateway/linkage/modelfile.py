"""The model file: a trained model, readable and versioned, that the config names.

::

    format: c360-identity-model/1
    version: febrl3-20261123T0740Z       # named by provenance on every link it made
    trained: {at: "2026-11-23T07:40:00Z", records: 5000, candidate_pairs: 61234}
    prior: 0.061                          # a candidate pair is one person this often
    comparisons:
      family_name:
        levels:                           # m: one person; u: two people
          exact: {m: 0.8812, u: 0.00091}
          else: {m: 0.0203, u: 0.9816}
        term_frequencies: {smith: 0.0121}

A file that is missing, malformed, of another format, or whose comparisons and levels are
not those of the config is refused with its file, line and key path.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from gateway._yaml import KeyPath, Located, load_yaml
from gateway.linkage.comparisons import Comparison
from gateway.linkage.model import FORMAT, ComparisonModel, LevelParameters, MatchModel

__all__ = ["dump_model", "parse_model"]


def dump_model(model: MatchModel) -> str:
    """The model as YAML text: one line per level, levels in their order, numbers to six
    significant digits."""
    head = {
        "format": FORMAT,
        "version": model.version,
        "trained": dict(model.trained),
        "prior": _round(model.prior),
    }
    lines = ["# c360 identity model: m = P(level | one person), u = P(level | two people)"]
    lines += yaml.safe_dump(head, sort_keys=False, width=100).splitlines()
    lines.append("comparisons:")
    for c in model.comparisons:
        lines += [f"  {_key(c.comparison.name)}:", "    levels:"]
        for label, p in zip(c.comparison.levels, c.levels, strict=True):
            lines.append(f"      {_key(label)}: {{m: {_number(p.m)}, u: {_number(p.u)}}}")
        if c.term_frequencies:
            lines.append("    term_frequencies:")
            for value, share in c.term_frequencies.items():
                lines.append(f"      {_key(value)}: {_number(share)}")
    return "\n".join(lines) + "\n"


def _key(text: str) -> str:
    """A mapping key as YAML reads it back: plain where safe, else double-quoted."""
    if text.replace("_", "").isalnum() and text.isascii() and not text[:1].isdigit():
        return text
    return json.dumps(text, ensure_ascii=False)


def _round(value: float) -> float:
    return float(f"{value:.5g}")


def _number(value: float) -> str:
    """Six significant digits, written so that YAML reads a float (``1.0e-06``, not ``1e-06``)."""
    text = f"{value:.6g}"
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa if '.' in mantissa else mantissa + '.0'}e{exponent}" if e else text


def parse_model(
    text: str, comparisons: Sequence[Comparison]
) -> tuple[MatchModel | None, list[Located]]:
    """The model in ``text`` for the config's ``comparisons``, or the problems found."""
    loaded = load_yaml(text, {})
    problems = list(loaded.problems)
    if problems:
        return None, problems
    document = loaded.value

    def problem(path: KeyPath, message: str) -> None:
        problems.append(Located(path, loaded.line_of(path), message))

    if not isinstance(document, dict):
        problem((), f"a model file is a mapping starting with `format: {FORMAT}`")
        return None, problems
    if document.get("format") != FORMAT:
        problem(("format",), f"is {document.get('format')!r}; this gateway reads {FORMAT!r}")
        return None, problems
    version = document.get("version")
    if not isinstance(version, str | int) or not str(version).strip():
        problem(("version",), "required: a name for this model, e.g. `crm-2026-11-23`")
    prior = _probability(document.get("prior"), ("prior",), problem)
    given = document.get("comparisons")
    if not isinstance(given, dict):
        problem(("comparisons",), "required: a mapping of comparison name to its levels")
        return None, problems
    wanted = {c.name: c for c in comparisons}
    for name in given:
        if name not in wanted:
            problem(("comparisons", name), "the config declares no comparison of this name")
    found = []
    for comparison in comparisons:
        at: KeyPath = ("comparisons", comparison.name)
        block = given.get(comparison.name)
        if not isinstance(block, dict):
            problem(at if block is not None else ("comparisons",), f"lacks {comparison.name!r}")
            continue
        levels = _levels(block.get("levels"), comparison, (*at, "levels"), problem)
        frequencies = _frequencies(
            block.get("term_frequencies", {}), (*at, "term_frequencies"), problem
        )
        if levels is not None and frequencies is not None:
            found.append(ComparisonModel(comparison, levels, frequencies))
    if problems or prior is None:
        return None, problems
    trained = document.get("trained")
    return MatchModel(
        tuple(found), prior, str(version), trained if isinstance(trained, dict) else {}
    ), []


def _probability(value: Any, at: KeyPath, problem: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1:
        return float(value)
    problem(at, f"must be a probability between 0 and 1 (exclusive), not {value!r}")
    return None


def _levels(
    block: Any, comparison: Comparison, at: KeyPath, problem: Any
) -> tuple[LevelParameters, ...] | None:
    if not isinstance(block, dict):
        problem(at, "required: each level with its m and u")
        return None
    if list(block) != list(comparison.levels):
        problem(
            at,
            f"levels {', '.join(map(str, block))} are not the config's"
            f" ({', '.join(comparison.levels)})",
        )
        return None
    found = []
    for label, params in block.items():
        if not isinstance(params, dict):
            problem((*at, label), "needs {m: ..., u: ...}")
            return None
        m = _probability(params.get("m"), (*at, label, "m"), problem)
        u = _probability(params.get("u"), (*at, label, "u"), problem)
        if m is None or u is None:
            return None
        found.append(LevelParameters(m, u))
    return tuple(found)


def _frequencies(block: Any, at: KeyPath, problem: Any) -> Mapping[str, float] | None:
    if not isinstance(block, dict):
        problem(at, "must map values to their frequencies")
        return None
    found = {}
    for value, frequency in block.items():
        share = _probability(frequency, (*at, value), problem)
        if share is None:
            return None
        found[str(value)] = share
    return found
