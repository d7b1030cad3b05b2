"""Pages per second fetched and ingested from a local news site, against ingesting the same pages from disk.

    python bench/fetch.py [--copies 2] [--workers 1 2] [--no-write]

Serves the 91 extraction-dev pages (`--copies` times, each copy with a marker comment so its bytes, and so
its enrichment, are its own) on 127.0.0.1 behind an RSS feed (tests/support/news_site.py), then measures in
this process, in one run so the rows compare with each other:
  1. fetching alone: every page URL through `Fetcher.fetch_all` (no per-host delay, 8 at a time);
  2. the `ingest` flow over the same pages as .html files on disk (fresh NEWSDESK_HOME each run);
  3. the `ingest` flow over the feed (fetch + clean + enrich + index), with each `--workers` count;
  4. the `ingest` flow over a WARC archive of the same pages;
  5. `newsdesk ingest FEED` again in a fresh process (everything unchanged: one 304, no flow run).
A first flow run on an empty folder pays Prefect's start-up before anything is timed. Writes the
`fetch-ingest` section of BENCHMARKS.md (unless --no-write). Politeness is off for the measurement
(`NEWSDESK_FETCH_HOST_DELAY=0`): with the default 1 s per host, one host yields at most 1 page/s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench.report import write_section  # noqa: E402


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load_avg() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def site_pages(copies: int) -> dict[str, bytes]:
    from support.news_site import extraction_dev_pages

    pages: dict[str, bytes] = {}
    for key, html in extraction_dev_pages().items():
        for n in range(copies):
            pages[f"{key[:60]}{n:04x}"] = html + f"\n<!-- copy {n} -->\n".encode()
    return pages


def settings_for(home: Path, workers: int):  # noqa: ANN201
    from newsdesk.config import Settings

    return Settings(home=home, workers=workers, max_document_seconds=0 if workers == 1 else 120.0,
                    fetch_host_delay=0.0, fetch_host_concurrency=8, fetch_concurrency=8)


def tree_cpu() -> float:
    """CPU seconds of this process and its reaped children (the worker processes)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def timed_ingest(label: str, sources: list[str], workers: int, rows: list[dict]) -> dict:
    """One `ingest` flow run in this process with a fresh home; appends a row."""
    from flows.ingest import run_ingest
    from newsdesk.config import use_settings
    from newsdesk.workers import shutdown

    with tempfile.TemporaryDirectory(prefix="bench-fetch-") as home:
        use_settings(settings_for(Path(home), workers))
        load_before = load_avg()
        cpu = tree_cpu()
        start = time.perf_counter()
        summary, state = run_ingest(sources)
        shutdown()  # worker processes joined: their CPU time is counted
        wall = time.perf_counter() - start
        cpu = tree_cpu() - cpu
        use_settings(None)
    done = summary.indexed + summary.duplicates
    row = {"run": label, "workers": workers, "pages": summary.seen, "ingested": done, "failed": summary.failed,
           "wall": wall, "cpu": cpu, "rate": done / wall, "cpu_ms": 1000 * cpu / max(1, done),
           "load": f"{load_before} → {load_avg()}", "state": state.type.value}
    log(f"{label} ({workers} worker{'s' * (workers > 1)}): {done} pages in {wall:.1f} s = {row['rate']:.2f} pages/s, "
        f"{row['cpu_ms']:.0f} CPU ms/page")
    rows.append(row)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=2)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("NEWSDESK_HOME", tempfile.mkdtemp(prefix="bench-fetch-prefect-"))
    from newsdesk.config import configure_prefect

    configure_prefect()
    from support.news_site import NewsSite

    from newsdesk.sources.fetch import Fetcher, FetchPolicy

    pages = site_pages(args.copies)
    rows: list[dict] = []
    with NewsSite(pages, robots="User-agent: *\nAllow: /\n") as site, \
            tempfile.TemporaryDirectory(prefix="bench-fetch-data-") as data:
        folder = Path(data) / "pages"
        folder.mkdir()
        for key, html in pages.items():
            (folder / f"{key}.html").write_bytes(html)
        warc = Path(data) / "site.warc.gz"
        site.write_warc(warc)
        mb = sum(len(h) for h in pages.values()) / 2**20
        log(f"{len(pages)} pages ({mb:.1f} MB) at {site.base}; load {load_avg()}")

        from flows.ingest import run_ingest  # Prefect's start-up, outside every measurement
        from newsdesk.config import use_settings

        with tempfile.TemporaryDirectory() as home:  # Prefect's start and the NLP models, outside the timings
            use_settings(settings_for(Path(home), 1))
            run_ingest([str(ROOT / "seeds")])
            use_settings(None)

        urls = [site.article_url(key) for key in pages]
        with Fetcher(FetchPolicy.from_settings(settings_for(Path(data), 1))) as fetcher:
            fetcher.fetch(site.url("/robots.txt"), max_bytes=1 << 20)
            start = time.perf_counter()
            got = fetcher.fetch_all([lambda u=u: fetcher.fetch(u, max_bytes=20_000_000) for u in urls])
            fetch_wall = time.perf_counter() - start
        assert all(r.status == 200 for r in got)
        log(f"fetch only: {len(urls)} pages in {fetch_wall:.2f} s = {len(urls) / fetch_wall:.0f} pages/s")

        timed_ingest("files on disk", [str(folder)], 1, rows)
        for workers in args.workers:
            timed_ingest("RSS feed (fetch + ingest)", [site.url("/feed.xml")], workers, rows)
        timed_ingest("WARC archive", [str(warc)], 1, rows)

        with tempfile.TemporaryDirectory(prefix="bench-fetch-") as home:
            env = {**os.environ, "NEWSDESK_HOME": home, "NEWSDESK_WORKERS": "1", "NEWSDESK_MAX_DOCUMENT_SECONDS": "0",
                   "NEWSDESK_FETCH_HOST_DELAY": "0", "NEWSDESK_FETCH_HOST_CONCURRENCY": "8"}
            newsdesk = str(Path(sys.executable).with_name("newsdesk"))
            first = subprocess.run([newsdesk, "ingest", site.url("/feed.xml"), "--json"], env=env,
                                   capture_output=True, text=True)
            site.clear_log()
            start = time.perf_counter()
            again = subprocess.run([newsdesk, "ingest", site.url("/feed.xml"), "--json"], env=env,
                                   capture_output=True, text=True)
            unchanged_wall = time.perf_counter() - start
        summary = json.loads(again.stdout)
        assert first.returncode == 0 and again.returncode == 0 and summary["unchanged"] == len(pages)
        requests = list(site.requests)
        log(f"unchanged feed: {unchanged_wall:.2f} s, requests {requests}")

    files = rows[0]
    table = ["| run | workers | pages | ingested | failed | wall s | pages/s (wall) | CPU s (process tree) | CPU ms / page "
             "| CPU vs files on disk | load before → after |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    table += [f"| {r['run']} | {r['workers']} | {r['pages']} | {r['ingested']} | {r['failed']} | {r['wall']:.1f} | "
              f"{r['rate']:.2f} | {r['cpu']:.1f} | {r['cpu_ms']:.0f} | {r['cpu_ms'] / files['cpu_ms']:.2f}x | "
              f"{r['load']} |" for r in rows]
    markdown = "\n".join([
        "## Fetch and ingest from a local news site",
        "",
        f"The 91 extraction-dev pages x {args.copies} copies ({len(pages)} pages, {mb:.1f} MB; each copy's bytes "
        "differ by a comment, so each is cleaned and enriched on its own and counted as a near-duplicate of the "
        "first) served on 127.0.0.1 behind an RSS feed, in one run of `bench/fetch.py`: the rows compare with "
        "each other, not with other sections. Each ingest is the `ingest` flow in this process with a fresh "
        "NEWSDESK_HOME, after a warm-up run (the seeds) that pays Prefect's start-up and loads the NLP models; "
        "with 2 workers, starting the worker processes (each loads spaCy) is inside the run. ingested = indexed + "
        "near-duplicates. On a machine shared with other work, wall time follows the load; CPU per page (this "
        "process and its workers) is the steadier comparison. "
        "Per-host politeness is off (`fetch_host_delay=0`, 8 requests at a time); with the default 1 s delay a "
        "single host yields at most 1 page/s, and the fetching then bounds the rate.",
        "",
        f"- fetching alone (`Fetcher.fetch_all`, robots.txt checked per request): {len(urls)} pages in "
        f"{fetch_wall:.2f} s = {len(urls) / fetch_wall:.0f} pages/s",
        "",
        *table,
        "",
        f"- the same feed again, `newsdesk ingest FEED` in a fresh process (nothing changed: no flow run): "
        f"{unchanged_wall:.2f} s wall; requests to the site: {', '.join(f'{p} {s}' for p, s in requests)}",
        f"- machine load (1/5/15 min) at the end: {load_avg()} on {os.cpu_count()} cores, shared with other "
        "work: treat absolute figures as noisy.",
    ])
    print(markdown)
    if not args.no_write:
        write_section("fetch-ingest", markdown, command=f"python bench/fetch.py --copies {args.copies} --workers "
                      + " ".join(map(str, args.workers)))


if __name__ == "__main__":
    main()
