"""Named entities from spaCy, cleaned, typed and resolved to canonical names within and across documents.

Per mention: the name is cleaned (titles, possessives, glued name cards, edge noise), junk is dropped
(abbreviations and interjections, list labels, events, works, products), and the type is fixed where the
gazetteer, the text around it or the name's own shape say so. Per document: mentions of one entity are
merged (short person names, acronyms, a company's short and legal names, place variants, a team's
nickname and city). Across documents: the alias registry gives one canonical name and type per entity.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from spacy.attrs import ORTH, SPACY
from spacy.tokens import Doc, Span

from newsdesk.enrich.gazetteer import Known, fits_title, gazetteer, gazetteer_key, nickname_pair
from newsdesk.enrich.nlp import text_of
from newsdesk.enrich.outlets import canonical_outlet, name_key
from newsdesk.enrich.registry import AliasRegistry, Observed, document_type, merge_alike
from newsdesk.model import FACET_ENTITY_TYPES as FACET_TYPES
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

PERSONAL_TITLES = frozenset("mr mrs ms miss mx dr prof sir dame lord lady".split())
"""Titles only a person bears: one before a single name ("Mr Varoufakis") is a person, whatever the model tagged."""
HONORIFICS = PERSONAL_TITLES | frozenset("""
sheikh sheik imam mullah rev reverend father sister
president vice-president vp premier chancellor minister secretary senator sen rep representative
governor gov mayor judge justice general gen colonel col major maj captain capt lt lieutenant sgt
sergeant commander admiral ayatollah former acting interim
self-proclaimed deputy prime foreign defence defense interior finance chief spokesman spokeswoman
spokesperson coach host singer actor actress rapper star ambassador envoy chairman chairwoman vice
speaker leader whip attorney counsel adviser advisor director officer executive ceo cfo coo founder co-founder
professor analyst strategist commissioner chair sheriff detective inspector prosecutor lawyer author writer
editor reporter columnist correspondent producer quarterback striker pitcher goalkeeper goalie
state homeland security energy health treasury commerce labor education transportation agriculture
veterans affairs house senate majority minority press national special district of the u.s. us
staff airman corporal cpl pvt trooper constable congressman congresswoman councilman councilwoman assemblyman assemblywoman
agent charge fellow retired tory democrat republican mp
""".split())
"""Titles and role words stripped from the front of person names (royal and papal titles stay:
they are part of the name a person is known by, "Prince Andrew")."""

ROLE_PREFIX = re.compile(r"^(?:(?:co-)?founder|ceo|chairman|chairwoman|president|head|director|chief|owner|"
                         r"member|leader|spokesman|spokeswoman|spokesperson)\s+of\s+(?:the\s+)?", re.I)
"""A role phrase run into an organisation's name ("Founder of Ceres Robotics Inc.")."""

PLACE_NOUNS = frozenset("""
valley gorge pass province region district county village river mountains mountain lake sea ocean
island islands peninsula desert coast bay strait canyon plateau falls area
""".split())
"""Words that make the name before them, or the name they end, a place ("Panjshir province"); not
"city", "state" or "square", which end names of organisations too ("Manchester City", "Islamic State")."""

ADMINISTRATIVE_WORDS = frozenset("province district region prefecture county state oblast governorate".split())
"""Lower-case words after a place's name that only say what kind of place it is."""

FACILITY_WORDS = frozenset("""
stadium arena field airport hospital infirmary hotel suites inn theater theatre auditorium amphitheater
amphitheatre pavilion square park street st avenue ave road rd boulevard blvd drive lane highway bridge
tower palace castle cathedral prison jail station plaza mall place
""".split())
"""Last words of names of buildings, venues and streets: places by the labelling conventions."""

ORGANIZATION_WORDS = frozenset("""
inc corp corporation co company companies ltd limited llc llp plc ag gmbh sa nv group holdings partners
associates studio studios design productions records media labs technologies systems solutions services
bank capital fund foundation institute university college school academy association society council
committee commission agency authority department ministry office bureau party union league federation
club fc airline airlines airways motors pharmaceuticals energy entertainment network news times post journal
magazine press review coalition alliance securities equities insurance healthcare brothers leathers
""".split())
"""Last words of organisation names ("Balmond Studio", "Lewis Leathers", "Kotak Securities")."""

PERSON_LED = frozenset("administration campaign era government presidency camp".split())
"""Nouns after a person's name that make a body of theirs ("Trump Administration"), no longer form of the name."""

LEGAL_SUFFIXES = frozenset("""
inc corp corporation co company companies ltd limited llc llp plc ag gmbh sa nv group holdings airline airlines
""".split())
"""Words a company's legal or long name adds to its short name ("Sierra Nevada Corporation")."""

EVENT_WORDS = frozenset("""
cup finals final championship championships open olympics show awards festival expo summit tournament
prix marathon bowl war induction ceremony gala parade
""".split())
"""Last words of names of events (kept out of the person, organisation and location facets)."""

WORK_WORDS = frozenset("act bill amendment treaty accord accords doctrine".split())
PRODUCT_WORDS = frozenset("""
edition bundle series lite pro plus max mini ultra hybrid console controller headphones earbuds speaker
laptop phone smartphone tablet watch camera drone router kit pack collection version model models suv suvs
sedan truck pickup crossover hatchback coupe wagon app
""".split())
"""Last words of product names, and words after a name that make it a product ("the Mach E SUV")."""
"""Last words of names of laws and agreements (works, not organisations)."""

PRODUCT_EXCEPTIONS = ORGANIZATION_WORDS | frozenset("sports business health financial world web cloud".split())
"""Words after a company's name that make another organisation ("CBS Sports", "GE Healthcare"), not a product."""

_PRODUCT_LIST = re.compile(r"\b(?:models?|vehicles|cars|trucks|SUVs|sedans|phones|smartphones|devices|products|"
                           r"consoles|games|gadgets|brands?)\s+(?:like|such as|including)\s+(?:the\s+)?"
                           r"(?:[A-Z][\w-]*(?:\s+[A-Z0-9][\w-]*)*,?\s+(?:(?:and|or)\s+)?(?:the\s+)?)*$")
"""Text before a name that lists products ("newer Nissan models like the Altima and ")."""

LIST_LABEL = re.compile(r"(?:group|pool|section|round|class|division|week|game|chapter|part|step|level|stage|"
                        r"phase|table|figure|day|season|episode|volume|vol|no)\s+(?:[A-Z]|\d+|[IVX]+)", re.I)

ROLES_BEFORE_NAME = frozenset("""
candidate nominee hopeful contender businessman businesswoman executive ceo founder senator governor mayor
congressman congresswoman lawmaker spokesman spokeswoman spokesperson actor actress singer rapper comedian coach
analyst strategist pollster professor author writer reporter columnist anchor host economist lawyer attorney judge
""".split())
"""Lower-case role words before a name that make it a person's ("presidential candidate Carly Fiorina", tagged as an
organisation)."""
LOCATION_CONTEXT = frozenset("in from near outside downtown across around throughout".split())
"""Words before a city's name that make it the place, not a team called after it ("the rematch in Pittsburgh")."""

NAME_PARTICLES = frozenset("""
of the and for on in at de del della der den van von da das do dos du di la le les el al bin ibn y e sans zu ter ten
""".split())
"""Lower-case words that may sit inside a proper name ("Bank of America", "Ludwig van Beethoven")."""
SURNAME_PARTICLES = frozenset("de del della der di da das dos du le von".split())
"""Particles that open a surname ("Di Martino", "Le Pen"); capitalised, they begin no given name ("Van" may:
"Van Jones")."""

