"""The interactive unblinding explorer behind notebook 03's sliders.

Redrawing a whole matplotlib figure costs 70 ms or more on a modest machine, mostly for axes
and tick labels that never change. The explorer draws the static parts once, then on every
slider move re-simulates the chosen scenario, restores the saved background, draws only the
parts that change (two histograms, two lines, the title) and sends a PNG to an
``ipywidgets.Image``. ``python benchmarks/bench.py`` measures the redraw time.

:func:`sliders` describes the three sliders once, for JupyterLab and for the report's in-page explorer
(``report/explorer.py``): their ranges, steps, labels and starting values, the Bang indexes starting at the
back-pain trials' averages read from ``data/``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .simulate import expected_observed_effect, simulate_trials

# matplotlib, Pillow and the chart style are imported by the explorer itself, not by this module: the report's
# build reads :func:`sliders` and should not pay matplotlib's import (about 0.7 s) for three slider definitions.

__all__ = ["UnblindingExplorer", "ExplorerState", "Slider", "sliders"]


@dataclass(frozen=True)
class Slider:
    """One slider of the explorer, the same in JupyterLab and in the report."""

    name: str  #: the argument it sets: of :meth:`UnblindingExplorer.update` and :func:`simulate.unblinding_bias`
    label: str  #: what the report's slider says
    short: str  #: what JupyterLab's slider says
    low: float
    high: float
    step: float
    value: float  #: where it starts


def sliders(data_dir: str | Path | None = None) -> tuple[Slider, ...]:
    """The explorer's sliders, in the order they are shown. The Bang indexes start at the average of back-pain
    trials read from the data (:func:`dry_needling.simulate.scenarios`); the expectation effect at 1 point."""
    from .simulate import scenarios

    active, sham, _ = scenarios(data_dir)["back-pain trials, average"]
    return (Slider("bang_active", "Bang index, active arm", "BI active", -1.0, 1.0, 0.01, active),
            Slider("bang_sham", "Bang index, sham arm", "BI sham", -1.0, 1.0, 0.01, sham),
            Slider("expectation_effect", "Expectation effect (points)", "expectation", 0.0, 2.0, 0.1, 1.0))


@dataclass(frozen=True)
class ExplorerState:
    """What the chart currently shows, as numbers."""

    bang_active: float
    bang_sham: float
    expectation_effect: float
    true_effect: float
    expected_effect: float
    simulated_mean: float
    blinded_mean: float

    def __str__(self) -> str:
        return (f"BI active {self.bang_active:.2f}, BI sham {self.bang_sham:.2f}, expectation "
                f"{self.expectation_effect:.2f}: expected observed effect {self.expected_effect:+.3f} "
                f"(simulated {self.simulated_mean:+.3f}; perfect blinding {self.blinded_mean:+.3f}); "
                f"true effect {self.true_effect:+.2f}")


class UnblindingExplorer:
    """Simulate a scenario beside perfect blinding and draw both distributions, fast."""

    def __init__(self, n_trials: int = 2000, n_per_arm: int = 50, sd: float = 2.0, true_effect: float = 0.0,
                 seed: int = 3, max_expectation: float = 2.0):
        self.n_trials, self.n_per_arm, self.sd = n_trials, n_per_arm, sd
        self.true_effect, self.seed = true_effect, seed
        spread = 4 * sd * np.sqrt(2 / n_per_arm)
        self.bins = np.linspace(true_effect - spread - max_expectation, true_effect + spread + max_expectation, 81)
        peak = n_trials * (self.bins[1] - self.bins[0]) / (sd * np.sqrt(2 / n_per_arm) * np.sqrt(2 * np.pi))
        self._blinded_cache: dict[float, np.ndarray] = {}
        import matplotlib.pyplot as plt
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        from . import charts

        with charts.house_style():  # the style applies to this figure only, not to the caller's matplotlib
            self.figure = plt.Figure(figsize=(8, 4), dpi=100)
            self._canvas = FigureCanvasAgg(self.figure)  # blitting: Agg's copy_from_bbox and restore_region
            ax = self.figure.add_subplot()
            ax.set_xlim(self.bins[0], self.bins[-1])
            ax.set_ylim(0, peak * 1.6)
            ax.set_xlabel("Observed effect, active minus sham (points on a 0-10 pain scale)")
            ax.set_ylabel("Simulated trials")
            ax.axvline(true_effect, color="black", linewidth=1.5)
            ax.text(true_effect, peak * 1.52, " true effect", fontsize=9, va="top")
            self.figure.subplots_adjust(left=0.1, right=0.97, top=0.88, bottom=0.14)
            self.ax = ax
            zeros = np.zeros(len(self.bins) - 1)
            self._blinded = ax.stairs(zeros, self.bins, fill=True, color=charts.CONTEXT, alpha=0.45, animated=True,
                                      label="perfect blinding")
            self._chosen = ax.stairs(zeros, self.bins, fill=True, color=charts.ARTICLE, alpha=0.45, hatch="//",
                                     animated=True, label="chosen blinding")
            self._blinded_line = ax.axvline(0, color=charts.CONTEXT, linestyle="--", linewidth=2, animated=True)
            self._chosen_line = ax.axvline(0, color=charts.ARTICLE, linestyle="--", linewidth=2, animated=True)
            ax.legend(handles=[self._blinded, self._chosen], loc="upper right", fontsize=9)
            self._title = self.figure.suptitle("", x=0.01, ha="left", fontweight="bold", fontsize=12, animated=True)
            self._canvas.draw()
            self._background = self._canvas.copy_from_bbox(self.figure.bbox)
        self.state: ExplorerState | None = None
        self.png: bytes = b""

    def _histogram(self, values: np.ndarray) -> np.ndarray:
        counts, _ = np.histogram(np.clip(values, self.bins[0], self.bins[-1]), self.bins)
        return counts

    def update(self, bang_active: float | None = None, bang_sham: float | None = None,
               expectation_effect: float | None = None) -> bytes:
        """Re-simulate and redraw; returns the PNG bytes (also kept in ``self.png``). Each value left out is its
        slider's starting value (:func:`sliders`: the indexes are the average of back-pain trials, from the data)."""
        if bang_active is None or bang_sham is None or expectation_effect is None:
            start = {slider.name: slider.value for slider in sliders()}
            bang_active = start["bang_active"] if bang_active is None else bang_active
            bang_sham = start["bang_sham"] if bang_sham is None else bang_sham
            expectation_effect = start["expectation_effect"] if expectation_effect is None else expectation_effect
        expected = expected_observed_effect(self.true_effect, expectation_effect, bang_active, bang_sham)
        chosen = simulate_trials(self.n_trials, self.n_per_arm, self.true_effect, expectation_effect, bang_active,
                                 bang_sham, sd=self.sd, seed=self.seed)["observed_effect"].to_numpy()
        key = round(float(expectation_effect), 6)
        if key not in self._blinded_cache:
            self._blinded_cache[key] = simulate_trials(self.n_trials, self.n_per_arm, self.true_effect,
                                                       expectation_effect, 0.0, 0.0, sd=self.sd,
                                                       seed=self.seed)["observed_effect"].to_numpy()
        blinded = self._blinded_cache[key]
        self._blinded.set_data(self._histogram(blinded))
        self._chosen.set_data(self._histogram(chosen))
        self._blinded_line.set_xdata([blinded.mean()] * 2)
        self._chosen_line.set_xdata([chosen.mean()] * 2)
        self._title.set_text(f"Bias from unblinding: {expected - self.true_effect:+.2f} points "
                             f"(BI active {bang_active:.2f}, sham {bang_sham:.2f})")
        canvas = self._canvas
        canvas.restore_region(self._background)
        for artist in (self._blinded, self._chosen, self._blinded_line, self._chosen_line):
            self.ax.draw_artist(artist)
        self.figure.draw_artist(self._title)
        from PIL import Image

        buffer = io.BytesIO()
        Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).save(
            buffer, format="PNG", compress_level=1)
        self.png = buffer.getvalue()
        self.state = ExplorerState(float(bang_active), float(bang_sham), float(expectation_effect),
                                   self.true_effect, expected, float(chosen.mean()), float(blinded.mean()))
        return self.png

    def widget(self) -> Any:  # an ipywidgets.VBox (ipywidgets has no type information)
        """Sliders plus the chart, for JupyterLab (needs a live kernel)."""
        import ipywidgets as widgets

        controls = {s.name: widgets.FloatSlider(value=s.value, min=s.low, max=s.high, step=s.step, description=s.short)
                    for s in sliders()}
        image = widgets.Image(format="png", value=self.update(**{k: c.value for k, c in controls.items()}))
        label = widgets.Label(str(self.state))

        def redraw(_change=None):
            image.value = self.update(**{k: c.value for k, c in controls.items()})
            label.value = str(self.state)

        for control in controls.values():
            control.observe(redraw, names="value")
        return widgets.VBox([widgets.HBox(list(controls.values())), image, label])
