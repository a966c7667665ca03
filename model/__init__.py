"""The bottom layer: what every other package speaks of, importing nothing of ours.

The entity catalogue, the record of a source, times and JSON forms of values.
"""

from model.catalogue import CATALOGUE, CanonicalEntity, FieldType, entity_names
from model.jsonable import jsonable
from model.records import Record
from model.timestamps import age_seconds, iso_utc, parse_timestamp

__all__ = [
    "CATALOGUE",
    "CanonicalEntity",
    "FieldType",
    "Record",
    "age_seconds",
    "entity_names",
    "iso_utc",
    "jsonable",
    "parse_timestamp",
]
