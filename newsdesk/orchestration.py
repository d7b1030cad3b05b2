"""The Prefect servers newsdesk starts, and manual runs from another shell (`newsdesk trigger`).

With `PREFECT_API_URL` set (docker compose, a shared server), every command uses that server. Without it:
- a one-off command that runs a flow (`ingest`, `reindex`, `repair`, …) uses a temporary server of its own
  (`ensure_temporary_server`), which we start rather than Prefect lazily;
- `newsdesk serve` talks to one server on a fixed local port (`NEWSDESK_PREFECT_PORT`, 4200 by default): the one
  already answering there, or one it starts (`prefect server start`) and stops again when it exits, so a
  deployment served in one shell can be found from another; `newsdesk trigger` finds the same server the same way.
Both kinds start one at a time (a file lock under PREFECT_HOME, so two first starts on a fresh home do not migrate
Prefect's database at once) and are tied to the process that started them: they end when it dies, even by
`kill -9` (Linux). On a fresh home, both start from a copy of an empty database already migrated to the installed
Prefect's schema (`database_template`, made by the first temporary server on a fresh home) instead of migrating.
`serve_deployments` runs the deployments `newsdesk serve` serves until SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import asyncio
import atexit
import ctypes
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from filelock import FileLock

from newsdesk.config import Settings, get_settings

INTERRUPTED = "Interrupted"
"""The name of the Failed state of an ingest run that stopped writing (index backend unavailable, disk full)."""
STARTUP_SECONDS = 120.0
"""How long a starting server may take to answer (its first start creates its database)."""
POLL_SECONDS = 1.0


class PrefectServerError(RuntimeError):
    """No Prefect server answers (or one could not be started)."""


PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In a server's process, before it runs: the kernel sends SIGTERM when its parent dies (Linux)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _start_lock(settings: Settings) -> FileLock:
    """Held while a server starts (and migrates the database under PREFECT_HOME)."""
    home = prefect_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    return FileLock(str(home / "server-start.lock"))


TEMPORARY_SERVER_ENVIRONMENT = {
    "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",  # as Prefect's own
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",  # automations: none are defined on a temporary server
    "PREFECT_API_EVENTS_STREAM_OUT_ENABLED": "false",  # no UI or client subscribes to its event stream
}
"""The temporary server's settings: Prefect's ephemeral mode (task runs recorded from their events, events and logs
stored), without the services nobody uses while one command runs (each polls and costs CPU)."""
_temporary: Server | None = None


def ensure_temporary_server(settings: Settings | None = None) -> None:
    """Start the temporary Prefect server for this process now (under the start lock), unless flows report to a
    configured server (`PREFECT_API_URL`) or it is running already; this process's flows report to it.

    We start it rather than Prefect (whose `SubprocessASGIServer` costs the flow process an import of the whole
    server, ~1.6 CPU s): the same `uvicorn` app in Prefect's ephemeral mode, dying with this process (`kill -9`
    too), stopped at exit. A fresh PREFECT_HOME starts from the migrated database template (`seed_database`)."""
    global _temporary
    if _temporary is not None:
        if _temporary.process is not None and _temporary.process.poll() is None:
            return
        _stop_temporary_server()  # it died: start another
    if os.environ.get("PREFECT_API_URL"):
        return
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return
    settings = settings or get_settings()
    with _start_lock(settings):
        fresh = seed_database(settings) is False
        server = _start_temporary_server(settings)
        if fresh:
            save_database_template(settings)
    _temporary = server
    atexit.register(_stop_temporary_server)
    _use_api(server.api_url)


def _start_temporary_server(settings: Settings) -> Server:
    """`uvicorn` serving Prefect's API app on a free loopback port, once it answers."""
    timeout = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS") or STARTUP_SECONDS)
    deadline = time.monotonic() + timeout
    env = {**os.environ, **TEMPORARY_SERVER_ENVIRONMENT, "PREFECT_HOME": str(prefect_home(settings))}
    while True:  # a port taken meanwhile: uvicorn exits 3, and we try another
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "prefect.server.api.server:create_app", "--host",
             "127.0.0.1", "--port", str(port), "--log-level", "error", "--lifespan", "on"],
            env=env, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        server = Server(f"http://127.0.0.1:{port}/api", process)
        while process.poll() is None:
            if answers(server.api_url, timeout=5.0):
                return server
            if time.monotonic() > deadline:
                server.stop(group=False)
                raise PrefectServerError(f"the temporary Prefect server did not answer within {timeout:.0f} s")
            time.sleep(0.1)
        if process.returncode != 3 or time.monotonic() > deadline:
            raise PrefectServerError(f"the temporary Prefect server exited with status {process.returncode}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _use_api(api_url: str | None) -> None:
    """Point this process's Prefect at `api_url` (None: no API set), also when `prefect` was imported before."""
    if api_url is None:
        os.environ.pop("PREFECT_API_URL", None)
    else:
        os.environ["PREFECT_API_URL"] = api_url
    context = sys.modules.get("prefect.context")
    if context is not None:
        context.refresh_global_settings_context()


def _stop_temporary_server() -> None:
    global _temporary
    server, _temporary = _temporary, None
    if server is not None:
        if os.environ.get("PREFECT_API_URL") == server.api_url:
            _use_api(None)
        server.stop(group=False)


def temporary_api_url() -> str | None:
    """The API URL of the temporary server this process started (its PREFECT_API_URL is not a configured one)."""
    return _temporary.api_url if _temporary is not None else None


# -- the migrated database template ----------------------------------------------------------------


def prefect_home(settings: Settings) -> Path:
    return Path(os.environ.get("PREFECT_HOME") or settings.prefect_home)


def database_template(settings: Settings) -> Path:
    """Where this installation keeps an empty Prefect database migrated to its Prefect version's schema: named by
    the version and its migrations, so that a template of another Prefect is never used."""
    import importlib.metadata

    import prefect

    migrations = Path(prefect.__file__).parent / "server" / "database" / "_migrations" / "versions" / "sqlite"
    names = sorted(p.name for p in migrations.glob("*.py"))
    key = hashlib.sha256("\n".join([importlib.metadata.version("prefect"), *names]).encode()).hexdigest()[:16]
    return (settings.prefect_template_dir or Path(sys.prefix) / "var" / "newsdesk") / f"prefect-{key}.db"


def _default_database(settings: Settings) -> Path | None:
    """The SQLite database a server on this home uses, unless one is configured (e.g. PostgreSQL)."""
    if os.environ.get("PREFECT_API_DATABASE_CONNECTION_URL") or \
            os.environ.get("PREFECT_SERVER_DATABASE_CONNECTION_URL"):
        return None
    return prefect_home(settings) / "prefect.db"


def seed_database(settings: Settings) -> bool | None:
    """On a fresh home (no database yet), copy the template in: the server then starts without running Prefect's
    migrations (~5 CPU s). True: seeded; False: a fresh home without a template (the server creates the database);
    None: not a fresh home, or a configured database. Call under the start lock."""
    database = _default_database(settings)
    if database is None or any(database.with_name(database.name + end).exists() for end in ("", "-wal", "-journal")):
        return None
    template = database_template(settings)
    if not template.is_file():
        return False
    database.parent.mkdir(parents=True, exist_ok=True)
    part = database.with_name(database.name + ".seeding")
    shutil.copyfile(template, part)
    os.replace(part, database)
    return True


def save_database_template(settings: Settings) -> None:
    """Keep a snapshot of the database a server just created on a fresh home (migrated, no runs yet) as the template,
    unless there is one; where the installation is not writable there is none (servers migrate as before)."""
    database, template = _default_database(settings), database_template(settings)
    if database is None or not database.exists() or template.exists():
        return
    part = template.with_name(f"{template.name}.{os.getpid()}")
    try:
        template.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(database)) as source, closing(sqlite3.connect(part)) as copy:
            source.backup(copy)  # a consistent snapshot of a live database (WAL)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file (servers switch to WAL again)
        os.replace(part, template)
    except (OSError, sqlite3.Error):
        part.unlink(missing_ok=True)


