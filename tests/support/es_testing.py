"""A recording transport node for the real `elasticsearch` client (tests without a cluster).

`RecordingCluster` answers the handful of endpoints `ElasticsearchBackend` uses with an in-memory
store (no query semantics: searches return documents in id order), records every request exactly
as the client serialised it, and can inject failures (HTTP statuses or connection errors). Tests
validate the recorded bodies against the OpenAPI spec, so what is validated is what is sent.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from elastic_transport import ApiResponseMeta, BaseNode, ConnectionError, HttpHeaders
from elastic_transport._node import NodeApiResponse

from elasticsearch import Elasticsearch


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    body: Any
    """Decoded JSON, or a list of decoded NDJSON lines for bulk, or None."""
    headers: dict[str, str]


@dataclass
class Fault:
    """Fail the next `times` requests whose path contains `path` with `status` (0: connection error)."""

    path: str
    status: int
    times: int = 1


@dataclass
class RecordingCluster:
    version: str = "9.1.0"
    requests: list[Request] = field(default_factory=list)
    templates: dict[str, Any] = field(default_factory=dict)
    indices: dict[str, dict[str, Any]] = field(default_factory=dict)
    aliases: dict[str, set[str]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    bulk_item_errors: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Document id -> (status, error) a bulk item answers with instead of success."""

    def client(self, **kwargs: Any) -> Elasticsearch:
        """A real client whose only node is this cluster."""
        cluster = self

        class Node(BaseNode):
            _CLIENT_META_HTTP_CLIENT = ("rc", "1")

            def perform_request(self, method: str, target: str, body: bytes | None = None, headers: Any = None, request_timeout: Any = None) -> NodeApiResponse:
                status, payload = cluster.handle(method, target, body, dict(headers or {}))
                data = b"" if payload is None else json.dumps(payload).encode()
                meta = ApiResponseMeta(
                    status=status,
                    http_version="1.1",
                    headers=HttpHeaders({"x-elastic-product": "Elasticsearch", "content-type": "application/json"}),
                    duration=0.0,
                    node=self.config,
                )
                return NodeApiResponse(meta, data)

        kwargs.setdefault("max_retries", 0)
        return Elasticsearch("http://recording-cluster:9200", node_class=Node, **kwargs)

    # -- request handling ------------------------------------------------------------------------

    def handle(self, method: str, target: str, body: bytes | None, headers: dict[str, str]) -> tuple[int, Any]:
        url = urlsplit(target)
        path = unquote(url.path)
        params = {k: v[-1] for k, v in parse_qs(url.query).items()}
        self.requests.append(Request(method, path, params, _decode(body, headers), headers))
        for fault in self.faults:
            if fault.times > 0 and fault.path in path:
                fault.times -= 1
                if fault.status == 0:
                    raise ConnectionError("injected connection failure")
                return fault.status, {"error": {"type": "injected", "reason": f"injected {fault.status}"}, "status": fault.status}
        parts = [p for p in path.split("/") if p]
        for route, handler in self._routes():
            args = _match(route, method, parts)
            if args is not None:
                return handler(*args, body=self.requests[-1].body, params=params)
        return 400, {"error": {"type": "unsupported", "reason": f"{method} {path} not emulated"}, "status": 400}

    def _routes(self) -> list[tuple[str, Callable[..., tuple[int, Any]]]]:
        return [
            ("GET /", self._info),
            ("PUT /_index_template/*", self._put_template),
            ("DELETE /_index_template/*", self._delete_template),
            ("HEAD /_alias/*", self._alias_exists),
            ("GET /_alias/*", self._get_alias_by_name),
            ("GET /*/_alias", self._get_alias_by_index),
            ("POST /_aliases", self._update_aliases),
            ("POST /_bulk", self._bulk),
            ("PUT /_bulk", self._bulk),
            ("POST /_reindex", self._reindex),
            ("POST /*/_refresh", lambda idx, **_: (200, {"_shards": {"total": 1, "successful": 1, "failed": 0}})),
            ("POST /*/_count", self._count),
            ("POST /*/_search", self._search),
            ("GET /*/_doc/*", self._get_doc),
            ("PUT /*", self._create_index),
            ("DELETE /*", self._delete_index),
        ]

    def resolve(self, expression: str) -> list[str]:
        """Concrete indices for a comma-separated list of names, aliases and wildcards."""
        names: list[str] = []
        for part in expression.split(","):
            if part in self.aliases:
                names += sorted(self.aliases[part])
            else:
                names += [n for n in sorted(self.indices) if fnmatch.fnmatchcase(n, part)]
        return list(dict.fromkeys(names))

    def _info(self, **_: Any) -> tuple[int, Any]:
        return 200, {"name": "rc", "cluster_name": "rc", "version": {"number": self.version}, "tagline": "You Know, for Search"}

    def _put_template(self, name: str, body: Any, **_: Any) -> tuple[int, Any]:
        self.templates[name] = body
        return 200, {"acknowledged": True}

    def _delete_template(self, name: str, **_: Any) -> tuple[int, Any]:
        if self.templates.pop(name, None) is None:
            return 404, {"error": {"type": "resource_not_found_exception"}, "status": 404}
        return 200, {"acknowledged": True}

    def _alias_exists(self, name: str, **_: Any) -> tuple[int, Any]:
        return (200 if self.aliases.get(name) else 404), None

    def _get_alias_by_name(self, name: str, **_: Any) -> tuple[int, Any]:
        if not self.aliases.get(name):
            return 404, {"error": f"alias [{name}] missing", "status": 404}
        return 200, {i: {"aliases": {name: {}}} for i in sorted(self.aliases[name])}

    def _get_alias_by_index(self, pattern: str, **_: Any) -> tuple[int, Any]:
        return 200, {
            i: {"aliases": {a: {} for a, members in self.aliases.items() if i in members}} for i in self.resolve(pattern)
        }

    def _update_aliases(self, body: Any, **_: Any) -> tuple[int, Any]:
        for action in body["actions"]:
            (kind, spec), = action.items()
            members = self.aliases.setdefault(spec["alias"], set())
            if kind == "add":
                members.add(spec["index"])
            elif kind == "remove":
                members.discard(spec["index"])
        return 200, {"acknowledged": True}

    def _create_index(self, index: str, body: Any, **_: Any) -> tuple[int, Any]:
        if index in self.indices:
            return 400, {"error": {"type": "resource_already_exists_exception"}, "status": 400}
        self.indices[index] = {}
        for alias in (body or {}).get("aliases", {}):
            self.aliases.setdefault(alias, set()).add(index)
        return 200, {"acknowledged": True, "shards_acknowledged": True, "index": index}

    def _delete_index(self, index: str, **_: Any) -> tuple[int, Any]:
        for name in self.resolve(index):
            del self.indices[name]
            for members in self.aliases.values():
                members.discard(name)
        return 200, {"acknowledged": True}

    def _write_index(self, name: str) -> str:
        targets = self.resolve(name)
        if len(targets) != 1:
            raise KeyError(name)
        return targets[0]

    def _bulk(self, body: Any, **_: Any) -> tuple[int, Any]:
        items, lines = [], iter(body)
        for action in lines:
            (op, meta), = action.items()
            doc = next(lines) if op != "delete" else None
            store = self.indices[self._write_index(meta["_index"])]
            doc_id = meta["_id"]
            if doc_id in self.bulk_item_errors:
                items.append({op: {"_id": doc_id, "_index": meta["_index"], **self.bulk_item_errors[doc_id]}})
            elif op == "delete":
                existed = store.pop(doc_id, None) is not None
                items.append({op: {"_id": doc_id, "status": 200 if existed else 404, "result": "deleted" if existed else "not_found"}})
            else:
                store[doc_id] = doc
                items.append({op: {"_id": doc_id, "status": 200, "result": "updated"}})
        errors = any(not 200 <= next(iter(i.values()))["status"] < 300 for i in items)
        return 200, {"took": 1, "errors": errors, "items": items}

    def _reindex(self, body: Any, **_: Any) -> tuple[int, Any]:
        dest = self.indices[body["dest"]["index"]]
        sources = body["source"]["index"]
        copied = 0
        for name in self.resolve(sources if isinstance(sources, str) else ",".join(sources)):
            for doc_id, doc in self.indices[name].items():
                dest[doc_id] = doc
                copied += 1
        return 200, {"took": 1, "total": copied, "created": copied, "updated": 0, "failures": []}

    def _docs(self, index: str) -> list[tuple[str, Any]]:
        return sorted((i, d) for name in self.resolve(index) for i, d in self.indices[name].items())

    def _count(self, index: str, **_: Any) -> tuple[int, Any]:
        if not self.resolve(index):
            return 404, {"error": {"type": "index_not_found_exception"}, "status": 404}
        return 200, {"count": len(self._docs(index)), "_shards": {"total": 1, "successful": 1, "failed": 0}}

    def _search(self, index: str, body: Any, **_: Any) -> tuple[int, Any]:
        docs = self._docs(index)
        after = (body.get("search_after") or [None])[0]
        if after is not None:
            docs = [(i, d) for i, d in docs if i > after]
        start, size = body.get("from", 0), body.get("size", 10)
        hits = [{"_index": index, "_id": i, "_score": 1.0, "_source": d, "sort": [i]} for i, d in docs[start : start + size]]
        aggs = {name: _aggregate(spec, [d for _, d in docs]) for name, spec in body.get("aggregations", {}).items()}
        return 200, {"took": 1, "timed_out": False, "hits": {"total": {"value": len(docs), "relation": "eq"}, "hits": hits}, "aggregations": aggs}

    def _get_doc(self, index: str, doc_id: str, **_: Any) -> tuple[int, Any]:
        for name in self.resolve(index):
            if doc_id in self.indices[name]:
                return 200, {"_index": name, "_id": doc_id, "found": True, "_source": self.indices[name][doc_id]}
        return 404, {"_index": index, "_id": doc_id, "found": False}


