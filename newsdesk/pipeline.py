"""The ingest pipeline as plain functions: plan -> fetch -> process (load, clean, enrich) -> index -> finish.

Flows compose these; the CLI and tests call them through the flow. What a run plans and remembers is an input
(`newsdesk.sources.Input`: a file, a part of a WARC archive, a web page); what it processes is a `WorkItem`: one
input, or lines of a JSONL file (each line a document of its own for limits, progress and accounting). Every
input ends as exactly one `DocumentOutcome` per document (or per input that yields none), so a run's summary
always balances, and a document that fails or is skipped never removes its last good version from the index.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING

from newsdesk.config import Settings, get_settings
from newsdesk.index.base import BackendError, IndexBackend
from newsdesk.versions import pipeline_version
from newsdesk.model import Article, DocumentOutcome, IngestSummary, RawDocument, utcnow
from newsdesk.sources import (
    Input, InputFile, WebPage, digest, discover, file_sha256, format_of, input_key, is_url, jsonl_lines, jsonl_record,
    load)
from newsdesk.state import Failure, FetchRecord, FileRecord, IngestState

if TYPE_CHECKING:
    from newsdesk.sources.fetch import Fetcher

log = logging.getLogger(__name__)


NOT_INDEXED = "not indexed: "
"""How the reason of a document a stopped run (backend gone, disk full) could not write begins."""
BATCH_BYTES = 32_000_000
"""Most bytes of JSONL lines one batch holds (besides at most `batch_size` documents)."""


@dataclass(frozen=True)
class WorkItem:
    """What one worker call processes: one input (a file, a WARC part, a web page), or lines of a JSONL file read
    by the parent (so each line is a document of its own for time and memory limits, progress and accounting)."""

    file: Input
    lines: tuple[tuple[int, bytes], ...] | None = None
    """JSONL: (line number, raw line); None: the whole input."""
    outcomes: tuple[DocumentOutcome, ...] = ()
    """Problems found while reading the lines (an oversized line, damaged gzip, a file without records)."""
    last: bool = True
    """Whether this is the input's last item: the input is recorded as ingested when its last item is indexed."""

    @property
    def documents(self) -> int:
        return 1 if self.lines is None else len(self.lines) + len(self.outcomes)

    def split(self) -> list[WorkItem]:
        """One item per line (any other input stays one item)."""
        if self.lines is None or len(self.lines) <= 1:
            return [self]
        n = len(self.lines)
        return [WorkItem(self.file, (line,), self.outcomes if i == 0 else (), self.last and i == n - 1)
                for i, line in enumerate(self.lines)]


@dataclass
class ProcessedFile:
    """One work item after fetch, load, clean and enrich: its articles and its per-document problems."""

    file: Input
    sha256: str
    articles: list[Article] = field(default_factory=list)
    outcomes: list[DocumentOutcome] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    """Article id -> the document's key (path, or path#record for JSONL)."""
    last: bool = True
    """Whether it completes its input (see `WorkItem.last`)."""
    unchanged: bool = False
    """A page fetched again and found unchanged (304, or the same bytes): only its fetch state is updated."""
    retry: bool = False
    """Not remembered as ingested (a failed or refused fetch): the next run tries it again."""

    @property
    def records(self) -> int:
        return len(self.articles) + len(self.outcomes)


@dataclass
class FileTally:
    """What the items of one input produced so far in a run (a JSONL file's lines span batches)."""

    ids: list[str] = field(default_factory=list)
    records: int = 0
    failed: set[str] = field(default_factory=set)
    """Keys of its documents that failed before the index (dead letters)."""
    unproduced: bool = False
    """Whether a document of it failed or was skipped this time: its last good version stays indexed (an input
    caught half-written, emptied, broken or refused by its server must not remove what was indexed from it)."""
    unwritten: bool = False
    """Whether a document of it could not be written: the input is not recorded, the next run writes it again."""


@dataclass
class Plan:
    """What a run has to do: inputs to process, and what is already settled without processing."""

    todo: list[Input] = field(default_factory=list)
    summary: IngestSummary = field(default_factory=IngestSummary)
    removed: list[FileRecord] = field(default_factory=list)
    missing: int = 0
    """Documents the state records as indexed that the index does not hold (their inputs are in `todo`)."""


def run_settings(backend: str | None = None, index: str | None = None) -> Settings:
    """The current settings with a run's backend/index overrides applied."""
    settings = get_settings()
    overrides = {k: v for k, v in (("backend", backend), ("index", index)) if v}
    return settings.model_copy(update=overrides) if overrides else settings


