"""Index backends behind one protocol: embedded tantivy (default), Elasticsearch or OpenSearch."""

from __future__ import annotations

from newsdesk.config import Settings, get_settings
from newsdesk.index.base import BackendError, IndexBackend, WriteFailure, WriteResult

__all__ = ["BackendError", "IndexBackend", "WriteFailure", "WriteResult", "open_backend"]


def open_backend(settings: Settings | None = None) -> IndexBackend:
    """The configured backend (`NEWSDESK_BACKEND`): embedded under `settings.index_dir`, Elasticsearch or OpenSearch."""
    settings = settings or get_settings()
    if settings.backend == "elasticsearch":
        from newsdesk.index.elasticsearch import ElasticsearchBackend

        return ElasticsearchBackend.from_settings(settings)
    if settings.backend == "opensearch":
        from newsdesk.index.opensearch import OpenSearchBackend

        return OpenSearchBackend.from_settings(settings)
    from newsdesk.index.embedded import EmbeddedBackend

    return EmbeddedBackend(settings.index_dir)