_JUNK = re.compile(r"[©®™|/\\•@#=<>{}\[\]%*()]|\s[-–—]\s|^[-–—]|[-–—]$|:\s")
_LIST_COMMA = re.compile(r",\s(?!(?:inc|llc|ltd|jr|sr)\b)", re.I)
_SCORE = re.compile(r"\(?\d+[-–]\d+\)?")
_POSSESSIVE = re.compile(r"['’‘](?:s)?$")  # "Trump‘s": a wrong-way mark is a possessive too
_INNER_POSSESSIVE = re.compile(r"['’‘]s\s+(?=[A-Z])")
OFFICE_ADJECTIVES = frozenset("presidential gubernatorial congressional senatorial mayoral parliamentary".split())
"""Adjectives of a race or office: a name never ends with one."""
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_GLUED = re.compile(r"^(\w*[a-z])([A-Z][a-z]+)$")
_MODEL_NUMBER = re.compile(r"\b(?!\d+(?:st|nd|rd|th)\b)(?=\w*\d)(?=\w*[A-Za-z])\w+")
"""A word of letters and digits ("RAV4", "R6700"), not an ordinal ("6th")."""
_DATELINE_AFTER = re.compile(r"(?:,\s+[A-Z][\w.]*(?:\s+[A-Z][\w.]*)*)?\s*(?:\([^)\n]{1,40}\)\s*)?(?:[—–]|--?\s)")
_CAPITALS_DATELINE_AFTER = re.compile(r"\s*(?:,|\(|\n|$)")
_OF_PLACE = re.compile(r"\b\d{1,3},\s+of\s+$")
_QUOTED = re.compile(r"[“\"]([^”\"\n]{1,80})[”\"]")
_EDGE = " \t\n\"'“”‘’.,;:!?()-–—*"
_ABBREVIATION = re.compile(r"(?:[A-Za-z]\.){2,}")


VESSEL_PREFIXES = frozenset("HMS USS RMS MV HMAS HMCS HMNZS".split())
"""Prefixes of ships' names (a ship is no person, organisation or place facet)."""
POSTNOMINALS = frozenset("obe mbe cbe kbe dbe gbe phd md qc kc mp mep msp frs esq dds".split())
"""Honours, degrees and offices written after a person's name, not part of it."""
SENTENCE_OPENERS = frozenset("""throughout during despite amid amidst after before since until while when although
though meanwhile however also according following under unlike like with without as at in on for from by of if but
and then now only just here there where because whether why how what which who whom whose this that these
those""".split())
"""Prepositions, conjunctions and adverbs that open a sentence, never a person's name."""
_NICKNAME = re.compile(r"(?<=\w) [\"“][A-Z][\w.'’-]*[\"”] (?=[A-Z])")
_NAME_BREAK = re.compile(r"\s*[—–“”\"]\s*")
"""A dash or double quotation mark inside a span: where the name ends ("O’Neal—“Shack Attack”", a title after it)."""


def _titled_person(piece: str) -> bool:
    """A personal title and one name: "Mr Varoufakis", "Dr. Fauci" (not "MR SMITH", a heading)."""
    words = piece.split()
    if len(words) != 2:
        return False
    title = words[0].removesuffix(".")
    return title.lower() in PERSONAL_TITLES and title == title.capitalize() and len(words[1]) > 1 \
        and words[1][0].isupper()


def is_honorific(word: str) -> bool:
    """Whether a word is a title or role word written before a person's name ("Sen.", "spokeswoman")."""
    return word.lower().rstrip(".") in HONORIFICS


def _past_titles(words: list[str]) -> list[str]:
    """A name's words without the titles and role words before it, keeping at least two words."""
    start = 0
    while len(words) - start > 2 and is_honorific(words[start]):
        start += 1
    return words[start:]


def clean_name(text: str, entity_type: EntityType) -> str | None:
    """A mention's name without leading "the", possessive, honorifics, role phrases, glued name-card text
    and edge punctuation; None if junk."""
    name = " ".join(text.split()).strip(" -–—")  # "Kim Kardashian -"
    if entity_type is EntityType.PERSON:
        name = _NICKNAME.sub(" ", name)  # 'William "Mo" Cowan' is William Cowan
    # "O’Neal—“Shack Attack”" is O’Neal, 'the "Caja Magica' Caja Magica
    name = next((part for part in _NAME_BREAK.split(name) if any(c.isupper() for c in part)), name)
    if _JUNK.search(name):
        return None
    abbreviation = _ABBREVIATION.search(name.split()[-1]) if name.split() else None
    name = _POSSESSIVE.sub("", name.strip(_EDGE)).strip(_EDGE)
    if abbreviation and name.endswith(abbreviation.group()[:-1]):
        name += "."  # "U.S." keeps its last dot
    if name[:4].lower() == "the ":
        name = name[4:].strip(_EDGE)
    name = ROLE_PREFIX.sub("", name)
    words = name.split()
    digits = [i for i, w in enumerate(words) if i and any(c.isdigit() for c in w)]
    if entity_type is EntityType.PERSON and digits:
        words = words[:digits[0]]  # "Mekhi Robinson 1 goal"
    if entity_type is EntityType.LOCATION and len(words) > 1 and words[-1] in ADMINISTRATIVE_WORDS:
        words.pop()  # "Logar province" is Logar ("Panjshir Valley" is not Panjshir)
    while len(words) > 1 and words[0].islower() and words[0] not in NAME_PARTICLES:
        words.pop(0)  # "rang Taylor", "s Haqqani" (but "iPad Pro" stays)
    while len(words) > 1 and words[-1] in NAME_PARTICLES:
        words.pop()  # "the Rock and Roll Hall of Fame’s Class of" (but "Tahir Della" is a surname)
    if entity_type in (EntityType.PERSON, EntityType.ORGANIZATION) and (any(
            w.islower() and w not in NAME_PARTICLES and w not in PLACE_NOUNS for w in words[1:-1])
            or len(words) > 1 and words[-1].islower() and words[-1] not in PLACE_NOUNS
            and not (entity_type is EntityType.ORGANIZATION and words[-1] in ORGANIZATION_WORDS)
            or _LIST_COMMA.search(name)):
        return None  # "Garrett hit Rudolph": a span running over a verb; "Bleacher Report, Uber Eats": a list
    if any(w.isupper() and w.lower() in ("or", "and", "the", "for", "vs") for w in words[1:-1]) \
            and not all(w.isupper() for w in words):
        return None  # "Pokemon Sword OR Shield": two names joined
    while len(words) > 1 and (_SCORE.fullmatch(words[-1])
                              or (entity_type is EntityType.PERSON and any(c.isdigit() for c in words[-1]))):
        words.pop()  # "Nicolas Jarry 6-4", "Chile 3-0"
    while entity_type is EntityType.PERSON and len(words) > 2 and words[-1].replace(".", "").lower() in POSTNOMINALS:
        words.pop()  # "Sonia Livingstone OBE", "Jane Doe PhD"
    if entity_type is EntityType.PERSON:
        while len(words) > 1 and (words[0].lower() in SENTENCE_OPENERS or len(words[0]) >= 5 and words[0].isalpha()
                                  and words[0].isupper() and not all(w.isupper() for w in words)):
            words.pop(0)  # "Throughout Obama": a sentence's first word; "WATCH Obama": a heading's label
        words = _past_titles(words)  # "Secretary of State Mike Pompeo"
        if len(words) == 2 and is_honorific(words[0]) and words[1][:1].isupper():
            words.pop(0)  # "President Trump"
        if all(is_honorific(w) for w in words):
            return None  # "Secretary of State": a title, nobody named
        if len(words) > 1 and words[0].endswith("ing") and not gazetteer().given_name(words[0]):
            words.pop(0)  # "Questioning Vindman's judgment": a heading's verb
        given = [i for i, w in enumerate(words) if i and len(words) - i in (2, 3) and gazetteer().given_name(w)]
        if len(words) >= 4 and given and any(is_honorific(w) for w in words[:given[-1]]):
            words = words[given[-1]:]  # "White House Press Secretary Stephanie Grisham"
        abbreviations = [i for i, w in enumerate(words) if w.isalpha() and w.isupper() and len(w) <= 4]
        if abbreviations and len(words) - abbreviations[-1] - 1 >= 2:
            words = _past_titles(words[abbreviations[-1] + 1:])  # "Browns DL Sheldon Richardson": team and
            # position; "RNC Chair Reince Priebus": a body and a title
        glued = _GLUED.match(words[-1]) if len(words) > 1 else None
        if glued and glued.group(1) in words[:-1]:
            words = words[:words.index(glued.group(1)) + 1]  # "Charles Schumer Chuck SchumerDemocrats blast …": a
            # name card (the full name, then a headline) glued on after the name
        elif glued and glued.group(2) in words[:-1] or glued and any(w.startswith(glued.group(2)) for w in words[:1]):
            words[-1] = glued.group(1)  # "Kristi NoemKristi": a name card's next line glued on
        while len(words) > 1 and words[-1].lower() in WEEKDAYS:
            words.pop()  # "President Obama Saturday accused …"
    if words and words[-1].lower() in OFFICE_ADJECTIVES:
        return None  # "Democratic Presidential (candidate Cory Booker)": words describing a noun after them
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


