"""Find watchlist entities in text (English and Arabic).

Owns the scan, requires_related and overlap resolution (`Matcher`), what each automaton key
stands for (`KeyRefs`, made lazily) and the account `--explain` gives (`explain`). Folding lives
in `monitor.normalise`, spelling variants in `monitor.variants`, the cached automaton in
`monitor.automaton`, the rules on one hit (context words, case, datelines, outlets ...) in
`monitor.context`, the rules on a phrase (coordination, lists of places, desert words) in
`monitor.phrases`, sentence breaks and snippets in `monitor.sentences`, priority rules in
`monitor.priority`. Pure: no I/O.

How a text is matched, and the trade-offs that make it fast:

1. Fold and squeeze (`monitor.normalise.normalise`): one character for one character, with an
   offset map paid per match rather than per character.
2. Scan. Words in the normalised text are separated by spaces only, so every key in the
   Aho-Corasick automaton is an alias variant padded with a space on both sides (the text is
   padded too). Whole-word boundaries then cost nothing and the automaton never reports a hit
   inside a word; Arabic proclitics (و ف ب ل ك, with or without ال, and لل), the optional
   article (al-, el-, ال) and generated transliterations are further keys rather than relaxed
   boundaries, so their cost is paid once when the automaton is built. (An Arabic key with its
   proclitic is looked up behind its core: see `monitor.automaton`.)
3. Check. Hits of aliases with conditions (context words, case, a possessive on a short alias)
   are checked within their sentence; the longest hit wins an overlap; requires_related aliases
   are kept only when a parent or related entity survived; offsets are mapped back to the input.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

from monitor.automaton import Keys, alias_keys
from monitor.context import (
    FORBID,
    FORBID_AFTER,
    FORBID_BEFORE,
    REQUIRE,
    SPORTS,
    TEAM_AGAIN,
    Hit,
    Near,
    Ref,
    Words,
    beside_settlement_word,
    beside_sports_word,
    context_rejects,
    cue_distance,
    fails_check,
    kind_rule,
    named_in_full,
    position,
    why_not,
)
from monitor.geo import ancestors
from monitor.normalise import Normalised, fold_words, normalise, unmarkup
from monitor.phrases import (
    BRACKET_RULE,
    COORDINATION,
    COORDINATION_RULE,
    DESERT_RULE,
    ERA,
    ERA_RULE,
    PLACE_LIST_RULE,
    Dating,
    EraCues,
    coordinations,
    dated,
    desert_regions,
    desert_word,
    eras_of,
    in_lists,
    listed_kind,
    unbracketed,
    unit_brackets,
)
from monitor.priority import prioritise
from monitor.records import Event, Mention, Priority
from monitor.variants import Variant, forms

if TYPE_CHECKING:
    from monitor.watchlists import Alias, Entity, Watchlist

_SHORT_ALIAS = 5  # shorter aliases (Ana, Rawa, Heri) take a trailing s only as a possessive


# --- the matcher -------------------------------------------------------------------------------


class _Entry(NamedTuple):
    """An automaton key's value: its padded length, the refs it stands for, whether to check them."""

    length: int
    refs: tuple[Ref, ...]
    checked: bool


class Explained(NamedTuple):
    """Why a mention was reported, or why a candidate was not (`monitor match --explain`)."""

    entity: str
    start: int  # in the input
    end: int
    text: str
    alias: str  # the alias as written in the watchlist
    variant: str  # the rules that made the matched key from the alias ("as written" when none)
    rule: str  # the context rule that kept it, or the one that dropped it
    kept: bool


