"""Re-analysing the trials: trial-level arms from ``data/trial_arms.csv`` pooled again with
:mod:`dry_needling.meta` and checked against the pooled lines the sources print
(``data/meta_reference.csv``); a robustness panel per analysis (estimator, interval, leave-one-out,
cumulative by year) with its one-sentence summary; and the within-trial contrasts of the three-arm
trials (sham against no needling), built without counting a shared arm twice.

This module knows this repository's column names; the statistics themselves live in the reusable
:mod:`dry_needling.meta`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from . import meta

__all__ = ["SHAM_TYPES", "MODELS", "study_table", "effect_sizes", "reanalyse", "compare_with_print",
           "printed_decimals", "plotted", "study_year", "robustness", "robustness_sentence", "three_arm_trials",
           "within_trial_contrasts"]

#: Comparator types that are a needle sham (an imitation of needling). Placebo TENS is a placebo but not a needle
#: sham, and in Kerr 2003 the participants were not blinded (PEDro), so it is not among them.
SHAM_TYPES = ("sham penetrating", "sham non-penetrating", "sham electrical", "sham other")

#: How the model column of meta_reference.csv, as RevMan prints it, maps onto :func:`meta.pool` methods.
#: RevMan's "IV, Random" is the DerSimonian-Laird random-effects model; "IV, Fixed" the inverse-variance
#: fixed-effect model.
MODELS = {"IV, Random": "DL", "IV, Fixed": "FE"}

_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def printed_decimals(text: str) -> int:
    """Number of decimals in a number as printed ("-10.21" -> 2, "14" -> 0)."""
    text = str(text).strip()
    if not _NUMBER.match(text):
        raise ValueError(f"not a printed number: {text!r}")
    return len(text.split(".", 1)[1]) if "." in text else 0


def study_table(arms: pd.DataFrame, analysis_id: str) -> pd.DataFrame:
    """One row per study of ``analysis_id`` with both arms side by side: ``n1, mean1, sd1`` (needling)
    and ``n2, mean2, sd2`` (comparator), plus the study's comparator type, needling type, country,
    scale, source and locator. Studies keep their order in the CSV.

    Raises ``ValueError`` naming the analysis and study when a study lacks an arm or has two of one."""
    part = arms[arms["analysis_id"] == analysis_id]
    if part.empty:
        raise ValueError(f"no rows for analysis {analysis_id!r} in trial_arms")
    rows = []
    for study, group in part.groupby("study", sort=False):
        counts = group["arm"].value_counts()
        if counts.get("intervention", 0) != 1 or counts.get("comparator", 0) != 1:
            raise ValueError(f"analysis {analysis_id!r}, study {study!r}: expected one 'intervention' and one "
                             f"'comparator' row, found {dict(counts)}")
        a = group[group["arm"] == "intervention"].iloc[0]
        c = group[group["arm"] == "comparator"].iloc[0]
        rows.append({"study": study, "n1": int(a["n"]), "mean1": a["mean"], "sd1": a["sd"],
                     "n2": int(c["n"]), "mean2": c["mean"], "sd2": c["sd"],
                     "comparator_type": c["comparator_type"], "needling_type": a["needling_type"],
                     "country": a["country"], "scale": a["scale"], "outcome": a["outcome"],
                     "time_point": a["time_point"], "source_id": a["source_id"], "locator": a["locator"]})
    return pd.DataFrame(rows)


def effect_sizes(table: pd.DataFrame, measure: str) -> meta.EffectSizes:
    """Per-study effect sizes for a :func:`study_table`: ``"MD"`` or ``"SMD"`` (Hedges' g as RevMan
    computes it). Negative values mean lower scores with needling."""
    args = (table["n1"], table["mean1"], table["sd1"], table["n2"], table["mean2"], table["sd2"])
    if measure == "MD":
        return meta.mean_difference(*args, studies=list(table["study"]))
    if measure == "SMD":
        return meta.standardised_mean_difference(*args, studies=list(table["study"]))
    raise ValueError(f"measure must be 'MD' or 'SMD', got {measure!r}")


def reanalyse(arms: pd.DataFrame, reference: pd.DataFrame, analysis_id: str,
              method: str | None = None) -> tuple[pd.DataFrame, meta.PoolResult]:
    """Pool one analysis again: returns ``(study_table, PoolResult)``.

    The measure comes from ``meta_reference.csv``; the method from its printed model through
    :data:`MODELS` unless ``method`` overrides it (e.g. ``"REML"`` to see what the choice of
    estimator does)."""
    ref = reference.set_index("analysis_id").loc[analysis_id]
    table = study_table(arms, analysis_id)
    if method is None:
        if ref["model"] not in MODELS:
            raise ValueError(f"analysis {analysis_id!r}: model {ref['model']!r} is not one of {sorted(MODELS)}; "
                             "pass method=")
        method = MODELS[ref["model"]]
    es = effect_sizes(table, ref["measure"])
    return table, meta.pool(es.yi, es.vi, method=method, studies=list(table["study"]))


def _weights(text) -> dict[str, str]:
    if not isinstance(text, str) or not text.strip():
        return {}
    out = {}
    for part in text.split(";"):
        study, _, value = part.rpartition(":")
        out[study.strip()] = value.strip().rstrip("%").strip()
    return out


def compare_with_print(arms: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Every printed statistic of every analysis beside ours, rounded to the decimals printed.

    Columns: ``analysis_id``, ``statistic`` (estimate, ci_low, ci_high, tau2, chi2, df, i2, z, and
    ``weight: <study>`` per study), ``printed`` (text as printed), ``ours`` (full precision),
    ``ours_rounded`` (ours with the printed number of decimals) and ``matches`` (our value rounds
    to the printed one; a printed 0 that RevMan writes as "0.0" matches a value that rounds to 0).
    Z is compared as an absolute value: RevMan prints |Z|."""
    rows = []
    for ref in reference.itertuples():
        table, result = reanalyse(arms, reference, ref.analysis_id)
        ours: dict[str, Any] = {"estimate": result.estimate, "ci_low": result.ci_low, "ci_high": result.ci_high,
                "tau2": result.tau2, "chi2": result.q, "df": result.df, "i2": result.i2, "z": abs(result.z)}
        printed = {name: getattr(ref, name) for name in ours}
        for study, weight in _weights(ref.weights).items():
            index = list(table["study"]).index(study)
            ours[f"weight: {study}"] = float(result.weights[index])
            printed[f"weight: {study}"] = weight
        for name, value in ours.items():
            text = printed[name]
            if text is None or (isinstance(text, float) and math.isnan(text)) or str(text).strip() == "":
                continue
            d = printed_decimals(str(text))
            rounded = round(float(value), d)
            rows.append({"analysis_id": ref.analysis_id, "statistic": name, "printed": str(text),
                         "ours": float(value), "ours_rounded": f"{rounded:.{d}f}",
                         "matches": rounded == float(text)})  # both the double nearest the printed decimal
    return pd.DataFrame(rows)


