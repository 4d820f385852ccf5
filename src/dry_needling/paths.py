"""Locate the collection's folders from the package, never from where a command happens to run.

Three ways the package can be used, and where each folder is then:

- **From a checkout** of the repository (``make`` installs it editable): the repository root, two levels above this
  file, holds ``data/``, ``notebooks/``, ``figures/`` and ``build/``.
- **Installed from the wheel** (``pip install dry_needling_evidence-*.whl``, the route the teaching guide gives for a
  JupyterHub): the data package ships inside the package (``dry_needling/_shipped/data``, read-only), and what a
  notebook writes (``figures/``, ``build/`` for caches) goes under the working folder, which for a notebook is the
  folder it is in.
- **With ``DRY_NEEDLING_HOME``** set: that folder holds ``figures/``, ``build/`` and ``notebooks/``, and its
  ``data/`` if it has one (otherwise the shipped data is used).

Each folder has one function that returns it, reading its environment override at every call (this module is the
only place that reads the ``DRY_NEEDLING_*`` folder overrides):

=====================  ===========================  ==================================================
function               override                     used for
=====================  ===========================  ==================================================
:func:`home`           ``DRY_NEEDLING_HOME``        one folder for all of the below
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

PACKAGE = Path(__file__).resolve().parent
ROOT = PACKAGE.parents[1]  # the repository root when the package runs from a checkout (src/dry_needling)
SHIPPED = PACKAGE / "_shipped"  # what the wheel ships besides the code: data/ (see setup.py)
NOTEBOOK_PATTERN = "[0-9][0-9]_*.ipynb"  # the collection's notebooks: NN_title.ipynb
HOME_VARIABLE = "DRY_NEEDLING_HOME"

_OVERRIDES = {  # folder -> (environment variable, default under the home folder)
    "data": ("DRY_NEEDLING_DATA", "data"),
    "figures": ("DRY_NEEDLING_FIGURES", "figures"),
    "notebooks": ("DRY_NEEDLING_NOTEBOOKS", "notebooks"),
    "build": ("DRY_NEEDLING_BUILD", "build"),
}


def _variable(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None  # empty means unset


def _is_checkout() -> bool:
    try:
        return (ROOT / "pyproject.toml").is_file() and (ROOT / "data" / "datapackage.json").is_file() \
            and (ROOT / "src" / "dry_needling").resolve() == PACKAGE
    except OSError:
        return False


_CHECKOUT = _is_checkout()  # where the package lives does not change while it runs


def in_checkout() -> bool:
    """Whether the package runs from a checkout of the repository (``src/dry_needling`` beside ``data/``)."""
    return _CHECKOUT


def home() -> Path:
    """The folder that holds the collection's folders: ``DRY_NEEDLING_HOME`` if set, else the repository root in a
    checkout, else the working folder (an installed package: a notebook's own folder)."""
    return _variable(HOME_VARIABLE) or (ROOT if in_checkout() else Path.cwd())


def _folder(kind: str) -> Path:
    """The one place the environment is read: the override for ``kind`` if set and not empty."""
    variable, default = _OVERRIDES[kind]
    return _variable(variable) or home() / default


def data_dir() -> Path:
    """The data package: ``DRY_NEEDLING_DATA`` if set, else ``data/`` in :func:`home` if it holds one, else the
    data package shipped inside an installed wheel (or the checkout's ``data/``)."""
    override = _variable(_OVERRIDES["data"][0])
    if override:
        return override
    if _variable(HOME_VARIABLE) is None and in_checkout():
        return ROOT / "data"
    folder = home() / "data"
    try:
        if (folder / "datapackage.json").is_file():
            return folder
        if (SHIPPED / "data" / "datapackage.json").is_file():
            return SHIPPED / "data"
    except OSError:
        return folder  # unreadable: the data functions name the folder and the problem
    return ROOT / "data" if in_checkout() else folder


def figures_dir() -> Path:
    """Folder that ``charts.save_figure`` writes into (``figures/`` in :func:`home` unless ``DRY_NEEDLING_FIGURES``
    is set)."""
    return _folder("figures")


def notebooks_dir() -> Path:
    """The notebooks (``notebooks/`` in :func:`home` unless ``DRY_NEEDLING_NOTEBOOKS`` is set)."""
    return _folder("notebooks")


def build_dir() -> Path:
    """Build outputs and caches (``build/`` in :func:`home` unless ``DRY_NEEDLING_BUILD`` is set)."""
    return _folder("build")


def report_dir() -> Path:
    """Where the report is built: ``report/`` in :func:`build_dir`."""
    return build_dir() / "report"


def notebook_files(folder: str | Path | None = None) -> list[Path]:
    """The collection's notebooks (``NN_title.ipynb``) in ``folder`` (default :func:`notebooks_dir`), in
    reading order."""
    return sorted(Path(folder if folder is not None else notebooks_dir()).glob(NOTEBOOK_PATTERN))


def relative(path: Path) -> str:
    """A path relative to the repository root (or :func:`home`, or the shipped folder) when possible, for messages
    without machine paths."""
    resolved = Path(path).resolve()
    for base in (ROOT if in_checkout() else None, home(), SHIPPED):
        if base is not None:
            try:
                return resolved.relative_to(Path(base).resolve()).as_posix()
            except ValueError:
                continue
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
