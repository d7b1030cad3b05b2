"""Shared fixtures. Tests never touch the project's own `.newsdesk/`: each gets its own home."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path

import pytest

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="newsdesk-tests-"))
os.environ["NEWSDESK_HOME"] = str(_SESSION_HOME / "home")
os.environ.setdefault("PREFECT_HOME", str(_SESSION_HOME / "prefect"))
with socket.socket() as _s:  # never the default 4200: another user's Prefect server may answer there
    _s.bind(("127.0.0.1", 0))
    os.environ.setdefault("NEWSDESK_PREFECT_PORT", str(_s.getsockname()[1]))

from newsdesk.config import Settings, configure_prefect, use_settings  # noqa: E402

configure_prefect()

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for the whole session (its start costs 8-20 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=300):
        yield


@pytest.fixture
def settings(tmp_path: Path):
    """Settings with a fresh home, in force for this test; processing runs in-process."""
    current = Settings(home=tmp_path / "home", workers=1, max_document_seconds=0)
    use_settings(current)
    yield current
    use_settings(None)
