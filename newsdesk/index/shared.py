"""The shared store of a cluster backend: the stores that shape what is written to the index live in the cluster.

With Elasticsearch or OpenSearch, the ingest state (inputs, content hashes, dead letters, fetch state), stories and
near-duplicate links, the entity alias registry, the publisher registry, learned boilerplate rules and saved
searches are kept in the index `{alias}.state` beside the articles alias (mappings/shared-state.json, strict), so
any number of ingest processes, on any hosts and with their own `NEWSDESK_HOME`s, work on one state.

How: every store stays the SQLite store it is with the embedded backend (same code, same queries), and its file
becomes a *replica* of a journal kept in the cluster. Triggers record each row a transaction writes; a write
transaction is a turn:

1. take the store's lease (`{store}:lease`, created with `op_type=create`; one that expired, e.g. of a crashed
   process, is taken over with `if_seq_no`/`if_primary_term`),
2. open the local transaction and apply the journal entries this replica has not seen (real-time `mget` of
   `{store}:{seq}` ids, in order),
3. run the transaction,
4. commit it to the journal as entry `seq + 1` with `op_type=create` (**the commit point**: an id taken by anyone
   else fails the turn, so a writer whose lease expired can never overwrite another's turn), then commit the file,
5. release the lease.

A crash before step 4 leaves nothing (the local transaction rolls back, the lease expires); a crash after it
leaves the entry, which every replica applies (the crashed one included) at its next turn or open. Opening a
store brings its replica up to date, so reads see every turn committed before.
"""

from __future__ import annotations

import atexit
import base64
import json
import logging
import os
import random
import socket
import sqlite3
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsdesk.index.base import BackendError
from newsdesk.index.es_requests import (
    entry_id,
    ids_mget_body,
    journal_entry,
    lease_doc,
    shared_index_body,
    shared_index_name,
)
from newsdesk.sqlite import local_transaction

if TYPE_CHECKING:
    from newsdesk.index.cluster import ClusterBackend

log = logging.getLogger(__name__)

