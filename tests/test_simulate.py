"""The unblinding simulation: converges to its closed form, honours its inputs, rejects bad ones."""

from __future__ import annotations

import ast
import inspect
import re
from dataclasses import replace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from conftest import replace_in
from dry_needling import simulate


@pytest.mark.parametrize("ba, bs, expect, true", [
    (0.26, 0.01, 1.0, 0.0),     # Freed 2021 averages
    (0.60, -0.11, 1.5, 0.5),    # one dry-needling comparison (Braithwaite 2018)
    (0.47, -0.32, 2.0, -0.3),   # commercial shams (Moroz 2013)
    (0.0, 0.0, 3.0, 1.0),       # perfect blinding
    (1.0, 1.0, 1.0, 0.0),       # everyone knows
])
def test_mean_observed_effect_converges_to_the_closed_form(ba, bs, expect, true):
    sd, n, trials = 2.0, 40, 40_000
    sims = simulate.simulate_trials(trials, n, true, expect, ba, bs, sd=sd, seed=123)
    closed = simulate.expected_observed_effect(true, expect, ba, bs)
    # Monte-Carlo standard error of the mean observed effect (noise plus guessing variance)
    mc_se = sims["observed_effect"].std(ddof=1) / np.sqrt(trials)
    assert abs(sims["observed_effect"].mean() - closed) < 4 * mc_se
    # The Monte-Carlo error itself is of the size the model implies (noise 2 sd^2 / n plus a guessing share of at
    # most expect^2 / (2 n)), so a broken noise term cannot hide behind a huge spread.
    assert mc_se < np.sqrt((2 * sd**2 + expect**2 / 2) / n / trials)


@pytest.mark.parametrize("dont_know", [0.0, 0.3])
def test_simulated_bang_indexes_average_the_requested_values(dont_know):
    sims = simulate.simulate_trials(20_000, 50, 0, 1, 0.4, -0.2, seed=5, dont_know=dont_know)
    assert sims["bang_active"].mean() == pytest.approx(0.4, abs=0.005)
    assert sims["bang_sham"].mean() == pytest.approx(-0.2, abs=0.005)
    assert sims["bang_active"].between(-1, 1).all()


def test_dont_know_does_not_change_the_expected_bias():
    a = simulate.simulate_trials(40_000, 30, 0, 1, 0.3, 0.1, sd=0.0, seed=9)
    b = simulate.simulate_trials(40_000, 30, 0, 1, 0.3, 0.1, sd=0.0, seed=9, dont_know=0.4)
    assert a["observed_effect"].mean() == pytest.approx(0.2, abs=0.005)
    assert b["observed_effect"].mean() == pytest.approx(0.2, abs=0.005)


def test_columns_shape_and_reproducibility():
    one = simulate.simulate_trials(100, 20, 0.5, 1, 0.2, 0.0, seed=42)
    two = simulate.simulate_trials(100, 20, 0.5, 1, 0.2, 0.0, seed=42)
    assert len(one) == 100
    assert {"observed_effect", "bang_active", "bang_sham"} <= set(one.columns)
    assert one.equals(two)
    assert not one.equals(simulate.simulate_trials(100, 20, 0.5, 1, 0.2, 0.0, seed=43))


def test_with_no_noise_and_full_unblinding_the_effect_is_exact():
    sims = simulate.simulate_trials(10, 25, 0.7, 1.0, 1.0, 1.0, sd=0.0, seed=1)
    assert np.allclose(sims["observed_effect"], 1.7)
    assert (sims["bang_active"] == 1).all() and (sims["bang_sham"] == 1).all()


def test_guess_probabilities_sum_to_one_per_arm():
    p = simulate.guess_probabilities(0.3, -0.5, dont_know=0.2)
    assert p["active_guess_active"] + p["active_guess_sham"] + p["dont_know"] == pytest.approx(1)
    assert p["sham_guess_active"] + p["sham_guess_sham"] + p["dont_know"] == pytest.approx(1)


