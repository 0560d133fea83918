"""A clean validation set by crowdsourcing (lesson 08): one import for the family.

FR-Train's robustness discriminator needs a small clean validation set. Roh et al. (2020,
section 5, Table 8) built one by asking crowd workers and found that FR-Train trained with it is
almost as good as with the true labels. ``from frlib import crowd`` gives every public name of
the three modules that hold the pieces:

* answers and simulated workers (:mod:`frlib.crowd.workers`): :class:`CrowdAnswers`,
  :func:`simulate_crowd`;
* aggregation (:mod:`frlib.crowd.aggregate`): :func:`majority_vote` (and Condorcet's
  :func:`majority_vote_accuracy`), :func:`worker_agreement`, :func:`filtered_majority_vote`,
  :func:`dawid_skene` (EM, Dawid and Skene 1979) with its :func:`dawid_skene_m_step` and
  :func:`dawid_skene_e_step`; :func:`crowdsource_labels` (labels of a set of items from a
  simulated crowd, aggregated) and :func:`worker_accuracy_for` (the worker accuracy at which a
  majority of ``m`` reaches a given accuracy, Condorcet's formula inverted);
* the authors' released files (:mod:`frlib.crowd.authors`): :func:`load_authors_crowd_file`,
  :func:`match_course_rows`, :func:`crowd_validation_split` (the paper's Table 8 experiment),
  :func:`course_labels` (on COMPAS the file's class 1, "reoffended", is the course's y = 0).
"""

from .aggregate import (
    AGGREGATIONS,
    DawidSkeneResult,
    aggregate,
    crowdsource_labels,
    dawid_skene,
    dawid_skene_e_step,
    dawid_skene_m_step,
    filtered_majority_vote,
    majority_vote,
    majority_vote_accuracy,
    vote_shares,
    worker_accuracy_for,
    worker_agreement,
)
from .authors import (
    AUTHORS_MAJORITY_ACCURACY,
    AUTHORS_SINGLE_ANSWER_ACCURACY,
    AuthorsCrowdFile,
    CrowdValidationSplit,
    course_labels,
    crowd_validation_split,
    load_authors_crowd_file,
    match_course_rows,
)
from .workers import SCALES, CrowdAnswers, simulate_crowd

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
