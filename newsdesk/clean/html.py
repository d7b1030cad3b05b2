"""HTML pages: trafilatura main text and metadata, then the text-dump line cleaner."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import lxml.html
import trafilatura

from newsdesk.clean.lines import word_count
from newsdesk.model import iso_day

MIN_MAIN_TEXT_WORDS = 40
"""Below this, trafilatura's main text is taken as a miss and the page's visible text is used."""

INVISIBLE_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "head")
BLOCK_TAGS = (
    "p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "br", "tr", "td", "th",
    "section", "article", "header", "footer", "nav", "aside", "blockquote", "pre", "figure",
    "figcaption", "dd", "dt", "table", "form", "main",
)


@dataclass
class HtmlExtraction:
    """Main text of a page and the metadata trafilatura read from it."""

    text: str
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    sitename: str | None = None
    url: str | None = None
    published: date | None = None
    fallback: bool = False


def visible_text(html: str) -> str:
    """All visible text of a page, one block element per line (the shape of a text dump)."""
    try:
        tree = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return ""
    for element in list(tree.iter(*INVISIBLE_TAGS)):
        if element.getparent() is not None:
            element.drop_tree()
    for element in tree.iter(*BLOCK_TAGS):
        element.tail = "\n" + (element.tail or "")
        if element.tag != "br":
            element.text = "\n" + (element.text or "")
    return tree.text_content()


def extract_html(html: str, url: str | None = None) -> HtmlExtraction:
    """Main text with trafilatura; the page's visible text when trafilatura finds (almost) nothing.

    The text is not normalised yet: `clean_text` does that, once."""
    try:
        doc = trafilatura.bare_extraction(
            html, url=url, with_metadata=True, include_comments=False, include_tables=True, favor_precision=True
        )
    except Exception:  # trafilatura raises a variety of parser errors on broken markup
        doc = None
    text = doc.text or "" if doc is not None else ""
    fallback = word_count(text) < MIN_MAIN_TEXT_WORDS
    if fallback:
        page_text = visible_text(html)
        if word_count(page_text) > word_count(text):
            text = page_text
        else:
            fallback = False
    if doc is None:
        return HtmlExtraction(text=text, fallback=fallback)
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return HtmlExtraction(
        text=text,
        title=doc.title or None,
        authors=authors,
        sitename=doc.sitename or None,
        url=doc.url or None,
        published=iso_day(doc.date),
        fallback=fallback,
    )
