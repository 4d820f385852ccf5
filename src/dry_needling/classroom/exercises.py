"""The exercises: what each ``answer`` holds, its expected value computed from the data and the
package, and the typical wrong answers with their hints.

How an entry is written (``EXERCISES`` maps an id such as ``"03-1"`` to an :class:`~.kinds.Exercise`):

- ``expected`` computes the answer from ``data/`` and the package, the way the notebook does; it is never typed.
- ``wrong`` lists typical wrong answers as ``(rule, hint)``. A rule is a predicate on the read answer, or
  :class:`Near` (a wrong value computed the way the misconception computes it, with a tolerance). A hint names the
  misconception and a next step; it never states the expected value or the computed result (a test checks every
  wrong and invalid answer's feedback for the expected value in any common formatting).
- Numbers the texts quote (``right``, ``hint``, the hints in ``wrong``, the prediction's ``why``) come from
  ``facts``, a function that computes them from the data, and are written as ``str.format`` fields:
  ``"{spread_50:.2f}"``. The values an exercise *gives* the learner in its prompt (an assumed 20 % chronic share,
  150 per arm, an SD of 2.5) are named constants below, not data.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from pathlib import Path

from .. import paths
from .kinds import Exercise, Kind, Prediction, _first_items, _short, choice, label_set, number, numbers


class Near:
    """A wrong-answer rule: the answer lies within ``tolerance`` of ``value`` (a number, or a function that computes
    it from the data, evaluated when the rule is first used). ``example()`` is that value (tests feed it back)."""

    def __init__(self, value: float | Callable[[], float], tolerance: float):
        self._value, self.tolerance = value, tolerance

    def example(self) -> float:
        return float(self._value() if callable(self._value) else self._value)

    def __call__(self, answer) -> bool:
        return abs(answer - self.example()) <= self.tolerance + 1e-12


_computed: dict = {}  # (data stamp, function, arguments) -> result: a check computes from loaded tables once


def _data_stamp() -> tuple:
    """What identifies the data folder's current content cheaply: each file's name, size and modification time."""
    folder = paths.data_dir()
    try:
        return (str(folder), *((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(folder.iterdir())))
    except OSError:
        return (str(folder),)


def _per_data(function):
    """Remember ``function``'s results while the data folder is unchanged (validating and loading a table takes a
    few tenths of a second; a check computes its expected value and its facts from several)."""
    @functools.wraps(function)
    def remembered(*args, **kwargs):
        stamp = _data_stamp()
        if _computed.get("stamp") != stamp:
            _computed.clear()
            _computed["stamp"] = stamp
        key = (function.__qualname__, args, tuple(sorted(kwargs.items())))
        if key not in _computed:
            _computed[key] = function(*args, **kwargs)
        return _computed[key]
    return remembered


@_per_data
def _table(name: str):
    from .. import data

    return data.load(name)


def _load(name: str):
    return _table(name).copy()


@_per_data
def _figure(figure_id: str) -> float:
    """One of the article's figures (``article_figures.csv``)."""
    return float(_load("article_figures").set_index("id").loc[figure_id, "value"])


def _minus(value: float, digits: int = 2) -> str:
    """A number as prose writes it: a true minus sign."""
    return f"{value:.{digits}f}".replace("-", "\u2212")


# --- 00: the article's figures ----------------------------------------------------------------------------------

@_per_data
def _percent_count() -> int:
    return int((_load("article_figures")["unit"] == "percent").sum())


@_per_data
def _figure_count() -> int:
    return len(_load("article_figures"))


def _percent_facts() -> dict:
    figures = _load("article_figures")
    shares = figures.loc[figures["unit"] == "percent", "as_printed"]
    return {"count": len(shares), "total": len(figures), "shares": ", ".join(shares)}


@_per_data
def _lifetime_line() -> tuple:
    lines = (paths.data_dir() / "article_figures.csv").read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.startswith("lifetime_prevalence,"))
    return ("article_figures.csv", line, "value")


def _problem(value):
    if all(hasattr(value, a) for a in ("file", "line", "column")):
        value = (value.file, value.line, value.column)
    file, line, column = _first_items(value, 3)  # bounded: an endless iterable is refused, not consumed
    if not isinstance(file, str | Path) or not isinstance(column, str) or isinstance(line, bool):
        raise ValueError
    return (Path(file).name.lower(), int(line), str.lower(str.strip(column)))


