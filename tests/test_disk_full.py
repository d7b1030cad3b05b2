"""A full disk under NEWSDESK_HOME (issue 16, item 6): a real, small tmpfs filesystem mounted for the test (root
only; skipped with the reason elsewhere), filled with a real file until little space is left.

An ingest that runs out of space (below `NEWSDESK_MIN_FREE_MB`, or a real ENOSPC from SQLite or tantivy) stops with
one error line and exit 3, nothing written partially; an ingest on a disk that is already full stops before Prefect
starts; `failed list` works meanwhile; after space is freed the next run indexes exactly the rest.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT
from test_crash import assert_index_consistent
from test_reliability import NEWSDESK, cli_env, run_cli, write_articles

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]

TOTAL = 60


@pytest.fixture
def small_disk(tmp_path: Path):  # noqa: ANN201
    """A 12 MB tmpfs (a filesystem of its own, so it really fills up)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12m", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave_bytes: int) -> Path:
    """A real file taking all but `leave_bytes` of the disk."""
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with open(filler, "wb") as fh:
        os.posix_fallocate(fh.fileno(), 0, max(1, free - leave_bytes))
    return filler


@pytest.mark.parametrize("floor_mb, leave_kb", [(2, 2_600), (0, 500)], ids=["below the free-space floor",
                                                                           "ENOSPC from the stores"])
def test_disk_fills_during_an_ingest_one_line_exit_3_nothing_partial(small_disk: Path, tmp_path: Path,
                                                                     floor_mb: int, leave_kb: int) -> None:
    inputs = {str(p) for p in write_articles(tmp_path / "in", TOTAL)}
    home = small_disk / "home"
    env = cli_env(home, NEWSDESK_MIN_FREE_MB=str(floor_mb), NEWSDESK_BATCH_SIZE="8")
    first = run_cli(["ingest", *sorted(inputs)[:4]], env)
    assert first.returncode == 0, first.stderr[-3000:]
    filler = fill(small_disk, leave_kb * 1024)

    full = run_cli(["ingest", str(tmp_path / "in")], env, timeout=600)
    assert full.returncode == 3, full.stderr[-3000:]
    assert "Traceback" not in full.stderr + full.stdout, full.stderr[-5000:]
    errors = [line for line in full.stderr.splitlines() if "error" in line.lower()]
    assert full.stderr.rstrip().splitlines()[-3:] and "no space left on the device holding NEWSDESK_HOME" in \
        full.stderr.replace("\n", " ")
    assert len(full.stderr.splitlines()) < 30, full.stderr  # not thousands of lines
    assert errors, full.stderr

    listed = run_cli(["failed", "list", "--json"], env)  # works on the full disk
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr[-3000:]
    partial = assert_index_consistent(home, inputs)
    assert 4 <= len(partial) < TOTAL

    filler.unlink()
    rerun = run_cli(["ingest", str(tmp_path / "in"), "--json"], env, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    summary = json.loads(rerun.stdout)
    assert summary["seen"] == TOTAL and summary["indexed"] + summary["unchanged"] == TOTAL
    final = assert_index_consistent(home, inputs)
    assert len(final) == TOTAL and set(partial) <= set(final)
    assert json.loads(run_cli(["failed", "list", "--json"], env).stdout) == []


def test_ingest_on_a_full_disk_stops_before_prefect_starts(small_disk: Path, tmp_path: Path) -> None:
    """No `PREFECT_API_URL`: Prefect would start its temporary server (and database) under NEWSDESK_HOME on the full
    disk. The free-space check comes first: one line, exit 3, in seconds."""
    write_articles(tmp_path / "in", 3)
    home = small_disk / "home"
    env = cli_env(home)
    env.pop("PREFECT_API_URL", None)
    fill(small_disk, 100 * 1024)
    result = subprocess.run([*NEWSDESK, "ingest", str(tmp_path / "in")], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 3 and "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.stderr.startswith("error: no space left on the device holding NEWSDESK_HOME")
    assert len(result.stderr.splitlines()) <= 3  # one line, wrapped by the terminal width at most
    assert not (home / "prefect" / "prefect.db").exists()
