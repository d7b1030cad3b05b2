"""Train the line classifier (`newsdesk/clean/line_model.json`) on extraction-dev text dumps.

A line's label: at least half of its 4-gram shingles (or, for 1-3 tokens, its token run) occur in the
page's ground-truth articleBody. Line weights are token counts, normalised so that pages weigh equally
(as in the benchmark). Held-out quality is estimated by grouped k-fold cross-validation (groups = site
hostname, so no site is both trained and tested on), scoring the full text cleaner with the benchmark
metric; the shipped model is then trained on all pages.

    .venv/bin/python bench/train_lines.py [--data DIR] [--folds 5] [--no-save]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.extraction import DEFAULT_DATA, TOKEN, Page, load_pages, precision_recall, shingles  # noqa: E402
from newsdesk.clean.lines import MODEL_PATH, LineModel, Logistic, line_features, stage2_features  # noqa: E402
from newsdesk.clean.text import clean_text, normalise_text  # noqa: E402

CLEAN_TEXT_WEIGHT = 0.3
"""Weight of an already-clean text relative to a page dump."""
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


def page_lines(page: Page) -> list[str]:
    return [line for line in normalise_text(page.text).split("\n") if line]


def labels(lines: list[str], truth: str) -> tuple[np.ndarray, np.ndarray]:
    """(label, weight) per line."""
    gold = shingles(truth)
    gold_text = " " + " ".join(TOKEN.findall(truth.lower())) + " "
    ys, ws = [], []
    for line in lines:
        tokens = TOKEN.findall(line.lower())
        if len(tokens) >= 4:
            own = shingles(line)
            y = len(own & gold) / len(own) >= 0.5
        else:
            y = bool(tokens) and f" {' '.join(tokens)} " in gold_text
        ys.append(float(y))
        ws.append(max(len(tokens), 1))
    w = np.array(ws, dtype=float)
    return np.array(ys), w / w.sum()


def site(url: str) -> str:
    host = urlparse(url).hostname or url
    return host.removeprefix("www.")


def already_clean(page: Page) -> Page:
    """The page's ground-truth body as a text of its own: every line is article text.

    Teaches the classifier that a text without page furniture (a clean feed item, a short note)
    keeps all its lines, which the dumps alone never show.
    """
    return Page(key=page.key + "#truth", html="", text=page.truth, truth=page.truth, url=page.url)


def fit(pages: list[Page]) -> LineModel:
    """Fit both stages; the second stage is fitted on out-of-fold first-stage probabilities."""
    pages = pages + [already_clean(p) for p in pages if p.truth.strip()]
    feats = [line_features(page_lines(p)) for p in pages]
    labs = [labels(page_lines(p), p.truth) for p in pages]
    labs = [(y, w * (CLEAN_TEXT_WEIGHT if p.key.endswith("#truth") else 1.0)) for p, (y, w) in zip(pages, labs)]
    x = np.vstack(feats)
    y = np.concatenate([l[0] for l in labs])
    w = np.concatenate([l[1] for l in labs])
    first = Logistic.fit(x, y, w)
    # out-of-fold first-stage probabilities, so stage two learns from honest inputs
    folds = np.arange(len(pages)) % 4
    oof: list[np.ndarray] = [np.zeros(0)] * len(pages)
    for k in range(4):
        train = [i for i in range(len(pages)) if folds[i] != k]
        model = Logistic.fit(np.vstack([feats[i] for i in train]), np.concatenate([labs[i][0] for i in train]),
                             np.concatenate([labs[i][1] for i in train]))
        for i in range(len(pages)):
            if folds[i] == k:
                oof[i] = model.predict(feats[i])
    second = Logistic.fit(np.vstack([stage2_features(o) for o in oof]), y, w)
    return LineModel(first, second)


def score(pages: list[Page], model: LineModel) -> tuple[float, float, float]:
    """Benchmark P, R, F1 of the full text cleaner with this model."""
    pr = [precision_recall(clean_text(p.text, model=model).body, p.truth) for p in pages]
    prec = sum(a for a, _ in pr) / len(pr)
    rec = sum(b for _, b in pr) / len(pr)
    return prec, rec, 2 * prec * rec / (prec + rec) if prec + rec else 0.0


def cross_validate(pages: list[Page], n_folds: int) -> dict[float, tuple[float, float, float]]:
    """Held-out P, R, F1 per threshold, folds grouped by site."""
    sites = sorted({site(p.url) for p in pages})
    fold_of = {s: i % n_folds for i, s in enumerate(sites)}
    held_out: dict[float, list[tuple[float, float]]] = {t: [] for t in THRESHOLDS}
    for k in range(n_folds):
        train = [p for p in pages if fold_of[site(p.url)] != k]
        test = [p for p in pages if fold_of[site(p.url)] == k]
        model = fit(train)
        for t in THRESHOLDS:
            model.threshold = t
            held_out[t] += [precision_recall(clean_text(p.text, model=model).body, p.truth) for p in test]
    out = {}
    clean = [already_clean(p) for p in pages if p.truth.strip()]
    for t in THRESHOLDS:
        model.threshold = t
        pr = [precision_recall(clean_text(p.text, model=model).body, p.truth) for p in clean]
        print(f"threshold {t:.2f}: recall on already-clean texts (last fold's model) {sum(r for _, r in pr) / len(pr):.3f}")
    for t, pr in held_out.items():
        prec = sum(a for a, _ in pr) / len(pr)
        rec = sum(b for _, b in pr) / len(pr)
        out[t] = (prec, rec, 2 * prec * rec / (prec + rec))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    pages = load_pages(args.data)
    cv = cross_validate(pages, args.folds)
    for t, (p, r, f) in cv.items():
        print(f"threshold {t:.2f}: held-out P {p:.3f} R {r:.3f} F1 {f:.3f}")
    best = max(cv, key=lambda t: cv[t][2])
    model = fit(pages)
    model.threshold = best
    print(f"chosen threshold {best}; held-out F1 {cv[best][2]:.3f}; in-sample F1 {score(pages, model)[2]:.3f}")
    if not args.no_save:
        MODEL_PATH.write_text(json.dumps({**model.to_json(), "cross_validation": {
            "folds": args.folds, "grouped_by": "site", "threshold": best,
            "precision": round(cv[best][0], 4), "recall": round(cv[best][1], 4), "f1": round(cv[best][2], 4)}}))
        print(f"wrote {MODEL_PATH} ({MODEL_PATH.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
