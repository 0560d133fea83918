"""FC: logistic regression under a fairness constraint (Zafar et al. 2017), lesson 04, section 3.

Zafar, Valera, Gomez Rodriguez and Gummadi (AISTATS 2017, "Fairness constraints: mechanisms for
fair classification", section 3) replace the non-convex demographic-parity constraint by a
convex proxy, the empirical covariance between the sensitive attribute and the signed distance
to the decision boundary:

    Cov(z, d_theta(x)) = (1/N) sum_i (z_i - zbar) d_theta(x_i),   d_theta(x) = theta . x + b,

and train

    min_theta  L(theta)   subject to   |Cov(z, d_theta(x))| <= c,

with L the logistic loss. The bound ``c`` is the fairness knob: ``c = 0`` asks for a boundary
uncorrelated with z, a large ``c`` leaves plain logistic regression. The intercept b drops out of
the covariance (sum_i (z_i - zbar) = 0), so the constraint is linear in theta,
|a . theta| <= c with a = (1/N) sum_i (z_i - zbar) x_i, and the problem stays convex. When the
bound binds, the optimum lies on the hyperplane a . theta = +-c, and the course finds it with
equality-constrained Newton steps (:func:`frlib.fair.newton_logistic`). Sample weights
weight the logistic loss; the covariance is measured on all examples alike (see
:mod:`frlib.fair._common`).

* :func:`decision_boundary_covariance`: Cov(z, d_theta(x)) of a model;
* :func:`fit_fc`: one fit for one bound c;
* :func:`fc_path`: the fits for a sweep of bounds, warm-started one from the next.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .._validation import as_binary, as_features, check_same_length, check_scalar
from ._common import (
    DEFAULT_L2,
    with_intercept,
    check_fairness_data,
    check_sample_weight,
    newton_logistic,
    params_to_model,
)
from ..models import LogisticRegression, linear_weights


def covariance_direction(X: np.ndarray, z: np.ndarray, w: np.ndarray) -> np.ndarray:
    """a = sum_i w_i (z_i - zbar_w) x_i / sum_i w_i, so that Cov(z, theta . x + b) = a . theta."""
    w = w / w.sum()
    centred = z - w @ z
    return (w * centred) @ X


def decision_boundary_covariance(model: Any, X: Any, z: Any, sample_weight: Any = None) -> float:
    """Zafar et al.'s covariance between z and the signed distance to the decision boundary.

    Cov = sum_i w_i (z_i - zbar) (theta . x_i + b) / sum_i w_i,   zbar = sum_i w_i z_i / sum_i w_i

    (all w_i = 1 without ``sample_weight``: the plain empirical covariance (1/N) sum_i ...).

    Parameters
    ----------
    model : frlib.models.LogisticRegression, or a parameter vector (theta_1..theta_d, b)
    X : array of shape (n, d)
    z : array of {0, 1}, shape (n,)
    sample_weight : array of shape (n,), optional

    Returns
    -------
    float
    """
    X = as_features(X, "X")
    z = as_binary(z, "z")
    check_same_length(X=X, z=z)
    w = check_sample_weight(sample_weight, len(z))
    if isinstance(model, LogisticRegression):
        params = np.append(*linear_weights(model))
    else:
        params = np.asarray(model, dtype=float).ravel()
    if params.shape != (X.shape[1] + 1,):
        raise ValueError(
            f"model has {params.size - 1} weights (plus an intercept) but X has {X.shape[1]} columns"
        )
    return float(covariance_direction(X, z.astype(float), w) @ params[:-1])


def _check_bound(c: Any) -> float:
    return check_scalar(c, "c (the covariance bound)", min_val=0,
                        why="it bounds |Cov(z, d(x))|, and 0 asks for no correlation at all")


def _constrained_params(
    X1: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    a: np.ndarray,
    c: float,
    l2: float,
    unconstrained: np.ndarray,
    start: np.ndarray,
) -> np.ndarray:
    """min weighted logistic loss s.t. -c <= a . theta <= c, warm-started at ``start``.

    If the unconstrained optimum satisfies the bound it is the answer. Otherwise (the problem
    is convex) the bound is active at the optimum, on the side of the unconstrained optimum:
    minimise on the hyperplane a . theta = sign(a . theta_unconstrained) c by
    equality-constrained Newton steps.
    """
    a1 = np.append(a, 0.0)  # the intercept does not enter the covariance
    side = a1 @ unconstrained
    if abs(side) <= c or a1 @ a1 == 0:
        return unconstrained
    return newton_logistic(X1, y, w, l2=l2, start=start, constraint=(a1, float(np.sign(side)) * c))


def fc_path(
    X: Any,
    y: Any,
    z: Any,
    bounds: Sequence[float],
    *,
    sample_weight: Any = None,
    l2: float = DEFAULT_L2,
    seed: int = 0,
) -> list[LogisticRegression]:
    """FC for several covariance bounds: one :class:`~frlib.models.LogisticRegression` per bound.

    Each fit starts from the previous bound's solution (sort ``bounds`` from large to small
    for the fastest path). Returns the models in the order of ``bounds``.
    """
    X, y, z, w = check_fairness_data(X, y, z, sample_weight)
    bounds = [_check_bound(c) for c in bounds]
    if not bounds:
        raise ValueError("bounds is empty; give at least one covariance bound c >= 0")
    l2 = check_scalar(l2, "l2", min_val=0)
    w = w / w.sum()
    X1 = with_intercept(X)
    a = covariance_direction(X, z.astype(float), np.ones(len(z)))  # the population: unweighted
    unconstrained = newton_logistic(X1, y.astype(float), w, l2=l2)
    models, start = [], unconstrained
    for c in bounds:
        start = _constrained_params(X1, y.astype(float), w, a, c, l2, unconstrained, start)
        models.append(params_to_model(start, seed=seed))
    return models


def fit_fc(
    X: Any,
    y: Any,
    z: Any,
    c: float,
    *,
    sample_weight: Any = None,
    l2: float = DEFAULT_L2,
    seed: int = 0,
) -> LogisticRegression:
    """FC (Zafar et al. 2017): logistic regression with |Cov(z, theta . x + b)| <= c.

    min_{theta, b}  sum_i w_i log(1 + exp(-s_i (theta . x_i + b))) / sum_i w_i + (l2 / 2) ||theta||^2
    subject to      |(1/N) sum_i (z_i - zbar) (theta . x_i + b)| <= c

    (s_i = 2 y_i - 1). ``X`` may include z as a feature (the paper's synthetic data does).

    Parameters
    ----------
    X : array of shape (n, d)
    y, z : arrays of {0, 1}, shape (n,)
    c : float >= 0
        The covariance bound, the fairness knob: smaller is fairer. The unconstrained logistic
        regression's |Cov| is the largest bound that changes anything.
    sample_weight : array of shape (n,), optional
        Per-example weights of the logistic loss (the two-step baselines pass RML's weights);
        the covariance in the constraint is unweighted.
    l2 : float, default 1e-4
        Ridge penalty on theta (not on b).
    seed : int

    Returns
    -------
    frlib.models.LogisticRegression
    """
    return fc_path(X, y, z, [c], sample_weight=sample_weight, l2=l2, seed=seed)[0]


def unconstrained_covariance(X: Any, y: Any, z: Any, *, sample_weight: Any = None, l2: float = DEFAULT_L2) -> float:
    """|Cov(z, d(x))| (unweighted) of the unconstrained (weighted) logistic regression: the largest
    bound that changes anything, where FC's sweep starts."""
    X, y, z, w = check_fairness_data(X, y, z, sample_weight)
    params = newton_logistic(with_intercept(X), y.astype(float), w / w.sum(), l2=check_scalar(l2, "l2", min_val=0))
    return abs(float(covariance_direction(X, z.astype(float), np.ones(len(z))) @ params[:-1]))
