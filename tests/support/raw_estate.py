"""The demo estate's records read straight from its own files and database, not through the
gateway: to check that what provenance names really holds the value shown."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any


class RawEstate:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        crm = json.loads((folder / "crm.json").read_text("utf-8"))["contacts"]
        desk = json.loads((folder / "service_desk.json").read_text("utf-8"))
        dealer = json.loads((folder / "dealer.json").read_text("utf-8"))
        with (folder / "loyalty_members.csv").open(encoding="latin-1", newline="") as f:
            loyalty = {row["LOYALTY_NO"]: row for row in csv.DictReader(f, delimiter=";")}
        self.tables: dict[tuple[str, str], dict[str, Any]] = {
            ("crm", "person"): {c["id"]: c for c in crm},
            ("service_desk", "person"): {r["ContactId"]: r for r in desk["Contact"]["records"]},
            ("service_desk", "ticket"): {r["CaseId"]: r for r in desk["Case"]["records"]},
            ("service_desk", "ticket_note"): {r["NoteId"]: r for r in desk["Note"]["records"]},
            ("loyalty", "person"): loyalty,
            ("loyalty", "loyalty"): loyalty,
            ("dealer", "person"): {o["ownerId"]: o for o in dealer["owners"]},
            ("dealer", "vehicle"): {v["vin"]: v for v in dealer["vehicles"]},
            ("dealer", "dealer"): {d["dealerId"]: d for d in dealer["dealers"]},
            ("dealer_visits", "service_visit"): self._visits(),
        }
        db = sqlite3.connect(folder / "billing.db")
        db.row_factory = sqlite3.Row
        for entity, table, key in (
            ("person", "accounts", "account_no"),
            ("order", "orders", "order_id"),
            ("order_line", "order_lines", "line_id"),
            ("invoice", "invoices", "invoice_no"),
        ):
            self.tables[("billing", entity)] = {
                str(row[key]): dict(row) for row in db.execute(f"SELECT * FROM {table}")
            }
        db.close()

    def _visits(self) -> dict[str, dict[str, str]]:
        spans = {
            "VISIT_ID": (1, 10),
            "VIN": (11, 27),
            "DEALER_ID": (28, 33),
            "VISIT_DATE": (34, 43),
            "MILEAGE": (44, 50),
            "AMOUNT": (51, 60),
            "WORK": (61, 100),
        }
        rows = {}
        for line in (self.folder / "service_visits.txt").read_text("ascii").splitlines()[1:]:
            row = {name: line[a - 1 : b].strip() for name, (a, b) in spans.items()}
            rows[row["VISIT_ID"]] = row
        return rows

    def value(self, source: str, entity: str, key: str, field: str) -> Any:
        """The raw value of one source field (dotted for JSON, ``/`` for XML paths)."""
        row: Any = self.tables[(source, entity)][key]
        for part in field.replace("/", ".").split("."):
            row = row.get(part) if isinstance(row, dict) else None
        return row
