"""The course's motivating example: a fair classifier that two flipped labels break.

Ten applicants with scores 1 .. 10, five in group A (z = 1, privileged) and five in group B
(z = 0); the six highest scores are qualified (y = 1), four of them in A. The classifiers are
cut-offs on the score, y_hat = 1[score > t], with t below all scores, halfway between two
consecutive scores or above all: eleven classifiers. The *vanilla* classifier is the most
accurate cut-off on the training labels; the *fair* one the most accurate among those with
disparate impact at least ``min_di`` (1 by default: equal selection rates).

On clean labels the vanilla cut-off has (accuracy, DI) = (1.0, 0.5) and the fair one (0.8, 1.0),
the numbers of the FR-Train talk (Roh et al. 2020); after flipping the labels of A's qualified
applicants with scores 5 and 8, the fair cut-off falls to (0.6, 1.0) on the clean labels, the
vanilla one only to (0.9, 0.67). Lesson 02, section 1 builds the example step by step; lesson 00
shows it in one figure with these functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import as_binary, as_vector, check_same_length
from .metrics import accuracy, disparate_impact

GROUPS = "ABBBABAABA"           # the group of the applicants with scores 1 .. 10
FLIPPED_SCORES = (5, 8)         # the two qualified A applicants whose labels the attacker flips


@dataclass(frozen=True)
class Applicants:
    """Scores, groups (z = 1 for A) and labels of the ten applicants."""

    score: np.ndarray
    z: np.ndarray
    y: np.ndarray


def applicants() -> Applicants:
    """The ten applicants with their clean labels (the six highest scores are qualified)."""
    score = np.arange(1, 11)
    z = np.array([1 if g == "A" else 0 for g in GROUPS])
    return Applicants(score, z, (score >= 5).astype(int))


def poisoned_labels(people: Applicants) -> np.ndarray:
    """The labels after the attack: the applicants with scores in FLIPPED_SCORES flipped."""
    y = people.y.copy()
    flipped = np.isin(people.score, FLIPPED_SCORES)
    y[flipped] = 1 - y[flipped]
    return y


def candidate_cutoffs(score: Any) -> np.ndarray:
    """Below all scores, halfway between consecutive distinct scores, above all scores."""
    s = np.unique(as_vector(score, "score"))
    return np.concatenate([[s[0] - 0.5], (s[:-1] + s[1:]) / 2, [s[-1] + 0.5]])


def evaluate_cutoff(cutoff: float, score: Any, y: Any, z: Any) -> tuple[float, float]:
    """(accuracy against y, disparate impact) of the classifier 1[score > cutoff]."""
    score = as_vector(score, "score")
    y, z = as_binary(y, "y"), as_binary(z, "z")
    check_same_length(score=score, y=y, z=z)
    y_pred = (score > cutoff).astype(int)
    return accuracy(y, y_pred), disparate_impact(y_pred, z)


def best_cutoff(score: Any, y: Any, z: Any, min_di: float | None = None) -> float:
    """The most accurate cut-off on the labels y; with ``min_di``, among those with DI >= min_di.

    Raises ValueError when no cut-off meets ``min_di`` or when several tie (the example is built
    so that none do).
    """
    rows = [(t, *evaluate_cutoff(t, score, y, z)) for t in candidate_cutoffs(score)]
    if min_di is not None:
        rows = [r for r in rows if r[2] >= min_di - 1e-12]
        if not rows:
            raise ValueError(f"no cut-off reaches DI >= {min_di}")
    best = max(r[1] for r in rows)
    winners = [r[0] for r in rows if r[1] == best]
    if len(winners) != 1:
        raise ValueError(f"{len(winners)} cut-offs tie at accuracy {best}")
    return float(winners[0])
