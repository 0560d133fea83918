"""The noisy-label tasks of lesson 03: a K-class split and label noise drawn from a transition matrix.

* :class:`LabelledSplit`: training, clean validation and test arrays with class indices, and two
  ways to get one: :func:`load_digits_split` (scikit-learn's bundled 8x8 digits, 10 classes,
  offline) and :func:`from_dataset_split` (any :class:`frlib.data.Split`, 2 classes);
* :func:`noise_matrix` and :func:`add_label_noise`: symmetric or pair noise (Han et al. 2018),
  drawn with lesson 02's :func:`frlib.poison.flip_with_transition`.

Labels are class indices 0 .. K-1 everywhere (binary labels are the case K = 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import as_features, as_labels, check_choice, check_positive_int, check_same_length
from ..data import Split
from ..poison import Flipped, flip_with_transition, pair_noise_matrix, symmetric_noise_matrix

NOISE_KINDS = ("symmetric", "pair")


@dataclass(frozen=True)
class LabelledSplit:
    """Training, clean validation and test arrays of a K-class problem.

    Attributes
    ----------
    X_train, X_val, X_test : ndarray of shape (n, d), float
    y_train, y_val, y_test : ndarray of shape (n,), int, class indices 0 .. n_classes - 1
        The *true* labels; noisy training labels come from :func:`add_label_noise`.
    n_classes : int
    name : str
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    name: str = "data"

    def __post_init__(self) -> None:
        n_classes = check_positive_int(self.n_classes, "n_classes", minimum=2)
        width = None
        for part in ("train", "val", "test"):
            X = as_features(getattr(self, f"X_{part}"), f"X_{part}")
            y = as_labels(getattr(self, f"y_{part}"), f"y_{part}", n_classes)
            check_same_length(**{f"X_{part}": X, f"y_{part}": y})
            if width is not None and X.shape[1] != width:
                raise ValueError(f"X_{part} has {X.shape[1]} columns, X_train has {width}")
            width = X.shape[1]
            object.__setattr__(self, f"X_{part}", X)
            object.__setattr__(self, f"y_{part}", y)
        object.__setattr__(self, "n_classes", n_classes)

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]


def load_digits_split(seed: int = 0, n_train: int = 1000, n_val: int = 100) -> LabelledSplit:
    """scikit-learn's 8x8 handwritten digits (1,797 images, 10 classes), shuffled and split.

    The images ship inside scikit-learn (``sklearn.datasets.load_digits``), so nothing is
    downloaded. Pixels (0 .. 16) are scaled to [0, 1]. After a seeded shuffle, the first
    ``n_train`` images train, the next ``n_val`` form the clean validation set and the rest
    (697 with the defaults) are the test set.
    """
    from sklearn.datasets import load_digits

    seed = check_positive_int(seed, "seed", minimum=0)
    n_train = check_positive_int(n_train, "n_train")
    n_val = check_positive_int(n_val, "n_val")
    digits = load_digits()
    n = len(digits.target)
    if n_train + n_val >= n:
        raise ValueError(
            f"n_train + n_val = {n_train + n_val} leaves no test images (the data set has {n})"
        )
    order = np.random.default_rng(seed).permutation(n)
    X = digits.data[order] / 16.0
    y = digits.target[order].astype(np.int64)
    train, val = slice(0, n_train), slice(n_train, n_train + n_val)
    test = slice(n_train + n_val, n)
    return LabelledSplit(X[train], y[train], X[val], y[val], X[test], y[test], 10, "digits")


def from_dataset_split(split: Split) -> LabelledSplit:
    """A :class:`frlib.data.Split` (binary labels, e.g. the synthetic data) as a 2-class split."""
    if not isinstance(split, Split):
        raise TypeError(f"split must be a frlib.data.Split, got {type(split).__name__}")
    return LabelledSplit(
        split.train.X, split.train.y, split.val.X, split.val.y, split.test.X, split.test.y,
        2, split.train.name,
    )


def noise_matrix(kind: str, n_classes: int, rate: float) -> np.ndarray:
    """The transition matrix of ``"symmetric"`` or ``"pair"`` noise at ``rate`` (lesson 02)."""
    kind = check_choice(kind, "kind", NOISE_KINDS)
    if kind == "symmetric":
        return symmetric_noise_matrix(n_classes, rate)
    return pair_noise_matrix(n_classes, rate)


def add_label_noise(y: Any, kind: str, rate: float, n_classes: int, seed: int = 0) -> Flipped:
    """Noisy labels: each label i becomes j with probability T[i, j] of :func:`noise_matrix`.

    Returns the :class:`frlib.poison.Flipped` pair ``(labels, indices)``; ``indices`` are the
    truly flipped examples, the ground truth of :func:`frlib.robust.detection_scores`.
    """
    return flip_with_transition(y, noise_matrix(kind, n_classes, rate), seed=seed)
