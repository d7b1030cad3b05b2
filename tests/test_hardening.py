"""The small ones of issue 16 (item 8): API bounds, query cost, the Host allow-list, self-contained /docs, terminal
safety, symlinks leading outside a source folder, and the temporary Prefect server (never orphaned, started by one
process at a time). Real components: the real app and a real `newsdesk api` server, real files and symlinks, real
`newsdesk` processes and `kill -9`."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from conftest import ROOT
from test_reliability import NEWSDESK, cli_env, write_articles
from test_reliability_runs import ingest_json, run_main


@pytest.fixture
def client(settings, tmp_path: Path):  # noqa: ANN001, ANN201
    from newsdesk.api.app import create_app

    with TestClient(create_app(settings=settings)) as c:
        yield c


@pytest.mark.parametrize("query", ["offset=9223372036854775808", "min_articles=1e20", "offset=-1",
                                   "min_articles=99999999999999999999"])
def test_stories_paging_numbers_out_of_range_are_422(client: TestClient, query: str) -> None:
    response = client.get(f"/stories?{query}")
    assert response.status_code == 422, response.text


def test_cli_stories_paging_numbers_out_of_range_exit_2(settings) -> None:  # noqa: ANN001
    code, _, err = run_main("stories", "list", "--offset", "9223372036854775808")
    assert code == 2 and "Traceback" not in err


def test_docs_are_served_without_scripts_from_anywhere(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<script" not in page.text.lower() and "cdn" not in page.text.lower()
    assert "/search" in page.text and "<code>GET /stories</code>" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert all(u.startswith("/") for u in __import__("re").findall(r'(?:href|src)="([^"]*)"', page.text))
    assert client.get("/redoc").status_code == 404


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_api_answers_only_its_own_host_names(tmp_path: Path) -> None:
    """A real `newsdesk api`: a request naming another host (DNS rebinding) is refused; localhost and the address
    listened on are answered."""
    port = _free_port()
    env = cli_env(tmp_path / "home")
    server = subprocess.Popen([*NEWSDESK, "api", "--port", str(port)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        url = f"http://127.0.0.1:{port}/search?q=council"
        assert httpx.get(url, headers={"Host": "evil.example"}).status_code == 400
        assert httpx.get(url, headers={"Host": f"evil.example:{port}"}).status_code == 400
        assert httpx.get(url, headers={"Host": f"localhost:{port}"}).status_code == 200
        assert httpx.get(url).status_code == 200  # Host: 127.0.0.1:port
    finally:
        server.terminate()
        server.wait(30)


def test_query_cost_is_bounded_by_its_prefixes(client: TestClient, settings) -> None:  # noqa: ANN001
    letters = "abcdefghijklmnopqrstuvwxyz"
    expensive = " OR ".join(f"{letters[i % 26]}*" for i in range(1008))
    response = client.get("/search", params={"q": expensive})
    assert response.status_code == 422 and "too many prefixes" in response.text
    code, _, err = run_main("search", expensive)
    assert code == 2 and "too many prefixes" in err
    assert client.get("/search", params={"q": " OR ".join(f"{c}*" for c in (letters * 3)[:64])}).status_code == 200


def test_search_output_never_sends_control_characters_to_the_terminal(settings, tmp_path: Path) -> None:  # noqa: ANN001
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps({
        "title": "Council \x1b]0;owned\x07votes [link=http://evil.example]here[/link]",
        "publisher": "Evil\x1b[2J Times",
        "text": "The council of Lima voted on Tuesday to approve a new rail line, officials said.\n\n"
                "The mayor said work would begin in March and the \x1b[31mred\x1b[0m line would open next year."}))
    assert ingest_json(str(folder))[0] == 0
    code, out, _ = run_main("search", "council")
    assert code == 0 and "\x1b" not in out and "\x07" not in out
    assert "[link=http://evil.example]here[/link]" in out and "\\x1b]0;owned" in out


def test_symlinks_outside_a_source_folder_are_a_setting(tmp_path: Path, settings) -> None:  # noqa: ANN001
    from newsdesk.config import Settings, use_settings

    outside = tmp_path / "outside"
    write_articles(outside, 2)
    folder = tmp_path / "drop"
    write_articles(folder, 1, start=10)
    os.symlink(outside / "article_0000.txt", folder / "linked.txt")
    os.symlink(outside, folder / "linked-folder")
    os.symlink(folder / "article_0010.txt", folder / "inside.txt")  # a link within the folder: always fine
    code, summary, _ = ingest_json(str(folder))
    assert code == 0 and summary["indexed"] + summary["duplicates"] == 3  # followed by default (inside.txt = same file)

    use_settings(Settings(home=tmp_path / "strict", workers=1, max_document_seconds=0,
                          symlinks_outside_source="skip"))
    try:
        code, summary, _ = ingest_json(str(folder))
    finally:
        use_settings(settings)
    assert code == 0 and summary["indexed"] == 1
    skipped = {os.path.basename(d["path"]): d["reason"] for d in summary["skipped_documents"]}
    assert set(skipped) == {"linked.txt", "linked-folder"}
    assert all("symlink leads outside the source folder" in r for r in skipped.values())


# -- the temporary Prefect server ---------------------------------------------------------------------


def _ephemeral_env(home: Path) -> dict[str, str]:
    env = cli_env(home)
    env.pop("PREFECT_API_URL", None)
    return env


@pytest.mark.slow
def test_kill_9_of_an_ingest_takes_its_temporary_prefect_server_with_it(tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 200)
    proc = subprocess.Popen([*NEWSDESK, "ingest", str(tmp_path / "in")], env=_ephemeral_env(tmp_path / "home"),
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    server = None
    try:
        deadline = time.monotonic() + 120
        while server is None and time.monotonic() < deadline and proc.poll() is None:
            children = subprocess.run(["pgrep", "-P", str(proc.pid), "-f", "uvicorn"], capture_output=True,
                                      text=True).stdout.split()
            server = int(children[0]) if children else None
            time.sleep(0.2)
        assert server is not None, "no temporary Prefect server started"
        time.sleep(2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and Path(f"/proc/{server}").exists():
            time.sleep(0.2)
        assert not Path(f"/proc/{server}").exists() or "Z" in Path(f"/proc/{server}/stat").read_text().split()[2], \
            "the temporary Prefect server outlived the ingest killed with -9"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.slow
def test_two_first_ingests_on_a_fresh_home_start_prefect_one_after_the_other(tmp_path: Path) -> None:
    write_articles(tmp_path / "a", 2)
    write_articles(tmp_path / "b", 2, start=5)
    env = _ephemeral_env(tmp_path / "home")
    runs = [subprocess.Popen([*NEWSDESK, "ingest", str(tmp_path / name), "--json"], env=env, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for name in ("a", "b")]
    for run in runs:
        out, err = run.communicate(timeout=400)
        assert run.returncode == 0 and "Traceback" not in err, err[-3000:]
        assert json.loads(out)["indexed"] == 2


def test_wrapped_output_is_safe_for_the_terminal_and_keeps_its_marks() -> None:
    """One terminal module: `say`/`wrapped` (every human output) wrap AND escape markup and control characters."""
    import io

    from rich.console import Console

    from newsdesk.terminal import MARK, wrapped

    text = "[link=http://evil.example]here[/link] \x1b]0;owned\x07 " + "word " * 30 + f"{MARK}match{MARK} end"
    markup = wrapped(text, 40, "  ")
    out = io.StringIO()
    Console(file=out, width=40, highlight=False, force_terminal=False).print(markup)
    shown = out.getvalue()
    assert "\x1b" not in shown and "\x07" not in shown and "\\x1b]0;owned\\x07" in shown
    assert "[link=http://evil.example]here[/link]" in shown
    assert "[reverse]match[/reverse]" in markup and MARK not in shown
    assert all(len(line) <= 40 and line.startswith("  ") for line in shown.splitlines())
