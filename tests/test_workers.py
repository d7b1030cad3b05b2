"""The worker pool across batches and runs: batches queued together share the workers and come back whole and in
order; the ingest flow keeps batches queued ahead while it indexes; flow runs use the warm workers of the pool
service `newsdesk serve` keeps. Real worker processes, the real Prefect harness, real files and index."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from test_reliability import write_articles, write_slow_line


def _worker_pids() -> set[int]:
    return {p.pid for p in multiprocessing.active_children() if p.name == "newsdesk-worker"}


def test_batches_queued_together_come_back_whole_and_in_order_with_a_failure_in_the_first(tmp_path: Path) -> None:
    """Two batches submitted at once to two workers with a 6 s per-document limit: the first holds a document that
    overruns it (a 1 MB single line). Its worker is killed and replaced while the other goes on; each batch's
    future has every document, in input order, and only the slow one failed."""
    from newsdesk.config import Settings, use_settings
    from newsdesk.pipeline import plan_ingest
    from newsdesk.state import IngestState
    from newsdesk.workers import WorkerPool

    settings = Settings(home=tmp_path / "home", workers=2, max_document_seconds=6)
    first, second = tmp_path / "first", tmp_path / "second"
    write_articles(first, 3, start=0)
    slow = write_slow_line(first)
    write_articles(second, 4, start=10)
    use_settings(settings)
    state, pool = IngestState(settings.state_path), WorkerPool(settings, 2)
    try:
        batches = [plan_ingest([str(folder)], state).todo for folder in (first, second)]
        futures = [pool.submit(batch) for batch in batches]  # both queued before either is done
        results = [future.result() for future in futures]
        for batch, processed in zip(batches, results):
            assert [p.file.path for p in processed] == [f.path for f in batch]
        failed = [p for p in results[0] if p.outcomes]
        assert [p.file.path.endswith(slow.name) for p in failed] == [True]
        assert "6 s per-document time limit" in failed[0].outcomes[0].reason
        assert all(len(p.articles) == 1 for p in results[0] if p not in failed)
        assert all(len(p.articles) == 1 and not p.outcomes for p in results[1])
    finally:
        pool.close()
        state.close()
        use_settings(None)


@pytest.mark.usefixtures("prefect_harness")
def test_flow_with_many_small_batches_queued_ahead_indexes_and_records_everything(tmp_path: Path) -> None:
    """Batches of 2 with two workers: up to three batches are in flight while the flow indexes; every document is
    indexed once, every input recorded, and the next run finds all of them unchanged."""
    from flows.ingest import run_ingest
    from newsdesk.config import Settings, use_settings
    from newsdesk.index import open_backend
    from newsdesk.state import IngestState
    from newsdesk.workers import shutdown

    folder = tmp_path / "in"
    write_articles(folder, 9)
    settings = Settings(home=tmp_path / "home", workers=2, batch_size=2, max_document_seconds=0)
    use_settings(settings)
    try:
        summary, state = run_ingest([str(folder)])
        assert state.is_completed(), state.message
        assert (summary.seen, summary.indexed, summary.failed) == (9, 9, 0) and summary.balanced
        backend, ingest_state = open_backend(settings), IngestState(settings.state_path)
        try:
            assert backend.count() == 9 and len(ingest_state.files()) == 9
        finally:
            backend.close()
            ingest_state.close()
        again, _ = run_ingest([str(folder)])
        assert (again.seen, again.unchanged, again.indexed) == (9, 9, 0)
    finally:
        shutdown()
        use_settings(None)


@pytest.mark.usefixtures("prefect_harness")
def test_flow_runs_use_the_warm_workers_of_the_pool_service(settings, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """What `newsdesk serve` does: one pool service, its workers started (and their models loaded) once; two
    ingest runs that find new articles process them on those same workers, and start none of their own. When
    the service is gone, a run processes its documents itself."""
    from flows.ingest import run_ingest
    from newsdesk.workers import PoolService, shutdown

    folder = tmp_path / "watched"
    write_articles(folder, 3)
    service = PoolService(settings)
    try:
        for name, value in service.environment.items():
            monkeypatch.setenv(name, value)
        warm = _worker_pids()
        assert len(warm) == settings.workers  # started at once, before any run
        summary, state = run_ingest([str(folder)])
        assert state.is_completed() and (summary.indexed, summary.failed) == (3, 0)
        write_articles(folder, 2, start=3)  # new articles for the next scheduled run
        summary, state = run_ingest([str(folder)])
        assert state.is_completed() and (summary.indexed, summary.unchanged) == (2, 3)
        assert _worker_pids() == warm  # the same processes did the work of both runs
    finally:
        service.close()
        shutdown()
    write_articles(folder, 1, start=5)
    summary, state = run_ingest([str(folder)])  # the socket is gone: processed here instead
    assert state.is_completed() and (summary.indexed, summary.unchanged) == (1, 5)