def _aggregate(spec: dict[str, Any], docs: list[Any]) -> dict[str, Any]:
    """Terms (by count), date histogram (by formatted key prefix) and missing over all documents."""
    (kind, options), = spec.items()
    if kind == "missing":
        return {"doc_count": sum(1 for doc in docs if doc.get(options["field"]) in (None, []))}
    counts: dict[str, int] = {}
    for doc in docs:
        values = doc.get(options["field"])
        for value in values if isinstance(values, list) else [values]:
            if value is not None:
                key = str(value)[: len(options.get("format", ""))] if kind == "date_histogram" else str(value)
                counts[key] = counts.get(key, 0) + 1
    if kind == "date_histogram":
        return {"buckets": [{"key_as_string": k, "key": 0, "doc_count": n} for k, n in sorted(counts.items())]}
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: options.get("size", 10)]
    return {"buckets": [{"key": k, "doc_count": n} for k, n in ranked]}


def _decode(body: bytes | None, headers: dict[str, str]) -> Any:
    if not body:
        return None
    text = body.decode()
    if "x-ndjson" in headers.get("content-type", ""):
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return json.loads(text)


def _match(route: str, method: str, parts: list[str]) -> list[str] | None:
    want_method, _, pattern = route.partition(" ")
    want = [p for p in pattern.split("/") if p]
    if want_method != method or len(want) != len(parts):
        return None
    args = []
    for w, p in zip(want, parts):
        if w == "*":
            if p.startswith("_") and p != "_all":
                return None
            args.append(p)
        elif w != p:
            return None
    return args


