"""Embedded index backend: tantivy, in-process, durable under one directory.

Layout of `path`: `CURRENT` (JSON pointer to the live version), `v1/`, `v2/`... (tantivy indexes,
a new one per `reindex`, each with its facet key table) and `write.lock` (the one-writer-across-processes
file lock).
Every write takes the file lock, opens a tantivy writer, commits once and closes it, so several
processes can ingest into the same index in turn; readers never take the lock.
"""

from __future__ import annotations

import functools
import html
import json
import logging
import os
import shutil
import sqlite3
import struct
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

import tantivy
from filelock import FileLock, Timeout

from newsdesk.index.base import BackendError, WriteFailure, WriteResult
from newsdesk.index.embedded_facets import FILE_NAME as FILE_NAME_FACETS
from newsdesk.index.embedded_facets import (
    ENTITY_FACETS,
    TERMS_FACETS,
    FacetKey,
    FacetKeys,
    add_facet_keys,
    facet_values,
    first_field,
    key_field,
    top_values,
    top_values_containing,
)
from newsdesk.model import Article
from newsdesk.search import check_request
from newsdesk.stores import DamagedStore
from newsdesk.search.model import (
    TEXT_FIELDS,
    And,
    FacetBucket,
    FacetName,
    Filters,
    Hit,
    Interval,
    InvalidSearch,
    Not,
    Phrase,
    QueryNode,
    SearchRequest,
    SearchResponse,
    Term,
    hit_from_article_fields,
)

log = logging.getLogger(__name__)

SCHEMA_VERSION = 4
"""Bump when the schema below changes; `reindex` rebuilds older versions from the stored documents."""
KEYWORD_FIELDS: tuple[str, ...] = (*TERMS_FACETS, "entity")
"""Whole-value fields, matched ignoring case (`KEYWORD_TOKENIZER`); `entity` holds names of every type."""
KEYWORD_TOKENIZER = "keyword_lowercase"
HISTOGRAM_FIELDS: dict[str, str] = {"day": "hist_day", "week": "hist_week", "month": "hist_month", "year": "hist_year"}
TEXT_BOOSTS: dict[str, float] = {"title": 2.0, "body": 1.0}
"""Analysed text fields (`TEXT_FIELDS`) and their weight in relevance."""
assert set(TEXT_BOOSTS) == TEXT_FIELDS
PREFIX_TERMS = 1024
"""A `prefix*` matching more index terms than this runs as a regex query (complete, slower to build)."""
PREFIX_HIGHLIGHT_TERMS = 64
"""Most index terms a `prefix*` expands to for highlighting (matching itself is complete)."""
MAX_HISTOGRAM_BUCKETS = 10_000
SNIPPET_CHARS = 200
HIGHLIGHT_SCAN_CHARS = 50_000
"""Highlights look for matches in this much of a body (bounds the cost of very long articles)."""
WRITER_HEAP_BYTES = 64_000_000
REINDEX_BATCH = 1_000
"""Stored articles rebuilt per facet-key lookup during `reindex`."""
LOCK_QUIET_SECONDS = 1.0
"""Waits for the write lock up to this long are normal turn-taking between ingests and not logged."""

_STEMMED = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    .filter(tantivy.Filter.remove_long(40))
    .filter(tantivy.Filter.lowercase())
    .filter(tantivy.Filter.stemmer("english"))
    .build()
)
"""The same analysis as tantivy's built-in `en_stem`, applied to query words."""
_LOWERCASED = (
    tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).filter(tantivy.Filter.lowercase()).build()
)
"""Query analysis for `prefix*` (a stemmer would cut a partial word)."""
_KEYWORD = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw()).filter(tantivy.Filter.lowercase()).build()
"""Keyword fields: the whole value as one term, lowercased (filters and `field:value` ignore case)."""


def keyword_term(value: str) -> str:
    """The indexed term of a keyword value (what a filter or `field:value` looks up)."""
    tokens = _KEYWORD.analyze(value)
    return tokens[0] if tokens else ""


def _register_tokenizers(index: tantivy.Index) -> tantivy.Index:
    index.register_tokenizer(KEYWORD_TOKENIZER, _KEYWORD)
    return index


def build_schema() -> tantivy.Schema:
    """The article index schema (version `SCHEMA_VERSION`)."""
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, fast=True, tokenizer_name="raw")
    for name in TEXT_BOOSTS:
        sb.add_text_field(name, tokenizer_name="en_stem", index_option="position")  # text lives in `doc`
    for name in KEYWORD_FIELDS:
        sb.add_text_field(name, tokenizer_name=KEYWORD_TOKENIZER, index_option="basic")
    for name in TERMS_FACETS:
        sb.add_unsigned_field(key_field(name), fast=True)
        sb.add_unsigned_field(first_field(name), fast=True, indexed=True)
    for name in HISTOGRAM_FIELDS.values():
        sb.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    sb.add_date_field("published", indexed=True, fast=True)
    sb.add_date_field("published_day", indexed=True, fast=True)
    sb.add_boolean_field("duplicate", indexed=True, fast=True)
    sb.add_bytes_field("doc", stored=True)
    return sb.build()


