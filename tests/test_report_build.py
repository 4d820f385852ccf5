"""The report build under stress: Ctrl-C, a killed parent, broken files, and its four caches.

Every build here runs on small notebooks in a temporary folder (never the repository's)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from argparse import Namespace
from pathlib import Path

import nbformat
import pytest
from processes import alive as _alive
from processes import kernels_of as _kernels_of

from dry_needling import notebooks, paths, report


def _notebook(folder: Path, name: str, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}")] + [nbformat.v4.new_code_cell(s) for s in sources]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    nbformat.write(nb, path)
    return path


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """Notebooks, figures and build folders in tmp_path, for this process and for child processes."""
    books, build = tmp_path / "notebooks", tmp_path / "build"
    monkeypatch.setenv("DRY_NEEDLING_NOTEBOOKS", str(books))
    monkeypatch.setenv("DRY_NEEDLING_BUILD", str(build))
    monkeypatch.setenv("DRY_NEEDLING_FIGURES", str(tmp_path / "figures"))
    env = dict(os.environ, DRY_NEEDLING_NOTEBOOKS=str(books), DRY_NEEDLING_BUILD=str(build),
               DRY_NEEDLING_FIGURES=str(tmp_path / "figures"))
    return Namespace(books=books, build=build, out=build / "report", env=env)


def _start_slow_build(sandbox) -> subprocess.Popen:
    """A previous report exists; a forced build of two slow notebooks is running with its kernels up."""
    for name in ("00_slow.ipynb", "01_slow.ipynb"):
        _notebook(sandbox.books, name, "import time\ntime.sleep(120)")
    report.build(execute_notebooks=False, out_dir=sandbox.out, pdf=False, log=lambda *_: None)
    proc = subprocess.Popen([sys.executable, "-m", "dry_needling", "report", "--force"], env=sandbox.env,
                            cwd=sandbox.build.parent, start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while len(_kernels_of(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(_kernels_of(proc.pid)) == 2, "the kernels did not start"
    time.sleep(1)  # the kernels are running the cells
    return proc


@pytest.mark.slow
def test_ctrl_c_stops_the_build_cleanly(sandbox):
    proc = _start_slow_build(sandbox)
    before = _snapshot(sandbox.out)
    kernels = _kernels_of(proc.pid)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    started = time.monotonic()
    try:
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert time.monotonic() - started < 10
    assert proc.returncode == 130
    assert "Traceback" not in out + err and "Error" not in err, err
    assert err.strip() == report.INTERRUPTED
    assert _snapshot(sandbox.out) == before, "the previous report must be unchanged"
    assert not [p.name for p in sandbox.build.iterdir() if p.name.startswith(report.STAGING_PREFIXES)]
    time.sleep(0.5)
    assert not [k for k in kernels if _alive(k)], "a kernel outlived the build"
    assert not any(_alive(pid) for pid in [proc.pid])


@pytest.mark.slow
def test_killing_the_build_leaves_no_process_and_the_next_build_cleans_up(sandbox):
    proc = _start_slow_build(sandbox)
    kernels = _kernels_of(proc.pid)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=10)
    time.sleep(10)
    assert not [k for k in kernels if _alive(k)], "a kernel outlived its killed parent"
    assert [p for p in sandbox.build.iterdir() if p.name.startswith(".figures-")], "the kill left a staging folder"
    for path in sandbox.books.glob("*.ipynb"):
        _notebook(sandbox.books, path.name, "1 + 1")
    lines = []
    report.build(out_dir=sandbox.out, pdf=False, log=lines.append)
    assert not [p.name for p in sandbox.build.iterdir() if p.name.startswith(report.STAGING_PREFIXES)]
    assert any("left by an interrupted build" in line for line in lines)


def test_a_kill_between_the_two_renames_is_repaired(sandbox):
    sandbox.out.with_name("report.old").mkdir(parents=True)
    (sandbox.out.with_name("report.old") / "index.html").write_text("previous")
    report.clean_stale(sandbox.out, log=lambda *_: None)
    assert (sandbox.out / "index.html").read_text() == "previous"


def test_the_swap_is_one_step_and_the_report_is_world_readable(sandbox):
    _notebook(sandbox.books, "00_a.ipynb", "1 + 1")
    sandbox.out.mkdir(parents=True)
    (sandbox.out / "stale.html").write_text("old")
    report.build(execute_notebooks=False, out_dir=sandbox.out, pdf=False, log=lambda *_: None)
    assert not (sandbox.out / "stale.html").exists()
    assert not [p for p in sandbox.build.iterdir() if p.name != "report" and p.name != "cache"]
    assert sandbox.out.stat().st_mode & 0o777 == 0o755
    assert (sandbox.out / "index.html").stat().st_mode & 0o777 == 0o644


# --- one line naming what failed --------------------------------------------------------------

def _main(capsys, **options) -> tuple[int, str]:
    code = report.main(Namespace(no_execute=options.get("no_execute", False), force=options.get("force", False)))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("content, words", [("", "the file is empty"), ('{"cells": [', "not a valid notebook")])
def test_an_empty_or_truncated_notebook_is_named(sandbox, capsys, content, words):
    _notebook(sandbox.books, "00_fine.ipynb", "1 + 1")
    (sandbox.books / "01_bad.ipynb").write_text(content)
    code, text = _main(capsys, no_execute=True)
    assert code == 1 and "Traceback" not in text
    assert f"01_bad.ipynb: {words}" in text


def test_a_dead_kernel_is_named(sandbox, capsys):
    _notebook(sandbox.books, "00_dies.ipynb", "1 + 1", "import os\nos._exit(1)")
    code, text = _main(capsys)
    assert code == 1 and "Traceback" not in text
    assert "00_dies.ipynb: the kernel died during cell 3" in text


def test_a_damaged_figure_index_is_named(sandbox, capsys, tmp_path):
    _notebook(sandbox.books, "00_a.ipynb", "1 + 1")
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "index.csv").write_text("name,title,alt\nx,a title")
    code, text = _main(capsys, no_execute=True)
    assert code == 1 and "Traceback" not in text
    assert "figures/index.csv, line 1: the header lacks source, png, svg, csv" in text.replace("\\", "/")


def test_a_read_only_build_folder_is_named(sandbox, capsys):
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    _notebook(sandbox.books, "00_a.ipynb", "1 + 1")
    sandbox.build.mkdir()
    sandbox.build.chmod(0o555)
    try:
        code, text = _main(capsys, no_execute=True)
    finally:
        sandbox.build.chmod(0o755)
    assert code == 1 and "Traceback" not in text and "cannot write" in text


def test_a_full_disk_is_one_line(sandbox, capsys, monkeypatch):
    import errno

    _notebook(sandbox.books, "00_a.ipynb", "1 + 1")

    def full(*_):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(sandbox.out))

    monkeypatch.setattr(report.publish, "swap_into_place", full)
    code, text = _main(capsys, no_execute=True)
    assert code == 1 and "Traceback" not in text
    assert "cannot write (report): No space left on device" in text
    assert not [p for p in sandbox.build.iterdir() if p.name.startswith(report.STAGING_PREFIXES)]


def test_a_truncated_cache_manifest_is_rebuilt(sandbox):
    _notebook(sandbox.books, "00_a.ipynb", "1 + 1")
    (sandbox.build / "cache").mkdir(parents=True)
    (sandbox.build / "cache" / report.CACHE_FILE).write_text('{"00_a.ipynb": {"key"')
    lines = []
    report.build(out_dir=sandbox.out, pdf=False, log=lines.append)
    assert any("unreadable" in line and "empty cache" in line for line in lines)
    assert any("00_a.ipynb: executed" in line for line in lines)


def test_invalid_data_prints_only_the_located_lines(sandbox, capsys, data_copy, monkeypatch):
    from conftest import replace_in

    _notebook(sandbox.books, "00_a.ipynb", "1 + 1")
    replace_in(data_copy / "sources.csv", "2026-11-28", "28/11/2026")
    monkeypatch.setenv("DRY_NEEDLING_DATA", str(data_copy))
    code, text = _main(capsys, no_execute=True)
    assert code == 1 and "Traceback" not in text and "DataValidationError" not in text
    assert "sources.csv, line 2, column 'accessed'" in text


# --- the four caches ---------------------------------------------------------------------------

def _statuses(lines: list[str]) -> dict[str, str]:
    return {line.split(":")[0].strip(): line.split(":")[1].split()[0] for line in lines if ".ipynb:" in line}


def test_each_input_forces_re_execution_and_a_no_op_build_reuses_everything(sandbox, monkeypatch, data_copy,
                                                                            tmp_path):
    monkeypatch.setenv("DRY_NEEDLING_DATA", str(data_copy))
    package = tmp_path / "package"
    shutil.copytree(report.cache.PACKAGE_DIR, package, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(report.cache, "PACKAGE_DIR", package)
    _notebook(sandbox.books, "00_a.ipynb", "print(1 + 1)")

    def build() -> tuple[dict[str, str], list[str]]:
        lines: list[str] = []
        report.build(out_dir=sandbox.out, pdf=False, log=lines.append)
        return _statuses(lines), lines

    assert build()[0] == {"00_a.ipynb": "executed"}
    statuses, lines = build()
    assert statuses == {"00_a.ipynb": "reused"}
    assert any("rendered 0 of 1 pages" in line for line in lines), lines
    manifest = json.loads((sandbox.build / "cache" / report.CACHE_FILE).read_text())
    assert set(manifest["_pages"]) == {"00_a.html", "sources.html"}

    (data_copy / "article_figures.csv").write_text((data_copy / "article_figures.csv").read_text() + "\n")
    assert build()[0] == {"00_a.ipynb": "executed"}, "a changed CSV"
    (package / "simulate.py").write_text((package / "simulate.py").read_text() + "\n# changed\n")
    assert build()[0] == {"00_a.ipynb": "executed"}, "a changed package module"
    monkeypatch.setattr(notebooks, "WIDGET_NOTE", notebooks.WIDGET_NOTE + " (changed)")
    assert build()[0] == {"00_a.ipynb": "executed"}, "a changed normaliser"
    assert build()[0] == {"00_a.ipynb": "reused"}


def test_hand_edited_outputs_and_a_deleted_figure_force_re_execution(sandbox):
    figures = Path(os.environ["DRY_NEEDLING_FIGURES"])
    path = _notebook(sandbox.books, "00_a.ipynb", "print('computed')")
    manifest = {"00_a.ipynb": report.cache_entry(path)}
    assert report.why_execute(path, manifest) == "a cell has no stored output"
    nb = nbformat.read(path, as_version=4)
    nb.cells[1].execution_count = 1
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="computed\n")]
    nbformat.write(nb, path)
    manifest = {"00_a.ipynb": report.cache_entry(path)}
    assert report.why_execute(path, manifest) is None
    nb.cells[1].outputs[0]["text"] = "edited by hand\n"
    nbformat.write(nb, path)
    assert report.why_execute(path, manifest) == "stored outputs were edited"

    figures.mkdir(parents=True, exist_ok=True)
    for suffix in (".png", ".svg", ".csv"):
        (figures / f"chart{suffix}").write_text("x")
    figure_book = _notebook(sandbox.books, "01_fig.ipynb", 'charts.save_figure(fig, "chart", alt="...", source="s")')
    nb = nbformat.read(figure_book, as_version=4)
    nb.cells[1].execution_count = 1
    nbformat.write(nb, figure_book)
    manifest = {"01_fig.ipynb": report.cache_entry(figure_book)}
    assert report.why_execute(figure_book, manifest) is None
    (figures / "chart.svg").unlink()
    assert report.why_execute(figure_book, manifest) == "a figure file is missing"


def test_page_sources_and_pdf_keys_change_with_their_inputs(tmp_path):
    nb = {"cells": [], "metadata": {}}
    base = report.page_key(nb, "<nav>", {"a": "alt"})
    assert base == report.page_key(nb, "<nav>", {"a": "alt"})
    assert base != report.page_key(nb, "<nav2>", {"a": "alt"})
    assert base != report.page_key(nb, "<nav>", {"a": "other alt"})
    assert base != report.page_key({"cells": [{"cell_type": "markdown", "source": "x"}], "metadata": {}},
                                    "<nav>", {"a": "alt"})
    page = tmp_path / "00.html"
    page.write_text("one")
    key = report.pdf_key([page], [{"name": "a"}])
    assert key == report.pdf_key([page], [{"name": "a"}])
    assert key != report.pdf_key([page], [{"name": "b"}])
    page.write_text("two")
    assert key != report.pdf_key([page], [{"name": "a"}])
    assert report.fingerprint(b"ab", b"c") != report.fingerprint(b"a", b"bc")
    assert report.fingerprint(tmp_path / "missing.csv") != report.fingerprint(tmp_path / "other.csv")


def test_a_jupyterlab_save_changes_nothing_in_the_report(sandbox, tmp_path):
    """Notebook 03 run and saved in JupyterLab: the widget output is stored as a view with a fresh model id
    and language_info gains the Python patch version. The build reuses it and still shows the note."""
    original = paths.ROOT / "notebooks" / "03_why_blinding_is_hard.ipynb"
    sandbox.books.mkdir()
    path = sandbox.books / original.name
    shutil.copy(original, path)
    monkeypatch_figures = Path(os.environ["DRY_NEEDLING_FIGURES"])
    shutil.copytree(paths.ROOT / "figures", monkeypatch_figures)
    (sandbox.build / "cache").mkdir(parents=True)
    (sandbox.build / "cache" / report.CACHE_FILE).write_text(json.dumps({path.name: report.cache_entry(path)}))

    nb = json.loads(path.read_text(encoding="utf-8"))
    saved = 0
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            if output.get("data", {}).get("text/plain") in (notebooks.WIDGET_NOTE, [notebooks.WIDGET_NOTE]):
                output["data"] = {notebooks.WIDGET_MIME: {"model_id": "4f2b0c9e8d7a6b5c", "version_major": 2,
                                                       "version_minor": 0},
                                  "text/plain": "VBox(children=(HBox(children=(FloatSlider(value=0.0)))))"}
                saved += 1
    assert saved, "notebook 03 stores no widget note any more: update this test"
    nb["metadata"].setdefault("language_info", {})["version"] = "3.11.9"
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    lines = []
    report.build(out_dir=sandbox.out, pdf=False, log=lines.append)
    assert _statuses(lines) == {path.name: "reused"}, lines
    page = (sandbox.out / "03_why_blinding_is_hard.html").read_text(encoding="utf-8")
    assert 'id="unblinding-explorer"' in page  # the in-page explorer stands where the note was
    assert "VBox(children" not in page and "4f2b0c9e8d7a6b5c" not in page


def test_the_explorer_page_rendered_again_in_a_rebuild_keeps_its_explorer(sandbox):
    """A rebuild copies an unchanged page without making the in-page explorer (its key holds what the explorer is
    made from); a page that changed is rendered with it, the same as in a build from scratch."""
    original = paths.ROOT / "notebooks" / "03_why_blinding_is_hard.ipynb"
    sandbox.books.mkdir()
    path = sandbox.books / original.name
    shutil.copy(original, path)
    shutil.copytree(paths.ROOT / "figures", Path(os.environ["DRY_NEEDLING_FIGURES"]))
    page = sandbox.out / "03_why_blinding_is_hard.html"
    report.build(execute_notebooks=False, out_dir=sandbox.out, pdf=False, log=lambda *_: None)
    first = page.read_text(encoding="utf-8")
    explorer = first[first.index('<div class="explorer" id="unblinding-explorer">'):]
    explorer = explorer[:explorer.index('<div id="explorer-controls">')]
    assert "Try it here" in explorer and "bias = " in explorer

    lines: list[str] = []
    report.build(execute_notebooks=False, out_dir=sandbox.out, pdf=False, log=lines.append)
    assert page.read_text(encoding="utf-8") == first and any("rendered 0 of 1 pages" in line for line in lines), lines

    nb = json.loads(path.read_text(encoding="utf-8"))
    markdown = next(cell for cell in nb["cells"] if cell["cell_type"] == "markdown")
    markdown["source"] = ["# An edited title\n"]
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    lines.clear()
    report.build(execute_notebooks=False, out_dir=sandbox.out, pdf=False, log=lines.append)
    again = page.read_text(encoding="utf-8")
    assert any("rendered 1 of 1 pages" in line for line in lines), lines
    assert "An edited title" in again and explorer in again