class Matcher:
    """Built once from a Watchlist; `find` and `find_in_markup` may then be called from any thread."""

    def __init__(self, watchlist: Watchlist) -> None:
        self.watchlist = watchlist
        entities = list(watchlist.entities.values())
        aliases = [
            (e.id, i, a.text, a.case_sensitive, a.spellings)
            for e in entities
            for i, a in enumerate(e.aliases)
        ]
        keys = alias_keys(aliases)
        self.refs = KeyRefs(watchlist, keys)
        self._tails = keys.tails
        self.withheld = keys.withheld  # generated keys the guard dropped, and why
        self._empty = not keys.size
        self._related = {e.id: related_ids(watchlist, e) for e in watchlist.entities.values()}
        self.deserts = desert_regions(watchlist)
        self.eras = eras_of(watchlist)

    def find(self, text: str, published: int | None = None) -> list[Mention]:
        """Every entity mention in plain `text`, in order; offsets index `text` as given.
        `published`, the year of the text's publication, dates a name that changed hands when
        the text itself says nothing (see `monitor.phrases.dated`)."""
        return self._find_dated(text, published, None)

    def find_fields(
        self, fields: Mapping[str, str], published: int | None = None
    ) -> dict[str, list[Mention]]:
        """`find` on each non-empty field of an article (title, summary, content), except that a
        name whose referent changed on a date ("Syrian army" in a title) is dated by the cues of
        the whole article, not of its field alone (see `monitor.phrases.dated`). A field holding
        such a name is matched a second time, only when the other fields add cues."""
        texts = {name: text for name, text in fields.items() if text}
        datings = {name: Dating() for name in texts}
        found = {name: self._find_dated(text, published, datings[name]) for name, text in texts.items()}
        if len(texts) < 2 or not any(d.shared for d in datings.values()):
            return found
        own = {name: dating.cues() for name, dating in datings.items()}
        article = EraCues.of_all(own.values())
        for name, dating in datings.items():
            if dating.shared and own[name] != article:
                found[name] = self._find_dated(texts[name], published, Dating(article))
        return found

    def _find_dated(self, text: str, published: int | None, dating: Dating | None) -> list[Mention]:
        return with_brackets(
            lambda original, plain: self._find(original, plain, published, dating), text, text
        )

    def find_in_markup(self, text: str, published: int | None = None) -> list[Mention]:
        """Like `find` for HTML/feed markup; surfaces may contain entities such as `&#8217;`."""
        return with_brackets(
            lambda original, plain: self._find(original, plain, published), text, unmarkup(text)
        )

    def explain(self, text: str, published: int | None = None) -> tuple[list[Mention], list[Explained]]:
        """`find_in_markup(text)` and, per candidate the automaton found, why it was kept or
        dropped: the alias, the variant rules, and the context rule (slower; for people)."""
        return explain(self, text, published)

    def prioritise(
        self,
        fields: Mapping[str, str],
        mentions: Mapping[str, Sequence[Mention]],
        events: Mapping[str, Sequence[Event]] | None = None,
    ) -> Priority | None:
        """The article's priority from rules.yaml (events: monitor.events); None when nothing matched."""
        return prioritise(self.watchlist, fields, mentions, events or {})

    def _find(
        self, original: str, plain: str, published: int | None = None, dating: Dating | None = None
    ) -> list[Mention]:
        if self._empty:
            return []
        norm = normalise(plain)
        hits: list[Hit] = []
        dropped: list[Hit] = []
        wanting: list[Hit] = []  # dropped only for want of a required word: see `in_lists`, `dated`
        forbidden: list[Hit] = []  # dropped for a forbidden word: see `dated`
        beside: list[Hit] = []  # dropped for a forbidden word right before or after it
        scanned = list(self._scan(norm, plain, wanting, forbidden, beside)) + self._coordinated(norm, plain)
        if wanting:
            listable = [h for h in wanting if listed_kind(h.ref.entity) is not None]
            scanned += in_lists(listable, scanned, plain, norm)  # in no order: `_longest` sorts
        if self.eras:
            scanned = dated(
                scanned, wanting, forbidden, self.eras, self.watchlist, norm.text, published, dating
            )
        teams: set[str] = set()  # the entities named as a sports team somewhere in the text
        for hit in scanned:
            if (rule := kind_rule(hit.ref, norm, plain, hit.start, hit.end)) is None:
                hits.append(hit)
                continue
            dropped.append(hit)
            if rule.startswith(SPORTS):
                teams.add(hit.ref.entity.id)
        if teams:
            again = [
                h
                for h in hits
                if h.ref.entity.id in teams and beside_sports_word(norm, plain, h.start, h.end)
            ]
            hits = [h for h in hits if h not in again]
            dropped += again
        if dropped:
            hits = _outside(hits, dropped)
        if beside:  # a longer name a word beside it refused (قوات الحشد الشعبي السورية) takes the
            # shorter names of its entity inside it (قوات الحشد) with it
            hits = _outside(hits, [h for h in beside if h not in scanned], strictly=True)
        if not hits:
            return []
        found = self._short_names(self._with_related(hits, norm, plain), norm)
        mentions = [_mention(hit, norm, original) for hit in found]
        if self.deserts:
            mentions = with_deserts(self.deserts, found, mentions, norm, plain, original)
        return mentions

    def _scan(
        self, norm: Normalised, plain: str, wanting: list[Hit], forbidden: list[Hit], beside: list[Hit]
    ) -> Iterator[Hit]:
        """The hits whose aliases' own conditions hold; the hits that fail only for want of a
        required word go to `wanting`, those that fail for a forbidden word to `forbidden`, or
        to `beside` when it stands right before or after them."""
        entries, make = self.refs.entries, self.refs.make
        for end, index in self.refs.keys.hits(norm.text):
            length, refs, checked = entries[index] or make(index)
            # `end` indexes the padded text at the key's closing space: the word ends there in
            # the unpadded text, and starts where the key's opening space is in the padded one.
            start = end - length + 1
            if not checked:
                yield Hit(start, end - 1, refs[0])
                continue
            failed: Entity | None = None  # an entity whose ref failed: its other refs are not tried
            for i, ref in enumerate(refs):
                if ref.entity is failed:
                    continue
                why = fails_check(ref, norm, plain, start, end - 1)
                if why is None:
                    yield Hit(start, end - 1, _nearest_claim(ref, refs[i + 1 :], norm, plain, start, end - 1))
                    break
                if why is REQUIRE or why is FORBID:  # a name shared by entities: try the next one's
                    (wanting if why is REQUIRE else forbidden).append(Hit(start, end - 1, ref))
                    failed = ref.entity
                elif why is FORBID_BEFORE or why is FORBID_AFTER:
                    beside.append(Hit(start, end - 1, ref))

    def _coordinated(self, norm: Normalised, plain: str) -> list[Hit]:
        """Names that share their noun with a coordinated one: "the Syrian and Iraqi armies" names
        the Syrian army (`Syrian`) as well as the Iraqi one (found by the scan when the noun is
        singular; here when it is plural), القوات السورية والعراقية names the Iraqi forces too."""
        hits: list[Hit] = []
        for (start, end), keys in coordinations(norm.text, self._tails):
            for key in keys:
                if (hit := self._coordinated_hit(key, start, end, norm, plain)) is not None:
                    hits.append(hit)
                    break
        return hits

    def _coordinated_hit(self, key: str, start: int, end: int, norm: Normalised, plain: str) -> Hit | None:
        index = self.refs.keys.index_of(key)
        if index is None:
            return None
        for ref in self.refs.entry(index).refs:
            if ref.alias.case_sensitive or ref.possessive_only:
                continue
            if ref.context and context_rejects(ref, Near(norm, plain, start, end)) is not None:
                continue
            # rank 0: it stands for a longer name than the word it shares a span with (والقائم)
            return Hit(start, end, ref._replace(variant=ref.variant._replace(rank=0, rules=(COORDINATION,))))
        return None

    def _with_related(self, hits: list[Hit], norm: Normalised, plain: str) -> list[Hit]:
        """Resolve overlaps, then admit requires_related hits whose parent or related entity is in,
        and places named beside a settlement word (the village of Obeidi) in a text that names
        another watched entity freely (so "the city of Sousse" in Tunisia stays out)."""
        free = _longest(h for h in hits if not h.ref.alias.requires_related)
        waiting = [h for h in hits if h.ref.alias.requires_related]
        if not waiting:
            return free
        found = {h.ref.entity.id for h in free}
        named = [
            h
            for h in waiting
            if (found and h.ref.entity.is_place and beside_settlement_word(norm, plain, h.start, h.end))
            or (h.ref.entity.kind == "person" and named_in_full(h.ref, plain, norm.source(h.start)))
        ]
        found |= {h.ref.entity.id for h in named}
        while newly := {h.ref.entity.id for h in waiting if self._admitted(h, found)} - found:
            found |= newly
        return _longest(free + named + [h for h in waiting if h not in named and self._admitted(h, found)])

    def _short_names(self, hits: list[Hit], norm: Normalised) -> list[Hit]:
        """A shared name its default owner took goes to a context-bound claimant that the text
        names in full, by a name nobody shares that holds the shared one (غارات على مواقع لكتائب
        حزب الله ... مقتل عناصر من حزب الله: the faction just named), when the text names the
        default owner by no name of its own and none of the claim's forbidden words (لبنان, نصر
        الله ...) stands in it. A name the shared one is not part of ("جيش مغاوير الثورة التابع
        للجيش السوري الحر") is another entity, not its short name."""
        claims = {id(h): self._claims(h) for h in hits if h.ref.shared}
        if not any(claims.values()):
            return hits
        full: dict[str, list[str]] = {}  # entity -> the keys of its names nobody else claims
        for h in hits:
            if not h.ref.shared:
                full.setdefault(h.ref.entity.id, []).append(f" {h.ref.variant.key} ")
        words: set[str] = set()
        taken: list[Hit] = []
        for hit in hits:
            short = f" {hit.ref.variant.key} "
            named = [r for r in claims.get(id(hit), ()) if any(short in k for k in full.get(r.entity.id, ()))]
            claim = named[0] if named else None
            if claim is not None and hit.ref.entity.id not in full:
                words = words or _words_and_pairs(norm.text)
                if words.isdisjoint(claim.context.forbid):
                    variant = claim.variant._replace(rules=(SHORT_NAME,))
                    hit = hit._replace(ref=claim._replace(variant=variant))
            taken.append(hit)
        return taken

    def _owners(self, hit: Hit) -> tuple[Ref, ...]:
        index = self.refs.keys.index_of(hit.ref.variant.key)
        return () if index is None else self.refs.entry(index).refs

    def _claims(self, hit: Hit) -> list[Ref]:
        """The context-bound claims of other entities on the name of a hit its default owner took."""
        if claims_by_context(hit.ref):
            return []
        return [r for r in self._owners(hit) if r.entity is not hit.ref.entity and claims_by_context(r)]

    def _admitted(self, hit: Hit, found: set[str]) -> bool:
        return not self._related[hit.ref.entity.id].isdisjoint(found)


