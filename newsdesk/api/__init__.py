"""The HTTP search API (`newsdesk api`) and its search page."""

from __future__ import annotations

from newsdesk.config import Settings


def serve_api(host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None) -> None:
    """Serve the search API with uvicorn until interrupted (the backend is opened on first request). Requests must
    name an allowed host (`NEWSDESK_API_ALLOWED_HOSTS`, plus the address listened on when it is a specific one)."""
    import uvicorn

    from newsdesk.api.app import create_app
    from newsdesk.config import get_settings

    hosts = list((settings or get_settings()).api_allowed_hosts)
    if host not in ("0.0.0.0", "::", ""):
        hosts.append(host)
    uvicorn.run(create_app(settings=settings, allowed_hosts=hosts), host=host, port=port, log_level="info",
                server_header=False)


__all__ = ["serve_api"]
