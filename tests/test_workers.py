"""The build's page workers (issue 27): one process started, the others forked from it once its renderer is made and
warmed up; every worker gets its own jobs, they all end with the build, and a warmed-up renderer makes the same
bytes as a cold one."""

from __future__ import annotations

import time

import pytest
from processes import alive

from dry_needling import paths
from dry_needling.report import render
from dry_needling.report.workers import Workers

pytestmark = pytest.mark.slow  # real processes

# A job any worker can run (a built-in, so it pickles by name): hold the worker a moment, then say who ran it.
WHO = "(__import__('time').sleep(0.5), __import__('os').getpid(), __import__('os').getppid())[1:]"


def _who_ran(pool: Workers, jobs: int) -> list[tuple[int, int]]:
    futures = [pool.call(eval, WHO) for _ in range(jobs)]
    return [future.result(timeout=60) for future in futures]


def test_three_workers_are_one_process_started_and_two_forked_from_it():
    with Workers(3) as pool:
        first = pool._processes[0].pid
        ran = _who_ran(pool, 3)   # three jobs that each hold a worker: one each
        assert len(pool._processes) == 1
        assert sorted(pid for pid, _ in ran) == sorted({pid for pid, _ in ran})   # three different processes
        # the first worker ran one job, and the two others are its children
        assert sorted((pid == first, parent == first) for pid, parent in ran) == [(False, True), (False, True),
                                                                                  (True, False)]
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid, _ in ran) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid, _ in ran if alive(pid)], "a worker outlived its pool"


def test_stopping_the_first_worker_stops_its_clones_at_once():
    """Ctrl-C during a build kills the first worker (``close(cancel=True)``); a clone busy with a long job must not
    keep running until its job ends."""
    with Workers(2) as pool:
        first = pool._processes[0].pid
        ran = _who_ran(pool, 2)
        clone = next(pid for pid, _ in ran if pid != first)
        pool.call(eval, "__import__('time').sleep(60)")
        pool.call(eval, "__import__('time').sleep(60)")
        time.sleep(0.5)   # both workers busy
        started = time.monotonic()
        pool.close(cancel=True)
    while alive(clone) and time.monotonic() - started < 5:
        time.sleep(0.05)
    assert not alive(clone) and time.monotonic() - started < 5


def test_a_warmed_up_renderer_makes_the_same_page_as_a_cold_one():
    path = paths.notebook_files()[0]
    job = render.PageJob(path.with_suffix(".html").name, "Start", path.read_text(encoding="utf-8"), {}, {},
                         paths.figures_dir())
    cold = render.PageRenderer().render(job)
    warm = render.PageRenderer()
    warm.warm_up()
    assert warm.render(job) == cold
