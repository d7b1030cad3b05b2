"""Named entities from spaCy, cleaned, resolved to canonical names within and across documents."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from spacy.attrs import ORTH
from spacy.tokens import Doc, Span

from newsdesk.enrich.outlets import canonical_outlet, name_key
from newsdesk.enrich.registry import AliasRegistry, document_type
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
sergeant commander admiral ayatollah former acting interim
self-proclaimed deputy prime foreign defence defense interior finance chief spokesman spokeswoman
spokesperson
""".split())
"""Titles and role words stripped from the front of person names (royal and papal titles stay:
they are part of the name a person is known by, "Prince Andrew")."""

PLACE_NOUNS = frozenset("""
valley gorge pass province region district county village river mountains mountain lake sea ocean
island islands peninsula desert coast bay strait canyon plateau
""".split())
"""Words that make the name before them, or the name they end, a place ("Panjshir province"); not
"city", "state" or "square", which end names of organisations too ("Manchester City", "Islamic State")."""


NAME_PARTICLES = frozenset("""
of the and for on in at de del della der den van von da das do dos du di la le les el al bin ibn y e sans zu ter ten
""".split())
"""Lower-case words that may sit inside a proper name ("Bank of America", "Ludwig van Beethoven")."""

_JUNK = re.compile(r"[©®™|/\\•@#=<>{}\[\]]|\s[-–—]\s|^[-–—]|[-–—]$|:\s")
_SCORE = re.compile(r"\(?\d+[-–]\d+\)?")
_POSSESSIVE = re.compile(r"['’](?:s)?$")
_EDGE = " \t\n\"'“”‘’.,;:!?()-–—*"


def clean_name(text: str, entity_type: EntityType) -> str | None:
    """A mention's name without leading "the", possessive, honorifics and edge punctuation; None if junk."""
    name = " ".join(text.split())
    if _JUNK.search(name):
        return None
    name = _POSSESSIVE.sub("", name.strip(_EDGE)).strip(_EDGE)
    if name[:4].lower() == "the ":
        name = name[4:].strip(_EDGE)
    words = name.split()
    while len(words) > 1 and words[0].islower() and words[0] not in NAME_PARTICLES:
        words.pop(0)  # "rang Taylor", "s Haqqani" (but "iPad Pro" stays)
    if entity_type in (EntityType.PERSON, EntityType.ORGANIZATION) and any(
            w.islower() and w not in NAME_PARTICLES and w not in PLACE_NOUNS for w in words[1:]):
        return None  # "Garrett hit Rudolph": a span running over a verb
    while len(words) > 1 and (_SCORE.fullmatch(words[-1])
                              or (entity_type is EntityType.PERSON and any(c.isdigit() for c in words[-1]))):
        words.pop()  # "Nicolas Jarry 6-4", "Chile 3-0"
    if entity_type is EntityType.PERSON:
        while len(words) > 1 and words[0].lower().rstrip(".") in HONORIFICS:
            words.pop(0)
        abbreviations = [i for i, w in enumerate(words) if w.isalpha() and w.isupper() and len(w) <= 4]
        if abbreviations and len(words) - abbreviations[-1] - 1 >= 2:
            words = words[abbreviations[-1] + 1:]  # "Browns DL Sheldon Richardson": team and position
    name = " ".join(words)
    letters = [c for c in name if c.isalpha()]
    if len(letters) < 2 or not any(c.isupper() for c in name):
        return None
    return name


HEADLINE_MAX_CHARS = 300
"""A longer line is prose, never a headline (and is not scanned word by word)."""


