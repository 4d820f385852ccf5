"""Re-analysing the trials: trial-level arms from ``data/trial_arms.csv`` pooled again with
:mod:`dry_needling.meta` and checked against the pooled lines the sources print
(``data/meta_reference.csv``), plus the subgroup questions notebook 06 asks (sham vs non-sham
comparators, penetrating vs non-penetrating shams).

This module knows this repository's column names; the statistics themselves live in the reusable
:mod:`dry_needling.meta`.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from . import meta

__all__ = ["SHAM_TYPES", "MODELS", "study_table", "effect_sizes", "reanalyse", "compare_with_print",
           "subgroups", "printed_decimals", "plotted"]

#: Comparator types that are a sham (an imitation of needling the participant may mistake for it).
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


def reanalyse(arms: pd.DataFrame, reference: pd.DataFrame, analysis_id: str, method: str | None = None):
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
        ours = {"estimate": result.estimate, "ci_low": result.ci_low, "ci_high": result.ci_high,
                "tau2": result.tau2, "chi2": result.q, "df": result.df, "i2": result.i2, "z": abs(result.z)}
        printed = {name: getattr(ref, name) for name in ours}
        for study, value in _weights(ref.weights).items():
            index = list(table["study"]).index(study)
            ours[f"weight: {study}"] = float(result.weights[index])
            printed[f"weight: {study}"] = value
        for name, value in ours.items():
            text = printed[name]
            if text is None or (isinstance(text, float) and math.isnan(text)) or str(text).strip() == "":
                continue
            d = printed_decimals(str(text))
            rounded = round(float(value), d)
            rows.append({"analysis_id": ref.analysis_id, "statistic": name, "printed": str(text),
                         "ours": float(value), "ours_rounded": f"{rounded:.{d}f}",
                         "matches": math.isclose(rounded, float(text), abs_tol=10 ** -(d + 6))})
    return pd.DataFrame(rows)


def subgroups(arms: pd.DataFrame, analysis_ids: list[str], by: str, *, measure: str = "SMD",
              method: str = "DL") -> tuple[pd.DataFrame, dict]:
    """Pool the studies of several analyses by ``by`` (a column of :func:`study_table`, e.g.
    ``comparator_type``, or ``"sham"`` for sham vs non-sham comparators) on one scale.

    Across analyses the outcome scales differ, so the default measure is the SMD. A study that
    appears in more than one of the analyses counts once per comparator (its arms differ), never
    twice within a subgroup. Returns a table (subgroup, k, studies, estimate, CI, tau2, I2) and a
    test for subgroup differences in RevMan's manner (Q between subgroups, df, p), computed from
    the subgroup estimates and their standard errors."""
    tables = []
    for analysis_id in analysis_ids:
        t = study_table(arms, analysis_id)
        t["analysis_id"] = analysis_id
        tables.append(t)
    table = pd.concat(tables, ignore_index=True)
    table["sham"] = np.where(table["comparator_type"].isin(SHAM_TYPES), "sham comparator", "non-sham comparator")
    if by not in table:
        raise ValueError(f"subgroups: unknown grouping {by!r}; choose from {sorted(table.columns)}")
    rows, results = [], {}
    for name, part in table.groupby(by, sort=False):
        duplicated = part.duplicated(["study", "comparator_type"])
        if duplicated.any():
            raise ValueError(f"subgroup {name!r}: {sorted(set(part.loc[duplicated, 'study']))} would count twice")
        es = effect_sizes(part, measure)
        if len(part) < 2:
            yi, se = float(es.yi[0]), math.sqrt(float(es.vi[0]))
            results[name] = None
            rows.append({"subgroup": name, "k": 1, "studies": ", ".join(part["study"]), "estimate": yi,
                         "se": se, "ci_low": yi - 1.959963984540054 * se, "ci_high": yi + 1.959963984540054 * se,
                         "tau2": np.nan, "i2": np.nan})
            continue
        result = meta.pool(es.yi, es.vi, method=method, studies=list(part["study"]))
        results[name] = result
        rows.append({"subgroup": name, "k": result.k, "studies": ", ".join(part["study"]),
                     "estimate": result.estimate, "se": result.se, "ci_low": result.ci_low,
                     "ci_high": result.ci_high, "tau2": result.tau2, "i2": result.i2})
    out = pd.DataFrame(rows)
    test = {"q_between": np.nan, "df": len(out) - 1, "p": np.nan}
    if len(out) >= 2:
        w = 1 / out["se"] ** 2
        pooled = float((w * out["estimate"]).sum() / w.sum())
        q = float((w * (out["estimate"] - pooled) ** 2).sum())
        from scipy.stats import chi2

        test = {"q_between": q, "df": len(out) - 1, "p": float(chi2.sf(q, len(out) - 1))}
    return out, test


def plotted(table: pd.DataFrame, result) -> pd.DataFrame:
    """What a trial-level forest plot shows, as a table to save beside it: one row per study (arms,
    effect size, 95 % CI, weight) and a last row for the pooled estimate with its CI, prediction
    interval and heterogeneity (tau2, Q, I2)."""
    se = np.sqrt(np.asarray(result.vi, dtype=float))
    studies = table[["study", "n1", "mean1", "sd1", "n2", "mean2", "sd2", "comparator_type"]].assign(
        yi=result.yi, ci_low=result.yi - 1.959963984540054 * se, ci_high=result.yi + 1.959963984540054 * se,
        weight=result.weights)
    pooled = pd.DataFrame([{"study": f"pooled ({result.method})", "n1": int(table["n1"].sum()),
                            "n2": int(table["n2"].sum()), "yi": result.estimate, "ci_low": result.ci_low,
                            "ci_high": result.ci_high, "weight": 100.0, "pi_low": result.pi_low,
                            "pi_high": result.pi_high, "tau2": result.tau2, "q": result.q, "i2": result.i2}])
    return pd.concat([studies, pooled], ignore_index=True)
