"""Build the stories benchmark set: extraction-dev ground-truth bodies, the seeds, and syndicated copies.

Seeds are cleaned by the pipeline's cleaner; each original gets a copy made by light, random edits (fixed seed): a new outlet, URL and date, an edited
title, a wire dateline or credit line, a dropped paragraph or sentence, word substitutions and typos.
Originals are labelled by hand in `bench/data/stories-labels.json`; copies inherit their original's story.

    .venv/bin/python bench/stories_data.py      # writes bench/data/stories-dev.jsonl.gz (reproducible)
"""

from __future__ import annotations

import gzip
import json
import random
import re
import sys
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEV = ROOT.parent / "shared" / "data" / "extraction-dev"
SEEDS = ROOT / "seeds"
OUT = ROOT / "bench" / "data" / "stories-dev.jsonl.gz"
LABELS = ROOT / "bench" / "data" / "stories-labels.json"
SEED = 20211004
MIN_WORDS_FOR_COPY = 60
OUTLETS = ["Wire Daily", "Metro Herald", "The Valley Courier", "Newsline Express", "Coastal Tribune",
           "Daily Syndicate", "Morning Dispatch", "Capital Ledger"]
SWAPS = {"said": "says", "says": "said", "told": "said to", "however": "but", "also": "additionally",
         "big": "large", "large": "big", "many": "numerous", "about": "around", "start": "begin",
         "show": "reveal", "help": "assist", "people": "individuals", "very": "really", "new": "fresh",
         "because": "as", "while": "whereas", "percent": "per cent", "will": "would", "can": "could"}


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def light_edit(body: str, title: str | None, outlet: str, rng: random.Random) -> tuple[str, str | None]:
    """A syndicated copy: the same story text, lightly changed as republishers do (body, title)."""
    paragraphs = [p for p in body.split("\n") if p.strip()]
    if len(paragraphs) >= 4 and rng.random() < 0.5:
        del paragraphs[rng.choice([-1, len(paragraphs) // 2])]
    elif rng.random() < 0.3:
        paragraphs[0] = re.sub(r"^[^.!?]*[.!?]\s*", "", paragraphs[0], count=1) or paragraphs[0]
    rate = rng.uniform(0.01, 0.06)

    def edit_word(match: re.Match[str]) -> str:
        word = match.group(0)
        roll = rng.random()
        if roll < rate and word.lower() in SWAPS:
            return SWAPS[word.lower()]
        if roll < rate / 3:
            return _typo(word, rng)
        return word

    paragraphs = [re.sub(r"[A-Za-z]+", edit_word, p) for p in paragraphs]
    if rng.random() < 0.5:
        paragraphs[0] = f"({outlet}) — " + paragraphs[0]
    if rng.random() < 0.6:
        paragraphs.append(rng.choice([f"This story was originally published by {outlet}.",
                                      f"Reporting by {outlet} staff; editing by the news desk.",
                                      f"Copyright {outlet}. All rights reserved.",
                                      "Follow us for more news updates."]))
    if title and rng.random() < 0.7:
        title = rng.choice([f"{title} | {outlet}", f"UPDATE: {title}", title.upper(), f"{title} - report"])
    return "\n\n".join(paragraphs), title


def _page_metadata(key: str, url: str) -> dict[str, object]:
    from newsdesk.clean.html import extract_html

    page = gzip.open(DEV / "html" / f"{key}.html.gz").read().decode("utf-8", "replace")
    meta = extract_html(page, url)
    return {"title": meta.title, "publisher": meta.sitename,
            "published": meta.published.isoformat() if meta.published else None}


def originals() -> list[dict[str, object]]:
    """Dev pages (ground-truth body, metadata from their HTML) and seeds (their raw text)."""
    truth = json.loads((DEV / "ground-truth.json").read_text())
    records: list[dict[str, object]] = []
    for key, page in sorted(truth.items()):
        records.append({"id": f"dev-{key[:8]}", "label_key": key[:8], "url": page["url"],
                        **_page_metadata(key, page["url"]), "text": page["articleBody"]})
    for path in sorted(SEEDS.glob("*.txt")):
        seed = _cleaned_seed(path)
        records.append({"id": f"seed-{path.stem}", "label_key": path.name, "url": None, "title": seed.title,
                        "publisher": seed.publisher,
                        "published": seed.published.isoformat() if seed.published else None, "text": seed.body})
    return records


def _cleaned_seed(path: Path):  # noqa: ANN202
    """A seed as the pipeline's cleaner makes it (body, title, publisher, date from its header)."""
    from newsdesk.clean import BoilerplateRules, clean_document
    from newsdesk.model import RawDocument

    return clean_document(RawDocument(path=str(path), content=path.read_text(), content_type="text"),
                          BoilerplateRules.load())


def copies(records: list[dict[str, object]], rng: random.Random) -> list[dict[str, object]]:
    """One lightly edited copy of every original long enough to be syndicated."""
    made = []
    for record in records:
        body = str(record["text"])
        if len(body.split()) < MIN_WORDS_FOR_COPY:
            continue
        outlet = rng.choice(OUTLETS)
        text, title = light_edit(body, record["title"], outlet, rng)  # type: ignore[arg-type]
        published = record["published"]
        if published:
            published = (date.fromisoformat(str(published)) + timedelta(days=rng.randint(0, 2))).isoformat()
        slug = re.sub(r"\W+", "-", str(title or record["id"]).lower())[:60].strip("-")
        made.append({"id": f"copy-{record['id']}", "label_key": record["label_key"], "copy_of": record["id"],
                     "url": f"https://{outlet.lower().replace(' ', '')}.example/{slug}", "title": title,
                     "publisher": outlet, "published": published, "text": text})
    return made


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    base = originals()
    records = base + copies(base, rng)
    rng.shuffle(records)
    return records


def main() -> None:
    records = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(OUT, "wb", mtime=0) as fh:
        fh.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode())
    n_copies = sum(1 for r in records if "copy_of" in r)
    print(f"{OUT.relative_to(ROOT)}: {len(records)} records ({n_copies} copies), {OUT.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
