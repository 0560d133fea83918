"""The paper's experiment protocol: train each method on clean and on poisoned labels, over seeds.

For each seed s:

1. draw the data set with seed s and split it (:func:`frlib.data.split_dataset`);
2. poison the training labels with the paper's attack (:func:`frlib.poison.poison_split`);
3. train every method once on the clean training labels and once on the poisoned ones (the
   clean validation set is the same in both cases), telling it which of the two it trains on
   (``poisoned``: FR-Train trains with different settings for each column, as in the paper), and
   measure accuracy and disparate impact on the untouched test set.

Every method with a knob chooses it on the clean validation set by one rule
(:mod:`frlib.methods`); each Result records the setting chosen. Rows report mean and standard
deviation (population, ddof = 0) over the seeds, and the knob of every seed. Methods are looked
up by name in :data:`frlib.methods.METHODS` (each must declare its knob in
:data:`frlib.methods.KNOBS`) and data sets in :data:`DATASETS`; later lessons register more of both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np
from tqdm.auto import tqdm

from ._validation import as_seed_list, check_method_names
from .data import Split, load_adult, load_compas, make_synthetic, split_dataset
from .fair import one_thread
from .methods import KNOBS, METHODS, SEED_BATCHED
from .metrics import accuracy, disparate_impact
from .poison import poison_split

COLUMNS = ("clean", "poisoned")  # the table's two columns: clean and poisoned training labels
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
    knob: float | None = None  # the setting of the method's knob chosen on the validation set


def parse_methods(methods: str | Sequence[str]) -> list[str]:
    """Method names from a list or a comma-separated string; ``"all"`` means every method."""
    names = [m.strip() for m in methods.split(",")] if isinstance(methods, str) else list(methods)
    names = [n for n in names if n]
    if names == ["all"]:
        names = list(METHODS)
    names = check_method_names(names, METHODS, also=" (or 'all')")
    for name in names:
        if name not in KNOBS:
            raise ValueError(f"method {name!r} has no knob rule: the table chooses every knob on the clean validation "
                             f"set by one rule, and {name!r} does not say which knob it has; declare it in "
                             f"frlib.methods.KNOBS (None for a method without a knob)")
    return names


def run_experiment(
    dataset: str = "synthetic",
    methods: str | Sequence[str] = ("LR",),
    seeds: int | Iterable[int] = 5,
    progress: bool = False,
    *,
    columns: Sequence[str] = COLUMNS,
    poison_rate: float = 0.1,
) -> list[Result]:
    """Train each method on clean and poisoned labels for each seed; one Result per run.

    ``seeds`` is a count (seeds 0 .. seeds-1) or an explicit list of seeds. ``columns`` keeps
    only some of the two columns (``("poisoned",)``: the attacked labels only); ``poison_rate``
    is the share of labels the paper's attack flips (:func:`frlib.poison.poison_split`, 10%).
    """
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
    names = parse_methods(methods)
    seed_list = as_seed_list(seeds)
    columns = _check_columns(columns)
    splits = {}
    for seed in seed_list:
        clean = DATASETS[dataset](seed)
        both = {"clean": clean, "poisoned": poison_split(clean, rate=poison_rate)[0] if "poisoned" in columns else None}
        splits[seed] = {column: both[column] for column in COLUMNS if column in columns}
    # Every fit inside runs on one thread (small models; see frlib.fair.one_thread).
    with one_thread():
        batched = {}  # (name, data_name) -> one predictor per seed
        for name in (n for n in names if n in SEED_BATCHED):
            for data_name in splits[seed_list[0]]:
                column = [splits[seed][data_name] for seed in seed_list]
                batched[name, data_name] = SEED_BATCHED[name]([c.train for c in column], [c.val for c in column],
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
                            knob=_reported_knob(name, predictor),
                        )
                    )
    return results



def _check_columns(columns: Sequence[str]) -> tuple[str, ...]:
    columns = (columns,) if isinstance(columns, str) else tuple(columns)
    if not columns or any(column not in COLUMNS for column in columns):
        raise ValueError(f"columns must be a non-empty selection of {COLUMNS}, got {columns!r}")
    return columns


def _reported_knob(name: str, predictor) -> float | None:
    """The knob setting a predictor reports; a method with a knob must report it."""
    knob = getattr(predictor, "knob", None)
    if KNOBS[name] is not None and knob is None:
        raise ValueError(f"method {name!r} has a knob ({KNOBS[name]}) but its predictor does not report the "
                         f"setting the validation rule chose (return a frlib.methods.Fitted with knob=...)")
    return None if knob is None else float(knob)


def summarize(results: Sequence[Result]) -> list[dict]:
    """One row per (method, data): acc_mean, acc_std, di_mean, di_std over the seeds, and
    ``knobs``, the knob setting each seed chose (None for a method without a knob).

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
                "knobs": [r.knob for r in runs],
            }
        )
    return rows


def run_table(
    dataset: str = "synthetic",
    methods: str | Sequence[str] = ("LR",),
    seeds: int | Iterable[int] = 5,
    progress: bool = False,
    *,
    columns: Sequence[str] = COLUMNS,
    poison_rate: float = 0.1,
) -> list[dict]:
    """:func:`run_experiment` followed by :func:`summarize`: the rows of the paper-style table."""
    return summarize(run_experiment(dataset, methods, seeds, progress=progress, columns=columns,
                                    poison_rate=poison_rate))


def format_knobs(row: dict) -> str:
    """The knob each seed chose, e.g. ``lambda_f 0.31 0.52 0.45`` ("" for a method without a knob)."""
    knobs = [k for k in row.get("knobs", []) if k is not None]
    if not knobs:
        return ""
    name = KNOBS.get(row["method"]) or "knob"
    name = name.split(" (")[0]
    values = " ".join(f"{k:.0f}" if float(k).is_integer() and k >= 1 else f"{k:.3g}" for k in knobs)
    return f"{name} {values}"


def format_table(rows: Sequence[dict]) -> str:
    """The rows as an aligned text table, accuracy and DI as mean +- std, and each seed's knob."""
    width = max([10, *(len(row["method"]) for row in rows)])
    header = f"{'method':<{width}} {'data':<9} {'accuracy':>17} {'DI':>17} {'seeds':>5}  knob chosen per seed"
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row['method']:<{width}} {row['data']:<9} "
            f"{row['acc_mean']:>8.3f} +- {row['acc_std']:.3f} "
            f"{row['di_mean']:>8.3f} +- {row['di_std']:.3f} {row['seeds']:>5}  {format_knobs(row)}".rstrip()
        )
    return "\n".join(lines)
