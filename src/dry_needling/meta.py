"""Effect sizes and pooling for trial-level meta-analysis.

* :func:`mean_difference` and :func:`standardised_mean_difference` turn per-arm summaries
  (n, mean, SD) into effect sizes ``yi`` with sampling variances ``vi``, the latter exactly as
  RevMan 5 computes Hedges' adjusted g.
* :func:`pool` pools them with a fixed-effect model (``"FE"``) or a random-effects model whose
  between-study variance tau^2 is estimated by DerSimonian-Laird (``"DL"``) or restricted maximum
  likelihood (``"REML"``), and reports heterogeneity (Q, I^2, H^2) and a prediction interval.

The numbers follow R's metafor (``rma.uni`` with ``test="z"``) and are tested against its
published output (``tests/test_meta.py``). The arithmetic is vectorised: :func:`pool` accepts a
2-D array, one row per analysis, and pools all rows at once. Why this module does its own
arithmetic instead of calling statsmodels or PyMARE: ``docs/maintenance.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

__all__ = ["EffectSizes", "PoolResult", "mean_difference", "standardised_mean_difference", "pool", "METHODS"]

METHODS = ("FE", "DL", "REML")
REML_TOL = 1e-12  # stop Fisher scoring when tau^2 changes by less than this
REML_MAXITER = 200


# ---------------------------------------------------------------------------------------
# Results


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.array(array, dtype=float)
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

    ``weights`` are percentages per study (summing to 100 per analysis), ``i2`` is a percentage,
    ``pi_low``/``pi_high`` are NaN for the fixed-effect model and whenever ``k < 3``.
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

    @property
    def tau(self) -> float | np.ndarray:
        """Square root of tau^2."""
        return np.sqrt(self.tau2)

    @property
    def random_effects(self) -> bool:
        return self.method != "FE"

    def heterogeneity_text(self, decimals: int = 2) -> str:
        """One line in metafor's manner, e.g. ``RE model (DL): τ² = 0.12, I² = 45 %, Q = 9.10, df = 5, p = 0.10``."""
        if np.ndim(self.estimate):
            raise ValueError("heterogeneity_text describes one analysis; index the batch first")
        model = "FE model" if self.method == "FE" else f"RE model ({self.method})"
        p_q = "p < 0.001" if self.p_q < 0.001 else f"p = {self.p_q:.{max(decimals, 2)}f}"
        tau = "" if self.method == "FE" else f"τ² = {self.tau2:.{decimals}f}, "
        return (f"{model}: {tau}I² = {self.i2:.0f} %, Q = {self.q:.{decimals}f}, df = {self.df}, {p_q}"
                .replace("-", "\u2212"))


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


def _as_arrays(label: str, values: dict[str, object], names_in: Sequence[str] | None, *, allow_2d: bool):
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
    for key, arr in arrays.items():
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


def mean_difference(n1, mean1, sd1, n2, mean2, sd2, *, studies: Sequence[str] | None = None) -> EffectSizes:
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


