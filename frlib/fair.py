"""Fair training against data bias (lesson 04, the tutorial's Part II), and the paper's baselines.

The three families of fair training, each in its own module and re-exported here:

=========================  =================================================  ===================
family                     method                                             module
=========================  =================================================  ===================
pre-processing             reweighing (Kamiran and Calders 2012)              ``fair_reweighing``
in-processing              FC, the covariance constraint (Zafar et al. 2017)  ``fair_constraints``
in-processing              LBC, label bias correction (Jiang and Nachum 2020) ``fair_lbc``
in-processing              AD, adversarial debiasing (Zhang et al. 2018)      ``fair_adversarial``
post-processing            group thresholds (Hardt et al. 2016)               ``fair_postprocessing``
=========================  =================================================  ===================

Every method trains the course's :class:`frlib.models.LogisticRegression` and takes per-example
weights. This module adds what the FR-Train paper's table needs (Roh et al. 2020, section 5):

* **the knob rule** (:func:`fit_fair`): each method sweeps its fairness knob (FC: the covariance
  bound c; LBC: the number of multiplier rounds; AD: alpha) and keeps **the most accurate
  setting whose disparate impact on the clean validation set reaches the target 0.8; if none
  does, the setting with the highest validation DI** (:func:`frlib.fair_common.choose_setting`);
* the **fair-only** methods of the table, ``FC``, ``LBC`` and ``AD`` (:func:`train_fc`, ...),
  and the **two-step** baselines ``RML+FC``, ``RML+LBC``, ``RML+AD``: first RML (learning to
  reweight against the clean validation set, :mod:`frlib.robust.rml`) gives every training
  example a weight, then the fair method trains with those weights in its classification loss,
  its fairness term measured on all training examples alike (:func:`train_rml_fc`, ...; why:
  :mod:`frlib.fair_common` and lesson 04, section 9). All have the signature of
  :data:`frlib.methods.METHODS`.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ._validation import check_choice, check_positive_int
from .config import budget, is_quick
from .data import Dataset
from .fair_adversarial import ad_path, fit_ad
from .fair_common import (
    TARGET_DI,
    Choice,
    check_target_di,
    choose_setting,
    fit_weighted_logistic,
    one_thread,
)
from .fair_constraints import decision_boundary_covariance, fc_path, fit_fc, unconstrained_covariance
from .fair_lbc import fit_lbc, lbc_path, lbc_weights
from .fair_postprocessing import GroupThresholds, fit_group_thresholds
from .fair_reweighing import fit_reweighing, reweighing_weights
from .models import LogisticRegression, predict

__all__ = [
    "TARGET_DI",
    "FAIR_METHODS",
    "FairFit",
    "GroupThresholds",
    "ad_path",
    "choose_setting",
    "decision_boundary_covariance",
    "fc_path",
    "fit_ad",
    "fit_fair",
    "fit_fc",
    "fit_group_thresholds",
    "fit_lbc",
    "fit_reweighing",
    "fit_weighted_logistic",
    "knob_grid",
    "lbc_path",
    "lbc_weights",
    "reweighing_weights",
    "rml_weights",
    "unconstrained_covariance",
]

FAIR_METHODS = ("FC", "LBC", "AD")
KNOB_NAMES = {"FC": "covariance bound c", "LBC": "rounds", "AD": "alpha"}

# LBC's step size (Jiang and Nachum's lambda_k += eta * Delta_k): one round moves DI by a few points.
LBC_ETA = 1.0
# AD trains on at most this many rows per step on large data (a random batch each step).
AD_BATCH = 4096


def knob_grid(method: str, train: Dataset | None = None, sample_weight: Any = None) -> np.ndarray:
    """The settings of a method's fairness knob that :func:`fit_fair` sweeps (quick or full).

    * FC: covariance bounds c from the unconstrained model's |Cov| down to 0 (``train`` needed);
    * LBC: rounds 0, 1, ..., R (round 0 is plain logistic regression);
    * AD: alpha = 0 and a geometric grid from 0.003 to 1.
    """
    method = check_choice(method, "method", FAIR_METHODS)
    if method == "FC":
        if not isinstance(train, Dataset):
            raise TypeError("knob_grid('FC', train) needs the training Dataset to scale the bounds")
        c_max = unconstrained_covariance(train.X, train.y, train.z, sample_weight=sample_weight)
        return c_max * np.linspace(1.0, 0.0, budget(full=41, quick=21))
    if method == "LBC":
        return np.arange(budget(full=40, quick=20) + 1)
    return np.concatenate([[0.0], np.geomspace(0.003, 1.0, budget(full=24, quick=8))])


@dataclass
class FairFit:
    """A fair method fitted with its knob chosen on the clean validation set.

    Attributes
    ----------
    method : str
        ``"FC"``, ``"LBC"`` or ``"AD"``.
    model : frlib.models.LogisticRegression
        The chosen model.
    knob : float
        The chosen setting.
    knobs : ndarray
        Every setting swept.
    candidates : list of LogisticRegression
        The model of every setting (``candidates[choice.index] is model``).
    choice : Choice
        Validation accuracy and DI of every setting, and whether the target was reached.
    """

    method: str
    model: LogisticRegression
    knob: float
    knobs: np.ndarray
    candidates: list
    choice: Choice

    def predict(self, X: Any) -> np.ndarray:
        """{0, 1} predictions of the chosen model."""
        return predict(self.model, X)


def _candidates(method: str, train: Dataset, knobs: np.ndarray, sample_weight: Any, seed: int) -> list:
    X, y, z = train.X, train.y, train.z
    if method == "FC":
        return fc_path(X, y, z, knobs, sample_weight=sample_weight, seed=seed)
    if method == "LBC":
        return lbc_path(X, y, z, rounds=int(knobs[-1]), eta=LBC_ETA, sample_weight=sample_weight,
                        seed=seed).models
    batch = AD_BATCH if len(y) > AD_BATCH else None
    return ad_path(X, y, z, knobs, epochs=budget(full=400, quick=200), sample_weight=sample_weight,
                   batch_size=batch, seed=seed)


def fit_fair(
    method: str,
    train: Dataset,
    val: Dataset,
    *,
    seed: int = 0,
    sample_weight: Any = None,
    target_di: float = TARGET_DI,
) -> FairFit:
    """Sweep a fair method's knob on ``train`` and keep the setting the paper's rule picks on ``val``.

    The rule (Roh et al. 2020, section 5): the most accurate setting whose DI on the clean
    validation set is at least ``target_di``; if none is, the setting with the highest
    validation DI. See :func:`knob_grid` for the settings swept.

    Parameters
    ----------
    method : {"FC", "LBC", "AD"}
    train : Dataset
        Training data (clean or poisoned labels).
    val : Dataset
        The clean validation set.
    seed : int
    sample_weight : array of shape (len(train),), optional
        Per-example weights (the two-step baselines pass RML's).
    target_di : float in (0, 1], default 0.8

    Returns
    -------
    FairFit
    """
    method = check_choice(method, "method", FAIR_METHODS)
    if not isinstance(train, Dataset) or not isinstance(val, Dataset):
        raise TypeError("train and val must be frlib.data.Dataset objects")
    seed = check_positive_int(seed, "seed", minimum=0)
    target_di = check_target_di(target_di)
    knobs = knob_grid(method, train, sample_weight)
    candidates = _candidates(method, train, knobs, sample_weight, seed)
    choice = choose_setting([predict(m, val.X) for m in candidates], val.y, val.z, target_di)
    return FairFit(method, candidates[choice.index], float(knobs[choice.index]), knobs, candidates, choice)


# --- RML's weights, computed once per training set ----------------------------------------------

_RML_CACHE: OrderedDict[tuple, np.ndarray] = OrderedDict()
_RML_CACHE_SIZE = 8


def _fingerprint(*arrays: np.ndarray) -> str:
    digest = hashlib.sha1()
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
        digest.update(str(array.shape).encode())
    return digest.hexdigest()


def rml_weights(train: Dataset, val: Dataset, seed: int = 0) -> np.ndarray:
    """RML's example weights (mean 1) for ``train``, learned against the clean set ``val``.

    :func:`frlib.robust.rml.fit_rml` with the configuration of the table's ``"RML"`` method
    (logistic regression, :func:`frlib.robust.synthetic_config`; in the quick setting at most
    100 epochs, so that the two-step baselines stay fast on AdultCensus); the weight of an
    example is its learning-to-reweight weight averaged over training (Ren et al. 2018). The
    three two-step baselines of one training set share one computation (a small cache).
    """
    from .robust import fit_rml, synthetic_config

    if not isinstance(train, Dataset) or not isinstance(val, Dataset):
        raise TypeError("train and val must be frlib.data.Dataset objects")
    seed = check_positive_int(seed, "seed", minimum=0)
    key = (seed, is_quick(), _fingerprint(train.X, train.y, val.X, val.y))
    if key in _RML_CACHE:
        _RML_CACHE.move_to_end(key)
        return _RML_CACHE[key].copy()
    config = synthetic_config()
    config = replace(config, epochs=budget(full=config.epochs, quick=min(config.epochs, 100)))
    with one_thread():
        fit = fit_rml(train.X, train.y, val.X, val.y, n_classes=2, config=config, seed=seed)
    weights = np.asarray(fit.weights, dtype=float)
    _RML_CACHE[key] = weights
    while len(_RML_CACHE) > _RML_CACHE_SIZE:
        _RML_CACHE.popitem(last=False)
    return weights.copy()