def local_api_url(settings: Settings) -> str:
    return f"http://127.0.0.1:{settings.prefect_port}/api"


def ui_url(api_url: str) -> str:
    return api_url.rstrip("/").removesuffix("/api")


def answers(api_url: str, timeout: float = 2.0) -> bool:
    """Whether a Prefect server answers its health check at `api_url`."""
    try:
        response = httpx.get(api_url.rstrip("/") + "/health", timeout=timeout)
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and response.text.strip() == "true"


def _external_api_url() -> str | None:
    """`PREFECT_API_URL` when set, unless to this process's temporary server."""
    url = os.environ.get("PREFECT_API_URL")
    return url if url and url != temporary_api_url() else None


def configured_api_url(settings: Settings) -> str:
    """`PREFECT_API_URL` when set, else the local server's address."""
    return _external_api_url() or local_api_url(settings)


def _prefect_command() -> list[str]:
    script = Path(sys.executable).with_name("prefect")
    return [str(script)] if script.exists() else [sys.executable, "-m", "prefect"]


@dataclass
class Server:
    """The Prefect server a command talks to; `process` is set when this command started it."""

    api_url: str
    process: subprocess.Popen[bytes] | None = None
    log: Path | None = None

    @property
    def started(self) -> bool:
        return self.process is not None

    def stop(self, group: bool = True) -> None:
        """Stop the server if this command started it (with `group`, its whole process group)."""
        if self.process is None or self.process.poll() is not None:
            return
        kill = (lambda sig: os.killpg(self.process.pid, sig)) if group else self.process.send_signal  # type: ignore[union-attr]
        try:
            kill(signal.SIGTERM)
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            kill(signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass


def start_local_server(settings: Settings, timeout: float = STARTUP_SECONDS) -> Server:
    """`prefect server start` on 127.0.0.1 and the configured port (its own process group, ending with this
    process), once it answers."""
    api_url = local_api_url(settings)
    log = settings.prefect_home / "server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    with log.open("ab") as out:
        process = subprocess.Popen([*_prefect_command(), "server", "start", "--host", "127.0.0.1", "--port",
                                    str(settings.prefect_port)], env=env, stdout=out, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_parent)
    server = Server(api_url, process, log)
    deadline = time.monotonic() + timeout
    while not answers(api_url):
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-1500:]
            raise PrefectServerError(f"the Prefect server exited with status {process.returncode}; log {log}:\n{tail}")
        if time.monotonic() > deadline:
            server.stop()
            raise PrefectServerError(f"the Prefect server did not answer within {timeout:.0f} s; log: {log}")
        time.sleep(0.5)
    return server


