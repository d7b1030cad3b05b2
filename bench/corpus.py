"""Reproducible benchmark corpora of N articles, built from the extraction dev set and the seeds.

    python bench/corpus.py --size 1000 [--check]      # -> bench/corpora/1000/ (gitignored)

Material: the 91 dev pages (`html/<key>.html.gz` as page templates, `text/<key>.txt` as text-dump templates,
`ground-truth.json` bodies as the sentence pool) and the cleaned seeds. Every article gets its own body (sentences
drawn from a topical "primary" article plus others, shuffled into new paragraphs, numbers re-drawn and some
proper names swapped), title (from one of its sentences), publication date (2019-2024), publisher (60 synthetic
outlets) and URL; one fixed seed per article index, so corpus N is a prefix of corpus M > N.

Formats (by weight): page HTML 35% (plain `.html` and `.html.gz`, the dev page's own markup and boilerplate around
the new body, its date/title/site metadata replaced), text dumps 35% (half in the dev dump's boilerplate, half
seed-shaped), `.json` 10% (one article object), `.jsonl` 20% (25 records a file). `bench/corpora/<size>.manifest.json`
lists counts.

Nothing is trivially deduplicated: bodies are distinct (exact hashes) and two articles share few word 3-gram
shingles (the stories stage's near-duplicate measure); `--check` computes the largest pairwise Jaccard on a sample.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT.parent / "shared" / "data" / "extraction-dev"
SEEDS = ROOT / "seeds"
CORPORA = ROOT / "bench" / "corpora"
CORPUS_VERSION = "1"
SEED = 20261123
JSONL_RECORDS = 25
FILES_PER_DIR = 1000
FORMATS = {"html": 35, "txt": 35, "json": 10, "jsonl": 20}

_PLACES = ["Ashford", "Bramley", "Carrick", "Dunmore", "Elsworth", "Fairhaven", "Glenrock", "Harwick", "Ivybridge",
           "Kestrel", "Larkspur", "Millbrook", "Northvale", "Oakridge", "Pinecrest", "Queensbury", "Redcliff",
           "Stonebridge", "Thornbury", "Westmoor"]
_PAPERS = ["Herald", "Courier", "Gazette", "Tribune", "Post", "Observer", "Chronicle", "Times", "Record", "Dispatch",
           "Ledger", "Sentinel"]
_FIRST = ["Maria", "James", "Aisha", "Tomas", "Elena", "Daniel", "Priya", "Samuel", "Grace", "Omar", "Lucia", "Ben"]
_LAST = ["Okafor", "Lindqvist", "Moreau", "Haddad", "Kowalski", "Nguyen", "Fischer", "Alvarez", "Brennan", "Sato"]
_STOP_CAPS = {"The", "A", "An", "In", "On", "At", "But", "And", "It", "He", "She", "They", "We", "I", "This", "That",
              "If", "As", "For", "Of", "To", "By", "Mr", "Mrs", "Ms", "Dr", "Monday", "Tuesday", "Wednesday",
              "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May", "June",
              "July", "August", "September", "October", "November", "December"}
_META_DROP = re.compile(r"date|publish|modif|created|time|headline|title|site_name|url|author", re.I)
_BLOCKS = ("p", "li", "blockquote", "h2", "h3", "div", "span", "td")
_SENTENCE = re.compile(r"(?<=[.!?])[\"”’']?\s+(?=[\"“‘']?[A-Z0-9])")
_CAPWORD = re.compile(r"(?<=[a-z,;] )[A-Z][a-z]{2,}\b")
_SMALL_WORDS = {"the", "a", "an", "of", "that", "also", "very", "just", "then", "now", "still", "really"}
_NUMBER = re.compile(r"\b\d+\b")


def norm(text: str) -> str:
    return " ".join(text.split()).lower()


@dataclass
class Material:
    sentences: list[list[str]]          # per source article, its sentences
    flat: list[str]                     # all sentences
    lengths: list[int]                  # body word counts of the dev articles (length distribution)
    capwords: list[str]                 # proper-name-like words for swaps
    html_templates: list[str]           # dev pages with placeholders
    text_templates: list[str]           # dev text dumps with placeholders
    publishers: list[str]


def _split_sentences(body: str) -> list[str]:
    out = []
    for para in re.split(r"\n\s*\n|\n", body):
        for s in _SENTENCE.split(para.strip()):
            s = " ".join(s.split())
            if 4 <= len(s.split()) <= 90:
                out.append(s)
    return out


def _html_template(page: str, body_norm: str) -> str | None:
    """The page with its article paragraphs replaced by @@BODY@@ and its metadata by placeholders."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(page)
    except (ValueError, lxml.etree.ParserError):
        return None
    matched = []
    for el in tree.iter(*_BLOCKS):
        text = norm(el.text_content())
        if len(text) >= 40 and text in body_norm and not any(m in el.iterancestors() for m in matched):
            matched.append(el)
    if len(matched) < 2:
        return None
    first = matched[0]
    marker = lxml.html.fromstring("<div>@@BODY@@</div>")
    first.addprevious(marker)
    for el in matched:
        parent = el.getparent()
        if parent is not None:
            el.drop_tree()
    head = tree.find("head")
    if head is None:
        return None
    for el in list(head.iter("meta")):
        attrs = " ".join(el.get(a, "") for a in ("name", "property", "itemprop"))
        if attrs and _MET_DROP_OK(attrs):
            el.drop_tree()
    for el in list(tree.iter("script")):
        if (el.get("type") or "").lower() == "application/ld+json":
            el.drop_tree()
    for el in list(tree.iter("link")):
        if (el.get("rel") or "").lower() == "canonical":
            el.drop_tree()
    for el in list(tree.iter("title")):
        el.text = "@@TITLE@@"
    h1s = list(tree.iter("h1"))
    if h1s:
        for child in list(h1s[0]):
            h1s[0].remove(child)
        h1s[0].text = "@@TITLE@@"
    else:
        marker.addprevious(lxml.html.fromstring("<h1>@@TITLE@@</h1>"))
    out = lxml.html.tostring(tree, encoding="unicode")
    return out.replace("<head>", "<head>@@HEADMETA@@", 1) if "<head>" in out else None