def source_key(source: str) -> str:
    """How a source argument is remembered: the resolved folder or file, the glob or the URL as given."""
    return source if is_url(source) or any(ch in source for ch in "*?[") else os.path.realpath(source)


def plan_ingest(sources: Sequence[str], state: IngestState, full: bool = False, *, url_lists: Sequence[str] = (),
                fetcher: Fetcher | None = None, settings: Settings | None = None,
                backend: IndexBackend | None = None, part: tuple[int, int] | None = None) -> Plan:
    """Discover inputs; unchanged files (same size and mtime, or same bytes) cost a stat, not a parse, and
    pages already ingested are not fetched again unless their listing shows a change (`WebPage.due`).

    URL sources need a `fetcher`: feeds and sitemaps are fetched (conditionally) here. With `backend`, inputs
    whose documents are missing from the index (a lost or rebuilt index) are re-processed. An unchanged input with
    dead letters reports them as failed again (never as unchanged): they are not indexed. Discovery failures
    (broken symlinks, unreadable folders, undecodable names) become dead letters too. With `part` (i, n), only the
    inputs of partition i of n (`partition_of`) are planned: n runs with i = 1..n split one backfill.
    """
    settings = settings or get_settings()
    plan = Plan()
    version = pipeline_version()
    found: set[str] = set()
    keys = {source_key(s) for s in [*sources, *url_lists]}
    every = state.files()
    recorded = {r.identity: r for r in every if r.source in keys}  # one query, not one per input
    missing = set() if full or backend is None else _missing_ids(every, backend)
    failures: dict[str, list[Failure]] = {}
    for failure in state.failures():
        failures.setdefault(failure.identity, []).append(failure)
    web = None
    if url_lists or any(is_url(s) for s in sources):
        from newsdesk.sources.web import WebDiscovery

        if fetcher is None:
            raise ValueError("URL sources need a fetcher")
        web = WebDiscovery(fetcher, state.fetches, settings.fetch_max_listing_bytes, full=full)
    undiscovered: list[DocumentOutcome] = []
    for item in discover(sources, url_lists=url_lists, web=web, fetches=state.fetches,
                         links_outside=settings.symlinks_outside_source == "follow"):
        if isinstance(item, DocumentOutcome):
            plan.summary.add(item, source=None)
            # dead letters (a listing's failure is one of `web.failed`; an unreadable URL-list file is not
            # retried as an input)
            if item.status == "failed" and item.stage == "discover" and item.key not in url_lists:
                undiscovered.append(item)
            continue
        found.add(item.identity)
        if part is not None and partition_of(item.identity, part[1]) != part[0]:
            continue
        known = None if full else (recorded.get(item.identity) or state.file(item.identity))
        current = (known is not None and known.pipeline_version == version
                   and not missing.intersection(known.article_ids))
        if current and _unchanged(item, known, state, settings):  # type: ignore[arg-type]
            for outcome in unchanged_outcomes(item, known.records, failures.get(item.identity, [])):  # type: ignore[union-attr]
                plan.summary.add(outcome, source=item.source)
            continue
        if isinstance(item, WebPage):
            refused = fetcher.robots_reason(item.url) if fetcher is not None and item.response is None else None
            if refused:  # known before any request (robots.txt is kept for a day): no work to plan
                plan.summary.add(DocumentOutcome(key=item.path, status="skipped", stage="fetch", reason=refused),
                                 source=item.source)
                continue
            # validators only for a page whose last version is what the index holds
            item = replace(item, known_sha256=known.sha256) if current else \
                replace(item, etag=None, last_modified=None, known_sha256=None)  # type: ignore[union-attr]
        plan.todo.append(item)
    if web is not None:
        state.clear_failures(web.succeeded)
        state.record_failures((outcome, outcome.key, key) for outcome, key in web.failed)
    plan.removed = [r for r in recorded.values() if r.identity not in found and not is_url(r.identity)]
    plan.summary.removed = [r.path for r in plan.removed]
    plan.missing = len(missing)
    if missing:
        log.warning("%d documents the ingest state records are missing from the index; re-processing their inputs",
                    len(missing))
    state.record_failures((o, o.key, o.key) for o in undiscovered)
    failing = {o.key for o in undiscovered}
    state.forget_failures(f.key for fs in failures.values() for f in fs
                          if f.stage == "discover" and f.key not in failing and not is_url(f.path)
                          and not os.path.lexists(f.path))
    return plan


