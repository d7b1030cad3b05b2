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
import secrets
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from multiprocessing.connection import Client, Connection, Listener, wait

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


class _Job:
    """One submitted list of work items: its future, and its pieces' results as they come back."""

    def __init__(self, future: Future[list[ProcessedFile]], pieces: int) -> None:
        self.future = future
        self.results: dict[Slot, ProcessedFile] = {}
        self.outstanding = pieces
        """Pieces not back yet (a chunk retried document by document counts its documents)."""


Chunk = list[tuple[Slot, WorkItem]]


class WorkerPool:
    """A small pool of document-processing processes (reused across batches and runs).

    `submit` queues work and returns at once; a dispatcher thread hands chunks to whichever worker is free, in
    submission order, from one queue shared by every submitted batch: the workers go on to the next batch's
    documents while the last chunks of this one finish (no core idles at a batch's end)."""

    def __init__(self, settings: Settings, workers: int) -> None:
        self.settings = settings
        self.size = max(1, workers)
        self._ctx = mp.get_context("spawn")
        self._workers: list[_Worker] = []
        self._queue: deque[tuple[_Job, Chunk]] = deque()
        self._lock = threading.Lock()
        self._wake_r, self._wake_w = os.pipe()
        self._dispatcher: threading.Thread | None = None
        self._closed = False
        self._busy: dict[_Worker, _Job] = {}

    @property
    def closed(self) -> bool:
        """Whether the pool was closed, or broke (a worker that cannot start, a damaged store)."""
        return self._closed

    def start(self) -> None:
        """Start the worker processes (they load their models meanwhile) and the dispatcher, without waiting."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the worker pool is closed")
            if self._dispatcher is None:
                while len(self._workers) < self.size:
                    self._workers.append(_Worker(self._ctx, self.settings))
                self._dispatcher = threading.Thread(target=self._dispatch, name="newsdesk-worker-pool", daemon=True)
                self._dispatcher.start()

    def run(self, items: Sequence[Input | WorkItem]) -> list[ProcessedFile]:
        """Process work items across the workers and wait for them (see `submit`)."""
        return self.submit(items).result()

    def submit(self, items: Sequence[Input | WorkItem]) -> Future[list[ProcessedFile]]:
        """Queue work items; the future gives every document a result (a stuck or oversized one a failure), in input
        order. JSONL items are cut into pieces so that the workers share their lines."""
        future: Future[list[ProcessedFile]] = Future()
        work = [i if isinstance(i, WorkItem) else WorkItem(i) for i in items]
        if not work:
            future.set_result([])
            return future
        documents = sum(max(1, w.documents) for w in work)
        chunk_size = max(1, min(4, math.ceil(documents / (2 * self.size))))  # small: no worker idles at the end
        pieces: Chunk = []
        for i, item in enumerate(work):
            parts = item.split() if item.lines is not None and len(item.lines) > chunk_size else [item]
            groups = [parts[k:k + chunk_size] for k in range(0, len(parts), chunk_size)]
            pieces += [((i, k), _joined(group)) for k, group in enumerate(groups)]
        job = _Job(future, len(pieces))
        chunks: list[Chunk] = []
        chunk: Chunk = []
        for piece in pieces:
            chunk.append(piece)
            if sum(max(1, w.documents) for _, w in chunk) >= chunk_size:
                chunks.append(chunk)
                chunk = []
        if chunk:
            chunks.append(chunk)
        self.start()
        with self._lock:
            if self._closed:  # broke meanwhile
                raise RuntimeError("the worker pool is closed")
            self._queue.extend((job, c) for c in chunks)
        os.write(self._wake_w, b"w")
        return future

    def _dispatch(self) -> None:
        """The dispatcher thread: hand out chunks, collect results, enforce the limits, replace workers."""
        try:
            while not self._closed:
                self._step()
        except BaseException as exc:  # noqa: BLE001 - the pool is broken: every waiting caller learns why
            self._fail_all(exc)

    def _step(self) -> None:
        limit = self.settings.max_document_seconds
        memory = self.settings.max_document_memory_mb
        assigned: list[_Worker] = []
        with self._lock:
            for w in self._workers:
                if w.ready and w.chunk is None and self._queue:
                    job, w.chunk = self._queue.popleft()
                    self._busy[w] = job
                    assigned.append(w)
        for w in assigned:
            docs = sum(max(1, item.documents) for _, item in w.chunk or [])
            w.deadline = time.monotonic() + (limit * docs if limit > 0 else math.inf)
            try:
                w.conn.send([item for _, item in w.chunk or []])
            except OSError:
                self._replace(w, f"worker process died (exit code {w.process.exitcode})")
        busy = any(w.chunk is not None for w in self._workers)
        timeout = max(0.0, min(w.deadline for w in self._workers) - time.monotonic())
        ready = wait([self._wake_r, *(w.conn for w in self._workers)],
                     timeout=min(timeout, MEMORY_POLL_SECONDS if memory > 0 and busy else 60.0))
        if self._wake_r in ready:
            os.read(self._wake_r, 4096)
        for w in list(self._workers):
            if w.conn in ready:
                try:
                    message = w.conn.recv()
                except (EOFError, OSError):
                    self._replace(w, f"worker process died (exit code {w.process.exitcode})")
                    continue
                if message == "ready":
                    w.ready, w.deadline = True, math.inf
                elif isinstance(message, (DamagedStore, NoSpaceLeft)):  # the run stops: not the documents' fault
                    raise message
                elif isinstance(message, Exception):
                    self._replace(w, f"{type(message).__name__}: {message}")
                else:
                    job, pieces = self._busy.pop(w), len(w.chunk or [])
                    for (slot, _), processed in zip(w.chunk or [], message):
                        job.results[slot] = processed
                    w.chunk, w.deadline = None, math.inf
                    self._recycle_if_grown(w)  # before the job may complete: its caller finds the pool settled
                    self._settle(job, pieces)
            elif time.monotonic() > w.deadline:
                what = (f"processing exceeded the {limit:g} s per-document time limit" if w.ready
                        else "worker did not start in time")
                self._replace(w, what)
            elif memory > 0 and w.chunk is not None and w.resident_mb() > memory:
                self._replace(w, f"processing exceeded the {memory:,} MB per-document memory limit "
                                 "(NEWSDESK_MAX_DOCUMENT_MEMORY_MB)")

    @staticmethod
    def _settle(job: _Job, pieces: int) -> None:
        """Count `pieces` of a job as back; complete its future when none is outstanding."""
        job.outstanding -= pieces
        if job.outstanding == 0 and not job.future.done():
            job.future.set_result([job.results[slot] for slot in sorted(job.results)])

    def _fail_all(self, exc: BaseException) -> None:
        """Fail every queued and running job with `exc` (the pool cannot go on)."""
        with self._lock:
            jobs = {id(job): job for job, _ in self._queue} | {id(job): job for job in self._busy.values()}
            self._queue.clear()
            self._busy.clear()
            self._closed = True
        for w in self._workers:
            w.chunk = None
        for job in jobs.values():
            if not job.future.done():
                job.future.set_exception(exc)

    def _recycle_if_grown(self, worker: _Worker) -> None:
        """Replace a worker whose memory grew past `worker_max_memory_mb` (the new one loads while others work)."""
        limit = self.settings.worker_max_memory_mb
        if limit > 0 and worker.resident_mb() > limit:
            log.info("worker %d uses %.0f MB (limit %d MB): replacing it", worker.process.pid,
                     worker.resident_mb(), limit)
            worker.stop()
            self._workers.remove(worker)
            self._workers.append(_Worker(self._ctx, self.settings))

    def _replace(self, worker: _Worker, reason: str) -> None:
        """Kill a stuck, oversized or dead worker; split its chunk to retry document by document, or fail its one
        document."""
        chunk = worker.chunk or []
        job = self._busy.pop(worker, None)
        worker.kill()
        self._workers.remove(worker)
        self._workers.append(_Worker(self._ctx, self.settings))
        singles = [(slot + (k,) if len(parts) > 1 else slot, part)
                   for slot, item in chunk for parts in [item.split()] for k, part in enumerate(parts)]
        if job is not None and len(singles) > 1:
            log.warning("%s; retrying its %d documents one by one", reason, len(singles))
            job.outstanding += len(singles) - len(chunk)
            with self._lock:
                self._queue.extendleft((job, [single]) for single in reversed(singles))
        elif job is not None and singles:
            slot, item = singles[0]
            key = f"{item.file.path}#{item.lines[0][0]}" if item.lines else input_key(item.file)
            log.warning("%s: %s", plain(key), reason)
            job.results[slot] = ProcessedFile(file=item.file, sha256="", last=item.last, outcomes=[
                *item.outcomes, DocumentOutcome(key=key, status="failed", stage="process", reason=reason)])
            self._settle(job, 1)
        elif not worker.ready:
            raise RuntimeError(f"document worker could not start: {reason}")

    def close(self) -> None:
        """Stop the dispatcher and the workers; work still queued fails."""
        with self._lock:
            self._closed = True
            if self._wake_w < 0:  # closed before
                return
        os.write(self._wake_w, b"x")
        if self._dispatcher is not None and self._dispatcher is not threading.current_thread():
            self._dispatcher.join()
        self._fail_all(RuntimeError("the worker pool was closed"))
        for w in self._workers:
            w.stop()
        self._workers.clear()
        for fd in (self._wake_r, self._wake_w):
            os.close(fd)
        self._wake_r = self._wake_w = -1


_pool: tuple[str, WorkerPool] | None = None
_pool_lock = threading.Lock()
SERVED_POOL_VARIABLES = ("NEWSDESK_SERVED_POOL", "NEWSDESK_SERVED_POOL_KEY")
"""Where flow runs find the warm pool of `newsdesk serve` (a Unix socket) and its key (hex): see `PoolService`."""
_unanswered: set[str] = set()
"""Pool service addresses that did not answer (this process processes on its own workers instead)."""


def in_worker_processes(settings: Settings) -> bool:
    """Whether `run_processing` uses worker processes (the calling thread only waits meanwhile): with more than one
    worker, a time limit, or the warm workers of `newsdesk serve`."""
    return settings.workers > 1 or settings.max_document_seconds > 0 or bool(os.environ.get(SERVED_POOL_VARIABLES[0]))


def _pool_key(settings: Settings) -> str:
    """What a pool's workers depend on: the settings, but not the index a run writes to (processing never reads it),
    so runs on other backends or indexes share the warm workers."""
    return settings.model_dump_json(exclude={"backend", "index"})


def _local_pool(settings: Settings) -> WorkerPool:
    """This process's pool for these settings (a new one replaces one for other settings, or a broken one)."""
    global _pool
    key = _pool_key(settings)
    with _pool_lock:
        if _pool is not None and (_pool[0] != key or _pool[1].closed):
            _pool[1].close()
            _pool = None
        if _pool is None:
            _pool = (key, WorkerPool(settings, settings.workers))
        return _pool[1]


