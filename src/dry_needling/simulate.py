"""How unblinding plus expectation biases a sham-controlled trial: a vectorised simulation.

Model (one simulated trial = two arms of ``n_per_arm`` participants each):

1. Every participant guesses their arm: "active", "sham" or (with probability
   ``dont_know``) "don't know". The guess probabilities are set so that each arm's *expected*
   Bang index equals ``bang_active`` / ``bang_sham``. With ``d = dont_know``::

       active arm:  P(guess active) = (1 - d + bang_active) / 2,  P(guess sham)   = (1 - d - bang_active) / 2
       sham arm:    P(guess sham)   = (1 - d + bang_sham) / 2,    P(guess active) = (1 - d - bang_sham) / 2

   (a Bang index of 0 is random guessing; 1 means everyone guessed right).
2. Each participant's improvement is ``sd`` x standard normal noise, plus ``true_effect`` in the
   active arm, plus ``expectation_effect`` if they *believe* they received the active treatment.
   "Don't know" carries no expectation effect.
3. The trial's observed effect is mean improvement (active arm) minus mean improvement (sham arm).

Closed form. Only the difference in the share believing "active" between arms matters::

    E[observed effect] = true_effect + expectation_effect * (P(believe active | active) - P(believe active | sham))
                       = true_effect + expectation_effect * (bang_active + bang_sham) / 2

independent of ``dont_know``. :func:`unblinding_bias` is this formula, written once: every function here that
uses it calls it, and the report's in-page explorer calls it with Vega parameters to generate its expression.
So a sham arm that guesses *right* (positive ``bang_sham``) inflates the
effect just as an active arm that guesses right does, and "opposite guessing" in the sham arm
(negative ``bang_sham``, sham participants believing they got the real thing) deflates it.
"""

from __future__ import annotations

import math
import numbers
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "simulate_trials",
    "unblinding_bias",
    "expected_observed_effect",
    "expectation_effect_needed",
    "expectation_effect_for_gap",
    "bang_difference_needed",
    "guess_probabilities",
    "draw_random_numbers",
    "SCENARIOS",  # noqa: F822 (provided lazily by the module __getattr__, read from data/)
    "scenarios",
    "MAX_PARTICIPANTS",
]

#: The most simulated participants (n_trials x 2 arms x n_per_arm) one call may draw: each needs
#: about 18 bytes at the peak (a uniform, a normal and two comparisons), so this is about 0.35 GiB.
MAX_PARTICIPANTS = 20_000_000
_BYTES_PER_PARTICIPANT = 18


