"""Shared fixtures: a scratch copy of the data package to break on purpose; a scratch figures folder and
closed figures for chart tests."""

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


@pytest.fixture
def fig_dir(tmp_path: Path, monkeypatch) -> Path:
    """A temporary folder that save_figure writes into (the repository's figures/ is never touched)."""
    monkeypatch.setenv("DRY_NEEDLING_FIGURES", str(tmp_path))
    return tmp_path


@pytest.fixture
def close_figures():
    """Close every matplotlib figure a test opened."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


# Fixtures that start a kernel, a browser or a whole build: a test using one is slow, so `pytest -m "not slow"`
# (the fast loop, docs/maintenance.md) leaves it out without each test having to say so.
SLOW_FIXTURES = frozenset({"sandbox", "hostile_build", "editions"})


def pytest_collection_modifyitems(config, items):
    for item in items:
        if SLOW_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
