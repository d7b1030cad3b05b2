"""The Elasticsearch index backend: the shared `ClusterBackend` core over the `elasticsearch` client.

Request bodies come from `newsdesk.index.es_requests` (pure, spec-validated in tests); this module
only says how the Elasticsearch client reports errors, streams bulk requests and runs a reindex.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from newsdesk.config import Settings
from newsdesk.index.cluster import RETRY_STATUS, ClusterBackend, Failure
from newsdesk.index.es_requests import ELASTICSEARCH


def make_client(settings: Settings, **kwargs: Any) -> Elasticsearch:
    """An Elasticsearch client from settings: API key or basic auth, TLS verification on by default.

    Transport-level retries are off: the backend retries with backoff itself.
    """
    options: dict[str, Any] = {
        "verify_certs": settings.es_verify_certs,
        "request_timeout": 30,
        "max_retries": 0,
        "retry_on_timeout": False,
    }
    if settings.es_ca_certs:
        options["ca_certs"] = str(settings.es_ca_certs)
    if settings.es_api_key:
        options["api_key"] = settings.es_api_key.get_secret_value()
    elif settings.es_username:
        password = settings.es_password.get_secret_value() if settings.es_password else ""
        options["basic_auth"] = (settings.es_username, password)
    options.update(kwargs)
    return Elasticsearch(settings.es_url, **options)


class ElasticsearchBackend(ClusterBackend):
    """`IndexBackend` on Elasticsearch 9: alias `{prefix}{index}` over `{alias}-000001`, `-000002`, ..."""

    dialect = ELASTICSEARCH
    client: Elasticsearch

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> ElasticsearchBackend:
        """A backend for `settings.es_*` (URL, auth, TLS, index prefix) and `settings.index`."""
        return cls(make_client(settings), index=settings.index, prefix=settings.es_index_prefix, **kwargs)

    def _failure(self, exc: Exception) -> Failure | None:
        if isinstance(exc, NotFoundError):
            return "missing"
        if isinstance(exc, ApiError):
            return "retry" if exc.status_code in RETRY_STATUS else "refused"
        return "retry" if isinstance(exc, TransportError) else None

    def _streaming_bulk(self, actions: Iterator[dict[str, Any]]) -> Iterator[tuple[bool, dict[str, Any]]]:
        return helpers.streaming_bulk(self.client, actions, retry_on_status=RETRY_STATUS, **self._bulk_options())

    def _reindex(self, body: dict[str, Any]) -> Any:
        return self.client.options(request_timeout=3600).reindex(body=body, wait_for_completion=True, refresh=True)

    def _node_urls(self) -> list[str]:
        return [str(node.base_url) for node in self.client.transport.node_pool.all()]