def _list_item(text: str, start: int, end: int) -> bool:
    """The span is a whole item of a list written on one line ("A: Bob Marley, Bruno Mars, Drake")."""
    before = text[max(0, start - 6):start].rstrip(" ")
    after = text[end:end + 6].lstrip(" ")
    opens = not before or before.endswith((",", ":", "\n")) or before.endswith(" and") or before.endswith("&")
    closes = not after or after.startswith((",", "\n", ".")) or after.startswith("and ")
    return opens and closes


def _place_evidence(ent: Span) -> bool:
    """The name ends in a place noun, or one follows it ("the Khavak Pass", "Panjshir province")."""
    following = ent.doc[ent.end] if ent.end < len(ent.doc) else None
    return ent[-1].lower_ in PLACE_NOUNS or (following is not None and following.lower_ in PLACE_NOUNS)


def _dateline(text: str, start: int, end: int) -> bool:
    """The name opens a paragraph as a dateline does ("LONDON (AP) —", "HANOI, Vietnam —", "BAAR, SWITZERLAND")."""
    if start and text[start - 1] != "\n":
        return False
    return bool(_DATELINE_AFTER.match(text, end)
                or text[start:end].isupper() and _CAPITALS_DATELINE_AFTER.match(text, end))


def _display_score(surface: str, count: int) -> tuple[int, int, int]:
    capitals = sum(w[:1].isupper() for w in surface.split())
    return (count, not surface.isupper() or len(surface) <= 5, capitals)


def _title_case(name: str) -> str:
    """"MADRID" -> "Madrid": capitals kept only in short words, which may be acronyms ("ECRI")."""
    return " ".join(w.capitalize() if w.isalpha() and w.isupper() and len(w) > 4 else w for w in name.split())


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
    fixed: EntityType | None = None
    """A type that the gazetteer, an outlet or the name's own shape settles (votes cannot change it)."""
    known: Known | None = None
    teams: list[Known] = field(default_factory=list)
    """Teams this name may stand for (a nickname, or the place a team is called by)."""
    place_context: bool = False
    """Written where a place is meant ("in Pittsburgh", "a St. Louis native", a dateline)."""
    after_place: bool = False
    """Written after a place name and a comma, where a state or country follows ("Mountain View, CA")."""
    title_gender: str | None = None
    """"f" or "m" when written after a title that fixes it ("Mrs. Clinton", "Mr. Obama")."""
    relative: bool = False
    """Written after a kinship noun ("her husband, Frank Fiorina"): someone's relative, not who the text is about."""


@dataclass
class _Group:
    mentions: list[Mention] = field(default_factory=list)
    merged_into: _Group | None = None
    named_person: bool = False
    """A person's short name ("Webb said") was merged into this one: it names a person."""

    def root(self) -> _Group:
        return self if self.merged_into is None else self.merged_into.root()

    # Computed once: a group's mentions are all in place (and settled) before alias merging first reads them.
    @cached_property
    def votes(self) -> Counter[EntityType]:
        return Counter(m.type for m in self.mentions)

    @cached_property
    def fixed(self) -> EntityType | None:
        fixed = Counter(m.fixed for m in self.mentions if m.fixed is not None)
        return fixed.most_common(1)[0][0] if fixed else None

    @cached_property
    def known(self) -> Known | None:
        return next((m.known for m in self.mentions if m.known is not None), None)

    @cached_property
    def display(self) -> str:
        if self.known is not None:
            return self.known.name
        counts = Counter(m.name for m in self.mentions)
        best = max(counts, key=lambda s: _display_score(s, counts[s]))
        return _title_case(best) if best.isupper() else best

    @cached_property
    def tokens(self) -> list[str]:
        return name_key(self.display).split()

    @cached_property
    def surface_keys(self) -> list[list[str]]:
        """The key words of each name its mentions are written with ("national security council" for NSC)."""
        return [k.split() for k in {name_key(m.name) for m in self.mentions}]

    @cached_property
    def core(self) -> list[str]:
        return person_core(self.tokens)


def _pieces(ent: Span, known_names: frozenset[str]) -> list[tuple[str, int, int, bool]]:
    """(text, start, end, is_owner) of an entity span, split at an inner possessive when the owner is a
    name of its own ("NASA’s Office of the Inspector General", "Jeff Bezos’s Blue Origin"), and into its
    capitalised runs when it runs over an ordinary word ("Hipcricket to Augme Technologies")."""
    text, start = ent.text, ent.start_char
    inner = [t for t in ent[1:-1] if t.is_lower and t.is_alpha and t.text not in NAME_PARTICLES
             and t.text not in PLACE_NOUNS]
    if inner and ent.label_ in ("ORG", "PERSON"):
        runs, run = [], []
        for token in ent:
            if token in inner:
                runs.append(run)
                run = []
            else:
                run.append(token)
        runs.append(run)
        return [(ent.doc[r[0].i:r[-1].i + 1].text, r[0].idx, r[-1].idx + len(r[-1]), False)
                for r in runs if r and r[0].text[:1].isupper()]
    match = None
    for match in _INNER_POSSESSIVE.finditer(text):
        pass
    if match is None:
        return [(text, start, ent.end_char, False)]
    owner, rest = text[:match.start()], text[match.end():]
    if all(w.lower().strip(".") in LEGAL_SUFFIXES for w in rest.split()):
        return [(text, start, ent.end_char, False)]  # "Lowe's Companies Inc."
    g = gazetteer()
    words = owner.split()
    if not (g.lookup(owner) or name_key(owner) in known_names
            or len(words) >= 2 and words[-1].lower() in ORGANIZATION_WORDS  # "... Health Care Authority’s Campaign"
            or (len(words) >= 2 and g.given_name(words[0]) and all(w[:1].isupper() for w in words))):
        return [(text, start, ent.end_char, False)]  # "People’s Daily"
    return [(owner, start, start + len(owner), True), (rest, start + match.end(), ent.end_char, False)]


def _owner_type(owner: str, tagged: EntityType) -> EntityType:
    """The type of the owner split off a possessive span: the gazetteer's, a person's, else as tagged."""
    known = gazetteer().lookup(owner)
    if known is not None:
        return known.type
    words = owner.split()
    return EntityType.PERSON if words and gazetteer().given_name(words[0]) else tagged


def _shape_type(name: str, entity_type: EntityType) -> EntityType | None:
    """A type the name's own words settle: a facility's or organisation's last word, a given name first."""
    words = name.split()
    last = words[-1].lower().strip(".")
    if (len(words) > 1 and last in FACILITY_WORDS and entity_type is not EntityType.LOCATION
            and not (entity_type is EntityType.PERSON and gazetteer().given_name(words[0]))):  # not "Sally Field"
        return EntityType.LOCATION
    if len(words) > 1 and (last in ORGANIZATION_WORDS or words[0] == "Air"):  # "Air Astana"
        return EntityType.ORGANIZATION
    words = _past_titles(words)  # "Spokesperson Julia Hart" tagged ORG
    if (entity_type in (EntityType.ORGANIZATION, EntityType.LOCATION) and 2 <= len(words) <= 3
            and gazetteer().given_name(words[0]) and all(w[:1].isupper() for w in words)
            and not any(w.lower() in PLACE_NOUNS or w.lower() in NAME_PARTICLES for w in words)):
        return EntityType.PERSON  # "Michael Webb" tagged ORG
    return None


def _not_a_facet(name: str, start: int, end: int, text: str) -> bool:
    """Junk, an event, a work or a product: not a person, organisation or place."""
    g = gazetteer()
    words = name.split()
    if g.never_entity(name) or LIST_LABEL.fullmatch(name) or g.product(name):
        return True
    if len(words) > 1 and words[0] in VESSEL_PREFIXES:
        return True  # "MV Aquarius", "HMS Perseus": a ship
    last = words[-1].lower()
    if len(words) > 1 and (last in EVENT_WORDS or last in WORK_WORDS or last in PRODUCT_WORDS):
        return True
    if _MODEL_NUMBER.search(name):
        return True  # "RAV4 Hybrid", "Netgear Nighthawk R6700"
    for cut in range(len(words) - 1, 0, -1):  # "Nintendo Switch", "Apple Watch Series": a company's product
        if gazetteer_key(" ".join(words[:cut])) in g.companies:
            return words[-1].lower() not in PRODUCT_EXCEPTIONS  # but "GE Healthcare", "Amazon Web Services"
    before = text[max(0, start - 40):start].split()
    if (before and len(words) <= 2 and text[start - 1:start] == " " and before[-1][:1].isupper()
            and re.fullmatch(r"[\w'’&-]+", before[-1]) and gazetteer_key(_POSSESSIVE.sub("", before[-1])) in g.companies):
        return True  # "Nissan Altima", "Ford’s Mustang" with only the model tagged
    after = text[end:end + 30].split()
    if after and after[0].lower().strip(".,;") in PRODUCT_WORDS:
        return True  # "the Mach E SUV"
    return bool(_PRODUCT_LIST.search(text, max(0, start - 80), start))


