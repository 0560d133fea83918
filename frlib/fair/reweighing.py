"""Pre-processing: reweighing (Kamiran and Calders 2012), lesson 04, section 2.

Kamiran and Calders (Knowledge and Information Systems 2012, "Data preprocessing techniques for
classification without discrimination", section 4.2) give each training example the weight

    W(z, y) = P_expected(z, y) / P_observed(z, y) = P(Z = z) P(Y = y) / P(Z = z, Y = y),

estimated by counts: W(z, y) = |{Z = z}| |{Y = y}| / (N |{Z = z, Y = y}|). Under these weights Z and
Y are independent (the weighted P(Y = 1 | Z = z) is the same for both groups) and every group
and every class keeps its total weight. A classifier trained on the reweighted data sees no
association between the group and the label, so it leans less on z. With prior sample weights
(for example RML's), every count is a sum of weights and the result multiplies them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import as_binary, check_both_groups, check_same_length
from ._common import DEFAULT_L2, check_fairness_data, check_sample_weight, fit_weighted_logistic
from ..models import LogisticRegression


def reweighing_weights(y: Any, z: Any, sample_weight: Any = None) -> np.ndarray:
    """Kamiran and Calders' weights W(z_i, y_i) = P(z_i) P(y_i) / P(z_i, y_i), one per example.

    Parameters
    ----------
    y, z : arrays of {0, 1}, shape (n,)
    sample_weight : array of shape (n,), optional
        Prior weights; probabilities are then weighted frequencies, and the result is
        sample_weight_i * W(z_i, y_i).

    Returns
    -------
    ndarray of shape (n,)

    Raises
    ------
    ValueError
        When some combination (z, y) has no examples (or zero total weight): its weight would
        be undefined, and the groups could not be made independent of the label.

    Examples
    --------
    Group 1 has two positives and one negative, group 0 the reverse: the over-represented
    cells get 3/4 and the under-represented ones 3/2.

    >>> reweighing_weights([1, 1, 0, 0, 1, 0], [1, 1, 1, 0, 0, 0]).tolist()
    [0.75, 0.75, 1.5, 0.75, 1.5, 0.75]
    """
    y = as_binary(y, "y")
    z = as_binary(z, "z")
    check_same_length(y=y, z=z)
    check_both_groups(z, "z")
    w = check_sample_weight(sample_weight, len(y))
    total = w.sum()
    weights = np.empty(len(y))
    for group in (0, 1):
        for label in (0, 1):
            cell = (z == group) & (y == label)
            observed = w[cell].sum() / total
            if observed == 0:
                name = "positive (y = 1)" if label == 1 else "negative (y = 0)"
                raise ValueError(
                    f"group z = {group} has no {name} examples (or only zero weights); reweighing "
                    "needs every combination of group and label"
                )
            expected = (w[z == group].sum() / total) * (w[y == label].sum() / total)
            weights[cell] = expected / observed
    return w * weights


def fit_reweighing(
    X: Any, y: Any, z: Any, *, sample_weight: Any = None, l2: float = DEFAULT_L2, seed: int = 0
) -> LogisticRegression:
    """Logistic regression trained on the reweighed examples (:func:`reweighing_weights`)."""
    X, y, z, w = check_fairness_data(X, y, z, sample_weight)
    return fit_weighted_logistic(X, y, sample_weight=reweighing_weights(y, z, w), l2=l2, seed=seed)
