"""How long an answer takes when one served system hangs: about its timeout, not more.

    python bench/hanging_source.py [system] [queries]

Starts ``c360 demo``, makes one system take 60 s per call (``PUT /_chaos``), and times the
whole-customer query for a few customers: each answer should come after about that source's
``timeout`` (5 s for the service desk in demo/c360.yaml), with the source named in
``errors[]`` as SOURCE_TIMEOUT, and not after the 60 s.
"""

from __future__ import annotations

import json
import sys
import time

import httpx
from _demo import running_demo

QUERY = """query ($key: String!) { customer(sourceKey: {source: "crm", key: $key}) {
  id name { full } tickets { number status } orders(first: 3) { totalCount } } }"""


def main() -> None:
    system = sys.argv[1] if len(sys.argv) > 1 else "service_desk"
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    services = 18701
    with running_demo(18600, services) as (url, estate):
        offset = {"crm": 0, "service_desk": 1, "dealer": 2}[system]
        httpx.put(
            f"http://127.0.0.1:{services + offset}/_chaos", json={"latency": 60}
        ).raise_for_status()
        contacts = json.loads((estate / "crm.json").read_text())["contacts"]
        for contact in contacts[:count]:
            started = time.perf_counter()
            body = httpx.post(
                url,
                timeout=120,
                json={"query": QUERY, "variables": {"key": contact["id"]}},
            ).json()
            elapsed = time.perf_counter() - started
            codes = sorted(
                {
                    f"{e['extensions'].get('source')}:{e['extensions']['code']}"
                    for e in body.get("errors", [])
                }
            )
            print(
                f"{contact['id']}: {elapsed:.2f} s, errors {codes}, "
                f"name {'present' if body['data']['customer'] else 'missing'}"
            )


if __name__ == "__main__":
    main()
