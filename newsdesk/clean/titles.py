"""Titles: the headline without the site's name around it, and never a menu word, a site name or a fragment.

A page's <title> often carries its site ("Headline - TechCrunch", "LinkNaija | …: Headline"); a segment is the
site's when it matches a name the site goes by (site name, application name, JSON-LD organisation, Twitter
handle) or its domain ("| ZDNet", "- Moneycontrol.com", "| PolitiFact West Virginia"). When no title is left,
readers see a label from the lead sentence instead (`lead_label`), marked as such.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

SEPARATOR = re.compile(r"\s+(?:[|–—·•»›~/]|-{1,2}|::)\s+")
"""Between a headline and its site name: `|`, dashes, bullets, `::` with spaces around them."""
PREFIX_SEPARATOR = re.compile(r"^\s*(?:[|–—·•»›~:/]|-{1,2}|::)\s*")
SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu", "ne", "or"})
DOMAIN_ENDINGS = frozenset({"com", "org", "net", "co", "uk", "de", "fr", "ca", "au", "in", "info", "news", "io"})
MAX_EDITION_WORDS = 2
"""Words a site segment may have besides the site's name ("PolitiFact West Virginia", "Moneycontrol.com")."""
GENERIC_TITLE = re.compile(
    r"^(?:search|search results?|home|home ?page|start|index|menu|main menu|navigation|log ?in|sign ?in|sign up"
    r"|subscribe|register|my account|account|page not found|not found|404|error|oops|access denied|forbidden"
    r"|just a moment|attention required|untitled|no title|news|latest news|top stories|breaking news|article"
    r"|articles|blog|video|videos|photos?|gallery|live|more|skip to (?:main )?content|cookies?(?: policy)?"
    r"|privacy policy|terms of (?:use|service)|contact(?: us)?|about(?: us)?|advertisement"
    r"|startseite|accueil|inicio|p[áa]gina (?:inicial|principal)|pagina iniziale|suche|recherche|buscar|cerca"
    r"|kontakt|impressum|datenschutz(?:erkl[äa]rung)?|mentions l[ée]gales|aviso legal|werbung|anzeige|publicit[ée])\W*$",
    re.I)
"""Whole titles that name a page of the site, a menu entry or an error, not an article (in the languages news
is most often written in: "Startseite", "Accueil", "Impressum")."""
CALL_TO_ACTION = re.compile(
    r"^(?:contact|about|terms|privacy|subscribe|continue|read|click|sign|log ?in|log ?out|follow|share|advertis\w*"
    r"|careers?|jobs|help|faq|sitemap|site map|cookies?|accessibility|newsletters?|back to|more\b|home\b|menu|search"
    r"|skip|download|get\b|join|watch|listen|shop|buy|donate|support us|view|see\b|go to|register|leave a|post a"
    r"|comments?|reply|print|email|e-mail|top of|all rights|powered by|designed by|hosted\b|loading"
    r"|welcome\b|willkommen\b|bienvenue\b|bienvenid[oa]s?\b|benvenut[oi]\b|zum inhalt|direkt zu|springe? zu"
    r"|aller au contenu|saltar al|ir al contenido|vai al contenuto|pular para|naar (?:de )?inhoud)", re.I)
"""Lines and names that are links, prompts, greetings or page furniture ("Share on Twitter", "Contact us",
"Hosted", "Welcome to ...", "Zum Inhalt springen")."""
CAPTION = re.compile(
    r"\((?:credit|photo|image|pictured|file|video)\b|\b(?:getty images|istock|shutterstock|ap photo)\b|©"
    r"|^(?:photo|image|picture|credit|video|bildquelle|quelle|foto|bild|cr[ée]dits?|fuente|fonte|imagen|immagine"
    r"|grafik|illustration)s?\s*[:/|]", re.I)
"""A photo or video caption or credit ("Photo: Reuters", "Bildquelle: ...", "(© 2018 Apple)")."""
SENTENCE_END = re.compile(r"(?:[^\W\d_]{4,}\.|[?!])$")
"""A sentence's end ("... around the world."), not an abbreviation's ("Deutscher Turner-Bund e.V.", "Inc.")."""
LEAD_LABEL_CHARS = 140


def squash(text: str) -> str:
    """Case-, accent-, space- and punctuation-insensitive key of a name; a leading "the" dropped."""
    if text.isascii():  # nothing to decompose or strip (the per-character pass is most of the cost)
        folded = text.casefold()
    else:
        folded = unicodedata.normalize("NFKD", text)
        folded = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    words = re.findall(r"\w+", folded)
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return "".join(words)


def site_domain(url: str | None) -> str | None:
    """The registrable domain of a URL: `https://www.bbc.co.uk/news/x` -> `bbc.co.uk`."""
    host = (urlsplit(url).hostname or "") if url and "://" in url else ""
    labels = host.removeprefix("www.").split(".")
    if len(labels) < 2:
        return None
    keep = 3 if len(labels) >= 3 and labels[-2] in SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def domain_label(domain: str | None) -> str | None:
    """The name part of a registrable domain: `bbc.co.uk` -> `bbc`."""
    return domain.split(".")[0] if domain else None


def _keys(names: Iterable[str]) -> set[str]:
    keys: set[str] = set()
    for name in names:
        for part in [name, *SEPARATOR.split(name)]:
            key = squash(part.lstrip("@"))
            if len(key) >= 2:
                keys.add(key)
    return keys


def _domain_keys(url: str | None) -> set[str]:
    domain = site_domain(url)
    return {k for k in (squash(domain), squash(domain_label(domain) or "")) if k} if domain else set()