def ensure_server(settings: Settings) -> Server:
    """The server to serve deployments on: `PREFECT_API_URL`'s, else the local one, started if none answers."""
    external = _external_api_url()
    if external:
        if not answers(external):
            raise PrefectServerError(f"no Prefect server answers at PREFECT_API_URL={external}")
        return Server(external)
    api_url = local_api_url(settings)
    if answers(api_url):
        return Server(api_url)
    with _start_lock(settings):
        if answers(api_url):  # another `newsdesk serve` started it meanwhile
            return Server(api_url)
        seed_database(settings)
        return start_local_server(settings)


def find_server(settings: Settings) -> str:
    """The API URL of the server a running `newsdesk serve` uses; `PrefectServerError` says how to get one."""
    api_url = configured_api_url(settings)
    if not answers(api_url):
        how = ("PREFECT_API_URL is set" if _external_api_url()
               else f"NEWSDESK_PREFECT_PORT is {settings.prefect_port}")
        raise PrefectServerError(f"no Prefect server answers at {api_url} ({how}): start `newsdesk serve` in "
                                 "another shell first")
    return api_url


# -- serve -----------------------------------------------------------------------------------------


def serve_deployments(deployments: Sequence[Any]) -> None:
    """Serve `deployments` (as `prefect.serve`) until SIGTERM or SIGINT (Ctrl-C), then stop as Prefect stops a
    runner: `Runner.astop` cancels the runs in progress (their processes are killed, their state is Cancelled,
    "Runner is shutting down."), and the runner's exit pauses the schedules and closes its client.

    Not `prefect.serve`: the SIGTERM handler its `Runner.start` installs calls `Runner.stop` inside the running loop,
    where it returns `astop()` without awaiting it, and then raises SystemExit wherever the loop is: runs were left
    Running in Prefect, and serve waited for a run it was starting to end."""
    asyncio.run(_run_until_signalled(deployments))


