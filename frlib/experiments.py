"""The paper's experiment protocol: train each method on clean and on poisoned labels, over seeds.

For each seed s:

1. draw the data set with seed s and split it (:func:`frlib.data.split_dataset`);
2. poison the training labels with the paper's attack (:func:`frlib.poison.poison_split`);
3. train every method once on the clean training labels and once on the poisoned ones (the
   clean validation set is the same in both cases), telling it which of the two it trains on
   (``poisoned``: FR-Train is tuned separately for each column, as in the paper), and measure
   accuracy and disparate impact on the untouched test set.

Rows report mean and standard deviation (population, ddof = 0) over the seeds. Methods are
looked up by name in :data:`frlib.methods.METHODS` and data sets in :data:`DATASETS`; later
lessons register more of both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np
from tqdm.auto import tqdm

from ._validation import as_seed_list, check_method_names
from .data import Split, load_adult, load_compas, make_synthetic, split_dataset
from .methods import METHODS, SEED_BATCHED
from .metrics import accuracy, disparate_impact
from .poison import poison_split

DATASETS: dict[str, Callable[[int], Split]] = {
    "synthetic": lambda seed: split_dataset(make_synthetic(seed=seed)),
    "compas": lambda seed: split_dataset(load_compas(seed=seed)),
    "adult": lambda seed: split_dataset(load_adult(seed=seed)),
}


@dataclass(frozen=True)
class Result:
    """One method trained once: which data, which seed, and its test metrics."""

    method: str
    data: str  # "clean" or "poisoned"
    seed: int
    accuracy: float
    disparate_impact: float


def parse_methods(methods: str | Sequence[str]) -> list[str]:
    """Method names from a list or a comma-separated string; ``"all"`` means every method."""
    names = [m.strip() for m in methods.split(",")] if isinstance(methods, str) else list(methods)
    names = [n for n in names if n]
    if names == ["all"]:
        return list(METHODS)
    return check_method_names(names, METHODS, also=" (or 'all')")


def run_experiment(
    dataset: str = "synthetic",
    methods: str | Sequence[str] = ("LR",),
    seeds: int | Iterable[int] = 5,
    progress: bool = False,
) -> list[Result]:
    """Train each method on clean and poisoned labels for each seed; one Result per run.

    ``seeds`` is a count (seeds 0 .. seeds-1) or an explicit list of seeds.
    """
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
    names = parse_methods(methods)
    seed_list = as_seed_list(seeds)
    splits = {}
    for seed in seed_list:
        clean = DATASETS[dataset](seed)
        splits[seed] = {"clean": clean, "poisoned": poison_split(clean)[0]}
    batched = {}  # (name, data_name) -> one predictor per seed
    for name in (n for n in names if n in SEED_BATCHED):
        for data_name in ("clean", "poisoned"):
            columns = [splits[seed][data_name] for seed in seed_list]
            batched[name, data_name] = SEED_BATCHED[name]([c.train for c in columns], [c.val for c in columns],
                                                          seed_list, poisoned=data_name == "poisoned")
    results = []
    for i, seed in enumerate(tqdm(seed_list, desc=f"{dataset} seeds", disable=not progress)):
        for data_name, split in splits[seed].items():
            for name in names:
                if (name, data_name) in batched:
                    predictor = batched[name, data_name][i]
                else:
                    predictor = METHODS[name](split.train, split.val, seed, poisoned=data_name == "poisoned")
                y_pred = predictor(split.test.X)
                results.append(
                    Result(
                        method=name,
                        data=data_name,
                        seed=seed,
                        accuracy=accuracy(split.test.y, y_pred),
                        disparate_impact=disparate_impact(y_pred, split.test.z),
                    )
                )
    return results


def summarize(results: Sequence[Result]) -> list[dict]:
    """One row per (method, data): acc_mean, acc_std, di_mean, di_std over the seeds.

    Rows keep the order in which methods and data first appear in ``results``.
    """
    groups: dict[tuple[str, str], list[Result]] = {}
    for result in results:
        groups.setdefault((result.method, result.data), []).append(result)
    rows = []
    for (method, data), runs in groups.items():
        acc = np.array([r.accuracy for r in runs])
        di = np.array([r.disparate_impact for r in runs])
        rows.append(
            {
                "method": method,
                "data": data,
                "acc_mean": float(acc.mean()),
                "acc_std": float(acc.std()),
                "di_mean": float(di.mean()),
                "di_std": float(di.std()),
                "seeds": len(runs),
            }
        )
    return rows


def run_table(
    dataset: str = "synthetic",
    methods: str | Sequence[str] = ("LR",),
    seeds: int | Iterable[int] = 5,
    progress: bool = False,
) -> list[dict]:
    """:func:`run_experiment` followed by :func:`summarize`: the rows of the paper-style table."""
    return summarize(run_experiment(dataset, methods, seeds, progress=progress))


def format_table(rows: Sequence[dict]) -> str:
    """The rows as an aligned text table, accuracy and DI as mean +- std."""
    header = f"{'method':<10} {'data':<9} {'accuracy':>17} {'DI':>17} {'seeds':>5}"
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row['method']:<10} {row['data']:<9} "
            f"{row['acc_mean']:>8.3f} +- {row['acc_std']:.3f} "
            f"{row['di_mean']:>8.3f} +- {row['di_std']:.3f} {row['seeds']:>5}"
        )
    return "\n".join(lines)
