"""The demo estate: one seeded population written into five departmental systems.

``generate(folder, customers=5000, seed=42)`` writes::

    crm.json              Sales CRM (served over REST by demo.services)
    billing.db            Orders and billing (SQLite)
    service_desk.json     Service desk (served over SOAP by demo.services)
    loyalty_members.csv   Marketing and loyalty nightly export (latin-1, ';')
    campaigns.json        Marketing platform's campaign responses (served over GraphQL)
    dealer.json           Dealer management (served over REST, behind an API key)
    service_visits.txt    Dealer service visits, fixed-width export
    ground_truth.jsonl    which records are the same person; the gateway never reads it

The same seed and size give byte-identical files.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from demo.billing import write_billing
from demo.campaigns import write_campaigns
from demo.population import population
from demo.systems import write_crm, write_dealer, write_loyalty, write_service_desk

__all__ = ["DEFAULT_CUSTOMERS", "DEFAULT_SEED", "FILES", "EstateInfo", "generate", "is_generated"]

DEFAULT_CUSTOMERS = 5000
DEFAULT_SEED = 42
FILES = (
    "crm.json",
    "billing.db",
    "service_desk.json",
    "loyalty_members.csv",
    "campaigns.json",
    "dealer.json",
    "service_visits.txt",
    "ground_truth.jsonl",
)
MANIFEST = "estate.json"


@dataclass(frozen=True, slots=True)
class EstateInfo:
    customers: int
    seed: int


def is_generated(folder: Path) -> EstateInfo | None:
    """The estate in ``folder``, if one was completely written there."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not all((folder / name).is_file() for name in FILES):
        return None
    return EstateInfo(int(manifest["customers"]), int(manifest["seed"]))


def generate(
    folder: Path, customers: int = DEFAULT_CUSTOMERS, seed: int = DEFAULT_SEED
) -> EstateInfo:
    if not 1 <= customers <= 1_000_000:
        raise ValueError("customers must be between 1 and 1,000,000")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).unlink(missing_ok=True)
    people = population(random.Random(f"{seed}:people"), customers)
    truth: dict[str, dict[str, list[str]]] = {p.id: {} for p in people}

    def rng(system: str) -> random.Random:
        return random.Random(f"{seed}:{system}")

    write_crm(folder / "crm.json", people, rng("crm"), truth)
    workshop = write_dealer(folder, people, rng("dealer"), truth)
    write_billing(folder / "billing.db", people, rng("billing"), truth, workshop)
    write_service_desk(folder / "service_desk.json", people, rng("service_desk"), truth)
    write_loyalty(folder / "loyalty_members.csv", people, rng("loyalty"), truth)
    write_campaigns(folder / "campaigns.json", rng("campaigns"), truth)
    with (folder / "ground_truth.jsonl").open("w", encoding="utf-8") as out:
        for person_id, records in truth.items():
            out.write(json.dumps({"person": person_id, **records}, sort_keys=True) + "\n")
    info = EstateInfo(customers, seed)
    (folder / MANIFEST).write_text(json.dumps({"customers": customers, "seed": seed}), "utf-8")
    return info
