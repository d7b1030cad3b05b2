"""Named entities from spaCy, cleaned, resolved to canonical names within and across documents."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from newsdesk.enrich.outlets import canonical_outlet, name_key
from newsdesk.enrich.registry import AliasRegistry
from newsdesk.model import Entity, EntityType

SPACY_TYPES: dict[str, EntityType] = {
    "PERSON": EntityType.PERSON,
    "ORG": EntityType.ORGANIZATION,
    "GPE": EntityType.LOCATION,
    "LOC": EntityType.LOCATION,
    "FAC": EntityType.LOCATION,
    "NORP": EntityType.NORP,
    "EVENT": EntityType.EVENT,
}

HONORIFICS = frozenset("""
mr mrs ms miss mx dr prof sir dame lord lady sheikh sheik imam mullah rev reverend father sister
president vice-president vp premier chancellor minister secretary senator sen rep representative
governor gov mayor judge justice general gen colonel col major maj captain capt lt lieutenant sgt
sergeant commander admiral king queen prince princess emperor pope ayatollah former acting interim
self-proclaimed deputy prime foreign defence defense interior finance chief spokesman spokeswoman
spokesperson
""".split())
"""Titles and role words stripped from the front of person names."""

_JUNK = re.compile(r"[©®™|/\\•@#=<>{}\[\]]|\s[-–—]\s|^[-–—]|[-–—]$")
_POSSESSIVE = re.compile(r"['’](?:s)?$")
_EDGE = " \t\n\"'“”‘’.,;:!?()-–—*"


def clean_name(text: str, entity_type: EntityType) -> str | None:
    """A mention's name without leading "the", possessive, honorifics and edge punctuation; None if junk."""
    name = " ".join(text.split())
    if _JUNK.search(name):
        return None
    name = _POSSESSIVE.sub("", name.strip(_EDGE)).strip(_EDGE)
    if name[:4].lower() == "the ":
        name = name[4:]
    if entity_type is EntityType.PERSON:
        words = name.split()
        while len(words) > 1 and words[0].lower().rstrip(".") in HONORIFICS:
            words.pop(0)
        name = " ".join(words)
    letters = [c for c in name if c.isalpha()]
    if len(letters) < 2 or not any(c.isupper() for c in name):
        return None
    return name


PLACE_NOUNS = frozenset("""
valley gorge pass province region district county city town village river mountains mountain lake sea
island islands peninsula desert coast bay strait street square airport border state capital
""".split())
"""Words that make the name before them, or the name they end, a place ("Panjshir province")."""


def _headline_cased(text: str, start: int) -> bool:
    """Whether the line around `start` is written in title case (a headline or link text)."""
    line = text[text.rfind("\n", 0, start) + 1:(text.find("\n", start) + 1 or len(text) + 1) - 1]
    words = [w for w in re.findall(r"[^\W\d_]+", line) if len(w) > 3]
    return len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)


def _place_evidence(ent: Span) -> bool:
    """The name ends in a place noun, or one follows it ("the Khavak Pass", "Panjshir province")."""
    following = ent.doc[ent.end] if ent.end < len(ent.doc) else None
    return ent[-1].lower_ in PLACE_NOUNS or (following is not None and following.lower_ in PLACE_NOUNS)


def _display_score(surface: str, count: int) -> tuple[int, int, int]:
    capitals = sum(w[:1].isupper() for w in surface.split())
    return (count, not surface.isupper() or len(surface) <= 5, capitals)


@dataclass
class Mention:
    """One entity mention: cleaned name and type as tagged, where it is, and what it resolved to."""

    surface: str
    name: str
    type: EntityType
    start: int
    end: int
    canonical: str = ""
    canonical_type: EntityType | None = None


@dataclass
class _Group:
    mentions: list[Mention] = field(default_factory=list)
    merged_into: _Group | None = None

    def root(self) -> _Group:
        return self if self.merged_into is None else self.merged_into.root()

    @property
    def votes(self) -> Counter[EntityType]:
        return Counter(m.type for m in self.mentions)

    @property
    def display(self) -> str:
        counts = Counter(m.name for m in self.mentions)
        return max(counts, key=lambda s: _display_score(s, counts[s]))

    @property
    def tokens(self) -> list[str]:
        return name_key(self.display).split()


def extract_mentions(doc: Doc) -> list[Mention]:
    """Cleaned entity mentions of the types we keep, outlets under their canonical name.

    Mentions inside title-cased lines count only when the same name also occurs in running text.
    """
    places = frozenset(name_key(e.text) for e in doc.ents if e.label_ in ("GPE", "LOC"))
    kept: list[tuple[Mention, bool]] = []
    for ent in doc.ents:
        entity_type = SPACY_TYPES.get(ent.label_)
        if entity_type is None:
            continue
        name = clean_name(ent.text, entity_type)
        if name is None:
            continue
        outlet = canonical_outlet(name, places) if entity_type is not EntityType.LOCATION else None
        if outlet:
            name, entity_type = outlet, EntityType.ORGANIZATION
        elif entity_type in (EntityType.ORGANIZATION, EntityType.PERSON) and _place_evidence(ent):
            entity_type = EntityType.LOCATION
        mention = Mention(surface=ent.text.strip(), name=name, type=entity_type,
                          start=ent.start_char, end=ent.end_char)
        kept.append((mention, _headline_cased(doc.text, ent.start_char)))
    in_text = {name_key(m.name) for m, headline in kept if not headline}
    mentions = [m for m, headline in kept if not headline or name_key(m.name) in in_text]
    _type_places_by_longer_names(mentions)
    return mentions


