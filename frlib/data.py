"""Data sets of the course and how they are split.

A :class:`Dataset` holds features ``X``, binary labels ``y`` and a binary sensitive attribute
``z`` (all NumPy), with feature names. The synthetic data of the FR-Train paper comes from
:func:`make_synthetic`; :func:`split_dataset` cuts a data set into the authors' training,
clean validation and test parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from scipy.stats import multivariate_normal

from ._validation import (
    as_binary,
    as_features,
    check_positive_int,
    check_same_length,
    to_numpy,
)

# Zafar et al. 2017, as used by Roh et al. 2020 (PAPER_FACTS section 1).
SYNTHETIC_POSITIVE = dict(mean=(2.0, 2.0), cov=((5.0, 1.0), (1.0, 5.0)))
SYNTHETIC_NEGATIVE = dict(mean=(-2.0, -2.0), cov=((10.0, 1.0), (1.0, 3.0)))
SYNTHETIC_ROTATION = np.pi / 4


@dataclass(frozen=True)
class Dataset:
    """Features, labels and sensitive attribute of one data set.

    Attributes
    ----------
    X : ndarray of shape (n, d), float
        Model inputs. For the synthetic data these are ``[x1, x2, z]``: the paper feeds the
        sensitive attribute to the model.
    y : ndarray of shape (n,), int, values in {0, 1}
        Labels; 1 is the favourable outcome.
    z : ndarray of shape (n,), int, values in {0, 1}
        Sensitive attribute (group membership).
    feature_names : tuple of str
        One name per column of ``X``.
    name : str
        A short name for tables and plots.
    """

    X: np.ndarray
    y: np.ndarray
    z: np.ndarray
    feature_names: tuple[str, ...]
    name: str = "data"

    def __post_init__(self) -> None:
        X = as_features(self.X, "X")
        y = as_binary(self.y, "y")
        z = as_binary(self.z, "z")
        check_same_length(X=X, y=y, z=z)
        names = tuple(str(n) for n in self.feature_names)
        if len(names) != X.shape[1]:
            raise ValueError(
                f"feature_names has {len(names)} names but X has {X.shape[1]} columns"
            )
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "z", z)
        object.__setattr__(self, "feature_names", names)

    def __len__(self) -> int:
        return len(self.y)

    def subset(self, indices: Any) -> "Dataset":
        """The rows at ``indices`` (integer positions or a boolean mask), as a new Dataset."""
        index = to_numpy(indices, "indices")
        if index.ndim != 1:
            raise ValueError(f"indices must be one-dimensional, got shape {index.shape}")
        if index.size == 0:
            raise ValueError("indices is empty; a data set needs at least one row")
        if not (np.issubdtype(index.dtype, np.integer) or index.dtype == bool):
            raise TypeError(f"indices must be integer positions or a boolean mask, got {index.dtype}")
        if index.dtype == bool:
            if index.shape != self.y.shape:
                raise ValueError(
                    f"indices is a boolean mask of length {len(index)}, expected {len(self)}"
                )
        elif index.min() < -len(self) or index.max() >= len(self):
            raise ValueError(
                f"indices must lie in [-{len(self)}, {len(self)}), got {index.min()}..{index.max()}"
            )
        return Dataset(self.X[index], self.y[index], self.z[index], self.feature_names, self.name)

    def with_labels(self, y: Any) -> "Dataset":
        """The same examples with other labels (for example poisoned ones)."""
        labels = as_binary(y, "y")
        check_same_length(y=labels, X=self.X)
        return Dataset(self.X, labels, self.z, self.feature_names, self.name)

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(X, y, z)`` as float32 torch tensors, ready for full-batch training."""
        return (
            torch.as_tensor(self.X, dtype=torch.float32),
            torch.as_tensor(self.y, dtype=torch.float32),
            torch.as_tensor(self.z, dtype=torch.float32),
        )

    def describe(self) -> dict[str, float]:
        """Size and base rates: n, P(z=1), P(y=1), P(y=1 | z=0), P(y=1 | z=1)."""
        stats = {"n": float(len(self)), "P(z=1)": float(self.z.mean()), "P(y=1)": float(self.y.mean())}
        for group in (0, 1):
            members = self.z == group
            stats[f"P(y=1|z={group})"] = float(self.y[members].mean()) if members.any() else float("nan")
        return stats


