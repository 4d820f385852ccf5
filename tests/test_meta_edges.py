"""meta's edges: batches, limits, special cases and the messages a caller reads (written when mutation testing
showed a change there went unnoticed by tests/test_meta.py, which pins the main results to metafor's prints).

Expected numbers come from outside the package (chi-squared and normal quantiles from scipy.stats, i.e. the
tables) or from a property (a closed form for a special case, a limit, a symmetry); never from the code's own
formula.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from dry_needling import meta

# The Q-profile example of heterogeneity_interval's docstring and a set of studies that agree too well.
SPREAD_Y, SPREAD_V = [0.1, 0.3, 0.35, 0.6], [0.04, 0.02, 0.05, 0.03]
AGREE_Y, AGREE_V = [0.10, 0.11, 0.09, 0.10], [0.04, 0.05, 0.03, 0.04]


# --- heterogeneity_interval ----------------------------------------------------------------------------------

def test_two_studies_give_the_closed_form_q_profile_interval():
    """With two studies the generalised Q is (y1 - y2)^2 / (v1 + v2 + 2 tau^2), so each bound solves a linear
    equation: tau^2 = ((y1 - y2)^2 / q - v1 - v2) / 2 at the chi-squared quantile q on 1 df. Here the lower
    bound (0.00092) is smaller than either variance."""
    y, v = [0.1, 0.5], [0.01, 0.02]
    ci = meta.heterogeneity_interval(y, v)

    def bound(p):
        return ((y[0] - y[1]) ** 2 / stats.chi2.ppf(p, 1) - v[0] - v[1]) / 2

    assert ci.tau2_low == pytest.approx(bound(0.975), rel=1e-9)
    assert ci.tau2_high == pytest.approx(bound(0.025), rel=1e-9)
    assert 0 < ci.tau2_low < min(v)
    assert ci.tau_high == pytest.approx(math.sqrt(ci.tau2_high)) and ci.tau_low == pytest.approx(math.sqrt(ci.tau2_low))
    assert ci.k == 2 and ci.level == 0.95 and ci.notes == ()


def test_a_batch_gives_each_row_its_own_interval_and_notes():
    ci = meta.heterogeneity_interval([SPREAD_Y, AGREE_Y], [SPREAD_V, AGREE_V])
    one, two = meta.heterogeneity_interval(SPREAD_Y, SPREAD_V), meta.heterogeneity_interval(AGREE_Y, AGREE_V)
    for name in ("tau2_low", "tau2_high", "tau_low", "tau_high", "i2_low", "i2_high", "h2_low", "h2_high"):
        assert getattr(ci, name).tolist() == pytest.approx([getattr(one, name), getattr(two, name)]), name
    assert ci.tau2_high[0] > 0 and ci.tau2_high[1] == 0.0 and ci.h2_high[1] == 1.0
    # Cochran's Q at tau^2 = 0 (pool's q) against the chi-squared quantiles on 3 df: 9.35 (0.975) and 0.216 (0.025).
    q1 = meta.pool(SPREAD_Y, SPREAD_V, method="DL").q
    q2 = meta.pool(AGREE_Y, AGREE_V, method="DL").q
    assert f"{stats.chi2.ppf(0.975, 3):.3g}" == "9.35" and f"{stats.chi2.ppf(0.025, 3):.3g}" == "0.216"
    assert ci.notes == (
        f"analysis 1: the lower bound is 0: Q at tau^2 = 0 ({q1:.3g}) is below the 0.975 quantile (9.35)",
        f"analysis 2: the lower bound is 0: Q at tau^2 = 0 ({q2:.3g}) is below the 0.975 quantile (9.35)",
        f"analysis 2: the upper bound is 0 as well: Q at tau^2 = 0 ({q2:.3g}) is below the 0.025 quantile (0.216); "
        "the studies agree more closely than chance alone would usually allow",
    )
    assert one.notes == (ci.notes[0].removeprefix("analysis 1: "),)
    assert not ci.tau2_low.flags.writeable  # a batch's arrays are frozen, as pool's


def test_a_90_percent_interval_names_its_own_quantiles():
    ci = meta.heterogeneity_interval(AGREE_Y, AGREE_V, level=0.9)
    assert ci.level == 0.9
    assert f"below the 0.95 quantile ({stats.chi2.ppf(0.95, 3):.3g})" in ci.notes[0]
    assert f"below the 0.05 quantile ({stats.chi2.ppf(0.05, 3):.3g})" in ci.notes[1]


def test_the_interval_does_not_move_when_every_effect_is_shifted():
    """Q depends on the effects only through their differences: adding 1000 to each changes nothing."""
    y = np.array([0.1, 0.5, 0.2, 0.9])
    v = np.array([0.02, 0.01, 0.03, 0.02])
    near, far = meta.heterogeneity_interval(y, v), meta.heterogeneity_interval(y + 1000.0, v)
    assert far.tau2_low == pytest.approx(near.tau2_low, rel=1e-8)
    assert far.tau2_high == pytest.approx(near.tau2_high, rel=1e-8)
    # Identical effects have no spread wherever they lie, even far from zero (only differences can overflow).
    same = meta.heterogeneity_interval([3e99, 3e99, 3e99], [1.0, 2.0, 3.0])
    assert same.tau2_low == same.tau2_high == 0.0


@pytest.mark.parametrize("yi, vi, message", [
    ([0.1], [0.1], "heterogeneity_interval: an interval for tau^2 needs at least 2 studies, got 1"),
    ([0.1, 0.2], [0.1, 0.0],
     "heterogeneity_interval: study 2 has vi = 0 (a sampling variance must be greater than 0)"),
    # The first analysis with a problem is named (its variance), not the first NaN anywhere in the batch.
    ([[0.1, 0.2], [np.nan, 0.2]], [[0.1, -1.0], [0.1, 0.1]],
     "heterogeneity_interval: analysis 1, study 2 has vi = -1 (a sampling variance must be greater than 0)"),
    ([0.1, 1e200], [0.01, 0.01],
     "heterogeneity_interval: the effect sizes lie too far apart for double precision (rescale yi and vi)"),
    ([[0.1, 0.2], [0.1, 1e200]], [[0.01, 0.01], [0.01, 0.01]],
     "heterogeneity_interval: analysis 2: the effect sizes lie too far apart for double precision (rescale yi "
     "and vi)"),
    ([0.1, 0.2], [0.1, 0.1, 0.1], "heterogeneity_interval: inputs differ in length (yi 2, vi 3)"),
])
def test_heterogeneity_interval_refuses_with_the_exact_problem(yi, vi, message):
    with pytest.raises(ValueError) as raised:
        meta.heterogeneity_interval(yi, vi)
    assert str(raised.value) == message


def test_heterogeneity_interval_refuses_a_level_outside_zero_to_one():
    with pytest.raises(ValueError) as raised:
        meta.heterogeneity_interval(SPREAD_Y, SPREAD_V, level=1.5)
    assert str(raised.value) == "heterogeneity_interval: level must lie between 0 and 1 (e.g. 0.95), got 1.5"


# --- leave_one_out and cumulative ----------------------------------------------------------------------------

STEP_Y = np.array([0.1, 0.3, 0.35, 0.6, -0.2])
STEP_V = np.array([0.04, 0.02, 0.05, 0.03, 0.06])
STEP_NUMBERS = ("estimate", "se", "ci_low", "ci_high", "p", "tau2", "i2", "q", "pi_low", "pi_high")


def _same_step(seq, i, pooled):
    for name in STEP_NUMBERS:
        assert getattr(seq, name)[i] == pytest.approx(getattr(pooled, name), rel=1e-9, abs=1e-12, nan_ok=True), name
    assert seq.k[i] == pooled.k


@pytest.mark.parametrize("options", [{}, {"method": "dl", "level": 0.9, "ci": "HKSJ", "pi": "t"}])
def test_each_leave_one_out_step_is_the_pooling_without_that_study(options):
    """By definition step i pools every study but i, with the caller's options (defaults: REML, Wald, Riley's
    prediction interval, 95 %); the result names the options as pool() reads them."""
    loo = meta.leave_one_out(STEP_Y, STEP_V, **options)
    for i in range(len(STEP_Y)):
        _same_step(loo, i, meta.pool(np.delete(STEP_Y, i), np.delete(STEP_V, i), **options))
    expected = ("DL", "hksj", 0.9) if options else ("REML", "wald", 0.95)
    assert (loo.method, loo.ci, loo.level) == expected
    assert loo.label == ("study 1", "study 2", "study 3", "study 4", "study 5")
    assert loo.order.tolist() == [0, 1, 2, 3, 4] and len(loo) == 5
    assert not np.isnan(loo.pi_low).any()  # four studies left: Riley's interval exists


@pytest.mark.parametrize("options", [{}, {"method": "dl", "level": 0.9, "ci": "HKSJ", "pi": "t"}])
def test_each_cumulative_step_is_the_pooling_of_the_studies_so_far(options):
    order = [2003.5, 2001.0, 2003.5, 1999.25, 2010.0]  # float keys; a tie keeps the input order
    cum = meta.cumulative(STEP_Y, STEP_V, order=order, studies=list("ABCDE"), **options)
    assert cum.order.tolist() == [3, 1, 0, 2, 4] and cum.label == ("D", "B", "A", "C", "E")
    for i in range(len(STEP_Y)):
        taken = cum.order[: i + 1]
        _same_step(cum, i, meta.pool(STEP_Y[taken], STEP_V[taken], **options))
    expected = ("DL", "hksj", 0.9) if options else ("REML", "wald", 0.95)
    assert (cum.method, cum.ci, cum.level) == expected
    unordered = meta.cumulative(STEP_Y, STEP_V)
    assert unordered.order.tolist() == [0, 1, 2, 3, 4] and unordered.label[0] == "study 1"


def test_a_cumulative_analysis_of_one_study_is_that_study():
    cum = meta.cumulative([0.3], [0.04])
    assert cum.estimate.tolist() == [0.3] and cum.se.tolist() == pytest.approx([0.2]) and cum.k.tolist() == [1]
    assert cum.tau2.tolist() == [0.0] and cum.method == "REML"


def test_steps_take_the_names_and_numbers_of_effect_sizes():
    es = meta.mean_difference([20, 30, 25], [3.0, 5.0, 4.0], [2.0, 3.0, 2.5], [20, 30, 25], [4.0, 4.5, 4.8],
                              [2.0, 3.0, 2.5], studies=["A", "B", "C"])
    loo = meta.leave_one_out(es)
    assert loo.label == ("A", "B", "C")
    assert loo.estimate[0] == pytest.approx(meta.pool(es.yi[1:], es.vi[1:]).estimate)
    assert meta.cumulative(es, studies=["x", "y", "z"]).label == ("x", "y", "z")  # studies= wins over the names


@pytest.mark.parametrize("call, message", [
    (lambda: meta.leave_one_out([0.1, 0.2, 0.3]), "leave_one_out: vi (the sampling variances) is required"),
    (lambda: meta.leave_one_out([0.1, 0.2], [0.1, 0.0], studies=["A", "B"]),
     "leave_one_out: study 'B' has vi = 0 (a sampling variance must be greater than 0)"),
    (lambda: meta.cumulative([0.1, 0.2, 0.3], [0.1, -0.2, 0.1]),
     "cumulative: study 2 has vi = -0.2 (a sampling variance must be greater than 0)"),
    (lambda: meta.cumulative([0.1, np.nan], [0.1, 0.1]),
     "cumulative: study 2 has yi = nan (NaN or infinite values cannot be pooled)"),
    (lambda: meta.leave_one_out([[0.1, 0.2], [0.1, 0.2]], [[0.1, 0.1], [0.1, 0.1]]),
     "leave_one_out: inputs must be 1-D"),
    (lambda: meta.leave_one_out([0.1], [0.1]), "leave_one_out: needs at least 2 studies, got 1"),
    (lambda: meta.cumulative([0.1, 0.2], [0.1, 0.1], order=[2001.0, np.nan]),
     "cumulative: order has NaN or infinite keys"),
])
def test_sequential_analyses_refuse_with_the_exact_problem(call, message):
    with pytest.raises(ValueError) as raised:
        call()
    assert str(raised.value) == message


def test_order_keys_need_not_be_numbers():
    cum = meta.cumulative([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], order=["b", "c", "a"])
    assert cum.order.tolist() == [2, 0, 1]


# --- difference ----------------------------------------------------------------------------------------------

def test_a_difference_adds_the_half_widths_in_quadrature():
    """Independent normal estimates: variances add, so half-widths of 3 and 4 make one of 5 at any level."""
    assert meta.difference((1.0, -2.0, 4.0), (2.0, -2.0, 6.0)) == pytest.approx((1.0, -4.0, 6.0))
    assert meta.difference((1.0, -2.0, 4.0), (2.0, -2.0, 6.0), level=0.9) == pytest.approx((1.0, -4.0, 6.0))
    # An exact first estimate (no width) leaves the second's interval, shifted.
    assert meta.difference((0.2, 0.2, 0.2), (0.5, 0.1, 0.9)) == pytest.approx((0.3, -0.1, 0.7))
    # Swapping the two changes the sign, not the width.
    d = meta.difference((0.17, 0.11, 0.22), (0.52, 0.14, 0.91))
    e = meta.difference((0.52, 0.14, 0.91), (0.17, 0.11, 0.22))
    assert e == pytest.approx((-d[0], -d[2], -d[1]))


@pytest.mark.parametrize("first, second, level, message", [
    ((0.5, 0.1, 0.3), (0.2, 0.1, 0.3), 0.95, "difference: first estimate 0.5 lies outside its interval [0.1, 0.3]"),
    ((0.2, 0.1, 0.3), (0.0, 0.1, 0.3), 0.95, "difference: second estimate 0.0 lies outside its interval [0.1, 0.3]"),
    ((0.2, 0.1, 0.3), (0.2, 0.1, 0.3), 1.2, "difference: level must lie between 0 and 1 (e.g. 0.95), got 1.2"),
])
def test_a_difference_refuses_an_estimate_outside_its_interval(first, second, level, message):
    with pytest.raises(ValueError) as raised:
        meta.difference(first, second, level=level)
    assert str(raised.value) == message


# --- REML and ML: Fisher scoring is the method, the bounded search only its fallback ----------------------------

@pytest.mark.parametrize("method", ["REML", "ML"])
def test_fisher_scoring_converges_by_itself_in_nearly_every_realistic_analysis(method):
    """metafor fits tau^2 by Fisher scoring; so does pool(), with a bounded search only where scoring stalls. On
    5,500 random analyses of mean differences on a 0-100 mm scale (test_meta's generator and seed; that test checks
    the results against a brute-force likelihood), scoring must finish by itself in at least 99 % of them."""
    from test_meta import _mm_batch

    rng = np.random.default_rng(20261128)
    fallback = total = 0
    for k in range(2, 13):
        y, v = _mm_batch(k, 500, rng)
        fits = np.array(meta.pool(y, v, method=method).tau2_fit)
        fallback += int((fits == "bounded search").sum())
        total += len(fits)
    assert total == 5500 and fallback <= 0.01 * total, fallback


# --- what a caller reads: pool's refusals, the heterogeneity line, p-values -------------------------------------

@pytest.mark.parametrize("call, message", [
    (lambda: meta.pool([0.1, 0.2]), "pool: vi (the sampling variances) is required"),
    (lambda: meta.pool([], []), "pool: no studies to pool"),
    (lambda: meta.pool([0.1, 0.2], [0.1, 0.1], errors="ignore"), "pool: errors must be 'raise' or 'report', got "
                                                                  "'ignore'"),
    (lambda: meta.pool([0.1, 0.2], [0.1, 0.0]),
     "pool: study 2 has vi = 0 (a sampling variance must be greater than 0)"),
    (lambda: meta.pool([0.1, 0.2], [0.1, 0.1], level=0), "pool: level must lie between 0 and 1 (e.g. 0.95), got 0"),
    (lambda: meta.pool([0.1, 0.2], [0.1, 0.1], method="PM"), "pool: method must be one of FE, DL, REML, ML, got 'PM'"),
    (lambda: meta.pool([0.1, 0.2], [0.1, 0.1], ci="z"), "pool: ci must be one of wald, hksj, hksj-modified, got 'z'"),
    (lambda: meta.pool([0.1, 0.2], [0.1, 0.1], pi="x"), "pool: pi must be one of riley, t, z, got 'x'"),
    (lambda: meta.pool([[0.1, 0.2], [0.1, 0.2], [0.1, 0.2]], [0.1, 0.1]),
     "pool: inputs differ in length (yi (3, 2), vi 2)"),
])
def test_pool_refuses_with_the_exact_problem(call, message):
    with pytest.raises(ValueError) as raised:
        call()
    assert str(raised.value) == message


def test_an_option_that_is_not_text_is_a_type_error_naming_the_choices():
    with pytest.raises(TypeError) as raised:
        meta.pool([0.1, 0.2], [0.1, 0.1], method=3)
    assert str(raised.value) == "pool: method must be one of FE, DL, REML, ML, got 3"


def test_pool_reads_effect_sizes_with_their_names_unless_others_are_given():
    es = meta.mean_difference([20, 30], [3.0, 5.0], [2.0, 3.0], [20, 30], [4.0, 4.5], [2.0, 3.0],
                              studies=["A", "B"])
    assert meta.pool(es).studies == ("A", "B")
    assert meta.pool(es, studies=["x", "y"]).studies == ("x", "y")
    assert meta.pool(es, es.vi).estimate == meta.pool(es).estimate  # the same variances again: accepted
    with pytest.raises(ValueError) as raised:
        meta.pool(es, [0.5, 0.5])
    assert str(raised.value) == ("pool: vi was given with EffectSizes that carry other variances; pass one or the "
                                 "other")
    assert len(es) == 2  # unpacks as (yi, vi)


def test_a_result_does_not_change_when_the_caller_changes_the_input():
    yi, vi = np.array([0.1, 0.5, -0.2]), np.array([0.04, 0.03, 0.05])
    res = meta.pool(yi, vi, method="DL")
    yi[0], vi[0] = 9.0, 9.0
    assert res.yi.tolist() == [0.1, 0.5, -0.2] and res.vi.tolist() == [0.04, 0.03, 0.05]


def test_every_bad_analysis_of_a_batch_is_reported():
    """The first analysis has a NaN effect and a NaN variance, the second an infinite variance: both are named."""
    res = meta.pool([[np.nan, 0.2], [0.1, 0.2], [0.1, 0.3]], [[np.nan, 0.1], [0.1, np.inf], [0.1, 0.1]],
                    method="DL", errors="report")
    assert [row for row, _ in res.failures] == [0, 1]
    assert res.failures[0][1].endswith("analysis 1, study 1 has yi = nan (NaN or infinite values cannot be pooled)")
    assert res.failures[1][1].endswith("analysis 2, study 2 has vi = inf (NaN or infinite values cannot be pooled)")
    assert res.ok.tolist() == [False, False, True]


def test_the_heterogeneity_line_of_each_model():
    y, v = [0.1, 0.5, -0.2], [0.04, 0.03, 0.05]
    assert meta.pool(y, v, method="FE").heterogeneity_text() == "FE model: I² = 69 %, Q = 6.45, df = 2, p = 0.04"
    dl = meta.pool(y, v, method="DL")
    assert dl.heterogeneity_text(3).startswith(f"RE model (DL): τ² = {dl.tau2:.3f}, I² = 69 %, Q = 6.447, df = 2")
    with pytest.raises(ValueError) as raised:
        meta.pool([y, y], [v, v], method="DL").heterogeneity_text()
    assert str(raised.value) == "heterogeneity_text describes one analysis; index the batch first"


@pytest.mark.parametrize("p, text", [(0.0, "p < 0.001"), (0.01, "p = 0.01"), (0.0099, "p = 0.010"),
                                     (0.99, "p = 0.99"), (0.9901, "p > 0.99"), (1.0, "p > 0.99")])
def test_p_values_at_the_edges_of_each_format(p, text):
    assert meta.format_p(p) == text


@pytest.mark.parametrize("p", [-0.01, 1.01])
def test_a_p_value_outside_zero_to_one_is_refused(p):
    with pytest.raises(ValueError) as raised:
        meta.format_p(p)
    assert str(raised.value) == f"format_p: a p-value lies between 0 and 1, got {p!r}"


# --- effect sizes and multi-arm contrasts ----------------------------------------------------------------------

def test_an_arm_of_two_with_a_small_sd_is_accepted():
    """Two participants is the fewest an SD needs; an SD below 1 is fine (only 0 or less is not)."""
    for function in (meta.mean_difference, meta.standardised_mean_difference):
        es = function([2, 30], [3.0, 5.0], [0.5, 3.0], [20, 2], [4.0, 4.5], [2.0, 0.5])
        assert np.all(np.isfinite(es.yi)) and np.all(es.vi > 0)


@pytest.mark.parametrize("function, name", [(meta.mean_difference, "mean_difference"),
                                            (meta.standardised_mean_difference, "standardised_mean_difference")])
def test_arm_refusals_name_the_function_and_the_study(function, name):
    with pytest.raises(ValueError) as raised:
        function([20, 30], [3.0, 5.0], [2.0, 3.0], [20, 1], [4.0, 4.5], [2.0, 3.0])
    assert str(raised.value) == f"{name}: study 2 has n2 = 1 (each arm needs at least 2 participants)"
    with pytest.raises(ValueError) as raised:
        function([20, 30], [3.0, 5.0], [2.0, -3.0], [20, 30], [4.0, 4.5], [2.0, 3.0])
    assert str(raised.value) == f"{name}: study 2 has sd1 = -3 (a standard deviation must be greater than 0)"
    with pytest.raises(ValueError) as raised:
        function([[20, 30]], [[3.0, 5.0]], [[2.0, 3.0]], [[20, 30]], [[4.0, 4.5]], [[2.0, 3.0]])
    assert str(raised.value) == f"{name}: inputs must be 1-D"


ARMS3 = {"needling": (20, 3.0, 2.0), "sham": (20, 4.0, 2.0), "none": (20, 5.0, 2.5)}


@pytest.mark.parametrize("pairs, kwargs, message", [
    ([], {}, "multi_arm_contrasts: no pairs given"),
    ([("needling",)], {}, "multi_arm_contrasts: each pair is (arm 1, arm 2), got ('needling',)"),
    ([("sham", "sham")], {}, "multi_arm_contrasts: 'sham' compared with itself"),
    ([("needling", "sham"), ("needling", "sham")], {}, "multi_arm_contrasts: the same pair is listed twice"),
    ([("needling", "sham")], {"measure": "OR"}, "multi_arm_contrasts: measure must be 'MD' or 'SMD', got 'OR'"),
])
def test_multi_arm_refusals(pairs, kwargs, message):
    with pytest.raises(ValueError) as raised:
        meta.multi_arm_contrasts(ARMS3, pairs, **kwargs)
    assert str(raised.value) == message


def test_multi_arm_labels_without_a_trial_name():
    es = meta.multi_arm_contrasts(ARMS3, [("needling", "none"), ("sham", "none")])
    assert es.studies == ("needling vs none", "sham vs none")


def test_leaving_one_of_two_studies_out_leaves_the_other():
    loo = meta.leave_one_out([0.1, 0.5], [0.04, 0.01], studies=["A", "B"])
    assert loo.estimate.tolist() == pytest.approx([0.5, 0.1]) and loo.se.tolist() == pytest.approx([0.1, 0.2])
    assert loo.k.tolist() == [1, 1] and loo.label == ("A", "B")


def test_a_leave_one_out_step_that_cannot_be_pooled_is_an_error_not_a_silent_nan():
    with pytest.raises(ValueError) as raised:
        meta.leave_one_out([1e200, -1e200, 0.0], [1.0, 1.0, 1.0])
    assert str(raised.value).startswith("pool: analysis 1: the effect sizes lie about 1e+200 apart")


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_the_bounded_search_alone_finds_tau2_zero_when_the_studies_agree(monkeypatch, method):
    """With no scoring step allowed every analysis goes to the bounded search; studies that agree more closely than
    chance have their likelihood's maximum at tau^2 = 0 exactly, as scoring finds it."""
    scored = meta.pool(AGREE_Y, AGREE_V, method=method)
    monkeypatch.setattr(meta, "REML_MAXITER", 0)
    searched = meta.pool(AGREE_Y, AGREE_V, method=method)
    assert scored.tau2_fit == "Fisher scoring" and searched.tau2_fit == "bounded search"
    assert scored.tau2 == 0.0 and searched.tau2 == 0.0
    assert searched.estimate == pytest.approx(scored.estimate, rel=1e-12)


