"""NER throughput: the enrichment pipeline we ship vs spaCy's NER-only pipeline, on the same texts.

Texts: the extraction dev ground-truth bodies plus the cleaned seeds. Reports words/second (best of
`--repeats` runs, the machine is shared), the cost of the parser we add, `n_process=2` at the pipeline's
batch size, full `enrich_articles` on a cold cache, and a warm-cache rerun.

Run: .venv/bin/python bench/enrich_ner.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import spacy  # noqa: E402

from bench.report import write_section  # noqa: E402
from newsdesk.clean import clean_document  # noqa: E402
from newsdesk.config import Settings, get_settings, use_settings  # noqa: E402
from newsdesk.enrich import enrich_articles, load_nlp  # noqa: E402
from newsdesk.model import Article, RawDocument  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "data" / "extraction-dev"


def corpus() -> list[tuple[RawDocument, Article]]:
    """Dev ground-truth bodies as plain-text articles, plus the seeds through the real cleaner."""
    items = []
    for key, page in json.loads((DEV / "ground-truth.json").read_text()).items():
        body = page["articleBody"]
        items.append((RawDocument(path=key, content=body, content_type="text"),
                      Article(id=key, body=body, url=page.get("url"))))
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        raw = RawDocument(path=str(path), content=path.read_text(), content_type="text")
        items.append((raw, clean_document(raw)))
    return items


def best_seconds(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    items = corpus()
    texts = [article.body for _, article in items]
    words = sum(len(t.split()) for t in texts)
    model = get_settings().spacy_model
    ner_only = spacy.load(model, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    shipped = load_nlp()
    list(ner_only.pipe(texts[:4]))
    list(shipped.pipe(texts[:4]))

    rows: list[tuple[str, str, float]] = []
    ner_s = best_seconds(lambda: list(ner_only.pipe(texts, batch_size=32)), args.repeats)
    rows.append(("spaCy NER only (" + "+".join(ner_only.pipe_names) + ")", "nlp.pipe, 1 process", ner_s))
    ship_s = best_seconds(lambda: list(shipped.pipe(texts, batch_size=32)), args.repeats)
    rows.append(("shipped (" + "+".join(shipped.pipe_names) + ")", "nlp.pipe, 1 process", ship_s))
    batch = texts[:64]
    batch_words = sum(len(t.split()) for t in batch)
    one = best_seconds(lambda: list(shipped.pipe(batch, batch_size=32)), args.repeats)
    two = best_seconds(lambda: list(shipped.pipe(batch, batch_size=32, n_process=2)), args.repeats)
    with tempfile.TemporaryDirectory() as home:
        use_settings(Settings(home=Path(home)))
        cold = best_seconds(lambda: enrich_articles(items), 1)
        warm = best_seconds(lambda: enrich_articles(items), args.repeats)
        use_settings(None)
    rows.append(("enrich_articles, cold cache", "everything, 1 process", cold))
    rows.append(("enrich_articles, warm cache", "cache hits only", warm))

    load = os.getloadavg()[0]
    table = "\n".join(f"| {name} | {how} | {seconds:.2f} | {words / seconds:,.0f} |" for name, how, seconds in rows)
    markdown = (
        f"## Enrichment NER throughput\n\n{len(texts)} texts, {words:,} words (extraction dev ground-truth "
        f"bodies + cleaned seeds); best of {args.repeats} runs; 1-minute load average at the end {load:.1f} "
        f"on a machine shared with other engineers, so absolute numbers are noisy.\n\n"
        f"| pipeline | how | seconds | words/s |\n|---|---|---|---|\n{table}\n\n"
        f"Parser cost: the shipped pipeline runs at {ner_s / ship_s:.0%} of NER-only speed "
        f"(it adds the dependency parser for sentence boundaries, speakers and claims; tagger, "
        f"attribute_ruler and lemmatizer are disabled).\n\n"
        f"`n_process` at the pipeline's batch size (64 texts, {batch_words:,} words): 1 process "
        f"{one:.2f} s ({batch_words / one:,.0f} words/s), 2 processes {two:.2f} s "
        f"({batch_words / two:,.0f} words/s) including worker start-up.")
    print(markdown)
    write_section("enrich-ner", markdown, command=".venv/bin/python bench/enrich_ner.py")


if __name__ == "__main__":
    main()
