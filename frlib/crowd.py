"""A clean validation set by crowdsourcing (lesson 08).

FR-Train's robustness discriminator needs a small clean validation set. Roh et al. (2020,
section 5, Table 8) built one by asking crowd workers and found that FR-Train trained with it is
almost as good as with the true labels. This module holds the pieces, each in its own module and
re-exported here:

* answers and simulated workers (:mod:`frlib.crowd_workers`): :class:`CrowdAnswers`,
  :func:`simulate_crowd`;
* aggregation (:mod:`frlib.crowd_aggregate`): :func:`majority_vote` (and Condorcet's
  :func:`majority_vote_accuracy`), :func:`worker_agreement`, :func:`filtered_majority_vote`,
  :func:`dawid_skene` (EM, Dawid and Skene 1979) with its :func:`dawid_skene_m_step` and
  :func:`dawid_skene_e_step`;
* the authors' released files (:mod:`frlib.crowd_authors`): :func:`load_authors_crowd_file`,
  :func:`match_course_rows`, :func:`crowd_validation_split` (the paper's Table 8 experiment),
  :func:`course_labels` (on COMPAS the file's class 1, "reoffended", is the course's y = 0);

and two helpers of its own: :func:`crowdsource_labels` (labels of a set of items from a
simulated crowd, aggregated) and :func:`worker_accuracy_for` (the worker accuracy at which a
majority of ``m`` reaches a given accuracy, Condorcet's formula inverted).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.optimize import brentq

from ._validation import check_positive_int, check_rate
from .crowd_aggregate import (
    AGGREGATIONS,
    DawidSkeneResult,
    aggregate,
    dawid_skene,
    dawid_skene_e_step,
    dawid_skene_m_step,
    filtered_majority_vote,
    majority_vote,
    majority_vote_accuracy,
    vote_shares,
    worker_agreement,
)
from .crowd_authors import (
    AUTHORS_MAJORITY_ACCURACY,
    AUTHORS_SINGLE_ANSWER_ACCURACY,
    AuthorsCrowdFile,
    CrowdValidationSplit,
    course_labels,
    crowd_validation_split,
    load_authors_crowd_file,
    match_course_rows,
)
from .crowd_workers import SCALES, CrowdAnswers, simulate_crowd

__all__ = [
    "AGGREGATIONS",
    "AUTHORS_MAJORITY_ACCURACY",
    "AUTHORS_SINGLE_ANSWER_ACCURACY",
    "AuthorsCrowdFile",
    "CrowdAnswers",
    "CrowdValidationSplit",
    "DawidSkeneResult",
    "SCALES",
    "aggregate",
    "course_labels",
    "crowd_validation_split",
    "crowdsource_labels",
    "dawid_skene",
    "dawid_skene_e_step",
    "dawid_skene_m_step",
    "filtered_majority_vote",
    "load_authors_crowd_file",
    "majority_vote",
    "majority_vote_accuracy",
    "match_course_rows",
    "simulate_crowd",
    "vote_shares",
    "worker_accuracy_for",
    "worker_agreement",
]


def crowdsource_labels(
    y: Any,
    n_workers: int,
    accuracy: Any = 0.7,
    *,
    method: str = "majority",
    seed: int = 0,
    **crowd_options: Any,
) -> np.ndarray:
    """Labels for items with true labels ``y``, as a simulated crowd would give them.

    :func:`simulate_crowd` (``n_workers``, ``accuracy`` and ``crowd_options`` such as
    ``answers_per_item``, ``z``, ``group_accuracy``, ``scale``), then :func:`aggregate` with
    ``method`` (``"majority"``, ``"filtered"`` or ``"dawid-skene"``). Use it to relabel a clean
    validation set: ``val.with_labels(crowdsource_labels(val.y, 5, 0.7))``.
    """
    crowd = simulate_crowd(y, n_workers, accuracy, seed=seed, **crowd_options)
    return aggregate(crowd, method)


def worker_accuracy_for(majority_accuracy: float, n_workers: int) -> float:
    """The accuracy p of independent workers whose majority of ``n_workers`` is right with
    probability ``majority_accuracy``: :func:`majority_vote_accuracy` inverted (in p >= 1/2).

    Real crowds make correlated mistakes (hard items fool most workers), so their majority gains
    less than Condorcet's formula promises; simulated independent workers with this p reproduce
    a measured majority accuracy.

    >>> round(worker_accuracy_for(majority_vote_accuracy(11, 0.6), 11), 6)
    0.6
    """
    n_workers = check_positive_int(n_workers, "n_workers")
    target = check_rate(majority_accuracy, "majority_accuracy")
    if target < 0.5:
        raise ValueError(f"majority_accuracy must be at least 0.5 (workers at least as good as a coin), got {target}")
    if target == 1.0:
        return 1.0
    return float(brentq(lambda p: majority_vote_accuracy(n_workers, p) - target, 0.5, 1.0, xtol=1e-12))
