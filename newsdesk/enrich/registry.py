"""Durable cross-document alias registry: one canonical name and type per entity, corpus-wide.

Every name a document resolves is recorded with its type votes. The first spelling registered for a
name key stays the entity's name (a company's legal suffixes do not count in its key, so "Acme Corp."
and "Acme" are one). A bare surname that the document itself could not resolve becomes the full name of
the one person of the corpus with that surname (or the gazetteer's well-known person); with several
candidates it stays as it is. Each such decision is recorded with its reason (`decisions`), and
`rebuild` recomputes them all from the recorded names.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

from newsdesk.enrich.gazetteer import fits_title, gazetteer
from newsdesk.enrich.outlets import name_key
from newsdesk.enrich.store import SqliteStore
from newsdesk.sqlite import transaction
from newsdesk.model import Entity, EntityType

_SCHEMA = """
CREATE TABLE IF NOT EXISTS canonical_name (
    key TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS type_vote (
    key TEXT NOT NULL,
    type TEXT NOT NULL,
    votes INTEGER NOT NULL,
    PRIMARY KEY (key, type)
);
CREATE TABLE IF NOT EXISTS fixed_type (
    key TEXT PRIMARY KEY,
    type TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS person_name (
    surname TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (surname, key)
);
CREATE TABLE IF NOT EXISTS name_spelling (
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    documents INTEGER NOT NULL,
    PRIMARY KEY (key, name)
);
CREATE TABLE IF NOT EXISTS alias_decision (
    key TEXT PRIMARY KEY,
    target TEXT,
    reason TEXT NOT NULL,
    decided_at TEXT NOT NULL
);
"""

MIN_CORPUS_VOTES = 3
"""Corpus-wide type votes needed before they may override a document's own unclear vote."""

LEGAL_SUFFIXES = frozenset("inc corp corporation co company ltd limited llc llp plc ag gmbh sa nv".split())
"""Words a company's legal name adds to the name it goes by."""


TIE_ORDER = (EntityType.PERSON, EntityType.LOCATION, EntityType.ORGANIZATION, EntityType.NORP, EntityType.EVENT)
"""Which type a tie of votes goes to: a place name used as a modifier is often tagged as an organisation
("Forest Hill police")."""


def document_type(votes: Counter[EntityType]) -> EntityType:
    """Majority type of one name's mentions; ties go by `TIE_ORDER`."""
    return max(votes, key=lambda t: (votes[t], -TIE_ORDER.index(t)))


def _clear(votes: Counter[EntityType]) -> bool:
    total = sum(votes.values())
    return total >= 2 and max(votes.values()) * 3 >= total * 2


@dataclass
class Observed:
    """One entity as a document resolved it: its name, its mentions' type votes, and a settled type if any."""

    name: str
    votes: Counter[EntityType] = field(default_factory=Counter)
    fixed: EntityType | None = None
    title_gender: str | None = None
    """"f" or "m": the gender most of the personal titles before its mentions fix ("Mr. Trump")."""

    @property
    def type(self) -> EntityType:
        return self.fixed or document_type(self.votes)


def registry_key(name: str, entity_type: EntityType) -> str:
    """The key one entity is registered under: its name key, without legal suffixes for an organisation."""
    tokens = name_key(name).split()
    if entity_type is EntityType.ORGANIZATION:
        while len(tokens) > 1 and tokens[-1] in LEGAL_SUFFIXES:
            tokens.pop()
    return " ".join(tokens)


class AliasRegistry(SqliteStore):
    """Canonical display names, type votes and alias decisions shared by all documents (and processes)."""

    SCHEMA = _SCHEMA

    def canonicalize(self, names: list[Observed] | list[tuple[str, Counter[EntityType]]]
                     ) -> list[tuple[str, EntityType]]:
        """Corpus-canonical (name, type) for each entity of one document, recording them."""
        observed = [n if isinstance(n, Observed) else Observed(*n) for n in names]
        return self.canonicalize_batch([observed])[0]

    def canonicalize_batch(self, documents: list[list[Observed]]) -> list[list[tuple[str, EntityType]]]:
        """Corpus-canonical (name, type) for each entity of each document, recording them all first.

        One write transaction: every name of the batch is registered before any is resolved, so a bare
        surname in one document meets the full name in another. A document's own settled type wins,
        then its clear type vote, then the corpus majority (this batch included).
        """
        flat = [o for doc in documents for o in doc]
        if not flat:
            return [[] for _ in documents]
        keys = [registry_key(o.name, o.type) for o in flat]
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._lock, transaction(self.conn) as conn:
            conn.executemany("INSERT OR IGNORE INTO canonical_name (key, name) VALUES (?, ?)",
                             [(k, o.name) for k, o in zip(keys, flat)])
            conn.executemany("INSERT INTO name_spelling (key, name, documents) VALUES (?, ?, 1) "
                             "ON CONFLICT (key, name) DO UPDATE SET documents = documents + 1",
                             [(k, o.name) for k, o in zip(keys, flat)])
            conn.executemany(
                "INSERT INTO type_vote (key, type, votes) VALUES (?, ?, ?) "
                "ON CONFLICT (key, type) DO UPDATE SET votes = votes + excluded.votes",
                [(k, str(t), n) for k, o in zip(keys, flat) for t, n in o.votes.items()])
            conn.executemany("INSERT OR IGNORE INTO fixed_type (key, type) VALUES (?, ?)",
                             [(k, str(o.fixed)) for k, o in zip(keys, flat) if o.fixed is not None])
            conn.executemany("INSERT OR IGNORE INTO person_name (surname, key) VALUES (?, ?)",
                             [(k.split()[-1], k) for k, o in zip(keys, flat)
                              if o.type is EntityType.PERSON and len(k.split()) > 1])
            corpus = self._types(conn, set(keys))
            targets: dict[str, str | None] = {}
            for key, o in zip(keys, flat):
                if key in targets or " " in key or o.fixed not in (None, EntityType.PERSON):
                    continue
                if self._type(o, corpus.get(key)) is EntityType.PERSON:
                    targets[key] = self._decide(conn, key, now)
                elif not _clear(o.votes):  # "Noem" tagged ORG once: a person's surname if the corpus has one
                    targets[key] = self._decide(conn, key, now, record_none=False)
            wanted = set(keys) | {t for t in targets.values() if t}
            canonical = self._names(conn, wanted)
            corpus.update(self._types(conn, wanted - set(corpus)))
        result: list[list[tuple[str, EntityType]]] = []
        flat_results = []
        for key, o in zip(keys, flat):
            target = targets.get(key)
            name = canonical.get(target, o.name) if target else None
            if name and not fits_title(name, o.title_gender):  # "Mr. Trump" in a corpus naming only Ivanka Trump
                known = gazetteer().people_by_surname.get(key)
                name = known.name if known and fits_title(known.name, o.title_gender) else None
            if name:
                flat_results.append((name, EntityType.PERSON))
            else:
                flat_results.append((canonical.get(key, o.name), self._type(o, corpus.get(key))))
        position = 0
        for doc in documents:
            result.append(flat_results[position:position + len(doc)])
            position += len(doc)
        return result

    @staticmethod
    def _type(observed: Observed, corpus: tuple[Counter[EntityType], EntityType | None] | None) -> EntityType:
        votes, fixed = corpus or (Counter(), None)
        if observed.fixed is not None:
            return observed.fixed
        if fixed is not None:
            return fixed
        if _clear(observed.votes) or sum(votes.values()) < MIN_CORPUS_VOTES:
            return document_type(observed.votes)
        return document_type(votes)

    @staticmethod
    def _types(conn: sqlite3.Connection, keys: set[str]) -> dict[str, tuple[Counter[EntityType], EntityType | None]]:
        found: dict[str, tuple[Counter[EntityType], EntityType | None]] = {}
        for chunk in _chunks(sorted(keys)):
            marks = ",".join("?" * len(chunk))
            for key, type_, votes in conn.execute(
                    f"SELECT key, type, votes FROM type_vote WHERE key IN ({marks})", chunk):
                found.setdefault(key, (Counter(), None))[0][EntityType(type_)] = votes
            for key, type_ in conn.execute(f"SELECT key, type FROM fixed_type WHERE key IN ({marks})", chunk):
                found[key] = (found.get(key, (Counter(), None))[0], EntityType(type_))
        return found

    @staticmethod
    def _names(conn: sqlite3.Connection, keys: set[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in _chunks(sorted(keys)):
            marks = ",".join("?" * len(chunk))
            found.update(conn.execute(f"SELECT key, name FROM canonical_name WHERE key IN ({marks})", chunk))
        return found

    def _decide(self, conn: sqlite3.Connection, surname: str, now: str, record_none: bool = True) -> str | None:
        """The full name a bare surname stands for corpus-wide, recorded with its reason; None if none or several
        (recorded too, unless `record_none` is False)."""
        candidates = [k for (k,) in conn.execute("SELECT key FROM person_name WHERE surname = ?", (surname,))]
        types = self._types(conn, set(candidates))
        people = sorted(k for k in candidates if _is_person(types.get(k))
                        and (record_none or len(k.split()[0]) == 1 or gazetteer().given_name(k.split()[0])))
        # (a name tagged as an organisation maps only to what looks like a person's full name)
        known = gazetteer().people_by_surname.get(surname)
        known_key = registry_key(known.name, EntityType.PERSON) if known else None
        if len(people) == 1:
            target, reason = people[0], f"the only person called {surname!r} in the corpus"
        elif known and known_key and (not people or known_key in people):
            target, reason = known_key, f"well-known person (gazetteer); {len(people)} in the corpus"
            conn.execute("INSERT OR IGNORE INTO canonical_name (key, name) VALUES (?, ?)", (known_key, known.name))
        else:
            target = None
            reason = f"ambiguous: {len(people)} people called {surname!r}" if people else "no full name yet"
            if not record_none:
                return None
        conn.execute("INSERT OR REPLACE INTO alias_decision (key, target, reason, decided_at) VALUES (?, ?, ?, ?)",
                     (surname, target, reason, now))
        return target

    def settle(self) -> dict[str, str]:
        """Canonical names from the complete evidence, whatever order documents came in: each key's spelling most
        documents use (then the longest, then the first in code point order), and every bare surname's decision
        taken again (`rebuild`). Recorded as the canonical names; returns {old name: settled name} of those that
        changed."""
        self.rebuild()
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._lock, transaction(self.conn) as conn:
            single = [k for (k,) in conn.execute("SELECT key FROM canonical_name WHERE key NOT LIKE '% %'")]
            types = self._types(conn, set(single))
            for key in single:  # a one-word name tagged otherwise: a person's surname if the corpus has one
                if not _is_person(types.get(key)):
                    self._decide(conn, key, now, record_none=False)
            best: dict[str, str] = {}
            for key, name, _ in conn.execute("SELECT key, name, documents FROM name_spelling "
                                             "ORDER BY key, documents DESC, length(name) DESC, name"):
                best.setdefault(key, name)
            current = dict(conn.execute("SELECT key, name FROM canonical_name"))
            changed = {current[k]: n for k, n in best.items() if k in current and current[k] != n}
            conn.executemany("UPDATE canonical_name SET name = ? WHERE key = ?",
                             [(n, k) for k, n in best.items() if current.get(k) != n])
        return changed

    def settled_entities(self, entities: list[Entity]) -> tuple[list[Entity], dict[str, str]]:
        """One document's entities under the names the registry settles on (`settle` first): a spelling becomes
        its key's canonical one; a person named only by a surname (or a one-word name tagged otherwise once)
        becomes the full name the complete corpus decides, or stays the surname when that is now ambiguous.
        Entities that end up alike are merged. Returns them and {old name: new name}."""
        renamed: dict[str, str] = {}
        settled: list[Entity] = []
        with self._lock:
            conn = self.conn
            for entity in entities:
                name, entity_type = entity.name, entity.type
                surface = entity.surface_forms[0] if entity.surface_forms else entity.name
                bare = all(len(name_key(f).split()) == 1 for f in entity.surface_forms or [entity.name])
                if bare and (entity_type is EntityType.PERSON or entity.count == 1):
                    key = registry_key(surface, entity_type)
                    row = conn.execute("SELECT target FROM alias_decision WHERE key = ?", (key,)).fetchone()
                    if row and row[0]:
                        key, entity_type = row[0], EntityType.PERSON
                else:
                    key = registry_key(name, entity_type)
                row = conn.execute("SELECT name FROM canonical_name WHERE key = ?", (key,)).fetchone()
                name = row[0] if row else (surface if bare else name)
                if name != entity.name:
                    renamed[entity.name] = name
                settled.append(entity.model_copy(update={"name": name, "type": entity_type}))
        return merge_alike(settled), renamed

    def decisions(self) -> list[tuple[str, str | None, str]]:
        """Recorded alias decisions: (name key, the key it maps to or None, reason)."""
        with self._lock:
            return list(self.conn.execute("SELECT key, target, reason FROM alias_decision ORDER BY key"))

    def rebuild(self) -> int:
        """Recompute every alias decision from the recorded names (after edits to the gazetteer, or to
        undo decisions taken when the corpus was smaller); returns how many decisions there are."""
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self._lock, transaction(self.conn) as conn:
            conn.execute("DELETE FROM alias_decision")
            single = [k for (k,) in conn.execute("SELECT key FROM canonical_name WHERE key NOT LIKE '% %'")]
            types = self._types(conn, set(single))
            count = 0
            for key in single:
                votes, fixed = types.get(key, (Counter(), None))
                if key in types and _is_person(types[key]):
                    self._decide(conn, key, now)
                    count += 1
                elif fixed is None and not _clear(votes):  # as ingest decides a name whose type is unclear
                    count += self._decide(conn, key, now, record_none=False) is not None
        return count


def merge_alike(entities: list[Entity]) -> list[Entity]:
    """Entities named alike (same name and type) as one, most mentioned first."""
    merged: dict[tuple[str, EntityType], Entity] = {}
    for entity in entities:
        same = merged.get((entity.name, entity.type))
        if same is None:
            merged[(entity.name, entity.type)] = entity
        else:
            same.count += entity.count
            same.surface_forms = sorted({*same.surface_forms, *entity.surface_forms})
    return sorted(merged.values(), key=lambda e: (-e.count, e.name))


def _is_person(entry: tuple[Counter[EntityType], EntityType | None] | None) -> bool:
    """Whether a key's corpus votes (and settled type) make it a person; unknown keys count as persons."""
    votes, fixed = entry or (Counter(), None)
    return (fixed or (document_type(votes) if votes else EntityType.PERSON)) is EntityType.PERSON


def _chunks(keys: list[str], size: int = 500) -> list[list[str]]:
    return [keys[i:i + size] for i in range(0, len(keys), size)]
