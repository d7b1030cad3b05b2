"""The publisher of an article: the outlet whose site it is, under one display name across the corpus.

The name comes from what the page says about its own site, best first: a JSON record's `publisher`; a known
outlet any of the site's names or its domain refers to (`outlets.canonical_outlet`); the site name (og:site_name,
application name, JSON-LD WebSite/Organization), its tagline cut off; the site's name in the page title; the
publisher the JSON-LD article credits; for a text dump, its copyright holder or a site-name line the text
repeats; a Twitter handle only when nothing else names the site; the domain last. A lowercase slug
("cleveland", "detroitnews") takes the casing the page uses elsewhere ("cleveland.com", "The Detroit News").
Taglines, calls to action, addresses, dates, people and headlines are never a publisher.

Wire stories: the publisher is the site that published the story (an AP story on the Connecticut Post's site
is the Connecticut Post's); the agency the page credits (JSON-LD publisher, a known outlet other than the site)
is added to the article's cited sources. A text dump credits the outlet its trailer names ("Sputnik News");
the site it was copied from, named by a breadcrumb, stays in `aggregator`.

One name per outlet: `PublisherRegistry` remembers the first display name of every outlet (by its
case-, space- and punctuation-insensitive key, and by its site's domain), so later articles of the same
outlet get the same name, whatever casing or spacing their pages use.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from newsdesk.clean.text import normalise_text
from newsdesk.clean.timestamps import parse_timestamp
from newsdesk.clean.titles import CALL_TO_ACTION, SENTENCE_END, SEPARATOR, domain_label, site_domain, squash
from newsdesk.enrich.outlets import canonical_outlet
from newsdesk.enrich.store import SqliteStore
from newsdesk.sqlite import transaction
from newsdesk.model import Article, Provenance, RawDocument

SOURCE_ORDER: tuple[str, ...] = (
    "json", "html-sitename", "html-appname", "html-jsonld-site", "html-title", "html-jsonld-publisher",
    "text-copyright", "text-trailer", "html-handle",
)
"""Where a publisher candidate was found, most telling first (the cleaner records them as `publisher.<source>`)."""
EXTRACTOR_SOURCE = "html-extractor"
"""trafilatura's idea of the site name: only for the casing of a slug (it may be a Twitter handle)."""
SITE_SOURCES = frozenset({"html-sitename", "html-appname", "html-jsonld-site", "html-title"})
HANDLE_SOURCES = frozenset({"html-handle"})
CONFIDENCE = {"json": 1.0, "known-outlet": 0.95, "html-sitename": 0.9, "html-appname": 0.85, "html-jsonld-site": 0.85,
              "html-title": 0.8, "html-jsonld-publisher": 0.75, "text-copyright": 0.7, "text-trailer": 0.6,
              "html-handle": 0.5, "url-domain": 0.4}
MAX_NAME_WORDS = 6

_CONTACT = re.compile(r"@|\b(?:e-?mail|tel|telephone|phone|fax|switchboard|address|p\.?o\.? box)\b|\d{3}[\s).-]*\d{3}",
                      re.I)
_MONTH_DAY = re.compile(r"^(?:\w+\.?\s+\d{1,2}|\d{1,2}\.?\s+\w+\.?)(?:,?\s+\d{4})?$")


@dataclass(frozen=True)
class Candidate:
    name: str
    source: str


def junk_reason(name: str, article: Article, persons: frozenset[str] = frozenset()) -> str | None:
    """Why a candidate cannot be a publisher's name (a call to action, contact line, date, person, headline,
    tagline), or None. `persons`: the names of people it must not be (the article's authors and the people it
    names, for names not taken from the site's own metadata)."""
    text = " ".join(name.split())
    if len(re.findall(r"\w", text)) < 2:
        return "empty"
    if _CONTACT.search(text):
        return "a contact line"
    if CALL_TO_ACTION.match(text):
        return "a link or prompt"
    if text.isupper() and len(text.split()) >= 3:
        return "a shouted link or prompt"
    if _MONTH_DAY.match(text) and (parse_timestamp(f"{text} 2000") or parse_timestamp(text)):
        return "a date"
    if len(text.split()) > MAX_NAME_WORDS or re.search(r"[:;,]$", text) or (
            len(text.split()) > 1 and SENTENCE_END.search(text)):
        return "a tagline or a sentence"
    key = squash(text)
    if article.title and key == squash(article.title):
        return "the headline"
    if key in {squash(p) for p in persons}:
        return "a person"
    return None