@pytest.mark.parametrize("ci", ["wald", "hksj", "hksj-modified"])
def test_the_p_value_is_the_level_at_which_the_interval_touches_zero(ci):
    """A test and its interval agree: with p the pooled p-value, the (1 - p) interval has a limit at 0 exactly, and
    the interval at any higher level includes 0. Holds for the Wald z and for the HKSJ t statistic."""
    y, v = [0.1, -0.05, 0.2, 0.0, 0.15], [0.04, 0.03, 0.05, 0.02, 0.06]
    res = meta.pool(y, v, method="DL", ci=ci)
    assert 0 < res.p < 1 and res.ci == ci
    edge = meta.pool(y, v, method="DL", ci=ci, level=1 - res.p)
    assert min(abs(edge.ci_low), abs(edge.ci_high)) == pytest.approx(0.0, abs=1e-9)
    wider = meta.pool(y, v, method="DL", ci=ci, level=1 - res.p / 2)
    assert wider.ci_low < 0 < wider.ci_high


def test_the_result_names_its_prediction_interval_method():
    assert meta.pool(SPREAD_Y, SPREAD_V, method="DL", pi="T").pi == "t"
    assert meta.pool(SPREAD_Y, SPREAD_V, method="DL").pi == "riley"


@pytest.mark.parametrize("call, kind, message", [
    (lambda: meta.pool(np.zeros((2, 2, 2)), np.ones((2, 2, 2))), ValueError,
     "pool: inputs must be 1-D or 2-D (one row per analysis)"),
    (lambda: meta.pool([0.1, 0.2], [0.1, 0.1], level=1), ValueError,
     "pool: level must lie between 0 and 1 (e.g. 0.95), got 1"),
    (lambda: meta.pool([0.1, 0.2], [0.1, 0.1], level="0.95"), TypeError,
     "pool: level must be a number between 0 and 1 (e.g. 0.95), got '0.95' (a str)"),
    (lambda: meta.pool(["a", "b"], [0.1, 0.1]), ValueError,
     "pool: yi must be numbers (could not convert string to float: 'a')"),
])
def test_inputs_of_the_wrong_shape_kind_or_level_are_refused_exactly(call, kind, message):
    with pytest.raises(kind) as raised:
        call()
    assert str(raised.value) == message