def partition_of(identity: str, parts: int) -> int:
    """Which of `parts` partitions (1-based) an input belongs to: a stable hash of its identity."""
    return int(hashlib.sha256(identity.encode()).hexdigest()[:8], 16) % parts + 1


def parse_partition(text: str | None) -> tuple[int, int] | None:
    """'i/n' (partition i of n) as a pair; None for none. Raises ValueError when it is not one."""
    if not text:
        return None
    i, _, n = text.partition("/")
    part = (int(i), int(n))
    if not 1 <= part[0] <= part[1]:
        raise ValueError(f"a partition is i/n with 1 <= i <= n, not {text!r}")
    return part


def unchanged_outcomes(item: Input, records: int, dead: Sequence[Failure]) -> list[DocumentOutcome]:
    """The outcomes of an input found unchanged: its dead letters failed again (they are not indexed; `newsdesk
    failed retry` tries them), every other document unchanged."""
    outcomes = [DocumentOutcome(key=f.key, status="failed", stage=f.stage,
                                reason=f"{f.error} (input unchanged since; `newsdesk failed retry` tries it again)")
                for f in dead]
    return outcomes + [DocumentOutcome(key=item.path, status="unchanged")] * (max(1, records) - len(dead))


def _missing_ids(records: Sequence[FileRecord], backend: IndexBackend) -> set[str]:
    """Ids the state records as indexed that the index does not hold (compared by count first: cheap)."""
    expected = {i for r in records for i in r.article_ids}
    if not expected or backend.count() == len(expected):
        return set()
    return expected.difference(backend.ids())


def _unchanged(item: Input, known: FileRecord, state: IngestState, settings: Settings) -> bool:
    """The change check: a page by its listing and last check; a file or WARC part by its stat, then its bytes."""
    if isinstance(item, WebPage):
        return not item.due(settings.fetch_recheck_hours)
    if known.size != item.size:
        return False
    if known.mtime_ns == item.mtime_ns:
        return True
    if digest(item) == known.sha256:
        state.touch_file(item.identity, item.size, item.mtime_ns)
        return True
    return False


def _is_jsonl(item: Input) -> bool:
    return isinstance(item, InputFile) and format_of(item.path) == "jsonl"


def document_total(items: Sequence[Input]) -> int:
    """How many documents the inputs hold, for progress: one per input, one per line of a JSONL file."""
    from newsdesk.sources.files import _open

    total = 0
    for item in items:
        if not _is_jsonl(item):
            total += 1
            continue
        try:
            with _open(item.path) as fh:
                ends, last = 0, b"\n"
                for block in iter(lambda: fh.read(1 << 20), b""):  # noqa: B023
                    ends += block.count(b"\n")
                    last = block[-1:]
                total += max(1, ends + (last != b"\n"))
        except (OSError, EOFError, ValueError):
            total += 1
    return total


def work_batches(items: Iterable[Input], size: int, max_bytes: int) -> Iterator[list[WorkItem]]:
    """Batches of at most `size` documents (and about `BATCH_BYTES` of JSONL lines), read lazily: an input is one
    document, each line of a JSONL file is one (streamed, so a large JSONL is never held whole)."""
    batch: list[WorkItem] = []
    documents = held = 0
    for item in items:
        if not _is_jsonl(item):
            batch.append(WorkItem(item))
            documents += 1
        else:
            lines: list[tuple[int, bytes]] = []
            outcomes: list[DocumentOutcome] = []
            for line in jsonl_lines(item, max_bytes):  # type: ignore[arg-type]
                if isinstance(line, DocumentOutcome):
                    outcomes.append(line)
                else:
                    lines.append(line)
                    held += len(line[1])
                documents += 1
                if documents >= size or held >= BATCH_BYTES:
                    batch.append(WorkItem(item, tuple(lines), tuple(outcomes), last=False))
                    yield batch
                    batch, lines, outcomes, documents, held = [], [], [], 0, 0
            batch.append(WorkItem(item, tuple(lines), tuple(outcomes), last=True))
        if documents >= size or held >= BATCH_BYTES:
            yield batch
            batch, documents, held = [], 0, 0
    if batch:
        yield batch


