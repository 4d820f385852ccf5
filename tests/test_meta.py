"""meta: effect sizes and pooling, checked against the values printed in R metafor's own test files.

Where each number comes from (every expected number below is transcribed, never produced by this package):

* Data sets: the R package metadat (which holds metafor's data sets), wviechtb/metadat at commit 0cb96ce,
  ``data-raw/<name>.txt`` (the text files its ``.rda`` files are built from; line numbers below are those files'
  lines, header = line 1). Data printed inside a metafor test file are cited to that file.
* Expected results: wviechtb/metafor at commit 71ae8f5, ``tests/testthat/<file>.r:<line>``. metafor's tests
  compare with a relative tolerance of 1 % (``settings.r``); we hold ours to the printed decimals instead
  (half a unit in the last printed digit), plus, where said, the tolerance with which metafor itself stopped:
  REML/ML Fisher scoring stops when tau^2 changes by less than 1e-5 (``R/rma.uni.r:1257``, ``threshold``)
  and ``confint()`` finds the Q-profile bounds with ``uniroot(tol = .Machine$double.eps^0.25)``, about
  1.2e-4 on tau^2 (``R/confint.rma.uni.r:117``).
* Kacker (2004) DL and FE at full precision: statsmodels/statsmodels
  ``statsmodels/stats/tests/results/results_meta.py`` (``exk1_dl``, ``exk1_fe``: metafor's output stored there).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy import stats

from dry_needling import meta

# --- data sets -----------------------------------------------------------------------------------

# dat.bcg: metadat data-raw/dat.bcg.txt lines 2-14 (columns tpos, tneg, cpos, cneg, year)
BCG_AUTHORS = ["Aronson 1948", "Ferguson & Simes 1949", "Rosenthal et al 1960", "Hart & Sutherland 1977",
               "Frimodt-Moller et al 1973", "Stein & Aronson 1953", "Vandiviere et al 1973", "TPT Madras 1980",
               "Coetzee & Berjak 1968", "Rosenthal et al 1961", "Comstock et al 1974", "Comstock & Webster 1969",
               "Comstock et al 1976"]
TPOS = np.array([4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27])
TNEG = np.array([119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886])
CPOS = np.array([11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29])
CNEG = np.array([128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825])
BCG_YEAR = np.array([1948, 1949, 1960, 1977, 1973, 1953, 1973, 1980, 1968, 1961, 1974, 1969, 1976])
# escalc(measure="RR") as printed in wviechtb/metafor README.md lines 111-123 (4 decimals): checks the transcription
BCG_YI_PRINTED = [-0.8893, -1.5854, -1.3481, -1.4416, -0.2175, -0.7861, -1.6209, 0.0120, -0.4694, -1.3713,
                  -0.3394, 0.4459, -0.0173]
BCG_VI_PRINTED = [0.3256, 0.1946, 0.4154, 0.0200, 0.0512, 0.0069, 0.2230, 0.0040, 0.0564, 0.0730, 0.0124,
                  0.5325, 0.0714]

# dat.raudenbush1985: metadat data-raw/dat.raudenbush1985.txt lines 2-20 (columns yi, vi, given as such)
RAUD_Y = [0.03, 0.12, -0.14, 1.18, 0.26, -0.06, -0.02, -0.32, 0.27, 0.80, 0.54, 0.18, -0.02, 0.23, -0.18, -0.06,
          0.30, 0.07, -0.07]
RAUD_V = [0.0156, 0.0216, 0.0279, 0.1391, 0.1362, 0.0106, 0.0106, 0.0484, 0.0269, 0.0630, 0.0912, 0.0497, 0.0835,
          0.0841, 0.0253, 0.0279, 0.0193, 0.0088, 0.0303]

# dat.collins1985b: metadat data-raw/dat.collins1985b.txt lines 2-10 (pre.nti, pre.nci, pre.xti, pre.xci)
COLL_NT = np.array([131, 385, 57, 38, 1011, 1370, 506, 108, 153])
COLL_NC = np.array([136, 134, 48, 40, 760, 1336, 524, 103, 102])
COLL_XT = np.array([14, 21, 14, 6, 12, 138, 15, 6, 65])
COLL_XC = np.array([14, 17, 24, 18, 35, 175, 20, 2, 40])

# dat.normand1999: metadat data-raw/dat.normand1999.txt lines 2-10 (n1i, m1i, sd1i, n2i, m2i, sd2i): days in hospital
NORM_N1 = np.array([155, 31, 75, 18, 8, 57, 34, 110, 60])
NORM_M1 = np.array([55, 27, 64, 66, 14, 19, 52, 21, 30])
NORM_S1 = np.array([47, 7, 17, 20, 8, 7, 45, 16, 27])
NORM_N2 = np.array([156, 32, 71, 18, 13, 52, 33, 183, 52])
NORM_M2 = np.array([75, 29, 119, 137, 18, 18, 41, 31, 23])
NORM_S2 = np.array([64, 4, 29, 48, 11, 4, 34, 27, 20])

# CLASP (DerSimonian & Kacker 2007): printed in tests/testthat/test_analysis_example_dersimonian2007.r:10-13
CLASP_N1 = np.array([156, 303, 565, 1570, 103, 4659])
CLASP_N2 = np.array([74, 303, 477, 1565, 105, 4650])
CLASP_A = np.array([5, 5, 12, 69, 9, 313])
CLASP_C = np.array([8, 17, 9, 94, 11, 352])


def bcg():
    """Log risk ratios and variances, as escalc(measure="RR") defines them."""
    yi = np.log((TPOS / (TPOS + TNEG)) / (CPOS / (CPOS + CNEG)))
    vi = 1 / TPOS - 1 / (TPOS + TNEG) + 1 / CPOS - 1 / (CPOS + CNEG)
    return yi, vi


def colditz():
    """dat.colditz1994 is dat.bcg (metadat data-raw/dat.bcg.r:13); log odds ratios as escalc(measure="OR")."""
    return np.log(TPOS * CNEG / (TNEG * CPOS)), 1 / TPOS + 1 / TNEG + 1 / CPOS + 1 / CNEG


def collins():
    """Log odds ratios of dat.collins1985b's pre-eclampsia counts, as escalc(measure="OR")."""
    a, b, c, d = COLL_XT, COLL_NT - COLL_XT, COLL_XC, COLL_NC - COLL_XC
    return np.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d


