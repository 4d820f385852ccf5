"""Command line: ``python -m dry_needling validate [DATA_DIR]`` and ``python -m dry_needling report``,
``python -m dry_needling classroom``."""

from __future__ import annotations

import argparse
import sys


def _validate(args: argparse.Namespace) -> int:
    from .data import count, validate

    problems = validate(args.data_dir)
    for problem in problems:
        print(problem)
    if problems:
        cut = " (the list of at least one file was cut; see above)" if any(p.hidden for p in problems) else ""
        print(f"{count(problems)} problem(s) found{cut}; the data package is NOT valid.", file=sys.stderr)
        return 1
    print("The data package is valid.")
    return 0


def _report(args: argparse.Namespace) -> int:
    from .report import main as report_main

    return report_main(args)


def _classroom(args: argparse.Namespace) -> int:
    from .classroom import main as classroom_main

    return classroom_main(args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dry_needling", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="validate the data package; exit 1 on any problem")
    validate.add_argument("data_dir", nargs="?", default=None, help="folder with datapackage.json (default: data/)")
    validate.set_defaults(func=_validate)
    report = commands.add_parser("report", help="execute the notebooks and render the HTML report")
    report.add_argument("--no-execute", action="store_true", help="render the stored outputs without executing")
    report.add_argument("--force", action="store_true", help="execute every notebook even if its inputs are unchanged")
    report.set_defaults(func=_report)
    classroom = commands.add_parser("classroom", help="write the student and teacher editions to build/classroom/")
    classroom.add_argument("--out", default=None, help="output folder (default: build/classroom)")
    classroom.set_defaults(func=_classroom)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
