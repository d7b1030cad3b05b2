"""`newsdesk` command line. With `--json` (and always for `extract`) stdout carries only JSON;
progress, logs and Prefect's own output go to stderr."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Annotated, Optional

import typer

from newsdesk.clean.cli import boilerplate_app
from newsdesk.config import get_settings
from newsdesk.index.es_cli import doctor, kibana_app
from newsdesk.stories.cli import stories_app
from newsdesk.terminal import plain, safe

app = typer.Typer(help="newsdesk: ingest news articles, clean and enrich them, search them.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
app.add_typer(boilerplate_app, name="boilerplate")
failed_app = typer.Typer(help="Documents that failed, kept for retry.", no_args_is_help=True)
app.add_typer(failed_app, name="failed")
app.add_typer(kibana_app, name="kibana")
app.add_typer(stories_app, name="stories")
app.command()(doctor)

REPORT_HINT = "This is a bug in newsdesk, not in your input; please report it with the traceback above."


def _err_console():
    from rich.console import Console

    return Console(stderr=True)


def _error(message: object) -> None:
    """One line on stderr, never wrapped: what went wrong and what to do."""
    print(f"error: {plain(message)}", file=sys.stderr, flush=True)


def _start_prefect() -> None:
    """Start the temporary Prefect server (when no PREFECT_API_URL) before a flow runs: see `newsdesk.prefect_server`."""
    from newsdesk.config import configure_prefect
    from newsdesk.prefect_server import ensure_prefect_server

    configure_prefect()
    ensure_prefect_server()


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


def _summary_dict(summary) -> dict:  # noqa: ANN001
    data = summary.model_dump(mode="json", exclude={"per_source"})
    data["skipped_documents"] = [{"path": o["key"], "reason": o["reason"], "stage": o["stage"]}
                                 for o in data["skipped_documents"]]
    data["failed_documents"] = [{"path": o["key"], "reason": o["reason"], "stage": o["stage"]}
                                for o in data["failed_documents"]]
    data["per_source"] = summary.per_source
    return data


def _show_summary(summary) -> None:  # noqa: ANN001
    from rich.table import Table

    console = _err_console()
    table = Table(title="Ingest summary")
    for column in ("seen", "indexed", "unchanged", "duplicates", "skipped", "failed"):
        table.add_column(column, justify="right")
    table.add_row(*(str(getattr(summary, c)) for c in ("seen", "indexed", "unchanged", "duplicates", "skipped",
                                                       "failed")))
    console.print(table)
    for o in summary.skipped_documents:
        console.print(f"[yellow]skipped[/] {safe(o.key)}: {safe(o.reason)}")
    from newsdesk.pipeline import NOT_INDEXED

    unwritten = [o for o in summary.failed_documents if (o.reason or "").startswith(NOT_INDEXED)]
    for o in summary.failed_documents:
        if not (summary.interrupted and (o.reason or "").startswith(NOT_INDEXED)):
            console.print(f"[red]failed[/] {safe(o.key)} ({o.stage}): {safe(o.reason)}")
    if summary.interrupted and unwritten:
        console.print(f"[red]failed[/] {len(unwritten)} documents not indexed (the run stopped; "
                      "`newsdesk failed list` lists them, the next run writes them)")
    if summary.removed:
        console.print(f"{len(summary.removed)} inputs are gone from their sources"
                      + (f"; {summary.pruned} documents pruned" if summary.pruned else "; use --prune to delete them"))


def _finish_ingest(summary, json_output: bool) -> None:  # noqa: ANN001
    """Print a run's summary (JSON or table); exit 3 if the run had to stop writing (backend unavailable, disk
    full), else 1 if any document failed."""
    if json_output:
        _print_json(_summary_dict(summary))
    else:
        _show_summary(summary)
    if summary.interrupted:
        _error(summary.interrupted)
        raise typer.Exit(3)
    raise typer.Exit(1 if summary.failed else 0)


def _settled_summary(paths: list[str], backend: str | None, index: str | None, prune: bool):  # noqa: ANN202
    """The summary of an ingest with nothing to do (every input unchanged, nothing to prune), from the plan
    alone; None when there is work (or no state yet), so the flow runs."""
    from newsdesk.index import open_backend
    from newsdesk.pipeline import plan_ingest, run_settings
    from newsdesk.state import IngestState

    settings = run_settings(backend, index)
    if not settings.state_path.exists():
        return None
    state = IngestState(settings.state_path)
    try:
        store = open_backend(settings)
        try:
            plan = plan_ingest(paths, state, backend=store)
        finally:
            store.close()
    finally:
        state.close()
    if plan.todo or (prune and plan.removed):
        return None
    return plan.summary


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, folders (recursive) or globs.")],
    json_output: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
    full: Annotated[bool, typer.Option("--full", help="Re-process unchanged files too.")] = False,
    prune: Annotated[bool, typer.Option("--prune", help="Delete documents whose input is gone.")] = False,
    backend: Annotated[Optional[str], typer.Option(help="embedded or elasticsearch (default: config).")] = None,
    index: Annotated[Optional[str], typer.Option(help="Index name (default: config).")] = None,
) -> None:
    """Run the `ingest` flow: load, clean, enrich and index articles. Exit 1 if any document failed."""
    from newsdesk.pipeline import run_settings
    from newsdesk.stores import free_space_problem

    settled = None if full else _settled_summary(paths, backend, index, prune)
    if settled is not None:  # nothing to do: no flow run (Prefect's start alone costs seconds)
        _finish_ingest(settled, json_output)
    no_space = free_space_problem(run_settings(backend, index))
    if no_space:  # before Prefect starts: its own database lives under NEWSDESK_HOME too
        _error(no_space)
        raise typer.Exit(3)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    _start_prefect()
    from flows.ingest import progress_listeners, run_ingest
    from newsdesk.index.base import BackendError

    with Progress(TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=_err_console(), transient=True) as bar:
        task = bar.add_task("ingest", total=None)

        def listener(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        progress_listeners.append(listener)
        try:
            summary, _ = run_ingest(paths, backend=backend, index=index, full=full, prune=prune)
        except BackendError as exc:
            _error(f"the index backend is unavailable: {exc}")
            raise typer.Exit(3) from None
        finally:
            progress_listeners.remove(listener)
    _finish_ingest(summary, json_output)


@app.command()
def extract(
    paths: Annotated[list[str], typer.Argument(help="Files, folders (recursive) or globs.")],
    explain: Annotated[bool, typer.Option("--explain", help="Show what the cleaner removed and why, and "
                                                            "where each field came from (text, not JSON).")] = False,
) -> None:
    """Load, clean and enrich without indexing; one JSON object per document on stdout."""
    from newsdesk.model import DocumentOutcome
    from newsdesk.pipeline import process_files
    from newsdesk.sources import discover

    settings = get_settings()
    console = _err_console()
    files, problems = [], []
    for item in discover(paths):
        (problems if isinstance(item, DocumentOutcome) else files).append(item)
    failed = False
    for processed in process_files(files, settings):
        problems += processed.outcomes
        for article in processed.articles:
            if explain:
                _explain(article)
            else:
                _print_json(article.model_dump(mode="json"))
    for o in problems:
        failed |= o.status == "failed"
        console.print(f"[{'red' if o.status == 'failed' else 'yellow'}]{o.status}[/] {safe(o.key)}: {safe(o.reason)}")
    raise typer.Exit(1 if failed else 0)


def _explain(article) -> None:  # noqa: ANN001
    out = [f"== {article.path}", f"title: {article.title}"]
    for name in ("published", "dateline", "publisher", "aggregator", "language", "url", "authors", "cited_sources"):
        value = getattr(article, name)
        if value not in (None, [], ""):
            prov = article.provenance.get(name)
            out.append(f"{name}: {value}" + (f"   [from {prov.source}"
                                             + (f", confidence {prov.confidence:.2f}" if prov.confidence else "")
                                             + "]" if prov else ""))
    out.append(f"removed ({len(article.removed)}):")
    out += [f"  - [{span.rule}] {span.text!r}" for span in article.removed]
    out.append(f"body ({len(article.body.split())} words):")
    out += ["  " + line for line in article.body.splitlines()]
    sys.stdout.write("\n".join(out) + "\n\n")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Query: words, "phrases", AND/OR/NOT, -term, prefix*, field:value.')] = "",
    publisher: Annotated[Optional[list[str]], typer.Option("--publisher", help="Only this publisher.")] = None,
    entity: Annotated[Optional[list[str]], typer.Option("--entity", help="Only articles naming this entity.")] = None,
    entity_type: Annotated[Optional[str], typer.Option("--entity-type", help="person, organization, location…")] = None,
    language: Annotated[Optional[list[str]], typer.Option("--language")] = None,
    date_from: Annotated[Optional[str], typer.Option("--from", help="Published on or after (YYYY-MM-DD).")] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="Published on or before (YYYY-MM-DD).")] = None,
    sort: Annotated[str, typer.Option(help="relevance or date")] = "relevance",
    page: Annotated[int, typer.Option(min=1)] = 1,
    size: Annotated[int, typer.Option(min=0)] = 10,
    collapse: Annotated[bool, typer.Option("--collapse", help="Hide near-duplicate copies.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print hits and facets as JSON.")] = False,
) -> None:
    """Full-text and faceted search over the index."""
    from newsdesk.index import open_backend
    from newsdesk.search import build_request
    from newsdesk.search.model import InvalidSearch

    try:
        request = build_request(query, publisher=publisher, entity=entity, entity_type=entity_type,
                                language=language, date_from=_date(date_from, "--from"),
                                date_to=_date(date_to, "--to"), sort=sort, page=page, size=size, collapse=collapse)
    except InvalidSearch as exc:
        typer.echo(f"invalid search: {exc}", err=True)
        raise typer.Exit(2) from None
    backend = open_backend(get_settings())
    try:
        response = backend.search(request)
    except InvalidSearch as exc:
        typer.echo(f"invalid search: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        backend.close()
    if json_output:
        _print_json({
            "total": response.total,
            "hits": [{k: getattr(h, k) for k in ("id", "title", "publisher", "published", "score", "highlights")}
                     for h in response.hits],
            "facets": {name: [b.model_dump() for b in buckets] for name, buckets in response.facets.items()},
        })
    else:
        _show_search(response)


def _date(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        typer.echo(f"invalid {flag} date {value!r}: use YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None


def _show_search(response) -> None:  # noqa: ANN001
    import re

    from rich.console import Console

    console = Console()
    console.print(f"[bold]{response.total}[/] articles")
    for hit in response.hits:
        console.print(f"\n[bold]{safe(hit.title or '(untitled)')}[/]  [dim]{safe(hit.publisher or '?')} · "
                      f"{hit.published or 'undated'} · {safe(hit.id)}[/]")
        for fragment in hit.highlights[:2]:
            marked = re.sub(r"</?mark>", "\ue000", fragment)  # a private-use mark: survives `safe`
            text = safe(_unescape(marked))
            console.print("  " + re.sub("\ue000(.*?)\ue000", r"[reverse]\1[/reverse]", text))
    for name, buckets in response.facets.items():
        if buckets:
            shown = ", ".join(f"{safe(b.value)} ({b.count})" for b in buckets[:8])
            console.print(f"\n[bold]{name}[/]: {shown}")


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


@app.command()
def reindex(
    prune: Annotated[bool, typer.Option("--prune", help="Delete the previous index version.")] = False,
) -> None:
    """Rebuild the index into a new version, check counts, and switch to it atomically."""
    _start_prefect()
    from flows.ingest import reindex as reindex_flow

    _print_json(reindex_flow(prune=prune))


@app.command()
def repair(
    check: Annotated[bool, typer.Option("--check", help="Only check the stores (exit 4 if one is damaged).")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the report as one JSON object.")] = False,
) -> None:
    """Check the index and the stores under NEWSDESK_HOME; rebuild the damaged ones from the surviving stores and
    the inputs (damaged files are set aside, never deleted). Exit 0 when all is whole and nothing was lost."""
    from dataclasses import asdict

    from newsdesk.stores import check_stores

    if check:
        checks = check_stores(get_settings())
        if json_output:
            _print_json([asdict(c) for c in checks])
        else:
            for c in checks:
                typer.echo(plain(f"{'ok     ' if c.ok else 'DAMAGED'}  {c.name}: {c.path}"
                                 + ("" if c.ok else f"\n         {c.detail}\n         repair: {c.repair}")))
        raise typer.Exit(0 if all(c.ok for c in checks) else 4)
    _start_prefect()
    from flows.ingest import repair as repair_flow

    report = repair_flow()
    if json_output:
        _print_json(report)
    else:
        for c in report["checked"]:
            if not c["ok"]:
                typer.echo(plain(f"repaired {c['name']} ({c['path']}): {c['detail']}; {c['repair']}"))
        for path in report["set_aside"]:
            typer.echo(plain(f"set aside: {path}"))
        typer.echo(f"{report['documents']} documents indexed; {len(report['lost'])} lost"
                   + ("" if report["ok"] else "; some stores are still damaged (see `newsdesk repair --check`)"))
        for article_id in report["lost"][:50]:
            typer.echo(f"lost: {article_id}")
    raise typer.Exit(0 if report["ok"] else 1)


@failed_app.command("list")
def failed_list(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Documents that failed, with stage, error and time."""
    from newsdesk.state import IngestState

    state = IngestState(get_settings().state_path)
    failures = state.failures()
    state.close()
    if json_output:
        _print_json([{"key": f.key, "path": f.path, "stage": f.stage, "error": f.error, "attempts": f.attempts,
                      "last_at": f.last_at.isoformat()} for f in failures])
        return
    if not failures:
        typer.echo("no failed documents")
    for f in failures:
        typer.echo(plain(f"{f.last_at:%Y-%m-%d %H:%M:%S}  {f.key}  [{f.stage}] {f.error}  (attempts: {f.attempts})"))