def clasp():
    a, b, c, d = CLASP_A, CLASP_N1 - CLASP_A, CLASP_C, CLASP_N2 - CLASP_C
    return np.log(a * d / (b * c)), 1 / a + 1 / b + 1 / c + 1 / d


def printed(value, expected, decimals: int = 4, slack: float = 0.0):
    """``value`` agrees with a number printed to ``decimals`` places (half a unit in the last digit, plus
    ``slack`` where metafor's own stopping tolerance allows more)."""
    assert abs(float(value) - expected) <= 0.5 * 10 ** -decimals + slack + 1e-12, (float(value), expected)


def test_bcg_transcription_matches_the_printed_yi_vi():
    yi, vi = bcg()
    assert np.round(yi, 4).tolist() == BCG_YI_PRINTED
    assert np.round(vi, 4).tolist() == BCG_VI_PRINTED


# --- REML, ML, DL, FE against metafor ------------------------------------------------------------


def test_reml_on_dat_bcg_at_full_precision():
    """test_misc_influence.r:17 stores tau2 = 0.313243325980895 and QE = 152.233008082373 (rma, REML)."""
    res = meta.pool(*bcg(), method="REML")
    assert res.tau2 == pytest.approx(0.313243325980895, abs=1e-7)  # metafor stopped within 1e-5 of its optimum
    assert res.q == pytest.approx(152.233008082373, rel=1e-12)
    assert res.df == 12 and res.k == 13 and res.method == "REML" and res.tau2_fit == "Fisher scoring"


@pytest.mark.parametrize("method, ci, expected", [
    # test_analysis_example_raudenbush2009.r:83 (standard) and :103 (test="knha"): tau2, mu, se, z, ci.lb, ci.ub
    ("FE", "wald", (0, 0.0604, 0.0365, 1.6553, -0.0111, 0.1318)),
    ("ML", "wald", (0.0126, 0.0777, 0.0475, 1.6368, -0.0153, 0.1708)),
    ("REML", "wald", (0.0188, 0.0837, 0.0516, 1.6208, -0.0175, 0.1849)),
    ("DL", "wald", (0.0259, 0.0893, 0.0558, 1.6009, -0.0200, 0.1987)),
    ("FE", "hksj", (0, 0.0604, 0.0515, 1.1733, -0.0477, 0.1685)),
    ("ML", "hksj", (0.0126, 0.0777, 0.0593, 1.3110, -0.0468, 0.2023)),
    ("REML", "hksj", (0.0188, 0.0837, 0.0616, 1.3593, -0.0457, 0.2131)),
    ("DL", "hksj", (0.0259, 0.0893, 0.0636, 1.4050, -0.0442, 0.2229)),
])
def test_estimators_and_intervals_match_raudenbush_table_16_3(method, ci, expected):
    res = meta.pool(RAUD_Y, RAUD_V, method=method, ci=ci)
    # ML and REML: metafor stops scoring within 1e-5 on tau^2, worth up to 1e-4 on z
    slack = 1e-4 if method in ("ML", "REML") else 0.0
    for name, value in zip(("tau2", "estimate", "se", "z", "ci_low", "ci_high"), expected, strict=True):
        printed(getattr(res, name), value, slack=slack)
    assert res.ci == ci