def _type_places_by_longer_names(mentions: list[Mention]) -> None:
    """A one-word organisation or person name that heads a place name of the document
    ("Panjshir" beside "Panjshir Valley") is that place: the small model often tags places as ORG."""
    place_heads = {name_key(m.name).split()[0] for m in mentions
                   if m.type is EntityType.LOCATION and len(m.name.split()) > 1}
    names = {name_key(m.name) for m in mentions if m.type is EntityType.PERSON and len(m.name.split()) > 1}
    for mention in mentions:
        key = name_key(mention.name)
        if (mention.type is EntityType.ORGANIZATION and " " not in key and key in place_heads
                and not any(n.split()[0] == key for n in names)):
            mention.type = EntityType.LOCATION


def _is_short_form(short: list[str], full: list[str]) -> bool:
    """"Saleh"/"Amrullah" of "Amrullah Saleh", "Ahmad Massoud" of "Ahmad Shah Massoud"."""
    if not short or len(short) >= len(full):
        return False
    if len(short) == 1 and short[0] == full[0]:
        return True
    if short[-1] != full[-1]:
        return False
    rest = iter(full)
    return all(word in rest for word in short)


def _initials(tokens: list[str]) -> str:
    return "".join(w[0] for w in tokens if w not in {"of", "the", "and", "for", "de", "du"})


def _merge_aliases(groups: list[_Group]) -> None:
    """In-document alias resolution: short person names, title-prefixed names, acronyms."""
    persons = [g for g in groups if g.votes[EntityType.PERSON] and len(g.tokens) > 1]
    for group in sorted(groups, key=lambda g: -len(g.tokens)):
        if group.merged_into is not None:
            continue
        tokens = group.tokens
        targets: set[int] = set()
        candidates: list[_Group] = []
        if group.votes[EntityType.PERSON]:
            candidates = [p.root() for p in persons if _is_short_form(tokens, p.tokens)]
        if not candidates:  # "Afghanistan Amrullah Saleh": a longer span ending in a full person name
            candidates = [p.root() for p in persons
                          if len(p.tokens) < len(tokens) and tokens[-len(p.tokens):] == p.tokens]
        if not candidates and len(tokens) == 1 and any(m.name.isupper() for m in group.mentions):
            candidates = [g.root() for g in groups
                          if len(g.tokens) > 1 and _initials(g.tokens) == tokens[0]]
        for candidate in candidates:
            if candidate is not group:
                targets.add(id(candidate))
        if len(targets) == 1:
            group.merged_into = next(c for c in candidates if id(c) in targets)


@dataclass
class DocumentEntities:
    """The entities of one document and its resolved mentions, in text order."""

    entities: list[Entity]
    mentions: list[Mention]

    def __post_init__(self) -> None:
        self._starts = [m.start for m in self.mentions]

    def at(self, start: int, end: int) -> Mention | None:
        """The resolved mention overlapping the character span [start, end)."""
        i = bisect_right(self._starts, end - 1) - 1
        if i >= 0 and self.mentions[i].end > start:
            return self.mentions[i]
        return None

    def nearest_before(self, offset: int, entity_type: EntityType,
                       skip: list[tuple[int, int]] = ()) -> Mention | None:
        """The last mention of `entity_type` ending before `offset`, ignoring those inside `skip` spans."""
        for mention in reversed(self.mentions[:bisect_right(self._starts, offset)]):
            if mention.end > offset or mention.canonical_type is not entity_type:
                continue
            if any(s <= mention.start < e for s, e in skip):
                continue
            return mention
        return None


def resolve_entities(doc: Doc, registry: AliasRegistry) -> DocumentEntities:
    """Entities of `doc` with canonical names (in-document aliases, then the corpus registry)."""
    mentions = extract_mentions(doc)
    by_key: dict[str, _Group] = {}
    for mention in mentions:
        by_key.setdefault(name_key(mention.name), _Group()).mentions.append(mention)
    groups = list(by_key.values())
    _merge_aliases(groups)
    roots = [g for g in groups if g.merged_into is None]
    members: dict[int, list[Mention]] = {id(r): [] for r in roots}
    for group in groups:
        members[id(group.root())].extend(group.mentions)
    votes = [Counter(m.type for m in members[id(r)]) for r in roots]
    resolved = registry.canonicalize([(r.display, v) for r, v in zip(roots, votes)])
    entities = []
    for root, (name, entity_type) in zip(roots, resolved):
        group_mentions = members[id(root)]
        for mention in group_mentions:
            mention.canonical, mention.canonical_type = name, entity_type
        entities.append(Entity(name=name, type=entity_type, count=len(group_mentions),
                               surface_forms=sorted({m.surface for m in group_mentions})))
    entities.sort(key=lambda e: (-e.count, e.name))
    return DocumentEntities(entities=entities, mentions=mentions)