def with_brackets(find: Callable[[str, str], list[Mention]], original: str, plain: str) -> list[Mention]:
    """`find(original, plain)`, and the units named across a bracketed name (the 13th (Tafuf)
    Brigade), found in the text read without it: the bracketed name stays a mention of its own."""
    mentions = find(original, plain)
    if not (spans := unit_brackets(plain)):
        return mentions
    across = [
        m for m in find(original, unbracketed(plain, spans))
        if any(m.start < start and end < m.end for start, end in spans)
    ]  # fmt: skip
    if not across:
        return mentions
    mentions = [m for m in mentions if not any(_within(m, a) for a in across)]  # the longest wins
    return sorted(mentions + across, key=lambda m: m.start)


def with_deserts(
    deserts: Mapping[str, Entity],
    hits: list[Hit],
    mentions: list[Mention],
    norm: Normalised,
    plain: str,
    original: str,
) -> list[Mention]:
    """`mentions` and the desert region of each place named with a desert word (see
    `desert_regions`), unless the region is already reported there."""
    added: list[Mention] = []
    regions = {r.id for r in deserts.values()}
    spans: dict[str, list[tuple[int, int]]] = {}  # reported spans of each region
    for m in mentions:
        if m.entity in regions:
            spans.setdefault(m.entity, []).append((m.start, m.end))
    for hit in hits:
        region = deserts.get(hit.ref.entity.id)
        if region is None or (word := desert_word(norm, plain, hit.start, hit.end)) is None:
            continue
        start, end = norm.span(*word)
        reported = spans.setdefault(region.id, [])
        if any(low < end and start < high for low, high in reported):
            continue
        reported.append((start, end))
        text = original[start:end]
        added.append(Mention(region.id, region.name, region.kind, start, end, text, hit.ref.alias.text))
    return sorted(mentions + added, key=lambda m: m.start) if added else mentions


