"""Repairing features: the disparate-impact remover (lesson 04, section 2; pre-processing).

Feldman, Friedler, Moeller, Scheidegger & Venkatasubramanian (KDD 2015, "Certifying and removing
disparate impact", section 5) change the *features* so that they no longer tell the groups
apart, while keeping each group's ranking. For a feature x and group g, let F_g be the
distribution function of x in group g and F_g^{-1} its quantile function. An example of group g
at value x sits at quantile u = F_g(x) of its group; its repaired value is the median over the
groups of the groups' values at that quantile,

    xbar = median_g F_g^{-1}(u),

so that, after a full repair, every group has the same distribution of the feature (the
"median distribution") and a classifier that does not see z cannot separate the groups by
this feature. A partial repair moves each value part of the way,

    x(lambda) = (1 - lambda) * x + lambda * xbar,      lambda in [0, 1]

(the paper's "geometric" partial repair), trading fairness against the information the
feature carries. Empirical F_g(x) is the mid-rank (rank + 1/2) / n_g of x in its group;
F_g^{-1}(u) is ``numpy.quantile`` of the group's values at u (linear interpolation).
"""

from __future__ import annotations

import numbers
from typing import Any, Sequence

import numpy as np

from .._validation import as_features, as_vector, check_same_length


def _check_level(level: Any) -> float:
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 <= level <= 1:
        raise ValueError(f"level must be a number in [0, 1] (0: no repair, 1: full repair), got {level!r}")
    return float(level)


def repair_column(x: Any, z: Any, level: float = 1.0) -> np.ndarray:
    """One feature repaired towards the groups' median distribution (Feldman et al. 2015).

    Parameters
    ----------
    x : array of shape (n,)
        The feature's values.
    z : array of shape (n,)
        Group of each example (any values; every group needs at least one member).
    level : float in [0, 1]
        lambda: 0 returns x unchanged, 1 the full repair.

    Returns
    -------
    ndarray of shape (n,)
        Within each group the order of the values is kept (ties keep their input order).
    """
    x = as_vector(x, "x").astype(float)
    z = as_vector(z, "z")
    check_same_length(x=x, z=z)
    level = _check_level(level)
    if len(x) == 0:
        raise ValueError("x is empty")
    groups = np.unique(z)
    quantiles = np.empty(len(x))
    for g in groups:
        members = np.flatnonzero(z == g)
        ranks = np.empty(len(members))
        ranks[np.argsort(x[members], kind="stable")] = np.arange(len(members))
        quantiles[members] = (ranks + 0.5) / len(members)
    # every group's value at each example's quantile, then the median over groups
    at_quantile = np.stack([np.quantile(x[z == g], quantiles) for g in groups])
    repaired = np.median(at_quantile, axis=0)
    return (1.0 - level) * x + level * repaired


def repair_features(X: Any, z: Any, level: float = 1.0, columns: Sequence[int] | None = None) -> np.ndarray:
    """:func:`repair_column` applied to the given columns of X (default: all of them).

    Returns a new array; the columns not listed are copied unchanged (for example a column that
    *is* the sensitive attribute, which a repaired data set should not feed to the model).
    """
    X = as_features(X, "X")
    z = as_vector(z, "z")
    check_same_length(X=X, z=z)
    level = _check_level(level)
    if columns is None:
        columns = range(X.shape[1])
    columns = list(columns)
    for column in columns:
        if isinstance(column, bool) or not isinstance(column, numbers.Integral) or not 0 <= column < X.shape[1]:
            raise ValueError(f"columns must be column positions in [0, {X.shape[1]}), got {column!r}")
    repaired = X.astype(float).copy()
    for column in columns:
        repaired[:, column] = repair_column(X[:, column], z, level)
    return repaired
