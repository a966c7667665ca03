from __future__ import annotations

import pytest

from gateway import rules
from gateway.customer_fields import (
    NESTED,
    PERSONAL_TYPES,
    READS,
    Attribute,
    Related,
    identifier,
    plain,
)
from gateway.rules import SurvivorshipSettings
from model.records import Record


def person(**data: str) -> Record:
    return Record("crm", "person", "C-1", {"key": "C-1", **data}, {})


def test_the_documented_custom_attribute_reads_its_field() -> None:
    dealer = Attribute(
        "dealer_ref",
        "The partner dealer most of the customer's records name.",
        reads=("dealer_ref",),
        extract=plain("dealer_ref"),
        rule="most_frequent",
    )
    assert dealer.graphql_name == "dealerRef" and dealer.source_field == "dealer_ref"
    assert dealer.extract(person(dealer_ref=" D-7 "), lambda kind, value: None) == ("D-7", "d-7")
    assert dealer.extract(person(), lambda kind, value: None) is None


def test_an_identifier_is_compared_as_the_identity_rules_normalise_it() -> None:
    extract = identifier("email")
    found = extract(person(email=" Ann@X.com"), lambda kind, value: f"{kind}:{value.strip()}")
    assert found == ("email:Ann@X.com", "email:Ann@X.com")


def test_a_declaration_must_name_fields_and_entities_of_the_catalogue() -> None:
    with pytest.raises(ValueError, match="shoe_size"):
        Attribute("shoe_size", None, ("shoe_size",), plain("shoe_size"))
    with pytest.raises(ValueError, match="invoise"):
        Related("invoices", entity="invoise")
    with pytest.raises(ValueError, match="needs entity, type_name"):
        Related("invoices", entity="invoice", newest="issued_at")


def test_reads_and_personal_types_come_from_the_declarations() -> None:
    assert READS["invoices"] == {"invoice"} and READS["dealers"] == {"vehicle", "dealer"}
    assert NESTED["serviceVisits"] == "service_visit"
    assert {"Customer", "PersonName", "Address", "Consent"} <= PERSONAL_TYPES
    assert "Order" not in PERSONAL_TYPES and "Invoice" not in PERSONAL_TYPES


def test_a_declared_rule_applies_where_the_config_names_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(rules._DECLARED, "birth_date", "most_frequent")
    assert SurvivorshipSettings().rule_for("birth_date").rule == "most_frequent"
    configured = SurvivorshipSettings.model_validate({"attributes": {"birth_date": "priority"}})
    assert configured.rule_for("birth_date").rule == "priority"
    assert SurvivorshipSettings(default="most_frequent").rule_for("email").rule == "most_frequent"
