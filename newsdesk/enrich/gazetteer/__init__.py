"""A small curated gazetteer, kept as data files beside this module: places and their variants, well-known
organisations and acronyms, sports teams, well-known people and products, given names, and words that are
never entities.

Edit the `.tsv`/`.txt` files to extend it; lines starting with `#` are comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nicknames import NickNamer

from newsdesk.enrich.outlets import name_key
from newsdesk.model import EntityType

DATA = Path(__file__).parent


@lru_cache(maxsize=65536)
def gazetteer_key(name: str) -> str:
    """`name_key` without dots, so that "U.S." and "US", "St. Louis" and "St Louis" meet."""
    return name_key(re.sub(r"\.", "", name))


@dataclass(frozen=True)
class Known:
    """A gazetteer entry: canonical name, type, and kind (country, state, city, region, company, agency,
    international, league, party, group, person, team)."""

    name: str
    type: EntityType
    kind: str
    league: str = ""


def _rows(file: str) -> list[list[str]]:
    lines = (DATA / file).read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


def _cells(row: list[str], i: int) -> list[str]:
    return [c.strip() for c in row[i].split("|") if c.strip()] if len(row) > i else []


class Gazetteer:
    """Lookups over the data files (one shared instance: `gazetteer()`)."""

    def __init__(self) -> None:
        self._strong: dict[str, Known] = {}
        self._caps: dict[str, Known] = {}
        """All-capital aliases ("WHO", "ICE"): they match only a mention written in capitals."""
        self._weak: dict[str, list[Known]] = {}
        self.teams_by_short: dict[str, list[Known]] = {}
        self.teams_by_place: dict[str, list[Known]] = {}
        self.people_by_surname: dict[str, Known] = {}
        self.companies: frozenset[str] = frozenset()
        for row in _rows("places.tsv"):
            known = Known(row[0].strip(), EntityType.LOCATION, row[1].strip())
            self._add(known, [known.name, *_cells(row, 2)])
            for alias in _cells(row, 3):
                key = alias if alias.isupper() else gazetteer_key(alias)  # "MA" matches "MA", not "Ma"
                self._weak.setdefault(key, []).append(known)
        companies = set()
        for row in _rows("organizations.tsv"):
            known = Known(row[0].strip(), EntityType.ORGANIZATION, row[1].strip())
            names = [known.name, *_cells(row, 2)]
            self._add(known, names)
            if known.kind in ("company", "league"):
                companies.update(gazetteer_key(n) for n in names)
        self.companies = frozenset(companies)
        """Keys of company names: a name that starts with one and goes on is often its product ("Apple Watch")."""
        self.league_codes = {row[0].strip(): next((a for a in _cells(row, 2) if a.isupper()), row[0].strip())
                             for row in _rows("organizations.tsv") if row[1].strip() == "league"}
        """A league's canonical name -> the code teams.tsv files its teams under ("NFL")."""
        for row in _rows("teams.tsv"):
            known = Known(row[0].strip(), EntityType.ORGANIZATION, "team", row[1].strip())
            self._strong.setdefault(gazetteer_key(known.name), known)
            for short in _cells(row, 2):
                self.teams_by_short.setdefault(gazetteer_key(short), []).append(known)
            for place in _cells(row, 3):
                self.teams_by_place.setdefault(gazetteer_key(place), []).append(known)
        for row in _rows("people.tsv"):
            known = Known(row[0].strip(), EntityType.PERSON, "person")
            self._strong.setdefault(gazetteer_key(known.name), known)
            for alias in _cells(row, 1):
                self.people_by_surname[gazetteer_key(alias)] = known
        self.given_names = frozenset(
            w.casefold() for line in (DATA / "given_names.txt").read_text(encoding="utf-8").splitlines()
            if not line.startswith("#") for w in line.split())
        self.products = frozenset(gazetteer_key(line) for line in (DATA / "products.txt").read_text(
            encoding="utf-8").splitlines() if line.strip() and not line.startswith("#"))
        words = [w for line in (DATA / "not_entities.txt").read_text(encoding="utf-8").splitlines()
                 if not line.startswith("#") for w in line.split()]
        self._not_caps = frozenset(w for w in words if w.isupper() and len(w) > 1)
        self._not_words = frozenset(w.casefold() for w in words if not (w.isupper() and len(w) > 1))

    def _add(self, known: Known, names: list[str]) -> None:
        for name in names:
            if name.replace(".", "").isupper() and len(name.replace(".", "")) <= 5:
                self._caps.setdefault(name.replace(" ", ""), known)  # dots count: "D.C." is a place, "DC" may not be
            else:
                self._strong.setdefault(gazetteer_key(name), known)

    def lookup(self, surface: str) -> Known | None:
        """The entry `surface` names for certain (canonical name or a strong alias), else None."""
        found = self._strong.get(gazetteer_key(surface))
        if found is None and surface.replace(".", "").isupper():
            found = self._caps.get(surface.replace(" ", ""))
        return found

    def weak(self, surface: str) -> list[Known]:
        """Entries `surface` may stand for where the context agrees ("SD" beside "South Dakota")."""
        return (surface.isupper() and self._weak.get(surface)) or self._weak.get(gazetteer_key(surface), [])

    def never_entity(self, name: str) -> bool:
        """An abbreviation, interjection or common word that is never a person, organisation or place."""
        if name.replace(".", "").isupper() and len(name) > 1:
            return name in self._not_caps or name.casefold() in self._not_words
        return name.casefold() in self._not_words

    def product(self, name: str) -> bool:
        """Whether `name` is a well-known product ("iPhone", "App Store", "Altima")."""
        return gazetteer_key(name) in self.products

    def given_name(self, word: str) -> bool:
        """Whether `word` is a common given name, or starts with one hyphenated ("Jo-Wilfried")."""
        folded = word.casefold()
        return folded in self.given_names or "-" in folded and folded.split("-")[0] in self.given_names


@lru_cache(maxsize=1)
def given_name_genders() -> dict[str, str]:
    """Given name -> "f" or "m", for names borne nearly always by women or by men (`gendered_names.txt`)."""
    genders = {}
    for line in (DATA / "gendered_names.txt").read_text(encoding="utf-8").splitlines():
        if line[:2] in ("f:", "m:"):
            genders.update(dict.fromkeys(line[2:].split(), line[0]))
    return genders


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The gazetteer (loaded once per process)."""
    return Gazetteer()


def fits_title(full_name: str, gender: str | None) -> bool:
    """Whether a surname written after personal titles of `gender` ("Mr. Trump": "m") may stand for this full name:
    its given name is of that gender, or of none known while the surname's well-known bearer does not fit the titles
    better (Donald Trump, not Ivanka Trump)."""
    if gender is None:
        return True
    genders = given_name_genders()
    if (own := genders.get(full_name.split()[0])) is not None:
        return own == gender
    known = gazetteer().people_by_surname.get(gazetteer_key(full_name.split()[-1]))
    return not (known and known.name != full_name and genders.get(known.name.split()[0]) == gender)


@lru_cache(maxsize=1)
def _nicknamer() -> NickNamer:
    return NickNamer()


def nickname_pair(a: str, b: str) -> bool:
    """Whether one given name is a usual nickname of the other ("Sandy" of "Sandra", "Bob" of "Robert"), after the
    hand-curated English names of the `nicknames` package."""
    a, b = a.casefold(), b.casefold()
    return b in _nicknamer().nicknames_of(a) or a in _nicknamer().nicknames_of(b)