@pytest.mark.parametrize("kwargs, message", [
    ({"bang_active": 1.2}, "bang_active must lie in \\[-1, 1\\]"),
    ({"bang_sham": -1.01}, "bang_sham must lie in \\[-1, 1\\]"),
    ({"n_trials": 0}, "n_trials must be a whole number of at least 1"),
    ({"n_per_arm": 0}, "n_per_arm must be a whole number of at least 1"),
    ({"n_per_arm": 2.5}, "n_per_arm must be a whole number"),
    ({"sd": -1}, "sd must be zero or positive"),
    ({"true_effect": float("nan")}, "true_effect must be a finite number"),
    ({"dont_know": 1.0}, "dont_know must be a share"),
    ({"bang_active": 0.9, "dont_know": 0.3}, "impossible when 30% answer don't know"),
])
def test_bad_parameters_raise_clear_errors(kwargs, message):
    params = dict(n_trials=10, n_per_arm=10, true_effect=0.0, expectation_effect=1.0, bang_active=0.2,
                  bang_sham=0.0)
    params.update(kwargs)
    with pytest.raises(ValueError, match=message):
        simulate.simulate_trials(**params)


def test_no_python_loop_over_participants_or_trials():
    tree = ast.parse(inspect.getsource(simulate.simulate_trials))
    loops = [node for node in ast.walk(tree) if isinstance(node, (ast.For, ast.While, ast.comprehension))]
    assert not loops, "simulate_trials must stay vectorised"


def test_explorer_redraws_the_requested_scenario():
    from dry_needling.explorer import UnblindingExplorer

    explorer = UnblindingExplorer(n_trials=500)
    png = explorer.update(bang_active=0.26, bang_sham=0.01, expectation_effect=1.0)
    assert png.startswith(b"\x89PNG")
    assert explorer.state.expected_effect == simulate.expected_observed_effect(0.0, 1.0, 0.26, 0.01)
    assert "expected observed effect +0.135" in str(explorer.state)
    again = explorer.update(bang_active=0.26, bang_sham=0.01, expectation_effect=1.0)
    assert again == png, "same sliders, same picture"
    assert explorer.update(bang_active=0.9, bang_sham=0.01, expectation_effect=1.0) != png
    with pytest.raises(ValueError, match="bang_active"):
        explorer.update(bang_active=1.5)
    plt.close("all")


def test_explorer_widget_builds():
    from dry_needling.explorer import UnblindingExplorer

    box = UnblindingExplorer(n_trials=200).widget()
    sliders, image, label = box.children
    assert len(sliders.children) == 3
    sliders.children[0].value = 0.8  # moving a slider redraws the picture and the numbers
    assert "BI active 0.80" in label.value


def _vega_value(expression: str, values: dict[str, float]) -> float:
    """Evaluate a Vega expression made only of names, numbers, brackets and + - * / (the same grammar as
    Python's for these), without eval: what Vega computes from the spec's expression."""
    operators = {ast.Add: float.__add__, ast.Sub: float.__sub__, ast.Mult: float.__mul__, ast.Div: float.__truediv__}

    def value(node: ast.expr) -> float:
        if isinstance(node, ast.BinOp) and type(node.op) in operators:
            return operators[type(node.op)](value(node.left), value(node.right))
        if isinstance(node, ast.Name):
            return float(values[node.id])
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return float(node.value)
        raise AssertionError(f"unexpected in a Vega expression: {ast.dump(node)}")

    return value(ast.parse(expression, mode="eval").body)


def test_the_in_page_explorer_computes_the_closed_form():
    """report/explorer.py does not write the formula: its Vega expression is simulate.unblinding_bias run on the
    sliders' parameters (same names, same arithmetic)."""
    from dry_needling import explorer
    from dry_needling.report import explorer as page

    names = [s.name for s in explorer.sliders()]
    assert names == ["bang_active", "bang_sham", "expectation_effect"]
    expression = page.bias_expression()
    rng = np.random.default_rng(26)
    for active, sham, expectation in rng.uniform([-1, -1, 0], [1, 1, 2], size=(50, 3)):
        values = dict(zip(names, (active, sham, expectation), strict=True))
        assert _vega_value(expression, values) == simulate.expected_observed_effect(0.0, expectation, active, sham)
    spec = page.spec()
    params = {p["name"]: p for p in spec["params"]}
    assert params["bias"]["expr"] == expression
    calculated = [t.get("calculate") for layer in spec["layer"] for t in layer.get("transform", [])]
    assert expression.replace("expectation_effect", "datum.expectation") in calculated  # the line along the x axis


