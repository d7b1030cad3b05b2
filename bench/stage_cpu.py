"""CPU seconds of the clean, enrich and index stages on a fixed sample of a corpus, and their output, for comparing
two versions of the code in paired runs on a noisy machine.

    python bench/stage_cpu.py --size 1000 --every 3 [--repeat 2] [--code DIR] [--out articles.jsonl]
                              [--profile DIR] [--folder DIR]

Runs in this process, like `bench/run.py`'s stage rows: every `--every`-th file of the corpus plan is loaded, cleaned
(`clean_document`), enriched (`enrich_articles`, fresh caches and registries each run) and indexed
(`index_processed` in flow-sized batches into a fresh embedded index). Prints one JSON line with each stage's CPU
seconds (every run, and the minimum scaled to 1,000 documents). `--code DIR` imports `newsdesk` from another
checkout (e.g. an export of the base commit), so old and new run under identical conditions; `--out` writes the
enriched Articles (one JSON object a line, `pipeline_version` dropped) for an equality check; `--profile DIR` writes
a cProfile of each stage's last run.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # bench.run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--folder", type=Path, default=None, help="these files instead of corpus `--size`")
    parser.add_argument("--every", type=int, default=3, help="every k-th file of the corpus plan")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--code", type=Path, default=None, help="import newsdesk from this checkout")
    parser.add_argument("--stages", default="clean,enrich,index")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--profile", type=Path, default=None)
    args = parser.parse_args()
    from bench.run import processed_files  # this checkout's (it imports newsdesk only when called)

    sys.path.insert(0, str((args.code or ROOT).resolve()))
    stages = set(args.stages.split(","))

    import newsdesk
    from newsdesk.clean import BoilerplateRules, clean_document
    from newsdesk.config import Settings, get_settings, use_settings
    from newsdesk.enrich import _open_cache, _open_registry, enrich_articles, load_nlp
    from newsdesk.index import open_backend
    from newsdesk.model import IngestSummary, RawDocument
    from newsdesk.pipeline import index_processed, plan_ingest
    from newsdesk.sources import load
    from newsdesk.state import IngestState

    folder = args.folder or ROOT / "bench" / "corpora" / str(args.size)
    tmp = Path(tempfile.mkdtemp(prefix="newsdesk-stage-cpu-"))
    settings = Settings(home=tmp / "home", workers=1, max_document_seconds=0)
    use_settings(settings)
    cpu: dict[str, list[float]] = {}

    def run(name: str, work: Callable[[], Any], reset: Callable[[], None] | None = None) -> Any:
        result = None
        for i in range(args.repeat):
            if reset is not None:
                reset()
            profiler = cProfile.Profile() if args.profile and i == args.repeat - 1 else None
            start = time.process_time()
            if profiler:
                profiler.enable()
            result = work()
            if profiler:
                profiler.disable()
            cpu.setdefault(name, []).append(time.process_time() - start)
            if profiler:
                args.profile.mkdir(parents=True, exist_ok=True)
                profiler.dump_stats(str(args.profile / f"{name}.prof"))
        return result

    def reset_home() -> None:
        shutil.rmtree(settings.home, ignore_errors=True)
        _open_cache.cache_clear()
        _open_registry.cache_clear()

    try:
        state = IngestState(settings.state_path)
        files = plan_ingest([str(folder)], state).todo[::args.every]
        state.close()
        loaded = [(f, d) for f in files for d in load(f, settings.max_document_bytes) if isinstance(d, RawDocument)]
        rules = BoilerplateRules.load()
        clean = lambda: [(f, raw, clean_document(raw, rules)) for f, raw in loaded]  # noqa: E731
        cleaned = run("clean", clean) if "clean" in stages else clean()
        cleaned = [(f, raw, a) for f, raw, a in cleaned if a.body.strip()]
        pairs = [(raw, a) for _, raw, a in cleaned]
        load_nlp()
        enrich = lambda: enrich_articles(pairs)  # noqa: E731
        enriched = run("enrich", enrich, reset_home) if "enrich" in stages else (reset_home(), enrich())[1]
        if args.out:
            with args.out.open("w") as out:
                for article in enriched:
                    out.write(article.model_dump_json(exclude={"pipeline_version"}) + "\n")
        processed = processed_files(cleaned, enriched)

        def index_all() -> None:
            backend = open_backend(get_settings())
            state = IngestState(settings.state_path)
            try:
                for lo in range(0, len(processed), settings.batch_size):
                    index_processed(processed[lo:lo + settings.batch_size], backend, state, IngestSummary())
            finally:
                state.close()
                backend.close()

        if "index" in stages:
            run("index", index_all, reset_home)
    finally:
        use_settings(None)
        shutil.rmtree(tmp, ignore_errors=True)
    docs = len(loaded)
    print(json.dumps({"code": str(Path(newsdesk.__file__).parent.parent), "files": len(files), "docs": docs,
                      "cpu": {k: [round(v, 2) for v in runs] for k, runs in cpu.items()},
                      "per_1k": {k: round(min(runs) * 1000 / docs, 1) for k, runs in cpu.items()}}))


if __name__ == "__main__":
    main()
