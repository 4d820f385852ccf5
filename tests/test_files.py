"""The one atomic write and the one reader of figure names (used by the charts, the report and the tests)."""

from __future__ import annotations

import doctest
import os

import pytest

from dry_needling import files


def test_examples_in_docstrings_run():
    result = doctest.testmod(files)
    assert result.attempted >= 2 and result.failed == 0


@pytest.mark.parametrize(("source", "names"), [
    ('save_figure(fig, "a_b", alt="x")', ["a_b"]),
    ("charts.save_figure(fig, 'single', alt='x')", ["single"]),
    ('save_figure(\n    fig,\n    name="keyword",\n    alt="x")', ["keyword"]),
    ('save_figure(name="first", fig=fig)', ["first"]),
    ('save_figure(fig, "one")\nsave_figure(ax.figure, "two")', ["one", "two"]),
    ("save_figure(fig, name)", []),  # not a literal: nothing to list
    ("# no call here", []),
])
def test_figure_names_in(source, names):
    assert files.figure_names_in(source) == names


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
