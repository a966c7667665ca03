"""The customer's fields, each declared once.

A customer has **attributes**, settled by survivorship among the person records linked to them
(``email``, ``name``), and **related fields**, listing records of other entities that belong to
them in any system (``orders``). Each is one declaration below, and everything that must stay
in step with them is derived from the declarations:

- survivorship: which attributes there are and each one's default rule (:mod:`gateway.rules`);
- the candidates of an attribute on each person record (:class:`gateway.customer.CustomerView`);
- prefetch: the entities a selection of the customer reads (:data:`READS`, :data:`NESTED`);
- provenance: the source field an attribute names, and which attributes are identifiers whose
  differently written values are listed (:mod:`gateway.provenance`);
- audit and masks: the GraphQL types that hold personal data (:data:`PERSONAL_TYPES`);
- the GraphQL fields of ``Customer`` themselves (:mod:`schema.customer` builds them);
- write-back: the person fields a new value of an attribute is written as (``writes``), so
  a mutation finds the linked records that hold them (:mod:`gateway.writeback`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from gateway.names import name_of, normalize_name
from gateway.voting import ADDRESS_LIKENESS, EXACT, NAME_LIKENESS, Likeness
from model.catalogue import CATALOGUE
from model.records import Record
from model.timestamps import parse_timestamp

__all__ = [
    "ADDRESS_FIELDS",
    "ATTRIBUTES",
    "IDENTIFIER_FIELDS",
    "NESTED",
    "PERSONAL_TYPES",
    "READS",
    "RELATED",
    "WRITABLE",
    "AddressValue",
    "Attribute",
    "Related",
    "attribute",
    "camel",
    "field_of",
    "identifier",
    "plain",
]

Normalize = Callable[[str, Any], "str | None"]
"""The identity rules' normaliser of an identifier: ``normalize("email", " Ann@X.com")``."""

Extract = Callable[[Record, Normalize], "tuple[Any, Hashable] | None"]
"""An attribute read off one person record: (the value shown, a form two records agree on when
equal), or None where the record holds none."""

Writes = Callable[[Any], "Mapping[str, Any]"]
"""A new value of an attribute as the canonical person fields it is written to:
``{"phone": "+12176702732"}``; a field mapped to None is cleared."""