ES_IMAGE = "docker.elastic.co/elasticsearch/elasticsearch:9.1.0"
"""The image the live leg starts when a Docker daemon answers (keep in step with docker-compose.yml)."""
_live: dict[str, Any] = {}


def _docker_answers() -> str | None:
    """None when a Docker daemon answers, else why not."""
    try:
        import docker

        docker.from_env(timeout=5).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "no daemon here"
        return f"{type(exc).__name__}: {str(exc)[:160]}"
    return None


def live_url() -> tuple[str | None, str]:
    """A live cluster's URL (`ES_URL`, else a testcontainers Elasticsearch 9 started once per
    process), or None and the reason there is none."""
    import atexit
    import os

    if os.environ.get("ES_URL"):
        return os.environ["ES_URL"], "ES_URL"
    if "url" in _live:
        return _live["url"], "testcontainers"
    if "why" not in _live:
        _live["why"] = _docker_answers()
    if _live["why"]:
        return None, f"no ES_URL and no Docker daemon answers ({_live['why']})"
    from testcontainers.community.elasticsearch import ElasticSearchContainer

    container = ElasticSearchContainer(ES_IMAGE, mem_limit="2g").with_env("ES_JAVA_OPTS", "-Xms512m -Xmx512m")
    container.start()
    atexit.register(container.stop)
    _live["url"] = f"http://{container.get_container_host_ip()}:{container.get_exposed_port(container.port)}"
    return _live["url"], "testcontainers"


def live_backend() -> Any:
    """An `ElasticsearchBackend` on a live cluster under a unique index prefix, dropped on close;
    `pytest.skip` with the reason (also printed) when no cluster can be had."""
    import uuid

    import pytest

    from newsdesk.config import Settings
    from newsdesk.index.elasticsearch import ElasticsearchBackend

    url, how = live_url()
    if url is None:
        print(f"elasticsearch leg skipped: {how}")
        pytest.skip(f"elasticsearch leg: {how}")
    prefix = f"newsdesk-test-{uuid.uuid4().hex[:8]}-"
    return ElasticsearchBackend.from_settings(Settings(es_url=url, es_index_prefix=prefix), drop_on_close=True)