@pytest.mark.slow
def test_both_explorers_start_at_the_data(data_copy, tmp_path, monkeypatch):
    """Neither explorer types a starting value: both sliders start at the Bang indexes in data/, so a changed value
    in data/ moves them (and the page's text and starting bias)."""
    from dry_needling import explorer
    from dry_needling.report import explorer as page

    old = "freed2021_bi_active,back-pain trials,Mean Bang index in active arms,0.26,"
    replace_in(data_copy / "blinding_summaries.csv", old, old.replace("0.26", "0.31"))
    monkeypatch.setenv("DRY_NEEDLING_DATA", str(data_copy))
    monkeypatch.setenv("DRY_NEEDLING_BUILD", str(tmp_path / "build"))
    assert [s.value for s in explorer.sliders()] == [0.31, 0.01, 1.0]
    assert {p["name"]: p["value"] for p in page.spec()["params"] if "bind" in p} == dict(
        bang_active=0.31, bang_sham=0.01, expectation_effect=1.0)
    assert page.initial_bias() == simulate.expected_observed_effect(0.0, 1.0, 0.31, 0.01)
    assert "Starting values: BI active 0.31, BI sham 0.01, expectation 1.0, bias +0.160 points" in page.placeholder()
    start = explorer.UnblindingExplorer(n_trials=50)
    start.update()
    assert (start.state.bang_active, start.state.bang_sham, start.state.expectation_effect) == (0.31, 0.01, 1.0)
    plt.close("all")


# --- properties of the model that do not restate its formula --------------------------------------------------

def test_without_expectation_the_spread_is_that_of_two_means():
    """With no expectation effect, the observed effect is a difference of two means of n draws with SD sd:
    its standard deviation is sd * sqrt(2 / n) (Monte-Carlo error of the SD from 20,000 trials: about 0.5 %)."""
    sims = simulate.simulate_trials(20_000, 25, 0.3, 0.0, 0.5, 0.5, sd=2.0, seed=4)
    assert sims["observed_effect"].std(ddof=1) == pytest.approx(2.0 * np.sqrt(2 / 25), rel=0.02)
    assert sims["observed_effect"].mean() == pytest.approx(0.3, abs=4 * 2.0 * np.sqrt(2 / 25) / np.sqrt(20_000))


def test_the_columns_are_what_their_names_say():
    """A Bang index of 1 means everyone guessed their own arm (BI.Rd line 44): in the active arm everyone
    believes they had the real thing, in the sham arm nobody does. With no noise each arm's mean improvement
    is the expectation effect times the share believing "active" (plus the true effect in the active arm)."""
    sims = simulate.simulate_trials(50, 20, 0.4, 1.5, 1.0, 1.0, sd=0.0, seed=3)
    assert (sims["believe_active_active"] == 1).all() and (sims["believe_active_sham"] == 0).all()
    assert np.allclose(sims["mean_active"], 0.4 + 1.5) and np.allclose(sims["mean_sham"], 0.0)
    mixed = simulate.simulate_trials(200, 30, 0.0, 2.0, 0.2, -0.4, sd=0.0, seed=8)
    assert np.allclose(mixed["mean_active"], 2.0 * mixed["believe_active_active"])
    assert np.allclose(mixed["mean_sham"], 2.0 * mixed["believe_active_sham"])
    assert np.allclose(mixed["observed_effect"], mixed["mean_active"] - mixed["mean_sham"])
    # A sham arm guessing opposite (negative index) believes "active" more often than the active arm does not.
    assert mixed["believe_active_sham"].mean() > 1 - mixed["believe_active_active"].mean()


