"""`newsdesk stories`: list stories; show one with its articles and its claims side by side."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from newsdesk.config import get_settings

if TYPE_CHECKING:
    from newsdesk.stories.views import StoryArticle

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
    """Shortened to `limit` characters."""
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"


@stories_app.command("list")
def list_command(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="Stories per page.")] = 20,
    offset: Annotated[int, typer.Option(min=0, max=MAX_OFFSET)] = 0,
    min_articles: Annotated[int, typer.Option("--min-articles", min=1, max=MAX_OFFSET,
                                              help="Only stories this big.")] = 1,
    json_output: Annotated[bool, typer.Option("--json", help="Print the page as one JSON object.")] = False,
) -> None:
    """Stories, latest first: label, articles (and copies), publishers, date span, top entities."""
    from newsdesk.stories import StoryStore, list_stories
    from newsdesk.terminal import console, say

    with StoryStore.for_settings(get_settings()) as store:
        page = list_stories(store, limit=limit, offset=offset, min_articles=min_articles)
    if json_output:
        _print_json(page.model_dump(mode="json"))
        return
    out = console()
    shown = f", {offset + 1}–{offset + len(page.stories)}" if page.total > len(page.stories) else ""
    say(f"{page.total} {'story' if page.total == 1 else 'stories'}{shown} (newsdesk stories show ID: who claims what)",
        style="bold", out=out)
    for s in page.stories:
        out.print()
        say(s.label, out=out, style="bold")
        copies = f" ({s.duplicates} {'copy' if s.duplicates == 1 else 'copies'})" if s.duplicates else ""
        say(f"{s.id} · {s.articles} article{'' if s.articles == 1 else 's'}{copies} · {_span(s.first_day, s.last_day)}",
            "  ", "dim", out)
        say(", ".join(s.publishers[:6]) + (" · " + ", ".join(s.top_entities[:5]) if s.top_entities else ""), "  ",
            out=out)


def _statement(text: str, kind: str, said_by: str | None) -> str:
    body = f"“{_clip(text)}”" if kind == "direct" else f"(reported) {_clip(text)}"
    return body + (f" — {said_by}" if said_by else "")


@stories_app.command("show")
def show_command(
    story_id: Annotated[str, typer.Argument(help="A story id from `newsdesk stories list`.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the story as one JSON object.")] = False,
    min_confidence: Annotated[float, typer.Option("--min-confidence", min=0.0, max=1.0, help=(
        "Credit a speaker only where the attribution is at least this sure (0.9: the sure ones); list the others "
        "with the quotations without a clear speaker."))] = 0.0,
) -> None:
    """One story: its articles (copies under their originals), and what each speaker said, outlet by outlet."""
    from newsdesk.index import open_backend
    from newsdesk.stories import StoryStore, get_story
    from newsdesk.terminal import console, say

    settings = get_settings()
    backend = open_backend(settings)
    try:
        with StoryStore.for_settings(settings) as store:
            story = get_story(store, backend, story_id, min_confidence)
    finally:
        backend.close()
    if story is None:
        typer.echo(f"no story {story_id!r}", err=True)
        raise typer.Exit(1)
    if json_output:
        _print_json(story.model_dump(mode="json"))
        return
    out = console()
    say(story.label, style="bold", out=out)
    say(f"{story.id} · {story.articles} articles ({story.duplicates} copies) · {_span(story.first_day, story.last_day)}",
        style="dim", out=out)
    if story.top_entities:
        say("entities: " + ", ".join(story.top_entities), out=out)
    out.print()
    say("Articles", style="bold", out=out)
    copies: dict[str, list] = {}
    for a in story.article_list:
        if a.duplicate_of:
            copies.setdefault(a.duplicate_of, []).append(a)
    listed = {a.id for a in story.article_list}
    for a in story.article_list:
        if a.duplicate_of and a.duplicate_of in listed:
            continue  # shown under its original
        say(f"{a.published or 'undated'} · {a.publisher} · {_title(a)}", "  ", out=out)
        for c in copies.get(a.id, []):
            say(f"copy: {c.published or 'undated'} · {c.publisher} · {_title(c)}", "      ", "dim", out)
    out.print()
    say("Claims by speaker and outlet (as reported; not verified)", style="bold", out=out)
    for speaker in story.claims_by_speaker:
        out.print()
        say(speaker.speaker, style="bold", out=out)
        for outlet in speaker.publishers:
            said = [st for st in speaker.statements if any(src.outlet == outlet for src in st.sources)]
            say(f"{outlet}:", "  ", "underline", out)
            for st in said[:MAX_CELL_STATEMENTS]:
                say(_statement(st.text, st.kind, st.speaker if st.speaker != speaker.speaker else None)
                    + _sure(st.confidence), "    ", out=out)
                again = [src.publisher for src in st.sources if src.outlet == outlet and src.copy_of]
                if again:
                    say("also in copies by " + ", ".join(dict.fromkeys(again)), "      ", "dim", out)
            if len(said) > MAX_CELL_STATEMENTS:
                say(f"… {len(said) - MAX_CELL_STATEMENTS} more (newsdesk stories show --json)", "    ", "dim", out)
    if story.unattributed:
        out.print()
        say("Quotations without a clear speaker", style="bold", out=out)
        for st in story.unattributed:
            say(_statement(st.text, st.kind, None), "  ", out=out)
            if st.speaker_hint:
                say(f"likely speaker (unconfirmed): {st.speaker_hint}" + _sure(st.confidence), "    ", "dim", out)
            say("reported by " + ", ".join(dict.fromkeys(src.outlet for src in st.sources)), "    ", "dim", out)


def _title(article: StoryArticle) -> str:
    return f"{article.title} (no title: lead sentence)" if article.title_is_lead else article.title


def _sure(confidence: float | None) -> str:
    """How sure an attribution is, where it is not plain."""
    from newsdesk.stories import SURE

    return f" ({confidence:.0%} sure)" if confidence is not None and confidence < SURE else ""


__all__ = ["stories_app"]


if __name__ == "__main__":  # pragma: no cover
    stories_app()



@stories_app.command("settle")
def settle_command(
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
) -> None:
    """Make duplicate links and stories independent of ingest order (after ingests in several processes or
    hosts): every article is met again in publication order and the changed ones are written again."""
    from dataclasses import asdict

    from newsdesk.stories.settle import settle_configured_index
    from newsdesk.terminal import say

    report = settle_configured_index()
    if json_output:
        _print_json(asdict(report))
        return
    say(f"settled {report.articles} articles: {report.changed} written again, {report.duplicates} duplicates, "
        f"{report.stories} stories")
