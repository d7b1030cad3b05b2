"""Latency of `GET /search` on the embedded index, measured from a client process against `newsdesk api`.

Builds (once, cached under `bench/corpora/`) synthetic indexes of realistic shape (publishers, entities, dates,
languages, ~250-word bodies), serves each with `newsdesk.api.serve_api` in a subprocess and times two request
kinds over keep-alive HTTP: text query + default facets, and filter-only + default facets.
Writes the `search-latency` section of BENCHMARKS.md.

    python bench/search_latency.py --sizes 10000 100000 --requests 300
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from newsdesk.config import Settings  # noqa: E402
from newsdesk.model import Article, Entity, EntityType, content_hash, stable_id  # noqa: E402

CORPORA = ROOT / "bench" / "corpora"
CORPUS_VERSION = "1"
TARGET_P95_MS = 25.0

_SYLLABLES = ["ka", "bul", "tan", "ri", "mo", "sha", "vel", "dor", "pan", "jir", "leo", "nar", "qui", "sen", "tor",
              "amu", "bri", "cal", "dez", "fon", "gus", "hal", "ist", "jun", "kor", "lum", "mar", "nex", "ost", "pra"]


def _vocabulary(rng: random.Random, n: int) -> list[str]:
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4))))
    return sorted(words)


def _names(rng: random.Random, n: int, parts: int) -> list[str]:
    return sorted({" ".join(rng.choice(_SYLLABLES).title() + rng.choice(_SYLLABLES) for _ in range(parts))
                   for _ in range(n)})


class Corpus:
    """Deterministic synthetic articles with a Zipf-like word and entity distribution."""

    def __init__(self, seed: int = 7) -> None:
        rng = random.Random(seed)
        self.words = _vocabulary(rng, 20_000)
        self.publishers = _names(rng, 60, 1)
        self.people = _names(rng, 3_000, 2)
        self.orgs = _names(rng, 800, 2)
        self.places = _names(rng, 400, 1)
        self.word_weights = [1 / (i + 1) for i in range(len(self.words))]

    def zipf(self, rng: random.Random, items: list[str], k: int) -> list[str]:
        weights = self.word_weights[: len(items)]
        return rng.choices(items, weights=weights, k=k)

    def article(self, i: int) -> Article:
        rng = random.Random(i)
        body_words = self.zipf(rng, self.words, rng.randint(150, 350))
        sentences = [" ".join(body_words[j : j + 15]).capitalize() + "." for j in range(0, len(body_words), 15)]
        body = "\n\n".join(" ".join(sentences[j : j + 4]) for j in range(0, len(sentences), 4))
        ents = [Entity(name=n, type=EntityType.PERSON, count=rng.randint(1, 5)) for n in set(self.zipf(rng, self.people, 3))]
        ents += [Entity(name=n, type=EntityType.ORGANIZATION, count=rng.randint(1, 3)) for n in set(self.zipf(rng, self.orgs, 2))]
        ents += [Entity(name=n, type=EntityType.LOCATION, count=rng.randint(1, 4)) for n in set(self.zipf(rng, self.places, 2))]
        return Article(
            id=stable_id("bench", str(i)),
            path=f"bench/{i}.txt",
            title=" ".join(self.zipf(rng, self.words, rng.randint(5, 11))).capitalize(),
            body=body,
            published=date(2020, 1, 1) + timedelta(days=rng.randrange(1_100)),
            publisher=self.zipf(rng, self.publishers, 1)[0],
            language=rng.choices(["en", "de", "fr", "es"], weights=[85, 6, 5, 4])[0],
            entities=ents,
            content_hash=content_hash(body),
        )


def build_index(n: int, corpus: Corpus) -> Path:
    """An embedded index of `n` synthetic articles (cached); returns its NEWSDESK_HOME."""
    from newsdesk.index import open_backend

    home = CORPORA / f"search-latency-v{CORPUS_VERSION}-{n}"
    done = home / "COMPLETE"
    if done.exists():
        return home
    backend = open_backend(Settings(home=home, backend="embedded"))
    try:
        start = time.perf_counter()
        batch = 2_000
        for lo in range(backend.count(), n, batch):
            backend.upsert([corpus.article(i) for i in range(lo, min(lo + batch, n))])
            print(f"  indexed {min(lo + batch, n)}/{n} ({time.perf_counter() - start:.0f} s)", flush=True)
        assert backend.count() == n, backend.count()
    finally:
        backend.close()
    done.write_text(str(n))
    return home


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "NEWSDESK_HOME": str(home), "NEWSDESK_BACKEND": "embedded"}
    proc = subprocess.Popen(
        [sys.executable, "-c", f"from newsdesk.api import serve_api; serve_api('127.0.0.1', {port})"],
        cwd=home, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/health", timeout=5).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def measure(base: str, params: list[dict[str, str]], warmup: int) -> list[float]:
    times: list[float] = []
    with httpx.Client(base_url=base, timeout=30) as http:
        for i, p in enumerate(params[:warmup] + params):
            t0 = time.perf_counter()
            r = http.get("/search", params=p)
            elapsed = (time.perf_counter() - t0) * 1000
            r.raise_for_status()
            if i >= warmup:
                times.append(elapsed)
    return times


def workloads(corpus: Corpus, requests: int) -> dict[str, list[dict[str, str]]]:
    rng = random.Random(1)
    common = corpus.words[:2_000]
    text = []
    for _ in range(requests):
        words = rng.sample(common, rng.choice([1, 1, 2, 2, 3]))
        text.append({"q": " ".join(words) if rng.random() < 0.8 else f'"{words[0]} {rng.choice(common)}"'})
    filters = []
    for _ in range(requests):
        choice = rng.random()
        if choice < 0.4:
            filters.append({"publisher": rng.choice(corpus.publishers[:30])})
        elif choice < 0.8:
            filters.append({"entity": corpus.zipf(rng, corpus.people, 1)[0]})
        else:
            start = date(2020, 1, 1) + timedelta(days=rng.randrange(1_000))
            filters.append({"from": start.isoformat(), "to": (start + timedelta(days=30)).isoformat(), "language": "en"})
    return {"text + facets": text, "filter-only + facets": filters}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--no-write", action="store_true", help="print only, do not update BENCHMARKS.md")
    args = parser.parse_args()

    corpus = Corpus()
    loads = workloads(corpus, args.requests)
    rows = []
    load_before = os.getloadavg()[0]
    for n in args.sizes:
        print(f"index of {n} articles", flush=True)
        home = build_index(n, corpus)
        proc, base = serve(home)
        try:
            for name, params in loads.items():
                times = measure(base, params, args.warmup)
                p50, p95, p99 = (percentile(times, p) for p in (50, 95, 99))
                rows.append((n, name, p50, p95, p99, statistics.fmean(times)))
                print(f"  {name:22s} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  p99 {p99:6.1f} ms", flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=30)

    lines = [
        "## Search API latency (embedded index)",
        "",
        f"`GET /search` from a client process over keep-alive HTTP to `newsdesk api` (uvicorn, one worker), "
        f"{args.requests} requests per row after {args.warmup} warm-up requests; default facets (publisher, person, "
        f"organization, location, monthly histogram), 10 hits with highlights. Synthetic articles of realistic shape "
        f"(~250-word bodies, 60 publishers, 4,200 entities, 3 years). Target: p95 <= {TARGET_P95_MS:.0f} ms at 100k.",
        "",
        "| documents | request | p50 ms | p95 ms | p99 ms | mean ms |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    lines += [f"| {n:,} | {name} | {p50:.1f} | {p95:.1f} | {p99:.1f} | {mean:.1f} |" for n, name, p50, p95, p99, mean in rows]
    lines += ["", f"1-minute load average before / after the run: {load_before:.1f} / {os.getloadavg()[0]:.1f} "
              f"on {os.cpu_count()} cores (other processes share the machine; a load above the core count inflates "
              "every number)."]
    report = "\n".join(lines)
    print(report)
    if not args.no_write:
        write_section("search-latency", report, "python bench/search_latency.py " + " ".join(sys.argv[1:]))


if __name__ == "__main__":
    main()
