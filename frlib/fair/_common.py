"""What the fair training methods of lesson 04 share (private; :mod:`frlib.fair` re-exports the public names).

* :func:`check_fairness_data`: the input checks of every method (features, binary labels, a
  binary group with both groups present, optional non-negative sample weights);
* the meaning of ``sample_weight`` in the in-processing methods (FC, LBC, AD): **how much each
  example's label counts in the classification loss** (the two-step baselines pass RML's weights, which say how much
  to trust each label). The fairness term (FC's covariance, LBC's selection rates, AD's
  adversary) is measured on the training examples as they are, unweighted: demographic
  parity is a property of the predictions on the population, not of the labels, and
  measuring it under label-trust weights would measure it on a distorted population (lesson
  04, section 9, shows what goes wrong). Reweighing and the group thresholds, which estimate
  probabilities from the data, treat sample weights as frequencies;
* :func:`check_target_di`: a target disparate impact in (0, 1]; :data:`CRITERIA`, the two
  fairness criteria a method can aim at;
* :func:`fit_weighted_logistic`: an exact fit of the weighted logistic loss
  (Newton's method, :func:`newton_logistic`), returned as the course's
  :class:`frlib.models.LogisticRegression`, so every fair method hands back the same model as
  lessons 01-03.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

import numpy as np
import torch
from scipy.special import expit, log_expit
from threadpoolctl import threadpool_limits

from .._validation import (
    as_binary,
    as_features,
    check_both_groups,
    check_same_length,
    check_sample_weight,
    check_scalar,
)
from ..models import LogisticRegression

TARGET_DI = 0.8  # the "80% rule" of disparate impact, the paper's target
CRITERIA = ("demographic_parity", "equalized_odds")  # Yhat independent of Z; of Z given Y
DEFAULT_L2 = 1e-4  # a small ridge penalty (not on the intercept) keeps every fit finite


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run a block on one BLAS thread and one torch thread, then restore both.

    The fair methods work on small matrices with many short operations: there, several threads
    only wait for each other, and on a busy 2-core machine they made the fits 5 to 30 times
    slower (measured). The previous torch setting is restored on exit. Inside another
    ``one_thread`` block it does nothing (limiting the BLAS threads costs about 3 ms a call, and
    the table's methods make thousands of small fits).
    """
    if _one_thread_depth[0] and torch.get_num_threads() == 1:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    _one_thread_depth[0] += 1
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        _one_thread_depth[0] -= 1
        torch.set_num_threads(previous)


_one_thread_depth = [0]  # how many one_thread blocks are open


def check_target_di(target_di: Any, name: str = "target_di") -> float:
    """A target disparate impact: a number in (0, 1] (1 asks for equal selection rates)."""
    return check_scalar(target_di, name, min_val=0, max_val=1, include_boundaries="right",
                        why="DI is a ratio of selection rates; 1 is perfectly fair")


