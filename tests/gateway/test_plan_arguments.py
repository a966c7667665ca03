"""A plan's arguments, converted once per field, equal strawberry's own conversion for every
argument of the schema that the plan compiles, and the rest is left to strawberry."""

from __future__ import annotations

import itertools
from typing import Any

from strawberry.scalars import is_scalar
from strawberry.types.arguments import convert_arguments
from strawberry.types.base import StrawberryOptional, has_object_definition

from gateway.plan_arguments import arguments_converter
from schema.build import build_schema

SCHEMA = build_schema()
CONFIG, REGISTRY = SCHEMA.config, SCHEMA.schema_converter.scalar_registry
ABSENT = object()


def samples(type_: Any) -> list[Any]:
    """Coerced GraphQL values of ``type_``: null and absent for optional ones, nested inputs
    with each of their fields given, null or left out."""
    if isinstance(type_, StrawberryOptional):
        return [None, ABSENT, *samples(type_.of_type)]
    if has_object_definition(type_):
        definition = type_.__strawberry_definition__
        names = [CONFIG.name_converter.from_field(field) for field in definition.fields]
        options = [
            samples(field.resolve_type(type_definition=definition)) for field in definition.fields
        ]
        return [
            {name: value for name, value in zip(names, chosen, strict=True) if value is not ABSENT}
            for chosen in itertools.islice(itertools.product(*options), 50)
        ]
    if type_ is int:
        return [3]
    if type_ is bool:
        return [True, False]
    assert is_scalar(type_, REGISTRY), type_
    return ["7"]


def test_every_compiled_argument_converts_as_strawberry_does() -> None:
    compiled = left = 0
    for type_name in ("Query", "Customer", "Mutation"):
        for field in SCHEMA.get_type_by_name(type_name).fields:  # type: ignore[union-attr]
            if not field.arguments:
                continue
            converter = arguments_converter(field.arguments, REGISTRY, CONFIG)
            if converter is None:
                left += 1
                continue
            compiled += 1
            names = [CONFIG.name_converter.from_argument(a) for a in field.arguments]
            options = [samples(a.type) for a in field.arguments]
            for chosen in itertools.islice(itertools.product(*options), 200):
                raw = {n: v for n, v in zip(names, chosen, strict=True) if v is not ABSENT}
                expected = convert_arguments(raw, field.arguments, REGISTRY, CONFIG)
                assert converter(raw) == expected, (type_name, field.python_name, raw)
    # customer(sourceKey: {...}) and the paginated lists are compiled; a list or an enum
    # argument (invalidate's keys, setConsent's channel) is strawberry's to convert
    assert compiled >= 12 and left >= 2
