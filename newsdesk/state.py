"""Durable ingest state beside the index: what was ingested, exact-duplicate hashes, dead letters, and what was
fetched (validators, listings, robots.txt) in `FetchState`.

SQLite in WAL mode with short transactions, so two ingests and a reader can share it safely.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from newsdesk.model import DocumentOutcome, utcnow
from newsdesk.sqlite import connect, transaction

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    identity TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    source TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    pipeline_version TEXT NOT NULL,
    article_ids TEXT NOT NULL,
    records INTEGER NOT NULL,
    ingested_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS files_source ON files(source);
CREATE TABLE IF NOT EXISTS hashes (
    content_hash TEXT PRIMARY KEY,
    article_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS failures (
    key TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    identity TEXT NOT NULL,
    stage TEXT NOT NULL,
    status TEXT NOT NULL,
    error TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    first_at TEXT NOT NULL,
    last_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS fetches (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    source TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    listed TEXT,
    hints TEXT,
    entries TEXT,
    body TEXT,
    status INTEGER,
    checked_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class FileRecord:
    identity: str
    path: str
    source: str
    size: int
    mtime_ns: int
    sha256: str
    pipeline_version: str
    article_ids: list[str]
    records: int


@dataclass(frozen=True)
class Failure:
    key: str
    path: str
    identity: str
    stage: str
    status: str
    error: str
    attempts: int
    first_at: datetime
    last_at: datetime


@dataclass(frozen=True)
class FetchRecord:
    """What the last fetch of a URL (or the last read of a listing) left to remember.

    `kind`: 'feed', 'sitemap' or 'warc' (a listing: `entries` are what it listed), 'page', or 'robots'
    (`body` is the file). `listed`: a page's date in its listing; for a WARC file, its size and mtime."""

    key: str
    kind: str
    source: str = ""
    etag: str | None = None
    last_modified: str | None = None
    listed: str | None = None
    hints: dict[str, object] = field(default_factory=dict)
    hints_from: str = ""
    entries: list[dict[str, object]] = field(default_factory=list)
    body: str | None = None
    status: int | None = None
    checked_at: datetime | None = None


