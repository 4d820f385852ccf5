"""Blinding indexes: Bang et al. (2004) per arm and James et al. (1996) for a whole trial.

The formulas follow the R package BI (Schwartz & Mercaldo, CRAN v1.2.0), which states that it
implements both papers; the tests pin its documented example (Houweling 2014 investigators, as
printed by BlindingIndex.jl) and every Braithwaite 2018 comparison that prints guess counts.

Bang index for one arm with ``c`` correct guesses, ``i`` incorrect guesses and ``d`` "don't
know" answers (``n = c + i + d``)::

    BI = (2 c / (c + i) - 1) * (c + i) / n  =  (c - i) / n

so "don't know" answers only enlarge the denominator. With ``p_T`` and ``p_P`` the shares of
the arm guessing "treatment" and "placebo"::

    SE = sqrt((p_T (1 - p_T) + p_P (1 - p_P) + 2 p_T p_P) / n)

and the confidence interval is the Wald interval ``BI +/- z SE`` (not truncated to [-1, 1], as
in the reference implementation). ``-1 <= BI <= 1``: 1 means everyone guessed right
(unblinded), 0 is consistent with random guessing, -1 means everyone guessed wrong (possibly
"opposite guessing"). By the usual rule a *point estimate* strictly between -0.2 and 0.2 counts as
random guessing; 0.2 or more as unblinded; -0.2 or less as opposite guessing (the cut-offs used by
Braithwaite 2018 and Moroz 2013, so their scenario labels are reproduced: ``scenario``).

James index for the whole trial, from the 3 x 2 table (rows: guessed active, guessed sham,
don't know; columns: actually active, actually sham) and cell weights (0 correct, 0.5
incorrect, 1 don't know): ``0 <= BI <= 1``; 1 = complete blinding, 0.5 = random guessing,
0 = complete unblinding.

What the printed label (``interpretation``) claims is judged on the interval printed beside it, never on
the point estimate alone: unblinding may be claimed only when the interval excludes the value of random
guessing (Bang: the whole interval above 0 is "unblinded", below 0 "opposite guessing"; James: the whole
interval below 0.5 is "unblinded"). Any other interval only fails to show unblinding and is labelled
"not shown to be unblinded", never "blinded": absence of evidence of unblinding is not evidence of
blinding (:data:`NOT_SHOWN`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


import math
import numbers
from dataclasses import dataclass
from fractions import Fraction
from statistics import NormalDist
from typing import Literal

import numpy as np

__all__ = [
    "BlindingIndex",
    "bang_index",
    "james_index",
    "bang_scenario",
    "wilson_interval",
    "interval_label",
    "JAMES_WEIGHTS",
    "NOT_SHOWN",
    "LABELS",
]

Alternative = Literal["two-sided", "greater", "less"]

#: Default James weights (rows: guessed active, guessed sham, don't know; columns: active, sham).
JAMES_WEIGHTS = np.array([[0.0, 0.5], [0.5, 0.0], [1.0, 1.0]])

_RANDOM_BAND = Fraction(1, 5)  # the +/-0.2 rule

#: The label of an interval that covers random guessing: it fails to show unblinding, nothing more.
NOT_SHOWN = "not shown to be unblinded"

#: Every label ``interpretation`` can take, for each index (a test checks each against its interval).
LABELS = {"Bang": ("unblinded", "opposite guessing", NOT_SHOWN), "James": ("unblinded", NOT_SHOWN)}

#: The index value of random guessing: the interval must exclude it before unblinding is claimed.
_RANDOM = {"Bang": 0.0, "James": 0.5}


@dataclass(frozen=True)
class BlindingIndex:
    """One blinding index with its uncertainty.

    ``ci_low``/``ci_high`` follow ``alternative``: two-sided, or one-sided with the
    irrelevant limit fixed at the end of the index's range (as the R package does).
    ``lower_one_sided``/``upper_one_sided`` are always given: the one-sided bounds that
    Bang (2004) recommends reading for the Bang index.

    ``interpretation`` is what the interval ``ci_low``-``ci_high`` shows (:func:`interval_label`):
    "unblinded" or "opposite guessing" only when the interval excludes random guessing, otherwise
    "not shown to be unblinded". ``scenario`` (Bang only) classifies the point estimate by the
    +/-0.2 rule, as published reviews do; it says nothing about uncertainty.
    """

    method: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    confidence: float
    alternative: str
    lower_one_sided: float
    upper_one_sided: float
    n: int
    interpretation: str
    scenario: str | None = None

    def __str__(self) -> str:
        return (f"{self.method} BI {self.estimate:.2f} (SE {self.se:.3f}; {self.confidence:.0%} CI "
                f"{self.ci_low:.2f} to {self.ci_high:.2f}): {self.interpretation}")


#: The largest count accepted: shares are computed in floating point, exact up to 2**53.
MAX_COUNT = 10**15


def _count(value, name: str) -> int:
    def shown() -> str:
        if isinstance(value, numbers.Integral) and int(value).bit_length() > 128:
            return f"a number with about {int(int(value).bit_length() * math.log10(2)) + 1} digits"
        return repr(value)

    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a non-negative whole number, got {value!r}")
    if isinstance(value, numbers.Integral):
        number = int(value)
    elif math.isfinite(float(value)) and float(value).is_integer():
        number = int(math.trunc(value))
    else:
        raise ValueError(f"{name} must be a non-negative whole number, got {shown()}")
    if number < 0:
        raise ValueError(f"{name} must be a non-negative whole number, got {shown()}")
    if number > MAX_COUNT:
        raise ValueError(f"{name} must be a whole number of at most {MAX_COUNT:,}, got {shown()}")
    return number


def _z(confidence: float, alternative: str) -> tuple[float, float]:
    """(two-sided or chosen-sided z, one-sided z) for the confidence level."""
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real) or not 0 < confidence < 1:
        raise ValueError(f"confidence must be a number between 0 and 1 (e.g. 0.95), got {confidence!r}")
    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(f"alternative must be 'two-sided', 'greater' or 'less', got {alternative!r}")
    one = NormalDist().inv_cdf(confidence)
    two = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    return (two if alternative == "two-sided" else one), one


def _interval(estimate: float, se: float, z: float, alternative: str, bounds: tuple[float, float]):
    if alternative == "two-sided":
        return estimate - z * se, estimate + z * se
    if alternative == "greater":
        return estimate - z * se, bounds[1]
    return bounds[0], estimate + z * se


def interval_label(method: str, ci_low: float, ci_high: float) -> str:
    """What an interval of a blinding index shows, and no more.

    Bang: "unblinded" when the whole interval lies above 0, "opposite guessing" when it lies below 0;
    James: "unblinded" when it lies below 0.5. An interval that reaches random guessing (0 for Bang,
    0.5 for James) or beyond only fails to show unblinding: :data:`NOT_SHOWN`, never "blinded". An
    undefined limit (NaN) gives "undefined".

    >>> interval_label("Bang", -0.30, 0.70)
    'not shown to be unblinded'
    >>> interval_label("James", 0.22, 0.56)
    'not shown to be unblinded'
    """
    if method not in _RANDOM:
        raise ValueError(f"method must be 'Bang' or 'James', got {method!r}")
    if math.isnan(ci_low) or math.isnan(ci_high):
        return "undefined"
    random = _RANDOM[method]
    if method == "Bang" and ci_low > random:
        return "unblinded"
    if method == "Bang" and ci_high < random:
        return "opposite guessing"
    if method == "James" and ci_high < random:
        return "unblinded"  # more right guesses than chance: the whole interval lies below 0.5
    return NOT_SHOWN


def bang_scenario(estimate: float | Fraction) -> str:
    """The scenario of a point estimate by the +/-0.2 rule: 'unblinded' (BI >= 0.2), 'opposite guessing'
    (BI <= -0.2) or 'random guessing' ('undefined' for NaN). A classification of the point only; the interval
    decides what can be claimed (:func:`interval_label`). A :class:`~fractions.Fraction` is compared exactly; a
    float as the decimal it prints as, so a printed 0.2 is on the boundary, and 0.1999 below it."""
    if isinstance(estimate, Fraction):
        value = estimate  # exact, as bang_index passes it: (c - i) / n
    elif math.isnan(estimate):
        return "undefined"
    else:
        value = Fraction(repr(float(estimate)))  # the number as written: 0.2 is 1/5, not the float just above it
    if value >= _RANDOM_BAND:
        return "unblinded"
    if value <= -_RANDOM_BAND:
        return "opposite guessing"
    return "random guessing"


def bang_index(n_correct: int, n_incorrect: int, n_dont_know: int = 0, confidence: float = 0.95,
               alternative: Alternative = "two-sided") -> BlindingIndex:
    """Bang's blinding index for one arm, with its standard error and confidence interval.

    Parameters
    ----------
    n_correct : int
        Participants of the arm who guessed their own arm.
    n_incorrect : int
        Participants who guessed the other arm.
    n_dont_know : int, default 0
        Participants who said they did not know.
    confidence : float, default 0.95
        Confidence level of the interval.
    alternative : {"two-sided", "greater", "less"}
        Two-sided Wald interval, or a one-sided bound (Bang 2004 recommends one-sided bounds).

    Returns
    -------
    BlindingIndex
        ``estimate``, ``se``, ``ci_low``, ``ci_high``, both one-sided bounds, ``n``, the
        ``interpretation`` of the interval (unblinded, opposite guessing, not shown to be unblinded)
        and the ``scenario`` of the point estimate by the +/-0.2 rule.

    Raises
    ------
    ValueError
        A count that is negative, not a whole number or too large, or an arm with no answers.

    Notes
    -----
    With ``c`` correct, ``i`` incorrect and ``d`` don't-know answers, ``n = c + i + d``:

    .. math:: BI = (2c/(c+i) - 1)\\,(c+i)/n = (c - i)/n

    and, with :math:`p_T = c/n`, :math:`p_P = i/n`,
    :math:`SE = \\sqrt{(p_T(1-p_T) + p_P(1-p_P) + 2 p_T p_P)/n}`; the interval is
    :math:`BI \\pm z\\,SE`, not truncated to [-1, 1]. If everyone answered "don't know" the index
    is undefined (NaN), as in the reference implementation.

    References
    ----------
    Bang H, Ni L, Davis CE. Assessment of blinding in clinical trials. Control Clin Trials
    2004;25(2):143-156. Schwartz M, Mercaldo N. BI: Blinding Assessment Indexes for Randomized,
    Controlled, Clinical Trials. R package version 1.2.0 (2022).

    Examples
    --------
    Eight of ten participants guessed right, two wrong:

    >>> print(bang_index(8, 2))
    Bang BI 0.60 (SE 0.253; 95% CI 0.10 to 1.10): unblinded

    Nine of fifteen: the point estimate is in the "unblinded" range, but the interval covers 0:

    >>> result = bang_index(9, 6)
    >>> result.interpretation, result.scenario
    ('not shown to be unblinded', 'unblinded')

    The Houweling 2014 investigators' active arm (BlindingIndex.jl's documented example):

    >>> result = bang_index(48, 4, 330)
    >>> round(result.estimate, 3), round(result.se, 3)
    (0.115, 0.018)
    """
    c = _count(n_correct, "n_correct")
    i = _count(n_incorrect, "n_incorrect")
    d = _count(n_dont_know, "n_dont_know")
    n = c + i + d
    if n == 0:
        raise ValueError("the arm has no answers: n_correct + n_incorrect + n_dont_know must be at least 1")
    z, z_one = _z(confidence, alternative)
    if c + i == 0:
        estimate_exact = None
        estimate = math.nan
    else:
        estimate_exact = Fraction(c - i, n)
        estimate = float(estimate_exact)
    # SE in terms of the shares guessing each arm; symmetric in c and i, so arm-agnostic.
    p1, p2 = c / n, i / n
    se = math.sqrt((p1 * (1 - p1) + p2 * (1 - p2) + 2 * p1 * p2) / n)
    low, high = _interval(estimate, se, z, alternative, (-1.0, 1.0))
    if estimate_exact is None:
        interpretation = scenario = "undefined: every answer was don't know"
    else:
        interpretation, scenario = interval_label("Bang", low, high), bang_scenario(estimate_exact)
    return BlindingIndex("Bang", estimate, se, low, high, float(confidence), alternative,
                         estimate - z_one * se, estimate + z_one * se, n, interpretation, scenario)


def james_index(table: ArrayLike, confidence: float = 0.95, weights: ArrayLike | None = None,
                alternative: Alternative = "two-sided") -> BlindingIndex:
    """James' blinding index for a whole two-arm trial, with its standard error and interval.

    Parameters
    ----------
    table : array_like, shape (3, 2)
        Counts; rows guessed active, guessed sham, don't know; columns actually active, actually sham.
    confidence : float, default 0.95
        Confidence level of the interval.
    weights : array_like, shape (3, 2), optional
        Cell weights of at least 0; default :data:`JAMES_WEIGHTS` (0 correct, 0.5 incorrect, 1 don't know).
    alternative : {"two-sided", "greater", "less"}
        Two-sided interval or a one-sided bound.

    Returns
    -------
    BlindingIndex
        As for :func:`bang_index`; ``interpretation`` is "unblinded" when the interval's upper limit is
        below 0.5, else "not shown to be unblinded" (never "blinded": a high index with an interval above
        0.5 fails to show unblinding, and may reflect many "don't know" answers); no ``scenario``.

    Notes
    -----
    :math:`BI = (1 + P_{dk} + (1 - P_{dk}) K_d)/2`, where :math:`K_d = (P_{do} - P_{de})/P_{de}` is a
    weighted kappa-type disagreement over the answers that are not "don't know"; the variance follows
    James et al. (1996), as coded in the R package BI. If the only answers are "don't know" in both
    arms the index is 1 with SE 0 (James 1996, p. 1425); other degenerate tables give NaN.

    References
    ----------
    James KE, Bloch DA, Lee KK, Kraemer HC, Fuller RK. An index for assessing blindness in a
    multi-centre clinical trial. Stat Med 1996;15(13):1421-1434.

    Examples
    --------
    The Houweling 2014 investigators (BlindingIndex.jl's documented example):

    >>> result = james_index([[48, 22], [4, 30], [330, 319]])
    >>> print(result)
    James BI 0.90 (SE 0.011; 95% CI 0.88 to 0.92): not shown to be unblinded
    """
    x = _table(table)
    w = JAMES_WEIGHTS if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (3, 2) or not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError(f"weights must be a 3 x 2 table of finite numbers of at least 0, got {w.tolist()}")
    z, z_one = _z(confidence, alternative)
    total = x.sum()
    if not x[:2].any():  # only "don't know" answers (each arm has some: _table refuses an arm without answers)
        estimate, se = 1.0, 0.0
    else:
        # A degenerate table gives 0/0 (NaN, labelled undefined); with weights of at least 0 nothing else divides by 0.
        with np.errstate(invalid="ignore"):
            estimate, se = _james(x / total, w[:2], total)
    low, high = _interval(estimate, se, z, alternative, (0.0, 1.0))
    interpretation = ("undefined for this table" if math.isnan(estimate) or math.isnan(se)
                      else interval_label("James", low, high))
    return BlindingIndex("James", estimate, se, low, high, float(confidence), alternative,
                         estimate - z_one * se, estimate + z_one * se, int(total), interpretation)


def _table(table) -> np.ndarray:
    raw = np.asarray(table, dtype=object)  # object: a bool stays a bool (refused), a ragged table gets a short shape
    if raw.shape != (3, 2):
        raise ValueError("table must be 3 x 2 counts (rows: guessed active, guessed sham, don't know; "
                         f"columns: active, sham), got shape {raw.shape}")
    rows = ("guessed active", "guessed sham", "don't know")
    cols = ("active arm", "sham arm")
    counts = np.array([[_count(raw[r, c], f"table[{rows[r]}, {cols[c]}]") for c in range(2)] for r in range(3)])
    for c in range(2):
        if counts[:, c].sum() == 0:
            raise ValueError(f"the {cols[c]} has no answers (its column of the table is all zero)")
    return counts


def _james(p: np.ndarray, w: np.ndarray, total: int) -> tuple[float, float]:
    """James (1996) index and SE from cell proportions ``p`` (3 x 2) and guess weights ``w`` (2 x 2)."""
    guess = p[:2]
    p_dk = p[2].sum()
    rows = guess.sum(axis=1)  # share guessing active / sham
    cols = guess.sum(axis=0)  # share of each arm that guessed (did not answer don't know)
    expected = np.outer(rows, cols)
    weighted_expected = (w * expected).sum()
    observed = (w * guess).sum() / (1 - p_dk)
    chance = weighted_expected / (1 - p_dk) ** 2
    kappa = (observed - chance) / chance
    extra = (rows @ w)[np.newaxis, :] + (w @ cols)[:, np.newaxis]
    numerator = (guess * (1 - p_dk) ** 2 * ((1 - p_dk) * w - (1 + kappa) * extra) ** 2).sum()
    v1 = numerator / (4 * weighted_expected**2)
    v2 = p_dk * (1 - p_dk) - (1 - p_dk) * (1 + kappa) * (p_dk + (1 - p_dk) * (1 + kappa) / 4)
    estimate = (1 + p_dk + (1 - p_dk) * kappa) / 2
    return float(estimate), float(math.sqrt((v1 + v2) / total)) if (v1 + v2) >= 0 else math.nan


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``successes / n`` (stays within 0-1, unlike Wald).

    Parameters
    ----------
    successes, n : int
        Events and trials, ``0 <= successes <= n``, ``n >= 1``.
    confidence : float, default 0.95
        Confidence level.

    Returns
    -------
    tuple of float
        ``(low, high)``.

    Notes
    -----
    Computed by SciPy: ``scipy.stats.binomtest(successes, n).proportion_ci(confidence, method="wilson")``
    (Wilson 1927; method 3 of Newcombe 1998, without continuity correction). This function adds only the checks of
    its arguments, with messages naming the bad one. ``tests/test_doctests.py`` checks it against R's
    ``binom.confint(..., methods = "wilson")``.

    Examples
    --------
    >>> low, high = wilson_interval(18, 20)
    >>> round(low, 4), round(high, 4)
    (0.699, 0.9721)
    """
    from scipy.stats import binomtest  # imported here: scipy.stats takes a moment to import

    k = _count(successes, "successes")
    total = _count(n, "n")
    if total == 0 or k > total:
        raise ValueError(f"need 0 <= successes <= n and n >= 1, got {successes} of {n}")
    _z(confidence, "two-sided")  # the same check of `confidence` as every function here
    interval = binomtest(k, total).proportion_ci(confidence_level=float(confidence), method="wilson")
    return float(interval.low), float(interval.high)
