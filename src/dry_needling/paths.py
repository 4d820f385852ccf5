"""Locate the collection's folders from the package, never from the working directory.

The package lives in ``src/dry_needling`` of the repository and is installed in editable
mode, so the repository root is two levels above this file. Two environment variables exist
for the test suite (and the report build): ``DRY_NEEDLING_DATA`` points the notebooks at another data folder
and ``DRY_NEEDLING_FIGURES`` sends figures to another folder (read when the package is imported or a figure is
saved), so a test can run a notebook on altered data without touching the repository;
``DRY_NEEDLING_NOTEBOOKS`` and ``DRY_NEEDLING_BUILD`` let a test build a report from other notebooks into
another folder (read when the package is imported).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ["DRY_NEEDLING_DATA"]) if os.environ.get("DRY_NEEDLING_DATA") else ROOT / "data"
NOTEBOOKS_DIR = Path(os.environ.get("DRY_NEEDLING_NOTEBOOKS") or ROOT / "notebooks")
BUILD_DIR = Path(os.environ.get("DRY_NEEDLING_BUILD") or ROOT / "build")
REPORT_DIR = BUILD_DIR / "report"


def figures_dir() -> Path:
    """Folder that ``charts.save_figure`` writes into (``figures/`` unless overridden)."""
    override = os.environ.get("DRY_NEEDLING_FIGURES")
    return Path(override) if override else ROOT / "figures"


def relative(path: Path) -> str:
    """A path relative to the repository root when possible, for messages without machine paths."""
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return Path(path).name
