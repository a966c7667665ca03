"""Hostile YAML: each is one clear file:line problem, found in bounded time and memory."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from gateway._yaml import MAX_DEPTH, MAX_VALUES, load_yaml
from gateway.config import ConfigError, parse_settings

ALIAS_BOMB = """\
a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
sources: {}
"""

MERGE_BOMB = "a0: &a0 {k0: 1, k1: 2}\n" + "".join(
    f"a{n}: &a{n} {{<<: [*a{n - 1}, *a{n - 1}, *a{n - 1}], k{n + 1}: {n}}}\n" for n in range(1, 40)
)


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_settings(text, path=Path("c360.yaml"), environ={})
    return [str(p) for p in caught.value.problems]


def peak_bytes(text: str) -> int:
    tracemalloc.start()
    try:
        load_yaml(text, {})
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_alias_bomb_is_cut_off() -> None:
    assert problems(ALIAS_BOMB) == [
        f"c360.yaml:5: e: expands to more than {MAX_VALUES:,} values (aliases within aliases?)"
    ]
    assert peak_bytes(ALIAS_BOMB) < 50_000_000


def test_a_merge_bomb_is_cut_off() -> None:
    [problem] = problems(MERGE_BOMB)
    assert problem.endswith(f"expands to more than {MAX_VALUES:,} values (aliases within aliases?)")


def test_a_self_referencing_anchor() -> None:
    text = "sources: &s\n  crm:\n    kind: rest\n    entities: *s\n"
    assert "c360.yaml:4: sources.crm.entities: refers to itself (anchor &s)" in problems(text)
    loaded = load_yaml("a: &a [1, *a]\n", {})
    assert loaded.value == {"a": [1, None]}
    assert [p.message for p in loaded.problems] == ["refers to itself (anchor &a)"]


def test_a_deep_list() -> None:
    text = "sources:\n  crm: " + "[" * 20_000 + "]" * 20_000 + "\n"
    assert problems(text) == [f"c360.yaml:2: not valid YAML: nests deeper than {MAX_DEPTH} levels"]


def test_merge_keys_still_merge() -> None:
    loaded = load_yaml(
        "base: &base {timeout: 2s, kind: rest}\n"
        "crm:\n  <<: *base\n  timeout: 5s\n"
        "both: {<<: [{a: 1}, {a: 2, b: 2}], c: 3}\n",
        {},
    )
    assert not loaded.problems
    assert loaded.value["crm"] == {"timeout": "5s", "kind": "rest"}
    assert loaded.value["both"] == {"a": 1, "b": 2, "c": 3}
    assert loaded.line_of(("crm", "timeout")) == 4


def test_deep_flow_nesting_is_refused_before_parsing() -> None:
    text = "sources:\n  crm: {a: " + "[ " * 65 + "]" * 65 + "}\n"
    assert [(p.line, p.message) for p in load_yaml(text, {}).problems] == [
        (2, f"not valid YAML: nests deeper than {MAX_DEPTH} levels")
    ]
    shallow = "sources:\n  crm: {a: " + "[" * 60 + "]" * 60 + "}\n"
    assert load_yaml(shallow, {}).problems == []
