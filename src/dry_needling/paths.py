"""Locate the collection's folders from the package, never from the working directory.

The package lives in ``src/dry_needling`` of the repository and is installed in editable mode, so the
repository root is two levels above this file. Each folder has one function that returns it, reading its
environment override at every call (this module is the only place that reads them):

=====================  ===========================  ==================================================
function               override                     used for
=====================  ===========================  ==================================================
:func:`data_dir`       ``DRY_NEEDLING_DATA``        run the notebooks on another data folder
:func:`figures_dir`    ``DRY_NEEDLING_FIGURES``     send saved figures elsewhere (tests, the build)
:func:`notebooks_dir`  ``DRY_NEEDLING_NOTEBOOKS``   build a report from other notebooks
:func:`build_dir`      ``DRY_NEEDLING_BUILD``       write the report and the caches elsewhere
=====================  ===========================  ==================================================

Functions that read or write a folder take it as a parameter where callers need another one, defaulting to
these. The old module constants (``DATA_DIR``, ``NOTEBOOKS_DIR``, ``BUILD_DIR``, ``REPORT_DIR``) still work
but are deprecated: they are computed when read, with a ``DeprecationWarning``.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"  # the collection's notebooks: NN_title.ipynb

_OVERRIDES = {  # folder -> (environment variable, default under the repository root)
    "data": ("DRY_NEEDLING_DATA", "data"),
    "figures": ("DRY_NEEDLING_FIGURES", "figures"),
    "notebooks": ("DRY_NEEDLING_NOTEBOOKS", "notebooks"),
    "build": ("DRY_NEEDLING_BUILD", "build"),
}


def _folder(kind: str) -> Path:
    """The one place the environment is read: the override for ``kind`` if set and not empty."""
    variable, default = _OVERRIDES[kind]
    override = os.environ.get(variable)
    return Path(override) if override else ROOT / default


def data_dir() -> Path:
    """The data package (``data/`` unless ``DRY_NEEDLING_DATA`` is set)."""
    return _folder("data")


def figures_dir() -> Path:
    """Folder that ``charts.save_figure`` writes into (``figures/`` unless ``DRY_NEEDLING_FIGURES`` is set)."""
    return _folder("figures")


def notebooks_dir() -> Path:
    """The notebooks (``notebooks/`` unless ``DRY_NEEDLING_NOTEBOOKS`` is set)."""
    return _folder("notebooks")


def build_dir() -> Path:
    """Build outputs and caches (``build/`` unless ``DRY_NEEDLING_BUILD`` is set)."""
    return _folder("build")


def report_dir() -> Path:
    """Where the report is built: ``report/`` in :func:`build_dir`."""
    return build_dir() / "report"


def notebook_files(folder: str | Path | None = None) -> list[Path]:
    """The collection's notebooks (``NN_title.ipynb``) in ``folder`` (default :func:`notebooks_dir`), in
    reading order."""
    return sorted(Path(folder if folder is not None else notebooks_dir()).glob(NOTEBOOK_PATTERN))


def relative(path: Path) -> str:
    """A path relative to the repository root when possible, for messages without machine paths."""
    try:
        return Path(path).resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return Path(path).name


_DEPRECATED = {"DATA_DIR": data_dir, "NOTEBOOKS_DIR": notebooks_dir, "BUILD_DIR": build_dir,
               "REPORT_DIR": report_dir}


def __getattr__(name: str):
    if name in _DEPRECATED:
        function = _DEPRECATED[name]
        warnings.warn(f"paths.{name} is deprecated; call paths.{function.__name__}()", DeprecationWarning,
                      stacklevel=2)
        return function()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
