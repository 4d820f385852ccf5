"""Benchmarks (measure, never pass/fail): `make bench`. Prints a Markdown table for the README.

(a) wall time of the notebook tests (strict nbval) against a floor: one bare kernel start plus
    the notebooks' imports, times the number of notebooks, over the cores used (goal <= 1.5x);
(b) a full report build (every notebook executed, pages rendered, PDF printed) against the
    notebooks' own execution time, run one after another (goal <= 1.2x);
(c) a rebuild with nothing changed, as a share of the full build (goal <= 10 %);
(e) the whole test suite (`make test`'s pytest, in parallel): its wall time against the summed durations of
    its tests, measured in one run (goal <= 0.7x);
(d) the simulation against its RNG floor: 10,000 trials x 2 arms x 100 participants, as a ratio
    to drawing the same random numbers with NumPy alone (goal <= 2x), and the slider's redraw
    time (goal < 100 ms).
(f) meta.pool (DL) over 1,000 simulated analyses of 20 studies each, as a ratio to the same DL
    arithmetic written in plain vectorised NumPy over all 1,000 at once (goal <= 3x).
(g) data validation: `python -m dry_needling validate` on the shipped data as a fresh process (cold: start-up and
    imports included; goal <= 1 s) against a fresh process that only reads the same CSV files with pandas, and
    `data.validate` on a copy of the data package whose pooled_estimates table is repeated to 200,000 rows (ids
    made unique), in a fresh process: time and peak memory (ru_maxrss), against pandas reading that table.
(a)-(c) and (e) take a few minutes; `python benchmarks/bench.py --quick` runs (d), (f) and (g) only.
"""

from __future__ import annotations

import csv
import io
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from scipy import special  # noqa: E402

from dry_needling import meta, simulate  # noqa: E402

REPEATS = 7


def _median_time(fn, repeats: int = REPEATS) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def simulation_vs_rng_floor() -> tuple[float, float]:
    trials, n = 10_000, 100
    sim = _median_time(lambda: simulate.simulate_trials(trials, n, 0.0, 1.0, 0.26, 0.01, sd=2.0, seed=1))
    floor = _median_time(lambda: simulate.draw_random_numbers(trials, n, seed=1))
    return sim, floor


def slider_redraw() -> float:
    """One slider move: re-simulate 2,000 trials, redraw the changing artists, encode the PNG."""
    from dry_needling.explorer import UnblindingExplorer

    explorer = UnblindingExplorer()
    values = iter(np.linspace(-0.9, 0.9, 1000))
    return _median_time(lambda: explorer.update(bang_active=float(next(values)), bang_sham=0.0,
                                                expectation_effect=1.0), repeats=21)


def _dl_numpy(y: np.ndarray, v: np.ndarray) -> tuple:
    """DerSimonian-Laird for every row at once, plain NumPy (plus scipy.special's ufuncs): the floor."""
    k = y.shape[1]
    u = 1 / v
    su = u.sum(1)
    q = (u * (y - ((u * y).sum(1) / su)[:, None]) ** 2).sum(1)
    tau2 = np.maximum(0, (q - (k - 1)) / (su - (u * u).sum(1) / su))
    w = 1 / (v + tau2[:, None])
    sw = w.sum(1)
    est = (w * y).sum(1) / sw
    se = np.sqrt(1 / sw)
    half = special.stdtrit(k - 2, 0.975) * np.sqrt(tau2 + se ** 2)
    return (est, se, est - 1.959964 * se, est + 1.959964 * se, 2 * special.ndtr(-np.abs(est / se)),
            special.chdtrc(k - 1, q), 100 * np.maximum(0, (q - (k - 1)) / q), 100 * w / sw[:, None],
            est - half, est + half)


def pooling_vs_numpy() -> tuple[float, float]:
    rng = np.random.default_rng(9)
    v = rng.uniform(0.02, 0.5, size=(1000, 20))
    y = rng.normal(-0.5, np.sqrt(v + 0.1))
    pooled = _median_time(lambda: meta.pool(y, v, method="DL"), repeats=21)
    floor = _median_time(lambda: _dl_numpy(y, v), repeats=21)
    return pooled, floor


ROOT = Path(__file__).resolve().parents[1]
IMPORTS = """import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from dry_needling import blinding, burden, charts, data, evidence, regulation, simulate"""


def _wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def kernel_floor() -> float:
    """One fresh kernel that runs only the notebooks' imports (median of 3)."""
    import nbformat
    from nbclient import NotebookClient

    from dry_needling.report import _kernel_config  # IPC: no "running over TCP" warning

    def once():
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(IMPORTS)]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        NotebookClient(nb, kernel_name="python3", timeout=120, config=_kernel_config()).execute()

    return _median_time(once, repeats=3)


def notebook_tests() -> float:
    books = [str(p) for p in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))]
    return _wall([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "--nbval",
                  "--nbval-current-env", "--nbval-sanitize-with", "tests/sanitize.cfg", *books])


def sequential_execution() -> float:
    """The notebooks' own execution time: each executed once, one after another, outputs discarded."""
    from dry_needling.report import execute, notebooks

    start = time.perf_counter()
    for path in notebooks():
        execute(path)
    return time.perf_counter() - start


def report_builds() -> tuple[float, float]:
    """(full build with every notebook executed, rebuild with nothing changed), each as a fresh process."""
    full = _wall([sys.executable, "-m", "dry_needling", "report", "--force"])
    again = _wall([sys.executable, "-m", "dry_needling", "report"])
    return full, again


