"""A loopback HTTP proxy in front of a real cluster that fails chosen requests (a test aid).

Requests pass through unchanged to the upstream node, except the next `times` whose path contains a
fault's `path`: those get the fault's HTTP status (or, with status 0, a dropped connection). Every
request line is recorded, so tests can count what was sent and retried. Faults are es_testing's.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from support.es_testing import Fault
from support.http_server import serve_in_thread


@dataclass
class FaultProxy:
    upstream: str
    faults: list[Fault] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    url: str = ""

    def count(self, fragment: str) -> int:
        return sum(fragment in line for line in self.requests)

    def _fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.path in path:
                fault.times -= 1
                return fault
        return None


@contextmanager
def fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    """A `FaultProxy` listening on 127.0.0.1 for the duration of the block."""
    proxy = FaultProxy(upstream)
    target = urlsplit(upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _relay(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            proxy.requests.append(f"{self.command} {self.path}")
            fault = proxy._fault(self.path)
            if fault is not None and fault.status == 0:
                self.close_connection = True
                self.connection.shutdown(2)  # the client sees the connection drop mid-request
                return
            if fault is not None:
                status = fault.status
                data = json.dumps({"error": {"type": "injected", "reason": f"injected {status}"}, "status": status}).encode()
                content_type = "application/json"
            else:
                upstream_conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                upstream_conn.request(self.command, self.path, body=body or None, headers=headers)
                answer = upstream_conn.getresponse()
                status, data = answer.status, answer.read()
                content_type = answer.getheader("Content-Type", "application/json")
                upstream_conn.close()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _relay  # noqa: N815 - http.server's names

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    proxy.url = f"http://127.0.0.1:{server.server_address[1]}"
    serve_in_thread(server)
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
