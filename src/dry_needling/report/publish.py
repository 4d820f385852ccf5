"""Publishing a build: copying only what the data descriptor and the figure index name (each file checked), the
staging folder and its atomic swap into place, clean-up after an interrupted build, and the build's cache file."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from .. import paths
from ..files import atomic_write
from .common import BuildFailed, Log
from .safety import svg_problem


def copy_file(path: Path, target: Path) -> None:
    """Copy ``path`` to ``target`` (folders made as needed), readable by everyone."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    os.chmod(target, 0o644)


#: The codebook, published beside the tables (our own Markdown; a browser shows it as text).
CODEBOOK = "README.md"


def publish_data(data_dir: Path, target: Path) -> dict[str, Any]:
    """Copy into ``target`` only what the data descriptor names: ``datapackage.json``, each table's ``.csv`` file
    (the validator refuses any other path, and paths outside the folder) and the codebook. A stray file in the data
    folder (an .html page, a script) is never published. Returns the descriptor. The package must validate (the
    same bytes validated before are not validated again: :mod:`dry_needling.data.loading`); otherwise
    :class:`~dry_needling.data.DataValidationError`."""
    from ..data.loading import _valid

    descriptor, _ = _valid(data_dir)
    copy_file(data_dir / "datapackage.json", target / "datapackage.json")
    for resource in descriptor["resources"]:
        copy_file(data_dir / resource["path"], target / resource["path"])
    if (data_dir / CODEBOOK).is_file():
        copy_file(data_dir / CODEBOOK, target / CODEBOOK)
    return descriptor


_FIGURE_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")


def publish_figures(figures_dir: Path, figures: list[dict[str, str]], target: Path) -> None:
    """Copy into ``target`` only the figures ``figures/index.csv`` names (``name.png``, ``.svg``, ``.csv``) and the
    index itself. A PNG must be a PNG, and an SVG a plain drawing (no script, event handler or outside reference:
    :func:`safety.svg_problem`); anything else stops the build with one line naming the file."""
    shown = paths.relative(figures_dir)
    for line, row in enumerate(figures, start=2):
        name = row["name"]
        if not _FIGURE_NAME.fullmatch(name) or any(row[ext] != f"{name}.{ext}" for ext in ("png", "svg", "csv")):
            raise BuildFailed(f"{shown}/index.csv, line {line}: a figure named {name[:40]!r} with files "
                              f"{name[:40]}.png/.svg/.csv was expected; restore the file with git")
        for ext in ("png", "svg", "csv"):
            path = figures_dir / row[ext]
            if not path.is_file():
                raise BuildFailed(f"{shown}/{row[ext]}: missing (named in {shown}/index.csv, line {line}); run "
                                  "the notebook that saves it")
            head = path.read_bytes()
            if ext == "png" and not head.startswith(b"\x89PNG\r\n\x1a\n"):
                raise BuildFailed(f"{shown}/{row[ext]}: not a PNG image; it is not published")
            if ext == "svg":
                problem = svg_problem(head)
                if problem:
                    raise BuildFailed(f"{shown}/{row[ext]}: not published: it holds {problem}")
            copy_file(path, target / row[ext])
    if (figures_dir / "index.csv").is_file():
        copy_file(figures_dir / "index.csv", target / "index.csv")


def publish_staged_figures(staging: Path, target: Path) -> None:
    """Copy the figures the kernels wrote (and the updated index) into ``target``, each file atomically
    and only when its bytes changed."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(staging.iterdir()):
        if path.is_file() and not path.name.startswith("."):
            data = path.read_bytes()
            dest = target / path.name
            if not (dest.is_file() and dest.read_bytes() == data):
                atomic_write(dest, data)


STAGING_PREFIXES = (".report-", ".figures-")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(out_dir: Path, log: Log = print) -> None:
    """Remove staging folders left by a build that was killed (its process is gone), and put back a
    report that a kill between the two renames of a non-atomic swap left only as ``report.old``."""
    parent = out_dir.parent
    if not parent.is_dir():
        return
    for path in parent.iterdir():
        if not (path.is_dir() and path.name.startswith(STAGING_PREFIXES)):
            continue
        match = re.match(r"\.(?:report|figures)-(\d+)-", path.name)
        if match and int(match.group(1)) != os.getpid() and _pid_alive(int(match.group(1))):
            continue  # another build is running
        shutil.rmtree(path, ignore_errors=True)
        log(f"  removed {path.name}, left by an interrupted build")
    old = out_dir.with_name(out_dir.name + ".old")
    if old.is_dir() and not out_dir.exists():
        os.replace(old, out_dir)
        log(f"  restored {out_dir.name} from {old.name} (an earlier build was killed while swapping it)")
    elif old.is_dir():
        shutil.rmtree(old, ignore_errors=True)


def _rename_exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one atomic step (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


def swap_into_place(staging: Path, out_dir: Path) -> None:
    """Put the new report at ``out_dir`` in one atomic step: an existing report is exchanged with the new
    one (the old one ends in ``staging`` and is removed). Where the exchange is not supported, two renames
    (``clean_stale`` restores ``report.old`` if a kill comes between them)."""
    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    if _rename_exchange(staging, out_dir):
        shutil.rmtree(staging, ignore_errors=True)
        return
    old = out_dir.with_name(out_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    os.replace(out_dir, old)
    os.replace(staging, out_dir)
    shutil.rmtree(old, ignore_errors=True)


def citations(data_dir: Path) -> dict[str, str]:
    """{source id: citation} from the data's sources.csv (read with the csv module: fast; validation is elsewhere)."""
    import csv

    path = data_dir / "sources.csv"
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return {row["id"]: row["citation"] for row in csv.DictReader(fh)
                    if isinstance(row.get("id"), str) and isinstance(row.get("citation"), str) and row["id"]}
    except (OSError, UnicodeDecodeError, csv.Error, KeyError):
        return {}


def load_manifest(path: Path, log: Log) -> dict[str, Any]:
    """The build's cache (``build/cache/manifest.json``), or an empty one (with a line saying why) when it is
    unreadable."""
    if not path.exists():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
        return manifest
    except (ValueError, OSError) as exc:
        log(f"  {paths.relative(path)} is unreadable ({str(exc).splitlines()[0]}); starting with an empty cache")
        return {}
