"""Bytes of the whole-customer answer with and without compression, and what compressing costs.

    python bench/compression.py [customers]

Starts ``c360 demo`` (its own estate and ports) and asks the whole-customer query over GET for
N customers (the CRM's first N contacts), once per ``Accept-Encoding``: none, gzip and br. Prints
the answers' bytes on the wire (median and total) and the ratio to the uncompressed answer, then
the CPU time of compressing those answers in this process at the gateway's default levels.
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
import time

import brotli
import httpx
from _demo import running_demo

QUERY = """query ($key: String!) { customer(sourceKey: {source: "crm", key: $key}) {
  id name { full } email phone address { city } identities { source key }
  orders(first: 10) { totalCount edges { node { number total lines { sku } } } }
  tickets { number status notes { body } } loyalty { tier points } consents { channel granted }
  vehicles { vin serviceVisits { visitedAt } } dealers { name }
  timeline(first: 20) { totalCount edges { node { at kind } } } } }"""

ENCODINGS = ("identity", "gzip", "br")


DECODE = {"identity": lambda b: b, "gzip": gzip.decompress, "br": brotli.decompress}


def wire_bytes(client: httpx.Client, url: str, key: str, encoding: str) -> tuple[int, bytes]:
    """The answer's bytes on the wire, and the answer itself."""
    params = {"query": QUERY, "variables": json.dumps({"key": key})}
    with client.stream("GET", url, params=params, headers={"accept-encoding": encoding}) as r:
        raw = b"".join(r.iter_raw())
        used = r.headers.get("content-encoding", "identity")
        assert used == encoding or len(raw) < 1024, r.headers  # below the size: as it is
    return len(raw), DECODE[used](raw)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    sizes: dict[str, list[int]] = {e: [] for e in ENCODINGS}
    ratios: dict[str, list[float]] = {e: [] for e in ENCODINGS}
    bodies: list[bytes] = []
    with (
        running_demo(18200, 18301) as (url, estate),
        httpx.Client(timeout=60) as client,
    ):
        contacts = json.loads((estate / "crm.json").read_text())["contacts"]
        for contact in contacts[:count]:
            for encoding in ENCODINGS:
                size, answer = wire_bytes(client, url, contact["id"], encoding)
                sizes[encoding].append(size)
                ratios[encoding].append(len(answer) / size)
                if encoding == "identity":
                    bodies.append(answer)
    print(f"{count} whole-customer answers over GET")
    for encoding in ENCODINGS:
        got, by = sizes[encoding], ratios[encoding]
        print(
            f"  {encoding:8} median {statistics.median(got):7.0f} B  total {sum(got):8d} B  "
            f"smaller by x{statistics.median(by):.2f} (median), x{min(by):.2f} (least)"
        )
    large = [b for b in bodies if len(b) >= 1024]
    print(f"  {len(bodies) - len(large)} of {len(bodies)} answers under 1 KB: sent as they are")
    for name, coder in (
        ("gzip -6", lambda b: gzip.compress(b, compresslevel=6, mtime=0)),
        ("br q5", lambda b: brotli.compress(b, quality=5)),
    ):
        started = time.process_time()
        for _ in range(20):
            for body in large:
                coder(body)
        per = (time.process_time() - started) / (20 * len(large)) * 1e6
        print(f"  {name}: {per:.0f} us CPU per answer ({len(large)} answers of 1 KB or more)")


if __name__ == "__main__":
    main()