def _read_problem(value):
    try:
        return _problem(value)
    except Exception:  # noqa: BLE001 - the answer's own attributes and methods run here
        raise ValueError(f"a (file, line, column) triple such as (\"sources.csv\", 7, \"url\"), not {_short(value)}"
                         ) from None


PROBLEM = Kind("a (file, line, column) triple", _read_problem, lambda a, b: a == b,
               lambda v: f"({v[0]!r}, {v[1]}, {v[2]!r})")


# --- 01: burden -------------------------------------------------------------------------------------------------

ASSUMED_CHRONIC, OTHER_CHRONIC = 20, 10  # the exercise's assumption (%), and the variant its prompt asks about


@_per_data
def _chain(chronic: float) -> float:
    from .. import burden

    return burden.chain_shares([_figure("lifetime_prevalence"), chronic, _figure("psychological_distress")])


@_per_data
def _one_year() -> tuple[float, float]:
    row = _load("burden_context").set_index("id").loc["walker2000_one_year"]
    return float(row.low), float(row.high)


def _one_year_verdict() -> str:
    low, high = _one_year()
    return "inside" if low <= _figure("lifetime_prevalence") <= high else "outside"


def _burden_facts() -> dict:
    low, high = _one_year()
    lifetime, distress = _figure("lifetime_prevalence"), _figure("psychological_distress")
    return {"lifetime": lifetime, "distress": distress, "low": low, "high": high, "chronic": ASSUMED_CHRONIC,
            "other": OTHER_CHRONIC, "people": _chain(ASSUMED_CHRONIC), "people_other": _chain(OTHER_CHRONIC)}


# --- 02: regulation ---------------------------------------------------------------------------------------------

def _state_code(text: str) -> str:
    states = _load("us_states")
    by_name = {n.lower(): c for n, c in zip(states["name"], states["postal_code"], strict=True)}
    word = text.strip()
    return by_name.get(word.lower(), word.upper())


@_per_data
def _permitting_on_2021() -> frozenset:
    from .. import regulation

    states = _load("us_states")
    six = set(states.loc[states["article_prohibiting"], "postal_code"])
    then = regulation.status_on(_load("regulation_events"), "2021-01-01")
    return frozenset(then.loc[then["state"].isin(six) & (then["kind"] == "permitted"), "state"])


@_per_data
def _prohibited_by_law() -> int:
    return int((_load("us_states")["status"] == "prohibited").sum())


def _by_law_facts() -> dict:
    states = _load("us_states")
    names = list(states.loc[states["status"] == "prohibited", "name"])
    return {"count": len(names), "names": ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1
            else "".join(names)}


@_per_data
def _prohibiting_today() -> int:
    from .. import regulation

    return len(regulation.still_prohibiting(_load("us_states")))


@_per_data
def _dated_counts() -> list[int]:
    counts = _load("prohibiting_counts")
    return sorted({int(c) for c in counts.loc[counts["as_of"].notna(), "count"]})


# --- 03: the simulation -----------------------------------------------------------------------------------------

EXPECTATION = 1.0  # the exercise's expectation effect (points), as in the notebook's simulation
SIM_TRIALS, SIM_SD, SIM_SEED, SIZES = 4000, 2.0, 11, (50, 100)  # the solution's simulation: trials, SD, seed, per arm


@_per_data
def _scenarios() -> dict:
    from .. import simulate

    return simulate.scenarios()


def _commercial() -> tuple[float, float]:
    active, sham, _ = _scenarios()["commercial sham devices, average"]
    return active, sham


def _back_pain() -> tuple[float, float]:
    active, sham, _ = _scenarios()["back-pain trials, average"]
    return active, sham


@_per_data
def _bias(active: float, sham: float) -> float:
    from .. import simulate

    return simulate.expected_observed_effect(0, EXPECTATION, active, sham)


@_per_data
def _simulated(per_arm: int):
    from .. import simulate

    active, sham = _back_pain()
    sims = simulate.simulate_trials(SIM_TRIALS, per_arm, 0, EXPECTATION, active, sham, sd=SIM_SD, seed=SIM_SEED)
    return sims["observed_effect"]


def _spread(per_arm: int) -> float:
    return float(_simulated(per_arm).std())


