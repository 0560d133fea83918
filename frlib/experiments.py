"""The paper's experiment protocol: train each method on clean and on poisoned labels, over seeds.

For each seed s:

1. draw the data set with seed s and split it (:func:`frlib.data.split_dataset`);
2. poison the training labels with the paper's attack (:func:`frlib.poison.poison_split`);
3. train every method once on the clean training labels and once on the poisoned ones (the
   clean validation set is the same in both cases) and measure accuracy and disparate impact
   on the untouched test set. A method that takes the keyword ``poisoned`` is told which of
   the two it trains on (FR-Train: the paper tunes it separately for each column).

Rows report mean and standard deviation (population, ddof = 0) over the seeds. Methods and
data sets are looked up by name in :data:`METHODS` and :data:`DATASETS`; later lessons
register more of both.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np
from tqdm.auto import tqdm

from ._validation import as_seed_list, check_method_names
from .config import budget
from .data import Dataset, Split, load_adult, load_compas, make_synthetic, split_dataset
from .fair import train_ad, train_fc, train_lbc, train_rml_ad, train_rml_fc, train_rml_lbc
from .metrics import accuracy, disparate_impact
from .models import fit_logistic_regression, predict
from .frtrain import train_frtrain_paper, train_frtrain_paper_seeds
from .poison import poison_split
from .robust_rml import train_rml

# A method trains on (training set, clean validation set, seed) and returns a predictor
# mapping a feature matrix to {0, 1} predictions.
Predictor = Callable[[np.ndarray], np.ndarray]
Method = Callable[[Dataset, Dataset, int], Predictor]


def train_lr(train: Dataset, val: Dataset, seed: int) -> Predictor:
    """LR: plain logistic regression on the training set (ignores the validation set)."""
    model = fit_logistic_regression(train.X, train.y, epochs=budget(full=1000, quick=300), seed=seed)
    return lambda X: predict(model, X)


METHODS: dict[str, Method] = {"LR": train_lr, "RML": train_rml}
# Lesson 04: the paper's fair-only baselines and the two-step "RML, then fair" baselines.
METHODS.update({"FC": train_fc, "LBC": train_lbc, "AD": train_ad,
                "RML+FC": train_rml_fc, "RML+LBC": train_rml_lbc, "RML+AD": train_rml_ad})
# FR-Train comes last in "all"; it is told whether it trains on clean or poisoned labels (the
# paper tunes it separately for the two columns of its table).
METHODS["FR-Train"] = train_frtrain_paper
# Methods that train all seeds of a column at once (one FR-Train grid per column): name ->
# (training sets, validation sets, seeds, poisoned) -> one predictor per seed. The result is the
# same as calling METHODS[name] seed by seed.
SEED_BATCHED: dict[str, Callable[..., list[Predictor]]] = {"FR-Train": train_frtrain_paper_seeds}
DATASETS: dict[str, Callable[[int], Split]] = {
    "synthetic": lambda seed: split_dataset(make_synthetic(seed=seed)),
    "compas": lambda seed: split_dataset(load_compas(seed=seed)),
    "adult": lambda seed: split_dataset(load_adult(seed=seed)),
}


def _takes_poisoned(method: Method) -> bool:
    """Whether a method accepts the keyword ``poisoned`` (then it is told which column it is in)."""
    return "poisoned" in inspect.signature(method).parameters


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
                method = METHODS[name]
                told = {"poisoned": data_name == "poisoned"} if _takes_poisoned(method) else {}
                if (name, data_name) in batched:
                    predictor = batched[name, data_name][i]
                else:
                    predictor = method(split.train, split.val, seed, **told)
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
