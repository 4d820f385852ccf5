"""Shared fixtures: a scratch copy of the data package to break on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dry_needling import paths


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of data/ in a temporary folder (the real data is never modified)."""
    target = tmp_path / "data"
    shutil.copytree(paths.data_dir(), target)
    return target


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in a text file, failing loudly if ``old`` is absent."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not found in {path.name}; the test needs updating"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
