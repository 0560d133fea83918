"""frlib.poison: random and class-conditional label noise, and the paper's targeted attack."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from frlib.data import Split, make_synthetic, split_dataset
from frlib.poison import (
    Flipped,
    flip_most_confident,
    flip_random,
    flip_with_transition,
    pair_noise_matrix,
    poison_split,
    symmetric_noise_matrix,
)


def check_flipped(result, y_in, *, binary=True):
    """The common contract: a Flipped of new labels and sorted changed positions."""
    assert isinstance(result, Flipped)
    labels, indices = result
    y_in = np.asarray(y_in)
    assert isinstance(labels, np.ndarray) and labels.shape == y_in.shape
    assert np.issubdtype(labels.dtype, np.integer) and np.issubdtype(indices.dtype, np.integer)
    assert np.all(np.diff(indices) > 0)  # sorted, no duplicates
    np.testing.assert_array_equal(indices, np.flatnonzero(labels != y_in))
    if binary:
        np.testing.assert_array_equal(labels[indices], 1 - y_in[indices])
    return labels, indices


# --- flip_random ----------------------------------------------------------------------------------


@pytest.mark.parametrize("n, rate", [(10, 0.1), (10, 0.25), (9, 0.3), (37, 0.5), (1000, 0.1), (1001, 0.333), (1001, 0.3337), (5, 0.0), (5, 1.0), (7, 0.07)])
def test_flip_random_flips_exactly_round_rate_n(n, rate):
    rng = np.random.default_rng(n)
    y = rng.integers(0, 2, n)
    y_before = y.copy()
    labels, indices = check_flipped(flip_random(y, rate, seed=1), y)
    assert len(indices) == round(rate * n)
    np.testing.assert_array_equal(y, y_before)  # input untouched


def test_flip_random_restricted_to_a_group_and_a_label():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500)
    z = rng.integers(0, 2, 500)
    y_before, z_before = y.copy(), z.copy()
    for group in (0, 1, None):
        for label in (0, 1, None):
            eligible = np.ones(500, dtype=bool)
            if group is not None:
                eligible &= z == group
            if label is not None:
                eligible &= y == label
            labels, indices = check_flipped(flip_random(y, 0.3, seed=2, z=z, group=group, label=label), y)
            assert len(indices) == round(0.3 * eligible.sum())
            assert eligible[indices].all()
            if label is not None:
                assert (labels[indices] == 1 - label).all()
    np.testing.assert_array_equal(y, y_before)
    np.testing.assert_array_equal(z, z_before)


def test_flip_random_rate_one_flips_every_eligible_label():
    y = np.array([1, 0, 1, 1, 0, 0, 1])
    z = np.array([0, 0, 1, 1, 1, 0, 1])
    labels, indices = flip_random(y, 1.0, z=z, group=1, label=1)
    np.testing.assert_array_equal(indices, [2, 3, 6])
    np.testing.assert_array_equal(labels, [1, 0, 0, 0, 0, 0, 0])


def test_flip_random_is_seeded():
    y = np.random.default_rng(1).integers(0, 2, 300)
    a, b, c = flip_random(y, 0.2, seed=5), flip_random(y, 0.2, seed=5), flip_random(y, 0.2, seed=6)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert not np.array_equal(a.indices, c.indices)


def test_flip_random_is_uniform_over_eligible_positions():
    y = np.zeros(40, dtype=int)
    counts = np.zeros(40)
    for seed in range(1000):
        counts[flip_random(y, 0.25, seed=seed).indices] += 1
    # Each position flipped with probability 10/40; over 1,000 seeds sd ~ 13.7.
    assert np.abs(counts - 250).max() < 70


def test_flip_random_accepts_array_likes_and_returns_numpy():
    y = [1, 0, 1, 1, 0, 0, 1, 0]
    ref = flip_random(np.array(y), 0.5, seed=3)
    for variant in (y, pd.Series(y), torch.tensor(y), torch.tensor(y, dtype=torch.float32), np.array(y, dtype=bool)):
        got = flip_random(variant, 0.5, seed=3)
        np.testing.assert_array_equal(got.labels, ref.labels)
        np.testing.assert_array_equal(got.indices, ref.indices)
    tensor = torch.tensor(y)
    flip_random(tensor, 1.0)
    assert tensor.tolist() == y  # a tensor input is untouched as well


# --- transition matrices --------------------------------------------------------------------------


def test_symmetric_noise_matrix_closed_form():
    T = symmetric_noise_matrix(4, 0.3)
    expected = np.full((4, 4), 0.1)
    np.fill_diagonal(expected, 0.7)
    np.testing.assert_allclose(T, expected)
    np.testing.assert_allclose(T.sum(axis=1), 1.0)
    np.testing.assert_allclose(symmetric_noise_matrix(3, 0.0), np.eye(3))
    np.testing.assert_allclose(symmetric_noise_matrix(2, 0.2), [[0.8, 0.2], [0.2, 0.8]])


def test_pair_noise_matrix_closed_form():
    T = pair_noise_matrix(4, 0.3)
    expected = np.array(
        [
            [0.7, 0.3, 0.0, 0.0],
            [0.0, 0.7, 0.3, 0.0],
            [0.0, 0.0, 0.7, 0.3],
            [0.3, 0.0, 0.0, 0.7],
        ]
    )
    np.testing.assert_allclose(T, expected)
    np.testing.assert_allclose(T.sum(axis=1), 1.0)
    # Two classes: pair noise is symmetric noise.
    np.testing.assert_allclose(pair_noise_matrix(2, 0.35), symmetric_noise_matrix(2, 0.35))
    np.testing.assert_allclose(pair_noise_matrix(5, 0.0), np.eye(5))


@pytest.mark.parametrize("make", [symmetric_noise_matrix, pair_noise_matrix])
@pytest.mark.parametrize(
    "n_classes, rate, error, name",
    [(1, 0.1, ValueError, "n_classes"), (2.0, 0.1, TypeError, "n_classes"), (True, 0.1, TypeError, "n_classes"),
     (3, 1.5, ValueError, "rate"), (3, -0.1, ValueError, "rate"), (3, float("nan"), ValueError, "rate"),
     (3, "0.1", TypeError, "rate")],
)
def test_noise_matrices_reject_bad_arguments(make, n_classes, rate, error, name):
    with pytest.raises(error, match=name):
        make(n_classes, rate)


ASYMMETRIC_T = np.array(
    [
        [0.70, 0.20, 0.10],
        [0.05, 0.90, 0.05],
        [0.30, 0.00, 0.70],
    ]
)


def test_flip_with_transition_matches_T_empirically():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 200_000)
    y_before = y.copy()
    labels, indices = check_flipped(flip_with_transition(y, ASYMMETRIC_T, seed=1), y, binary=False)
    np.testing.assert_array_equal(y, y_before)
    for i in range(3):
        row = labels[y == i]
        freq = np.bincount(row, minlength=3) / len(row)
        # About 66,000 draws per row: sd of a frequency <= 0.002.
        np.testing.assert_allclose(freq, ASYMMETRIC_T[i], atol=0.008)
    assert not np.any((y == 2) & (labels == 1))  # a zero entry never happens


def test_flip_with_transition_binary_class_conditional():
    T = np.array([[0.9, 0.1], [0.4, 0.6]])
    y = np.repeat([0, 1], 50_000)
    labels, indices = check_flipped(flip_with_transition(y, T, seed=3), y)
    assert labels[y == 0].mean() == pytest.approx(0.1, abs=0.01)
    assert 1 - labels[y == 1].mean() == pytest.approx(0.4, abs=0.01)


def test_identity_flips_nothing():
    y = np.random.default_rng(2).integers(0, 4, 5000)
    labels, indices = flip_with_transition(y, np.eye(4), seed=0)
    assert indices.size == 0
    np.testing.assert_array_equal(labels, y)


def test_a_permutation_matrix_moves_every_label_deterministically():
    y = np.array([0, 1, 2, 2, 1, 0])
    P = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    labels, indices = flip_with_transition(y, P, seed=9)
    np.testing.assert_array_equal(labels, (y + 1) % 3)
    np.testing.assert_array_equal(indices, np.arange(6))


def test_flip_with_transition_multiclass_symmetric_and_pair():
    y = np.random.default_rng(4).integers(0, 5, 100_000)
    sym = flip_with_transition(y, symmetric_noise_matrix(5, 0.4), seed=0).labels
    assert (sym != y).mean() == pytest.approx(0.4, abs=0.01)
    for i in range(5):
        moved = sym[(y == i) & (sym != y)]
        np.testing.assert_allclose(np.bincount(moved, minlength=5)[np.arange(5) != i] / len(moved), 0.25, atol=0.02)
    pair = flip_with_transition(y, pair_noise_matrix(5, 0.3), seed=0).labels
    changed = pair != y
    assert changed.mean() == pytest.approx(0.3, abs=0.01)
    np.testing.assert_array_equal(pair[changed], (y[changed] + 1) % 5)


def test_flip_with_transition_is_seeded():
    y = np.random.default_rng(5).integers(0, 3, 2000)
    a = flip_with_transition(y, ASYMMETRIC_T, seed=1)
    b = flip_with_transition(y, ASYMMETRIC_T, seed=1)
    c = flip_with_transition(y, ASYMMETRIC_T, seed=2)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert not np.array_equal(a.labels, c.labels)


def test_flip_with_transition_group_restriction():
    rng = np.random.default_rng(6)
    y = rng.integers(0, 2, 100_000)
    z = rng.integers(0, 2, 100_000)
    T = symmetric_noise_matrix(2, 0.3)
    labels, indices = check_flipped(flip_with_transition(y, T, seed=0, z=z, group=1), y)
    assert (z[indices] == 1).all()
    np.testing.assert_array_equal(labels[z == 0], y[z == 0])
    assert (labels != y)[z == 1].mean() == pytest.approx(0.3, abs=0.01)


@pytest.mark.parametrize(
    "T, pattern",
    [
        ([[0.9, 0.2], [0.1, 0.9]], "row 0 sums to 1.1"),
        ([[0.9, 0.1], [0.3, 0.6]], "row 1 sums to 0.9"),
        ([[1.2, -0.2], [0.0, 1.0]], r"T must have entries in \[0, 1\]"),
        ([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]], "T must be a square"),
        ([[1.0]], "T must be a square matrix with at least 2"),
        ([0.5, 0.5], "T must be a square"),
        ([[np.nan, 1.0], [0.0, 1.0]], "T contains NaN"),
    ],
)
def test_flip_with_transition_rejects_bad_matrices(T, pattern):
    with pytest.raises(ValueError, match=pattern):
        flip_with_transition([0, 1, 1, 0], T)


# --- flip_most_confident --------------------------------------------------------------------------


def independent_most_confident(X, y, z, n_flip, group):
    """The attack recomputed: sklearn's default LR, log-odds from predict_proba, top margins."""
    model = LogisticRegression().fit(X, y)
    p = model.predict_proba(X)[:, 1]
    log_odds = np.log(p) - np.log1p(-p)
    margin = np.where(y == 1, log_odds, -log_odds)
    members = np.flatnonzero(z == group)
    ranked = members[np.argsort(margin[members])[::-1]]
    return set(ranked[:n_flip].tolist()), margin