def test_by_default_the_effect_is_in_standard_deviations():
    """sd defaults to 1: effects are then in units of the between-participant standard deviation."""
    plain = simulate.simulate_trials(100, 10, 0.2, 1.0, 0.3, 0.0, seed=5)
    assert plain.equals(simulate.simulate_trials(100, 10, 0.2, 1.0, 0.3, 0.0, sd=1.0, seed=5))
    assert not plain.equals(simulate.simulate_trials(100, 10, 0.2, 1.0, 0.3, 0.0, sd=2.0, seed=5))


def test_the_benchmark_draws_are_the_simulations_draws():
    """draw_random_numbers gives exactly the normals simulate_trials uses, with the same defaults (the benchmark
    times the RNG floor with them): with no expectation effect the observed effect is their arm-mean difference."""
    uniforms, normals = simulate.draw_random_numbers(30, 12)
    assert uniforms.shape == normals.shape == (30, 2, 12) and normals.dtype == np.float64
    sims = simulate.simulate_trials(30, 12, 0.0, 0.0, 0.0, 0.0)
    assert np.allclose(sims["observed_effect"], normals[:, 0].mean(axis=1) - normals[:, 1].mean(axis=1))
    assert 0 <= uniforms.min() and uniforms.max() < 1


def test_an_arm_of_one_and_a_single_trial_are_allowed():
    one = simulate.simulate_trials(1, 1, 0.0, 1.0, 1.0, -1.0, sd=0.0, seed=0)
    assert len(one) == 1 and one["bang_active"].iloc[0] == 1 and one["bang_sham"].iloc[0] == -1
    assert one["observed_effect"].iloc[0] == 0.0  # both believe "active": the expectation effect cancels


def test_the_extreme_indexes_are_possible():
    """-1 and 1 are the ends of the Bang index's range (BI.Rd line 43); with don't-know answers the index can
    still reach the share that guessed (everyone who guessed, guessed right)."""
    p = simulate.guess_probabilities(1.0, -1.0)
    assert (p["active_guess_active"], p["sham_guess_active"]) == (1.0, 1.0)
    p = simulate.guess_probabilities(0.7, -0.7, dont_know=0.3)
    assert p["active_guess_active"] == pytest.approx(0.7) and p["active_guess_sham"] == pytest.approx(0.0)
    assert p["sham_guess_active"] == pytest.approx(0.7)


# --- expectation_effect_needed: the inverse of the closed form ------------------------------------------------

@pytest.mark.parametrize("observed, ba, bs, true", [(0.76, 0.20, 0.25, 0.0), (-0.5, 0.6, -0.11, 0.1),
                                                     (1.2, 0.47, -0.32, 0.3)])
def test_expectation_effect_needed_undoes_the_expected_effect(observed, ba, bs, true):
    needed = simulate.expectation_effect_needed(observed, ba, bs, true_effect=true)
    assert simulate.expected_observed_effect(true, needed, ba, bs) == pytest.approx(observed)
    # With the expectation effect that is needed, the simulated trials reproduce the observed effect on average.
    sims = simulate.simulate_trials(20_000, 40, true, needed, ba, bs, sd=1.0, seed=12)
    mc_se = sims["observed_effect"].std(ddof=1) / np.sqrt(len(sims))
    assert abs(sims["observed_effect"].mean() - observed) < 4 * mc_se


def test_expectation_effect_needed_assumes_no_true_effect_by_default():
    assert simulate.expectation_effect_needed(0.5, 0.3, 0.1) == simulate.expectation_effect_needed(
        0.5, 0.3, 0.1, true_effect=0.0)
    assert simulate.expectation_effect_needed(0.5, 0.3, 0.1) > simulate.expectation_effect_needed(
        0.5, 0.3, 0.1, true_effect=0.2)


def test_no_expectation_effect_explains_an_effect_when_guessing_is_balanced():
    with pytest.raises(ValueError, match=r"^bang_active \+ bang_sham is 0: with balanced guessing no expectation "
                                         r"effect biases the result, so no size of it can explain an observed "
                                         r"effect$"):
        simulate.expectation_effect_needed(0.5, 0.2, -0.2)


