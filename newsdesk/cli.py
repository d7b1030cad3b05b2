"""`newsdesk` command line. With `--json` (and always for `extract`) stdout carries only JSON;
progress, logs and Prefect's own output go to stderr."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Annotated, Optional

import typer
from typer.core import TyperGroup

from newsdesk.config import get_settings
from newsdesk.index.es_cli import dashboards_app, doctor, kibana_app
from newsdesk.terminal import plain, safe


class _LazyGroups(TyperGroup):
    """Command groups whose modules are imported when a command line names them (or help lists them): the stages'
    packages import spaCy, dateparser and trafilatura, which `ingest`, `search` and the rest do not need here."""

    LAZY = {"boilerplate": ("newsdesk.clean.cli", "boilerplate_app"), "stories": ("newsdesk.stories.cli", "stories_app"),
            "entities": ("newsdesk.enrich.cli", "entities_app")}

    def list_commands(self, ctx):  # noqa: ANN001, ANN201 - click's signature
        return [*super().list_commands(ctx), *(name for name in self.LAZY if name not in self.commands)]

    def get_command(self, ctx, cmd_name: str):  # noqa: ANN001, ANN201
        if cmd_name in self.LAZY and cmd_name not in self.commands:
            import importlib

            module, name = self.LAZY[cmd_name]
            group = typer.main.get_group(getattr(importlib.import_module(module), name))
            group.name = cmd_name
            self.commands[cmd_name] = group
        return super().get_command(ctx, cmd_name)


app = typer.Typer(help="newsdesk: ingest news articles, clean and enrich them, search them.", cls=_LazyGroups,
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False)
failed_app = typer.Typer(help="Documents that failed, kept for retry.", no_args_is_help=True)
app.add_typer(failed_app, name="failed")
app.add_typer(kibana_app, name="kibana")
app.add_typer(dashboards_app, name="dashboards")
app.command()(doctor)

REPORT_HINT = "This is a bug in newsdesk, not in your input; please report it with the traceback above."


def _err_console():
    from rich.console import Console

    return Console(stderr=True)


def _error(message: object) -> None:
    """One line on stderr, never wrapped: what went wrong and what to do."""
    print(f"error: {plain(message)}", file=sys.stderr, flush=True)


def _start_prefect() -> None:
    """Start the temporary Prefect server (when no PREFECT_API_URL) before a flow runs: see `newsdesk.orchestration`."""
    from newsdesk.config import configure_prefect
    from newsdesk.orchestration import ensure_temporary_server

    configure_prefect()
    ensure_temporary_server()


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


def _settled_summary(paths: list[str], backend: str | None, index: str | None, prune: bool,  # noqa: ANN202
                     url_lists: list[str]):
    """The summary of an ingest with nothing to do (every input unchanged, nothing to prune), from the plan
    alone; None when there is work (or no state yet), so the flow runs. Feeds and sitemaps are fetched for
    the plan (conditionally: an unchanged one answers 304); inputs whose documents the index lacks are work."""
    from newsdesk.index import open_backend
    from newsdesk.pipeline import plan_ingest, run_settings
    from newsdesk.sources import is_url
    from newsdesk.state import IngestState

    settings = run_settings(backend, index)
    if not settings.state_path.exists():
        return None
    state = IngestState(settings.state_path)
    fetcher = None
    if url_lists or any(is_url(p) for p in paths):
        from newsdesk.sources.fetch import Fetcher

        fetcher = Fetcher.from_settings(settings, state.fetches)
    try:
        store = open_backend(settings)
        try:
            plan = plan_ingest(paths, state, url_lists=url_lists, fetcher=fetcher, settings=settings, backend=store)
        finally:
            store.close()
    finally:
        state.close()
        if fetcher is not None:
            fetcher.close()
    if plan.todo or (prune and plan.removed):
        return None
    return plan.summary


@app.command()
def ingest(
    paths: Annotated[Optional[list[str]], typer.Argument(
        help="Files, folders (recursive), globs, WARC archives, and feed, sitemap or page URLs.")] = None,
    urls: Annotated[Optional[list[str]], typer.Option("--urls", metavar="FILE",
                                                      help="A file of page URLs, one per line.")] = None,
    group: Annotated[Optional[str], typer.Option(help="A group of the sources file (NEWSDESK_SOURCES_FILE).")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the summary as one JSON object.")] = False,
    full: Annotated[bool, typer.Option("--full", help="Re-process (and re-fetch) unchanged inputs too.")] = False,
    prune: Annotated[bool, typer.Option("--prune", help="Delete documents whose input is gone.")] = False,
    backend: Annotated[Optional[str], typer.Option(help="embedded, elasticsearch or opensearch (default: config).")] = None,
    index: Annotated[Optional[str], typer.Option(help="Index name (default: config).")] = None,
) -> None:
    """Run the `ingest` flow: fetch, load, clean, enrich and index articles. Exit 1 if any document failed, 3 if
    the run had to stop (backend unavailable, disk full), 4 if a store is damaged."""
    from newsdesk.pipeline import run_settings
    from newsdesk.stores import free_space_problem

    paths, url_lists = list(paths or []), list(urls or [])
    planned, planned_lists, planned_prune = paths, url_lists, prune  # with the group's sources (the flow adds them)
    if group:
        from newsdesk.sources.groups import SourcesFileError, load_group

        try:
            chosen = load_group(get_settings().sources_file, group)
        except SourcesFileError as exc:
            _error(exc)
            raise typer.Exit(2) from None
        planned, planned_lists = [*paths, *chosen.sources], [*url_lists, *chosen.url_lists]
        planned_prune = prune or chosen.prune
    if not planned and not planned_lists:
        _error("nothing to ingest: give paths or URLs, --urls FILE or --group NAME")
        raise typer.Exit(2)
    settled = None if full else _settled_summary(planned, backend, index, planned_prune, planned_lists)
    if settled is not None:  # nothing to do: no flow run (Prefect's start alone costs seconds)
        _finish_ingest(settled, json_output)
    no_space = free_space_problem(run_settings(backend, index))
    if no_space:  # before Prefect starts: its own database lives under NEWSDESK_HOME too
        _error(no_space)
        raise typer.Exit(3)
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from newsdesk.workers import warm_up

    warm_up(run_settings(backend, index))  # the workers load their models while Prefect starts
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
            summary, _ = run_ingest(paths, backend=backend, index=index, full=full, prune=prune, url_lists=url_lists,
                                    group=group)
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
                                             + (f"; {prov.detail}" if prov.detail and name in ("published", "publisher")
                                                else "") + "]" if prov else ""))
        elif name == "published":
            out.append("published: undated (the input states no date)")
    out.append(f"removed ({len(article.removed)}):")
    out += [f"  - [{span.rule}] {span.text!r}" for span in article.removed]
    out.append(f"body ({len(article.body.split())} words):")
    out += ["  " + line for line in article.body.splitlines()]
    sys.stdout.write(plain("\n".join(out)) + "\n\n")


@app.command()
def search(
    query: Annotated[str, typer.Argument(help='Query: words, "phrases", AND/OR/NOT, -term, prefix*, field:value.')] = "",
    publisher: Annotated[Optional[list[str]], typer.Option("--publisher", help="Only this publisher (any case).")] = None,
    entity: Annotated[Optional[list[str]], typer.Option("--entity", help="Only articles naming this entity.")] = None,
    entity_type: Annotated[Optional[str], typer.Option("--entity-type", help="person, organization, location…")] = None,
    author: Annotated[Optional[list[str]], typer.Option("--author", help="Only articles by this author.")] = None,
    language: Annotated[Optional[list[str]], typer.Option("--language")] = None,
    story: Annotated[Optional[list[str]], typer.Option("--story", help="Only this story's articles (story id).")] = None,
    exclude: Annotated[Optional[list[str]], typer.Option(
        "--exclude", metavar="FIELD:VALUE", help="Leave out e.g. publisher:RT (publisher, entity, author, language, "
                                                 "story_id).")] = None,
    date_from: Annotated[Optional[str], typer.Option("--from", help="Published on or after (YYYY-MM-DD).")] = None,
    date_to: Annotated[Optional[str], typer.Option("--to", help="Published on or before (YYYY-MM-DD).")] = None,
    undated: Annotated[bool, typer.Option("--undated", help="Only articles with no publication date.")] = False,
    sort: Annotated[str, typer.Option(help="relevance or date")] = "relevance",
    page: Annotated[int, typer.Option(min=1)] = 1,
    size: Annotated[int, typer.Option(min=0)] = 10,
    facets: Annotated[Optional[str], typer.Option(
        "--facets", help="Facets, comma-separated (publisher, person, organization, location, norp, event, author, "
                         "language, published, story_id); '' for none.")] = None,
    interval: Annotated[str, typer.Option(help="Bucket width of the published facet: day, week, month, year or "
                                               "auto (from the hits' date span).")] = "auto",
    collapse: Annotated[bool, typer.Option("--collapse", help="Hide near-duplicate copies.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print hits and facets as JSON (the API's fields).")] = False,
) -> None:
    """Full-text and faceted search over the index (keyword filters ignore case)."""
    from newsdesk.index import open_backend
    from newsdesk.search import build_request, run_search
    from newsdesk.search.model import InvalidSearch

    try:
        request = build_request(query, publisher=publisher, entity=entity, entity_type=entity_type, author=author,
                                language=language, story_id=story, exclude=exclude,
                                date_from=_date(date_from, "--from"), date_to=_date(date_to, "--to"), undated=undated, sort=sort,
                                page=page, size=size, facets=facets, interval=interval, collapse=collapse)
    except InvalidSearch as exc:
        typer.echo(plain(f"invalid search: {exc}"), err=True)
        raise typer.Exit(2) from None
    backend = open_backend(get_settings())
    try:
        response = run_search(backend, request)
        unmatched = _unmatched_filters(backend, request) if response.total == 0 else []
    except InvalidSearch as exc:
        typer.echo(plain(f"invalid search: {exc}"), err=True)
        raise typer.Exit(2) from None
    finally:
        backend.close()
    if json_output:
        _print_json(response.model_dump(mode="json"))
    else:
        _show_search(response)
    for field, value in unmatched:
        typer.echo(f"no article has {field} {value!r}", err=True)


def _unmatched_filters(backend, request) -> list[tuple[str, str]]:  # noqa: ANN001
    """The keyword filter values that no article holds at all (why a filtered search found nothing)."""
    from newsdesk.search import build_request

    found = []
    for field in ("publisher", "entity", "author", "language", "story_id"):
        for value in getattr(request.filters, field):
            if backend.search(build_request(None, size=0, facets=[], **{field: value})).total == 0:
                found.append((field, value))
    return found


def _date(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        typer.echo(f"invalid {flag} date {value!r}: use YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None


HISTOGRAM_BARS = 30
"""Most date buckets `search` draws (the latest ones); the bars are at most this many characters wide too."""


def _show_search(response) -> None:  # noqa: ANN001
    """Hits, then facets, wrapped to the terminal (80 columns when it is not one); wrapped lines keep their indent."""
    import re

    from newsdesk.search.model import MAX_RESULT_WINDOW
    from newsdesk.terminal import MARK, console, say

    out = console()
    pages = -(-min(response.total, MAX_RESULT_WINDOW) // response.size) if response.size else 0
    head = f"{response.total:,} article{'' if response.total == 1 else 's'}"
    if response.undated:
        head += f" ({response.undated:,} undated)"
    if pages > 1:
        head += f" · page {response.page} of {pages}"
    say(head, style="bold", out=out)
    for hit in response.hits:
        first = _unescape(re.sub(r"</?mark>", "", hit.highlights[0])) if hit.highlights else ""
        lead = f"{hit.lead} (no title: lead sentence)" if hit.lead else ""
        title = " ".join((hit.title or lead or first or "(no title)").split())
        out.print()
        say(title, style="bold", out=out)
        meta = [hit.publisher or "unknown publisher", str(hit.published or "undated")[:10], hit.language or "",
                "copy" if hit.duplicate_of else "", hit.id]
        say(" · ".join(m for m in meta if m), "  ", "dim", out)
        for fragment in hit.highlights[:3]:
            text = _unescape(re.sub(r"</?mark>", MARK, fragment))
            if " ".join(text.replace(MARK, "").split()) != title:  # the title is shown already
                say(text, "  ", out=out)
    if any(response.facets.values()):
        out.print()
    for name, buckets in response.facets.items():
        if not buckets:
            continue
        if name == "published":
            _show_histogram(out, buckets, response.interval, response.undated)
            continue
        say(f"{name}: " + ", ".join(f"{b.value} ({b.count})" for b in buckets[:8]), out=out)


def _show_histogram(console, buckets, interval: str | None, undated: int | None) -> None:  # noqa: ANN001
    """The `published` buckets as text bars, latest `HISTOGRAM_BARS` of them, and the undated hits beside them."""
    shown = buckets[-HISTOGRAM_BARS:]
    most = max(b.count for b in shown)
    console.print(f"published (by {interval or 'month'})"
                  + (f", latest {len(shown)} of {len(buckets)}" if len(shown) < len(buckets) else "") + ":")
    for b in shown:
        bar = "█" * max(1, round(b.count / most * HISTOGRAM_BARS))
        console.print(f"  {b.value:<10} {bar} {b.count}")
    if undated:
        console.print(f"  {'undated':<10} {undated}")


def _unescape(text: str) -> str:
    import html

    return html.unescape(text)


@app.command()
def reindex(
    prune: Annotated[bool, typer.Option("--prune", help="Delete the previous index version.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")] = False,
) -> None:
    """Rebuild the index into a new version, check counts, and switch to it atomically."""
    _start_prefect()
    from flows.ingest import reindex as reindex_flow

    result = reindex_flow(prune=prune)
    if json_output:
        _print_json(result)
        return
    typer.echo(f"reindexed {result['documents']:,} documents from {result['from'] or '(nothing)'} into {result['to']}")
    if result.get("pruned"):
        typer.echo(f"deleted the previous version{'s' if len(result['pruned']) > 1 else ''}: {', '.join(result['pruned'])}")
    elif not prune:
        typer.echo("the previous version is kept (a rollback); `newsdesk reindex --prune` deletes old versions")


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
    from newsdesk.terminal import console, say

    out = console()
    for f in failures:  # wrapped to the terminal: the key, then why (indented)
        say(f"{f.last_at:%Y-%m-%d %H:%M:%S}  {f.key}", out=out)
        say(f"[{f.stage}] {f.error}  (attempts: {f.attempts})", "  ", out=out)


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
    """Serve the scheduled `ingest` deployments: one per group of the sources file (NEWSDESK_SOURCES_FILE,
    default sources.toml) when it exists and no --source/--schedule is given, else one over NEWSDESK_SOURCES;
    and `retry-failed`, `reindex`, `learn-boilerplate` for manual runs. They are served on a Prefect server:
    PREFECT_API_URL's, else the local one on NEWSDESK_PREFECT_PORT (started if none answers, and stopped again
    on exit). `newsdesk trigger` runs them from another shell. SIGTERM or Ctrl-C stops it (exit 0): runs in progress
    are cancelled, the schedules paused, the warm workers and the server it started stopped."""
    import signal

    signal.signal(signal.SIGTERM, signal.default_int_handler)  # as Ctrl-C until serving (then: serve_deployments)
    try:
        _serve(schedule, sources)
    except KeyboardInterrupt:
        pass  # stopped before it served: what it had started is stopped on the way out


def _serve(schedule: str | None, sources: list[str] | None) -> None:
    import os

    from newsdesk.config import configure_prefect
    from newsdesk.orchestration import PrefectServerError, ensure_server, serve_deployments, ui_url
    from newsdesk.sources.groups import SourcesFileError
    from newsdesk.workers import PoolService, shutdown

    settings = get_settings()
    configure_prefect(settings)
    console = _err_console()
    try:
        from flows.deployments import build_deployments

        deployments = build_deployments(schedule=schedule, sources=sources)
    except SourcesFileError as exc:
        _error(exc)
        raise typer.Exit(2) from None
    pool = PoolService(settings)  # warm workers for every flow run (each runs in a process of its own)
    os.environ.update(pool.environment)
    try:
        server = ensure_server(settings)
    except PrefectServerError as exc:
        pool.close()
        _error(exc)
        raise typer.Exit(EXIT_UNAVAILABLE) from None
    os.environ["PREFECT_API_URL"] = server.api_url  # before Prefect reads its settings
    how = f"started, log {server.log}" if server.started else "already running"
    console.print(safe(f"Prefect server: {ui_url(server.api_url)} ({how}); API {server.api_url}"))
    console.print(safe(f"Serving {', '.join(d.full_name for d in deployments)} (Ctrl-C or SIGTERM stops it)"))
    first = deployments[0].full_name
    console.print(f"Run a deployment from another shell: newsdesk trigger {first} -p full=true"
                  f" (or PREFECT_API_URL={server.api_url} prefect deployment run {first})")
    try:
        serve_deployments(deployments)
    finally:
        pool.close()
        shutdown()
        server.stop()


@app.command()
def trigger(
    deployment: Annotated[Optional[str], typer.Argument(
        help="FLOW/DEPLOYMENT, as `newsdesk serve` lists them (default: the first scheduled ingest).")] = None,
    params: Annotated[Optional[list[str]], typer.Option(
        "-p", "--param", metavar="KEY=VALUE", help="A flow parameter; VALUE is JSON when it parses "
                                                   "(full=true, sources='[\"in/\"]'), else text.")] = None,
    follow: Annotated[bool, typer.Option("--follow/--no-follow", help="Wait for the run, showing its logs.")] = True,
    timeout: Annotated[Optional[float], typer.Option(help="Stop following after this many seconds.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the run (id, state, URL) as JSON.")] = False,
) -> None:
    """Start a run of a deployment `newsdesk serve` serves (from any shell) and follow it to its end.

    Exit status: 0 when the run completed (or was started, with --no-follow), 1 when it failed or was cancelled,
    2 for a bad parameter, 3 when no Prefect server answers or it serves no such deployment, or when the run
    stopped because the index backend was unavailable or the disk full, 4 when it met a damaged store."""
    from newsdesk.config import configure_prefect
    from newsdesk.orchestration import PrefectServerError, find_server
    from newsdesk.orchestration import trigger as start_run

    settings = get_settings()
    configure_prefect(settings)
    console = _err_console()
    if deployment is None:
        from flows.deployments import default_ingest_deployment

        deployment = default_ingest_deployment()
    try:
        api_url = find_server(settings)
        run = start_run(
            api_url, deployment, params or [], follow=follow, timeout=timeout,
            on_start=lambda r: console.print(safe(f"started {r.deployment} run {r.name} ({r.id}): {r.url}")),
            on_log=lambda line: console.print(plain(line), markup=False, highlight=False),
            on_state=lambda state: console.print(f"state: {safe(state)}"),
        )
    except PrefectServerError as exc:
        _error(exc)
        raise typer.Exit(EXIT_UNAVAILABLE) from None
    except ValueError as exc:
        _error(exc)
        raise typer.Exit(2) from None
    if json_output:
        _print_json({"id": run.id, "name": run.name, "deployment": run.deployment, "state": run.state,
                     "message": run.message, "url": run.url})
    elif follow:
        console.print(safe(f"{run.name}: {run.state.lower()}" + (f" ({run.message})" if run.message else "")))
    raise typer.Exit(0 if run.completed or not follow else _failed_run_exit(run))


def _failed_run_exit(run) -> int:  # noqa: ANN001
    """The exit status of a followed run that did not complete: what the same failure exits with when the
    command runs here (the index backend unavailable or the disk full: 3; a damaged store: 4), else 1."""
    from newsdesk.orchestration import INTERRUPTED

    message = run.message or ""
    if "DamagedStore:" in message:
        return EXIT_DAMAGED
    if run.state_name == INTERRUPTED or any(f"{name}:" in message for name in ("BackendError", "NoSpaceLeft")):
        return EXIT_UNAVAILABLE
    return 1


@app.command("sources")
def sources_command(
    prefect_yaml: Annotated[bool, typer.Option("--prefect-yaml", help="Print the groups as prefect.yaml "
                                                                      "deployment entries.")] = False,
) -> None:
    """Show the groups of the sources file (NEWSDESK_SOURCES_FILE, default sources.toml) and their schedules."""
    from newsdesk.sources.groups import SourcesFileError, load_groups

    path = get_settings().sources_file
    try:
        groups = load_groups(path)
    except SourcesFileError as exc:
        _error(exc)
        raise typer.Exit(2) from None
    if prefect_yaml:
        from flows.deployments import prefect_yaml_deployments

        sys.stdout.write(prefect_yaml_deployments())
        return
    for name, group in groups.items():
        typer.echo(plain(f"{name}  cron {group.cron!r} ({group.timezone})"))
        for label in ("feeds", "sitemaps", "pages", "url_lists", "paths"):
            for value in getattr(group, label):
                typer.echo(plain(f"  {label[:-1] if label != 'url_lists' else 'url list'}: {value}"))


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
