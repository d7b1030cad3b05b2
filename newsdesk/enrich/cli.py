"""`newsdesk entities ...`: the alias registry's recorded decisions, and rebuilding them."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from newsdesk.terminal import safe, say, table

entities_app = typer.Typer(help="The corpus-wide alias registry: which bare surname became which full name, and why.",
                           no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


@entities_app.command("decisions")
def decisions(json_output: JsonOption = False) -> None:
    """List the recorded alias decisions: a bare surname, the full name it maps to (or none), and why."""
    from newsdesk.enrich import _stores

    rows = _stores()[1].decisions()
    if json_output:
        typer.echo(json.dumps([{"name": key, "maps_to": target, "reason": reason} for key, target, reason in rows],
                              ensure_ascii=False))
        return
    if not rows:
        say("no alias decisions yet: they are taken as documents are ingested")
        return
    table(f"{len(rows)} alias decisions (name keys, lower case)",
           [("name", {"ratio": 1, "overflow": "fold"}), ("maps to", {"ratio": 1, "overflow": "fold"}),
            ("reason", {"ratio": 2, "overflow": "fold"})],
           [[safe(key), safe(target) if target else "(stays as it is)", safe(reason)] for key, target, reason in rows])


@entities_app.command("rebuild")
def rebuild(json_output: JsonOption = False) -> None:
    """Recompute every alias decision from the names recorded so far (after the corpus grew or the gazetteer
    changed), and clear the enrichment cache so that `newsdesk ingest --full SOURCE...` writes the new names."""
    from newsdesk.enrich import _stores

    cache, registry = _stores()
    count = registry.rebuild()
    cleared = cache.clear()
    if json_output:
        typer.echo(json.dumps({"decisions": count, "cache_entries_cleared": cleared}))
        return
    say(f"{count} alias decisions recomputed; {cleared} cached enrichment results cleared. Indexed documents keep "
        "their names until they are processed again: `newsdesk ingest --full SOURCE...`")
