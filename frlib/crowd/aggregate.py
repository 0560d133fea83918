"""From many noisy answers to one label per item (lesson 08).

Three ways to aggregate the answers of a crowd (:class:`frlib.crowd.CrowdAnswers`):

* :func:`majority_vote`: the label most votes agree on. With ``m`` independent workers who
  are each right with probability ``p > 1/2``, the majority is right with probability
  ``P(Binomial(m, p) > m / 2)``, which grows towards 1 with ``m`` (Condorcet's jury theorem;
  :func:`majority_vote_accuracy`);
* :func:`filtered_majority_vote`: the same vote among the workers who agree often enough with
  the others. Without the true labels, a worker's accuracy is estimated by their agreement with
  the **leave-one-out majority**, the majority of the other answers to the same item
  (:func:`worker_agreement`);
* :func:`dawid_skene`: the EM algorithm of Dawid and Skene (1979), "Maximum likelihood
  estimation of observer error-rates using the EM algorithm". Each worker w has a confusion
  matrix ``pi[w, k, l] = P(worker w answers l | true class k)``, the classes a prior
  ``p[k]``. With ``T[i, k] = P(item i is of class k | answers)``:

  - **M-step** (:func:`dawid_skene_m_step`): ``p[k] = mean_i T[i, k]`` and
    ``pi[w, k, l] = sum of T[i, k] over the answers l of worker w / sum of T[i, k] over all
    answers of worker w`` (plus a small pseudo-count ``smoothing`` in every cell, so that a
    worker seen on a few items gets no probability of exactly 0);
  - **E-step** (:func:`dawid_skene_e_step`): ``T[i, k] proportional to
    p[k] * prod over the answers (w, l) to item i of pi[w, k, l]``.

  EM starts from the vote shares, ``T[i, 1]`` = the fraction of votes for 1 (as Dawid and Skene
  start from the answers' proportions), and alternates the two steps until ``T`` stops moving.
  It works on the sparse layout of the authors' files: every answer is a (item, worker, option)
  triple, and different items have different workers. It weighs a reliable worker's answer
  more than a guesser's, which majority vote cannot, and with the 1-4 scale it also learns how
  much a confident answer is worth.

Labels are binary; class 1 is "yes" (a vote for 1; on the 1-4 scale the answers 3 and 4).

Two helpers for the lesson's experiments: :func:`crowdsource_labels` (labels of a set of items
from a simulated crowd, aggregated) and :func:`worker_accuracy_for` (the worker accuracy at which
a majority of ``m`` reaches a given accuracy, Condorcet's formula inverted).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import brentq
from scipy.special import logsumexp
from scipy.stats import binom

from .._validation import as_binary, check_choice, check_positive_int, check_rate, check_scalar, to_numpy
from .workers import CrowdAnswers, simulate_crowd

__all__ = [
    "DawidSkeneResult",
    "aggregate",
    "dawid_skene",
    "dawid_skene_e_step",
    "dawid_skene_m_step",
    "filtered_majority_vote",
    "majority_vote",
    "majority_vote_accuracy",
    "vote_shares",
    "worker_agreement",
]

AGGREGATIONS = ("majority", "filtered", "dawid-skene")


def _votes(votes: Any) -> np.ndarray:
    """A (n_items, n_answers) matrix of 0/1 votes, from a CrowdAnswers or an array."""
    if isinstance(votes, CrowdAnswers):
        return votes.votes
    array = to_numpy(votes, "votes")
    if array.ndim != 2 or array.size == 0:
        raise ValueError(f"votes must be a non-empty two-dimensional array (items x answers), got shape {array.shape}")
    return as_binary(array.ravel(), "votes").reshape(array.shape)


def _check_crowd(crowd: Any) -> CrowdAnswers:
    if not isinstance(crowd, CrowdAnswers):
        raise TypeError(f"crowd must be a frlib.crowd.CrowdAnswers, got {type(crowd).__name__}")
    return crowd


def majority_vote(votes: Any, weights: Any = None, tie_label: int = 1) -> np.ndarray:
    """The label most (weighted) votes agree on, for each item.

    Parameters
    ----------
    votes : CrowdAnswers or array of {0, 1}, shape (n_items, n_answers)
    weights : array of shape (n_items, n_answers), optional
        Non-negative weight of each vote (0 leaves a vote out); default all 1.
    tie_label : {0, 1}, default 1
        The label of an item whose votes are tied (or that has no vote of positive weight).

    Returns
    -------
    ndarray of int, shape (n_items,)

    Examples
    --------
    >>> majority_vote([[1, 1, 0], [0, 0, 1], [1, 0, 0]]).tolist()
    [1, 0, 0]
    """
    votes = _votes(votes)
    if tie_label not in (0, 1) or isinstance(tie_label, (bool, float)):
        raise ValueError(f"tie_label must be 0 or 1, got {tie_label!r}")
    if weights is None:
        weights = np.ones(votes.shape)
    else:
        weights = to_numpy(weights, "weights").astype(float)
        if weights.shape != votes.shape:
            raise ValueError(f"weights has shape {weights.shape}, expected the votes' shape {votes.shape}")
        if not np.isfinite(weights).all() or (weights < 0).any():
            raise ValueError("weights must be finite and non-negative")
    for_one = (weights * votes).sum(axis=1)
    for_zero = (weights * (1 - votes)).sum(axis=1)
    return np.where(for_one > for_zero, 1, np.where(for_one < for_zero, 0, tie_label)).astype(np.int64)


def vote_shares(votes: Any) -> np.ndarray:
    """The fraction of votes for 1 on each item, shape (n_items,)."""
    return _votes(votes).mean(axis=1)


def majority_vote_accuracy(n_workers: int, accuracy: float, tie_label_right: float = 0.5) -> float:
    """P(the majority of ``n_workers`` independent workers of accuracy ``p`` is right).

    ``P(B > m / 2) + tie_label_right * P(B = m / 2)`` with ``B ~ Binomial(m, p)``: for an odd
    ``m`` the probability that more than half are right; for an even ``m`` a tie counts as right
    with probability ``tie_label_right`` (1/2 when the tie label is right half of the time).
    Condorcet's jury theorem: for ``p > 1/2`` this grows to 1 as ``m`` grows.

    >>> round(majority_vote_accuracy(3, 0.7), 3)
    0.784
    """
    m = check_positive_int(n_workers, "n_workers")
    p = check_rate(accuracy, "accuracy")
    tie_label_right = check_rate(tie_label_right, "tie_label_right")
    right = float(binom.sf(m // 2, m, p))  # P(B > floor(m / 2))
    if m % 2 == 0:
        right += tie_label_right * float(binom.pmf(m // 2, m, p))
    return right


def worker_agreement(crowd: CrowdAnswers) -> tuple[np.ndarray, np.ndarray]:
    """Each worker's agreement with the leave-one-out majority: an accuracy estimate without truth.

    For an answer of worker w to item i, the leave-one-out majority is the majority vote of the
    *other* answers to item i. The agreement counts 1 when w's vote equals it, 0 when it does not,
    and 1/2 when the other answers are tied (or there are none). A worker's estimate is the mean
    over their answers.

    Returns
    -------
    (agreement, n_answers) : ndarrays of shape (n_workers,)
        Agreement in [0, 1] (NaN for a worker of the pool without an answer) and answer counts.
    """
    crowd = _check_crowd(crowd)
    votes = crowd.votes
    others_for_one = votes.sum(axis=1, keepdims=True) - votes
    others = votes.shape[1] - 1
    others_for_zero = others - others_for_one
    loo_label = (others_for_one > others_for_zero).astype(float)
    score = np.where(others_for_one == others_for_zero, 0.5, (votes == loo_label).astype(float))
    counts = crowd.answers_per_worker()
    totals = np.bincount(crowd.workers.ravel(), weights=score.ravel(), minlength=crowd.n_workers)
    with np.errstate(invalid="ignore", divide="ignore"):
        agreement = np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)
    return agreement, counts


def filtered_majority_vote(
    crowd: CrowdAnswers, min_agreement: float = 0.6, tie_label: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """Majority vote among the workers whose leave-one-out agreement is at least ``min_agreement``.

    Workers below the threshold are dropped (:func:`worker_agreement` estimates their accuracy
    from the crowd alone). An item left without any kept answer gets the plain majority vote.

    Returns
    -------
    (labels, kept) : ndarray of int (n_items,), ndarray of bool (n_workers,)
        The labels, and which workers were kept.
    """
    crowd = _check_crowd(crowd)
    min_agreement = check_rate(min_agreement, "min_agreement")
    agreement, counts = worker_agreement(crowd)
    kept = (counts > 0) & (np.nan_to_num(agreement, nan=0.0) >= min_agreement)
    weights = kept[crowd.workers].astype(float)
    labels = majority_vote(crowd.votes, weights, tie_label)
    orphans = weights.sum(axis=1) == 0
    if orphans.any():
        labels[orphans] = majority_vote(crowd.votes[orphans], tie_label=tie_label)
    return labels, kept


# --- Dawid-Skene ---------------------------------------------------------------------------------


def _check_posterior(posterior: Any, n_items: int) -> np.ndarray:
    T = to_numpy(posterior, "posterior").astype(float)
    if T.ndim != 2 or T.shape[0] != n_items or T.shape[1] < 2:
        raise ValueError(f"posterior must have shape (n_items, n_classes) = ({n_items}, K >= 2), got {T.shape}")
    if not np.isfinite(T).all() or (T < 0).any() or not np.allclose(T.sum(axis=1), 1.0, atol=1e-6):
        raise ValueError("each row of posterior must be a probability distribution (non-negative, summing to 1)")
    return T


def dawid_skene_m_step(
    posterior: Any, crowd: CrowdAnswers, smoothing: float = 0.01, use_scale: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """The M-step: class prior and every worker's confusion matrix from the item posteriors.

    ``prior[k] = mean_i T[i, k]``;
    ``confusion[w, k, l] = (smoothing + sum_{answers (i, w, l)} T[i, k])
    / (L * smoothing + sum_{answers (i, w, .)} T[i, k])``, where the sums run over the answers
    of worker w (option l, or any option) and L is the number of options.

    Parameters
    ----------
    posterior : array of shape (n_items, K)
        ``T[i, k]``, each row a distribution over the K true classes.
    crowd : CrowdAnswers
    smoothing : float >= 0, default 0.01
        Pseudo-count added to every cell of every confusion matrix (0: the plain maximum
        likelihood of Dawid and Skene). A worker of the pool without an answer gets uniform rows.
    use_scale : bool, default True
        Model the answers themselves (4 options on the 1-4 scale); False models the binary votes.

    Returns
    -------
    (prior, confusion) : ndarrays of shape (K,) and (n_workers, K, L)
    """
    crowd = _check_crowd(crowd)
    T = _check_posterior(posterior, crowd.n_items)
    smoothing = check_scalar(smoothing, "smoothing", min_val=0)
    options, n_options = (crowd.options, crowd.n_options) if use_scale else (crowd.votes, 2)
    n_classes, W = T.shape[1], crowd.n_workers
    m = options.shape[1]
    cell = (crowd.workers * n_options + options).ravel()       # (worker, option) of every answer
    item = np.repeat(np.arange(crowd.n_items), m)
    counts = np.stack(
        [np.bincount(cell, weights=T[item, k], minlength=W * n_options) for k in range(n_classes)], axis=1
    ).reshape(W, n_options, n_classes).transpose(0, 2, 1) + smoothing   # (W, K, L)
    totals = counts.sum(axis=2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        confusion = np.where(totals > 0, counts / np.where(totals > 0, totals, 1), 1.0 / n_options)
    prior = T.mean(axis=0)
    return prior, confusion


def dawid_skene_e_step(
    prior: Any, confusion: Any, crowd: CrowdAnswers, use_scale: bool = True
) -> tuple[np.ndarray, float]:
    """The E-step: each item's posterior over the true classes, and the log-likelihood.

    ``log T[i, k] = log prior[k] + sum over the answers (w, l) to item i of log confusion[w, k, l]
    - log Z_i``, with ``Z_i`` the normaliser; the log-likelihood of all answers is
    ``sum_i log Z_i`` (natural log).

    Returns
    -------
    (posterior, log_likelihood) : ndarray of shape (n_items, K), float
    """
    crowd = _check_crowd(crowd)
    prior = to_numpy(prior, "prior").astype(float)
    confusion = to_numpy(confusion, "confusion").astype(float)
    options, n_options = (crowd.options, crowd.n_options) if use_scale else (crowd.votes, 2)
    if prior.ndim != 1 or confusion.shape != (crowd.n_workers, len(prior), n_options):
        raise ValueError(
            f"prior of shape (K,) and confusion of shape (n_workers, K, n_options) = "
            f"({crowd.n_workers}, K, {n_options}) expected, got {prior.shape} and {confusion.shape}"
        )
    with np.errstate(divide="ignore"):
        log_prior, log_confusion = np.log(prior), np.log(confusion)
    # log_confusion[w, :, l] for every answer (i, j): shape (n_items, n_answers, K)
    per_answer = log_confusion[crowd.workers, :, options]
    log_joint = log_prior[None, :] + per_answer.sum(axis=1)
    log_norm = logsumexp(log_joint, axis=1, keepdims=True)
    if not np.isfinite(log_norm).all():
        raise ValueError("some item has probability 0 under every class; use smoothing > 0")
    return np.exp(log_joint - log_norm), float(log_norm.sum())


@dataclass
class DawidSkeneResult:
    """What :func:`dawid_skene` estimated.

    Attributes
    ----------
    posterior : ndarray (n_items, 2)
        ``P(true class k | answers)`` for each item.
    labels : ndarray of int (n_items,)
        The most probable class of each item (ties: 1).
    prior : ndarray (2,)
    confusion : ndarray (n_workers, 2, n_options)
        ``confusion[w, k, l] = P(worker w answers option l | true class k)``.
    worker_accuracy : ndarray (n_workers,)
        Each worker's estimated probability of a right vote, ``sum_k prior[k] P(vote = k | k)``
        (on the 1-4 scale, options 2 and 3, i.e. answers 3 and 4, are votes for 1).
    log_likelihood : list of float
        After each iteration; rises when ``smoothing = 0`` (EM never lowers the likelihood).
    n_iter : int
    converged : bool
    """

    posterior: np.ndarray
    labels: np.ndarray
    prior: np.ndarray
    confusion: np.ndarray
    worker_accuracy: np.ndarray
    n_iter: int
    converged: bool
    log_likelihood: list[float] = field(default_factory=list, repr=False)


def dawid_skene(
    crowd: CrowdAnswers,
    max_iter: int = 500,
    tol: float = 1e-6,
    smoothing: float = 0.01,
    use_scale: bool = True,
) -> DawidSkeneResult:
    """Dawid and Skene's (1979) EM estimate of the true labels and of every worker's error rates.

    Starts from the vote shares (``T[i, 1]`` = fraction of votes for 1) and alternates
    :func:`dawid_skene_m_step` and :func:`dawid_skene_e_step` until the posteriors move by less
    than ``tol`` (largest absolute change) or ``max_iter`` iterations have run.

    Parameters
    ----------
    crowd : CrowdAnswers
    max_iter : int, default 500
    tol : float, default 1e-6
    smoothing : float, default 0.01
        Pseudo-count of the confusion matrices (see :func:`dawid_skene_m_step`).
    use_scale : bool, default True
        On the 1-4 scale, model the four answers (how sure a worker is carries information);
        False models only the binary votes. No difference on the binary scale.

    Returns
    -------
    DawidSkeneResult
    """
    crowd = _check_crowd(crowd)
    max_iter = check_positive_int(max_iter, "max_iter")
    tol = check_scalar(tol, "tol", min_val=0, include_boundaries="neither")
    shares = vote_shares(crowd)
    T = np.column_stack([1 - shares, shares])
    history: list[float] = []
    converged = False
    for iteration in range(1, max_iter + 1):
        prior, confusion = dawid_skene_m_step(T, crowd, smoothing, use_scale)
        T_new, log_likelihood = dawid_skene_e_step(prior, confusion, crowd, use_scale)
        history.append(log_likelihood)
        change = float(np.abs(T_new - T).max())
        T = T_new
        if change < tol:
            converged = True
            break
    prior, confusion = dawid_skene_m_step(T, crowd, smoothing, use_scale)
    n_options = confusion.shape[2]
    yes = np.arange(n_options) >= n_options // 2                 # the options that vote for 1
    right_vote = np.stack([confusion[:, 0, ~yes].sum(axis=1), confusion[:, 1, yes].sum(axis=1)], axis=1)
    return DawidSkeneResult(
        posterior=T,
        labels=(T[:, 1] >= T[:, 0]).astype(np.int64),
        prior=prior,
        confusion=confusion,
        worker_accuracy=right_vote @ prior,
        n_iter=iteration,
        converged=converged,
        log_likelihood=history,
    )


def aggregate(crowd: CrowdAnswers, method: str = "majority", **options: Any) -> np.ndarray:
    """One label per item by ``method``: ``"majority"``, ``"filtered"`` or ``"dawid-skene"``.

    ``options`` go to :func:`majority_vote`, :func:`filtered_majority_vote` or
    :func:`dawid_skene`.
    """
    crowd = _check_crowd(crowd)
    method = check_choice(method, "method", AGGREGATIONS)
    if method == "majority":
        return majority_vote(crowd, **options)
    if method == "filtered":
        return filtered_majority_vote(crowd, **options)[0]
    return dawid_skene(crowd, **options).labels


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
