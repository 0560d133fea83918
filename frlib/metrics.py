"""Accuracy and group-fairness metrics for binary predictions and a binary group.

Notation: y_true = Y, y_pred = Yhat, z = Z, all in {0, 1}.

* Demographic parity (Calders et al. 2009; Feldman et al. 2015): P(Yhat=1 | Z=0) = P(Yhat=1 | Z=1).
  - :func:`disparate_impact`: the ratio, min of the two ratios of selection rates, as in the
    FR-Train paper (1 is perfectly fair; the "80% rule" asks for at least 0.8), computed by
    :func:`disparate_impact_from_rates`, the one copy of the formula in frlib;
  - :func:`demographic_parity_difference`: the absolute difference (0 is perfectly fair).
* Equalized odds (Hardt et al. 2016): P(Yhat=1 | Z, Y=y) equal across groups for y = 1 and y = 0.
  :func:`equalized_odds_difference` is the larger of the TPR gap and the FPR gap.
* Equal opportunity (Hardt et al. 2016): the TPR gap alone.

These agree with fairlearn's ``demographic_parity_ratio``, ``demographic_parity_difference``
and ``equalized_odds_difference`` (the tests check it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._validation import as_binary, check_both_groups, check_same_length


def _predictions_and_groups(y_pred: Any, z: Any) -> tuple[np.ndarray, np.ndarray]:
    y_pred = as_binary(y_pred, "y_pred")
    z = as_binary(z, "z")
    check_same_length(y_pred=y_pred, z=z)
    check_both_groups(z, "z")
    return y_pred, z


def _all_three(y_true: Any, y_pred: Any, z: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y_true = as_binary(y_true, "y_true")
    y_pred = as_binary(y_pred, "y_pred")
    z = as_binary(z, "z")
    check_same_length(y_true=y_true, y_pred=y_pred, z=z)
    check_both_groups(z, "z")
    return y_true, y_pred, z


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of predictions equal to the labels: mean(y_pred == y_true)."""
    y_true = as_binary(y_true, "y_true")
    y_pred = as_binary(y_pred, "y_pred")
    check_same_length(y_true=y_true, y_pred=y_pred)
    return float(np.mean(y_true == y_pred))


def selection_rates(y_pred: Any, z: Any) -> tuple[float, float]:
    """``(P(Yhat=1 | Z=0), P(Yhat=1 | Z=1))``, the positive-prediction rate of each group."""
    y_pred, z = _predictions_and_groups(y_pred, z)
    return float(y_pred[z == 0].mean()), float(y_pred[z == 1].mean())


def disparate_impact(y_pred: Any, z: Any) -> float:
    """Disparate impact, the min-ratio form used by the FR-Train paper (Roh et al. 2020).

    DI = min( P(Yhat=1|Z=0) / P(Yhat=1|Z=1),  P(Yhat=1|Z=1) / P(Yhat=1|Z=0) ),

    which equals min rate / max rate and lies in [0, 1]; 1 is perfectly fair. When neither
    group gets a positive prediction the rates are equal and DI is 1.

    Examples
    --------
    >>> disparate_impact([1, 0, 1, 1], [0, 0, 1, 1])
    0.5
    """
    rate0, rate1 = selection_rates(y_pred, z)
    return float(disparate_impact_from_rates(rate0, rate1))


def disparate_impact_from_rates(rate0: Any, rate1: Any) -> np.ndarray:
    """min(rate0, rate1) / max(rate0, rate1), 1 where both are 0: DI from selection rates.

    The kernel of :func:`disparate_impact`, element by element on arrays of rates and without
    input checks, for code that has the rates already (many candidates at once, a training loop).

    Examples
    --------
    >>> disparate_impact_from_rates([0.25, 0.0], [0.5, 0.0]).tolist()
    [0.5, 1.0]
    """
    rate0, rate1 = np.asarray(rate0, dtype=float), np.asarray(rate1, dtype=float)
    high, low = np.maximum(rate0, rate1), np.minimum(rate0, rate1)
    return np.where(high > 0, low / np.where(high > 0, high, 1.0), 1.0)


def demographic_parity_difference(y_pred: Any, z: Any) -> float:
    """|P(Yhat=1 | Z=0) - P(Yhat=1 | Z=1)|; 0 is perfectly fair."""
    rate0, rate1 = selection_rates(y_pred, z)
    return abs(rate0 - rate1)


def _conditional_rate(y_true: np.ndarray, y_pred: np.ndarray, z: np.ndarray, group: int, label: int) -> float:
    members = (z == group) & (y_true == label)
    if not members.any():
        name = "positive" if label == 1 else "negative"
        raise ValueError(
            f"y_true has no {name} examples (y_true = {label}) in group z = {group}; "
            "the rate P(Yhat=1 | Z, Y) is undefined there"
        )
    return float(y_pred[members].mean())


def true_positive_rates(y_true: Any, y_pred: Any, z: Any) -> tuple[float, float]:
    """``(P(Yhat=1 | Y=1, Z=0), P(Yhat=1 | Y=1, Z=1))``."""
    y_true, y_pred, z = _all_three(y_true, y_pred, z)
    return tuple(_conditional_rate(y_true, y_pred, z, g, 1) for g in (0, 1))  # type: ignore[return-value]


def false_positive_rates(y_true: Any, y_pred: Any, z: Any) -> tuple[float, float]:
    """``(P(Yhat=1 | Y=0, Z=0), P(Yhat=1 | Y=0, Z=1))``."""
    y_true, y_pred, z = _all_three(y_true, y_pred, z)
    return tuple(_conditional_rate(y_true, y_pred, z, g, 0) for g in (0, 1))  # type: ignore[return-value]


def equal_opportunity_difference(y_true: Any, y_pred: Any, z: Any) -> float:
    """Equal opportunity gap (Hardt et al. 2016): |TPR(Z=0) - TPR(Z=1)|."""
    tpr0, tpr1 = true_positive_rates(y_true, y_pred, z)
    return abs(tpr0 - tpr1)


def equalized_odds_difference(y_true: Any, y_pred: Any, z: Any) -> float:
    """Equalized odds gap (Hardt et al. 2016): max(|TPR gap|, |FPR gap|); 0 is perfectly fair."""
    tpr0, tpr1 = true_positive_rates(y_true, y_pred, z)
    fpr0, fpr1 = false_positive_rates(y_true, y_pred, z)
    return max(abs(tpr0 - tpr1), abs(fpr0 - fpr1))


def group_table(y_true: Any, y_pred: Any, z: Any) -> pd.DataFrame:
    """Per-group rates as a DataFrame with one row per group (0, 1) and one for everyone.

    Columns: ``count``, ``base_rate`` P(Y=1), ``selection_rate`` P(Yhat=1), ``tpr``
    P(Yhat=1 | Y=1), ``fpr`` P(Yhat=1 | Y=0), ``accuracy``. A rate whose conditioning set is
    empty is NaN.
    """
    y_true, y_pred, z = _all_three(y_true, y_pred, z)

    def rates(mask: np.ndarray) -> dict[str, float]:
        t, p = y_true[mask], y_pred[mask]
        return {
            "count": int(mask.sum()),
            "base_rate": float(t.mean()),
            "selection_rate": float(p.mean()),
            "tpr": float(p[t == 1].mean()) if (t == 1).any() else float("nan"),
            "fpr": float(p[t == 0].mean()) if (t == 0).any() else float("nan"),
            "accuracy": float((t == p).mean()),
        }

    rows = {0: rates(z == 0), 1: rates(z == 1), "all": rates(np.ones(len(z), dtype=bool))}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "z"
    return table
