"""Request bodies that are not one GraphQL request: each must get a 400 GraphQL error."""

from __future__ import annotations

__all__ = ["BAD_BODIES", "QUERY"]

# the start of a valid body, completed or broken by each case
QUERY = b'{"query": "{ __typename }"'

BAD_BODIES = {
    "number": b"1",
    "string": b'"x"',
    "null": b"null",
    "true": b"true",
    "batch": b'[{"query": "{ __typename }"}]',
    "broken-utf8": b'{"query": "{ __typ\xff\xfeename }"}',
    "utf8-surrogate": b'{"query": "\xed\xa0\x80"}',
    "lone-high-surrogate": b'{"query": "{ __typename }", "variables": {"a": "\\ud800"}}',
    "lone-low-surrogate": b'{"query": "\\udc00"}',
    "deep-variables": QUERY + b', "variables": {"a": ' + b"[" * 500 + b"]" * 500 + b"}}",
    "deeper-than-json": b"[" * 5000 + b"]" * 5000,
    "truncated": QUERY,
}
