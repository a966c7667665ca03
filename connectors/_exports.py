"""Reading nightly export files: decoding line by line, parsing CSV and fixed-width rows.

A line that cannot be decoded or parsed is reported with ``file:line`` and skipped; every
other row is still served.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ColumnSpan", "ParsedExport", "parse_csv", "parse_fixed_width", "parse_span"]

_SPAN = re.compile(r"^\s*(\d+)\s*(?:-\s*(\d+))?\s*$")

Row = dict[str, str]


@dataclass(frozen=True, slots=True)
class ColumnSpan:
    """A fixed-width column: 1-based, inclusive character positions."""

    start: int
    end: int

    def cut(self, line: str) -> str:
        return line[self.start - 1 : self.end]


@dataclass(slots=True)
class ParsedExport:
    rows: list[tuple[int, Row]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)


def parse_span(value: object) -> ColumnSpan:
    """``"1-8"`` (positions 1 to 8), ``"9"`` (one character) or ``[1, 8]`` -> a span."""
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        start, end = value
    elif isinstance(value, int) and not isinstance(value, bool):
        start = end = value
    elif isinstance(value, str) and (match := _SPAN.match(value)):
        start = int(match.group(1))
        end = int(match.group(2) or start)
    else:
        raise ValueError(f"{value!r} is not a column span such as 1-8")
    if start < 1 or end < start:
        raise ValueError(f"{value!r}: positions start at 1 and the end is not before the start")
    return ColumnSpan(start, end)


class _Lines:
    """Decoded lines of a file; undecodable lines are reported and skipped."""

    def __init__(self, path: Path, data: bytes, encoding: str, out: ParsedExport) -> None:
        self.path, self.data, self.encoding, self.out = path, data, encoding, out
        self.number = 0

    def __iter__(self) -> Iterator[str]:
        for number, raw in enumerate(self.data.splitlines(keepends=True), start=1):
            self.number = number
            try:
                yield raw.decode(self.encoding)
            except UnicodeDecodeError as exc:
                self.out.problems.append(
                    f"{self.path.name}:{self.number}: not {self.encoding} ({exc.reason}); skipped"
                )


def parse_csv(
    path: Path, data: bytes, encoding: str, delimiter: str, quotechar: str
) -> ParsedExport:
    out = ParsedExport()
    lines = _Lines(path, data, encoding, out)
    reader = csv.reader(iter(lines), delimiter=delimiter, quotechar=quotechar, strict=True)
    previous_end = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            out.problems.append(f"{path.name}:{lines.number}: {exc}; skipped")
            previous_end = lines.number
            continue
        start, previous_end = previous_end + 1, lines.number
        if not cells or cells == [""]:
            continue
        if not out.header:
            out.header = [cell.strip().lstrip("\ufeff") for cell in cells]
            continue
        if len(cells) != len(out.header):
            expected, found = len(out.header), len(cells)
            out.problems.append(
                f"{path.name}:{start}: expected {expected} fields, found {found}; skipped"
            )
            continue
        out.rows.append((start, dict(zip(out.header, cells, strict=True))))
    return out


def parse_fixed_width(
    path: Path, data: bytes, encoding: str, columns: dict[str, ColumnSpan], skip_lines: int
) -> ParsedExport:
    out = ParsedExport(header=list(columns))
    needed = max(span.start for span in columns.values())
    lines = _Lines(path, data, encoding, out)
    for line in lines:
        if lines.number <= skip_lines:
            continue
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        if len(text) < needed:
            out.problems.append(
                f"{path.name}:{lines.number}: {len(text)} characters, the columns need at least"
                f" {needed}; skipped"
            )
            continue
        out.rows.append((lines.number, {name: span.cut(text) for name, span in columns.items()}))
    return out