def _headline_cased(text: str, start: int, seen: dict[int, bool]) -> bool:
    """Whether the line around `start` is written in title case (a headline or link text); `seen` caches by line."""
    line_start = text.rfind("\n", 0, start) + 1
    if line_start not in seen:
        line_end = text.find("\n", start)
        line = text[line_start:len(text) if line_end < 0 else line_end]
        words = [w for w in re.findall(r"[^\W\d_]+", line) if len(w) > 3] if len(line) <= HEADLINE_MAX_CHARS else []
        seen[line_start] = len(words) >= 4 and sum(w[0].isupper() for w in words) >= 0.8 * len(words)
    return seen[line_start]


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
    named_person: bool = False
    """A person's short name ("Webb said") was merged into this one: it names a person."""

    def root(self) -> _Group:
        return self if self.merged_into is None else self.merged_into.root()

    @property
    def votes(self) -> Counter[EntityType]:
        return Counter(m.type for m in self.mentions)

    @cached_property
    def display(self) -> str:
        counts = Counter(m.name for m in self.mentions)
        return max(counts, key=lambda s: _display_score(s, counts[s]))

    @cached_property
    def tokens(self) -> list[str]:
        return name_key(self.display).split()

    @cached_property
    def core(self) -> list[str]:
        return person_core(self.tokens)


def extract_mentions(doc: Doc, ents: Sequence[Span]) -> list[Mention]:
    """Cleaned entity mentions of the types we keep (from `ents`, the doc's entity spans), outlets under
    their canonical name.

    Mentions inside title-cased lines count only when the same name also occurs in running text.
    """
    text = doc.text
    places = frozenset(name_key(e.text) for e in ents if e.label_ in ("GPE", "LOC"))
    kept: list[tuple[Mention, bool]] = []
    headline_lines: dict[int, bool] = {}
    for ent in ents:
        entity_type = SPACY_TYPES.get(ent.label_)
        if entity_type is None:
            continue
        name = clean_name(ent.text, entity_type)
        if name is None:
            continue
        outlet = None if entity_type is EntityType.LOCATION else (
            canonical_outlet(ent.text, places) or canonical_outlet(name, places))  # "The Hill" keeps its "The"
        if outlet:
            name, entity_type = outlet, EntityType.ORGANIZATION
        elif entity_type in (EntityType.ORGANIZATION, EntityType.PERSON) and _place_evidence(ent):
            entity_type = EntityType.LOCATION
        mention = Mention(surface=ent.text.strip(), name=name, type=entity_type,
                          start=ent.start_char, end=ent.end_char)
        kept.append((mention, _headline_cased(text, ent.start_char, headline_lines)))
    in_text = {name_key(m.name) for m, headline in kept if not headline}
    lower_words = {word for word in map(doc.vocab.strings.__getitem__, set(doc.to_array(ORTH).tolist()))
                   if word.islower()}
    mentions = [m for m, headline in kept if (not headline or name_key(m.name) in in_text)
                and not _common_word(m, lower_words)]
    _type_places_by_longer_names(mentions)
    return mentions


def _common_word(mention: Mention, lower_words: set[str]) -> bool:
    """A one-word person or organisation name the same text also uses as an ordinary word ("Challenges")."""
    return (mention.type in (EntityType.PERSON, EntityType.ORGANIZATION) and " " not in mention.name
            and mention.name.lower() in lower_words)


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


def _is_short_form(short: list[str], full: list[str], *, first_name: bool = True) -> bool:
    """"Saleh" (or, with `first_name`, "Amrullah") of "Amrullah Saleh"; "Ahmad Massoud" of "Ahmad Shah Massoud"."""
    if not short or len(short) >= len(full):
        return False
    if len(short) == 1 and short[0] == full[0]:
        return first_name
    if short[-1] != full[-1]:
        return False
    rest = iter(full)
    return all(word in rest for word in short)


def _same_person(a: list[str], b: list[str]) -> bool:
    """Two full names of one person: same surname, each given name equal to or a short form of the other."""
    if len(a) != len(b) or a[-1] != b[-1]:
        return False
    return all(x == y or (min(len(x), len(y)) >= 3 and (x.startswith(y) or y.startswith(x)))
               for x, y in zip(a[:-1], b[:-1]))


GENERATIONAL_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


def person_core(tokens: list[str]) -> list[str]:
    """A person name's key words, without middle initials and generational suffixes ("Patrick W. Carlineo Jr")."""
    core = [t for t in tokens if len(t) > 1 and t not in GENERATIONAL_SUFFIXES]
    return core or tokens


def _initials(tokens: list[str]) -> str:
    return "".join(w[0] for w in tokens if w not in {"of", "the", "and", "for", "de", "du"})


