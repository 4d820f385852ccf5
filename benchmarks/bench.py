"""Benchmarks (measure, never pass/fail): `make bench`. Prints a Markdown table for the README.

(a) wall time of the notebook tests (strict nbval) against a floor: one bare kernel start plus
    the notebooks' imports, times the number of notebooks, over the cores used (goal <= 1.5x);
(b) a full report build (every notebook executed, pages rendered, PDF printed) against the
    notebooks executed once each, in parallel on the same cores, outputs discarded (goal <= 1.2x);
(c) a rebuild with nothing changed, as a share of the full build (goal <= 10 %);
(e) the whole test suite (`make test`'s pytest, in parallel): its wall time against the summed durations of
    its tests, measured in one run (goal <= 0.7x);
(d) the simulation against its RNG floor: 10,000 trials x 2 arms x 100 participants, as a ratio
    to drawing the same random numbers with NumPy alone (goal <= 2x), and the slider's redraw
    time (goal < 100 ms).
(f) meta.pool (DL) over 1,000 simulated analyses of 20 studies each, as a ratio to the same DL
    arithmetic written in plain vectorised NumPy over all 1,000 at once (goal <= 3x); REML's cost on the same
    analyses (as a multiple of DL), and REML over 1,000 random mm-scale analyses of 4 trials (every row must
    converge; how many needed the bounded search).
(g) sizing a class on a JupyterHub: the peak memory (RSS) and CPU seconds of one kernel after running each
    notebook, the memory of one idle single-user Jupyter server, and the memory N kernels (default 10) really use
    when they run the heaviest notebook at the same time (sampled from /proc/meminfo, not one kernel times N);
    prints how many concurrent students fit in 8 GB and 16 GB. `--class` runs (g) only; `--kernels N` sets N.
(i) a class on a real JupyterHub (`make test-hub`'s hub test, tests/test_hub.py): ten students, each with a
    single-user server started by SimpleLocalProcessSpawner, pull the student edition with nbgitpuller and run notebook
    03 at the same time through the hub's proxy; the peak memory per student (server + kernel, PSS and RSS) and of the
    whole hub (hub, proxy, servers, kernels), sampled every 0.5 s, and the wall times. `--hub` runs (i) only;
    otherwise (i) reports the last run's build/bench/hub.json when there is one, and runs the test when there is not.
(h) data validation: `python -m dry_needling validate` on the shipped data as a fresh process (cold: start-up and
    imports included; goal <= 1 s) against a fresh process that only reads the same CSV files with pandas, and
    `data.validate` on a copy of the data package whose pooled_estimates table is repeated to 200,000 rows (ids
    made unique), in a fresh process: time and peak memory (ru_maxrss), against pandas reading that table.
(j) the report beside Jupyter Book 1.0.4 (Sphinx, myst-nb, sphinx-book-theme; notebooks not executed), on the same
    seven notebooks with their stored outputs, in one run: Jupyter Book is installed by pip from the package registry
    into a temporary virtual environment (never a project dependency; about a minute), set up to build offline (a local
    mathjax_path, no widget scripts from a CDN), and timed building the book into an empty folder; ours is
    `python -m dry_needling report --no-execute` into an empty build folder, once with `--no-pdf` (the HTML: goal
    <= 1.0x Jupyter Book's wall time) and once with both PDFs (goal <= 2.0x). Each is a fresh process, Python start-up
    included; the three alternate, REPEATS_PEER times, and the medians are compared (the machine is shared, so the
    ratios are measured side by side). The CPU seconds of each (the process and its children) are printed too.
    `--peer` runs (j) only.
(l) the fast loop: `pytest -m "not slow"` (no kernel, browser or build) with the suite's own options (a worker per
    core), median of 3, and once in one process (`-n 0`); goal under 20 s. `--fast-loop` runs (l) only.
(a)-(c) and (e) take a few minutes; `python benchmarks/bench.py --quick` runs (d), (f), (h) and (l) only.
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
import numpy as np
from scipy import special

from dry_needling import meta, paths, simulate

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
    z = special.ndtri(0.975)
    return (est, se, est - z * se, est + z * se, 2 * special.ndtr(-np.abs(est / se)),
            special.chdtrc(k - 1, q), 100 * np.maximum(0, (q - (k - 1)) / q), 100 * w / sw[:, None],
            est - half, est + half)


def pooling_vs_numpy() -> tuple[float, float]:
    rng = np.random.default_rng(9)
    v = rng.uniform(0.02, 0.5, size=(1000, 20))
    y = rng.normal(-0.5, np.sqrt(v + 0.1))
    pooled = _median_time(lambda: meta.pool(y, v, method="DL"), repeats=21)
    floor = _median_time(lambda: _dl_numpy(y, v), repeats=21)
    return pooled, floor


def reml_cost() -> tuple[float, float, float, int, int]:
    """REML against DL on the same 1,000 analyses x 20 studies, and REML on 1,000 random analyses of 4 trials on a
    0-100 mm scale (the shape of notebook 06's analyses): times and how many rows needed the bounded search."""
    rng = np.random.default_rng(9)
    v = rng.uniform(0.02, 0.5, size=(1000, 20))
    y = rng.normal(-0.5, np.sqrt(v + 0.1))
    reml = _median_time(lambda: meta.pool(y, v, method="REML"), repeats=7)
    dl = _median_time(lambda: meta.pool(y, v, method="DL"), repeats=21)
    n1, n2 = rng.integers(10, 150, size=(2, 1000, 4))
    sd = rng.uniform(5, 35, size=(1000, 4))
    vm = sd ** 2 * (1 / n1 + 1 / n2)
    ym = np.clip(rng.normal(-10, rng.uniform(0, 15, size=(1000, 1)), size=(1000, 4)) + rng.normal(0, np.sqrt(vm)),
                 -100, 100)
    mm = _median_time(lambda: meta.pool(ym, vm, method="REML"), repeats=7)
    fits = meta.pool(ym, vm, method="REML").tau2_fit
    return reml, dl, mm, sum(f == "bounded search" for f in fits), sum(f == "failed" for f in fits)


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

    from dry_needling.report import kernel_config  # IPC: no "running over TCP" warning

    def once():
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(IMPORTS)]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        NotebookClient(nb, kernel_name="python3", timeout=120, config=kernel_config()).execute()

    return _median_time(once, repeats=3)