def _inside_quoted_title(text: str, start: int, end: int) -> bool:
    """The mention sits inside a quoted, title-cased phrase: a song, film or book title (“Takin’ It To The Streets”)."""
    open_at = max(text.rfind("“", max(0, start - 80), start), text.rfind('"', max(0, start - 80), start))
    if open_at < 0:
        return False
    match = _QUOTED.match(text, open_at)
    if not match or match.end() < end:
        return False
    words = [w for w in re.findall(r"[^\W\d_]+", match.group(1)) if len(w) > 3]
    return len(words) >= 2 and all(w[0].isupper() for w in words)


MAX_NAME_TOKENS = 5
"""Longest gazetteer name looked for in the text the model left untagged."""

_LABELS = {EntityType.PERSON: "PERSON", EntityType.ORGANIZATION: "ORG", EntityType.LOCATION: "GPE"}


def _person_names(ents: Sequence[Span]) -> list[list[str]]:
    """The words of each name the model tagged as a person's, without a possessive "'s"."""
    return [[t.text for t in ent if t.text not in ("'s", "’s")] for ent in ents if ent.label_ == "PERSON"]


def _surnames(names: list[list[str]]) -> set[str]:
    """Surnames of the persons named in full, given name first ("Ailes" of "Roger Ailes")."""
    g = gazetteer()
    return {words[-1] for words in names if len(words) > 1 and g.given_name(words[0]) and words[-1].isalpha()
            and words[-1][:1].isupper() and not words[-1].isupper()}


def _surnames_as_persons(doc: Doc, ents: Sequence[Span], surnames: set[str]) -> list[Span]:
    """`ents` with a person's surname alone tagged as a person where the model took it for something else ("Page"
    tagged ORG in a text about Larry Page), unless the gazetteer knows the word as that ("Ford" the company)."""
    g = gazetteer()
    return [Span(doc, e.start, e.end, label="PERSON")
            if len(e) == 1 and e.label_ != "PERSON" and e.text in surnames and g.lookup(e.text) is None else e
            for e in ents]


def _titled_surnames(doc: Doc) -> set[str]:
    """The names the text writes after a personal title ("Hutchinson" of "Mr. Hutchinson")."""
    return {doc[i + 1].text for i in range(len(doc) - 1)
            if doc[i].text[:1].isupper() and doc[i].text.rstrip(".").lower() in PERSONAL_TITLES
            and doc[i + 1].text[:1].isupper() and doc[i + 1].text.isalpha() and not doc[i + 1].text.isupper()}


def _untagged_names(doc: Doc, ents: Sequence[Span], lower_words: set[str], surnames: set[str]) -> list[Span]:
    """Names the model missed: gazetteer names ("Hulu", "SpaceX", "Istanbul"), a given name followed by a
    capitalised surname ("Robert Maguire"), a capitalised word before a surname the text writes after a title
    ("Asa Hutchinson" beside "Mr. Hutchinson"), and the surname alone of a person the text names in full ("Ailes"
    beside "Roger Ailes"), outside the model's own entity spans."""
    g = gazetteer()
    titled = _titled_surnames(doc)
    taken = set()
    for ent in ents:
        if ent.label_ in SPACY_TYPES and ent.label_ != "NORP":  # "Christian" of "Christian Watts" tagged NORP
            taken.update(range(ent.start, ent.end))
    strings = doc.vocab.strings
    values = doc.to_array([ORTH, SPACY])
    words = [strings[int(orth)] for orth in values[:, 0]]
    spaces = [" " if space else "" for space in values[:, 1]]
    found: list[Span] = []
    i, n = 0, len(words)
    while i < n:
        word = words[i]
        if i in taken or not word[:1].isupper() or not (word.isalpha() or "." in word):
            i += 1
            continue
        reach = i + 1  # the run of name-like words from i: capitalised, particles, "&", "-"
        while reach < min(n, i + MAX_NAME_TOKENS) and reach not in taken and (
                words[reach][:1].isupper() or words[reach] in NAME_PARTICLES or words[reach] in ("&", "-", ".")):
            reach += 1
        span = None
        for end in range(reach, i, -1):
            text = "".join(w + sp for w, sp in zip(words[i:end], spaces[i:end])).strip()
            known = g.lookup(text)
            if known is None or not words[end - 1][:1].isupper() and words[end - 1] != ".":
                continue
            if end - i == 1 and not word.isupper() and (word.lower() in lower_words or g.given_name(word)
                                                        or doc[i].is_sent_start or len(word) < 4):
                continue  # "Apple" opening a sentence, "Jordan" the given name
            span = Span(doc, i, end, label=_LABELS.get(known.type, "ORG"))
            break
        if span is None and reach >= i + 2 and words[i + 1] in titled and word.isalpha() and not (
                i + 2 < n and (words[i + 2][:1].isupper() or words[i + 2] in SURNAME_PARTICLES)) and not (
                word.isupper() or doc[i].is_stop or word.lower() in lower_words or is_honorific(word)
                or g.lookup(word) is not None):
            span = Span(doc, i, i + 2, label="PERSON")
        if span is None and word in surnames and reach == i + 1 and not (
                doc[i].is_sent_start and word.lower() in lower_words):
            span = Span(doc, i, i + 1, label="PERSON")  # one name throughout a text
        if span is None and g.given_name(word) and i + 1 < n:
            end = i + 2 if i + 2 < n and re.fullmatch(r"[A-Z]\.", words[i + 1]) else i + 1  # a middle initial
            surname = words[end]
            if (end not in taken and surname.isalpha() and surname[:1].isupper() and len(surname) > 1
                    and not surname.isupper() and surname.lower() not in lower_words
                    and g.lookup(surname) is None and not g.given_name(surname)):
                span = Span(doc, i, end + 1, label="PERSON")
        if span is None:
            i += 1
            continue
        found.append(span)
        i = span.end
    return found


ROYAL_TITLES = frozenset({"Queen", "King", "Prince", "Princess", "Pope", "Emperor", "Empress", "Sheikh"})
"""Titles that are part of the name a person is known by; spans the model started after one take it in."""


def _extended(doc: Doc, ents: Sequence[Span], lower_words: set[str]) -> list[Span]:
    """Entity spans the model cut short of a gazetteer name ("Oklahoma City" of "Oklahoma City Thunder"),
    extended over the words that complete it (spans starting inside it give way); a person's name of two words
    or more over a last capitalised word that is no common word of the text ("Yoon Suk" of "Yoon Suk Yeol"), and over
    the rest of a hyphenated given name ("Moon Jae" of "Moon Jae-in")."""
    g = gazetteer()
    result: list[Span] = []
    skip_until = -1
    for ent in ents:
        if ent.start < skip_until:
            continue
        if ent.label_ == "PERSON" and ent.start and doc[ent.start - 1].text in ROYAL_TITLES:
            ent = Span(doc, ent.start - 1, ent.end, label="PERSON")  # "Queen" + "Elizabeth II"
        for extra in (2, 1):
            if ent.end + extra <= len(doc) and ent.label_ in SPACY_TYPES:
                longer = doc[ent.start:ent.end + extra]
                known = g.lookup(longer.text)
                if known is not None and longer[-1].text[:1].isupper():
                    ent = Span(doc, ent.start, ent.end + extra, label=_LABELS.get(known.type, "ORG"))
                    skip_until = ent.end
                    break
        if ent.label_ == "ORG" and len(ent) == 1 and ent.start and _given_name_before(doc, ent):
            ent = Span(doc, ent.start - 1, ent.end, label="PERSON")  # "Faith Morneault" tagged ORG "Morneault"
        if ent.label_ == "PERSON" and not g.given_name(ent[0].text):  # a surname: its given name missed?
            start = ent.start
            earlier = result[-1].end if result else 0
            while start > max(earlier, ent.end - MAX_NAME_TOKENS) and _name_goes_back(doc, start - 1, lower_words):
                start -= 1  # "said Paloma Wu" tagged "Wu", "Judge Daniel Porter Jordan III" tagged "Jordan III"
            if start < ent.start:
                ent = Span(doc, start, ent.end, label="PERSON")
        if ent.label_ == "PERSON" and ent.end <= ent.start + 5 and _nicknamed(doc, ent.start):
            ent = Span(doc, ent.start, ent.start + 5, label="PERSON")  # 'William "Mo' + 'Cowan'
            skip_until = ent.end
        if ent.label_ == "PERSON" and len(ent) >= 2 and _name_goes_on(doc, ent.end, lower_words):
            ent = Span(doc, ent.start, ent.end + 1, label="PERSON")
        if ent.label_ == "PERSON" and len(ent) >= 2 and ent.end + 1 < len(doc) and doc[ent.end].text in ("-", "‐") \
                and not doc[ent.end - 1].whitespace_ and not doc[ent.end].whitespace_ \
                and _given_name_syllable(doc[ent.end + 1].text):
            ent = Span(doc, ent.start, ent.end + 2, label="PERSON")  # "Moon Jae" + "-in"
            skip_until = ent.end
        result.append(ent)
    return result


