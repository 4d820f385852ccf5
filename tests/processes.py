"""Helpers shared by tests that start processes: the kernels a build launched, whether a process is alive, and the
Chromium the browser tests need."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def kernels_of(pid: int) -> list[int]:
    """Kernel processes launched by ``pid`` (jupyter_client sets JPY_PARENT_PID in their environment)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if f"JPY_PARENT_PID={pid}".encode() in (proc / "environ").read_bytes().split(b"\0"):
                    found.append(int(proc.name))
            except OSError:
                continue
    return found


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, ended but not yet reaped, does not count)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def chromium_or_skip(what: str) -> str:
    """Debian's Chromium for ``what`` (e.g. "the browser test"): skipped where it is missing, failed on CI."""
    from dry_needling import report

    executable = report.chromium_path()
    if executable is None:
        message = f"Chromium is not installed: apt-get install chromium ({what} needs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return executable
