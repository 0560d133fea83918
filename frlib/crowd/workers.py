"""Crowd answers and simulated crowd workers (lesson 08).

A crowd labels ``n`` items: each item gets several answers, each from one worker of a pool, and
different items are answered by different workers (as on Amazon Mechanical Turk, where the
FR-Train authors collected theirs). :class:`CrowdAnswers` holds such answers in the layout of
the authors' released files: one row per item, one column per answer slot, and beside each
answer the worker who gave it. Answers are binary (0 / 1) or on the authors' 1-4 scale
(1 = surely no, 2 = probably no, 3 = probably yes, 4 = surely yes); a **vote** is the answer
read as a binary label (on the 1-4 scale: 3 or 4 is a vote for 1).

:func:`simulate_crowd` draws answers from workers of known quality (the "one-coin" model, the
simplest special case of Dawid and Skene's 1979 model: a worker is right with a probability that
does not depend on the true label), optionally with an accuracy that depends on the item's group z (workers who judge
one group worse than the other), on either scale, seeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import as_binary, check_choice, check_positive_int, check_rate, check_same_length, to_numpy

SCALES = ("binary", "1-4")
_LOWEST = {"binary": 0, "1-4": 1}
_OPTIONS = {"binary": 2, "1-4": 4}


@dataclass(frozen=True)
class CrowdAnswers:
    """Answers of crowd workers: one row per item, one column per answer slot.

    Attributes
    ----------
    answers : ndarray of int, shape (n_items, n_slots)
        ``answers[i, j]`` is the j-th answer to item i: 0 or 1 on the ``"binary"`` scale, 1 to 4
        on the authors' ``"1-4"`` scale (4 = surely yes).
    workers : ndarray of int, shape (n_items, n_slots)
        ``workers[i, j]`` is the index (into ``worker_names``) of the worker who gave that answer.
        A worker answers an item at most once; different rows hold different workers.
    scale : {"binary", "1-4"}
    worker_names : tuple of str
        One name per worker of the pool (the authors' anonymised ids, or ``"worker_0"``, ...).
    """

    answers: np.ndarray
    workers: np.ndarray
    scale: str = "binary"
    worker_names: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        scale = check_choice(self.scale, "scale", SCALES)
        answers = _as_int_matrix(self.answers, "answers")
        workers = _as_int_matrix(self.workers, "workers")
        if answers.shape != workers.shape:
            raise ValueError(
                f"answers has shape {answers.shape} but workers has shape {workers.shape}; "
                "there is one worker per answer"
            )
        low, high = _LOWEST[scale], _LOWEST[scale] + _OPTIONS[scale] - 1
        outside = (answers < low) | (answers > high)
        if outside.any():
            found = np.unique(answers[outside])[:5].tolist()
            raise ValueError(f"answers must lie on the {scale} scale ({low} to {high}); found {found}")
        names = self.worker_names
        if names is None:
            names = tuple(f"worker_{w}" for w in range(int(workers.max()) + 1))
        names = tuple(str(name) for name in names)
        if len(set(names)) != len(names):
            raise ValueError("worker_names holds the same name twice")
        if workers.min() < 0 or workers.max() >= len(names):
            raise ValueError(
                f"workers must hold indices 0..{len(names) - 1} into worker_names, "
                f"found {workers.min()}..{workers.max()}"
            )
        ordered = np.sort(workers, axis=1)
        repeated = np.flatnonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1))
        if repeated.size:
            raise ValueError(
                f"a worker answers item {int(repeated[0])} twice; each answer of an item must come "
                "from a different worker"
            )
        object.__setattr__(self, "answers", answers)
        object.__setattr__(self, "workers", workers)
        object.__setattr__(self, "scale", scale)
        object.__setattr__(self, "worker_names", names)

    @property
    def n_items(self) -> int:
        return self.answers.shape[0]

    @property
    def n_workers(self) -> int:
        """Size of the worker pool (including workers without an answer here)."""
        return len(self.worker_names)

    @property
    def n_options(self) -> int:
        """Number of possible answers: 2 (binary) or 4 (the 1-4 scale)."""
        return _OPTIONS[self.scale]

    @property
    def options(self) -> np.ndarray:
        """The answers as option indices 0 .. n_options - 1 (on the 1-4 scale: answer - 1)."""
        return self.answers - _LOWEST[self.scale]

    @property
    def votes(self) -> np.ndarray:
        """The answers as binary votes: the answer itself, or on the 1-4 scale 1 for 3 and 4."""
        if self.scale == "binary":
            return self.answers.copy()
        return (self.answers >= 3).astype(np.int64)

    def subset(self, items: Any) -> "CrowdAnswers":
        """The answers to some items (integer positions or a boolean mask), same worker pool."""
        index = to_numpy(items, "items")
        return CrowdAnswers(self.answers[index], self.workers[index], self.scale, self.worker_names)

    def answers_per_worker(self) -> np.ndarray:
        """How many answers each worker of the pool gave, shape (n_workers,)."""
        return np.bincount(self.workers.ravel(), minlength=self.n_workers)


def _as_int_matrix(values: Any, name: str) -> np.ndarray:
    array = to_numpy(values, name)
    if array.ndim != 2:
        raise ValueError(f"{name} must be two-dimensional (items x answers), got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}); a crowd needs at least one item and one answer")
    if np.issubdtype(array.dtype, np.floating):
        if not np.isfinite(array).all():
            raise ValueError(f"{name} contains NaN or infinite values")
        if (array != np.round(array)).any():
            raise ValueError(f"{name} must hold whole numbers")
    return array.astype(np.int64)


def _worker_accuracies(accuracy: Any, group_accuracy: Any, n_workers: int, z: np.ndarray | None) -> np.ndarray:
    """Accuracy of every worker on each group, shape (n_workers, 2)."""
    if group_accuracy is not None:
        if z is None:
            raise ValueError("group_accuracy was given but z is None; pass the items' groups as z")
        table = to_numpy(group_accuracy, "group_accuracy").astype(float)
        if table.shape == (2,):
            table = np.tile(table, (n_workers, 1))
        if table.shape != (n_workers, 2):
            raise ValueError(
                f"group_accuracy must have shape (2,) or (n_workers, 2) = ({n_workers}, 2), got {table.shape}"
            )
        name = "group_accuracy"
    else:
        values = to_numpy(accuracy, "accuracy").astype(float)
        if values.ndim == 0:
            values = np.full(n_workers, float(values))
        if values.shape != (n_workers,):
            raise ValueError(f"accuracy must be a number or one per worker ({n_workers}), got shape {values.shape}")
        table = np.column_stack([values, values])
        name = "accuracy"
    if not ((table >= 0) & (table <= 1)).all():  # also catches NaN
        raise ValueError(f"{name} must lie in [0, 1], got values from {np.nanmin(table)} to {np.nanmax(table)}")
    return table


def simulate_crowd(
    y: Any,
    n_workers: int,
    accuracy: Any = 0.7,
    *,
    answers_per_item: int | None = None,
    z: Any = None,
    group_accuracy: Any = None,
    scale: str = "binary",
    confidence: float = 0.7,
    seed: int = 0,
) -> CrowdAnswers:
    """Answers of simulated crowd workers to items with true labels ``y``.

    Each item gets ``answers_per_item`` answers from as many different workers, drawn uniformly
    from a pool of ``n_workers``. Worker w is right with probability ``accuracy[w]`` (on an item
    of group g: ``group_accuracy[w, g]``), independently of the item and the other workers: the
    one-coin special case of Dawid and Skene's (1979) model. A right vote is the true label, a
    wrong one its opposite. On the ``"1-4"`` scale the worker also says how sure they are: a right vote comes
    as the confident answer (4 for yes, 1 for no) with probability ``confidence`` and as the
    hesitant one (3 or 2) otherwise; a wrong vote is confident with probability
    ``1 - confidence``. So confident answers are more often right, as in the authors' files.

    Parameters
    ----------
    y : array of {0, 1}, shape (n,)
        True labels of the items.
    n_workers : int >= 1
        Size of the worker pool.
    accuracy : float or array of shape (n_workers,), default 0.7
        Probability that each worker's vote is right.
    answers_per_item : int, optional
        Answers per item, at most ``n_workers``; default ``n_workers`` (everyone answers
        everything).
    z : array of {0, 1}, shape (n,), optional
        Groups of the items; needed with ``group_accuracy``.
    group_accuracy : array of shape (2,) or (n_workers, 2), optional
        Accuracy on items of group 0 and of group 1 (for every worker, or per worker); replaces
        ``accuracy``.
    scale : {"binary", "1-4"}, default "binary"
    confidence : float in [0, 1], default 0.7
        Only for the 1-4 scale, see above.
    seed : int, default 0

    Returns
    -------
    CrowdAnswers
    """
    y = as_binary(y, "y")
    n_workers = check_positive_int(n_workers, "n_workers")
    per_item = n_workers if answers_per_item is None else check_positive_int(answers_per_item, "answers_per_item")
    if per_item > n_workers:
        raise ValueError(
            f"answers_per_item = {per_item} exceeds n_workers = {n_workers}; "
            "every answer to an item comes from a different worker"
        )
    scale = check_choice(scale, "scale", SCALES)
    confidence = check_rate(confidence, "confidence")
    seed = check_positive_int(seed, "seed", minimum=0)
    if z is not None:
        z = as_binary(z, "z")
        check_same_length(y=y, z=z)
    table = _worker_accuracies(accuracy, group_accuracy, n_workers, z)

    rng = np.random.default_rng(seed)
    n = len(y)
    if per_item == n_workers:
        workers = np.tile(np.arange(n_workers), (n, 1))
    else:  # a uniformly random set of per_item different workers for each item
        workers = np.argpartition(rng.random((n, n_workers)), per_item - 1, axis=1)[:, :per_item]
    groups = np.zeros(n, dtype=np.int64) if z is None else z
    right = rng.random(workers.shape) < table[workers, groups[:, None]]
    votes = np.where(right, y[:, None], 1 - y[:, None])
    if scale == "binary":
        answers = votes
    else:
        confident = rng.random(workers.shape) < np.where(right, confidence, 1 - confidence)
        answers = np.where(votes == 1, np.where(confident, 4, 3), np.where(confident, 1, 2))
    return CrowdAnswers(answers.astype(np.int64), workers.astype(np.int64), scale,
                        tuple(f"worker_{w}" for w in range(n_workers)))
