"""Load and validate the watchlist folder: entities, priority rules and baseline documents.

Owns the YAML format described in `watchlists/README.md` and nothing about matching beyond the
alias key used to detect two entities claiming one alias (`monitor.normalise.alias_key`, so the
loader and the matcher can never disagree on what "the same alias" means).

Trade-off: every file is composed with PyYAML's node marks before it is constructed, which costs a
second walk over the tree but lets each pydantic error, duplicate and dangling reference name its
file, line and field. Loading collects every problem rather than stopping at the first, so
`monitor watchlists validate` can print them all; `load_watchlists` raises the first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from monitor.errors import WatchlistError

if TYPE_CHECKING:
    from monitor.yaml_lines import Parsed, YamlPath

ActorKind = Literal[
    "militia", "armed_group", "state_force", "military_unit", "security_service", "organisation", "party",
    "government", "person", "tribe",
]  # fmt: skip
PlaceKind = Literal[
    "city", "town", "village", "district", "governorate", "neighbourhood", "crossing", "base", "airport",
    "station", "gas_field", "oil_field", "quarry", "road", "region", "river", "facility",
]  # fmt: skip
ACTOR_KINDS = frozenset(get_args(ActorKind))
PLACE_KINDS = frozenset(get_args(PlaceKind))
KIND_GROUPS = {"actor": ACTOR_KINDS, "place": PLACE_KINDS}
RULES_FILE = "rules.yaml"
BASELINE_FILE = "baseline.yaml"
ROLES_FILE = "roles.yaml"
EVENTS_FILE = "events.yaml"
EventTypeId = Literal[
    "airstrike", "shelling", "armed_clash", "explosion", "assassination", "arrest_raid", "deployment",
    "border_crossing", "smuggling", "protest", "statement", "governance", "economy", "humanitarian",
]  # fmt: skip
EVENT_TYPES: tuple[str, ...] = get_args(EventTypeId)

Level = Literal["high", "medium", "low"]
Kind = Literal[ActorKind, PlaceKind]
EntityId = str


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Context(_Model):
    """Words that must (require) or must not (forbid) occur within `window` words of an alias,
    and words that must not stand right before (forbid_before) or right after (forbid_after) it:
    `الوضع القائم` is the status quo and `القائم بالأعمال` a chargé d'affaires, but `الوضع في
    القائم` is al-Qa'im, which a window could not tell apart."""

    require: tuple[str, ...] = ()
    forbid: tuple[str, ...] = ()
    window: int = Field(default=5, ge=1, le=50)
    forbid_before: tuple[str, ...] = ()
    forbid_after: tuple[str, ...] = ()


class Alias(_Model):
    """One spelling of an entity; a bare string in YAML is an Alias with only `text`."""

    text: str = Field(min_length=1)
    case_sensitive: bool = False
    context: Context | None = None
    requires_related: bool = False
    spellings: bool = True  # False: as written (with its article and proclitics), no generated spellings

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        return {"text": value} if isinstance(value, (str, int)) else value

    @field_validator("text", mode="before")
    @classmethod
    def _number_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("text")
    @classmethod
    def _has_letters(cls, value: str) -> str:
        from monitor.normalise import alias_key

        if not alias_key(value):
            raise ValueError("alias has no letters or digits")
        return value


class Provenance(_Model):
    """Where an entry comes from: a document of baseline.yaml (`doc`), or a public page cited in
    place (`url`, for a single fact such as a village's coordinates)."""

    doc: str | None = None
    url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    note: str = ""

    @model_validator(mode="after")
    def _one_source(self) -> Provenance:
        if (self.doc is None) == (self.url is None):
            raise ValueError("give either doc (a baseline.yaml id) or url")
        return self


class Entity(_Model):
    """An actor or a place; see watchlists/README.md for every field."""

    id: EntityId = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str = Field(min_length=1)
    kind: Kind
    priority: Level = "medium"
    tags: tuple[str, ...] = ()
    parents: tuple[EntityId, ...] = ()
    related: tuple[EntityId, ...] = ()
    coords: tuple[float, float] | None = None
    outside_region: bool = False  # a place really outside the region (monitor.geo.REGION)
    aliases: tuple[Alias, ...]
    provenance: tuple[Provenance, ...] = ()

    @property
    def is_place(self) -> bool:
        return self.kind in PLACE_KINDS

    @field_validator("coords")
    @classmethod
    def _place_on_earth(
        cls, value: tuple[float, float] | None, info: ValidationInfo
    ) -> tuple[float, float] | None:
        if value is not None and info.data.get("kind", "city") not in PLACE_KINDS:
            raise ValueError(f"coords are for places only, not kind {info.data['kind']}")
        if value is not None and not (-90 <= value[0] <= 90 and -180 <= value[1] <= 180):
            raise ValueError("coords must be [latitude, longitude] in decimal degrees")
        return value

    @model_validator(mode="after")
    def _located(self) -> Entity:
        """Every place is on the map: coords inside the region, or marked outside_region."""
        from monitor.geo import place_problem

        if self.is_place and (problem := place_problem(self.coords, self.outside_region)):
            raise ValueError(problem)
        return self

    @field_validator("aliases")
    @classmethod
    def _usable(cls, value: tuple[Alias, ...], info: ValidationInfo) -> tuple[Alias, ...]:
        if not value:
            raise ValueError("at least one alias is required")
        if any(a.requires_related for a in value) and not (
            info.data.get("parents") or info.data.get("related")
        ):
            raise ValueError("an alias requires_related but the entity has no parents or related ids")
        return value


class Selector(_Model):
    """Which matched entities a rule condition accepts; every given field must hold (AND)."""

    label: str = ""
    ids: tuple[EntityId, ...] = ()
    tags: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # entity kinds, or the groups "actor" and "place"
    priority: tuple[Level, ...] = ()

    def accepts(self, entity: Entity) -> bool:
        return (
            (not self.ids or entity.id in self.ids)
            and (not self.tags or not set(self.tags).isdisjoint(entity.tags))
            and (not self.kinds or any(entity.kind in KIND_GROUPS.get(k, (k,)) for k in self.kinds))
            and (not self.priority or entity.priority in self.priority)
        )

    def describe(self) -> str:
        return self.label or "entity"


class Rule(_Model):
    """Fires when each selector is met by a different entity inside one unit of `scope` (and, with
    `events`, that unit has one of those event types)."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    level: Level
    scope: Literal["sentence", "paragraph", "article"] = "article"
    fields: tuple[Literal["title", "summary", "content"], ...] = ()
    events: tuple[EventTypeId, ...] = ()
    all: tuple[Selector, ...] = Field(min_length=1)


class Rules(_Model):
    """rules.yaml: ordered rules, first to fire wins; `default` when something matched but none fired."""

    default: Level = "low"
    rules: tuple[Rule, ...] = ()


class Document(_Model):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str
    publisher: str = ""
    authors: tuple[str, ...] = ()
    date: dt.date | str | None = None
    file: str | None = None
    url: str | None = None
    language: str | None = None


class EventType(_Model):
    """One event type of events.yaml: its display name and trigger words (aliases, with context)."""

    id: EventTypeId
    name: str = Field(min_length=1)
    description: str = ""
    triggers: tuple[Alias, ...] = Field(min_length=1)
    provenance: tuple[Provenance, ...] = ()


class NotNew(_Model):
    """Words that make a trigger no new event (the past, a habit or a standing state) within
    `window` words of it; and a year before the text's own, or an `earlier` date ("شباط الماضي"),
    within `year_window` words of it, unless one of `since` stands right before the year or, beyond
    `window` words, a `clause` word (which, التي) between them (monitor/events.py)."""

    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    window: int = Field(default=6, ge=1, le=20)
    since: tuple[str, ...] = ()
    year_window: int = Field(default=6, ge=1, le=60)
    earlier: tuple[str, ...] = ()
    clause: tuple[str, ...] = ()


class Denial(_Model):
    """Negators (no, never, neither, لم) that make a trigger within `window` words after them no
    event; where one negates an act in a sentence that also has one of `says` (said, قال), that
    sentence reports a denial: a statement, unless one of `not_by` (a source, residents) stands
    within `not_by_window` words of every `says` word: theirs is a report, not a statement. A
    negator, or a "without" of `NotNew.before`, that begins one of `not_negating` (not only, ولا
    سيما "especially", دون تحديد "without identifying") negates nothing."""

    before: tuple[str, ...] = ()
    says: tuple[str, ...] = ()
    not_negating: tuple[str, ...] = ()
    not_by: tuple[str, ...] = ()
    not_by_window: int = Field(default=2, ge=1, le=8)
    window: int = Field(default=8, ge=1, le=20)


class NotAct(_Model):
    """Words that make a trigger no act (a threat, a condition, the future, a call) within `window`
    words before it, except for the types in `keep` (a threat is itself a statement), and unless one
    of `until` (after, عقب) stands between them: what follows it happened ("warning of wider
    retaliation after the U.S. airstrikes"). A hope, fear or expectation (`irrealis`) followed within
    `window` words by a `clause` word (that, بأن) reaches every trigger after that word in the
    sentence: "يأمل أهل القائم ... بأن يتوصل البلدان إلى اتفاقيات ... لتفعيل التجارة"."""

    before: tuple[str, ...] = ()
    window: int = Field(default=6, ge=1, le=20)
    keep: tuple[EventTypeId, ...] = ()
    until: tuple[str, ...] = ()
    irrealis: tuple[str, ...] = ()
    clause: tuple[str, ...] = ()


class Vague(_Model):
    """Triggers that say less than others: one of them counts only when no trigger of the types in
    `yield_to` stands in the same sentence ("an attack" by rockets is shelling, not a clash)."""

    triggers: tuple[str, ...] = Field(min_length=1)
    yield_to: tuple[EventTypeId, ...] = Field(min_length=1)


class Speech(_Model):
    """Speech verbs (said, قالت) that are a statement when a watched actor stands within `gap`
    characters before or after them with no punctuation between, unless the sentence reports an
    act of one of the types in `yield_to` (then the speaker reports it: "the SDF said it caught
    traffickers" is smuggling)."""

    verbs: tuple[str, ...] = ()
    gap: int = Field(default=24, ge=0, le=80)
    yield_to: tuple[EventTypeId, ...] = ()


class Means(_Model):
    """Triggers that name an act without its means ("attack", قصف, "targeted") take the type
    `type` when one of `by` (a bomb, طائرات) stands within `window` words of them."""

    triggers: tuple[str, ...] = Field(min_length=1)
    by: tuple[str, ...] = Field(min_length=1)
    type: EventTypeId
    window: int = Field(default=6, ge=1, le=20)


class EventTypes(_Model):
    """events.yaml: the closed set of event types (monitor/events.py types sentences with them)."""

    types: tuple[EventType, ...] = ()
    not_new: NotNew = Field(default_factory=NotNew)
    not_act: NotAct = Field(default_factory=NotAct)
    denial: Denial = Field(default_factory=Denial)
    speech: Speech = Field(default_factory=Speech)
    vague: tuple[Vague, ...] = ()
    means: tuple[Means, ...] = ()

    @field_validator("types")
    @classmethod
    def _each_trigger_once(cls, value: tuple[EventType, ...]) -> tuple[EventType, ...]:
        """A text written twice, under two types or under one (as another spelling of one key:
        قائد, القائد): the typer picks the trigger at a word before its context is checked, so the
        second would never count (events.yaml's header)."""
        from monitor.normalise import alias_key

        first: dict[str, tuple[str, str]] = {}  # key -> (type, text as written first)
        for event_type in value:
            for alias in event_type.triggers:
                key = alias_key(alias.text) + ("*" if alias.text.endswith("*") else "")
                if key in first:
                    type_id, text = first[key]
                    where = "twice under" if type_id == event_type.id else f"under both {type_id!r} and"
                    raise ValueError(
                        f"trigger {alias.text!r} is written {where} {event_type.id!r} (as {text!r} first): "
                        "only the first would ever count"
                    )
                first[key] = (event_type.id, alias.text)
        return value

    @model_validator(mode="after")
    def _vague_are_triggers(self) -> EventTypes:
        known = {alias.text for t in self.types for alias in t.triggers}
        if unknown := sorted({text for v in self.vague for text in v.triggers} - known):
            raise ValueError(f"vague trigger {unknown[0]!r} is no trigger of any type")
        if unknown := sorted({text for m in self.means for text in m.triggers} - known):
            raise ValueError(f"means trigger {unknown[0]!r} is no trigger of any type")
        return self


class _EntityFile(_Model):
    entities: tuple[Entity, ...] = ()


class _BaselineFile(_Model):
    documents: tuple[Document, ...] = ()


class RoleNames(_Model):
    """roles.yaml: names that stand for an entity by its role ("the Syrian regime", "قوات النظام"),
    added to its aliases; kept apart from the entity lists so they are reviewed as a set."""

    entity: EntityId
    why: str = ""
    aliases: tuple[Alias, ...] = Field(min_length=1)


class _RolesFile(_Model):
    roles: tuple[RoleNames, ...] = ()


@dataclass(frozen=True, slots=True)
class Origin:
    """Where something was defined, for error messages and `derive`."""

    path: Path
    line: int | None


@dataclass(frozen=True, slots=True)
class Watchlist:
    """Everything in a watchlist folder, validated and cross-checked."""

    entities: dict[EntityId, Entity]
    rules: Rules = field(default_factory=Rules)
    documents: dict[str, Document] = field(default_factory=dict)
    origins: dict[EntityId, Origin] = field(default_factory=dict)
    role_aliases: frozenset[tuple[EntityId, str]] = frozenset()  # (entity, alias text) from roles.yaml
    events: EventTypes = field(default_factory=EventTypes)

    def stats(self) -> dict[str, int]:
        """Counts for `monitor watchlists validate`: entities, aliases, rules, documents."""
        return {
            "entities": len(self.entities),
            "actors": sum(not e.is_place for e in self.entities.values()),
            "places": sum(e.is_place for e in self.entities.values()),
            "aliases": sum(len(e.aliases) for e in self.entities.values()),
            "rules": len(self.rules.rules),
            "documents": len(self.documents),
        }


def load_watchlists(folder: Path) -> Watchlist:
    """Load `folder`; raise the first WatchlistError when anything is wrong."""
    watchlist, errors = check_watchlists(folder)
    if errors:
        raise errors[0]
    assert watchlist is not None
    return watchlist


def load_all_errors(folder: Path) -> list[WatchlistError]:
    """Every problem in `folder`, in file order; empty when it loads cleanly."""
    return check_watchlists(folder)[1]


@dataclass(slots=True)
class _Loaded:
    entities: list[tuple[Entity, Parsed, int]] = field(default_factory=list)
    rules: tuple[Rules, Parsed] | None = None
    documents: tuple[_BaselineFile, Parsed] | None = None
    roles: tuple[_RolesFile, Parsed] | None = None
    events: tuple[EventTypes, Parsed] | None = None


def check_watchlists(folder: Path) -> tuple[Watchlist | None, list[WatchlistError]]:
    """The loaded watchlist and no errors, or None and every problem in file order."""
    folder = Path(folder)
    errors: list[WatchlistError] = []
    if not folder.is_dir():
        return None, [WatchlistError(folder, None, None, "watchlist folder not found")]
    loaded = _read_folder(folder, errors)
    if any(e.message.startswith("YAML syntax") for e in errors):
        # a file that cannot be read leaves every reference into it dangling: those are no news
        return None, [e for e in errors if e.message.startswith("YAML syntax")]
    errors.extend(_cross_check(loaded))
    if not errors:
        errors.extend(_unusable(folder, loaded))
    if errors:
        return None, errors
    return _assemble(loaded), []


def _unusable(folder: Path, loaded: _Loaded) -> Iterator[WatchlistError]:
    """What is valid file by file but cannot work: no entities at all (an empty or wrong folder
    would store every article without a hit and never alert), or a rule that asks for an event
    type events.yaml does not define (it could never fire)."""
    if not loaded.entities:
        problem = "no entities in any *.yaml file: nothing would ever match (is it the watchlist folder?)"
        yield WatchlistError(folder, None, None, problem)
    if loaded.rules is None:
        return
    rules, parsed = loaded.rules
    defined = {t.id for t in loaded.events[0].types} if loaded.events else set()
    for i, rule in enumerate(rules.rules):
        if missing := [e for e in rule.events if e not in defined]:
            yield WatchlistError(
                parsed.path, parsed.line(("rules", i, "events")), f"{rule.id}.events",
                f"event types not defined in {EVENTS_FILE} (the rule could never fire): {', '.join(missing)}",
            )  # fmt: skip


def shortcomings(folder: Path, watchlist: Watchlist) -> list[str]:
    """What a valid watchlist lacks that a working one has: `monitor watchlists validate` prints
    these as warnings, and every other load logs them."""
    if watchlist.events.types:
        return []
    state = "defines no event types" if (folder / EVENTS_FILE).is_file() else "is missing"
    return [f"{folder / EVENTS_FILE} {state}: no article gets an event type (airstrike, deployment ...)"]


def _read_folder(folder: Path, errors: list[WatchlistError]) -> _Loaded:
    from monitor.yaml_lines import parse_yaml, validate

    loaded = _Loaded()
    for path in sorted(folder.glob("*.yaml")):
        parsed = parse_yaml(path, errors)
        if parsed is None:
            continue
        if path.name == RULES_FILE:
            if (rules := validate(parsed, Rules, errors)) is not None:
                loaded.rules = (rules, parsed)
        elif path.name == ROLES_FILE:
            if (roles := validate(parsed, _RolesFile, errors)) is not None:
                loaded.roles = (roles, parsed)
        elif path.name == EVENTS_FILE:
            if (events := validate(parsed, EventTypes, errors)) is not None:
                loaded.events = (events, parsed)
            errors.extend(_duplicates(_raw_type_ids(parsed)))
        elif path.name == BASELINE_FILE:
            if (docs := validate(parsed, _BaselineFile, errors)) is not None:
                loaded.documents = (docs, parsed)
        elif (entity_file := validate(parsed, _EntityFile, errors)) is not None:
            loaded.entities += [(e, parsed, i) for i, e in enumerate(entity_file.entities)]
    return loaded


def _assemble(loaded: _Loaded) -> Watchlist:
    extra: dict[str, tuple[Alias, ...]] = {}
    for role in loaded.roles[0].roles if loaded.roles else ():
        extra[role.entity] = extra.get(role.entity, ()) + role.aliases
    return Watchlist(
        entities={
            e.id: e.model_copy(update={"aliases": e.aliases + extra[e.id]}) if e.id in extra else e
            for e, _, _ in loaded.entities
        },
        rules=loaded.rules[0] if loaded.rules else Rules(),
        documents={d.id: d for d in loaded.documents[0].documents} if loaded.documents else {},
        origins={e.id: Origin(p.path, p.line(("entities", i))) for e, p, i in loaded.entities},
        role_aliases=frozenset((entity, a.text) for entity, aliases in extra.items() for a in aliases),
        events=loaded.events[0] if loaded.events else EventTypes(),
    )


# --- cross-file checks ----------------------------------------------------------------------


def _cross_check(loaded: _Loaded) -> Iterator[WatchlistError]:
    ids = {e.id for e, _, _ in loaded.entities}
    yield from _duplicates(_entity_ids(loaded))
    yield from _alias_collisions(loaded)
    yield from _dangling_references(loaded, ids)
    yield from _parent_cycles(loaded)
    if loaded.rules:
        yield from _rule_references(*loaded.rules, loaded)
    if loaded.roles:
        yield from _role_references(*loaded.roles, ids)
    if loaded.events and loaded.documents:
        yield from _event_provenance(*loaded.events, {d.id for d in loaded.documents[0].documents})


def _duplicates(defined: Iterable[tuple[str, Parsed, YamlPath, str]]) -> Iterator[WatchlistError]:
    """Each id defined again, given (id, its file, the location of its `id:`, the field to name)."""
    first: dict[str, str] = {}
    for ident, parsed, loc, field_name in defined:
        where = f"{parsed.path.name}:{parsed.line(loc)}"
        if ident in first:
            yield WatchlistError(
                parsed.path,
                parsed.line(loc),
                field_name,
                f"duplicate id {ident!r}, first defined at {first[ident]}",
            )
        first.setdefault(ident, where)


def _entity_ids(loaded: _Loaded) -> Iterator[tuple[str, Parsed, YamlPath, str]]:
    for entity, parsed, i in loaded.entities:
        yield entity.id, parsed, ("entities", i, "id"), f"{entity.id}.id"


def _raw_type_ids(parsed: Parsed) -> Iterator[tuple[str, Parsed, YamlPath, str]]:
    """events.yaml's type ids as written: read before validation, because a list-wide check of
    pydantic never runs once an item failed (a second `id: airstrike` with no triggers yet)."""
    types = parsed.data.get("types") if isinstance(parsed.data, dict) else None
    for i, entry in enumerate(types if isinstance(types, list) else []):
        if isinstance(entry, dict) and isinstance(entry.get("id"), str):
            yield entry["id"], parsed, ("types", i, "id"), f"types[{i}].id"


def _alias_collisions(loaded: _Loaded) -> Iterator[WatchlistError]:
    """An alias claimed by two entities, unless all claims but at most one are bound to a
    context: `context.require` words that say which entity it names there. The unbound claim is
    the default owner; a bound claim takes the alias where its words stand (bare حزب الله is
    Lebanese Hezbollah, beside الحشد الشعبي or النجباء Kata'ib Hezbollah: `monitor.matching`)."""
    from monitor.normalise import alias_key

    default: dict[str, tuple[str, str]] = {}  # alias key -> the entity of its unbound claim, where
    claims = [(e.id, e.aliases, p, ("entities", i)) for e, p, i in loaded.entities]
    if loaded.roles:
        roles, parsed = loaded.roles
        claims += [(r.entity, r.aliases, parsed, ("roles", i)) for i, r in enumerate(roles.roles)]
    for entity_id, aliases, parsed, at in claims:
        for j, alias in enumerate(aliases):
            if alias.context is not None and alias.context.require:
                continue
            loc = (*at, "aliases", j)
            owner = default.setdefault(
                alias_key(alias.text), (entity_id, f"{parsed.path.name}:{parsed.line(loc)}")
            )
            if owner[0] != entity_id:
                yield WatchlistError(
                    parsed.path, parsed.line(loc), f"{entity_id}.aliases[{j}]",
                    f"alias {alias.text!r} is also claimed by {owner[0]} ({owner[1]}); "
                    "all claims of a shared alias but one need context.require words",
                )  # fmt: skip


def _role_references(roles: _RolesFile, parsed: Parsed, ids: set[str]) -> Iterator[WatchlistError]:
    for i, role in enumerate(roles.roles):
        if role.entity not in ids:
            yield WatchlistError(
                parsed.path, parsed.line(("roles", i, "entity")), f"roles[{i}].entity",
                f"unknown entity id {role.entity!r}",
            )  # fmt: skip


def _event_provenance(events: EventTypes, parsed: Parsed, docs: set[str]) -> Iterator[WatchlistError]:
    for i, event in enumerate(events.types):
        for j, prov in enumerate(event.provenance):
            if prov.doc is not None and prov.doc not in docs:
                yield WatchlistError(
                    parsed.path, parsed.line(("types", i, "provenance", j, "doc")),
                    f"{event.id}.provenance[{j}].doc",
                    f"unknown document {prov.doc!r} (not in {BASELINE_FILE})",
                )  # fmt: skip


def _parent_cycles(loaded: _Loaded) -> Iterator[WatchlistError]:
    """An entity among its own ancestors (a in b, b in a): no place can contain itself."""
    from monitor.geo import ancestors

    entities = {entity.id: entity for entity, _, _ in loaded.entities}
    for entity, parsed, i in loaded.entities:
        # a parent that is the entity itself is reported as such (_dangling_references)
        if entity.id not in entity.parents and entity.id in ancestors(entity.id, entities):
            line = parsed.line(("entities", i, "parents"))
            problem = "its parents lead back to it: an entity cannot contain itself"
            yield WatchlistError(parsed.path, line, f"{entity.id}.parents", problem)


def _dangling_references(loaded: _Loaded, ids: set[str]) -> Iterator[WatchlistError]:
    docs = {d.id for d in loaded.documents[0].documents} if loaded.documents else None
    for entity, parsed, i in loaded.entities:
        for name in ("parents", "related"):
            for j, ref in enumerate(getattr(entity, name)):
                if ref not in ids or ref == entity.id:
                    problem = "refers to itself" if ref == entity.id else f"unknown entity id {ref!r}"
                    yield WatchlistError(
                        parsed.path, parsed.line(("entities", i, name, j)), f"{entity.id}.{name}", problem
                    )
        for j, prov in enumerate(entity.provenance if docs is not None else ()):
            if prov.doc is not None and prov.doc not in docs:  # type: ignore[operator]
                loc = ("entities", i, "provenance", j, "doc")
                yield WatchlistError(
                    parsed.path, parsed.line(loc), f"{entity.id}.provenance[{j}].doc",
                    f"unknown document {prov.doc!r} (not in {BASELINE_FILE})",
                )  # fmt: skip


def _rule_references(rules: Rules, parsed: Parsed, loaded: _Loaded) -> Iterator[WatchlistError]:
    ids = {e.id for e, _, _ in loaded.entities}
    tags = {t for e, _, _ in loaded.entities for t in e.tags}
    kinds = ACTOR_KINDS | PLACE_KINDS | set(KIND_GROUPS)
    for i, rule in enumerate(rules.rules):
        for j, selector in enumerate(rule.all):
            for name, known in (("ids", ids), ("tags", tags), ("kinds", kinds)):
                for k, value in enumerate(getattr(selector, name)):
                    if value not in known:
                        loc = ("rules", i, "all", j, name, k)
                        yield WatchlistError(
                            parsed.path, parsed.line(loc), f"{rule.id}.all[{j}].{name}",
                            f"unknown {name[:-1]} {value!r}",
                        )  # fmt: skip
