"""Find input files under paths, folders and globs, and load them into `RawDocument`s.

Every input ends as a document or as a `DocumentOutcome` with a reason: nothing is dropped silently.
Supported: `.txt`, `.html`/`.htm`, `.json` (an article object, or an array of them), `.jsonl` (one per
line), each optionally `.gz`.
"""

from __future__ import annotations

import codecs
import glob
import gzip
import json
import os
import re
import stat
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO

from newsdesk.model import DocumentOutcome, RawDocument

TEXT_SUFFIXES = {".txt": "text", ".text": "text", ".html": "html", ".htm": "html"}
RECORD_SUFFIXES = {".json", ".jsonl", ".ndjson"}
ARCHIVE_SUFFIXES = {".warc": "warc"}
SUPPORTED = ", ".join(sorted({*TEXT_SUFFIXES, *RECORD_SUFFIXES, *ARCHIVE_SUFFIXES})) + " (optionally .gz)"

MAGIC = {
    b"\x89PNG": "PNG image",
    b"%PDF": "PDF document",
    b"PK\x03\x04": "zip archive",
    b"\x1f\x8b": "gzip data without a .gz suffix",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"\x7fELF": "executable",
    b"BZh": "bzip2 data",
    b"\xfd7zXZ": "xz data",
}

# JSON keys we read, most specific first; values are normalised into `RawDocument.fields`.
FIELD_KEYS: dict[str, tuple[str, ...]] = {
    "id": ("id", "_id", "guid", "uuid"),
    "url": ("url", "link", "canonical_url", "uri"),
    "title": ("title", "headline"),
    "published": ("published", "datePublished", "date_published", "published_at", "publishedAt",
                  "publication_date", "pubDate", "date"),
    "publisher": ("publisher", "site_name", "sitename", "source", "outlet"),
    "authors": ("authors", "author", "byline", "creator"),
    "language": ("language", "lang", "inLanguage"),
}
TEXT_KEYS = ("body", "text", "content", "articleBody", "article", "maintext")
HTML_KEYS = ("html", "raw_html", "content_html")


class LoadError(Exception):
    """An input that cannot become a document; `status` says whether it is skipped or failed."""

    def __init__(self, reason: str, status: str = "failed") -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class InputFile:
    """A file found under a source, with what incremental ingest compares."""

    path: str
    identity: str
    size: int
    mtime_ns: int
    source: str


def _outcome(key: str, error: LoadError, stage: str = "load") -> DocumentOutcome:
    return DocumentOutcome(key=key, status=error.status, reason=error.reason, stage=stage)  # type: ignore[arg-type]