def test_reml_prediction_interval_matches_predict():
    """test_analysis_example_raudenbush2009.r:38-39: predict(rma(yi, vi)) gives pi.lb -0.2036, pi.ub 0.3711
    (metafor's default for test="z": the normal quantile)."""
    res = meta.pool(RAUD_Y, RAUD_V, method="REML", pi="z")
    # metafor's REML stops when a step changes tau^2 by less than 1e-5; Fisher scoring converges linearly, so its
    # tau^2 can sit a few times that from the maximum, which moves these bounds by up to about 1.5e-4
    printed(res.pi_low, -0.2036, slack=1.5e-4)
    printed(res.pi_high, 0.3711, slack=1.5e-4)


def test_ml_on_colditz_matches_van_houwelingen_2002():
    """test_analysis_example_vanhouwelingen2002.r: ML fit of dat.colditz1994 (log odds ratios)."""
    yi, vi = colditz()
    res = meta.pool(yi, vi, method="ML")
    printed(res.tau2, 0.3025)  # :39
    printed(np.exp(res.estimate), 0.4762)  # :36
    printed(np.exp(res.ci_low), 0.3360)  # :37
    printed(np.exp(res.ci_high), 0.6749)  # :38
    knha = meta.pool(yi, vi, method="ML", ci="hksj")
    printed(np.exp(knha.ci_low), 0.3175)  # :56
    printed(np.exp(knha.ci_high), 0.7141)  # :57
    z = meta.pool(yi, vi, method="ML", pi="z")
    printed(z.pi_low, -1.875, decimals=3)  # :123
    printed(z.pi_high, 0.391, decimals=3)  # :124


def test_dl_ml_reml_on_collins_match_viechtbauer_2007():
    """test_analysis_example_viechtbauer2007a.r:24: tau2 DL .2297, ML .2386, REML .3008."""
    yi, vi = collins()
    for method, expected in (("DL", 0.2297), ("ML", 0.2386), ("REML", 0.3008)):
        printed(meta.pool(yi, vi, method=method).tau2, expected)


def test_clasp_estimators_match_dersimonian_2007():
    """test_analysis_example_dersimonian2007.r:56-59 (Tables 3 and 4): tau, mu, se for DL, ML and REML.

    metafor prints tau = 0.0023 for ML: tau^2 = 5.3e-6, below its own stopping threshold (1e-5 on tau^2). The
    ML score is negative at tau^2 = 0, so the maximum is on the boundary: our tau^2 is 0 and mu and se agree
    with the print to its four decimals."""
    yi, vi = clasp()
    for method, tau, mu, se in (("DL", 0.2323, -0.3240, 0.1540), ("REML", 0.1843, -0.2980, 0.1343)):
        res = meta.pool(yi, vi, method=method)
        printed(np.sqrt(res.tau2), tau)
        printed(res.estimate, mu)
        printed(res.se, se)
    ml = meta.pool(yi, vi, method="ML")
    assert ml.tau2 <= 1e-5
    printed(np.sqrt(ml.tau2), 0.0023, slack=0.0023)
    # at metafor's own tau^2 (0.0023 squared) the weighted mean is the printed -0.1974; at the boundary it moves by
    # less than 1e-4
    w = 1 / (vi + 0.0023 ** 2)
    printed(np.sum(w * yi) / np.sum(w), -0.1974)
    printed(ml.estimate, -0.1974, slack=1e-4)
    printed(ml.se, 0.0694)


