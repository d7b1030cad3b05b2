"""The durable stores under `NEWSDESK_HOME` as a whole: their checks, the steps of `newsdesk repair`, free space
before writing, and how their failures are told.

A store that cannot be used is named with the command that fixes it; `DamagedStore` and `NoSpaceLeft` carry that
message to the CLI (exit 4 and 3) and the API (503). Repair never deletes: a damaged file is set aside beside
the fresh one.
"""

from __future__ import annotations

import errno
import logging
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from newsdesk.config import Settings

if TYPE_CHECKING:
    from newsdesk.index.base import IndexBackend

log = logging.getLogger(__name__)


class DamagedStore(RuntimeError):
    """A store under NEWSDESK_HOME is damaged (unreadable, truncated, failing its checksums)."""

    def __init__(self, store: str, path: Path | str, detail: str) -> None:
        super().__init__(f"the {store} at {path} is damaged ({detail}); run `newsdesk repair` to rebuild it from "
                         "your inputs and the surviving stores")
        self.store = store
        self.path = str(path)
        self.detail = detail

    def __reduce__(self) -> tuple[type, tuple[str, str, str]]:
        return DamagedStore, (self.store, self.path, self.detail)


class NoSpaceLeft(OSError):
    """The disk holding NEWSDESK_HOME is full (or below `min_free_mb`)."""

    def __init__(self, home: Path | str, detail: str = "") -> None:
        super().__init__(errno.ENOSPC, f"no space left on the device holding NEWSDESK_HOME ({home})"
                                       + (f": {detail}" if detail else "") + "; free some space and run again")
        self.home, self.detail = str(home), detail

    def __str__(self) -> str:
        return str(self.strerror)

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return NoSpaceLeft, (self.home, self.detail)


def free_space_problem(settings: Settings) -> str | None:
    """Why the disk holding the home cannot take a run's writes now (below `min_free_mb` free), or None."""
    if settings.min_free_mb <= 0:
        return None
    home = settings.home
    probe = home if home.exists() else next((p for p in home.resolve().parents if p.exists()), Path("/"))
    free = shutil.disk_usage(probe).free / 2**20
    if free >= settings.min_free_mb:
        return None
    return str(NoSpaceLeft(home.resolve(), f"{free:,.1f} MB free, at least {settings.min_free_mb:,} MB wanted "
                                           "(NEWSDESK_MIN_FREE_MB)"))


def is_no_space(exc: BaseException) -> bool:
    """Whether an error (from the OS, SQLite or tantivy, or one it was raised from) means the disk is full."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if isinstance(exc, sqlite3.Error) and "disk is full" in str(exc):
            return True
        if "No space left on device" in str(exc) or "os error 28" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return False


@dataclass
class StoreCheck:
    """One store's check: whether queries and ingests can use it, and what `newsdesk repair` does if not."""

    name: str
    path: str
    ok: bool
    detail: str = ""
    repair: str = ""


SQLITE_STORES: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("ingest state", "state", ("files", "hashes", "failures", "fetches"),
     "set aside; its readable rows are copied to a fresh one; inputs are ingested again where it lost track"),
    ("saved searches", "searches", ("saved_searches",), "set aside; its readable rows are copied to a fresh one"),
    ("story store", "stories", ("articles", "stories"), "set aside; rebuilt from the indexed articles"),
    ("enrichment cache", "cache", ("enrichment",), "set aside (a cache: documents are analysed again)"),
    ("entity alias registry", "aliases", ("canonical_name",), "set aside; canonical names are learnt again"),
    ("publisher registry", "publishers", ("publisher_name",), "set aside; publisher names are learnt again"),
    ("boilerplate rule store", "boilerplate", ("boilerplate_rules",), "set aside; rules are learnt again from "
                                                                       "the ingested inputs"),
)


def sqlite_store_path(settings: Settings, kind: str) -> Path:
    from newsdesk.search.saved import saved_searches_path
    from newsdesk.stories import store_path

    return {"state": settings.state_path, "stories": store_path(settings.state_path),
            "searches": saved_searches_path(settings), "cache": settings.cache_dir / "enrich.sqlite",
            "aliases": settings.store_path("aliases"), "publishers": settings.store_path("publishers"),
            "boilerplate": settings.store_path("boilerplate")}[kind]