def _name_like(part: str) -> bool:
    """A short name in title case or a brand's own casing, not a lowercase tagline."""
    words = part.split()
    return 0 < len(words) <= 5 and not re.search(r"[.!?,;:]$", part) and not all(
        w[:1].islower() for w in words if w[:1].isalpha())


def _main_part(name: str, domain: str | None, standalone: set[str] = frozenset()) -> str:  # type: ignore[assignment]
    """A site name without its tagline or the domain beside it: the part that names the domain, unless it is
    the bare domain beside a proper name; else the part the page also states on its own (another site name, its
    Twitter handle); else the first part ("LinkNaija | Nigeria's popular news platform" -> "LinkNaija", "The
    Jerusalem Post | JPost.com" -> "The Jerusalem Post", "TACH! - Lokalnachrichten" beside "TACH!" -> "TACH!")."""
    parts = [p.strip() for p in SEPARATOR.split(name) if p.strip()]
    if len(parts) < 2:
        return name.strip()
    label = squash(domain_label(domain) or "")
    named = [p for p in parts if label and squash(p) in (label, squash(domain or ""))]
    if named and "." not in named[0]:
        return named[0]
    stated = [p for p in parts if squash(p) in standalone]
    if stated:
        return stated[0]
    proper = [p for p in parts if _name_like(p) and "." not in p]
    return proper[0] if proper else (named or parts)[0]


_NOISE = re.compile(r"©|\(c\)|\bcopyright\b|\ball rights reserved\b|\bunless otherwise noted\b"
                    r"|\b(?:19|20)\d\d\b(?:\s*[-–]\s*(?:19|20)\d\d)?", re.I)


def _candidates(raw: RawDocument, article: Article, domain: str | None) -> list[Candidate]:
    """The cleaner's candidates in `SOURCE_ORDER`, taglines cut, copyright marks dropped, handles without @."""
    stated: list[Candidate] = []
    for key, provenance in article.provenance.items():
        if key.startswith("publisher.") and provenance.detail:
            source = provenance.source
            name = " ".join(_NOISE.sub(" ", provenance.detail).split()).strip(" -|,.:;/")
            if name.startswith("@"):
                source, name = "html-handle", name.lstrip("@")
            if name:
                stated.append(Candidate(name, source))
    standalone = {squash(c.name) for c in stated if len(SEPARATOR.split(c.name)) == 1}
    found = [Candidate(_main_part(c.name, domain, standalone), c.source) if c.source in SITE_SOURCES else c
             for c in stated]
    order = {s: i for i, s in enumerate(SOURCE_ORDER)}
    return sorted(found, key=lambda c: order.get(c.source, len(order)))


def _stated_elsewhere(candidate: Candidate, raw: RawDocument) -> bool:
    """Whether a text dump names the outlet besides the line it was found on: a trailer line that is also a
    line of its own elsewhere (its masthead), a copyright holder named in another line."""
    key = squash(candidate.name)
    lines = _squashed_lines(raw.content)
    if candidate.source == "text-trailer":
        return lines.count(key) >= 2
    return sum(key in line for line in lines) >= 2


@lru_cache(maxsize=4)
def _squashed_lines(content: str) -> tuple[str, ...]:
    """The squashed lines of a document's text (each of its candidates asks)."""
    return tuple(squash(line) for line in normalise_text(content).split("\n"))


