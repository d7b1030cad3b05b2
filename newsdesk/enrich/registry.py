"""Durable cross-document alias registry: one canonical name and type per name key, corpus-wide."""

from __future__ import annotations

from collections import Counter

from newsdesk.enrich.outlets import name_key
from newsdesk.enrich.store import SqliteStore
from newsdesk.model import EntityType

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
"""

MIN_CORPUS_VOTES = 3
"""Corpus-wide type votes needed before they may override a document's own unclear vote."""


def document_type(votes: Counter[EntityType]) -> EntityType:
    """Majority type of one name's mentions; ties go to the type listed first in EntityType."""
    order = list(EntityType)
    return max(votes, key=lambda t: (votes[t], -order.index(t)))


def _clear(votes: Counter[EntityType]) -> bool:
    total = sum(votes.values())
    return total >= 2 and max(votes.values()) * 3 >= total * 2


class AliasRegistry(SqliteStore):
    """Canonical display names and type votes shared by all documents (and processes)."""

    SCHEMA = _SCHEMA

    def canonicalize(self, names: list[tuple[str, Counter[EntityType]]]) -> list[tuple[str, EntityType]]:
        """Corpus-canonical (name, type) for each in-document (name, type votes), recording them.

        The first spelling registered for a name key stays its canonical name. A document's own
        type vote wins when clear; otherwise the corpus majority (this document included) decides.
        """
        if not names:
            return []
        keys = [name_key(name) for name, _ in names]
        with self._lock, self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany("INSERT OR IGNORE INTO canonical_name (key, name) VALUES (?, ?)",
                                  [(k, name) for k, (name, _) in zip(keys, names)])
            self.conn.executemany(
                "INSERT INTO type_vote (key, type, votes) VALUES (?, ?, ?) "
                "ON CONFLICT (key, type) DO UPDATE SET votes = votes + excluded.votes",
                [(k, str(t), n) for k, (_, votes) in zip(keys, names) for t, n in votes.items()])
            marks = ",".join("?" * len(set(keys)))
            canonical = dict(self.conn.execute(
                f"SELECT key, name FROM canonical_name WHERE key IN ({marks})", list(set(keys))))
            corpus: dict[str, Counter[EntityType]] = {}
            for key, type_, votes in self.conn.execute(
                    f"SELECT key, type, votes FROM type_vote WHERE key IN ({marks})", list(set(keys))):
                corpus.setdefault(key, Counter())[EntityType(type_)] = votes
        result = []
        for key, (name, votes) in zip(keys, names):
            corpus_votes = corpus.get(key, Counter())
            if _clear(votes) or sum(corpus_votes.values()) < MIN_CORPUS_VOTES:
                chosen = document_type(votes)
            else:
                chosen = document_type(corpus_votes)
            result.append((canonical.get(key, name), chosen))
        return result