CLUSTER_BACKENDS = ("elasticsearch", "opensearch")
SHARED_KINDS = ("stories", "searches", "aliases", "publishers", "boilerplate")
"""The stores kept beside the ingest state (`{backend}-{index}.{kind}.sqlite` in `state/`) that are shared."""
LEASE_SECONDS = float(os.environ.get("NEWSDESK_SHARED_LEASE_SECONDS", "60"))
"""How long a lease holds without its holder: a crashed writer delays the others this long at most."""
WAIT_SECONDS = 600.0
"""How long a turn waits for a lease before it fails (and the ingest task retries)."""
PULL_CHUNK = 64
OFFLINE_SECONDS = 30.0
"""After the cluster did not answer, how long stores work on their replicas without asking it again."""
_offline_until: dict[str, float] = {}
STATS: dict[str, float] = {"turns": 0, "waited": 0.0, "held": 0.0, "entries": 0}
"""This process's turns, seconds spent waiting for leases and holding them, entries committed (bench/scale.py
reads them from `NEWSDESK_SHARED_STATS_DIR/<pid>.json`, written at exit when that is set)."""
CHANGES = "_journal_changes"
SYNC = "_journal_sync"
_CAPTURE_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {CHANGES} (n INTEGER PRIMARY KEY, tbl TEXT NOT NULL, op TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS {SYNC} (store TEXT PRIMARY KEY, journal TEXT NOT NULL, seq INTEGER NOT NULL);
"""


def _write_stats() -> None:
    folder = os.environ.get("NEWSDESK_SHARED_STATS_DIR")
    if folder and STATS["turns"]:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{os.getpid()}.json").write_text(json.dumps(STATS))


atexit.register(_write_stats)


def journal_for(path: Path) -> ClusterJournal | None:
    """The cluster journal a SQLite store at `path` replicates, or None (a local store: the embedded backend's,
    the enrichment cache). Shared: `state/{backend}-{index}.sqlite` and `state/{backend}-{index}.{kind}.sqlite`
    of a cluster backend (`newsdesk.config.Settings.store_path`)."""
    if path.parent.name != "state" or path.suffix != ".sqlite":
        return None
    stem, kind = path.stem, "state"
    head, _, tail = stem.rpartition(".")
    if head and tail in SHARED_KINDS:
        stem, kind = head, tail
    backend, dash, index = stem.partition("-")
    if backend not in CLUSTER_BACKENDS or not dash or not index:
        return None
    return ClusterJournal(cluster_backend(backend, index), kind)


def cluster_backend(backend: str, index: str) -> ClusterBackend:
    """The cluster backend of the current settings for `backend` and `index` (one client per process)."""
    from newsdesk.config import get_settings

    settings = get_settings()
    url, prefix = ((settings.opensearch_url, settings.opensearch_index_prefix) if backend == "opensearch"
                   else (settings.es_url, settings.es_index_prefix))
    return _cluster_backend(backend, index, url, prefix)


@lru_cache(maxsize=16)
def _cluster_backend(backend: str, index: str, url: str, prefix: str) -> ClusterBackend:
    from newsdesk.config import get_settings
    from newsdesk.index import open_backend

    return open_backend(get_settings().model_copy(update={"backend": backend, "index": index}))  # type: ignore[return-value]


@dataclass(frozen=True)
class Lease:
    id: str
    owner: str
    seq_no: int
    primary_term: int


@dataclass(frozen=True)
class Table:
    """What the capture triggers and the replay of one table need to know."""

    name: str
    columns: tuple[str, ...]
    blobs: frozenset[str]
    key: tuple[str, ...]
    """The primary key columns; `("rowid",)` for a table without one or whose INTEGER PRIMARY KEY is the rowid."""
    rowid: bool
    """Whether rows have a rowid (recorded with each row, so every replica numbers rows alike)."""


class ClusterJournal:
    """The journal of one store in the cluster's `{alias}.state` index (see the module's docstring)."""

    def __init__(self, backend: ClusterBackend, store: str) -> None:
        self.backend = backend
        self.store = store
        self.index = shared_index_name(backend.alias)

    # -- Journal -----------------------------------------------------------------------------------

    def attach(self, conn: sqlite3.Connection) -> None:
        """Install the capture triggers, then bring the replica up to date (when the cluster answers; else the
        replica is used as it is, see `transaction`)."""
        try:
            journal = None if self._offline() else _ensure_index(self.backend, self.index)
        except BackendError as exc:
            if not self._unreachable(exc):
                raise
            journal = None
        with local_transaction(conn):
            for statement in _CAPTURE_SCHEMA.split(";")[:-1]:  # (executescript would commit)
                conn.execute(statement)
            for table in _tables(conn):
                for statement in _triggers(table):
                    conn.execute(statement)
            if journal is None:
                return
            row = conn.execute(f"SELECT journal FROM {SYNC} WHERE store = ?", (self.store,)).fetchone()
            reset = row is None or row[0] != journal  # a new replica, or one of a journal since dropped: start over
            if row is not None and reset:
                log.warning("the %s store's replica follows another journal; rebuilding it from %s",
                            self.store, self.index)
            conn.execute(f"INSERT OR IGNORE INTO {SYNC} VALUES (?, ?, 0)", (self.store, journal))
            conn.execute(f"UPDATE {SYNC} SET journal = ?, seq = CASE WHEN ? THEN 0 ELSE seq END WHERE store = ?",
                         (journal, reset, self.store))
            self._pull(conn, reset=reset)

    @contextmanager
    def transaction(self, conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        """One turn: lease, catch up, run, commit to the journal (the commit point), commit the file, release."""
        asked = time.perf_counter()
        try:
            lease = None if self._offline() else self._acquire()
        except BackendError as exc:
            if not self._unreachable(exc):
                raise
            lease = None
        if lease is None:  # the cluster does not answer: written here, sent with this store's next turn
            log.warning("the shared %s store is unreachable; this write is kept in %s until the next turn",
                        self.store, Path(conn.execute("PRAGMA database_list").fetchone()[2]).name)
            with local_transaction(conn):
                yield conn
            return
        got = time.perf_counter()
        try:
            with local_transaction(conn):
                self._pull(conn)
                yield conn
                self._push(conn)
        finally:
            self._release(lease)
            STATS["turns"] += 1
            STATS["waited"] += got - asked
            STATS["held"] += time.perf_counter() - got

    # -- the journal's entries ---------------------------------------------------------------------

    def _seq(self, conn: sqlite3.Connection) -> int:
        row = conn.execute(f"SELECT seq FROM {SYNC} WHERE store = ?", (self.store,)).fetchone()
        return int(row[0]) if row else 0

    def _pull(self, conn: sqlite3.Connection, reset: bool = False) -> int:
        """Apply the entries after this replica's sequence number, in order (inside the caller's transaction);
        `reset`: from an empty replica. Writes made while the cluster did not answer (still to send) are applied
        again on top, as the other replicas will apply them."""
        seq = start = self._seq(conn)
        tables = {t.name: t for t in _tables(conn)}
        pending = [[t, op, json.loads(d)] for t, op, d in conn.execute(f"SELECT tbl, op, data FROM {CHANGES} "
                                                                      "ORDER BY n")]
        if reset:
            for table in tables.values():
                conn.execute(f'DELETE FROM "{table.name}"')  # noqa: S608 - our own table names
        while True:
            ids = [entry_id(self.store, seq + i) for i in range(1, PULL_CHUNK + 1)]
            found = self.backend._call("read the shared store", self.backend.client.mget, index=self.index,
                                       body=ids_mget_body(ids))
            by_id = {d["_id"]: d["_source"] for d in found.get("docs", []) if d.get("found")}
            applied = 0
            for doc_id in ids:
                source = by_id.get(doc_id)
                if source is None:
                    break
                _apply(conn, tables, _decode(source["changes"]))
                seq += 1
                applied += 1
            if applied < PULL_CHUNK:
                break
        if seq != start or reset:
            conn.execute(f"DELETE FROM {CHANGES}")  # what was applied is not new
            if pending:
                log.warning("sending %d rows of the %s store written while the cluster did not answer", len(pending),
                            self.store)
                _apply(conn, tables, pending, rebase=True)  # recorded again: still to send
            conn.execute(f"UPDATE {SYNC} SET seq = ? WHERE store = ?", (seq, self.store))
        return seq

    def _unreachable(self, exc: BackendError) -> bool:
        """Whether the cluster did not answer (rather than refused): remembered for a while, so the stores opened
        next do not each wait for their retries."""
        cause = exc.__cause__
        if isinstance(cause, Exception) and self.backend._failure(cause) == "retry":
            _offline_until[self.index] = time.monotonic() + OFFLINE_SECONDS
            return True
        return False

    def _offline(self) -> bool:
        return _offline_until.get(self.index, 0.0) > time.monotonic()

    def _push(self, conn: sqlite3.Connection) -> None:
        """Commit the transaction's rows as the next entry (`op_type=create`: the commit point)."""
        rows = conn.execute(f"SELECT tbl, op, data FROM {CHANGES} ORDER BY n").fetchall()
        if not rows:
            return
        seq = self._seq(conn) + 1
        body = journal_entry(self.store, seq, _owner(), int(time.time() * 1000),
                             _encode([[t, op, json.loads(data)] for t, op, data in rows]))
        try:
            self.backend._call("commit to the shared store", self.backend.client.index, index=self.index,
                               id=entry_id(self.store, seq), body=body, op_type="create")
        except BackendError as exc:
            if _conflict(exc):
                raise SharedStoreConflict(f"another writer committed {self.store} #{seq} first (this turn's lease "
                                          "had expired); nothing of this turn was kept") from exc
            raise
        conn.execute(f"DELETE FROM {CHANGES}")
        conn.execute(f"UPDATE {SYNC} SET seq = ? WHERE store = ?", (seq, self.store))
        STATS["entries"] += 1

    # -- the lease ---------------------------------------------------------------------------------

    def _acquire(self) -> Lease:
        lease_id = f"{self.store}:lease"
        owner = f"{_owner()}:{uuid.uuid4().hex[:8]}"
        deadline = time.monotonic() + WAIT_SECONDS
        delay = 0.005
        client = self.backend.client
        while True:
            body = lease_doc(self.store, owner, int((time.time() + LEASE_SECONDS) * 1000))
            try:
                made = self.backend._call("take the shared store's lease", client.index, index=self.index,
                                          id=lease_id, body=body, op_type="create")
                return Lease(lease_id, owner, made["_seq_no"], made["_primary_term"])
            except BackendError as exc:
                if not _conflict(exc):
                    raise
            held = self._get(lease_id)
            if held is not None and held["_source"]["expires"] < time.time() * 1000:
                try:
                    made = self.backend._call("take over an expired lease", client.index, index=self.index,
                                              id=lease_id, body=body, if_seq_no=held["_seq_no"],
                                              if_primary_term=held["_primary_term"])
                    log.warning("took over the %s store's lease from %s (expired)", self.store,
                                held["_source"]["owner"])
                    return Lease(lease_id, owner, made["_seq_no"], made["_primary_term"])
                except BackendError as exc:
                    if not _conflict(exc):
                        raise
            elif held is not None and time.monotonic() > deadline:
                raise BackendError(f"the shared {self.store} store stayed busy for {WAIT_SECONDS:.0f} s "
                                   f"(lease held by {held['_source']['owner']})")
            if held is not None:
                time.sleep(delay * (1 + random.random()))  # noqa: S311 - jitter, not cryptography
                delay = min(delay * 2, 0.25)

    def _release(self, lease: Lease) -> None:
        try:
            self.backend._call("release the shared store's lease", self.backend.client.delete, index=self.index,
                               id=lease.id, if_seq_no=lease.seq_no, if_primary_term=lease.primary_term)
        except Exception as exc:  # noqa: BLE001 - gone or taken over: it expires either way
            log.debug("lease %s not released: %s", lease.id, exc)

    def _get(self, doc_id: str) -> dict[str, Any] | None:
        from newsdesk.index.cluster import Missing

        try:
            return self.backend._call("read the shared store", self.backend.client.get, index=self.index, id=doc_id)  # type: ignore[no-any-return]
        except Missing:
            return None


