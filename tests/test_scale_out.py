"""Scale-out ingest for real: a Prefect server on loopback, a process work pool with two `prefect worker start`
processes (each with its own NEWSDESK_HOME), and the `backfill` flow splitting one corpus over them through the
`ingest/partition` deployment, on a real OpenSearch node. The benchmark of 2 workers against 1 is bench/scale.py."""

from __future__ import annotations

import json
import os
import socket
import sys
import uuid
from pathlib import Path

import pytest

from support.work_pool import WorkPool

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
EXTRACTION = ROOT.parent / "shared" / "data" / "extraction-dev" / "html"


def test_partitions_split_the_inputs_stably_and_completely() -> None:
    from newsdesk.pipeline import parse_partition, partition_of

    identities = [f"/data/{i}.html" for i in range(200)]
    parts = [partition_of(i, 2) for i in identities]
    assert set(parts) == {1, 2} and 60 < parts.count(1) < 140  # both get a share
    assert parts == [partition_of(i, 2) for i in identities]  # the same in every process
    assert parse_partition("2/3") == (2, 3) and parse_partition(None) is None
    with pytest.raises(ValueError):
        parse_partition("3/2")


@pytest.mark.opensearch
def test_a_backfill_split_over_two_process_workers(opensearch_url: str, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    files = [*sorted(SEEDS.glob("*.txt")), *sorted(EXTRACTION.glob("*.html.gz"))[:8]]
    for path in files:
        (corpus / path.name).write_bytes(path.read_bytes())
    prefix = f"pool-{uuid.uuid4().hex[:6]}-"
    with WorkPool(tmp_path, opensearch_url, prefix, workers=2) as pool:
        report = pool.backfill([str(corpus)], partitions=2)
    assert report["failed"] == [] and len(report["runs"]) == 2, report
    assert report["settled"]["articles"] == len(files)
    # each worker ran one partition, in its own home (its replica of the shared store is there)
    for home in pool.homes:
        assert (home / "state" / "opensearch-articles.sqlite").exists(), home
    from newsdesk.config import Settings
    from newsdesk.index.opensearch import OpenSearchBackend

    backend = OpenSearchBackend.from_settings(Settings(opensearch_url=opensearch_url, opensearch_index_prefix=prefix))
    try:
        assert backend.count() == len(files)
    finally:
        backend.close()
