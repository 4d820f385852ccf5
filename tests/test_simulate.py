"""The unblinding simulation: converges to its closed form, honours its inputs, rejects bad ones."""

from __future__ import annotations

import ast
import inspect

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
    assert closed == pytest.approx(true + expect * (ba + bs) / 2)


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
    assert explorer.state.expected_effect == pytest.approx(0.135)
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
