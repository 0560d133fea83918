"""The methods of the paper's table (Roh et al. 2020, section 5), one signature for all, and their registry.

A **table method** trains on a training set and a clean validation set and returns a predictor:

    method(train, val, seed, *, poisoned) -> predictor,   predictor(X) -> array of {0, 1}

``poisoned`` says which column of the table the run is for (the training labels are the attacked
ones, or the clean ones); only FR-Train uses it, the paper tuning FR-Train separately for each
column. :func:`frlib.experiments.run_experiment` passes it to every method.

:data:`METHODS` maps the table's names to the methods, in the paper's order:

===========  ==================================================================  ========
name         method                                                              lesson
===========  ==================================================================  ========
LR           plain logistic regression                                           01, 02
RML          learning to reweight against the clean validation set               03
FC           fairness constraints (Zafar et al. 2017), knob by the paper's rule  04
LBC          label bias correction (Jiang and Nachum 2020), idem                 04
AD           adversarial debiasing (Zhang et al. 2018), idem                     04
RML+FC,      two-step: RML's example weights, then the fair method with them     04
RML+LBC,
RML+AD
FR-Train     the authors' settings for the column                                06, 07
===========  ==================================================================  ========

:func:`train_fair_robust_selection` (lesson 09) has the same signature but is not registered:
the table is the paper's nine methods.
"""

from __future__ import annotations

from functools import partial
from typing import Callable, Sequence

import numpy as np

from ._validation import check_positive_int
from .config import budget
from .data import Dataset
from .fair import ASSUMED_NOISE_RATE, fit_fair, fit_fair_robust_selection, rml_weights
from .frtrain_grid import PAPER_SETTINGS, QUICK_SETTINGS, TABLE_LAMBDAS, FRTrainGridResult, Run, train_frtrain_grid
from .models import fit_logistic_regression, predict
from .robust import fit_rml, synthetic_config

# A predictor maps a feature matrix to {0, 1} predictions.
Predictor = Callable[[np.ndarray], np.ndarray]
# (train, val, seed, *, poisoned) -> Predictor
Method = Callable[..., Predictor]


def _check_datasets(train: Dataset, val: Dataset) -> None:
    if not isinstance(train, Dataset) or not isinstance(val, Dataset):
        raise TypeError("train and val must be frlib.data.Dataset objects")


def train_lr(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Predictor:
    """LR: plain logistic regression on the training set (ignores the validation set)."""
    model = fit_logistic_regression(train.X, train.y, epochs=budget(full=1000, quick=300), seed=seed)
    return lambda X: predict(model, X)


def train_rml(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Predictor:
    """RML: logistic regression (two logits) trained by learning to reweight against the clean
    validation set (:func:`frlib.robust.fit_rml`, :func:`frlib.robust.synthetic_config`)."""
    _check_datasets(train, val)
    seed = check_positive_int(seed, "seed", minimum=0)
    fit = fit_rml(train.X, train.y, val.X, val.y, n_classes=2, config=synthetic_config(), seed=seed)
    return fit.predict


def _fair_only(method: str, train: Dataset, val: Dataset, seed: int) -> Predictor:
    return fit_fair(method, train, val, seed=seed).predict


def _two_step(method: str, train: Dataset, val: Dataset, seed: int) -> Predictor:
    return fit_fair(method, train, val, seed=seed, sample_weight=rml_weights(train, val, seed)).predict


def train_fc(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Predictor:
    """FC (Zafar et al. 2017), its bound c chosen on the clean validation set (:func:`frlib.fair.fit_fair`)."""
    return _fair_only("FC", train, val, seed)


def train_lbc(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Predictor:
    """LBC (Jiang and Nachum 2020), its number of rounds chosen on the clean validation set."""
    return _fair_only("LBC", train, val, seed)


def train_ad(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Predictor:
    """AD (Zhang et al. 2018), its alpha chosen on the clean validation set."""
    return _fair_only("AD", train, val, seed)


def train_rml_fc(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Predictor:
    """RML+FC: RML's example weights (:func:`frlib.fair.rml_weights`), then FC with those weights."""
    return _two_step("FC", train, val, seed)


def train_rml_lbc(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Predictor:
    """RML+LBC: RML's example weights, then LBC with those weights."""
    return _two_step("LBC", train, val, seed)


def train_rml_ad(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Predictor:
    """RML+AD: RML's example weights, then AD with those weights."""
    return _two_step("AD", train, val, seed)


def train_frtrain_paper(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Predictor:
    """FR-Train as in our reproduction of the paper's table: the authors' settings for its column.

    The paper tunes FR-Train separately for clean data (4,000 epochs, k = 3, lambda_r = 0.1) and
    poisoned data (10,000 epochs, k = 5, lambda_r = 0.4); ``poisoned`` says which column it
    trains for. lambda_f is :data:`frlib.frtrain_grid.TABLE_LAMBDAS` (0.75 clean, 0.44 poisoned),
    calibrated on other data seeds to the paper's DI (the paper's own table points, 0.85 and
    0.52, give our implementation a DI 0.01-0.06 higher). The initial weights come from the data
    seed. The quick setting trains :data:`frlib.frtrain_grid.QUICK_SETTINGS` (fewer, larger steps,
    the same result).
    """
    return train_frtrain_paper_seeds([train], [val], [seed], poisoned=poisoned)[0]


def train_frtrain_paper_seeds(trains: Sequence[Dataset], vals: Sequence[Dataset], seeds: Sequence[int], *,
                              poisoned: bool = True) -> list[Predictor]:
    """:func:`train_frtrain_paper` for several data seeds as one grid: data set i trains the run
    with init seed ``seeds[i]``. Returns one predictor per data set (the same as seed by seed)."""
    if len(seeds) != len(trains):
        raise ValueError(f"seeds has {len(seeds)} entries for {len(trains)} data sets")
    column = "poisoned" if poisoned else "clean"
    settings = budget(full=PAPER_SETTINGS[column], quick=QUICK_SETTINGS[column])
    lambda_f, lambda_r = TABLE_LAMBDAS[column]
    result = train_frtrain_grid(list(trains), list(vals), [[Run(lambda_f, lambda_r, seed)] for seed in seeds], settings)
    return [partial(_predict_run, result, s) for s in range(len(trains))]


def _predict_run(result: FRTrainGridResult, dataset: int, X: np.ndarray) -> np.ndarray:
    return result.predict(X, dataset)[0]


def train_fair_robust_selection(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Predictor:
    """Fair and robust sample selection (lesson 09, :func:`frlib.fair.fit_fair_robust_selection`),
    told the attack's noise rate (10%). It does not use the validation set."""
    if not isinstance(train, Dataset):
        raise TypeError(f"train must be a frlib.data.Dataset, got {type(train).__name__}")
    fit = fit_fair_robust_selection(train.X, train.y, train.z, noise_rate=ASSUMED_NOISE_RATE, seed=seed)
    return fit.predict


METHODS: dict[str, Method] = {
    "LR": train_lr,
    "RML": train_rml,
    "FC": train_fc,
    "LBC": train_lbc,
    "AD": train_ad,
    "RML+FC": train_rml_fc,
    "RML+LBC": train_rml_lbc,
    "RML+AD": train_rml_ad,
    "FR-Train": train_frtrain_paper,
}
# Methods that train all seeds of a column at once (one FR-Train grid per column): name ->
# (training sets, validation sets, seeds, *, poisoned) -> one predictor per seed, the same as
# calling METHODS[name] seed by seed.
SEED_BATCHED: dict[str, Callable[..., list[Predictor]]] = {"FR-Train": train_frtrain_paper_seeds}
