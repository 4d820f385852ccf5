"""Typed DataFrames of validated tables, and the memory of folders already validated."""

from __future__ import annotations

import functools
import hashlib
import json
import platform
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from .. import paths
from ..files import atomic_write
from .descriptor import _check_descriptor, _path_problem, _read_descriptor
from .problems import DataValidationError, _data_dir, _display
from .validation import validate

if TYPE_CHECKING:
    import pandas as pd  # imported where tables are loaded: validation does not need it

def resource_names(data_dir: str | Path | None = None) -> list[str]:
    """Names of the tables described in the data package, in package order."""
    folder = _data_dir(data_dir)
    descriptor, problems = _read_descriptor(folder)  # (None, its problems) or (the descriptor, [])
    if descriptor is not None:
        problems = _check_descriptor(descriptor, folder)
    if problems or descriptor is None:
        raise DataValidationError(problems)
    return [r["name"] for r in descriptor["resources"]]



_DTYPES = {"string": "string", "number": "float64", "integer": "Int64", "boolean": "boolean"}

# Data folders already validated, keyed by a hash of their files' bytes and of the validator's modules, kept in
# memory for the process and in build/cache/validated.json across processes: every notebook loads
# tables, and validating the whole package takes seconds. Any change to a data file (or to the
# validator) changes the key, so changed data is always validated again.
_validated: set[str] = set()
_CACHE_KEEP = 20


# The validator's own modules: their bytes are part of every content key, so a change to the validator validates
# every folder again.
_VALIDATOR_MODULES = sorted(Path(__file__).parent.glob("*.py"))
# The libraries whose checks the verdict also depends on: a new release of either (or another Python) validates
# every folder again, since it may refuse what the old one passed.
_VALIDATOR_LIBRARIES = ("frictionless", "jsonschema")


@functools.lru_cache(maxsize=1)
def _library_versions() -> bytes:
    """Python's version and each of :data:`_VALIDATOR_LIBRARIES`' installed versions, as bytes for the key."""
    found = {"python": platform.python_version(), **{name: version(name) for name in _VALIDATOR_LIBRARIES}}
    return json.dumps(found, sort_keys=True).encode()


def _content_key(folder: Path, descriptor: dict) -> str:
    """Hash of the validator's modules, of the versions of Python and of the libraries it validates with
    (:func:`_library_versions`), of ``descriptor`` (the folder's, as read) and of every resource file it names (safe
    paths only: validation refuses an unsafe one). Each file enters as its own SHA-256, so no byte can move
    from one file to the next without changing the key."""
    digest = hashlib.sha256()
    for module in _VALIDATOR_MODULES:
        digest.update(hashlib.sha256(module.read_bytes()).digest())
    digest.update(hashlib.sha256(_library_versions()).digest())
    digest.update(json.dumps(descriptor, sort_keys=True).encode())
    for resource in descriptor["resources"]:
        path = resource.get("path") if isinstance(resource, dict) else None
        if isinstance(path, str) and _path_problem(folder, path)[0] is None:
            try:
                digest.update(hashlib.sha256((folder / path).read_bytes()).digest())
            except OSError:
                pass  # missing or unreadable: validation refuses the folder, whose key is then never remembered
    return digest.hexdigest()


def _cache_file() -> Path:
    return paths.build_dir() / "cache" / "validated.json"


def _cached_keys() -> list[str]:
    try:
        keys = json.loads(_cache_file().read_bytes())
        return keys if isinstance(keys, list) else []
    except (OSError, ValueError):
        return []


def _remember(key: str) -> None:
    _validated.add(key)
    keys = [k for k in _cached_keys() if k != key][-(_CACHE_KEEP - 1):] + [key]
    try:
        path = _cache_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, json.dumps(keys))
    except OSError:
        pass  # a read-only checkout still works; it just validates every time


def _valid(folder: Path) -> tuple[dict, str]:
    """The descriptor of a valid package and its content key; raises DataValidationError otherwise."""
    descriptor, problems = _read_descriptor(folder)  # (None, its problems) or (the descriptor, [])
    if descriptor is None:
        raise DataValidationError(problems)
    key = _content_key(folder, descriptor)
    if key not in _validated and key not in _cached_keys():
        # Bytes not validated before. (Bytes that were passed every check, the descriptor's among them, so they
        # are not checked again: a notebook's first load then imports neither frictionless nor jsonschema.)
        problems = _check_descriptor(descriptor, folder) or validate(folder)
        if problems:
            raise DataValidationError(problems)
    if key not in _validated:
        _remember(key)
    return descriptor, key


# Tables already read, by folder, content key and name: a build or a notebook loads the same tables many times
# (the report's footer alone read all 25 tables three times). The key changes with any byte of the package, so a
# changed file is read again; callers get a copy, so changing a returned frame never changes the next one.
_frames: dict[tuple[str, str, str], pd.DataFrame] = {}
_FRAMES_KEEP = 200


def _frame(folder: Path, resource: dict, key: str) -> pd.DataFrame:
    which = (str(folder), key, resource["name"])
    if which not in _frames:
        if len(_frames) >= _FRAMES_KEEP:
            _frames.clear()
        _frames[which] = _typed_frame(folder, resource)
    return _frames[which].copy()  # a frame of its own: changing it never changes the one kept here


def _typed_frame(folder: Path, resource: dict) -> pd.DataFrame:
    import pandas as pd

    fields = resource["schema"]["fields"]
    dtypes = {f["name"]: _DTYPES.get(f["type"], "string") for f in fields}  # dates read as text, then converted
    dates = [f["name"] for f in fields if f["type"] == "date"]
    frame = pd.read_csv(
        folder / resource["path"],
        dtype=dtypes,
        keep_default_na=False,
        na_values={name: [""] for name in dtypes},
    )  # pandas reads UTF-8 whatever the machine's locale
    for name in dates:
        frame[name] = frame[name].astype("datetime64[us]")  # validated: every date is YYYY-MM-DD
    frame.attrs["source_file"] = _display(folder, resource["path"])
    frame.attrs["title"] = resource.get("title", resource["name"])
    return frame


def load(name: str, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Validate the data package, then return table ``name`` as a typed DataFrame.

    Raises :class:`DataValidationError` (a ``ValueError``) listing every problem if the package
    does not validate, and ``KeyError`` naming the known tables if ``name`` is not one of them.
    """
    folder = _data_dir(data_dir)
    descriptor, key = _valid(folder)
    for resource in descriptor["resources"]:
        if resource["name"] == name:
            return _frame(folder, resource, key)
    known = ", ".join(r["name"] for r in descriptor["resources"])
    raise KeyError(f"no table named {name!r} in the data package; known tables: {known}")


def load_all(data_dir: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """Every table of the data package, validated and typed, keyed by name."""
    folder = _data_dir(data_dir)
    descriptor, key = _valid(folder)
    return {r["name"]: _frame(folder, r, key) for r in descriptor["resources"]}