def _cased(name: str, candidates: list[Candidate], extra: list[str]) -> str:
    """The page's own spelling of a lowercase slug site name: the same name in words ("detroitnews" -> "The
    Detroit News"), else with its domain ending ("cleveland" -> "cleveland.com"), else capitalised as the page
    writes it."""
    if name != name.lower() or " " in name:
        return name
    key = squash(name)
    variants = [c.name.replace("_", " ") for c in candidates] + extra
    for test in (lambda v: squash(v) == key and " " in v.strip(),
                 lambda v: re.fullmatch(rf"{re.escape(name)}\.[a-z.]{{2,6}}", v, re.I) is not None,
                 lambda v: squash(v) == key and v != v.lower()):
        for variant in variants:
            if test(variant):
                return variant.strip()
    return name


def decide_publisher(raw: RawDocument, article: Article, persons: frozenset[str] = frozenset(),
                     ) -> tuple[str, Provenance, str | None] | None:
    """The publisher's name, its provenance, and a wire agency the page credits besides the site (or None).

    `persons`: people the article names (never its publisher). The site name the HTML extractor read
    (`publisher.html-extractor`) only gives a slug its casing.
    """
    domain = site_domain(article.url)
    candidates = _candidates(raw, article, domain)
    rejected: list[str] = []
    usable: list[Candidate] = []
    people = persons | frozenset(article.authors)
    for candidate in candidates:
        if candidate.source == EXTRACTOR_SOURCE:
            continue
        reason = junk_reason(candidate.name, article, frozenset() if candidate.source in SITE_SOURCES else people)
        if reason is None and candidate.source.startswith("text-") and not (
                canonical_outlet(candidate.name) or _stated_elsewhere(candidate, raw)):
            reason = "a name the text states only once"
        if reason:
            rejected.append(f"{candidate.name!r}: {reason}")
        else:
            usable.append(candidate)
    note = f"rejected {'; '.join(rejected)}" if rejected else None

    def chosen(name: str, source: str, detail: str | None = None) -> tuple[str, Provenance, str | None]:
        agency = _agency(usable, name)
        parts = [p for p in (detail, note) if p]
        return name, Provenance(source=source, confidence=CONFIDENCE.get(source, 0.5),
                                detail="; ".join(parts) or None), agency

    for candidate in usable:
        if candidate.source == "json":
            return chosen(canonical_outlet(candidate.name) or candidate.name, "json")
    identity = [c for c in usable if c.source in SITE_SOURCES | HANDLE_SOURCES]
    for candidate in [*identity, *([Candidate(domain, "url-domain")] if domain else [])]:
        outlet = canonical_outlet(candidate.name)
        if outlet:
            return chosen(outlet, "known-outlet", f"{candidate.source} {candidate.name!r}")
    site = [c for c in usable if c.source in SITE_SOURCES]
    if site:
        agreeing = {squash(c.name) for c in site} | {squash(domain_label(domain) or ""), squash(domain or "")}
        credited = [c for c in usable if c.source == "html-jsonld-publisher" and squash(c.name) in agreeing]
        best = _most_stated(site + credited)
        extra = [c.name for c in candidates if c.source == EXTRACTOR_SOURCE]
        return chosen(_cased(best.name, usable, extra), best.source)
    for candidate in usable:
        if candidate.source == "html-jsonld-publisher" or candidate.source.startswith("text-"):
            outlet = canonical_outlet(candidate.name)
            return chosen(outlet or candidate.name, candidate.source)
    handles = [c for c in usable if c.source in HANDLE_SOURCES]
    if handles:
        return chosen(handles[0].name, handles[0].source)
    if raw.content_type == "html" and domain:
        return chosen(domain, "url-domain")
    return None


