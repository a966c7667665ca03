"""The gateway's YAML configuration -> typed, validated settings.

Every problem is reported at once, each naming the file, the line and the key path::

    c360.yaml:14: sources.crm.entities.person.fields.emial: not a field of person

Values may use ``${VAR}`` and ``${VAR:-default}`` (``$$`` is a literal ``$``); durations are
written ``2s``, ``500ms``, ``5m``; unknown keys are errors. Each source block is validated
against the config model of its ``kind``; field mappings are checked against the canonical
entity catalogue.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.base import Connector
from connectors.options import Duration, Identifier, SourceConfig
from connectors.parsing import parse_problems
from connectors.registry import UnknownConnectorKind, kind_names, resolve_kind
from forms import NameVariants
from gateway._yaml import KeyPath, LoadedYaml, load_yaml
from gateway.compression import CompressionSettings
from gateway.cors import CorsSettings
from gateway.forms_settings import FormsSettings, load_variants
from gateway.http_caching import HttpCacheSettings
from gateway.linkage.checks import identity_problems, load_match_model
from gateway.linkage.model import MatchModel
from gateway.live import LiveSettings
from gateway.persisted import PersistedQuerySettings
from gateway.rules import CustomAttribute, IdentitySettings, SurvivorshipSettings
from gateway.security.settings import SecuritySettings
from gateway.slow_clients import BODY_TIMEOUT, HEADER_TIMEOUT
from gateway.writeback.settings import WritebackSettings
from model.catalogue import CATALOGUE

__all__ = [
    "CacheSettings",
    "ConfigError",
    "ConfigProblem",
    "ServerSettings",
    "Settings",
    "SourceSettings",
    "load_settings",
    "parse_settings",
]


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}: {where}{self.message}"


class ConfigError(Exception):
    """The configuration is not valid; ``problems`` holds every problem found."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


