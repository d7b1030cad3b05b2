"""Durable near-duplicate and story state beside the ingest state: signatures, LSH bands, story centroids.

SQLite in WAL mode; every batch is assigned inside one `BEGIN IMMEDIATE` transaction, so two ingest
processes take turns and each sees the other's articles (detection and clustering stay incremental).
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

from newsdesk.config import Settings
from newsdesk.sqlite import connect, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    minhash BLOB NOT NULL,
    duplicate_of TEXT,
    story_id TEXT NOT NULL,
    day TEXT,
    title TEXT NOT NULL,
    publisher TEXT,
    url TEXT,
    terms TEXT NOT NULL,
    entities TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS articles_story ON articles(story_id);
CREATE TABLE IF NOT EXISTS bands (
    band INTEGER NOT NULL,
    key INTEGER NOT NULL,
    seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS bands_key ON bands(band, key);
CREATE INDEX IF NOT EXISTS bands_seq ON bands(seq);
CREATE TABLE IF NOT EXISTS stories (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    label_article TEXT NOT NULL,
    first_day TEXT,
    last_day TEXT,
    size INTEGER NOT NULL,
    terms TEXT NOT NULL,
    entities TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS stories_last_day ON stories(last_day);
CREATE TABLE IF NOT EXISTS story_keys (
    key TEXT NOT NULL,
    story_id TEXT NOT NULL,
    PRIMARY KEY (key, story_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS df (
    feature TEXT PRIMARY KEY,
    n INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

Vector = dict[str, float]
IDF_PRIOR_DOCS = 10
KeyFunction = Callable[[bytes], Sequence[int]]
"""LSH band keys of a stored signature."""


@dataclass
class StoredArticle:
    """What the story store keeps of one article (enough to cluster and to list stories)."""

    seq: int
    id: str
    duplicate_of: str | None
    story_id: str
    day: str | None
    title: str
    publisher: str | None
    url: str | None
    terms: Vector
    entities: Vector


@dataclass
class StoredStory:
    id: str
    label: str
    label_article: str
    first_day: str | None
    last_day: str | None
    size: int
    terms: Vector
    entities: Vector


def store_path(state_path: Path) -> Path:
    """The story store of the index whose ingest state is at `state_path` (same folder)."""
    return state_path.with_name(f"{state_path.stem}.stories.sqlite")


def settings_store_path(settings: Settings) -> Path:
    return store_path(settings.state_path)


_ARTICLE_COLUMNS = "seq, id, duplicate_of, story_id, day, title, publisher, url, terms, entities"
_STORY_COLUMNS = "id, label, label_article, first_day, last_day, size, terms, entities"


def _article(row: tuple) -> StoredArticle:  # type: ignore[type-arg]
    return StoredArticle(*row[:8], json.loads(row[8]), json.loads(row[9]))


def _story(row: tuple) -> StoredStory:  # type: ignore[type-arg]
    return StoredStory(*row[:6], json.loads(row[6]), json.loads(row[7]))


def _idf(documents: int, df: int) -> float:
    return math.log((documents + IDF_PRIOR_DOCS) / (df + IDF_PRIOR_DOCS)) + 1.0


class StoryStore:
    """SQLite store of article signatures, LSH bands, stories and document frequencies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = connect(path, SCHEMA, timeout=120)

    @classmethod
    def for_settings(cls, settings: Settings) -> "StoryStore":
        return cls(settings_store_path(settings))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "StoryStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        """One writer at a time across processes; readers are never blocked (WAL)."""
        return transaction(self.db)

    # meta and document frequencies
    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def count_documents(self, features: Iterable[str]) -> None:
        """One more document holding each feature (for IDF)."""
        self.db.executemany("INSERT INTO df VALUES (?, 1) ON CONFLICT(feature) DO UPDATE SET n = n + 1",
                            [(f,) for f in set(features)])
        self.set_meta("documents", str(int(self.meta("documents") or 0) + 1))

    def idf(self, features: Iterable[str]) -> dict[str, float]:
        """Inverse document frequency of each feature, smoothed by IDF_PRIOR_DOCS pseudo-documents holding
        every feature: flat (plain cosine) while the store is small, informative as it grows."""
        wanted = list(set(features))
        total = int(self.meta("documents") or 0)
        df: dict[str, int] = {}
        for i in range(0, len(wanted), 900):
            chunk = wanted[i:i + 900]
            df.update(self.db.execute(f"SELECT feature, n FROM df WHERE feature IN ({','.join('?' * len(chunk))})",
                                      chunk).fetchall())
        return {f: _idf(total, df.get(f, 0)) for f in wanted}

    def idf_of_unseen(self) -> float:
        """The IDF of a feature no document has had (the highest there is)."""
        return _idf(int(self.meta("documents") or 0), 0)

    # LSH bands
    def ensure_bands(self, bands: int, rows: int, keys_of: KeyFunction) -> None:
        """Rebuild the band table from stored signatures when the LSH parameters changed."""
        wanted = f"{bands}x{rows}"
        if self.meta("lsh") == wanted:
            return
        self.db.execute("DELETE FROM bands")
        for seq, blob in self.db.execute("SELECT seq, minhash FROM articles").fetchall():
            self.add_bands(seq, keys_of(blob))
        self.set_meta("lsh", wanted)

    def add_bands(self, seq: int, keys: Sequence[int]) -> None:
        self.db.executemany("INSERT INTO bands VALUES (?, ?, ?)", [(b, k, seq) for b, k in enumerate(keys)])

    def band_candidates(self, keys: Sequence[int], before: int | None = None) -> list[tuple[int, str, bytes,
                                                                                              str | None]]:
        """Articles sharing at least one band with `keys` (seen before `before`): (seq, id, minhash, dup_of)."""
        pairs = [v for band, key in enumerate(keys) for v in (band, key)]
        rows = self.db.execute("SELECT DISTINCT seq FROM bands WHERE "  # an OR of pairs uses the index
                               + " OR ".join(["(band = ? AND key = ?)"] * len(keys)), pairs).fetchall()
        seqs = {s for (s,) in rows}
        if before is not None:
            seqs = {s for s in seqs if s < before}
        if not seqs:
            return []
        ordered = sorted(seqs)
        return self.db.execute(
            f"SELECT seq, id, minhash, duplicate_of FROM articles WHERE seq IN ({','.join('?' * len(ordered))}) "
            "ORDER BY seq", ordered).fetchall()

    # articles
    def article(self, article_id: str) -> StoredArticle | None:
        row = self.db.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,)).fetchone()
        return None if row is None else _article(row)

    def put_article(self, article_id: str, minhash: bytes, duplicate_of: str | None, story_id: str,
                    day: str | None, title: str, publisher: str | None, url: str | None, terms: Vector,
                    entities: Vector) -> int:
        """Insert or update an article (an update keeps its place in the seen order); returns its seq."""
        values = (minhash, duplicate_of, story_id, day, title, publisher, url, json.dumps(terms),
                  json.dumps(entities))
        row = self.db.execute("SELECT seq FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is not None:
            self.db.execute("UPDATE articles SET minhash = ?, duplicate_of = ?, story_id = ?, day = ?, title = ?, "
                            "publisher = ?, url = ?, terms = ?, entities = ? WHERE seq = ?", (*values, row[0]))
            self.db.execute("DELETE FROM bands WHERE seq = ?", (row[0],))
            return int(row[0])
        cursor = self.db.execute("INSERT INTO articles (minhash, duplicate_of, story_id, day, title, publisher, "
                                 "url, terms, entities, id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 (*values, article_id))
        return int(cursor.lastrowid or 0)

    def members(self, story_id: str) -> list[StoredArticle]:
        """A story's articles in the order they were seen."""
        rows = self.db.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE story_id = ? ORDER BY seq",
                               (story_id,)).fetchall()
        return [_article(r) for r in rows]

    def delete_articles(self, ids: Iterable[str]) -> set[str]:
        """Forget articles; returns the stories they belonged to."""
        touched: set[str] = set()
        for article_id in ids:
            row = self.db.execute("SELECT seq, story_id FROM articles WHERE id = ?", (article_id,)).fetchone()
            if row is None:
                continue
            self.db.execute("DELETE FROM bands WHERE seq = ?", (row[0],))
            self.db.execute("DELETE FROM articles WHERE seq = ?", (row[0],))
            touched.add(row[1])
        return touched

    # stories
    def story(self, story_id: str) -> StoredStory | None:
        row = self.db.execute(f"SELECT {_STORY_COLUMNS} FROM stories WHERE id = ?", (story_id,)).fetchone()
        return None if row is None else _story(row)

    def labels(self, story_ids: Iterable[str]) -> dict[str, str]:
        """The label of each known story among `story_ids`."""
        wanted = list(dict.fromkeys(story_ids))
        found: dict[str, str] = {}
        for lo in range(0, len(wanted), 500):
            chunk = wanted[lo : lo + 500]
            found.update(self.db.execute(f"SELECT id, label FROM stories WHERE id IN ({','.join('?' * len(chunk))})", chunk))
        return found

    def put_story(self, story: StoredStory, keys: Iterable[str]) -> None:
        self.db.execute("INSERT OR REPLACE INTO stories VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (story.id, story.label, story.label_article, story.first_day, story.last_day, story.size,
                         json.dumps(story.terms), json.dumps(story.entities)))
        self.db.executemany("INSERT OR IGNORE INTO story_keys VALUES (?, ?)", [(k, story.id) for k in keys])

    def delete_story(self, story_id: str) -> None:
        self.db.execute("DELETE FROM stories WHERE id = ?", (story_id,))
        self.db.execute("DELETE FROM story_keys WHERE story_id = ?", (story_id,))

    def candidate_stories(self, keys: Sequence[str], day_from: str | None, day_to: str | None,
                          min_shared: int, limit: int) -> list[StoredStory]:
        """Stories sharing at least `min_shared` keys, overlapping [day_from, day_to] (undated always do)."""
        if not keys:
            return []
        window = "" if day_from is None else " AND (s.last_day IS NULL OR (s.last_day >= ? AND s.first_day <= ?))"
        params: list[object] = [*keys, min_shared]
        if day_from is not None:
            params += [day_from, day_to]
        rows = self.db.execute(
            f"SELECT {', '.join('s.' + c.strip() for c in _STORY_COLUMNS.split(','))} FROM "
            f"(SELECT story_id, COUNT(*) AS shared FROM story_keys WHERE key IN ({','.join('?' * len(keys))}) "
            "GROUP BY story_id HAVING shared >= ?) k JOIN stories s ON s.id = k.story_id"
            f"{window} ORDER BY k.shared DESC LIMIT {int(limit)}", params).fetchall()
        return [_story(r) for r in rows]

    def stories(self, *, day_from: str | None = None, day_to: str | None = None, min_size: int = 1,
                limit: int = 20, offset: int = 0) -> tuple[int, list[StoredStory]]:
        """Stories, latest first (then biggest): (total, page)."""
        where, params = ["size >= ?"], [min_size]
        if day_from is not None:
            where.append("last_day >= ?")
            params.append(day_from)  # type: ignore[arg-type]
        if day_to is not None:
            where.append("first_day <= ?")
            params.append(day_to)  # type: ignore[arg-type]
        clause = " AND ".join(where)
        (total,) = self.db.execute(f"SELECT COUNT(*) FROM stories WHERE {clause}", params).fetchone()
        rows = self.db.execute(f"SELECT {_STORY_COLUMNS} FROM stories WHERE {clause} "
                               "ORDER BY last_day IS NULL, last_day DESC, size DESC, id LIMIT ? OFFSET ?",
                               [*params, limit, offset]).fetchall()
        return int(total), [_story(r) for r in rows]