@failed_app.command("retry")
def failed_retry(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Re-process every failed document (the `retry-failed` flow). Exit 1 if any still fails."""
    _start_prefect()
    from flows.ingest import retry_failed, summary_of

    summary = summary_of(retry_failed(return_state=True))
    _finish_ingest(summary, json_output)


@app.command()
def serve(
    schedule: Annotated[Optional[str], typer.Option(help="Cron schedule (default: NEWSDESK_SCHEDULE).")] = None,
    sources: Annotated[Optional[list[str]], typer.Option("--source", help="Sources (default: NEWSDESK_SOURCES).")] = None,
) -> None:
    """Serve the scheduled `ingest` deployment (and `retry-failed`, `reindex` for manual runs)."""
    _start_prefect()
    from prefect import serve as prefect_serve

    from flows.deployments import build_deployments

    prefect_serve(*build_deployments(schedule=schedule, sources=sources))


@app.command()
def api(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Serve the search API and web page (uvicorn)."""
    from newsdesk.api import serve_api

    serve_api(host=host, port=port)


EXIT_UNAVAILABLE = 3
"""The index backend does not answer, or the disk holding NEWSDESK_HOME is full."""
EXIT_DAMAGED = 4
"""A store under NEWSDESK_HOME is damaged: `newsdesk repair` rebuilds it."""


def known_failure(exc: BaseException) -> tuple[int, str] | None:
    """The exit status and one-line message of a failure of the environment rather than of newsdesk: the index
    backend unavailable, no space left, a damaged store (named by checking the stores). None for a bug."""
    import sqlite3

    from newsdesk.index.base import BackendError
    from newsdesk.stores import DamagedStore, NoSpaceLeft, find_damage, is_no_space

    settings = get_settings()
    if isinstance(exc, DamagedStore):
        return EXIT_DAMAGED, str(exc)
    if is_no_space(exc):
        return EXIT_UNAVAILABLE, str(exc if isinstance(exc, NoSpaceLeft) else NoSpaceLeft(settings.home.resolve()))
    if isinstance(exc, (sqlite3.DatabaseError, ValueError, OSError, BackendError, RuntimeError)):
        try:
            damage = find_damage(settings)
        except Exception:  # noqa: BLE001 - the check itself failing must not hide the first error
            damage = None
        if damage is not None:
            return EXIT_DAMAGED, str(damage)
    if isinstance(exc, BackendError):
        return EXIT_UNAVAILABLE, f"the index backend is unavailable: {exc}"
    return None


def main() -> None:
    """Entry point: bad configuration gets a clear message; an unavailable backend, a full disk or a damaged store
    one line (exit 3 or 4); a bug in our code shows its traceback with a hint to report it."""
    from pydantic import ValidationError

    try:
        get_settings()
    except ValidationError as exc:
        problems = "; ".join(f"NEWSDESK_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())
        print(f"invalid configuration: {problems}", file=sys.stderr)
        sys.exit(2)
    try:
        app()
    except Exception as exc:
        known = known_failure(exc)
        if known is not None:
            _error(known[1])
            sys.exit(known[0])
        import traceback

        traceback.print_exc()
        print(REPORT_HINT, file=sys.stderr)
        sys.exit(70)


if __name__ == "__main__":
    main()
