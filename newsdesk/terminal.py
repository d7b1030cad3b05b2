"""Text from documents, file names and errors made safe for the terminal: no rich markup, no control characters.

A title or a file name can hold `[link=…]` (rich markup) or escape sequences (`\x1b]0;…` retitles a terminal, others
rewrite the screen); human output passes every such value through `safe`. JSON output needs no such care.
"""

from __future__ import annotations

import re

from rich.markup import escape

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""C0 (but tab and newline), DEL, C1, line/paragraph separators and bidirectional overrides."""


def plain(text: object) -> str:
    """`text` with control characters shown as `\\xNN` / `\\uNNNN` escapes instead of acting on the terminal."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


def safe(text: object) -> str:
    """`text` for rich's `print`: control characters escaped (`plain`) and markup brackets escaped."""
    return escape(plain(text))
