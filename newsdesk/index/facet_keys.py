"""Facet keys of the embedded index: a small integer per facet value, the value itself kept in SQLite.

tantivy counts an integer column directly; a string column's counts must be turned back into terms through the
term dictionary, segment by segment, which is what made facets over many distinct names slow. So each terms
facet also gets an integer column, and this table maps its keys back to the values shown.

One table per index version (`facet_keys.sqlite` in the version's directory), append-only. Writers assign keys
under the index's write lock and commit them before the index commit that uses them, so every key a search can
see has its value here; values of deleted documents simply stay.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from newsdesk.index.base import BackendError

FILE_NAME = "facet_keys.sqlite"
_CHUNK = 500
"""Values or keys per SQL statement (below SQLite's limit on bound parameters)."""


class FacetKeys:
    """The key table of one index version; safe to share between threads."""

    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / FILE_NAME
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    @classmethod
    def create(cls, directory: Path) -> FacetKeys:
        """The (empty) key table of a new index version."""
        conn = sqlite3.connect(Path(directory) / FILE_NAME)
        try:
            with conn:
                conn.execute("CREATE TABLE IF NOT EXISTS keys (id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE)")
        finally:
            conn.close()
        return cls(directory)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                # mode=rw: never create a table that is missing (that index needs `newsdesk reindex`)
                self._conn = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=60, check_same_thread=False)
            except sqlite3.OperationalError as err:
                raise BackendError(f"facet key table {self.path} cannot be opened ({err}); run `newsdesk reindex`") from err
        return self._conn

    def assign(self, values: Iterable[str]) -> dict[str, int]:
        """The key of each value, new values getting new keys (committed when this returns).

        Values that cannot be stored (text that is not valid Unicode) get no key; the document holding one
        fails on its own when it is indexed.
        """
        wanted = list(dict.fromkeys(v for v in values if _storable(v)))
        keys: dict[str, int] = {}
        with self._lock:
            conn = self._connection()
            with conn:
                conn.executemany("INSERT OR IGNORE INTO keys (value) VALUES (?)", ((v,) for v in wanted))
            for lo in range(0, len(wanted), _CHUNK):
                chunk = wanted[lo : lo + _CHUNK]
                marks = ",".join("?" * len(chunk))
                keys.update(conn.execute(f"SELECT value, id FROM keys WHERE value IN ({marks})", chunk))
        return keys

    def values(self, keys: Iterable[int]) -> dict[int, str]:
        """The value of each key."""
        wanted = list(dict.fromkeys(keys))
        found: dict[int, str] = {}
        with self._lock:
            conn = self._connection()
            for lo in range(0, len(wanted), _CHUNK):
                chunk = wanted[lo : lo + _CHUNK]
                marks = ",".join("?" * len(chunk))
                found.update(conn.execute(f"SELECT id, value FROM keys WHERE id IN ({marks})", chunk))
        if len(found) != len(wanted):
            raise BackendError(f"facet key table {self.path} lacks {len(wanted) - len(found)} keys; run `newsdesk reindex`")
        return found

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def _storable(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True