@pytest.fixture(scope="module")
def region():
    """The first 2,000 rows (train + validation) of the seed-0 synthetic data."""
    return make_synthetic(seed=0).subset(np.arange(2000))


@pytest.mark.parametrize("n_flip, group", [(200, 1), (57, 1), (120, 0), (1, 1), (0, 1)])
def test_flip_most_confident_flips_the_top_margins_of_the_group(region, n_flip, group):
    X, y, z = region.X, region.y, region.z
    y_before = y.copy()
    labels, indices = check_flipped(flip_most_confident(X, y, z, n_flip, group=group), y)
    assert len(indices) == n_flip
    assert (z[indices] == group).all()
    expected, margin = independent_most_confident(X, y, z, n_flip, group)
    assert set(indices.tolist()) == expected
    if 0 < n_flip:
        others = np.setdiff1d(np.flatnonzero(z == group), indices)
        assert margin[indices].min() >= margin[others].max()
    np.testing.assert_array_equal(region.y, y_before)


def test_flip_most_confident_default_count_is_rate_times_n(region):
    X, y, z = region.X, region.y, region.z
    assert len(flip_most_confident(X, y, z).indices) == 200  # 10% of 2,000, all in z = 1
    idx = flip_most_confident(X, y, z, rate=0.05).indices
    assert len(idx) == 100
    assert set(idx.tolist()) == independent_most_confident(X, y, z, 100, 1)[0]


