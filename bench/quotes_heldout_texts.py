"""The texts of the round-3 held-out quote pages (`bench/data/quotes-gold-heldout-3.json`), rebuilt from the datasets.

The pages are HTML test pages of two Apache-2.0 projects: trafilatura (github.com/adbar/trafilatura at e90b0ef,
`tests/eval/` and `tests/cache/`, URLs in `tests/evaldata.json`; page id = file name without `.html`) and Mozilla's
Readability (github.com/mozilla/readability at ab4027a, `test/test-pages/<name>/source.html`; page id =
`readability:<name>`). Their text is third-party, so it lives outside the repository, in
`$NEWSDESK_BENCH_DATA/quotes-heldout-3-texts.json` (see `bench/quotes.py`). A page's text is its body as
`newsdesk.clean.clean_document` gives it; the labels were made on the text of the cleaner at the commit named in the
gold file's `about`: run this at that commit to get the very same text (`--check` says whether every labelled quote
still occurs verbatim).

    .venv/bin/python bench/quotes_heldout_texts.py --trafilatura <trafilatura>/tests \\
        --readability <readability>/test/test-pages [--out FILE] [--check]
    ... --candidates [--htmldate-tests <htmldate>/tests]   (the selection order and the automatic filters)

`--candidates` lists each dataset's pages in the fixed selection order (sha256 of 'heldout3:' + URL for
trafilatura, of 'heldout3:readability:' + name for Readability) with the automatic filters of the gold's `about`
applied; the manual ones (a news article, an attributed quotation) were judged by reading.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "bench" / "data" / "quotes-gold-heldout-3.json"
BENCH_DATA = Path(os.environ.get("NEWSDESK_BENCH_DATA") or ROOT.parent / "shared" / "data")
TEXTS = BENCH_DATA / "quotes-heldout-3-texts.json"
READABILITY = "readability:"
ENGLISH = set("the and of to a in is that for it was on with as at by be he she they said are from has have not this "
              "but an his her their who will would".split())


def page_file(page_id: str, trafilatura: Path | None, readability: Path | None) -> Path:
    if page_id.startswith(READABILITY):
        if readability is None:
            raise SystemExit(f"{page_id}: give --readability")
        return readability / page_id.removeprefix(READABILITY) / "source.html"
    if trafilatura is None:
        raise SystemExit(f"{page_id}: give --trafilatura")
    for folder in ("eval", "cache"):
        if (path := trafilatura / folder / f"{page_id}.html").is_file():
            return path
    raise FileNotFoundError(f"{page_id}.html in neither {trafilatura / 'eval'} nor {trafilatura / 'cache'}")


def clean_text(path: Path) -> str:
    from newsdesk.clean import clean_document
    from newsdesk.model import RawDocument
    from newsdesk.sources.urls import decode_html

    html = decode_html(path.read_bytes(), None)
    return clean_document(RawDocument(path=str(path), content=html, content_type="html")).body


def english_share(text: str) -> float:
    tokens = re.findall(r"[a-z]+", text.lower())
    return sum(t in ENGLISH for t in tokens) / len(tokens) if tokens else 0.0


def norm_url(url: str) -> str:
    return re.sub(r"^https?://(www\.)?", "", url.strip().lower()).rstrip("/")


def canonical_url(html: str) -> str | None:
    for pattern in (r'<link[^>]*rel="canonical"[^>]*href="([^"]+)"', r'<link[^>]*href="([^"]+)"[^>]*rel="canonical"',
                    r'property="og:url"[^>]*content="([^"]+)"', r'content="([^"]+)"[^>]*property="og:url"'):
        if match := re.search(pattern, html):
            return match.group(1)
    return None


def candidates(trafilatura: Path | None, readability: Path | None, htmldate: Path | None) -> None:
    """Print each dataset's pages in selection order with the automatic filters' verdicts."""
    ground_truth = ROOT.parent / "shared" / "data" / "extraction-dev" / "ground-truth.json"
    forbidden = {norm_url(v["url"]) for v in json.loads(ground_truth.read_text()).values() if v.get("url")}
    htmldate_files: set[str] = set()
    if htmldate is not None:  # htmldate's evaluation pages were used before (round 2)
        for name in ("eval_default.json", "eval_mediacloud_2020.json"):
            forbidden |= {norm_url(u) for u in json.loads((htmldate / name).read_text())}
        htmldate_files = {p.name for p in htmldate.rglob("*.html")}
    pages: list[tuple[str, str, str | None]] = []  # (order key, page id, URL)
    if trafilatura is not None:
        for url, entry in json.loads((trafilatura / "evaldata.json").read_text()).items():
            key = hashlib.sha256(f"heldout3:{url}".encode()).hexdigest()
            pages.append((f"1{key}", entry["file"].removesuffix(".html"), None if url.startswith("hard::") else url))
    if readability is not None:
        for folder in readability.iterdir():
            key = hashlib.sha256(f"heldout3:{READABILITY}{folder.name}".encode()).hexdigest()
            pages.append((f"2{key}", f"{READABILITY}{folder.name}", None))
    for _, page_id, url in sorted(pages):
        try:
            path = page_file(page_id, trafilatura, readability)
        except FileNotFoundError:
            continue
        if not path.is_file():
            continue
        url = url or canonical_url(path.read_text(errors="replace")) or ""
        if re.fullmatch(r"[0-9a-f]{32}", page_id):
            verdict = "skip: hex-named page (provenance unknown; may come from another benchmark)"
        elif url and norm_url(url) in forbidden:
            verdict = "skip: URL among the extraction-dev or htmldate evaluation pages"
        elif path.name in htmldate_files:
            verdict = "skip: file among htmldate's test pages"
        else:
            text = clean_text(path)
            n_words, share = len(text.split()), english_share(text)
            marks = sum(text.count(m) for m in '"“”')
            verdict = ("skip: not English" if share < 0.15 else f"skip: {n_words} words (< 150)" if n_words < 150
                       else "skip: no double quote marks" if marks < 2 else f"read: {n_words} words, {marks} marks")
        print(f"{page_id}\t{url}\t{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trafilatura", type=Path, help="trafilatura's tests/ folder")
    parser.add_argument("--readability", type=Path, help="Readability's test/test-pages/ folder")
    parser.add_argument("--out", type=Path, default=TEXTS)
    parser.add_argument("--check", action="store_true", help="verify every labelled quote occurs verbatim")
    parser.add_argument("--candidates", action="store_true", help="print the selection order and filters")
    parser.add_argument("--htmldate-tests", type=Path, help="htmldate's tests/ folder (its pages are excluded)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.candidates:
        candidates(args.trafilatura, args.readability, args.htmldate_tests)
        return
    gold = json.loads(GOLD.read_text())
    texts = {page_id: clean_text(page_file(page_id, args.trafilatura, args.readability)) for page_id in gold["pages"]}
    missing = [f"{page_id}: {q['text'][:60]!r}" for page_id, page in gold["pages"].items() for q in page["quotes"]
               if q["text"] not in texts[page_id]]
    if args.check:
        print("\n".join(missing) or f"all {sum(len(p['quotes']) for p in gold['pages'].values())} quotes verbatim")
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    about = (f"Bodies of the pages of bench/data/{GOLD.name} as newsdesk.clean.clean_document gave them at commit "
             f"{commit}, from the HTML test pages of trafilatura and Mozilla Readability (Apache-2.0). Third-party "
             "text: keep it outside the repository. Rebuilt by bench/quotes_heldout_texts.py.")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"about": about, "texts": texts}, ensure_ascii=False, indent=1))
    print(f"{len(texts)} texts written to {args.out}" + (f"; {len(missing)} quotes not verbatim" if missing else ""))
    sys.exit(1 if args.check and missing else 0)


if __name__ == "__main__":
    main()
