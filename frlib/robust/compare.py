"""Every defence of lesson 03 on the same noisy task, over noise rates and seeds.

A :class:`NoisyTask` is a :class:`frlib.robust.LabelledSplit` whose training labels received
symmetric or pair noise; :data:`ROBUST_METHODS` maps a method's name to a function
``(task, config, seed) -> RobustFit``; :func:`compare_methods` runs them and
:func:`summarize_comparison` turns the runs into the lesson's table: test accuracy as mean and
standard deviation (population, ddof = 0) over the seeds, and for the methods that select
examples, the precision and recall of their guess of which labels are noisy.

The methods that need the transition matrix get the true one (``"forward (T known)"``, ...),
except ``"forward (T estimated)"``, which estimates it from the noisy labels
(:func:`frlib.robust.transition.estimate_transition`). The selection methods get the true
noise rate as their forget rate, as in Han et al. (2018); hard bootstrapping trusts the given
label with beta = 1 - noise rate (Reed et al. 2015 fix beta = 0.8, which is the same at 20% noise
and too trusting at 40%). RML gets the clean validation set.
"""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .._validation import as_seed_list, check_choice, check_method_names, check_rate
from ._common import RobustFit, TrainConfig, detection_scores, digits_config, fit_plain
from .losses import fit_bootstrap, fit_gce
from .noisy_data import NOISE_KINDS, LabelledSplit, add_label_noise, noise_matrix
from .rml import fit_rml
from .selection import fit_coteaching, fit_selfie
from .transition import (
    estimate_transition,
    fit_backward_correction,
    fit_forward_correction,
    fit_importance_reweighting,
    fit_noise_adaptation,
)


@dataclass(frozen=True)
class NoisyTask:
    """A split whose training labels were corrupted by symmetric or pair noise.

    Attributes
    ----------
    split : LabelledSplit
        The clean data (its ``y_train`` are the true labels).
    kind, rate : the noise (see :func:`frlib.robust.noise_matrix`)
    y_noisy : ndarray
        The training labels the methods see.
    flipped : ndarray of int
        The positions whose label the noise changed.
    """

    split: LabelledSplit
    kind: str
    rate: float
    y_noisy: np.ndarray
    flipped: np.ndarray

    @property
    def transition(self) -> np.ndarray:
        """The true transition matrix of the noise."""
        return noise_matrix(self.kind, self.split.n_classes, self.rate)


def make_task(split: LabelledSplit, kind: str, rate: float, seed: int = 0) -> NoisyTask:
    """Corrupt ``split.y_train`` with :func:`frlib.robust.add_label_noise` (seeded)."""
    if not isinstance(split, LabelledSplit):
        raise TypeError(f"split must be a frlib.robust.LabelledSplit, got {type(split).__name__}")
    rate = check_rate(rate, "rate")
    labels, flipped = add_label_noise(split.y_train, kind, rate, split.n_classes, seed=seed)
    return NoisyTask(split, kind, rate, labels, flipped)


Method = Callable[[NoisyTask, TrainConfig, int], RobustFit]


def _xy(task: NoisyTask) -> tuple[np.ndarray, np.ndarray]:
    return task.split.X_train, task.y_noisy


ROBUST_METHODS: dict[str, Method] = {
    "plain": lambda t, c, s: fit_plain(*_xy(t), n_classes=t.split.n_classes, config=c, seed=s),
    "noise adaptation": lambda t, c, s: fit_noise_adaptation(*_xy(t), n_classes=t.split.n_classes, config=c, seed=s),
    "forward (T known)": lambda t, c, s: fit_forward_correction(*_xy(t), t.transition, config=c, seed=s),
    "forward (T estimated)": lambda t, c, s: fit_forward_correction(
        *_xy(t), estimate_transition(*_xy(t), n_classes=t.split.n_classes, seed=s), config=c, seed=s,
        method="forward (T estimated)"),
    "backward (T known)": lambda t, c, s: fit_backward_correction(*_xy(t), t.transition, config=c, seed=s),
    "importance reweighting": lambda t, c, s: fit_importance_reweighting(*_xy(t), t.transition, config=c, seed=s),
    "bootstrap": lambda t, c, s: fit_bootstrap(*_xy(t), beta=1.0 - t.rate, n_classes=t.split.n_classes,
                                               config=c, seed=s),
    "GCE": lambda t, c, s: fit_gce(*_xy(t), n_classes=t.split.n_classes, config=c, seed=s),
    "Co-teaching": lambda t, c, s: fit_coteaching(*_xy(t), forget_rate=t.rate, n_classes=t.split.n_classes,
                                                  config=c, seed=s),
    "SELFIE": lambda t, c, s: fit_selfie(*_xy(t), forget_rate=t.rate, n_classes=t.split.n_classes, config=c, seed=s),
    "RML": lambda t, c, s: fit_rml(*_xy(t), t.split.X_val, t.split.y_val, n_classes=t.split.n_classes,
                                   config=c, seed=s),
}


