"""The course's command line: ``python -m frlib <command>``.

``python -m frlib table --dataset synthetic --methods LR --seeds 5 --json out.json [--quick]``
trains each method on clean and on poisoned training labels (the paper's attack) over the
seeds, prints the table and optionally writes its rows as JSON.

``python -m frlib exercises build [--check] [--solutions DIR] [--exercises DIR]`` writes the
student copies ``exercises/`` from ``solutions/`` as nbgrader would (see :mod:`frlib.course.exercises`);
with ``--check`` it writes nothing and exits 1 when ``exercises/`` is out of date.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Sequence

import torch

from . import experiments, methods
from .config import quick_mode


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m frlib", description="The course's command line.")
    commands = parser.add_subparsers(dest="command", required=True)

    table = commands.add_parser(
        "table",
        help="train methods on clean and poisoned labels over seeds and print the table",
        description="Train each method on clean and on poisoned training labels (the paper's "
        "targeted attack, 10%% of the labels) over several seeds; report test accuracy and "
        "disparate impact as mean +- std.",
    )
    table.add_argument("--dataset", default="synthetic", choices=sorted(experiments.DATASETS))
    table.add_argument(
        "--methods",
        default="LR",
        help="comma-separated method names, or 'all' (known: %s)" % ", ".join(methods.METHODS),
    )
    table.add_argument("--seeds", type=int, default=5, help="number of seeds (0 .. N-1), default 5")
    table.add_argument("--json", type=Path, default=None, help="also write the rows to this JSON file")
    table.add_argument("--quick", action="store_true", help="use the quick setting (as FRLIB_QUICK=1)")
    table.add_argument("--no-progress", action="store_true", help="hide the progress bar")

    root = _repository_root()
    exercise_commands = commands.add_parser(
        "exercises",
        help="write the student copies exercises/ from solutions/",
        description="The graded exercises: solutions/ is the single source, exercises/ is "
        "generated from it.",
    ).add_subparsers(dest="exercises_command", required=True)
    build = exercise_commands.add_parser(
        "build",
        help="write exercises/ from solutions/ as nbgrader generate_assignment would",
        description="Write exercises/<name>.ipynb for every solutions/<name>.ipynb the way "
        "nbgrader generate_assignment would with the course's nbgrader_config.py (answers "
        "replaced by '# YOUR CODE HERE' / '...' or 'YOUR ANSWER HERE', hidden tests removed, "
        "outputs cleared), and remove exercise notebooks that have no solution.",
    )
    build.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and list the files when exercises/ is out of date",
    )
    build.add_argument("--solutions", type=Path, default=root / "solutions", help="default: %(default)s")
    build.add_argument("--exercises", type=Path, default=root / "exercises", help="default: %(default)s")
    return parser


def _repository_root() -> Path:
    """The course folder: the parent of frlib/ when it holds solutions/ (editable install), else ."""
    parent = Path(__file__).resolve().parent.parent
    return parent if (parent / "solutions").is_dir() else Path(".")


def _table(args: argparse.Namespace) -> int:
    # Every method trains small full-batch models one at a time: a second thread only adds
    # synchronisation, and on a busy machine it makes fits several times slower.
    torch.set_num_threads(1)
    with quick_mode(True) if args.quick else contextlib.nullcontext():
        rows = experiments.run_table(
            args.dataset, args.methods, args.seeds, progress=not args.no_progress
        )
    print(experiments.format_table(rows))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
        print(f"wrote {len(rows)} rows to {args.json}")
    return 0


def _exercises_build(args: argparse.Namespace) -> int:
    # Imported here, not at start-up: the builder needs nbformat, which only the course's and the
    # tests' environments install; ``python -m frlib table`` must run without it.
    try:
        from .course import exercises
    except ModuleNotFoundError as error:
        print(f"error: 'exercises build' needs {error.name}, which frlib's test dependencies "
              f"install (pip install {error.name})", file=sys.stderr)
        return 2

    try:
        report = exercises.build(args.solutions, args.exercises, check=args.check)
    except exercises.ExerciseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.check:
        if report.ok:
            print(f"{args.exercises}: up to date with {args.solutions} ({len(report.up_to_date)} notebooks)")
            return 0
        print(f"{args.exercises} is out of date with {args.solutions}:", file=sys.stderr)
        for line in report.problems():
            print("  " + line, file=sys.stderr)
        default = _repository_root()
        if (args.solutions, args.exercises) == (default / "solutions", default / "exercises"):
            fix = exercises.FIX_COMMAND
        else:
            fix = f"python -m frlib exercises build --solutions {args.solutions} --exercises {args.exercises}"
        print(f"Regenerate it with: {fix}", file=sys.stderr)
        return 1
    for name in report.written:
        print(f"wrote   {args.exercises / name}")
    for name in report.extra:
        print(f"removed {args.exercises / name} (no {args.solutions / name})")
    print(
        f"{args.exercises}: {len(report.written)} written, {len(report.up_to_date)} already up to "
        f"date, {len(report.extra)} removed"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "table":
            return _table(args)
        if args.command == "exercises" and args.exercises_command == "build":
            return _exercises_build(args)
    except (ValueError, TypeError) as error:
        parser.error(str(error))
    return 2


if __name__ == "__main__":
    sys.exit(main())
