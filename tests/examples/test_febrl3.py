"""The FEBRL 3 example as docs/identity.md runs it: export, train, evaluate (on a sample here;
bench/RESULTS.md has the whole file)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from examples.febrl3.export import export

EXAMPLE = Path(__file__).parents[2] / "examples" / "febrl3"


def c360(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_the_shipped_model_fits_the_config() -> None:
    checked = c360("check", "c360.yaml", cwd=EXAMPLE)
    assert checked.returncode == 0, checked.stderr


def test_train_then_resolve_a_sample_of_febrl3(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE / "c360.yaml", tmp_path / "c360.yaml")
    assert export(tmp_path / "data") == (5000, 2000)
    trained = c360("identity", "train", "--config", "c360.yaml", "--version", "t", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    assert "sampled 5,000 person records of febrl" in trained.stdout
    result = c360(
        "eval-identity",
        "--config",
        "c360.yaml",
        "--truth",
        "data/truth.jsonl",
        "--sample",
        "400",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    f1 = float(re.search(r"pairwise F1: ([0-9.]+)", result.stdout).group(1))  # type: ignore[union-attr]
    assert f1 >= 0.99, result.stdout
