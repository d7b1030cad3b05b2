"""Peak memory while ingesting a folder of 10,000 generated articles (inputs are streamed, not loaded at once).

Runs `newsdesk ingest` as a subprocess with a fresh `NEWSDESK_HOME` and samples the resident set size of it and
all its children (worker processes, Prefect's temporary server) with psutil. Also records the RSS after the first
batches, so growth across the run is visible: bounded memory means the peak does not scale with the folder.

    .venv/bin/python bench/memory_10k.py [--files 10000] [--batch-size 64] [--workers 1] [--no-write]
    .venv/bin/python bench/memory_10k.py --folder bench/corpora/1000 --workers 2   # a corpus, per-process peaks
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

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from test_reliability import write_articles  # noqa: E402  (the same generated articles the tests use)


def tree_rss(proc: psutil.Process, peaks: dict[str, int]) -> tuple[int, int]:
    """(RSS of the ingest process itself, RSS of it plus all its descendants), in bytes; updates `peaks` (the
    largest RSS seen per process: "ingest", "worker <pid>", "prefect server", or the command)."""
    try:
        own = proc.memory_info().rss
        total = own
        peaks["ingest"] = max(peaks.get("ingest", 0), own)
        for child in proc.children(recursive=True):
            try:
                rss, command = child.memory_info().rss, " ".join(child.cmdline())
            except psutil.Error:
                continue
            total += rss
            kind = (f"worker {child.pid}" if "spawn_main" in command else
                    "prefect server" if "prefect.server" in command else command[:40])
            peaks[kind] = max(peaks.get(kind, 0), rss)
        return own, total
    except psutil.Error:
        return 0, 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--folder", type=Path, default=None,
                        help="ingest this folder (e.g. a bench/corpora one) instead of generated articles; "
                             "prints the results only")
    parser.add_argument("--no-write", action="store_true", help="print the results, do not touch BENCHMARKS.md")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="newsdesk-mem-"))
    folder = args.folder.resolve() if args.folder else tmp / "in"
    if args.folder is None:
        for start in range(0, args.files, 1000):  # 10 folders of 1,000: a realistic tree
            write_articles(folder / f"part{start // 1000:02d}", min(1000, args.files - start), start=start)
    inputs = [p for p in folder.rglob("*") if p.is_file()]
    input_bytes = sum(p.stat().st_size for p in inputs)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "PREFECT_"))}
    env.update(NEWSDESK_HOME=str(tmp / "home"), NEWSDESK_BATCH_SIZE=str(args.batch_size),
               NEWSDESK_WORKERS=str(args.workers), PYTHONPATH=str(ROOT))
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "ingest", str(folder), "--json"], env=env,
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # noqa: S603
    ps = psutil.Process(proc.pid)
    peak_own = peak_total = 0
    peaks: dict[str, int] = {}
    samples: list[tuple[float, int]] = []
    while proc.poll() is None:
        own, total = tree_rss(ps, peaks)
        peak_own, peak_total = max(peak_own, own), max(peak_total, total)
        samples.append((time.monotonic() - started, total))
        time.sleep(0.5)
    summary = json.loads(proc.stdout.read() or "{}")
    elapsed = time.monotonic() - started
    # RSS once the run was warm (after its first 10% of the time) vs. at the end: growth with the folder
    warm = [t for s, t in samples if s > elapsed * 0.1] or [0]
    early = max(warm[: max(1, len(warm) // 5)])
    late = max(warm[-max(1, len(warm) // 5):])
    result = {
        "files": len(inputs), "input_mb": round(input_bytes / 1e6, 1), "batch_size": args.batch_size,
        "workers": args.workers, **{k: summary.get(k) for k in ("seen", "indexed", "duplicates", "skipped", "failed")},
        "seconds": round(elapsed), "peak_rss_ingest_mb": round(peak_own / 2**20),
        "peak_rss_tree_mb": round(peak_total / 2**20), "rss_tree_early_mb": round(early / 2**20),
        "rss_tree_late_mb": round(late / 2**20), "load": round(os.getloadavg()[0], 1),
        "peak_rss_by_process_mb": {k: round(v / 2**20) for k, v in sorted(peaks.items(), key=lambda kv: -kv[1])},
    }
    print(json.dumps(result, indent=2))
    if proc.returncode not in (0, 1):
        sys.exit(f"ingest exited with {proc.returncode}")
    if not args.no_write and args.folder is None:
        write_report(result)


def write_report(result: dict) -> None:
    """The `memory-10k` section of BENCHMARKS.md from one run's results."""
    from bench.report import write_section

    early, late = result["rss_tree_early_mb"], result["rss_tree_late_mb"]
    verdict = (f"Bounded: the process tree's RSS late in the run ({late} MiB) is within 25% of its RSS early in the "
               f"run ({early} MiB); files are discovered lazily and processed batch by batch."
               if late <= early * 1.25 else
               f"Not flat: the process tree's RSS grew from {early} MiB early in the run to {late} MiB late in it.")
    write_section("memory-10k", "\n".join([
        "## Memory while ingesting 10,000 files",
        "",
        f"`newsdesk ingest` of a folder of {result['files']:,} generated articles ({result['input_mb']} MB, "
        f"10 sub-folders), batch size {result['batch_size']}, {result['workers']} worker process; RSS sampled "
        "every 0.5 s with psutil over the ingest process and all its children (document worker, Prefect's "
        "temporary server).",
        "",
        "| files | indexed | near/exact duplicates (stored) | failed | time | peak RSS, ingest process | "
        "peak RSS, process tree | tree RSS early in the run | tree RSS late in the run |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {result['files']:,} | {result['indexed']} | {result['duplicates']} | {result['failed']} | "
        f"{result['seconds']} s | {result['peak_rss_ingest_mb']} MiB | {result['peak_rss_tree_mb']} MiB | "
        f"{early} MiB | {late} MiB |",
        "",
        verdict,
        f"The time is wall time on a shared machine (load average {result.get('load', '?')} during the run), not "
        "a throughput measurement.",
    ]), command=f"python bench/memory_10k.py --files {result['files']} --batch-size {result['batch_size']} "
                f"--workers {result['workers']}")

if __name__ == "__main__":
    main()