def test_one_variance_given_as_a_number_goes_with_every_study():
    res = meta.pool([0.1, 0.2, 0.3], 0.04, method="FE")
    assert res.vi.tolist() == [0.04, 0.04, 0.04] and res.weights.tolist() == pytest.approx([100 / 3] * 3)
    assert res.estimate == pytest.approx(0.2)


def test_a_normal_prediction_interval_needs_two_studies_and_is_narrower_than_the_t_one():
    two_y, two_v = [0.1, 0.9], [0.01, 0.02]
    z = meta.pool(two_y, two_v, method="DL", pi="z")
    t = meta.pool(two_y, two_v, method="DL", pi="t")
    assert t.pi_low < z.pi_low < z.estimate < z.pi_high < t.pi_high  # a normal quantile is below any t quantile
    one = meta.pool([0.3], [0.04], method="DL", pi="z")
    assert np.isnan(one.pi_low) and np.isnan(one.pi_high)


def test_one_study_with_hksj_says_its_interval_is_wald_s():
    one = meta.pool([0.3], [0.04], method="DL", ci="hksj")
    assert one.notes == ("ci='hksj' needs at least 2 studies: with k = 1 the interval is Wald's (as metafor)",)


# Analyses of test_meta's generator (seed 20261128, k = 2..12, 500 each) on which Fisher scoring needs its
# safeguards: a step that overshoots 0, one that passes the maximum and oscillates, one that lowers the likelihood,
# and a maximum inside the range that is less likely than tau^2 = 0. Found by breaking each safeguard in turn.
HARD_ROWS = [("REML", 9, 498), ("REML", 12, 93), ("REML", 4, 86), ("REML", 10, 352), ("ML", 3, 281)]