def site_keys(names: Iterable[str], url: str | None = None) -> set[str]:
    """Keys of every name the site goes by: each name, each part of a name with a tagline, and the domain."""
    return _keys(names) | _domain_keys(url)


POSSESSIVE = re.compile(r"['’]s$", re.I)
NAME_CONNECTORS = frozenset({"of", "the", "and", "&", "de", "du", "la", "le", "der", "die", "das", "für", "y", "di"})


def _edition_word(word: str, segment: str) -> bool:
    """A word a site's name may carry (an edition, a kind: "West Virginia", "Blog", the "it" of "Vegolosi.it"),
    not a headline's word: capitalised, a connector or a domain ending, never a number."""
    return not word.isdigit() and (word[:1].isupper() or word.lower() in NAME_CONNECTORS | DOMAIN_ENDINGS
                                   or f".{word.lower()}" in segment.lower())


def site_name_in(segment: str, keys: set[str], domain_keys: frozenset[str] | set[str] = frozenset()) -> str | None:
    """The site's name a title segment gives, or None when it is not the site's: one of the site's names (or
    its domain), possibly with an edition or kind of one or two words ("PolitiFact West Virginia" ->
    "PolitiFact"; a segment that matches only the domain is the name whole: "Vortex Cannon Entertainment")."""
    if not squash(segment):
        return None
    words = re.findall(r"[\w’'&-]+", segment.replace(".", " "))
    spans = sorted(((a, b) for a in range(len(words)) for b in range(a + 1, len(words) + 1)), key=lambda ab: ab[1] - ab[0])
    for start, end in spans:  # the shortest name: "PolitiFact" in "PolitiFact West Virginia"
        key = squash(" ".join(POSSESSIVE.sub("", w) for w in words[start:end]))  # "Gregory Szorc's Digital Home"
        if key not in keys and key not in domain_keys:
            continue
        if start == 1 and words[0].casefold() == "the":  # "The Beachbody Blog" is the name, "The" and all
            start = 0
        extra = words[:start] + words[end:]
        if len(extra) <= MAX_EDITION_WORDS and all(_edition_word(w, segment) for w in extra):
            domain_ending = extra and all(w.lower() in DOMAIN_ENDINGS for w in extra)  # "cleveland.com" whole
            core = " ".join(words[start:end]) if key in keys and extra and not domain_ending else segment
            return " ".join(core.split())
    return None


def is_site_segment(segment: str, keys: set[str]) -> bool:
    """Whether a title segment names the site (see `site_name_in`)."""
    return site_name_in(segment, keys) is not None


def site_segments(title: str, names: Iterable[str], url: str | None = None) -> tuple[str, list[str]]:
    """The title without leading or trailing segments that name its site, and the site's names they give
    ("Headline | Site" -> ("Headline", ["Site"]))."""
    text = " ".join(title.split())
    names = [n for n in names if n]
    keys, domain_keys = _keys(names), _domain_keys(url)
    removed: list[str] = []
    for name in sorted(names, key=len, reverse=True):  # a whole site name with its tagline as a prefix
        flat = " ".join(name.split())
        if len(flat) >= 3 and text.lower().startswith(flat.lower()) and len(text) > len(flat) + 3:
            rest = text[len(flat):]
            if PREFIX_SEPARATOR.match(rest):
                removed.append(text[:len(flat)])
                text = PREFIX_SEPARATOR.sub("", rest, count=1)
    parts = SEPARATOR.split(text)
    separators = SEPARATOR.findall(text)
    while len(parts) > 1 and (name := site_name_in(parts[-1], keys, domain_keys)):
        removed.append(name)
        parts.pop()
        separators.pop()
    while len(parts) > 1 and (name := site_name_in(parts[0], keys, domain_keys)):
        removed.append(name)
        parts.pop(0)
        separators.pop(0)
    out = parts[0]
    for separator, part in zip(separators, parts[1:]):
        out += separator + part
    return out.strip(" -|–—·:"), removed


def strip_site_segments(title: str, names: Iterable[str], url: str | None = None) -> str:
    """The title without leading or trailing segments that name its site ("Headline | Site" -> "Headline")."""
    return site_segments(title, names, url)[0]


def junk_title_reason(title: str | None, names: Iterable[str] = (), url: str | None = None, body: str = "",
                      ) -> str | None:
    """Why a title is not an article's title (a menu word, an error page, the site's name, a fragment of the
    first sentence), or None when it may be one."""
    text = " ".join((title or "").split())
    if len(re.findall(r"\w", text)) < 3:
        return "empty"
    if GENERIC_TITLE.match(text):
        return "generic page or menu title"
    if is_site_segment(text, site_keys(names, url)) and squash(text) in site_keys(names, url):
        return "the site's name"
    if len(text.split()) == 1 and not re.search(r"[\u3040-\u9fff]", text):
        return "a single word"
    first_paragraph = " ".join(body.strip().split("\n\n", 1)[0].split())
    if first_paragraph.startswith(text) and len(first_paragraph) > len(text) + 1:
        return "the start of the first paragraph"
    return None


def lead_label(body: str, limit: int = LEAD_LABEL_CHARS) -> str | None:
    """A label for an untitled article: its lead sentence, shortened at a word boundary."""
    flat = " ".join(body.split())
    if not flat:
        return None
    first = re.split(r"(?<=[.!?])\s", flat, maxsplit=1)[0]
    return first if len(first) <= limit else first[:limit].rsplit(" ", 1)[0] + "…"