def check_sqlite(path: Path, tables: tuple[str, ...], *, thorough: bool = True) -> str | None:
    """Why a SQLite store cannot be used (not a database, failing its integrity check, a table missing), or None.
    A store that does not exist yet is fine (it is created on first use). Not `thorough`: the header, the schema
    and each table's first page only (cheap enough for every `/health`)."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            result = conn.execute("PRAGMA quick_check").fetchall() if thorough else [("ok",)]
            if result != [("ok",)]:
                return f"integrity check: {'; '.join(str(r[0]) for r in result[:3])}"
            for table in tables:
                conn.execute(f"SELECT count(*) FROM {table}" if thorough  # noqa: S608 - our own table names
                             else f"SELECT * FROM {table} LIMIT 1").fetchone()  # noqa: S608
        finally:
            conn.close()
    except sqlite3.Error as err:
        return str(err)
    return None


def check_stores(settings: Settings, *, index: bool = True) -> list[StoreCheck]:
    """Every local store: the embedded index (when it is the backend) and the SQLite stores."""
    checks: list[StoreCheck] = []
    if index and settings.backend == "embedded" and (settings.index_dir / "CURRENT").exists():
        from newsdesk.index.embedded import verify_index

        found = verify_index(settings.index_dir)
        checks.append(StoreCheck("embedded index", str(settings.index_dir), not found, "; ".join(found[:3]),
                                 "rebuilt into a new version from its readable documents; inputs are ingested "
                                 "again for the rest" if found else ""))
    for name, kind, tables, repair in SQLITE_STORES:
        path = sqlite_store_path(settings, kind)
        problem = check_sqlite(path, tables)
        checks.append(StoreCheck(name, str(path), problem is None, problem or "", repair if problem else ""))
    return checks


def find_damage(settings: Settings) -> DamagedStore | None:
    """The first damaged local store, as the error to show (None when every store checks out)."""
    for check in check_stores(settings):
        if not check.ok:
            return DamagedStore(check.name, check.path, check.detail)
    return None


def set_aside(path: Path) -> Path | None:
    """Rename a damaged store file (and its WAL files) to `<name>.damaged-<UTC time>`; never deletes anything."""
    if not path.exists():
        return None
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(target.with_name(target.name + suffix))
    path.rename(target)
    return target


def copy_readable_rows(damaged: Path, fresh: sqlite3.Connection, tables: tuple[str, ...]) -> dict[str, int]:
    """Copy what can still be read of each table of a damaged SQLite file into `fresh` (same schema): rows are
    read in rowid order until the first unreadable page."""
    copied: dict[str, int] = {}
    try:
        old = sqlite3.connect(f"file:{damaged}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return copied
    try:
        for table in tables:
            copied[table] = 0
            try:
                columns = [r[1] for r in old.execute(f"PRAGMA table_info({table})")]
                marks = ", ".join("?" * len(columns))
                for row in old.execute(f"SELECT {', '.join(columns)} FROM {table}"):  # noqa: S608
                    fresh.execute(f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) VALUES ({marks})", row)
                    copied[table] += 1
            except sqlite3.Error as err:
                log.warning("repair: %s of %s readable until %s", table, damaged, err)
    finally:
        old.close()
    return copied


def rebuild_stories(backend: IndexBackend, path: Path, batch: int = 500) -> int:
    """A fresh story store at `path` from the indexed articles (in the order they were ingested); articles whose
    story or copy-of changes are written back. Returns how many articles it holds."""
    from newsdesk.stories import assign_stories

    order = sorted((a.ingested_at.isoformat() if a.ingested_at else "", a.id)
                   for i in backend.ids() if (a := backend.get(i)) is not None)
    for start in range(0, len(order), batch):
        articles = [a for _, i in order[start:start + batch] if (a := backend.get(i)) is not None]
        before = {a.id: (a.story_id, a.duplicate_of) for a in articles}
        assign_stories(articles, path)
        changed = [a for a in articles if (a.story_id, a.duplicate_of) != before[a.id]]
        if changed:
            backend.upsert(changed)
    return len(order)
