"""Dry needling for back pain: the package behind the evidence notebooks.

Modules (docs/maintenance.md, "Map of the package", says more about each):
    paths           -- where data/, figures/, notebooks/ and build/ are; the one reader of the environment overrides
    files           -- one atomic write
    notebooks       -- the one place notebooks are listed, read, written and normalised; the figure names they save
    data            -- load and validate the data package (clear, located errors); a package of its stages
    palette         -- the colours (colour-blind-safe palette, named greys); no imports, so no matplotlib
    charts          -- house style, the chart helpers, deterministic figure saving with a figure index
    blinding        -- the Bang and James blinding indexes, with standard errors and intervals
    trial_blinding  -- the blinding indexes of the repository's trials (recompute_bang, james_table)
    simulate        -- sham-controlled trials with unblinding and expectation bias; the scenarios from data/
    explorer        -- notebook 03's slider chart (the unblinding explorer in JupyterLab)
    meta            -- effect sizes (MD, Hedges' g) and pooling (FE, DL, REML) with heterogeneity
    reanalysis      -- notebook 06: the trials pooled again and checked against the published print
    burden          -- notebook 01's comparisons of the article's burden figures with published surveys
    regulation      -- notebook 02: the article's prohibiting states against the newest dated sources
    evidence        -- notebook 05: pooled effects on a felt scale, which comparisons support the article, GRADE wording
    claims          -- the claims ledger and its review dates
    staleness       -- rows whose review_by date has passed (stale data)
    prose           -- numbers in notebook prose and alt text must be bound to the data
    readability     -- the reading grade (Flesch-Kincaid) of plain-language text
    classroom       -- answer checks and the student and teacher editions
    report          -- execute the notebooks and build the offline HTML report (a package)
    __main__        -- ``python -m dry_needling validate|report|classroom|...``
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("dry-needling-evidence")  # the one place it is written is pyproject.toml
except PackageNotFoundError:  # pragma: no cover - the package is always installed (editable) by make
    __version__ = "0+unknown"