@pytest.mark.parametrize("args, message", [((0.5, 1.3, 0.1), "^bang_active must lie in"),
                                           ((0.5, 0.3, -1.3), "^bang_sham must lie in"),
                                           ((float("inf"), 0.3, 0.1), "^observed_effect must be a finite number"),
                                           ((0.5, 0.3, 0.1, "0"), "^true_effect must be a finite number")])
def test_expectation_effect_needed_refuses_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        simulate.expectation_effect_needed(*args)


# --- bad input names the argument ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["true_effect", "expectation_effect", "bang_active", "bang_sham", "sd",
                                  "dont_know"])
@pytest.mark.parametrize("bad", [True, "0.2", None, float("nan")], ids=["bool", "text", "none", "nan"])
def test_each_number_is_checked_and_named(name, bad):
    params = dict(n_trials=10, n_per_arm=10, true_effect=0.0, expectation_effect=1.0, bang_active=0.2,
                  bang_sham=0.0, sd=1.0, dont_know=0.0)
    params[name] = bad
    with pytest.raises(ValueError, match=rf"^{name} must be a finite number, got {re.escape(repr(bad))}$"):
        simulate.simulate_trials(**params)


@pytest.mark.parametrize("name", ["true_effect", "expectation_effect"])
def test_the_closed_form_checks_and_names_its_numbers(name):
    params = dict(true_effect=0.0, expectation_effect=1.0, bang_active=0.2, bang_sham=0.0)
    params[name] = "1"
    with pytest.raises(ValueError, match=rf"^{name} must be a finite number, got '1'$"):
        simulate.expected_observed_effect(**params)


@pytest.mark.parametrize("name", ["n_trials", "n_per_arm"])
def test_sizes_are_checked_and_named_in_both_entry_points(name):
    for call in (lambda **kw: simulate.draw_random_numbers(**kw),
                 lambda **kw: simulate.simulate_trials(true_effect=0, expectation_effect=1, bang_active=0.2,
                                                       bang_sham=0, **kw)):
        sizes = {"n_trials": 10, "n_per_arm": 10, name: 0}
        with pytest.raises(ValueError, match=rf"^{name} must be a whole number of at least 1, got 0$"):
            call(**sizes)


def test_seeds_none_and_zero_are_accepted_and_a_negative_one_named():
    assert len(simulate.simulate_trials(5, 5, 0.0, 1.0, 0.2, 0.0, seed=0)) == 5
    assert len(simulate.simulate_trials(5, 5, 0.0, 1.0, 0.2, 0.0, seed=None)) == 5
    with pytest.raises(ValueError, match=r"^seed must be None or a whole number of at least 0, got -1$"):
        simulate.simulate_trials(5, 5, 0.0, 1.0, 0.2, 0.0, seed=-1)
    generator = np.random.default_rng(9)
    assert simulate.simulate_trials(5, 5, 0.0, 1.0, 0.2, 0.0, seed=generator).equals(
        simulate.simulate_trials(5, 5, 0.0, 1.0, 0.2, 0.0, seed=9))


