"""A field's arguments converted as strawberry converts them, with the walk over their types
done once, when a plan is compiled, instead of on every request.

strawberry's ``convert_arguments`` looks at each argument's annotation again for every call
(optional or not, list, scalar, enum, input type, its fields and their GraphQL names). A plan
asks the same questions of the same field each time, so here they are answered once and the
answer is a small function per argument. Only what is plainly equivalent is compiled:
scalars, optional values and input types (without ``from_input``) made of those. Anything
else (lists, enums, ``Maybe``, global ids, lazy types) gives None, and the plan calls
strawberry's own conversion; the equivalence check of plans (tests/support/plan_check.py)
compares both over the test suite's requests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import MISSING
from typing import Any

from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.schema.config import StrawberryConfig
from strawberry.types.arguments import StrawberryArgument
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryOptional,
    has_object_definition,
)
from strawberry.types.enum import has_enum_definition
from strawberry.types.unset import UNSET

__all__ = ["Convert", "arguments_converter"]

Convert = Callable[[Any], Any]
_Arguments = Callable[[Mapping[str, Any]], dict[str, Any]]


def arguments_converter(
    arguments: Sequence[StrawberryArgument],
    registry: Mapping[object, Any],
    config: StrawberryConfig,
) -> _Arguments | None:
    """The field's coerced GraphQL arguments (by GraphQL name) to the resolver's keyword
    arguments; None when one of them is of a kind not compiled here."""
    steps = []
    for argument in arguments:
        convert = _converter(argument.type, registry, config)
        if convert is None or argument.python_name is None:
            return None
        steps.append((config.name_converter.from_argument(argument), argument.python_name, convert))

    def converted(raw: Mapping[str, Any]) -> dict[str, Any]:
        return {python: convert(raw[name]) for name, python, convert in steps if name in raw}

    return converted


def _same(value: Any) -> Any:
    return value


def _converter(
    type_: Any, registry: Mapping[object, Any], config: StrawberryConfig
) -> Convert | None:
    if isinstance(type_, (StrawberryMaybe, StrawberryList)):  # Maybe before Optional
        return None
    if isinstance(type_, StrawberryOptional):
        return _converter(type_.of_type, registry, config)
    if type_ is GlobalID or has_enum_definition(type_):
        return None
    if is_scalar(type_, registry):
        return _same
    if has_object_definition(type_):
        return _input_converter(type_, registry, config)
    return None


def _input_converter(
    type_: Any, registry: Mapping[object, Any], config: StrawberryConfig
) -> Convert | None:
    definition = type_.__strawberry_definition__
    if not definition.is_input or definition.from_input is not None:
        return None
    # as strawberry does: a field without a default is None unless the value gives it
    implicit = {
        field.python_name: None
        for field in definition.fields
        if field.default_value is MISSING and field.default_factory is MISSING
    }
    fields = []
    for field in definition.fields:
        convert = _converter(field.resolve_type(type_definition=definition), registry, config)
        if convert is None:
            return None
        fields.append((config.name_converter.from_field(field), field.python_name, convert))

    def build(value: Any) -> Any:
        if value is None or value is UNSET:
            return value
        kwargs = dict(implicit)
        for name, python, convert in fields:
            if name in value:
                kwargs[python] = convert(value[name])
        return type_(**kwargs)

    return build
