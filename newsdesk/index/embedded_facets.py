"""Terms facets of the embedded index: integer key columns, the key table, and exact top-value counting.

Each value of a terms facet (publisher, language, story, entity names by type) gets a small integer key, kept
with the value in SQLite (`facet_keys.sqlite` in the index version's directory). tantivy counts integer columns
without turning counts back into terms through the term dictionary, which is what made facets over many
distinct names slow.

A document carries a key in one of two columns: `<facet>_first` if it is the value's first document (the one
that introduced the value, recorded in the key table), `<facet>_key` otherwise. So a value's count under a
query is its count in `_key` plus one if its first document matches. Most names occur once in a whole corpus;
they sit in `_first` only, and the `_key` column, which is counted with no per-segment cut-off (exact, as one
Elasticsearch shard would be), holds just the values that recur. A value absent from `_key` counts at most 1,
so it matters only when fewer values than asked for count 2 or more.

Writers assign keys under the index's write lock and commit them before the index commit that uses them, so
every key a search can see has its value here. Values of deleted documents stay; a deleted or rewritten first
document simply leaves its values without a first occurrence, which the counting never assumes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import tantivy

from newsdesk.index.base import BackendError
from newsdesk.model import Article, EntityType
from newsdesk.search.model import FacetBucket

FILE_NAME = "facet_keys.sqlite"
TERMS_FACETS: tuple[str, ...] = ("publisher", "language", "story_id", "author", *(t.value for t in EntityType))
"""Facets counted by value; each has an exact-match field for filters and two key columns for counting."""
ENTITY_FACETS = frozenset(t.value for t in EntityType)
CANDIDATES = 20
"""Values beyond the requested size a facet fetches first, to see past near-ties with the last value shown."""
NO_SEGMENT_CUTOFF = 1_000_000_000
"""A terms aggregation's per-segment list size that keeps every value, so that no count is cut short."""
MAX_BUCKETS = 65_000
"""tantivy's limit on the buckets of one aggregation."""
_CHUNK = 500
"""Values or keys per SQL statement (below SQLite's limit on bound parameters)."""
_FIRST_CHUNK = 64
"""Keys per first-occurrence lookup: their first documents' values stay far below `MAX_BUCKETS`."""


def key_field(facet: str) -> str:
    """The column of a facet's keys in every document but the value's first."""
    return f"{facet}_key"


def first_field(facet: str) -> str:
    """The column of a facet's keys in the value's first document."""
    return f"{facet}_first"


def facet_values(article: Article) -> dict[str, list[str]]:
    """An article's values of each terms facet, without repeats."""
    values = {
        name: [value]
        for name, value in (("publisher", article.publisher), ("language", article.language), ("story_id", article.story_id))
        if value
    }
    if authors := list(dict.fromkeys(a for a in article.authors if a)):
        values["author"] = authors
    for etype in EntityType:
        if names := list(dict.fromkeys(article.entity_names(etype))):
            values[etype.value] = names
    return values