class FetchState:
    """Fetch state (ETags, Last-Modified, listings, robots.txt, when checked), kept with the ingest state.

    One small class over its own table and connection, so it can move to a shared store; thread-safe
    (fetching threads and the indexing thread share it)."""

    _COLUMNS = "key, kind, source, etag, last_modified, listed, hints, entries, body, status, checked_at"

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._lock = threading.Lock()

    def get(self, key: str) -> FetchRecord | None:
        with self._lock:
            row = self._db.execute(f"SELECT {self._COLUMNS} FROM fetches WHERE key = ?", (key,)).fetchone()
        return None if row is None else self._record(row)

    def get_many(self, keys: Iterable[str]) -> dict[str, FetchRecord]:
        keys = list(dict.fromkeys(keys))
        found: dict[str, FetchRecord] = {}
        with self._lock:
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                rows = self._db.execute(f"SELECT {self._COLUMNS} FROM fetches WHERE key IN "
                                        f"({', '.join('?' * len(chunk))})", chunk).fetchall()
                found.update((row[0], self._record(row)) for row in rows)
        return found

    def put(self, records: Iterable[FetchRecord], replace: bool = True) -> None:
        """Remember records (`replace=False`: only those not known yet)."""
        now = utcnow().isoformat()
        rows = [(r.key, r.kind, r.source, r.etag, r.last_modified, r.listed,
                 json.dumps({"hints": r.hints, "from": r.hints_from}) if r.hints else None,
                 json.dumps(r.entries) if r.entries else None, r.body, r.status,
                 r.checked_at.isoformat() if r.checked_at else now) for r in records]
        if not rows:
            return
        with self._lock, transaction(self._db) as db:
            db.executemany(f"INSERT OR {'REPLACE' if replace else 'IGNORE'} INTO fetches ({self._COLUMNS}) VALUES "
                           "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)

    def close(self) -> None:
        self._db.close()

    def forget(self, keys: Iterable[str]) -> None:
        with self._lock, transaction(self._db) as db:
            db.executemany("DELETE FROM fetches WHERE key = ?", [(k,) for k in keys])

    # robots.txt, as `newsdesk.sources.fetch.RobotsStore`
    def robots(self, origin: str) -> tuple[int, str, datetime] | None:
        record = self.get(f"{origin}/robots.txt")
        if record is None or record.kind != "robots" or record.checked_at is None:
            return None
        return record.status or 0, record.body or "", record.checked_at

    def record_robots(self, origin: str, status: int, body: str) -> None:
        self.put([FetchRecord(key=f"{origin}/robots.txt", kind="robots", status=status, body=body)])

    @staticmethod
    def _record(row: tuple) -> FetchRecord:  # type: ignore[type-arg]
        hints = json.loads(row[6]) if row[6] else {}
        return FetchRecord(key=row[0], kind=row[1], source=row[2], etag=row[3], last_modified=row[4],
                           listed=row[5], hints=hints.get("hints", {}), hints_from=hints.get("from", ""),
                           entries=json.loads(row[7]) if row[7] else [], body=row[8], status=row[9],
                           checked_at=datetime.fromisoformat(row[10]))


class IngestState:
    """What earlier runs ingested into one index, for incremental runs, duplicates and retries."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = connect(path, SCHEMA)
        self.fetches = FetchState(connect(path))

    def close(self) -> None:
        self._db.close()
        self.fetches.close()

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return transaction(self._db)

    # files
    def file(self, identity: str) -> FileRecord | None:
        row = self._db.execute(
            "SELECT identity, path, source, size, mtime_ns, sha256, pipeline_version, article_ids, records "
            "FROM files WHERE identity = ?", (identity,)).fetchone()
        return None if row is None else FileRecord(*row[:7], json.loads(row[7]), row[8])  # type: ignore[arg-type]

    def files(self, sources: Iterable[str] | None = None) -> list[FileRecord]:
        query = ("SELECT identity, path, source, size, mtime_ns, sha256, pipeline_version, article_ids, records "
                 "FROM files")
        rows = self._db.execute(query).fetchall()
        wanted = set(sources) if sources is not None else None
        return [FileRecord(*r[:7], json.loads(r[7]), r[8]) for r in rows  # type: ignore[arg-type]
                if wanted is None or r[2] in wanted]

    def record_files(self, records: Iterable[FileRecord]) -> None:
        """Remember files as ingested (after their documents are durably indexed)."""
        now = utcnow().isoformat()
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(r.identity, r.path, r.source, r.size, r.mtime_ns, r.sha256, r.pipeline_version,
                  json.dumps(r.article_ids), r.records, now) for r in records])

    def touch_file(self, identity: str, size: int, mtime_ns: int) -> None:
        """A file whose bytes did not change but whose stat did (e.g. `touch`)."""
        with self.transaction() as db:
            db.execute("UPDATE files SET size = ?, mtime_ns = ? WHERE identity = ?", (size, mtime_ns, identity))

    def held_elsewhere(self, article_ids: Iterable[str], identities: set[str]) -> set[str]:
        """Those of `article_ids` that an ingested input other than `identities` still produces."""
        wanted = list(dict.fromkeys(article_ids))
        held: set[str] = set()
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            rows = self._db.execute(
                "SELECT files.identity, ids.value FROM files, json_each(files.article_ids) AS ids "
                f"WHERE ids.value IN ({', '.join('?' * len(chunk))})", chunk).fetchall()
            held.update(article_id for identity, article_id in rows if identity not in identities)
        return held

    def forget_files(self, identities: Iterable[str]) -> None:
        with self.transaction() as db:
            db.executemany("DELETE FROM files WHERE identity = ?", [(i,) for i in identities])

    # exact duplicates
    def claim_hashes(self, pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
        """Register (content_hash, article_id) pairs; returns {article_id: canonical_id} for duplicates.

        The first article seen with a body is its canonical copy; a later, different article with
        the same normalised body is a duplicate of it.
        """
        duplicates: dict[str, str] = {}
        with self.transaction() as db:
            for content_hash, article_id in pairs:
                db.execute("INSERT OR IGNORE INTO hashes VALUES (?, ?)", (content_hash, article_id))
                (owner,) = db.execute("SELECT article_id FROM hashes WHERE content_hash = ?",
                                      (content_hash,)).fetchone()
                if owner != article_id:
                    duplicates[article_id] = owner
        return duplicates

    def own_hashes(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Make each (content_hash, article_id) the canonical copy of its hash (as settling decided)."""
        with self.transaction() as db:
            db.executemany("INSERT OR REPLACE INTO hashes VALUES (?, ?)", list(pairs))

    def release_hashes(self, article_ids: Iterable[str]) -> None:
        with self.transaction() as db:
            db.executemany("DELETE FROM hashes WHERE article_id = ?", [(i,) for i in article_ids])

    # dead letters
    def record_failures(self, outcomes: Iterable[tuple[DocumentOutcome, str, str]]) -> None:
        """Store failed documents (outcome, path, identity); a repeat failure counts an attempt."""
        now = utcnow().isoformat()
        with self.transaction() as db:
            for outcome, path, identity in outcomes:
                db.execute(
                    "INSERT INTO failures VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                    "stage = excluded.stage, status = excluded.status, error = excluded.error, "
                    "attempts = attempts + 1, last_at = excluded.last_at",
                    (outcome.key, path, identity, outcome.stage or "unknown", outcome.status,
                     outcome.reason or "", now, now))

    def clear_failures(self, identities: Iterable[str]) -> None:
        """Forget the dead letters of inputs that have now been processed again."""
        with self.transaction() as db:
            db.executemany("DELETE FROM failures WHERE identity = ?", [(i,) for i in identities])

    def settle_failures(self, files: Iterable[tuple[str, str, set[str]]]) -> None:
        """For files processed again, given as (identity, path, keys that failed again): forget their other dead
        letters (including a discovery failure under the same path, but not those of the other parts of a WARC
        file); the ones that failed again keep their count of attempts."""
        with self.transaction() as db:
            for identity, path, failed in files:
                rows = db.execute("SELECT key FROM failures WHERE identity = ? OR (path = ? AND stage = 'discover')",
                                  (identity, path))
                gone = [(key,) for (key,) in rows.fetchall() if key not in failed]
                db.executemany("DELETE FROM failures WHERE key = ?", gone)

    def forget_failures(self, keys: Iterable[str]) -> None:
        """Forget dead letters by key (e.g. of inputs gone from their sources)."""
        with self.transaction() as db:
            db.executemany("DELETE FROM failures WHERE key = ?", [(k,) for k in keys])

    def failures(self, identity: str | None = None) -> list[Failure]:
        """Every dead letter, or those of one input."""
        where = "" if identity is None else "WHERE identity = ? "
        rows = self._db.execute(
            "SELECT key, path, identity, stage, status, error, attempts, first_at, last_at FROM failures "
            f"{where}ORDER BY last_at, key", () if identity is None else (identity,)).fetchall()
        return [Failure(*r[:7], datetime.fromisoformat(r[7]), datetime.fromisoformat(r[8])) for r in rows]
