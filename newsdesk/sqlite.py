"""SQLite as every durable store here uses it (ingest state, dead letters, enrichment cache, alias registry,
stories, boilerplate rules): WAL journal and a busy timeout, so several processes can share one file,
with short `BEGIN IMMEDIATE` write transactions (one writer at a time; readers never blocked).

Where the stores live is the backend's choice (`newsdesk.index.shared.journal_for`): with the embedded backend a
file is the store itself; with a cluster backend the stores that shape the index are replicas of a journal kept in
the cluster, and each write transaction is a turn taken there (`Journal`).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol


class Journal(Protocol):
    """Where a store's write transactions are committed besides its SQLite file."""

    def attach(self, conn: sqlite3.Connection) -> None:
        """Prepare a freshly opened connection (and bring its file up to date)."""
        ...

    def transaction(self, conn: sqlite3.Connection) -> AbstractContextManager[sqlite3.Connection]:
        """A write transaction, committed to the journal and the file when the block ends."""
        ...


class Connection(sqlite3.Connection):
    """A connection that knows its store's journal (None: the file is the store)."""

    journal: Journal | None = None


def connect(path: Path, schema: str = "", timeout: float = 60.0) -> sqlite3.Connection:
    """Open (creating if needed) a WAL-mode database at `path` in autocommit mode, with `schema` applied."""
    from newsdesk.index.shared import journal_for  # the backend decides where the store lives

    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False, factory=Connection)
    conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
    deadline = time.monotonic() + timeout
    while True:  # two processes creating the file at once: one may get "locked" at once, not after the timeout
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            if schema:
                conn.executescript(schema)
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    journal = journal_for(path)
    if journal is not None:
        conn.journal = journal
        journal.attach(conn)
    return conn


@contextmanager
def local_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction of the file alone: committed when the block ends, rolled back if it raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def transaction(conn: sqlite3.Connection) -> AbstractContextManager[sqlite3.Connection]:
    """A write transaction of the store: committed when the block ends, rolled back if it raises."""
    journal = getattr(conn, "journal", None)
    return local_transaction(conn) if journal is None else journal.transaction(conn)
