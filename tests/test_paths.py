"""Folders come from one function each, which reads its environment override at every call."""

from __future__ import annotations

import pytest

from dry_needling import paths


@pytest.mark.parametrize(("function", "variable", "default"), [
    (paths.data_dir, "DRY_NEEDLING_DATA", "data"),
    (paths.figures_dir, "DRY_NEEDLING_FIGURES", "figures"),
    (paths.notebooks_dir, "DRY_NEEDLING_NOTEBOOKS", "notebooks"),
    (paths.build_dir, "DRY_NEEDLING_BUILD", "build"),
])
def test_each_folder_reads_its_override_at_every_call(function, variable, default, monkeypatch, tmp_path):
    monkeypatch.delenv(variable, raising=False)
    assert function() == paths.ROOT / default
    monkeypatch.setenv(variable, str(tmp_path))
    assert function() == tmp_path
    monkeypatch.setenv(variable, "")  # empty means unset
    assert function() == paths.ROOT / default


def test_the_report_lives_in_the_build_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("DRY_NEEDLING_BUILD", str(tmp_path))
    assert paths.report_dir() == tmp_path / "report"


def test_notebook_files_lists_numbered_notebooks_in_order(tmp_path):
    for name in ["01_b.ipynb", "00_a.ipynb", "notes.ipynb", "1_c.ipynb"]:
        (tmp_path / name).write_text("{}")
    assert [p.name for p in paths.notebook_files(tmp_path)] == ["00_a.ipynb", "01_b.ipynb"]
    assert paths.notebook_files()[0].name == "00_start_here.ipynb"


def test_the_old_constants_still_work_with_a_deprecation_warning(monkeypatch, tmp_path):
    monkeypatch.setenv("DRY_NEEDLING_DATA", str(tmp_path))
    with pytest.deprecated_call(match=r"paths\.data_dir\(\)"):
        assert paths.DATA_DIR == tmp_path
    with pytest.deprecated_call():
        assert paths.REPORT_DIR == paths.report_dir()
    with pytest.raises(AttributeError):
        paths.NO_SUCH_DIR  # noqa: B018


def test_in_a_checkout_every_folder_is_under_the_repository(monkeypatch):
    for variable in ["DRY_NEEDLING_HOME", "DRY_NEEDLING_DATA", "DRY_NEEDLING_FIGURES"]:
        monkeypatch.delenv(variable, raising=False)
    assert paths.in_checkout() and paths.home() == paths.ROOT
    assert paths.data_dir() == paths.ROOT / "data" and paths.figures_dir() == paths.ROOT / "figures"


@pytest.fixture
def installed(monkeypatch, tmp_path):
    """The package as installed from the wheel: no checkout around it, the data package shipped inside it."""
    shipped = tmp_path / "site-packages" / "dry_needling" / "_shipped"
    (shipped / "data").mkdir(parents=True)
    (shipped / "data" / "datapackage.json").write_text("{}")
    monkeypatch.setattr(paths, "in_checkout", lambda: False)
    monkeypatch.setattr(paths, "SHIPPED", shipped)
    for variable in ["DRY_NEEDLING_HOME", "DRY_NEEDLING_DATA", "DRY_NEEDLING_FIGURES", "DRY_NEEDLING_NOTEBOOKS",
                     "DRY_NEEDLING_BUILD"]:
        monkeypatch.delenv(variable, raising=False)
    work = tmp_path / "class"
    work.mkdir()
    monkeypatch.chdir(work)
    return shipped, work


def test_an_installed_package_reads_its_shipped_data_and_writes_beside_the_notebook(installed):
    shipped, work = installed
    assert paths.home() == work
    assert paths.data_dir() == shipped / "data"
    assert paths.figures_dir() == work / "figures" and paths.build_dir() == work / "build"
    assert paths.relative(shipped / "data" / "sources.csv") == "data/sources.csv"


def test_dry_needling_home_holds_the_folders_and_its_own_data_if_it_has_one(installed, monkeypatch, tmp_path):
    shipped, _ = installed
    home = tmp_path / "course"
    monkeypatch.setenv("DRY_NEEDLING_HOME", str(home))
    assert paths.home() == home and paths.figures_dir() == home / "figures"
    assert paths.data_dir() == shipped / "data"  # no data/ of its own: the shipped one
    (home / "data").mkdir(parents=True)
    (home / "data" / "datapackage.json").write_text("{}")
    assert paths.data_dir() == home / "data"
    monkeypatch.setenv("DRY_NEEDLING_DATA", str(tmp_path / "other"))
    assert paths.data_dir() == tmp_path / "other"  # the specific override wins


def test_the_wheel_ships_the_data_package():
    """setup.py copies what data/ holds into the wheel: every file the descriptor names, the descriptor, the
    codebook (tests/test_hub.py builds the wheel and runs a notebook from it)."""
    import json
    import re

    setup = (paths.ROOT / "setup.py").read_text(encoding="utf-8")
    patterns = json.loads(re.search(r"SHIPPED = \{\"data\": (\[[^\]]*\])\}", setup).group(1))
    shipped = {p.name for pattern in patterns for p in (paths.ROOT / "data").glob(pattern)}
    descriptor = json.loads((paths.ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert {r["path"] for r in descriptor["resources"]} | {"datapackage.json", "README.md"} <= shipped
    assert "graft data" in (paths.ROOT / "MANIFEST.in").read_text(encoding="utf-8")