def _most_stated(site: list[Candidate]) -> Candidate:
    """The site name the page states most often (its og:site_name, application name, JSON-LD and title
    agreeing; the JSON-LD publisher when it names this site), in the spelling it uses most; ties go to the
    most telling source."""
    keys = Counter(squash(c.name) for c in site)
    best_key = max(keys, key=lambda k: (keys[k], -next(i for i, c in enumerate(site) if squash(c.name) == k)))
    spellings = Counter(c.name for c in site if squash(c.name) == best_key)
    best_name = max(spellings, key=lambda n: (spellings[n], -next(i for i, c in enumerate(site) if c.name == n)))
    return next(c for c in site if c.name == best_name)


def _agency(usable: list[Candidate], publisher: str) -> str | None:
    """A known outlet the page's JSON-LD credits as publisher besides the site (the wire agency of the story)."""
    for candidate in usable:
        if candidate.source == "html-jsonld-publisher":
            outlet = canonical_outlet(candidate.name)
            if outlet and outlet != publisher:
                return outlet
    return None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS publisher_name (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS publisher_spelling (
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    documents INTEGER NOT NULL,
    PRIMARY KEY (key, name)
);
"""


class PublisherRegistry(SqliteStore):
    """The display name of every outlet seen, by name key and by site domain: the first name wins."""

    SCHEMA = _SCHEMA

    def settle(self, name: str, url: str | None) -> str:
        """The corpus-wide display name for `name` (published on `url`'s site), remembering it if new.

        The site is its host name (`edition.cnn.com`, `someone.blogspot.com`), so blogs sharing a platform
        domain keep their own names."""
        return self.settle_many([(name, url)])[0]

    def settle_many(self, publishers: list[tuple[str, str | None]]) -> list[str]:
        """`settle` for (name, url) pairs, in order, in one write transaction."""
        if not publishers:
            return []
        displays = []
        with self._lock, transaction(self.conn):
            for name, url in publishers:
                keys = [f"name:{squash(name)}"]
                host = _host(url)
                if host:
                    keys.insert(0, f"site:{host}")
                self.conn.executemany("INSERT INTO publisher_spelling (key, name, documents) VALUES (?, ?, 1) "
                                      "ON CONFLICT (key, name) DO UPDATE SET documents = documents + 1",
                                      [(key, name) for key in keys])
                display = name
                for key in keys:
                    row = self.conn.execute("SELECT name FROM publisher_name WHERE key = ?", (key,)).fetchone()
                    if row:
                        display = row[0]
                        break
                keys.append(f"name:{squash(display)}")
                self.conn.executemany("INSERT OR IGNORE INTO publisher_name (key, name) VALUES (?, ?)",
                                      [(key, display) for key in dict.fromkeys(keys)])
                displays.append(display)
        return displays

    def settled(self, name: str, url: str | None) -> str:
        """The display name of `name` (on `url`'s site) from the complete evidence, whatever order documents came
        in: the site's spelling most of its documents use (then the longest, then the first in code point order),
        then the spelling of that name most documents of any site use."""
        host = _host(url)
        with self._lock:
            site = self._best(f"site:{host}") if host else None
            return self._best(f"name:{squash(site or name)}") or site or name

    def settle_names(self) -> None:
        """Record the settled display names as the names later articles get."""
        with self._lock:
            keys = [k for (k,) in self.conn.execute("SELECT key FROM publisher_name")]
        names = {k: self.settled(k.removeprefix("name:"), f"http://{k.removeprefix('site:')}/" if k.startswith("site:")
                                 else None) for k in keys}
        with self._lock, transaction(self.conn) as conn:
            conn.executemany("UPDATE publisher_name SET name = ? WHERE key = ?", [(n, k) for k, n in names.items()])

    def _best(self, key: str) -> str | None:
        row = self.conn.execute("SELECT name FROM publisher_spelling WHERE key = ? ORDER BY documents DESC, "
                                "length(name) DESC, name LIMIT 1", (key,)).fetchone()
        return None if row is None else str(row[0])


def _host(url: str | None) -> str:
    """A URL's host name without `www.` ('' for none)."""
    return (urlsplit(url).hostname or "").removeprefix("www.") if url and "://" in url else ""