def _has_glob(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def display_path(path: str) -> str:
    """A path as text that can be stored and printed: bytes of a file name that are not UTF-8 (held by Python as
    lone surrogates) become `\\xNN`. `discover` maps such a name back, so a dead letter can be retried."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace") if _undecodable(path) else path


def _undecodable(path: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in path)


_ESCAPED_BYTE = re.compile(r"\\x([89a-f][0-9a-f])")


def _on_disk(path: str) -> str:
    """`path`, or the file a `display_path` names when `path` itself does not exist."""
    if os.path.lexists(path) or not _ESCAPED_BYTE.search(path):
        return path
    raw = _ESCAPED_BYTE.sub(lambda m: chr(0xDC00 + int(m.group(1), 16)), path)
    return raw if os.path.lexists(raw) else path


def discover(sources: Sequence[str], *, links_outside: bool = True) -> Iterator[InputFile | DocumentOutcome]:
    """Walk paths, folders (recursively, following links without looping) and globs, in a stable order.

    With `links_outside=False`, a symlink under a folder that leads outside that folder is skipped (drop folders
    with untrusted uploaders: `NEWSDESK_SYMLINKS_OUTSIDE_SOURCE=skip`).
    """
    seen: set[str] = set()
    for source in sources:
        if _has_glob(source):
            matches = sorted(glob.glob(source, recursive=True))
            if not matches:
                yield DocumentOutcome(key=display_path(source), status="skipped", reason="glob matched no files",
                                      stage="discover")
            for match in matches:
                yield from _discover_path(match, source, seen, links_outside)
        else:
            yield from _discover_path(_on_disk(source), source, seen, links_outside)


def _discover_path(path: str, source: str, seen: set[str], links_outside: bool = True,
                   ) -> Iterator[InputFile | DocumentOutcome]:
    try:
        st = os.stat(path)
    except OSError as exc:
        yield _outcome(display_path(path), _os_error(exc), stage="discover")
        return
    if stat.S_ISDIR(st.st_mode):
        yield from _walk(path, source, seen, links_outside)
    else:
        yield from _file(path, st, source, seen)


def _outside(path: str, root: str) -> bool:
    """Whether `path` resolves to somewhere outside the folder `root` (through a symlink)."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    return os.path.commonpath([real, top]) != top


OUTSIDE_REASON = "symlink leads outside the source folder (NEWSDESK_SYMLINKS_OUTSIDE_SOURCE=skip)"


def _walk(root: str, source: str, seen: set[str], links_outside: bool = True) -> Iterator[InputFile | DocumentOutcome]:
    visited_dirs: set[str] = set()

    def onerror(exc: OSError) -> None:
        errors.append(exc)

    errors: list[OSError] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True, onerror=onerror):
        real = os.path.realpath(dirpath)
        if real in visited_dirs:
            dirnames[:] = []
            yield DocumentOutcome(key=dirpath, status="skipped", reason="symlink loop: folder already visited",
                                  stage="discover")
            continue
        visited_dirs.add(real)
        kept = []
        for name in sorted(dirnames):
            path = os.path.join(dirpath, name)
            if name.startswith("."):
                yield DocumentOutcome(key=display_path(path), status="skipped", reason="hidden folder",
                                      stage="discover")
            elif not links_outside and os.path.islink(path) and _outside(path, root):
                yield DocumentOutcome(key=display_path(path), status="skipped", reason=OUTSIDE_REASON,
                                      stage="discover")
            else:
                kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if name.startswith("."):
                yield DocumentOutcome(key=display_path(path), status="skipped", reason="hidden file", stage="discover")
                continue
            if not links_outside and os.path.islink(path) and _outside(path, root):
                yield DocumentOutcome(key=display_path(path), status="skipped", reason=OUTSIDE_REASON,
                                      stage="discover")
                continue
            try:
                st = os.stat(path)
            except OSError as exc:
                yield _outcome(display_path(path), _os_error(exc), stage="discover")
                continue
            yield from _file(path, st, source, seen)
        yield from _walk_errors(errors, dirpath)
    yield from _walk_errors(errors, root)  # a folder os.walk could not list after the last one it yielded


def _walk_errors(errors: list[OSError], where: str) -> Iterator[DocumentOutcome]:
    while errors:
        exc = errors.pop(0)
        yield _outcome(display_path(getattr(exc, "filename", None) or where), _os_error(exc), stage="discover")


def _file(path: str, st: os.stat_result, source: str, seen: set[str]) -> Iterator[InputFile | DocumentOutcome]:
    if not stat.S_ISREG(st.st_mode):
        yield DocumentOutcome(key=display_path(path), status="skipped", reason="not a regular file", stage="discover")
        return
    identity = os.path.realpath(path)
    if _undecodable(path) or _undecodable(identity):
        yield DocumentOutcome(key=display_path(path), status="failed", stage="discover",
                              reason="file name is not valid UTF-8; rename the file to ingest it")
        return
    if identity in seen:
        return  # the same file reached twice (overlapping sources or links): one document
    seen.add(identity)
    if format_of(path) is None:
        yield DocumentOutcome(key=path, status="skipped", stage="discover",
                              reason=f"unsupported file type {_suffix(path)!r}; supported: {SUPPORTED}")
        return
    yield InputFile(path=path, identity=identity, size=st.st_size, mtime_ns=st.st_mtime_ns, source=source)


def _os_error(exc: OSError) -> LoadError:
    import errno

    if exc.errno == errno.ELOOP:
        return LoadError("symlink loop", status="skipped")
    if exc.errno == errno.ENOENT:
        return LoadError("no such file or broken symlink", status="failed")
    if exc.errno == errno.EACCES:
        return LoadError("permission denied", status="failed")
    return LoadError(f"cannot read: {exc.strerror or exc}", status="failed")


def _suffix(path: str) -> str:
    name = path.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return os.path.splitext(name)[1] or "(none)"


def format_of(path: str) -> str | None:
    """'text', 'html', 'json', 'jsonl' or 'warc' from the file name, ignoring a trailing .gz."""
    suffix = _suffix(path)
    if suffix in TEXT_SUFFIXES:
        return TEXT_SUFFIXES[suffix]
    if suffix in ARCHIVE_SUFFIXES:
        return ARCHIVE_SUFFIXES[suffix]
    if suffix == ".json":
        return "json"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    return None


