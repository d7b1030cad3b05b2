"""Publisher and title quality on the labelled dev pages, HTML and text dumps, against trafilatura alone.

Labels: bench/data/metadata-labels.json (made by reading each page; conventions in its `about`). Every page
and its text dump go through the real cleaner and enrichment (a fresh publisher registry) in one batch, as an
ingest would. Pages are split by site (bench/split.py); the publisher and title rules were developed looking
at `tune` pages only, so the `test` columns are the result.

Scores (per input kind and split):
- publisher exact: the publisher equals the label;
- publisher junk: a publisher that is none of the names the site goes by (a tagline, a link, an address, a
  person, a headline);
- outlets under two names: labelled outlets that got more than one distinct name (HTML and dumps together);
- title site segment: a title that still begins or ends with the site's name (`| ZDNet`, `– TechCrunch`);
- title junk: a title that is not the page's headline (under half of its words in any labelled headline);
- titled: articles with a title (the others are listed under a label from their lead sentence).
trafilatura alone (its `title` and `sitename`) is scored on the same pages in the same run.

Text-dump titles are also scored on dumps rendered from the htmldate sample pages (`../shared/data/dates-extra/`,
outside the repository, see bench/dates.py; mostly German blogs and news sites): the page's visible text, one
line per block without blank lines (`clean.html.visible_text`, the shape of the dev dumps); a title is junk when under half of its words are in any title the
page gives itself (og:title, twitter:title, JSON-LD headline, <title>, h1/h2). Same split by site.

Run: .venv/bin/python bench/metadata.py [--show tune] [--tune-only]   (--tune-only: tune pages only, for
development; nothing is written)
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

HERE = Path(__file__).resolve().parent
DEV = HERE.parent.parent / "shared" / "data" / "extraction-dev"
LABELS = HERE / "data" / "metadata-labels.json"
SPLITS = ("test", "tune")
WORD = re.compile(r"\w+")
SEPARATOR_IN_NAME = re.compile(r"\s[|–—·•»:~/-]\s")


def squash(text: str) -> str:
    words = WORD.findall(text.casefold())
    return "".join(words[1:] if len(words) > 1 and words[0] == "the" else words)


def has_site_segment(title: str, site_names: list[str], url: str) -> bool:
    """The title starts or ends with one of the site's names (or its domain), set off by a separator."""
    host = re.sub(r"^https?://(?:www\.)?", "", url).split("/")[0]
    names = {n.strip().lstrip("@") for n in site_names if len(n.strip()) > 1} | {host, host.split(".")[0]}
    for name in names:
        pattern = re.escape(name)
        if re.search(rf"\s(?:[|–—·•»:~/-]|--|::)\s*{pattern}(?:\s+\w+){{0,2}}\s*$", title, re.I):
            return True  # "Headline | Site", "Headline - Site West Virginia"
        if re.match(rf"^\s*{pattern}\s*(?:[|–—·•»~/-]|--|::)\s", title, re.I):
            return True  # "Site | Headline"
        if SEPARATOR_IN_NAME.search(name) and re.match(rf"^\s*{pattern}\s*:\s", title, re.I):
            return True  # "Site | Tagline: Headline"
    return False


def is_headline(title: str, headlines: list[str]) -> bool:
    words = set(WORD.findall(title.casefold()))
    return bool(words) and any(len(words & set(WORD.findall(h.casefold()))) >= 0.5 * len(words) for h in headlines)


def page_titles(html: str) -> list[str]:
    """Every title a page gives itself: its title metadata, its headline, its h1 and h2 elements."""
    from newsdesk.clean.page import parse_html, read_page

    identity, tree = read_page(html), parse_html(html)
    titles = [*identity.titles, *([identity.headline] if identity.headline else [])]
    if tree is not None:
        titles += [" ".join(h.text_content().split()) for h in tree.xpath("//h1 | //h2")]
    return [t for t in titles if t]


