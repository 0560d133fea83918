"""FR-Train: a 9-lambda x 5-seed grid one configuration at a time vs batched, in one run (issue 8).

Usage (inside the course environment):

    .venv/bin/python benchmarks/frtrain_grid.py [--epochs 10000] [--threads 2] [--skip-loop]

The grid is the paper's poisoned setting on the synthetic data (seed 0, the paper's attack):
lambda_r = 0.4, lambda_f in {0.10, 0.15, ..., 0.50, 0.52} (9 values), init seeds 0-4, the
authors' settings (PAPER_FACTS section 5) with ``--epochs`` epochs. Three ways to train it, each
in its own process so that its peak memory (maximum resident set size) is its own:

* ``loop``: a plain Python loop over the 45 configurations with
  :func:`frlib.frtrain.train_reference` (torch modules, autograd, one configuration at
  a time, as the authors' code);
* ``grid of one``: a loop over :func:`frlib.frtrain_grid.train_frtrain` (the batched code, one
  configuration per call), for reference;
* ``batched``: one call of :func:`frlib.frtrain_grid.train_frtrain_grid` with all 45.

It prints seconds, peak memory and the loop / batched ratio, checks that the batched generators
equal the loop's (largest weight difference), and exits 0 whatever the numbers are (targets are
reported, not asserted: batched >= 20x faster than the loop, the whole grid under 60 s).
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import time
from dataclasses import replace

import numpy as np

LAMBDA_F = (0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.52)
LAMBDA_R = 0.4
SEEDS = (0, 1, 2, 3, 4)
TARGET_RATIO = 20.0
TARGET_SECONDS = 60.0


def _work(kind: str, epochs: int, threads: int, queue) -> None:
    import torch

    from frlib import data, frtrain, frtrain_grid, poison

    torch.set_num_threads(threads)
    split = data.split_dataset(data.make_synthetic(seed=0))
    poisoned, _ = poison.poison_split(split)
    settings = replace(frtrain_grid.POISONED_SETTINGS, epochs=epochs)
    runs = frtrain_grid.grid(LAMBDA_F, LAMBDA_R, SEEDS)
    start = time.perf_counter()
    if kind == "batched":
        result = frtrain_grid.train_frtrain_grid(poisoned.train, poisoned.val, runs, settings)
        weights = result.weight[0]
    elif kind == "grid of one":
        weights = np.array([frtrain_grid.train_frtrain(poisoned.train, poisoned.val, *run, settings=settings).weight
                            for run in runs])
    else:
        weights = np.array([frtrain.train_reference(poisoned.train, poisoned.val, run, settings)["weight"]
                            for run in runs])
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((seconds, peak_mb, weights))


def measure(kind: str, epochs: int, threads: int) -> tuple[float, float, np.ndarray]:
    """Seconds, peak resident memory (MB) and the 45 generators' weights of one way of training."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_work, args=(kind, epochs, threads, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10_000, help="epochs per configuration (the paper: 10,000)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads in every measurement (default 1: these tensors are small)")
    parser.add_argument("--skip-loop", action="store_true", help="time the batched grid only")
    parser.add_argument("--grid-of-one", action="store_true", help="also time a loop over train_frtrain")
    args = parser.parse_args()
    n = len(LAMBDA_F) * len(SEEDS)
    print(f"grid: {len(LAMBDA_F)} lambda_f x {len(SEEDS)} seeds = {n} configurations, lambda_r = {LAMBDA_R}, "
          f"{args.epochs} epochs each, {args.threads} torch threads")
    kinds = ["batched"] + ([] if args.skip_loop else ["loop"]) + (["grid of one"] if args.grid_of_one else [])
    results = {}
    for kind in kinds:
        seconds, peak_mb, weights = measure(kind, args.epochs, args.threads)
        results[kind] = (seconds, weights)
        print(f"{kind:<12} {seconds:8.1f} s   {seconds / n:6.2f} s per configuration   peak memory {peak_mb:7.0f} MB")
    batched_seconds, batched_weights = results["batched"]
    projected = batched_seconds * 10_000 / args.epochs
    print(f"batched grid: {batched_seconds:.1f} s at {args.epochs} epochs, {projected:.1f} s projected to "
          f"10,000 epochs; target {TARGET_SECONDS:.0f} s (ratio {projected / TARGET_SECONDS:.2f})")
    for kind in kinds[1:]:
        seconds, weights = results[kind]
        difference = np.abs(weights - batched_weights).max()
        print(f"{kind} / batched = {seconds / batched_seconds:.1f}x (target >= {TARGET_RATIO:.0f}x); "
              f"largest generator weight difference {difference:.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
