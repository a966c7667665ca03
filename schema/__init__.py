"""The canonical customer-360 GraphQL schema (``schema.build.build_schema``) and the entity
catalogue it rests on."""

from schema.catalogue import CATALOGUE, CanonicalEntity, FieldType

__all__ = ["CATALOGUE", "CanonicalEntity", "FieldType"]