class SharedStoreConflict(BackendError):
    """A turn whose lease expired found its entry taken by another writer: nothing of it was kept (retriable)."""


def _conflict(exc: BaseException) -> bool:
    cause = exc.__cause__
    return getattr(cause, "status_code", None) == 409 or getattr(getattr(cause, "meta", None), "status", None) == 409


@lru_cache(maxsize=1)
def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


_indices: dict[tuple[int, str], str] = {}
_indices_lock = threading.Lock()


def _ensure_index(backend: ClusterBackend, index: str) -> str:
    """Create the shared store's index if it is missing; returns its uuid (a replica follows one journal)."""
    from newsdesk.index.cluster import Missing

    key = (id(backend.client), index)
    with _indices_lock:
        if key in _indices:
            return _indices[key]
    client = backend.client
    for _ in range(2):
        try:
            found = backend._call("read the shared store's settings", client.indices.get_settings, index=index)
            uuid_ = next(iter(found.values()))["settings"]["index"]["uuid"]
            with _indices_lock:
                _indices[key] = uuid_
            return str(uuid_)
        except Missing:
            try:
                backend._call("create the shared store", client.indices.create, index=index,
                              body=shared_index_body())
            except BackendError as exc:  # another process created it first
                if "resource_already_exists" not in str(exc):
                    raise
    raise BackendError(f"cannot create the shared store {index}")