def load(file: InputFile, max_bytes: int) -> Iterator[RawDocument | DocumentOutcome]:
    """Read one input file into documents; problems become outcomes with reasons, per record for JSONL."""
    fmt = format_of(file.path)
    if fmt == "warc":  # an archive of pages: read capture by capture, each within the limit
        from newsdesk.sources.warc import load_warc

        yield from load_warc(file, max_bytes)
        return
    try:
        if fmt == "jsonl":
            yield from _load_jsonl(file, max_bytes)
            return
        if file.size > max_bytes and not file.path.lower().endswith(".gz"):  # known from the stat: do not read
            raise LoadError(f"larger than the {max_bytes:,}-byte document limit", status="skipped")
        data = _read_capped(file.path, max_bytes)
        if fmt == "json":
            yield from _load_json(file, decode(data))
            return
        text = decode(data)
        if not text.strip():
            raise LoadError("empty file (no text)", status="skipped")
        yield RawDocument(path=file.path, identity=file.identity, content=text, content_type=fmt,  # type: ignore[arg-type]
                          source=file.source)
    except LoadError as exc:
        yield _outcome(file.path, exc)
    except OSError as exc:
        yield _outcome(file.path, _os_error(exc))


def _open(path: str) -> IO[bytes]:
    raw = open(path, "rb")
    if path.lower().endswith(".gz"):
        return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
    return raw


def _read_capped(path: str, max_bytes: int) -> bytes:
    """The file's bytes (decompressed), refusing more than `max_bytes`."""
    with _open(path) as fh:
        try:
            data = fh.read(max_bytes + 1)
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise LoadError(f"corrupt or truncated gzip: {exc or type(exc).__name__}") from exc
    if len(data) > max_bytes:
        raise LoadError(f"larger than the {max_bytes:,}-byte document limit", status="skipped")
    return data


