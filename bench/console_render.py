"""The console's customer page in the browser: time to the whole page rendered, measured by the
page itself (performance marks around the customer route), in Debian's chromium.

    python bench/console_render.py [customers] [warm-repeats]

Starts ``c360 demo`` (its own estate and ports, security off, no added latency), opens
``/console/`` in Debian's chromium through Playwright, and for N customers: opens each once
(cold: the gateway's cache has never seen them), then again R times from the search view (warm:
every answer from the gateway's cache). Prints percentiles of the page's own ``c360:customer``
measure (route start to every panel rendered), and of a full page load on a warm cache (from
navigation start: modules, sign-in probe and both operations).
"""

from __future__ import annotations

import json
import statistics
import sys

from _demo import running_demo
from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright never downloads one
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}

DONE = "#view-customer[aria-busy=false]:not([hidden])"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def summary(name: str, values: list[float]) -> str:
    return (
        f"{name:<28} n={len(values):<4} p50 {statistics.median(values):6.1f} ms   "
        f"p95 {percentile(values, 0.95):6.1f} ms   max {max(values):6.1f} ms"
    )


SLOWEST_ANSWER = """() => Math.max(...performance.getEntriesByType('resource')
    .filter(e => e.name.endsWith('/graphql')).map(e => e.duration))"""


def visit(page: Page, customer: str, answers: list[float]) -> float:
    """Opens the customer from within the page; the page's own measure of it, in ms. Adds the
    slowest of the page's /graphql answers (request sent to answer read) to ``answers``."""
    page.evaluate("performance.clearResourceTimings()")
    page.evaluate("id => { location.hash = '#/customer/' + encodeURIComponent(id) }", customer)
    page.locator(DONE).wait_for()
    measures = page.evaluate("performance.getEntriesByName('c360:customer').map(e => e.duration)")
    answers.append(float(page.evaluate(SLOWEST_ANSWER)))
    page.evaluate("location.hash = '#/'")
    page.locator("#view-search:not([hidden])").wait_for()
    return float(measures[-1])


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with running_demo(18200, 18301) as (url, estate), sync_playwright() as playwright:
        base = url.removesuffix("/graphql")
        contacts = json.loads((estate / "crm.json").read_text())["contacts"]
        customers = [f"crm:{c['id']}" for c in contacts[: count * 7 : 7]]
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(viewport=VIEWPORT)  # type: ignore[arg-type]
        page.goto(f"{base}/console/")
        page.locator("#view-search:not([hidden])").wait_for()
        cold_answers: list[float] = []
        warm_answers: list[float] = []
        cold = [visit(page, c, cold_answers) for c in customers]
        warm = [visit(page, c, warm_answers) for _ in range(repeats) for c in customers]
        loads = []
        for customer in customers:
            page.goto("about:blank")
            page.goto(f"{base}/console/#/customer/{customer}")
            page.locator(DONE).wait_for()
            loads.append(
                page.evaluate("performance.getEntriesByName('c360:customer:rendered')[0].startTime")
            )
        browser.close()
    print(summary("cold, from the search", cold))
    print(summary("  its slowest /graphql", cold_answers))
    print(summary("warm, from the search", warm))
    print(summary("  its slowest /graphql", warm_answers))
    print(summary("warm, full page load", loads))


if __name__ == "__main__":
    main()
