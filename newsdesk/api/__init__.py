"""The HTTP search API (`newsdesk api`) and its search page."""

from __future__ import annotations

from newsdesk.config import Settings


def serve_api(host: str = "127.0.0.1", port: int = 8000, settings: Settings | None = None) -> None:
    """Serve the search API with uvicorn until interrupted (the backend is opened on first request)."""
    import uvicorn

    from newsdesk.api.app import create_app

    uvicorn.run(create_app(settings=settings), host=host, port=port, log_level="info", server_header=False)


__all__ = ["serve_api"]
