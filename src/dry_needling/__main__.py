"""Command line: ``python -m dry_needling validate [DATA_DIR]`` and ``python -m dry_needling report``,
``python -m dry_needling classroom``."""

from __future__ import annotations

import _imp
import os
import signal
import sys
import threading

# Ctrl-C and `kill` are handled from the first line on, before any heavy import: the first signal unwinds the
# command (which cleans up), every later one is only noted, and the run ends with one line and exit 130.
_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_STOPPING: list[int] = []
_RUNNING: list[bool] = []

#: The one line each command prints when it is interrupted (report: the same line as report.INTERRUPTED).
INTERRUPTED = {"report": "Interrupted; the previous report in build/report is unchanged.",
               "validate": "Interrupted; nothing was written.",
               "classroom": "Interrupted; the previous editions in build/classroom are unchanged."}


def _command(args: list[str]) -> str:
    return next((a for a in args if a in INTERRUPTED), "validate")


def _stop(signum, frame):
    if _STOPPING:
        return  # clean-up is under way: a second Ctrl-C or kill changes nothing
    _STOPPING.append(signum)
    if not _RUNNING:  # still starting up: nothing to clean up yet
        os.write(2, (INTERRUPTED[_command(sys.argv[1:])] + "\n").encode())
        os._exit(130)
    if _imp.lock_held():  # raising now could leave the import lock taken (see report._interrupt_later): ask again
        _STOPPING.clear()
        threading.Timer(0.02, os.kill, (os.getpid(), signum)).start()
        return
    raise KeyboardInterrupt


def _noted(signum, frame):
    _STOPPING.append(signum)


if __name__ == "__main__":
    for _signal_number in _SIGNALS:
        signal.signal(_signal_number, _stop)

import argparse  # noqa: E402


def _validate(args: argparse.Namespace) -> int:
    from .data import count, validate

    problems = validate(args.data_dir)
    for problem in problems:
        print(problem)
    if any(p.internal for p in problems):
        print("Internal error: the validator failed (see the line above; please report it). The data package was "
              "not fully checked.", file=sys.stderr)
        return 2
    if problems:
        cut = " (the list of at least one file was cut; see above)" if any(p.hidden for p in problems) else ""
        print(f"{count(problems)} problem(s) found{cut}; the data package is NOT valid.", file=sys.stderr)
        return 1
    print("The data package is valid.")
    if args.stale or args.as_of:
        return _stale(args)
    return 0


def _stale(args: argparse.Namespace) -> int:
    """List rows past their review_by date: a warning, never an error (exit 0)."""
    import datetime as dt

    from .staleness import overdue

    try:
        day = dt.date.fromisoformat(args.as_of) if args.as_of else dt.date.today()
    except ValueError:
        print(f"--as-of: found {args.as_of!r}; expected a date written YYYY-MM-DD", file=sys.stderr)
        return 2
    rows = overdue(day, args.data_dir)
    if not rows:
        print(f"No row is past its review date as of {day:%Y-%m-%d}.")
        return 0
    print(f"Warning: {len(rows)} row(s) are past their review date as of {day:%Y-%m-%d}; check them against "
          "their sources and update review_by:")
    for row in rows:
        print(f"  {row}")
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
    validate.add_argument("--stale", action="store_true",
                          help="also list time-sensitive rows past their review_by date (a warning, exit 0)")
    validate.add_argument("--as-of", metavar="DATE", default=None,
                          help="the day to check review dates against (YYYY-MM-DD; implies --stale; default today)")
    validate.set_defaults(func=_validate)
    report = commands.add_parser("report", help="execute the notebooks and render the HTML report")
    report.add_argument("--no-execute", action="store_true", help="render the stored outputs without executing")
    report.add_argument("--force", action="store_true", help="execute every notebook even if its inputs are unchanged")
    report.add_argument("--no-pdf", action="store_true", help="do not print the PDFs (the HTML pages only)")
    report.set_defaults(func=_report)
    classroom = commands.add_parser("classroom", help="write the student and teacher editions to build/classroom/")
    classroom.add_argument("--out", default=None, help="output folder (default: build/classroom)")
    classroom.set_defaults(func=_classroom)
    args = parser.parse_args(argv)
    return args.func(args)


def run(argv: list[str] | None = None) -> int:
    """``main`` as a program: an interrupt at any moment (during imports too) ends in its command's one line and
    exit status 130, and signals after that are ignored while the process ends."""
    command = _command(sys.argv[1:] if argv is None else argv)
    try:
        _RUNNING.append(True)
        code = main(argv)
    except KeyboardInterrupt:
        print(INTERRUPTED[command], file=sys.stderr)
        code = 130
    for number in _SIGNALS:
        signal.signal(number, _noted)
    if code == 130:  # leave at once: no interpreter teardown racing kernel or ZeroMQ threads
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    return code


if __name__ == "__main__":
    sys.exit(run())