def forget_indices() -> None:
    """Forget the shared store indices seen (after one was dropped, e.g. between tests)."""
    with _indices_lock:
        _indices.clear()


def _encode(changes: list[list[Any]]) -> str:
    return base64.b64encode(zlib.compress(json.dumps(changes, separators=(",", ":")).encode(), 6)).decode()


def _decode(data: str) -> list[list[Any]]:
    return json.loads(zlib.decompress(base64.b64decode(data)))  # type: ignore[no-any-return]


def _tables(conn: sqlite3.Connection) -> list[Table]:
    tables = []
    for name, sql in conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                  "'sqlite_%' AND name NOT LIKE '\\_journal\\_%' ESCAPE '\\' ORDER BY name"):
        info = conn.execute(f'PRAGMA table_info("{name}")').fetchall()  # (cid, name, type, notnull, default, pk)
        keys = [row for row in info if row[5]]
        rowid = "WITHOUT ROWID" not in (sql or "").upper()
        alias = {keys[0][1]} if rowid and len(keys) == 1 and keys[0][2].upper() == "INTEGER" else set()
        declared = tuple(r[1] for r in sorted(keys, key=lambda r: r[5]))
        tables.append(Table(name=name, columns=tuple(r[1] for r in info if r[1] not in alias),
                            blobs=frozenset(r[1] for r in info if "BLOB" in (r[2] or "").upper()),
                            key=("rowid",) if alias or not declared else declared, rowid=rowid))
    return tables


