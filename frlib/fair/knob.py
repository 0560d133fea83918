"""The paper's knob rule: each fair method's fairness knob chosen on the clean validation set.

The FR-Train paper (Roh et al. 2020, section 5) compares with fair methods whose fairness knob
it sets by one rule, which the course follows: each method sweeps its knob (FC: the covariance
bound c; LBC: the number of multiplier rounds; AD: alpha; :func:`knob_grid`) and keeps **the
most accurate setting whose disparate impact on the clean validation set reaches the target 0.8;
if none does, the setting with the highest validation DI** (:func:`choose_setting`).
:func:`fit_fair` does both; the table's fair-only and two-step methods
(:mod:`frlib.methods`) call it. The course applies the same rule, on the same clean validation
set, to every method of its tables that has a knob, FR-Train's lambda_f included
(:func:`frlib.methods.train_frtrain_seeds`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from .._validation import as_binary, check_choice, check_positive_int, check_same_length
from ..config import budget
from ..data import Dataset
from ..metrics import disparate_impact_from_rates
from ..models import LogisticRegression, predict
from ._common import TARGET_DI, check_target_di
from .adversarial import ad_path
from .constraints import fc_path, unconstrained_covariance
from .lbc import lbc_path

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


@dataclass(frozen=True)
class Choice:
    """The setting :func:`choose_setting` picked and why.

    Attributes
    ----------
    index : int
        Position of the chosen setting in the candidate list.
    reached_target : bool
        True when the chosen setting's validation DI reaches the target; False when no
        setting did and the fairest one was taken.
    accuracy, disparate_impact : ndarray
        Validation accuracy and DI of every candidate.
    """

    index: int
    reached_target: bool
    accuracy: np.ndarray
    disparate_impact: np.ndarray


def rates_of_many(predictions: np.ndarray, y: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Accuracy and disparate impact of each row of a (K, n) array of {0, 1} predictions."""
    accuracy = (predictions == y).mean(axis=1)
    di = disparate_impact_from_rates(predictions[:, z == 0].mean(axis=1), predictions[:, z == 1].mean(axis=1))
    return accuracy, di


def choose_setting(
    predictions: Sequence[Any] | np.ndarray, y_val: Any, z_val: Any, target_di: float = TARGET_DI,
    *, method: str | None = None,
) -> Choice:
    """Pick one setting of a fairness knob by the FR-Train paper's rule.

    Among the candidates whose disparate impact on the clean validation set is at least
    ``target_di``, the one with the highest validation accuracy (ties: the higher DI, then the
    earlier candidate); if none reaches the target, the candidate with the highest validation DI
    (ties: the more accurate, then the earlier).

    Parameters
    ----------
    predictions : (K, n) array or sequence of K arrays of {0, 1}
        Each candidate setting's predictions on the validation set.
    y_val, z_val : arrays of {0, 1}, shape (n,)
        Clean validation labels and groups.
    target_di : float in (0, 1], default 0.8
    method : str, optional
        The method whose knob is chosen; named in the error messages.

    Returns
    -------
    Choice
    """
    who = f"{method}: " if method else ""
    target_di = check_target_di(target_di)
    y_val = as_binary(y_val, "y_val")
    z_val = as_binary(z_val, "z_val")
    check_same_length(y_val=y_val, z_val=z_val)
    for group in (0, 1):
        if not np.any(z_val == group):
            raise ValueError(f"{who}the validation set has no members of group z = {group} (z_val); the knob "
                             "rule measures disparate impact on it and needs both groups")
    if len(predictions) == 0:
        raise ValueError(f"{who}the knob rule got an empty grid (predictions is empty); give at least one "
                         "candidate setting")
    rows = [as_binary(p, f"predictions[{k}]") for k, p in enumerate(predictions)]
    for k, row in enumerate(rows):
        if len(row) != len(y_val):
            raise ValueError(f"predictions[{k}] has {len(row)} entries but y_val has {len(y_val)}")
    accuracy, di = rates_of_many(np.vstack(rows), y_val, z_val)
    fair = di >= target_di - 1e-12
    if fair.any():
        order = np.lexsort((-di, -accuracy))  # last key first: accuracy, then DI; stable
        index = int(next(k for k in order if fair[k]))
    else:
        index = int(np.lexsort((-accuracy, -di))[0])
    return Choice(index=index, reached_target=bool(fair.any()), accuracy=accuracy, disparate_impact=di)


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
    choice = choose_setting([predict(m, val.X) for m in candidates], val.y, val.z, target_di, method=method)
    return FairFit(method, candidates[choice.index], float(knobs[choice.index]), knobs, candidates, choice)
