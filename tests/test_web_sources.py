"""Reading what news lives in: RSS/Atom feeds, sitemaps, URL lists, WARC archives, and URL identity."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsdesk.model import DocumentOutcome, RawDocument
from newsdesk.sources import InputFile, LoadError, WarcPart, discover, load
from newsdesk.sources.feeds import parse_feed
from newsdesk.sources.sitemaps import parse_sitemap
from newsdesk.sources.urls import Listed, canonical_link, canonical_url, decode_html, read_url_list
from newsdesk.sources.warc import scan_parts

ARTICLE = ("<html><head><title>{title}</title>{head}</head><body><article><h1>{title}</h1>"
           + "<p>The council met on Tuesday to discuss the new budget for the city's schools and parks.</p>" * 8
           + "</article></body></html>")


def article(title: str = "Budget approved", head: str = "") -> bytes:
    return ARTICLE.format(title=title, head=head).encode()


# -- identity ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "expected"), [
    ("HTTPS://News.Example.COM:443/a/b?utm_source=rss&id=3&fbclid=x&utm_medium=feed#comments",
     "https://news.example.com/a/b?id=3"),
    ("http://example.com/story?b=2&a=1&gclid=abc", "http://example.com/story?a=1&b=2"),
    ("http://example.com:8080/x/", "http://example.com:8080/x/"),
    ("https://example.com", "https://example.com"),
])
def test_canonical_url_drops_tracking_fragments_and_default_ports(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_canonical_link_is_the_identity_when_it_stays_in_the_site() -> None:
    page = "https://www.example.com/news/2019/budget.amp?utm_source=tw"
    head = '<link rel="canonical" href="https://example.com/news/2019/budget?utm_campaign=x">'
    assert canonical_link(f"<html><head>{head}</head></html>", page) == "https://example.com/news/2019/budget"
    relative = '<link href="/news/2019/budget" rel="canonical">'
    assert canonical_link(f"<head>{relative}</head>", page) == "https://www.example.com/news/2019/budget"
    elsewhere = '<link rel="canonical" href="https://aggregator.example.org/story/1">'
    assert canonical_link(f"<head>{elsewhere}</head>", page) is None  # another site: not this page's identity
    front = '<link rel="canonical" href="https://www.example.com/">'
    assert canonical_link(f"<head>{front}</head>", page) is None  # every article pointing at the front page
    in_body = '<html><head></head><body><link rel="canonical" href="https://www.example.com/other"></body>'
    assert canonical_link(in_body, page) is None


def test_html_is_decoded_by_bom_then_http_charset_then_meta() -> None:
    text = "Café société – “quoted”"
    cp1252 = f"<html><body><p>{text}</p></body></html>".encode("cp1252")
    assert text in decode_html(cp1252, "text/html; charset=windows-1252")
    meta = f'<html><head><meta charset="windows-1252"></head><body><p>{text}</p></body></html>'.encode("cp1252")
    assert text in decode_html(meta, "text/html")
    bom = "\ufeff<html><body><p>" + text + "</p></body></html>"
    assert decode_html(bom.encode("utf-8"), "text/html; charset=iso-8859-1").startswith("<html>")
    undeclared = f"<html><body><p>{text}</p></body></html>".encode()
    assert text in decode_html(undeclared, "text/html")


# -- feeds ----------------------------------------------------------------------------------------

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Example</title>
<language>en-gb</language>
<item><title>Budget &amp; schools</title><link>/news/budget?utm_source=rss</link>
<pubDate>Tue, 19 Nov 2019 23:30:00 -0500</pubDate><dc:creator>Jane Doe</dc:creator></item>
<item><title>No link here</title><description>teaser</description></item>
<item><title>Guid link</title><guid isPermaLink="true">https://example.com/news/guid</guid></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title type="html">Mayor &lt;em&gt;resigns&lt;/em&gt;</title><link rel="alternate" href="https://example.com/mayor"/>
<published>2019-11-18T09:00:00-05:00</published><updated>2019-11-19T10:00:00Z</updated>
<author><name>Ann Lee</name></author><author><name>Ben Okafor</name></author></entry></feed>"""


def test_rss_entries_carry_title_date_and_author_hints() -> None:
    found = list(parse_feed(RSS, "https://example.com/feed.xml"))
    pages = [f for f in found if isinstance(f, Listed)]
    skipped = [f for f in found if isinstance(f, DocumentOutcome)]
    assert [p.url for p in pages] == ["https://example.com/news/budget?utm_source=rss", "https://example.com/news/guid"]
    assert pages[0].hints == {"title": "Budget & schools", "published": "Tue, 19 Nov 2019 23:30:00 -0500",
                              "authors": ["Jane Doe"], "language": "en-gb"}
    assert pages[0].listed == "2019-11-20T04:30:00"  # UTC, for comparing runs
    assert [(s.status, s.reason) for s in skipped] == [("skipped", "feed entry 2 has no http(s) link")]


