"""Data sets of the course and how they are split.

A :class:`Dataset` holds features ``X``, binary labels ``y`` and a binary sensitive attribute
``z`` (all NumPy), with feature names. The synthetic data of the FR-Train paper comes from
:func:`make_synthetic`; the real data sets of the paper, COMPAS and AdultCensus, from
:func:`load_compas` and :func:`load_adult` (shipped with frlib, see :mod:`frlib.datafiles`);
:func:`split_dataset` cuts a data set into training, clean validation and test parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ._validation import (
    as_binary,
    as_features,
    check_choice,
    check_positive_int,
    check_rate,
    check_same_length,
    to_numpy,
)
from .datafiles import read_data_file

if TYPE_CHECKING:
    import torch

# torch and scipy.stats are imported where they are used: loading a data set then needs neither
# (about 2 s of imports on a laptop).

# Zafar et al. 2017, as used by Roh et al. 2020 (the authors' released data generator).
SYNTHETIC_POSITIVE = dict(mean=(2.0, 2.0), cov=((5.0, 1.0), (1.0, 5.0)))
SYNTHETIC_NEGATIVE = dict(mean=(-2.0, -2.0), cov=((10.0, 1.0), (1.0, 3.0)))
SYNTHETIC_ROTATION = np.pi / 4
SYNTHETIC_SPLIT_SIZES = (1800, 200, 1000)  # the authors' training, validation and test rows

# Real data (Roh et al. 2020, real-data experiments): validation set = 5% of the training set; test fraction ours.
REAL_VAL_FRACTION = 0.05
REAL_TEST_FRACTION = 0.2


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
    split_sizes : (n_train, n_val, n_test) or None
        Set when the rows are already in split order, training rows first (the real data sets:
        their features are encoded with statistics of the training rows only);
        :func:`split_dataset` then uses these sizes by default.
    """

    X: np.ndarray
    y: np.ndarray
    z: np.ndarray
    feature_names: tuple[str, ...]
    name: str = "data"
    split_sizes: tuple[int, int, int] | None = None

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
        if self.split_sizes is not None:
            sizes = tuple(self.split_sizes)
            if len(sizes) != 3 or sum(check_positive_int(n, "split_sizes") for n in sizes) != len(y):
                raise ValueError(
                    f"split_sizes must be three positive row counts adding up to {len(y)}, "
                    f"got {self.split_sizes!r}"
                )
            object.__setattr__(self, "split_sizes", tuple(int(n) for n in sizes))
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
        return Dataset(self.X, labels, self.z, self.feature_names, self.name, self.split_sizes)

    def tensors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(X, y, z)`` as float32 torch tensors, ready for full-batch training."""
        import torch
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
    from scipy.stats import multivariate_normal

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
    data: Dataset, n_train: int | None = None, n_val: int | None = None, n_test: int | None = None
) -> Split:
    """Cut a (shuffled) data set into training, clean validation and test sets, in order.

    Sizes left out come from ``data.split_sizes`` when the data set carries them (the real data
    sets of :func:`load_compas` and :func:`load_adult`: the paper's proportions, see
    :func:`proportional_split_sizes`) and otherwise are the FR-Train authors' sizes for the
    synthetic data: the first 1,800 rows train, the next 200 form the clean validation set, the
    1,000 after them are the test set. Rows are taken in order, so the split is as seeded as the
    data set (:func:`make_synthetic` and the loaders shuffle with their seed). The paper's attack
    (:func:`frlib.poison.poison_split`) works on the first ``n_train + n_val`` rows.
    """
    if not isinstance(data, Dataset):
        raise TypeError(f"data must be a frlib.data.Dataset, got {type(data).__name__}")
    defaults = data.split_sizes or SYNTHETIC_SPLIT_SIZES
    n_train = check_positive_int(defaults[0] if n_train is None else n_train, "n_train")
    n_val = check_positive_int(defaults[1] if n_val is None else n_val, "n_val")
    n_test = check_positive_int(defaults[2] if n_test is None else n_test, "n_test")
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


def proportional_split_sizes(
    n_rows: int, test_fraction: float = REAL_TEST_FRACTION, val_fraction: float = REAL_VAL_FRACTION
) -> tuple[int, int, int]:
    """Row counts ``(n_train, n_val, n_test)`` in the paper's proportions for real data.

    A held-out test set of ``round(test_fraction * n_rows)`` rows; the remaining rows are the
    training set plus a clean validation set whose size is ``val_fraction`` of the training
    set's (Roh et al. 2020, real-data experiments: a clean validation set of 5% of the training
    data), so
    ``n_val = round(val_fraction / (1 + val_fraction) * rest)``. The paper does not give its
    test fraction; the course uses 20%.

    >>> proportional_split_sizes(6172)
    (4703, 235, 1234)
    """
    n_rows = check_positive_int(n_rows, "n_rows")
    test_fraction = check_rate(test_fraction, "test_fraction")
    val_fraction = check_rate(val_fraction, "val_fraction")
    n_test = int(round(test_fraction * n_rows))
    rest = n_rows - n_test
    n_val = int(round(val_fraction / (1 + val_fraction) * rest))
    sizes = (rest - n_val, n_val, n_test)
    if min(sizes) < 1:
        raise ValueError(
            f"{n_rows} rows with test_fraction={test_fraction} and val_fraction={val_fraction} "
            f"leave an empty part: (n_train, n_val, n_test) = {sizes}"
        )
    return sizes


# --- Real data: COMPAS and AdultCensus -----------------------------------------------------------

SENSITIVE_CHOICES = ("race", "sex")


def load_compas(
    sensitive: str = "race",
    seed: int = 0,
    test_fraction: float = REAL_TEST_FRACTION,
    val_fraction: float = REAL_VAL_FRACTION,
) -> Dataset:
    """ProPublica's COMPAS recidivism data (two-year file, 6,172 defendants), ready to train on.

    Rows: ProPublica's standard filters (see frlib/datasets/README.md). Features: age,
    priors_count and length_of_stay (days in jail) standardised; age_cat and c_charge_degree
    (F = felony, M = misdemeanour) one-hot encoded; ``race_caucasian`` and ``sex_female`` as 0/1
    columns. These are the features the FR-Train authors showed their crowd workers. The encoder
    (means, standard deviations, categories) is fitted on the training rows only.

    Meaning of the labels:

    * ``y = 1``: the defendant did **not** reoffend within two years (two_year_recid = 0), the
      favourable outcome, as everywhere in the course (P(y=1) = 0.545).
    * ``sensitive="race"``: ``z = 1`` for Caucasian defendants (34%), ``z = 0`` for all others.
    * ``sensitive="sex"``: ``z = 1`` for women (19%), ``z = 0`` for men.

    In both cases z = 1 is the group with the higher rate of y = 1 (the privileged group, as in
    the synthetic data and in AIF360's convention).

    Parameters
    ----------
    sensitive : {"race", "sex"}, default "race"
    seed : int, default 0
        Seed of the shuffle that decides which rows train, validate and test.
    test_fraction, val_fraction : float
        See :func:`proportional_split_sizes`: by default 1,234 test rows, 4,703 training rows
        and a clean validation set of 235 rows (5% of the training set).

    Returns
    -------
    Dataset
        Rows in split order (training, validation, test) with ``split_sizes`` set, so
        ``split_dataset(load_compas())`` gives the three parts.
    """
    sensitive = check_choice(sensitive, "sensitive", SENSITIVE_CHOICES)
    frame = read_data_file("compas")
    frame = frame.assign(
        race_caucasian=(frame["race"] == "Caucasian").astype(int),
        sex_female=(frame["sex"] == "Female").astype(int),
    )
    return _encode(
        frame,
        name=f"compas ({sensitive})",
        y=1 - frame["two_year_recid"].to_numpy(),
        z=frame["race_caucasian" if sensitive == "race" else "sex_female"].to_numpy(),
        numeric=["age", "priors_count", "length_of_stay"],
        categorical=["age_cat", "c_charge_degree"],
        binary=["race_caucasian", "sex_female"],
        seed=seed,
        fractions=(test_fraction, val_fraction),
    )


def load_adult(
    sensitive: str = "sex",
    seed: int = 0,
    test_fraction: float = REAL_TEST_FRACTION,
    val_fraction: float = REAL_VAL_FRACTION,
) -> Dataset:
    """The UCI Adult ("AdultCensus") income data, 45,222 people without missing values.

    Rows: adult.data and adult.test together, rows with a missing value dropped (see
    frlib/datasets/README.md). Features: age, education_num, capital_gain, capital_loss and
    hours_per_week standardised; workclass, marital_status, occupation, relationship and
    native_country one-hot encoded; ``race_white`` and ``sex_male`` as 0/1 columns. The encoder
    (means, standard deviations, categories) is fitted on the training rows only; a category
    that no training row has is encoded as all zeros.

    Meaning of the labels:

    * ``y = 1``: income above $50K a year, the favourable outcome (P(y=1) = 0.248).
    * ``sensitive="sex"``: ``z = 1`` for men (68%), ``z = 0`` for women.
    * ``sensitive="race"``: ``z = 1`` for White people (86%), ``z = 0`` for all others.

    In both cases z = 1 is the group with the higher rate of y = 1 (the privileged group).

    Parameters and returns as :func:`load_compas`; by default 34,455 rows train, 1,723 form the
    clean validation set (5% of the training set) and 9,044 test
    (:func:`proportional_split_sizes`).
    """
    sensitive = check_choice(sensitive, "sensitive", SENSITIVE_CHOICES)
    frame = read_data_file("adult")
    frame = frame.assign(
        race_white=(frame["race"] == "White").astype(int),
        sex_male=(frame["sex"] == "Male").astype(int),
    )
    return _encode(
        frame,
        name=f"adult ({sensitive})",
        y=(frame["income"] == ">50K").to_numpy().astype(int),
        z=frame["race_white" if sensitive == "race" else "sex_male"].to_numpy(),
        numeric=["age", "education_num", "capital_gain", "capital_loss", "hours_per_week"],
        categorical=["workclass", "marital_status", "occupation", "relationship", "native_country"],
        binary=["race_white", "sex_male"],
        seed=seed,
        fractions=(test_fraction, val_fraction),
    )


def _encode(
    frame: pd.DataFrame,
    *,
    name: str,
    y: np.ndarray,
    z: np.ndarray,
    numeric: list[str],
    categorical: list[str],
    binary: list[str],
    seed: int,
    fractions: tuple[float, float],
) -> Dataset:
    """Shuffle with ``seed``, fit the encoder on the training rows, encode every row."""
    seed = check_positive_int(seed, "seed", minimum=0)
    sizes = proportional_split_sizes(len(frame), *fractions)
    order = np.random.default_rng(seed).permutation(len(frame))
    frame = frame.iloc[order].reset_index(drop=True)
    encoder = ColumnTransformer(
        [
            ("numeric", StandardScaler(), numeric),
            ("categorical", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
            ("binary", "passthrough", binary),
        ],
        verbose_feature_names_out=False,
    )
    encoder.fit(frame.iloc[: sizes[0]])
    return Dataset(
        X=encoder.transform(frame).astype(float),
        y=y[order],
        z=z[order],
        feature_names=tuple(encoder.get_feature_names_out()),
        name=name,
        split_sizes=sizes,
    )
