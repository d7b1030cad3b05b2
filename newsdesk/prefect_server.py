"""The temporary local Prefect server a flow run uses when `PREFECT_API_URL` is unset, started by us rather than
lazily by Prefect: one process at a time (a file lock under NEWSDESK_HOME, so two first runs on a fresh home do
not migrate Prefect's database at once), and tied to its parent (it ends when the newsdesk process that started it
dies, even by `kill -9`; Prefect's own start leaves it running)."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
from typing import Any

from filelock import FileLock

from newsdesk.config import Settings, get_settings

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the server's process, before it runs: the kernel sends SIGTERM when its parent dies (Linux)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


class _PopenDyingWithParent:
    """The `subprocess` module as Prefect's server starter sees it while we start the server: its `Popen` children
    get `_die_with_parent`."""

    def __getattr__(self, name: str) -> Any:
        return getattr(subprocess, name)

    @staticmethod
    def Popen(*args: Any, **kwargs: Any) -> subprocess.Popen[Any]:  # noqa: N802 - the name Prefect calls
        kwargs.setdefault("preexec_fn", _die_with_parent)
        return subprocess.Popen(*args, **kwargs)


def ensure_prefect_server(settings: Settings | None = None) -> None:
    """Start the temporary Prefect server for this process now (on this thread, under the home's start lock), unless
    flows report to a configured server (`PREFECT_API_URL`) or it is running already."""
    if os.environ.get("PREFECT_API_URL"):
        return
    from prefect.server.api import server as prefect_server
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return
    server = prefect_server.SubprocessASGIServer()
    if server.running:
        return
    home = (settings or get_settings()).prefect_home
    home.mkdir(parents=True, exist_ok=True)
    with FileLock(str(home / "server-start.lock")):
        module_subprocess = prefect_server.subprocess
        prefect_server.subprocess = _PopenDyingWithParent()  # type: ignore[assignment]
        try:
            server.start()
        finally:
            prefect_server.subprocess = module_subprocess
