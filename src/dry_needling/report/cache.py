"""What a notebook depends on, so that unchanged notebooks are not executed again."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from .. import paths
from ..notebooks import figures_saved_by, normalise, normaliser_source, read_json
from .common import fingerprint

# ---------------------------------------------------------------------------------------
# What a notebook depends on (for skipping unchanged notebooks)

PACKAGE_DIR = Path(__file__).parent.parent


def input_key(path: Path, package_dir: Path | None = None) -> str:
    """Hash of everything a notebook's outputs depend on: its cells' sources and tags, the data
    package, the package's code, the normaliser that shapes stored outputs, and the pins."""
    nb = read_json(path)
    cells = [(c["cell_type"], "".join(c["source"]), c.get("metadata", {}).get("tags", [])) for c in nb["cells"]]
    data_dir = paths.data_dir()
    deps = sorted(data_dir.glob("*.csv")) + [data_dir / "datapackage.json"]
    package = package_dir or PACKAGE_DIR
    deps += sorted(p for p in package.rglob("*.py")  # the builder (report/): only its normaliser counts
                   if p.relative_to(package).parts[0] not in {"report", "__main__.py"})
    deps += [paths.ROOT / "requirements.txt"]
    return fingerprint(cells, *deps, normaliser_source())


def _joined(value: Any) -> Any:
    """Multi-line strings as one string (a file stores them as a list of lines, or not)."""
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "".join(value)
    if isinstance(value, dict):
        return {k: _joined(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_joined(v) for v in value]
    return value


def outputs_key(nb: dict[str, Any]) -> str:
    """Hash of a notebook's stored outputs after normalising what a save in JupyterLab changes:
    hand-edited outputs are noticed, a learner's save is not."""
    return fingerprint(_joined(normalise(copy.deepcopy(nb))))


def _figure_files(nb: dict[str, Any], figures_dir: Path | None = None) -> dict[str, str]:
    """{file name: content hash or 'missing'} for every file the notebook's figures consist of."""
    folder = figures_dir or paths.figures_dir()
    files = {}
    for name in figures_saved_by(nb):
        for suffix in (".png", ".svg", ".csv"):
            path = folder / f"{name}{suffix}"
            files[path.name] = fingerprint(path.read_bytes()) if path.is_file() else "missing"
    return files


def cache_entry(path: Path, seconds: float = 0.0, package_dir: Path | None = None) -> dict[str, Any]:
    """What the manifest remembers about an executed notebook."""
    nb = read_json(path)
    return {"key": input_key(path, package_dir), "outputs": outputs_key(nb), "figures": _figure_files(nb),
            "seconds": round(seconds, 2)}


def why_execute(path: Path, manifest: dict[str, Any], package_dir: Path | None = None) -> str | None:
    """Why ``path`` must be executed again, or None when its stored outputs can be reused."""
    entry = manifest.get(path.name)
    if not isinstance(entry, dict) or "outputs" not in entry:
        return "not executed by a build before"
    if entry.get("key") != input_key(path, package_dir):
        return "inputs changed"
    nb = read_json(path)
    if any(c["cell_type"] == "code" and c.get("execution_count") is None and "".join(c["source"]).strip()
           for c in nb["cells"]):
        return "a cell has no stored output"
    if entry["outputs"] != outputs_key(nb):
        return "stored outputs were edited"
    figures = _figure_files(nb)
    if "missing" in figures.values():
        return "a figure file is missing"
    if figures != entry.get("figures"):
        return "a figure file changed"
    return None