def test_atom_entries_with_html_titles_and_several_authors() -> None:
    (entry,) = parse_feed(ATOM, "https://example.com/atom.xml")
    assert isinstance(entry, Listed)
    assert entry.hints["title"] == "Mayor resigns" and entry.hints["authors"] == ["Ann Lee", "Ben Okafor"]
    assert entry.hints["published"] == "2019-11-18T09:00:00-05:00" and entry.listed == "2019-11-19T10:00:00"


def test_broken_feed_keeps_the_entries_before_the_damage_and_garbage_is_an_error() -> None:
    truncated = RSS[:RSS.index(b"<item><title>No link")] + b"<item><title>cut off"
    assert [e.url for e in parse_feed(truncated, "https://example.com/feed.xml") if isinstance(e, Listed)] == [
        "https://example.com/news/budget?utm_source=rss"]
    with pytest.raises(LoadError, match="malformed feed: SAXParseException"):
        list(parse_feed(b"<rss><channel><title>& broken", "https://example.com/feed.xml"))
    with pytest.raises(LoadError, match="not an RSS or Atom feed"):
        list(parse_feed(b"<html><body>hello</body></html>", "https://example.com/feed.xml"))


# -- sitemaps -------------------------------------------------------------------------------------

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
<url><loc>https://example.com/news/budget</loc><lastmod>2019-11-20T12:00:00+01:00</lastmod>
<news:news><news:publication><news:name>Example Times</news:name><news:language>en</news:language></news:publication>
<news:publication_date>2019-11-19</news:publication_date><news:title>Budget approved</news:title></news:news></url>
<url><loc>https://example.com/news/plain</loc></url>
<url><lastmod>2019-11-20</lastmod></url>
</urlset>"""


def test_news_sitemap_entries_carry_publisher_title_and_date_hints() -> None:
    found = list(parse_sitemap(NEWS_SITEMAP, "https://example.com/sitemap.xml"))
    budget, plain, missing = found
    assert isinstance(budget, Listed) and budget.url == "https://example.com/news/budget"
    assert budget.hints == {"title": "Budget approved", "published": "2019-11-19", "publisher": "Example Times",
                            "language": "en"}
    assert budget.listed == "2019-11-20T11:00:00"
    assert isinstance(plain, Listed) and plain.hints == {} and plain.listed is None
    assert isinstance(missing, DocumentOutcome) and missing.reason == "sitemap entry 3 has no http(s) <loc>"


def test_sitemap_index_text_sitemap_and_errors() -> None:
    index = (b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap>'
             b"<loc>https://example.com/s1.xml.gz</loc><lastmod>2019-11-20</lastmod></sitemap></sitemapindex>")
    (child,) = parse_sitemap(index, "https://example.com/index.xml")
    assert isinstance(child, Listed) and child.sitemap and child.listed == "2019-11-20T00:00:00"
    text = b"https://example.com/a\nhttps://example.com/b\n\n"
    assert [e.url for e in parse_sitemap(text, "https://example.com/s.txt")] == ["https://example.com/a",
                                                                               "https://example.com/b"]
    with pytest.raises(LoadError, match="not a sitemap"):
        list(parse_sitemap(b"<html><body/></html>", "https://example.com/s.xml"))
    with pytest.raises(LoadError, match="malformed sitemap XML"):
        list(parse_sitemap(b"<urlset><url><loc>https://example.com/a</lo", "https://example.com/s.xml"))
    with pytest.raises(LoadError, match="decompress first"):
        list(parse_sitemap(gzip.compress(text), "https://example.com/s.xml.gz"))


def test_sitemap_does_not_resolve_external_entities(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("https://attacker.example/leaked")
    xxe = (f'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file://{secret}">]>'
           '<urlset><url><loc>&x;</loc></url></urlset>').encode()
    found = list(parse_sitemap(xxe, "https://example.com/s.xml"))
    assert not any(isinstance(f, Listed) and "leaked" in f.url for f in found)


# -- URL lists ------------------------------------------------------------------------------------

def test_url_list_reads_one_url_per_line_and_says_why_a_line_is_not_one(tmp_path: Path) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text("# today's watch list\nhttps://example.com/a\n\n  http://example.com/b  \nexample.com/c\n"
                       "ftp://example.com/d\n")
    found = list(read_url_list(str(listing)))
    assert [f for f in found if isinstance(f, tuple)] == [(f"{listing}#2", "https://example.com/a"),
                                                          (f"{listing}#4", "http://example.com/b")]
    assert [f.reason for f in found if isinstance(f, DocumentOutcome)] == [
        "line 5: not an http(s) URL: 'example.com/c'", "line 6: not an http(s) URL: 'ftp://example.com/d'"]
    (missing,) = read_url_list(str(tmp_path / "nope.txt"))
    assert isinstance(missing, DocumentOutcome) and missing.status == "failed"


# -- WARC -------------------------------------------------------------------------------------------

def write_warc(path: Path, captures: list[tuple[str, bytes, str, str]], gz: bool = True) -> Path:
    """(url, body, HTTP status line, content type) captures, each with its request record."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests"}))
        for url, body, status, content_type in captures:
            headers = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))
            writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n")))
    return path


