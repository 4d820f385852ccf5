"""Profile the report's HTML build (`python benchmarks/profile_report.py [N]`): the costs docs/maintenance.md lists.

Builds `report --no-execute --no-pdf` into an empty temporary build folder, as `make bench` row (j) does, but in one
process: the jobs the build gives its worker processes (pages, the explorer's assets) run in this process, one after
another, so cProfile (the standard library's profiler) sees them all. Prints the N (default 40) functions of the
package, nbconvert, BeautifulSoup, vl-convert, Altair and the data validator with the most cumulative time, and the
CPU seconds of the whole run. cProfile slows pure-Python code more than C code: the shares are indicative, and
`make bench` measures the real times.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import resource
import sys
import tempfile
from concurrent.futures import Future
from typing import Any

WATCHED = ("dry_needling|nbconvert/exporters|bs4/__init__|vl_convert|altair|frictionless/metadata|jinja2/environment|"
           "pygments/__init__|mistune/markdown")


def _in_process() -> None:
    """Worker jobs run here, at once, instead of in worker processes."""
    from dry_needling.report import workers

    def submit(self: Any, function: Any, *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(function(*args))
        except Exception as exc:  # noqa: BLE001  (handed to the build, as a worker would)
            future.set_exception(exc)
        return future

    workers.Workers.start = lambda self: None  # type: ignore[method-assign]
    workers.Workers.submit = submit  # type: ignore[method-assign]
    workers.Workers.call = submit  # type: ignore[method-assign]


def main() -> None:
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 40
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DRY_NEEDLING_BUILD"] = tmp  # an empty build folder: no cache, no previous report
        _in_process()
        from dry_needling import report

        profiler = cProfile.Profile()
        profiler.enable()
        report.build(execute_notebooks=False, pdf=False, log=lambda *_: None)
        profiler.disable()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"CPU {usage.ru_utime + usage.ru_stime:.1f} s (profiled, one process)")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(WATCHED, top)


if __name__ == "__main__":
    main()
