"""What the ``identity:`` block says of the rest of the config: identifiers, comparisons and
blocking keys name person fields (of the catalogue or declared under ``attributes:``), and
blocking rules name sources that can look a person up that way. Also the model file the
config names, read and checked against its comparisons."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from pathlib import Path

from connectors.options import EntityConfig
from gateway._yaml import KeyPath, Located
from gateway.linkage.defaults import default_model
from gateway.linkage.model import MatchModel
from gateway.linkage.modelfile import parse_model
from gateway.linkage.settings import MatchingSettings
from gateway.matching import BLOCKING_KEYS
from gateway.rules import IdentitySettings

__all__ = ["identity_problems", "load_match_model"]


def identity_problems(
    identity: IdentitySettings,
    persons: Mapping[str, EntityConfig | None],
    fields: Collection[str],
) -> Iterator[tuple[KeyPath, str]]:
    """``persons``: each source's person entity (None where it has none); ``fields``: every
    person field, custom attributes included."""
    for kind in identity.identifiers:
        if kind not in fields:
            yield (
                ("identity", "identifiers", kind),
                f"{kind!r} is not a person field; declare it under `attributes:` first",
            )
    matching = identity.matching
    if matching is None:
        return
    for name, rule in matching.comparisons.items():
        field = rule.field or name
        if field not in fields:
            at: KeyPath = ("identity", "matching", "comparisons", name)
            yield (*at, "field") if rule.field else at, f"{field!r} is not a person field"
    for i, blocking in enumerate(matching.blocking):
        at = ("identity", "matching", "blocking", i)
        if blocking.source not in persons:
            yield (*at, "source"), f"no source {blocking.source!r}"
            continue
        person = persons[blocking.source]
        if person is None or blocking.lookup not in person.lookups():
            yield (
                (*at, "by", 0),
                f"{blocking.source} cannot look up a person by {blocking.lookup!r}",
            )
        for j, key in enumerate(blocking.by[1:], start=1):
            if key not in fields and key not in BLOCKING_KEYS:
                derived = ", ".join(BLOCKING_KEYS)
                yield (*at, "by", j), f"{key!r} is neither a person field nor a key ({derived})"


def load_match_model(
    matching: MatchingSettings, base_dir: Path, config_name: str, required: bool = True
) -> tuple[MatchModel | None, Path | None, list[Located]]:
    """The model the config names (the defaults when it names none), the file it was read
    from, and the problems found in it. ``required=False`` (training) leaves the file unread."""
    comparisons = matching.built()
    if matching.model is None:
        return default_model(comparisons), None, []
    path = base_dir / matching.model
    if not required:  # training writes it anew
        return default_model(comparisons), path, []
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        message = (
            f"no model file {matching.model!r}: train one with"
            f" `c360 identity train --config {config_name}`"
        )
        return None, None, [Located(("identity", "matching", "model"), 0, message)]
    except (OSError, UnicodeDecodeError) as exc:
        return None, path, [Located((), 1, f"cannot read: {exc}")]
    model, problems = parse_model(text, comparisons)
    return model, path, problems
