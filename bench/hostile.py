"""A hostile pass over newsdesk, as an attacker and an unlucky operator would: hostile inputs (the bad-input corpus,
odd file names, huge lines, a large JSONL with broken lines), failed re-processing, kill -9 in the middle of
ingests, every kind of damaged store, a full disk, an unavailable backend, and hostile API requests.

Counts what the issue asks for: inputs tried, documents lost (documents indexed once that a later step lost),
tracebacks (outside real bugs), API 500s, and the peak memory of a worker on the 1 MB single line (sampled with
psutil while the real `newsdesk ingest` runs). Everything is real: `newsdesk` subprocesses (with their own temporary
Prefect server), real files, the embedded index, a tmpfs for the full disk (root only; skipped otherwise).

    .venv/bin/python bench/hostile.py [--no-write] [--articles 200] [--kills 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from test_bad_input import make_corpus  # noqa: E402  (the same generated corpus the tests use)
from test_reliability import article_text, write_articles  # noqa: E402
from test_stores import DAMAGES  # noqa: E402

NEWSDESK = [sys.executable, "-m", "newsdesk.cli"]
SENTENCE = "The minister said the talks would continue next week in Geneva, "


class Tally:
    def __init__(self) -> None:
        self.inputs = 0
        self.commands = 0
        self.tracebacks: list[str] = []
        self.lost: set[str] = set()
        self.api_requests = 0
        self.api_500 = 0
        self.peak_worker_mb = 0.0
        self.peak_line_mb = 0.0
        self.notes: list[str] = []


def env_for(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSDESK_", "PREFECT_API_URL"))}
    env.update(NEWSDESK_HOME=str(home), PYTHONPATH=str(ROOT), NEWSDESK_WORKERS="2", PYTHONUNBUFFERED="1",
               PREFECT_HOME=str(home / "prefect"), **extra)
    return env


def run(tally: Tally, args: list[str], env: dict[str, str], what: str, timeout: float = 1800,
        sample: bool = False) -> subprocess.CompletedProcess[str]:
    """A `newsdesk` command; its tracebacks counted; with `sample`, the peak RSS of its worker processes."""
    tally.commands += 1
    proc = subprocess.Popen([*NEWSDESK, *args], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    peak = 0.0
    if sample:
        parent = psutil.Process(proc.pid)
        while proc.poll() is None:
            try:
                for child in parent.children(recursive=True):
                    if "spawn_main" in " ".join(child.cmdline()):
                        peak = max(peak, child.memory_info().rss / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.1)
    out, err = proc.communicate(timeout=timeout)
    if "Traceback" in err or "Traceback" in out:
        lines = (err + out).splitlines()
        start = next(i for i, line in enumerate(lines) if "Traceback" in line)
        raised = next((line for line in lines[start + 1:] if line and not line.startswith((" ", "Traceback"))), "?")
        tally.tracebacks.append(f"{what}: {lines[start - 1][:160] if start else ''} … {raised[:200]}")
    tally.peak_worker_mb = max(tally.peak_worker_mb, peak)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def indexed_ids(home: Path) -> set[str]:
    from newsdesk.config import Settings
    from newsdesk.index import open_backend

    backend = open_backend(Settings(home=home))
    try:
        return set(backend.ids())
    finally:
        backend.close()


def hostile_inputs(folder: Path, articles: int) -> None:
    """The bad-input corpus, odd names, a large JSONL with broken and huge lines, the 1 MB single line, and
    ordinary articles."""
    make_corpus(folder / "bad")
    odd = folder / "odd"
    odd.mkdir()
    names = ["x[link=http:evil.example]y.txt", "t\x1b]0;owned\x07.txt", "new\nline.txt", " spaced .txt",
             "ünïcödé.txt", "a" * 240 + ".txt", "--help.txt", "$(touch pwned).txt", "back\\slash.txt"]
    for i, name in enumerate(names):
        (odd / name).write_text(article_text(5000 + i))
    with open(os.fsencode(odd) + b"/caf\xe9.txt", "w") as fh:
        fh.write(article_text(5100))
    rnd = random.Random(16)
    with open(folder / "feed.jsonl", "w") as fh:
        for i in range(2000):
            roll = rnd.random()
            if roll < 0.02:
                fh.write('{"id": "broken", "text": \n')
            elif roll < 0.03:
                fh.write(json.dumps({"id": f"huge-{i}", "text": "word " * 60_000}) + "\n")
            elif roll < 0.04:
                fh.write("\n")
            else:
                fh.write(json.dumps({"id": f"feed-{i}", "title": f"Item {i}", "text": article_text(10_000 + i)}) + "\n")
    write_articles(folder / "articles", articles)


def main() -> None:  # noqa: PLR0915 - one pass, step by step
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    tally = Tally()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="newsdesk-hostile-") as tmp:
        work = Path(tmp)
        inputs = work / "in"
        hostile_inputs(inputs, args.articles)
        home = work / "home"
        env = env_for(home)

        # 1. the 1 MB single line alone (a worker's peak sampled), then the hostile inputs
        line = work / "line" / "line.txt"
        line.parent.mkdir()
        line.write_text((SENTENCE * (1_000_000 // len(SENTENCE) + 1))[:1_000_000])
        alone = run(tally, ["ingest", str(line), "--json"], env, "ingest the 1 MB line", sample=True)
        tally.peak_line_mb, tally.peak_worker_mb = tally.peak_worker_mb, 0.0
        outcome = json.loads(alone.stdout)
        tally.inputs += outcome["seen"]
        tally.notes.append("1 MB single line: " + (f"failed: {outcome['failed_documents'][0]['reason']}"
                                                   if outcome["failed"] else "indexed"))
        first = run(tally, ["ingest", str(inputs), "--json"], env, "ingest hostile inputs", sample=True)
        summary = json.loads(first.stdout)
        tally.inputs += summary["seen"]
        tally.notes.append(f"hostile inputs: seen {summary['seen']}, indexed {summary['indexed']}, duplicates "
                           f"{summary['duplicates']}, skipped {summary['skipped']}, failed {summary['failed']} "
                           f"(exit {first.returncode})")
        memory = [d for d in summary["failed_documents"] if "memory limit" in d["reason"]]
        tally.notes.append(f"worker memory limit reached by {len(memory)} documents: "
                           + ", ".join(os.path.basename(d["path"]) for d in memory[:5]))
        good = indexed_ids(home)

        # 2. a failed re-processing: good inputs rewritten broken, and a corrupted enrichment cache with --full
        broken = sorted((inputs / "articles").glob("*.txt"))[:20]
        saved = {p: p.read_bytes() for p in broken}
        for p in broken:
            p.write_bytes(b"\x00\x01\x02 not text any more")
        run(tally, ["ingest", str(inputs), "--json"], env, "ingest with broken inputs")
        tally.lost |= good - indexed_ids(home)
        (home / "cache" / "enrich.sqlite").write_bytes(os.urandom(8192))
        run(tally, ["ingest", str(inputs / "articles"), "--full", "--json"], env, "ingest --full, damaged cache")
        tally.lost |= good - indexed_ids(home)
        for p, data in saved.items():
            p.write_bytes(data)
        run(tally, ["repair"], env, "repair the cache")
        tally.inputs += len(broken)

        # 3. kill -9 in the middle of ingests of new inputs, then a rerun
        for k in range(args.kills):
            more = inputs / f"more{k}"
            write_articles(more, 60, start=20_000 + 100 * k)
            proc = subprocess.Popen([*NEWSDESK, "ingest", str(more)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
            time.sleep(12 + 6 * k)
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            rerun = run(tally, ["ingest", str(more), "--json"], env, f"rerun after kill -9 #{k + 1}")
            tally.inputs += json.loads(rerun.stdout)["seen"]
        good = indexed_ids(home)

        # 4. every kind of damaged store: what users run, then repair
        for damage in DAMAGES:
            copy = work / "damaged"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(home, copy, ignore=shutil.ignore_patterns("prefect"))
            try:
                damage.damage(copy)
            except (IndexError, OSError) as exc:
                tally.notes.append(f"could not damage: {damage.name}: {exc}")
                continue
            denv = env_for(copy)
            for command in (["search", "council"], ["doctor"], ["repair", "--check"], ["failed", "list"],
                            ["stories", "list"], ["ingest", str(inputs / "articles")]):
                run(tally, command, denv, f"{damage.name}: {' '.join(command[:2])}")
            run(tally, ["repair"], denv, f"{damage.name}: repair")
            tally.lost |= {f"{damage.name}: {i}" for i in good - indexed_ids(copy)}
            tally.inputs += 1

        # 5. a full disk (a real tmpfs), then free space and rerun
        disk = work / "disk"
        disk.mkdir()
        if os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(disk)],
                                                capture_output=True).returncode == 0:
            try:
                fhome = disk / "home"
                fenv = env_for(fhome, NEWSDESK_MIN_FREE_MB="2")
                run(tally, ["ingest", str(inputs / "articles" / "article_0000.txt")], fenv, "disk: first")
                filler = disk / "filler"
                with open(filler, "wb") as fh:
                    os.posix_fallocate(fh.fileno(), 0, shutil.disk_usage(disk).free - 3 * 2**20)
                full = run(tally, ["ingest", str(inputs / "articles")], fenv, "disk full: ingest")
                tally.notes.append(f"disk full: exit {full.returncode}, {len(full.stderr.splitlines())} lines of "
                                   f"stderr, last: {full.stderr.strip().splitlines()[-1][:120]}")
                run(tally, ["failed", "list"], fenv, "disk full: failed list")
                before = indexed_ids(fhome)
                filler.unlink()
                run(tally, ["ingest", str(inputs / "articles")], fenv, "disk freed: rerun")
                tally.lost |= before - indexed_ids(fhome)
                tally.inputs += args.articles
            finally:
                subprocess.run(["umount", "-l", str(disk)], check=False)
        else:
            tally.notes.append("full disk skipped: mounting a tmpfs needs root")

        # 6. an unavailable backend
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        eenv = env_for(work / "es-home", NEWSDESK_BACKEND="elasticsearch", NEWSDESK_ES_URL=f"http://127.0.0.1:{port}")
        for command in (["search", "council"], ["ingest", str(inputs / "bad")], ["failed", "list"],
                        ["stories", "list"]):
            done = run(tally, command, eenv, f"backend unavailable: {command[0]}")
            if command[0] in ("search", "ingest"):
                tally.notes.append(f"backend unavailable, {command[0]}: exit {done.returncode}")

        # 7. hostile API requests
        tally.api_requests, tally.api_500 = hostile_api(home)
    minutes = (time.monotonic() - started) / 60
    report(tally, minutes, args)


def hostile_api(home: Path) -> tuple[int, int]:
    from fastapi.testclient import TestClient

    from newsdesk.api.app import create_app
    from newsdesk.config import Settings

    letters = "abcdefghijklmnopqrstuvwxyz"
    paths = ["/search?q=" + q for q in ('"unbalanced', "(a AND", "a AND", "NOT x", "x" * 20_000,
                                         " OR ".join(f"{letters[i % 26]}*" for i in range(1008)),
                                         "title:(a OR b)^3", "nosuchfield:x", "%00%01%1b[31m", "a*", "*", "-a -b")]
    paths += ["/search?page=100000000", "/search?size=-1", "/search?from=2021-13-45", "/search?sort=x",
              "/search?facets=nonsense", "/search?interval=century", "/articles/" + "x" * 300, "/articles/%00",
              "/facets/nonsense", "/facets/person?size=100000", "/stories?offset=9223372036854775808",
              "/stories?min_articles=1e20", "/stories/" + "s" * 300, "/docs", "/redoc", "/openapi.json", "/health",
              "/static/../../etc/passwd", "/search?publisher=%ff%fe", "/search?q=council&collapse=maybe"]
    requests = statuses = 0
    errors = 0
    with TestClient(create_app(settings=Settings(home=home))) as client:
        for _ in range(20):
            for path in paths:
                requests += 1
                status = client.get(path).status_code
                statuses += 1
                errors += status >= 500 and status != 503
    return requests, errors


def report(tally: Tally, minutes: float, args: argparse.Namespace) -> None:
    lines = ["## Hostile pass (issue 16)", "",
             f"`bench/hostile.py` ({minutes:.0f} min): hostile inputs (the bad-input corpus, odd file names, a "
             "2,000-line JSONL with broken, blank and oversized lines, the 1 MB single line, "
             f"{args.articles} articles), a failed re-processing (inputs rewritten broken; a damaged enrichment "
             f"cache with `--full`), {args.kills} `kill -9` in the middle of ingests, {len(DAMAGES)} kinds of "
             "damaged store (each: search, doctor, repair --check, failed list, stories list, ingest, then "
             "repair), a full disk (tmpfs), an unavailable Elasticsearch, and hostile API requests.", "",
             "| figure | value |", "|---|---:|",
             f"| inputs tried (documents seen, damaged stores) | {tally.inputs:,} |",
             f"| `newsdesk` commands run | {tally.commands:,} |",
             f"| documents lost | {len(tally.lost)} |",
             f"| tracebacks | {len(tally.tracebacks)} |",
             f"| API requests / 500s | {tally.api_requests:,} / {tally.api_500} |",
             f"| peak worker memory on the 1 MB single line (its own ingest, psutil) | {tally.peak_line_mb:,.0f} MB |",
             f"| peak worker memory over the hostile inputs (2 workers, psutil) | {tally.peak_worker_mb:,.0f} MB |",
             ""]
    lines += [f"- {note}" for note in tally.notes]
    lines += [f"- traceback: {t}" for t in tally.tracebacks[:20]]
    lines += [f"- lost: {t}" for t in sorted(tally.lost)[:20]]
    from bench.report import publish

    publish("hostile", "\n".join(lines), "python bench/hostile.py", write=not args.no_write)


if __name__ == "__main__":
    main()
