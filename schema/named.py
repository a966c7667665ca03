"""The schema types that the customer's field declarations name (``type_name`` in
:mod:`gateway.customer_fields`), found by name when ``Customer`` is built.

A record type a built related field lists has ``of(record, view)``; a value type of an
attribute has ``of(value, choice)``. Marking a type ``@named`` makes it available::

    @named
    @strawberry.type(description="An invoice, as the system that billed it holds it.")
    class Invoice:
        ...
"""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["named", "named_type"]

T = TypeVar("T", bound=type[Any])

_NAMED: dict[str, type[Any]] = {}


def named(cls: T) -> T:
    """Make a schema type available by its name to the declarations."""
    _NAMED[cls.__name__] = cls
    return cls


def named_type(name: str) -> type[Any]:
    """The ``@named`` type of that name; LookupError names the ones there are."""
    found = _NAMED.get(name)
    if found is None:
        raise LookupError(f"no @named schema type {name!r} (named: {', '.join(sorted(_NAMED))})")
    return found