def _method_names(methods: Sequence[str] | None) -> list[str]:
    if methods is None:
        return list(ROBUST_METHODS)
    names = [methods] if isinstance(methods, str) else list(methods)
    return check_method_names(names, ROBUST_METHODS)


def evaluate_fit(fit: RobustFit, task: NoisyTask) -> dict[str, float]:
    """Test accuracy of a fit, and precision / recall of its flagged examples (NaN if none)."""
    accuracy = float(np.mean(fit.predict(task.split.X_test) == task.split.y_test))
    row = {"test_acc": accuracy, "precision": float("nan"), "recall": float("nan")}
    flagged = fit.flagged()
    if flagged is not None:
        scores = detection_scores(flagged, task.flipped)
        row.update(precision=scores["precision"], recall=scores["recall"])
    return row


def compare_methods(
    load_split: Callable[[int], LabelledSplit],
    *,
    kind: str = "symmetric",
    rates: Iterable[float] = (0.2, 0.4),
    seeds: int | Iterable[int] = 3,
    methods: Sequence[str] | None = None,
    config: TrainConfig | None = None,
    trained: dict[tuple[str, float, int], RobustFit] | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Train every method on every (rate, seed) and evaluate it; one row per run.

    For seed s: ``split = load_split(s)`` (e.g. :func:`frlib.robust.load_digits_split`), the
    noise is drawn with seed s, and every network is initialised with seed s.

    ``trained`` maps ``(method, rate, seed)`` to a fit already trained *on that same task with
    the same config* (a lesson that trained the methods one by one passes them here); those runs
    are evaluated, not trained again, and their ``seconds`` is NaN.

    Returns
    -------
    pandas.DataFrame
        Columns ``method, kind, rate, seed, test_acc, precision, recall, seconds``.
    """
    names = _method_names(methods)
    kind = check_choice(kind, "kind", NOISE_KINDS)
    rate_list = [check_rate(r, "rates") for r in rates]
    if not rate_list:
        raise ValueError("rates is empty")
    seed_list = as_seed_list(seeds)
    config = config or digits_config()
    trained = dict(trained or {})
    for key, fit in trained.items():
        if not isinstance(fit, RobustFit):
            raise TypeError(f"trained[{key!r}] must be a RobustFit, got {type(fit).__name__}")
    rows = []
    runs = [(seed, rate, name) for seed in seed_list for rate in rate_list for name in names]
    splits: dict[int, LabelledSplit] = {}
    for seed, rate, name in tqdm(runs, desc=f"{kind} noise", disable=not progress):
        if seed not in splits:
            splits[seed] = load_split(seed)
        task = make_task(splits[seed], kind, rate, seed=seed)
        if (name, rate, seed) in trained:
            fit, seconds = trained[(name, rate, seed)], float("nan")
        else:
            start = perf_counter()
            fit = ROBUST_METHODS[name](task, config, seed)
            seconds = perf_counter() - start
        rows.append({"method": name, "kind": kind, "rate": rate, "seed": seed, **evaluate_fit(fit, task),
                     "seconds": seconds})
    return pd.DataFrame(rows)


def summarize_comparison(runs: pd.DataFrame) -> pd.DataFrame:
    """The lesson's table: per method (rows, in the order of ``runs``) and noise rate (columns),
    test accuracy mean and std over the seeds, and mean precision / recall of noise detection."""
    required = {"method", "rate", "seed", "test_acc", "precision", "recall"}
    if not isinstance(runs, pd.DataFrame) or not required <= set(runs.columns):
        raise ValueError(f"runs must be the DataFrame of compare_methods, with columns {sorted(required)}")
    order = list(dict.fromkeys(runs["method"]))
    grouped = runs.groupby(["method", "rate"], sort=False)
    table = pd.DataFrame({
        "acc_mean": grouped["test_acc"].mean(),
        "acc_std": grouped["test_acc"].std(ddof=0),
        "precision": grouped["precision"].mean(),
        "recall": grouped["recall"].mean(),
        "seeds": grouped["seed"].nunique(),
    })
    table = table.unstack("rate")
    table.columns = table.columns.swaplevel(0, 1)
    table = table.sort_index(axis=1, level=0, sort_remaining=False)
    return table.loc[order]