def explain(
    matcher: Matcher, text: str, published: int | None = None
) -> tuple[list[Mention], list[Explained]]:
    """`Matcher.explain`: the mentions, and per candidate the automaton found why it was kept or
    dropped. Scans the text again, through the same key table as `find`."""
    mentions = matcher.find_in_markup(text, published)
    plain = unmarkup(text)
    norm = normalise(plain)
    reported = {(m.entity, m.start, m.end) for m in mentions}
    rows: list[Explained] = []
    for end, index in matcher.refs.keys.hits(norm.text):
        length, refs, _checked = matcher.refs.entry(index)
        start = end - length + 1
        source_start, source_end = norm.span(start, end - 1)
        owners = {r.entity.id for r in refs}
        for ref in refs:
            why = why_not(ref, norm, plain, start, end - 1)
            is_reported = (ref.entity.id, source_start, source_end) in reported
            rule = why or kept_by(ref, norm, plain, start, end - 1)
            if why is None and not is_reported:
                rule = _OVERLAP
            elif why is REQUIRE and is_reported:
                rule = _admitted_rule(ref, len(owners) > 1)
            if len(owners) > 1:
                rule = _shared_rule(ref, owners, rule, is_reported)
            rows.append(Explained(
                ref.entity.id, source_start, source_end, text[source_start:source_end], ref.alias.text,
                ", ".join(ref.variant.rules) or "as written", rule, is_reported,
            ))  # fmt: skip
            if is_reported:
                break
    teams = {r.entity for r in rows if r.rule.startswith(SPORTS)}
    rows = [r._replace(rule=TEAM_AGAIN) if r.rule == _OVERLAP and r.entity in teams else r for r in rows]
    explained = {(r.entity, r.start, r.end) for r in rows if r.kept}
    for m in mentions:  # no key of its entity at its span: see `_unkeyed`
        if (m.entity, m.start, m.end) not in explained:
            rows.append(Explained(m.entity, m.start, m.end, m.text, m.alias, *_unkeyed(matcher, m), True))
    return mentions, rows


