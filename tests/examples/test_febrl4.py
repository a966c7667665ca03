"""The FEBRL 4 example (two files): its shipped model fits its config, and its export writes
each file and the pairs (bench/RESULTS.md has the whole evaluation)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from examples.febrl4.export import export

EXAMPLE = Path(__file__).parents[2] / "examples" / "febrl4"


def test_the_shipped_model_fits_the_config() -> None:
    checked = subprocess.run(
        [sys.executable, "-m", "gateway.cli", "check", "c360.yaml"],
        cwd=EXAMPLE,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr


def test_the_export_writes_both_files_and_their_pairs(tmp_path: Path) -> None:
    assert export(tmp_path) == (5000, 5000)
    pairs = [json.loads(line) for line in (tmp_path / "truth.jsonl").read_text().splitlines()]
    assert len(pairs) == 5000
    assert all(p["a"].startswith("file_a:") and p["b"].startswith("file_b:") for p in pairs)
