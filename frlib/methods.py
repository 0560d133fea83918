"""The methods of the paper's table (Roh et al. 2020, section 5), one signature for all, and their registry.

A **table method** trains on a training set and a clean validation set and returns a predictor:

    method(train, val, seed, *, poisoned) -> predictor,   predictor(X) -> array of {0, 1}

``poisoned`` says which column of the table the run is for (the training labels are the attacked
ones, or the clean ones); only FR-Train uses it, the paper training FR-Train with different
settings for each column. :func:`frlib.experiments.run_experiment` passes it to every method.

**One rule for every knob.** Every method that has a knob chooses it per data seed by the same
rule on the same clean validation set, the paper's rule for its fair baselines
(:func:`frlib.fair.choose_setting`: the most accurate setting whose validation DI reaches 0.8,
else the one with the highest validation DI); nothing looks at the test set or at the paper's
numbers. The predictors are :class:`Fitted`: callable as above, and carrying the setting the
rule chose (``knob``), which the table reports. :data:`KNOBS` names each method's knob.

===========================  ========================================================  ==========  ======
name                         method                                                    knob        lesson
===========================  ========================================================  ==========  ======
LR                           plain logistic regression                                 none        01, 02
RML                          learning to reweight against the clean validation set     none        03
FC                           fairness constraints (Zafar et al. 2017)                  c / c_max   04
LBC                          label bias correction (Jiang and Nachum 2020)             rounds      04
AD                           adversarial debiasing (Zhang et al. 2018)                 alpha       04
RML+FC, RML+LBC, RML+AD      two-step, weights: RML's weights in the label loss        as above    04, 07
RML->FC, RML->LBC, RML->AD   two-step, sanitise: drop what RML distrusts, then fair    as above    04, 07
FR-Train                     FR-Train, lambda_f over :data:`LAMBDA_F_GRID`             lambda_f    06, 07
FR-Train (paper's lambdas)   reference row: the lambda_f of the paper's table          fixed       07
===========================  ========================================================  ==========  ======

:func:`train_fair_robust_selection` (lesson 09) has the same signature but is not registered.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Sequence

import numpy as np

from ._validation import check_positive_int
from .config import budget, is_quick
from .data import Dataset
from .fair import ASSUMED_NOISE_RATE, choose_setting, fit_fair, fit_fair_robust_selection, rml_sanitise, rml_weights
from .fair.two_step import fingerprint, rml_fit
from .frtrain_grid import (
    PAPER_LAMBDAS,
    PAPER_SETTINGS,
    QUICK_SETTINGS,
    FRTrainGridResult,
    Run,
    train_frtrain_grid,
)
from .models import fit_logistic_regression, predict
from .robust import synthetic_config

# lambda_f candidates of FR-Train in the table: seven evenly spaced values over the range of the
# authors' own sweeps in their released code (poisoned 0.10 to 0.52 with lambda_r = 0.4, clean 0.20
# to 0.85 with lambda_r = 0.1), ending at the paper's table points 0.52 and 0.85.
LAMBDA_F_GRID = {"poisoned": (0.10, 0.17, 0.24, 0.31, 0.38, 0.45, 0.52),
                 "clean": (0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85)}


@dataclass(frozen=True)
class Fitted:
    """A table method's trained predictor, and the setting of its knob that the rule chose.

    Attributes
    ----------
    predict : callable
        ``predict(X)`` -> {0, 1} predictions; the object itself is callable the same way.
    knob : float or None
        The chosen setting (None for a method without a knob).
    """

    predict: Callable[[np.ndarray], np.ndarray]
    knob: float | None = None

    def __call__(self, X: Any) -> np.ndarray:
        return self.predict(X)


# A predictor maps a feature matrix to {0, 1} predictions.
Predictor = Callable[[np.ndarray], np.ndarray]
# (train, val, seed, *, poisoned) -> Predictor (a Fitted for the registered methods)
Method = Callable[..., Predictor]


def _check_datasets(train: Dataset, val: Dataset) -> None:
    if not isinstance(train, Dataset) or not isinstance(val, Dataset):
        raise TypeError("train and val must be frlib.data.Dataset objects")


def train_lr(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Fitted:
    """LR: plain logistic regression on the training set (ignores the validation set)."""
    model = fit_logistic_regression(train.X, train.y, epochs=budget(full=1000, quick=300), seed=seed)
    return Fitted(partial(predict, model))


def train_rml(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Fitted:
    """RML: logistic regression (two logits) trained by learning to reweight against the clean
    validation set (:func:`frlib.robust.fit_rml`, :func:`frlib.robust.synthetic_config`; the
    same fit as the two-step rows' first step in the full setting, :func:`frlib.fair.two_step.rml_fit`)."""
    _check_datasets(train, val)
    seed = check_positive_int(seed, "seed", minimum=0)
    return Fitted(rml_fit(train, val, seed, synthetic_config().epochs).predict)


def _chosen(fit) -> Fitted:
    """A :class:`frlib.fair.FairFit` as a table predictor; FC's bound is reported as c / c_max
    (1: unconstrained, 0: zero covariance), comparable across training sets."""
    knob = fit.knob
    if fit.method == "FC":
        knob = fit.knob / fit.knobs[0] if fit.knobs[0] > 0 else 0.0
    return Fitted(fit.predict, float(knob))


def _fair_only(method: str, train: Dataset, val: Dataset, seed: int) -> Fitted:
    return _chosen(fit_fair(method, train, val, seed=seed))


def _two_step_weights(method: str, train: Dataset, val: Dataset, seed: int) -> Fitted:
    return _chosen(fit_fair(method, train, val, seed=seed, sample_weight=rml_weights(train, val, seed)))


def _two_step_sanitise(method: str, train: Dataset, val: Dataset, seed: int) -> Fitted:
    return _chosen(fit_fair(method, rml_sanitise(train, val, seed), val, seed=seed))


def train_fc(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Fitted:
    """FC (Zafar et al. 2017), its bound c chosen on the clean validation set (:func:`frlib.fair.fit_fair`)."""
    return _fair_only("FC", train, val, seed)


def train_lbc(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Fitted:
    """LBC (Jiang and Nachum 2020), its number of rounds chosen on the clean validation set."""
    return _fair_only("LBC", train, val, seed)


def train_ad(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Fitted:
    """AD (Zhang et al. 2018), its alpha chosen on the clean validation set."""
    return _fair_only("AD", train, val, seed)


def train_rml_fc(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Fitted:
    """RML+FC: RML's example weights (:func:`frlib.fair.rml_weights`) in FC's label loss."""
    return _two_step_weights("FC", train, val, seed)


def train_rml_lbc(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Fitted:
    """RML+LBC: RML's example weights in LBC's label loss."""
    return _two_step_weights("LBC", train, val, seed)


def train_rml_ad(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Fitted:
    """RML+AD: RML's example weights in AD's label loss."""
    return _two_step_weights("AD", train, val, seed)


def train_rml_then_fc(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Fitted:
    """RML->FC: drop the examples RML distrusts (:func:`frlib.fair.rml_sanitise`), then FC on the rest."""
    return _two_step_sanitise("FC", train, val, seed)


def train_rml_then_lbc(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Fitted:
    """RML->LBC: drop the examples RML distrusts, then LBC on the rest."""
    return _two_step_sanitise("LBC", train, val, seed)


def train_rml_then_ad(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Fitted:
    """RML->AD: drop the examples RML distrusts, then AD on the rest."""
    return _two_step_sanitise("AD", train, val, seed)


# --- FR-Train: one grid per column, for every seed and every lambda_f ------------------------------------

_GRID_CACHE: OrderedDict[tuple, FRTrainGridResult] = OrderedDict()
_GRID_CACHE_SIZE = 2


def _column(poisoned: bool) -> str:
    return "poisoned" if poisoned else "clean"


def frtrain_grid_for_seeds(trains: Sequence[Dataset], vals: Sequence[Dataset], seeds: Sequence[int], *,
                           poisoned: bool = True) -> FRTrainGridResult:
    """FR-Train at every lambda_f of :data:`LAMBDA_F_GRID` on every data set, as one grid.

    Data set i trains one run per lambda_f, with lambda_r and the settings of its column (the
    authors', :data:`frlib.frtrain_grid.PAPER_SETTINGS`; the quick setting trains
    :data:`frlib.frtrain_grid.QUICK_SETTINGS`) and the init seed ``seeds[i]``. The last grids are
    cached, so the selected row and the paper's-lambdas row share one training.
    """
    trains, vals, seeds = list(trains), list(vals), [check_positive_int(s, "seed", minimum=0) for s in seeds]
    if not (len(trains) == len(vals) == len(seeds)) or not seeds:
        raise ValueError(f"give one validation set and one seed per training set, got {len(trains)} training sets, "
                         f"{len(vals)} validation sets and {len(seeds)} seeds")
    for item in (*trains, *vals):
        if not isinstance(item, Dataset):
            raise TypeError(f"trains and vals must hold frlib.data.Dataset objects, got {type(item).__name__}")
    column = _column(poisoned)
    lambda_r = PAPER_LAMBDAS[column][1]
    key = (column, is_quick(), tuple(seeds), fingerprint(*(d.X for d in trains), *(d.y for d in trains),
                                                          *(d.X for d in vals), *(d.y for d in vals)))
    if key not in _GRID_CACHE:
        settings = budget(full=PAPER_SETTINGS[column], quick=QUICK_SETTINGS[column])
        runs = [[Run(lambda_f, lambda_r, seed) for lambda_f in LAMBDA_F_GRID[column]] for seed in seeds]
        _GRID_CACHE[key] = train_frtrain_grid(trains, vals, runs, settings)
        while len(_GRID_CACHE) > _GRID_CACHE_SIZE:
            _GRID_CACHE.popitem(last=False)
    _GRID_CACHE.move_to_end(key)
    return _GRID_CACHE[key]


def _predict_run(result: FRTrainGridResult, dataset: int, run: int, X: np.ndarray) -> np.ndarray:
    return result.predict(X, dataset)[run]


def train_frtrain_seeds(trains: Sequence[Dataset], vals: Sequence[Dataset], seeds: Sequence[int], *,
                        poisoned: bool = True) -> list[Fitted]:
    """FR-Train with lambda_f chosen per data set by the knob rule on its clean validation set.

    :func:`frtrain_grid_for_seeds` trains every lambda_f of :data:`LAMBDA_F_GRID` on every data
    set; for each, :func:`frlib.fair.choose_setting` keeps the most accurate run whose
    validation DI reaches 0.8 (else the fairest), as for every other method of the table.
    """
    result = frtrain_grid_for_seeds(trains, vals, seeds, poisoned=poisoned)
    fits = []
    for i, val in enumerate(vals):
        choice = choose_setting(result.predict(val.X, i), val.y, val.z, method="FR-Train")
        fits.append(Fitted(partial(_predict_run, result, i, choice.index), result.run(i, choice.index).lambda_f))
    return fits


def train_frtrain_paper_lambdas_seeds(trains: Sequence[Dataset], vals: Sequence[Dataset], seeds: Sequence[int], *,
                                      poisoned: bool = True) -> list[Fitted]:
    """The reference row: FR-Train at the paper's table point of its column (lambda_f 0.52 on
    poisoned, 0.85 on clean labels), no selection; the same grid as :func:`train_frtrain_seeds`."""
    result = frtrain_grid_for_seeds(trains, vals, seeds, poisoned=poisoned)
    lambda_f = PAPER_LAMBDAS[_column(poisoned)][0]
    run = LAMBDA_F_GRID[_column(poisoned)].index(lambda_f)
    return [Fitted(partial(_predict_run, result, i, run), lambda_f) for i in range(len(seeds))]


def train_frtrain(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Fitted:
    """FR-Train, lambda_f chosen on the clean validation set (:func:`train_frtrain_seeds` for one seed)."""
    return train_frtrain_seeds([train], [val], [seed], poisoned=poisoned)[0]


def train_frtrain_paper_lambdas(train: Dataset, val: Dataset, seed: int, *, poisoned: bool = True) -> Fitted:
    """FR-Train at the paper's lambda_f (:func:`train_frtrain_paper_lambdas_seeds` for one seed)."""
    return train_frtrain_paper_lambdas_seeds([train], [val], [seed], poisoned=poisoned)[0]


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
    "RML->FC": train_rml_then_fc,
    "RML->LBC": train_rml_then_lbc,
    "RML->AD": train_rml_then_ad,
    "FR-Train": train_frtrain,
    "FR-Train (paper's lambdas)": train_frtrain_paper_lambdas,
}
# Each table method's knob, or None for a method without one. The table refuses a method that is
# not listed here (its knob would not be chosen by the rule), and a method listed with a knob
# whose predictor does not report the chosen setting.
KNOBS: dict[str, str | None] = {
    "LR": None, "RML": None,
    "FC": "c / c_max", "LBC": "rounds", "AD": "alpha",
    "RML+FC": "c / c_max", "RML+LBC": "rounds", "RML+AD": "alpha",
    "RML->FC": "c / c_max", "RML->LBC": "rounds", "RML->AD": "alpha",
    "FR-Train": "lambda_f",
    "FR-Train (paper's lambdas)": "lambda_f (fixed, the paper's)",
}  # fmt: skip
# Methods that train all seeds of a column at once (one FR-Train grid per column): name ->
# (training sets, validation sets, seeds, *, poisoned) -> one predictor per seed, the same as
# calling METHODS[name] seed by seed.
SEED_BATCHED: dict[str, Callable[..., list[Fitted]]] = {
    "FR-Train": train_frtrain_seeds,
    "FR-Train (paper's lambdas)": train_frtrain_paper_lambdas_seeds,
}
