"""Publication-date accuracy on the labelled dev pages: our date logic vs htmldate alone.

Labels: bench/dates_dev.json (built by bench/dates_label.py; how each page was labelled is recorded).
Each page is cleaned by the real cleaner, then `decide_published` chooses the date; htmldate runs on the
same HTML. Two settings: the page's URL known (as for JSON records) and unknown (a bare HTML file).

Run: .venv/bin/python bench/dates.py
"""

from __future__ import annotations

import gzip
import json
import sys
from datetime import date
from pathlib import Path

from htmldate import find_date

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import write_section  # noqa: E402
from newsdesk.clean import clean_document  # noqa: E402
from newsdesk.enrich.dates import decide_published  # noqa: E402
from newsdesk.model import RawDocument  # noqa: E402

DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "extraction-dev"
LABELS = Path(__file__).resolve().parent / "dates_dev.json"


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def main() -> None:
    labels = json.loads(LABELS.read_text())["labels"]
    methods = ["ours", "htmldate (defaults)", "htmldate (original_date)"]
    correct = {(m, known): 0 for m in methods for known in (True, False)}
    misses: list[str] = []
    changes: dict[str, tuple[int, int]] = {}
    for key, label in sorted(labels.items()):
        html = gzip.open(DEV / "html" / f"{key}.html.gz", "rt", errors="replace").read()
        truth = date.fromisoformat(label["date"])
        raw = RawDocument(path=f"{key}.html", content=html, content_type="html")
        cleaned = clean_document(raw)
        for known in (True, False):
            url = label["url"] if known else None
            article = cleaned.model_copy(update={"url": url or cleaned.url})
            chosen = decide_published(raw, article, today=date(2026, 1, 1))
            ours = chosen[0] if chosen else None
            answers = {
                "ours": ours,
                "htmldate (defaults)": _day(find_date(html, url=url)),
                "htmldate (original_date)": _day(find_date(html, url=url, original_date=True)),
            }
            for method, answer in answers.items():
                correct[(method, known)] += answer == truth
            if known and ours != answers["htmldate (original_date)"]:
                rule = chosen[1].source if chosen else "-"
                fixed, broke = changes.get(rule, (0, 0))
                changes[rule] = (fixed + (ours == truth), broke + (answers["htmldate (original_date)"] == truth))
            if known and ours != truth:
                misses.append(f"{key[:8]}: label {truth}, ours {ours} ({chosen[1].source if chosen else '-'}), "
                              f"htmldate {answers['htmldate (original_date)']}")
    n = len(labels)
    rows = "\n".join(f"| {m} | {correct[(m, True)]}/{n} ({correct[(m, True)] / n:.1%}) "
                     f"| {correct[(m, False)]}/{n} ({correct[(m, False)] / n:.1%}) |" for m in methods)
    table = (f"Publication-date accuracy (exact day) on {n} labelled extraction dev pages "
             f"(`bench/dates_dev.json`: labels from agreeing URL/metadata/byline signals, disagreements "
             f"judged by hand by the date the page shows its readers).\n\n"
             f"| method | URL known | URL unknown |\n|---|---|---|\n{rows}\n\n"
             "Where our answer differs from htmldate's (URL known), by the rule that decided: "
             + "; ".join(f"`{rule}` fixed {fixed}, broke {broke}" for rule, (fixed, broke) in sorted(changes.items()))
             + ".\n\nCaveat: these pages are a development set: the two rules beyond htmldate (URL path date, "
             "the day a page's time stamp shows) were written after looking at htmldate's misses here, so "
             "this is an optimistic estimate; no held-out labelled set exists yet.\n\n"
             "Our misses (URL known):\n" + "\n".join(f"- {m}" for m in misses))
    print(table)
    write_section("dates", "## Publication dates\n\n" + table, command=".venv/bin/python bench/dates.py")


if __name__ == "__main__":
    main()