def _merge_aliases(groups: list[_Group]) -> None:
    """In-document alias resolution: short person names, title-prefixed names, acronyms."""
    persons = [g for g in groups if g.votes[EntityType.PERSON] and len(g.core) > 1]
    kept: list[_Group] = []
    for person in sorted(persons, key=lambda g: (-len(g.mentions), -len(g.tokens))):
        same = next((k for k in kept if _same_person(person.core, k.core)), None)
        if same is None:
            kept.append(person)
        else:  # "Patrick W. Carlineo", "Patrick Carlineo Jr", "Pat Carlineo"
            person.merged_into = same
    full_names = [g for g in groups if g.merged_into is None and len(g.core) > 1
                  and (g.votes[EntityType.PERSON] or g.votes[EntityType.ORGANIZATION])]
    persons = [g for g in persons if g.merged_into is None]
    for group in sorted(groups, key=lambda g: -len(g.tokens)):
        if group.merged_into is not None:
            continue
        tokens, short = group.tokens, group.core
        targets: set[int] = set()
        candidates: list[_Group] = []
        if group.votes[EntityType.PERSON]:  # "Mason Rudolph" may be tagged ORG, "Rudolph" PERSON
            candidates = [p.root() for p in full_names
                          if _is_short_form(short, p.core, first_name=bool(p.votes[EntityType.PERSON]))]
        elif document_type(group.votes) is EntityType.ORGANIZATION:  # "Bublik" tagged ORG
            candidates = [p.root() for p in persons if _is_short_form(short, p.core, first_name=False)]
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
            if group.votes[EntityType.PERSON] and len(tokens) < len(group.merged_into.tokens):
                group.merged_into.named_person = True


@dataclass
class DocumentEntities:
    """The entities of one document and its resolved mentions, in text order."""

    entities: list[Entity]
    mentions: list[Mention]
    date_expressions: list[str] = field(default_factory=list)
    """Texts of the DATE and TIME spans the model found, in text order."""

    def __post_init__(self) -> None:
        self._starts = [m.start for m in self.mentions]

    def at(self, start: int, end: int) -> Mention | None:
        """The resolved mention overlapping the character span [start, end)."""
        i = bisect_right(self._starts, end - 1) - 1
        if i >= 0 and self.mentions[i].end > start:
            return self.mentions[i]
        return None

    def person_named(self, name: str) -> str | None:
        """Canonical name of the one person `name` refers to: a mention's name, or a short form of one."""
        key = name_key(name).split()
        if not key:
            return None
        exact = {m.canonical for m in self.mentions if name_key(m.name).split() == key}
        if len(exact) == 1:
            return exact.pop()
        persons = {e.name for e in self.entities if e.type is EntityType.PERSON
                   and _is_short_form(key, name_key(e.name).split())}
        return persons.pop() if len(persons) == 1 else None

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
    ents = doc.ents  # each access walks the whole document
    mentions = extract_mentions(doc, ents)
    by_key: dict[str, _Group] = {}
    for mention in mentions:
        by_key.setdefault(name_key(mention.name), _Group()).mentions.append(mention)
    groups = list(by_key.values())
    _merge_aliases(groups)
    roots = [g for g in groups if g.merged_into is None]
    members: dict[int, list[Mention]] = {id(r): [] for r in roots}
    for group in groups:
        members[id(group.root())].extend(group.mentions)
    votes = [Counter({EntityType.PERSON: len(members[id(r)])}) if r.named_person
             else Counter(m.type for m in members[id(r)]) for r in roots]
    resolved = registry.canonicalize([(r.display, v) for r, v in zip(roots, votes)])
    entities = []
    for root, (name, entity_type) in zip(roots, resolved):
        group_mentions = members[id(root)]
        for mention in group_mentions:
            mention.canonical, mention.canonical_type = name, entity_type
        entities.append(Entity(name=name, type=entity_type, count=len(group_mentions),
                               surface_forms=sorted({m.surface for m in group_mentions})))
    entities.sort(key=lambda e: (-e.count, e.name))
    return DocumentEntities(entities=entities, mentions=mentions,
                            date_expressions=[e.text for e in ents if e.label_ in ("DATE", "TIME")])