class FacetKey(NamedTuple):
    id: int
    first_doc: str
    """The article that introduced the value."""


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
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS keys (id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE, first_doc TEXT NOT NULL)"
                )
        finally:
            conn.close()
        return cls(directory)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            try:
                # mode=rw: never create a table that is missing (that index needs `newsdesk repair`)
                self._conn = sqlite3.connect(f"file:{self.path}?mode=rw", uri=True, timeout=60, check_same_thread=False)
            except sqlite3.OperationalError as err:
                raise BackendError(f"facet key table {self.path} cannot be opened ({err}); run `newsdesk repair`") from err
            self._conn.create_function("casefold", 1, _casefold, deterministic=True)
        return self._conn

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite failures (locked past the timeout, disk full) as backend errors, which writers retry."""
        try:
            yield
        except sqlite3.Error as err:
            raise BackendError(f"facet key table {self.path}: {err}") from err

    def assign(self, occurrences: Iterable[tuple[str, str]]) -> dict[str, FacetKey]:
        """The key of each value in `(article id, value)` pairs; a new value's first article introduces it.

        Committed when this returns. Values that cannot be stored (text that is not valid Unicode) get no key;
        the document holding one fails on its own when it is indexed.
        """
        first_docs: dict[str, str] = {}
        for article_id, value in occurrences:
            if value not in first_docs and _storable(value):
                first_docs[value] = article_id
        wanted = list(first_docs)
        keys: dict[str, FacetKey] = {}
        with self._lock, self._errors():
            conn = self._connection()
            with conn:
                conn.executemany("INSERT OR IGNORE INTO keys (value, first_doc) VALUES (?, ?)", first_docs.items())
            for lo in range(0, len(wanted), _CHUNK):
                chunk = wanted[lo : lo + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = conn.execute(f"SELECT value, id, first_doc FROM keys WHERE value IN ({marks})", chunk)
                keys.update((value, FacetKey(key, first)) for value, key, first in rows)
        return keys

    def values(self, keys: Iterable[int]) -> dict[int, str]:
        """The value of each key."""
        wanted = list(dict.fromkeys(keys))
        found: dict[int, str] = {}
        with self._lock, self._errors():
            conn = self._connection()
            for lo in range(0, len(wanted), _CHUNK):
                chunk = wanted[lo : lo + _CHUNK]
                marks = ",".join("?" * len(chunk))
                found.update(conn.execute(f"SELECT id, value FROM keys WHERE id IN ({marks})", chunk))
        if len(found) != len(wanted):
            raise BackendError(f"facet key table {self.path} lacks {len(wanted) - len(found)} keys; run `newsdesk repair`")
        return found

    def containing(self, text: str) -> dict[int, str]:
        """Every key whose value contains `text`, ignoring case (of any facet: the table is shared)."""
        with self._lock, self._errors():
            rows = self._connection().execute("SELECT id, value FROM keys WHERE instr(casefold(value), ?) > 0",
                                              (text.casefold(),))
            return dict(rows.fetchall())

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


def add_facet_keys(doc: tantivy.Document, article: Article, keys: dict[str, FacetKey]) -> None:
    """Put each terms-facet value of `article` in `doc`: its text for filters, its key for counting."""
    for name, values in facet_values(article).items():
        for value in values:
            doc.add_text(name, value)  # raises on text that is not valid Unicode (such values have no key)
            key = keys[value]
            doc.add_unsigned(first_field(name) if key.first_doc == article.id else key_field(name), key.id)


def top_values(
    searcher: tantivy.Searcher, schema: tantivy.Schema, keys: FacetKeys, query: tantivy.Query, name: str, size: int
) -> list[FacetBucket]:
    """The `size` values of a terms facet most frequent among the documents matching `query` (ties by value).

    Counts are exact. Fetch the top of `_key` by count, add first occurrences, and widen the fetch until no
    value left out could reach (or tie) the last one shown: a value left out counts at most one more than the
    last value fetched.
    """
    want = size + CANDIDATES
    while True:
        agg = {"terms": {"field": key_field(name), "size": want, "segment_size": NO_SEGMENT_CUTOFF}}
        found = searcher.aggregate(query, {"f": agg})["f"]["buckets"]
        counts = {b["key"]: b["doc_count"] for b in found}
        for key in _first_occurrences(searcher, schema, query, name, list(counts)):
            counts[key] += 1
        complete = len(found) < want  # every value recurring among the hits is in `counts`
        cut = _cut(counts, size)
        if cut > (0 if complete else found[-1]["doc_count"]) + 1:
            break
        if complete:  # values met once, in their first document only, tie with the cut
            only = _first_only(searcher, query, name)
            if only is None:
                counts = _all_counts(searcher, query, name)
            else:
                for key in only:
                    counts.setdefault(key, 1)
            cut = _cut(counts, size)
            break
        if want >= MAX_BUCKETS:  # more values near the cut than one aggregation lists
            counts = _all_counts(searcher, query, name)
            cut = _cut(counts, size)
            break
        want = min(want * 4, MAX_BUCKETS)
    shown = {key: count for key, count in counts.items() if count >= max(cut, 1)}
    names = keys.values(shown)
    buckets = [FacetBucket(value=names[key], count=count) for key, count in shown.items()]
    return sorted(buckets, key=lambda b: (-b.count, b.value))[:size]


def top_values_containing(
    searcher: tantivy.Searcher, keys: FacetKeys, query: tantivy.Query, name: str, size: int, text: str,
    holding: Callable[[list[str]], tantivy.Query],
) -> list[FacetBucket]:
    """The `size` values of a terms facet that contain `text` (ignoring case), most frequent among the documents
    matching `query` first (ties by value); exact.

    `holding(values)` is the query for documents holding any of the values in this facet. Only those documents
    are counted, over every key (`_all_counts`), and the counts of the values that contain `text` kept.
    """
    wanted = keys.containing(text)
    if not wanted:
        return []
    restricted = tantivy.Query.boolean_query(
        [(tantivy.Occur.Must, query), (tantivy.Occur.Must, holding(list(wanted.values())))])
    counts = {key: n for key, n in _all_counts(searcher, restricted, name).items() if key in wanted}
    buckets = [FacetBucket(value=wanted[key], count=n) for key, n in counts.items()]
    return sorted(buckets, key=lambda b: (-b.count, b.value))[:size]


def _cut(counts: dict[int, int], size: int) -> int:
    """The count of the last value shown (0 when fewer values than `size`)."""
    ranked = sorted(counts.values(), reverse=True)
    return ranked[size - 1] if len(ranked) >= size else 0


def _first_occurrences(
    searcher: tantivy.Searcher, schema: tantivy.Schema, query: tantivy.Query, name: str, keys: list[int]
) -> list[int]:
    """Those of `keys` whose first document matches `query` (and still holds the value)."""
    field = first_field(name)
    matched: list[int] = []
    for lo in range(0, len(keys), _FIRST_CHUNK):
        chunk = keys[lo : lo + _FIRST_CHUNK]
        # term queries, not a term set: a set query walks the column's whole term dictionary
        holders = tantivy.Query.boolean_query([(tantivy.Occur.Should, tantivy.Query.term_query(schema, field, k)) for k in chunk])
        having = tantivy.Query.boolean_query([(tantivy.Occur.Must, holders), (tantivy.Occur.Must, query)])
        agg = {"terms": {"field": field, "size": MAX_BUCKETS, "segment_size": NO_SEGMENT_CUTOFF}}
        buckets = searcher.aggregate(having, {"f": agg})["f"]["buckets"]  # every first value of <= 64 documents
        if len(buckets) >= MAX_BUCKETS:  # documents holding very many first values: ask key by key
            matched += [k for k in chunk if count_both(searcher, query, tantivy.Query.term_query(schema, field, k))]
            continue
        wanted = set(chunk)
        matched += [b["key"] for b in buckets if b["key"] in wanted]
    return matched


def count_both(searcher: tantivy.Searcher, query: tantivy.Query, having: tantivy.Query) -> int:
    """How many documents match both `query` and `having`."""
    both = tantivy.Query.boolean_query([(tantivy.Occur.Must, having), (tantivy.Occur.Must, query)])
    return searcher.search(both, 1, count=True).count or 0


def _all_counts(searcher: tantivy.Searcher, query: tantivy.Query, name: str) -> dict[int, int]:
    """Every value's count among the documents matching `query`, fetched by key ranges one aggregation can list.

    A histogram with hard bounds counts only the keys inside its range (a terms aggregation would also count the
    other keys of every document it visits).
    """
    counts: dict[int, int] = {}
    width = MAX_BUCKETS - 1
    for column in (key_field(name), first_field(name)):
        top = searcher.aggregate(query, {"m": {"max": {"field": column}}})["m"]["value"]
        for lo in range(0, int(top or 0) + 1, width):
            hi = lo + width - 1
            agg = {"histogram": {"field": column, "interval": 1, "hard_bounds": {"min": lo, "max": hi}, "min_doc_count": 1}}
            for b in searcher.aggregate(query, {"f": agg})["f"]["buckets"]:
                if lo <= (key := int(b["key"])) <= hi:
                    counts[key] = counts.get(key, 0) + b["doc_count"]
    return counts


def _first_only(searcher: tantivy.Searcher, query: tantivy.Query, name: str) -> list[int] | None:
    """Every value whose first document matches `query`; None when there are more than one aggregation lists."""
    agg = {"terms": {"field": first_field(name), "size": MAX_BUCKETS, "segment_size": NO_SEGMENT_CUTOFF}}
    buckets = searcher.aggregate(query, {"f": agg})["f"]["buckets"]
    return None if len(buckets) >= MAX_BUCKETS else [b["key"] for b in buckets]


def _casefold(value: str | None) -> str | None:
    return value.casefold() if value is not None else None


def _storable(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True