def notebook_tests() -> float:
    books = [str(p) for p in paths.notebook_files(ROOT / "notebooks")]
    return _wall([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", "--nbval",
                  "--nbval-current-env", "--nbval-sanitize-with", "tests/sanitize.cfg", *books])


def parallel_execution() -> float:
    """The floor for a full build: every notebook executed once, in parallel on the same cores and with the same
    scheduler as the build (one kernel per core), figures to a temporary folder, outputs discarded, nothing
    rendered or printed."""
    import tempfile

    from dry_needling.notebooks import collection
    from dry_needling.report import execute_all

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        execute_all(collection(), Path(tmp), log=lambda *_: None)
        return time.perf_counter() - start


def report_builds() -> tuple[float, float]:
    """(full build with every notebook executed, rebuild with nothing changed), each as a fresh process."""
    full = _wall([sys.executable, "-m", "dry_needling", "report", "--force"])
    again = _wall([sys.executable, "-m", "dry_needling", "report"])
    return full, again


def fast_loop(repeats: int = 3) -> tuple[float, float]:
    """(median wall time of `pytest -m "not slow"` with the suite's options, wall time of one run with `-n 0`)."""
    loop = [sys.executable, "-m", "pytest", "-q", "-m", "not slow"]
    return statistics.median(_wall(loop) for _ in range(repeats)), _wall([*loop, "-n", "0"])


def print_fast_loop() -> None:
    wall, one = fast_loop()
    print(f"| (l) fast loop (`pytest -m 'not slow'`, {os.cpu_count() or 1} workers; median of 3) | {wall:.1f} s | "
          f"{one:.1f} s in one process (`-n 0`) | | < 20 s |")


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


USAGE_CELL = """import json, resource
_usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"peak_rss_mb": _usage.ru_maxrss / 1024, "cpu_s": _usage.ru_utime + _usage.ru_stime}))"""


