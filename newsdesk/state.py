"""Durable ingest state beside the index: what was ingested, exact-duplicate hashes, dead letters.

SQLite in WAL mode with short transactions, so two ingests and a reader can share it safely.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
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


class IngestState:
    """What earlier runs ingested into one index, for incremental runs, duplicates and retries."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = connect(path, SCHEMA)

    def close(self) -> None:
        self._db.close()

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
        self._db.execute("UPDATE files SET size = ?, mtime_ns = ? WHERE identity = ?", (size, mtime_ns, identity))

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
        letters (including a discovery failure under the same path); the ones that failed again keep their count
        of attempts."""
        with self.transaction() as db:
            for identity, path, failed in files:
                rows = db.execute("SELECT key FROM failures WHERE identity = ? OR path = ?", (identity, path))
                gone = [(key,) for (key,) in rows.fetchall() if key not in failed]
                db.executemany("DELETE FROM failures WHERE key = ?", gone)

    def forget_failures(self, keys: Iterable[str]) -> None:
        """Forget dead letters by key (e.g. of inputs gone from their sources)."""
        with self.transaction() as db:
            db.executemany("DELETE FROM failures WHERE key = ?", [(k,) for k in keys])

    def failures(self) -> list[Failure]:
        rows = self._db.execute(
            "SELECT key, path, identity, stage, status, error, attempts, first_at, last_at FROM failures "
            "ORDER BY last_at, key").fetchall()
        return [Failure(*r[:7], datetime.fromisoformat(r[7]), datetime.fromisoformat(r[8])) for r in rows]
