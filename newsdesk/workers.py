"""Run the CPU-bound stages (`process_files`) in worker processes, with per-document time and memory limits.

Workers load the NLP models once and then take chunks of work items (inputs: files, WARC parts, fetched pages;
or lines of JSONL files). A worker that overruns its chunk's time limit, grows past the per-document memory limit
while it works, or dies, is killed and replaced; its chunk is retried item by item, JSONL lines one by one, so
that only the pathological document fails, with a reason. Results come back in input order.
"""

from __future__ import annotations

import atexit
import ctypes
import logging
import math
import multiprocessing as mp
import os
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection, wait

from newsdesk.config import Settings
from newsdesk.model import DocumentOutcome
from newsdesk.pipeline import ProcessedFile, WorkItem, process_files
from newsdesk.sources import Input, input_key
from newsdesk.stores import DamagedStore, NoSpaceLeft
from newsdesk.terminal import plain

log = logging.getLogger(__name__)

STARTUP_SECONDS = 180.0
"""How long a new worker may take to import and load its models."""
MEMORY_POLL_SECONDS = 0.1
"""How often a working worker's resident memory is compared with the per-document memory limit."""

Slot = tuple[int, ...]
"""Where a piece of work goes in the results: (item, piece of the item[, line of the piece]), in sort order."""


def _worker_main(conn: Connection, settings: Settings) -> None:
    import newsdesk.clean.document  # noqa: F401 (imported at startup, not inside the first documents' time limit)
    from newsdesk.config import use_settings
    from newsdesk.enrich import load_nlp

    use_settings(settings)
    load_nlp()
    conn.send("ready")
    while True:
        try:
            files = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if files is None:
            return
        try:
            conn.send(process_files(files, settings))
        except Exception as exc:  # our own bug: report it for these files instead of dying silently
            conn.send(exc)
        _return_freed_memory()


def _joined(parts: list[WorkItem]) -> WorkItem:
    """Consecutive pieces of one item as one item again."""
    if len(parts) == 1:
        return parts[0]
    return WorkItem(parts[0].file, tuple(line for p in parts for line in p.lines or ()),
                    tuple(o for p in parts for o in p.outcomes), parts[-1].last)


def _return_freed_memory() -> None:
    """Give the heap's free pages back to the system (glibc keeps them after the big temporary arrays of
    parsing and NER); without this a worker's resident memory only grows. A no-op elsewhere."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


BLAS_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def _single_threaded_math() -> Iterator[None]:
    """Start workers with one BLAS/OpenMP thread each (unless configured): the pool is the parallelism, and
    numpy's extra threads only oversubscribe the cores and spin (measured with bench/run.py)."""
    unset = [name for name in BLAS_THREAD_VARIABLES if name not in os.environ]
    os.environ.update(dict.fromkeys(unset, "1"))
    try:
        yield
    finally:
        for name in unset:
            os.environ.pop(name, None)


class _Worker:
    def __init__(self, ctx: mp.context.BaseContext, settings: Settings) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, settings), daemon=True,
                                   name="newsdesk-worker")
        with _single_threaded_math():
            self.process.start()
        child.close()
        self.ready = False
        self.chunk: list[int] | None = None
        self.deadline = time.monotonic() + STARTUP_SECONDS

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        """Ask the worker to exit; kill it if it does not."""
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(5)
        if self.process.is_alive():
            self.kill()

    def resident_mb(self) -> float:
        """The worker's resident memory (0 where /proc is not available)."""
        try:
            with open(f"/proc/{self.process.pid}/statm") as statm:
                return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, ValueError, IndexError):
            return 0.0