def _hard_analyses():
    from test_meta import _mm_batch

    rng = np.random.default_rng(20261128)
    batches = {k: _mm_batch(k, 500, rng) for k in range(2, 13)}
    return [(method, batches[k][0][row], batches[k][1][row]) for method, k, row in HARD_ROWS]


def test_scoring_with_its_safeguards_finds_the_same_tau2_as_the_bounded_search(monkeypatch):
    """Two independent routes to the maximum must agree: Fisher scoring (the result says it converged by scoring,
    where it does for these analyses) and the bounded one-dimensional search alone (no scoring step allowed)."""
    analyses = _hard_analyses()
    scored = [meta.pool(y, v, method=method) for method, y, v in analyses]
    monkeypatch.setattr(meta, "REML_MAXITER", 0)
    searched = [meta.pool(y, v, method=method) for method, y, v in analyses]
    assert [r.tau2_fit for r in scored] == ["Fisher scoring"] * 4 + ["bounded search"]
    assert {r.tau2_fit for r in searched} == {"bounded search"}
    for (method, k, row), a, b in zip(HARD_ROWS, scored, searched, strict=True):
        assert a.tau2 == pytest.approx(b.tau2, rel=1e-6, abs=1e-9), (method, k, row)
        assert a.estimate == pytest.approx(b.estimate, rel=1e-6, abs=1e-9), (method, k, row)


