"""Durable cache of enrichment results, keyed by a hash of everything enrichment reads."""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3

from newsdesk.enrich.store import SqliteStore
from newsdesk.model import Article, RawDocument

log = logging.getLogger(__name__)

ENRICHED_FIELDS: tuple[str, ...] = (
    "language", "published", "publisher", "cited_sources", "entities", "quotes", "mentioned_dates",
)
"""The Article fields enrichment sets (their provenance entries are cached with them)."""

_INPUT_FIELDS = ("title", "body", "published", "dateline", "publisher", "aggregator", "url")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS enrichment (
    key TEXT PRIMARY KEY,
    result TEXT NOT NULL
);
"""


def enrichment_key(raw: RawDocument, article: Article, version: str) -> str:
    """Hash of the enrichment version and the inputs enrichment depends on (not the article's identity)."""
    inputs = article.model_dump(mode="json", include=set(_INPUT_FIELDS))
    inputs["provenance"] = {k: v.model_dump(mode="json") for k, v in sorted(article.provenance.items())
                            if k.split(".")[0] in ("published", "publisher")}
    if raw.content_type == "html":
        inputs["raw_html_sha256"] = hashlib.sha256(raw.content.encode()).hexdigest()
    payload = json.dumps({"version": version, "inputs": inputs}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def enrichment_of(article: Article) -> dict[str, object]:
    """The enriched fields of `article` and their provenance, as JSON-ready data."""
    data = article.model_dump(mode="json", include=set(ENRICHED_FIELDS))
    data["provenance"] = {k: v.model_dump(mode="json") for k, v in article.provenance.items()
                          if k in ENRICHED_FIELDS}
    return data


def apply_enrichment(article: Article, data: dict[str, object]) -> Article:
    """A copy of `article` with cached enrichment `data` applied."""
    cached: dict[str, object] = data.get("provenance", {})  # type: ignore[assignment]
    provenance = {k: v for k, v in article.provenance.items() if k not in ENRICHED_FIELDS or k in cached}
    provenance.update(cached)  # type: ignore[arg-type]
    fields = {k: v for k, v in data.items() if k != "provenance"}
    return Article.model_validate({**article.model_dump(), **fields, "provenance": provenance})


class EnrichmentCache(SqliteStore):
    """Key-value store of enrichment results under the settings' cache directory.

    A cache: when its file is damaged (or the disk is full) it is a miss, never a failed document; the problem is
    logged once (`newsdesk doctor` and `newsdesk repair --check` name it, `newsdesk repair` sets it aside).
    """

    SCHEMA = _SCHEMA
    _broken: str | None = None

    def _unusable(self, err: sqlite3.Error) -> None:
        if self._broken is None:
            log.warning("enrichment cache %s unusable (%s): analysing without it; `newsdesk repair` fixes it",
                        self.path, err)
        self._broken = str(err)

    def get_many(self, keys: list[str]) -> dict[str, dict[str, object]]:
        """Cached results for those of `keys` that are present (none when the cache cannot be read)."""
        found: dict[str, dict[str, object]] = {}
        with self._lock:
            try:
                for start in range(0, len(keys), 500):
                    chunk = keys[start:start + 500]
                    marks = ",".join("?" * len(chunk))
                    for key, result in self.conn.execute(
                            f"SELECT key, result FROM enrichment WHERE key IN ({marks})", chunk):
                        found[key] = json.loads(result)
            except sqlite3.Error as err:
                self._unusable(err)
                return {}
            except ValueError:  # a damaged value: a miss
                return found
        return found

    def clear(self) -> int:
        """Forget every cached result (after the alias decisions change); returns how many there were."""
        with self._lock, self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            return self.conn.execute("DELETE FROM enrichment").rowcount

    def put_many(self, results: dict[str, dict[str, object]]) -> None:
        """Store results in one short transaction (skipped when the cache cannot be written)."""
        if not results:
            return
        rows = [(k, json.dumps(v, ensure_ascii=False)) for k, v in results.items()]
        with self._lock:
            try:
                with self.conn:
                    self.conn.execute("BEGIN IMMEDIATE")
                    self.conn.executemany("INSERT OR REPLACE INTO enrichment (key, result) VALUES (?, ?)", rows)
            except sqlite3.Error as err:
                self._unusable(err)