def _MET_DROP_OK(attrs: str) -> bool:  # noqa: N802 (reads like a constant test)
    return bool(_META_DROP.search(attrs))


def _text_template(dump: str, body_norm: str) -> str | None:
    lines = dump.splitlines()
    hits = [i for i, line in enumerate(lines) if len(norm(line)) >= 40 and norm(line) in body_norm]
    if len(hits) < 2:
        return None
    keep = lines[:hits[0]] + ["@@TITLE@@", "@@BYLINE@@", "", "@@BODY@@", ""] + lines[hits[-1] + 1:]
    return "\n".join(keep)


@lru_cache(maxsize=1)
def material() -> Material:
    truth = json.loads((DEV / "ground-truth.json").read_text())
    sentences, lengths, html_t, text_t = [], [], [], []
    caps: set[str] = set()
    for key in sorted(truth):
        body = truth[key]["articleBody"]
        lengths.append(len(body.split()))
        sents = _split_sentences(body)
        if sents:
            sentences.append(sents)
        for s in sents:
            caps.update(w for w in _CAPWORD.findall(s) if w not in _STOP_CAPS)
        body_norm = norm(body)
        page_path = DEV / "html" / f"{key}.html.gz"
        if page_path.exists():
            t = _html_template(gzip.decompress(page_path.read_bytes()).decode("utf-8", "replace"), body_norm)
            if t:
                html_t.append(t)
        dump_path = DEV / "text" / f"{key}.txt"
        if dump_path.exists():
            t = _text_template(dump_path.read_text(encoding="utf-8", errors="replace"), body_norm)
            if t:
                text_t.append(t)
    for seed in sorted(SEEDS.glob("*.txt")):
        paras = [p for p in seed.read_text(encoding="utf-8").splitlines() if len(p.split()) >= 8]
        sents = [s for p in paras for s in _split_sentences(p)]
        if sents:
            sentences.append(sents)
    rng = random.Random(SEED)
    publishers = sorted({f"The {p} {n}" for p in _PLACES for n in _PAPERS})
    rng.shuffle(publishers)
    return Material(sentences=sentences, flat=[s for group in sentences for s in group], lengths=lengths, capwords=sorted(caps), html_templates=html_t,
                    text_templates=text_t, publishers=sorted(publishers[:60]))


@dataclass
class Doc:
    index: int
    fmt: str
    title: str
    paragraphs: list[str]
    published: datetime
    publisher: str
    author: str
    url: str
    template: int