def test_large_scale_tau2_matches_metafor():
    """Mean data in days (dat.normand1999): tau^2 in the hundreds, where an absolute stopping rule struggles.

    test_misc_rma_uni.r:66: escalc(measure="MN") and rma() (REML) give tau2 408.9277.
    test_analysis_example_normand1999.r:90-102: mean differences with the pooled SD, DL estimate -14.0972
    [-24.4454, -3.7490], tau2 218.7216; REML -15.1217 [-32.6716, 2.4282], tau2 685.1965."""
    printed(meta.pool(NORM_M1, NORM_S1 ** 2 / NORM_N1, method="REML").tau2, 408.9277, slack=1e-3)
    sdp = np.sqrt(((NORM_N1 - 1) * NORM_S1 ** 2 + (NORM_N2 - 1) * NORM_S2 ** 2) / (NORM_N1 + NORM_N2 - 2))
    es = meta.mean_difference(NORM_N1, NORM_M1, sdp, NORM_N2, NORM_M2, sdp)
    dl = meta.pool(es, method="DL")
    for name, value in (("estimate", -14.0972), ("ci_low", -24.4454), ("ci_high", -3.7490), ("tau2", 218.7216)):
        printed(getattr(dl, name), value)
    reml = meta.pool(es, method="REML")
    for name, value in (("estimate", -15.1217), ("ci_low", -32.6716), ("ci_high", 2.4282), ("tau2", 685.1965)):
        printed(getattr(reml, name), value, slack=1e-3)


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


@pytest.mark.parametrize("scale", [1e-6, 1e-3, 1.0, 1e3, 1e6])
@pytest.mark.parametrize("method", ["REML", "ML", "DL"])
def test_every_estimator_is_scale_equivariant(scale, method):
    """The same data in other units give the same answer in those units (the old REML failed at x1e3, x1e6)."""
    base = meta.pool(KACKER_Y, KACKER_V, method=method)
    scaled = meta.pool(np.array(KACKER_Y) * scale, np.array(KACKER_V) * scale ** 2, method=method)
    assert scaled.tau2 == pytest.approx(base.tau2 * scale ** 2, rel=1e-8)
    assert scaled.estimate == pytest.approx(base.estimate * scale, rel=1e-12)
    assert scaled.i2 == pytest.approx(base.i2, rel=1e-8)
    assert scaled.tau2_fit == base.tau2_fit


# --- HKSJ, its modification, prediction intervals -------------------------------------------------


def test_hksj_modified_is_never_narrower_than_wald():
    """metafor's test="adhoc" (R/rma.uni.r:2720-2721): the HKSJ scaling factor is held at 1 or more."""
    homogeneous = ([0.10, 0.11, 0.09, 0.10], [0.04, 0.05, 0.03, 0.04])  # Q far below its df: HKSJ is narrow
    wald = meta.pool(*homogeneous, method="DL")
    hksj = meta.pool(*homogeneous, method="DL", ci="hksj")
    modified = meta.pool(*homogeneous, method="DL", ci="hksj-modified")
    width = {name: r.ci_high - r.ci_low for name, r in (("wald", wald), ("hksj", hksj), ("mod", modified))}
    assert width["hksj"] < width["wald"] < width["mod"]
    assert modified.se == pytest.approx(wald.se)  # factor held at 1
    t = stats.t.ppf(0.975, 3)
    assert width["mod"] == pytest.approx(2 * t * wald.se)
    # where the factor is above 1 the modified interval is the HKSJ interval (raudenbush: q = 1.43)
    assert meta.pool(RAUD_Y, RAUD_V, ci="hksj-modified").ci_low == pytest.approx(meta.pool(RAUD_Y, RAUD_V,
                                                                                            ci="hksj").ci_low)


def test_prediction_interval_options():
    """pi="riley" is Higgins 2009's t with k-2 df (metafor's pi.type="Riley", R/predict.rma.r:443-446), "t"
    uses k-1 df; both use the SE of the chosen interval. Checked on metafor's printed REML fit of
    raudenbush1985 (estimate 0.0837, se 0.0516, tau2 0.0188; raudenbush2009.r:83) and its knha se 0.0616 (:103)."""
    wald = meta.pool(RAUD_Y, RAUD_V, method="REML")
    half = stats.t.ppf(0.975, 19 - 2) * np.sqrt(0.0188 + 0.0516 ** 2)
    printed(wald.pi_low, 0.0837 - half, slack=2e-4)
    printed(wald.pi_high, 0.0837 + half, slack=2e-4)
    knha = meta.pool(RAUD_Y, RAUD_V, method="REML", ci="hksj", pi="t")
    half = stats.t.ppf(0.975, 19 - 1) * np.sqrt(0.0188 + 0.0616 ** 2)
    printed(knha.pi_low, 0.0837 - half, slack=2e-4)
    assert wald.pi_low < wald.ci_low and wald.pi_high > wald.ci_high


