"""One source of truth for versions: requirements.txt; environment.yml must agree with it."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from dry_needling import paths

ROOT = paths.ROOT
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s#;]+)")


def _requirement_lines(path: Path) -> list[str]:
    lines = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            lines.append(line)
    return lines


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in _requirement_lines(path):
        if line.startswith("-r "):
            pins.update(_pins(path.parent / line[3:].strip()))
            continue
        match = PIN.match(line)
        assert match, f"{path.name}: '{line}' is not an exact pin (name==version)"
        name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
        assert name not in pins or pins[name] == match.group(2), f"{path.name}: {name} pinned twice differently"
        pins[name] = match.group(2)
    return pins


def _environment_yml() -> dict:
    """Our environment.yml, read with PyYAML (pinned in requirements.txt, which the Jupyter stack needs)."""
    import yaml

    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def test_every_requirement_is_an_exact_pin():
    runtime = _pins(ROOT / "requirements.txt")
    dev = _pins(ROOT / "requirements-dev.txt")
    for name in ["jupyterlab", "ipykernel", "ipywidgets", "nbconvert", "numpy", "pandas", "matplotlib",
                 "frictionless", "latex2mathml"]:
        assert name in runtime, f"{name} is imported by the notebooks or the package but not pinned"
    for name in ["pytest", "nbval", "ruff", "playwright", "seaborn"]:
        assert name in dev, f"{name} is used by the test suite but not pinned in requirements-dev.txt"
    assert set(runtime) <= set(dev), "requirements-dev.txt must include requirements.txt"


def test_environment_yml_installs_exactly_requirements_txt():
    env = _environment_yml()
    deps = env["dependencies"]
    pip_sections = [d["pip"] for d in deps if isinstance(d, dict) and "pip" in d]
    assert pip_sections == [["-r requirements.txt", "-e ."]], "environment.yml must pull requirements.txt via pip"
    conda = [d for d in deps if isinstance(d, str)]
    assert "pip" in conda
    python = [d for d in conda if d.startswith("python")]
    assert python == ["python=3.11"], f"environment.yml must pin python=3.11, found {python}"
    runtime = _pins(ROOT / "requirements.txt")
    for dep in conda:
        name, _, version = dep.partition("=")
        if name in runtime:
            pinned = runtime[name]
            assert version.lstrip("=") == pinned, f"environment.yml pins {dep} but requirements.txt {pinned}"


def test_python_version_matches():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.11,<3.12"
    assert sys.version_info[:2] == (3, 11), "the pins are for Python 3.11"


def test_installed_versions_match_the_pins():
    from importlib.metadata import PackageNotFoundError, version

    mismatched = []
    for name, pinned in _pins(ROOT / "requirements-dev.txt").items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            mismatched.append(f"{name} not installed")
            continue
        if installed != pinned:
            mismatched.append(f"{name} {installed} installed, {pinned} pinned")
    assert not mismatched, "; ".join(mismatched)


def test_jupyterlab_does_not_ask_about_news():
    """`make lab` loads the project's JupyterLab settings, which turn the news fetch (and its pop-up) off."""
    import json

    config = json.loads((ROOT / "jupyter_lab_config.json").read_text(encoding="utf-8"))
    assert config["LabApp"]["news_url"] is None
    assert "--config=jupyter_lab_config.json" in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_make_lab_serves_the_repository_in_a_clean_project_workspace():
    """Learners can open data/, figures/ and docs/ (the root is served), the start-here notebook opens first, and
    the layout of the machine's last JupyterLab user is not restored (a fresh workspace under build/lab/)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile[makefile.index("\nlab:"):].split("\n\n")[0]
    assert '--ServerApp.root_dir="$(CURDIR)"' in recipe and "LAB      := $(CURDIR)/build/lab" in makefile
    assert 'rm -rf "$(LAB)/workspaces"' in recipe
    assert '--LabApp.workspaces_dir="$(LAB)/workspaces"' in recipe
    assert recipe.rstrip().endswith("notebooks/00_start_here.ipynb")
    # what a real JupyterLab then shows (no news pop-up, no trust warnings): tests/test_lab.py
