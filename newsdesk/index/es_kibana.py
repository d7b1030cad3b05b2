"""Saved objects for Kibana (kibana/*.ndjson) and OpenSearch Dashboards (opensearch-dashboards/*.ndjson),
loaded through their (shared) saved objects import API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

KIBANA_DIR = Path(__file__).resolve().parents[2] / "kibana"
SAVED_OBJECTS = KIBANA_DIR / "newsdesk.ndjson"
DASHBOARDS_SAVED_OBJECTS = KIBANA_DIR.parent / "opensearch-dashboards" / "newsdesk.ndjson"
DEFAULT_KIBANA_URL = "http://localhost:5601"
KIBANA_XSRF = "kbn-xsrf"
DASHBOARDS_XSRF = "osd-xsrf"
"""The header each product requires on state-changing API calls (OpenSearch Dashboards renamed Kibana's)."""


class KibanaError(RuntimeError):
    """Kibana (or OpenSearch Dashboards) could not be reached or rejected (part of) an import."""


def read_saved_objects(path: Path = SAVED_OBJECTS) -> list[dict[str, Any]]:
    """The saved objects of one NDJSON export, one object per line."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _auth(username: str | None, password: str | None, api_key: str | None) -> tuple[dict[str, str], httpx.Auth | None]:
    if api_key:
        return {"Authorization": f"ApiKey {api_key}"}, None
    if username:
        return {}, httpx.BasicAuth(username, password or "")
    return {}, None


def import_saved_objects(
    kibana_url: str = DEFAULT_KIBANA_URL,
    path: Path = SAVED_OBJECTS,
    *,
    username: str | None = None,
    password: str | None = None,
    api_key: str | None = None,
    space: str | None = None,
    overwrite: bool = True,
    verify: bool | str = True,
    timeout: float = 60.0,
    xsrf_header: str = KIBANA_XSRF,
    product: str = "Kibana",
) -> dict[str, Any]:
    """POST an NDJSON file to `/api/saved_objects/_import` (multipart, with the product's xsrf header).

    Returns Kibana's answer (`success`, `successCount`, ...); raises `KibanaError` when Kibana is
    unreachable, answers an HTTP error, or reports any object it did not import.
    """
    base = kibana_url.rstrip("/") + (f"/s/{space}" if space else "")
    headers, auth = _auth(username, password, api_key)
    headers[xsrf_header] = "newsdesk"
    files = {"file": (path.name, path.read_bytes(), "application/ndjson")}
    try:
        response = httpx.post(
            f"{base}/api/saved_objects/_import",
            params={"overwrite": str(overwrite).lower()},
            headers=headers,
            files=files,
            auth=auth,
            verify=verify,
            timeout=timeout,
        )
    except httpx.HTTPError as exc:
        raise KibanaError(f"{product} at {kibana_url} is unreachable: {exc}") from exc
    if response.status_code >= 400:
        raise KibanaError(f"{product} refused the import: HTTP {response.status_code}: {response.text[:500]}")
    result: dict[str, Any] = response.json()
    if not result.get("success", False):
        errors = [f"{e.get('type')}/{e.get('id')}: {e.get('error', {}).get('type')}" for e in result.get("errors", [])]
        raise KibanaError(f"{product} imported {result.get('successCount', 0)} objects but not: {', '.join(errors)}")
    return result
