"""Settings for the notebook tests (strict nbval), kept here so they apply to notebooks/ as well as tests/.

* The kernels nbval starts save their figures into a temporary folder, never into the repository's
  ``figures/`` (a test run leaves the working tree unchanged).
* After the last cell of each notebook that saves figures, one more test,
  ``<notebook>::figures-match-committed``, compares the PNG, SVG and CSV files it wrote, and their rows in
  the figure index, byte for byte with the committed ones. Under pytest-xdist ``--dist loadfile`` it runs
  on the same worker as the notebook's cells, right after them.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
_FIGURES: Path | None = None


def _figures_folder() -> Path:
    global _FIGURES
    if _FIGURES is None:
        _FIGURES = Path(tempfile.mkdtemp(prefix="dry-needling-test-figures-"))
    return _FIGURES


def pytest_unconfigure(config):
    if _FIGURES is not None:
        shutil.rmtree(_FIGURES, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    """nbval starts a notebook's kernel when its first cell is set up: give it the temporary figures folder."""
    if item.path.suffix != ".ipynb":
        yield
        return
    previous = os.environ.get("DRY_NEEDLING_FIGURES")
    os.environ["DRY_NEEDLING_FIGURES"] = str(_figures_folder())
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("DRY_NEEDLING_FIGURES", None)
        else:
            os.environ["DRY_NEEDLING_FIGURES"] = previous


def _index_rows(folder: Path, names: set[str]) -> dict[str, dict]:
    path = folder / "index.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["name"]: row for row in csv.DictReader(fh) if row["name"] in names}


class FiguresMatch(pytest.Item):
    """The figures a notebook wrote during this test run equal the committed ones, byte for byte."""

    def runtest(self):
        from dry_needling.notebooks import figures_saved_by

        names = figures_saved_by(self.path)
        produced, committed = _figures_folder(), ROOT / "figures"
        problems = []
        for name in names:
            for suffix in (".png", ".svg", ".csv"):
                new, old = produced / f"{name}{suffix}", committed / f"{name}{suffix}"
                if not new.exists():
                    problems.append(f"{new.name}: not written by the notebook")
                elif not old.exists():
                    problems.append(f"{new.name}: not committed in figures/")
                elif new.read_bytes() != old.read_bytes():
                    problems.append(f"{new.name}: differs from the committed file (run `make report` and review)")
        if _index_rows(produced, set(names)) != _index_rows(committed, set(names)):
            problems.append("figures/index.csv: this notebook's rows differ from the committed ones")
        assert not problems, "\n".join(problems)

    def reportinfo(self):
        return self.path, None, f"{self.path.name}: figures match the committed ones"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    """Add ``<notebook>::figures-match-committed`` after each notebook's last cell, and mark every notebook item
    ``slow`` (nbval's cells carry no marks of their own), before ``-m "not slow"`` deselects: the fast loop runs
    no kernel."""
    from dry_needling.notebooks import figures_saved_by

    result = []
    for i, item in enumerate(items):
        result.append(item)
        if item.path.suffix != ".ipynb":
            continue
        item.add_marker(pytest.mark.slow)
        last_cell = i + 1 == len(items) or items[i + 1].path != item.path
        if last_cell and figures_saved_by(item.path):
            check = FiguresMatch.from_parent(item.parent, name="figures-match-committed")
            check.add_marker(pytest.mark.slow)
            result.append(check)
    items[:] = result