def published_instant(value: date | datetime) -> datetime:
    """The publication time in UTC (a date is its UTC midnight, a naive datetime is UTC)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)


def histogram_key(day: date, interval: Interval) -> str:
    """Bucket label of a day: `YYYY-MM-DD` (day; Monday of the week), `YYYY-MM`, `YYYY`."""
    if interval == "week":
        day = day - timedelta(days=day.weekday())
    return {"day": day.isoformat(), "week": day.isoformat(), "month": day.isoformat()[:7], "year": day.isoformat()[:4]}[interval]


def article_document(article: Article, keys: dict[str, FacetKey]) -> tantivy.Document:
    """The tantivy document of an article: searchable fields, facet keys (from `keys`) and the Article as JSON."""
    doc = tantivy.Document()
    doc.add_text("id", article.id)
    if article.title:
        doc.add_text("title", article.title)
    doc.add_text("body", article.body)
    add_facet_keys(doc, article, keys)
    for name in dict.fromkeys(e.name for e in article.entities):
        doc.add_text("entity", name)
    instant = published_instant(article.published) if article.published is not None else None
    if instant is not None and tantivy.MIN_DATETIME <= instant <= tantivy.MAX_DATETIME:  # else stored, not dated
        day = instant.date()
        doc.add_date("published", instant)
        doc.add_date("published_day", published_instant(day))
        for interval, field in HISTOGRAM_FIELDS.items():
            doc.add_text(field, histogram_key(day, interval))  # type: ignore[arg-type]
    doc.add_boolean("duplicate", article.duplicate_of is not None)
    doc.add_bytes("doc", article.model_dump_json().encode())
    return doc


def render_highlight(snippet: tantivy.Snippet) -> str | None:
    """A snippet as HTML: matches in <mark>, everything else escaped; None without a match."""
    ranges = sorted((r.start, r.end) for r in snippet.highlighted())
    if not ranges:
        return None
    raw = snippet.fragment().encode()  # ranges are byte offsets into the fragment
    out: list[str] = []
    pos = 0
    for start, end in ranges:
        if start < pos:
            continue
        out.append(html.escape(raw[pos:start].decode(errors="replace")))
        out.append(f"<mark>{html.escape(raw[start:end].decode(errors='replace'))}</mark>")
        pos = end
    out.append(html.escape(raw[pos:].decode(errors="replace")))
    return "".join(out).strip()


def _regex_escape(text: str) -> str:
    return "".join(f"\\{ch}" if ch.isascii() and not ch.isalnum() else ch for ch in text)


class _QueryBuilder:
    """Translates the search AST into tantivy `Query` objects for one searcher."""

    def __init__(self, schema: tantivy.Schema, searcher: tantivy.Searcher, *, highlight: bool = False) -> None:
        self.schema = schema
        self.searcher = searcher
        self.highlight = highlight
        """Build the query for the snippet generator instead: no NOTs, prefixes expanded to their terms."""

    def build(self, node: QueryNode) -> tantivy.Query | None:
        if isinstance(node, Term):
            return self.term(node)
        if isinstance(node, Phrase):
            if node.field and node.field not in TEXT_FIELDS:
                return self.keyword(node.field, node.value, prefix=False)
            fields = [node.field] if node.field else list(TEXT_BOOSTS)
            return self.any_field(fields, lambda f: self.words(f, _STEMMED.analyze(node.value)))
        if isinstance(node, Not):
            if self.highlight:
                return None
            return self.negation([node.clause])
        if isinstance(node, And):
            positives = [q for c in node.clauses if not isinstance(c, Not) and (q := self.build(c)) is not None]
            negatives = [c.clause for c in node.clauses if isinstance(c, Not)]
            if self.highlight or not negatives:
                return _boolean(tantivy.Occur.Must, positives)
            if not positives:
                return self.negation(negatives)
            subs = [(tantivy.Occur.Must, q) for q in positives]
            subs += [(tantivy.Occur.MustNot, q) for c in negatives if (q := self.build(c)) is not None]
            return tantivy.Query.boolean_query(subs)
        return _boolean(tantivy.Occur.Should, [q for c in node.clauses if (q := self.build(c)) is not None])

    def negation(self, clauses: list[QueryNode]) -> tantivy.Query:
        """Everything except what the clauses match (tantivy matches nothing from MustNot alone)."""
        subs = [(tantivy.Occur.Must, tantivy.Query.all_query())]
        subs += [(tantivy.Occur.MustNot, q) for c in clauses if (q := self.build(c)) is not None]
        return tantivy.Query.boolean_query(subs)

    def term(self, node: Term) -> tantivy.Query | None:
        field = node.field or None
        if field is not None and field not in TEXT_FIELDS:
            return self.keyword(field, node.value, prefix=node.prefix)
        fields = [field] if field else list(TEXT_BOOSTS)
        if not node.prefix:
            return self.any_field(fields, lambda f: self.words(f, _STEMMED.analyze(node.value)))
        tokens = _LOWERCASED.analyze(node.value)
        if len(tokens) > 1:  # `u.s*`: a phrase ending in a prefix
            words = [*(_STEMMED.analyze(" ".join(tokens[:-1]))), tokens[-1]]
            return self.any_field(fields, lambda f: tantivy.Query.phrase_prefix_query(self.schema, f, words))
        if not tokens:
            return tantivy.Query.empty_query()
        return self.any_field(fields, lambda f: self.prefix(f, tokens[0]))

    def keyword(self, field: str, value: str, *, prefix: bool) -> tantivy.Query:
        if prefix:
            return self.prefix(field, keyword_term(value))
        return tantivy.Query.term_query(self.schema, field, keyword_term(value))

    def prefix(self, field: str, prefix: str) -> tantivy.Query:
        """Every indexed term starting with `prefix`: the expanded term set (cheap), or a regex when too many."""
        terms = [t for t, _ in self.searcher.terms_with_prefix(field, prefix, limit=PREFIX_TERMS + 1)]
        if self.highlight:
            queries = [tantivy.Query.term_query(self.schema, field, t) for t in terms[:PREFIX_HIGHLIGHT_TERMS]]
            return _boolean(tantivy.Occur.Should, queries) or tantivy.Query.empty_query()
        if len(terms) > PREFIX_TERMS:
            return tantivy.Query.regex_query(self.schema, field, _regex_escape(prefix) + ".*")
        return tantivy.Query.term_set_query(self.schema, field, terms) if terms else tantivy.Query.empty_query()

    def words(self, field: str, tokens: list[str]) -> tantivy.Query:
        """One analysed word as a term, several (`U.S.`, a phrase) as a phrase."""
        if not tokens:
            return tantivy.Query.empty_query()
        if len(tokens) == 1:
            return tantivy.Query.term_query(self.schema, field, tokens[0])
        return tantivy.Query.phrase_query(self.schema, field, tokens)

    def any_field(self, fields: list[str], build: Callable[[str], tantivy.Query]) -> tantivy.Query:
        """The query on each field (title boosted), any of them matching."""
        queries = []
        for f in fields:
            q = build(f)
            boost = TEXT_BOOSTS.get(f, 1.0)
            queries.append(tantivy.Query.boost_query(q, boost) if boost != 1.0 else q)
        return _boolean(tantivy.Occur.Should, queries) or tantivy.Query.empty_query()


def _reload(index: tantivy.Index, attempts: int = 3) -> None:
    """See the latest commit; retried, since another process's merge may remove files between reads."""
    for attempt in range(attempts):
        try:
            index.reload()
            return
        except (ValueError, OSError) as err:
            if attempt == attempts - 1:
                raise BackendError(f"cannot load the latest commit of the index: {err}") from err
            time.sleep(0.05 * (attempt + 1))


