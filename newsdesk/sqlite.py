"""SQLite as every durable store here uses it (ingest state, dead letters, enrichment cache, alias registry,
stories, boilerplate rules): WAL journal and a busy timeout, so several processes can share one file,
with short `BEGIN IMMEDIATE` write transactions (one writer at a time; readers never blocked)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def connect(path: Path, schema: str = "", timeout: float = 60.0) -> sqlite3.Connection:
    """Open (creating if needed) a WAL-mode database at `path` in autocommit mode, with `schema` applied."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    deadline = time.monotonic() + timeout
    while True:  # two processes creating the file at once: one may get "locked" at once, not after the timeout
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            if schema:
                conn.executescript(schema)
            return conn
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction: committed when the block ends, rolled back if it raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