def _bias_facts() -> dict:
    (active, sham), (avg_active, avg_sham) = _commercial(), _back_pain()
    return {"active": active, "sham": _minus(sham), "sham_abs": abs(sham), "avg_active": avg_active,
            "avg_sham": avg_sham, "bias": _bias(active, sham), "avg_bias": _bias(avg_active, avg_sham)}


def _spread_facts() -> dict:
    small, large = _simulated(SIZES[0]), _simulated(SIZES[1])
    return {"spread": float(large.std()), "spread_small": float(small.std()), "mean": float(large.mean()),
            "small": SIZES[0], "large": SIZES[1]}


# --- 04: blinding indexes ---------------------------------------------------------------------------------------

SCALE = 10  # exercise 04-1 asks for ten times Inoue 2006's arms (150 instead of 15 per arm)


def _bang(correct: int, incorrect: int, dont_know: int = 0):
    from .. import blinding

    return blinding.bang_index(correct, incorrect, dont_know)


@_per_data
def _inoue_active(scale: int = 1):
    row = _load("blinding_trials").set_index("comparison_id").loc["inoue2006"]
    correct, guessed = int(row.ag_correct), int(row.ag_n_guessed)
    return _bang(correct * scale, (guessed - correct) * scale)


@_per_data
def _sterling_sham() -> tuple[int, int]:
    """Sterling 2015's sham arm: correct guesses, and the others (1 of 36 as printed; their split is unknown)."""
    row = _load("blinding_trials").set_index("comparison_id").loc["sterling2015"]
    return int(row.sg_correct), int(row.sg_n_guessed) - int(row.sg_correct)


def _sterling_extremes() -> tuple[float, float]:
    correct, others = _sterling_sham()
    return tuple(sorted((_bang(correct, others, 0).estimate, _bang(correct, 0, others).estimate)))


def _inoue_facts() -> dict:
    small, large = _inoue_active(), _inoue_active(SCALE)
    row = _load("blinding_trials").set_index("comparison_id").loc["inoue2006"]
    correct, guessed = int(row.ag_correct), int(row.ag_n_guessed)
    return {"scaled_correct": correct * SCALE, "scaled_others": (guessed - correct) * SCALE,
            "index": large.estimate, "low": large.ci_low, "high": large.ci_high, "small_low": small.ci_low,
            "per_arm": int(_load("blinding_trials").set_index("comparison_id").loc["inoue2006", "ag_n_guessed"]),
            "scale": SCALE}


def _sterling_facts() -> dict:
    correct, others = _sterling_sham()
    low, high = _sterling_extremes()
    return {"correct": correct, "others": others, "asked": correct + others, "low": _minus(low), "high": high}


# --- 05: effect sizes -------------------------------------------------------------------------------------------

SD_CHANGED = 2.5  # exercise 05-1's spread of pain scores (points)


@_per_data
def _lara_smd() -> float:
    return float(_load("pooled_estimates").set_index("id").loc["lara2023_pain_post", "estimate"])


@_per_data
def _sd_assumed() -> float:
    from .. import evidence

    return float(inspect.signature(evidence.smd_to_points).parameters["sd"].default)


def _points(smd: float, sd: float) -> float:
    from .. import evidence

    return evidence.smd_to_points(smd, sd)


def _points_facts() -> dict:
    smd, sd = _lara_smd(), _sd_assumed()
    return {"smd": _minus(smd), "smd_value": smd,
            "sd": SD_CHANGED, "sd_assumed": sd, "points": _minus(_points(smd, SD_CHANGED)),
            "points_assumed": _minus(_points(smd, sd))}


def _comparison(text: str) -> str:
    return re.sub(r"^vs\.?\s+", "", text.strip().lower())


@_per_data
def _lost_support() -> frozenset:
    from .. import evidence

    sof = evidence.summary_of_findings()
    dn_only = sof[sof["intervention"] == "dry needling"]
    return frozenset(_comparison(c) for c in set(sof["comparison"]) - set(dn_only["comparison"]))


@_per_data
def _control_ranking() -> tuple[str, ...]:
    table = _load("effect_by_control_type")
    main = table[table["row_type"] == "main"].sort_values("estimate", ascending=False, kind="stable")
    return tuple(main["control_type"])