@dataclass(frozen=True)
class Split:
    """A training set, a clean validation set and a test set (disjoint)."""

    train: Dataset
    val: Dataset
    test: Dataset


def make_synthetic(n_per_class: int = 3700, seed: int = 0) -> Dataset:
    """The synthetic data of Zafar et al. (2017), as used by Roh et al. (2020, FR-Train).

    Two Gaussian classes in the plane,

    * y = 1: x ~ N((2, 2), [[5, 1], [1, 5]]),
    * y = 0: x ~ N((-2, -2), [[10, 1], [1, 3]]),

    ``n_per_class`` points each, then shuffled. The sensitive attribute depends on a rotated
    copy of x: with x' = x R(pi/4) (row vector times [[cos, -sin], [sin, cos]]),
    p1 = N(x'; class-1 Gaussian) and p0 = N(x'; class-0 Gaussian), z = 1 is drawn with
    probability p1 / (p1 + p0). This makes z correlated with y: P(z=1) ~ 0.44,
    P(y=1 | z=0) ~ 0.34, P(y=1 | z=1) ~ 0.71.

    Parameters
    ----------
    n_per_class : int, default 3700
        Points per class (the paper uses 3,700, so 7,400 in all).
    seed : int, default 0
        Seed of the random generator; the same seed gives the same data.

    Returns
    -------
    Dataset
        ``X = [x1, x2, z]`` (the paper feeds z to the model), ``y`` and ``z`` in {0, 1}.
    """
    n_per_class = check_positive_int(n_per_class, "n_per_class")
    seed = check_positive_int(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    positive = multivariate_normal(**SYNTHETIC_POSITIVE)
    negative = multivariate_normal(**SYNTHETIC_NEGATIVE)

    x = np.vstack(
        [
            rng.multivariate_normal(SYNTHETIC_POSITIVE["mean"], SYNTHETIC_POSITIVE["cov"], n_per_class),
            rng.multivariate_normal(SYNTHETIC_NEGATIVE["mean"], SYNTHETIC_NEGATIVE["cov"], n_per_class),
        ]
    )
    y = np.concatenate([np.ones(n_per_class, dtype=np.int64), np.zeros(n_per_class, dtype=np.int64)])
    order = rng.permutation(2 * n_per_class)
    x, y = x[order], y[order]

    c, s = np.cos(SYNTHETIC_ROTATION), np.sin(SYNTHETIC_ROTATION)
    rotated = x @ np.array([[c, -s], [s, c]])
    p1 = positive.pdf(rotated)
    p0 = negative.pdf(rotated)
    z = (rng.random(len(x)) < p1 / (p1 + p0)).astype(np.int64)

    return Dataset(
        X=np.column_stack([x, z]).astype(float),
        y=y,
        z=z,
        feature_names=("x1", "x2", "z"),
        name="synthetic",
    )


def split_dataset(
    data: Dataset, n_train: int = 1800, n_val: int = 200, n_test: int = 1000
) -> Split:
    """Cut a (shuffled) data set into training, clean validation and test sets, in order.

    The defaults are the FR-Train authors' sizes for the synthetic data: the first 1,800
    rows train, the next 200 form the clean validation set (10% of the training size), the
    1,000 after them are the test set. Rows are taken in order, so the split is as seeded as
    the data set (:func:`make_synthetic` already shuffles). The paper's attack
    (:func:`frlib.poison.poison_split`) works on the first ``n_train + n_val`` rows.
    """
    if not isinstance(data, Dataset):
        raise TypeError(f"data must be a frlib.data.Dataset, got {type(data).__name__}")
    n_train = check_positive_int(n_train, "n_train")
    n_val = check_positive_int(n_val, "n_val")
    n_test = check_positive_int(n_test, "n_test")
    needed = n_train + n_val + n_test
    if needed > len(data):
        raise ValueError(
            f"n_train + n_val + n_test = {needed} exceeds the {len(data)} rows of data"
        )
    return Split(
        train=data.subset(np.arange(0, n_train)),
        val=data.subset(np.arange(n_train, n_train + n_val)),
        test=data.subset(np.arange(n_train + n_val, needed)),
    )