def plotted(table: pd.DataFrame, result: meta.PoolResult) -> pd.DataFrame:
    """What a trial-level forest plot shows, as a table to save beside it: one row per study (arms,
    effect size, CI at the result's level, weight) and a last row for the pooled estimate with its CI, prediction
    interval and heterogeneity (tau2, Q, I2)."""
    se = np.sqrt(np.asarray(result.vi, dtype=float))
    z = special.ndtri(0.5 + result.level / 2)
    studies = table[["study", "n1", "mean1", "sd1", "n2", "mean2", "sd2", "comparator_type"]].assign(
        yi=result.yi, ci_low=result.yi - z * se, ci_high=result.yi + z * se, weight=result.weights)
    pooled = pd.DataFrame([{"study": f"pooled ({result.method})", "n1": int(table["n1"].sum()),
                            "n2": int(table["n2"].sum()), "yi": result.estimate, "ci_low": result.ci_low,
                            "ci_high": result.ci_high, "weight": 100.0, "pi_low": result.pi_low,
                            "pi_high": result.pi_high, "tau2": result.tau2, "q": result.q, "i2": result.i2}])
    return pd.concat([studies, pooled], ignore_index=True)


_YEAR = re.compile(r"(\d{4})[a-z]?$")


def study_year(study: str) -> int:
    """The year in a study label as the reviews print it ("Kerr 2003" -> 2003, "Smith 2001a" -> 2001)."""
    found = _YEAR.search(str(study).strip())
    if not found:
        raise ValueError(f"no year at the end of the study label {study!r} (expected e.g. 'Kerr 2003')")
    return int(found.group(1))


