"""Extraction benchmark: newsdesk's cleaner vs trafilatura on ../shared/data/extraction-dev.

Metric (DEVELOPERS.md): per page, the set of 4-gram shingles over lowercased `\\w+` tokens of the
prediction and of the ground-truth articleBody; precision = shared / predicted, recall = shared / truth
(a text of 1-3 tokens is one shingle; an empty prediction scores P = R = 0 against a non-empty truth).
Pages weigh equally: P and R are averaged over pages, F1 is computed from the averaged P and R.

    .venv/bin/python bench/extraction.py [--data DIR] [--no-write] [--pages-out FILE]
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import trafilatura

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from newsdesk.clean import clean_document  # noqa: E402
from newsdesk.clean.lines import MODEL_PATH  # noqa: E402
from newsdesk.clean.text import clean_text  # noqa: E402
from newsdesk.model import RawDocument  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "extraction-dev"
TOKEN = re.compile(r"\w+")
SHINGLE = 4


@dataclass(frozen=True)
class Page:
    key: str
    html: str
    text: str
    truth: str
    url: str


def shingles(text: str) -> set[tuple[str, ...]]:
    tokens = TOKEN.findall(text.lower())
    if len(tokens) < SHINGLE:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}


def precision_recall(predicted: str, truth: str) -> tuple[float, float]:
    pred, gold = shingles(predicted), shingles(truth)
    if not gold:
        return (1.0, 1.0) if not pred else (0.0, 1.0)
    if not pred:
        return 0.0, 0.0
    shared = len(pred & gold)
    return shared / len(pred), shared / len(gold)


def load_pages(data: Path) -> list[Page]:
    truth = json.loads((data / "ground-truth.json").read_text())
    return [
        Page(
            key=key,
            html=gzip.decompress((data / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", "replace"),
            text=(data / "text" / f"{key}.txt").read_text(errors="replace"),
            truth=item["articleBody"],
            url=item.get("url", key),
        )
        for key, item in sorted(truth.items())
    ]


def newsdesk_html(page: Page) -> str:
    raw = RawDocument(path=f"html/{page.key}.html", content=page.html, content_type="html")
    return clean_document(raw).body


def newsdesk_text(page: Page) -> str:
    raw = RawDocument(path=f"text/{page.key}.txt", content=page.text, content_type="text")
    return clean_document(raw).body


def newsdesk_text_rules_only(page: Page) -> str:
    return clean_text(page.text, model=None).body


def trafilatura_html(page: Page) -> str:
    return trafilatura.extract(page.html) or ""


def trafilatura_text(page: Page) -> str:
    """Trafilatura given the text dump, one `<p>` per line (on bare text it extracts nothing)."""
    paragraphs = "".join(f"<p>{html.escape(line)}</p>" for line in page.text.splitlines())
    return trafilatura.extract(f"<html><body>{paragraphs}</body></html>") or ""


SYSTEMS: dict[str, Callable[[Page], str]] = {
    "newsdesk, HTML": newsdesk_html,
    "newsdesk, text dump": newsdesk_text,
    "newsdesk, text dump, rules only (no line classifier)": newsdesk_text_rules_only,
    f"trafilatura {metadata.version('trafilatura')}, HTML": trafilatura_html,
    f"trafilatura {metadata.version('trafilatura')}, text dump": trafilatura_text,
    "raw text dump (no cleaning)": lambda page: page.text,
}


def evaluate(pages: list[Page]) -> tuple[list[tuple[str, float, float, float, float]], dict[str, dict[str, list[float]]]]:
    """Rows (system, P, R, F1, seconds) and per-page (P, R) for each system."""
    rows, per_page = [], {}
    for name, system in SYSTEMS.items():
        started = time.perf_counter()
        scores = {page.key: list(precision_recall(system(page), page.truth)) for page in pages}
        seconds = time.perf_counter() - started
        p = sum(s[0] for s in scores.values()) / len(pages)
        r = sum(s[1] for s in scores.values()) / len(pages)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        rows.append((name, p, r, f1, seconds))
        per_page[name] = scores
    return rows, per_page


def table(rows: list[tuple[str, float, float, float, float]], n_pages: int) -> str:
    lines = [
        f"Extraction quality on extraction-dev ({n_pages} pages): 4-gram shingles of lowercased `\\w+` tokens, "
        "per-page precision/recall averaged over pages, F1 of the averages. Targets: HTML F1 >= 0.965, text dump F1 >= 0.85.",
        "",
        "| system | precision | recall | F1 | seconds |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [f"| {name} | {p:.3f} | {r:.3f} | {f1:.3f} | {s:.1f} |" for name, p, r, f1, s in rows]
    cv = json.loads(MODEL_PATH.read_text()).get("cross_validation") if MODEL_PATH.exists() else None
    if cv:
        lines += [
            "",
            f"The text-dump path uses a learned line classifier trained on these pages, so its row above is "
            f"in-sample. Held-out estimate ({cv['folds']}-fold cross-validation grouped by {cv['grouped_by']}, "
            f"`bench/train_lines.py`): P {cv['precision']:.3f}, R {cv['recall']:.3f}, **F1 {cv['f1']:.3f}**. "
            "The HTML path has no learned part (trafilatura with `favor_precision`, then the rule-based line cleaner).",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--no-write", action="store_true", help="print only; leave BENCHMARKS.md alone")
    parser.add_argument("--pages-out", type=Path, help="write per-page scores (JSON) here")
    args = parser.parse_args()
    pages = load_pages(args.data)
    rows, per_page = evaluate(pages)
    markdown = table(rows, len(pages))
    print(markdown)
    if args.pages_out:
        args.pages_out.write_text(json.dumps(per_page, indent=1))
    if not args.no_write:
        write_section("extraction", markdown, command=".venv/bin/python bench/extraction.py")


if __name__ == "__main__":
    main()
