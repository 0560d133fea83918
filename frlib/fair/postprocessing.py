"""Post-processing: group-specific thresholds (Hardt, Price and Srebro 2016), lesson 04, section 6.

A trained scorer (for example logistic regression's P(y = 1 | x)) is left alone; only the
decision changes: each group gets its own threshold, and where no single threshold meets the
constraint exactly, a **randomised** mixture of thresholds does (Hardt, Price and Srebro,
NeurIPS 2016, "Equality of opportunity in supervised learning", section 4).

A rule for group g is a distribution p_g over candidate thresholds t_gj (the group's distinct
scores, plus +inf for "select nobody"): an example of group g with score s gets yhat = 1 with
probability

    P(yhat = 1 | s, g) = sum_j p_gj 1[s >= t_gj].

Every rate a constraint or the accuracy needs is then linear in p: the selection rate
r_g = sum_j p_gj R_gj, the true and false positive rates TPR_g = sum_j p_gj TPR_gj and
FPR_g = sum_j p_gj FPR_gj (R, TPR, FPR of the deterministic threshold t_gj), and the accuracy
sum_g [P(g, y = 1) TPR_g + P(g, y = 0) (1 - FPR_g)]. So the best rule is a small linear
program (solved with HiGHS through :func:`scipy.optimize.linprog`):

* ``criterion="demographic_parity"``: maximise accuracy subject to r_0 >= delta r_1 and
  r_1 >= delta r_0, i.e. DI >= delta (``target_di``);
* ``criterion="equalized_odds"``: maximise accuracy subject to TPR_0 = TPR_1 and FPR_0 = FPR_1
  (Hardt et al.'s derived predictor).

The constraints hold exactly *in expectation* on the data the rule was fitted on; one draw of
the randomised predictions deviates by about one example per group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import linprog

from .._validation import as_binary, as_vector, check_choice, check_same_length
from ._common import CRITERIA, TARGET_DI, check_fairness_data, check_target_di



@dataclass(frozen=True)
class GroupThresholds:
    """A randomised threshold rule per group, fitted by :func:`fit_group_thresholds`.

    Attributes
    ----------
    thresholds : (array, array)
        Candidate thresholds of group 0 and of group 1 (only those with positive probability).
    probabilities : (array, array)
        Probability of each threshold; each sums to 1.
    criterion : str
    target_di : float or None
        delta for ``"demographic_parity"``.
    """

    thresholds: tuple[np.ndarray, np.ndarray]
    probabilities: tuple[np.ndarray, np.ndarray]
    criterion: str
    target_di: float | None = None

    def positive_probability(self, scores: Any, z: Any) -> np.ndarray:
        """P(yhat = 1) of each example: sum_j p_gj 1[score >= t_gj] for its group g."""
        scores = as_vector(scores, "scores")
        z = as_binary(z, "z")
        check_same_length(scores=scores, z=z)
        result = np.zeros(len(scores))
        for group in (0, 1):
            members = z == group
            above = scores[members][:, None] >= self.thresholds[group][None, :]
            result[members] = above @ self.probabilities[group]
        return np.clip(result, 0.0, 1.0)

    def predict(self, scores: Any, z: Any, seed: int = 0) -> np.ndarray:
        """Randomised {0, 1} predictions: yhat_i = 1[u_i < P(yhat_i = 1)], u_i ~ U(0, 1) seeded."""
        probability = self.positive_probability(scores, z)
        draws = np.random.default_rng(seed).random(len(probability))
        return (draws < probability).astype(np.int64)

    def is_randomised(self) -> bool:
        """True when some group mixes more than one threshold."""
        return any(len(t) > 1 for t in self.thresholds)


def _threshold_rates(scores: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, ...]:
    """For each candidate threshold t_j of one group (distinct scores, then +inf): the weighted
    number of selected examples, of selected positives, and of selected negatives."""
    candidates = np.append(np.unique(scores), np.inf)
    order = np.argsort(scores)
    sorted_scores = scores[order]
    # Selected by t_j: the examples with score >= t_j, a suffix of the sorted scores.
    start = np.searchsorted(sorted_scores, candidates, side="left")
    suffix = lambda values: np.append(np.cumsum(values[::-1])[::-1], 0.0)  # noqa: E731
    selected = suffix(w[order])[start]
    positives = suffix((w * y)[order])[start]
    negatives = suffix((w * (1 - y))[order])[start]
    return candidates, selected, positives, negatives


def fit_group_thresholds(
    scores: Any,
    y: Any,
    z: Any,
    *,
    criterion: str = "demographic_parity",
    target_di: float = TARGET_DI,
    sample_weight: Any = None,
) -> GroupThresholds:
    """The most accurate (randomised) group-threshold rule that meets a fairness constraint.

    Parameters
    ----------
    scores : array of shape (n,)
        A score per example, larger meaning "more likely positive" (e.g. P(y = 1 | x)).
    y, z : arrays of {0, 1}, shape (n,)
        Labels and groups of the data the rule is fitted on.
    criterion : {"demographic_parity", "equalized_odds"}
    target_di : float in (0, 1], default 0.8
        For demographic parity: the rule's disparate impact min(r_0 / r_1, r_1 / r_0) on this
        data is at least ``target_di`` (in expectation). Ignored for equalized odds.
    sample_weight : array of shape (n,), optional
        Example weights: every rate and the accuracy are weighted frequencies.

    Returns
    -------
    GroupThresholds

    Raises
    ------
    ValueError
        ``target_di`` outside (0, 1]; for equalized odds, a group without positive or without
        negative examples (its true or false positive rate is undefined).
    """
    scores = as_vector(scores, "scores")
    if not np.isfinite(scores).all():
        raise ValueError("scores contains infinite values")
    y = as_binary(y, "y")
    z = as_binary(z, "z")
    check_same_length(scores=scores, y=y, z=z)
    _, y, z, w = check_fairness_data(scores[:, None], y, z, sample_weight)
    criterion = check_choice(criterion, "criterion", CRITERIA)
    delta = check_target_di(target_di) if criterion == "demographic_parity" else None
    w = w / w.sum()

    per_group = []
    for group in (0, 1):
        members = z == group
        if criterion == "equalized_odds":
            for label, name in ((1, "positive (y = 1)"), (0, "negative (y = 0)")):
                if not np.any(w[members & (y == label)] > 0):
                    raise ValueError(
                        f"group z = {group} has no {name} examples; equalized-odds thresholds need "
                        "both labels in each group (its true or false positive rate is undefined)"
                    )
        per_group.append(_threshold_rates(scores[members], y[members], w[members]))

    sizes = [len(rates[0]) for rates in per_group]
    # Accuracy of threshold t_gj on group g's examples: selected positives + unselected negatives.
    gain = np.concatenate([pos + (neg[0] - neg) for _, _, pos, neg in per_group])
    A_eq = [np.concatenate([np.ones(sizes[0]), np.zeros(sizes[1])]),
            np.concatenate([np.zeros(sizes[0]), np.ones(sizes[1])])]
    b_eq = [1.0, 1.0]
    A_ub, b_ub = [], []
    if criterion == "demographic_parity":
        rate = [sel / sel[0] for _, sel, _, _ in per_group]  # selection rate within the group
        # r_0 >= delta r_1  and  r_1 >= delta r_0, written as A_ub p <= 0.
        A_ub = [np.concatenate([-rate[0], delta * rate[1]]), np.concatenate([delta * rate[0], -rate[1]])]
        b_ub = [0.0, 0.0]
    else:
        tpr = [pos / pos[0] for _, _, pos, _ in per_group]
        fpr = [neg / neg[0] for _, _, _, neg in per_group]
        A_eq += [np.concatenate([tpr[0], -tpr[1]]), np.concatenate([fpr[0], -fpr[1]])]
        b_eq += [0.0, 0.0]
    result = linprog(
        -gain, A_ub=np.array(A_ub) if A_ub else None, b_ub=b_ub or None,
        A_eq=np.array(A_eq), b_eq=b_eq, bounds=(0, None), method="highs",
    )
    if result.status != 0:  # pragma: no cover (the problem is always feasible: select everyone)
        raise RuntimeError(f"the threshold linear program failed: {result.message}")
    p = np.clip(result.x, 0.0, None)
    thresholds, probabilities = [], []
    for group, part in enumerate(np.split(p, [sizes[0]])):
        keep = part > 1e-9
        thresholds.append(per_group[group][0][keep])
        probabilities.append(part[keep] / part[keep].sum())
    return GroupThresholds(tuple(thresholds), tuple(probabilities), criterion, delta)
