"""Hits as CSV or JSON lines, for `GET /export` (streamed row by row)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from typing import Literal

from newsdesk.search.model import Hit

ExportFormat = Literal["csv", "jsonl"]
EXPORT_FIELDS: tuple[str, ...] = ("id", "title", "publisher", "published", "language", "url", "story_id",
                                  "duplicate_of", "score")
"""The columns of an export: a hit's fields, without highlights."""
MEDIA_TYPES: dict[str, str] = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A CSV cell starting with one of these is read as a formula by spreadsheets; such cells get a leading `'`."""


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_lines(hits: Iterable[Hit]) -> Iterator[str]:
    """A header row, then one row per hit (cells that a spreadsheet would run as formulas are quoted with `'`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EXPORT_FIELDS)
    for hit in hits:
        writer.writerow([_cell(getattr(hit, name)) for name in EXPORT_FIELDS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def jsonl_lines(hits: Iterable[Hit]) -> Iterator[str]:
    """One JSON object per hit and line, values exactly as stored."""
    for hit in hits:
        yield json.dumps({name: getattr(hit, name) for name in EXPORT_FIELDS}, ensure_ascii=False) + "\n"


def export_lines(hits: Iterable[Hit], fmt: ExportFormat) -> Iterator[str]:
    return csv_lines(hits) if fmt == "csv" else jsonl_lines(hits)


def export_filename(q: str | None, fmt: ExportFormat) -> str:
    """`newsdesk-<words of the query>.<fmt>`, safe in a Content-Disposition header."""
    words = "-".join(re.findall(r"[A-Za-z0-9]+", q or ""))[:60].strip("-").lower()
    return f"newsdesk-{words or 'all'}.{fmt}"
