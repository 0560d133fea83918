"""Fairness when the sensitive attribute is noisy (lesson 09, section 1; the tutorial's Part III).

A fair method needs z to measure its unfairness. When the recorded groups are wrong for some
people (self-reported attributes, a proxy such as a name or a postcode, a survey respondent
who hides their group), the method measures its gap against the wrong groups.

**The noise model.** The observed group z~ is the true group z flipped at random, independently
of the features x and the label y given z (:func:`flip_groups`):

    P(z~ = 1 | z = 0) = rho_0,        P(z~ = 0 | z = 1) = rho_1,        rho_0, rho_1 in [0, 0.5).

The examples recorded as group 0 are then a *mixture* of the two true groups, and so are those
recorded as group 1 (the "mutually contaminated" model of Scott et al. 2013 and Menon et al.
2015, used by Lamy et al. 2019):

    P(x | z~ = 0) = (1 - alpha) P(x | z = 0) + alpha P(x | z = 1),
    P(x | z~ = 1) = beta P(x | z = 0) + (1 - beta) P(x | z = 1),

with alpha = P(z = 1 | z~ = 0) and beta = P(z = 0 | z~ = 1), by Bayes' rule from the flip rates
and the share of group 1 (:func:`mixture_rates`, :func:`mixture_rates_from_observed`).

**The identity** (Lamy, Zhong, Menon and Verma, NeurIPS 2019, "Noise-tolerant fair
classification"). For a classifier f that depends on x only, its selection rate in each
recorded group is the same mixture of its rates r_0, r_1 in the true groups,

    r~_0 = (1 - alpha) r_0 + alpha r_1,        r~_1 = beta r_0 + (1 - beta) r_1,

so the demographic-parity gap measured with the noisy groups is the true gap, shrunk:

    r~_0 - r~_1 = (1 - alpha - beta) (r_0 - r_1).

Within one class y the same holds for the true-positive (y = 1) or false-positive (y = 0) rates,
with alpha and beta computed inside that class: the equal opportunity and equalized odds gaps
shrink the same way. A classifier that *looks* fair on the noisy groups (measured gap at most
tau) can be unfair by up to tau / (1 - alpha - beta). **The correction**: train with the
tolerance tau (1 - alpha - beta) on the noisy groups; the true gap is then at most tau
(:func:`noise_tolerant_tolerance`, :func:`fit_fc_within_tolerance`). Lamy et al. estimate
alpha and beta with noise-rate estimators from the label-noise literature; here they are
computed from known flip rates (a simplification).

Functions:

* :func:`flip_groups`: flip z at a rate per group;
* :func:`mixture_rates`, :func:`mixture_rates_from_observed`: alpha and beta;
* :func:`noise_tolerant_tolerance`: tau (1 - alpha - beta);
* :func:`unmix_group_rates`: the true group rates recovered from the measured ones;
* :func:`fit_fc_within_tolerance`: FC (Zafar et al. 2017, lesson 04) with its covariance bound
  chosen as the most accurate whose measured demographic-parity gap is within a tolerance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import as_binary, check_positive_int, check_rate, check_scalar
from ._common import DEFAULT_L2, check_fairness_data
from .constraints import fc_path, unconstrained_covariance
from ..models import LogisticRegression, predict
from ..poison import Flipped, flip_random


def check_group_flip_rate(rate: Any, name: str) -> float:
    """A flip rate of the sensitive attribute: a number in [0, 0.5).

    At 0.5 the recorded group says nothing about the true one, and above it the groups are
    swapped more often than not; the correction divides by 1 - alpha - beta, which must stay
    positive.
    """
    return check_rate(rate, name, below=0.5, why="it is the probability that a member's recorded group is "
                      "the other one, and at 0.5 or more the record carries no information")


def _check_share(share: Any, name: str) -> float:
    return check_scalar(share, name, min_val=0, max_val=1, include_boundaries="neither",
                        why="both groups need members")


def _check_mixture(alpha: Any, beta: Any) -> tuple[float, float]:
    values = [check_rate(alpha, "alpha", below=1.0), check_rate(beta, "beta", below=1.0)]
    if values[0] + values[1] >= 1.0:
        raise ValueError(
            f"alpha + beta must be below 1, got {values[0]} + {values[1]}: at 1 the recorded groups "
            "are the same mixture and no gap can be measured"
        )
    return values[0], values[1]


def flip_groups(z: Any, rate_0: float, rate_1: float | None = None, *, seed: int = 0) -> Flipped:
    """Record the sensitive attribute with noise: flip z in each group at its own rate.

    Exactly ``round(rate_g * n_g)`` members of group g get the other group (chosen uniformly at
    random, so independently of x and y given z: the noise model of Lamy et al. 2019).

    Parameters
    ----------
    z : array of {0, 1}
        The true groups.
    rate_0 : float in [0, 0.5)
        rho_0 = P(z~ = 1 | z = 0).
    rate_1 : float in [0, 0.5), optional
        rho_1 = P(z~ = 0 | z = 1); default ``rate_0`` (symmetric noise).
    seed : int

    Returns
    -------
    frlib.poison.Flipped
        ``(labels, indices)``: the recorded groups z~ and the positions that were flipped.
    """
    z = as_binary(z, "z")
    rate_0 = check_group_flip_rate(rate_0, "rate_0")
    rate_1 = rate_0 if rate_1 is None else check_group_flip_rate(rate_1, "rate_1")
    seed = check_positive_int(seed, "seed", minimum=0)
    # flip_random(z, rate, z=z, group=g) flips round(rate * n_g) entries of z inside group g;
    # the two groups get independent draws (seed and seed + 1).
    from_0 = flip_random(z, rate_0, seed=seed, z=z, group=0).indices
    from_1 = flip_random(z, rate_1, seed=seed + 1, z=z, group=1).indices
    flipped = np.sort(np.concatenate([from_0, from_1])).astype(np.int64)
    observed = z.copy()
    observed[flipped] = 1 - observed[flipped]
    return Flipped(observed, flipped)


def mixture_rates(rate_0: float, rate_1: float, share_1: float) -> tuple[float, float]:
    """alpha = P(z = 1 | z~ = 0) and beta = P(z = 0 | z~ = 1) from the flip rates (Bayes' rule).

    With p = P(z = 1) = ``share_1``:

        alpha = p rho_1 / ((1 - p)(1 - rho_0) + p rho_1),
        beta  = (1 - p) rho_0 / ((1 - p) rho_0 + p (1 - rho_1)).

    Equivalently 1 - alpha - beta = (1 - rho_0 - rho_1) p (1 - p) / (p~ (1 - p~)), with
    p~ = P(z~ = 1): the shrinkage equals 1 - rho_0 - rho_1 only when the recorded groups are
    as large as the true ones.
    """
    rate_0 = check_group_flip_rate(rate_0, "rate_0")
    rate_1 = check_group_flip_rate(rate_1, "rate_1")
    p = _check_share(share_1, "share_1")
    alpha = p * rate_1 / ((1 - p) * (1 - rate_0) + p * rate_1)
    beta = (1 - p) * rate_0 / ((1 - p) * rate_0 + p * (1 - rate_1))
    return float(alpha), float(beta)


def mixture_rates_from_observed(z_observed: Any, rate_0: float, rate_1: float) -> tuple[float, float]:
    """alpha and beta from the recorded groups and the flip rates, without the true groups.

    The true share of group 1 follows from the recorded one, p~ = (1 - p) rho_0 + p (1 - rho_1):
    p = (p~ - rho_0) / (1 - rho_0 - rho_1) (clipped into (0, 1)); then :func:`mixture_rates`.
    For equal opportunity or equalized odds, pass the recorded groups of one class,
    ``z_observed[y == 1]`` (or ``y == 0``): the mixture rates inside that class.
    """
    z_observed = as_binary(z_observed, "z_observed")
    rate_0 = check_group_flip_rate(rate_0, "rate_0")
    rate_1 = check_group_flip_rate(rate_1, "rate_1")
    share = (z_observed.mean() - rate_0) / (1.0 - rate_0 - rate_1)
    eps = 0.5 / len(z_observed)
    return mixture_rates(rate_0, rate_1, float(np.clip(share, eps, 1 - eps)))


def noise_tolerant_tolerance(tolerance: float, alpha: float, beta: float) -> float:
    """Lamy et al.'s corrected tolerance: tau (1 - alpha - beta).

    A classifier of x alone whose demographic-parity (or equal opportunity) gap measured with
    the noisy groups is at most tau (1 - alpha - beta) has a true gap of at most tau, because
    the measured gap is (1 - alpha - beta) times the true one (Lamy, Zhong, Menon and Verma 2019).
    """
    tolerance = check_scalar(tolerance, "tolerance", min_val=0)
    if tolerance > 1:
        raise ValueError(f"tolerance is a gap between two rates and must be in [0, 1], got {tolerance}")
    alpha, beta = _check_mixture(alpha, beta)
    return tolerance * (1.0 - alpha - beta)


def unmix_group_rates(rate_0_observed: float, rate_1_observed: float, alpha: float, beta: float) -> tuple[float, float]:
    """The true group rates (r_0, r_1) from the rates measured on the noisy groups.

    Inverts r~_0 = (1 - alpha) r_0 + alpha r_1, r~_1 = beta r_0 + (1 - beta) r_1 (determinant
    1 - alpha - beta):

        r_0 = ((1 - beta) r~_0 - alpha r~_1) / (1 - alpha - beta),
        r_1 = ((1 - alpha) r~_1 - beta r~_0) / (1 - alpha - beta),

    clipped into [0, 1] (on a finite sample the estimate can leave it). With these, the true
    disparate impact of a classifier can be estimated from noisy groups.
    """
    alpha, beta = _check_mixture(alpha, beta)
    r0_obs = check_rate(rate_0_observed, "rate_0_observed")
    r1_obs = check_rate(rate_1_observed, "rate_1_observed")
    det = 1.0 - alpha - beta
    r0 = ((1 - beta) * r0_obs - alpha * r1_obs) / det
    r1 = ((1 - alpha) * r1_obs - beta * r0_obs) / det
    return float(np.clip(r0, 0.0, 1.0)), float(np.clip(r1, 0.0, 1.0))


@dataclass
class ToleranceFit:
    """FC with its bound chosen by a demographic-parity tolerance (:func:`fit_fc_within_tolerance`).

    Attributes
    ----------
    model : frlib.models.LogisticRegression
        The chosen classifier.
    tolerance : float
        The tolerance asked for (on the true groups).
    effective_tolerance : float
        The tolerance applied to the gap measured with the given groups:
        tolerance (1 - alpha - beta).
    index : int
        Position of the chosen bound.
    bounds : ndarray
        The covariance bounds swept (FC's knob, largest first).
    measured_gap : ndarray
        |P(yhat=1 | z=0) - P(yhat=1 | z=1)| of every candidate, measured with the given groups.
    accuracy : ndarray
        Accuracy of every candidate on the given labels.
    within_tolerance : bool
        False when no candidate met the effective tolerance (the one with the smallest gap
        was taken).
    """

    model: LogisticRegression
    tolerance: float
    effective_tolerance: float
    index: int
    bounds: np.ndarray
    measured_gap: np.ndarray
    accuracy: np.ndarray
    within_tolerance: bool

    def predict(self, X: Any) -> np.ndarray:
        """{0, 1} predictions of the chosen model."""
        return predict(self.model, X)


def fit_fc_within_tolerance(
    X: Any,
    y: Any,
    z: Any,
    tolerance: float,
    *,
    alpha: float = 0.0,
    beta: float = 0.0,
    n_bounds: int = 61,
    l2: float = DEFAULT_L2,
    seed: int = 0,
) -> ToleranceFit:
    """The most accurate FC classifier whose measured demographic-parity gap is within a tolerance.

    FC (Zafar et al. 2017, :mod:`frlib.fair.constraints`) is swept over ``n_bounds`` covariance
    bounds from the unconstrained model's |Cov(z, d(x))| down to 0; each candidate's gap
    |P(yhat=1 | z=0) - P(yhat=1 | z=1)| and accuracy are measured on (X, y, z). The rule keeps
    the most accurate candidate whose gap is at most ``tolerance * (1 - alpha - beta)``; if none
    is, the one with the smallest gap.

    * ``alpha = beta = 0`` (default): the plain rule, which trusts z;
    * alpha, beta of the noise in z (:func:`mixture_rates_from_observed`): Lamy et al.'s
      noise-tolerant rule. Since the gap measured on the noisy groups is (1 - alpha - beta)
      times the true gap (for a classifier of x alone: leave z out of X), the chosen classifier
      has a true gap of at most ``tolerance``.

    Parameters
    ----------
    X : array of shape (n, d)
        Features; for the identity to hold, without the (noisy) sensitive attribute.
    y : array of {0, 1}
    z : array of {0, 1}
        The groups as recorded (possibly noisy).
    tolerance : float in [0, 1]
        The largest acceptable demographic-parity gap on the true groups.
    alpha, beta : float
        Mixture rates of the noise in z (0 for clean groups).
    n_bounds : int, default 61
    l2 : float
    seed : int

    Returns
    -------
    ToleranceFit
    """
    X, y, z, _ = check_fairness_data(X, y, z)
    effective = noise_tolerant_tolerance(tolerance, alpha, beta)
    n_bounds = check_positive_int(n_bounds, "n_bounds", minimum=2)
    c_max = unconstrained_covariance(X, y, z, l2=l2)
    bounds = c_max * np.linspace(1.0, 0.0, n_bounds)
    models = fc_path(X, y, z, bounds, l2=l2, seed=seed)
    predictions = np.vstack([predict(m, X) for m in models])
    gaps = np.abs(predictions[:, z == 0].mean(axis=1) - predictions[:, z == 1].mean(axis=1))
    accuracy = (predictions == y).mean(axis=1)
    within = gaps <= effective + 1e-12
    if within.any():
        index = int(np.flatnonzero(within)[np.argmax(accuracy[within])])
    else:
        index = int(np.argmin(gaps))
    return ToleranceFit(
        model=models[index],
        tolerance=float(tolerance),
        effective_tolerance=effective,
        index=index,
        bounds=bounds,
        measured_gap=gaps,
        accuracy=accuracy,
        within_tolerance=bool(within.any()),
    )

