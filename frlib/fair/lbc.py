"""LBC: label bias correction by example reweighting (Jiang and Nachum 2020), lesson 04, section 4.

Jiang and Nachum (AISTATS 2020, "Identifying and correcting label bias in machine learning",
Algorithm 1) model the observed labels as a biased version of unobserved true labels, and
show that training on the observed labels with weights

    w_i = sigmoid(sum_k lambda_k g_k(x_i))        if y_i = 1,
    w_i = 1 - sigmoid(sum_k lambda_k g_k(x_i))    if y_i = 0,

recovers a classifier for the true labels, for suitable multipliers lambda_k, one per fairness
constraint (here one per group, g_k(x) = 1[z = k]). The multipliers are found by repeating

1. train h on the weighted examples;
2. for each group k, the violation Delta_k = P(h = 1) - P(h = 1 | z = k) (the demographic-parity
   gap of h on the training data);
3. lambda_k <- lambda_k + eta * Delta_k: a group selected less often than average gets more weight
   on its positive examples and less on its negative ones.

With every lambda_k = 0 all weights are 1/2 and round 0 is plain logistic regression; as the
rounds go on h moves towards demographic parity. The course's knob for LBC is the number of
rounds: :func:`lbc_path` keeps the classifier of every round, and the paper's rule
(:func:`frlib.fair.choose_setting`) picks one on the clean validation set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import expit

from .._validation import check_positive_int, check_scalar
from ._common import (
    DEFAULT_L2,
    with_intercept,
    check_fairness_data,
    newton_logistic,
    params_to_model,
)
from ..models import LogisticRegression


def lbc_weights(y: np.ndarray, z: np.ndarray, multipliers: np.ndarray) -> np.ndarray:
    """Jiang and Nachum's example weights: sigmoid(lambda_{z_i}) for y_i = 1, 1 - that for y_i = 0."""
    positive_weight = expit(np.asarray(multipliers, dtype=float)[z])
    return np.where(y == 1, positive_weight, 1.0 - positive_weight)


@dataclass
class LBCPath:
    """The classifiers of every LBC round and how the multipliers moved.

    Attributes
    ----------
    models : list of frlib.models.LogisticRegression
        ``models[t]`` is h after t rounds of multiplier updates (``models[0]``: plain LR).
    multipliers : ndarray of shape (rounds + 1, 2)
        (lambda_0, lambda_1) used to train ``models[t]``.
    violations : ndarray of shape (rounds + 1, 2)
        (Delta_0, Delta_1) of ``models[t]`` on the training data.
    """

    models: list[LogisticRegression] = field(default_factory=list)
    multipliers: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    violations: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))


def lbc_path(
    X: Any,
    y: Any,
    z: Any,
    *,
    rounds: int = 30,
    eta: float = 1.0,
    sample_weight: Any = None,
    l2: float = DEFAULT_L2,
    seed: int = 0,
) -> LBCPath:
    """Run LBC for ``rounds`` rounds and keep the classifier of every round.

    Parameters
    ----------
    X : array of shape (n, d)
    y, z : arrays of {0, 1}, shape (n,)
    rounds : int, default 30
        Number of multiplier updates (each followed by a refit).
    eta : float > 0, default 1.0
        Step size of the multiplier update lambda_k += eta * Delta_k.
    sample_weight : array of shape (n,), optional
        Per-example weights multiplied into LBC's weights (the two-step baselines pass RML's
        weights); the selection rates in Delta_k are measured on all examples alike.
    l2 : float, default 1e-4
        Ridge penalty of each logistic-regression fit.
    seed : int

    Returns
    -------
    LBCPath
    """
    X, y, z, base = check_fairness_data(X, y, z, sample_weight)
    rounds = check_positive_int(rounds, "rounds", minimum=0)
    eta = check_scalar(eta, "eta", min_val=0, include_boundaries="neither")
    l2 = check_scalar(l2, "l2", min_val=0)
    base = base / base.sum()
    X1 = with_intercept(X)
    y_float = y.astype(float)
    groups = [z == 0, z == 1]
    multipliers = np.zeros(2)
    path = LBCPath()
    history_multipliers, history_violations = [], []
    params = None
    for _ in range(rounds + 1):
        weights = base * lbc_weights(y, z, multipliers)
        params = newton_logistic(X1, y_float, weights / weights.sum(), l2=l2, start=params)
        predicted = (X1 @ params >= 0).astype(float)
        overall = predicted.mean()
        violations = np.array([overall - predicted[g].mean() for g in groups])
        path.models.append(params_to_model(params, seed=seed))
        history_multipliers.append(multipliers.copy())
        history_violations.append(violations)
        multipliers = multipliers + eta * violations
    path.multipliers = np.array(history_multipliers)
    path.violations = np.array(history_violations)
    return path


def fit_lbc(
    X: Any,
    y: Any,
    z: Any,
    *,
    rounds: int = 30,
    eta: float = 1.0,
    sample_weight: Any = None,
    l2: float = DEFAULT_L2,
    seed: int = 0,
) -> LogisticRegression:
    """LBC (Jiang and Nachum 2020): the classifier after ``rounds`` rounds of :func:`lbc_path`."""
    return lbc_path(X, y, z, rounds=rounds, eta=eta, sample_weight=sample_weight, l2=l2, seed=seed).models[-1]