def test_prediction_interval_needs_degrees_of_freedom():
    res = meta.pool([0.1, 0.5], [0.04, 0.05], method="DL")
    assert np.isnan(res.pi_low) and np.isnan(res.pi_high)
    two = meta.pool([0.1, 0.5], [0.04, 0.05], method="DL", pi="t")
    assert np.isfinite(two.pi_low)


def test_fixed_effect_has_no_tau2_and_no_prediction_interval():
    res = meta.pool(KACKER_Y, KACKER_V, method="FE")
    assert res.tau2 == 0.0 and res.tau2_fit == "none"
    assert np.isnan(res.pi_low) and np.isnan(res.pi_high)
    assert not res.random_effects


# --- Q-profile interval, leave-one-out, cumulative -----------------------------------------------


def test_heterogeneity_interval_matches_confint_on_bcg():
    """test_misc_confint.r:14-16: confint(rma(yi, vi, method="DL")) on dat.bcg gives tau^2 [0.1197, 1.1115],
    I^2 [81.9177, 97.6781], H^2 [5.5303, 43.0680]. metafor finds the tau^2 bounds to about 1.2e-4
    (confint.rma.uni.r:117), which moves its I^2 and H^2 bounds by up to 0.015 and 0.005."""
    ci = meta.heterogeneity_interval(*bcg())
    printed(ci.tau2_low, 0.1197)
    printed(ci.tau2_high, 1.1115)
    printed(ci.i2_low, 81.9177, slack=0.015)
    printed(ci.i2_high, 97.6781, slack=0.015)
    printed(ci.h2_low, 5.5303, slack=0.005)
    printed(ci.h2_high, 43.0680, slack=0.05)
    assert ci.tau_low == pytest.approx(np.sqrt(ci.tau2_low)) and ci.k == 13 and ci.notes == ()


def test_heterogeneity_interval_matches_other_prints():
    # test_analysis_example_viechtbauer2007a.r:32: Q-profile CI for collins1985b [.0723, 2.2027]
    ci = meta.heterogeneity_interval(*collins())
    printed(ci.tau2_low, 0.0723)
    printed(ci.tau2_high, 2.2027)
    # test_analysis_example_vanhouwelingen2002.r:48-49: Q-profile CI for colditz1994 [0.1302, 1.1812]; metafor's
    # root finder stops within about 1.2e-4 on tau^2 (confint.rma.uni.r:117)
    ci = meta.heterogeneity_interval(*colditz())
    printed(ci.tau2_low, 0.1302, slack=1.2e-4)
    printed(ci.tau2_high, 1.1812, slack=1.2e-4)


def test_heterogeneity_interval_is_zero_when_studies_agree_too_well():
    ci = meta.heterogeneity_interval([0.10, 0.11, 0.09, 0.10], [0.04, 0.05, 0.03, 0.04])
    assert ci.tau2_low == 0.0 and ci.tau2_high == 0.0 and ci.i2_high == 0.0
    assert any("more closely than chance" in note for note in ci.notes)


def test_leave_one_out_matches_leave1out():
    """test_misc_influence.r:30: leave1out(rma(yi, vi)) on dat.bcg, first row (without Aronson 1948), stored at
    full precision."""
    loo = meta.leave_one_out(*bcg(), method="REML", studies=BCG_AUTHORS)
    expected = dict(estimate=-0.707083788031436, se=0.189961024702717, ci_low=-1.07940055491509,
                    ci_high=-0.334767021147788, q=151.582572747109, tau2=0.336156745300306, i2=93.2259349111223,
                    p=0.000197449759023198)
    for name, value in expected.items():  # metafor's REML stopped within 1e-5 on tau^2
        assert getattr(loo, name)[0] == pytest.approx(value, rel=2e-6), name
    assert loo.label[0] == "Aronson 1948" and len(loo) == 13 and set(loo.k) == {12}