def _with_usage_cell(source: Path, folder: Path) -> Path:
    """A copy of ``source`` whose last cell prints the kernel's own peak RSS and CPU seconds."""
    import json

    nb = json.loads(source.read_text(encoding="utf-8"))
    nb["cells"].append({"cell_type": "code", "execution_count": None, "id": "bench-usage", "metadata": {},
                        "outputs": [], "source": USAGE_CELL})
    target = folder / source.name
    target.write_text(json.dumps(nb), encoding="utf-8")
    return target


def _usage(nb) -> dict:
    import json

    return json.loads("".join(o.get("text", "") for o in nb.cells[-1].outputs))


def _available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no MemAvailable in /proc/meminfo")


def _run_kernels(books: list[Path], env: dict) -> list:
    """Run every notebook in ``books`` at the same time, one kernel each; return the executed notebooks."""
    import asyncio

    from dry_needling.report import execute_async

    async def run_all():
        return await asyncio.gather(*(execute_async(b, env=env) for b in books))
    return asyncio.run(run_all())


def server_rss_mb() -> float:
    """Resident memory of one idle JupyterLab server (what each student's single-user server costs on a hub)."""
    import re
    import signal
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.port=0",
             f"--ServerApp.root_dir={ROOT}", "--ServerApp.token=bench", f"--LabApp.workspaces_dir={tmp}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=tmp)
        try:
            deadline = time.monotonic() + 60
            for line in process.stderr:
                if "is running at" in line or time.monotonic() > deadline:
                    break
            time.sleep(2)
            status = Path(f"/proc/{process.pid}/status").read_text()
            return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def class_sizing(n_kernels: int = 10) -> None:
    """(g): per-notebook kernel peak RSS and CPU, then ``n_kernels`` kernels at once on the heaviest notebook."""
    import tempfile
    import threading

    from dry_needling.notebooks import collection

    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, DRY_NEEDLING_FIGURES=str(Path(tmp) / "figures"))  # never the repository's figures
        copies = [_with_usage_cell(p, Path(tmp)) for p in collection()]
        print("| notebook | kernel peak RSS | kernel CPU |")
        print("|---|---|---|")
        single = {}
        for path in copies:
            usage = _usage(_run_kernels([path], env)[0])
            single[path.name] = usage
            print(f"| {path.stem} | {usage['peak_rss_mb']:.0f} MB | {usage['cpu_s']:.1f} s |")
        heaviest = max(single, key=lambda k: single[k]["peak_rss_mb"])
        server = server_rss_mb()
        print(f"\nOne idle JupyterLab server (a student's single-user server on a hub): {server:.0f} MB")

        # n kernels at once, each running the heaviest notebook; memory sampled from the system, not multiplied
        samples, stop = [], threading.Event()

        def sample():
            while not stop.is_set():
                samples.append(_available_mb())
                time.sleep(0.05)

        before = _available_mb()
        sampler = threading.Thread(target=sample)
        sampler.start()
        start = time.perf_counter()
        try:
            runs = _run_kernels([path for path in copies if path.name == heaviest] * n_kernels, env)
        finally:
            stop.set()
            sampler.join()
        wall = time.perf_counter() - start
        used = before - min(samples)
        per_kernel = used / n_kernels
        rss_sum = sum(_usage(nb)["peak_rss_mb"] for nb in runs)
        cpu = sum(_usage(nb)["cpu_s"] for nb in runs)
        print(f"{n_kernels} kernels at once on {heaviest}: {used:.0f} MB of system memory at the peak "
              f"({per_kernel:.0f} MB per kernel; their peak RSS summed {rss_sum:.0f} MB, shared pages counted "
              f"{n_kernels} times), {cpu:.0f} CPU s in {wall:.0f} s wall on {os.cpu_count()} cores")
        per_student = per_kernel + server
        reserve = 1024  # the operating system, JupyterHub and its proxy
        print(f"Per student (one running kernel + one server): about {per_student:.0f} MB; keeping "
              f"{reserve} MB for the system and the hub:")
        for gb in (8, 16):
            print(f"  {gb} GB: {int((gb * 1024 - reserve) // per_student)} concurrent students")