def _given_name_syllable(word: str) -> bool:
    """The lower-case second syllable of a hyphenated given name ("in" of "Jae-in", "un" of "Jong-un"), not a
    suffix ("Bush-era", "Obama-like")."""
    return word.isalpha() and word.islower() and len(word) <= 4 and word not in HYPHEN_SUFFIXES


HYPHEN_SUFFIXES = frozenset("era led like type ite ites ism run made born old year".split())


def _name_goes_back(doc: Doc, i: int, lower_words: set[str]) -> bool:
    """Whether token i begins the person's name after it: a capitalised word tagged as nothing (opening a sentence,
    a common given name), no common word of the text, title, organisation or place word, nor a name the gazetteer
    knows."""
    word = doc[i].text
    return (doc[i].ent_iob_ == "O" and (not doc[i].is_sent_start or gazetteer().given_name(word))
            and bool(doc[i].whitespace_) and word.isalpha()
            and word[:1].isupper()
            and not word.isupper() and not doc[i].is_stop and word.lower() not in lower_words
            and word.lower() not in _NO_NAME_END and not is_honorific(word) and word not in ROYAL_TITLES
            and gazetteer().lookup(word) is None)


def _given_name_before(doc: Doc, ent: Span) -> bool:
    """Whether a one-word organisation is a surname after a given name the model left out: the word before is a
    common given name, tagged as nothing, and the word itself no organisation word or name the gazetteer knows."""
    before, word = doc[ent.start - 1], ent[0].text
    return (before.ent_iob_ == "O" and bool(before.whitespace_) and before.text.istitle()
            and gazetteer().given_name(before.text) and word.istitle() and word.isalpha()
            and word.lower() not in ORGANIZATION_WORDS and gazetteer().lookup(word) is None)


def _nicknamed(doc: Doc, i: int) -> bool:
    """Tokens i to i+4 are a name with a nickname in double quotes ('William "Mo" Cowan')."""
    words = [t.text for t in doc[i:i + 5]]
    return (len(words) == 5 and words[1] in ('"', "“") and words[3] in ('"', "”")
            and all(w[:1].isupper() and w.isalpha() for w in words[::2]))


_NO_NAME_END = HONORIFICS | ORGANIZATION_WORDS | PLACE_NOUNS
"""Words that end no person's name."""


def _name_goes_on(doc: Doc, i: int, lower_words: set[str]) -> bool:
    """Whether token i ends the name before it: a capitalised word after a space in running text (the next word
    is not capitalised), tagged as nothing, no common word of the text, title or organisation word."""
    if i >= len(doc) or doc[i].ent_iob_ != "O" or doc[i].is_sent_start or not doc[i - 1].whitespace_:
        return False
    word, after = doc[i].text, doc[i + 1].text if i + 1 < len(doc) else ""
    return (word.isalpha() and word[:1].isupper() and not word.isupper() and not after[:1].isupper()
            and word.lower() not in lower_words and word.lower() not in _NO_NAME_END)


_LIST = re.compile(r"(?:[A-Z][\w'’&.+-]*(?: [A-Z0-9][\w'’&.+-]*){0,3}(?:, (?:and |or |& )?| (?:and|or|&) )){2,}"
                   r"[A-Z][\w'’&.+-]*(?: [A-Z0-9][\w'’&.+-]*){0,3}")
_LIST_ITEM = re.compile(r"[A-Z][\w'’&.+-]*(?: [A-Z0-9][\w'’&.+-]*){0,3}")


def _list_members(doc: Doc, text: str, ents: Sequence[Span]) -> list[Span]:
    """Untagged items of a written list most of whose other items the model tagged alike ("Disney, Pixar,
    Marvel, and Star Wars": "Pixar" and "Marvel" too)."""
    found: list[Span] = []
    labels = {(e.start_char, e.end_char): e.label_ for e in ents if e.label_ in ("PERSON", "ORG", "GPE")}
    for match in _LIST.finditer(text):
        items = [m.span() for m in _LIST_ITEM.finditer(text, match.start(), match.end())]
        tagged = Counter(labels[i] for i in items if i in labels)
        if not tagged:
            continue
        label, count = tagged.most_common(1)[0]
        if count < 2 or count * 2 < len(items):
            continue
        for start, end in items:
            span = doc.char_span(start, end)
            if (start, end) not in labels and span is not None and not any(
                    e.start < span.end and span.start < e.end for e in ents):
                found.append(Span(doc, span.start, span.end, label=label))
    return found


def extract_mentions(doc: Doc, ents: Sequence[Span]) -> list[Mention]:
    """Cleaned, typed entity mentions of the types we keep (from `ents`, the doc's entity spans).

    Mentions inside title-cased lines count only when the same name also occurs in running text or
    the mention is a whole list item.
    """
    text = text_of(doc)
    g = gazetteer()
    places = frozenset(name_key(e.text) for e in ents if e.label_ in ("GPE", "LOC"))
    ent_names = frozenset(name_key(e.text) for e in ents if e.label_ in SPACY_TYPES)
    person_names = _person_names(ents)
    person_words = frozenset(w.lower() for words in person_names if len(words) > 1 for w in (words[0], words[-1]))
    lower_words = {word for word in map(doc.vocab.strings.__getitem__, set(doc.to_array(ORTH).tolist()))
                   if word.islower()}
    surnames = _surnames(person_names)
    ents = _surnames_as_persons(doc, _extended(doc, ents, lower_words), surnames)
    untagged = _untagged_names(doc, ents, lower_words, surnames)
    covered = {i for span in untagged for i in range(span.start, span.end)}
    ents = [*(e for e in ents if e.label_ != "NORP" or e.start not in covered), *untagged]
    ents = sorted([*ents, *_list_members(doc, text, ents)], key=lambda e: e.start)
    products: set[str] = set()
    tagged_products: Counter[str] = Counter()
    kept: list[tuple[Mention, bool]] = []
    headline_lines: dict[int, bool] = {}
    for ent in ents:
        tagged = SPACY_TYPES.get(ent.label_)
        if tagged is None:
            if ent.label_ not in ("PRODUCT", "WORK_OF_ART"):
                continue
            if _shape_type(ent.text, EntityType.ORGANIZATION) is not EntityType.PERSON:
                product = clean_name(ent.text, EntityType.ORGANIZATION)
                if product and not g.lookup(product):
                    tagged_products[name_key(product)] += 1
                continue
            tagged = EntityType.PERSON  # "Marcel Granollers" tagged PRODUCT
        for piece, start, end, owner in _pieces(ent, ent_names):
            first, _, rest = piece.partition(" ")
            if (ent[0].is_sent_start and first.lower() in lower_words and rest.count(" ") >= 1
                    and (name_key(rest) in ent_names or g.lookup(rest))):
                piece, start = rest, start + len(first) + 1  # "Key Security Council powers ..."
            entity_type = _owner_type(piece, tagged) if owner else tagged
            if _titled_person(piece):
                entity_type = EntityType.PERSON  # "Mr Varoufakis" tagged ORG
            name = clean_name(piece, entity_type)
            if name is None or _inside_quoted_title(text, start, end):
                continue
            if entity_type is EntityType.PERSON and name.count(" ") == 1 and _role_before(text, *name.split()):
                name = name.split()[1]  # "Realtor Ghulam" where the text also writes "realtor Shaun Ghulam"
            mention = Mention(surface=piece.strip(), name=name, type=entity_type, start=start, end=end,
                              title_gender=_title_gender(text[max(0, start - 6):start] + piece),
                              relative=_KINSHIP_BEFORE.search(text, max(0, start - 40), start) is not None)
            if not _type_mention(mention, ent, piece, places, person_words, lower_words, text):
                products.add(name_key(name))
                continue
            if mention.fixed is None and _common_word(mention, lower_words) and mention.name not in surnames:
                continue
            reliable = mention.known is not None or mention.type is EntityType.PERSON and " " in name and (
                g.given_name(name.split()[0]) or is_honorific(text[:start].rsplit(None, 1)[-1] if start else ""))
            # a full name with a given name or after a title ("Former Sen. Judd Gregg (R-N.H.), …" heading a
            # round-up) is a name even in a title-cased line
            kept.append((mention, not reliable and _headline_cased(text, start, headline_lines)
                         and not _list_item(text, start, end)))
    tagged_names = Counter(name_key(m.name) for m, _ in kept if m.fixed is None)
    products.update(k for k, n in tagged_products.items() if n > tagged_names[k])  # the model's own majority
    in_text = {name_key(m.name) for m, headline in kept if not headline}
    product_heads = {key.split()[0] for key in products} - {name_key(s) for s in surnames}  # "Mustang" beside
    # the product "Mustang Mach", but not "Trump" beside "Trump on Facebook" in a text naming Donald Trump
    mentions = [m for m, headline in kept if (not headline or name_key(m.name) in in_text)
                and name_key(m.name) not in products
                and (m.fixed is not None or name_key(m.name) not in product_heads)]
    _type_places_by_longer_names(mentions)
    return mentions