def _value(table: Table, row: str, column: str) -> str:
    ref = f'{row}."{column}"' if column != "rowid" else f"{row}.rowid"
    return f"CASE WHEN {ref} IS NULL THEN NULL ELSE hex({ref}) END" if column in table.blobs else ref


def _json(table: Table, row: str, columns: tuple[str, ...]) -> str:
    return "json_object(" + ", ".join(f"'{c}', {_value(table, row, c)}" for c in columns) + ")"


def _triggers(table: Table) -> list[str]:
    full = (*(("rowid",) if table.rowid else ()), *table.columns)
    record = f"INSERT INTO {CHANGES} (tbl, op, data) VALUES ('{table.name}', "
    prefix = f"_journal_{table.name}"
    return [
        f"DROP TRIGGER IF EXISTS {prefix}_i", f"DROP TRIGGER IF EXISTS {prefix}_u", f"DROP TRIGGER IF EXISTS {prefix}_d",
        f'CREATE TRIGGER {prefix}_i AFTER INSERT ON "{table.name}" BEGIN {record}\'put\', {_json(table, "NEW", full)}); END',
        f'CREATE TRIGGER {prefix}_u AFTER UPDATE ON "{table.name}" BEGIN '
        f"{record}'del', {_json(table, 'OLD', table.key)}); {record}'put', {_json(table, 'NEW', full)}); END",
        f'CREATE TRIGGER {prefix}_d AFTER DELETE ON "{table.name}" BEGIN {record}\'del\', {_json(table, "OLD", table.key)}); END',
    ]


def _apply(conn: sqlite3.Connection, tables: dict[str, Table], changes: list[list[Any]], rebase: bool = False,
           ) -> None:
    """Replay one entry's rows (puts replace, deletes by key), as the writer's transaction left them. `rebase`:
    rows written on a replica that was behind (the cluster did not answer) go on top of the others': a row is
    numbered anew, a row with a key replaces the one with that key (the last write of a row wins)."""
    for name, op, data in changes:
        table = tables.get(name)
        if table is None:
            raise BackendError(f"the shared store has a table this version does not know: {name}")
        if rebase and op == "put":
            data = {k: v for k, v in data.items() if k != "rowid"}  # numbered here, after the others' rows
        elif rebase and table.key == ("rowid",):
            log.warning("a row of %s deleted while the cluster did not answer stays (its number is not its "
                        "identity)", name)
            continue
        values = [bytes.fromhex(v) if k in table.blobs and v is not None else v for k, v in data.items()]
        if op == "put":
            columns = ", ".join(f'"{c}"' if c != "rowid" else "rowid" for c in data)
            conn.execute(f'INSERT OR REPLACE INTO "{name}" ({columns}) VALUES ({", ".join("?" * len(data))})',
                         values)
        else:
            where = " AND ".join(f'"{c}" = ?' if c != "rowid" else "rowid = ?" for c in data)
            conn.execute(f'DELETE FROM "{name}" WHERE {where}', values)  # noqa: S608 - our own table names
