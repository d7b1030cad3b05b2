"""Stories benchmark: near-duplicate detection and story clustering on the labelled set, and cost.

The set (`bench/data/stories-dev.jsonl.gz`, made by `bench/stories_data.py`; labels in
`bench/data/stories-labels.json`) is loaded, cleaned and enriched by the real pipeline, then assigned in a
fixed shuffled order, in ingest-sized batches, into a fresh story store. Scores are over pairs of articles:
- duplicates: a pair is predicted when both have the same canonical copy; gold pairs are an original and its
  syndicated copy (different articles about the same event are *not* duplicates);
- clustering: a pair is predicted when both have the same `story_id`; gold pairs are articles of one
  labelled story (copies included); pairs inside an `ambiguous` group are left out.
Cost: `assign_stories` alone on 10,000 synthetic articles (enriched set articles with edited bodies, new ids
and dates spread over a year), in batches of 64, from an empty store.

    .venv/bin/python bench/stories.py [--no-write] [--sweep]
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from bench.stories_data import LABELS, OUT, light_edit  # noqa: E402

BATCH = 64
ORDER_SEED = 7
COST_ARTICLES = 10_000


@dataclass
class Gold:
    duplicate_group: dict[str, str]
    story: dict[str, str]
    ambiguous: dict[str, str]
    copies: set[str]


@dataclass
class Score:
    precision: float
    recall: float
    tp: int
    fp: int
    fn: int

    @property
    def f1(self) -> float:
        return 0.0 if not self.precision + self.recall else 2 * self.precision * self.recall / (
            self.precision + self.recall)


def load_articles(home: Path) -> tuple[list, Gold]:  # noqa: ANN001
    """The labelled set, enriched by the real enrichment (cached under `home`).

    Bodies are used as stored (ground truth for dev pages, raw text for seeds): this measures stories,
    not the cleaner.
    """
    from newsdesk.config import Settings, use_settings
    from newsdesk.enrich import enrich_articles
    from newsdesk.model import Article, RawDocument, content_hash, stable_id

    use_settings(Settings(home=home, workers=1, max_document_seconds=0))
    records = [json.loads(line) for line in gzip.open(OUT, "rt")]
    pairs = []
    for i, r in enumerate(records):
        fields = {k: r[k] for k in ("title", "url", "publisher", "published") if r.get(k)}
        raw = RawDocument(path=str(OUT), record=str(i), content=r["text"], content_type="text", fields=fields)
        pairs.append((raw, Article(id=stable_id("id", r["id"]), url=r["url"], title=r["title"], body=r["text"],
                                   publisher=r["publisher"], published=r["published"],
                                   content_hash=content_hash(r["text"]))))
    articles = enrich_articles(pairs)
    labels = json.loads(LABELS.read_text())
    story_of_key = {k: name for name, keys in labels["same_story"].items() for k in keys}
    ambiguous_of_key = {k: name for name, keys in labels["ambiguous"].items() for k in keys}
    by_id = {stable_id("id", r["id"]): r for r in records}
    gold = Gold({}, {}, {}, set())
    for article in articles:
        record = by_id[article.id]
        original = record.get("copy_of", record["id"])
        gold.duplicate_group[article.id] = original
        if "copy_of" in record:
            gold.copies.add(article.id)
        gold.story[article.id] = story_of_key.get(record["label_key"], original)
        if record["label_key"] in ambiguous_of_key:
            gold.ambiguous[article.id] = ambiguous_of_key[record["label_key"]]
    order = list(articles)
    random.Random(ORDER_SEED).shuffle(order)
    return order, gold


def _score(tp: int, fp: int, fn: int) -> Score:
    return Score(tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, tp, fp, fn)


def pair_score(ids: Sequence[str], predicted: Callable[[str], str], gold: Callable[[str], str],
               skip: Callable[[str, str], bool] = lambda a, b: False) -> Score:
    tp = fp = fn = 0
    for a, b in itertools.combinations(ids, 2):
        if skip(a, b):
            continue
        p, g = predicted(a) == predicted(b), gold(a) == gold(b)
        tp += p and g
        fp += p and not g
        fn += g and not p
    return _score(tp, fp, fn)


def run(articles: list, params) -> tuple[list, float]:  # noqa: ANN001
    """Assign copies of `articles` into a fresh store; (assigned articles, seconds)."""
    from newsdesk.stories import StoryStore, assign_stories

    fresh = [a.model_copy(deep=True) for a in articles]
    with tempfile.TemporaryDirectory() as tmp, StoryStore(Path(tmp) / "stories.sqlite") as store:
        start = time.perf_counter()
        for i in range(0, len(fresh), BATCH):
            assign_stories(fresh[i:i + BATCH], store, params)
        return fresh, time.perf_counter() - start


def evaluate(assigned: list, gold: Gold) -> tuple[Score, Score, Score]:  # noqa: ANN001
    """Duplicates, clustering, and clustering of different articles only (original-copy pairs left out)."""
    ids = [a.id for a in assigned]
    canonical = {a.id: a.duplicate_of or a.id for a in assigned}
    story = {a.id: a.story_id for a in assigned}
    dup = pair_score(ids, canonical.__getitem__, gold.duplicate_group.__getitem__)
    ambiguous = gold.ambiguous

    def skip(a: str, b: str) -> bool:
        return a in ambiguous and ambiguous.get(b) == ambiguous[a]

    def skip_copies(a: str, b: str) -> bool:
        return skip(a, b) or gold.duplicate_group[a] == gold.duplicate_group[b]

    return (dup, pair_score(ids, story.__getitem__, gold.story.__getitem__, skip),
            pair_score(ids, story.__getitem__, gold.story.__getitem__, skip_copies))


def jaccard_sweep(articles: list, gold: Gold) -> tuple[list[tuple[float, Score]], float, float]:  # noqa: ANN001
    """Duplicate P/R by estimated Jaccard threshold over all pairs (no LSH: the ceiling LSH approaches), and
    the margin: lowest Jaccard of a copy pair, highest of any other pair."""
    from newsdesk.stories.text import minhash, words

    sketches = {a.id: minhash(words(a.body)) for a in articles}
    ids = list(sketches)
    jac = {(a, b): sketches[a].jaccard(sketches[b]) for a, b in itertools.combinations(ids, 2)}
    rows = []
    for threshold in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        tp = fp = fn = 0
        for (a, b), j in jac.items():
            p, g = j >= threshold, gold.duplicate_group[a] == gold.duplicate_group[b]
            tp += p and g
            fp += p and not g
            fn += g and not p
        rows.append((threshold, _score(tp, fp, fn)))
    copies = [j for (a, b), j in jac.items() if gold.duplicate_group[a] == gold.duplicate_group[b]]
    others = [j for (a, b), j in jac.items() if gold.duplicate_group[a] != gold.duplicate_group[b]]
    return rows, min(copies), max(others)


def synthetic(articles: list, n: int) -> list:  # noqa: ANN001
    """n articles: set articles with edited bodies (half lightly, as copies; half shuffled paragraphs
    plus heavy edits), new ids, dates spread over a year."""
    rng = random.Random(11)
    out = []
    start = date(2024, 1, 1)
    for i in range(n):
        base = rng.choice(articles)
        body, title = light_edit(base.body, base.title, "Bench Wire", rng)
        if i % 2:
            paragraphs = body.split("\n\n")
            rng.shuffle(paragraphs)
            body = "\n\n".join(paragraphs[: max(1, len(paragraphs) // 2)])
        out.append(base.model_copy(update={"id": f"syn{i}", "body": body, "title": title, "duplicate_of": None,
                                           "story_id": None,
                                           "published": start + timedelta(days=rng.randrange(365))}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-write", action="store_true", help="Print only; leave BENCHMARKS.md alone.")
    parser.add_argument("--sweep", action="store_true", help="Also sweep clustering parameters.")
    parser.add_argument("--home", type=Path, default=Path(tempfile.gettempdir()) / "newsdesk-bench-stories",
                        help="Home for the enrichment cache (reused across runs).")
    args = parser.parse_args()

    from newsdesk.stories import DEFAULT_PARAMS

    start = time.perf_counter()
    articles, gold = load_articles(args.home)
    print(f"{len(articles)} articles enriched in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    assigned, _ = run(articles, DEFAULT_PARAMS)
    dup, story, cross = evaluate(assigned, gold)
    stories = len({a.story_id for a in assigned})
    print(f"duplicates P={dup.precision:.3f} R={dup.recall:.3f} {dup}; stories P={story.precision:.3f} "
          f"R={story.recall:.3f} F1={story.f1:.3f} {story}; {stories} stories", file=sys.stderr)

    sweep_rows: list[str] = []
    if args.sweep:
        for threshold, weight, window in itertools.product((0.3, 0.4, 0.45, 0.5, 0.55, 0.6), (0.3, 0.5),
                                                           (4, 7)):
            params = replace(DEFAULT_PARAMS, story_threshold=threshold, entity_weight=weight, window_days=window)
            s = evaluate(run(articles, params)[0], gold)[1]
            line = f"| {threshold} | {weight} | {window} | {s.precision:.3f} | {s.recall:.3f} | {s.f1:.3f} |"
            sweep_rows.append(line)
            print(line, file=sys.stderr)

    jac_rows, lowest_copy, highest_other = jaccard_sweep(articles, gold)
    synth = synthetic(articles, COST_ARTICLES)
    with tempfile.TemporaryDirectory() as tmp:
        from newsdesk.stories import StoryStore, assign_stories

        path = Path(tmp) / "stories.sqlite"
        with StoryStore(path) as store:
            t0, c0 = time.perf_counter(), time.process_time()
            for i in range(0, len(synth), BATCH):
                assign_stories(synth[i:i + BATCH], store, DEFAULT_PARAMS)
            cost, cpu = time.perf_counter() - t0, time.process_time() - c0
        size_mb = sum(f.stat().st_size for f in Path(tmp).iterdir()) / 1e6
    print(f"cost: {cost:.1f} s wall, {cpu:.1f} s CPU per {COST_ARTICLES} articles, store {size_mb:.1f} MB",
          file=sys.stderr)

    n_copies = len(gold.copies)
    labels = json.loads(LABELS.read_text())
    p = DEFAULT_PARAMS
    lines = [
        "## Stories: near-duplicates and clustering",
        "",
        f"Labelled set: {len(articles)} articles = {len(articles) - n_copies - 2} extraction-dev pages (ground-truth "
        f"bodies, metadata from their HTML) + 2 seeds (cleaned) + {n_copies} syndicated copies made by light random "
        f"edits (`bench/stories_data.py`, fixed seed); {len(labels['same_story'])} hand-labelled multi-article "
        f"stories (the seeds and dev events told by 2-3 outlets), {len(labels['ambiguous'])} ambiguous groups left "
        "out of the clustering score. Pairwise scores; each article through the real enrichment (bodies as stored), "
        "assigned in shuffled order in batches of 64 from an empty store.",
        "",
        "| task | precision | recall | F1 | TP / FP / FN pairs |",
        "|---|---|---|---|---|",
        f"| near-duplicates (MinHash/LSH, word 3-grams, Jaccard >= {p.duplicate_threshold}) | {dup.precision:.3f} "
        f"| {dup.recall:.3f} | {dup.f1:.3f} | {dup.tp} / {dup.fp} / {dup.fn} |",
        f"| story clustering (threshold {p.story_threshold}, entity weight {p.entity_weight}, window "
        f"{p.window_days} d) | {story.precision:.3f} | {story.recall:.3f} | {story.f1:.3f} "
        f"| {story.tp} / {story.fp} / {story.fn} |",
        f"| story clustering, different articles only (original-copy pairs left out) | {cross.precision:.3f} "
        f"| {cross.recall:.3f} | {cross.f1:.3f} | {cross.tp} / {cross.fp} / {cross.fn} |",
        "",
        "Near-duplicate threshold (estimated Jaccard over all pairs, no LSH):",
        "",
        "| Jaccard >= | precision | recall |",
        "|---|---|---|",
        *[f"| {t} | {s.precision:.3f} | {s.recall:.3f} |" for t, s in jac_rows],
        "",
        f"Margin: the least similar copy pair has Jaccard {lowest_copy:.2f}; the most similar pair of different "
        f"articles (same-story reports by other outlets included) {highest_other:.2f}.",
        "",
        f"Cost: `assign_stories` on {COST_ARTICLES:,} synthetic articles (batches of {BATCH}, empty store): "
        f"**{cost:.0f} s wall, {cpu:.0f} s CPU per 10k articles** ({1000 * cpu / COST_ARTICLES:.1f} ms CPU per "
        f"article; wall time on a shared machine), store {size_mb:.1f} MB.",
        "",
        "Parameters were chosen on this same set (no held-out split): read the scores as optimistic.",
    ]
    if sweep_rows:
        lines += ["", "Clustering sweep:", "", "| threshold | entity weight | window (d) | P | R | F1 |",
                  "|---|---|---|---|---|---|", *sweep_rows]
    markdown = "\n".join(lines)
    print(markdown)
    if not args.no_write:
        write_section("stories", markdown, command="python bench/stories.py" + (" --sweep" if args.sweep else ""))


if __name__ == "__main__":
    main()