_OVERLAP = "overlap: a longer name or requires_related dropped it"


def _admitted_rule(ref: Ref, shared: bool) -> str:
    """Which rule on the whole text admitted a candidate its own context words did not."""
    if ref.entity.is_place or (listed_kind(ref.entity) is not None and not shared):
        return PLACE_LIST_RULE
    return SHORT_NAME_RULE if shared and claims_by_context(ref) else ERA_RULE


def _shared_rule(ref: Ref, owners: set[str], rule: str, kept: bool) -> str:
    """The rule of a candidate of an alias several entities claim, with which claim won."""
    others = ", ".join(sorted(owners - {ref.entity.id}))
    if claims_by_context(ref):
        outcome = f"its context claim wins over {others}" if kept else "its context claim does not hold"
        return f"{rule} (shared alias: {outcome})"
    if kept:
        return f"{rule} (shared alias: the default owner, no context claim of {others} held)"
    return rule


def _unkeyed(matcher: Matcher, mention: Mention) -> tuple[str, str]:
    """The variant and rule of a mention no key of its entity found at its span: a desert
    region named through one of its places, a name re-dated by its text, or a name sharing
    a coordinated noun."""
    if mention.entity in {r.id for r in matcher.deserts.values()}:
        return "desert word", DESERT_RULE
    if "(" in mention.text:
        return "bracketed name deleted", BRACKET_RULE
    own = {a.text for a in matcher.watchlist.entities[mention.entity].aliases}
    if (mention.entity, fold_words(mention.alias)) in matcher.eras and mention.alias not in own:
        return ERA, ERA_RULE
    return COORDINATION, COORDINATION_RULE


def kept_by(ref: Ref, norm: Normalised, plain: str, start: int, end: int) -> str:
    """The rule that let a hit stand (for --explain)."""
    words = ref.context
    if not words.require:
        return "no context rule" if not words else "context: no forbidden word near"
    near = Near(norm, plain, start, end)
    if not near.words(words.window, words.window, words.pairs).isdisjoint(words.require):
        return "context: a required word within the window"
    return "place cue: a place word or preposition right before the name"