async def _run_until_signalled(deployments: Sequence[Any]) -> None:
    from prefect.runner import Runner

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def on_signals() -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)

    on_signals()
    runner = Runner(pause_on_shutdown=True)
    for deployment in deployments:
        await runner.aadd_deployment(deployment)
    serving = asyncio.create_task(runner.start())
    await asyncio.sleep(0)  # the runner's first step installs Prefect's SIGTERM handler: ours replace it
    on_signals()
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({serving, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if not serving.done():
        while not runner.started and not serving.done():  # a signal while the runner enters: let it finish
            await asyncio.sleep(0.05)
        if runner.started:
            await runner.astop()
    stopped.cancel()
    await serving


# -- trigger ---------------------------------------------------------------------------------------


def parse_parameters(pairs: Sequence[str], schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """`key=value` pairs as flow parameters: a value is JSON when it parses (`true`, `3`, `["a"]`), else text; text
    given for a list parameter becomes a one-item list. `ValueError` names a malformed pair."""
    properties = (schema or {}).get("properties", {})
    parameters: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValueError(f"parameter {pair!r}: write it as KEY=VALUE, e.g. full=true or sources='[\"in/\"]'")
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        if isinstance(value, str) and _takes_a_list(properties.get(key, {})):
            value = [value]
        parameters[key] = value
    return parameters


def _takes_a_list(schema: dict[str, Any]) -> bool:
    """Whether a parameter's JSON schema is an array, or an optional one (`anyOf` an array and null)."""
    return schema.get("type") == "array" or any(s.get("type") == "array" for s in schema.get("anyOf", []))


@contextmanager
def prefect_client(api_url: str) -> Iterator[Any]:
    """A synchronous Prefect client on `api_url` (never a temporary server)."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api_url}), get_client(sync_client=True) as client:
        yield client


@dataclass
class TriggeredRun:
    id: str
    name: str
    deployment: str
    state: str
    message: str | None
    url: str
    state_name: str = ""
    """The final state's name (e.g. `INTERRUPTED` for a Failed ingest that stopped writing)."""

    @property
    def completed(self) -> bool:
        return self.state == "COMPLETED"


def trigger(api_url: str, deployment: str, pairs: Sequence[str], *, follow: bool = True,
            on_start: Callable[[TriggeredRun], None] | None = None,
            on_log: Callable[[str], None] | None = None, on_state: Callable[[str], None] | None = None,
            timeout: float | None = None) -> TriggeredRun:
    """Start a run of a served deployment (`flow/deployment`) with parameters; with `follow`, wait until it ends,
    passing its log lines and state changes on as they come."""
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import LogSort
    from prefect.exceptions import ObjectNotFound

    with prefect_client(api_url) as client:
        try:
            target = client.read_deployment_by_name(deployment)
        except ObjectNotFound:
            served = _deployment_names(client)
            raise PrefectServerError(f"no deployment {deployment!r} on {ui_url(api_url)}; served: "
                                     f"{', '.join(served) or 'none (is `newsdesk serve` running?)'}") from None
        parameters = parse_parameters(pairs, target.parameter_openapi_schema)
        run = client.create_flow_run_from_deployment(target.id, parameters=parameters)
        started = TriggeredRun(str(run.id), run.name, deployment, run.state_type.value if run.state_type else "?",
                               None, f"{ui_url(api_url)}/runs/flow-run/{run.id}")
        if on_start:
            on_start(started)
        if not follow:
            return started
        seen_logs, last_state = 0, None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            run = client.read_flow_run(run.id)
            logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run.id])), offset=seen_logs,
                                    sort=LogSort.TIMESTAMP_ASC)
            seen_logs += len(logs)
            for log in logs:
                if on_log:
                    on_log(f"{log.timestamp:%H:%M:%S} {log.message}")
            state = run.state.name if run.state else "?"
            if state != last_state and on_state:
                on_state(state)
            last_state = state
            if run.state and run.state.is_final():
                return TriggeredRun(str(run.id), run.name, deployment, run.state.type.value, run.state.message,
                                    started.url, run.state.name)
            if deadline is not None and time.monotonic() > deadline:
                return TriggeredRun(str(run.id), run.name, deployment, run.state.type.value if run.state else "?",
                                    f"still running after {timeout:.0f} s", started.url)
            time.sleep(POLL_SECONDS)


def _deployment_names(client: Any) -> list[str]:
    """`flow/deployment` of every deployment the server knows."""
    flows = {f.id: f.name for f in client.read_flows()}
    return sorted(f"{flows.get(d.flow_id, '?')}/{d.name}" for d in client.read_deployments())
