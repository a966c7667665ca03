"""How long the demo generator takes: ``python bench/generate_estate.py 100000 [runs]``.

Times ``c360 demo --generate-only`` end to end (a fresh process each run, as a user runs it)
and prints the wall time of each run and the estate's size on disk.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    times = []
    for run in range(runs):
        folder = Path(tempfile.mkdtemp(prefix="c360-bench-"))
        started = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "gateway.cli",
                "demo",
                "--generate-only",
                "--customers",
                str(customers),
                "--data",
                str(folder),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - started)
        size = sum(f.stat().st_size for f in folder.iterdir())
        print(f"run {run + 1}: {customers:,} customers in {times[-1]:.1f} s, {size / 1e6:.0f} MB")
        shutil.rmtree(folder)
    print(f"best {min(times):.1f} s, worst {max(times):.1f} s over {runs} runs")


if __name__ == "__main__":
    main()