class WorkerPool:
    """A small pool of document-processing processes (reused across batches and runs)."""

    def __init__(self, settings: Settings, workers: int) -> None:
        self.settings = settings
        self.size = max(1, workers)
        self._ctx = mp.get_context("spawn")
        self._workers: list[_Worker] = []

    def run(self, items: Sequence[Input | WorkItem]) -> list[ProcessedFile]:
        """Process work items across the workers; every document gets a result, a stuck or oversized one a failure.

        JSONL items are cut into pieces so that the workers share their lines; results come back in input order.
        """
        work = [i if isinstance(i, WorkItem) else WorkItem(i) for i in items]
        if not work:
            return []
        documents = sum(max(1, w.documents) for w in work)
        chunk_size = max(1, min(4, math.ceil(documents / (2 * self.size))))  # small: no worker idles at the end
        pieces: list[tuple[Slot, WorkItem]] = []
        for i, item in enumerate(work):
            parts = item.split() if item.lines is not None and len(item.lines) > chunk_size else [item]
            groups = [parts[k:k + chunk_size] for k in range(0, len(parts), chunk_size)]
            pieces += [((i, k), _joined(group)) for k, group in enumerate(groups)]
        queue: deque[list[tuple[Slot, WorkItem]]] = deque()
        chunk: list[tuple[Slot, WorkItem]] = []
        for piece in pieces:
            chunk.append(piece)
            if sum(max(1, w.documents) for _, w in chunk) >= chunk_size:
                queue.append(chunk)
                chunk = []
        if chunk:
            queue.append(chunk)
        results: dict[Slot, ProcessedFile] = {}
        while len(self._workers) < self.size:
            self._workers.append(_Worker(self._ctx, self.settings))
        limit = self.settings.max_document_seconds
        memory = self.settings.max_document_memory_mb

        while queue or any(w.chunk is not None for w in self._workers):
            for w in self._workers:
                if w.ready and w.chunk is None and queue:
                    w.chunk = queue.popleft()
                    w.conn.send([item for _, item in w.chunk])
                    docs = sum(max(1, item.documents) for _, item in w.chunk)
                    w.deadline = time.monotonic() + (limit * docs if limit > 0 else math.inf)
            now = time.monotonic()
            timeout = max(0.0, min(w.deadline for w in self._workers) - now)
            ready = wait([w.conn for w in self._workers],
                         timeout=min(timeout, MEMORY_POLL_SECONDS if memory > 0 else 60.0))
            for w in list(self._workers):
                if w.conn in ready:
                    try:
                        message = w.conn.recv()
                    except (EOFError, OSError):
                        self._replace(w, queue, results, f"worker process died (exit code {w.process.exitcode})")
                        continue
                    if message == "ready":
                        w.ready = True
                    elif isinstance(message, (DamagedStore, NoSpaceLeft)):  # the run stops: not the documents' fault
                        w.chunk = None
                        raise message
                    elif isinstance(message, Exception):
                        self._replace(w, queue, results, f"{type(message).__name__}: {message}")
                    else:
                        for (slot, _), processed in zip(w.chunk or [], message):
                            results[slot] = processed
                        w.chunk = None
                        self._recycle_if_grown(w)
                elif time.monotonic() > w.deadline:
                    what = (f"processing exceeded the {limit:g} s per-document time limit" if w.ready
                            else "worker did not start in time")
                    self._replace(w, queue, results, what)
                elif memory > 0 and w.chunk is not None and w.resident_mb() > memory:
                    self._replace(w, queue, results, f"processing exceeded the {memory:,} MB per-document memory "
                                                     "limit (NEWSDESK_MAX_DOCUMENT_MEMORY_MB)")
        return [results[slot] for slot in sorted(results)]

    def _recycle_if_grown(self, worker: _Worker) -> None:
        """Replace a worker whose memory grew past `worker_max_memory_mb` (the new one loads while others work)."""
        limit = self.settings.worker_max_memory_mb
        if limit > 0 and worker.resident_mb() > limit:
            log.info("worker %d uses %.0f MB (limit %d MB): replacing it", worker.process.pid,
                     worker.resident_mb(), limit)
            worker.stop()
            self._workers.remove(worker)
            self._workers.append(_Worker(self._ctx, self.settings))

    def _replace(self, worker: _Worker, queue: deque[list[tuple[Slot, WorkItem]]],
                 results: dict[Slot, ProcessedFile], reason: str) -> None:
        """Kill a stuck, oversized or dead worker; split its chunk to retry document by document, or fail its one
        document."""
        chunk = worker.chunk or []
        worker.kill()
        self._workers.remove(worker)
        self._workers.append(_Worker(self._ctx, self.settings))
        singles = [(slot + (k,) if len(parts) > 1 else slot, part)
                   for slot, item in chunk for parts in [item.split()] for k, part in enumerate(parts)]
        if len(singles) > 1:
            log.warning("%s; retrying its %d documents one by one", reason, len(singles))
            queue.extendleft([single] for single in reversed(singles))
        elif singles:
            slot, item = singles[0]
            key = f"{item.file.path}#{item.lines[0][0]}" if item.lines else input_key(item.file)
            log.warning("%s: %s", plain(key), reason)
            results[slot] = ProcessedFile(file=item.file, sha256="", last=item.last, outcomes=[
                *item.outcomes, DocumentOutcome(key=key, status="failed", stage="process", reason=reason)])
        elif not worker.ready:
            raise RuntimeError(f"document worker could not start: {reason}")

    def close(self) -> None:
        for w in self._workers:
            w.stop()
        self._workers.clear()


_pool: tuple[str, WorkerPool] | None = None


def in_worker_processes(settings: Settings) -> bool:
    """Whether `run_processing` uses worker processes (the calling thread only waits meanwhile)."""
    return settings.workers > 1 or settings.max_document_seconds > 0


def run_processing(items: Sequence[Input | WorkItem], settings: Settings) -> list[ProcessedFile]:
    """Process work items in worker processes (kept for reuse while the settings stay the same), or in this
    process when there is one worker and no time limit."""
    global _pool
    if not in_worker_processes(settings):
        return process_files(items, settings)
    key = settings.model_dump_json()
    if _pool is None or _pool[0] != key:
        shutdown()
        _pool = (key, WorkerPool(settings, settings.workers))
    try:
        return _pool[1].run(items)
    except BaseException:
        shutdown()  # workers may still hold chunks of the batch that failed
        raise


def shutdown() -> None:
    """Stop the worker processes."""
    global _pool
    if _pool is not None:
        _pool[1].close()
        _pool = None


atexit.register(shutdown)
