"""The base of the enrichment cache and the alias registry: one lazily opened SQLite connection per store."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from newsdesk.sqlite import connect


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
