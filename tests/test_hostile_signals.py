"""Signals (issue 23, 9): Ctrl-C or kill at any moment of `python -m dry_needling report` ends in one line and exit
130, including while the program is still importing and during the clean-up after a first signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from processes import alive as _alive
from processes import kernels_of as _kernels_of

from dry_needling import __main__ as cli
from dry_needling import report

pytestmark = pytest.mark.slow  # real processes, kernels


def _notebook(folder: Path, name: str, *sources: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {name}")] + [nbformat.v4.new_code_cell(s) for s in sources]
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)


@pytest.fixture
def sandbox(tmp_path):
    env = dict(os.environ, DRY_NEEDLING_NOTEBOOKS=str(tmp_path / "notebooks"),
               DRY_NEEDLING_BUILD=str(tmp_path / "build"), DRY_NEEDLING_FIGURES=str(tmp_path / "figures"),
               PYTHONUNBUFFERED="1")
    return tmp_path, env


def _catches_sigterm(pid: int) -> bool:
    """Whether the process has its own SIGTERM handler yet (Python leaves SIGTERM to the default action, so the
    bit appears when `python -m dry_needling` installs its handlers, the first thing it does)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) >> (signal.SIGTERM - 1) & 1)
    except OSError:
        pass
    return False


def _start(env: dict, cwd: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "dry_needling", "report", *args], env=env, cwd=cwd,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _handlers_installed(proc: subprocess.Popen) -> float:
    started = time.monotonic()
    while not _catches_sigterm(proc.pid):
        assert proc.poll() is None and time.monotonic() - started < 30, "the handlers were never installed"
        time.sleep(0.001)
    return time.monotonic() - started


def test_the_report_line_is_the_same_in_both_places():
    assert cli.INTERRUPTED["report"] == report.INTERRUPTED


@pytest.mark.parametrize(("delay", "signum"), [(0.0, signal.SIGINT), (0.05, signal.SIGTERM), (0.15, signal.SIGINT),
                                               (0.3, signal.SIGINT), (0.6, signal.SIGTERM)])
def test_a_signal_while_the_program_starts_is_one_line_and_130(sandbox, delay, signum):
    """From the moment the handlers exist (before argparse and every heavy import), through the imports of the
    report builder and the start of rendering: one line, exit 130, no traceback."""
    tmp, env = sandbox
    _notebook(tmp / "notebooks", "00_quick.ipynb", "1 + 1")
    proc = _start(env, tmp, "--no-execute")
    _handlers_installed(proc)
    time.sleep(delay)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    if proc.returncode == 0:  # the build finished before the signal arrived: nothing to check
        pytest.skip("the build was faster than the signal")
    assert (proc.returncode, err) == (130, report.INTERRUPTED + "\n"), err


@pytest.mark.parametrize("second", [signal.SIGINT, signal.SIGTERM])
def test_more_signals_during_the_clean_up_change_nothing(sandbox, second):
    """A build with two kernels running gets Ctrl-C, then, while it shuts the kernels down, a volley of Ctrl-C and
    kill: still one line, exit 130 (not 134 from a ZeroMQ abort, not 143), and no kernel left."""
    tmp, env = sandbox
    for name in ("00_slow.ipynb", "01_slow.ipynb"):
        _notebook(tmp / "notebooks", name, "import time\ntime.sleep(120)")
    proc = _start(env, tmp, "--force")
    deadline = time.monotonic() + 60
    while len(_kernels_of(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    kernels = _kernels_of(proc.pid)
    assert len(kernels) == 2, "the kernels did not start"
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    for _ in range(20):
        time.sleep(0.01)
        if proc.poll() is not None:
            break
        proc.send_signal(second)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (130, report.INTERRUPTED + "\n"), (proc.returncode, err)
    deadline = time.monotonic() + 5
    while any(_alive(k) for k in kernels) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [k for k in kernels if _alive(k)]


def test_an_interrupt_inside_the_import_lock_is_raised_once_the_lock_is_free(monkeypatch):
    """A KeyboardInterrupt raised while the import system holds its lock leaves the lock taken and every later
    import hangs (a build hung after a Ctrl-C 0.15 s in). The handler sends the signal again a moment later, and
    only then raises."""
    import _imp

    from dry_needling import report

    monkeypatch.setattr(report, "_INTERRUPTED", False)
    previous = signal.signal(signal.SIGINT, report._raise_interrupt)
    try:
        _imp.acquire_lock()
        try:
            report._raise_interrupt(signal.SIGINT, None)  # deferred: no exception while the lock is held
            assert report._INTERRUPTED is False
        finally:
            _imp.release_lock()
        with pytest.raises(KeyboardInterrupt):
            time.sleep(5)  # the signal comes again 20 ms later, now raised
        assert report._INTERRUPTED is True
    finally:
        signal.signal(signal.SIGINT, previous)


def test_an_interrupt_during_an_import_waits_for_the_import_to_finish(tmp_path, monkeypatch):
    """Ctrl-C while a module is being imported (NumPy's C extension printed "_multiarray_umath failed to import"
    when a SIGTERM arrived 0.6 s into a build) is sent again a moment later, once the import is done."""
    import importlib
    import threading as threads

    from dry_needling import report

    (tmp_path / "slow_module_for_signals.py").write_text(
        "import signal, sys, time\n"
        "from dry_needling import report\n"
        "report._raise_interrupt(signal.SIGINT, sys._getframe())  # arrives during this import: deferred\n"
        "INTERRUPTED_DURING_IMPORT = report._INTERRUPTED\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(report, "_INTERRUPTED", False)
    assert not report._importing(sys._getframe())   # here, outside any import
    previous = signal.signal(signal.SIGINT, report._raise_interrupt)
    assert threads.current_thread() is threads.main_thread()
    try:
        try:
            module = importlib.import_module("slow_module_for_signals")
        except KeyboardInterrupt:
            pytest.fail("the interrupt was raised inside the import")
        assert module.INTERRUPTED_DURING_IMPORT is False   # not raised inside the import
        with pytest.raises(KeyboardInterrupt):
            time.sleep(5)  # the signal comes again 20 ms later, outside the import, and is raised
        assert report._INTERRUPTED is True
    finally:
        signal.signal(signal.SIGINT, previous)
        sys.modules.pop("slow_module_for_signals", None)
