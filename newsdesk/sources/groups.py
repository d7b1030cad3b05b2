"""The sources file (`sources.toml`): named groups of sources, each ingested on its own schedule.

    [groups.world]
    cron = "*/30 * * * *"
    feeds = ["https://example.com/world/rss.xml"]
    sitemaps = ["https://example.com/sitemap-news.xml"]

    [groups.archive]
    cron = "0 3 * * *"
    paths = ["/data/inbox", "/data/cc-news/*.warc.gz"]
    url_lists = ["lists/extra-urls.txt"]

`newsdesk serve` serves one `ingest` deployment per group (named after it; its runs too), and `prefect.yaml`
lists the same deployments for a work pool. A run reads its group here when it starts, so changing a
group's sources needs no redeployment; relative paths are relative to the file's folder.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from newsdesk.sources.urls import is_url

GROUP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class SourcesFileError(ValueError):
    """The sources file is missing, not TOML, or describes groups wrongly."""


class SourceGroup(BaseModel):
    """One named group: what to ingest, and when."""

    model_config = ConfigDict(extra="forbid")

    cron: str
    """When to run (cron syntax, e.g. `*/30 * * * *`)."""
    timezone: str = "UTC"
    description: str = ""
    feeds: list[str] = Field(default_factory=list)
    """RSS or Atom feed URLs."""
    sitemaps: list[str] = Field(default_factory=list)
    """Sitemap or sitemap index URLs (news or plain, gzipped or not)."""
    pages: list[str] = Field(default_factory=list)
    """Single page URLs."""
    url_lists: list[str] = Field(default_factory=list)
    """Files with one page URL per line."""
    paths: list[str] = Field(default_factory=list)
    """Files, folders, globs and WARC archives."""
    prune: bool = False
    """Delete documents whose input file is gone from `paths`."""

    @model_validator(mode="after")
    def _schedule(self) -> SourceGroup:
        """The cron string and time zone as Prefect will read them."""
        from newsdesk.config import configure_prefect

        configure_prefect()
        from prefect.client.schemas.schedules import CronSchedule

        try:
            CronSchedule(cron=self.cron, timezone=self.timezone)
        except ValidationError as exc:
            raise ValueError("; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())) from None
        return self

    @field_validator("feeds", "sitemaps", "pages")
    @classmethod
    def _urls(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if not is_url(v)]
        if bad:
            raise ValueError(f"not http(s) URLs: {', '.join(map(repr, bad))}")
        return values

    @property
    def sources(self) -> list[str]:
        """The group's source arguments for `ingest` (URL lists apart)."""
        return [*self.paths, *self.feeds, *self.sitemaps, *self.pages]


def load_groups(path: Path) -> dict[str, SourceGroup]:
    """The groups of a sources file, relative paths resolved against its folder."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SourcesFileError(f"cannot read sources file {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SourcesFileError(f"sources file {path} is not valid TOML: {exc}") from exc
    unknown = set(data) - {"groups"}
    if unknown:
        raise SourcesFileError(f"sources file {path}: unknown top-level keys {sorted(unknown)}; "
                               "groups go under [groups.NAME]")
    groups: dict[str, SourceGroup] = {}
    base = path.resolve().parent
    for name, body in (data.get("groups") or {}).items():
        if not GROUP_NAME.match(name):
            raise SourcesFileError(f"sources file {path}: group name {name!r} may only use letters, digits, "
                                   "'_', '-' and '.'")
        try:
            group = SourceGroup.model_validate(body)
        except ValidationError as exc:
            problems = "; ".join((f"{'.'.join(map(str, e['loc']))}: " if e["loc"] else "")
                                 + e["msg"].removeprefix("Value error, ") for e in exc.errors())
            raise SourcesFileError(f"sources file {path}, group {name!r}: {problems}") from None
        groups[name] = group.model_copy(update={
            "paths": [_resolve(base, p) for p in group.paths],
            "url_lists": [_resolve(base, p) for p in group.url_lists],
        })
    if not groups:
        raise SourcesFileError(f"sources file {path} defines no groups ([groups.NAME] tables)")
    return groups


def load_group(path: Path, name: str) -> SourceGroup:
    groups = load_groups(path)
    if name not in groups:
        raise SourcesFileError(f"no group {name!r} in {path}; groups: {', '.join(sorted(groups))}")
    return groups[name]


def _resolve(base: Path, value: str) -> str:
    expanded = os.path.expanduser(value)
    return expanded if os.path.isabs(expanded) else str(base / expanded)
