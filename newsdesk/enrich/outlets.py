"""News outlets: canonical names for publishers and credited sources."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from urllib.parse import urlsplit

OUTLETS: dict[str, tuple[str, ...]] = {
    "ABC News": ("abcnews.go.com",),
    "Agence France-Presse": ("AFP", "Agence France Presse", "afp.com"),
    "Al Jazeera": ("Al-Jazeera", "Aljazeera", "aljazeera.com", "aljazeera.net"),
    "Associated Press": ("AP", "The Associated Press", "apnews.com"),
    "BBC": ("British Broadcasting Corporation", "bbc.co.uk", "bbc.com"),
    "Bloomberg": ("bloomberg.com",),
    "CBS News": ("cbsnews.com",),
    "CNBC": ("cnbc.com",),
    "CNN": ("cnn.com",),
    "Deutsche Welle": ("DW", "dw.com"),
    "Fox News": ("foxnews.com",),
    "Financial Times": ("The Financial Times", "FT", "ft.com"),
    "The Guardian": ("Guardian", "theguardian.com", "guardian.co.uk"),
    "The Hill": ("thehill.com",),
    "The Independent": ("independent.co.uk",),
    "NBC News": ("nbcnews.com",),
    "The New York Times": ("New York Times", "NYT", "nytimes.com"),
    "NPR": ("National Public Radio", "npr.org"),
    "Politico": ("politico.com", "politico.eu"),
    "Reuters": ("Thomson Reuters", "reuters.com"),
    "RT": ("Russia Today", "rt.com"),
    "Sky News": ("news.sky.com",),
    "Sputnik": ("sputniknews.com",),
    "TASS": ("tass.com", "tass.ru"),
    "The Telegraph": ("Telegraph", "The Daily Telegraph", "telegraph.co.uk"),
    "The Wall Street Journal": ("Wall Street Journal", "WSJ", "wsj.com"),
    "The Washington Post": ("Washington Post", "washingtonpost.com"),
    "Xinhua": ("Xinhua News Agency", "xinhuanet.com"),
    "Yahoo News": ("news.yahoo.com",),
}
"""Canonical outlet name -> other names and web domains it goes by."""

EDITION_WORDS = frozenset({
    "news", "world", "international", "online", "digital", "tv", "radio", "service", "channel", "com",
    "english", "america", "americas", "us", "uk", "africa", "asia", "europe", "arabic", "afghanistan",
})
"""Words that, after an outlet's name, name one of its editions or channels ("BBC World News")."""


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """Case-, accent- and punctuation-insensitive key of a name."""
    folded = unicodedata.normalize("NFKD", name)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"\w+", folded))


_BY_KEY: dict[str, str] = {}
for _canonical, _aliases in OUTLETS.items():
    for _alias in (_canonical, *_aliases):
        _BY_KEY[name_key(_alias)] = _canonical


def _domain(value: str) -> str | None:
    text = value.strip().lower()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    if re.fullmatch(r"(?:[a-z0-9-]+\.)+[a-z]{2,}", text):
        return text.removeprefix("www.")
    return None


def canonical_outlet(name: str, extra_words: frozenset[str] = frozenset()) -> str | None:
    """The canonical outlet `name` refers to (by name, alias, domain or an edition of it), else None.

    `extra_words` adds edition words, such as the place names of the document ("Sputnik Afghanistan").
    """
    domain = _domain(name)
    if domain:
        parts = domain.split(".")
        for start in range(len(parts) - 1):
            found = _BY_KEY.get(name_key(".".join(parts[start:])))
            if found:
                return found
        return None
    words = name_key(name).split()
    edition = EDITION_WORDS | extra_words
    for end in range(len(words), 0, -1):
        found = _BY_KEY.get(" ".join(words[:end]))
        if found and all(w in edition for w in words[end:]):
            return found
    return None