def rendered_dump_titles(only: str | None) -> dict[str, list[int]] | None:
    """Titled and junk-titled dumps per split, of dumps rendered from the htmldate sample (None without it)."""
    from bench.split import split_of
    from newsdesk.clean import clean_document
    from newsdesk.clean.html import visible_text
    from newsdesk.model import RawDocument

    folder = HERE.parent.parent / "shared" / "data" / "dates-extra"
    if not (folder / "labels.json").is_file():
        print(f"htmldate evaluation sample not found at {folder}: rendered dumps left out")
        return None
    counts = {s: [0, 0, 0] for s in SPLITS}  # dumps, titled, junk
    for key, label in sorted(json.loads((folder / "labels.json").read_text())["labels"].items()):
        split = split_of(label["url"])
        if only and split != only:
            continue
        html = gzip.open(folder / "pages" / f"{key}.html.gz", "rt", errors="replace").read()
        dump = "\n".join(" ".join(line.split()) for line in visible_text(html).split("\n") if line.strip())
        title = clean_document(RawDocument(path=f"{key}.txt", content=dump, content_type="text")).title
        junk = bool(title) and not is_headline(title, page_titles(html))
        counts[split][0] += 1
        counts[split][1] += bool(title)
        counts[split][2] += junk
        if only and junk:
            print(f"{key[:8]} rendered dump: junk title {title!r}")
    return counts