def titles_gender(mentions: list[Mention]) -> str | None:
    """The gender the personal titles of most of a name's mentions fix ("Mr. Trump" 18 times of 20: "m")."""
    titles = Counter(m.title_gender for m in mentions if m.title_gender).most_common(1)
    return titles[0][0] if titles and titles[0][1] * 2 > len(mentions) else None


_KINSHIP_BEFORE = re.compile(r"\b(?:husband|wife|son|daughter|father|mother|brother|sister|grandson|granddaughter|"
                             r"grandfather|grandmother|nephew|niece|uncle|aunt|cousin|widow|widower|stepson|"
                             r"stepdaughter|stepfather|stepmother)s?,?\s+(?:(?:former|late|[A-Z][a-z]*\.?)\s+){0,2}$")
"""A kinship noun and up to two titles before a name ("her husband, former President Bill Clinton")."""
_GENDERED_TITLE = re.compile(r"(?:^|\s)(Mrs|Ms|Miss|Mr)\.?\s+[A-Z]")
TITLE_GENDERS = {"Mrs": "f", "Ms": "f", "Miss": "f", "Mr": "m"}


def _title_gender(text: str) -> str | None:
    """The gender a personal title right before a name fixes ("Mrs. Clinton"): "f", "m" or None."""
    match = _GENDERED_TITLE.search(text)
    return TITLE_GENDERS[match.group(1)] if match else None


def _role_before(text: str, first: str, surname: str) -> bool:
    """Whether the first word of a two-word person's name is a role the text also writes in lower case before
    the same surname ("Realtor Ghulam" beside "realtor Shaun Ghulam")."""
    return not first.islower() and re.search(rf"\b{re.escape(first.lower())}(?:\s+[A-Z][\w.'’-]*){{0,2}}\s+"
                                             rf"{re.escape(surname)}\b", text) is not None


def _type_mention(mention: Mention, ent: Span, piece: str, places: frozenset[str],
                  person_words: frozenset[str], lower_words: set[str], text: str) -> bool:
    """Settle what the gazetteer, outlets, context and the name's shape say; False if not a facet entity."""
    g = gazetteer()
    name, start, end = mention.name, mention.start, mention.end
    words = name.split()
    dateline = _dateline(text, start, end) and (name.isupper() or name.lower() not in person_words)  # "PARIS —",
    # but not "Cowen — deeply unpopular" in a text naming Brian Cowen
    before = text[max(0, start - 20):start].split()
    after = text[end:end + 12].split()
    mention.after_place = bool(re.search(r"[A-Z][\w.]*,\s*$", text[max(0, start - 30):start]))
    lone_line = (start == 0 or text[start - 1] == "\n") and text[end:end + 1] in ("\n", "")  # "Pittsburgh\n\n"
    mention.place_context = dateline or lone_line or bool(before and before[-1].lower() in LOCATION_CONTEXT) or bool(
        after and (after[0].lower().strip(".,") in ("native", "natives") or after[0].startswith("-based")))
    if mention.type is EntityType.LOCATION:  # "Bloomberg" tagged GPE, but not "Sputnik Afghanistan"
        outlet = canonical_outlet(name) if " " not in name else None
    else:
        outlet = (canonical_outlet(_POSSESSIVE.sub("", piece.strip(_EDGE)), places)  # "The Hill’s" keeps its "The"
                  or canonical_outlet(name, places)
                  or (canonical_outlet("The " + name) if text[max(0, start - 4):start] == "The " else None))
    if outlet:
        mention.name, mention.type = outlet, EntityType.ORGANIZATION
        mention.fixed = EntityType.ORGANIZATION
        return True
    known = g.lookup(name) or g.lookup(piece.strip(_EDGE)) or (  # "Lowe's", with or without its "'s" tagged
        g.lookup(name + "'s") if text[end:end + 2] in ("'s", "’s") else None) or _known_person(name)
    if known is not None and not (known.type is EntityType.LOCATION and " " not in name
                                  and name.lower() in person_words):  # "Jordan" beside "Michael Jordan"
        mention.known, mention.fixed = known, known.type
        mention.teams = g.teams_by_place.get(gazetteer_key(name), []) if known.type is EntityType.LOCATION else []
        return True
    mention.teams = g.teams_by_short.get(gazetteer_key(name)) or g.teams_by_place.get(gazetteer_key(name), [])
    if _not_a_facet(name, start, end, text) or _MODEL_NUMBER.search(piece) and " " in piece.strip():
        return False
    if len(words) == 1 and ent[0].is_sent_start and name.lower().endswith(("ed", "ing")) and not name.isupper() \
            and name.lower() not in person_words:
        return False  # "Televised debates are ...": an ordinary word opening a sentence (not "Gosling")
    if name.isupper() and len(name) > 4 and not dateline and (
            " " in name and any(len(w) > 4 for w in words) or name.lower() in lower_words):
        return False  # "SCORES QUARANTINED", "HUNTER": capitals for emphasis, not a name (but "CBS DFW" is)
    if dateline:
        mention.type = mention.fixed = EntityType.LOCATION
        return True
    shape = _shape_type(name, mention.type)
    if shape is not None:
        mention.type = mention.fixed = shape
    elif (mention.type in (EntityType.ORGANIZATION, EntityType.LOCATION) and before and before[-1] in ROLES_BEFORE_NAME
          and 2 <= len(words) <= 3 and all(w[:1].isupper() and w.isalpha() for w in words)
          and not any(w.lower() in PLACE_NOUNS or w.lower() in ORGANIZATION_WORDS for w in words)):
        mention.type = EntityType.PERSON  # "presidential candidate Carly Fiorina" tagged as an organisation
    elif (mention.type is EntityType.PERSON and " " not in name and len(name) > 2 and before
          and before[-1] in ("in", "near")
          and not g.given_name(name) and text[end:end + 2] not in ("'s", "’s")):
        mention.type = EntityType.LOCATION  # "Pizza Express in Woking": a place the model took for a person
    elif _OF_PLACE.search(text, max(0, start - 12), start):
        mention.type = EntityType.LOCATION  # "Christopher L. Tays, 32, of Franklin": where someone lives
    elif mention.type in (EntityType.ORGANIZATION, EntityType.PERSON) and _place_evidence(ent):
        mention.type = EntityType.LOCATION
    return True


def _known_person(name: str) -> Known | None:
    """The well-known person a full name written another way is ("Rudolph W. Giuliani", "Bernard Sanders"): the
    gazetteer's bearer of its surname, given names equal or nicknames, middle initials aside."""
    tokens = name_key(name).split()
    known = gazetteer().people_by_surname.get(gazetteer_key(name.split()[-1])) if len(tokens) > 1 else None
    if known is not None and _same_person(person_core(tokens), person_core(name_key(known.name).split())):
        return known
    return None


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
        if (mention.type is EntityType.ORGANIZATION and mention.fixed is None and " " not in key
                and key in place_heads and not any(n.split()[0] == key for n in names)):
            mention.type = EntityType.LOCATION