HUB_RESULTS = ROOT / "build" / "bench" / "hub.json"


def hub_class(run: bool) -> None:
    """(i): the hub test's memory and timings (running it first when asked or when it has never run)."""
    import json

    if run or not HUB_RESULTS.is_file():
        subprocess.run([sys.executable, "-m", "pytest", "tests/test_hub.py", "-m", "hub", "-n", "0", "-q", "-k",
                        "class_of_ten"], cwd=ROOT, check=True)
    r = json.loads(HUB_RESULTS.read_text(encoding="utf-8"))
    pss = sorted(m["pss"] for m in r["per_student_peak_mb"].values())
    print(f"{r['students']} students on JupyterHub, {r['notebook']} run by all at once ({r['cores']} cores):")
    print("| measure | value |")
    print("|---|---|")
    print(f"| per student at the peak (server + kernel), PSS | {r['per_student_peak_pss_mb_mean']} MB "
          f"(range {pss[0]}-{pss[-1]} MB) |")
    print(f"| per student at the peak, RSS (shared pages counted in each) | {r['per_student_peak_rss_mb_mean']} MB |")
    print(f"| whole hub at the peak (hub, proxy, {r['students']} servers and kernels), PSS | "
          f"{r['hub_total_peak_pss_mb']} MB |")
    print(f"| whole hub idle with {r['students']} servers started, PSS | {r['hub_total_idle_pss_mb']} MB |")
    for name, seconds in r["seconds"].items():
        print(f"| {name} | {seconds:.0f} s |")
    print(f"| slowest student's notebook 03, all running at once | {r['notebook_seconds_max']:.0f} s |")


JUPYTER_BOOK = "jupyter-book==1.0.4"
REPEATS_PEER = 3
PEER_CONFIG = """title: Dry needling for back pain (peer benchmark)
author: benchmark
only_build_toc_files: true
execute:
  execute_notebooks: "off"
launch_buttons:
  notebook_interface: ""
  binderhub_url: ""
sphinx:
  config:
    mathjax_path: mathjax/tex-chtml.js
    nb_ipywidgets_js: {}
"""


def _timed(command: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the process and the children it waited for) of one run of ``command``."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _peer_book(folder: Path, books: list[Path]) -> Path:
    """A Jupyter Book project of ``books`` (copied with their stored outputs) in ``folder``."""
    book = folder / "book"
    book.mkdir()
    for path in books:
        shutil.copy2(path, book / path.name)
    (book / "_config.yml").write_text(PEER_CONFIG, encoding="utf-8")
    stems = [p.stem for p in books]
    (book / "_toc.yml").write_text("format: jb-book\nroot: " + stems[0] + "\nchapters:\n"
                                   + "".join(f"- file: {stem}\n" for stem in stems[1:]), encoding="utf-8")
    return book


def peer_comparison(repeats: int = REPEATS_PEER) -> dict[str, tuple[float, float]]:
    """(j): {name: (median wall s, median CPU s)} for Jupyter Book, our HTML and our whole report."""
    from dry_needling.notebooks import collection

    books = collection(ROOT / "notebooks")
    times: dict[str, list[tuple[float, float]]] = {"jupyter-book": [], "ours-html": [], "ours-full": []}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        venv = folder / "peer-venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", JUPYTER_BOOK], check=True, capture_output=True)
        book = _peer_book(folder, books)
        peer = [str(venv / "bin" / "jupyter-book"), "build", str(book)]
        ours = [sys.executable, "-m", "dry_needling", "report", "--no-execute"]

        def run(name: str, k: int) -> None:
            if name == "jupyter-book":
                shutil.rmtree(book / "_build", ignore_errors=True)
                times[name].append(_timed(peer, folder))
            else:
                build = folder / f"build-{name}-{k}"  # an empty build folder: no cache, no previous report
                env = dict(os.environ, DRY_NEEDLING_BUILD=str(build))
                times[name].append(_timed(ours + (["--no-pdf"] if name == "ours-html" else []), ROOT, env))
                shutil.rmtree(build, ignore_errors=True)

        for name in times:  # once each first: byte-compiles the peer's fresh environment, warms the disk cache
            run(name, -1)
            times[name].clear()
        for k in range(repeats):
            for name in times:
                run(name, k)
    return {name: (statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs))
            for name, runs in times.items()}