def _perturb(sentence: str, rng: random.Random, capwords: list[str]) -> str:
    def number(m: re.Match[str]) -> str:
        digits = m.group(0)
        if len(digits) == 4 and digits[:2] in ("19", "20"):
            return str(rng.randint(2012, 2024))
        return str(rng.randint(10 ** (len(digits) - 1) if len(digits) > 1 else 0, 10 ** len(digits) - 1))

    sentence = _NUMBER.sub(number, sentence)
    tokens = sentence.split(" ")
    small = [k for k in range(1, len(tokens) - 1) if tokens[k] in _SMALL_WORDS]
    if small and rng.random() < 0.6:  # drop a function word: breaks the 3-gram shingles around it
        del tokens[rng.choice(small)]
        sentence = " ".join(tokens)
    if rng.random() < 0.4:
        words = _CAPWORD.findall(sentence)
        if words:
            old = rng.choice(words)
            sentence = re.sub(rf"\b{re.escape(old)}\b", rng.choice(capwords), sentence)
    return sentence


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def make_doc(i: int) -> Doc:
    """Article `i` of every corpus (deterministic)."""
    m = material()
    rng = random.Random(f"{SEED}:{i}")
    fmt = rng.choices(list(FORMATS), weights=list(FORMATS.values()))[0]
    target = max(150, min(2500, int(rng.choice(m.lengths) * rng.uniform(0.6, 1.3))))
    primary = rng.randrange(len(m.sentences))
    others = rng.sample(range(len(m.sentences)), 4)
    chosen: list[str] = []
    words = 0
    own = rng.sample(m.sentences[primary], max(1, len(m.sentences[primary]) // 4))  # topical, but a small share
    while words < target:
        if own and rng.random() < 0.4:
            s = own.pop()
        elif rng.random() < 0.3:
            s = rng.choice(m.sentences[rng.choice(others)])
        else:
            s = rng.choice(m.flat)
        s = _perturb(s, rng, m.capwords)
        chosen.append(s)
        words += len(s.split())
    paragraphs, k = [], 0
    while k < len(chosen):
        n = rng.randint(1, 4)
        paragraphs.append(" ".join(chosen[k:k + n]))
        k += n
    title_words = rng.choice(chosen).rstrip(".!?\"”").split()
    start = 0 if rng.random() < 0.7 else rng.randrange(max(1, len(title_words) - 8))
    title = " ".join(title_words[start:start + rng.randint(6, 13)]).strip(" ,;:“\"'")
    title = title[:1].upper() + title[1:]
    published = datetime(2019, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=rng.randrange(6 * 365 * 86400))
    publisher = rng.choice(m.publishers)
    author = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    url = f"https://www.{_slug(publisher)}.example/{published:%Y/%m/%d}/{_slug(title)}-{i}"
    template = rng.randrange(1 << 30)
    return Doc(i, fmt, title, paragraphs, published, publisher, author, url, template)


def render_html(doc: Doc) -> str:
    m = material()
    page = m.html_templates[doc.template % len(m.html_templates)]
    e = html.escape
    ld = json.dumps({"@context": "https://schema.org", "@type": "NewsArticle", "headline": doc.title,
                     "datePublished": doc.published.isoformat(), "author": {"@type": "Person", "name": doc.author},
                     "publisher": {"@type": "Organization", "name": doc.publisher}, "url": doc.url}).replace("</", "<\\/")
    meta = (f'<meta property="og:title" content="{e(doc.title)}">'
            f'<meta property="og:site_name" content="{e(doc.publisher)}">'
            f'<meta property="article:published_time" content="{doc.published.isoformat()}">'
            f'<meta name="author" content="{e(doc.author)}">'
            f'<link rel="canonical" href="{e(doc.url)}">'
            f'<script type="application/ld+json">{ld}</script>')
    body = "".join(f"<p>{e(p)}</p>\n" for p in doc.paragraphs)
    byline = f'<p class="byline">By {e(doc.author)} | <time datetime="{doc.published.isoformat()}">' \
             f'{doc.published:%B %d, %Y}</time></p>\n'
    return (page.replace("@@HEADMETA@@", meta, 1).replace("@@TITLE@@", e(doc.title))
            .replace("<div>@@BODY@@</div>", f"<div>{byline}{body}</div>", 1))


def render_text(doc: Doc) -> str:
    m = material()
    body = "\n\n".join(doc.paragraphs)
    if doc.template % 2 == 0 and m.text_templates:
        page = m.text_templates[(doc.template // 2) % len(m.text_templates)]
        return (page.replace("@@TITLE@@", doc.title)
                .replace("@@BYLINE@@", f"By {doc.author} | {doc.published:%B %d, %Y}")
                .replace("@@BODY@@", body))
    return f"{doc.title}\n\n{doc.published:%Y-%m-%d} {body}\n\n{doc.publisher}\n"


def record(doc: Doc) -> dict[str, object]:
    body_key = ("body", "text", "content")[doc.template % 3]
    return {"id": f"bench-{doc.index}", "url": doc.url, "title": doc.title, "published": doc.published.isoformat(),
            "publisher": doc.publisher, "authors": [doc.author], body_key: "\n\n".join(doc.paragraphs)}


def corpus_dir(size: int) -> Path:
    return CORPORA / str(size)


def manifest_of(size: int) -> Path:
    """Beside the corpus folder, not in it (a .json there would be ingested as an article)."""
    return CORPORA / f"{size}.manifest.json"


def build(size: int, force: bool = False, quiet: bool = False) -> Path:
    """Write corpus `size` to bench/corpora/<size>/ unless a complete one of this version is there."""
    out = corpus_dir(size)
    manifest_path = manifest_of(size)
    if not force and manifest_path.exists() and out.is_dir():
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("version") == CORPUS_VERSION and manifest.get("articles") == size:
            return out
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    start = time.perf_counter()
    counts = {"html": 0, "html.gz": 0, "txt": 0, "json": 0, "jsonl_records": 0, "jsonl_files": 0}
    files = 0
    pending: list[dict[str, object]] = []

    def path_for(kind: str, name: str) -> Path:
        nonlocal files
        d = out / kind / f"{files // FILES_PER_DIR:04d}"
        files += 1
        d.mkdir(parents=True, exist_ok=True)
        return d / name

    def flush() -> None:
        if pending:
            p = path_for("jsonl", f"batch-{pending[0]['id']}.jsonl")
            p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in pending), encoding="utf-8")
            counts["jsonl_files"] += 1
            pending.clear()

    for i in range(size):
        doc = make_doc(i)
        if doc.fmt == "html":
            page = render_html(doc)
            if doc.template % 2:
                path_for("html", f"a{i:06d}.html.gz").write_bytes(gzip.compress(page.encode(), 6, mtime=0))
                counts["html.gz"] += 1
            else:
                path_for("html", f"a{i:06d}.html").write_text(page, encoding="utf-8")
                counts["html"] += 1
        elif doc.fmt == "txt":
            path_for("txt", f"a{i:06d}.txt").write_text(render_text(doc), encoding="utf-8")
            counts["txt"] += 1
        elif doc.fmt == "json":
            path_for("json", f"a{i:06d}.json").write_text(json.dumps(record(doc), ensure_ascii=False), encoding="utf-8")
            counts["json"] += 1
        else:
            pending.append(record(doc))
            counts["jsonl_records"] += 1
            if len(pending) >= JSONL_RECORDS:
                flush()
        if not quiet and (i + 1) % 5000 == 0:
            print(f"  corpus {size}: {i + 1} articles ({time.perf_counter() - start:.0f} s)", file=sys.stderr, flush=True)
    flush()
    manifest = {"version": CORPUS_VERSION, "seed": SEED, "articles": size, "files": files, "counts": counts,
                "bytes": sum(p.stat().st_size for p in out.rglob("*") if p.is_file()),
                "build_seconds": round(time.perf_counter() - start, 1)}
    manifest_path.write_text(json.dumps(manifest, indent=2))
    return out


def html_docs(size: int) -> list[Doc]:
    """The HTML-page articles of corpus `size` (for the extraction limit)."""
    return [d for d in (make_doc(i) for i in range(size)) if d.fmt == "html"]


def check(size: int, sample: int = 600) -> dict[str, float]:
    """Largest and mean pairwise word-3-gram Jaccard over a sample of bodies (exact duplicates counted)."""
    try:
        from newsdesk.stories.text import shingles, words
    except ImportError:  # the stories stage not there: the same measure, locally
        def words(text: str) -> list[str]:
            return re.findall(r"\w+", text.lower())

        def shingles(tokens: list[str], size: int = 3) -> set[str]:
            return {" ".join(tokens[k:k + size]) for k in range(max(1, len(tokens) - size + 1))}
    rng = random.Random(1)
    ids = rng.sample(range(size), min(sample, size))
    sets = [shingles(words("\n\n".join(make_doc(i).paragraphs))) for i in ids]
    bodies = {norm("\n\n".join(make_doc(i).paragraphs)) for i in ids}
    best, total, pairs = 0.0, 0.0, 0
    for a in range(len(sets)):
        for b in range(a + 1, len(sets)):
            inter = len(sets[a] & sets[b])
            j = inter / (len(sets[a]) + len(sets[b]) - inter) if inter else 0.0
            best = max(best, j)
            total += j
            pairs += 1
    return {"sampled": len(ids), "distinct_bodies": len(bodies), "max_jaccard": round(best, 3),
            "mean_jaccard": round(total / max(1, pairs), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, nargs="+", default=[1000])
    parser.add_argument("--force", action="store_true", help="rebuild even if present")
    parser.add_argument("--check", action="store_true", help="report near-duplicate overlap on a sample")
    args = parser.parse_args()
    for size in args.size:
        out = build(size, force=args.force)
        print(json.dumps({"path": str(out), **json.loads(manifest_of(size).read_text())}))
        if args.check:
            print(json.dumps(check(size)))


if __name__ == "__main__":
    main()
