"""A small learned line classifier: is a line of a page's text part of the article body?

Features describe each line (length, punctuation, capitalisation, stopwords, link/menu cues, the
cleaner's own boilerplate patterns) and its neighbourhood (the same cues for nearby lines, position in
the page, distance to the page's densest prose). Two logistic regressions: the second also sees the
first one's probabilities for nearby lines, so that a short line inside prose stays and a long line
inside a menu or comment thread goes. Weights live in `line_model.json` (trained by
`bench/train_lines.py`, a few kB).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

MODEL_PATH = Path(__file__).with_name("line_model.json")
WORD = re.compile(r"\w+")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’»)\]」』]*$")
LIST_ITEM = re.compile(r"^(?:[-•*–·▪●]|\d{1,2}[.)])\s+\S")
STOPWORDS = frozenset(
    "a an the and or but of to in on at for with by from as is are was were be been has have had it its "
    "this that these those he she they we you i his her their our not no said says will would can could "
    "who which what when where there than then also after before about into over more most".split()
)
CUE_PATTERNS = {
    "cue_share": re.compile(r"\b(?:share|tweet|facebook|twitter|whatsapp|linkedin|pinterest|email|print)\b", re.I),
    "cue_account": re.compile(r"\b(?:subscribe|sign (?:in|up)|log ?in|register|newsletter|account)\b", re.I),
    "cue_comment": re.compile(r"(?:\bsays:$|\bcomments?\b|\brepl(?:y|ies)\b|\blikes?\b|\bago$)", re.I),
    "cue_legal": re.compile(r"(?:©|\bcopyright\b|\brights reserved\b|\bprivacy\b|\bcookies?\b|\bterms\b)", re.I),
    "cue_teaser": re.compile(r"^(?:also read|read (?:more|also)|related|recommended|watch|see also|more from|trending)\b", re.I),
    "cue_time": re.compile(r"(?:\b\d{1,2}:\d{2}\b|\b(?:19|20)\d{2}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d)", re.I),
    "cue_separator": re.compile(r"\s[|»›>/•·]\s|^[»›>•·]"),
    "cue_link": re.compile(r"(?:https?://|www\.|\.com\b|@\w)", re.I),
    "cue_byline": re.compile(r"^(?:by|posted by|written by|author)\b", re.I),
    "cue_quote": re.compile(r"[“”\"]"),
}
BASE_NAMES = [
    "log_words", "log_chars", "sentence_end", "colon_end", "question_end", "list_item", "title_share",
    "digit_share", "stopword_share", "mean_word_len", "commas", "repeated", "no_words", *CUE_PATTERNS,
]
CONTEXT_OFFSETS = (-3, -2, -1, 1, 2, 3)
CONTEXT_NAMES = ["log_words", "sentence_end", "stopword_share"]
WINDOWS = (5, 15)


def window_mean(values: np.ndarray, radius: int) -> np.ndarray:
    """Mean of `values` over [i - radius, i + radius], clipped to the array."""
    n = len(values)
    cum = np.concatenate([[0.0], np.cumsum(values)])
    lo = np.clip(np.arange(n) - radius, 0, n)
    hi = np.clip(np.arange(n) + radius + 1, 0, n)
    return (cum[hi] - cum[lo]) / np.maximum(hi - lo, 1)


def words_of(line: str) -> list[str]:
    """Word tokens; scripts written without spaces give one token per two characters."""
    if not CJK.search(line):
        return WORD.findall(line)
    out: list[str] = []
    for token in WORD.findall(line):
        cjk = len(CJK.findall(token))
        out += [token[i : i + 2] for i in range(0, len(token), 2)] if cjk > len(token) // 2 else [token]
    return out


def word_count(line: str) -> int:
    return len(words_of(line))


def _base(line: str, counts: Counter[str]) -> list[float]:
    words = words_of(line)
    n = len(words)
    letters = [w for w in words if not w.isdigit()]
    return [
        math.log1p(n),
        math.log1p(len(line)),
        float(bool(SENTENCE_END.search(line))),
        float(line.endswith(":")),
        float(line.endswith("?")),
        float(bool(LIST_ITEM.match(line))),
        sum(w[0].isupper() for w in letters) / len(letters) if letters else 0.0,
        sum(w.isdigit() for w in words) / n if n else 0.0,
        sum(w.lower() in STOPWORDS for w in words) / n if n else 0.0,
        sum(map(len, words)) / n if n else 0.0,
        min(line.count(","), 5) / 5,
        float(counts[line] > 1),
        float(n == 0),
        *(float(bool(p.search(line))) for p in CUE_PATTERNS.values()),
    ]


def line_features(lines: list[str]) -> np.ndarray:
    """One feature row per (non-empty) line, from the line and its neighbourhood."""
    if not lines:
        return np.zeros((0, len(feature_names())))
    counts = Counter(lines)
    base = np.array([_base(line, counts) for line in lines], dtype=float)
    n = len(lines)
    idx = {name: BASE_NAMES.index(name) for name in CONTEXT_NAMES}
    ctx = []
    for off in CONTEXT_OFFSETS:
        shifted = np.zeros((n, len(CONTEXT_NAMES)))
        src = np.arange(n) + off
        ok = (src >= 0) & (src < n)
        shifted[ok] = base[src[ok]][:, [idx[c] for c in CONTEXT_NAMES]]
        ctx.append(shifted)
    # prose density: share of sentence-ending, many-word lines in windows around each line
    prose = ((base[:, 0] >= math.log1p(12)) & (base[:, 2] > 0)).astype(float)
    words = np.expm1(base[:, 0])
    cum_words = np.cumsum(words)
    total = cum_words[-1] or 1.0
    density = []
    for w in WINDOWS:
        density.append(window_mean(prose, w))
        density.append(window_mean(base[:, 0], w))
    densest = int(np.argmax(window_mean(prose * words, 5)))
    position = np.column_stack([
        np.arange(n) / max(n - 1, 1),
        cum_words / total,
        np.tanh((np.arange(n) - densest) / 20.0),
        np.abs(np.tanh((np.arange(n) - densest) / 20.0)),
        np.full(n, math.log1p(n) / 8),
    ])
    return np.column_stack([base, *ctx, *[d[:, None] for d in density], position])


@lru_cache(maxsize=1)
def feature_names() -> list[str]:
    ctx = [f"{c}@{o:+d}" for o in CONTEXT_OFFSETS for c in CONTEXT_NAMES]
    dens = [f"{k}_w{w}" for w in WINDOWS for k in ("prose_density", "mean_log_words")]
    return [*BASE_NAMES, *ctx, *dens, "rel_line", "rel_words", "to_densest", "abs_to_densest", "log_lines"]


STAGE2_OFFSETS = (-2, -1, 1, 2)
STAGE2_WINDOWS = (3, 10)


def stage2_features(first: np.ndarray) -> np.ndarray:
    """Neighbours' first-stage probabilities: the previous/next lines and window means."""
    n = len(first)
    cols = [first]
    for off in STAGE2_OFFSETS:
        shifted = np.full(n, 0.0)
        src = np.arange(n) + off
        ok = (src >= 0) & (src < n)
        shifted[ok] = first[src[ok]]
        cols.append(shifted)
    for w in STAGE2_WINDOWS:
        cols.append(window_mean(first, w))
    before = np.maximum.accumulate(first)
    after = np.maximum.accumulate(first[::-1])[::-1]
    cols += [before, after]
    return np.column_stack(cols)


