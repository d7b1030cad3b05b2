"""Sources: find inputs and load them into `RawDocument`s, one module per kind of source.

`files` reads local files, folders and globs (`.txt`, `.html`, `.json`, `.jsonl`, optionally `.gz`);
`warc` web archives (`.warc`, `.warc.gz`) in parts; `web` URL sources (feeds, sitemaps, pages, URL lists)
with `feeds`, `sitemaps` and `urls`; `fetch` fetches politely.

An `Input` is one unit of work the pipeline plans, processes and remembers: it has a `path` (what the
user sees), an `identity` (what state remembers), a `source`, a `size` and `mtime_ns` (the cheap change
check), and a `digest()` of its bytes (the exact one).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from newsdesk.model import DocumentOutcome, RawDocument
from newsdesk.sources.files import (
    SUPPORTED,
    InputFile,
    LoadError,
    decode,
    display_path,
    documents,
    format_of,
    jsonl_lines,
    jsonl_record,
)
from newsdesk.sources.files import discover as discover_files
from newsdesk.sources.files import load as load_file
from newsdesk.sources.urls import WebPage, is_url, load_page
from newsdesk.sources.warc import WarcPart, load_part, warc_parts

if TYPE_CHECKING:
    from newsdesk.sources.web import WebDiscovery
    from newsdesk.state import FetchState

Input = InputFile | WarcPart | WebPage


def discover(sources: Sequence[str], *, url_lists: Sequence[str] = (), web: WebDiscovery | None = None,
             fetches: FetchState | None = None, links_outside: bool = True) -> Iterator[Input | DocumentOutcome]:
    """The inputs under files, folders, globs (WARC files in parts) and, with `web`, URLs and URL lists
    (`links_outside`: see `newsdesk.sources.files.discover`)."""
    paths = [s for s in sources if not is_url(s)]
    urls = [s for s in sources if is_url(s)]
    for item in discover_files(paths, links_outside=links_outside):
        if isinstance(item, InputFile) and format_of(item.path) == "warc":
            yield from warc_parts(item, fetches)
        else:
            yield item
    if urls or url_lists:
        if web is None:
            for url in [*urls, *url_lists]:
                yield DocumentOutcome(key=url, status="skipped", stage="discover",
                                      reason="URL sources are fetched by `newsdesk ingest`, not here")
            return
        yield from web.discover(urls, url_lists)


def load(item: Input, max_bytes: int) -> Iterator[RawDocument | DocumentOutcome]:
    """One input's documents; problems become outcomes with reasons."""
    if isinstance(item, WebPage):
        return load_page(item)
    if isinstance(item, WarcPart):
        return load_part(item, max_bytes)
    return load_file(item, max_bytes)


def input_key(item: Input) -> str:
    """How an input as a whole is named in outcomes and dead letters: its path (a WARC part's with where it
    starts, so that each part of an archive keeps its own dead letter)."""
    return item.key if isinstance(item, WarcPart) else item.path


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def digest(item: Input) -> str:
    """sha256 of an input's bytes."""
    return file_sha256(item.path) if isinstance(item, InputFile) else item.digest()


__all__ = ["SUPPORTED", "Input", "InputFile", "LoadError", "WarcPart", "WebPage", "decode", "digest", "discover",
           "display_path", "documents", "file_sha256", "format_of", "input_key", "is_url", "jsonl_lines", "jsonl_record",
           "load"]
