"""The printed handouts: collection.pdf (everything) and handout.pdf (no code), printed by headless Chromium."""

from __future__ import annotations

import os
import re

import pytest

from dry_needling import report


@pytest.mark.slow
def test_both_pdfs_print_with_page_numbers_and_the_title(tmp_path):
    if report.chromium_path() is None:
        message = "Chromium is not installed: apt-get install chromium (the PDF test needs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    out = tmp_path / "report"
    report.build(execute_notebooks=False, out_dir=out, pdf=True, log=lambda *_: None)
    pages = {}
    for name in report.PDFS:
        data = (out / name).read_bytes()
        assert data.startswith(b"%PDF")
        pages[name] = len(re.findall(rb"/Type\s*/Page\b", data))
        assert b"/Title" in data
    assert 20 < pages["handout.pdf"] < pages["collection.pdf"], pages  # no code cells in the handout
    assert not list(out.glob(".print-*.html"))
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="handout.pdf"' in index and 'href="collection.pdf"' in index
