"""What a notebook depends on, so that unchanged notebooks are not executed again."""

from __future__ import annotations

import copy
from pathlib import Path

from .. import paths
from ..files import figure_names_in

# nbformat, nbconvert and the data validator are imported only where needed: importing them costs
# seconds, and a rebuild with nothing changed needs none of them.
from .common import fingerprint
from .execution import _normaliser_source, normalise, read_json

# ---------------------------------------------------------------------------------------
# What a notebook depends on (for skipping unchanged notebooks)

PACKAGE_DIR = Path(__file__).parent.parent


def input_key(path: Path) -> str:
    """Hash of everything a notebook's outputs depend on: its cells' sources and tags, the data
    package, the package's code, the normaliser that shapes stored outputs, and the pins."""
    nb = read_json(path)
    cells = [(c["cell_type"], "".join(c["source"]), c.get("metadata", {}).get("tags", [])) for c in nb["cells"]]
    data_dir = paths.data_dir()
    deps = sorted(data_dir.glob("*.csv")) + [data_dir / "datapackage.json"]
    deps += sorted(p for p in PACKAGE_DIR.rglob("*.py")  # the builder (report/): only its normaliser counts
                   if p.relative_to(PACKAGE_DIR).parts[0] not in {"report", "__main__.py"})
    deps += [paths.ROOT / "requirements.txt"]
    return fingerprint(cells, *deps, _normaliser_source())


def _joined(value):
    """Multi-line strings as one string (a file stores them as a list of lines, or not)."""
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "".join(value)
    if isinstance(value, dict):
        return {k: _joined(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_joined(v) for v in value]
    return value


def outputs_key(nb: dict) -> str:
    """Hash of a notebook's stored outputs after normalising what a save in JupyterLab changes:
    hand-edited outputs are noticed, a learner's save is not."""
    return fingerprint(_joined(normalise(copy.deepcopy(nb))))


def figures_named_in(path_or_nb) -> list[str]:
    """Figure names a notebook saves (``save_figure(fig, "name", ...)``)."""
    nb = read_json(path_or_nb) if isinstance(path_or_nb, Path) else path_or_nb
    text = "".join("".join(c["source"]) for c in nb["cells"])
    return figure_names_in(text)


def _figure_files(nb: dict) -> dict[str, str]:
    """{file name: content hash or 'missing'} for every file the notebook's figures consist of."""
    folder = paths.figures_dir()
    files = {}
    for name in figures_named_in(nb):
        for suffix in (".png", ".svg", ".csv"):
            path = folder / f"{name}{suffix}"
            files[path.name] = fingerprint(path.read_bytes()) if path.is_file() else "missing"
    return files


def cache_entry(path: Path, seconds: float = 0.0) -> dict:
    """What the manifest remembers about an executed notebook."""
    nb = read_json(path)
    return {"key": input_key(path), "outputs": outputs_key(nb), "figures": _figure_files(nb),
            "seconds": round(seconds, 2)}


def why_execute(path: Path, manifest: dict) -> str | None:
    """Why ``path`` must be executed again, or None when its stored outputs can be reused."""
    entry = manifest.get(path.name)
    if not isinstance(entry, dict) or "outputs" not in entry:
        return "not executed by a build before"
    if entry.get("key") != input_key(path):
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