def decode(data: bytes) -> str:
    """Bytes to text: BOMs honoured, UTF-8 preferred, legacy encodings detected; binary refused."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
                          (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise LoadError(f"invalid {encoding} text after its byte-order mark") from exc
    for magic, kind in MAGIC.items():
        if data.startswith(magic):
            raise LoadError(f"binary file ({kind}), not text", status="skipped")
    head = data[:8192]
    if b"\x00" in head:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16
        raise LoadError("binary file (contains NUL bytes), not text", status="skipped")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = _mostly_utf8(data) or _legacy_decode(data)
    if _control_ratio(text[:8192]) > 0.05:
        raise LoadError("binary file (mostly control characters), not text", status="skipped")
    return text


def _utf16_without_bom(data: bytes) -> str | None:
    head = data[:4096]
    zeros_even = head[0::2].count(0)
    zeros_odd = head[1::2].count(0)
    half = max(1, len(head) // 2)
    encoding = "utf-16-le" if zeros_odd > 0.4 * half else "utf-16-be" if zeros_even > 0.4 * half else None
    if encoding is None:
        return None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 text with a few corrupt bytes (replaced by U+FFFD), when valid multi-byte sequences outnumber
    the invalid bytes; None when the bytes look like a legacy encoding instead."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode())
    good = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    return text if good > bad else None


def _legacy_decode(data: bytes) -> str:
    """A legacy encoding as detected; Windows-1252 when it reads as well as the best guess (charset
    detection on short Western text often picks a look-alike code page such as cp1250 or mac_iceland)."""
    from charset_normalizer import from_bytes

    sample = data[:200_000]
    best = next((m for m in from_bytes(sample) if _keeps_ascii(m.encoding)), None)
    western = from_bytes(sample, cp_isolation=["cp1252"]).best()
    if western is not None and (best is None or (western.chaos <= best.chaos + 0.05
                                                 and western.coherence >= best.coherence - 0.05)):
        best = western
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("cp1252", errors="replace")


def _keeps_ascii(encoding: str) -> bool:
    """Whether an encoding reads printable ASCII as itself (shift_jis_2004 turns `~` into `‾`, utf-7 eats `+`,
    EBCDIC is another alphabet): a guess that rewrites the ASCII of a file would invent text."""
    probe = bytes([9, 10, 13, *range(32, 127)])
    try:
        return probe.decode(encoding) == probe.decode("ascii")
    except (UnicodeDecodeError, LookupError):
        return False


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return controls / len(text)


def _load_jsonl(file: InputFile, max_bytes: int) -> Iterator[RawDocument | DocumentOutcome]:
    for item in jsonl_lines(file, max_bytes):
        yield item if isinstance(item, DocumentOutcome) else jsonl_record(file, *item)


def jsonl_lines(file: InputFile, max_bytes: int) -> Iterator[tuple[int, bytes] | DocumentOutcome]:
    """Stream a JSONL file's records as (line number, raw line), one line in memory at a time; oversized lines,
    damaged gzip and a file without records are outcomes. Each line is a document of its own (`jsonl_record`)."""
    try:
        fh = _open(file.path)
    except OSError as exc:
        yield _outcome(file.path, _os_error(exc))
        return
    records = 0
    with fh:
        lineno = 0
        while True:
            try:
                line = fh.readline(max_bytes + 1)
            except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
                yield _outcome(f"{file.path}#{lineno + 1}", LoadError(f"corrupt or truncated gzip: {exc}"))
                return
            except OSError as exc:
                yield _outcome(f"{file.path}#{lineno + 1}", _os_error(exc))
                return
            if not line:
                break
            lineno += 1
            if len(line) > max_bytes and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n"):  # drain the rest of the oversized line
                    line = fh.readline(1 << 20)
                yield _outcome(f"{file.path}#{lineno}", LoadError(
                    f"line {lineno} is larger than the {max_bytes:,}-byte document limit", status="skipped"))
                continue
            if not line.strip():
                continue  # blank separator lines are not documents
            records += 1
            yield lineno, line
    if records == 0:
        yield _outcome(file.path, LoadError("empty file (no records)", status="skipped"))


def jsonl_record(file: InputFile, lineno: int, line: bytes) -> RawDocument | DocumentOutcome:
    """One JSONL line as a document, or an outcome saying why it is not one."""
    key = f"{file.path}#{lineno}"
    try:
        record = json.loads(decode(line).rstrip("\r\n"))  # the line break is not part of the record
        return _record_document(file, record, str(lineno))
    except LoadError as exc:
        return _outcome(key, LoadError(f"line {lineno}: {exc.reason}", exc.status))
    except (json.JSONDecodeError, RecursionError) as exc:
        return _outcome(key, LoadError(f"line {lineno}: malformed JSON: {_json_error(exc)}"))


def _json_error(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg.removesuffix(' at')} at line {exc.lineno} column {exc.colno}"
    return "nested too deeply"


def _load_json(file: InputFile, text: str) -> Iterator[RawDocument | DocumentOutcome]:
    if not text.strip():
        raise LoadError("empty file (no JSON)", status="skipped")
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise LoadError(f"malformed JSON: {_json_error(exc)}") from exc
    if isinstance(data, list):
        if not data:
            raise LoadError("empty JSON array (no articles)", status="skipped")
        for i, record in enumerate(data):
            try:
                yield _record_document(file, record, str(i))
            except LoadError as exc:
                yield _outcome(f"{file.path}#{i}", LoadError(f"item {i}: {exc.reason}", exc.status))
        return
    yield _record_document(file, data, None)


def _record_document(file: InputFile, record: object, locator: str | None) -> RawDocument:
    """One JSON article object to a RawDocument, with its metadata normalised into `fields`."""
    if not isinstance(record, dict):
        raise LoadError(f"expected a JSON object (an article), got {_json_type(record)}")
    fields: dict[str, object] = {}
    for name, keys in FIELD_KEYS.items():
        for key in keys:
            if record.get(key) not in (None, "", []):
                value = _field_value(name, key, record[key])
                if value not in (None, "", []):  # not a publisher object without a name
                    fields[name] = value
                    break
    html = _first_text(record, HTML_KEYS)
    body = _first_text(record, TEXT_KEYS)
    if html is None and body is None:
        raise LoadError(f"no article text: none of the fields {', '.join(TEXT_KEYS + HTML_KEYS)} holds text",
                        status="skipped")
    content, content_type = (html, "html") if html is not None and body is None else (body, "text")
    return RawDocument(path=file.path, identity=file.identity, record=locator, content=content,  # type: ignore[arg-type]
                       content_type=content_type, fields=fields, source=file.source)


def _first_text(record: dict, keys: tuple[str, ...]) -> str | None:
    for key in keys:
        value = record.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = "\n\n".join(value)
        if not isinstance(value, str):
            raise LoadError(f"field {key!r} must be text, got {_json_type(value)}")
        if value.strip():
            return value
    return None


def _field_value(name: str, key: str, value: object) -> object:
    if name == "authors":
        items = value if isinstance(value, list) else [value]
        names = [_name_of(v) for v in items]
        return [n for n in names if n]
    if name == "publisher" and isinstance(value, dict):
        return _name_of(value)
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value).strip()
    raise LoadError(f"field {key!r} must be text, got {_json_type(value)}")


def _name_of(value: object) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return value["name"].strip() or None
    return None


def _json_type(value: object) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def documents(sources: Sequence[str], max_bytes: int) -> Iterator[RawDocument]:
    """Every document that loads under the given files, folders or globs (problems are left out)."""
    for found in discover(sources):
        if isinstance(found, InputFile):
            yield from (doc for doc in load(found, max_bytes) if isinstance(doc, RawDocument))
