"""Benchmarks (measure, never pass/fail): `make bench`.

(d) the simulation against its RNG floor: 10,000 trials x 2 arms x 100 participants, timed as a
ratio to drawing the same random numbers with NumPy alone (goal <= 2x), and the slider's redraw
time (goal < 100 ms). Prints a Markdown table for the README.
"""

from __future__ import annotations

import os
import platform
import statistics
import time

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

from dry_needling import simulate  # noqa: E402

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


def main() -> None:
    sim, floor = simulation_vs_rng_floor()
    redraw = slider_redraw()
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"NumPy {np.__version__}; median of {REPEATS} runs")
    print()
    print("| benchmark | measured | floor | ratio | goal |")
    print("|---|---|---|---|---|")
    print(f"| (d) simulation, 10,000 trials x 2 arms x 100 | {sim * 1000:.0f} ms | {floor * 1000:.0f} ms "
          f"(NumPy draws only) | {sim / floor:.2f}x | <= 2x |")
    print(f"| (d) slider redraw (2,000 trials + chart + PNG) | {redraw * 1000:.0f} ms | | | < 100 ms |")


if __name__ == "__main__":
    main()