def test_the_size_limit_is_inclusive_and_the_message_gives_the_memory():
    """MAX_PARTICIPANTS participants are allowed, one more is not (checked before anything is drawn). The memory
    in the message follows NumPy's item sizes: two float64 draws and two boolean comparisons per participant."""
    per_participant = 2 * np.dtype(np.float64).itemsize + 2 * np.dtype(np.bool_).itemsize
    simulate._check_size(simulate.MAX_PARTICIPANTS // 2, 1)  # exactly the limit: no error
    with pytest.raises(ValueError) as info:
        simulate._check_size(simulate.MAX_PARTICIPANTS // 2 + 1, 1)
    limit_gib = simulate.MAX_PARTICIPANTS * per_participant / 2**30
    assert str(info.value) == (
        "n_trials x 2 arms x n_per_arm = 10,000,001 x 2 x 1 = 20,000,002 simulated participants would need about "
        f"{20_000_002 * per_participant // 2**30} GiB of memory; the limit is 20,000,000 (about {limit_gib:.2f} "
        "GiB): use fewer trials or smaller arms")
    with pytest.raises(ValueError, match=r"= 40,000,000,000 simulated participants would need about 670 GiB"):
        simulate._check_size(10**9, 20)  # 4e10 x 18 bytes = 670.5 GiB


# --- the scenarios come from the data --------------------------------------------------------------------------

def test_scenarios_read_the_data_folder_they_are_given(tmp_path):
    import shutil

    from dry_needling import paths

    folder = tmp_path / "data"
    shutil.copytree(paths.data_dir(), folder)
    for name, old, new in [
        ("blinding_summaries.csv", "freed2021_bi_active,back-pain trials,Mean Bang index in active arms,0.26,",
         "freed2021_bi_active,back-pain trials,Mean Bang index in active arms,0.31,"),
        ("blinding_trials.csv", ",8,10,,4,9,,0.60,0.10,1.10,-0.11,", ",8,10,,4,9,,0.61,0.10,1.10,-0.11,"),
    ]:
        text = (folder / name).read_text(encoding="utf-8")
        assert text.count(old) == 1, (name, old)
        (folder / name).write_text(text.replace(old, new), encoding="utf-8")
    devices = folder / "blinding_by_sham_type.csv"
    text = devices.read_text(encoding="utf-8")
    assert text.count(",0.47,-0.32,") == 1
    devices.write_text(text.replace(",0.47,-0.32,", ",0.45,-0.32,"), encoding="utf-8")
    changed = simulate.scenarios(folder)
    assert changed["back-pain trials, average"] == (0.31, 0.01, "Freed 2021: mean BI active 0.31, sham 0.01")
    assert changed["needle with a non-penetrating sham"][:2] == (0.61, -0.11)
    assert changed["commercial sham devices, average"][:2] == (0.45, -0.32)


def test_the_shipped_scenarios_and_where_they_come_from():
    """Notebook 03's four scenarios, each from its source (/work/shared/reference/literature.md, the project's
    fact dossier): Freed 2021's mean BI 0.26 active, 0.01 sham (lines 163-165); Itoh & Katsumi's non-penetrating
    comparison, 0.60 and -0.11 (braithwaite2018_table4.csv row 5); Moroz 2013 Table 2's commercial devices,
    0.47 and -0.32 (lines 118-119); and no unblinding at all."""
    shipped = simulate.scenarios()
    assert shipped == {
        "perfect blinding": (0.0, 0.0, "by construction: everyone guesses at random"),
        "back-pain trials, average": (0.26, 0.01, "Freed 2021: mean BI active 0.26, sham 0.01"),
        "needle with a non-penetrating sham": (0.60, -0.11, "Itoh & Katsumi 2005 (NP) in Braithwaite 2018"),
        "commercial sham devices, average": (0.47, -0.32, "Moroz 2013, Table 2"),
    }
    assert simulate.SCENARIOS == shipped
    with pytest.raises(AttributeError, match=r"^module 'dry_needling.simulate' has no attribute 'SCENARIO'$"):
        simulate.SCENARIO  # noqa: B018
    assert not hasattr(simulate, "scenarios_table")


# --- Mutation-testing follow-ups (issue 22 item 1): the two gap functions by what they invert, the size message's
# switch to powers of ten, and the tolerance at the don't-know limit.

@pytest.mark.parametrize("gap, first, second", [(5.0, (0.1, -0.3), (0.6, 0.2)), (-2.5, (0.7, 0.5), (0.0, -0.4)),
                                                (1.0, (0.9, 0.1), (0.2, 0.3))])
def test_expectation_effect_for_gap_opens_that_gap(gap, first, second):
    effect = simulate.expectation_effect_for_gap(gap, first, second)
    # two kinds of trial with the same true effect: their expected observed effects differ by the gap
    opened = (simulate.expected_observed_effect(1.5, effect, *second)
              - simulate.expected_observed_effect(1.5, effect, *first))
    assert opened == pytest.approx(gap)


def test_expectation_effect_for_gap_refuses_equal_means_and_bad_numbers():
    with pytest.raises(ValueError, match=r"^the two pairs of Bang indexes have the same mean: in this model no "
                                         r"expectation effect opens a gap between them$"):
        simulate.expectation_effect_for_gap(3.0, (0.2, 0.4), (0.4, 0.2))
    with pytest.raises(ValueError, match=r"^gap must be a finite number, got nan$"):
        simulate.expectation_effect_for_gap(float("nan"), (0.2, 0.4), (0.5, 0.2))
    with pytest.raises(ValueError, match=r"^bang_active must lie in \[-1, 1\]"):
        simulate.expectation_effect_for_gap(1.0, (1.2, 0.4), (0.5, 0.2))


@pytest.mark.parametrize("gap, effect", [(5.0, 10.0), (-3.0, 12.0), (0.4, 1.0), (2.0, -8.0)])
def test_bang_difference_needed_is_the_difference_that_opens_the_gap(gap, effect):
    d = simulate.bang_difference_needed(gap, effect)
    first = (0.1, -0.1)  # mean index 0
    second = (d, d)  # mean index d
    opened = (simulate.expected_observed_effect(0.0, effect, *second)
              - simulate.expected_observed_effect(0.0, effect, *first))
    assert opened == pytest.approx(gap)


def test_bang_difference_needed_refuses_no_effect_and_bad_numbers():
    with pytest.raises(ValueError, match=r"^expectation_effect is 0: no difference in blinding opens a gap$"):
        simulate.bang_difference_needed(1.0, 0)
    with pytest.raises(ValueError, match=r"^expectation_effect must be a finite number, got 'big'$"):
        simulate.bang_difference_needed(1.0, "big")
    with pytest.raises(ValueError, match=r"^gap must be a finite number, got inf$"):
        simulate.bang_difference_needed(float("inf"), 2.0)


def test_the_size_message_writes_numbers_out_up_to_128_bits():
    with pytest.raises(ValueError, match=r"= 170,141,183,460,469,231,731,687,303,715,884,105,728 x 2 x 1 ="):
        simulate._check_size(2**127, 1)  # 128 bits: written out
    with pytest.raises(ValueError, match=r"= ~10\^38 x 2 x 1 ="):
        simulate._check_size(2**128, 1)  # 129 bits: a power of ten


def test_an_index_at_the_dont_know_limit_within_rounding_is_accepted():
    # a stored index may sit a rounding error (1e-12) past |index| <= 1 - don't know; further is impossible
    assert simulate.guess_probabilities(0.5 + 1e-12, 0.0, dont_know=0.5)["active_guess_sham"] == pytest.approx(0)
    with pytest.raises(ValueError, match="impossible when 50% answer don't know"):
        simulate.guess_probabilities(0.5 + 1e-9, 0.0, dont_know=0.5)


def test_the_explorer_keys_follow_the_bias_formula_code_and_the_versions(tmp_path, monkeypatch):
    """A rebuild reuses the explorer's chart and the explorer page while their keys match. The keys hold the
    code the bias formula comes from (simulate.py, as bytes), the sliders and the versions of the libraries that
    write the formula and compute its starting value, so a change to any of them makes both again."""
    from dry_needling.report import explorer as page

    shown = page.sliders()
    keys = (page.key(shown), page.placeholder_key(shown))
    copy = tmp_path / "simulate.py"
    copy.write_bytes(page._BIAS_CODE.read_bytes())
    monkeypatch.setattr(page, "_BIAS_CODE", copy)
    assert (page.key(shown), page.placeholder_key(shown)) == keys   # the same bytes elsewhere: the same keys
    copy.write_bytes(copy.read_bytes().replace(b"def unblinding_bias", b"def  unblinding_bias"))
    changed = (page.key(shown), page.placeholder_key(shown))
    assert changed[0] != keys[0] and changed[1] != keys[1]
    monkeypatch.undo()
    moved = (replace(shown[0], value=shown[0].value + 0.01), *shown[1:])
    assert page.placeholder_key(moved) != keys[1] and page.key(moved) != keys[0]
    monkeypatch.setattr(page, "version", lambda name: "99.0" if name == "altair" else "1.0")
    assert page.placeholder_key(shown) != keys[1] and page.key(shown) != keys[0]
