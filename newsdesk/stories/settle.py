"""Settling: duplicate links and stories as a function of the corpus, not of the order it was ingested in.

Ingest assigns `duplicate_of` and `story_id` incrementally: each article meets what was seen before it, so two
ingests of the same corpus in different orders (two processes sharing one index, halves in either order) can
disagree. Settling replays the assignment over every indexed article in one total order, the articles'
*precedence*: publication day (undated last), then id. So:

- the canonical copy of exact and near duplicates is the copy that comes first (the earliest published, the
  smallest id among the same day's);
- stories are built by meeting the articles in that order, and a story's id derives from its first article;

and the articles whose assignment changes are upserted again in the same run. The story store is replaced by the
settled one in one write transaction (one turn of the shared store). Cost: one pass over the corpus (reads every
article; see BENCHMARKS.md for the plan at scale).

Canonical names are settled the same way: from the registries' complete evidence (`AliasRegistry.settle`,
`PublisherRegistry.settled`), never from which document registered a name first.
"""

from __future__ import annotations

import logging
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from newsdesk.config import get_settings
from newsdesk.index.base import IndexBackend
from newsdesk.model import Article
from newsdesk.sqlite import transaction
from newsdesk.stories.assign import DEFAULT_PARAMS, StoryParams, assign_stories
from newsdesk.state import IngestState
from newsdesk.stories.store import StoryStore, store_path

log = logging.getLogger(__name__)


@dataclass
class SettleReport:
    articles: int = 0
    changed: int = 0
    duplicates: int = 0
    stories: int = 0


def precedence(article: Article) -> tuple[bool, str, str]:
    """The total order settling meets articles in: publication day (undated last), then id."""
    day = article.published_day
    return day is None, day.isoformat() if day else "", article.id


def indexed_articles(backend: IndexBackend) -> list[Article]:
    """Every article the index holds."""
    found = (backend.get(article_id) for article_id in sorted(backend.ids()))
    return [a for a in found if a is not None]


def settle(backend: IndexBackend, state: IngestState, params: StoryParams = DEFAULT_PARAMS) -> SettleReport:
    """Re-assign `duplicate_of` and `story_id` of every indexed article in precedence order, upsert the articles
    whose assignment changed, and make the story store (and the owners of content hashes) the settled ones."""
    articles = sorted(indexed_articles(backend), key=precedence)
    before = {a.id: a.model_dump(mode="json") for a in articles}
    _settle_names(articles)
    canonical_of_hash: dict[str, str] = {}
    for article in articles:
        first = canonical_of_hash.setdefault(article.content_hash, article.id) if article.content_hash else article.id
        article.duplicate_of = first if first != article.id else None
        article.story_id = None
    with tempfile.TemporaryDirectory(prefix="newsdesk-settle-") as folder:
        fresh = Path(folder) / "stories.sqlite"
        with StoryStore(fresh) as store:
            assign_stories(articles, store, params)
        changed = [a for a in articles if before[a.id] != a.model_dump(mode="json")]
        if changed:
            result = backend.upsert(changed)
            if result.failed:
                log.warning("settling: %d articles could not be written: %s", len(result.failed),
                            "; ".join(f"{f.id}: {f.reason}" for f in result.failed[:5]))
        _replace_store(store_path(state.path), fresh)
    state.own_hashes(canonical_of_hash.items())
    report = SettleReport(articles=len(articles), changed=len(changed),
                          duplicates=sum(1 for a in articles if a.duplicate_of),
                          stories=len({a.story_id for a in articles}))
    log.info("settled %d articles: %d changed, %d duplicates, %d stories", report.articles, report.changed,
             report.duplicates, report.stories)
    return report


def settle_configured_index() -> SettleReport:
    """`settle` over the configured index and ingest state (opened and closed here)."""
    from newsdesk.index import open_backend

    settings = get_settings()
    backend, state = open_backend(settings), IngestState(settings.state_path)
    try:
        return settle(backend, state)
    finally:
        state.close()
        backend.close()


def _settle_names(articles: list[Article]) -> None:
    """Canonical entity names and publishers from the registries' complete evidence (quotes follow their
    speakers' entities)."""
    from newsdesk.enrich import _open_publishers, _open_registry

    settings = get_settings()
    registry = _open_registry(str(settings.store_path("aliases")))
    publishers = _open_publishers(str(settings.store_path("publishers")))
    registry.settle()
    publishers.settle_names()
    for article in articles:
        article.entities, renamed = registry.settled_entities(article.entities)
        for quote in article.quotes:
            if quote.speaker_entity in renamed:
                quote.speaker_entity = renamed[quote.speaker_entity]
        article.cited_sources = list(dict.fromkeys(renamed.get(s, s) for s in article.cited_sources))
        if article.publisher:
            article.publisher = publishers.settled(article.publisher, article.url)


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                                            "'sqlite_%' AND name NOT LIKE '\\_journal\\_%' ESCAPE '\\'")]


def _replace_store(target: Path, source: Path) -> None:
    """Replace every row of the story store at `target` by those of `source`, in one write transaction."""
    with StoryStore(target) as store:
        tables = _tables(store.db)
        store.db.execute("ATTACH DATABASE ? AS settled", (str(source),))
        try:
            with transaction(store.db) as db:
                for table in tables:
                    db.execute(f'DELETE FROM main."{table}"')  # noqa: S608 - our own table names
                    db.execute(f'INSERT INTO main."{table}" SELECT * FROM settled."{table}"')  # noqa: S608
        finally:
            store.db.execute("DETACH DATABASE settled")


__all__ = ["SettleReport", "indexed_articles", "precedence", "settle"]
