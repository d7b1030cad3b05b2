"""CLI for the production stack: `doctor` (configuration and reachability), `kibana import` and
`dashboards import` (OpenSearch Dashboards).

Mounted by `newsdesk.cli`: `app.command()(doctor)`, `app.add_typer(kibana_app, name="kibana")` and
`app.add_typer(dashboards_app, name="dashboards")`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Optional

import httpx
import typer

from newsdesk.config import Settings, get_settings
from newsdesk.index.es_kibana import (
    DASHBOARDS_SAVED_OBJECTS,
    DASHBOARDS_XSRF,
    DEFAULT_KIBANA_URL,
    SAVED_OBJECTS,
    KibanaError,
    import_saved_objects,
)

KIBANA_URL_ENV = "NEWSDESK_KIBANA_URL"
DASHBOARDS_URL_ENV = "NEWSDESK_DASHBOARDS_URL"

app = typer.Typer(help="The Elasticsearch / Kibana / Prefect stack.", no_args_is_help=True)
kibana_app = typer.Typer(help="Kibana saved objects (data view, saved search, dashboard).", no_args_is_help=True)
app.add_typer(kibana_app, name="kibana")
dashboards_app = typer.Typer(help="OpenSearch Dashboards saved objects (index pattern, saved search, dashboard).",
                             no_args_is_help=True)
app.add_typer(dashboards_app, name="dashboards")


def configured(settings: Settings) -> dict[str, Any]:
    """What is configured, secrets named but never shown."""
    auth = "api key" if settings.es_api_key else (f"basic ({settings.es_username})" if settings.es_username else "none")
    return {
        "backend": settings.backend,
        "home": str(settings.home),
        "elasticsearch": {
            "url": settings.es_url,
            "auth": auth,
            "verify_certs": settings.es_verify_certs,
            "ca_certs": str(settings.es_ca_certs) if settings.es_ca_certs else None,
            "alias": f"{settings.es_index_prefix}{settings.index}",
        },
        "opensearch": {
            "url": settings.opensearch_url,
            "auth": f"basic ({settings.opensearch_username})" if settings.opensearch_username else "none",
            "verify_certs": settings.opensearch_verify_certs,
            "ca_certs": str(settings.opensearch_ca_certs) if settings.opensearch_ca_certs else None,
            "alias": f"{settings.opensearch_index_prefix}{settings.index}",
        },
        "kibana": {"url": os.environ.get(KIBANA_URL_ENV, DEFAULT_KIBANA_URL)},
        "dashboards": {"url": os.environ.get(DASHBOARDS_URL_ENV, DEFAULT_KIBANA_URL)},
        "prefect": {"api_url": os.environ.get("PREFECT_API_URL") or None},
    }


def _http_check(url: str, settings: Settings, *, auth: bool, engine: str = "elasticsearch") -> dict[str, Any]:
    """GET `url` with the credentials of `engine` (elasticsearch or opensearch): whether it answers, with
    status (and the body's version when there is one)."""
    if engine == "opensearch":
        ca_certs, verify, api_key = settings.opensearch_ca_certs, settings.opensearch_verify_certs, None
        username, password = settings.opensearch_username, settings.opensearch_password
    else:
        ca_certs, verify, api_key = settings.es_ca_certs, settings.es_verify_certs, settings.es_api_key
        username, password = settings.es_username, settings.es_password
    kwargs: dict[str, Any] = {"timeout": 5.0, "verify": str(ca_certs) if ca_certs else verify}
    if auth and api_key:
        kwargs["headers"] = {"Authorization": f"ApiKey {api_key.get_secret_value()}"}
    elif auth and username:
        kwargs["auth"] = (username, password.get_secret_value() if password else "")
    try:
        response = httpx.get(url, **kwargs)
    except httpx.HTTPError as exc:
        return {"ok": False, "url": url, "error": f"{type(exc).__name__}: {exc}"}
    result: dict[str, Any] = {"ok": response.status_code < 400, "url": url, "status": response.status_code}
    try:
        version = response.json().get("version")
        result["version"] = version.get("number") if isinstance(version, dict) else version
    except (ValueError, AttributeError):
        pass
    return result


def diagnose(settings: Settings) -> dict[str, Any]:
    """Configuration plus whether the index backend, its cluster and dashboards (Elasticsearch and Kibana,
    or OpenSearch and OpenSearch Dashboards) and Prefect answer."""
    from newsdesk.index import open_backend

    report = configured(settings)
    checks: dict[str, Any] = {}
    try:
        backend = open_backend(settings)
        try:
            checks["backend"] = backend.health()
        finally:
            backend.close()
    except Exception as exc:  # noqa: BLE001 - doctor reports, never crashes
        checks["backend"] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    checks["stores"] = _stores_check(settings)
    if settings.backend == "opensearch":
        checks["opensearch"] = _http_check(settings.opensearch_url, settings, auth=True, engine="opensearch")
        checks["dashboards"] = _http_check(report["dashboards"]["url"].rstrip("/") + "/api/status", settings,
                                           auth=True, engine="opensearch")
    else:
        checks["elasticsearch"] = _http_check(settings.es_url, settings, auth=True)
        checks["kibana"] = _http_check(report["kibana"]["url"].rstrip("/") + "/api/status", settings, auth=True)
    prefect = report["prefect"]["api_url"]
    if prefect:
        checks["prefect"] = _http_check(prefect.rstrip("/") + "/health", settings, auth=False)
    else:
        from newsdesk.orchestration import answers, local_api_url

        local = local_api_url(settings)
        checks["prefect"] = (
            {"ok": True, "url": local, "note": "the local server of `newsdesk serve`"} if answers(local, timeout=1.0)
            else {"ok": None, "url": local, "note": "no local server (`newsdesk serve` starts one); flows run on a "
                                                    "temporary server"})
    report["checks"] = checks
    report["ok"] = bool(checks["backend"].get("ok")) and bool(checks["stores"].get("ok"))
    return report


def _stores_check(settings: Settings) -> dict[str, Any]:
    """The local stores (state, stories, caches; the index is the backend's check): damaged ones named."""
    from newsdesk.stores import check_stores

    bad = [c for c in check_stores(settings, index=False) if not c.ok]
    if not bad:
        return {"ok": True, "path": str(settings.home)}
    return {"ok": False, "path": str(settings.home), "error": "; ".join(
        f"{c.name} ({c.path}) is damaged: {c.detail}" for c in bad) + "; run `newsdesk repair`"}


@app.command()
def doctor(json_output: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False) -> None:
    """Show what is configured and whether the backend, its cluster and dashboards, and Prefect answer."""
    report = diagnose(get_settings())
    if json_output:
        typer.echo(json.dumps(report, indent=2, default=str))
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"newsdesk doctor: backend {report['backend']}")
        for column in ("service", "answers", "where", "detail"):
            table.add_column(column)
        for name, check in report["checks"].items():
            answers = {True: "[green]yes[/green]", False: "[red]no[/red]", None: "-"}[check.get("ok")]
            where = str(check.get("url") or check.get("path") or "")
            detail = check.get("error") or check.get("note") or ", ".join(
                f"{k}={check[k]}" for k in ("version", "server_version", "documents", "status", "alias") if k in check
            )
            table.add_row(name, answers, where, str(detail))
        Console().print(table)
        Console().print_json(json.dumps({k: v for k, v in report.items() if k not in ("checks", "ok")}, default=str))
    raise typer.Exit(0 if report["ok"] else 1)