def _resolve_teams(mentions: list[Mention]) -> None:
    """Nicknames and cities standing for sports teams, where the document is about those teams' league.

    A league is in play when the document names it, a team of it by full name, or two of its teams by
    nickname. A nickname then names its team; a team's city does too, unless written as a place
    ("in Pittsburgh", a dateline, "a St. Louis native").
    """
    g = gazetteer()
    leagues: Counter[str] = Counter()
    named: set[str] = set()
    for m in mentions:
        if m.known is not None and m.known.kind == "team":
            leagues[m.known.league] += 2
            named.add(m.known.name)
        elif m.known is not None and m.known.kind == "league":
            leagues[g.league_codes.get(m.known.name, m.known.name)] += 2
    nicknames = {(m.teams[0].league, m.name) for m in mentions if m.known is None and len(m.teams) == 1
                 and gazetteer_key(m.name) in g.teams_by_short}
    leagues.update(league for league, _ in nicknames)
    in_play = {league for league, n in leagues.items() if n >= 2}
    for m in mentions:
        if m.known is not None and m.known.kind == "team":
            continue
        is_nickname = gazetteer_key(m.name) in g.teams_by_short
        candidates = [t for t in m.teams if t.league in in_play]
        if len(candidates) > 1:
            candidates = [t for t in candidates if t.name in named] or candidates
        if len(candidates) == 1 and not (not is_nickname and m.place_context):
            m.known, m.type, m.fixed = candidates[0], EntityType.ORGANIZATION, EntityType.ORGANIZATION
            named.add(candidates[0].name)


def _resolve_place_abbreviations(mentions: list[Mention]) -> None:
    """Names that may stand for a place ("SD", "Washington", "New York"): that place where the document
    names it too, else, for a name tagged as a place, the one place (or the one city) the gazetteer gives it."""
    g = gazetteer()
    named = {m.known.name: m.known for m in mentions if m.known is not None}
    for m in mentions:
        if m.known is not None or m.fixed not in (None, EntityType.LOCATION):
            continue
        places = g.weak(m.name)
        here = [p for p in places if p.name in named]
        default = m.type is EntityType.LOCATION and len(m.name) > 3 or m.after_place  # "Mountain View, CA"
        cities = [p for p in places if p.kind == "city"]
        fallback = places[0] if len(places) == 1 else cities[0] if len(cities) == 1 else None
        chosen = here[0] if len(here) == 1 else fallback if default else None
        if chosen is not None:
            m.known, m.type, m.fixed = chosen, EntityType.LOCATION, EntityType.LOCATION


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
    """Two full names of one person: same surname, each given name equal to, a short form or a nickname of the other."""
    if len(a) != len(b) or a[-1] != b[-1]:
        return False
    return all(x == y or (min(len(x), len(y)) >= 3 and (x.startswith(y) or y.startswith(x))) or nickname_pair(x, y)
               for x, y in zip(a[:-1], b[:-1]))


GENERATIONAL_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})


def person_core(tokens: list[str]) -> list[str]:
    """A person name's key words, without middle initials and generational suffixes ("Patrick W. Carlineo Jr")."""
    core = [t for t in tokens if len(t) > 1 and t not in GENERATIONAL_SUFFIXES]
    return core if len(core) > 1 or len(tokens) == 1 else tokens  # "P.J. Fleck" keeps its initials


def _initials(tokens: list[str]) -> str:
    return "".join(w[0] for w in tokens if w not in {"of", "the", "and", "for", "de", "du"})


def _acronym_of(acronym: str, tokens: list[str]) -> bool:
    """"nrf" of "national resistance front"; "cdc" of "chinese center for disease control and prevention"
    (a leading place or nationality word and a last word may be left out)."""
    for start in (0, 1):
        initials = _initials(tokens[start:])
        if len(acronym) >= 2 and (initials == acronym or len(acronym) >= 3 and initials[:-1] == acronym):
            return True
    return False


def _named_by_surname(group: _Group, alone: set[str]) -> bool:
    """A two- or three-word name tagged as a place or organisation whose last word the text also uses alone
    ("Merav Eitan" ... "Eitan and Zahr"): places and organisations are not called by their last word."""
    tokens = group.tokens
    return (group.known is None and group.fixed is None and 2 <= len(tokens) <= 3 and tokens[-1] in alone
            and not any(t in PLACE_NOUNS or t in FACILITY_WORDS or t in ORGANIZATION_WORDS or t in NAME_PARTICLES
                        for t in tokens))


def _organization_root(tokens: list[str]) -> list[str]:
    """An organisation's name without its legal suffixes ("sierra nevada corporation" -> "sierra nevada")."""
    end = len(tokens)
    while end > 1 and tokens[end - 1] in LEGAL_SUFFIXES:
        end -= 1
    return tokens[:end]


MAIN_BEARER = 3
"""How many times as often as any other bearer of a surname a text must name a person in full for the surname alone to
mean them."""


def main_bearer(full_names: Counter[str], relatives: set[str] | frozenset[str] = frozenset()) -> str | None:
    """The person a surname alone means among those the text names in full with it (name -> how often): the one named
    `MAIN_BEARER` times as often as any other, else nobody; a bearer the text introduced as someone's relative
    (`relatives`) only if all are ("Fiorina" beside Carly Fiorina and "her husband, Frank Fiorina")."""
    full_names = Counter({n: c for n, c in full_names.items() if n not in relatives}) or full_names
    ranked = full_names.most_common(2)
    if len(ranked) == 1 or ranked and ranked[0][1] >= MAIN_BEARER * ranked[1][1]:
        return ranked[0][0]
    return None


