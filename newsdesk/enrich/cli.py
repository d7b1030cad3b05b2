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
def rebuild(
    json_output: JsonOption = False,
    settle_index: Annotated[bool, typer.Option(
        "--settle/--no-settle", help="Write the new names into the indexed documents now (`newsdesk stories settle`)."
    )] = True,
) -> None:
    """Recompute every alias decision from the names recorded so far (after the corpus grew or the gazetteer
    changed), write the new names into the indexed documents (settling them, as `newsdesk stories settle` does) and
    clear the enrichment cache, so documents processed again get the new names too."""
    from dataclasses import asdict

    from newsdesk.enrich import _stores
    from newsdesk.stories.settle import settle_configured_index

    cache, registry = _stores()
    count = registry.rebuild()
    cleared = cache.clear()
    report = settle_configured_index() if settle_index else None
    if json_output:
        typer.echo(json.dumps({"decisions": count, "cache_entries_cleared": cleared,
                               "settled": asdict(report) if report else None}))
        return
    say(f"{count} alias decisions recomputed; {cleared} cached enrichment results cleared.")
    if report is None:
        say("Indexed documents keep their names until `newsdesk stories settle` (or until they are processed again).")
    else:
        say(f"settled {report.articles} indexed articles: {report.changed} written again with the new names.")