def _number(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(float(value)):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _whole(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
    return int(value)


def guess_probabilities(bang_active: float, bang_sham: float, dont_know: float = 0.0) -> dict[str, float]:
    """Probabilities of guessing 'active' in each arm that give the requested expected Bang indexes."""
    ba = _number(bang_active, "bang_active")
    bs = _number(bang_sham, "bang_sham")
    d = _number(dont_know, "dont_know")
    if not 0 <= d < 1:
        raise ValueError(f"dont_know must be a share in [0, 1), got {dont_know!r}")
    limit = 1 - d
    for name, value in (("bang_active", ba), ("bang_sham", bs)):
        if not -1 <= value <= 1:
            raise ValueError(f"{name} must lie in [-1, 1], got {value!r}")
        if abs(value) > limit + 1e-12:
            raise ValueError(f"{name} = {value} is impossible when {d:.0%} answer don't know: |{name}| <= {limit:g}")
    return {
        "active_guess_active": (limit + ba) / 2,
        "active_guess_sham": (limit - ba) / 2,
        "sham_guess_active": (limit - bs) / 2,
        "sham_guess_sham": (limit + bs) / 2,
        "dont_know": d,
    }


def unblinding_bias(expectation_effect: Any, bang_active: Any, bang_sham: Any) -> Any:
    """The model's closed form: how far unblinding moves the expected observed effect from the true effect,
    ``expectation_effect * (bang_active + bang_sham) / 2``.

    The one place the formula is written. It checks nothing and works on anything with ``+``, ``*`` and ``/``:
    numbers (the functions below check them first), NumPy arrays, or Altair parameters, from which the report's
    in-page explorer gets its Vega expression (``report/explorer.py``).

    Examples
    --------
    >>> unblinding_bias(1.0, 0.26, 0.01)
    0.135
    """
    return expectation_effect * (bang_active + bang_sham) / 2


def expected_observed_effect(true_effect: float, expectation_effect: float, bang_active: float,
                             bang_sham: float) -> float:
    """Closed-form expected observed effect: ``true_effect`` plus :func:`unblinding_bias`.

    Examples
    --------
    >>> expected_observed_effect(0.5, 1.0, 0.26, 0.01)
    0.635
    """
    guess_probabilities(bang_active, bang_sham)  # validates the indexes
    return _number(true_effect, "true_effect") + unblinding_bias(
        _number(expectation_effect, "expectation_effect"), float(bang_active), float(bang_sham))


def expectation_effect_needed(observed_effect: float, bang_active: float, bang_sham: float,
                              true_effect: float = 0.0) -> float:
    """The expectation effect that, in this model, turns ``true_effect`` into ``observed_effect``.

    Inverts :func:`expected_observed_effect`: ``(observed - true)`` over the bias per point of expectation effect.
    With ``true_effect = 0`` it answers "how large would the expectation effect have to be for
    unblinding alone to produce the whole observed effect?". Raises ``ValueError`` when the two
    indexes average to 0 (no unblinding: no expectation effect can bias the result).

    Examples
    --------
    >>> expectation_effect_needed(0.135, 0.26, 0.01)
    1.0
    """
    guess_probabilities(bang_active, bang_sham)  # validates the indexes
    mean_bi = unblinding_bias(1.0, float(bang_active), float(bang_sham))  # the bias per point of expectation
    if mean_bi == 0:
        raise ValueError("bang_active + bang_sham is 0: with balanced guessing no expectation effect biases the "
                         "result, so no size of it can explain an observed effect")
    return (_number(observed_effect, "observed_effect") - _number(true_effect, "true_effect")) / mean_bi


def expectation_effect_for_gap(gap: float, first: tuple[float, float], second: tuple[float, float]) -> float:
    """The expectation effect that, in this model, opens a ``gap`` between two kinds of trial with the same true
    effect whose arms guess as ``first`` and ``second`` do (each a pair ``(bang_active, bang_sham)``).

    From the closed form, the two trials' expected effects differ by ``expectation_effect x (m2 - m1)``, ``m`` being
    each pair's :func:`unblinding_bias` per point of expectation effect; so the effect is ``gap / (m2 - m1)``.
    Raises ``ValueError`` when the two pairs share the same mean index (then no expectation effect opens a gap)."""
    for pair in (first, second):
        guess_probabilities(*pair)  # validates the indexes
    m1 = unblinding_bias(1.0, float(first[0]), float(first[1]))
    m2 = unblinding_bias(1.0, float(second[0]), float(second[1]))
    if m1 == m2:
        raise ValueError("the two pairs of Bang indexes have the same mean: in this model no expectation effect "
                         "opens a gap between them")
    return _number(gap, "gap") / (m2 - m1)


def bang_difference_needed(gap: float, expectation_effect: float) -> float:
    """How much larger ``(bang_active + bang_sham) / 2`` must be in one kind of trial than in another for an
    ``expectation_effect`` to open ``gap`` between them, in this model (``gap / expectation_effect``)."""
    effect = _number(expectation_effect, "expectation_effect")
    if effect == 0:
        raise ValueError("expectation_effect is 0: no difference in blinding opens a gap")
    return _number(gap, "gap") / effect


def _seed(seed):
    """``seed`` checked: None, a whole number of at least 0, or a numpy SeedSequence/BitGenerator/Generator."""
    if seed is None or isinstance(seed, (np.random.SeedSequence, np.random.BitGenerator, np.random.Generator)):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or int(seed) < 0:
        raise ValueError(f"seed must be None or a whole number of at least 0, got {seed!r}")
    return int(seed)


def _check_size(n_trials: int, n_per_arm: int) -> None:
    """Refuse, before allocating anything, a simulation larger than MAX_PARTICIPANTS."""
    def big(n: int) -> str:
        return f"{n:,}" if n.bit_length() <= 128 else f"~10^{int(n.bit_length() * math.log10(2))}"

    participants = n_trials * 2 * n_per_arm
    if participants > MAX_PARTICIPANTS:
        gib = participants * _BYTES_PER_PARTICIPANT // 2**30
        raise ValueError(
            f"n_trials x 2 arms x n_per_arm = {big(n_trials)} x 2 x {big(n_per_arm)} = {big(participants)} simulated "
            f"participants would need about {big(gib)} GiB of memory; the limit is {MAX_PARTICIPANTS:,} "
            f"(about {MAX_PARTICIPANTS * _BYTES_PER_PARTICIPANT / 2**30:.2f} GiB): use fewer trials or smaller arms")


def draw_random_numbers(n_trials: int, n_per_arm: int, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """The random numbers one simulation needs: uniforms for the guesses, normals for the noise.

    Exposed so the benchmark can time the RNG floor with exactly the same draws. Refuses more
    than :data:`MAX_PARTICIPANTS` draws with a ``ValueError`` that gives the size.
    """
    n_trials = _whole(n_trials, "n_trials")
    n_per_arm = _whole(n_per_arm, "n_per_arm")
    _check_size(n_trials, n_per_arm)
    rng = np.random.default_rng(_seed(seed))
    shape = (n_trials, 2, n_per_arm)
    return rng.random(shape), rng.standard_normal(shape)  # both float64, NumPy's default


def simulate_trials(n_trials: int, n_per_arm: int, true_effect: float, expectation_effect: float,
                    bang_active: float, bang_sham: float, sd: float = 1.0, seed: int | None = 0,
                    dont_know: float = 0.0) -> pd.DataFrame:
    """Simulate ``n_trials`` two-arm sham-controlled trials; one row per trial.

    Columns: ``observed_effect`` (mean improvement active minus sham), ``bang_active`` and
    ``bang_sham`` (each arm's Bang index from its simulated guesses), ``believe_active_active``
    and ``believe_active_sham`` (share in each arm who guessed "active"), ``mean_active`` and
    ``mean_sham``. Effects are in the outcome's units (e.g. points on a 0-10 pain scale);
    ``sd`` is the between-participant standard deviation (default 1: effects in standard deviations).
    Same ``seed``, same result.
    """
    n_trials = _whole(n_trials, "n_trials")
    n = _whole(n_per_arm, "n_per_arm")
    true_effect = _number(true_effect, "true_effect")
    expectation_effect = _number(expectation_effect, "expectation_effect")
    sd = _number(sd, "sd")
    if sd < 0:
        raise ValueError(f"sd must be zero or positive, got {sd!r}")
    p = guess_probabilities(bang_active, bang_sham, dont_know)
    _check_size(n_trials, n)
    seed = _seed(seed)

    uniforms, normals = draw_random_numbers(n_trials, n, seed)
    # Thresholds per arm (axis 1: 0 = active, 1 = sham): guess active below t1, sham below t2, else don't know.
    t1 = np.array([p["active_guess_active"], p["sham_guess_active"]])[np.newaxis, :, np.newaxis]
    t2 = t1 + np.array([p["active_guess_sham"], p["sham_guess_sham"]])[np.newaxis, :, np.newaxis]
    n_guess_active = np.count_nonzero(uniforms < t1, axis=2)
    n_guess_sham = np.count_nonzero(uniforms < t2, axis=2) - n_guess_active
    believe_active = n_guess_active / n
    noise = normals.mean(axis=2)

    means = sd * noise + expectation_effect * believe_active
    means[:, 0] += true_effect
    correct = np.stack([n_guess_active[:, 0], n_guess_sham[:, 1]], axis=1)
    incorrect = np.stack([n_guess_sham[:, 0], n_guess_active[:, 1]], axis=1)
    bang = (correct - incorrect) / n
    return pd.DataFrame({
        "observed_effect": means[:, 0] - means[:, 1],
        "bang_active": bang[:, 0],
        "bang_sham": bang[:, 1],
        "believe_active_active": believe_active[:, 0],
        "believe_active_sham": believe_active[:, 1],
        "mean_active": means[:, 0],
        "mean_sham": means[:, 1],
    })


def scenarios(data_dir: str | Path | None = None) -> dict[str, tuple[float, float, str]]:
    """Blinding scenarios used in notebook 03: name -> (Bang index in the active arm, in the sham arm,
    where the values come from). Every published index is read from ``data/`` (never retyped here):
    Freed 2021's averages (``blinding_summaries``), Itoh & Katsumi's non-penetrating comparison
    (``blinding_trials``) and Moroz 2013's commercial-device means (``blinding_by_sham_type``)."""
    from . import data

    summaries = data.load("blinding_summaries", data_dir).set_index("id")
    trials = data.load("blinding_trials", data_dir).set_index("comparison_id")
    devices = data.load("blinding_by_sham_type", data_dir).set_index("id")
    freed = (float(summaries.loc["freed2021_bi_active", "value"]), float(summaries.loc["freed2021_bi_sham", "value"]))
    itoh = (float(trials.loc["itoh2005_np", "bi_ag"]), float(trials.loc["itoh2005_np", "bi_sg"]))
    commercial = devices.loc["sham_commercial"]
    moroz = (float(commercial["mean_bi_verum"]), float(commercial["mean_bi_sham"]))
    return {
        "perfect blinding": (0.0, 0.0, "by construction: everyone guesses at random"),
        "back-pain trials, average": (*freed, f"Freed 2021: mean BI active {freed[0]:g}, sham {freed[1]:g}"),
        "needle with a non-penetrating sham": (*itoh, "Itoh & Katsumi 2005 (NP) in Braithwaite 2018"),
        "commercial sham devices, average": (*moroz, "Moroz 2013, Table 2"),
    }


def __getattr__(name: str):
    """``simulate.SCENARIOS``: :func:`scenarios` read from the shipped data on first use (not at import,
    so importing the module never touches the data)."""
    if name == "SCENARIOS":
        return scenarios()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

