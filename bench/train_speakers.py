"""Fit the speaker ranker's weights (`newsdesk/enrich/speaker_weights.json`) on the labelled quote pages.

    NEWSDESK_BENCH_DATA=<texts> .venv/bin/python bench/train_speakers.py [--validate 48-53] [--write]

Each quotation the rules find on a labelled page and that matches a gold one gives a row per candidate name (label:
that name, as the text writes it, is the gold speaker). A logistic model is fitted by Newton's method with an L2
penalty on every page but the validation rounds; its two thresholds (the rules' confidence under which it decides,
the probability at which it credits a name) are chosen there, a wrong name costing `WRONG_COST` abstentions. With
`--write` the model is refitted on all pages and written with those thresholds. The rounds scored as fresh sets
must not be among the pages it is fitted on (merge their golds only after scoring them).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.quotes import load_pages, match, right_speaker  # noqa: E402
from newsdesk.config import Settings, use_settings  # noqa: E402
from newsdesk.enrich import speaker_ranker  # noqa: E402
from newsdesk.enrich.entities import resolve_batch  # noqa: E402
from newsdesk.enrich.nlp import analyse  # noqa: E402
from newsdesk.enrich.quotes import ATTRIBUTE, Attributor  # noqa: E402
from newsdesk.enrich.referents import Referent  # noqa: E402
from newsdesk.enrich.registry import AliasRegistry  # noqa: E402
from newsdesk.versions import SPEAKER_WEIGHTS  # noqa: E402

PENALTY = 1.0
WRONG_COST = 2
"""A wrong name manufactures a claim: it counts as that many quotations left without a speaker."""
BELOW = (0.8, 0.9, 0.96)
NAME_AT = tuple(round(ATTRIBUTE + 0.05 * k, 2) for k in range(5))
"""Probabilities tried as the model's `name_at`: never under the pipeline's `ATTRIBUTE`."""


class Row:
    """One matched quotation: the rules' referent, its candidates, each candidate's written name, its gold."""

    def __init__(self, source: str, referent: Referent | None, candidates: list[speaker_ranker.Candidate],
                 written: dict[str, str], gold: dict) -> None:
        self.source, self.referent, self.candidates, self.written, self.gold = (
            source, referent, candidates, written, gold)

    def right(self, name: str | None) -> bool:
        return right_speaker(self.written.get(name, name) if name else None, self.gold)


def rows_of_pages() -> list[Row]:
    """One row per matched quotation of every labelled page (all pages enriched together, fresh alias registry)."""
    pages = load_pages()
    with tempfile.TemporaryDirectory() as home:
        use_settings(Settings(home=Path(home)))
        try:
            docs = analyse([p.text for p in pages])
            entities = resolve_batch(docs, AliasRegistry(Path(home) / "aliases"))
        finally:
            use_settings(None)
    rows: list[Row] = []
    for page, doc, found in zip(pages, docs, entities):
        attributor = Attributor(doc, found)
        attributor.attribute_by_rules()
        candidates = speaker_ranker.candidates(attributor)
        quotes = [{"text": q.span.text} for q in attributor.quotes]
        names = {c.name for row in candidates for c in row} | {
            n for q in attributor.quotes if q.referent for n in (q.referent.speaker, q.referent.hint) if n}
        written = {name: found.written_name(name) for name in names}
        for i, j in match(quotes, page.gold):
            rows.append(Row(page.source, attributor.quotes[i].referent, candidates[i], written, page.gold[j]))
    return rows


def fit(rows: list[Row]) -> tuple[float, np.ndarray]:
    x = np.array([c.features for r in rows for c in r.candidates], dtype=float)
    y = np.array([float(r.right(c.name)) for r in rows for c in r.candidates])
    x = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], PENALTY)
    penalty[0] = 0.0
    for _ in range(30):
        p = 1 / (1 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (p - y) + penalty * w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-6:
            break
    return float(w[0]), w[1:]


def credited(row: Row, weights: speaker_ranker.Weights | None) -> str | None:
    """The speaker the pipeline credits with these weights (None: the rules alone)."""
    referent = speaker_ranker.decide(row.referent, row.candidates, ATTRIBUTE, weights)
    return referent.speaker if referent is not None else None


def score(rows: list[Row], weights: speaker_ranker.Weights | None) -> dict[str, float]:
    right = wrong = 0
    for row in rows:
        name = credited(row, weights)
        ok = row.right(name)
        right += ok
        wrong += not ok and bool(name)
    n = len(rows)
    return {"accuracy": round(right / n, 4), "wrong": round(wrong / n, 4), "right": right, "wrong_named": wrong}


def rounds(spec: str) -> set[str]:
    first, _, last = spec.partition("-")
    return {f"heldout{k}" for k in range(int(first), int(last or first) + 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--validate", default="48-53", help="held-out rounds the thresholds are chosen on")
    parser.add_argument("--write", action="store_true", help="refit on all pages and write the weights")
    args = parser.parse_args()
    validation = rounds(args.validate)
    rows = rows_of_pages()
    train = [r for r in rows if r.source not in validation]
    held = [r for r in rows if r.source in validation]
    print(f"{len(train)} quotes to fit, {len(held)} to validate on ({args.validate})")
    rules = score(held, None)
    print("rules alone on the validation rounds:", rules)
    intercept, coefficients = fit(train)
    best = None
    for below in BELOW:
        for name_at in NAME_AT:
            w = speaker_ranker.Weights(intercept, tuple(coefficients), name_at, below)
            s = score(held, w)
            print(f"  below {below}, name at {name_at}: {s}")
            value = s["right"] - WRONG_COST * s["wrong_named"]
            if best is None or value > best[0]:
                best = (value, below, name_at, s)
    _, below, name_at, chosen = best
    print(f"chosen: below {below}, name at {name_at}: {chosen}")
    if args.write:
        intercept, coefficients = fit(rows)
        commit = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True,
                                text=True).stdout.strip()
        SPEAKER_WEIGHTS.write_text(json.dumps({
            "about": (f"Speaker ranker weights fitted by bench/train_speakers.py at {commit} on {len(rows)} matched "
                      f"quotations of the labelled pages ({', '.join(sorted({r.source for r in rows}))}); thresholds "
                      f"chosen on rounds {args.validate} with the model fitted without them: there accuracy "
                      f"{chosen['accuracy']:.3f} and wrong named {chosen['wrong']:.3f}."),
            "features": list(speaker_ranker.FEATURES), "intercept": round(intercept, 6),
            "coefficients": [round(float(c), 6) for c in coefficients], "name_at": name_at, "below": below},
            indent=1) + "\n")
        print(f"written to {SPEAKER_WEIGHTS}")
    for name, c in zip(speaker_ranker.FEATURES, coefficients):
        print(f"  {name:34} {c:+.3f}")


if __name__ == "__main__":
    main()