def _read_ranking(value) -> tuple[str, ...]:
    names = set(_control_ranking())
    described = "a list of the five `control_type` names of the main rows (e.g. [\"usual care\", ...])"
    try:
        raw = _first_items(value, len(names))  # bounded: an endless iterable is refused, not consumed
        if not all(type(v) is str for v in raw):
            raise ValueError
    except ValueError:
        raise ValueError(f"{described}, not {_short(value)}") from None
    items = tuple(" ".join(v.lower().replace("-", " - ").split()).replace(" - ", "-") for v in raw)
    if len(items) != len(names) or set(items) != names:
        raise ValueError(f"{described}, not {_short(value)}")
    return items


CONTROL_RANKING = Kind("a list of the five control types, largest difference first", _read_ranking,
                       lambda a, b: a == b, lambda v: " > ".join(v))


# --- 06: re-analysis --------------------------------------------------------------------------------------------

@_per_data
def _reanalysis(analysis_id: str, method: str = "DL", drop: str | None = None):
    from .. import meta, reanalysis

    arms, reference = _load("trial_arms"), _load("meta_reference")
    table, result = reanalysis.reanalyse(arms, reference, analysis_id, method=method)
    if drop is None:
        return result
    keep = table["study"] != drop
    es = meta.mean_difference(*(table.loc[keep, c] for c in ["n1", "mean1", "sd1", "n2", "mean2", "sd2"]))
    return meta.pool(es.yi, es.vi, method=method)


def _width(result) -> float:
    return float(result.ci_high - result.ci_low)


HEAVIEST = "Molsberger 2002"  # the trial exercise 06-1 drops (named in its prompt)


def _without_heaviest():
    return _reanalysis("furlan2005_a5_1", drop=HEAVIEST)


def _drop_facts() -> dict:
    return {"full": _minus(_reanalysis("furlan2005_a5_1").estimate), "fewer": _minus(_without_heaviest().estimate, 1)}


def _reml_facts() -> dict:
    dl, reml = _reanalysis("furlan2005_a12_1"), _reanalysis("furlan2005_a12_1", method="REML")
    return {"reml": reml.tau2, "dl": dl.tau2, "smd": _minus(reml.estimate)}


MORE_OR_LESS = choice(["larger", "smaller"], {"bigger": "larger", "less": "smaller", "more": "larger"})
INSIDE_OUTSIDE = choice(["inside", "outside"], {True: "inside", False: "outside"})
YES_NO = choice(["yes", "no"], {True: "yes", False: "no"})