def warm_up(settings: Settings) -> None:
    """Start the worker processes a run will use now, so that they load their models while the caller starts
    Prefect and plans (a no-op for in-process runs, and where `newsdesk serve` keeps warm workers)."""
    if in_worker_processes(settings) and not os.environ.get(SERVED_POOL_VARIABLES[0]):
        _local_pool(settings).start()


def run_processing(items: Sequence[Input | WorkItem], settings: Settings) -> list[ProcessedFile]:
    """Process work items in worker processes (kept for reuse while the settings stay the same; those of
    `newsdesk serve` when a flow run is served), or in this process when there is one worker and no time limit.
    Safe to call from several threads at once: their batches share the workers."""
    address = os.environ.get(SERVED_POOL_VARIABLES[0])
    if address:
        if address in _unanswered:
            return _process_here(items, settings)  # a pool: the run's batches may come from several threads
        try:
            return _run_served(address, items, settings)
        except (OSError, EOFError, mp.AuthenticationError) as exc:
            log.warning("the warm workers of `newsdesk serve` do not answer (%s): starting workers here", exc)
            _unanswered.add(address)
            return _process_here(items, settings)
    if not in_worker_processes(settings):
        return process_files(items, settings)
    return _process_here(items, settings)


def _process_here(items: Sequence[Input | WorkItem], settings: Settings) -> list[ProcessedFile]:
    """Process work items in this process's worker pool."""
    pool = _local_pool(settings)
    try:
        return pool.submit(items).result()
    except BaseException:
        shutdown()  # workers may still hold chunks of the batch that failed
        raise


