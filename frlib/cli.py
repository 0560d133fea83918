"""The course's command line: ``python -m frlib <command>``.

``python -m frlib table --dataset synthetic --methods LR --seeds 5 --json out.json [--quick]``
trains each method on clean and on poisoned training labels (the paper's attack) over the
seeds, prints the table and optionally writes its rows as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Sequence

from . import experiments
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
        help="comma-separated method names, or 'all' (known: %s)" % ", ".join(experiments.METHODS),
    )
    table.add_argument("--seeds", type=int, default=5, help="number of seeds (0 .. N-1), default 5")
    table.add_argument("--json", type=Path, default=None, help="also write the rows to this JSON file")
    table.add_argument("--quick", action="store_true", help="use the quick setting (as FRLIB_QUICK=1)")
    table.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def _table(args: argparse.Namespace) -> int:
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "table":
            return _table(args)
    except (ValueError, TypeError) as error:
        parser.error(str(error))
    return 2


if __name__ == "__main__":
    sys.exit(main())
