"""WARC archives (`.warc`, `.warc.gz`; warcio): HTML captures become documents under their canonical URLs.

A large archive (a CC-NEWS file holds tens of thousands of pages) is not one unit of work: it is read
once to find its records, then ingested in parts of `RECORDS_PER_PART` captures, each part an input of its
own (identity `path#offset`) that workers take separately and incremental runs check separately. The parts
of an unchanged archive are remembered, so it is not read again to plan.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from newsdesk.model import DocumentOutcome, RawDocument
from newsdesk.sources.files import InputFile, LoadError
from newsdesk.sources.urls import is_url, page_document

if TYPE_CHECKING:
    from newsdesk.state import FetchState

RECORDS_PER_PART = 16
CAPTURE_TYPES = frozenset({"response", "resource", "revisit"})
"""Record types that hold (or stand for) a captured page; requests, metadata and warcinfo do not."""


@dataclass(frozen=True)
class WarcPart:
    """Consecutive captures of one WARC file: from byte `start` to `end` (None: the end of the file)."""

    path: str
    identity: str
    source: str
    size: int
    """The whole file's size and mtime: a part is unchanged while its file is."""
    mtime_ns: int
    start: int
    end: int | None

    @property
    def key(self) -> str:
        """How the part as a whole is named in outcomes and dead letters: the path and where the part starts."""
        return f"{self.path}@{self.start}"

    def digest(self) -> str:
        digest = hashlib.sha256()
        with open(self.path, "rb") as fh:
            fh.seek(self.start)
            left = None if self.end is None else self.end - self.start
            while left is None or left > 0:
                block = fh.read(1 << 20 if left is None else min(1 << 20, left))
                if not block:
                    break
                digest.update(block)
                if left is not None:
                    left -= len(block)
        return digest.hexdigest()


def scan_parts(path: str) -> list[tuple[int, int | None]]:
    """(start, end) byte ranges of `RECORDS_PER_PART` captures each; raises `LoadError` for a broken file."""
    starts: list[int] = []
    count = 0
    try:
        with open(path, "rb") as fh:
            records = ArchiveIterator(fh)
            for record in records:
                if record.format != "warc":  # warcio falls back to reading anything as an old ARC file
                    raise LoadError("not a WARC file (no WARC/1.x record header)")
                if record.rec_type in CAPTURE_TYPES:
                    if count % RECORDS_PER_PART == 0:
                        starts.append(records.get_record_offset())
                    count += 1
    except ArchiveLoadFailed as exc:
        raise LoadError(f"unreadable WARC: {' '.join(str(exc).split())}") from exc
    except LoadError:
        raise
    except (OSError, EOFError, ValueError) as exc:
        if not starts:
            raise LoadError(f"unreadable WARC: {exc}") from exc
    if not starts:
        return []
    return [(s, e) for s, e in zip(starts, [*starts[1:], None])]


def warc_parts(file: InputFile, store: FetchState | None) -> Iterator[WarcPart | DocumentOutcome]:
    """The parts of a WARC file: remembered while the file's size and mtime stay the same, else read."""
    stamp = f"{file.size}:{file.mtime_ns}"
    known = store.get(file.identity) if store is not None else None
    if known is not None and known.kind == "warc" and known.listed == stamp:
        ranges = [(int(p["start"]), p["end"]) for p in known.entries]
    else:
        try:
            ranges = scan_parts(file.path)
        except LoadError as exc:
            yield DocumentOutcome(key=file.path, status=exc.status, reason=exc.reason, stage="discover")  # type: ignore[arg-type]
            return
        if store is not None:
            from newsdesk.state import FetchRecord

            store.put([FetchRecord(key=file.identity, kind="warc", source=file.source, listed=stamp,
                                   entries=[{"start": s, "end": e} for s, e in ranges])])
    if not ranges:
        yield DocumentOutcome(key=file.path, status="skipped", stage="discover",
                              reason="WARC holds no captures (no response or resource records)")
    for start, end in ranges:
        yield WarcPart(path=file.path, identity=f"{file.identity}#{start}", source=file.source, size=file.size,
                       mtime_ns=file.mtime_ns, start=start, end=end)


def load_captures(path: str, identity: str, source: str, max_bytes: int, start: int = 0,
                  end: int | None = None) -> Iterator[RawDocument | DocumentOutcome]:
    """The HTML captures between `start` and `end` as documents; every other capture becomes an outcome."""
    try:
        fh = open(path, "rb")
    except OSError as exc:
        yield DocumentOutcome(key=path, status="failed", stage="load", reason=f"cannot read: {exc.strerror or exc}")
        return
    with fh:
        fh.seek(start)
        records = ArchiveIterator(fh)
        try:
            for record in records:
                if record.format != "warc":
                    yield DocumentOutcome(key=path, status="failed", stage="load",
                                          reason="not a WARC file (no WARC/1.x record header)")
                    return
                if record.rec_type not in CAPTURE_TYPES:
                    continue
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                try:
                    found: RawDocument | DocumentOutcome = _capture(record, uri, path, identity, source, max_bytes)
                except LoadError as exc:
                    found = DocumentOutcome(key=f"{path}#{uri or 'record'}", status=exc.status,  # type: ignore[arg-type]
                                            reason=exc.reason, stage="load")
                if end is not None and records.get_record_offset() >= end:  # known once the record is read
                    break  # the next part's first capture
                yield found
        except ArchiveLoadFailed as exc:
            yield DocumentOutcome(key=path, status="failed", stage="load",
                                  reason=f"unreadable WARC: {' '.join(str(exc).split())}")
        except (OSError, EOFError, ValueError) as exc:
            yield DocumentOutcome(key=path, status="failed", stage="load", reason=f"truncated or corrupt WARC: {exc}")


def _capture(record, uri: str, path: str, identity: str, source: str, max_bytes: int) -> RawDocument:  # noqa: ANN001
    if record.rec_type == "revisit":
        raise LoadError("revisit record (the capture's payload is stored elsewhere)", status="skipped")
    if not is_url(uri):
        raise LoadError(f"not an http(s) capture ({uri or 'no WARC-Target-URI'})", status="skipped")
    if record.rec_type == "response":
        if record.http_headers is None:
            raise LoadError("response record without HTTP headers", status="skipped")
        status = record.http_headers.get_statuscode()
        if status != "200":
            raise LoadError(f"HTTP {status} response, not a page", status="skipped")
        content_type = record.http_headers.get_header("Content-Type") or ""
    else:
        content_type = record.rec_headers.get_header("Content-Type") or ""
    body = record.content_stream().read(max_bytes + 1)  # de-chunked and decompressed
    if len(body) > max_bytes:
        raise LoadError(f"larger than the {max_bytes:,}-byte document limit", status="skipped")
    return page_document(body, content_type, uri, path=path, identity=identity, record=uri, source=source)


def load_part(part: WarcPart, max_bytes: int) -> Iterator[RawDocument | DocumentOutcome]:
    for found in load_captures(part.path, part.identity, part.source, max_bytes, part.start, part.end):
        if isinstance(found, DocumentOutcome) and found.key == part.path:  # the part as a whole: its own key
            found = found.model_copy(update={"key": part.key})
        yield found


def load_warc(file: InputFile, max_bytes: int) -> Iterator[RawDocument | DocumentOutcome]:
    """Every capture of a whole WARC file (`newsdesk extract`, boilerplate learning)."""
    return load_captures(file.path, file.identity, file.source, max_bytes)
