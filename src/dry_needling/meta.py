"""Effect sizes and pooling for trial-level meta-analysis.

* :func:`mean_difference` and :func:`standardised_mean_difference` turn per-arm summaries
  (n, mean, SD) into effect sizes ``yi`` with sampling variances ``vi``, the latter exactly as
  RevMan 5 computes Hedges' adjusted g; :func:`multi_arm_contrasts` builds the contrasts of a trial
  with more than two arms without counting a shared arm twice (Cochrane Handbook, chapter 23).
* :func:`pool` pools them with a fixed-effect model (``"FE"``) or a random-effects model whose
  between-study variance tau^2 is estimated by DerSimonian-Laird (``"DL"``), restricted maximum
  likelihood (``"REML"``) or maximum likelihood (``"ML"``); the interval for the summary effect is
  Wald's (normal) or Hartung-Knapp-Sidik-Jonkman's (``ci="hksj"``: t with k-1 df, with a modified
  version that is never narrower than Wald's); it reports heterogeneity (Q, I^2, H^2) and a
  prediction interval.
* :func:`heterogeneity_interval` gives Q-profile confidence intervals for tau^2 and I^2;
  :func:`leave_one_out` and :func:`cumulative` pool again without each study, and study by study.
* :func:`format_p` prints a p-value as a reader expects it (``p = 0.002``, ``p < 0.001``).

The numbers follow R's metafor (``rma.uni``, ``predict``, ``confint``, ``leave1out``, ``cumul``) and are
tested against the values printed in metafor's own test files (``tests/test_meta.py`` names file and line
beside each). The arithmetic is vectorised: :func:`pool` accepts a 2-D array, one row per analysis, and
pools all rows at once; in such a batch each analysis succeeds or fails on its own. Why this module does
its own arithmetic instead of calling statsmodels or PyMARE: ``docs/maintenance.md``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

__all__ = ["EffectSizes", "PoolResult", "HeterogeneityInterval", "SequentialResult", "mean_difference",
           "standardised_mean_difference", "multi_arm_contrasts", "pool", "heterogeneity_interval",
           "leave_one_out", "cumulative", "difference", "format_p", "METHODS", "CI_METHODS", "PI_METHODS"]

#: Estimators of tau^2: none (fixed effect), DerSimonian-Laird, restricted and full maximum likelihood.
METHODS = ("FE", "DL", "REML", "ML")
#: Intervals for the summary effect: Wald (normal quantile), Hartung-Knapp-Sidik-Jonkman (t, k-1 df), and
#: HKSJ with its scaling factor held at 1 or more, so never narrower than Wald (metafor's ``test="adhoc"``).
CI_METHODS = ("wald", "hksj", "hksj-modified")
#: Prediction intervals: t with k-2 df (Higgins, Thompson & Spiegelhalter 2009; metafor's
#: ``pi.type="Riley"``), t with k-1 df (metafor's ``pi.type="t"``), or the normal quantile (metafor's default
#: for ``test="z"``).
PI_METHODS = ("riley", "t", "z")

#: Fisher scoring stops when a step changes tau^2 by less than ``REML_RTOL`` x (tau^2 + s^2), s^2 being the
#: typical within-study variance: a *relative* rule, the same at any scale of the data.
REML_RTOL = 1e-10
REML_MAXITER = 100  # scoring steps before the bounded search takes over
_MAX_HALVINGS = 60  # step halvings per scoring step before scoring is declared stalled
_SPREAD_LIMIT = 1e100  # effect sizes further apart than this many (smallest) standard errors overflow


# ---------------------------------------------------------------------------------------
# Results


def _frozen(array: np.ndarray, copy: bool = False) -> np.ndarray:
    """A read-only float array: a view of an array this module made, or a copy of the caller's (``copy=True``), so
    that a result never changes when the caller later changes their input."""
    array = np.array(array, dtype=float) if copy else np.asarray(array, dtype=float).view()
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class EffectSizes:
    """Per-study effect sizes and their sampling variances (read-only arrays).

    Unpacks as a pair, so ``yi, vi = standardised_mean_difference(...)`` and
    ``pool(*standardised_mean_difference(...))`` both work.
    """

    yi: np.ndarray
    vi: np.ndarray
    measure: str
    studies: tuple[str, ...] | None = None

    def __iter__(self):
        yield self.yi
        yield self.vi

    def __len__(self) -> int:
        return 2

    @property
    def sei(self) -> np.ndarray:
        """Standard errors, ``sqrt(vi)``."""
        return np.sqrt(self.vi)


@dataclass(frozen=True)
class PoolResult:
    """The pooled estimate of one analysis (floats), or of many (arrays of shape ``(m,)``).

    ``weights`` are percentages per study (summing to 100 per analysis), ``i2`` is a percentage.
    ``se``, ``z`` (a t statistic for the HKSJ intervals) and ``p`` belong to the interval named by ``ci``.
    ``pi_low``/``pi_high`` are NaN for the fixed-effect model and where the prediction interval's
    quantile has no degrees of freedom (k < 3 for ``pi="riley"``, k < 2 otherwise).
    ``tau2_fit`` says how tau^2 was found: ``"none"`` (FE), ``"closed form"`` (DL), ``"Fisher scoring"`` or
    ``"bounded search"`` (REML, ML; the second where scoring stalled), ``"k = 1"`` (tau^2 = 0, as metafor), or
    ``"failed"`` for an analysis of a batch that could not be pooled: its numbers are NaN and ``failures``
    holds ``(row, message)`` for it. ``notes`` lists anything else a reader must know.
    """

    estimate: float | np.ndarray
    se: float | np.ndarray
    ci_low: float | np.ndarray
    ci_high: float | np.ndarray
    z: float | np.ndarray
    p: float | np.ndarray
    tau2: float | np.ndarray
    q: float | np.ndarray
    df: int
    p_q: float | np.ndarray
    i2: float | np.ndarray
    h2: float | np.ndarray
    weights: np.ndarray
    pi_low: float | np.ndarray
    pi_high: float | np.ndarray
    method: str
    k: int
    level: float
    yi: np.ndarray
    vi: np.ndarray
    studies: tuple[str, ...] | None = None
    ci: str = "wald"
    pi: str = "riley"
    tau2_fit: str | tuple[str, ...] = "closed form"
    failures: tuple[tuple[int, str], ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def tau(self) -> float | np.ndarray:
        """Square root of tau^2."""
        return np.sqrt(self.tau2)

    @property
    def random_effects(self) -> bool:
        return self.method != "FE"

    @property
    def ok(self) -> bool | np.ndarray:
        """True where the analysis was pooled (always True for a single analysis, which raises instead)."""
        if np.ndim(self.estimate) == 0:
            return True
        return np.array([fit != "failed" for fit in self.tau2_fit])

    def heterogeneity_text(self, decimals: int = 2) -> str:
        """One line in metafor's manner, e.g. ``RE model (DL): τ² = 0.12, I² = 45 %, Q = 9.10, df = 5, p = 0.10``.

        The p-value is printed by :func:`format_p` (``p = 0.002``, ``p < 0.001``), never as ``0.00``."""
        if np.ndim(self.estimate):
            raise ValueError("heterogeneity_text describes one analysis; index the batch first")
        model = "FE model" if self.method == "FE" else f"RE model ({self.method})"
        tau = "" if self.method == "FE" else f"τ² = {self.tau2:.{decimals}f}, "
        return (f"{model}: {tau}I² = {self.i2:.0f} %, Q = {self.q:.{decimals}f}, df = {self.df}, "
                f"{format_p(float(self.p_q))}".replace("-", "\u2212"))


@dataclass(frozen=True)
class HeterogeneityInterval:
    """Q-profile confidence intervals for tau^2 (and tau, I^2, H^2), as metafor's ``confint()`` gives them.

    Floats for one analysis, arrays of shape ``(m,)`` for a batch. ``notes`` says when a bound is 0 because
    Q at tau^2 = 0 already lies below the quantile (the data are more homogeneous than the bound asks for)."""

    tau2_low: float | np.ndarray
    tau2_high: float | np.ndarray
    tau_low: float | np.ndarray
    tau_high: float | np.ndarray
    i2_low: float | np.ndarray
    i2_high: float | np.ndarray
    h2_low: float | np.ndarray
    h2_high: float | np.ndarray
    level: float
    k: int
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SequentialResult:
    """One pooled analysis per step of :func:`leave_one_out` or :func:`cumulative` (arrays, one value per step).

    ``label`` names each step: the study left out, or the study added (the cumulative step pools every study
    up to and including it); ``k`` is the number of studies pooled at each step; ``order`` the positions of
    the studies in the input, in the order of the steps."""

    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p: np.ndarray
    tau2: np.ndarray
    i2: np.ndarray
    q: np.ndarray
    pi_low: np.ndarray
    pi_high: np.ndarray
    k: np.ndarray
    label: tuple[str, ...]
    order: np.ndarray
    method: str
    ci: str
    level: float

    def __len__(self) -> int:
        return len(self.label)


def format_p(p: float, *, prefix: str = "p") -> str:
    """A p-value as readers expect it: ``p < 0.001``; three decimals below 0.01 (``p = 0.002``); otherwise
    two (``p = 0.32``); ``p > 0.99`` at the top.

    Never ``p = 0.00``. NaN prints as ``p not estimable``.

    Examples
    --------
    >>> format_p(0.0017), format_p(0.00002), format_p(0.3169), format_p(0.9986)
    ('p = 0.002', 'p < 0.001', 'p = 0.32', 'p > 0.99')
    """
    value = float(p)
    if math.isnan(value):
        return f"{prefix} not estimable"
    if not 0 <= value <= 1:
        raise ValueError(f"format_p: a p-value lies between 0 and 1, got {p!r}")
    if value < 0.001:
        return f"{prefix} < 0.001"
    if value < 0.01:
        return f"{prefix} = {value:.3f}"
    if value > 0.99:
        return f"{prefix} > 0.99"
    return f"{prefix} = {value:.2f}"


# ---------------------------------------------------------------------------------------
# Validation


def _names(studies: Sequence[str] | None, k: int) -> tuple[str, ...] | None:
    if studies is None:
        return None
    names = tuple(str(s) for s in studies)
    if len(names) != k:
        raise ValueError(f"studies= names {len(names)} studies but the data have {k}")
    return names


def _where(index: tuple[int, ...], names: tuple[str, ...] | None, batch: bool) -> str:
    """'study 'Name'' or 'study 3' (1-based), prefixed by the analysis row for a batch."""
    j = index[-1]
    study = f"study {names[j]!r}" if names is not None else f"study {j + 1}"
    return f"analysis {index[0] + 1}, {study}" if batch else study


def _first_bad(mask: np.ndarray) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _as_arrays(label: str, values: dict[str, object], names_in: Sequence[str] | None, *, allow_2d: bool,
               check_finite: bool = True):
    """Convert named inputs to float arrays of one shape (1-D, or 2-D when allowed)."""
    arrays, scalar = {}, set()
    for key, value in values.items():
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{label}: {key} must be numbers ({err})") from None
        if arr.ndim == 0:
            scalar.add(key)
        arrays[key] = np.atleast_1d(arr)
    ndims = {a.ndim for a in arrays.values()}
    if max(ndims) > (2 if allow_2d else 1):
        raise ValueError(f"{label}: inputs must be 1-D{' or 2-D (one row per analysis)' if allow_2d else ''}")
    shapes = {key: a.shape for key, a in arrays.items()}
    longest = max(shapes.values(), key=lambda s: (len(s), s[-1]))
    for key, arr in arrays.items():
        if key in scalar:  # a scalar goes with every study
            arrays[key] = np.broadcast_to(arr, longest)
        elif arr.shape != longest:
            detail = ", ".join(f"{k} {s[-1] if len(s) == 1 else s}" for k, s in shapes.items())
            raise ValueError(f"{label}: inputs differ in length ({detail})")
    k = longest[-1]
    names = _names(names_in, k)
    batch = len(longest) == 2
    for key, arr in arrays.items() if check_finite else ():
        bad = ~np.isfinite(arr)
        if bad.any():
            index = _first_bad(bad)
            raise ValueError(f"{label}: {_where(index, names, batch)} has {key} = {arr[index]:g} "
                             f"(NaN or infinite values cannot be pooled)")
    return arrays, names, batch


def _validate_arms(label, n1, mean1, sd1, n2, mean2, sd2, studies):
    arrays, names, _ = _as_arrays(label, {"n1": n1, "mean1": mean1, "sd1": sd1, "n2": n2, "mean2": mean2,
                                          "sd2": sd2}, studies, allow_2d=False)
    for key in ("n1", "n2"):
        bad = arrays[key] < 2
        if bad.any():
            j = _first_bad(bad)
            raise ValueError(f"{label}: {_where(j, names, False)} has {key} = {arrays[key][j]:g} "
                             f"(each arm needs at least 2 participants)")
    for key in ("sd1", "sd2"):
        bad = arrays[key] <= 0
        if bad.any():
            j = _first_bad(bad)
            raise ValueError(f"{label}: {_where(j, names, False)} has {key} = {arrays[key][j]:g} "
                             f"(a standard deviation must be greater than 0)")
    return arrays, names


# ---------------------------------------------------------------------------------------
# Effect sizes


def mean_difference(n1: ArrayLike, mean1: ArrayLike, sd1: ArrayLike, n2: ArrayLike, mean2: ArrayLike,
                    sd2: ArrayLike, *, studies: Sequence[str] | None = None) -> EffectSizes:
    """Mean difference (arm 1 minus arm 2) and its sampling variance, per study.

    Parameters
    ----------
    n1, mean1, sd1 : float or array_like
        Participants, mean and standard deviation in arm 1 (e.g. dry needling).
    n2, mean2, sd2 : float or array_like
        The same for arm 2 (e.g. sham or usual care).
    studies : sequence of str, optional
        Study names, used in error messages and carried to :func:`pool`.

    Returns
    -------
    EffectSizes
        ``yi`` (mean differences) and ``vi`` (variances) as read-only arrays; unpacks as
        ``yi, vi``.

    Raises
    ------
    ValueError
        Mismatched lengths, NaN or infinite values, ``n < 2`` or ``SD <= 0``; the message names
        the study (by name, else 1-based position) and the value.

    Notes
    -----
    .. math:: y_i = \\bar x_{1i} - \\bar x_{2i}, \\qquad v_i = s_{1i}^2/n_{1i} + s_{2i}^2/n_{2i}

    This is the unpooled variance that RevMan 5 and metafor's ``escalc(measure="MD")`` use.

    References
    ----------
    .. [1] Deeks JJ, Higgins JPT. Statistical algorithms in Review Manager 5 (2010), section
       "Mean difference".

    Examples
    --------
    >>> yi, vi = mean_difference(20, 3.0, 2.0, 20, 4.0, 2.0)
    >>> float(yi[0]), float(vi[0])
    (-1.0, 0.4)
    """
    a, names = _validate_arms("mean_difference", n1, mean1, sd1, n2, mean2, sd2, studies)
    yi = a["mean1"] - a["mean2"]
    vi = a["sd1"] ** 2 / a["n1"] + a["sd2"] ** 2 / a["n2"]
    return EffectSizes(_frozen(yi), _frozen(vi), "MD", names)


def standardised_mean_difference(n1: ArrayLike, mean1: ArrayLike, sd1: ArrayLike, n2: ArrayLike,
                                 mean2: ArrayLike, sd2: ArrayLike, *,
                                 studies: Sequence[str] | None = None) -> EffectSizes:
    """Hedges' adjusted g (arm 1 minus arm 2) and its sampling variance, as RevMan 5 computes them.

    Parameters
    ----------
    n1, mean1, sd1 : float or array_like
        Participants, mean and standard deviation in arm 1.
    n2, mean2, sd2 : float or array_like
        The same for arm 2.
    studies : sequence of str, optional
        Study names, used in error messages and carried to :func:`pool`.

    Returns
    -------
    EffectSizes
        ``yi`` (Hedges' g) and ``vi`` (variances) as read-only arrays; unpacks as ``yi, vi``.

    Raises
    ------
    ValueError
        As :func:`mean_difference`.

    Notes
    -----
    With :math:`N = n_1 + n_2` and the pooled SD
    :math:`s = \\sqrt{((n_1 - 1)s_1^2 + (n_2 - 1)s_2^2)/(N - 2)}`,

    .. math:: g = \\frac{\\bar x_1 - \\bar x_2}{s}\\left(1 - \\frac{3}{4N - 9}\\right), \\qquad
              v = \\frac{N}{n_1 n_2} + \\frac{g^2}{2(N - 3.94)}

    These are the formulas of RevMan 5's "Statistical algorithms" (Deeks & Higgins 2010,
    "Standardized mean difference": Hedges' adjusted g with the approximate correction factor and
    the 3.94 in the variance). metafor's ``escalc(measure="SMD")`` differs slightly: it uses the
    exact (gamma-function) correction factor and ``1/n1 + 1/n2 + g^2/(2N)`` for the variance, so
    its numbers agree with these to about two decimals for typical trial sizes.

    References
    ----------
    .. [1] Deeks JJ, Higgins JPT. Statistical algorithms in Review Manager 5. The Cochrane
       Collaboration, 2010 (distributed with RevMan 5; also Cochrane Handbook chapter 6).
    .. [2] Hedges LV, Olkin I. Statistical Methods for Meta-Analysis. Academic Press, 1985.

    Examples
    --------
    >>> es = standardised_mean_difference(20, 3.0, 2.0, 20, 4.0, 2.0)
    >>> round(float(es.yi[0]), 4), round(float(es.vi[0]), 4)
    (-0.4901, 0.1033)
    """
    a, names = _validate_arms("standardised_mean_difference", n1, mean1, sd1, n2, mean2, sd2, studies)
    size1, size2 = a["n1"], a["n2"]
    total = size1 + size2
    pooled_sd = np.sqrt(((size1 - 1) * a["sd1"] ** 2 + (size2 - 1) * a["sd2"] ** 2) / (total - 2))
    g = (a["mean1"] - a["mean2"]) / pooled_sd * (1 - 3 / (4 * total - 9))
    vi = total / (size1 * size2) + g ** 2 / (2 * (total - 3.94))
    return EffectSizes(_frozen(g), _frozen(vi), "SMD", names)


def multi_arm_contrasts(arms: dict[str, tuple[float, float, float]], pairs: Sequence[tuple[str, str]], *,
                        measure: str = "MD", split_shared: bool = True, trial: str | None = None) -> EffectSizes:
    """Contrasts between the arms of one multi-arm trial, never counting a shared arm twice.

    Parameters
    ----------
    arms : dict
        ``{arm name: (n, mean, sd)}`` for every arm of one trial.
    pairs : sequence of (str, str)
        The contrasts wanted, each ``(arm 1, arm 2)``: arm 1 minus arm 2.
    measure : {"MD", "SMD"}
        Mean difference, or Hedges' adjusted g as :func:`standardised_mean_difference` computes it.
    split_shared : bool
        Divide the participants of an arm used by several contrasts equally among them (default), so the
        contrasts can go into one analysis. ``False`` keeps every arm whole: only for contrasts that will
        never be pooled or compared with each other.
    trial : str, optional
        The trial's name, put before each contrast's label (``"Leibing 2002: sham vs no needling"``).

    Returns
    -------
    EffectSizes
        One effect size per pair, labelled ``"arm 1 vs arm 2"`` in ``studies``.

    Raises
    ------
    ValueError
        An unknown arm, a contrast of an arm with itself, the same pair twice, or arms that fail the checks
        of :func:`mean_difference`.

    Notes
    -----
    A trial with arms A, B and C contributes "A vs C" and "B vs C" to one meta-analysis only if C's
    participants are not counted twice. The Cochrane Handbook (section 23.3.4) suggests splitting the shared
    group: for a continuous outcome its mean and SD stay as they are and its sample size is divided among the
    comparisons (here equally; the Handbook allows a fraction of a participant). The comparisons are then
    treated as independent, which is an approximation: they still share the shared arm's mean.

    References
    ----------
    .. [1] Higgins JPT, Eldridge S, Li T (editors). Chapter 23: Including variants on randomized trials.
       Cochrane Handbook for Systematic Reviews of Interventions, version 6.4 (2023), section 23.3.4.

    Examples
    --------
    >>> es = multi_arm_contrasts({"A": (40, 3.0, 2.0), "B": (40, 3.5, 2.0), "C": (40, 4.0, 2.0)},
    ...                          [("A", "C"), ("B", "C")])
    >>> es.studies, [round(float(v), 3) for v in es.vi]
    (('A vs C', 'B vs C'), [0.3, 0.3])
    """
    if measure not in ("MD", "SMD"):
        raise ValueError(f"multi_arm_contrasts: measure must be 'MD' or 'SMD', got {measure!r}")
    pairs = [tuple(pair) for pair in pairs]  # type: ignore[misc]  # a wrong length is refused below
    if not pairs:
        raise ValueError("multi_arm_contrasts: no pairs given")
    for pair in pairs:
        if len(pair) != 2:
            raise ValueError(f"multi_arm_contrasts: each pair is (arm 1, arm 2), got {pair!r}")
        for arm in pair:
            if arm not in arms:
                raise ValueError(f"multi_arm_contrasts: unknown arm {arm!r}; the trial has {sorted(arms)}")
        if pair[0] == pair[1]:
            raise ValueError(f"multi_arm_contrasts: {pair[0]!r} compared with itself")
    if len(set(pairs)) != len(pairs):
        raise ValueError("multi_arm_contrasts: the same pair is listed twice")
    uses = {arm: sum(arm in pair for pair in pairs) for arm in arms}
    columns: dict[str, list[float]] = {"n1": [], "mean1": [], "sd1": [], "n2": [], "mean2": [], "sd2": []}
    for first, second in pairs:
        for side, arm in (("1", first), ("2", second)):
            n, mean, sd = arms[arm]
            share = uses[arm] if split_shared else 1
            columns["n" + side].append(float(n) / share)
            columns["mean" + side].append(mean)
            columns["sd" + side].append(sd)
    labels = [f"{trial + ': ' if trial else ''}{a} vs {b}" for a, b in pairs]
    maker = mean_difference if measure == "MD" else standardised_mean_difference
    return maker(**columns, studies=labels)


# ---------------------------------------------------------------------------------------
# Pooling: the arithmetic happens in a rescaled frame (each analysis shifted by the effect of its most
# precise study and divided by that study's standard error), so that the same code is exact at any scale
# of the data, and sums of weights cannot overflow.


def _others(w: np.ndarray, total: np.ndarray) -> np.ndarray:
    """``total - w`` per element, exact for the largest element of each row (no cancellation when one weight
    dominates: there the sum of the other weights is added up directly)."""
    out = total[:, None] - w
    rows = np.arange(w.shape[0])
    big = np.argmax(w, axis=1)
    rest = w.copy()
    rest[rows, big] = 0.0
    out[rows, big] = rest.sum(axis=1)
    return out


def _moments(y: np.ndarray, v: np.ndarray, tau2: np.ndarray):
    """Weights, their sum, the weighted mean and residuals, tr(P) and tr(PP) of the REML projection."""
    with np.errstate(divide="ignore"):
        w = 1.0 / (v + tau2[:, None])
    s = w.sum(axis=1)
    mu = (w * y).sum(axis=1) / s
    r = y - mu[:, None]
    others = _others(w, s)
    trp = (w * others).sum(axis=1) / s
    w2 = w * w
    t2 = w2.sum(axis=1)
    others2 = _others(w2, t2)
    trpp = ((w2 * others * others).sum(axis=1) + (w2 * others2).sum(axis=1)) / (s * s)
    return w, s, mu, r, trp, trpp, t2


def _loglik(y, v, tau2, reml):
    """Log-likelihood (REML or ML) of tau^2 up to a constant; studies of zero weight add a constant and are left
    out."""
    total = v + tau2[:, None]
    with np.errstate(divide="ignore"):
        w = 1.0 / total
    s = w.sum(axis=1)
    r = y - ((w * y).sum(axis=1) / s)[:, None]
    logs = np.where(np.isfinite(total), np.log(np.where(np.isfinite(total), total, 1.0)), 0.0).sum(axis=1)
    ll = -0.5 * (logs + (w * r * r).sum(axis=1))
    if reml:
        ll = ll - 0.5 * np.log(s)
    return ll


def _score_step(y, v, tau2, reml):
    """Fisher-scoring step (score / information) for tau^2."""
    w, s, _, r, trp, trpp, t2 = _moments(y, v, tau2)
    wr2 = ((w * r) ** 2).sum(axis=1)
    if reml:
        return (wr2 - trp) / trpp
    return (wr2 - s) / t2


def _bounded_search(y: np.ndarray, v: np.ndarray, reml: bool, scale: float) -> float:
    """Maximise the (restricted) likelihood of one analysis over tau^2 in [0, upper] (Brent's bounded method),
    widening the bracket while the maximum sits on its upper end."""
    finite = np.isfinite(v)
    spread = float(np.max((y[finite] - np.mean(y[finite])) ** 2)) if finite.any() else 1.0
    upper = 10.0 * (spread + scale) + 1.0
    yy, vv = y[None, :], v[None, :]

    def negll(x: float) -> float:
        return -float(_loglik(yy, vv, np.array([x * upper]), reml)[0])

    for _ in range(8):
        found = optimize.minimize_scalar(negll, bounds=(0.0, 1.0), method="bounded",
                                         options={"xatol": 1e-13, "maxiter": 2000})
        best = float(found.x)
        if negll(0.0) <= negll(best):
            best = 0.0
        if best < 0.999:
            return best * upper
        upper *= 100.0
    return best * upper


def _fit_tau2(y: np.ndarray, v: np.ndarray, start: np.ndarray, s2: np.ndarray, reml: bool):
    """REML or ML tau^2 for every row: Fisher scoring with step halving and a relative stopping rule, and a bounded
    one-dimensional search for any row where scoring stalls. Returns (tau2, fitted-by labels).

    Step halving: a step is halved while it would leave tau^2 below 0 (as metafor), would pass a point already
    seen on the other side of the maximum (a score of the other sign there), or would lower the likelihood."""
    m = y.shape[0]
    tau2 = np.maximum(start.astype(float), 0.0)
    fit = np.array(["Fisher scoring"] * m, dtype=object)
    active = np.ones(m, dtype=bool)
    stalled = np.zeros(m, dtype=bool)
    low = np.full(m, -np.inf)  # largest tau^2 seen with a positive score
    previous = np.zeros(m)  # the last step taken
    high = np.full(m, np.inf)  # smallest tau^2 seen with a negative score
    for _ in range(REML_MAXITER):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        yy, vv, t, scale = y[idx], v[idx], tau2[idx], s2[idx]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            adj = _score_step(yy, vv, t, reml)
            bad = ~np.isfinite(adj)
            adj[bad] = 0.0
            lo = np.where(adj > 0, np.maximum(low[idx], t), low[idx])
            hi = np.where(adj < 0, np.minimum(high[idx], t), high[idx])
            low[idx], high[idx] = lo, hi
            # at the boundary with a negative score, tau^2 = 0 is the maximum
            at_zero = (t == 0) & (adj <= 0)
            neg = (t + adj < 0) & ~at_zero
            if neg.any():
                # a step below 0: go to 0 if the score there is not positive and the likelihood no lower (the
                # maximum is on the boundary), else halve until tau^2 stays at or above 0 (as metafor)
                zero = np.zeros(int(neg.sum()))
                boundary = (_score_step(yy[neg], vv[neg], zero, reml) <= 0) & (
                    _loglik(yy[neg], vv[neg], zero, reml) >= _loglik(yy[neg], vv[neg], t[neg], reml))
                halvings = np.ceil(np.log2(-adj[neg] / np.maximum(t[neg], np.finfo(float).tiny)))
                halved = np.maximum(adj[neg] / 2.0 ** np.maximum(halvings, 1), -t[neg])
                adj[neg] = np.where(boundary, -t[neg], halved)
            turned = (adj * previous[idx] < 0) & ~at_zero & ~neg
            adj[turned] /= 2.0  # the last step passed the maximum: halve this one (damps an oscillation)
            for _ in range(_MAX_HALVINGS):  # halve while the step passes a point seen beyond the maximum
                past = ((adj > 0) & (t + adj >= hi)) | ((adj < 0) & (t + adj <= lo))
                if not past.any():
                    break
                adj[past] /= 2.0
            new = np.where(at_zero, 0.0, t + adj)
            ll_old = _loglik(yy, vv, t, reml)
            ll_new = _loglik(yy, vv, new, reml)
            worse = (ll_new < ll_old - 1e-13 * np.abs(ll_old)) & ~at_zero
            for _ in range(_MAX_HALVINGS):
                if not worse.any():
                    break
                adj[worse] /= 2.0
                new[worse] = t[worse] + adj[worse]
                ll_new[worse] = _loglik(yy[worse], vv[worse], new[worse], reml)
                worse = worse & (ll_new < ll_old - 1e-13 * np.abs(ll_old))
        stuck = worse | bad
        previous[idx] = np.where(stuck, 0.0, new - t)
        tau2[idx] = np.where(stuck, t, new)
        done = at_zero | (np.abs(new - t) <= REML_RTOL * (new + scale))
        stalled[idx[stuck & ~done]] = True
        active[idx[done | stuck]] = False
    stalled |= active  # no convergence in REML_MAXITER steps
    # a maximum found inside may be a local one: if tau^2 = 0 is more likely, search the whole range (metafor
    # instead sets tau^2 = 0 with a warning)
    inside = ~stalled & (tau2 > 0)
    if inside.any():
        zero = np.zeros(int(inside.sum()))
        ll_fit = _loglik(y[inside], v[inside], tau2[inside], reml)
        ll_zero = _loglik(y[inside], v[inside], zero, reml)
        stalled[np.flatnonzero(inside)[ll_zero > ll_fit + 1e-12 * np.abs(ll_fit)]] = True
    for row in np.flatnonzero(stalled):
        tau2[row] = _bounded_search(y[row], v[row], reml, float(s2[row]))
        fit[row] = "bounded search"
    return tau2, fit


def _check_level(level, name: str) -> float:
    if isinstance(level, (str, bytes)) or isinstance(level, bool) or not isinstance(level, numbers.Real):
        raise TypeError(f"{name}: level must be a number between 0 and 1 (e.g. 0.95), got {level!r} "
                        f"(a {type(level).__name__})")
    value = float(level)
    if not 0 < value < 1:
        raise ValueError(f"{name}: level must lie between 0 and 1 (e.g. 0.95), got {level!r}")
    return value


def _choice(value, allowed: tuple[str, ...], name: str, label: str, upper: bool) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{label}: {name} must be one of {', '.join(allowed)}, got {value!r}")
    text = value.upper() if upper else value.lower()
    if text not in allowed:
        raise ValueError(f"{label}: {name} must be one of {', '.join(allowed)}, got {value!r}")
    return text


def _row_problems(y: np.ndarray, v: np.ndarray, names, batch: bool) -> dict[int, str]:
    """Per analysis, the first bad value (NaN, infinite, a variance <= 0), as a message naming it."""
    problems: dict[int, str] = {}
    for key, arr in (("yi", y), ("vi", v)):
        bad = ~np.isfinite(arr)
        for row in np.flatnonzero(bad.any(axis=1)).tolist():
            if row in problems:
                continue
            j = int(np.flatnonzero(bad[row])[0])
            problems[row] = (f"{_where((row, j), names, batch)} has {key} = {arr[row, j]:g} "
                             f"(NaN or infinite values cannot be pooled)")
    bad = np.isfinite(v) & (v <= 0)
    for row in np.flatnonzero(bad.any(axis=1)).tolist():
        if row not in problems:
            j = int(np.flatnonzero(bad[row])[0])
            problems[row] = (f"{_where((row, j), names, batch)} has vi = {v[row, j]:g} "
                             f"(a sampling variance must be greater than 0)")
    return problems


def pool(yi: ArrayLike | EffectSizes, vi: ArrayLike | None = None, method: str = "REML", level: float = 0.95,
         studies: Sequence[str] | None = None, *,
         ci: str = "wald", pi: str = "riley", errors: str | None = None) -> PoolResult:
    """Pool effect sizes with a fixed-effect or random-effects (inverse-variance) model.

    Parameters
    ----------
    yi : array_like or EffectSizes
        Effect sizes, shape ``(k,)`` for one analysis or ``(m, k)`` for ``m`` analyses of ``k``
        studies each (pooled all at once). An :class:`EffectSizes` supplies ``vi`` and study names
        (a ``vi`` passed as well must equal its own).
    vi : array_like
        Sampling variances, same shape as ``yi``; each must be greater than 0.
    method : {"REML", "ML", "DL", "FE"}
        Between-study variance estimator: restricted maximum likelihood (metafor's and RevMan 2025's
        default), maximum likelihood, DerSimonian-Laird (RevMan 5's "IV, Random"), or none (fixed effect).
    level : float
        Confidence level of the confidence and prediction intervals (0.95 gives 95 %).
    studies : sequence of str, optional
        Study names, used in error messages and kept on the result (for forest plots).
    ci : {"wald", "hksj", "hksj-modified"}
        Interval for the summary effect: Wald (normal quantile, metafor's ``test="z"``), Hartung-Knapp-Sidik-
        Jonkman (metafor's ``test="knha"``), or HKSJ whose scaling factor is held at 1 or more, so that the
        interval is never narrower than the Wald interval (metafor's ``test="adhoc"``).
    pi : {"riley", "t", "z"}
        Quantile of the prediction interval: t with k-2 df (default; Higgins 2009, metafor's
        ``predict(pi.type="Riley")``), t with k-1 df (metafor's ``pi.type="t"``, and its default after
        ``test="knha"``), or normal (metafor's default after ``test="z"``).
    errors : {"raise", "report"}, optional
        What a failed analysis does. One analysis (1-D input) raises by default; in a batch (2-D input)
        each analysis stands on its own by default ("report"): a failed row's numbers are NaN, its
        ``tau2_fit`` says ``"failed"`` and ``failures`` names it with the reason.

    Returns
    -------
    PoolResult
        Frozen dataclass with ``estimate, se, ci_low, ci_high, z, p, tau2, q, df, p_q, i2, h2, weights,
        pi_low, pi_high, method, k, level, yi, vi, studies, ci, pi, tau2_fit, failures, notes``. Scalars for
        1-D input, arrays of shape ``(m,)`` (weights ``(m, k)``) for 2-D input.

    Raises
    ------
    ValueError
        Unknown method, ci or pi; a level outside (0, 1); mismatched lengths; no studies; ``vi`` that
        contradicts an :class:`EffectSizes`; and (unless reported per row in a batch) NaN or infinite values,
        a variance <= 0, or effect sizes so far apart that the result overflows double precision. The
        message names the analysis row and the study (by name, else 1-based position) and the bad value.
    TypeError
        A level, method, ci or pi of the wrong type (``level="0.95"``).

    Notes
    -----
    With weights :math:`w_i = 1/(v_i + \\hat\\tau^2)`:

    .. math::
        \\hat\\mu = \\frac{\\sum w_i y_i}{\\sum w_i}, \\quad SE = \\Big(\\sum w_i\\Big)^{-1/2}, \\quad
        \\hat\\mu \\pm z_{1-\\alpha/2} SE \\ \\text{(Wald)}

    HKSJ multiplies the variance by :math:`q = \\sum w_i (y_i - \\hat\\mu)^2 / (k-1)` and uses
    :math:`t_{k-1}`; the modified version uses :math:`\\max(1, q)` (Knapp & Hartung 2003; Roever, Knapp &
    Friede 2015). With k = 1 there is no t quantile: the interval is Wald's and ``notes`` says so (as metafor).

    Heterogeneity uses the fixed-effect weights :math:`u_i = 1/v_i`: :math:`Q = \\sum u_i (y_i -
    \\hat\\mu_{FE})^2` on :math:`k - 1` df. DerSimonian-Laird sets :math:`\\hat\\tau^2 = \\max(0, (Q - (k-1)) /
    (\\sum u_i - \\sum u_i^2/\\sum u_i))`. REML and ML maximise their likelihoods by Fisher scoring (metafor's
    algorithm, started at the DL estimate), halving a step that would leave tau^2 below 0 or lower the
    likelihood, and stopping when a step changes tau^2 by less than ``REML_RTOL`` x (tau^2 + s^2); where
    scoring stalls (``REML_MAXITER`` steps, or no step that raises the likelihood), a bounded one-dimensional
    search of the same likelihood takes over and ``tau2_fit`` says so. As in metafor, :math:`I^2 =
    100\\,\\hat\\tau^2/(\\hat\\tau^2 + s^2)` and :math:`H^2 = (\\hat\\tau^2 + s^2)/s^2` with the typical within-study
    variance :math:`s^2 = (k-1)\\sum u_i / ((\\sum u_i)^2 - \\sum u_i^2)`; for FE :math:`I^2 = 100 \\max(0,
    (Q - (k-1))/Q)` and :math:`H^2 = Q/(k-1)`. With k = 1, tau^2 = 0, Q = 0, I^2 = 0 and H^2 = 1 (as metafor).

    Prediction interval (random-effects models): :math:`\\hat\\mu \\pm c\\sqrt{\\hat\\tau^2 + SE^2}` with the SE
    of the chosen ``ci`` and :math:`c` the quantile ``pi`` names; NaN for FE and where the quantile has no
    degrees of freedom.

    References
    ----------
    .. [1] Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw
       2010;36(3). https://www.metafor-project.org
    .. [2] DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials 1986;7:177-88.
    .. [3] Viechtbauer W. Bias and efficiency of meta-analytic variance estimators in the random-effects
       model. J Educ Behav Stat 2005;30:261-93 (REML and ML by Fisher scoring).
    .. [4] Hartung J, Knapp G. A refined method for the meta-analysis of controlled clinical trials with
       binary outcome. Stat Med 2001;20:3875-89; Sidik K, Jonkman JN. Stat Med 2002;21:3153-9.
    .. [5] Knapp G, Hartung J. Improved tests for a random effects meta-regression with a single covariate.
       Stat Med 2003;22:2693-710; Roever C, Knapp G, Friede T. Hartung-Knapp-Sidik-Jonkman approach and its
       modification for random-effects meta-analysis with few studies. BMC Med Res Methodol 2015;15:99.
    .. [6] Higgins JPT, Thompson SG, Spiegelhalter DJ. A re-evaluation of random-effects meta-analysis.
       J R Stat Soc A 2009;172:137-59.
    .. [7] Higgins JPT, Thompson SG. Quantifying heterogeneity in a meta-analysis. Stat Med 2002;21:1539-58.

    Examples
    --------
    >>> res = pool([0.1, 0.3, 0.35, 0.6], [0.04, 0.02, 0.05, 0.03], method="DL")
    >>> round(res.estimate, 4), round(res.tau2, 4), res.k
    (0.3458, 0.0083, 4)
    >>> round(float(res.weights.sum()), 6)
    100.0
    >>> hk = pool([0.1, 0.3, 0.35, 0.6], [0.04, 0.02, 0.05, 0.03], method="REML", ci="hksj")
    >>> hk.ci, hk.tau2_fit
    ('hksj', 'Fisher scoring')
    """
    label = "pool"
    method = _choice(method, METHODS, "method", label, upper=True)
    ci = _choice(ci, CI_METHODS, "ci", label, upper=False)
    pi = _choice(pi, PI_METHODS, "pi", label, upper=False)
    level = _check_level(level, label)
    if isinstance(yi, EffectSizes):
        studies = studies if studies is not None else yi.studies
        if vi is not None and not np.array_equal(np.asarray(vi, dtype=float), yi.vi):
            raise ValueError("pool: vi was given with EffectSizes that carry other variances; pass one or the other")
        given = yi
        yi, vi = given.yi, given.vi
    if vi is None:
        raise ValueError("pool: vi (the sampling variances) is required")
    arrays, names, batch = _as_arrays(label, {"yi": yi, "vi": vi}, studies, allow_2d=True, check_finite=False)
    if errors is None:
        errors = "report" if batch else "raise"
    if errors not in ("raise", "report"):
        raise ValueError(f"pool: errors must be 'raise' or 'report', got {errors!r}")
    y = np.atleast_2d(arrays["yi"]).astype(float)
    v = np.atleast_2d(arrays["vi"]).astype(float)
    m, k = y.shape
    if k == 0:
        raise ValueError("pool: no studies to pool")

    clean = bool(np.isfinite(y).all() and np.isfinite(v).all() and (v > 0).all())
    problems = {} if clean else _row_problems(y, v, names, batch)
    # the rescaled frame: shift by the most precise study's effect, divide by its standard error
    if clean:
        safe_y, safe_v = y, v
    else:
        safe_y = np.where(np.isfinite(y), y, 0.0)
        safe_v = np.where(np.isfinite(v) & (v > 0), v, 1.0)
        for row in problems:
            safe_y[row], safe_v[row] = 0.0, 1.0
    rows = np.arange(m)
    best = np.argmin(safe_v, axis=1)
    vmin = safe_v[rows, best]
    ref = safe_y[rows, best]
    c = np.sqrt(vmin)
    with np.errstate(over="ignore", invalid="ignore"):
        yn = (safe_y - ref[:, None]) / c[:, None]
        vn = safe_v / vmin[:, None]
    spread = np.maximum(yn.max(axis=1), -yn.min(axis=1))
    for row in np.flatnonzero(~(spread <= _SPREAD_LIMIT)).tolist():
        if row not in problems:
            problems[row] = (f"{'analysis ' + str(row + 1) + ': ' if batch else ''}the effect sizes lie about "
                             f"{float(np.ptp(safe_y[row])):.3g} apart, more than 1e100 times the smallest standard "
                             f"error ({float(c[row]):.3g}): pooling them would overflow double precision "
                             f"(rescale yi and vi)")
            yn[row], vn[row] = 0.0, 1.0
    if problems and errors == "raise":
        row = min(problems)
        raise ValueError(f"{label}: {problems[row]}")

    df = k - 1
    u = 1.0 / vn  # in (0, 1]; 0 for a study whose variance ratio overflows
    su = u.sum(axis=1)
    mu_fe = (u * yn).sum(axis=1) / su
    q = (u * (yn - mu_fe[:, None]) ** 2).sum(axis=1)
    c_stat = su - (u * u).sum(axis=1) / su
    risky = c_stat < 1e-6 * su  # one weight dominates: recompute without cancellation
    if risky.any():
        c_stat[risky] = (u[risky] * _others(u[risky], su[risky])).sum(axis=1) / su[risky]
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = np.where(c_stat > 0, df / c_stat, np.nan)
    notes = []
    if method == "FE" or k == 1:
        tau2n = np.zeros(m)
        fit = np.array(["none" if method == "FE" else "k = 1"] * m, dtype=object)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            tau2n = np.where(c_stat > 0, np.maximum(0.0, (q - df) / c_stat), 0.0)
        fit = np.array(["closed form"] * m, dtype=object)
        if method in ("REML", "ML"):
            todo = np.array([row not in problems for row in range(m)])
            if todo.any():
                fitted, how = _fit_tau2(yn[todo], vn[todo], tau2n[todo], np.nan_to_num(s2[todo], nan=1.0),
                                        reml=method == "REML")
                tau2n[todo], fit[todo] = fitted, how

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        w = 1.0 / (vn + tau2n[:, None])
        sw = w.sum(axis=1)
        mu = (w * yn).sum(axis=1) / sw
        se = np.sqrt(1.0 / sw)
        ci_used = ci
        if ci != "wald" and k == 1:
            ci_used = "wald"
            notes.append(f"ci={ci!r} needs at least 2 studies: with k = 1 the interval is Wald's (as metafor)")
        if ci_used == "wald":
            crit = special.ndtri(0.5 + level / 2)
        else:
            scale_q = (w * (yn - mu[:, None]) ** 2).sum(axis=1) / df
            scale_q = np.where(scale_q <= np.finfo(float).eps, 0.0, scale_q)
            if ci_used == "hksj-modified":
                scale_q = np.maximum(scale_q, 1.0)
            se = se * np.sqrt(scale_q)
            crit = special.stdtrit(df, 0.5 + level / 2)
        if k == 1:
            p_q, i2, h2 = np.ones(m), np.zeros(m), np.ones(m)
        else:
            p_q = special.chdtrc(df, q)
            if method == "FE":
                i2 = np.where(q > 0, 100 * np.maximum(0.0, (q - df) / q), 0.0)
                h2 = q / df
            else:
                i2 = 100 * tau2n / (tau2n + s2)
                h2 = (tau2n + s2) / s2
        pi_df = {"riley": k - 2, "t": k - 1, "z": k - 1}[pi]
        if method != "FE" and pi_df >= 1:
            quantile = special.ndtri(0.5 + level / 2) if pi == "z" else special.stdtrit(pi_df, 0.5 + level / 2)
            half = quantile * np.sqrt(tau2n + se ** 2)
            pi_low, pi_high = mu - half, mu + half
        else:
            pi_low = pi_high = np.full(m, np.nan)
        weights = 100 * w / sw[:, None]
        # back to the data's units
        estimate = ref + c * mu
        se_out = c * se
        half_ci = crit * se_out
        tau2 = vmin * tau2n
        pi_low_out, pi_high_out = ref + c * pi_low, ref + c * pi_high
        ci_low, ci_high = estimate - half_ci, estimate + half_ci
        stat = np.where(se_out > 0, estimate / np.where(se_out > 0, se_out, 1.0),
                        np.where(estimate == 0, 0.0, np.sign(estimate) * np.inf))
        if ci_used == "wald":
            p = 2 * special.ndtr(-np.abs(stat))
        else:
            p = 2 * special.stdtr(df, -np.abs(stat))

    finite = np.isfinite(np.stack([estimate, se_out, ci_low, ci_high, tau2, q, i2, h2])).all(axis=0)
    for row in np.flatnonzero(~finite | ((se_out == 0) & (ci_used == "wald"))).tolist():
        if row not in problems:
            problems[row] = (f"{'analysis ' + str(row + 1) + ': ' if batch else ''}the pooled result lies outside "
                             f"what double precision can hold (yi from {np.min(y[row]):.3g} to {np.max(y[row]):.3g}, "
                             f"vi from {np.min(v[row]):.3g} to {np.max(v[row]):.3g}): rescale yi and vi")
    if problems and errors == "raise":
        raise ValueError(f"{label}: {problems[min(problems)]}")
    failed = sorted(problems)
    for row in failed:
        fit[row] = "failed"
        for arr in (estimate, se_out, ci_low, ci_high, stat, p, tau2, q, p_q, i2, h2, pi_low_out, pi_high_out):
            arr[row] = np.nan
        weights[row] = np.nan

    def out(values):
        return float(values[0]) if not batch else _frozen(values)

    return PoolResult(
        estimate=out(estimate), se=out(se_out), ci_low=out(ci_low), ci_high=out(ci_high), z=out(stat), p=out(p),
        tau2=out(tau2), q=out(q), df=df, p_q=out(p_q), i2=out(i2), h2=out(h2),
        weights=_frozen(weights if batch else weights[0]), pi_low=out(pi_low_out), pi_high=out(pi_high_out),
        method=method, k=k, level=level, yi=_frozen(arrays["yi"], copy=True),
        vi=_frozen(arrays["vi"], copy=True), studies=names,
        ci=ci_used, pi=pi, tau2_fit=str(fit[0]) if not batch else tuple(fit.tolist()),
        failures=tuple((row, problems[row]) for row in failed), notes=tuple(notes),
    )


# ---------------------------------------------------------------------------------------
# Heterogeneity interval, leave-one-out, cumulative


def _generalised_q(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    w = 1.0 / (v + tau2)
    mu = float((w * y).sum() / w.sum())
    return float((w * (y - mu) ** 2).sum())


def _q_root(y, v, target: float, scale: float) -> float:
    """The tau^2 at which the generalised Q statistic equals ``target`` (Q falls as tau^2 grows)."""
    upper = max(scale, 1.0)
    for _ in range(400):
        if _generalised_q(y, v, upper) < target:
            break
        upper *= 2.0
    return float(optimize.brentq(lambda t: _generalised_q(y, v, t) - target, 0.0, upper, xtol=1e-14 * upper,
                                 rtol=8.9e-16, maxiter=500))


def heterogeneity_interval(yi: ArrayLike, vi: ArrayLike, level: float = 0.95) -> HeterogeneityInterval:
    """Q-profile confidence interval for tau^2, and the matching intervals for tau, I^2 and H^2.

    Parameters
    ----------
    yi, vi : array_like
        Effect sizes and sampling variances, shape ``(k,)`` (or ``(m, k)``: one interval per row), k >= 2.
    level : float
        Confidence level (0.95 gives 95 %).

    Returns
    -------
    HeterogeneityInterval
        ``tau2_low, tau2_high, tau_low, tau_high, i2_low, i2_high, h2_low, h2_high`` (floats, or arrays for 2-D
        input), ``level``, ``k`` and ``notes``.

    Raises
    ------
    ValueError
        Fewer than two studies, NaN or infinite values, a variance <= 0, a level outside (0, 1).
    TypeError
        A level that is not a number (``"0.95"``).

    Notes
    -----
    The Q-profile method (Viechtbauer 2007) inverts the generalised Q statistic
    :math:`Q(\\tau^2) = \\sum w_i (y_i - \\hat\\mu)^2` with :math:`w_i = 1/(v_i + \\tau^2)`, which follows a
    chi-squared distribution on k - 1 df at the true tau^2: the bounds solve :math:`Q(\\tau^2) =
    \\chi^2_{k-1, (1+level)/2}` (lower) and :math:`Q(\\tau^2) = \\chi^2_{k-1, (1-level)/2}` (upper), and are 0 where
    Q at tau^2 = 0 is already below the quantile. I^2 and H^2 bounds follow from the tau^2 bounds with the
    typical within-study variance :math:`s^2` of :func:`pool`: :math:`I^2 = 100\\tau^2/(\\tau^2 + s^2)`,
    :math:`H^2 = 1 + \\tau^2/s^2`. This is metafor's ``confint()`` for an ``rma.uni`` model.

    References
    ----------
    .. [1] Viechtbauer W. Confidence intervals for the amount of heterogeneity in meta-analysis. Stat Med
       2007;26:37-52.

    Examples
    --------
    >>> ci = heterogeneity_interval([0.1, 0.3, 0.35, 0.6], [0.04, 0.02, 0.05, 0.03])
    >>> ci.tau2_low, round(ci.tau2_high, 3)
    (0.0, 0.554)
    """
    label = "heterogeneity_interval"
    level = _check_level(level, label)
    arrays, names, batch = _as_arrays(label, {"yi": yi, "vi": vi}, None, allow_2d=True, check_finite=False)
    y = np.atleast_2d(arrays["yi"])  # floats already (read, never written)
    v = np.atleast_2d(arrays["vi"])
    problems = _row_problems(y, v, None, batch)
    if problems:
        raise ValueError(f"{label}: {problems[min(problems)]}")
    m, k = y.shape
    if k < 2:
        raise ValueError(f"{label}: an interval for tau^2 needs at least 2 studies, got {k}")
    hi_q = float(special.chdtri(k - 1, (1 - level) / 2))  # upper quantile: Q above it is too much spread
    lo_q = float(special.chdtri(k - 1, (1 + level) / 2))
    out = {name: np.zeros(m) for name in ("tau2_low", "tau2_high", "s2")}
    notes = []
    for row in range(m):
        vmin = float(v[row].min())
        yn = (y[row] - y[row][np.argmin(v[row])]) / math.sqrt(vmin)
        vn = v[row] / vmin
        if np.max(np.abs(yn)) > _SPREAD_LIMIT:
            raise ValueError(f"{label}: {'analysis ' + str(row + 1) + ': ' if batch else ''}the effect sizes lie "
                             "too far apart for double precision (rescale yi and vi)")
        u = 1.0 / vn
        su = u.sum()
        c_stat = float((u * _others(u[None, :], np.array([su]))[0]).sum() / su)
        s2 = (k - 1) / c_stat
        q0 = _generalised_q(yn, vn, 0.0)
        scale = float(np.max((yn - yn.mean()) ** 2)) + s2
        prefix = f"analysis {row + 1}: " if batch else ""
        if q0 < hi_q:
            low = 0.0
            notes.append(f"{prefix}the lower bound is 0: Q at tau^2 = 0 ({q0:.3g}) is below the "
                         f"{(1 + level) / 2:.3g} quantile ({hi_q:.3g})")
        else:
            low = _q_root(yn, vn, hi_q, scale)
        if q0 < lo_q:
            high = 0.0
            notes.append(f"{prefix}the upper bound is 0 as well: Q at tau^2 = 0 ({q0:.3g}) is below the "
                         f"{(1 - level) / 2:.3g} quantile ({lo_q:.3g}); the studies agree more closely than "
                         "chance alone would usually allow")
        else:
            high = _q_root(yn, vn, lo_q, scale)
        out["tau2_low"][row], out["tau2_high"][row], out["s2"][row] = low * vmin, high * vmin, s2 * vmin
    s2_all = out["s2"]
    low_all, high_all = out["tau2_low"], out["tau2_high"]

    def res(values: np.ndarray) -> Any:
        return float(values[0]) if not batch else _frozen(values)

    return HeterogeneityInterval(
        tau2_low=res(low_all), tau2_high=res(high_all), tau_low=res(np.sqrt(low_all)), tau_high=res(np.sqrt(high_all)),
        i2_low=res(100 * low_all / (low_all + s2_all)), i2_high=res(100 * high_all / (high_all + s2_all)),
        h2_low=res(1 + low_all / s2_all), h2_high=res(1 + high_all / s2_all), level=level, k=k, notes=tuple(notes))


#: The numbers a :class:`SequentialResult` carries per step, as :class:`PoolResult` names them.
_STEP_FIELDS = ("estimate", "se", "ci_low", "ci_high", "p", "tau2", "i2", "q", "pi_low", "pi_high")


def _sequential(steps: dict[str, Any], k, labels, last: PoolResult, order) -> SequentialResult:
    """The steps' numbers (one sequence per name of :data:`_STEP_FIELDS`), with the method, interval and level of
    the last step's pooling (as the caller's options read them: ``"dl"`` is ``"DL"``)."""
    return SequentialResult(**{name: _frozen(steps[name], copy=True) for name in _STEP_FIELDS}, k=np.asarray(k),
                            label=tuple(labels), order=np.asarray(order), method=last.method, ci=last.ci,
                            level=last.level)


def _one_analysis(label, yi, vi, studies):
    if isinstance(yi, EffectSizes):
        studies = studies if studies is not None else yi.studies
        yi, vi = yi.yi, yi.vi
    if vi is None:
        raise ValueError(f"{label}: vi (the sampling variances) is required")
    arrays, names, batch = _as_arrays(label, {"yi": yi, "vi": vi}, studies, allow_2d=False, check_finite=True)
    y, v = arrays["yi"], arrays["vi"]  # floats already
    bad = v <= 0
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{label}: {_where((j,), names, False)} has vi = {v[j]:g} "
                         f"(a sampling variance must be greater than 0)")
    labels = list(names) if names is not None else [f"study {j + 1}" for j in range(len(y))]
    return y, v, labels


def leave_one_out(yi: ArrayLike | EffectSizes, vi: ArrayLike | None = None, method: str = "REML", *,
                  level: float = 0.95, ci: str = "wald", pi: str = "riley",
                  studies: Sequence[str] | None = None) -> SequentialResult:
    """Pool the studies again without each one in turn (metafor's ``leave1out()``).

    Returns a :class:`SequentialResult` whose step ``i`` leaves out study ``i`` (``label`` names it): arrays
    ``estimate, se, ci_low, ci_high, p, tau2, i2, q, pi_low, pi_high, k``. Needs k >= 2 (a step with one study
    left has tau^2 = 0). Other arguments as :func:`pool`.

    Examples
    --------
    >>> loo = leave_one_out([0.1, 0.3, 0.35, 0.6], [0.04, 0.02, 0.05, 0.03], method="DL", studies=list("ABCD"))
    >>> loo.label, [round(float(e), 3) for e in loo.estimate]
    (('A', 'B', 'C', 'D'), [0.406, 0.363, 0.343, 0.258])
    """
    y, v, labels = _one_analysis("leave_one_out", yi, vi, studies)
    k = len(y)
    if k < 2:
        raise ValueError(f"leave_one_out: needs at least 2 studies, got {k}")
    keep = ~np.eye(k, dtype=bool)
    rows_y = np.stack([y[keep[i]] for i in range(k)])
    rows_v = np.stack([v[keep[i]] for i in range(k)])
    batch = pool(rows_y, rows_v, method=method, level=level, ci=ci, pi=pi, errors="raise")
    steps = {name: getattr(batch, name) for name in _STEP_FIELDS}
    return _sequential(steps, np.full(k, batch.k), labels, batch, np.arange(k))


def cumulative(yi: ArrayLike | EffectSizes, vi: ArrayLike | None = None, order: ArrayLike | None = None,
               method: str = "REML", *, level: float = 0.95, ci: str = "wald",
               pi: str = "riley", studies: Sequence[str] | None = None) -> SequentialResult:
    """Cumulative meta-analysis: pool the first study, then the first two, and so on (metafor's ``cumul()``).

    Parameters
    ----------
    yi, vi : array_like or EffectSizes
        One analysis (1-D).
    order : array_like, optional
        A sort key per study (e.g. publication years): the studies are added in increasing order of it, ties
        in their input order (a stable sort, as metafor's ``order=``). ``None`` keeps the input order.
    method, level, ci, pi, studies
        As :func:`pool`.

    Returns
    -------
    SequentialResult
        Step ``i`` pools the first ``i + 1`` studies in the sorted order; ``label`` names the study added at each
        step and ``order`` the input positions in the order of the steps. The first step has one study
        (tau^2 = 0; with ``ci="hksj"`` its interval is Wald's, as metafor).

    Examples
    --------
    >>> cum = cumulative([0.1, 0.3, 0.35, 0.6], [0.04, 0.02, 0.05, 0.03], order=[2001, 1999, 2005, 2003],
    ...                  method="DL", studies=list("ABCD"))
    >>> cum.label, cum.k.tolist()
    (('B', 'A', 'D', 'C'), [1, 2, 3, 4])
    """
    y, v, labels = _one_analysis("cumulative", yi, vi, studies)
    k = len(y)
    if order is None:
        idx = np.arange(k)
    else:
        keys = np.asarray(order)
        if keys.shape != (k,):
            raise ValueError(f"cumulative: order needs one key per study ({k}), got shape {keys.shape}")
        if keys.dtype.kind in "fc" and not np.all(np.isfinite(keys)):
            raise ValueError("cumulative: order has NaN or infinite keys")
        idx = np.argsort(keys, kind="stable")
    results = [pool(y[idx[: i + 1]], v[idx[: i + 1]], method=method, level=level, ci=ci, pi=pi) for i in range(k)]
    steps = {name: [getattr(r, name) for r in results] for name in _STEP_FIELDS}
    return _sequential(steps, [r.k for r in results], [labels[j] for j in idx], results[-1], idx)


def difference(first: tuple[float, float, float], second: tuple[float, float, float], level: float = 0.95
               ) -> tuple[float, float, float]:
    """The difference ``second - first`` of two independent estimates given as ``(estimate, ci_low, ci_high)``
    (symmetric intervals at ``level``), with its interval: each standard error is read back from its interval's
    half-width, and the difference's is the root of the summed variances (a normal approximation).

    Examples
    --------
    >>> [round(x, 3) for x in difference((0.17, 0.11, 0.22), (0.52, 0.14, 0.91))]
    [0.35, -0.039, 0.739]
    """
    _check_level(level, "difference")
    halves = []
    for name, (est, low, high) in (("first", first), ("second", second)):
        if not low <= est <= high:
            raise ValueError(f"difference: {name} estimate {est} lies outside its interval [{low}, {high}]")
        halves.append((high - low) / 2)
    diff = float(second[0]) - float(first[0])
    # Each standard error is its half-width / z, and the difference's half-width z * sqrt(se1^2 + se2^2): with both
    # intervals at the same level, z cancels and the half-widths add in quadrature.
    half = math.hypot(*halves)
    return diff, diff - half, diff + half