def print_peer_rows(result: dict[str, tuple[float, float]]) -> None:
    (jb, jb_cpu), (html, html_cpu), (full, full_cpu) = (result["jupyter-book"], result["ours-html"],
                                                        result["ours-full"])
    print(f"| (j) our HTML for the 7 notebooks (`report --no-execute --no-pdf`, empty build folder) | {html:.1f} s "
          f"({html_cpu:.1f} CPU s) | {jb:.1f} s ({jb_cpu:.1f} CPU s): Jupyter Book 1.0.4, the same notebooks | "
          f"{html / jb:.2f}x | <= 1.0x |")
    print(f"| (j) our whole report with both PDFs (`report --no-execute`, empty build folder) | {full:.1f} s "
          f"({full_cpu:.1f} CPU s) | {jb:.1f} s (Jupyter Book, HTML) | {full / jb:.2f}x | <= 2.0x |")


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
    shutil.copytree(paths.data_dir(), target)
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


def stop_under_load(repeats: int = 3) -> tuple[float, float]:
    """(k) Ctrl-C during `python -m dry_needling report --force` with two kernels busy and every core loaded by
    other work: seconds from SIGINT until the build has exited (median), and the slowest of the runs. The floor is
    the 1 s within which ipykernel ends a kernel whose parent is gone."""
    import signal
    import subprocess
    import tempfile

    import nbformat

    def kernels_of(pid: int) -> int:
        count = 0
        for proc in Path("/proc").iterdir():
            try:
                if proc.name.isdigit() and f"JPY_PARENT_PID={pid}".encode() in (proc / "environ").read_bytes():
                    count += 1
            except OSError:
                continue
        return count

    times = []
    load = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)]
    try:
        for _ in range(repeats):
            with tempfile.TemporaryDirectory() as tmp:
                books = Path(tmp) / "notebooks"
                books.mkdir()
                for name in ("00_busy.ipynb", "01_busy.ipynb"):
                    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Busy"),
                                                         nbformat.v4.new_code_cell("while True: sum(range(10**6))")])
                    nbformat.write(nb, books / name)
                env = dict(os.environ, DRY_NEEDLING_NOTEBOOKS=str(books), DRY_NEEDLING_BUILD=f"{tmp}/build",
                           DRY_NEEDLING_FIGURES=f"{tmp}/figures")
                proc = subprocess.Popen([sys.executable, "-m", "dry_needling", "report", "--force"], env=env,
                                        cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                deadline = time.monotonic() + 120
                while kernels_of(proc.pid) < 2 and time.monotonic() < deadline:
                    time.sleep(0.2)
                time.sleep(1)
                start = time.perf_counter()
                proc.send_signal(signal.SIGINT)
                proc.wait(timeout=120)
                times.append(time.perf_counter() - start)
    finally:
        for busy in load:
            busy.kill()
            busy.wait()
    return statistics.median(times), max(times)


def main() -> None:
    if "--peer" in sys.argv:
        print(f"Load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        result = peer_comparison()
        print("| benchmark | measured | floor | ratio | goal |")
        print("|---|---|---|---|---|")
        print_peer_rows(result)
        print(f"Load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return
    if "--hub" in sys.argv:
        hub_class(run=True)
        return
    if "--fast-loop" in sys.argv:
        print(f"Load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        print_fast_loop()
        print(f"Load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        return
    if "--class" in sys.argv:
        n = int(sys.argv[sys.argv.index("--kernels") + 1]) if "--kernels" in sys.argv else 10
        class_sizing(n)
        return
    quick = "--quick" in sys.argv
    sim, floor = simulation_vs_rng_floor()
    redraw = slider_redraw()
    pooled, pool_floor = pooling_vs_numpy()
    reml, reml_dl, reml_mm, bounded, failed = reml_cost()
    cores = os.cpu_count() or 1
    print(f"Machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}, "
          f"NumPy {np.__version__}; timings are medians of repeated runs where repeated; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    print()
    print("| benchmark | measured | floor | ratio | goal |")
    print("|---|---|---|---|---|")
    if not quick:
        books = len(paths.notebook_files(ROOT / "notebooks"))
        tests = notebook_tests()
        kernel = kernel_floor()
        test_floor = books * kernel / 1  # nbval runs the notebooks one after another: 1 core used
        print(f"| (a) notebook tests (strict nbval, {books} notebooks) | {tests:.0f} s | {test_floor:.0f} s "
              f"({books} x {kernel:.1f} s kernel + imports, 1 core) | {tests / test_floor:.2f}x | <= 1.5x |")
        execution = parallel_execution()
        full, again = report_builds()
        print(f"| (b) full report build (execute in parallel, render, PDF) | {full:.0f} s | {execution:.0f} s "
              f"(notebooks executed in parallel, {cores} cores) | {full / execution:.2f}x | <= 1.2x |")
        print(f"| (c) rebuild with nothing changed | {again:.1f} s | {full:.0f} s (full build) | "
              f"{100 * again / full:.0f} % | <= 10 % |")
        wall, summed = test_suite()
        print(f"| (e) test suite (`make test`, {cores} workers) | {wall:.0f} s wall | {summed:.0f} s (its tests' "
              f"durations, summed) | {wall / summed:.2f}x | <= 0.7x |")
        print_peer_rows(peer_comparison())
    print(f"| (d) simulation, 10,000 trials x 2 arms x 100 | {sim * 1000:.0f} ms | {floor * 1000:.0f} ms "
          f"(NumPy draws only) | {sim / floor:.2f}x | <= 2x |")
    print(f"| (d) slider redraw (2,000 trials + chart + PNG) | {redraw * 1000:.0f} ms | | | < 100 ms |")
    print(f"| (f) meta.pool (DL), 1,000 analyses x 20 studies | {pooled * 1000:.2f} ms | {pool_floor * 1000:.2f} ms "
          f"(same DL in plain NumPy) | {pooled / pool_floor:.2f}x | <= 3x |")
    print(f"| (f) meta.pool (REML), the same 1,000 analyses | {reml * 1000:.1f} ms | {reml_dl * 1000:.2f} ms "
          f"(meta.pool DL) | {reml / reml_dl:.1f}x | (cost reported) |")
    print(f"| (f) meta.pool (REML), 1,000 random mm-scale analyses of 4 trials | {reml_mm * 1000:.1f} ms | | "
          f"{bounded} rows by bounded search, {failed} failed | every row converges |")
    cold, cold_floor = validate_shipped_cold()
    print(f"| (h) validate the shipped data (`python -m dry_needling validate`, cold) | {cold:.2f} s | "
          f"{cold_floor:.2f} s (a fresh process reading the CSVs with pandas) | {cold / cold_floor:.2f}x | <= 1 s |")
    (big, big_mb), (read, read_mb), rows = validate_big()
    print(f"| (h) `data.validate`, one table of {rows:,} rows (imports excluded) | {big:.1f} s, {big_mb:.0f} MB peak | "
          f"{read:.1f} s, {read_mb:.0f} MB (pandas reads the table) | {big / read:.1f}x | |")
    print_fast_loop()
    if not quick or "--stop" in sys.argv:
        stop, slowest = stop_under_load()
        print(f"| (k) Ctrl-C during a build, two kernels busy, every core loaded | {stop:.1f} s to exit (slowest "
              f"{slowest:.1f} s) | 1 s (a kernel ends within 1 s of its parent) | {stop:.1f}x | <= 2 s |")
    if not quick:
        print("\n(g) Sizing a class on a JupyterHub: one notebook's kernel at a time, then ten kernels at once\n")
        class_sizing()
        print("\n(i) A class of ten on a real JupyterHub\n")
        hub_class(run=False)


if __name__ == "__main__":
    main()