def related_ids(watchlist: Watchlist, entity: Entity) -> frozenset[str]:
    """The entities whose mention admits `entity`'s requires_related aliases: its parents and
    their parents up the tree (al-Sukkariyah is in al-Bukamal, which is in Deir ez-Zor: "al-Sukkariyah,
    east of Deir ez-Zor" names the village) and its related entities."""
    return frozenset(entity.related) | ancestors(entity.id, watchlist.entities)


def _outside(hits: list[Hit], dropped: list[Hit], strictly: bool = False) -> list[Hit]:
    """`hits` without those inside a dropped hit of their entity: a shorter name inside a name a
    kind rule dropped (the `Soleimani` of the Qassem Soleimani Brigade) goes with it, the longest
    name decides. `strictly`: only a shorter name (not one of the same span: US in "US and
    Turkish forces", the coordinated name)."""
    by_entity: dict[str, list[Hit]] = {}
    for other in dropped:
        by_entity.setdefault(other.ref.entity.id, []).append(other)
    return [h for h in hits if not any(_inside(h, o, strictly) for o in by_entity.get(h.ref.entity.id, ()))]


def _inside(hit: Hit, dropped: Hit, strictly: bool) -> bool:
    inside = hit.ref.entity is dropped.ref.entity and dropped.start <= hit.start and hit.end <= dropped.end
    return inside and not (strictly and (hit.start, hit.end) == (dropped.start, dropped.end))


def _within(mention: Mention, longer: Mention) -> bool:
    """A mention of the same entity inside a longer one (Tafuf Brigade in 13th (Tafuf) Brigade)."""
    return mention.entity == longer.entity and longer.start <= mention.start and mention.end <= longer.end


def _mention(hit: Hit, norm: Normalised, original: str) -> Mention:
    start, end = norm.span(hit.start, hit.end)
    entity = hit.ref.entity
    return Mention(entity.id, entity.name, entity.kind, start, end, original[start:end], hit.ref.alias.text)


class KeyRefs:
    """What each key of the alias automaton stands for (`_Entry`, by the automaton's index), made
    on the key's first hit: most keys are never hit by a given text, so the refs of every key
    are not made up front. Entries are only ever added, so threads may share one."""

    def __init__(self, watchlist: Watchlist, keys: Keys) -> None:
        self.watchlist = watchlist
        self.keys = keys
        self.entries: list[_Entry | None] = [None] * keys.size
        self._makers: dict[tuple[str, int], _RefMaker] = {}

    def entry(self, index: int) -> _Entry:
        return self.entries[index] or self.make(index)

    def make(self, index: int) -> _Entry:
        key, rows = self.keys.record(index)
        refs = [self._maker(entity, alias).ref(Variant(key, suffix, rank, tuple(rules)))
                for entity, alias, suffix, rank, rules in rows]  # fmt: skip
        best = _best_variants(refs)
        if len({r.entity.id for r in best}) > 1:
            best = tuple(r._replace(shared=True) for r in best)
        entry = self.entries[index] = _Entry(len(key) + 2, best, any(r.needs_check for r in best))
        return entry

    def _maker(self, entity_id: str, index: int) -> _RefMaker:
        if (maker := self._makers.get((entity_id, index))) is None:
            entity = self.watchlist.entities[entity_id]
            alias = entity.aliases[index]
            role = (entity_id, alias.text) in self.watchlist.role_aliases
            maker = self._makers[entity_id, index] = _RefMaker(entity, alias, role)
        return maker


class _RefMaker:
    """What every ref of one alias shares, computed once per alias."""

    def __init__(self, entity: Entity, alias: Alias, role: bool) -> None:
        self.entity, self.alias, self.role = entity, alias, role
        self.context = Words.of(alias.context)
        self.letters = "".join(c for c in alias.text if c.isalnum())
        self.checked = bool(self.context) or alias.case_sensitive

    def ref(self, variant: Variant) -> Ref:
        # a short alias (Ana, Rawa) or one ending in s (ISIS) takes its trailing s only as a possessive
        possessive_only = variant.suffix and (
            len(variant.key.replace(" ", "")) - 1 < _SHORT_ALIAS or variant.key[-2] == "s"
        )
        needs_check = self.checked or possessive_only
        return Ref(
            self.entity, self.alias, variant, self.context, self.letters, possessive_only, needs_check,
            self.role,
        )  # fmt: skip