EXERCISES: dict[str, Exercise] = {e.id: e for e in [
    Exercise(
        "00-1", "the number of the article's figures whose unit is percent", number(0, "a whole number"),
        _percent_count,
        right="of the {total} figures, the percentages are {shares}; the others are counts of states, hours, items "
              "and a decade.",
        hint="keep the rows whose `unit` is 'percent' (`figures[figures[\"unit\"] == \"percent\"]`) and count them "
             "with `len()`.",
        wrong=((Near(_figure_count, 0), "that counts every figure in the table: keep only the rows whose `unit` is "
                                        "'percent', then count."),
               (lambda a: a > _figure_count(), "that is more than the table has rows: count the rows, not the "
                                               "values.")),
        prediction=Prediction("how many of the eight are percentages", number(0, "a whole number"), _percent_count,
                              "the unit column says which numbers are shares."),
        teacher_answer="len(percentages)", facts=_percent_facts),
    Exercise(
        "00-2", "what `data.validate(folder)` reports, as (file name, line, column)", PROBLEM, _lifetime_line,
        right="the validator names the file, the line as a text editor counts it (the header is line 1), the "
              "column, the bad value 180 and what it expected (0 to 100 for a percent).",
        hint="read the problem the validator printed: it starts with the file, then `line`, then `column`; copy "
             "those three into `answer`.",
        wrong=((lambda a: a[1] == 1, "the header row is not data: count the lines as a text editor does, the header "
                                     "being the first, and find the row you changed."),
               (lambda a: a[0] != "article_figures.csv", "the schema in datapackage.json is fine: the problem is in "
                                                         "the CSV file you changed."),
               (lambda a: a[2] != "value", "that column holds no number: look again at the column the validator "
                                           "names.")),
        prediction=Prediction("which file, line and column the validator will name", PROBLEM, _lifetime_line,
                              "a percentage must lie between 0 and 100, and the validator locates the cell."),
        teacher_answer="(Path(problem.file).name, problem.line, problem.column)"),
    Exercise(
        "01-1", "whether {lifetime:g} % lies inside Walker 2000's one-year range",
        INSIDE_OUTSIDE, _one_year_verdict,
        right="Walker's one-year prevalence runs from {low:g} % to {high:g} %, so {lifetime:g} % in a given year "
              "would be implausible, although {lifetime:g} % over a lifetime is inside that review's lifetime range.",
        hint="look up the row `walker2000_one_year` in `context` and compare {lifetime:g} with its `low` and `high`.",
        wrong=(("inside", "that holds for Walker's *lifetime* range; the question is about one year: compare "
                          "{lifetime:g} with the `low` and `high` of the row `walker2000_one_year`."),),
        prediction=Prediction("inside or outside the one-year range", INSIDE_OUTSIDE, _one_year_verdict,
                              "the recall period changes what is plausible."),
        teacher_answer="bool(one_year.low <= {lifetime:g} <= one_year.high)", facts=_burden_facts),
    Exercise(
        "01-2", "people per 100 who are chronic sufferers reporting distress, if 20 % of sufferers become chronic",
        number(0.1), lambda: _chain(ASSUMED_CHRONIC),
        right="100 × {lifetime:g} % × {chronic} % × {distress:g} % ≈ {people:.1f} people per 100 (about "
              "{people_other:.1f} with a {other} % chronic share).",
        hint="chain the three shares, each a share of the group before it: everyone → back pain ({lifetime:g} %) → "
             "chronic ({chronic} %) → distress ({distress:g} %).",
        wrong=((Near(lambda: _figure("lifetime_prevalence") * _figure("psychological_distress") / 100, 0.1),
                "you used the {distress:g} % as a share of everyone with back pain; it counts only people with "
                "*chronic* back pain, so the {chronic} % chronic share belongs in the chain."),
               (Near(lambda: ASSUMED_CHRONIC * _figure("psychological_distress") / 100, 0.1),
                "you left out the {lifetime:g} %: the {chronic} % chronic share is a share of people who get back "
                "pain, not of everyone."),
               (Near(lambda: _figure("lifetime_prevalence") * ASSUMED_CHRONIC / 100, 0.1),
                "you stopped before the {distress:g} %: that is the number of chronic sufferers; only some of them "
                "report distress."),
               (Near(lambda: _chain(OTHER_CHRONIC), 0.1),
                "that is the answer for a {other} % chronic share; the first case assumes {chronic} %."),
               (Near(lambda: _chain(ASSUMED_CHRONIC) / 100, 0.002), "that is a share of 1: give people per 100.")),
        prediction=Prediction("about how many people per 100", number(1.0), lambda: _chain(ASSUMED_CHRONIC),
                              "three shares chained shrink quickly."),
        teacher_answer="burden.chain_shares([{lifetime:g}, {chronic}, {distress:g}])", facts=_burden_facts),
    Exercise(
        "02-1", "which of the article's six states already permitted dry needling on 1 January 2021 (postal codes; "
                "an empty list for none)",
        label_set("a list of postal codes such as [\"NJ\"], or [] for none", _state_code), _permitting_on_2021,
        right="on 1 January 2021 every dated event for the six was a prohibition, so the article's list "
              "agrees with the dated sources then.",
        hint="`regulation.status_on(events, \"2021-01-01\")` gives each state's latest decisive event; keep the six "
             "states and look at `kind`.",
        wrong=((lambda a: "NJ" in a, "New Jersey's board had allowed it once, but a later decisive event came before "
                                     "2021: look at New Jersey's row in `status_on(events, \"2021-01-01\")`."),
               (lambda a: "WA" in a, "check the date of Washington's permitting event in `events`: is it before "
                                     "1 January 2021?"),
               (lambda a: "OR" in a, "check the date of Oregon's law in `events`: is it before 1 January 2021?")),
        prediction=Prediction("which states (or none)",
                              label_set("a list of postal codes, or [] for none", _state_code), _permitting_on_2021,
                              "the changes among the six all came after 2021."),
        teacher_answer="set(then.loc[then[\"state\"].isin(six_codes) & (then[\"kind\"] == \"permitted\"), \"state\"])"),
    Exercise(
        "02-2", "how many states prohibit if Oregon counts as permitting (by what the law says)",
        number(0, "a whole number"), _prohibited_by_law,
        right="{names}. The count depends on the definition, which is why a number of states needs a definition "
              "and a date.",
        hint="count the states whose `status` is exactly 'prohibited' (Oregon's is 'law passed, rules pending').",
        wrong=((Near(_prohibiting_today, 0), "that is this notebook's count, where Oregon (law passed, rules "
                                             "pending) still prohibits; count by what the law says instead."),
               (Near(lambda: _figure("prohibiting_states"), 0), "that is the article's undated count."),
               (lambda a: a in _dated_counts(), "that is a dated count from the sources of 2018 and 2020, not "
                                                "today's.")),
        prediction=Prediction("how many states", number(0, "a whole number"), _prohibited_by_law,
                              "only Oregon changes side."),
        teacher_answer="int(by_the_law.sum())", facts=_by_law_facts),
    Exercise(
        "03-1", "the bias (points) with commercial shams, from `simulate.expected_observed_effect`", number(0.005),
        lambda: _bias(*_commercial()),
        right="({active:g} − {sham_abs:g}) / 2 = {bias:.3f} points per point of expectation effect, against "
              "{avg_bias:.3f} for the back-pain average: the sham arm's opposite guessing offsets the active arm's "
              "right guesses.",
        hint="the bias is the expectation effect times the average of the two arms' Bang indexes; use {active:g} "
             "and {sham}.",
        wrong=((Near(lambda: _bias(_commercial()[0], -_commercial()[1]), 0.005),
                "you entered the sham arm's {sham} as +{sham_abs:g}: opposite guessing enters with its sign, so it "
                "offsets the active arm."),
               (Near(lambda: sum(_commercial()), 0.005), "that is the sum of the two indexes; the bias is their "
                                                         "*average* times the expectation effect."),
               (Near(lambda: _bias(*_back_pain()), 0.005), "that is the back-pain average ({avg_active:g} and "
                                                           "{avg_sham:g}); use Moroz's commercial-sham values, "
                                                           "{active:g} and {sham}."),
               (lambda a: abs(a - _bias(*_commercial())) <= 0.03,
                "close: that looks like a simulated mean, which carries Monte-Carlo error; put the closed form from "
                "`simulate.expected_observed_effect` in `answer`.")),
        prediction=Prediction("\"larger\" or \"smaller\" than with the back-pain average ({avg_bias:.3f})",
                              MORE_OR_LESS,
                              lambda: "larger" if _bias(*_commercial()) > _bias(*_back_pain()) else "smaller",
                              "opposite guessing in the sham arm offsets the active arm's right guesses."),
        teacher_answer="commercial", facts=_bias_facts),
    Exercise(
        "03-2", "the standard deviation of the simulated trial results with 100 per arm", number(0.03),
        lambda: _spread(SIZES[1]),
        right="about {spread:.2f} points, down from about {spread_small:.2f} with {small} per arm (a factor of about "
              "√2), while the mean bias stays near {mean:.2f}: a bigger trial is more *precisely* biased.",
        hint="simulate 4,000 trials with {large} per arm and take the standard deviation (`.std()`) of "
             "`observed_effect`.",
        wrong=((Near(lambda: _spread(SIZES[0]), 0.03), "that is the spread with {small} per arm; set the trial size "
                                                       "to {large} per arm."),
               (Near(lambda: _spread(SIZES[0]) / 2, 0.03), "doubling the size does not halve the spread: it shrinks "
                                                           "with √n."),
               (Near(lambda: _bias(*_back_pain()), 0.02), "that is the average bias (the mean); the exercise asks for "
                                                          "the spread, the standard deviation.")),
        prediction=Prediction("what happens to the average bias: \"larger\", \"smaller\" or \"unchanged\"",
                              choice(["larger", "smaller", "unchanged"], {"same": "unchanged", "bigger": "larger"}),
                              lambda: "unchanged",
                              "bias comes from who guesses what, not from chance, so its average does not shrink "
                              "with the trial size."),
        teacher_answer="sims_n.std()", facts=_spread_facts),
    Exercise(
        "04-1", "the lower limit of the active arm's 95 % interval with 150 per arm (or the whole Bang result)",
        number(0.01, attribute="ci_low"), lambda: _inoue_active(SCALE).ci_low,
        right="the index stays {index:.2f}, but the interval narrows by √{scale} to {low:.2f} to {high:.2f}, which "
              "now excludes 0: blinding questionnaires need large arms to say anything.",
        hint="keep the shares (multiply both counts by {scale}) and call `blinding.bang_index(correct, incorrect)`; "
             "read `ci_low`.",
        wrong=((Near(lambda: _inoue_active().ci_low, 0.01), "that is the interval with {per_arm} per arm; with "
                                                            "{scale} times as many the standard error shrinks by "
                                                            "√{scale}."),
               (Near(lambda: _inoue_active(SCALE).estimate, 0.005), "that is the index itself, which does not change; "
                                                                    "the answer is the interval's lower limit "
                                                                    "(`ci_low`).")),
        prediction=Prediction("does the active arm's interval now exclude 0? \"yes\" or \"no\"", YES_NO,
                              lambda: "yes" if _inoue_active(SCALE).ci_low > 0 else "no",
                              "the standard error shrinks with √n while the index stays the same."),
        teacher_answer="blinding.bang_index({scaled_correct}, {scaled_others}).ci_low", facts=_inoue_facts),
    Exercise(
        "04-2", "the sham arm's two extreme Bang indexes, as (lowest, highest)",
        numbers(2, 0.01, "two numbers such as (-0.5, 0.5)"), _sterling_extremes,
        right="from {low} (all {others} guessed active: strong opposite guessing) to +{high:.2f} (all {others} said "
              "don't know: random guessing): the printed description allows anything in between.",
        hint="one extreme has all {others} guessing \"active\", the other all {others} saying \"don't know\": call "
             "`blinding.bang_index(correct, incorrect, dont_know)` for each.",
        wrong=((lambda a: max(a) > 0.9, "\"don't know\" answers stay in Bang's denominator: all {asked} were asked, "
                                        "so the denominator is {asked} in both extremes."),
               (lambda a: abs(min(a) - (_sterling_sham()[0] - _sterling_sham()[1]) / _sterling_sham()[1]) <= 0.01,
                "that leaves the correct guesser out of the denominator: divide by all {asked}.")),
        teacher_answer="(blinding.bang_index({correct}, {others}, 0).estimate, "
                       "blinding.bang_index({correct}, 0, {others}).estimate)",
        facts=_sterling_facts),
    Exercise(
        "05-1", "Lara-Palomo's SMD of {smd} in points when the SD is {sd:g}", number(0.01),
        lambda: _points(_lara_smd(), SD_CHANGED),
        right="{smd} × {sd:g} = {points} points instead of {points_assumed}: the same SMD means more points when "
              "scores are more spread out.",
        hint="points = SMD × SD (`evidence.smd_to_points(smd, sd)`).",
        wrong=((Near(lambda: -_points(_lara_smd(), SD_CHANGED), 0.01),
                "keep the sign: a negative SMD (less pain) favours dry needling, and so does a negative number of "
                "points."),
               (Near(lambda: _lara_smd() / SD_CHANGED, 0.005), "an SMD is a difference divided by the SD, so to get "
                                                               "points back, multiply by the SD; do not divide."),
               (Near(lambda: _points(_lara_smd(), _sd_assumed()), 0.01), "that is the value with an SD of "
                                                                         "{sd_assumed:g}; set `SD_ASSUMED` to "
                                                                         "{sd:g}.")),
        prediction=Prediction("\"larger\" or \"smaller\" in points", MORE_OR_LESS,
                              lambda: "larger" if abs(_points(_lara_smd(), SD_CHANGED))
                              > abs(_points(_lara_smd(), _sd_assumed())) else "smaller",
                              "a larger SD turns the same SMD into more points."),
        teacher_answer="evidence.smd_to_points({smd_value:g}, {sd:g})", facts=_points_facts),
    Exercise(
        "05-2", "the comparisons that lose every row when rows not about dry needling alone are dropped",
        label_set("a list of comparisons such as [\"vs sham\"]", _comparison), _lost_support,
        right="\"vs usual care\" and \"vs high-intensity no-acupuncture control\" rest entirely on acupuncture (Mu "
              "2020, Vickers 2018) or on needling therapies pooled (the WHO review); sham and no treatment keep "
              "dry-needling rows (Hu 2018, Gattie 2017).",
        hint="compare `set(sof[\"comparison\"])` before and after keeping only the rows whose `intervention` is "
             "\"dry needling\".",
        wrong=((lambda a: "sham" in a, "\"vs sham\" keeps two dry-needling rows (Hu 2018 and Gattie 2017), though "
                                       "neither is graded above very low."),
               (lambda a: "no treatment" in a, "\"vs no treatment\" keeps Gattie 2017, a dry-needling review (all "
                                               "musculoskeletal conditions).")),
        prediction=Prediction("which comparisons", label_set("a list of comparisons", _comparison),
                              _lost_support, "every usual-care and high-intensity-control row is about acupuncture "
                                             "or pools it."),
        teacher_answer="set(sof[\"comparison\"]) - set(dn_only[\"comparison\"])"),
    Exercise(
        "06-1", "the pooled mean difference of analysis 5.1 without Molsberger 2002 (DL)", number(0.01),
        lambda: float(_without_heaviest().estimate),
        right="about {fewer} points, against {full} with all four: the trials agree, so dropping the heaviest barely "
              "moves the estimate, but its interval widens because its information is gone.",
        hint="keep the rows of `reanalysis.study_table(arms, \"furlan2005_a5_1\")` whose study is not Molsberger "
             "2002, then `meta.mean_difference(...)` and `meta.pool(..., method=\"DL\")`; `answer` is its "
             "`.estimate`.",
        wrong=((Near(lambda: _reanalysis("furlan2005_a5_1").estimate, 0.01),
                "that is the pooled value with all four trials: drop Molsberger 2002 first."),
               (Near(lambda: -_without_heaviest().estimate, 0.02),
                "keep the sign: less pain with acupuncture is a negative difference.")),
        prediction=Prediction("\"wider\" or \"narrower\" confidence interval", choice(["wider", "narrower"]),
                              lambda: "wider" if _width(_without_heaviest())
                              > _width(_reanalysis("furlan2005_a5_1")) else "narrower",
                              "dropping a trial removes information, so the interval widens."),
        teacher_answer="fewer.estimate", facts=_drop_facts),
    Exercise(
        "06-2", "τ² of analysis 12.1 estimated by REML", number(0.0005),
        lambda: float(_reanalysis("furlan2005_a12_1", method="REML").tau2),
        right="REML gives τ² ≈ {reml:.3f} against DL's {dl:.3f}: the weights become a little more equal, I² rises "
              "and the interval widens slightly, while the pooled SMD stays {smd}.",
        hint="`reanalysis.reanalyse(arms, reference, \"furlan2005_a12_1\", method=\"REML\")` returns the table and "
             "the result; `answer` is the result's `.tau2`.",
        wrong=((Near(lambda: _reanalysis("furlan2005_a12_1").tau2, 0.0005),
                "that is DerSimonian-Laird's τ²: pass method=\"REML\"."),
               (Near(lambda: _reanalysis("furlan2005_a12_1", method="REML").estimate, 0.01),
                "that is the pooled SMD; the question asks for τ², the between-trial variance.")),
        prediction=Prediction("\"larger\" or \"smaller\" than DL's τ²", MORE_OR_LESS,
                              lambda: "larger" if _reanalysis("furlan2005_a12_1", method="REML").tau2
                              > _reanalysis("furlan2005_a12_1").tau2 else "smaller",
                              "with these four trials REML's estimate of the between-trial variance is a little "
                              "larger."),
        teacher_answer="reanalysis.reanalyse(arms, reference, \"furlan2005_a12_1\", method=\"REML\")[1].tau2",
        facts=_reml_facts),
    Exercise(
        "06-3", "the five kinds of control of the main rows, largest difference in effect first",
        CONTROL_RANKING, lambda: _control_ranking(),
        right="that is Table 7's order. Penetrating shams leave the smallest difference; note where non-penetrating "
              "shams land, and how far that row moves when the Vas trials are left out.",
        hint="keep the rows of `controls` whose `row_type` is \"main\", sort them by `estimate` (largest first) and "
             "list their `control_type`.",
        wrong=((lambda a: a == tuple(reversed(_control_ranking())), "the list runs the other way: it should start "
                                                                   "with the largest difference."),
               (lambda a: a[0] == _control_ranking()[0] and a[-1] == _control_ranking()[-1],
                "both ends are right; compare the estimates of the rows in between once more.")),
        prediction=Prediction("the five kinds of control, largest difference first", CONTROL_RANKING,
                              lambda: _control_ranking(),
                              "the difference is a contrast with the control: a control that does more (or fools "
                              "better) leaves less of a difference, whichever the reason."),
        teacher_answer="list(controls[controls[\"row_type\"] == \"main\"].sort_values(\"estimate\", "
                       "ascending=False)[\"control_type\"])"),
]}