def test_cumulative_matches_cumul_by_year():
    """test_misc_cumul.r:19: cumul(rma(yi, vi), order=year) estimates on dat.bcg (six decimals; ties in year keep
    their order)."""
    expected = [-0.889311, -1.325003, -0.97208, -1.001094, -1.101424, -0.973464, -0.901251, -0.788566, -0.865607,
                -0.785211, -0.708206, -0.794768, -0.714532]
    cum = meta.cumulative(*bcg(), order=BCG_YEAR, method="REML", studies=BCG_AUTHORS)
    for ours, value in zip(cum.estimate, expected, strict=True):
        printed(ours, value, decimals=6, slack=5e-6)  # REML stopping tolerance of metafor
    assert cum.label[:2] == ("Aronson 1948", "Ferguson & Simes 1949")
    assert cum.k.tolist() == list(range(1, 14))
    assert cum.tau2[0] == 0.0 and cum.i2[0] == 0.0  # one study: tau^2 = 0 (R/rma.uni.r:1401-1405)
    # transf=exp (test_misc_cumul.r:24)
    assert np.exp(cum.estimate[0]) == pytest.approx(0.410939, abs=5e-7)


def test_cumulative_order_is_a_stable_sort_key():
    yi, vi = bcg()
    cum = meta.cumulative(yi, vi, order=BCG_YEAR, method="DL", studies=BCG_AUTHORS)
    years = BCG_YEAR[cum.order]
    assert list(years) == sorted(years)
    assert list(cum.order[7:9]) == [4, 6]  # the two 1973 trials in their input order
    with pytest.raises(ValueError, match="one key per study"):
        meta.cumulative(yi, vi, order=[1, 2])


# --- convergence: the cases that used to fail ------------------------------------------------------


def _mm_batch(k: int, m: int, rng):
    """Random mean differences on a 0-100 mm pain scale: arms of 10-150, SDs 5-35 mm, true effects spread by
    0-15 mm around -10 mm."""
    n1 = rng.integers(10, 150, size=(m, k))
    n2 = rng.integers(10, 150, size=(m, k))
    sd = rng.uniform(5, 35, size=(m, k))
    true = rng.normal(-10, rng.uniform(0, 15, size=(m, 1)), size=(m, k))
    vi = sd ** 2 * (1 / n1 + 1 / n2)
    return np.clip(true + rng.normal(0, np.sqrt(vi)), -100, 100), vi


def _reml_by_grid(y, v):
    """REML tau^2 of one analysis by brute force: the restricted log-likelihood on a fine grid, then refined by
    golden-section search (written here independently of the package)."""
    def ll(t):
        t = np.atleast_1d(np.asarray(t, dtype=float))[:, None]
        w = 1 / (v + t)
        mu = np.sum(w * y, axis=1, keepdims=True) / np.sum(w, axis=1, keepdims=True)
        return -0.5 * (np.sum(np.log(v + t), axis=1) + np.log(np.sum(w, axis=1)) + np.sum(w * (y - mu) ** 2, axis=1))

    upper = 4 * (np.var(y) + np.max(v))
    grid = np.linspace(0, upper, 4001)
    i = int(np.argmax(ll(grid)))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    for _ in range(100):
        a, b = lo + 0.382 * (hi - lo), lo + 0.618 * (hi - lo)
        values = ll([a, b])
        lo, hi = (lo, b) if values[0] > values[1] else (a, hi)
    return (lo + hi) / 2, lambda t: float(ll(t)[0])


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_random_mm_batches_converge_in_every_row(method):
    rng = np.random.default_rng(20261128)
    for k in range(2, 13):
        y, v = _mm_batch(k, 500, rng)
        res = meta.pool(y, v, method=method)
        assert res.failures == () and all(res.ok), k
        assert set(res.tau2_fit) <= {"Fisher scoring", "bounded search"}
        assert np.all(np.isfinite(res.tau2)) and np.all(res.tau2 >= 0)
        if method == "REML":
            for row in range(0, 500, 97):  # spot checks against brute force
                best, ll = _reml_by_grid(y[row], v[row])
                assert ll(res.tau2[row]) >= ll(best) - 1e-9, (k, row)


def test_the_bounded_search_takes_over_when_scoring_stalls(monkeypatch):
    yi, vi = bcg()
    scored = meta.pool(yi, vi, method="REML")
    monkeypatch.setattr(meta, "REML_MAXITER", 1)
    searched = meta.pool(yi, vi, method="REML")
    assert searched.tau2_fit == "bounded search" and scored.tau2_fit == "Fisher scoring"
    assert searched.tau2 == pytest.approx(scored.tau2, rel=1e-7)


