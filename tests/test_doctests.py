"""The public statistics are documented like a library: their examples run, and print what they say."""

from __future__ import annotations

import doctest
import inspect

import pytest

from dry_needling import blinding, meta, simulate


@pytest.mark.parametrize("module", [blinding, meta, simulate], ids=lambda m: m.__name__)
def test_examples_in_docstrings_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    written = inspect.getsource(module).count("    >>> ")
    assert written >= 3, "the public functions carry examples"
    assert result.attempted == written, "every example written in a docstring runs (none is silently skipped)"
    assert result.failed == 0


def test_wilson_interval_matches_r_binom():
    """R: binom::binom.confint(18, 20, methods = "wilson") and (4, 20), as recorded in statsmodels'
    statsmodels/stats/tests/results/results_proportion.py (res_binom, last column)."""
    assert blinding.wilson_interval(18, 20) == pytest.approx((0.6989663547715128, 0.972133518786232), abs=1e-12)
    assert blinding.wilson_interval(4, 20) == pytest.approx((0.0806576625797981, 0.4160174322518935), abs=1e-12)