def _merge_aliases(groups: list[_Group]) -> None:
    """In-document alias resolution: person name variants and short forms, acronyms, a company's short and
    legal names, "X" beside "X City", place abbreviations beside the place, plurals."""
    g = gazetteer()
    alone = {gr.tokens[0] for gr in groups if len(gr.tokens) == 1 and gr.known is None}
    persons = [gr for gr in groups if len(gr.core) > 1 and gr.fixed in (None, EntityType.PERSON) and (
        gr.votes[EntityType.PERSON] or _named_by_surname(gr, alone))
        and not gr.display[:1].islower()  # "de Léon" is the surname of "Kevin de Léon", not a full name
        and not (len(gr.core) == 2 and gr.core[0] in SURNAME_PARTICLES)]  # nor is "Di Martino" of "David Di Martino"
    kept: list[_Group] = []
    for person in sorted(persons, key=lambda gr: (-len(gr.mentions), -len(gr.tokens))):
        same = next((k for k in kept if _same_person(person.core, k.core)
                     and ("sr" in person.tokens) == ("sr" in k.tokens)), None)  # "Duncan Hunter Sr." is the father
        if same is None:
            kept.append(person)
        else:  # "Patrick W. Carlineo", "Patrick Carlineo Jr", "Pat Carlineo"
            person.merged_into = same
    full_names = [gr for gr in groups if gr.merged_into is None and len(gr.core) > 1 and (
        gr.fixed is EntityType.PERSON
        or gr.fixed is None and (gr.votes[EntityType.PERSON] or gr.votes[EntityType.ORGANIZATION]))]
    persons = [gr for gr in persons if gr.merged_into is None]
    known_groups = [gr for gr in groups if gr.known is not None and gr.known.type is EntityType.ORGANIZATION]
    organizations = [gr for gr in groups if gr.merged_into is None and len(gr.tokens) > 1
                     and document_type(gr.votes) is EntityType.ORGANIZATION and gr.fixed is not EntityType.PERSON]
    locations = {" ".join(gr.tokens): gr for gr in groups if gr.merged_into is None
                 and (gr.fixed or document_type(gr.votes)) is EntityType.LOCATION}
    for group in sorted(groups, key=lambda gr: -len(gr.tokens)):
        if group.merged_into is not None:
            continue
        tokens, short = group.tokens, group.core
        fixed = group.fixed
        candidates: list[_Group] = []
        written = {m.name for m in group.mentions}
        if len(written) == 1 and next(iter(written)).isupper() and " " not in next(iter(written)):
            # "NRF", "CDC" or "N.R.A." defined in the text, "GE" of "GE Healthcare"
            acronym = name_key(written.pop()).replace(" ", "")
            candidates = [gr.root() for gr in groups if gr is not group and len(gr.tokens) > 1
                          and (gr.fixed or document_type(gr.votes)) in FACET_TYPES and (
                              _acronym_of(acronym, gr.tokens)
                              or gr.tokens[0] == acronym and gr in organizations and gr.tokens[-1] in PRODUCT_EXCEPTIONS)]
        if candidates or group.known is not None:
            pass  # the gazetteer's name is the entity's name
        elif group.votes[EntityType.PERSON] and fixed in (None, EntityType.PERSON):
            candidates = [p.root() for p in full_names if p.tokens[-1] not in PERSON_LED
                          and _is_short_form(short, p.core, first_name=bool(p.votes[EntityType.PERSON]))]
            if not candidates and len(short) == 1:  # "Etienne" of "Camille Etienne Gbedey": one of two surnames
                candidates = [p.root() for p in full_names if p.votes[EntityType.PERSON] and short[0] in p.core[1:-1]]
            gender = titles_gender(group.mentions)  # "Mrs. Clinton" beside Hillary Rodham Clinton and Bill Clinton
            candidates = [c for c in candidates if fits_title(c.display, gender)]
            if len({id(c) for c in candidates}) > 1:  # "Biden" beside "Joe Biden" and "Hunter Biden"
                default = g.people_by_surname.get(" ".join(tokens))
                candidates = [c for c in candidates if default and c.display == default.name] or candidates
            if len({id(c) for c in candidates}) > 1:  # "Ailes" beside Roger Ailes (7 times) and Elizabeth Ailes (once);
                # "Kadyrov" beside Ramzan and Ahmed Kadyrov (once each) is neither; "Gadhafi" beside "pro-Gadhafi" is
                # the only person
                bearers = Counter({c.display: len(c.mentions) for c in candidates
                                   if c.fixed is EntityType.PERSON or c.votes[EntityType.PERSON]})
                main = main_bearer(bearers, {c.display for c in candidates if any(m.relative for m in c.mentions)})
                candidates = [c for c in candidates if c.display == main] if main or len(bearers) > 1 else candidates
        elif fixed is None:  # "Bublik" tagged ORG, "Kleijn" tagged GPE
            candidates = [p.root() for p in persons if _is_short_form(short, p.core, first_name=False)]
        if not candidates and group.known is None and fixed is None:
            # "Afghanistan Amrullah Saleh": a longer span ending in a full person name ("Alexandra Tara Reade" is
            # Tara Reade too, but "Cathy McMorris Rodgers" is no longer form of the surname "McMorris Rodgers")
            given = g.given_name(group.display.split()[0])
            candidates = [p.root() for p in persons
                          if len(p.tokens) < len(tokens) and tokens[-len(p.tokens):] == p.tokens
                          and not (given and not g.given_name(p.display.split()[0]))]
        if not candidates and group.known is None and len(tokens) > 2:  # "White House National Security Council"
            candidates = [k for k in known_groups if any(
                1 < len(t) < len(tokens) and tokens[-len(t):] == t for t in k.surface_keys)]
        if not candidates and group.known is None and fixed in (None, EntityType.ORGANIZATION):
            # "Sierra Nevada" of "Sierra Nevada Corporation", "Home Depot" of "THE HOME DEPOT INC."
            candidates = [o.root() for o in organizations if len(o.tokens) > len(tokens) and (
                _organization_root(o.tokens) == tokens
                or o.tokens[:len(tokens)] == tokens and (o.tokens[-1] in ORGANIZATION_WORDS or o.known is None
                                                         and document_type(group.votes) is EntityType.ORGANIZATION)
                or len(tokens) > 1 and o.tokens[-len(tokens):] == tokens)]  # "Ulta Beauty", "Polytechnic University"
        if not candidates and (fixed or document_type(group.votes)) is EntityType.LOCATION:
            longer = locations.get(" ".join([*tokens, "city"]))  # "New York" beside "New York City"
            candidates = [longer.root()] if longer is not None else []
        if not candidates and len(tokens) == 1 and tokens[0].endswith("s") and group.known is None:
            candidates = [gr.root() for gr in groups if gr.tokens == [tokens[0][:-1]]]  # plurals
        targets = {id(c) for c in candidates if c is not group}
        if len(targets) > 1:  # prefer the one that starts with a given name ("Alexander Vindman", not a heading)
            named = {id(c) for c in candidates if c is not group and g.given_name(c.display.split()[0])}
            targets = named if len(named) == 1 else targets
        if len(targets) == 1:
            target = group.merged_into = next(c for c in candidates if id(c) in targets)
            if target in persons and len(tokens) < len(target.tokens) and fixed is None:
                target.named_person = True  # a surname alone refers back to a person's full name


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

    def written_name(self, name: str) -> str:
        """How the text writes the entity called `name`: that name where a mention writes it, else the fullest name its
        mentions write ("Obama" for Barack Obama where the text writes only "President Obama"); any other name as is."""
        surname = name_key(name).split()[-1:]
        forms = [m.name if m.canonical_type is not EntityType.PERSON else " ".join(_past_titles(m.name.split()))
                 for m in self.mentions if m.canonical == name and (
                     m.canonical_type is not EntityType.PERSON or name_key(m.name).split()[-1:] == surname)]
        if not forms or name in forms:  # a person's forms end in their surname (not "Vermont senator")
            return name
        return max(forms, key=lambda form: (len(form.split()), forms.count(form)))

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


@dataclass
class _Local:
    """One document's in-document resolution, before the corpus registry names its entities."""

    mentions: list[Mention]
    roots: list[_Group]
    members: dict[int, list[Mention]]
    observed: list[Observed]
    date_expressions: list[str]


def _resolve_locally(doc: Doc) -> _Local:
    ents = doc.ents  # each access walks the whole document
    mentions = extract_mentions(doc, ents)
    _resolve_teams(mentions)
    _resolve_place_abbreviations(mentions)
    by_key: dict[str, _Group] = {}
    for mention in mentions:
        key = gazetteer_key(mention.known.name) if mention.known is not None else name_key(mention.name)
        by_key.setdefault(key, _Group()).mentions.append(mention)
    groups = list(by_key.values())
    _merge_aliases(groups)
    members: dict[int, list[Mention]] = {id(gr): [] for gr in groups if gr.merged_into is None}
    for group in groups:
        members[id(group.root())].extend(group.mentions)
    roots = [gr for gr in groups if gr.merged_into is None]
    observed = []
    for root in roots:
        group_mentions = members[id(root)]
        fixed = Counter(m.fixed for m in group_mentions if m.fixed is not None)
        votes = Counter({EntityType.PERSON: len(group_mentions)}) if root.named_person and not fixed \
            else Counter(m.type for m in group_mentions)
        settled = fixed.most_common(1)[0][0] if fixed else None
        display = root.display
        if (settled or document_type(votes)) is EntityType.PERSON and root.known is None:
            display = clean_name(display, EntityType.PERSON) or display  # "Spokesperson Marie Harf" tagged ORG
        observed.append(Observed(display, votes, settled, titles_gender(group_mentions)))
    return _Local(mentions, roots, members, observed, [e.text for e in ents if e.label_ in ("DATE", "TIME")])


def resolve_batch(docs: Sequence[Doc], registry: AliasRegistry) -> list[DocumentEntities]:
    """Entities of each of `docs` with canonical names: in-document aliases, then the corpus registry,
    which sees the whole batch before naming any of it (so a bare surname meets its full name)."""
    local = [_resolve_locally(doc) for doc in docs]
    resolved = registry.canonicalize_batch([item.observed for item in local])
    results = []
    for item, names in zip(local, resolved):
        entities = []
        for root, (name, entity_type) in zip(item.roots, names):
            group_mentions = item.members[id(root)]
            for mention in group_mentions:
                mention.canonical, mention.canonical_type = name, entity_type
            entities.append(Entity(name=name, type=entity_type, count=len(group_mentions),
                                   surface_forms=sorted({m.surface for m in group_mentions})))
        ordered = merge_alike(entities)  # two groups the registry names alike are one entity
        results.append(DocumentEntities(entities=ordered, mentions=item.mentions,
                                        date_expressions=item.date_expressions))
    return results


def resolve_entities(doc: Doc, registry: AliasRegistry) -> DocumentEntities:
    """Entities of `doc` with canonical names (in-document aliases, then the corpus registry)."""
    return resolve_batch([doc], registry)[0]