@pytest.mark.parametrize("method", ["REML", "ML", "DL"])
def test_tau2_zero_k2_and_k1(method):
    same = meta.pool([0.2, 0.2, 0.2], [0.01, 0.02, 0.03], method=method)
    assert same.tau2 == 0.0 and same.i2 == 0.0 and same.q == 0.0
    two = meta.pool([0.1, 0.9], [0.01, 0.02], method=method)
    assert two.k == 2 and two.tau2 > 0 and np.isnan(two.pi_low)
    one = meta.pool([0.3], [0.04], method=method, ci="hksj")
    assert one.tau2 == 0.0 and one.tau2_fit == "k = 1" and one.ci == "wald" and one.notes
    assert one.estimate == pytest.approx(0.3) and one.se == pytest.approx(0.2)
    assert (one.q, one.p_q, one.i2, one.h2) == (0.0, 1.0, 0.0, 1.0)  # as metafor (R/rma.uni.r:2836-2839)


def test_extreme_but_finite_inputs_never_give_silent_nan():
    # one study a hundred orders of magnitude more precise: a finite, correct answer
    res = meta.pool([0.3, 0.5, 0.1], [1e-200, 0.04, 0.05], method="REML")
    assert res.estimate == pytest.approx(0.3) and np.isfinite(res.i2) and np.isfinite(res.tau2)
    dl = meta.pool([0.3, 0.5, 0.1], [1e-200, 0.04, 0.05], method="DL")
    assert dl.q == pytest.approx((0.5 - 0.3) ** 2 / 0.04 + (0.1 - 0.3) ** 2 / 0.05)
    # effects 1e200 apart with unit variances: the answer cannot be held in a double; a clear error instead
    with pytest.raises(ValueError, match="overflow double precision"):
        meta.pool([1e200, -1e200], [1.0, 1.0], method="REML")
    # ...and in a batch, only that row fails, named, while the others keep their results
    batch = meta.pool([[1e200, -1e200], [0.1, 0.3]], [[1.0, 1.0], [0.01, 0.02]], method="REML")
    assert batch.tau2_fit[0] == "failed" and batch.failures[0][0] == 0 and "analysis 1" in batch.failures[0][1]
    assert np.isnan(batch.estimate[0]) and np.isfinite(batch.estimate[1])
    assert batch.estimate[1] == pytest.approx(meta.pool([0.1, 0.3], [0.01, 0.02], method="REML").estimate)
    # huge values on a huge scale are fine
    big = meta.pool([1e150, 1.5e150], [1e298, 2e298], method="REML")
    assert np.isfinite(big.estimate) and big.estimate == pytest.approx(meta.pool([1, 1.5], [0.01, 0.02]).estimate
                                                                      * 1e150)


def test_a_bad_row_in_a_batch_is_reported_and_costs_the_others_nothing():
    yi, vi = bcg()
    rows = np.stack([yi, yi, yi])
    var = np.stack([vi, vi, vi])
    rows[1, 4] = np.nan
    var[2, 0] = 0.0
    res = meta.pool(rows, var, method="REML", studies=BCG_AUTHORS)
    assert [row for row, _ in res.failures] == [1, 2]
    assert "analysis 2, study 'Frimodt-Moller et al 1973' has yi = nan" in res.failures[0][1]
    assert "analysis 3, study 'Aronson 1948' has vi = 0" in res.failures[1][1]
    assert res.tau2[0] == pytest.approx(meta.pool(yi, vi, method="REML").tau2)
    assert res.ok.tolist() == [True, False, False]
    with pytest.raises(ValueError, match="analysis 2, study 'Frimodt-Moller et al 1973'"):
        meta.pool(rows, var, method="REML", studies=BCG_AUTHORS, errors="raise")


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
    z90, z95 = stats.norm.ppf(0.95), stats.norm.ppf(0.975)
    assert (narrow.ci_high - narrow.ci_low) / (wide.ci_high - wide.ci_low) == pytest.approx(z90 / z95, rel=1e-12)


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
        for ci in meta.CI_METHODS:
            batch = meta.pool(rows, var, method=method, ci=ci)
            assert batch.estimate.shape == (3,) and batch.weights.shape == (3, 13)
            for i in range(3):
                one = meta.pool(rows[i], var[i], method=method, ci=ci)
                assert batch.estimate[i] == pytest.approx(one.estimate, rel=1e-12)
                assert batch.ci_low[i] == pytest.approx(one.ci_low, rel=1e-12)
                assert batch.tau2[i] == pytest.approx(one.tau2, rel=1e-10, abs=1e-14)
                assert batch.i2[i] == pytest.approx(one.i2, rel=1e-10, abs=1e-12)