def test_flip_most_confident_mostly_flips_positives_to_negatives(region):
    labels, indices = flip_most_confident(region.X, region.y, region.z)
    assert (region.y[indices] == 1).mean() >= 0.85


def test_flip_most_confident_accepts_array_likes(region):
    X, y, z = region.X[:300], region.y[:300], region.z[:300]
    ref = flip_most_confident(X, y, z, 20)
    got = flip_most_confident(pd.DataFrame(X), pd.Series(y), torch.tensor(z), 20)
    np.testing.assert_array_equal(got.indices, ref.indices)


# --- poison_split ---------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_poison_split_reproduces_the_papers_attack(seed):
    split = split_dataset(make_synthetic(seed=seed))
    clean_train_y = split.train.y.copy()
    poisoned, flipped = poison_split(split)
    assert isinstance(poisoned, Split)
    # Validation and test labels untouched, and the very same objects; features unchanged.
    np.testing.assert_array_equal(poisoned.val.y, split.val.y)
    np.testing.assert_array_equal(poisoned.test.y, split.test.y)
    np.testing.assert_array_equal(poisoned.train.X, split.train.X)
    np.testing.assert_array_equal(poisoned.train.z, split.train.z)
    np.testing.assert_array_equal(split.train.y, clean_train_y)  # the input split is untouched
    # The flipped positions are exactly where the training labels changed.
    np.testing.assert_array_equal(flipped, np.flatnonzero(poisoned.train.y != split.train.y))
    assert 170 <= len(flipped) <= 195  # about 179 of 1,800 in the paper
    assert (split.train.z[flipped] == 1).all()
    assert (split.train.y[flipped] == 1).mean() >= 0.85  # about 95% are 1 -> 0
    # Independently: the attack sees the 2,000 train + validation rows and flips 200 in z = 1.
    X = np.vstack([split.train.X, split.val.X])
    y = np.concatenate([split.train.y, split.val.y])
    z = np.concatenate([split.train.z, split.val.z])
    expected, _ = independent_most_confident(X, y, z, 200, 1)
    assert set(flipped.tolist()) == {i for i in expected if i < 1800}


