"""SQLite connections shared by the enrichment cache and the alias registry.

WAL journal, a busy timeout and short transactions make one file safe for several
processes writing at once.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


def connect(path: Path, schema: str) -> sqlite3.Connection:
    """Open (creating if needed) a WAL-mode database at `path` with `schema` applied."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.executescript(schema)
    return conn


class SqliteStore:
    """A store over one SQLite file: the connection opens on first use; its threads share it under a lock."""

    SCHEMA = ""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    @property
    def conn(self) -> sqlite3.Connection:
        """The connection (callers hold `_lock`)."""
        if self._conn is None:
            self._conn = connect(self.path, self.SCHEMA)
        return self._conn