#: The analyses of a robustness panel: every estimator and interval of the grid (the printed model's first).
PANEL_GRID = (("DL", "wald"), ("DL", "hksj"), ("DL", "hksj-modified"), ("REML", "wald"), ("REML", "hksj"),
              ("REML", "hksj-modified"))
_CI_NAMES = {"wald": "Wald", "hksj": "HKSJ", "hksj-modified": "modified HKSJ"}


def robustness(arms: pd.DataFrame, reference: pd.DataFrame, analysis_id: str) -> pd.DataFrame:
    """The robustness panel of one analysis: the same trials pooled every reasonable way.

    Rows (``group``): "estimator and interval" (DerSimonian-Laird and REML, each with Wald, HKSJ and modified HKSJ
    intervals; the first row is the model the source printed), "leave one out" (the printed model without each
    trial) and "cumulative by year" (the printed model, trials added in order of the year in their label, from two
    trials up to all but the last step, which is the full analysis). Columns: ``group, label, method, ci, k,
    estimate, ci_low, ci_high, tau2, i2, printed_model, same_direction`` (the estimate has the sign of the printed
    model's) and ``crosses_null`` (the interval includes 0)."""
    ref = reference.set_index("analysis_id").loc[analysis_id]
    main_method = MODELS[ref["model"]]
    table = study_table(arms, analysis_id)
    es = effect_sizes(table, ref["measure"])
    studies = list(table["study"])
    rows = []
    for method, ci in PANEL_GRID:
        r = meta.pool(es, method=method, ci=ci)
        printed = method == main_method and ci == "wald"
        rows.append({"group": "estimator and interval",
                     "label": f"{method}, {_CI_NAMES[ci]} interval{' (as printed)' if printed else ''}",
                     "method": method, "ci": ci, "k": r.k, "estimate": r.estimate, "ci_low": r.ci_low,
                     "ci_high": r.ci_high, "tau2": r.tau2, "i2": r.i2, "printed_model": printed})
    loo = meta.leave_one_out(es, method=main_method)
    for i, study in enumerate(loo.label):
        rows.append({"group": "leave one out", "label": f"without {study}", "method": main_method, "ci": "wald",
                     "k": int(loo.k[i]), "estimate": loo.estimate[i], "ci_low": loo.ci_low[i],
                     "ci_high": loo.ci_high[i], "tau2": loo.tau2[i], "i2": loo.i2[i], "printed_model": False})
    years = [study_year(s) for s in studies]
    cum = meta.cumulative(es, order=years, method=main_method)
    for i in range(1, len(cum) - 1):
        added = list(cum.label[: i + 1])
        rows.append({"group": "cumulative by year", "label": f"up to {cum.label[i]} ({', '.join(added)})",
                     "method": main_method, "ci": "wald", "k": int(cum.k[i]), "estimate": cum.estimate[i],
                     "ci_low": cum.ci_low[i], "ci_high": cum.ci_high[i], "tau2": cum.tau2[i], "i2": cum.i2[i],
                     "printed_model": False})
    panel = pd.DataFrame(rows)
    main = float(panel.loc[panel["printed_model"], "estimate"].iloc[0])
    panel["same_direction"] = np.sign(panel["estimate"]) == np.sign(main)
    panel["crosses_null"] = (panel["ci_low"] <= 0) & (panel["ci_high"] >= 0)
    panel.insert(0, "analysis_id", analysis_id)
    return panel


def robustness_sentence(panel: pd.DataFrame) -> str:
    """One plain sentence about a :func:`robustness` panel: in how many of its analyses the direction holds and in
    how many the interval crosses no effect."""
    m = len(panel)
    same = int(panel["same_direction"].sum())
    crossing = int(panel["crosses_null"].sum())
    groups = panel.groupby("group", sort=False).size()
    parts = ", ".join(f"{n} {name}" for name, n in groups.items())
    return (f"Across {m} analyses ({parts}) the direction holds in {same} of {m}; the interval crosses no effect "
            f"in {crossing}.")


