"""The one atomic write (used by the charts, the report, the data cache and the notebooks)."""

from __future__ import annotations

import os

import pytest

from dry_needling import files


def test_atomic_write_replaces_and_leaves_nothing_behind(tmp_path):
    target = tmp_path / "out.json"
    files.atomic_write(target, "first")
    files.atomic_write(target, b"second")
    assert target.read_bytes() == b"second"
    assert oct(target.stat().st_mode & 0o777) == "0o644"
    before = target.stat().st_mtime_ns
    os.utime(target, ns=(before - 10**9, before - 10**9))
    files.atomic_write(target, "second", skip_unchanged=True)
    assert target.stat().st_mtime_ns == before - 10**9  # unchanged bytes: not written again
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_atomic_write_cleans_up_and_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "out.txt"
    target.write_text("old")

    def fail(*_):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        files.atomic_write(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
