"""Human output of the CLI: text wrapped to the terminal (80 columns when stdout is not one), indents kept, and made
safe for it: no rich markup, no control characters.

A title or a file name can hold `[link=…]` (rich markup) or escape sequences (`\x1b]0;…` retitles a terminal, others
rewrite the screen); human output passes every such value through `safe` (or `say`/`wrapped`, which escape too).
JSON output needs no such care.
"""

from __future__ import annotations

import re
import textwrap

from rich.console import Console
from rich.markup import escape

MARK = "\ue000"
"""Wraps a span of text to show reversed (a search match): `a \ue000match\ue000 b` (a private-use character:
not a control character, so it survives `plain`)."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""C0 (but tab and newline), DEL, C1, line/paragraph separators and bidirectional overrides."""


def plain(text: object) -> str:
    """`text` with control characters shown as `\\xNN` / `\\uNNNN` escapes instead of acting on the terminal."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), str(text))


def safe(text: object) -> str:
    """`text` for rich's `print`: control characters escaped (`plain`) and markup brackets escaped."""
    return escape(plain(text))


def console() -> Console:
    return Console(highlight=False)


def wrapped(text: str, width: int, indent: str = "", style: str = "") -> str:
    """Rich markup for `text` (whitespace collapsed) filled to `width` with every line indented by `indent`;
    spans between `MARK`s reversed; the text itself is made `safe` (brackets in article text stay text, control
    characters are shown, not obeyed)."""
    lines = textwrap.fill(" ".join(plain(text).split()), width=width, initial_indent=indent,
                          subsequent_indent=indent, break_on_hyphens=False) or indent
    marked = re.sub(f"{MARK}(.*?){MARK}", r"[reverse]\1[/reverse]", escape(lines), flags=re.S)
    return f"[{style}]{marked}[/]" if style else marked


def say(text: str, indent: str = "", style: str = "", out: Console | None = None) -> None:
    """Print `text` wrapped to the terminal, made safe for it."""
    out = out or console()
    out.print(wrapped(text, out.width, indent, style))


def table(title: str, columns: list[tuple[str, dict[str, object]]], rows: list[list[str]]) -> None:
    """A table that fits the terminal (80 columns when it is not one): long cells wrap within their column.
    Cells are rich markup: pass values through `safe`."""
    from rich.table import Table

    grid = Table(title=title, title_justify="left", box=None, pad_edge=False, show_edge=False)
    for name, options in columns:
        grid.add_column(name, **options)  # type: ignore[arg-type]
    for row in rows:
        grid.add_row(*row)
    console().print(grid)
