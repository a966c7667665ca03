"""The canonical customer-360 GraphQL schema and the entity catalogue it rests on."""

from schema.build import build_schema
from schema.catalogue import CATALOGUE, CanonicalEntity, FieldType

__all__ = ["CATALOGUE", "CanonicalEntity", "FieldType", "build_schema"]
