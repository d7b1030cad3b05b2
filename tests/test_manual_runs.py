"""Manual runs from another shell, as the README shows them: `newsdesk serve` starts a local Prefect server on the
configured port and serves the deployments; `newsdesk trigger` in another process finds that server, starts a run
with parameters and follows it to its end. Real processes, a real Prefect server, no PREFECT_API_URL."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import ROOT, SEEDS, SHARED
from newsdesk.config import Settings
from newsdesk.orchestration import answers, parse_parameters

NEWSDESK = str(Path(sys.executable).with_name("newsdesk"))
FINAL_STATES = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_serve(tmp_path: Path, **variables: str) -> tuple[subprocess.Popen[bytes], str, Path, dict[str, str]]:
    """`newsdesk serve` on its own home and port (a server it starts itself), once its deployments are registered:
    the process, the server's API, serve's log and its environment (another process's to find that server)."""
    port = _free_port()
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(NEWSDESK_HOME=str(home), NEWSDESK_PREFECT_PORT=str(port), PREFECT_HOME=str(home / "prefect"),
               NEWSDESK_WORKERS="1", NEWSDESK_SOURCES='["nothing-here"]',
               PREFECT_RUNNER_POLL_FREQUENCY="1",  # the served runner looks for triggered runs every 1 s, not 10
               **variables)
    api = f"http://127.0.0.1:{port}/api"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen([NEWSDESK, "serve", "--schedule", "0 0 1 1 *"], env=env, cwd=ROOT, stdout=out,
                                 stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 240
    while True:
        try:
            if httpx.get(f"{api}/deployments/name/ingest/scheduled", timeout=5).status_code == 200:
                return serve, api, log, env
        except httpx.HTTPError:
            pass
        if serve.poll() is not None or time.monotonic() >= deadline:
            if serve.poll() is None:
                os.killpg(serve.pid, signal.SIGKILL)
                serve.wait()
            pytest.fail(f"newsdesk serve did not register its deployments:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def test_parameters_are_json_else_text() -> None:
    schema = {"properties": {"sources": {"type": "array"}, "full": {"type": "boolean"}}}
    assert parse_parameters(["full=true", 'sources=["a", "b"]', "index=news"], schema) == {
        "full": True, "sources": ["a", "b"], "index": "news"}
    assert parse_parameters(["sources=/data/in"], schema) == {"sources": ["/data/in"]}  # text for a list: one item
    optional = {"properties": {"sources": {"anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "null"}]}}}
    assert parse_parameters(["sources=/data/in"], optional) == {"sources": ["/data/in"]}  # `list[str] | None` too
    with pytest.raises(ValueError, match="KEY=VALUE"):
        parse_parameters(["full"])


def test_trigger_without_a_server_says_how_to_get_one(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(NEWSDESK_HOME=str(tmp_path), NEWSDESK_PREFECT_PORT=str(_free_port()))
    result = subprocess.run([NEWSDESK, "trigger"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 3
    assert "no Prefect server answers" in result.stderr and "newsdesk serve" in result.stderr


def test_serve_then_trigger_from_another_process(tmp_path: Path) -> None:
    folder = tmp_path / "dropped"
    shutil.copytree(SEEDS, folder)
    serve, api, log, env = _start_serve(
        tmp_path, NEWSDESK_MAX_DOCUMENT_SECONDS="0",
        NEWSDESK_ES_URL=f"http://127.0.0.1:{_free_port()}")  # an Elasticsearch that does not answer
    home, port = Path(env["NEWSDESK_HOME"]), env["NEWSDESK_PREFECT_PORT"]
    try:
        said = log.read_text()
        assert f"Prefect server: http://127.0.0.1:{port} (started" in said and "newsdesk trigger" in said

        # Another process, configured alike but told nothing about the server: it finds it by the port.
        run = subprocess.run([NEWSDESK, "trigger", "ingest/scheduled", "-p", f"sources={folder}", "-p", "full=true"],
                             env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
        assert "started ingest/scheduled run" in run.stderr and "state: Running" in run.stderr
        assert "completed (seen 2: indexed 2" in run.stderr

        # A run that stops because its index backend does not answer exits as `newsdesk ingest` does: 3.
        stopped = subprocess.run([NEWSDESK, "trigger", "ingest/scheduled", "-p", f"sources={folder}", "-p",
                                  "backend=elasticsearch"], env=env, capture_output=True, text=True, timeout=300)
        assert stopped.returncode == 3, stopped.stderr[-3000:]
        assert "stopped: the index backend is unavailable" in stopped.stderr

        missing = subprocess.run([NEWSDESK, "trigger", "ingest/nope"], env=env, capture_output=True, text=True,
                                 timeout=120)
        assert missing.returncode == 3 and "ingest/scheduled" in missing.stderr and "reindex/manual" in missing.stderr
        queued = subprocess.run([NEWSDESK, "trigger", "reindex/manual", "--no-follow", "--json"], env=env,
                                capture_output=True, text=True, timeout=120)
        assert queued.returncode == 0, queued.stderr
        assert json.loads(queued.stdout)["url"].startswith(f"http://127.0.0.1:{port}/runs/flow-run/")
        # The runner picks the queued run up within its 1 s poll: let it end, so that `serve` is stopped idle.
        queued_run = f"{api}/flow_runs/{json.loads(queued.stdout)['id']}"
        deadline = time.monotonic() + 300
        while (state := httpx.get(queued_run, timeout=5).json()["state"]["type"]) not in FINAL_STATES:
            assert time.monotonic() < deadline, f"the queued run is still {state}"
            time.sleep(0.2)
        assert state == "COMPLETED", state
    finally:
        serve.send_signal(signal.SIGTERM)  # as Ctrl-C or a service manager would
        try:
            serve.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
    assert not answers(api, timeout=2)  # the server `serve` started stops with it

    from newsdesk.index import open_backend

    backend = open_backend(Settings(home=home))
    try:
        assert backend.count() == 2
    finally:
        backend.close()


@pytest.mark.slow
def test_the_local_server_of_serve_ends_with_it_even_after_kill_9(tmp_path: Path) -> None:
    port = _free_port()
    home = tmp_path / "home"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(NEWSDESK_HOME=str(home), NEWSDESK_PREFECT_PORT=str(port), PREFECT_HOME=str(home / "prefect"),
               NEWSDESK_SOURCES='["nothing-here"]')
    api = f"http://127.0.0.1:{port}/api"
    serve = subprocess.Popen([NEWSDESK, "serve", "--schedule", "0 0 1 1 *"], env=env, cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while not answers(api, timeout=2):
            assert serve.poll() is None and time.monotonic() < deadline, "newsdesk serve did not start its server"
            time.sleep(0.2)
        serve.kill()
        serve.wait(30)
        deadline = time.monotonic() + 60
        while answers(api, timeout=2) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not answers(api, timeout=2), "the local Prefect server outlived `newsdesk serve` killed with -9"
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()


# -- stopping `newsdesk serve` ---------------------------------------------------------------------

STOP_SECONDS = 20.0
"""How long `newsdesk serve` may take to stop after SIGTERM or Ctrl-C (its runs cancelled, its server stopped)."""


def _stop(serve: subprocess.Popen[bytes], sig: signal.Signals, log: Path) -> tuple[int, float, list[str]]:
    """Send `sig` to `newsdesk serve`; its exit status, how long it took, and the processes it had started that are
    still alive then (all of them are killed in any case)."""
    import psutil

    tree = psutil.Process(serve.pid).children(recursive=True)
    began = time.monotonic()
    serve.send_signal(sig)
    try:
        status = serve.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        status = None
    took = time.monotonic() - began
    if status is None:
        os.killpg(serve.pid, signal.SIGKILL)
        serve.wait()
    _, alive = psutil.wait_procs(tree, timeout=5)  # a child ends just after its parent: not an orphan
    left = [f"{p.pid} {' '.join(p.cmdline()[:4])}" for p in alive if p.is_running()]
    for p in alive:
        p.kill()
    assert status is not None, (f"newsdesk serve still running {STOP_SECONDS:.0f} s after {sig.name}:\n"
                                + log.read_text()[-4000:])
    return status, took, left


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serve_stops_promptly_when_idle(tmp_path: Path, sig: signal.Signals) -> None:
    serve, api, log, _ = _start_serve(tmp_path)
    status, took, left = _stop(serve, sig, log)
    assert status == 0, log.read_text()[-3000:]
    assert not left, left
    assert not answers(api, timeout=2)


def _flow_run(api: str, run_id: str) -> dict:
    return httpx.get(f"{api}/flow_runs/{run_id}", timeout=10).json()


def _progress(api: str, run_id: str) -> float:
    """The run's progress artifact (percent of its documents processed and written), 0 before it has one."""
    found = httpx.post(f"{api}/artifacts/filter", timeout=10, json={"artifacts": {
        "flow_run_id": {"any_": [run_id]}, "type": {"any_": ["progress"]}}}).json()
    return max((float(a["data"]) for a in found), default=0.0)


def _stored_state(home: Path, run_id: str) -> tuple[str, str]:
    """A flow run's state as the (stopped) local server's database holds it."""
    import sqlite3

    with sqlite3.connect(home / "prefect" / "prefect.db") as db:
        row = db.execute("SELECT state_type, state_name FROM flow_run WHERE id = ?", (run_id,)).fetchone()
    assert row is not None, f"no flow run {run_id} in the database"
    return row


@pytest.mark.slow
@pytest.mark.parametrize("when", ["starting", "running"])
def test_sigterm_stops_serve_promptly_with_a_run_in_progress(tmp_path: Path, when: str) -> None:
    """SIGTERM (a service manager stopping `serve`) while a run is starting or writing: serve exits 0 within
    STOP_SECONDS, the run is cancelled as Prefect cancels the runs of a runner that shuts down, nothing it started
    outlives it (run process, workers, Prefect server), and a later ingest re-processes exactly what the run had
    not recorded, keeping every document it had written."""
    pages = sorted((SHARED / "data" / "extraction-dev" / "html").glob("*.html.gz"))  # all 91, in batches of 2: a
    # run long enough to be caught writing on an idle machine too
    if not pages:
        pytest.skip(f"the extraction-dev pages are absent at {SHARED / 'data' / 'extraction-dev' / 'html'}")
    folder = tmp_path / "pages"
    folder.mkdir()
    for page in pages:
        shutil.copy(page, folder / page.name)
    serve, api, log, env = _start_serve(tmp_path, NEWSDESK_BATCH_SIZE="2")
    home = Path(env["NEWSDESK_HOME"])
    try:
        queued = subprocess.run([NEWSDESK, "trigger", "ingest/scheduled", "-p", f"sources={folder}", "--no-follow",
                                 "--json"], env={**os.environ, "PREFECT_API_URL": api}, capture_output=True,
                                text=True, timeout=120)
        assert queued.returncode == 0, queued.stderr
        run_id = json.loads(queued.stdout)["id"]
        deadline = time.monotonic() + 240
        while True:
            state = _flow_run(api, run_id)["state"]["type"]
            assert state not in FINAL_STATES, f"the run ended ({state}) before it could be stopped"
            if when == "starting" and state in {"PENDING", "RUNNING"}:
                break
            if when == "running" and _progress(api, run_id) > 0:
                break
            assert time.monotonic() < deadline, f"the run is still {state}"
            time.sleep(0.2)
        written = round(_progress(api, run_id) * len(pages) / 100)  # documents indexed and recorded so far
        status, took, left = _stop(serve, signal.SIGTERM, log)
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
    said = log.read_text()
    assert status == 0, said[-3000:]
    assert not left, left
    assert not answers(api, timeout=2)
    assert _stored_state(home, run_id) == ("CANCELLED", "Cancelled"), said[-3000:]

    from newsdesk.index import open_backend

    backend = open_backend(Settings(home=home))
    try:
        kept = backend.count()
    finally:
        backend.close()
    again = subprocess.run([NEWSDESK, "ingest", str(folder), "--json"], capture_output=True, text=True, timeout=600,
                           env={**{k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"},
                                "NEWSDESK_HOME": str(home), "PREFECT_HOME": str(home / "prefect")})
    assert again.returncode == 0, again.stderr[-3000:]
    summary = json.loads(again.stdout)
    assert summary["seen"] == len(pages) and summary["failed"] == 0, summary
    if when == "running":
        assert summary["unchanged"] > 0, summary  # what the stopped run recorded is not processed again
    assert written <= summary["unchanged"] <= kept, (written, summary, kept)  # what was written is kept
    backend = open_backend(Settings(home=home))
    try:
        assert backend.count() == summary["indexed"] + summary["unchanged"] + summary["duplicates"]
    finally:
        backend.close()