def test_poison_split_rate_zero_changes_nothing(synthetic_split):
    poisoned, flipped = poison_split(synthetic_split, rate=0.0)
    assert flipped.size == 0
    np.testing.assert_array_equal(poisoned.train.y, synthetic_split.train.y)


def test_poison_split_rejects_non_split(synthetic_split):
    with pytest.raises(TypeError, match="split"):
        poison_split(synthetic_split.train)
    with pytest.raises(ValueError, match="rate"):
        poison_split(synthetic_split, rate=1.5)


# --- Bad input ------------------------------------------------------------------------------------

Y = np.array([1, 0, 1, 1, 0, 0, 1, 0])
Z = np.array([0, 0, 1, 1, 1, 0, 1, 1])
X = np.column_stack([np.arange(8.0), np.arange(8.0) ** 2 % 5, Z])


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda: flip_random(Y, -0.1), ValueError, "rate"),
        (lambda: flip_random(Y, 1.1), ValueError, "rate"),
        (lambda: flip_random(Y, float("nan")), ValueError, "rate"),
        (lambda: flip_random(Y, "0.1"), TypeError, "rate"),
        (lambda: flip_random(Y, True), TypeError, "rate"),
        (lambda: flip_random([1, 0, 2], 0.1), ValueError, "y must contain only 0 and 1"),
        (lambda: flip_random([1, -1, 1], 0.1), ValueError, "y must contain only 0 and 1"),
        (lambda: flip_random([1, np.nan], 0.1), ValueError, "y contains NaN"),
        (lambda: flip_random([], 0.1), ValueError, "y is empty"),
        (lambda: flip_random(Y, 0.1, z=Z[:-1], group=1), ValueError, "z has 7"),
        (lambda: flip_random(Y, 0.1, z=Z[:-1]), ValueError, "z has 7"),
        (lambda: flip_random(Y, 0.1, group=1), ValueError, "z"),
        (lambda: flip_random(Y, 0.1, z=Z, group=2), ValueError, "group"),
        (lambda: flip_random(Y, 0.1, z=Z, group=True), ValueError, "group"),
        (lambda: flip_random(Y, 0.1, label=-1), ValueError, "label"),
        (lambda: flip_random(Y, 0.1, z=Z + 1, group=1), ValueError, "z must contain only 0 and 1"),
        (lambda: flip_with_transition([0, 1, 3], np.eye(3)), ValueError, r"y must contain class indices 0\.\.2"),
        (lambda: flip_with_transition([0, 1.5, 1], np.eye(2)), ValueError, "y must contain class indices"),
        (lambda: flip_with_transition([], np.eye(2)), ValueError, "y is empty"),
        (lambda: flip_with_transition(Y, np.eye(2), group=1), ValueError, "z"),
        (lambda: flip_with_transition(Y, np.eye(2), z=Z[:3], group=1), ValueError, "z has 3"),
        (lambda: flip_with_transition(Y, "eye"), TypeError, "T"),
        (lambda: flip_most_confident(X, Y, Z, 6, group=1), ValueError, "n_flip = 6 exceeds the 5"),
        (lambda: flip_most_confident(X, Y, Z, -1), ValueError, "n_flip"),
        (lambda: flip_most_confident(X, Y, Z, 1.0), TypeError, "n_flip"),
        (lambda: flip_most_confident(X, Y, Z, rate=1.0), ValueError, "n_flip"),  # 8 > 5 members
        (lambda: flip_most_confident(X, Y, Z, rate=-0.5), ValueError, "rate"),
        (lambda: flip_most_confident(X, Y, Z, 1, group=2), ValueError, "group"),
        (lambda: flip_most_confident(X, np.ones(8), Z, 1), ValueError, "y has a single class"),
        (lambda: flip_most_confident(X, Y * 2, Z, 1), ValueError, "y must contain only 0 and 1"),
        (lambda: flip_most_confident(X[:-1], Y, Z, 1), ValueError, "X has 7"),
        (lambda: flip_most_confident(X, Y, Z[:-1], 1), ValueError, "z has 7"),
        (lambda: flip_most_confident(X[:, 0], Y, Z, 1), ValueError, "X must be two-dimensional"),
        (lambda: flip_most_confident(np.where(X == 0, np.nan, X), Y, Z, 1), ValueError, "X contains NaN"),
        (lambda: flip_most_confident(X, Y, None, 1), TypeError, "z"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()