def fetch_inputs(items: Sequence[WorkItem], fetcher: Fetcher | None, settings: Settings,
                 ) -> tuple[list[WorkItem], list[ProcessedFile]]:
    """Fetch the web pages among the work items (concurrently, within the fetcher's politeness limits).

    Returns the items ready to process and the pages settled by their fetch: unchanged (304, or the
    same bytes as last time), refused (robots.txt, not HTML) or failed (HTTP status, timeout, too large)."""
    pending = [w.file for w in items if isinstance(w.file, WebPage) and w.file.response is None]
    fetched: dict[int, WebPage | ProcessedFile] = {}
    if pending:
        if fetcher is None:
            raise ValueError("web pages need a fetcher")
        results = fetcher.fetch_all([partial(_fetch_page, fetcher, page, settings.max_document_bytes)
                                     for page in pending])
        fetched = {id(page): result for page, result in zip(pending, results)}
    ready: list[WorkItem] = []
    settled: list[ProcessedFile] = []
    for work in items:
        result = fetched.get(id(work.file), work.file)
        if isinstance(result, ProcessedFile):
            settled.append(result)
        elif isinstance(result, WebPage) and result.known_sha256 and result.digest() == result.known_sha256:
            settled.append(_unchanged_page(result))
        else:
            ready.append(replace(work, file=result))
    return ready, settled


def _fetch_page(fetcher: Fetcher, page: WebPage, max_bytes: int) -> WebPage | ProcessedFile:
    from newsdesk.sources.fetch import HTML_TYPES, FetchError

    try:
        response = fetcher.fetch(page.url, max_bytes=max_bytes, etag=page.etag, last_modified=page.last_modified,
                                 accept=HTML_TYPES)
    except FetchError as exc:
        outcome = DocumentOutcome(key=page.url, status=exc.status, reason=exc.reason, stage="fetch")  # type: ignore[arg-type]
        return ProcessedFile(file=page, sha256="", outcomes=[outcome], retry=not exc.final)
    page = replace(page, response=response)
    return _unchanged_page(page) if response.not_modified else page


def _unchanged_page(page: WebPage) -> ProcessedFile:
    return ProcessedFile(file=page, sha256=page.known_sha256 or "", unchanged=True,
                         outcomes=[DocumentOutcome(key=page.url, status="unchanged")])


def process_files(items: Sequence[Input | WorkItem], settings: Settings) -> list[ProcessedFile]:
    """Load and clean each work item (an input, or JSONL lines), then enrich all their articles in one batch;
    problems stay per document."""
    from newsdesk.clean import BoilerplateRules, clean_document  # here: planning must not pay for the NLP imports

    try:
        rules = BoilerplateRules.load()
    except sqlite3.DatabaseError as exc:  # a damaged rule store fails the run, not each document
        raise _damage(settings, exc) from exc
    version = pipeline_version()
    processed: list[ProcessedFile] = []
    pairs: list[tuple[RawDocument, Article]] = []
    owners: list[ProcessedFile] = []
    for work in items:
        work = work if isinstance(work, WorkItem) else WorkItem(work)
        file = work.file
        try:
            result = ProcessedFile(file=file, sha256=digest(file) if work.last else "", last=work.last,
                                   outcomes=list(work.outcomes))
        except OSError as exc:
            result = ProcessedFile(file=file, sha256="", last=work.last, outcomes=list(work.outcomes))
            result.outcomes.append(DocumentOutcome(key=input_key(file), status="failed", stage="load",
                                                   reason=f"cannot read: {exc.strerror or exc}"))
            processed.append(result)
            continue
        for item in load_item(work, settings.max_document_bytes):
            if isinstance(item, DocumentOutcome):
                result.outcomes.append(item)
                continue
            try:
                article = clean_document(item, rules)
            except Exception as exc:  # a cleaner bug must not stop the run: the document fails with its reason
                result.outcomes.append(_failed(doc_key(item), "clean", exc))
                continue
            if not article.body.strip():
                result.outcomes.append(DocumentOutcome(key=doc_key(item), status="skipped", stage="clean",
                                                       reason="no article text left after cleaning"))
                continue
            article.pipeline_version = version
            result.keys[article.id] = doc_key(item)
            pairs.append((item, article))
            owners.append(result)
        processed.append(result)
    for owner, article in zip(owners, _enrich_isolating_failures(pairs, settings)):
        if isinstance(article, DocumentOutcome):
            owner.outcomes.append(article)
        else:
            owner.articles.append(article)
    return processed


def load_item(work: WorkItem, max_bytes: int) -> Iterator[RawDocument | DocumentOutcome]:
    """The documents of a work item as loaded (before cleaning), problems as outcomes."""
    if work.lines is None:
        yield from load(work.file, max_bytes)
    else:
        yield from (jsonl_record(work.file, lineno, line) for lineno, line in work.lines)  # type: ignore[arg-type]


