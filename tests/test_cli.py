"""The console script itself: configuration errors are the user's to fix, and said so without a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_bad_configuration_is_a_clear_message_not_a_traceback(tmp_path: Path) -> None:
    newsdesk = str(Path(sys.executable).with_name("newsdesk"))
    env = {**os.environ, "NEWSDESK_WORKERS": "abc", "NEWSDESK_HOME": str(tmp_path)}
    result = subprocess.run([newsdesk, "search", "kabul"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "invalid configuration: NEWSDESK_WORKERS" in result.stderr
    assert "Traceback" not in result.stderr and "bug in newsdesk" not in result.stderr
