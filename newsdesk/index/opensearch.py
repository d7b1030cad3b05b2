"""The OpenSearch index backend: the shared `ClusterBackend` core over the `opensearch-py` client.

Same request bodies (`newsdesk.index.es_requests`), same index template, alias and lifecycle as the
Elasticsearch backend; this module only says how the OpenSearch client reports errors, streams bulk
requests, runs a reindex and names its nodes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from opensearchpy import ConnectionError, NotFoundError, OpenSearch, TransportError, helpers

from newsdesk.config import Settings
from newsdesk.index.cluster import RETRY_STATUS, ClusterBackend, Failure
from newsdesk.index.es_requests import OPENSEARCH

# opensearch-py logs every non-2xx answer at WARNING (a 404 for a missing alias on any read); the backend
# reports what matters itself (retries, BackendError), as the Elasticsearch client's INFO-level log leaves it.
logging.getLogger("opensearch").setLevel(logging.ERROR)


def make_client(settings: Settings, **kwargs: Any) -> OpenSearch:
    """An OpenSearch client from settings: basic auth when a user is set, TLS verification on by default.

    Transport-level retries are off: the backend retries with backoff itself.
    """
    options: dict[str, Any] = {
        "verify_certs": settings.opensearch_verify_certs,
        "timeout": 30,
        "max_retries": 0,
        "retry_on_timeout": False,
    }
    if settings.opensearch_ca_certs:
        options["ca_certs"] = str(settings.opensearch_ca_certs)
    if settings.opensearch_username:
        password = settings.opensearch_password.get_secret_value() if settings.opensearch_password else ""
        options["http_auth"] = (settings.opensearch_username, password)
    options.update(kwargs)
    return OpenSearch([settings.opensearch_url], **options)


class OpenSearchBackend(ClusterBackend):
    """`IndexBackend` on OpenSearch 2 and 3: alias `{prefix}{index}` over `{alias}-000001`, `-000002`, ..."""

    dialect = OPENSEARCH
    client: OpenSearch

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> OpenSearchBackend:
        """A backend for `settings.opensearch_*` (URL, auth, TLS, index prefix) and `settings.index`."""
        return cls(make_client(settings), index=settings.index, prefix=settings.opensearch_index_prefix, **kwargs)

    def _failure(self, exc: Exception) -> Failure | None:
        # opensearch-py: every error is a TransportError; a ConnectionError (and its timeouts) has no status.
        if isinstance(exc, NotFoundError):
            return "missing"
        if isinstance(exc, ConnectionError):
            return "retry"
        if isinstance(exc, TransportError):
            return "retry" if exc.status_code in RETRY_STATUS else "refused"
        return None

    def _streaming_bulk(self, actions: Iterator[dict[str, Any]]) -> Iterator[tuple[bool, dict[str, Any]]]:
        # opensearch-py's helper retries 429s (whole chunk or single items) itself; other failed
        # requests raise and the core retries the whole bulk.
        return helpers.streaming_bulk(self.client, actions, **self._bulk_options())

    def _reindex(self, body: dict[str, Any]) -> Any:
        return self.client.reindex(body=body, wait_for_completion=True, refresh=True, request_timeout=3600)

    def _node_urls(self) -> list[str]:
        return [str(connection.host) for connection in self.client.transport.connection_pool.connections]
