"""Human output of the CLI: text wrapped to the terminal (80 columns when stdout is not one), indents kept."""

from __future__ import annotations

import re
import textwrap

from rich.console import Console
from rich.markup import escape

MARK = "\x00"
"""Wraps a span of text to show reversed (a search match): `a \x00match\x00 b`."""


def console() -> Console:
    return Console(highlight=False)


def wrapped(text: str, width: int, indent: str = "", style: str = "") -> str:
    """Rich markup for `text` (whitespace collapsed) filled to `width` with every line indented by `indent`;
    spans between `MARK`s reversed; the text itself is escaped (brackets in article text stay text)."""
    lines = textwrap.fill(" ".join(text.split()), width=width, initial_indent=indent, subsequent_indent=indent,
                          break_on_hyphens=False) or indent
    marked = re.sub(f"{MARK}(.*?){MARK}", r"[reverse]\1[/reverse]", escape(lines), flags=re.S)
    return f"[{style}]{marked}[/]" if style else marked


def say(text: str, indent: str = "", style: str = "", out: Console | None = None) -> None:
    """Print `text` wrapped to the terminal."""
    out = out or console()
    out.print(wrapped(text, out.width, indent, style))
