"""`newsdesk stories`: list stories; show one with its articles and its claims side by side."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Annotated

import typer

from newsdesk.config import get_settings

stories_app = typer.Typer(help="Stories: articles about the same event, their copies and who claims what.",
                          no_args_is_help=True)

MAX_OFFSET = 1_000_000_000
"""Bounds of paging numbers (SQLite holds 64-bit integers; a larger one is refused, not a crash)."""
MAX_CELL_STATEMENTS = 6
MAX_STATEMENT_CHARS = 220


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")


def _console():  # noqa: ANN202
    from rich.console import Console

    return Console()


def _span(first: date | None, last: date | None) -> str:
    if first is None:
        return "undated"
    return str(first) if first == last else f"{first} – {last}"


def _clip(text: str, limit: int = MAX_STATEMENT_CHARS) -> str:
    """Shortened to `limit` characters, safe for the terminal (texts hold brackets and control characters)."""
    from newsdesk.terminal import safe

    return safe(text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…")


@stories_app.command("list")
def list_command(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Stories per page.")] = 20,
    offset: Annotated[int, typer.Option(min=0, max=MAX_OFFSET)] = 0,
    min_articles: Annotated[int, typer.Option("--min-articles", min=1, max=MAX_OFFSET,
                                              help="Only stories this big.")] = 1,
    json_output: Annotated[bool, typer.Option("--json", help="Print the page as one JSON object.")] = False,
) -> None:
    """Stories, latest first: label, articles (and copies), publishers, date span, top entities."""
    from rich.table import Table

    from newsdesk.stories import StoryStore, list_stories

    with StoryStore.for_settings(get_settings()) as store:
        page = list_stories(store, limit=limit, offset=offset, min_articles=min_articles)
    if json_output:
        _print_json(page.model_dump(mode="json"))
        return
    table = Table(title=f"Stories ({page.total})")
    for column in ("id", "label", "articles", "copies", "publishers", "dates", "entities"):
        table.add_column(column, overflow="fold")
    for s in page.stories:
        table.add_row(_clip(s.id), _clip(s.label), str(s.articles), str(s.duplicates), _clip(", ".join(s.publishers[:4])),
                      _span(s.first_day, s.last_day), _clip(", ".join(s.top_entities[:5])))
    _console().print(table)


@stories_app.command("show")
def show_command(
    story_id: Annotated[str, typer.Argument(help="A story id from `newsdesk stories list`.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the story as one JSON object.")] = False,
) -> None:
    """One story: its articles, and each speaker's statements side by side per publisher (not judged)."""
    from rich.table import Table

    from newsdesk.index import open_backend
    from newsdesk.stories import StoryStore, get_story

    settings = get_settings()
    backend = open_backend(settings)
    try:
        with StoryStore.for_settings(settings) as store:
            story = get_story(store, backend, story_id)
    finally:
        backend.close()
    if story is None:
        typer.echo(f"no story {story_id!r}", err=True)
        raise typer.Exit(1)
    if json_output:
        _print_json(story.model_dump(mode="json"))
        return
    console = _console()
    console.print(f"[bold]{_clip(story.label)}[/]  ({story.id})")
    console.print(f"{story.articles} articles ({story.duplicates} copies), {_span(story.first_day, story.last_day)}; "
                  f"entities: {_clip(', '.join(story.top_entities))}")
    articles = Table(title="Articles")
    for column in ("published", "publisher", "title", "copy of"):
        articles.add_column(column, overflow="fold")
    for a in story.article_list:
        articles.add_row(str(a.published or ""), _clip(a.publisher), _clip(a.title), a.duplicate_of or "")
    console.print(articles)
    publishers = list(dict.fromkeys(p for c in story.claims_by_speaker for p in c.publishers))
    claims = Table(title="Claims by speaker and publisher (as reported; not verified)", show_lines=True)
    claims.add_column("speaker", overflow="fold")
    for publisher in publishers:
        claims.add_column(_clip(publisher), overflow="fold")
    for speaker in story.claims_by_speaker:
        cells = []
        for publisher in publishers:
            said = [s for s in speaker.statements if any(src.publisher == publisher for src in s.sources)]
            lines = [(f"“{_clip(s.text)}”" if s.kind == "direct" else f"(paraphrase) {_clip(s.text)}")
                     + (f" — {_clip(s.speaker)}" if s.speaker != speaker.speaker else "") for s in said[:MAX_CELL_STATEMENTS]]
            if len(said) > MAX_CELL_STATEMENTS:
                lines.append(f"… {len(said) - MAX_CELL_STATEMENTS} more")
            cells.append("\n".join(lines))
        claims.add_row(_clip(speaker.speaker), *cells)
    console.print(claims)


__all__ = ["stories_app"]


if __name__ == "__main__":  # pragma: no cover
    stories_app()