def _run_served(address: str, items: Sequence[Input | WorkItem], settings: Settings) -> list[ProcessedFile]:
    key = bytes.fromhex(os.environ.get(SERVED_POOL_VARIABLES[1], ""))
    with Client(address, family="AF_UNIX", authkey=key) as conn:
        conn.send((list(items), settings))
        answer = conn.recv()
    if isinstance(answer, BaseException):
        raise answer
    return answer


class PoolService:
    """Warm workers for the flow runs of `newsdesk serve`: Prefect runs each flow run in a fresh process, which
    would start workers and load the NLP models again every run. The serve process keeps one pool (started at
    once) and answers flow runs' processing requests on a Unix socket (authenticated with a key only its children
    get, in their environment); concurrent runs share the workers."""

    def __init__(self, settings: Settings) -> None:
        self._dir = tempfile.mkdtemp(prefix="newsdesk-pool-")
        self.address = os.path.join(self._dir, "pool.sock")
        self._key = secrets.token_bytes(32)
        self._listener = Listener(self.address, family="AF_UNIX", authkey=self._key)
        _local_pool(settings).start()
        self._thread = threading.Thread(target=self._accept, name="newsdesk-pool-service", daemon=True)
        self._thread.start()

    @property
    def environment(self) -> dict[str, str]:
        """The variables that lead a flow run (a child process) here."""
        return dict(zip(SERVED_POOL_VARIABLES, (self.address, self._key.hex())))

    def _accept(self) -> None:
        while True:
            try:
                conn = self._listener.accept()
            except mp.AuthenticationError:
                continue
            except OSError:  # closed
                return
            threading.Thread(target=self._answer, args=(conn,), name="newsdesk-pool-request", daemon=True).start()

    @staticmethod
    def _answer(conn: Connection) -> None:
        with conn:
            try:
                items, settings = conn.recv()
            except (EOFError, OSError):
                return
            try:
                answer: object = _process_here(items, settings)
            except Exception as exc:  # the flow run raises it (a damaged store, no space left)
                answer = exc
            try:
                conn.send(answer)
            except OSError:  # the flow run is gone
                pass

    def close(self) -> None:
        self._listener.close()
        shutil.rmtree(self._dir, ignore_errors=True)


def shutdown() -> None:
    """Stop the worker processes."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool[1].close()


atexit.register(shutdown)
