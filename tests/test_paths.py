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