@kibana_app.command("import")
def kibana_import(
    url: Annotated[str, typer.Option("--url", envvar=KIBANA_URL_ENV, help="Kibana base URL.")] = DEFAULT_KIBANA_URL,
    file: Annotated[Path, typer.Option("--file", exists=True, dir_okay=False, help="NDJSON export.")] = SAVED_OBJECTS,
    space: Annotated[Optional[str], typer.Option(help="Kibana space id (default space if unset).")] = None,
    username: Annotated[Optional[str], typer.Option(envvar="NEWSDESK_KIBANA_USERNAME", help="Default: NEWSDESK_ES_USERNAME.")] = None,
    password: Annotated[Optional[str], typer.Option(envvar="NEWSDESK_KIBANA_PASSWORD", hidden=True)] = None,
    api_key: Annotated[Optional[str], typer.Option(envvar="NEWSDESK_KIBANA_API_KEY", hidden=True)] = None,
) -> None:
    """Load the data view, saved search and dashboard into Kibana (overwriting earlier imports)."""
    settings = get_settings()
    if not (username or api_key):
        username = settings.es_username
        password = password or (settings.es_password.get_secret_value() if settings.es_password else None)
        api_key = settings.es_api_key.get_secret_value() if settings.es_api_key else None
    verify: bool | str = str(settings.es_ca_certs) if settings.es_ca_certs else settings.es_verify_certs
    try:
        result = import_saved_objects(url, file, username=username, password=password, api_key=api_key, space=space, verify=verify)
    except KibanaError as exc:
        typer.echo(f"kibana import failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"imported {result.get('successCount', 0)} saved objects into {url}: open Dashboards > newsdesk overview")


@dashboards_app.command("import")
def dashboards_import(
    url: Annotated[str, typer.Option("--url", envvar=DASHBOARDS_URL_ENV, help="OpenSearch Dashboards base URL.")] = DEFAULT_KIBANA_URL,
    file: Annotated[Path, typer.Option("--file", exists=True, dir_okay=False, help="NDJSON export.")] = DASHBOARDS_SAVED_OBJECTS,
) -> None:
    """Load the index pattern, saved search, visualizations and dashboard into OpenSearch Dashboards
    (overwriting earlier imports); credentials are NEWSDESK_OPENSEARCH_USERNAME/PASSWORD when set."""
    settings = get_settings()
    password = settings.opensearch_password.get_secret_value() if settings.opensearch_password else None
    verify: bool | str = str(settings.opensearch_ca_certs) if settings.opensearch_ca_certs else settings.opensearch_verify_certs
    try:
        result = import_saved_objects(url, file, username=settings.opensearch_username, password=password, verify=verify,
                                      xsrf_header=DASHBOARDS_XSRF, product="OpenSearch Dashboards")
    except KibanaError as exc:
        typer.echo(f"dashboards import failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"imported {result.get('successCount', 0)} saved objects into {url}: open Dashboards > newsdesk overview")
