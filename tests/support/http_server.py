"""Loopback HTTP servers that stop at once. `serve_forever` checks for a stop every `poll_interval`: 0.5 s by default
(http.server and werkzeug alike), which every test paid when it stopped its server."""

from __future__ import annotations

import socketserver
import threading

from pytest_httpserver import HTTPServer

STOP_POLL_SECONDS = 0.05


def serve_in_thread(server: socketserver.BaseServer) -> threading.Thread:
    """Serve on a daemon thread; `server.shutdown()` returns within STOP_POLL_SECONDS."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": STOP_POLL_SECONDS}, daemon=True)
    thread.start()
    return thread


class LoopbackHTTPServer(HTTPServer):
    """pytest-httpserver's `HTTPServer`, whose `stop()` returns within STOP_POLL_SECONDS."""

    def thread_target(self) -> None:
        assert self.server is not None
        self.server.serve_forever(poll_interval=STOP_POLL_SECONDS)
