"""What an HTML page says about itself, read once from the raw page: its headline, its title metadata, the names
its site goes by (site name, application name, JSON-LD organisation, Twitter handle) and the publisher its
structured data credits."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import lxml.html
from lxml.html import HtmlElement

from newsdesk.clean.titles import SENTENCE_END, SEPARATOR, domain_label, site_domain, squash

WORD = re.compile(r"\w+")


@dataclass
class PageIdentity:
    """Title and publisher evidence of one page, each with where it was found."""

    headline: str | None = None
    """The on-page headline (the h1 that matches the page's title metadata)."""
    titles: list[str] = field(default_factory=list)
    """og:title, twitter:title, JSON-LD headline, <title>: as written (site names not yet stripped)."""
    site_names: list[tuple[str, str]] = field(default_factory=list)
    """(source, name): og:site_name, application-name, JSON-LD WebSite/Organization names."""
    credited: list[str] = field(default_factory=list)
    """The publisher the page's JSON-LD article credits (a wire agency on a newspaper's page, say)."""
    handles: list[str] = field(default_factory=list)
    """twitter:site handles, without the @."""
    description: str | None = None


def parse_html(html: str) -> HtmlElement | None:
    try:
        return lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None


def _json_objects(value: object) -> Iterator[dict[str, object]]:
    if isinstance(value, dict):
        yield value
        for key in ("@graph", "mainEntity", "mainEntityOfPage", "hasPart", "itemListElement"):
            yield from _json_objects(value.get(key))
    elif isinstance(value, list):
        for item in value:
            yield from _json_objects(item)


def json_ld(tree: HtmlElement) -> list[dict[str, object]]:
    """Every JSON-LD object of the page (nested graphs flattened); unreadable blocks are skipped."""
    objects: list[dict[str, object]] = []
    for script in tree.xpath("//script[@type='application/ld+json']"):
        text = (script.text or "").strip()
        text = re.sub(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$", "", text)
        try:
            data = json.loads(text, strict=False)
        except ValueError:
            continue
        objects.extend(_json_objects(data))
    return objects


def json_ld_types(obj: dict[str, object]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds if k}


ARTICLE_TYPES = frozenset({
    "newsarticle", "article", "blogposting", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "askpublicnewsarticle", "liveblogposting", "report",
    "scholarlyarticle", "techarticle", "socialmediaposting", "posting", "review",
})
"""JSON-LD types that describe the article itself (not the page, the site or an embedded video)."""
SITE_TYPES = frozenset({"website", "newsmediaorganization", "organization", "corporation"})


def _text(value: object) -> str | None:
    if isinstance(value, str):
        text = " ".join(value.split())
        return text or None
    return None


HEADLINE_XPATH = ("//h1 | //*[self::h2 or self::h3][@itemprop='headline' or contains(@class, 'post-title')"
                  " or contains(@class, 'entry-title') or contains(@class, 'article-title')]")
"""h1 elements, and the h2/h3 that blog and CMS templates mark as a post's title (hAtom `entry-title`)."""


def main_headline(tree: HtmlElement) -> HtmlElement | None:
    """The article's headline: the h1 (or marked post title) that best matches the page's og:title or <title>,
    else the first one."""
    titles = [t.lower() for t in tree.xpath("//meta[@property='og:title']/@content") + [tree.findtext(".//title") or ""]]
    best, best_score = None, -1.0
    for h1 in tree.xpath(HEADLINE_XPATH):
        words = set(WORD.findall(h1.text_content().lower()))
        if len(words) < 2:
            continue
        score = max((len(words & set(WORD.findall(t))) / len(words) for t in titles), default=0.0)
        if score > best_score + 0.2:  # the first h1 unless a later one matches clearly better
            best, best_score = h1, score
    return best


def _metas(tree: HtmlElement) -> list[tuple[str, str]]:
    """(name or property, content) of every <meta> with content, in page order (read once per page)."""
    pairs = []
    for meta in tree.iter("meta"):
        value = _text(meta.get("content"))
        if value:
            pairs.append(((meta.get("property") or meta.get("name") or "").strip().lower(), value))
    return pairs


def _meta(metas: list[tuple[str, str]], *names: str) -> list[str]:
    """The distinct contents of the metas called any of `names`, in page order."""
    found: list[str] = []
    for name, value in metas:
        if name in names and value not in found:
            found.append(value)
    return found


def _headline_matching(tree: HtmlElement, titles: list[str]) -> str | None:
    """The main h1's text when it is this article's headline: most of its words are in the page's title
    metadata, or a title's first part (two words or more) is within it ("Bridge reopens | Metro Daily")."""
    element = main_headline(tree)
    if element is None:
        return None
    text = " ".join(element.text_content().split())
    words = {w for w in WORD.findall(text.lower())}
    if not words or len(text) > 300:
        return None
    title_words = {w for t in titles for w in WORD.findall(t.lower())}
    if len(words & title_words) >= 0.6 * len(words):
        return text
    for title in titles:
        head = set(WORD.findall(re.split(r"\s+(?:[|–—·•»]|-{1,2}|::)\s+", title)[0].lower()))
        if len(head) >= 2 and head <= words:
            return text
    return None


MAX_SITE_NAME_WORDS = 8
"""A site name (or a part of one beside its tagline) longer than this is a sentence."""
_PROFILE_URL = re.compile(r"^(?:https?://)?(?:www\.|mobile\.)?(?:twitter|x)\.com/@?(\w+)", re.I)


def _people(metas: list[tuple[str, str]], objects: list[dict[str, object]]) -> set[str]:
    """Name keys of the people the page names as such: JSON-LD Person objects (its authors, a blog's owner) and
    its authors' Twitter handles (`twitter:creator`)."""
    names = [h for v in _meta(metas, "twitter:creator") if (h := _handle(v))]
    for obj in objects:
        authors = obj.get("author")
        for item in [obj, *(authors if isinstance(authors, list) else [authors])]:
            if isinstance(item, dict) and "person" in json_ld_types(item) and (name := _text(item.get("name"))):
                names.append(name)
    return {squash(n) for n in names if squash(n)}


def _handle(value: str) -> str | None:
    """A Twitter handle from `@name`, `name` or a profile URL."""
    value = value.strip()
    profile = _PROFILE_URL.match(value)
    if profile:
        return profile.group(1)
    if re.fullmatch(r"@?\w+", value):
        return value.lstrip("@")
    return None


def _vetted(name: str, headlines: set[str], people: set[str], confirmed: set[str]) -> str | None:
    """A site-name value as a name, or None when it is none: a URL gives its host (`www.example.com` ->
    `example.com`); a headline, a sentence, a list of topics or a person is no site name unless the site's domain,
    handle or another of its site names confirms it (a headline put in `application-name`, an author's name in
    `og:site_name`); of a name with taglines ("Headline | Site", "Site | Your local news"), the parts that are."""
    if "://" in name or name.lower().startswith("www."):
        host = urlsplit(name if "://" in name else f"http://{name}").hostname
        return host.removeprefix("www.") if host and "." in host else None
    parts = [p for p in SEPARATOR.split(name) if p.strip()]
    kept = [p for p in parts if squash(p) in confirmed or not (
        squash(p) in headlines or squash(p) in people or len(p.split()) > MAX_SITE_NAME_WORDS
        or p.count(",") >= 2 or (len(p.split()) >= 3 and SENTENCE_END.search(p)))]
    if not kept:
        return None
    return name if len(kept) == len(parts) else " | ".join(p.strip() for p in kept)


def _canonical(tree: HtmlElement, metas: list[tuple[str, str]]) -> str | None:
    links = tree.xpath("//link[@rel='canonical']/@href") + _meta(metas, "og:url")
    return next((link for link in links if "://" in link), None)


def read_page(html: str, url: str | None = None) -> PageIdentity:
    """The page's own statements about its title and its site (empty when the HTML cannot be parsed). `url`: the
    page's address when known (else its canonical link), whose domain confirms a site name."""
    tree = parse_html(html)
    if tree is None:
        return PageIdentity()
    identity = PageIdentity()
    objects = json_ld(tree)
    metas = _metas(tree)
    titles = _meta(metas, "og:title", "twitter:title")
    titles += [h for obj in objects if json_ld_types(obj) & ARTICLE_TYPES if (h := _text(obj.get("headline")))]
    title_tag = _text(tree.findtext(".//title"))
    if title_tag:
        titles.append(title_tag)
    identity.titles = list(dict.fromkeys(titles))
    identity.headline = _headline_matching(tree, identity.titles)
    identity.site_names = [("html-sitename", n) for n in _meta(metas, "og:site_name")]
    identity.site_names += [("html-appname", n) for n in _meta(metas, "application-name", "apple-mobile-web-app-title")]
    for obj in objects:
        types = json_ld_types(obj)
        if types & SITE_TYPES and (name := _text(obj.get("name"))):
            identity.site_names.append(("html-jsonld-site", name))
        publisher = obj.get("publisher")
        if types & ARTICLE_TYPES and isinstance(publisher, (dict, list)):
            for item in publisher if isinstance(publisher, list) else [publisher]:
                if isinstance(item, dict) and "person" not in json_ld_types(item) and (name := _text(item.get("name"))):
                    identity.credited.append(name)
    identity.credited = list(dict.fromkeys(identity.credited))
    people = _people(metas, objects)
    handles = [h for v in _meta(metas, "twitter:site") if (h := _handle(v))]
    domain = site_domain(url or _canonical(tree, metas))
    confirmed = {squash(domain or ""), squash(domain_label(domain) or "")} - {""}
    identity.handles = [h for h in handles if squash(h) not in people or squash(h) in confirmed]
    confirmed |= {squash(h) for h in identity.handles}
    stated = Counter(squash(n) for _, n in dict.fromkeys(identity.site_names))
    confirmed |= {key for key, count in stated.items() if count >= 2}
    # the headline the page shows; without one, any title it gives (a title that differs from the displayed
    # headline may be the site's name: `<title>Quanta Magazine</title>`)
    headlines = {squash(t) for t in ([identity.headline] if identity.headline else identity.titles)}
    vetted = ((source, _vetted(name, headlines, people, confirmed)) for source, name in identity.site_names)
    identity.site_names = list(dict.fromkeys((source, name) for source, name in vetted if name))
    descriptions = _meta(metas, "og:description", "description", "twitter:description")
    identity.description = descriptions[0] if descriptions else None
    return identity
