"""Label noise and data poisoning.

Every function returns a :class:`Flipped` pair ``(labels, indices)``: a new label array and the
sorted positions whose label changed. The input is never modified.

* :func:`flip_random`: random flipping of binary labels at a rate, optionally restricted to a
  group and/or a class (group- and class-conditional noise).
* :func:`flip_with_transition`: class-conditional noise from a transition matrix
  T[i, j] = P(noisy label = j | true label = i) (Natarajan et al. 2013; Patrini et al. 2017),
  with :func:`symmetric_noise_matrix` and :func:`pair_noise_matrix` as the usual special cases
  (Han et al. 2018).
* :func:`flip_most_confident`: the targeted attack of the FR-Train paper (Roh et al. 2020),
  and :func:`poison_split`, which applies it to a training / validation split as the authors do.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

from ._validation import (
    as_binary,
    as_features,
    as_labels,
    check_positive_int,
    check_rate,
    check_same_length,
    to_numpy,
)
from .data import Split


class Flipped(NamedTuple):
    """The result of a noise or poisoning function.

    Attributes
    ----------
    labels : ndarray of int
        The new labels (a copy; the input is untouched).
    indices : ndarray of int
        Sorted positions whose label differs from the input.
    """

    labels: np.ndarray
    indices: np.ndarray


def _flip_at(y: np.ndarray, positions: np.ndarray) -> Flipped:
    labels = y.copy()
    labels[positions] = 1 - labels[positions]
    return Flipped(labels, np.sort(positions).astype(np.int64))


def _check_optional_binary(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if value not in (0, 1) or isinstance(value, (bool, float)):
        raise ValueError(f"{name} must be 0, 1 or None, got {value!r}")
    return int(value)


def flip_random(
    y: Any,
    rate: float,
    *,
    seed: int = 0,
    z: Any = None,
    group: int | None = None,
    label: int | None = None,
) -> Flipped:
    """Flip a random ``rate`` fraction of the eligible binary labels (y -> 1 - y).

    Eligible examples are all of them, or only those with ``z == group`` and/or
    ``y == label``. Exactly ``round(rate * number eligible)`` labels are flipped, chosen
    uniformly without replacement.

    Parameters
    ----------
    y : array of {0, 1}
        Labels.
    rate : float in [0, 1]
        Fraction of the eligible examples to flip.
    seed : int
        Seed of the random choice.
    z : array of {0, 1}, optional
        Groups; needed when ``group`` is given.
    group : {0, 1}, optional
        Only flip examples of this group.
    label : {0, 1}, optional
        Only flip examples with this (true) label, e.g. ``label=1`` for 1 -> 0 flips only.

    Returns
    -------
    Flipped
        ``(labels, indices)``.
    """
    y = as_binary(y, "y")
    rate = check_rate(rate, "rate")
    group = _check_optional_binary(group, "group")
    label = _check_optional_binary(label, "label")
    eligible = np.ones(len(y), dtype=bool)
    if group is not None:
        if z is None:
            raise ValueError("group was given but z is None; pass the groups as z")
        z = as_binary(z, "z")
        check_same_length(y=y, z=z)
        eligible &= z == group
    elif z is not None:
        check_same_length(y=y, z=as_binary(z, "z"))
    if label is not None:
        eligible &= y == label
    candidates = np.flatnonzero(eligible)
    n_flip = int(round(rate * len(candidates)))
    rng = np.random.default_rng(seed)
    return _flip_at(y, rng.choice(candidates, size=n_flip, replace=False))


def symmetric_noise_matrix(n_classes: int, rate: float) -> np.ndarray:
    """T with 1 - rate on the diagonal and rate / (n_classes - 1) everywhere else.

    A label keeps its class with probability 1 - rate and moves to each other class with
    equal probability (symmetric or uniform noise).
    """
    n_classes = check_positive_int(n_classes, "n_classes", minimum=2)
    rate = check_rate(rate, "rate")
    T = np.full((n_classes, n_classes), rate / (n_classes - 1))
    np.fill_diagonal(T, 1.0 - rate)
    return T


def pair_noise_matrix(n_classes: int, rate: float) -> np.ndarray:
    """T with 1 - rate on the diagonal and rate on T[i, (i + 1) mod n_classes].

    Each class is confused with one fixed "neighbour" class (pair flipping, Han et al. 2018).
    For two classes it is the same as symmetric noise.
    """
    n_classes = check_positive_int(n_classes, "n_classes", minimum=2)
    rate = check_rate(rate, "rate")
    T = np.eye(n_classes) * (1.0 - rate)
    T[np.arange(n_classes), (np.arange(n_classes) + 1) % n_classes] += rate
    return T


def check_transition_matrix(T: Any, name: str = "T") -> np.ndarray:
    """A square row-stochastic matrix: entries in [0, 1], each row summing to 1."""
    T = to_numpy(T, name).astype(float)
    if T.ndim != 2 or T.shape[0] != T.shape[1] or T.shape[0] < 2:
        raise ValueError(f"{name} must be a square matrix with at least 2 classes, got shape {T.shape}")
    if np.isnan(T).any():
        raise ValueError(f"{name} contains NaN")
    if (T < 0).any() or (T > 1).any():
        raise ValueError(f"{name} must have entries in [0, 1]")
    sums = T.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-8)
    if bad.size:
        raise ValueError(
            f"each row of {name} must sum to 1 (T[i, j] = P(noisy j | true i)); "
            f"row {int(bad[0])} sums to {sums[bad[0]]:.6g}"
        )
    return T


def flip_with_transition(
    y: Any, T: Any, *, seed: int = 0, z: Any = None, group: int | None = None
) -> Flipped:
    """Class-conditional label noise: a label i becomes j with probability T[i, j].

    Labels are class indices 0 .. K-1 where K = T.shape[0] (binary labels for K = 2). Each
    example draws its noisy label independently. With ``z`` and ``group`` given, only the
    examples of that group are touched (group- and class-conditional noise).

    Returns
    -------
    Flipped
        ``(labels, indices)``; ``indices`` are the examples whose label changed.
    """
    T = check_transition_matrix(T, "T")
    y = as_labels(y, "y", T.shape[0])
    group = _check_optional_binary(group, "group")
    touched = np.ones(len(y), dtype=bool)
    if group is not None:
        if z is None:
            raise ValueError("group was given but z is None; pass the groups as z")
        z = as_binary(z, "z")
        check_same_length(y=y, z=z)
        touched = z == group
    elif z is not None:
        check_same_length(y=y, z=as_binary(z, "z"))
    rng = np.random.default_rng(seed)
    # Inverse-CDF sampling, one uniform draw per example, from the row of its true label.
    cumulative = np.cumsum(T, axis=1)[y]
    draws = rng.random(len(y))[:, None]
    noisy = np.minimum((draws >= cumulative).sum(axis=1), T.shape[0] - 1)
    labels = np.where(touched, noisy, y).astype(np.int64)
    return Flipped(labels, np.flatnonzero(labels != y).astype(np.int64))


def flip_most_confident(
    X: Any, y: Any, z: Any, n_flip: int | None = None, *, rate: float = 0.1, group: int = 1
) -> Flipped:
    """The FR-Train paper's targeted label-flipping attack (Roh et al. 2020, section 5).

    1. Fit a logistic regression f on (X, y) (scikit-learn's default, L2 with C = 1).
    2. Among the examples with ``z == group``, take the ``n_flip`` with the largest signed
       margin ``s * f(x)``, where s = +1 for y = 1 and s = -1 for y = 0: the examples the clean
       model is most confident about.
    3. Flip their labels.

    Flipping a confidently-correct example raises the logistic loss most, so this is a greedy
    loss-maximising flip restricted to the privileged group (z = 1 in the paper).

    Parameters
    ----------
    X : array of shape (n, d)
        Features the attacker's model sees (the paper: [x1, x2, z]).
    y, z : arrays of {0, 1}
        Clean labels and groups.
    n_flip : int, optional
        Number of labels to flip. Default ``round(rate * n)``: a fraction of the whole data
        set, not of the group (the paper flips 200 of 2,000 labels, all inside z = 1).
    rate : float in [0, 1], default 0.1
        Used when ``n_flip`` is not given.
    group : {0, 1}, default 1
        The group whose labels are attacked.

    Returns
    -------
    Flipped
        ``(labels, indices)``.
    """
    X = as_features(X, "X")
    y = as_binary(y, "y")
    z = as_binary(z, "z")
    check_same_length(X=X, y=y, z=z)
    rate = check_rate(rate, "rate")
    if group not in (0, 1) or isinstance(group, (bool, float)):
        raise ValueError(f"group must be 0 or 1, got {group!r}")
    members = np.flatnonzero(z == group)
    if n_flip is None:
        n_flip = int(round(rate * len(y)))
    n_flip = check_positive_int(n_flip, "n_flip", minimum=0)
    if n_flip > len(members):
        raise ValueError(
            f"n_flip = {n_flip} exceeds the {len(members)} examples of group {group}"
        )
    if len(np.unique(y)) < 2:
        raise ValueError("y has a single class; the attacker's logistic regression needs both")
    model = SklearnLogisticRegression().fit(X, y)
    signed_margin = (2 * y - 1) * model.decision_function(X)
    # Stable sort on the negated margin: ties keep their original order.
    most_confident = members[np.argsort(-signed_margin[members], kind="stable")[:n_flip]]
    return _flip_at(y, most_confident)


def poison_split(split: Split, rate: float = 0.1, group: int = 1) -> tuple[Split, np.ndarray]:
    """Poison a split's training labels with the paper's attack, keeping validation clean.

    As the FR-Train authors do: the attack sees the training and validation rows together
    (2,000 rows for the synthetic data) and flips ``round(rate * 2000)`` labels of group
    ``group`` there (:func:`flip_most_confident`); the training set keeps its flipped labels
    (about 179 of 1,800 for the synthetic data) and the validation set keeps its clean ones.

    Returns
    -------
    (Split, ndarray)
        The split with poisoned training labels, and the positions in ``split.train`` whose
        label was flipped.
    """
    if not isinstance(split, Split):
        raise TypeError(f"split must be a frlib.data.Split, got {type(split).__name__}")
    n_train = len(split.train)
    X = np.vstack([split.train.X, split.val.X])
    y = np.concatenate([split.train.y, split.val.y])
    z = np.concatenate([split.train.z, split.val.z])
    labels, flipped = flip_most_confident(X, y, z, rate=rate, group=group)
    poisoned = Split(train=split.train.with_labels(labels[:n_train]), val=split.val, test=split.test)
    return poisoned, flipped[flipped < n_train]
