"""People's names in one standard form: case, accents, punctuation, particles, and the parts
of a name held in one field.

The standard form is what names are compared by; the answer and provenance show the name as
the system wrote it::

    >>> plain("Zoë  O'Brien-Smith")
    'zoe obrien smith'
    >>> family_form("Van der Berg")
    'vanderberg'
    >>> split_name("O'BRIEN, Mary Ann", "{family}, {given}")
    NameParts(given='Mary Ann', middle=None, family="O'BRIEN")
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "PARTICLES",
    "NameParts",
    "NamePattern",
    "family_core",
    "family_form",
    "given_form",
    "plain",
    "split_name",
]

# Lower-case words that belong to the family name that follows them ("van der Berg",
# "de la Cruz", "bin Said", "dos Santos"): kept with it, ignored by its phonetic key.
PARTICLES = frozenset(
    {
        *("al", "bin", "ibn", "da", "das", "de", "degli", "dei", "del", "della", "der", "des"),
        *("di", "do", "dos", "du", "la", "le", "lo", "ten", "ter", "van", "vande", "vanden"),
        *("vander", "von", "zu"),
    }
)

_APOSTROPHES = "'\u2019`"  # O'Brien, O\u2019Brien and O`Brien are OBrien
_PLACEHOLDER = re.compile(r"\{(given|middle|family)\}")


@functools.lru_cache(maxsize=65536)  # names repeat: every candidate is compared with each
def plain(text: str) -> str:
    """Lower case, no accents, apostrophes dropped, other punctuation a space, single spaces:
    ``"Zoë O'Brien-Smith"`` -> ``"zoe obrien smith"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    kept = "".join(
        ch if ch.isalnum() or ch.isspace() else ("" if ch in _APOSTROPHES else " ") for ch in bare
    )
    return " ".join(kept.casefold().split())


def family_form(text: str) -> str:
    """A family name as compared: plain, its parts run together, so that ``"Van der Berg"``,
    ``"van den berg"`` spelt ``"Vanderberg"`` and ``"Smith-Jones"``/``"Smith Jones"`` agree."""
    return plain(text).replace(" ", "")


def family_core(text: str) -> str:
    """The family name without its leading particles (``"de la Cruz"`` -> ``"cruz"``): what a
    phonetic key is taken of. A name made only of particles ("Van") is kept whole."""
    words = plain(text).split()
    while len(words) > 1 and words[0] in PARTICLES:
        words.pop(0)
    return "".join(words)


def given_form(text: str) -> tuple[str, ...]:
    """The given names, plain, one item each: ``"Jean-Pierre"`` -> ``("jean", "pierre")``."""
    return tuple(plain(text).split())


@dataclass(frozen=True, slots=True)
class NameParts:
    """A name split into its parts as written (not normalised); empty parts are None."""

    given: str | None
    middle: str | None
    family: str | None


@dataclass(frozen=True, slots=True)
class NamePattern:
    """How one source writes a whole name in one field, such as ``"{family}, {given}"``,
    ``"{given} {middle} {family}"`` or ``"{family} {given}"`` (family name first).

    Placeholders are ``{given}``, ``{middle}`` (optional in the value) and ``{family}``; the
    text between them is a separator (a comma, a slash) written as the source writes it, or
    spaces. ``{family}`` is needed, and ``{given}`` too."""

    text: str
    parts: tuple[str, ...]
    separators: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> NamePattern:
        """Raises ValueError with the reason when ``text`` is not a usable pattern."""
        parts = tuple(_PLACEHOLDER.findall(text))
        pieces = _PLACEHOLDER.split(text)
        literals = pieces[0::2]
        if literals[0].strip() or literals[-1].strip():
            raise ValueError(f"{text!r}: nothing may stand before the first or after the last part")
        if "{" in "".join(literals) or "}" in "".join(literals):
            raise ValueError(f"{text!r}: the parts are {{given}}, {{middle}} and {{family}}")
        if sorted(set(parts)) != sorted(parts):
            raise ValueError(f"{text!r}: each part may appear once")
        if "family" not in parts or "given" not in parts:
            raise ValueError(f"{text!r}: needs {{family}} and {{given}}")
        separators = tuple(literal.strip() for literal in literals[1:-1])
        for i, separator in enumerate(separators):
            if not separator and not literals[i + 1]:
                left, right = parts[i], parts[i + 1]
                raise ValueError(f"{text!r}: {{{left}}} and {{{right}}} need a space between")
        declared = cls(text, parts, separators)
        for run in declared.runs():
            if "family" in run and run[0] != "family" and run[-1] != "family":
                raise ValueError(f"{text!r}: {{family}} must come first or last between spaces")
        return declared

    def runs(self) -> list[list[str]]:
        """The parts between literal separators: each run is cut at spaces."""
        runs: list[list[str]] = [[self.parts[0]]]
        for part, separator in zip(self.parts[1:], self.separators, strict=True):
            if separator:
                runs.append([part])
            else:
                runs[-1].append(part)
        return runs


def split_name(text: str, pattern: str | NamePattern) -> NameParts | None:
    """The parts of ``text`` written after ``pattern``; None when it does not fit (no comma
    where the pattern has one, fewer words than it needs): never a guess."""
    declared = pattern if isinstance(pattern, NamePattern) else NamePattern.parse(pattern)
    groups = _cut(" ".join(text.split()), declared)
    if groups is None:
        return None
    found: dict[str, str | None] = {}
    for part, words in groups:
        if part == "middle":
            found[part] = " ".join(words) or None
        elif not words:
            return None
        else:
            found[part] = " ".join(words)
    return NameParts(found.get("given"), found.get("middle"), found.get("family"))


def _cut(text: str, pattern: NamePattern) -> list[tuple[str, list[str]]] | None:
    """The words of each part: cut at the literal separators first, then share the words of
    each space-separated run among its parts."""
    runs = pattern.runs()
    chunks = [text]
    for separator in (s for s in pattern.separators if s):
        head, found, tail = chunks[-1].partition(separator)
        if not found:
            return None
        chunks[-1:] = [head.strip(), tail.strip()]
    if len(chunks) != len(runs):
        return None
    result: list[tuple[str, list[str]]] = []
    for parts, chunk in zip(runs, chunks, strict=True):
        shared = _share(parts, chunk.split())
        if shared is None:
            return None
        result += shared
    return result


def _share(parts: list[str], words: list[str]) -> list[tuple[str, list[str]]] | None:
    """Words among space-separated parts: the family name takes its particles ("van der
    Berg"), the given name one word when a middle part follows it, else every word left."""
    needed = sum(part != "middle" for part in parts)
    if len(words) < needed:
        return None
    if len(parts) == 1:
        return [(parts[0], words)]
    taken: dict[str, list[str]] = {}
    rest = list(words)
    if parts[-1] == "family":
        start = len(rest) - 1
        while start > needed - 1 and plain(rest[start - 1]) in PARTICLES:
            start -= 1
        taken["family"], rest = rest[start:], rest[:start]
    elif parts[0] == "family":
        end = 1
        while end < len(rest) - (needed - 1) and plain(rest[end - 1]) in PARTICLES:
            end += 1
        taken["family"], rest = rest[:end], rest[end:]
    others = [p for p in parts if p != "family"]
    if others == ["given"]:
        taken["given"] = rest
    elif others[0] == "given":  # given, then middle
        taken["given"], taken["middle"] = rest[:1], rest[1:]
    else:  # middle, then given
        taken["middle"], taken["given"] = rest[:-1], rest[-1:]
    return [(part, taken.get(part, [])) for part in parts]
