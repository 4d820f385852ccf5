"""The exercises: what each ``answer`` holds, its expected value computed from the data and the
package, and the typical wrong answers with their hints."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from .. import paths
from .kinds import Exercise, Kind, Prediction, _short, choice, label_set, number, numbers


def _load(name: str):
    from .. import data

    return data.load(name)


def _percent_count() -> int:
    return int((_load("article_figures")["unit"] == "percent").sum())


def _lifetime_line() -> tuple:
    lines = (paths.data_dir() / "article_figures.csv").read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.startswith("lifetime_prevalence,"))
    return ("article_figures.csv", line, "value")


def _problem(value):
    if all(hasattr(value, a) for a in ("file", "line", "column")):
        value = (value.file, value.line, value.column)
    file, line, column = value
    if not isinstance(file, str | Path) or not isinstance(column, str) or isinstance(line, bool):
        raise ValueError
    return (Path(file).name.lower(), int(line), column.strip().lower())


def _read_problem(value):
    try:
        return _problem(value)
    except (TypeError, ValueError):
        raise ValueError(f"a (file, line, column) triple such as (\"sources.csv\", 7, \"url\"), not {_short(value)}"
                         ) from None


PROBLEM = Kind("a (file, line, column) triple", _read_problem, lambda a, b: a == b,
               lambda v: f"({v[0]!r}, {v[1]}, {v[2]!r})")


def _one_year_verdict() -> str:
    row = _load("burden_context").set_index("id").loc["walker2000_one_year"]
    return "inside" if row.low <= 80 <= row.high else "outside"


def _state_code(text: str) -> str:
    states = _load("us_states")
    by_name = {n.lower(): c for n, c in zip(states["name"], states["postal_code"], strict=True)}
    word = text.strip()
    return by_name.get(word.lower(), word.upper())


def _permitting_on_2021() -> frozenset:
    from .. import regulation

    states = _load("us_states")
    six = set(states.loc[states["article_prohibiting"], "postal_code"])
    then = regulation.status_on(_load("regulation_events"), "2021-01-01")
    return frozenset(then.loc[then["state"].isin(six) & (then["kind"] == "permitted"), "state"])


def _prohibited_by_law() -> int:
    return int((_load("us_states")["status"] == "prohibited").sum())


def _effect(active: float, sham: float) -> float:
    from .. import simulate

    return simulate.expected_observed_effect(0, 1.0, active, sham)


def _spread_at_100() -> float:
    from .. import simulate

    return float(simulate.simulate_trials(4000, 100, 0, 1.0, 0.26, 0.01, sd=2.0, seed=11)["observed_effect"].std())


def _bang(correct: int, incorrect: int, dont_know: int = 0):
    from .. import blinding

    return blinding.bang_index(correct, incorrect, dont_know)


def _points(smd: float, sd: float) -> float:
    from .. import evidence

    return evidence.smd_to_points(smd, sd)


def _comparison(text: str) -> str:
    return re.sub(r"^vs\.?\s+", "", text.strip().lower())


def _lost_support() -> frozenset:
    from .. import evidence

    sof = evidence.summary_of_findings()
    dn_only = sof[sof["intervention"] == "dry needling"]
    return frozenset(_comparison(c) for c in set(sof["comparison"]) - set(dn_only["comparison"]))


def _near(value: float, tolerance: float) -> Callable[[float], bool]:
    return lambda a: abs(a - value) <= tolerance


MORE_OR_LESS = choice(["larger", "smaller"], {"bigger": "larger", "less": "smaller", "more": "larger"})
INSIDE_OUTSIDE = choice(["inside", "outside"], {True: "inside", False: "outside"})
YES_NO = choice(["yes", "no"], {True: "yes", False: "no"})

def _control_ranking() -> tuple[str, ...]:
    table = _load("effect_by_control_type")
    main = table[table["row_type"] == "main"].sort_values("estimate", ascending=False, kind="stable")
    return tuple(main["control_type"])


def _read_ranking(value) -> tuple[str, ...]:
    names = set(_control_ranking())
    described = "a list of the five `control_type` names of the main rows (e.g. [\"usual care\", ...])"
    if isinstance(value, str) or not hasattr(value, "__iter__"):
        raise ValueError(f"{described}, not {_short(value)}")
    items = tuple(" ".join(str(v).lower().replace("-", " - ").split()).replace(" - ", "-") for v in value)
    if len(items) != len(names) or set(items) != names:
        raise ValueError(f"{described}, not {_short(value)}")
    return items


CONTROL_RANKING = Kind("a list of the five control types, largest difference first", _read_ranking,
                       lambda a, b: a == b, lambda v: " > ".join(v))


EXERCISES: dict[str, Exercise] = {e.id: e for e in [
    Exercise(
        "00-1", "the number of the article's figures whose unit is percent", number(0, "a whole number"),
        _percent_count,
        right="three percentages (80 %, about 85 %, 72 %); the other five are counts of states, hours, items and a "
              "decade.",
        hint="keep the rows whose `unit` is 'percent' (`figures[figures[\"unit\"] == \"percent\"]`) and count them "
             "with `len()`.",
        wrong=((8, "8 is every figure in the table: keep only the rows whose `unit` is 'percent'."),
               (lambda a: a > 8, "the table has only eight rows: count the rows, not the values.")),
        prediction=Prediction("how many of the eight are percentages", number(0, "a whole number"), _percent_count,
                              "the unit column says which numbers are shares."),
        teacher_answer="len(percentages)"),
    Exercise(
        "00-2", "what `data.validate(folder)` reports, as (file name, line, column)", PROBLEM, _lifetime_line,
        right="the validator names the file, the line as a text editor counts it (the header is line 1), the "
              "column, the bad value 180 and what it expected (0 to 100 for a percent).",
        hint="read the problem the validator printed: it starts with the file, then `line`, then `column`.",
        wrong=((lambda a: a[1] == 1, "line 1 is the header row; the first data row is line 2, as a text editor "
                                     "counts."),
               (lambda a: a[0] != "article_figures.csv", "the schema in datapackage.json is fine: the bad value is in "
                                                         "the CSV file you changed."),
               (lambda a: a[2] != "value", "the column that holds the number is `value`.")),
        prediction=Prediction("which file, line and column the validator will name", PROBLEM, _lifetime_line,
                              "a percentage must lie between 0 and 100, and the validator locates the cell."),
        teacher_answer="(Path(problem.file).name, problem.line, problem.column)"),
    Exercise(
        "01-1", "whether 80 % lies inside Walker 2000's one-year range",
        INSIDE_OUTSIDE, _one_year_verdict,
        right="Walker's one-year prevalence runs from 22 % to 65 %, so 80 % in a given year would be implausible, "
              "although 80 % over a lifetime is inside that review's lifetime range.",
        hint="look up the row `walker2000_one_year` in `context` and compare 80 with its `low` and `high`.",
        wrong=(("inside", "inside is right for the *lifetime* range (11-84 %); the one-year range is the row "
                          "`walker2000_one_year` (22-65 %)."),),
        prediction=Prediction("inside or outside the one-year range", INSIDE_OUTSIDE, _one_year_verdict,
                              "the recall period changes what is plausible."),
        teacher_answer="bool(one_year.low <= 80 <= one_year.high)"),
    Exercise(
        "01-2", "people per 100 who are chronic sufferers reporting distress, if 20 % of sufferers become chronic",
        number(0.1), lambda: _chain(20),
        right="100 × 0.80 × 0.20 × 0.72 ≈ 11.5 people per 100 (about 5.8 with a 10 % chronic share).",
        hint="chain the three shares, each a share of the group before it: everyone → back pain (80 %) → chronic "
             "(20 %) → distress (72 %).",
        wrong=((_near(57.6, 0.1), "you used the 72 % as a share of everyone with back pain (80 × 0.72); it counts "
                                  "only people with *chronic* back pain, so the 20 % chronic share belongs in the "
                                  "chain."),
               (_near(14.4, 0.1), "you left out the 80 %: the 20 % chronic share is a share of people who get back "
                                  "pain, not of everyone."),
               (_near(16.0, 0.1), "you stopped before the 72 %: 16 in 100 would be the chronic sufferers; 72 % of "
                                  "them report distress."),
               (_near(5.76, 0.1), "5.8 is the answer for a 10 % chronic share; the first case assumes 20 %."),
               (_near(0.1152, 0.002), "that is a share of 1: give people per 100 (times 100).")),
        prediction=Prediction("about how many people per 100", number(1.0), lambda: _chain(20),
                              "three shares chained shrink quickly."),
        teacher_answer="burden.chain_shares([80, 20, 72])"),
    Exercise(
        "02-1", "which of the article's six states already permitted dry needling on 1 January 2021 (postal codes; "
                "an empty list for none)",
        label_set("a list of postal codes such as [\"NJ\"], or [] for none", _state_code), _permitting_on_2021,
        right="on 1 January 2021 every dated event for the six was a prohibition, so the article's list "
              "agrees with the dated sources then.",
        hint="`regulation.status_on(events, \"2021-01-01\")` gives each state's latest decisive event; keep the six "
             "states and look at `kind`.",
        wrong=((lambda a: "NJ" in a, "New Jersey's board allowed it in 2009, but the Attorney General's opinion of "
                                     "February 2017 came later and overrides it; New Jersey's law took effect only "
                                     "in April 2022."),
               (lambda a: "WA" in a, "Washington's endorsement dates from June 2024, after 2021."),
               (lambda a: "OR" in a, "Oregon's law passed in 2025 and still awaits its rules.")),
        prediction=Prediction("which states (or none)",
                              label_set("a list of postal codes, or [] for none", _state_code), _permitting_on_2021,
                              "the changes among the six all came after 2021."),
        teacher_answer="set(then.loc[then[\"state\"].isin(six_codes) & (then[\"kind\"] == \"permitted\"), \"state\"])"),
    Exercise(
        "02-2", "how many states prohibit if Oregon counts as permitting (by what the law says)",
        number(0, "a whole number"), _prohibited_by_law,
        right="three: California, Hawaii and New York. The count depends on the definition, which is why a "
              "number of states needs a definition and a date.",
        hint="count the states whose `status` is exactly 'prohibited' (Oregon's is 'law passed, rules pending').",
        wrong=((4, "4 is this notebook's count, where Oregon (law passed, rules pending) still prohibits; count by "
                   "what the law says instead."),
               (6, "6 is the article's undated count."),
               (7, "7 is the dated count of 2018 and 2020, not today's.")),
        prediction=Prediction("how many states", number(0, "a whole number"), _prohibited_by_law,
                              "only Oregon changes side."),
        teacher_answer="int(by_the_law.sum())"),
    Exercise(
        "03-1", "the bias (points) with commercial shams, from `simulate.expected_observed_effect`", number(0.005),
        lambda: _effect(0.47, -0.32),
        right="(0.47 − 0.32) / 2 = 0.075 points per point of expectation effect, against 0.135 for the back-pain "
              "average: the sham arm's opposite guessing offsets the active arm's right guesses.",
        hint="the bias is the expectation effect times the average of the two arms' Bang indexes; use 0.47 and −0.32.",
        wrong=((_near(0.395, 0.005), "you added the sham arm's −0.32 as +0.32: opposite guessing enters with its "
                                     "sign, so it offsets the active arm."),
               (_near(0.15, 0.005), "0.15 is the sum of the two indexes; the bias is their *average* times the "
                                    "expectation effect."),
               (_near(0.135, 0.005), "0.135 is the back-pain average (0.26 and 0.01); use Moroz's commercial-sham "
                                     "values, 0.47 and −0.32."),
               (_near(0.075, 0.03), "close: that looks like a simulated mean, which carries Monte-Carlo error; put "
                                    "the closed form from `simulate.expected_observed_effect` in `answer`.")),
        prediction=Prediction("\"larger\" or \"smaller\" than with the back-pain average (0.135)", MORE_OR_LESS,
                              lambda: "larger" if _effect(0.47, -0.32) > _effect(0.26, 0.01) else "smaller",
                              "the result is 0.075 against 0.135."),
        teacher_answer="commercial"),
    Exercise(
        "03-2", "the standard deviation of the simulated trial results with 100 per arm", number(0.03),
        _spread_at_100,
        right="about 0.28 points, down from about 0.40 with 50 per arm (a factor of about √2), while the mean bias "
              "stays near 0.13: a bigger trial is more *precisely* biased.",
        hint="simulate 4,000 trials with 100 per arm and take the standard deviation (`.std()`) of "
             "`observed_effect`.",
        wrong=((_near(0.40, 0.03), "that is the spread with 50 per arm; set the trial size to 100 per arm."),
               (_near(0.20, 0.03), "doubling the size does not halve the spread: it shrinks with √n, by about 1/√2."),
               (_near(0.135, 0.02), "0.135 is the average bias (the mean); the exercise asks for the spread, the "
                                    "standard deviation.")),
        prediction=Prediction("what happens to the average bias: \"larger\", \"smaller\" or \"unchanged\"",
                              choice(["larger", "smaller", "unchanged"], {"same": "unchanged", "bigger": "larger"}),
                              lambda: "unchanged",
                              "bias comes from who guesses what, not from chance, so its average does not shrink "
                              "with the trial size."),
        teacher_answer="sims_n.std()"),
    Exercise(
        "04-1", "the lower limit of the active arm's 95 % interval with 150 per arm (or the whole Bang result)",
        number(0.01, attribute="ci_low"), lambda: _bang(90, 60).ci_low,
        right="the index stays 0.20, but the interval narrows by √10 to 0.04-0.36, which now excludes 0: blinding "
              "questionnaires need large arms to say anything.",
        hint="keep the shares (9 in 15 becomes 90 in 150) and call `blinding.bang_index(90, 60)`; read `ci_low`.",
        wrong=((_near(-0.30, 0.01), "that is the interval with 15 per arm; with 150 the standard error shrinks by "
                                    "√10."),
               (_near(0.20, 0.005), "0.20 is the index itself, which does not change; the answer is the interval's "
                                    "lower limit (`ci_low`).")),
        prediction=Prediction("does the active arm's interval now exclude 0? \"yes\" or \"no\"", YES_NO,
                              lambda: "yes" if _bang(90, 60).ci_low > 0 else "no",
                              "the standard error shrinks with √n while the index stays the same."),
        teacher_answer="blinding.bang_index(90, 60).ci_low"),
    Exercise(
        "04-2", "the sham arm's two extreme Bang indexes, as (lowest, highest)",
        numbers(2, 0.01, "two numbers such as (-0.5, 0.5)"),
        lambda: tuple(sorted((_bang(1, 35, 0).estimate, _bang(1, 0, 35).estimate))),
        right="from (1 − 35) / 36 = −0.94 (strong opposite guessing) to (1 − 0) / 36 = +0.03 (random guessing): the "
              "printed description allows anything in between.",
        hint="one extreme is `blinding.bang_index(1, 35, 0)`, the other `blinding.bang_index(1, 0, 35)`.",
        wrong=((lambda a: max(a) > 0.9, "\"don't know\" answers stay in Bang's denominator: all 36 were asked, so all "
                                        "don't know gives (1 − 0) / 36, not 1."),
               (lambda a: abs(min(a) + 0.97) < 0.01, "(1 − 35) / 35 leaves the one correct guesser out of the "
                                                     "denominator: divide by all 36.")),
        teacher_answer="(blinding.bang_index(1, 35, 0).estimate, blinding.bang_index(1, 0, 35).estimate)"),
    Exercise(
        "05-1", "Lara-Palomo's SMD of −0.42 in points when the SD is 2.5", number(0.01), lambda: _points(-0.42, 2.5),
        right="−0.42 × 2.5 = −1.05 points instead of −0.84: the same SMD means more points when scores are more "
              "spread out.",
        hint="points = SMD × SD (`evidence.smd_to_points(-0.42, 2.5)`).",
        wrong=((_near(1.05, 0.01), "keep the sign: a negative SMD (less pain) favours dry needling, and so does the "
                                   "negative number of points."),
               (_near(-0.168, 0.005), "divide? No: an SMD is a difference divided by the SD, so points = SMD × SD."),
               (_near(-0.84, 0.01), "−0.84 is the value with an SD of 2; set `SD_ASSUMED` to 2.5.")),
        prediction=Prediction("\"larger\" or \"smaller\" in points", MORE_OR_LESS,
                              lambda: "larger" if abs(_points(-0.42, 2.5)) > abs(_points(-0.42, 2.0)) else "smaller",
                              "−1.05 points against −0.84."),
        teacher_answer="evidence.smd_to_points(-0.42, 2.5)"),
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
        lambda: float(_reanalysis("furlan2005_a5_1", drop="Molsberger 2002").estimate),
        right="about −10.4 points, against −10.21 with all four: the trials agree, so dropping the heaviest barely "
              "moves the estimate, but its interval widens because its information is gone.",
        hint="keep the rows of `reanalysis.study_table(arms, \"furlan2005_a5_1\")` whose study is not Molsberger "
             "2002, then `meta.mean_difference(...)` and `meta.pool(..., method=\"DL\")`; `answer` is its "
             "`.estimate`.",
        wrong=((_near(-10.21, 0.01), "−10.21 is the pooled value with all four trials: drop Molsberger 2002 first."),
               (_near(10.37, 0.02), "keep the sign: less pain with acupuncture is a negative difference.")),
        prediction=Prediction("\"wider\" or \"narrower\" confidence interval", choice(["wider", "narrower"]),
                              lambda: "wider" if _width(_reanalysis("furlan2005_a5_1", drop="Molsberger 2002"))
                              > _width(_reanalysis("furlan2005_a5_1")) else "narrower",
                              "dropping a trial removes information, so the interval widens."),
        teacher_answer="fewer.estimate"),
    Exercise(
        "06-2", "τ² of analysis 12.1 estimated by REML", number(0.0005),
        lambda: float(_reanalysis("furlan2005_a12_1", method="REML").tau2),
        right="REML gives τ² ≈ 0.014 against DL's 0.010: the weights become a little more equal, I² rises and the "
              "interval widens slightly, while the pooled SMD stays −0.76.",
        hint="`reanalysis.reanalyse(arms, reference, \"furlan2005_a12_1\", method=\"REML\")` returns the table and "
             "the result; `answer` is the result's `.tau2`.",
        wrong=((_near(0.0104, 0.0005), "0.010 is DerSimonian-Laird's τ²: pass method=\"REML\"."),
               (_near(-0.76, 0.01), "that is the pooled SMD; the question asks for τ², the between-trial variance.")),
        prediction=Prediction("\"larger\" or \"smaller\" than DL's τ²", MORE_OR_LESS,
                              lambda: "larger" if _reanalysis("furlan2005_a12_1", method="REML").tau2
                              > _reanalysis("furlan2005_a12_1").tau2 else "smaller",
                              "with these four trials REML's estimate of the between-trial variance is a little "
                              "larger."),
        teacher_answer="reanalysis.reanalyse(arms, reference, \"furlan2005_a12_1\", method=\"REML\")[1].tau2"),
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



def _reanalysis(analysis_id: str, method: str = "DL", drop: str | None = None):
    from .. import data, meta, reanalysis

    arms, reference = data.load("trial_arms"), data.load("meta_reference")
    table, result = reanalysis.reanalyse(arms, reference, analysis_id, method=method)
    if drop is None:
        return result
    keep = table["study"] != drop
    es = meta.mean_difference(*(table.loc[keep, c] for c in ["n1", "mean1", "sd1", "n2", "mean2", "sd2"]))
    return meta.pool(es.yi, es.vi, method=method)


def _width(result) -> float:
    return float(result.ci_high - result.ci_low)


def _chain(chronic: float) -> float:
    from .. import burden

    return burden.chain_shares([80, chronic, 72])
