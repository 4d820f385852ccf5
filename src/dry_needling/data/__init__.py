"""Load and validate the data package in ``data/``.

``data/datapackage.json`` (a Frictionless Data Package) is the machine-readable truth: field
types, required fields, constraints, primary and foreign keys. Validation runs in three stages,
so that one broken thing gives one clear message rather than a cascade or a traceback:

0. The descriptor itself: a JSON object with a non-empty ``resources`` list, each resource with a
   name, a ``path`` and an inline ``schema`` whose fields, keys and rules make sense, every foreign
   key naming a resource that exists; then frictionless's Data Package profile. Every resource
   path is resolved and refused, before anything is opened, if it is absolute, a URL, or leads
   outside the data folder (``..`` or a symbolic link). Problems read ``datapackage.json:
   resources[3]: ...``.
1. File checks done here: the file exists, is readable, is not empty, is UTF-8 text with LF or
   CRLF line endings, parses as CSV (no unclosed quote, no giant cell), its header has exactly the
   columns the schema lists, and every row has one cell per column (a malformed row is one
   problem, not one per missing cell).
2. Row checks on the parsed rows: frictionless reads every cell (its own cell reader per field: types, formats,
   constraints, missing values and its parsing options), each distinct cell of a column once, and the checks
   across rows frictionless makes (unique values, primary and foreign keys, blank rows) are done on the values it
   read (``tests/test_validation_equivalence.py`` checks that the problems are those of frictionless's own
   ``Package.validate``); plus checks frictionless does not make (a required cell holding only spaces, NaN or
   infinite numbers, integers too large to load, numbers and dates written with other digits than 0-9, text that
   starts a spreadsheet formula, and every ``pattern``, matched by RE2 so that no pattern can hang validation)
   and the package's cross-field rules (``x-rules`` in a schema, e.g. "when unit is percent, value
   lies in 0-100"), which the Table Schema spec cannot express.

Every problem becomes a :class:`Problem` naming the file, the physical line of the CSV file as a
text editor shows it (the header is line 1), the column, the bad value (a short, escaped excerpt)
and what was expected. At most 1,000 problems are listed per file; a last line says how many more
there are. :func:`load` raises :class:`DataValidationError` carrying all of them and writes
nothing. Only after a folder validates is its content hash remembered
(``build/cache/validated.json``), so unchanged data is not validated again by every notebook; the hash covers
the validator's modules and the versions of Python, frictionless and jsonschema too.

The modules, in the order a file meets them: ``problems`` (:class:`Problem`, the error, how files
and expected values are named), ``descriptor`` (stage 0), ``csvfile`` (stage 1), ``rows`` (stage 2: frictionless's
cell readers, column by column, and the checks across rows), ``own_checks`` (stage 2, what frictionless does not
check: patterns matched by RE2 in linear time, digits other than 0-9, spreadsheet formulas (``spreadsheet``), and
``x-rules``), ``validation`` (the stages in order) and ``loading`` (typed DataFrames and the memory of validated
folders).
"""

from __future__ import annotations

from .loading import load, load_all, resource_names
from .problems import MAX_PROBLEMS_PER_FILE, PACKAGE_FILE, DataValidationError, Problem, count
from .validation import validate

__all__ = [
    "DataValidationError",
    "Problem",
    "MAX_PROBLEMS_PER_FILE",
    "PACKAGE_FILE",
    "validate",
    "count",
    "load",
    "load_all",
    "resource_names",
]
