"""Saved searches: named `/search` query strings, stored in SQLite beside the index's ingest state."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from pydantic import BaseModel, Field

from newsdesk.config import Settings
from newsdesk.model import utcnow
from newsdesk.search import build_request
from newsdesk.search.model import InvalidSearch, SearchRequest
from newsdesk.sqlite import connect, transaction

MAX_NAME_CHARS = 100
MAX_QUERY_CHARS = 8_000
LIST_PARAMS = ("publisher", "entity", "author", "language", "story_id", "exclude")
"""Parameters that may repeat (their values are OR-ed, or each excluded)."""
SCALAR_PARAMS = {"q": "q", "entity_type": "entity_type", "from": "date_from", "to": "date_to", "sort": "sort",
                 "undated": "undated", "collapse": "collapse"}
"""Single-valued `/search` parameters and the `build_request` argument each sets."""
TRUE = frozenset({"true", "1", "yes", "on"})

SCHEMA = """
CREATE TABLE IF NOT EXISTS saved_searches (
    name TEXT PRIMARY KEY,
    query TEXT NOT NULL,
    created_at TEXT NOT NULL
) WITHOUT ROWID;
"""


class SavedSearch(BaseModel):
    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    query: str = Field(description="The search as `/search` query parameters, e.g. `q=taliban&publisher=Reuters`.")
    created_at: datetime


def search_params(query: str) -> dict[str, object]:
    """`build_request` arguments from a `/search` query string; `InvalidSearch` names an unknown parameter."""
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidSearch(f"a saved search holds at most {MAX_QUERY_CHARS} characters of query string")
    params: dict[str, object] = {}
    for key, values in parse_qs(query.lstrip("?"), keep_blank_values=False).items():
        if key in LIST_PARAMS:
            params[key] = values
        elif key in SCALAR_PARAMS:
            value = values[-1]
            params[SCALAR_PARAMS[key]] = value.strip().lower() in TRUE if key in ("undated", "collapse") else value
        else:
            known = ", ".join([*SCALAR_PARAMS, *LIST_PARAMS])
            raise InvalidSearch(f"unknown search parameter {key!r}; a saved search takes {known}")
    return params


def parse_saved(query: str) -> SearchRequest:
    """The request a saved query string stands for (validated as `/search` would)."""
    return build_request(**search_params(query))  # type: ignore[arg-type]


def canonical(query: str) -> str:
    """The query string in one spelling: known parameters only (checked), in a fixed order."""
    parse_saved(query)
    pairs = parse_qs(query.lstrip("?"))
    order = [*SCALAR_PARAMS, *LIST_PARAMS]
    return urlencode([(key, v) for key in order for v in pairs.get(key, [])])


def saved_searches_path(settings: Settings) -> Path:
    """Where an index's saved searches are kept: beside its ingest state."""
    state = settings.state_path
    return state.with_name(f"{state.stem}.searches.sqlite")


class SavedSearches:
    """The saved searches of one index (a SQLite file beside its ingest state)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = connect(path, SCHEMA)

    @classmethod
    def for_settings(cls, settings: Settings) -> SavedSearches:
        return cls(saved_searches_path(settings))

    def __enter__(self) -> SavedSearches:
        return self

    def __exit__(self, *exc: object) -> None:
        self.db.close()

    def list(self) -> list[SavedSearch]:
        rows = self.db.execute("SELECT name, query, created_at FROM saved_searches ORDER BY name COLLATE NOCASE, name")
        return [SavedSearch(name=n, query=q, created_at=c) for n, q, c in rows]

    def get(self, name: str) -> SavedSearch | None:
        row = self.db.execute("SELECT name, query, created_at FROM saved_searches WHERE name = ?", (name,)).fetchone()
        return None if row is None else SavedSearch(name=row[0], query=row[1], created_at=row[2])

    def save(self, name: str, query: str) -> SavedSearch:
        """Store (or replace) the search under `name`; its query string is checked first."""
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME_CHARS:
            raise InvalidSearch(f"a saved search needs a name of 1 to {MAX_NAME_CHARS} characters")
        saved = SavedSearch(name=name, query=canonical(query), created_at=utcnow())
        with transaction(self.db):
            self.db.execute("INSERT OR REPLACE INTO saved_searches VALUES (?, ?, ?)",
                            (saved.name, saved.query, saved.created_at.isoformat()))
        return saved

    def delete(self, name: str) -> bool:
        with transaction(self.db):
            return self.db.execute("DELETE FROM saved_searches WHERE name = ?", (name,)).rowcount > 0