@contextmanager
def _one_commit(index: tantivy.Index, where: Path) -> Iterator[tantivy.IndexWriter]:
    """A writer whose additions and deletions become one commit, or nothing when the block fails."""
    try:
        writer = index.writer(heap_size=WRITER_HEAP_BYTES, num_threads=1)
    except ValueError as err:  # e.g. a writer of another process that bypassed the file lock
        raise BackendError(f"cannot open a writer on {where}: {err}") from err
    try:
        yield writer
        try:
            writer.commit()
        except (ValueError, OSError) as err:
            raise BackendError(f"commit to {where} failed: {err}") from err
    except BaseException:
        writer.rollback()
        raise
    finally:
        writer.wait_merging_threads()
    _keep_meta_copy(where)
    _reload(index)


META_COPY = "meta.json.copy"
"""A copy of tantivy's meta.json as of our last commit (and its merges): `salvage` reads the segments it lists when
meta.json itself is damaged."""
SEGMENT_FILES = ("fast", "fieldnorm", "idx", "pos", "store", "term")
"""The files of every segment of our schema (positions included: title and body are positional)."""
_FOOTER_MAGIC = 1337
"""tantivy's footer: JSON `{"version": …, "crc": CRC32 of the bytes before it}`, its length (u32), this (u32)."""