def _best_variants(refs: list[Ref]) -> tuple[Ref, ...]:
    """Per entity, only the refs closest to an alias as written: a guarded `Hiri` is not
    unguarded by the article-less variant of `al-Hiri`. A key several entities claim lists the
    context-bound claims before the default owner's (`claims_by_context`): the scan keeps the
    first ref whose conditions hold, so a bound claim takes the name where its words stand and
    the default owner has it everywhere else, never both."""
    if len(refs) == 1:
        return (refs[0],)
    best: dict[str, int] = {}
    for ref in refs:
        best[ref.entity.id] = min(best.get(ref.entity.id, ref.variant.rank), ref.variant.rank)
    kept = [r for r in refs if r.variant.rank == best[r.entity.id]]
    default = {r.entity.id for r in kept if not claims_by_context(r)}
    return tuple(sorted(kept, key=lambda r: (r.entity.id in default, r.variant.rank, r.variant.suffix)))


SHORT_NAME = "short name"  # the variant of a shared name given to the claimant named in full
SHORT_NAME_RULE = "short name: the text names this entity in full, nothing of the default owner's"


def _words_and_pairs(text: str) -> set[str]:
    """Every word of a folded text in each of its forms, and every pair of neighbouring words."""
    words = text.split()
    return {f for w in words for f in forms(w)} | {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}


def _nearest_claim(
    ref: Ref, others: Sequence[Ref], norm: Normalised, plain: str, start: int, end: int
) -> Ref:
    """Of the context-bound claims on one name whose conditions hold, the one whose required word
    stands nearest (من الجانب السوري وزير الداخلية ... ومن الجانب العراقي: the Syrian minister);
    on a tie, `ref`, the first listed."""
    if not claims_by_context(ref):
        return ref
    rivals = [
        r for r in others
        if r.entity is not ref.entity and claims_by_context(r)
        and fails_check(r, norm, plain, start, end) is None
    ]  # fmt: skip
    if not rivals:
        return ref
    near = Near(norm, plain, start, end)
    return min([ref, *rivals], key=lambda r: cue_distance(r, near))


def claims_by_context(ref: Ref) -> bool:
    """Whether the ref's alias is a context-bound claim: it names its entity only beside one of
    its `context.require` words (see `monitor.watchlists._alias_collisions`)."""
    return bool(ref.context.require)


def _longest(hits: Iterable[Hit]) -> list[Hit]:
    """Hits in text order with overlaps resolved: the longest wins, then the earliest, then the
    variant as written. Overlaps are rare, so hits are grouped into overlapping clusters first
    and only clusters of two or more are sorted by length."""
    kept: list[Hit] = []
    cluster: list[Hit] = []
    cluster_end = -1
    for hit in sorted(hits, key=position):
        if hit.start >= cluster_end:
            kept += cluster if len(cluster) < 2 else _resolve(cluster)
            cluster = []
        cluster.append(hit)
        cluster_end = max(cluster_end, hit.end)
    return kept + (cluster if len(cluster) < 2 else _resolve(cluster))


def _resolve(cluster: list[Hit]) -> list[Hit]:
    """Longest first; a role name may also stand where it only partly overlaps a name of another
    entity, whichever is the longer ("Bashar al-Assad’s regime", بنظام بشار الأسد: the person, and
    the regime's forces)."""
    chosen: list[Hit] = []
    for hit in sorted(cluster, key=lambda h: (h.start - h.end, h.start, h.ref.variant.rank)):
        if all(hit.end <= c.start or hit.start >= c.end or _beside(hit, c) for c in chosen):
            chosen.append(hit)
    return sorted(chosen, key=lambda h: h.start)


def _beside(hit: Hit, other: Hit) -> bool:
    partial = hit.start < other.start < hit.end < other.end or other.start < hit.start < other.end < hit.end
    return partial and (hit.ref.role or other.ref.role) and hit.ref.entity.id != other.ref.entity.id