def doc_key(raw: RawDocument) -> str:
    """How a document is named in summaries and dead letters: its path, or path#record."""
    return raw.path if raw.record is None else f"{raw.path}#{raw.record}"


def _failed(key: str, stage: str, exc: BaseException) -> DocumentOutcome:
    return DocumentOutcome(key=key, status="failed", stage=stage, reason=f"{type(exc).__name__}: {exc}")


def _damage(settings: Settings, exc: BaseException) -> BaseException:
    """The damaged store behind a SQLite error (see `newsdesk.stores.find_damage`), else the error itself."""
    from newsdesk.stores import find_damage

    return find_damage(settings) or exc


def _enrich_isolating_failures(pairs: list[tuple[RawDocument, Article]],
                               settings: Settings) -> list[Article | DocumentOutcome]:
    """Enrich in one batch; if the batch raises, enrich one by one so only the bad document fails. A damaged store
    (the alias registry) fails the run instead: every document would fail the same way."""
    from newsdesk.enrich import enrich_articles

    if not pairs:
        return []
    try:
        return list(enrich_articles(pairs))
    except sqlite3.DatabaseError as exc:
        from newsdesk.stores import NoSpaceLeft, is_no_space

        if is_no_space(exc):
            raise NoSpaceLeft(settings.home.resolve(), str(exc)) from exc
        if not isinstance(exc, sqlite3.OperationalError) or "malformed" in str(exc):
            raise _damage(settings, exc) from exc
        log.warning("enrichment of a batch failed (%s); retrying its %d documents one by one", exc, len(pairs))
    except Exception:
        log.warning("enrichment of a batch failed; retrying its %d documents one by one", len(pairs))
    results: list[Article | DocumentOutcome] = []
    for raw, article in pairs:
        try:
            results.extend(enrich_articles([(raw, article)]))
        except Exception as exc:
            results.append(_failed(doc_key(raw), "enrich", exc))
    return results


def index_processed(processed: Sequence[ProcessedFile], backend: IndexBackend, state: IngestState,
                    summary: IngestSummary, tallies: dict[str, FileTally] | None = None) -> None:
    """Write a batch to the index, then remember its completed inputs: a crash in between only repeats work.

    `tallies` carries inputs whose items span batches (a JSONL file's lines), by identity. An input is recorded as
    ingested when its last item is written; ids it no longer produces are deleted then, unless a document of it
    failed or was skipped (that never removes the last good version of a document; `--prune` removes inputs gone).
    A page whose fetch failed and may succeed later is not recorded (the next run fetches it again); a page found
    unchanged keeps its record, and its dead letters other than failed fetches stand. Raises `BackendError` when
    the backend cannot take the batch: nothing of it is recorded as ingested, and the story store forgets what it
    had just learnt of the batch's new articles, so the next run processes it again from the same place.
    """
    from newsdesk.stories import assign_stories, forget_articles, store_path

    tallies = {} if tallies is None else tallies
    articles = [a for p in processed for a in p.articles]
    now = utcnow()
    for article in articles:
        article.ingested_at = now
    duplicates = state.claim_hashes((a.content_hash, a.id) for a in articles)
    for article in articles:
        article.duplicate_of = duplicates.get(article.id)
    stories = store_path(state.path)
    new = _unknown_to_stories(articles, stories)
    assign_stories(articles, stories)  # near-duplicates (MinHash/LSH) and story_id
    try:
        result = backend.upsert(articles) if articles else None
    except BaseException:
        forget_articles(new, stories)  # no story may list an article that is not indexed
        raise
    write_failures = {f.id: f.reason for f in (result.failed if result else [])}
    if write_failures:
        forget_articles([i for i in new if i in write_failures], stories)

    version = pipeline_version()
    done: list[FileRecord] = []
    dead: list[tuple[DocumentOutcome, str, str]] = []
    settled: list[tuple[str, str, set[str]]] = []
    fetched_again: list[str] = []  # keys of failed fetches of pages now fetched unchanged
    stale: list[str] = []
    pages: list[FetchRecord] = []
    for p in processed:
        if isinstance(p.file, WebPage):
            pages.append(_page_record(p.file))
        if p.unchanged:
            letters = state.failures(p.file.identity)
            fetched_again += [f.key for f in letters if f.stage == "fetch"]
            for outcome in unchanged_outcomes(p.file, 1, [f for f in letters if f.stage != "fetch"]):
                summary.add(outcome, source=p.file.source)
            continue
        tally = tallies.setdefault(p.file.identity, FileTally())
        outcomes = list(p.outcomes)
        for article in p.articles:
            if article.id in write_failures:
                outcomes.append(DocumentOutcome(key=p.keys[article.id], status="failed", stage="index",
                                                reason=write_failures[article.id], article_id=article.id))
                tally.unwritten = True
            else:
                status = "duplicate" if article.duplicate_of else "indexed"
                outcomes.append(DocumentOutcome(key=p.keys[article.id], status=status,
                                                article_id=article.id))
                tally.ids.append(article.id)
        for outcome in outcomes:
            summary.add(outcome, source=p.file.source)
            if outcome.status == "failed":
                dead.append((outcome, p.file.path, p.file.identity))
                if outcome.stage != "index":
                    tally.failed.add(outcome.key)
            tally.unproduced |= outcome.status in ("failed", "skipped") and outcome.stage != "index"
        tally.records += p.records
        if not p.last:
            continue
        del tallies[p.file.identity]
        if p.retry or tally.unwritten:
            continue  # not recorded as ingested: the next run does it again
        ids = list(dict.fromkeys(tally.ids))
        known = state.file(p.file.identity)
        if known is not None:
            gone = [i for i in known.article_ids if i not in set(ids)]
            if tally.unproduced:
                ids += gone  # kept: a document that failed or was skipped keeps its last good version
            else:
                stale += gone  # e.g. a record removed from a JSONL file processed cleanly
        done.append(FileRecord(identity=p.file.identity, path=p.file.path, source=source_key(p.file.source),
                               size=p.file.size, mtime_ns=p.file.mtime_ns, sha256=p.sha256,
                               pipeline_version=version, article_ids=ids, records=tally.records))
        settled.append((p.file.identity, p.file.path, tally.failed))
    _delete_articles(stale, backend, state, keeping=[r.identity for r in done])
    state.forget_failures(fetched_again)
    state.record_failures(dead)
    state.settle_failures(settled)
    state.record_files(done)
    state.fetches.put(r for r in pages if r.status is not None)  # after the index and the ingest record
    state.fetches.put((r for r in pages if r.status is None), replace=False)  # a new page that failed: its hints


