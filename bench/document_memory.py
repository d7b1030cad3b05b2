"""Peak memory of one worker on one large document: a 1 MB single line, a 950 KB ordinary article, a 2 KB article.

Each case runs in a fresh process that loads the pipeline (as a worker does), notes its resident memory, processes
the one document with `process_files` (load, clean, enrich) and reports its peak resident memory (VmHWM) and time.
Every case runs twice in the same session: as the code is (long texts analysed in `PIECE_CHARS` pieces) and with
pieces turned off (the whole text in one spaCy call, as before), so the comparison shares the machine's load.

    .venv/bin/python bench/document_memory.py [--no-write] [--cases line,article,small] [--no-whole]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from test_reliability import article_text  # noqa: E402  (the generated articles the tests use)

SENTENCE = "The minister said the talks would continue next week in Geneva, "

CHILD = r"""
import json, sys, time
from pathlib import Path

def status(key):
    return int(next(l for l in open("/proc/self/status") if l.startswith(key)).split()[1]) / 1024

from newsdesk.config import Settings, use_settings
settings = Settings(home=Path(sys.argv[2]), workers=1, max_document_seconds=0)
use_settings(settings)
import newsdesk.clean.document
from newsdesk.enrich import load_nlp
import newsdesk.enrich.nlp as nlp
load_nlp()
if sys.argv[3] == "whole":
    nlp.PIECE_CHARS = 10**9
    load_nlp().max_length = 10**8
from newsdesk.pipeline import process_files
from newsdesk.sources import InputFile, discover
baseline = status("VmRSS")
(file,) = [f for f in discover([sys.argv[1]]) if isinstance(f, InputFile)]
start = time.monotonic()
(done,) = process_files([file], settings)
print(json.dumps({"baseline_mb": baseline, "peak_mb": status("VmHWM"), "seconds": time.monotonic() - start,
                  "outcome": "processed" if done.articles else f"{done.outcomes[0].status}: {done.outcomes[0].reason}",
                  "entities": sum(len(a.entities) for a in done.articles)}))
"""


def write_cases(folder: Path, names: list[str]) -> dict[str, Path]:
    cases: dict[str, Path] = {}
    if "line" in names:
        cases["line"] = folder / "line.txt"
        cases["line"].write_text((SENTENCE * (1_000_000 // len(SENTENCE) + 1))[:1_000_000])
    if "article" in names:
        parts, size, i = [], 0, 0
        while size < 950_000:
            body = article_text(i).split("\n\n", 1)[1]
            parts.append(body)
            size += len(body) + 2
            i += 1
        cases["article"] = folder / "article.txt"
        cases["article"].write_text("A long report on the city councils\n\n" + "\n\n".join(parts))
    if "small" in names:
        cases["small"] = folder / "small.txt"
        cases["small"].write_text(article_text(1))
    return cases


def measure(path: Path, mode: str, home: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", CHILD, str(path), str(home), mode], capture_output=True, text=True,
                          env=env, timeout=3600)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def load_average() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} / {five:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="line,article,small")
    parser.add_argument("--no-whole", action="store_true", help="skip the whole-text comparison")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    names = args.cases.split(",")
    labels = {"line": "1 MB single line (no full stop)", "article": "950 KB ordinary article (paragraphs)",
              "small": "2 KB article"}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cases = write_cases(Path(tmp), names)
        for name, path in cases.items():
            for mode in ["pieces"] + ([] if args.no_whole else ["whole"]):
                before = load_average()
                result = measure(path, mode, Path(tmp) / f"home-{name}-{mode}")
                rows.append((name, mode, result, before))
                print(name, mode, result, "load", before, flush=True)
    lines = ["## Memory of one worker on one large document", "",
             "One worker process (fresh, pipeline loaded), one document through load, clean and enrich "
             "(`bench/document_memory.py`). *pieces*: the code as it is (texts longer than `PIECE_CHARS` = 20,000 "
             "characters analysed in pieces and joined into one Doc); *whole*: the same with pieces off (one spaCy "
             "call over the whole text, as before). Same session, same machine load.", "",
             "| document | analysis | worker before | worker peak | seconds | outcome | load (1 / 5 min) |",
             "|---|---|---:|---:|---:|---|---|"]
    for name, mode, r, load in rows:
        if "error" in r:
            lines.append(f"| {labels[name]} | {mode} | | | | error: {r['error'][:80]} | {load} |")
        else:
            lines.append(f"| {labels[name]} | {mode} | {r['baseline_mb']:,.0f} MB | {r['peak_mb']:,.0f} MB | "
                         f"{r['seconds']:,.1f} | {r['outcome']} ({r['entities']} entities) | {load} |")
    lines += ["", "In ingest runs, a worker past `NEWSDESK_MAX_DOCUMENT_MEMORY_MB` (default 1,500 MB) while it works "
              "is killed and its document fails with that reason; past `NEWSDESK_MAX_DOCUMENT_SECONDS` (120 s) the "
              "same with the time limit. Seconds here are on a shared, loaded machine (see the load column)."]
    from bench.report import publish

    publish("document-memory", "\n".join(lines), "python bench/document_memory.py", write=not args.no_write)


if __name__ == "__main__":
    main()
