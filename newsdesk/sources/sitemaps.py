"""Sitemaps: `urlset` (plain and Google News), `sitemapindex`, plain-text sitemaps, gzipped or not.

Parsed with lxml as a stream, entities never resolved and nothing fetched by the parser. Elements are
matched by local name, so sitemaps with a wrong or missing namespace still read.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator

from lxml import etree

from newsdesk.model import DocumentOutcome
from newsdesk.sources.files import LoadError
from newsdesk.sources.urls import Listed, is_url, listing_date

GZIP_MAGIC = b"\x1f\x8b"


def gunzip(data: bytes, max_bytes: int) -> bytes:
    """Decompressed bytes, refusing more than `max_bytes` (a gzip bomb stops there)."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            out = fh.read(max_bytes + 1)
    except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as exc:
        raise LoadError(f"corrupt or truncated gzip: {exc or type(exc).__name__}") from exc
    if len(out) > max_bytes:
        raise LoadError(f"larger than the {max_bytes:,}-byte limit when decompressed")
    return out


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _child_text(element: etree._Element, *path: str) -> str | None:
    current: etree._Element | None = element
    for name in path:
        current = next((c for c in current if _local(c.tag) == name), None) if current is not None else None
    text = current.text if current is not None else None
    return text.strip() if text and text.strip() else None


def parse_sitemap(data: bytes, url: str) -> Iterator[Listed | DocumentOutcome]:
    """The pages (and, for an index, the sitemaps) a sitemap lists.

    Raises `LoadError` when the bytes are not a sitemap or break before any entry; entries read before
    a break are kept."""
    if data.startswith(GZIP_MAGIC):
        raise LoadError("gzipped sitemap: decompress first")  # the caller knows the size limit
    if not data.lstrip().startswith(b"<"):
        yield from _text_sitemap(data, url)
        return
    parser = etree.iterparse(io.BytesIO(data), events=("start", "end"), resolve_entities=False, no_network=True,
                             huge_tree=False, load_dtd=False)
    count = 0
    root: str | None = None
    try:
        for event, element in parser:
            name = _local(element.tag)
            if root is None:
                root = name
                if root not in ("urlset", "sitemapindex"):
                    raise LoadError(f"not a sitemap (root element <{root}>)")
            if event != "end" or name not in ("url", "sitemap"):
                continue
            loc = _child_text(element, "loc")
            count += 1
            if not loc or not is_url(loc):
                yield DocumentOutcome(key=f"{url}#{name}-{count}", status="skipped", stage="discover",
                                      reason=f"sitemap entry {count} has no http(s) <loc>")
            elif name == "sitemap":
                yield Listed(url=loc, listed=listing_date(_child_text(element, "lastmod")), sitemap=True)
            else:
                yield Listed(url=loc, listed=listing_date(_child_text(element, "lastmod")), hints=_news(element))
            element.clear()
    except etree.XMLSyntaxError as exc:
        if count == 0:
            raise LoadError(f"malformed sitemap XML: {exc}") from exc


def _news(element: etree._Element) -> dict[str, object]:
    """Google News sitemap fields of a `<url>`: title, publication date, publisher name, language."""
    hints = {
        "title": _child_text(element, "news", "title"),
        "published": _child_text(element, "news", "publication_date"),
        "publisher": _child_text(element, "news", "publication", "name"),
        "language": _child_text(element, "news", "publication", "language"),
    }
    return {k: " ".join(v.split()) for k, v in hints.items() if v}


def _text_sitemap(data: bytes, url: str) -> Iterator[Listed | DocumentOutcome]:
    """A text sitemap: one URL per line (UTF-8)."""
    lines = data.decode("utf-8", errors="replace").splitlines()
    urls = [line.strip() for line in lines if line.strip()]
    if not urls or not all(is_url(u) and " " not in u for u in urls[:20]):
        raise LoadError("not a sitemap (neither XML nor one URL per line)")
    for n, line in enumerate(urls, 1):
        if is_url(line) and " " not in line:
            yield Listed(url=line)
        else:
            yield DocumentOutcome(key=f"{url}#line-{n}", status="skipped", stage="discover",
                                  reason=f"line {n}: not an http(s) URL")
