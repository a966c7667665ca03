"""The fenced code blocks of the Markdown docs."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from gateway.config import Settings

__all__ = ["DOCS", "ROOT", "fenced", "fences", "patient"]

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])

_FENCE = re.compile(r"^(\s*)```")


def fences(path: Path) -> list[tuple[int, str]]:
    """Each line that holds a fence: (line number, the line)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        (n, line) for n, line in enumerate(lines, start=1) if "```" in line and _FENCE.match(line)
    ]


def fenced(path: Path, language: str) -> list[str]:
    """The text of every block opened with ```language."""
    text = path.read_text(encoding="utf-8")
    return re.findall(rf"^ *```{language}\n(.*?)^ *```$", text, re.S | re.M)


def patient(settings: Settings) -> Settings:
    """The settings with a generous timeout for every source: the examples are checked for
    what they answer, not for how fast a loaded test machine answers them."""
    sources = {
        name: replace(source, config=source.config.model_copy(update={"timeout": 60.0}))
        for name, source in settings.sources.items()
    }
    return replace(settings, sources=sources)