@dataclass
class Logistic:
    """A standardised logistic regression."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def predict(self, x: np.ndarray) -> np.ndarray:
        z = ((x - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    @classmethod
    def fit(cls, x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1e-3, steps: int = 400) -> Logistic:
        """Weighted L2-regularised fit by Newton's method (small, dense problems)."""
        mean, scale = x.mean(0), x.std(0) + 1e-6
        xs = np.column_stack([(x - mean) / scale, np.ones(len(x))])
        beta = np.zeros(xs.shape[1])
        w = w / w.sum()
        reg = np.full(xs.shape[1], l2)
        reg[-1] = 0.0
        for _ in range(steps):
            p = 1.0 / (1.0 + np.exp(-np.clip(xs @ beta, -30, 30)))
            grad = xs.T @ (w * (p - y)) + reg * beta
            hess = (xs * (w * p * (1 - p))[:, None]).T @ xs + np.diag(reg + 1e-9)
            step = np.linalg.solve(hess, grad)
            beta -= step
            if np.abs(step).max() < 1e-7:
                break
        return cls(mean, scale, beta[:-1], float(beta[-1]))

    def to_json(self) -> dict[str, object]:
        return {"mean": self.mean.round(6).tolist(), "scale": self.scale.round(6).tolist(),
                "weights": self.weights.round(6).tolist(), "bias": round(self.bias, 6)}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Logistic:
        return cls(np.array(data["mean"]), np.array(data["scale"]), np.array(data["weights"]), float(data["bias"]))  # type: ignore[arg-type]


@dataclass
class LineModel:
    """Two-stage line classifier with its decision threshold."""

    first: Logistic
    second: Logistic
    threshold: float = 0.5

    def probabilities(self, lines: list[str]) -> np.ndarray:
        if not lines:
            return np.zeros(0)
        first = self.first.predict(line_features(lines))
        return self.second.predict(stage2_features(first))

    def to_json(self) -> dict[str, object]:
        return {"features": feature_names(), "first": self.first.to_json(), "second": self.second.to_json(),
                "threshold": self.threshold}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> LineModel:
        if data.get("features") != feature_names():
            raise ValueError("line model was trained on other features; retrain with bench/train_lines.py")
        return cls(Logistic.from_json(data["first"]), Logistic.from_json(data["second"]), float(data["threshold"]))  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def default_line_model() -> LineModel | None:
    """The shipped model, or None when it is absent (rules alone then)."""
    if not MODEL_PATH.exists():
        return None
    return LineModel.from_json(json.loads(MODEL_PATH.read_text()))
