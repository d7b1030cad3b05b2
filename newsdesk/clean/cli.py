"""`newsdesk boilerplate ...`: list, disable, enable and learn per-publisher boilerplate rules."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from newsdesk.clean.boilerplate import MIN_DOCUMENTS, BoilerplateStore, learn_groups, normalise_line
from newsdesk.config import get_settings
from newsdesk.terminal import safe, say, table

boilerplate_app = typer.Typer(help="Learned per-publisher boilerplate rules.", no_args_is_help=True)

StoreOption = Annotated[Path | None, typer.Option("--store", help="Rule store (default: <home>/boilerplate.sqlite).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@boilerplate_app.command("list")
def list_rules(
    publisher: Annotated[str | None, typer.Option("--publisher", help="Only this publisher or source folder.")] = None,
    store: StoreOption = None,
    json_output: JsonOption = False,
) -> None:
    """List learned rules: id, on/off, publisher or source folder, documents it recurred in, the line."""
    key = None
    if publisher:
        key = str(Path(publisher).resolve()) if Path(publisher).is_dir() else normalise_line(publisher)
    rules = BoilerplateStore(store).rules(key=key)
    if json_output:
        typer.echo(json.dumps([asdict(r) for r in rules], ensure_ascii=False))
        return
    if not rules:
        where = f" for {publisher!r}" if publisher else ""
        say(f"no boilerplate rules{where}: `newsdesk boilerplate learn PATH...` learns them (a publisher or "
             f"source folder needs at least {MIN_DOCUMENTS} distinct documents)")
        return
    rows = [[str(r.id), "on" if r.enabled else "off", safe(f"{r.scope}: {r.key}"), str(r.documents), safe(r.line)]
            for r in rules]
    table(f"{len(rules)} boilerplate rules (disable one: newsdesk boilerplate disable ID)",
           [("id", {"justify": "right", "no_wrap": True}), ("state", {"no_wrap": True}),
            ("publisher or folder", {"ratio": 2, "overflow": "fold"}), ("docs", {"justify": "right", "no_wrap": True}),
            ("line", {"ratio": 3, "overflow": "fold"})], rows)


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
def learn(paths: list[str], store: StoreOption = None, json_output: JsonOption = False) -> None:
    """Learn recurring lines from the documents under PATH... (files, folders, globs) and store them as rules.

    Documents are grouped by publisher (or by source folder when the publisher is unknown); a group needs at least
    3 distinct documents (near-duplicates count once) before a line recurring in them becomes a rule.
    """
    from newsdesk.sources import documents

    rules = BoilerplateStore(store)
    docs = list(documents(paths, get_settings().max_document_bytes))
    groups = learn_groups(docs, rules)
    total = len(rules.rules())
    if json_output:
        typer.echo(json.dumps({"documents": len(docs), "rules_in_store": total, "min_documents": MIN_DOCUMENTS,
                               "groups": [asdict(g) for g in groups]}, ensure_ascii=False))
        return
    rows = []
    for g in sorted(groups, key=lambda g: (-g.distinct, g.key)):
        if g.distinct < MIN_DOCUMENTS:
            outcome = f"none: needs {MIN_DOCUMENTS} distinct docs"
        else:
            outcome = f"{g.lines} line{'' if g.lines == 1 else 's'}" if g.lines else "none recur"
        rows.append([safe(f"{g.scope}: {g.key}"), str(g.documents), str(g.distinct), outcome])
    if rows:
        table(f"{len(docs)} documents read in {len(groups)} groups (by publisher, else by source folder)", [
            ("publisher or folder", {"ratio": 1, "overflow": "fold"}), ("docs", {"justify": "right", "no_wrap": True}),
            ("distinct", {"justify": "right", "no_wrap": True}), ("learned", {"no_wrap": True})], rows)
    else:
        say(f"{len(docs)} documents read")
    say(f"{sum(g.lines for g in groups)} rules from these documents; {total} rules in the store "
         "(newsdesk boilerplate list)")