def camel(name: str) -> str:
    """A Python name as GraphQL spells it: ``birth_date`` -> ``birthDate``."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True, slots=True)
class Attribute:
    """One attribute of a customer, settled by survivorship among the linked person records.

    ``reads`` are the person fields (of the catalogue) it is made of; the first is the field its
    provenance names. ``extract`` reads it off one record. The GraphQL field ``Customer.<camel
    case of name>`` shows the value as ``scalar``, or built by the schema type ``type_name``
    (``PersonName.of(value, choice)``). ``rule`` is its survivorship rule where the config names
    none (None: the config's ``default``). ``identifier``: normalised by the identity rules, so
    values only written differently are listed beside the winner (and a new value is refused
    unless they accept it). ``personal``: its type holds personal data (the customer's own
    fields always do). ``writes``: how a new value is written back, as person fields (None:
    not changed through c360).

    A custom attribute is one more entry of :data:`ATTRIBUTES`; the partner dealer a customer
    belongs to, the value most of their records hold winning::

        Attribute(
            "dealer_ref",
            "The partner dealer most of the customer's records name.",
            reads=("dealer_ref",),
            extract=plain("dealer_ref"),
            rule="most_frequent",
        )
    """

    name: str
    description: str | None
    reads: tuple[str, ...]
    extract: Extract
    scalar: type = str
    type_name: str | None = None
    rule: str | None = None
    personal: bool = True
    identifier: bool = False
    likeness: Likeness = EXACT
    writes: Writes | None = None

    def __post_init__(self) -> None:
        person = CATALOGUE["person"]
        unknown = [f for f in self.reads if not person.has_field(f)]
        if not self.reads or unknown:
            raise ValueError(f"attribute {self.name!r} reads no person field {unknown or ''}")

    @property
    def graphql_name(self) -> str:
        return camel(self.name)

    @property
    def source_field(self) -> str:
        """The canonical field its provenance names."""
        return self.reads[0]


@dataclass(frozen=True, slots=True)
class Related:
    """One field of a customer listing records of another entity that belong to them, from every
    system holding such records (``belongs_to`` in the config ties them to the person records).

    ``entity`` is what the field lists; ``reads`` every entity resolving it reads (its
    ``entity`` unless said otherwise: the timeline reads six); ``nested`` maps fields of its
    items to the child entities they read (an order's ``lines``). A query selecting the field
    fetches these while identity resolution still runs. ``type_name`` is the schema type of an
    item; ``personal`` marks it as holding personal data.

    With ``newest`` (a field of the item type) the schema builds the field itself: a connection
    of the records, newest first, with ``first``, ``after`` and ``maxAge``, null when every
    system serving them failed. Invoices::

        Related(
            "invoices",
            "Invoices from every system that bills, newest first.",
            entity="invoice",
            type_name="Invoice",
            newest="issued_at",
        )

    Without ``newest`` the field is written by hand in :mod:`schema.customer`.
    """

    name: str
    description: str | None = None
    entity: str | None = None
    type_name: str | None = None
    newest: str | None = None
    reads: frozenset[str] = frozenset()
    nested: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    personal: bool = False

    def __post_init__(self) -> None:
        if not self.reads and self.entity is not None:
            object.__setattr__(self, "reads", frozenset({self.entity}))
        unknown = sorted((self.reads | set(self.nested.values())) - set(CATALOGUE))
        if unknown:
            raise ValueError(f"related field {self.name!r} reads unknown entities {unknown}")
        if self.newest is not None and (self.entity is None or self.type_name is None):
            raise ValueError(f"related field {self.name!r} is built: it needs entity, type_name")

    @property
    def graphql_name(self) -> str:
        return camel(self.name)

    @property
    def built(self) -> bool:
        """Whether the schema builds the field from this declaration."""
        return self.newest is not None


# attributes -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddressValue:
    line1: str | None
    line2: str | None
    city: str | None
    postcode: str | None
    region: str | None
    country: str | None


ADDRESS_FIELDS = ("address_line1", "address_line2", "city", "postcode", "region", "country")


def identifier(kind: str) -> Extract:
    """An identifier, normalised by the identity rules of ``kind``."""

    def extract(record: Record, normalize: Normalize) -> tuple[Any, Hashable] | None:
        value = normalize(kind, record.data.get(kind))
        return (value, value) if value else None

    return extract


def plain(name: str) -> Extract:
    """A field as its record holds it, as text; records agree when it is equal, case aside."""

    def extract(record: Record, normalize: Normalize) -> tuple[Any, Hashable] | None:
        value = record.data.get(name)
        if value is None or str(value).strip() == "":
            return None
        text = str(value).strip()
        return text, text.casefold()

    return extract


def field_of(name: str) -> Writes:
    """A value written to one person field as it is."""
    return lambda value: {name: value}


def _address_fields(value: Any) -> Mapping[str, Any]:
    parts = (value.line1, value.line2, value.city, value.postcode, value.region, value.country)
    return dict(zip(ADDRESS_FIELDS, parts, strict=True))


def _name(record: Record, normalize: Normalize) -> tuple[Any, Hashable] | None:
    name = name_of(record.data)
    if name is None:
        return None
    return name, (normalize_name(name.given or ""), normalize_name(name.family or ""))


def _address(record: Record, normalize: Normalize) -> tuple[Any, Hashable] | None:
    parts = [record.data.get(f) for f in ADDRESS_FIELDS]
    if not (parts[0] or parts[2]):
        return None
    address = AddressValue(*(str(p) if p is not None else None for p in parts))
    comparable = (normalize_name(address.line1 or ""), (address.postcode or "").strip())
    return address, comparable


def _birth_date(record: Record, normalize: Normalize) -> tuple[Any, Hashable] | None:
    value = record.data.get("birth_date")
    if isinstance(value, date):
        return value, value
    stamp = parse_timestamp(value)
    return (stamp.date(), stamp.date()) if stamp else None


ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute(
        "name",
        None,
        ("given_name", "family_name", "full_name"),
        _name,
        type_name="PersonName",
        likeness=NAME_LIKENESS,
    ),
    Attribute(
        "email",
        "The surviving email, normalised (trimmed, lower case).",
        ("email",),
        identifier("email"),
        identifier=True,
        writes=field_of("email"),
    ),
    Attribute(
        "phone",
        "The surviving phone number, in E.164.",
        ("phone",),
        identifier("phone"),
        identifier=True,
        writes=field_of("phone"),
    ),
    Attribute(
        "address",
        None,
        ADDRESS_FIELDS,
        _address,
        type_name="Address",
        likeness=ADDRESS_LIKENESS,
        writes=_address_fields,
    ),
    Attribute("birth_date", None, ("birth_date",), _birth_date, scalar=date),
)

# related fields -----------------------------------------------------------------------------

RELATED: tuple[Related, ...] = (
    Related(
        "orders",
        "Orders from every system that sells, newest first.",
        entity="order",
        type_name="Order",
        newest="placed_at",
        nested={"lines": "order_line"},
    ),
    Related(
        "invoices",
        "Invoices from every system that bills, newest first.",
        entity="invoice",
        type_name="Invoice",
        newest="issued_at",
    ),
    Related("tickets", entity="ticket", type_name="Ticket", nested={"notes": "ticket_note"}),
    Related("loyalty", entity="loyalty", type_name="Loyalty"),
    Related("consents", entity="loyalty", type_name="Consent", personal=True),
    Related(
        "campaign_responses",
        "Responses to marketing campaigns, newest first.",
        entity="campaign_response",
        type_name="CampaignResponse",
        newest="sent_at",
    ),
    Related(
        "vehicles",
        entity="vehicle",
        type_name="Vehicle",
        nested={"service_visits": "service_visit"},
    ),
    Related("dealers", type_name="Dealer", reads=frozenset({"vehicle", "dealer"})),
    Related(
        "timeline",
        type_name="TimelineEvent",
        reads=frozenset({"order", "ticket", "ticket_note", "loyalty", "vehicle", "service_visit"}),
    ),
)

# derived ----------------------------------------------------------------------------------

_ATTRIBUTE = {a.name: a for a in ATTRIBUTES}


def attribute(name: str) -> Attribute:
    """The declaration of one attribute; KeyError for a name no attribute has."""
    return _ATTRIBUTE[name]


READS: Mapping[str, frozenset[str]] = MappingProxyType({r.graphql_name: r.reads for r in RELATED})
"""GraphQL field of the customer -> the related entities resolving it reads."""

NESTED: Mapping[str, str] = MappingProxyType(
    {camel(name): entity for r in RELATED for name, entity in r.nested.items()}
)
"""GraphQL field of a related item -> the child entity it reads."""

IDENTIFIER_FIELDS = frozenset(a.source_field for a in ATTRIBUTES if a.identifier)

WRITABLE: tuple[Attribute, ...] = tuple(a for a in ATTRIBUTES if a.writes is not None)
"""The attributes a mutation may change, each written to the linked records holding it."""

# Types holding personal data besides the attributes' and related fields': every value of an
# identifier (emails, phones), raw source records, provenance with its rival values, and the
# identifier values records were linked by.
_ALSO_PERSONAL = (
    "ContactPoint",
    "CustomerIdentifier",
    "SourceRecord",
    "RecordField",
    "FieldProvenance",
    "ConflictInfo",
    "MatchInfo",
)

PERSONAL_TYPES = frozenset(
    {
        "Customer",
        *(a.type_name for a in ATTRIBUTES if a.personal and a.type_name),
        *(r.type_name for r in RELATED if r.personal and r.type_name),
        *_ALSO_PERSONAL,
    }
)
"""The GraphQL types whose fields are personal data: audited when returned, maskable."""
