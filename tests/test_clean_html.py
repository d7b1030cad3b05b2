"""The HTML path: trafilatura main text and metadata, the visible-text fallback, on dev pages."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from newsdesk.clean import clean_document
from newsdesk.clean.html import extract_html, visible_text
from newsdesk.model import RawDocument

EXTRACTION_DEV = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "extraction-dev"
DEV_PAGES = [
    "0d46122928b6f468cc4bbc694051d0dbae5702bc75a16dab82a99b58daf150a0",
    "1ace8c85aaee21b9d4505eca506d50c4721c29db62848b567a9703bfe0583892",
]


def dev_page(key: str) -> tuple[str, dict[str, str]]:
    path = EXTRACTION_DEV / "html" / f"{key}.html.gz"
    if not path.exists():
        pytest.skip(f"extraction benchmark data absent: {path}")
    truth = json.loads((EXTRACTION_DEV / "ground-truth.json").read_text())[key]
    return gzip.decompress(path.read_bytes()).decode("utf-8", "replace"), truth


@pytest.mark.parametrize("key", DEV_PAGES)
def test_dev_page_body_is_the_article(key: str) -> None:
    html, truth = dev_page(key)
    article = clean_document(RawDocument(path=f"pages/{key}.html", content=html, content_type="html"))
    paragraphs = [p.strip() for p in truth["articleBody"].split("\n") if len(p.split()) > 8]
    assert sum(p in article.body for p in paragraphs) >= 0.9 * len(paragraphs)
    assert len(article.body) < 1.3 * len(truth["articleBody"])
    assert article.title and article.title not in article.body
    assert article.published is not None and article.provenance["published"].source == "html"
    assert article.url is None or article.url.rstrip("/").split("/")[-1] in truth["url"]
    assert "publisher.html-sitename" in article.provenance


ARTICLE_HTML = """<html><head><title>Bridge reopens | Metro Daily</title>
<meta property="og:site_name" content="Metro Daily"><meta name="author" content="Jane Doe">
<meta property="article:published_time" content="2024-03-05T08:00:00Z">
<link rel="canonical" href="https://metro.example/bridge-reopens"></head>
<body><nav><a href="/">Home</a><a href="/news">News</a><a href="/sport">Sport</a></nav>
<article><h1>Bridge reopens after two years of repairs</h1>
<p>The old river bridge reopened to traffic on Monday morning after two years of repairs that cost the city far more than planned.</p>
<p>Drivers queued from dawn to be among the first to cross, and the mayor cut a ribbon at the east end shortly after seven o'clock.</p>
<p>Engineers said the steel deck had been replaced in full and the piers strengthened against floods, which should keep the bridge open for decades.</p>
</article><footer>© 2024 Metro Daily. All rights reserved.</footer></body></html>"""


def test_metadata_and_main_text() -> None:
    page = extract_html(ARTICLE_HTML)
    assert page.sitename == "Metro Daily" and page.authors == ["Jane Doe"]
    assert page.url == "https://metro.example/bridge-reopens" and str(page.published) == "2024-03-05"
    assert not page.fallback
    article = clean_document(RawDocument(path="p/bridge.html", content=ARTICLE_HTML, content_type="html"))
    assert article.body.startswith("The old river bridge reopened")
    assert "Home" not in article.body and "©" not in article.body
    assert article.publisher == "Metro Daily" and article.authors == ["Jane Doe"]


def test_fallback_to_visible_text_when_main_text_is_too_short() -> None:
    html = "<html><body><div><span>Short note: the office is closed on Friday.</span></div><script>var x=1;</script></body></html>"
    page = extract_html(html)
    assert "the office is closed on Friday" in page.text and "var x" not in page.text
    assert "var x" not in visible_text(html)


def test_empty_page_gives_empty_body() -> None:
    article = clean_document(RawDocument(path="p/empty.html", content="<html><body></body></html>", content_type="html"))
    assert article.body == ""
