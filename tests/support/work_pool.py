"""A real Prefect process work pool on loopback, for the scale-out test and bench/scale.py: `prefect server start`
on 127.0.0.1, a process pool, the `ingest/partition` deployment (flows/ingest.py from this checkout), and N
`prefect worker start` processes, each with its own NEWSDESK_HOME, all on one cluster backend."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class WorkPool:
    def __init__(self, folder: Path, opensearch_url: str, prefix: str, workers: int = 2,
                 processes_per_worker: int = 1, name: str = "newsdesk-test") -> None:
        self.folder = folder
        self.name = name
        self.port = _free_port()
        self.api = f"http://127.0.0.1:{self.port}/api"
        self.homes = [folder / f"worker-{i + 1}" for i in range(workers)]
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "NEWSDESK_"))}
        self.env.update({
            "PREFECT_HOME": str(folder / "prefect"), "PREFECT_API_URL": self.api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "PREFECT_WORKER_QUERY_SECONDS": "1",
            "PREFECT_WORKER_PREFETCH_SECONDS": "1", "PREFECT_LOGGING_LEVEL": "WARNING",
            "NEWSDESK_BACKEND": "opensearch", "NEWSDESK_OPENSEARCH_URL": opensearch_url,
            "NEWSDESK_OPENSEARCH_INDEX_PREFIX": prefix, "NEWSDESK_WORKERS": str(processes_per_worker),
            "NEWSDESK_HOME": str(folder / "driver"), "PYTHONPATH": str(ROOT)})
        self.processes: list[subprocess.Popen[bytes]] = []

    def _spawn(self, args: list[str], log: str, **env: str) -> subprocess.Popen[bytes]:
        out = (self.folder / log).open("wb")
        process = subprocess.Popen(args, env={**self.env, **env}, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        self.processes.append(process)
        return process

    def _run(self, args: list[str], timeout: float = 300) -> str:
        done = subprocess.run(args, env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {done.stdout[-2000:]}{done.stderr[-3000:]}")
        return done.stdout

    def __enter__(self) -> WorkPool:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._seed_database()
        try:
            self._spawn([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
                        "server.log")
            deadline = time.monotonic() + 180
            while True:
                try:
                    with urllib.request.urlopen(f"{self.api}/health", timeout=2):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"no Prefect server: {(self.folder / 'server.log').read_text()[-2000:]}")
                    time.sleep(0.5)
            self._run([str(BIN / "prefect"), "work-pool", "create", self.name, "--type", "process"])
            self._run([sys.executable, "-c", textwrap.dedent(f"""
                from flows.ingest import ingest
                ingest.from_source(source={str(ROOT)!r}, entrypoint="flows/ingest.py:ingest").deploy(
                    name="partition", work_pool_name={self.name!r}, print_next_steps=False)
            """)])
            for i, home in enumerate(self.homes):
                self._spawn([str(BIN / "prefect"), "worker", "start", "--pool", self.name, "--type", "process",
                             "--limit", "1", "--name", f"worker-{i + 1}"], f"worker-{i + 1}.log",
                            NEWSDESK_HOME=str(home))
        except BaseException:
            self.__exit__()
            raise
        return self

    def _seed_database(self) -> None:
        """Start the server from the migrated empty database newsdesk keeps (newsdesk.orchestration.seed_database),
        where there is one, instead of running Prefect's migrations on a fresh PREFECT_HOME."""
        from newsdesk.config import Settings
        from newsdesk.orchestration import database_template

        template = database_template(Settings())
        if template.is_file():
            (self.folder / "prefect").mkdir(exist_ok=True)
            shutil.copyfile(template, self.folder / "prefect" / "prefect.db")

    def backfill(self, sources: list[str], partitions: int, timeout: float = 1800) -> dict[str, Any]:
        """Run the backfill flow here (its partitions on the pool's workers); returns its report."""
        out = self._run([sys.executable, "-c", textwrap.dedent(f"""
            import json
            from flows.scale import backfill
            print("REPORT " + json.dumps(backfill(sources={sources!r}, partitions={partitions})))
        """)], timeout=timeout)
        line = next(x for x in out.splitlines() if x.startswith("REPORT "))
        return json.loads(line.removeprefix("REPORT "))  # type: ignore[no-any-return]

    def worker_cpu_seconds(self) -> float:
        """CPU seconds of the worker processes and the flow runs they ran (reaped children) so far."""
        total = 0.0
        for process in self.processes[1:]:  # the server first
            try:
                fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")
        return total

    def __exit__(self, *exc: object) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
                except ProcessLookupError:
                    pass
        self.processes.clear()
