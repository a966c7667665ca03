"""Every Markdown page: code blocks closed, GraphQL examples valid against the schema."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import parse, validate

from schema.build import build_schema
from tests.docs.blocks import DOCS, ROOT, fenced, fences

_OPENING = re.compile(r"^```[\w-]*( [\w-]+)?$")  # a language, perhaps a kind (```graphql sdl)


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_every_code_block_is_closed(page: Path) -> None:
    opened = None
    for number, line in fences(page):
        line = line.strip()
        if opened is None:
            assert _OPENING.match(line), f"{page.name}:{number}: not an opening fence: {line!r}"
            opened = number
        else:
            assert line == "```", f"{page.name}:{number}: a closing fence holds text: {line!r}"
            opened = None
    assert opened is None, f"{page.name}:{opened}: a code block is never closed"


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_every_schema_and_router_example_parses(page: Path) -> None:
    # ```graphql sdl: a schema; ```graphql router: a query for a supergraph, not c360 alone
    for text in fenced(page, "graphql sdl") + fenced(page, "graphql router"):
        parse(text)


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_every_graphql_example_is_valid(page: Path) -> None:
    schema = build_schema()._schema
    for query in fenced(page, "graphql"):
        errors = validate(schema, parse(query))
        assert not errors, f"{page.relative_to(ROOT)}: {errors[0].message}\n{query}"
