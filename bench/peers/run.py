"""c360 against Hive Gateway on the same legacy REST backend (../shared/peerbench/run.sh),
uncached and with the memory cache warm, added to bench/RESULTS.md at the end of its
"Against Hive Gateway" section.

    python bench/peers/run.py                  # 10 s per run, 2 alternating rounds
    python bench/peers/run.py --duration 20 --rounds 3 --no-record
    python bench/peers/run.py --workers 2      # c360 with two worker processes

With ``--workers`` above 1, run.sh's CPU column for c360 reads 0: it reads the supervisor
process, not its workers.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# ../shared/peerbench/run.sh beside the checkout, or beside the folder holding it
_NEAR = [p / "shared" / "peerbench" / "run.sh" for p in (ROOT.parent, ROOT.parents[1])]
RUN_SH = Path(os.environ.get("PEERBENCH") or next((p for p in _NEAR if p.exists()), _NEAR[0]))
CONFIG = ROOT / "bench" / "peers" / "c360.yaml"
QUERY = ROOT / "bench" / "peers" / "c360-query.json"  # one customer with its orders
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "\n## Against Hive Gateway"


def run(label: str, env: dict[str, str], duration: int, rounds: int) -> list[str]:
    """One run of run.sh; its per-run lines and its ratio line."""
    done = subprocess.run(
        [str(RUN_SH)],
        cwd=ROOT,
        env={
            **os.environ,
            **env,
            "C360_CONFIG": str(CONFIG),
            "C360_QUERY": str(QUERY),
            "DURATION": str(duration),
            "ROUNDS": str(rounds),
        },
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if line.startswith(("hive ", "c360 ", "ratio "))
    ]
    if done.returncode != 0 or not any(line.startswith("ratio") for line in lines):
        sys.exit(f"{label}: run.sh failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    print(f"{label}:", *lines, sep="\n  ")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1, help="c360 worker processes")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    workers = f"C360_WORKERS={args.workers}"
    runs = {
        "uncached": run("uncached", {"C360_ENV": workers}, args.duration, args.rounds),
        "memory cache warm": run(
            "memory cache warm",
            {"C360_ENV": f"C360_CACHE=true {workers}"},
            args.duration,
            args.rounds,
        ),
    }
    if args.no_record:
        return
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = [
        "",
        f"#### peerbench, {when}",
        "",
        f"`python bench/peers/run.py --duration {args.duration} --rounds {args.rounds}"
        f" --workers {args.workers}` on "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}.",
        "",
    ]
    for label, lines in runs.items():
        block += [f"{label}:", "", "```", *lines, "```", ""]
    RESULTS.write_text(_inserted(RESULTS.read_text(encoding="utf-8"), "\n".join(block)))


def _inserted(results: str, block: str) -> str:
    """``results`` with ``block`` at the end of its "Against Hive Gateway" section (at the
    end of the file where there is no such section)."""
    start = results.find(SECTION)
    end = results.find("\n## ", start + len(SECTION)) if start >= 0 else -1
    if end < 0:
        return results.rstrip("\n") + "\n" + block
    return results[:end].rstrip("\n") + "\n" + block + results[end:]


if __name__ == "__main__":
    main()
