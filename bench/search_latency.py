"""Search latency over HTTP: serve an embedded index with `newsdesk api` in a subprocess and time `GET /search`
from this (client) process over keep-alive HTTP. Used by `bench/run.py` for its search-performance rows.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {**os.environ, "NEWSDESK_HOME": str(home), "NEWSDESK_BACKEND": "embedded"}
    proc = subprocess.Popen(
        [sys.executable, "-c", f"from newsdesk.api import serve_api; serve_api('127.0.0.1', {port})"],
        cwd=home, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/health", timeout=5).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def measure(base: str, params: list[dict[str, str]], warmup: int) -> list[float]:
    times: list[float] = []
    with httpx.Client(base_url=base, timeout=30) as http:
        for i, p in enumerate(params[:warmup] + params):
            t0 = time.perf_counter()
            r = http.get("/search", params=p)
            elapsed = (time.perf_counter() - t0) * 1000
            r.raise_for_status()
            if i >= warmup:
                times.append(elapsed)
    return times
