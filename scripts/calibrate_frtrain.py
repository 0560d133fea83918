"""Calibrate FR-Train's lambda_f for the synthetic table on data seeds the table never uses.

Usage (inside the course environment, about 4 minutes on one core):

    .venv/bin/python scripts/calibrate_frtrain.py [--seeds 100-109] [--inits 0,1]

The paper's table reports FR-Train at the end of the authors' lambda_f sweeps (0.52 on poisoned
data with lambda_r = 0.4, 0.85 on clean data with lambda_r = 0.1; PAPER_FACTS section 5). Our
implementation is a little fairer than theirs at the same lambda_f, so its table point sits at
a slightly smaller lambda_f. This script trains, for each column, a grid of lambda_f values from
the authors' sweep range on calibration data seeds (100-109 by default; the table uses 0-4) with
two initialisations each, in one batched computation per column, and prints the mean test
accuracy and DI per lambda_f and the lambda_f whose mean DI is closest to the paper's DI for that
column. :data:`frlib.frtrain_grid.TABLE_LAMBDAS` holds the values it chose.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from frlib import data, frtrain_grid, paper, poison

CANDIDATES = {"poisoned": (0.36, 0.40, 0.44, 0.48, 0.52), "clean": (0.65, 0.70, 0.75, 0.80, 0.85)}


def _seed_range(text: str) -> list[int]:
    first, _, last = text.partition("-")
    return list(range(int(first), int(last or first) + 1))


def calibrate(column: str, seeds: list[int], inits: list[int]) -> tuple[float, list[dict]]:
    """(chosen lambda_f, one row per candidate) for one column of the table."""
    splits = [data.split_dataset(data.make_synthetic(seed=s)) for s in seeds]
    if column == "poisoned":
        splits = [poison.poison_split(split)[0] for split in splits]
    lambda_r = frtrain_grid.PAPER_LAMBDAS[column][1]
    runs = frtrain_grid.grid(CANDIDATES[column], lambda_r, inits)
    result = frtrain_grid.train_frtrain_grid([s.train for s in splits], [s.val for s in splits], runs,
                                             frtrain_grid.PAPER_SETTINGS[column])
    scores = result.evaluate([s.test for s in splits])
    _, paper_di = paper.paper_row("FR-Train", column)
    rows = []
    for lambda_f, group in scores.groupby("lambda_f"):
        rows.append({"lambda_f": lambda_f, "accuracy": group["accuracy"].mean(), "DI": group["DI"].mean(),
                     "DI_gap": abs(group["DI"].mean() - paper_di)})
    chosen = min(rows, key=lambda row: row["DI_gap"])["lambda_f"]
    return chosen, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="100-109", help="calibration data seeds, e.g. 100-109")
    parser.add_argument("--inits", default="0,1", help="initialisation seeds of every run")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: more are slower on these small tensors)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    seeds, inits = _seed_range(args.seeds), [int(v) for v in args.inits.split(",")]
    for column in ("poisoned", "clean"):
        start = time.perf_counter()
        chosen, rows = calibrate(column, seeds, inits)
        paper_acc, paper_di = paper.paper_row("FR-Train", column)
        print(f"{column}: data seeds {seeds[0]}-{seeds[-1]}, inits {inits}, lambda_r = {frtrain_grid.PAPER_LAMBDAS[column][1]}, "
              f"{time.perf_counter() - start:.0f} s; paper: accuracy {paper_acc:.3f}, DI {paper_di:.3f}")
        for row in rows:
            mark = "  <- chosen" if row["lambda_f"] == chosen else ""
            print(f"  lambda_f {row['lambda_f']:.2f}: accuracy {row['accuracy']:.3f}, DI {row['DI']:.3f}{mark}")
        print(f"  frlib.frtrain_grid.TABLE_LAMBDAS[{column!r}] = {frtrain_grid.TABLE_LAMBDAS[column]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
