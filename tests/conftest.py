"""Shared fixtures: a scratch copy of the data package to break on purpose; a scratch figures folder and
closed figures for chart tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from dry_needling import paths

_caches_emptied_for: tuple[int, str] | None = None


@pytest.fixture(autouse=True)
def _fresh_caches_under_mutation(tmp_path_factory):
    """Under `make mutation`, mutmut runs each mutant's tests in a process forked from one that has already run the
    tests: a result the package cached per process before the mutant was switched on (readers, the profile check,
    tables read, validated folders) could hide the mutant, and a mutant that wrongly passed a package would write
    its key into build/cache/validated.json for every later mutant to trust (seen: it also wrote files named by
    mutated strings there). There, the first test of each mutant (a process and the mutant's name) starts with
    those caches empty and a build folder of the mutant's own; its later tests share what it cached, as the tests
    of an unmutated run do (emptying the caches before every test made the validator's run a third slower)."""
    global _caches_emptied_for
    mutant = os.environ.get("MUTANT_UNDER_TEST")
    if mutant and _caches_emptied_for != (os.getpid(), mutant):
        from dry_needling.data import descriptor, loading, rows

        rows._readers_for.cache_clear()
        descriptor._profile_problems_of.cache_clear()
        loading._frames.clear()
        loading._validated.clear()
        os.environ["DRY_NEEDLING_BUILD"] = str(tmp_path_factory.mktemp("build"))
        _caches_emptied_for = (os.getpid(), mutant)
    yield


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