def trafilatura_alone(html: str) -> tuple[str | None, str | None]:
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(html, with_metadata=True)
    except Exception:  # trafilatura raises a variety of parser errors on broken markup
        return None, None
    return (doc.title or None, doc.sitename or None) if doc is not None else (None, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show", choices=SPLITS, help="print this split's wrong publishers and titles")
    parser.add_argument("--no-write", action="store_true", help="do not update BENCHMARKS.md")
    parser.add_argument("--tune-only", action="store_true", help="score tune pages only (development; no write)")
    args = parser.parse_args()
    only = "tune" if args.tune_only else None
    os.environ["NEWSDESK_HOME"] = tempfile.mkdtemp(prefix="newsdesk-metadata-bench-")  # a fresh publisher registry

    from bench.report import write_section
    from bench.split import split_of
    from newsdesk.clean import clean_document
    from newsdesk.enrich import enrich_articles
    from newsdesk.model import RawDocument

    labels = json.loads(LABELS.read_text())["labels"]
    items, meta = [], []
    for key, label in sorted(labels.items()):
        if only and split_of(label["url"]) != only:
            continue
        html = gzip.open(DEV / "html" / f"{key}.html.gz", "rt", errors="replace").read()
        dump = (DEV / "text" / f"{key}.txt").read_text(errors="replace")
        for kind, raw in (("html", RawDocument(path=f"{key}.html", content=html, content_type="html")),
                          ("text", RawDocument(path=f"{key}.txt", content=dump, content_type="text"))):
            article = clean_document(raw)
            if kind == "html":  # an HTML file's URL is known when it comes from a crawl, a feed or a JSON record
                article = article.model_copy(update={"url": label["url"]})
            items.append((raw, article))
            meta.append((key, kind, label))
    enriched = enrich_articles(items)

    rows: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    names_of: dict[str, set[str]] = defaultdict(set)
    shown: list[str] = []

    def count(method: str, kind: str, split: str, metric: str, hit: bool) -> None:
        cell = rows[(f"{method}|{metric}", kind, split)]
        cell[0] += hit
        cell[1] += 1

    for (raw, _), (key, kind, label), article in zip(items, meta, enriched):
        split = split_of(label["url"])
        sites = label["site_names"]
        results = {"newsdesk": (article.title, article.publisher)}
        if kind == "html":
            results["trafilatura alone"] = trafilatura_alone(raw.content)
        for method, (title, publisher) in results.items():
            site_keys = {squash(n.lstrip("@")) for n in sites}
            count(method, kind, split, "publisher exact", publisher == label["publisher"])
            count(method, kind, split, "publisher junk", bool(publisher) and squash(publisher) not in site_keys
                  and squash(publisher) not in squash(label["url"]))
            count(method, kind, split, "publisher missing", not publisher)
            count(method, kind, split, "titled", bool(title))
            if title:
                count(method, kind, split, "title site segment", has_site_segment(title, sites, label["url"]))
                count(method, kind, split, "title junk", not is_headline(title, label["headlines"]))
            if method == "newsdesk" and publisher:
                names_of[label["publisher"]].add(publisher)
            if method == "newsdesk" and args.show == split and (
                    publisher != label["publisher"] or (title and (has_site_segment(title, sites, label["url"])
                                                                   or not is_headline(title, label["headlines"])))):
                shown.append(f"{key[:8]} {kind}: publisher {publisher!r} (label {label['publisher']!r}); "
                             f"title {title!r}")
    for line in shown:
        print(line)

    def cell(method: str, metric: str, kind: str, split: str) -> str:
        hit, n = rows.get((f"{method}|{metric}", kind, split), [0, 0])
        return f"{hit}/{n} ({hit / n:.1%})" if n else "-"

    metrics = ["publisher exact", "publisher junk", "publisher missing", "titled", "title site segment", "title junk"]
    table = []
    for kind in ("html", "text"):
        for method in ("newsdesk", "trafilatura alone"):
            if kind == "text" and method != "newsdesk":
                continue
            for metric in metrics:
                table.append(f"| {kind} | {method} | {metric} | {cell(method, metric, kind, 'test')} "
                             f"| {cell(method, metric, kind, 'tune')} |")
    rendered = rendered_dump_titles(only)
    if rendered:
        def rate(hit: int, n: int) -> str:
            return f"{hit}/{n} ({hit / n:.1%})" if n else "-"

        (test_n, test_titled, test_junk), (tune_n, tune_titled, tune_junk) = rendered["test"], rendered["tune"]
        kind = "text rendered from the htmldate sample"
        table.append(f"| {kind} | newsdesk | titled | {rate(test_titled, test_n)} | {rate(tune_titled, tune_n)} |")
        table.append(f"| {kind} | newsdesk | title junk | {rate(test_junk, test_titled)} "
                     f"| {rate(tune_junk, tune_titled)} |")
    two_names = {outlet: sorted(names) for outlet, names in names_of.items() if len(names) > 1}
    collisions = defaultdict(set)
    for names in names_of.values():
        for name in names:
            collisions[squash(name)].add(name)
    same_key = [sorted(v) for v in collisions.values() if len(v) > 1]
    text = (
        "Publishers and titles on the 91 labelled extraction dev pages and their 91 text dumps "
        "(`bench/data/metadata-labels.json`, labelled by reading the pages), through the real cleaner and enrichment "
        "in one batch (fresh publisher registry; an HTML page's URL known). Split by site (`bench/split.py`): the "
        "rules were developed looking at `tune` pages only; **the test column is the result**. Rates of titles "
        "are over titled articles. The last rows: text dumps rendered from the htmldate sample's 120 pages "
        "(`../shared/data/dates-extra/`, outside the repository; mostly German), same split by site, a title "
        "junk when under half of its words are in any title the page gives itself.\n\n"
        "| input | method | metric | test | tune |\n|---|---|---|---|---|\n" + "\n".join(table) + "\n\n"
        f"Outlets under two names (all pages, HTML and dumps): {len(two_names)}"
        + (": " + "; ".join(f"{o}: {', '.join(n)}" for o, n in sorted(two_names.items())) if two_names else "")
        + f". Names differing only in case or spacing: {len(same_key)}"
        + (": " + "; ".join(" / ".join(v) for v in same_key) if same_key else "") + ".\n\n"
        "Caveats: before the split and the labels existed, the previous code's publishers and titles on all 91 "
        "pages were surveyed once (the issue's examples come from them); from then on only `tune` pages were "
        "inspected. The first rules for dump headlines did not carry over from tune (junk 1/28 tune, 7/39 test); "
        "they were rewritten (the line a byline follows, not the nearest headline-shaped line) looking at tune "
        "dumps only, dev and rendered, and at the kinds of lines dumps start with. Test figures were seen only "
        "as totals: on main's code before round 2 changed anything; for the rewritten rules (dev dumps 7/33 "
        "junk, rendered 4/28; main's code on the rendered test pages: 8/30); and once more after one further "
        "change decided on tune figures alone (a mid-page line with no byline under it is no title: 2 of 7 such "
        "titles were junk on tune, none of 68 with a byline): the figures above. Rendered dumps are the htmldate sample's pages through our own `visible_text`: their labels are "
        "the pages' own titles, not hand labels.\n"
    )
    print(text)
    if not args.no_write and not only:
        write_section("metadata", "## Publishers and titles\n\n" + text, command=".venv/bin/python bench/metadata.py")


if __name__ == "__main__":
    main()
