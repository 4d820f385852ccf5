"""Classroom and ecosystem hygiene: figure index, accessibility, citation and licences."""

from __future__ import annotations

import json
import re

import pytest

from dry_needling import paths
from dry_needling.charts import HOUSE_RC, read_index
from dry_needling.notebooks import figure_names

NOTEBOOK_TEXT = {p.name: p.read_text(encoding="utf-8") for p in paths.notebook_files()}


def _saved_names() -> set[str]:
    names = set()
    for text in NOTEBOOK_TEXT.values():
        source = "".join("".join(c["source"]) for c in json.loads(text)["cells"])
        names |= set(figure_names(source))
    return names


def test_figure_index_matches_the_notebooks_and_the_files():
    index = read_index()
    assert set(index["name"]) == _saved_names(), "figures/index.csv must list exactly the figures notebooks save"
    for row in index.itertuples():
        for name in (row.png, row.svg, row.csv):
            assert (paths.figures_dir() / name).stat().st_size > 0, name
    stray = {p.stem for p in paths.figures_dir().glob("*.png")} - set(index["name"])
    assert not stray, f"figure files not in the index (stale?): {sorted(stray)}"


def test_every_figure_has_alt_text_that_states_a_finding_and_a_source():
    for row in read_index().itertuples():
        assert len(row.alt) >= 80, f"{row.name}: alt text too short to state the finding"
        assert re.search(r"\d", row.alt), f"{row.name}: alt text should carry the numbers it shows"
        assert not re.match(r"(?i)^(a |the )?(bar |line )?(chart|figure|plot|graph)\.?$", row.alt)
        assert row.source.strip(), f"{row.name}: no source"
        assert row.title.strip(), f"{row.name}: no title"


def test_text_in_figures_is_at_least_9_point():
    for key in ("font.size", "axes.titlesize", "axes.labelsize", "xtick.labelsize", "ytick.labelsize",
                "legend.fontsize"):
        assert HOUSE_RC[key] >= 9, key
    chart_modules = sorted((paths.ROOT / "src" / "dry_needling" / "charts").glob("*.py"))
    sources = [p.read_text(encoding="utf-8") for p in chart_modules]
    sources += list(NOTEBOOK_TEXT.values())
    sizes = [float(s) for text in sources for s in re.findall(r"fontsize=(\d+(?:\.\d+)?)", text)]
    assert sizes and min(sizes) >= 9, f"font sizes below 9 pt: {sorted(s for s in sizes if s < 9)}"


def test_citation_file_is_cff_1_2_0():
    import yaml

    cff = yaml.safe_load((paths.ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "license", "version"):
        assert cff.get(key), key
    assert all("name" in a or "family-names" in a for a in cff["authors"])
    assert cff["license"] == "MIT"


def test_the_version_is_written_once():
    """pyproject.toml holds the version; the package reads it, and CITATION.cff and the README quote it."""
    import tomllib

    import yaml

    import dry_needling

    version = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert dry_needling.__version__ == version
    cff = yaml.safe_load((paths.ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(cff["version"]) == version
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    assert re.findall(r"version (\d+\.\d+\.\d+)", readme) == [version]


@pytest.mark.parametrize("path, words", [
    ("LICENSE", "MIT License"),
    ("LICENSE-CONTENT.md", "CC BY 4.0"),
    ("docs/teaching-guide.md", "50-minute lesson"),
])
def test_licences_and_guide_exist_and_are_linked(path, words):
    assert words in (paths.ROOT / path).read_text(encoding="utf-8")
    assert path in (paths.ROOT / "README.md").read_text(encoding="utf-8"), f"README does not link {path}"


def test_notebook_metadata_is_normalised():
    for name, text in NOTEBOOK_TEXT.items():
        nb = json.loads(text)
        assert nb["metadata"]["kernelspec"] == {"display_name": "Python 3 (ipykernel)", "language": "python",
                                                "name": "python3"}, name
        assert "widgets" not in nb["metadata"], name
        for cell in nb["cells"]:
            assert "execution" not in cell.get("metadata", {}), f"{name}: execution timestamps stored"


def test_the_package_map_lists_every_module():
    """docs/maintenance.md's "Map of the package" names every module and subpackage in src/dry_needling."""
    text = (paths.ROOT / "docs" / "maintenance.md").read_text(encoding="utf-8")
    block = text.split("## Map of the package", 1)[1].split("```", 2)[1]
    package = paths.ROOT / "src" / "dry_needling"
    missing = []
    for module in sorted(package.rglob("*.py")):
        if "__pycache__" in module.parts:
            continue
        name = module.name
        if module.parent != package:
            folder = module.parent.relative_to(package).as_posix()
            if f"{folder}/" not in block:
                missing.append(f"{folder}/")
        if not re.search(rf"(?<![\w.]){re.escape(name)}\b", block):
            missing.append(module.relative_to(package).as_posix())
    assert not missing, f"not in the package map of docs/maintenance.md: {missing}"


def test_the_package_docstring_lists_every_module():
    import dry_needling

    package = paths.ROOT / "src" / "dry_needling"
    names = [p.stem for p in package.glob("*.py") if p.stem != "__init__"]
    names += [p.name for p in package.iterdir() if (p / "__init__.py").is_file()]
    missing = [n for n in names if not re.search(rf"^\s+{re.escape(n)}\s+--", dry_needling.__doc__, re.M)]
    assert not missing, f"not in the package docstring: {missing}"