def _unknown_to_stories(articles: Sequence[Article], stories: os.PathLike[str] | str) -> list[str]:
    """Ids of the articles the story store does not know yet."""
    from newsdesk.stories import StoryStore

    if not articles:
        return []
    with StoryStore(stories) as store:  # type: ignore[arg-type]
        return [a.id for a in articles if store.article(a.id) is None]


def _page_record(page: WebPage) -> FetchRecord:
    """A page's fetch state: its validators after a fetch; only its listing's hints when the fetch failed."""
    response = page.response
    return FetchRecord(key=page.identity, kind="page", source=page.source, hints=page.hints,
                       hints_from=page.hints_from, listed=page.listed or page.known_listed,
                       etag=(response.etag or page.etag) if response else None,
                       last_modified=(response.last_modified or page.last_modified) if response else None,
                       status=response.status if response else None)


def prune_removed(removed: Iterable[FileRecord], backend: IndexBackend, state: IngestState) -> int:
    """Delete from the index the documents of inputs gone from their sources."""
    removed = list(removed)
    deleted = _delete_articles([i for r in removed for i in r.article_ids], backend, state,
                               keeping=[r.identity for r in removed])
    state.forget_files(r.identity for r in removed)
    state.clear_failures(r.identity for r in removed)
    return deleted


def _delete_articles(ids: list[str], backend: IndexBackend, state: IngestState, keeping: Iterable[str]) -> int:
    """Delete articles from the index and from everything that remembers them (hashes, stories), except those
    another input (not among `keeping`, the inputs letting go of them) still holds: the same page reached as a
    URL and in a WARC archive is one article."""
    from newsdesk.stories import forget_articles, store_path

    if ids:
        held = state.held_elsewhere(ids, set(keeping))
        ids = [i for i in ids if i not in held]
    if not ids:
        return 0
    deleted = backend.delete(ids)
    state.release_hashes(ids)
    forget_articles(ids, store_path(state.path))
    return deleted


__all__ = ["BATCH_BYTES", "NOT_INDEXED", "BackendError", "FileTally", "Plan", "ProcessedFile", "WorkItem", "doc_key",
           "document_total", "fetch_inputs", "file_sha256", "index_processed", "load_item", "plan_ingest",
           "parse_partition", "partition_of", "process_files", "prune_removed", "run_settings", "source_key", "unchanged_outcomes", "work_batches"]
