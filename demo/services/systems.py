"""The four served systems of the demo estate, built from its data files."""

from __future__ import annotations

import json
from pathlib import Path

from starlette.applications import Starlette

from demo.services.graphql import marketing_service
from demo.services.instruments import Instruments
from demo.services.rest import Collection, rest_service
from demo.services.soap import SoapCollection, soap_service

DEFAULT_PORTS = {"crm": 9101, "service_desk": 9102, "dealer": 9103, "campaigns": 9104}
DEFAULT_DEALER_KEY = "demo-dealer-key"


def crm(data: Path, instruments: Instruments) -> Starlette:
    document = json.loads((data / "crm.json").read_text("utf-8"))
    contacts = Collection(
        "contacts",
        "id",
        document["contacts"],
        lookups={
            "email": ("emailAddress", "email"),
            "phone": ("phoneNumber", "phone"),
            "postcode": ("address.postalCode", "exact"),
        },
        search=("firstName", "lastName", "emailAddress", "phoneNumber"),
        version="lastModified",
    )
    return rest_service([contacts], instruments)


def service_desk(data: Path, instruments: Instruments) -> Starlette:
    document = json.loads((data / "service_desk.json").read_text("utf-8"))
    versions = {"Contact": "Modified"}  # the desk lets agents edit contacts, not cases
    collections = [
        SoapCollection(
            name, spec["plural"], spec["key"], spec["records"], spec["lookups"], versions.get(name)
        )
        for name, spec in document.items()
    ]
    return soap_service(collections, instruments)


def dealer(data: Path, instruments: Instruments, api_key: str = DEFAULT_DEALER_KEY) -> Starlette:
    document = json.loads((data / "dealer.json").read_text("utf-8"))
    collections = [
        Collection("dealers", "dealerId", document["dealers"]),
        Collection(
            "owners",
            "ownerId",
            document["owners"],
            lookups={
                "phone": ("phone", "phone"),
                "name": ("name", "name"),
                "postcode": ("postcode", "exact"),
            },
            parents={"dealers": "dealerId"},
            version="updatedAt",
        ),
        Collection(
            "vehicles",
            "vin",
            document["vehicles"],
            parents={"owners": "ownerId", "dealers": "dealerId"},
        ),
    ]
    return rest_service(collections, instruments, api_key=api_key)


def campaigns(data: Path, instruments: Instruments) -> Starlette:
    document = json.loads((data / "campaigns.json").read_text("utf-8"))
    return marketing_service(document, instruments)


SERVICES = {"crm": crm, "service_desk": service_desk, "dealer": dealer, "campaigns": campaigns}
