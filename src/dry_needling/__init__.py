"""Dry needling for back pain: the package behind the evidence notebooks.

Modules:
    paths    -- where data/, figures/ and notebooks/ are, found from the package itself
    data     -- load and validate the data package (clear, located errors)
    charts   -- house style and deterministic figure saving with a figure index
    report   -- execute the notebooks and render the HTML report
"""

__version__ = "0.1.0"
