"""The ``forms:`` block of the config: the standard forms' tables a deployment extends.

    forms:
      nicknames: [nicknames/ours.txt]   # more equivalence groups of given names
      email_providers:                  # replaces the built-in table when given
        gmail.com: {dots: false, tag: "+", aliases: [googlemail.com]}
        corp.example: {tag: "-"}

Nickname files hold one group a line, the formal name first (``margaret, maggie, meg``);
relative paths are taken from the config file's folder. See docs/identity.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from forms import DEFAULT_PROVIDERS, EmailProvider, NameFileError, NameVariants, read_groups

__all__ = ["EmailProviderRule", "FormsSettings", "load_variants"]


class EmailProviderRule(BaseModel):
    """One mail provider: whether dots in the local part count, the character that starts an
    ignored tag (none: ``null``), and its other domains."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dots: bool = True
    tag: str | None = Field(default="+", min_length=1, max_length=1)
    aliases: list[str] = Field(default_factory=list)


class FormsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    nicknames: list[str] = Field(default_factory=list)
    email_providers: dict[str, EmailProviderRule] | None = None

    def providers(self) -> Mapping[str, EmailProvider]:
        if self.email_providers is None:
            return DEFAULT_PROVIDERS
        return {
            domain.lower(): EmailProvider(
                rule.dots, rule.tag, tuple(a.lower() for a in rule.aliases)
            )
            for domain, rule in self.email_providers.items()
        }


def load_variants(
    settings: FormsSettings, base_dir: Path
) -> tuple[NameVariants, list[tuple[int, str]]]:
    """The shipped name variants extended with the config's files, and the problems found:
    (index in ``nicknames``, ``file:line: message``)."""
    variants = NameVariants.built_in()
    problems: list[tuple[int, str]] = []
    for i, name in enumerate(settings.nicknames):
        try:
            variants = variants.extended(read_groups(base_dir / name))
        except NameFileError as exc:
            problems.append((i, f"{name}:{exc.line}: {exc.message}"))
    return variants, problems
