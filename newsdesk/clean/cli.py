"""`newsdesk boilerplate ...`: list, disable, enable and learn per-publisher boilerplate rules."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from newsdesk.clean.boilerplate import BoilerplateStore, learn_boilerplate, normalise_line
from newsdesk.config import get_settings

boilerplate_app = typer.Typer(help="Learned per-publisher boilerplate rules.", no_args_is_help=True)

StoreOption = Annotated[Path | None, typer.Option("--store", help="Rule store (default: <home>/boilerplate.sqlite).")]


@boilerplate_app.command("list")
def list_rules(
    publisher: Annotated[str | None, typer.Option("--publisher", help="Only this publisher or source folder.")] = None,
    store: StoreOption = None,
) -> None:
    """List learned rules: id, state, scope, key, documents, line."""
    key = None
    if publisher:
        key = str(Path(publisher).resolve()) if Path(publisher).is_dir() else normalise_line(publisher)
    for rule in BoilerplateStore(store).rules(key=key):
        state = "on " if rule.enabled else "off"
        typer.echo(f"{rule.id}\t{state}\t{rule.scope}\t{rule.key}\t{rule.documents}\t{rule.line}")


def _set(rule_id: int, enabled: bool, store: Path | None) -> None:
    if not BoilerplateStore(store).set_enabled(rule_id, enabled):
        typer.echo(f"no rule {rule_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"rule {rule_id} {'enabled' if enabled else 'disabled'}")


@boilerplate_app.command("disable")
def disable(rule_id: int, store: StoreOption = None) -> None:
    """Stop applying one rule."""
    _set(rule_id, False, store)


@boilerplate_app.command("enable")
def enable(rule_id: int, store: StoreOption = None) -> None:
    """Apply one rule again."""
    _set(rule_id, True, store)


@boilerplate_app.command("learn")
def learn(paths: list[str], store: StoreOption = None) -> None:
    """Learn recurring lines from the documents under PATH... (files, folders, globs) and store them as rules."""
    from newsdesk.sources import documents

    docs = list(documents(paths, get_settings().max_document_bytes))
    rules = learn_boilerplate(docs, BoilerplateStore(store))
    typer.echo(f"{len(docs)} documents read; {len(rules)} rules in the store")
