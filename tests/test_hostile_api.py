"""Bad API calls (issue 12): save_figure names and text, simulation size and seed, huge counts.

Each must raise a ValueError that names the argument, before writing or allocating anything.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from dry_needling import blinding, charts, simulate  # noqa: E402

ALT = "Bars of 10, 20 and 30 percent; the third is three times the first."


@pytest.fixture(autouse=True)
def _close_figures(close_figures):
    """Every test here closes its figures (tests/conftest.py)."""


def _figure():
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.bar(["a", "b"], [1, 2])
    ax.set_title("Two bars")
    return fig


# --- 5. and 8. save_figure ------------------------------------------------------------------------

def test_a_figure_named_index_cannot_overwrite_the_index(fig_dir):
    charts.save_figure(_figure(), "kept", alt=ALT, source="S")
    before = (fig_dir / "index.csv").read_bytes()
    with pytest.raises(ValueError, match=r"^name: .*'index' is reserved"):
        charts.save_figure(_figure(), "index", alt=ALT, source="S")
    assert (fig_dir / "index.csv").read_bytes() == before
    assert not (fig_dir / "index.png").exists()
    charts.save_figure(_figure(), "later", alt=ALT, source="S")  # later saves still work
    assert list(charts.read_index(fig_dir)["name"]) == ["kept", "later"]


def test_a_damaged_index_does_not_break_later_saves(fig_dir):
    (fig_dir / "index.csv").write_text("panel,kind,x,y\np,bar,1,2\n", encoding="utf-8")
    charts.save_figure(_figure(), "after", alt=ALT, source="S")
    assert list(charts.read_index(fig_dir)["name"]) == ["after"]


@pytest.mark.parametrize("name", ["abc\n", "abc\r", "\nabc", "a" * 101, "a" * 300, "a/b", "../x", ".hidden", "",
                                  "ABC", "a b", 7, None])
def test_bad_figure_names_are_refused(fig_dir, name):
    with pytest.raises(ValueError, match=r"^name: "):
        charts.save_figure(_figure(), name, alt=ALT, source="S")
    assert not list(fig_dir.iterdir()), "nothing is written"


@pytest.mark.parametrize("argument", ["alt", "source", "title"])
@pytest.mark.parametrize("bad", ["\x00", "\x1b[31m", "\x07", "\u2028", "\t", "\n", "\r", "\u202e", "\u2066", "\x85"])
def test_control_characters_in_stored_text_are_refused(fig_dir, argument, bad):
    kwargs = {"alt": ALT, "source": "Source", "title": "A title"}
    kwargs[argument] = kwargs[argument] + bad + " more words"
    with pytest.raises(ValueError, match=rf"^{argument}: figure 'demo': control character .* at position "
                                         rf"{len(kwargs[argument]) - len(bad + ' more words')} "):
        charts.save_figure(_figure(), "demo", **kwargs)
    assert not list(fig_dir.iterdir())


def test_a_line_break_in_the_figure_s_own_title_is_stored_as_a_space(fig_dir):
    fig = _figure()
    fig.axes[0].set_title("First line;\n  second line")
    entry = charts.save_figure(fig, "demo", alt=ALT, source="S")
    assert entry["title"] == "First line; second line"
    assert (fig_dir / "index.csv").read_text().count("\n") == 2


@pytest.mark.parametrize("argument", ["alt", "source", "title"])
@pytest.mark.parametrize("formula", ["=HYPERLINK(\"https://evil.example\",\"x\") and more words here",
                                     "+SUM(A1:A3) and more words to be long enough",
                                     "@SUM(1+1)*cmd|' /C calc'!A0 and more words", "-A1*2 and more words, long enough",
                                     " =1+1 then enough words for alt text"])
def test_text_that_starts_a_spreadsheet_formula_is_refused(fig_dir, argument, formula):
    kwargs = {"alt": ALT, "source": "Source", "title": "A title", argument: formula}
    with pytest.raises(ValueError, match=rf"^{argument}: figure 'demo': .* starts like a spreadsheet formula"):
        charts.save_figure(_figure(), "demo", **kwargs)
    assert not list(fig_dir.iterdir())


@pytest.mark.parametrize("text", ["-5 % of people (95 % CI -8 to -2) felt it, which is enough words",
                                  "+1 day later, and a long enough alt text", "@ 5 pm each day, with enough words"])
def test_negative_numbers_and_prose_are_not_formulas(fig_dir, text):
    entry = charts.save_figure(_figure(), "demo", alt=text, source=text, title=text)
    assert entry["alt"] == entry["source"] == entry["title"] == text


# --- 9. simulation size, seed, huge counts --------------------------------------------------------

@pytest.mark.parametrize(("n_trials", "n_per_arm", "size"), [(10**9, 20, "40,000,000,000"),
                                                            (20, 10**12, "40,000,000,000,000"),
                                                            (10**5000, 1, "~10^5000")],
                         ids=["many-trials", "huge-arms", "5000-digits"])
def test_a_simulation_too_large_is_refused_before_allocating(n_trials, n_per_arm, size):
    with pytest.raises(ValueError, match="GiB") as info:
        simulate.simulate_trials(n_trials, n_per_arm, 0.0, 1.0, 0.2, 0.0)
    assert size in str(info.value) and f"{simulate.MAX_PARTICIPANTS:,}" in str(info.value)
    with pytest.raises(ValueError, match="GiB"):
        simulate.draw_random_numbers(n_trials, n_per_arm)


def test_the_largest_allowed_simulation_size_is_stated():
    assert simulate.MAX_PARTICIPANTS >= 10_000 * 2 * 100  # the benchmark's size fits


@pytest.mark.parametrize("seed", ["abc", 2.5, -1, True, [1, 2]])
def test_a_bad_seed_names_the_argument(seed):
    with pytest.raises(ValueError, match=r"^seed must be"):
        simulate.simulate_trials(10, 10, 0.0, 1.0, 0.2, 0.0, seed=seed)
    with pytest.raises(ValueError, match=r"^seed must be"):
        simulate.draw_random_numbers(10, 10, seed=seed)


def test_good_seeds_still_work():
    import numpy as np

    a = simulate.simulate_trials(10, 10, 0.0, 1.0, 0.2, 0.0, seed=3)
    b = simulate.simulate_trials(10, 10, 0.0, 1.0, 0.2, 0.0, seed=np.random.default_rng(3))
    assert a.equals(b)
    assert len(simulate.simulate_trials(10, 10, 0.0, 1.0, 0.2, 0.0, seed=None)) == 10


@pytest.mark.parametrize("value", [10**400, 10**5000, 1e300, 10**16], ids=["400-digits", "5000-digits", "1e300",
                                                                          "1e16"])
def test_huge_counts_are_a_value_error_naming_the_argument(value):
    with pytest.raises(ValueError, match=r"^n_correct must be"):
        blinding.bang_index(value, 1)
    with pytest.raises(ValueError, match=r"^n_incorrect must be"):
        blinding.bang_index(1, value)
    with pytest.raises(ValueError, match="guessed active, active arm"):
        blinding.james_index([[value, 1], [1, 1], [0, 0]])