def check_fairness_data(
    X: Any, y: Any, z: Any, sample_weight: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(X, y, z, w)`` as NumPy: features, labels in {0, 1}, both groups present, weights."""
    X = as_features(X, "X")
    y = as_binary(y, "y")
    z = as_binary(z, "z")
    check_same_length(X=X, y=y, z=z)
    check_both_groups(z, "z")
    return X, y, z, check_sample_weight(sample_weight, len(y))


# --- an exact weighted logistic regression ------------------------------------------------------


def with_intercept(X: np.ndarray) -> np.ndarray:
    """X with a last column of ones, the intercept's (the parameter vector is (theta, b))."""
    return np.hstack([X, np.ones((len(X), 1))])


def logistic_loss_and_gradient(
    params: np.ndarray, X1: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float
) -> tuple[float, np.ndarray]:
    """Weighted mean logistic loss of ``params = (theta, b)`` and its gradient.

    L = sum_i w_i [log(1 + e^{f_i}) - y_i f_i] / sum_i w_i + (l2 / 2) ||theta||^2, with
    f_i = theta . x_i + b (``X1`` carries a last column of ones for b; ``w`` sums to 1).
    """
    f = X1 @ params
    loss = float(w @ (-log_expit(-f) - y * f))  # log(1 + e^f) - y f, computed stably
    grad = X1.T @ (w * (expit(f) - y))
    loss += 0.5 * l2 * float(params[:-1] @ params[:-1])
    grad[:-1] += l2 * params[:-1]
    return loss, grad


def params_to_model(params: np.ndarray, seed: int = 0) -> LogisticRegression:
    """A :class:`frlib.models.LogisticRegression` holding ``params = (theta, b)``."""
    model = LogisticRegression(len(params) - 1, seed=seed)
    with torch.no_grad():
        model.linear.weight.copy_(torch.as_tensor(params[:-1], dtype=torch.float32).reshape(1, -1))
        model.linear.bias.fill_(float(params[-1]))
    model.eval()
    return model


def newton_logistic(
    X1: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    *,
    l2: float = DEFAULT_L2,
    start: np.ndarray | None = None,
    constraint: tuple[np.ndarray, float] | None = None,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> np.ndarray:
    """Minimise :func:`logistic_loss_and_gradient` by Newton's method, optionally on a hyperplane.

    Each step solves H delta = -g with the Hessian H = X1^T diag(w p (1 - p)) X1 + l2 I (p the
    predicted probabilities; no penalty on the intercept), followed by a backtracking line search
    on the loss; it stops when the Newton decrement -g . delta / 2 falls below ``tol``. Logistic
    regression is smooth and convex, so a handful of steps reach the optimum (warm starts need
    one or two), and every step reads the data twice: fast on the 34,455 x 83 AdultCensus matrix.

    With ``constraint = (a, t)`` it minimises on the hyperplane a . params = t instead: the start
    is projected onto it and each step solves the KKT system [[H, a], [a^T, 0]] [delta, nu] = [-g, 0]
    (equality-constrained Newton; Boyd and Vandenberghe 2004, section 10.2). FC uses it for
    an active covariance bound.

    ``X1`` carries a last column of ones for the intercept; ``w`` sums to 1. The linear
    algebra runs on one thread (:func:`one_thread`).
    """
    with one_thread():
        return newton_iterations(X1, y, w, l2, start, constraint, max_iter, tol)


def newton_iterations(
    X1: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    l2: float,
    start: np.ndarray | None,
    constraint: tuple[np.ndarray, float] | None,
    max_iter: int,
    tol: float,
) -> np.ndarray:
    """The iterations of :func:`newton_logistic` without its thread limit: for a caller that
    refits many times inside one :func:`one_thread` block (entering it costs more than a fit)."""
    d = X1.shape[1]
    penalty = np.full(d, l2)
    penalty[-1] = 0.0
    X1_32 = X1.astype(np.float32)
    params = np.zeros(d) if start is None else np.array(start, dtype=float)
    if constraint is not None:
        a, target = constraint
        params = params - a * (a @ params - target) / (a @ a)
    loss, grad = logistic_loss_and_gradient(params, X1, y, w, l2)
    for _ in range(max_iter):
        p = expit(X1 @ params)
        curvature = (w * p * (1 - p)).astype(np.float32)
        hessian = (X1_32 * curvature[:, None]).T @ X1_32
        hessian = hessian.astype(float) + np.diag(penalty) + 1e-10 * np.eye(d)
        if constraint is None:
            system, rhs = hessian, -grad
        else:
            system = np.block([[hessian, a[:, None]], [a[None, :], np.zeros((1, 1))]])
            rhs = np.append(-grad, 0.0)
        try:
            step = np.linalg.solve(system, rhs)[:d]
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(system, rhs, rcond=None)[0][:d]
        decrement = -float(grad @ step)
        if decrement / 2 <= tol:
            break
        t = 1.0
        while True:
            new_params = params + t * step
            new_loss, new_grad = logistic_loss_and_gradient(new_params, X1, y, w, l2)
            if new_loss <= loss - 0.25 * t * decrement or t < 1e-10:
                break
            t /= 2
        params, loss, grad = new_params, new_loss, new_grad
    return params


def fit_logistic_params(
    X: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    *,
    l2: float = DEFAULT_L2,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """The minimiser ``(theta, b)`` of :func:`logistic_loss_and_gradient` for features ``X``
    (NumPy, checked; :func:`newton_logistic` with an intercept column added; ``start``
    warm-starts it, for example from the previous setting of a sweep)."""
    return newton_logistic(with_intercept(X), y.astype(float), w / w.sum(), l2=l2, start=start)


def fit_weighted_logistic(
    X: Any, y: Any, *, sample_weight: Any = None, l2: float = DEFAULT_L2, seed: int = 0
) -> LogisticRegression:
    """Logistic regression minimising the weighted logistic loss exactly.

    min_{theta, b}  sum_i w_i log(1 + exp(-s_i (theta . x_i + b))) / sum_i w_i + (l2 / 2) ||theta||^2,

    with s_i = 2 y_i - 1, solved to convergence with Newton's method (:func:`newton_logistic`).
    The same model and loss as :func:`frlib.models.fit_logistic_regression` (which runs Adam for
    a fixed number of epochs), solved to the optimum: the fair methods refit it many times (every
    setting of a knob, every round of LBC), so each fit must be fast and must not depend on a
    learning rate.

    Returns
    -------
    frlib.models.LogisticRegression
    """
    X = as_features(X, "X")
    y = as_binary(y, "y")
    check_same_length(X=X, y=y)
    w = check_sample_weight(sample_weight, len(y))
    l2 = check_scalar(l2, "l2", min_val=0)
    return params_to_model(fit_logistic_params(X, y, w, l2=l2), seed=seed)
