"""The fixed tune/test split of the labelled dev pages, by site.

A page's split is decided by its site (the registrable part of its URL's host), so every page of one outlet
falls on the same side: rules developed while looking at the tune pages are reported on test pages of sites
they were never looked at on. The split is a hash, fixed before any rule was written against it.
"""

from __future__ import annotations

import hashlib
from typing import Literal
from urllib.parse import urlsplit

Split = Literal["tune", "test"]
SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu"})


def site_of(url: str | None) -> str:
    """The registrable site of a URL: `www.bbc.co.uk/x` -> `bbc.co.uk`, `hosted.ap.org/y` -> `ap.org`."""
    labels = (urlsplit(url or "").hostname or "").removeprefix("www.").split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def split_of(url: str | None) -> Split:
    """`test` for about half of the sites (odd SHA-256 of the site), `tune` for the rest."""
    return "test" if int(hashlib.sha256(site_of(url).encode()).hexdigest(), 16) % 2 else "tune"