@pytest.mark.parametrize("gz", [True, False], ids=["warc.gz", "warc"])
def test_warc_html_captures_become_documents_and_the_rest_is_accounted(tmp_path: Path, gz: bool) -> None:
    path = write_warc(tmp_path / ("crawl.warc.gz" if gz else "crawl.warc"), [
        ("https://example.com/news/budget?utm_source=x", article(), "200 OK", "text/html; charset=utf-8"),
        ("https://example.com/missing", b"not here", "404 Not Found", "text/html"),
        ("https://example.com/logo.png", b"\x89PNG....", "200 OK", "image/png"),
        ("https://example.com/news/mayor", article("Mayor resigns",
                                                   '<link rel="canonical" href="https://example.com/mayor">'),
         "200 OK", "text/html"),
    ], gz=gz)
    (part,) = [p for p in discover([str(path)]) if isinstance(p, WarcPart)]
    docs = list(load(part, 1_000_000))
    pages = [d for d in docs if isinstance(d, RawDocument)]
    assert [p.fields["url"] for p in pages] == ["https://example.com/news/budget", "https://example.com/mayor"]
    assert all(p.content_type == "html" and "council met" in p.content for p in pages)
    assert [(d.key, d.status, d.reason) for d in docs if isinstance(d, DocumentOutcome)] == [
        (f"{path}#https://example.com/missing", "skipped", "HTTP 404 response, not a page"),
        (f"{path}#https://example.com/logo.png", "skipped", "not HTML (image/png)")]


def test_large_warc_is_split_into_parts_that_read_only_their_own_captures(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import newsdesk.sources.warc as warc

    monkeypatch.setattr(warc, "RECORDS_PER_PART", 3)
    urls = [f"https://example.com/news/{n}" for n in range(8)]
    path = write_warc(tmp_path / "big.warc.gz", [(u, article(f"Story {n}"), "200 OK", "text/html")
                                                  for n, u in enumerate(urls)])
    assert len(scan_parts(str(path))) == 3
    parts = [p for p in discover([str(path)]) if isinstance(p, WarcPart)]
    read = [[d.fields["url"] for d in load(p, 1_000_000) if isinstance(d, RawDocument)] for p in parts]
    assert read == [urls[0:3], urls[3:6], urls[6:8]]
    assert len({p.identity for p in parts}) == 3 and len({p.digest() for p in parts}) == 3
    whole = InputFile(path=str(path), identity=str(path), size=path.stat().st_size, mtime_ns=0, source=str(path))
    assert len([d for d in load(whole, 1_000_000) if isinstance(d, RawDocument)]) == 8  # extract reads it whole
    path.write_bytes(b"overwritten" * 5000)  # every part now fails as a whole: each under its own key
    failures = [o for p in parts for o in load(p, 1_000_000)]
    assert [(o.key, o.status) for o in failures] == [(f"{path}@{p.start}", "failed") for p in parts]


def test_unreadable_warc_is_a_failure_with_a_reason(tmp_path: Path) -> None:
    plain = write_warc(tmp_path / "plain.warc", [("https://example.com/a", article(), "200 OK", "text/html")],
                       gz=False)
    whole_gzip = tmp_path / "whole.warc.gz"
    whole_gzip.write_bytes(gzip.compress(plain.read_bytes()))  # one gzip member: cannot be read in parts
    (outcome,) = discover([str(whole_gzip)])
    assert isinstance(outcome, DocumentOutcome) and outcome.status == "failed"
    assert outcome.reason.startswith("unreadable WARC: ERROR: non-chunked gzip file detected")
    garbage = tmp_path / "garbage.warc"
    garbage.write_bytes(b"this is not a WARC file at all\n" * 10)
    (outcome,) = discover([str(garbage)])
    assert isinstance(outcome, DocumentOutcome) and outcome.status == "failed"
    assert outcome.reason == "not a WARC file (no WARC/1.x record header)"
    whole = InputFile(path=str(garbage), identity=str(garbage), size=310, mtime_ns=0, source=str(garbage))
    assert [(d.status, d.reason) for d in load(whole, 1000)] == [("failed", outcome.reason)]