def three_arm_trials(arms: pd.DataFrame) -> pd.DataFrame:
    """The trials that sit in two analyses with the same needling arm: once against a needle sham, once against a
    control without needling. One row per trial and arm (``acupuncture``, ``sham``, ``no needling``) with ``n, mean,
    sd`` on the scale of the sham analysis, ``analysis_id`` the arm was read from and ``rescaled_by`` (the factor
    that puts the other analysis's numbers on that scale).

    The factor is read from the shared needling arm, which both analyses print: same n, and mean and SD in the same
    ratio (e.g. 21 (SD 22) on one scale and 2.1 (SD 2.2) on the other gives 10). A trial whose two prints of that
    arm disagree raises ``ValueError``."""
    rows = []
    for study, group in arms.groupby("study", sort=False):
        if group["analysis_id"].nunique() < 2:
            continue
        comp = group[group["arm"] == "comparator"]
        sham_ids = comp.loc[comp["comparator_type"].isin(SHAM_TYPES), "analysis_id"].unique()
        open_ids = comp.loc[comp["comparator_type"].isin(("no treatment", "usual care", "other treatment")),
                            "analysis_id"].unique()
        if len(sham_ids) != 1 or len(open_ids) != 1:
            continue
        sham_id, open_id = sham_ids[0], open_ids[0]
        a_sham = group[(group["analysis_id"] == sham_id) & (group["arm"] == "intervention")].iloc[0]
        a_open = group[(group["analysis_id"] == open_id) & (group["arm"] == "intervention")].iloc[0]
        if int(a_sham["n"]) != int(a_open["n"]):
            raise ValueError(f"{study}: the needling arm has n = {a_sham['n']} in {sham_id} but {a_open['n']} in "
                             f"{open_id}; they are not the same arm")
        factor = float(a_sham["mean"]) / float(a_open["mean"])
        if not (math.isclose(factor, float(a_sham["sd"]) / float(a_open["sd"]), rel_tol=1e-9)
                and math.isclose(math.log10(factor), round(math.log10(factor)), abs_tol=1e-9)):
            raise ValueError(f"{study}: the needling arm's mean and SD in {sham_id} ({a_sham['mean']}, {a_sham['sd']}) "
                             f"and {open_id} ({a_open['mean']}, {a_open['sd']}) differ by no common power of 10")
        factor = 10.0 ** round(math.log10(factor))
        c_sham = comp[comp["analysis_id"] == sham_id].iloc[0]
        c_open = comp[comp["analysis_id"] == open_id].iloc[0]
        for arm, row, scale, analysis in (("acupuncture", a_sham, 1.0, sham_id), ("sham", c_sham, 1.0, sham_id),
                                          ("no needling", c_open, factor, open_id)):
            rows.append({"trial": study, "arm": arm, "n": int(row["n"]), "mean": float(row["mean"]) * scale,
                         "sd": float(row["sd"]) * scale, "analysis_id": analysis, "rescaled_by": scale,
                         "comparator_type": row["comparator_type"] if arm != "acupuncture" else "",
                         "source_id": row["source_id"], "locator": row["locator"]})
    return pd.DataFrame(rows)


def within_trial_contrasts(trials: pd.DataFrame,
                           pairs: Sequence[tuple[str, str]] = (("acupuncture", "no needling"), ("sham", "no needling")),
                           *, measure: str = "MD", level: float = 0.95) -> pd.DataFrame:
    """Contrasts inside each three-arm trial of :func:`three_arm_trials`, never counting a shared arm twice: an arm
    in several of ``pairs`` has its participants split among them (:func:`meta.multi_arm_contrasts`). One row per
    trial and contrast: ``trial, contrast, n1, n2`` (after splitting), ``yi, vi, ci_low, ci_high``."""
    z = special.ndtri(0.5 + level / 2)
    rows = []
    for trial, part in trials.groupby("trial", sort=False):
        arms = {r.arm: (r.n, r.mean, r.sd) for r in part.itertuples()}
        es = meta.multi_arm_contrasts(arms, pairs, measure=measure)
        assert es.studies is not None  # multi_arm_contrasts labels every contrast
        uses = {arm: sum(arm in pair for pair in pairs) for arm in arms}
        for (first, second), label, yi, vi in zip(pairs, es.studies, es.yi, es.vi, strict=True):
            se = math.sqrt(float(vi))
            rows.append({"trial": trial, "contrast": label, "n1": arms[first][0] / uses[first],
                         "n2": arms[second][0] / uses[second], "yi": float(yi), "vi": float(vi),
                         "ci_low": float(yi) - z * se, "ci_high": float(yi) + z * se})
    return pd.DataFrame(rows)
