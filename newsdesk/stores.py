"""The durable stores under `NEWSDESK_HOME` as a whole: free space before writing, and how their failures are told.

A store that cannot be used is named with the command that fixes it; `DamagedStore` and `NoSpaceLeft` carry that
message to the CLI (exit 4 and 3) and the API (503).
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

from newsdesk.config import Settings


class DamagedStore(RuntimeError):
    """A store under NEWSDESK_HOME is damaged (unreadable, truncated, failing its checksums)."""

    def __init__(self, store: str, path: Path | str, detail: str) -> None:
        super().__init__(f"the {store} at {path} is damaged ({detail}); run `newsdesk repair` to rebuild it from "
                         "your inputs and the surviving stores")
        self.store = store
        self.path = str(path)
        self.detail = detail


class NoSpaceLeft(OSError):
    """The disk holding NEWSDESK_HOME is full (or below `min_free_mb`)."""

    def __init__(self, home: Path | str, detail: str = "") -> None:
        super().__init__(errno.ENOSPC, f"no space left on the device holding NEWSDESK_HOME ({home})"
                                       + (f": {detail}" if detail else "") + "; free some space and run again")


def free_space_problem(settings: Settings) -> str | None:
    """Why the disk holding the home cannot take a run's writes now (below `min_free_mb` free), or None."""
    if settings.min_free_mb <= 0:
        return None
    home = settings.home
    probe = home if home.exists() else next((p for p in home.resolve().parents if p.exists()), Path("/"))
    free = shutil.disk_usage(probe).free / 2**20
    if free >= settings.min_free_mb:
        return None
    return str(NoSpaceLeft(home.resolve(), f"{free:,.0f} MB free, at least {settings.min_free_mb:,} MB wanted "
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
