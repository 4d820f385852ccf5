"""meta: effect sizes and pooling, checked against published output of R's metafor.

Reference values and where they are printed (every number below is transcribed, never produced by
this package):

* BCG vaccine trials (``dat.bcg``), log risk ratios, REML, ``test="z"``:
  FBartos/RoBMA ``vignettes/02-bayesian-meta-analysis.Rmd`` (rendered output, "Random-Effects Model":
  ``metafor::rma(yi, vi, data = dat, method = "REML")``, and ``confint(fit1_metafor)`` for I^2/H^2
  to four decimals). The counts and the printed yi are from wviechtb/metafor ``README.md``
  ("calculate log risk ratios ..."), which prints the same REML tau^2, I^2, H^2 and Q.
* Kacker (2004) interlaboratory data, DL and FE: statsmodels/statsmodels
  ``statsmodels/stats/tests/results/results_meta.py`` (``exk1_dl``, ``exk1_fe``: metafor's
  ``rma(y, v, method="DL")`` / ``method="FE"`` stored at full precision).
* Prediction interval: see :func:`test_prediction_interval_is_higgins_2009_t_k_minus_2`.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

from dry_needling import meta

# --- dat.bcg (wviechtb/metafor README.md) ------------------------------------------------------
BCG_AUTHORS = ["Aronson 1948", "Ferguson & Simes 1949", "Rosenthal et al 1960", "Hart & Sutherland 1977",
               "Frimodt-Moller et al 1973", "Stein & Aronson 1953", "Vandiviere et al 1973", "TPT Madras 1980",
               "Coetzee & Berjak 1968", "Rosenthal et al 1961", "Comstock et al 1974", "Comstock & Webster 1969",
               "Comstock et al 1976"]
TPOS = np.array([4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27])
TNEG = np.array([119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886])
CPOS = np.array([11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29])
CNEG = np.array([128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825])
# escalc(measure="RR") as printed in the README (4 decimals), used to check the transcription
BCG_YI_PRINTED = [-0.8893, -1.5854, -1.3481, -1.4416, -0.2175, -0.7861, -1.6209, 0.0120, -0.4694, -1.3713,
                  -0.3394, 0.4459, -0.0173]
BCG_VI_PRINTED = [0.3256, 0.1946, 0.4154, 0.0200, 0.0512, 0.0069, 0.2230, 0.0040, 0.0564, 0.0730, 0.0124,
                  0.5325, 0.0714]


def bcg():
    """Log risk ratios and variances, computed as escalc(measure="RR") documents them."""
    yi = np.log((TPOS / (TPOS + TNEG)) / (CPOS / (CPOS + CNEG)))
    vi = 1 / TPOS - 1 / (TPOS + TNEG) + 1 / CPOS - 1 / (CPOS + CNEG)
    return yi, vi


def test_bcg_transcription_matches_the_printed_yi_vi():
    yi, vi = bcg()
    assert np.round(yi, 4).tolist() == BCG_YI_PRINTED
    assert np.round(vi, 4).tolist() == BCG_VI_PRINTED


def test_reml_matches_metafor_on_dat_bcg():
    res = meta.pool(*bcg(), method="REML")
    # Printed: estimate -0.7145, se 0.1798, zval -3.9744, ci.lb -1.0669, ci.ub -0.3622,
    # tau^2 0.3132, I^2 92.2214 (confint), H^2 12.8558 (confint), Q(df = 12) = 152.2330.
    assert round(res.estimate, 4) == -0.7145
    assert round(res.se, 4) == 0.1798
    assert round(res.z, 4) == -3.9744
    assert round(res.ci_low, 4) == -1.0669
    assert round(res.ci_high, 4) == -0.3622
    assert round(res.tau2, 4) == 0.3132
    assert round(res.tau, 4) == 0.5597
    assert round(res.i2, 4) == 92.2214
    assert round(res.h2, 4) == 12.8558
    assert round(res.q, 4) == 152.2330
    assert res.df == 12 and res.k == 13 and res.method == "REML"
    assert res.p < 0.0001 and res.p_q < 0.0001


# --- Kacker 2004 (statsmodels results_meta.py, metafor at full precision) ---------------------
KACKER_Y = [61.0, 61.4, 62.21, 62.3, 62.34, 62.6, 62.7, 62.84, 65.9]
KACKER_V = [0.2025, 1.2100, 0.0900, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225]
KACKER = {
    "DL": dict(estimate=62.3901386044504, se=0.245749668040304, z=253.876797075543, ci_low=61.9084781058787,
               ci_high=62.8717991030221, tau2=0.288049246973751, q=24.801897741835, p_q=0.00167935146372742,
               i2=67.744403741711, h2=3.10023721772938),
    "FE": dict(estimate=62.5833970939982, se=0.107845705498231, z=580.304953311515, ci_low=62.3720233953344,
               ci_high=62.7947707926621, tau2=0.0, q=24.801897741835, p_q=0.00167935146372742,
               i2=67.744403741711, h2=3.10023721772938),
}


@pytest.mark.parametrize("method", ["DL", "FE"])
def test_dl_and_fe_match_metafor_full_precision(method):
    res = meta.pool(KACKER_Y, KACKER_V, method=method)
    for field, expected in KACKER[method].items():
        assert getattr(res, field) == pytest.approx(expected, rel=1e-9, abs=1e-12), field
    assert res.df == 8 and res.k == 9


def test_fixed_effect_has_no_tau2_and_no_prediction_interval():
    res = meta.pool(KACKER_Y, KACKER_V, method="FE")
    assert res.tau2 == 0.0
    assert np.isnan(res.pi_low) and np.isnan(res.pi_high)
    assert not res.random_effects


def test_prediction_interval_is_higgins_2009_t_k_minus_2():
    """The documented choice: mu +/- t_{k-2} sqrt(tau^2 + SE^2) (Higgins, Thompson & Spiegelhalter 2009).

    Checked against metafor's printed REML fit of dat.bcg (estimate -0.7145, se 0.1798,
    tau^2 0.3132, k = 13): the bounds below are that formula applied to the printed numbers, so
    they agree with ours to the printed precision. (No stored print of an HTS interval with its
    data was found; metafor's own default, the normal quantile, would give about -1.867 to 0.438.)
    """
    res = meta.pool(*bcg(), method="REML")
    half = stats.t.ppf(0.975, 13 - 2) * np.sqrt(0.3132 + 0.1798 ** 2)
    assert res.pi_low == pytest.approx(-0.7145 - half, abs=2e-4)
    assert res.pi_high == pytest.approx(-0.7145 + half, abs=2e-4)
    assert res.pi_low < res.ci_low and res.pi_high > res.ci_high


def test_prediction_interval_needs_three_studies():
    res = meta.pool([0.1, 0.5], [0.04, 0.05], method="DL")
    assert np.isnan(res.pi_low) and np.isnan(res.pi_high)


def test_weights_are_percent_and_follow_the_model():
    for method in meta.METHODS:
        res = meta.pool(*bcg(), method=method)
        assert res.weights.shape == (13,)
        assert res.weights.sum() == pytest.approx(100.0)
    fe = meta.pool(*bcg(), method="FE")
    re = meta.pool(*bcg(), method="REML")
    assert fe.weights.max() > re.weights.max()  # random effects spread the weight out


def test_level_changes_the_interval():
    narrow = meta.pool(*bcg(), method="DL", level=0.90)
    wide = meta.pool(*bcg(), method="DL")
    assert wide.ci_high - wide.ci_low > narrow.ci_high - narrow.ci_low
    assert (narrow.ci_high - narrow.ci_low) / (wide.ci_high - wide.ci_low) == pytest.approx(1.6449 / 1.96, abs=1e-4)


def test_result_is_immutable():
    res = meta.pool(*bcg(), method="DL")
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.estimate = 0.0
    with pytest.raises(ValueError):
        res.weights[0] = 1.0


def test_batch_pools_each_row_as_a_single_analysis():
    yi, vi = bcg()
    rows = np.stack([yi, yi[::-1] * 0.5, yi + 0.1])
    var = np.stack([vi, vi[::-1], vi * 2])
    for method in meta.METHODS:
        batch = meta.pool(rows, var, method=method)
        assert batch.estimate.shape == (3,) and batch.weights.shape == (3, 13)
        for i in range(3):
            one = meta.pool(rows[i], var[i], method=method)
            assert batch.estimate[i] == pytest.approx(one.estimate, rel=1e-12)
            assert batch.tau2[i] == pytest.approx(one.tau2, rel=1e-10, abs=1e-14)
            assert batch.i2[i] == pytest.approx(one.i2, rel=1e-10, abs=1e-12)


def test_heterogeneity_text():
    text = meta.pool(KACKER_Y, KACKER_V, method="DL").heterogeneity_text()
    assert text == "RE model (DL): τ² = 0.29, I² = 68 %, Q = 24.80, df = 8, p = 0.00"


# --- effect sizes ------------------------------------------------------------------------------


def test_mean_difference():
    es = meta.mean_difference([20, 30], [3.0, 5.0], [2.0, 3.0], [20, 30], [4.0, 4.5], [2.0, 3.0])
    assert es.measure == "MD"
    assert es.yi.tolist() == [-1.0, 0.5]
    assert es.vi.tolist() == pytest.approx([4 / 20 + 4 / 20, 9 / 30 + 9 / 30])
    yi, vi = es
    assert yi is es.yi and vi is es.vi


def test_smd_is_revman_hedges_adjusted_g():
    """RevMan 5 "Statistical algorithms" (Deeks & Higgins 2010), SMD section, worked by hand.

    n1 = 20, mean 3, SD 2; n2 = 20, mean 4, SD 2: pooled SD 2, N = 40,
    g = (3 - 4)/2 * (1 - 3/(4*40 - 9)) = -0.5 * 148/151, v = 40/400 + g^2/(2*(40 - 3.94)).
    """
    es = meta.standardised_mean_difference(20, 3.0, 2.0, 20, 4.0, 2.0)
    g = -0.5 * 148 / 151
    assert es.measure == "SMD"
    assert es.yi[0] == pytest.approx(g, rel=1e-14)
    assert es.vi[0] == pytest.approx(0.1 + g ** 2 / 72.12, rel=1e-14)


def test_smd_unequal_arms_uses_the_pooled_sd():
    es = meta.standardised_mean_difference(10, 12.0, 3.0, 25, 10.0, 5.0)
    pooled = np.sqrt((9 * 9 + 24 * 25) / 33)
    g = 2.0 / pooled * (1 - 3 / (4 * 35 - 9))
    assert es.yi[0] == pytest.approx(g, rel=1e-14)
    assert es.vi[0] == pytest.approx(35 / 250 + g ** 2 / (2 * (35 - 3.94)), rel=1e-14)
    swapped = meta.standardised_mean_difference(25, 10.0, 5.0, 10, 12.0, 3.0)
    assert swapped.yi[0] == pytest.approx(-g) and swapped.vi[0] == pytest.approx(es.vi[0])


def test_smd_close_to_metafor_exact_correction():
    """metafor's escalc uses the exact correction factor; RevMan's approximation is within 1e-4 at N = 40."""
    from scipy.special import gammaln

    df = 38
    exact = np.exp(gammaln(df / 2) - np.log(np.sqrt(df / 2)) - gammaln((df - 1) / 2))
    es = meta.standardised_mean_difference(20, 3.0, 2.0, 20, 4.0, 2.0)
    assert es.yi[0] == pytest.approx(-0.5 * exact, abs=1e-4)


def test_effect_sizes_flow_into_pool_with_names():
    es = meta.standardised_mean_difference([20, 30, 25], [3, 5, 4], [2, 3, 2.5], [20, 30, 25], [4, 5.5, 4.2],
                                           [2, 3, 2.5], studies=["A", "B", "C"])
    res = meta.pool(es, method="DL")
    assert res.studies == ("A", "B", "C") and res.k == 3
    assert meta.pool(*es, method="DL").estimate == pytest.approx(res.estimate)


# --- errors ------------------------------------------------------------------------------------

ARMS = dict(n1=[20, 30], mean1=[3.0, 5.0], sd1=[2.0, 3.0], n2=[20, 30], mean2=[4.0, 4.5], sd2=[2.0, 3.0])


@pytest.mark.parametrize("function", [meta.mean_difference, meta.standardised_mean_difference])
@pytest.mark.parametrize("field, value, message", [
    ("sd1", [2.0, 0.0], r"study 'Beta' has sd1 = 0 \(a standard deviation must be greater than 0\)"),
    ("sd2", [-1.0, 3.0], r"study 'Alpha' has sd2 = -1"),
    ("n2", [20, 1], r"study 'Beta' has n2 = 1 \(each arm needs at least 2"),
    ("mean1", [np.nan, 5.0], r"study 'Alpha' has mean1 = nan"),
    ("mean2", [4.0, np.inf], r"study 'Beta' has mean2 = inf"),
    ("n1", [20, 30, 40], r"inputs differ in length \(n1 3, mean1 2"),
])
def test_effect_size_errors_name_study_and_value(function, field, value, message):
    with pytest.raises(ValueError, match=message):
        function(**{**ARMS, field: value}, studies=["Alpha", "Beta"])


def test_effect_size_errors_use_position_without_names():
    with pytest.raises(ValueError, match=r"study 2 has sd1 = 0"):
        meta.standardised_mean_difference(**{**ARMS, "sd1": [2.0, 0.0]})


def test_studies_length_must_match():
    with pytest.raises(ValueError, match="names 3 studies but the data have 2"):
        meta.mean_difference(**ARMS, studies=["a", "b", "c"])


@pytest.mark.parametrize("yi, vi, kwargs, message", [
    ([0.1, 0.2], [0.1], {}, r"inputs differ in length \(yi 2, vi 1\)"),
    ([0.1, np.nan], [0.1, 0.1], {"studies": ["A", "B"]}, r"study 'B' has yi = nan"),
    ([0.1, 0.2], [np.inf, 0.1], {}, r"study 1 has vi = inf"),
    ([0.1, 0.2], [0.1, 0.0], {"studies": ["A", "B"]}, r"study 'B' has vi = 0 \(a sampling variance must be"),
    ([0.1, 0.2], [-0.1, 0.1], {}, r"study 1 has vi = -0.1"),
    ([0.3], [0.1], {"studies": ["Solo"]},
     r"random-effects model needs at least 2 studies, got 1 \(study 'Solo', yi = 0.3\)"),
    ([0.3], [0.1], {"method": "REML"}, r"needs at least 2 studies, got 1 \(study 1"),
    ([0.1, 0.2], [0.1, 0.1], {"method": "ML"}, r"method must be one of FE, DL, REML"),
    ([0.1, 0.2], [0.1, 0.1], {"level": 95}, r"level must lie between 0 and 1"),
    ([[0.1, 0.2], [0.3, np.nan]], [[0.1, 0.1], [0.1, 0.1]], {}, r"analysis 2, study 2 has yi = nan"),
])
def test_pool_errors_name_study_and_value(yi, vi, kwargs, message):
    kwargs = {"method": "DL", **kwargs}
    with pytest.raises(ValueError, match=message):
        meta.pool(yi, vi, **kwargs)


def test_fixed_effect_accepts_one_study():
    res = meta.pool([0.3], [0.04], method="FE")
    assert res.estimate == pytest.approx(0.3) and res.se == pytest.approx(0.2)
    assert res.weights.tolist() == [100.0]


# --- forest plot -------------------------------------------------------------------------------


def _forest(method="DL", with_arms=True):
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from dry_needling import charts

    arms = pd.DataFrame({"n1": [20, 31, 18, 40], "mean1": [3.1, 4.0, 2.8, 3.5], "sd1": [1.9, 2.2, 2.0, 2.1],
                         "n2": [20, 30, 19, 41], "mean2": [4.0, 4.6, 4.1, 3.9], "sd2": [2.0, 2.1, 2.2, 2.0]})
    es = meta.mean_difference(**arms, studies=["A 2015", "B 2017", "C 2018", "D 2019"])
    res = meta.pool(es, method=method)
    return res, charts.meta_forest_plot(res, arms=arms if with_arms else None, xlabel="Mean difference")


def test_meta_forest_squares_have_area_proportional_to_weight():
    import matplotlib.pyplot as plt

    res, fig = _forest()
    squares = [c for c in fig.axes[0].collections if c.get_gid() == "meta-squares"]
    assert len(squares) == 1
    sizes = squares[0].get_sizes()
    assert np.allclose(sizes / res.weights, sizes[0] / res.weights[0])
    plt.close(fig)


def test_meta_forest_draws_rows_diamond_pi_and_heterogeneity():
    import matplotlib.pyplot as plt

    res, fig = _forest()
    ax = fig.axes[0]
    rows = sorted(str(line.get_gid()) for line in ax.get_lines() if str(line.get_gid()).startswith("forest-row"))
    assert rows == [f"forest-row-{i}" for i in range(4)]
    diamond = [p for p in ax.patches if p.get_gid() == "meta-diamond"]
    assert len(diamond) == 1
    xs = diamond[0].get_xy()[:, 0]
    assert xs.min() == pytest.approx(res.ci_low) and xs.max() == pytest.approx(res.ci_high)
    pi = [line for line in ax.get_lines() if line.get_gid() == "meta-pi"]
    assert len(pi) == 1 and list(pi[0].get_xdata()) == pytest.approx([res.pi_low, res.pi_high])
    texts = [t.get_text() for t in ax.texts]
    assert res.heterogeneity_text() in texts
    assert any("Weight" == t for t in texts) and any(t.startswith("Estimate [95 % CI]") for t in texts)
    assert any("\u2212" in t for t in texts)  # true minus signs in the printed intervals
    plt.close(fig)


def test_meta_forest_fixed_effect_has_no_prediction_interval():
    import matplotlib.pyplot as plt

    _, fig = _forest(method="FE", with_arms=False)
    assert not [line for line in fig.axes[0].get_lines() if line.get_gid() == "meta-pi"]
    plt.close(fig)