def test_heterogeneity_text_prints_p_as_readers_expect():
    text = meta.pool(KACKER_Y, KACKER_V, method="DL").heterogeneity_text()
    assert text == "RE model (DL): τ² = 0.29, I² = 68 %, Q = 24.80, df = 8, p = 0.002"  # p_q = 0.00168
    assert "p < 0.001" in meta.pool(*bcg(), method="REML").heterogeneity_text()
    assert "0.00," not in text


@pytest.mark.parametrize("p, text", [(0.0017, "p = 0.002"), (0.00002, "p < 0.001"), (0.001, "p = 0.001"),
                                     (0.0099, "p = 0.010"), (0.3169, "p = 0.32"), (0.0997, "p = 0.10"),
                                     (0.9986, "p > 0.99"), (float("nan"), "p not estimable")])
def test_format_p(p, text):
    assert meta.format_p(p) == text


def test_pool_uses_vi_given_with_effect_sizes():
    es = meta.mean_difference([20, 30], [3.0, 5.0], [2.0, 3.0], [20, 30], [4.0, 4.5], [2.0, 3.0])
    assert meta.pool(es, vi=es.vi, method="DL").estimate == meta.pool(es, method="DL").estimate
    with pytest.raises(ValueError, match="other variances"):
        meta.pool(es, vi=[1.0, 1.0], method="DL")


def test_multi_arm_contrasts_split_the_shared_arm():
    """Cochrane Handbook 23.3.4: the shared arm's n is divided among the comparisons, its mean and SD kept."""
    arms = {"acupuncture": (35, 21.0, 22.0), "sham": (40, 32.0, 22.0), "none": (39, 44.0, 17.0)}
    es = meta.multi_arm_contrasts(arms, [("acupuncture", "none"), ("sham", "none")], trial="T")
    assert es.studies == ("T: acupuncture vs none", "T: sham vs none")
    assert es.yi.tolist() == [-23.0, -12.0]
    assert es.vi[0] == pytest.approx(22 ** 2 / 35 + 17 ** 2 / 19.5)
    whole = meta.multi_arm_contrasts(arms, [("acupuncture", "none"), ("sham", "none")], split_shared=False)
    assert whole.vi[1] == pytest.approx(22 ** 2 / 40 + 17 ** 2 / 39)
    single = meta.multi_arm_contrasts(arms, [("sham", "none")])
    assert single.vi[0] == pytest.approx(whole.vi[1])  # an arm used once is not split
    smd = meta.multi_arm_contrasts(arms, [("sham", "none")], measure="SMD")
    assert smd.yi[0] == pytest.approx(meta.standardised_mean_difference(40, 32.0, 22.0, 39, 44.0, 17.0).yi[0])
    for pairs, message in (([("sham", "placebo")], "unknown arm 'placebo'"), ([("sham", "sham")], "itself"),
                           ([("sham", "none"), ("sham", "none")], "listed twice")):
        with pytest.raises(ValueError, match=message):
            meta.multi_arm_contrasts(arms, pairs)


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
    ([], [], {}, r"no studies to pool"),
    ([0.1, 0.2], [0.1, 0.1], {"method": "PM"}, r"method must be one of FE, DL, REML, ML"),
    ([0.1, 0.2], [0.1, 0.1], {"ci": "knha"}, r"ci must be one of wald, hksj, hksj-modified"),
    ([0.1, 0.2], [0.1, 0.1], {"pi": "normal"}, r"pi must be one of riley, t, z"),
    ([0.1, 0.2], [0.1, 0.1], {"level": 95}, r"level must lie between 0 and 1"),
    ([[0.1, 0.2], [0.3, np.nan]], [[0.1, 0.1], [0.1, 0.1]], {"errors": "raise"}, r"analysis 2, study 2 has yi = nan"),
])
def test_pool_errors_name_study_and_value(yi, vi, kwargs, message):
    kwargs = {"method": "DL", **kwargs}
    with pytest.raises(ValueError, match=message):
        meta.pool(yi, vi, **kwargs)


@pytest.mark.parametrize("level", ["0.95", True, None])
def test_a_level_of_the_wrong_type_is_a_clear_type_error(level):
    for call in (lambda: meta.pool([0.1, 0.2], [0.1, 0.1], level=level),
                 lambda: meta.heterogeneity_interval([0.1, 0.2], [0.1, 0.1], level=level)):
        with pytest.raises(TypeError, match=r"level must be a number between 0 and 1 \(e.g. 0.95\), got"):
            call()


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