def test_suite() -> tuple[float, float]:
    """(wall time, summed test durations) of one run of the test suite as `make test` runs it."""
    import tempfile
    import xml.etree.ElementTree as ET

    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "junit.xml"
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pytest", "-q", f"--junitxml={report}"], cwd=ROOT,
                       capture_output=True)
        wall = time.perf_counter() - start
        summed = sum(float(case.get("time", 0)) for case in ET.parse(report).iter("testcase"))
    return wall, summed


def validate_shipped_cold(repeats: int = 5) -> tuple[float, float]:
    """(median wall time of `python -m dry_needling validate`, of a fresh process reading the same CSVs with pandas)."""
    read = ("import pandas as pd, pathlib; [pd.read_csv(p, dtype=str, keep_default_na=False) "
            "for p in sorted(pathlib.Path('data').glob('*.csv'))]")
    cli = statistics.median(_wall([sys.executable, "-m", "dry_needling", "validate"]) for _ in range(repeats))
    floor = statistics.median(_wall([sys.executable, "-c", read]) for _ in range(repeats))
    return cli, floor


BIG_ROWS = 200_000
BIG_TABLE = "pooled_estimates"
_MEASURE = """import resource, sys, time
start = time.perf_counter()
{body}
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def _big_package(folder: Path, rows: int = BIG_ROWS) -> Path:
    """A copy of data/ whose BIG_TABLE has ``rows`` rows: its rows repeated, each id made unique."""
    from dry_needling import paths

    target = folder / "data"
    shutil.copytree(paths.DATA_DIR, target)
    path = target / f"{BIG_TABLE}.csv"
    header, *body = csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([f"{row[0]}_{i}", *row[1:]] for i, row in ((i, body[i % len(body)]) for i in range(rows)))
    path.write_text(out.getvalue(), encoding="utf-8")
    return target


def _measured(body: str) -> tuple[float, float]:
    """(seconds, peak MB) of ``body`` run in a fresh process, imports excluded."""
    result = subprocess.run([sys.executable, "-c", _MEASURE.format(body=body)], cwd=ROOT, check=True,
                            capture_output=True, text=True)
    seconds, peak = result.stdout.split()[-2:]
    return float(seconds), float(peak)


def validate_big() -> tuple[tuple[float, float], tuple[float, float], int]:
    """((s, MB) of data.validate on the 200,000-row package, (s, MB) of pandas reading the big table, problems)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = _big_package(Path(tmp))
        check = ("from dry_needling import data\n"
                 f"problems = data.validate({str(folder)!r})\n"
                 "assert not problems, problems[:3]")
        validated = _measured(check)
        read = _measured(f"import pandas as pd\npd.read_csv({str(folder / (BIG_TABLE + '.csv'))!r}, dtype=str, "
                         "keep_default_na=False)")
    return validated, read, BIG_ROWS


def main() -> None:
    quick = "--quick" in sys.argv
    sim, floor = simulation_vs_rng_floor()
    redraw = slider_redraw()
    pooled, pool_floor = pooling_vs_numpy()
    cores = os.cpu_count() or 1
    print(f"Machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}, "
          f"NumPy {np.__version__}; timings are medians of repeated runs where repeated")
    print()
    print("| benchmark | measured | floor | ratio | goal |")
    print("|---|---|---|---|---|")
    if not quick:
        books = len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
        tests = notebook_tests()
        kernel = kernel_floor()
        test_floor = books * kernel / 1  # nbval runs the notebooks one after another: 1 core used
        print(f"| (a) notebook tests (strict nbval, {books} notebooks) | {tests:.0f} s | {test_floor:.0f} s "
              f"({books} x {kernel:.1f} s kernel + imports, 1 core) | {tests / test_floor:.2f}x | <= 1.5x |")
        execution = sequential_execution()
        full, again = report_builds()
        print(f"| (b) full report build (execute in parallel, render, PDF) | {full:.0f} s | {execution:.0f} s "
              f"(notebooks executed one after another) | {full / execution:.2f}x | <= 1.2x |")
        print(f"| (c) rebuild with nothing changed | {again:.1f} s | {full:.0f} s (full build) | "
              f"{100 * again / full:.0f} % | <= 10 % |")
        wall, summed = test_suite()
        print(f"| (e) test suite (`make test`, {cores} workers) | {wall:.0f} s wall | {summed:.0f} s (its tests' "
              f"durations, summed) | {wall / summed:.2f}x | <= 0.7x |")
    print(f"| (d) simulation, 10,000 trials x 2 arms x 100 | {sim * 1000:.0f} ms | {floor * 1000:.0f} ms "
          f"(NumPy draws only) | {sim / floor:.2f}x | <= 2x |")
    print(f"| (d) slider redraw (2,000 trials + chart + PNG) | {redraw * 1000:.0f} ms | | | < 100 ms |")
    print(f"| (f) meta.pool (DL), 1,000 analyses x 20 studies | {pooled * 1000:.2f} ms | {pool_floor * 1000:.2f} ms "
          f"(same DL in plain NumPy) | {pooled / pool_floor:.2f}x | <= 3x |")
    cold, cold_floor = validate_shipped_cold()
    print(f"| (g) validate the shipped data (`python -m dry_needling validate`, cold) | {cold:.2f} s | "
          f"{cold_floor:.2f} s (a fresh process reading the CSVs with pandas) | {cold / cold_floor:.2f}x | <= 1 s |")
    (big, big_mb), (read, read_mb), rows = validate_big()
    print(f"| (g) `data.validate`, one table of {rows:,} rows (imports excluded) | {big:.1f} s, {big_mb:.0f} MB peak | "
          f"{read:.1f} s, {read_mb:.0f} MB (pandas reads the table) | {big / read:.1f}x | |")


if __name__ == "__main__":
    main()
