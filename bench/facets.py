"""Facet counts on the embedded index: what exactness costs, and how often one aggregation alone is wrong.

The embedded backend asks one terms aggregation for the top values (each index segment proposes its own top
list, as Elasticsearch shards do) and recounts the values shown where the aggregation reports a non-zero error
bound. This compares, on the `bench/run.py` search indexes and workloads, that aggregation alone with what
`/search` returns: time per request, and facet lists in which the aggregation alone shows a wrong count
(checked against an exact count query per value).

Run: .venv/bin/python bench/facets.py [--sizes 10000 100000] [--queries 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tantivy  # noqa: E402

from bench import run  # noqa: E402
from bench.report import write_section  # noqa: E402
from newsdesk.config import Settings  # noqa: E402
from newsdesk.index.embedded import FACET_CANDIDATES, EmbeddedBackend, _QueryBuilder  # noqa: E402


def one_aggregation(searcher: tantivy.Searcher, query: tantivy.Query, names: list[str], size: int
                    ) -> dict[str, dict[str, int]]:
    """The terms facets as the first aggregation alone gives them (no recount)."""
    terms = [n for n in names if n != "published"]
    result = searcher.aggregate(query, {n: {"terms": {"field": n, "size": size + FACET_CANDIDATES}} for n in terms})
    return {n: {b["key"]: b["doc_count"] for b in sorted(result[n]["buckets"], key=lambda b: (-b["doc_count"], b["key"]))[:size]}
            for n in terms}


def _as_counts(facets: dict[str, Any]) -> dict[str, dict[str, int]]:
    """{facet: {value: count}} for the terms facets, from either way's result."""
    return {name: buckets if isinstance(buckets, dict) else {b.value: b.count for b in buckets}
            for name, buckets in facets.items() if name != "published"}


def measure(n: int, queries: int, repeat: int) -> list[dict[str, object]]:
    home = run.search_home(n)
    if not (home / "BUILD.json").exists():
        run.build_search_index(n, rebuild=False)
    backend = EmbeddedBackend(Settings(home=home).index_dir)
    searcher = backend._searcher()
    rows = []
    for name, params in run.search_workloads(queries).items():
        if "facets" not in name:
            continue
        jobs = []
        for p in params:
            request = run._request(p)
            text = _QueryBuilder(backend._schema, searcher).build(request.query) if request.query is not None else None
            jobs.append((backend._query(text, request.filters, request.collapse), request))
        ways = {
            "one aggregation": lambda q, r: one_aggregation(searcher, q, list(r.facets), r.facet_size),
            "shipped (recount where inexact)": lambda q, r: backend._facets(searcher, q, r.facets, r.facet_size, r.interval),
        }
        times: dict[str, list[float]] = {w: [] for w in ways}
        for _ in range(repeat):
            for way, fn in ways.items():
                round_ms = []
                for q, r in jobs:
                    t = time.perf_counter()
                    fn(q, r)
                    round_ms.append((time.perf_counter() - t) * 1000)
                times[way].append(round_ms)
        wrong = dict.fromkeys(ways, 0)
        lists = 0
        for q, r in jobs:
            for way, fn in ways.items():
                for field, counts in _as_counts(fn(q, r)).items():
                    lists += way == "one aggregation"
                    wrong[way] += any(backend._count_having(searcher, q, field, v) != c for v, c in counts.items())
        for way, rounds in times.items():
            rows.append({"n": n, "request": name, "way": way,
                         "mean": statistics.median(statistics.mean(t) for t in rounds),
                         "p50": statistics.median(run.pct(t, 50) for t in rounds),
                         "p95": statistics.median(run.pct(t, 95) for t in rounds),
                         "wrong": f"{wrong[way]}/{lists}"})
            run.log(f"  {n} {name} {way}: {rows[-1]}")
    backend.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    load_before = run.load_avg()
    rows = [row for n in args.sizes for row in measure(n, args.queries, args.repeat)]
    lines = [
        "## Facet counts: exactness and its cost (embedded index)",
        "",
        "Facet computation alone (in-process, no hits or highlights), default facets, on the `bench/run.py` search "
        "indexes and workloads; time per request, median of rounds. *Wrong lists*: facet lists (one per terms facet "
        "and request) in which at least one count shown differs from an exact count query for that value. "
        f"Load average before / after: {load_before} / {run.load_avg()} on 2 cores.",
        "",
        "| documents | request | facets computed by | mean ms | p50 ms | p95 ms | wrong lists |",
        "|---:|---|---|---:|---:|---:|---:|",
    ]
    lines += [f"| {r['n']:,} | {r['request']} | {r['way']} | {r['mean']:.1f} | {r['p50']:.1f} | {r['p95']:.1f} | {r['wrong']} |"
              for r in rows]
    report = "\n".join(lines)
    print(report)
    if not args.no_write:
        write_section("facet-exactness", report)


if __name__ == "__main__":
    main()