def _keep_meta_copy(directory: Path) -> None:
    try:
        data = (directory / "meta.json").read_bytes()
        json.loads(data)
        tmp = directory / (META_COPY + ".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, directory / META_COPY)
    except (OSError, ValueError) as err:  # a copy is a convenience for repair, never a reason to fail a write
        log.warning("could not keep a copy of %s/meta.json: %s", directory, err)


@functools.lru_cache(maxsize=65536)
def _file_ok(path: str, size: int, mtime_ns: int, inode: int) -> str | None:
    """Why a tantivy file fails its footer checksum, or None (cached by identity: segment files never change)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as err:
        return f"{os.path.basename(path)} cannot be read: {err.strerror or err}"
    name = os.path.basename(path)
    if len(data) < 8:
        return f"{name} is truncated"
    length, magic = struct.unpack("<II", data[-8:])
    if magic != _FOOTER_MAGIC or length > len(data) - 8:
        return f"{name} is truncated or overwritten (no footer)"
    try:
        crc = json.loads(data[-8 - length:-8])["crc"]
    except (ValueError, KeyError, TypeError):
        return f"{name} has a damaged footer"
    if zlib.crc32(data[:-8 - length]) != crc:
        return f"{name} fails its checksum"
    return None


def _segment_files(meta: dict[str, Any]) -> dict[str, list[str]]:
    """The files each segment listed in a meta.json needs, by segment id."""
    files: dict[str, list[str]] = {}
    for segment in meta.get("segments", []):
        sid = segment["segment_id"].replace("-", "")
        names = [f"{sid}.{ext}" for ext in SEGMENT_FILES]
        if segment.get("deletes"):
            names.append(f"{sid}.{segment['deletes']['opstamp']}.del")
        files[sid] = names
    return files


def _read_meta(directory: Path, name: str = "meta.json") -> dict[str, Any]:
    meta = json.loads((directory / name).read_text(encoding="utf-8"))
    if not isinstance(meta, dict) or not isinstance(meta.get("segments"), list):
        raise ValueError("not a tantivy meta.json")
    return meta


def _segment_problems(directory: Path, names: list[str]) -> list[str]:
    problems = []
    for name in names:
        try:
            st = (directory / name).stat()
        except OSError:
            problems.append(f"{name} is missing")
            continue
        problem = _file_ok(str(directory / name), st.st_size, st.st_mtime_ns, st.st_ino)
        if problem:
            problems.append(problem)
    return problems


def verify_version(directory: Path) -> list[str]:
    """What is wrong with one index version's files (meta.json, every segment file's checksum, the facet key
    table), or nothing. Reads each segment file once per process (then its identity is remembered)."""
    try:
        meta = _read_meta(directory)
    except (OSError, ValueError) as err:
        return [f"meta.json is unreadable ({err})"]
    problems = [p for names in _segment_files(meta).values() for p in _segment_problems(directory, names)]
    table = directory / FILE_NAME_FACETS
    try:
        conn = sqlite3.connect(f"file:{table}?mode=ro", uri=True, timeout=10)
        try:
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                problems.append(f"{FILE_NAME_FACETS} fails its integrity check")
            conn.execute("SELECT max(id) FROM keys").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as err:
        problems.append(f"{FILE_NAME_FACETS} is unreadable ({err})")
    return problems


def live_version(path: Path) -> Path | None:
    """The version directory CURRENT names, or (when CURRENT is damaged) the newest one there is."""
    try:
        return path / json.loads((path / "CURRENT").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError):
        numbers = [int(p.name[1:]) for p in path.glob("v*") if p.name[1:].isdigit() and p.is_dir()]
        return path / f"v{max(numbers)}" if numbers else None


def verify_index(path: Path) -> list[str]:
    """What is wrong with the live version of the index at `path` (CURRENT, then `verify_version`), or nothing."""
    try:
        version = json.loads((path / "CURRENT").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError) as err:
        return [f"CURRENT is unreadable ({err})"]
    if not (path / version).is_dir():
        return [f"version {version} named by CURRENT is missing"]
    return [f"{version}/{problem}" for problem in verify_version(path / version)]


def salvage(directory: Path) -> Iterator[Article]:
    """Every stored article that can still be read from a (damaged) index version: of the segments listed by
    meta.json (or, when that is damaged, by our copy of it) whose stored documents pass their checksums, every
    document that parses. Segments that cannot be opened together are read one by one."""
    meta = None
    for name in ("meta.json", META_COPY):
        try:
            meta = _read_meta(directory, name)
            break
        except (OSError, ValueError):
            continue
    if meta is None:
        return
    readable = []
    for segment in meta["segments"]:
        names = _segment_files({"segments": [segment]})[segment["segment_id"].replace("-", "")]
        stored = [n for n in names if n.endswith((".store", ".del"))]
        if all((directory / n).exists() for n in names) and not _segment_problems(directory, stored):
            readable.append(segment)
    if readable and not (yield from _read_segments(directory, meta, readable)):
        for segment in readable:
            yield from _read_segments(directory, meta, [segment])


def _read_segments(directory: Path, meta: dict[str, Any], segments: list[dict[str, Any]]) -> Generator[Article, None, bool]:
    """The stored articles of some segments, opened on their own (hard links beside the index); False if tantivy
    cannot open them."""
    with tempfile.TemporaryDirectory(dir=directory.parent, prefix=".salvage-") as tmp:
        try:
            for names in _segment_files({"segments": segments}).values():
                for name in names:
                    os.link(directory / name, Path(tmp) / name)
            (Path(tmp) / "meta.json").write_text(json.dumps({**meta, "segments": segments}), encoding="utf-8")
            searcher = tantivy.Index.open(tmp).searcher()
            hits = searcher.search(tantivy.Query.all_query(), max(1, searcher.num_docs), count=False).hits
        except (OSError, ValueError) as err:
            log.warning("salvage: %d segments of %s cannot be opened: %s", len(segments), directory, err)
            return False
        for _, address in hits:
            try:
                yield Article.model_validate_json(searcher.doc(address)["doc"][0])
            except (ValueError, KeyError, IndexError) as err:
                log.warning("salvage: a stored document of %s is unreadable: %s", directory, err)
    return True


def _documents(articles: Sequence[Article], keys: FacetKeys) -> tuple[list[tuple[str, tantivy.Document]], list[WriteFailure]]:
    """The tantivy documents of a batch (new facet values get keys in `keys`), and the articles that cannot be indexed."""
    assigned = keys.assign((article.id, v) for article in articles for values in facet_values(article).values() for v in values)
    docs: list[tuple[str, tantivy.Document]] = []
    failed: list[WriteFailure] = []
    for article in articles:
        try:
            docs.append((article.id, article_document(article, assigned)))
        except (ValueError, TypeError, OverflowError) as err:  # e.g. unencodable text, dates out of range
            failed.append(WriteFailure(id=article.id, reason=f"cannot index: {type(err).__name__}: {err}"))
    return docs, failed


@cache
def _facet_threads() -> ThreadPoolExecutor:
    """Threads that count facets side by side (tantivy releases the GIL while it aggregates)."""
    return ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 1), thread_name_prefix="newsdesk-facets")


def _boolean(occur: tantivy.Occur, queries: list[tantivy.Query]) -> tantivy.Query | None:
    if not queries:
        return None
    if len(queries) == 1:
        return queries[0]
    return tantivy.Query.boolean_query([(occur, q) for q in queries])


def _hit(data: dict[str, Any], score: float | None, highlights: list[str]) -> Hit:
    return hit_from_article_fields(data["id"], data, score, highlights)


def _damage_checked(method: Callable[..., Any]) -> Callable[..., Any]:
    """Read paths: an error from tantivy or the key table becomes `DamagedStore` when the index is damaged."""

    @functools.wraps(method)
    def checked(self: EmbeddedBackend, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except (InvalidSearch, DamagedStore):
            raise
        except (ValueError, OSError, BackendError) as err:
            damage = self.damaged()
            if damage is not None:
                raise damage from err
            raise
        except BaseException as err:  # tantivy panics on some damaged bytes: pyo3's PanicException, no Exception
            if type(err).__name__ != "PanicException":
                raise
            raise (self.damaged() or DamagedStore("embedded index", self.path, f"the engine failed reading it: {err}")
                   ) from err

    return checked


class EmbeddedBackend:
    """`IndexBackend` on a tantivy index under `path` (the lead passes `settings.index_dir`)."""

    name = "embedded"

    def __init__(self, path: Path, *, lock_timeout: float = 600.0) -> None:
        self._init_fields(Path(path), lock_timeout)
        if not self._pointer.exists():
            with self._locked():
                if not self._pointer.exists():
                    self._create_version("v1")
                    self._write_pointer("v1")
        try:
            self._open_current()
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise (self.damaged() or DamagedStore("embedded index", self.path, str(err))) from err
        if self.schema_version != SCHEMA_VERSION:
            log.warning(
                "index %s has schema version %s, this code writes %s: rebuilding it from the stored articles",
                self.path, self.schema_version, SCHEMA_VERSION,
            )
            self.reindex()

    def _init_fields(self, path: Path, lock_timeout: float) -> None:
        self.path = path
        self.path.mkdir(parents=True, exist_ok=True)
        self.lock_timeout = lock_timeout
        self._schema = build_schema()
        self._filelock = FileLock(str(self.lock_path))
        self._mutex = threading.RLock()
        self._stamp: tuple[int, ...] = ()
        self._version = ""
        self.schema_version: int | None = None
        self._opened: tuple[tantivy.Index, FacetKeys] | None = None
        """The live version's index and facet key table, replaced together."""

    # -- versions and the pointer file ------------------------------------------------------

    @property
    def lock_path(self) -> Path:
        """The file lock every writer of this index holds while it writes."""
        return self.path / "write.lock"

    @property
    def _pointer(self) -> Path:
        return self.path / "CURRENT"

    def _create_version(self, version: str) -> tantivy.Index:
        target = self.path / version
        if target.exists():
            shutil.rmtree(target)  # a leftover of an interrupted reindex
        target.mkdir()
        index = _register_tokenizers(tantivy.Index(self._schema, path=str(target), reuse=False))
        FacetKeys.create(target)
        return index

    def _write_pointer(self, version: str) -> None:
        """Point CURRENT at `version` atomically (write, fsync, rename, fsync the directory)."""
        tmp = self.path / "CURRENT.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"version": version, "schema": SCHEMA_VERSION}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._pointer)
        dir_fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _open_current(self) -> None:
        with self._mutex:
            st = self._pointer.stat()
            pointer = json.loads(self._pointer.read_text(encoding="utf-8"))
            self._version = pointer["version"]
            self.schema_version = pointer.get("schema")
            index = _register_tokenizers(tantivy.Index.open(str(self.path / self._version)))
            index.config_reader(reload_policy="manual")
            self._opened = (index, FacetKeys(self.path / self._version))  # the previous table closes when unused
            self._stamp = (st.st_mtime_ns, st.st_ino)

    def _current(self) -> tuple[tantivy.Index, FacetKeys]:
        """The live index and its facet key table, reopened when another process swapped versions, reloaded to
        see new commits.

        Both are noticed by stat: CURRENT and tantivy's meta.json are replaced by rename on every change.
        """
        if self._opened is None:
            raise BackendError("embedded index is closed")
        pointer = self._pointer.stat()
        if (pointer.st_mtime_ns, pointer.st_ino) != self._stamp[:2]:
            self._open_current()
        opened = self._opened
        index = opened[0]
        meta = (self.path / self._version / "meta.json").stat()
        stamp = (pointer.st_mtime_ns, pointer.st_ino, meta.st_mtime_ns, meta.st_ino, meta.st_size)
        if stamp != self._stamp:
            _reload(index)
            self._stamp = stamp
        return opened

    def _current_index(self) -> tantivy.Index:
        return self._current()[0]

    def _searcher(self) -> tantivy.Searcher:
        return self._current_index().searcher()

    def _reader(self) -> tuple[tantivy.Searcher, FacetKeys]:
        """A searcher and the facet key table of the same index version."""
        index, keys = self._current()
        return index.searcher(), keys

    # -- writing -----------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The cross-process write lock; says so when another ingest holds it for more than a moment."""
        quiet = min(LOCK_QUIET_SECONDS, self.lock_timeout)
        try:
            self._filelock.acquire(timeout=quiet)
        except Timeout:
            log.warning(
                "index is locked by another ingest; waiting… (up to %.0f s, lock %s)", self.lock_timeout, self.lock_path
            )
            try:
                self._filelock.acquire(timeout=self.lock_timeout - quiet)
            except Timeout:
                raise BackendError(
                    f"index is locked by another ingest (lock {self.lock_path}); gave up after {self.lock_timeout:.0f} s"
                ) from None
        try:
            yield
        finally:
            self._filelock.release()

    @contextmanager
    def _writer(self) -> Iterator[tuple[tantivy.IndexWriter, FacetKeys]]:
        """A writer on the live index under the file lock, and its facet key table; one commit in all."""
        with self._locked(), self._mutex:
            index, keys = self._current()
            with _one_commit(index, self.path / self._version) as writer:
                yield writer, keys

    def upsert(self, articles: Sequence[Article]) -> WriteResult:
        """Insert or replace by id, the whole batch in one commit; durable when it returns."""
        if not articles:
            return WriteResult(written=0, failed=[])
        with self._writer() as (writer, keys):
            docs, failed = _documents(articles, keys)
            for article_id, doc in docs:
                writer.delete_documents_by_term("id", article_id)
                writer.add_document(doc)
        return WriteResult(written=len(docs), failed=failed)

    def delete(self, ids: Iterable[str]) -> int:
        wanted = list(dict.fromkeys(ids))
        if not wanted:
            return 0
        with self._writer() as (writer, _):
            query = tantivy.Query.term_set_query(self._schema, "id", wanted)
            existing = self._searcher().search(query, 1, count=True).count or 0
            for article_id in wanted:
                writer.delete_documents_by_term("id", article_id)
        return existing

    # -- reading -----------------------------------------------------------------------------

    @_damage_checked
    def get(self, article_id: str) -> Article | None:
        searcher = self._searcher()
        hits = searcher.search(tantivy.Query.term_query(self._schema, "id", article_id), 1).hits
        if not hits:
            return None
        return Article.model_validate_json(searcher.doc(hits[0][1])["doc"][0])

    @_damage_checked
    def count(self) -> int:
        return self._searcher().num_docs

    def _stored(self, searcher: tantivy.Searcher) -> Iterator[tantivy.Document]:
        total = searcher.num_docs
        if total:
            for _, address in searcher.search(tantivy.Query.all_query(), total, count=False).hits:
                yield searcher.doc(address)

    @_damage_checked
    def ids(self) -> Iterable[str]:
        """Live ids, from the term dictionary (the filter leaves out deleted documents' terms)."""
        searcher = self._searcher()
        return [term for term, _ in searcher.terms_with_prefix("id", "", filter_query=tantivy.Query.all_query())]

    def _holding(self, field: str, values: Sequence[str]) -> tantivy.Query:
        """Documents holding any of the values in a keyword field (ignoring case)."""
        return tantivy.Query.term_set_query(self._schema, field, list({keyword_term(v) for v in values}))

    def _filter_query(self, filters: Filters, collapse: bool) -> list[tuple[tantivy.Occur, tantivy.Query]]:
        subs: list[tuple[tantivy.Occur, tantivy.Query]] = []
        entity_field = filters.entity_type.value if filters.entity_type else "entity"
        for field, values in (
            ("publisher", filters.publisher),
            (entity_field, filters.entity),
            ("author", filters.author),
            ("language", filters.language),
            ("story_id", filters.story_id),
        ):
            if values:
                subs.append((tantivy.Occur.Must, self._holding(field, values)))
        for field, values in filters.exclude.items():
            if values:
                subs.append((tantivy.Occur.MustNot, self._holding(field, values)))
        if filters.date_from or filters.date_to:
            subs.append((tantivy.Occur.Must, self._date_range(filters)))
        if filters.undated:
            subs.append((tantivy.Occur.MustNot, tantivy.Query.exists_query("published_day")))
        if collapse:
            subs.append((tantivy.Occur.MustNot, tantivy.Query.term_query(self._schema, "duplicate", True)))
        return [(occur, tantivy.Query.const_score_query(q, 0.0)) for occur, q in subs]

    def _date_range(self, filters: Filters) -> tantivy.Query:
        """Published-day range, bounds clamped to the dates tantivy can hold (outside them nothing is dated)."""
        lower = published_instant(filters.date_from) if filters.date_from else None
        upper = published_instant(filters.date_to) if filters.date_to else None
        if (lower and lower > tantivy.MAX_DATETIME) or (upper and upper < tantivy.MIN_DATETIME):
            return tantivy.Query.empty_query()
        lower = lower if lower and lower >= tantivy.MIN_DATETIME else None
        upper = upper if upper and upper <= tantivy.MAX_DATETIME else None
        if lower is None and upper is None:
            return tantivy.Query.exists_query("published_day")
        return tantivy.Query.range_query(self._schema, "published_day", tantivy.FieldType.Date, lower, upper)

    def _query(self, text: tantivy.Query | None, filters: Filters, collapse: bool) -> tantivy.Query:
        subs = self._filter_query(filters, collapse)
        if text is not None:
            subs.insert(0, (tantivy.Occur.Must, text))
        if not any(occur == tantivy.Occur.Must for occur, _ in subs):
            subs.insert(0, (tantivy.Occur.Must, tantivy.Query.all_query()))
        return subs[0][1] if len(subs) == 1 else tantivy.Query.boolean_query(subs)

    def _facets(
        self, searcher: tantivy.Searcher, keys: FacetKeys, query: tantivy.Query, names: Sequence[FacetName],
        size: int, interval: Interval, contains: str | None = None,
    ) -> dict[str, Future[list[FacetBucket]]]:
        """Facet buckets, each facet counted in its own thread: `{name: future of its buckets}`.

        The facets with the most values per document start first, so the longest counts overlap the most.
        """
        pool = _facet_threads()
        first = sorted(names, key=lambda name: name not in ENTITY_FACETS)
        jobs = {name: pool.submit(self._facet, searcher, keys, query, name, size, interval, contains) for name in first}
        return {name: jobs[name] for name in names}

    def _facet(
        self, searcher: tantivy.Searcher, keys: FacetKeys, query: tantivy.Query, name: FacetName, size: int,
        interval: Interval, contains: str | None = None,
    ) -> list[FacetBucket]:
        """One facet's buckets: a histogram by date, or the top values by exact count (ties by value), only those
        containing `contains` when given."""
        if name != "published" and contains:
            return top_values_containing(searcher, keys, query, name, size, contains,
                                         lambda values: self._holding(name, values))
        if name != "published":
            return top_values(searcher, self._schema, keys, query, name, size)
        agg = {"terms": {"field": HISTOGRAM_FIELDS[interval], "size": MAX_HISTOGRAM_BUCKETS, "order": {"_key": "asc"}}}
        found = searcher.aggregate(query, {name: agg})[name]["buckets"]
        return sorted((FacetBucket(value=b["key"], count=b["doc_count"]) for b in found if b["doc_count"]), key=lambda b: b.value)

    @_damage_checked
    def search(self, request: SearchRequest) -> SearchResponse:
        """Hits of one page (highlighted), the total and facets, all under the same query and filters."""
        check_request(request)
        searcher, keys = self._reader()
        text = _QueryBuilder(self._schema, searcher).build(request.query) if request.query is not None else None
        query = self._query(text, request.filters, request.collapse)
        facets = self._facets(searcher, keys, query, request.facets, request.facet_size, request.interval,
                              request.facet_contains)
        by_date = request.sort == "date"
        result = searcher.search(
            query,
            max(request.size, 1),
            count=True,
            offset=request.offset,
            order_by_field="published" if by_date else None,
            order=tantivy.Order.Desc,
        )
        undated = self._undated(searcher, query) if "published" in request.facets else None
        generators: list[tantivy.SnippetGenerator] = []
        if request.highlight and request.query is not None and request.size:
            positive = _QueryBuilder(self._schema, searcher, highlight=True).build(request.query)
            if positive is not None:
                for field in TEXT_BOOSTS:
                    gen = tantivy.SnippetGenerator.create(searcher, positive, self._schema, field)
                    gen.set_max_num_chars(SNIPPET_CHARS)
                    generators.append(gen)
        hits = []
        for value, address in result.hits[: request.size]:
            data = json.loads(searcher.doc(address)["doc"][0])
            shown = tantivy.Document(title=data.get("title") or "", body=(data.get("body") or "")[:HIGHLIGHT_SCAN_CHARS])
            highlights = [h for gen in generators if (h := render_highlight(gen.snippet_from_doc(shown)))]
            hits.append(_hit(data, None if by_date else float(value), highlights))
        return SearchResponse(
            total=result.count or 0, hits=hits, facets={name: job.result() for name, job in facets.items()},
            undated=undated, page=request.page, size=request.size,
        )

    def _undated(self, searcher: tantivy.Searcher, query: tantivy.Query) -> int:
        """How many documents matching `query` have no publication date."""
        undated = tantivy.Query.boolean_query([(tantivy.Occur.Must, query), (
            tantivy.Occur.MustNot, tantivy.Query.exists_query("published_day"))])
        return searcher.search(undated, 1, count=True).count or 0  # a limit of 0 makes tantivy panic

    @_damage_checked
    def facet(self, field: FacetName, filters: Filters, size: int = 10) -> list[FacetBucket]:
        searcher, keys = self._reader()
        return self._facet(searcher, keys, self._query(None, filters, False), field, size, "month")

    @_damage_checked
    def scan(self, request: SearchRequest, limit: int) -> Iterator[Hit]:
        """Up to `limit` hits of the request's query and filters in its sort order, from one snapshot of the
        index, without paging limits (no highlights, no facets)."""
        searcher = self._searcher()
        text = _QueryBuilder(self._schema, searcher).build(request.query) if request.query is not None else None
        by_date = request.sort == "date"
        result = searcher.search(self._query(text, request.filters, request.collapse), max(limit, 1), count=False,
                                 order_by_field="published" if by_date else None, order=tantivy.Order.Desc)
        return (_hit(json.loads(searcher.doc(address)["doc"][0]), None if by_date else float(value), [])
                for value, address in result.hits[:limit])

    # -- maintenance -------------------------------------------------------------------------

    @_damage_checked
    def reindex(self, prune: bool = False) -> dict[str, object]:
        """Rebuild from the stored Articles into a fresh version, check the count, swap CURRENT atomically."""
        with self._locked(), self._mutex:
            old = self._version
            searcher = self._searcher()
            expected = searcher.num_docs
            articles = (Article.model_validate_json(doc["doc"][0]) for doc in self._stored(searcher))
            new, written = self._build_version(articles, expected)
            pruned = self._swap(new, prune)
        log.info("reindexed %d documents from %s into %s", written, old, new)
        return {"from": old, "to": new, "documents": written, "pruned": pruned}

    @classmethod
    def rebuild(cls, path: Path, articles: Iterable[Article]) -> dict[str, object]:
        """Build a new version of the index at `path` from `articles` (e.g. salvaged from a damaged version) and
        switch to it; the damaged version is kept beside it. Needs no readable current version."""
        backend = cls.__new__(cls)
        backend._init_fields(Path(path), 600.0)
        with backend._locked():
            try:
                old = json.loads(backend._pointer.read_text(encoding="utf-8"))["version"]
            except (OSError, ValueError, KeyError, TypeError):
                old = None
            new, written = backend._build_version(articles, None)
            backend._swap(new, prune=False)
            backend.close()
        log.info("rebuilt %d documents into %s (was %s)", written, new, old)
        return {"from": old, "to": new, "documents": written}

    def _build_version(self, articles: Iterable[Article], expected: int | None) -> tuple[str, int]:
        """A new version directory holding `articles` (the last of an id wins); checked against `expected`."""
        numbers = [int(p.name[1:]) for p in self.path.glob("v*") if p.name[1:].isdigit()]
        new = f"v{max(numbers, default=0) + 1}"
        try:
            index = self._create_version(new)
            keys = FacetKeys(self.path / new)
            try:
                with _one_commit(index, self.path / new) as writer:
                    batch: list[Article] = []
                    for article in articles:
                        batch.append(article)
                        if len(batch) == REINDEX_BATCH:
                            self._rewrite(writer, keys, batch)
                            batch = []
                    self._rewrite(writer, keys, batch)
            finally:
                keys.close()
            written = index.searcher().num_docs
            if expected is not None and written != expected:
                raise BackendError(f"reindex wrote {written} documents, expected {expected}; kept {self._version}")
        except BaseException:
            shutil.rmtree(self.path / new, ignore_errors=True)
            raise
        return new, written

    def _swap(self, new: str, prune: bool) -> list[str]:
        """Point CURRENT at `new` and open it; with `prune`, delete the other versions."""
        self._write_pointer(new)
        self._open_current()
        pruned: list[str] = []
        if prune:
            for p in self.path.glob("v*"):
                if p.is_dir() and p.name != new:
                    shutil.rmtree(p, ignore_errors=True)
                    pruned.append(p.name)
        return sorted(pruned)

    @staticmethod
    def _rewrite(writer: tantivy.IndexWriter, keys: FacetKeys, articles: list[Article]) -> None:
        """Add stored articles to a new version (they were indexed before, so none may fail now); an id seen
        again replaces the earlier one."""
        docs, failed = _documents(articles, keys)
        if failed:
            raise BackendError(f"reindex cannot index {failed[0].id}: {failed[0].reason}")
        for article_id, doc in docs:
            writer.delete_documents_by_term("id", article_id)
            writer.add_document(doc)

    def verify(self) -> list[str]:
        """What is wrong with the live version (see `verify_index`), or nothing."""
        return verify_index(self.path)

    def damaged(self) -> DamagedStore | None:
        """A `DamagedStore` naming what `verify` finds wrong (None if nothing is)."""
        problems = self.verify()
        if not problems:
            return None
        shown = "; ".join(problems[:3]) + (f"; and {len(problems) - 3} more" if len(problems) > 3 else "")
        return DamagedStore("embedded index", self.path, shown)

    def health(self) -> dict[str, object]:
        """Whether the index answers and is whole (every file of the live version passes its checksum, the facet
        key table reads), and its document count."""
        damage = self.damaged()
        if damage is not None:
            return {"backend": self.name, "ok": False, "reachable": False, "damaged": True, "error": str(damage),
                    "path": str(self.path)}
        try:
            documents = self.count()
            self._probe()
        except (BackendError, OSError, ValueError) as err:
            return {"backend": self.name, "ok": False, "reachable": False, "error": str(err), "path": str(self.path)}
        return {
            "backend": self.name, "ok": True, "reachable": True, "documents": documents,
            "path": str(self.path), "version": self._version,
        }

    def _probe(self) -> None:
        """What every search needs, once: a match-all query, a stored document, the facet keys of one value."""
        searcher, keys = self._reader()
        hits = searcher.search(tantivy.Query.all_query(), 1).hits
        if hits:
            Article.model_validate_json(searcher.doc(hits[0][1])["doc"][0])
        top_values(searcher, self._schema, keys, tantivy.Query.all_query(), "publisher", 1)

    def close(self) -> None:
        with self._mutex:
            if self._opened is not None:
                self._opened[1].close()
            self._opened = None