# Three studies 1e100 standard errors apart: the spread check lets them through, but tau^2 (about 1e398) does not fit
# in a double. An analysis whose pooled numbers overflow is refused, never returned as infinities.
HUGE_Y, HUGE_V = [0.0, 1e199, 5e198], [1e200, 1e200, 1e200]
OVERFLOW = ("the pooled result lies outside what double precision can hold (yi from 0 to 1e+199, vi from 1e+200 to "
            "1e+200): rescale yi and vi")


@pytest.mark.parametrize("method", ["DL", "REML"])
def test_a_pooled_result_that_overflows_is_refused_with_the_range_to_rescale(method):
    with pytest.raises(ValueError) as raised:
        meta.pool(HUGE_Y, HUGE_V, method=method)
    assert str(raised.value) == "pool: " + OVERFLOW


def test_in_a_batch_the_overflowing_analysis_is_named_and_the_others_keep_their_results():
    y, v = [[1.0, 2.0, 3.0], HUGE_Y], [[1.0, 1.0, 1.0], HUGE_V]
    with pytest.raises(ValueError) as raised:
        meta.pool(y, v, method="DL", errors="raise")
    assert str(raised.value) == "pool: analysis 2: " + OVERFLOW
    batch = meta.pool(y, v, method="DL")  # a batch reports by default
    alone = meta.pool([1.0, 2.0, 3.0], [1.0, 1.0, 1.0], method="DL")
    assert batch.failures == ((1, "analysis 2: " + OVERFLOW),)
    assert list(batch.ok) == [True, False] and batch.tau2_fit == ("closed form", "failed")
    assert batch.estimate[0] == alone.estimate == 2.0 and batch.tau2[0] == alone.tau2 == 0.0
    assert batch.weights[0] == pytest.approx([100 / 3] * 3)
    for name in ("estimate", "se", "ci_low", "ci_high", "p", "tau2", "q", "i2"):
        assert np.isnan(getattr(batch, name)[1]), name
    assert np.isnan(batch.weights[1]).all()


def test_in_a_batch_effect_sizes_too_far_apart_are_refused_for_their_analysis_only():
    """Effect sizes 1e10 apart with standard errors of 1e-160 would overflow while pooling: that analysis is named
    (with the numbers to rescale) and the other one keeps its result."""
    spread = ("the effect sizes lie about 1e+10 apart, more than 1e100 times the smallest standard error (1e-160): "
              "pooling them would overflow double precision (rescale yi and vi)")
    with pytest.raises(ValueError) as raised:
        meta.pool([0.0, 1e10], [1e-320, 1e-320], method="FE")
    assert str(raised.value) == "pool: " + spread
    batch = meta.pool([[0.0, 1e10], [1.0, 3.0]], [[1e-320, 1e-320], [1.0, 1.0]], method="FE")
    assert batch.failures == ((0, "analysis 1: " + spread),)
    assert list(batch.ok) == [False, True] and batch.estimate[1] == 2.0 and np.isnan(batch.estimate[0])
