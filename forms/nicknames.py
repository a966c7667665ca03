"""Nicknames and name variants: which given names stand for one another.

The tables are **equivalence groups**, one a line, the formal name first::

    # extra_nicknames.txt
    margaret, maggie, meg, peggy
    alejandro, alex, jandro

Two given names are equivalent when one group holds both; a name may sit in several groups
(``alex`` is short for Alexander, Alexandra and Alejandro) without making those equivalent to
each other. c360 ships tables for several name cultures (English from the ``nicknames``
package plus its own English, Spanish, French, German, Italian, Dutch, Portuguese, Russian
and Polish files); a config extends them with files of its own (``forms.nicknames``).

The one API matching and survivorship call::

    variants = NameVariants.built_in().extended(read_groups(path))
    variants.equivalent("Maggie", "Margaret")   # True
    variants.formal("Peggy")                    # "margaret"
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from forms.names import plain

__all__ = ["CULTURES", "NameFileError", "NameGroup", "NameVariants", "read_groups"]

CULTURES = ("en", "es", "fr", "de", "it", "nl", "pt", "ru", "pl")

NameGroup = tuple[str, ...]  # plain names, the formal one first


class NameFileError(ValueError):
    """A file of name groups that cannot be read; ``file`` and ``line`` say where."""

    def __init__(self, file: str, line: int, message: str) -> None:
        self.file, self.line, self.message = file, line, message
        super().__init__(f"{file}:{line}: {message}")


def parse_groups(text: str, file: str = "<groups>") -> list[NameGroup]:
    """Groups from the text of a file: comma-separated names, ``#`` comments, blank lines."""
    groups: list[NameGroup] = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if not content:
            continue
        names: list[str] = []
        for written in content.split(","):
            name = plain(written)
            if not name:
                raise NameFileError(file, number, "an empty name between commas")
            if not all(ch.isalpha() or ch == " " for ch in name):
                raise NameFileError(file, number, f"{written.strip()!r} is not a given name")
            names.append(name)
        unique = tuple(dict.fromkeys(names))
        if len(unique) < 2:
            raise NameFileError(file, number, "a group needs at least two different names")
        groups.append(unique)
    return groups


def read_groups(path: str | Path) -> list[NameGroup]:
    """The groups of one file; :class:`NameFileError` names the file and line of a problem."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise NameFileError(str(path), 1, f"cannot read: {exc}") from exc
    return parse_groups(text, str(path))


class NameVariants:
    """Equivalence groups of given names, looked up by any member."""

    __slots__ = ("_member_of", "groups")

    def __init__(self, groups: tuple[NameGroup, ...]) -> None:
        self.groups = groups
        index: dict[str, set[int]] = {}
        for number, group in enumerate(groups):
            for name in group:
                index.setdefault(name, set()).add(number)
        self._member_of = {name: frozenset(found) for name, found in index.items()}

    def __repr__(self) -> str:
        return f"<NameVariants: {len(self.groups)} groups>"

    @classmethod
    def of(cls, groups: Iterable[Sequence[str]]) -> NameVariants:
        """Variants from groups written any way (case, accents): each name is made plain."""
        cleaned = (tuple(dict.fromkeys(plain(n) for n in g if plain(n))) for g in groups)
        return cls(tuple(g for g in cleaned if len(g) >= 2))

    @classmethod
    def built_in(cls) -> NameVariants:
        """The tables c360 ships, for every culture in :data:`CULTURES`."""
        return _built_in()

    def extended(self, groups: Iterable[Sequence[str]]) -> NameVariants:
        """These groups and ``groups`` (from a config's files) together."""
        return NameVariants(self.groups + NameVariants.of(groups).groups)

    def equivalent(self, a: str, b: str) -> bool:
        """Whether ``a`` and ``b`` are one given name: equal once plain, or in one group.
        Only the first given name of each is compared (``"Maggie Ann"`` is ``"maggie"``)."""
        first_a, first_b = _first(a), _first(b)
        if not first_a or not first_b:
            return False
        if first_a == first_b:
            return True
        member_of = self._member_of
        return bool(member_of.get(first_a, frozenset()) & member_of.get(first_b, frozenset()))

    def groups_of(self, name: str) -> frozenset[int]:
        """The numbers of the groups holding ``name``'s first given name: two names share one
        exactly when they are variants of each other."""
        return self._member_of.get(_first(name), frozenset())

    def formals(self, name: str) -> frozenset[str]:
        """The formal names ``name`` is short for or a variant of; itself when it is short
        for none (a formal name, or one the tables do not know). A group's first name counts
        as formal for a member no longer than itself: tables also list the reverse
        (``bob, robert``) and a nickname is not the formal name of its own formal name."""
        first = _first(name)
        if not first:
            return frozenset()
        found = {
            head
            for i in self._member_of.get(first, frozenset())
            if (head := self.groups[i][0]) != first and len(head) >= len(first)
        }
        return frozenset(found) if found else frozenset({first})

    def formal(self, name: str) -> str:
        """The formal name of ``name``, plain, where it stands for one only (``"Paco"`` ->
        ``"francisco"``); else itself (``"Alex"``, short for Alexander, Alexandra and
        Alejandro, stays ``"alex"``)."""
        formals = self.formals(name)
        return next(iter(formals)) if len(formals) == 1 else _first(name)

    def formal_among(self, names: Iterable[str]) -> str | None:
        """Of names written for one person, the one every other stands for: ``["Maggie",
        "Margaret", "Meg"]`` -> ``"Margaret"`` (as written); None when there is none."""
        written = [n for n in names if _first(n)]
        for candidate in written:
            first = _first(candidate)
            if all(_first(other) == first or first in self.formals(other) for other in written):
                return candidate
        return None


def _first(name: str) -> str:
    words = plain(name).split()
    return words[0] if words else ""


def _spelling(formal: str, nickname: str) -> bool:
    close = Levenshtein.distance(formal, nickname, score_cutoff=2) <= 2
    return close and len(nickname) >= len(formal) - 1 and formal[0] == nickname[0]


@functools.cache
def _built_in() -> NameVariants:
    from nicknames import name_triplets

    # The table also lists nicknames of nicknames and the reverse (bill: fred, robert): only
    # a name that is no shorter form of another heads a group, or every Bill would join
    # Robert and William.
    # Spelling variants (johnathan: jonathan) are left out too: edit distance finds them, and
    # a nickname level that also held them would say less.
    pairs = [(t.name1, t.name2) for t in name_triplets() if not _spelling(t.name1, t.name2)]
    shorter = {nickname for formal, nickname in pairs if len(nickname) < len(formal)}
    english: dict[str, list[str]] = {}
    for formal, nickname in pairs:
        if formal not in shorter:
            english.setdefault(formal, [formal]).append(nickname)
    shipped: list[NameGroup] = []
    folder = resources.files("forms") / "data" / "nicknames"
    for culture in CULTURES:
        text = (folder / f"{culture}.txt").read_text(encoding="utf-8")
        shipped += parse_groups(text, f"forms/data/nicknames/{culture}.txt")
    return NameVariants.of(english.values()).extended(shipped)