class ServerSettings(BaseModel):
    """``server:``. ``header_timeout``: how long a request's headers may take to arrive;
    ``body_timeout``: how long its body may take (408 after); slow clients hold no connection
    longer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    graphiql: bool = True
    access_log: bool = True  # one line per request served, at INFO
    header_timeout: Duration = Field(default=HEADER_TIMEOUT, gt=0)
    body_timeout: Duration = Field(default=BODY_TIMEOUT, gt=0)
    # past it, a request's calls still out are cancelled and the answer is partial
    deadline: Duration = Field(default=5.0, gt=0, le=300)
    federation: bool = False  # serve /graphql as an Apollo Federation 2 subgraph
    # how many gateways serve this config; above 1, state kept in memory is a warning
    replicas: int = Field(default=1, ge=1, le=10_000)
    # worker processes of `c360 serve` on this machine (`--workers` overrides)
    workers: int = Field(default=1, ge=1, le=256)
    # young-generation threshold of Python's garbage collector in `c360 serve` (700 is Python's)
    gc_threshold: int = Field(default=20_000, ge=100, le=10_000_000)
    cors: CorsSettings | None = None  # off: no page of another origin may call /graphql
    http_cache: HttpCacheSettings = HttpCacheSettings()  # Cache-Control and ETag of GET answers
    compression: CompressionSettings = CompressionSettings()
    persisted_queries: PersistedQuerySettings = PersistedQuerySettings()  # automatic (APQ)
    live: LiveSettings = LiveSettings()  # live subscriptions: bounds and heartbeats


class CacheSettings(BaseModel):
    """The shared cache (``cache:``): where it lives and how big it may grow."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    backend: str = Field(default="memory", pattern=r"^(memory|rediss?://.+)$")
    max_entries: int = Field(default=100_000, ge=100, le=100_000_000)

    @property
    def redis(self) -> str | None:
        """The backend's URL when it is Redis: the Redis a fleet of gateways shares (webhook
        replays, key revocations and change events go over it too), else None."""
        return self.backend if self.backend.startswith(("redis://", "rediss://")) else None


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: dict[Identifier, dict[str, Any]] = Field(min_length=1)
    attributes: dict[Identifier, CustomAttribute] = Field(default_factory=dict)
    server: ServerSettings = ServerSettings()
    identity: IdentitySettings = IdentitySettings()
    survivorship: SurvivorshipSettings = SurvivorshipSettings()
    cache: CacheSettings = CacheSettings()
    security: SecuritySettings = SecuritySettings()
    forms: FormsSettings = FormsSettings()
    writeback: WritebackSettings = WritebackSettings()


@dataclass(frozen=True, slots=True)
class SourceSettings:
    name: str
    connector: type[Connector]
    config: SourceConfig


@dataclass(frozen=True, slots=True)
class Settings:
    path: Path
    sources: Mapping[str, SourceSettings]
    server: ServerSettings = field(default_factory=ServerSettings)
    identity: IdentitySettings = field(default_factory=IdentitySettings)
    survivorship: SurvivorshipSettings = field(default_factory=SurvivorshipSettings)
    cache: CacheSettings = field(default_factory=CacheSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)
    forms: FormsSettings = field(default_factory=FormsSettings)
    name_variants: NameVariants = field(default_factory=NameVariants.built_in)
    attributes: Mapping[str, CustomAttribute] = field(default_factory=dict)
    match_model: MatchModel | None = None  # identity.matching's model, trained or default
    writeback: WritebackSettings = field(default_factory=WritebackSettings)

    @property
    def writable(self) -> bool:
        """Whether any source takes writes (the outbox is opened only then)."""
        return any(
            getattr(entity, "write", None) is not None
            for source in self.sources.values()
            for entity in source.config.entities.values()
        )

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def summary(self) -> str:
        kinds = ", ".join(f"{s.name} ({s.config.kind})" for s in self.sources.values())
        entities = sum(len(s.config.entities) for s in self.sources.values())
        return f"{self.path.name}: valid; {len(self.sources)} sources: {kinds}; {entities} entities"


def load_settings(
    path: str | Path, environ: Mapping[str, str] | None = None, *, model_file: bool = True
) -> Settings:
    """Read and validate a config file; raises :class:`ConfigError` listing every problem.
    ``model_file=False`` accepts a matching model file that does not exist yet (training)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigProblem(str(path), 1, "", f"cannot read: {exc}")]) from exc
    env = os.environ if environ is None else environ
    return parse_settings(text, path=path, environ=env, model_file=model_file)


def parse_settings(
    text: str, *, path: Path, environ: Mapping[str, str], model_file: bool = True
) -> Settings:
    loaded = load_yaml(text, environ)
    report = _Report(str(path), loaded)
    for located in loaded.problems:
        report.add(located.path, located.message, line=located.line)
    if loaded.value is None and not loaded.problems:
        report.add((), "the file is empty; it needs at least a `sources:` block")
    if report.problems and loaded.value is None:
        raise ConfigError(report.problems)
    if not isinstance(loaded.value, dict):
        report.add((), "the top level must be a mapping of keys (sources:, server:)")
        raise ConfigError(report.problems)
    document: _Document | None = None
    try:
        document = _Document.model_validate(loaded.value)
    except ValidationError as exc:
        report.pydantic((), exc, _Document)
        raw_sources = loaded.value.get("sources")
        sources = raw_sources if isinstance(raw_sources, dict) else {}
    else:
        sources = document.sources
    raw_attributes = loaded.value.get("attributes")
    custom = {str(a) for a in raw_attributes} if isinstance(raw_attributes, dict) else set()
    settings = {}
    for name, block in sources.items():
        if isinstance(block, dict) and name.isidentifier():
            source = _source(name, block, report, custom)
            if source is not None:
                settings[name] = source
    match_model = None
    if document is not None and len(settings) == len(sources):
        _check_references(document, settings, report)
        persons = {n: s.config.entities.get("person") for n, s in settings.items()}
        fields = {*CATALOGUE["person"].fields, *custom}
        for at, message in identity_problems(document.identity, persons, fields):
            report.add(at, message)
        match_model = _match_model(document, path, report, model_file)
    variants = NameVariants.built_in()
    if document is not None:
        variants, problems = load_variants(document.forms, path.parent)
        for i, message in problems:
            report.add(("forms", "nicknames", i), message)
    if report.problems or document is None:
        raise ConfigError(sorted(report.problems, key=lambda p: (p.file != str(path), p.line)))
    if match_model is not None:
        match_model = match_model.with_variants(variants)
    return Settings(
        path=path,
        sources=settings,
        server=document.server,
        identity=document.identity,
        survivorship=document.survivorship,
        cache=document.cache,
        security=document.security,
        forms=document.forms,
        name_variants=variants,
        attributes=document.attributes,
        match_model=match_model,
        writeback=document.writeback,
    )


def _match_model(
    document: _Document, path: Path, report: _Report, required: bool
) -> MatchModel | None:
    matching = document.identity.matching
    if matching is None or report.problems:
        return None
    model, model_path, problems = load_match_model(matching, path.parent, str(path), required)
    for problem in problems:
        if model_path is None:
            report.add(problem.path, problem.message)
        else:
            shown = ".".join(str(part) for part in problem.path)
            report.problems.append(
                ConfigProblem(str(model_path), problem.line, shown, problem.message)
            )
    return model


def _check_references(
    document: _Document, sources: Mapping[str, SourceSettings], report: _Report
) -> None:
    """What one block says of another: parents, priorities, fuzzy rules' sources."""
    for name, source in sources.items():
        for entity_name, entity in source.config.entities.items():
            parent = entity.belongs_to
            if parent is None:
                continue
            at: KeyPath = ("sources", name, "entities", entity_name, "belongs_to")
            owner = sources.get(parent.source or name)
            if owner is None:
                report.add((*at, "source"), f"no source {parent.source!r}")
            elif parent.entity not in owner.config.entities:
                report.add((*at, "entity"), f"{owner.name} serves no {parent.entity!r}")
            if parent.by != "key" and parent.by not in entity.lookups():
                report.add((*at, "by"), f"{entity_name} cannot be looked up by {parent.by!r}")
            if parent.ref is not None and parent.ref not in entity.fields:
                report.add((*at, "ref"), f"{parent.ref!r} is not one of {entity_name}'s fields")
            if parent.shortcut_by is not None and parent.ref is None:
                report.add(
                    (*at, "shortcut_by"),
                    "needs `ref`: the field that tells which parent each record belongs to",
                )
            if parent.shortcut_by is not None and parent.shortcut_by not in entity.lookups():
                report.add(
                    (*at, "shortcut_by"),
                    f"{entity_name} cannot be looked up by {parent.shortcut_by!r}",
                )
    _check_parent_loops(sources, report)
    for i, fuzzy in enumerate(document.identity.fuzzy):
        at = ("identity", "fuzzy", i)
        owner = sources.get(fuzzy.source)
        person = owner.config.entities.get("person") if owner else None
        if owner is None:
            report.add((*at, "source"), f"no source {fuzzy.source!r}")
        elif person is None or fuzzy.block_by not in person.lookups():
            message = f"{fuzzy.source} cannot look up a person by {fuzzy.block_by!r}"
            report.add((*at, "block_by"), message)
    survivorship = document.survivorship
    listed: list[tuple[KeyPath, str]] = [
        (("survivorship", "priority", i), s) for i, s in enumerate(survivorship.priority)
    ]
    for attribute, rule in survivorship.attributes.items():
        listed += [
            (("survivorship", "attributes", attribute, "priority", i), s)
            for i, s in enumerate(rule.sources)
        ]
    security = document.security
    for role, policy in security.roles.items():
        if policy.sources != "*":
            listed += [
                (("security", "roles", role, "sources", i), s) for i, s in enumerate(policy.sources)
            ]
    if security.jwt is not None and not (security.jwt.secret or security.jwt.jwks_url):
        report.add(("security", "jwt"), "needs `secret` (HS256) or `jwks_url`")
    for at, source_name in listed:
        if source_name not in sources:
            report.add(at, f"no source {source_name!r}")


def _check_parent_loops(sources: Mapping[str, SourceSettings], report: _Report) -> None:
    """``belongs_to`` chains must end at an entity that belongs to nothing: a loop would send
    prefetching round it for ever. Each loop is reported once, at its first entity."""
    parent_of: dict[tuple[str, str], tuple[str, str]] = {}
    for name, source in sources.items():
        for entity_name, entity in source.config.entities.items():
            if entity.belongs_to is not None:
                parent = entity.belongs_to
                parent_of[(name, entity_name)] = (parent.source or name, parent.entity)
    reported: set[tuple[str, str]] = set()
    for start in parent_of:
        chain = [start]
        while (step := parent_of.get(chain[-1])) is not None and step not in chain:
            chain.append(step)
        if step is None or step in reported:
            continue
        loop = chain[chain.index(step) :]
        reported.update(loop)
        shown = " -> ".join(f"{s}.{e}" for s, e in [*loop, step])
        at: KeyPath = ("sources", step[0], "entities", step[1], "belongs_to")
        report.add(at, f"belongs_to makes a loop: {shown}")


def _source(
    name: str, block: dict[str, Any], report: _Report, custom: set[str]
) -> SourceSettings | None:
    where: KeyPath = ("sources", name)
    before = len(report.problems)
    _check_catalogue(where, block.get("entities"), report, custom)
    kind = block.get("kind")
    if not isinstance(kind, str):
        report.add((*where, "kind"), f"required: one of {kind_names()}, or 'package.module:Class'")
        return None
    try:
        connector = resolve_kind(kind)
    except UnknownConnectorKind as exc:
        report.add((*where, "kind"), str(exc))
        return None
    try:
        config = connector.config_model.model_validate(block)
    except ValidationError as exc:
        report.pydantic(where, exc, connector.config_model)
        return None
    for sub_path, message in config.problems():
        report.add((*where, *sub_path), message)
    for entity_name, entity in config.entities.items():
        for sub_path, message in parse_problems(entity_name, entity.fields, entity.parse):
            report.add((*where, "entities", entity_name, *sub_path), message)
    return SourceSettings(name, connector, config) if len(report.problems) == before else None


def _check_catalogue(where: KeyPath, entities: Any, report: _Report, custom: set[str]) -> None:
    """Entity names and their field mappings against the catalogue (and the person attributes
    the config declares), on the raw block."""
    if not isinstance(entities, dict):
        return
    for entity_name, entity in entities.items():
        at: KeyPath = (*where, "entities", entity_name)
        canonical = CATALOGUE.get(entity_name)
        if canonical is None:
            hint = _hint(entity_name, list(CATALOGUE)) or f" ({', '.join(sorted(CATALOGUE))})"
            report.add(at, f"not an entity of the catalogue{hint}")
            continue
        fields = entity.get("fields") if isinstance(entity, dict) else None
        if not isinstance(fields, dict):
            continue
        for field_name in fields:
            if entity_name == "person" and field_name in custom:
                continue
            if not canonical.has_field(field_name):
                hint = _hint(field_name, canonical.fields)
                report.add((*at, "fields", field_name), f"not a field of {entity_name}{hint}")
        if "key" not in fields:
            report.add((*at, "fields"), "must map `key` to the source's record identifier")


def _hint(name: str, choices: Mapping[str, Any] | list[str]) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Report:
    def __init__(self, file: str, loaded: LoadedYaml) -> None:
        self.file, self.loaded = file, loaded
        self.problems: list[ConfigProblem] = []

    def add(self, path: KeyPath, message: str, *, line: int | None = None) -> None:
        shown = ".".join(str(part) for part in path)
        at = line if line is not None else self.loaded.line_of(path)
        self.problems.append(ConfigProblem(self.file, at, shown, message))

    def pydantic(self, where: KeyPath, error: ValidationError, model: type[BaseModel]) -> None:
        for item in error.errors():
            loc = tuple(p for p in item["loc"] if p != "[key]")
            path = (*where, *loc)
            kind, message = item["type"], item["msg"]
            if kind == "extra_forbidden" and loc[-1] == "write" and "entities" in loc:
                message = "this kind of source is read-only: not writable here"
            elif kind == "extra_forbidden":
                parent = _model_at(model, loc[:-1])
                known = list(parent.model_fields) if parent else []
                message = f"unknown key{_hint(str(loc[-1]), known)}"
            elif kind == "missing":
                message = "required key is missing"
            elif kind == "too_short":
                message = "must not be empty"
            elif message.startswith(("Value error, ", "Assertion failed, ")):
                message = message.split(", ", 1)[1]
            self.add(path, message)


def _model_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at ``loc`` (for 'did you mean' hints)."""
    current: Any = model
    parts = iter(loc)
    for part in parts:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(str(part)) or next(
            (f for f in current.model_fields.values() if f.alias == part), None
        )
        if info is None:
            return None
        current = info.annotation
        if get_origin(current) is dict:
            current = get_args(current)[1]
            next(parts, None)  # the next part is a key of that dict
        elif get_origin(current) in (Union, UnionType):
            current = next((a for a in get_args(current) if _is_model(a)), None)
    return current if _is_model(current) else None


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)