def standardised_mean_difference(n1, mean1, sd1, n2, mean2, sd2, *,
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
    n1, n2 = a["n1"], a["n2"]
    total = n1 + n2
    pooled_sd = np.sqrt(((n1 - 1) * a["sd1"] ** 2 + (n2 - 1) * a["sd2"] ** 2) / (total - 2))
    g = (a["mean1"] - a["mean2"]) / pooled_sd * (1 - 3 / (4 * total - 9))
    vi = total / (n1 * n2) + g ** 2 / (2 * (total - 3.94))
    return EffectSizes(_frozen(g), _frozen(vi), "SMD", names)


# ---------------------------------------------------------------------------------------
# Pooling


def _tau2_dl(y, v, w, sw):
    mu = (w * y).sum(axis=-1) / sw
    q = (w * (y - mu[:, None]) ** 2).sum(axis=-1)
    c = sw - (w * w).sum(axis=-1) / sw
    return np.maximum(0.0, (q - (y.shape[-1] - 1)) / c)


def _tau2_reml(y, v, start):
    """REML tau^2 by Fisher scoring (metafor's algorithm for rma.uni), all rows at once."""
    tau2 = start.copy()
    active = np.ones(tau2.shape, dtype=bool)
    for _ in range(REML_MAXITER):
        yy, vv, t = y[active], v[active], tau2[active]
        w = 1.0 / (vv + t[:, None])
        sw = w.sum(axis=-1)
        sw2 = (w * w).sum(axis=-1)
        mu = (w * yy).sum(axis=-1) / sw
        py = w * (yy - mu[:, None])  # P y, with P = W - w w' / sum(w)
        tr_p = sw - sw2 / sw
        tr_pp = sw2 - 2 * (w ** 3).sum(axis=-1) / sw + (sw2 / sw) ** 2
        new = np.maximum(0.0, t + ((py * py).sum(axis=-1) - tr_p) / tr_pp)
        tau2[active] = new
        still = np.abs(new - t) >= REML_TOL
        if not still.any():
            return tau2
        idx = np.flatnonzero(active)
        active[idx[~still]] = False
    rows = np.flatnonzero(active) + 1
    raise RuntimeError(f"pool: REML did not converge in {REML_MAXITER} iterations (analysis {rows[0]})")


def pool(yi, vi=None, method: str = "REML", level: float = 0.95, studies: Sequence[str] | None = None) -> PoolResult:
    """Pool effect sizes with a fixed-effect or random-effects (inverse-variance) model.

    Parameters
    ----------
    yi : array_like or EffectSizes
        Effect sizes, shape ``(k,)`` for one analysis or ``(m, k)`` for ``m`` analyses of ``k``
        studies each (pooled all at once). An :class:`EffectSizes` supplies ``vi`` and study names.
    vi : array_like
        Sampling variances, same shape as ``yi``; each must be greater than 0.
    method : {"REML", "DL", "FE"}
        Between-study variance estimator: restricted maximum likelihood (metafor's default),
        DerSimonian-Laird, or none (fixed-effect, tau^2 = 0).
    level : float
        Confidence level of the confidence and prediction intervals (0.95 gives 95 %).
    studies : sequence of str, optional
        Study names, used in error messages and kept on the result (for forest plots).

    Returns
    -------
    PoolResult
        Frozen dataclass with ``estimate, se, ci_low, ci_high, z, p, tau2, q, df, p_q, i2, h2,
        weights, pi_low, pi_high, method, k, level, yi, vi, studies``. Scalars for 1-D input,
        arrays of shape ``(m,)`` (weights ``(m, k)``) for 2-D input.

    Raises
    ------
    ValueError
        Unknown method; mismatched lengths; NaN or infinite values; a variance <= 0; fewer
        than two studies for a random-effects model (one for FE). The message names the study
        (by name, else 1-based position) and the bad value.

    Notes
    -----
    With weights :math:`w_i = 1/(v_i + \\hat\\tau^2)`:

    .. math::
        \\hat\\mu = \\frac{\\sum w_i y_i}{\\sum w_i}, \\quad SE = \\Big(\\sum w_i\\Big)^{-1/2}, \\quad
        z = \\hat\\mu / SE, \\quad \\hat\\mu \\pm z_{1-\\alpha/2} SE

    Heterogeneity uses the fixed-effect weights :math:`u_i = 1/v_i`:
    :math:`Q = \\sum u_i (y_i - \\hat\\mu_{FE})^2` on :math:`k - 1` df. DerSimonian-Laird sets
    :math:`\\hat\\tau^2 = \\max(0, (Q - (k-1)) / (\\sum u_i - \\sum u_i^2/\\sum u_i))`; REML maximises
    the restricted likelihood by Fisher scoring, truncating at 0, until tau^2 changes by less than
    1e-12. As in metafor, :math:`I^2 = 100\\,\\hat\\tau^2/(\\hat\\tau^2 + s^2)` and
    :math:`H^2 = (\\hat\\tau^2 + s^2)/s^2` with the typical within-study variance
    :math:`s^2 = (k-1)\\sum u_i / ((\\sum u_i)^2 - \\sum u_i^2)`; for FE (and for DL, where it is the
    same thing) :math:`I^2 = 100 \\max(0, (Q - (k-1))/Q)` and :math:`H^2 = Q/(k-1)`.

    Prediction interval (random-effects models only): Higgins, Thompson & Spiegelhalter (2009),
    as recommended by the Cochrane Handbook (section 10.10.4.3),

    .. math:: \\hat\\mu \\pm t_{k-2,\\,1-\\alpha/2}\\sqrt{\\hat\\tau^2 + SE^2}

    This is deliberately *not* metafor's default, which uses the normal quantile
    :math:`z_{1-\\alpha/2}` (``predict.rma`` with ``test="z"``); with few trials the t quantile is
    noticeably wider. It needs :math:`k \\ge 3`; for ``k = 2`` and for FE the bounds are NaN.

    References
    ----------
    .. [1] Viechtbauer W. Conducting meta-analyses in R with the metafor package. J Stat Softw
       2010;36(3). https://www.metafor-project.org
    .. [2] DerSimonian R, Laird N. Meta-analysis in clinical trials. Control Clin Trials
       1986;7:177-88.
    .. [3] Higgins JPT, Thompson SG, Spiegelhalter DJ. A re-evaluation of random-effects
       meta-analysis. J R Stat Soc A 2009;172:137-59.
    .. [4] Higgins JPT, Thompson SG. Quantifying heterogeneity in a meta-analysis. Stat Med
       2002;21:1539-58.

    Examples
    --------
    >>> res = pool([0.1, 0.3, 0.35, 0.6], [0.04, 0.02, 0.05, 0.03], method="DL")
    >>> round(res.estimate, 4), round(res.tau2, 4), res.k
    (0.3458, 0.0083, 4)
    >>> round(float(res.weights.sum()), 6)
    100.0
    """
    method = str(method).upper()
    if method not in METHODS:
        raise ValueError(f"pool: method must be one of {', '.join(METHODS)}, got {method!r}")
    if not 0 < level < 1:
        raise ValueError(f"pool: level must lie between 0 and 1 (e.g. 0.95), got {level!r}")
    if isinstance(yi, EffectSizes):
        studies = studies if studies is not None else yi.studies
        yi, vi = yi.yi, yi.vi
    if vi is None:
        raise ValueError("pool: vi (the sampling variances) is required")
    arrays, names, batch = _as_arrays("pool", {"yi": yi, "vi": vi}, studies, allow_2d=True)
    y, v = arrays["yi"], arrays["vi"]
    bad = v <= 0
    if bad.any():
        index = _first_bad(bad)
        raise ValueError(f"pool: {_where(index, names, batch)} has vi = {v[index]:g} "
                         f"(a sampling variance must be greater than 0)")
    k = y.shape[-1]
    needed = 1 if method == "FE" else 2
    if k < needed:
        only = f" ({_where((0, 0), names, False)}, yi = {y.flat[0]:g})" if k == 1 else ""
        raise ValueError(f"pool: a {'fixed-effect' if method == 'FE' else 'random-effects'} model needs at least "
                         f"{needed} studies, got {k}{only}")
    y2 = np.atleast_2d(y)
    v2 = np.atleast_2d(v)

    u = 1.0 / v2
    su = u.sum(axis=-1)
    su2 = (u * u).sum(axis=-1)
    mu_fe = (u * y2).sum(axis=-1) / su
    q = (u * (y2 - mu_fe[:, None]) ** 2).sum(axis=-1)
    df = k - 1
    if method == "FE":
        tau2 = np.zeros(y2.shape[0])
    else:
        tau2 = np.maximum(0.0, (q - df) / (su - su2 / su))  # DerSimonian-Laird
        if method == "REML":
            tau2 = _tau2_reml(y2, v2, tau2)

    w = 1.0 / (v2 + tau2[:, None])
    sw = w.sum(axis=-1)
    estimate = (w * y2).sum(axis=-1) / sw
    se = np.sqrt(1.0 / sw)
    crit = special.ndtri(0.5 + level / 2)
    z = estimate / se
    p = 2 * special.ndtr(-np.abs(z))
    with np.errstate(divide="ignore", invalid="ignore"):
        p_q = special.chdtrc(df, q) if df > 0 else np.full_like(q, np.nan)
        if method == "FE":
            i2 = np.where(q > 0, 100 * np.maximum(0.0, (q - df) / q), 0.0)
            h2 = q / df if df > 0 else np.full_like(q, np.nan)
        else:
            s2 = df * su / (su ** 2 - su2)
            i2 = 100 * tau2 / (tau2 + s2)
            h2 = (tau2 + s2) / s2
    if method != "FE" and k >= 3:
        half = special.stdtrit(k - 2, 0.5 + level / 2) * np.sqrt(tau2 + se ** 2)
        pi_low, pi_high = estimate - half, estimate + half
    else:
        pi_low = pi_high = np.full_like(estimate, np.nan)
    weights = 100 * w / sw[:, None]

    def out(values):
        return float(values[0]) if not batch else _frozen(values)

    return PoolResult(
        estimate=out(estimate), se=out(se), ci_low=out(estimate - crit * se), ci_high=out(estimate + crit * se),
        z=out(z), p=out(p), tau2=out(tau2), q=out(q), df=df, p_q=out(p_q), i2=out(i2), h2=out(h2),
        weights=_frozen(weights if batch else weights[0]), pi_low=out(pi_low), pi_high=out(pi_high),
        method=method, k=k, level=float(level), yi=_frozen(y), vi=_frozen(v), studies=names,
    )
