"""A news site on 127.0.0.1 for tests and benchmarks: the extraction-dev pages behind an RSS feed, an Atom
feed, a news sitemap (plain and gzipped), a sitemap index and robots.txt, with ETag/Last-Modified
conditional GET, and a log of every request. Built on pytest-httpserver's `HTTPServer` (werkzeug)."""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import threading
from collections.abc import Iterable
from functools import lru_cache
from email.utils import format_datetime
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from werkzeug import Request, Response

from support.http_server import LoopbackHTTPServer

EXTRACTION_DEV = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "extraction-dev" / "html"
LAST_MODIFIED = format_datetime(datetime(2019, 11, 20, 12, 0, tzinfo=timezone.utc), usegmt=True)


def extraction_dev_pages(limit: int | None = None) -> dict[str, bytes]:
    """{key: HTML bytes} of the extraction-dev pages, in name order."""
    files = sorted(EXTRACTION_DEV.glob("*.html.gz"))[:limit]
    return {f.name.removesuffix(".html.gz"): gzip.decompress(f.read_bytes()) for f in files}


@lru_cache(maxsize=None)
def page_title(html: bytes) -> str:
    """The page's headline, as a publisher's feed would carry it (trafilatura's reading of its metadata)."""
    from trafilatura import extract_metadata

    metadata = extract_metadata(html.decode("utf-8", "replace"))
    return (metadata.title or "") if metadata is not None else ""


class NewsSite:
    """Pages at /articles/<key>.html (and /private/<key>.html for robots tests), listed by /feed.xml (RSS 2.0),
    /atom.xml, /sitemap.xml, /sitemap.xml.gz and /sitemap_index.xml; robots.txt disallows /private/."""

    def __init__(self, pages: dict[str, bytes], private: Iterable[str] = (),
                 robots: str = "User-agent: *\nDisallow: /private/\n") -> None:
        self.pages = dict(pages)
        self.private = list(private)
        self.robots = robots
        self.updated: dict[str, str] = {}
        """A page's `<updated>` (Atom) and `<lastmod>` (sitemap) when not the default, 2019-11-20T12:00:00Z."""
        self.failing: dict[str, int] = {}
        """Paths answered with this HTTP status instead."""
        self.extra: dict[str, tuple[bytes, str]] = {}
        """More paths (or replaced ones): body and content type."""
        self.server = LoopbackHTTPServer(host="127.0.0.1", port=0, threaded=True)
        self._lock = threading.Lock()
        self.requests: list[tuple[str, int]] = []
        """(path with query, status) of every request, in order."""
        self.server.expect_request(re.compile(r"^/.*$")).respond_with_handler(self._handle)

    # -- life cycle ------------------------------------------------------------------------------

    def start(self) -> NewsSite:
        self.server.start()
        return self

    def stop(self) -> None:
        if self.server.is_running():
            self.server.stop()

    def __enter__(self) -> NewsSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def article_url(self, key: str, tracking: bool = False) -> str:
        folder = "private" if key in self.private else "articles"
        return self.url(f"/{folder}/{key}.html" + ("?utm_source=rss&utm_medium=feed" if tracking else ""))

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- documents ---------------------------------------------------------------------------------

    def rss(self) -> bytes:
        items = "".join(
            f"<item><title>{escape(page_title(html))}</title><link>{escape(self.article_url(key, tracking=True))}"
            f"</link><guid isPermaLink=\"false\">{key}</guid></item>"
            for key, html in self.pages.items())
        return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Local news</title>'
                f"<link>{self.base}/</link><language>en</language>{items}</channel></rss>").encode()

    def atom(self) -> bytes:
        entries = "".join(
            f"<entry><title>{escape(page_title(html))}</title><link rel=\"alternate\" "
            f"href=\"{escape(self.article_url(key))}\"/><id>urn:{key}</id>"
            f"<updated>{self.updated.get(key, '2019-11-20T12:00:00Z')}</updated></entry>"
            for key, html in self.pages.items())
        return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                f"<title>Local news</title><id>urn:site</id><updated>2019-11-20T12:00:00Z</updated>{entries}"
                "</feed>").encode()

    def sitemap(self) -> bytes:
        urls = "".join(
            f"<url><loc>{escape(self.article_url(key))}</loc>"
            f"<lastmod>{self.updated.get(key, '2019-11-20T12:00:00Z')}</lastmod><news:news>"
            f"<news:publication><news:name>Local News</news:name><news:language>en</news:language>"
            f"</news:publication><news:title>{escape(page_title(html))}</news:title></news:news></url>"
            for key, html in self.pages.items())
        return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + urls + "</urlset>").encode()

    def sitemap_index(self) -> bytes:
        return ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex '
                'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{self.base}/sitemap.xml.gz</loc><lastmod>2019-11-20</lastmod></sitemap>"
                "</sitemapindex>").encode()

    def write_warc(self, path: Path) -> Path:
        """A crawl of the site's pages (all of them), as a crawler would have archived them."""
        from warcio.statusandheaders import StatusAndHeaders
        from warcio.warcwriter import WARCWriter

        with open(path, "wb") as fh:
            writer = WARCWriter(fh, gzip=True)
            for key, html in self.pages.items():
                headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                           protocol="HTTP/1.1")
                writer.write_record(writer.create_warc_record(self.article_url(key), "response",
                                                              payload=io.BytesIO(html), http_headers=headers))
        return path

    # -- serving -------------------------------------------------------------------------------------

    def _routes(self, path: str) -> tuple[bytes, str] | None:
        if path in self.extra:
            return self.extra[path]
        if path == "/robots.txt":
            return self.robots.encode(), "text/plain"
        if path == "/feed.xml":
            return self.rss(), "application/rss+xml"
        if path == "/atom.xml":
            return self.atom(), "application/atom+xml"
        if path == "/sitemap.xml":
            return self.sitemap(), "application/xml"
        if path == "/sitemap.xml.gz":
            return gzip.compress(self.sitemap(), mtime=0), "application/gzip"
        if path == "/sitemap_index.xml":
            return self.sitemap_index(), "application/xml"
        match = re.fullmatch(r"/(articles|private)/([0-9a-f]+)\.html", path)
        if match and match.group(2) in self.pages:
            return self.pages[match.group(2)], "text/html; charset=utf-8"
        return None

    def _handle(self, request: Request) -> Response:
        found = self._routes(request.path)
        if request.path in self.failing:
            response = Response("failing", status=self.failing[request.path], content_type="text/plain")
        elif found is None:
            response = Response("not found", status=404, content_type="text/plain")
        else:
            body, content_type = found
            etag = '"' + hashlib.sha1(body).hexdigest() + '"'
            headers = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
            if request.headers.get("If-None-Match") == etag:
                response = Response(status=304, headers=headers)
            else:
                response = Response(body, status=200, content_type=content_type, headers=headers)
        with self._lock:
            query = request.query_string.decode()
            self.requests.append((request.path + (f"?{query}" if query else ""), response.status_code))
        return response
