"""frlib.data: the synthetic data of the paper, Dataset, splits and tensors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import multivariate_normal

from frlib.data import Dataset, Split, make_synthetic, split_dataset

# The generator's parameters, written out again here (not imported from frlib) so that the
# tests check frlib against the paper (PAPER_FACTS section 1), not against itself.
MEAN_POS, COV_POS = np.array([2.0, 2.0]), np.array([[5.0, 1.0], [1.0, 5.0]])
MEAN_NEG, COV_NEG = np.array([-2.0, -2.0]), np.array([[10.0, 1.0], [1.0, 3.0]])


def prob_z1_given_x(x: np.ndarray) -> np.ndarray:
    """p1 / (p1 + p0) at x rotated by pi/4 (row vector times [[cos, -sin], [sin, cos]])."""
    c = s = np.sqrt(0.5)
    rotated = np.column_stack([c * x[:, 0] + s * x[:, 1], -s * x[:, 0] + c * x[:, 1]])
    p1 = multivariate_normal(MEAN_POS, COV_POS).pdf(rotated)
    p0 = multivariate_normal(MEAN_NEG, COV_NEG).pdf(rotated)
    return p1 / (p1 + p0)


def population_rates() -> dict[str, float]:
    """P(z=1), P(z=1|y), P(y=1|z) of the generator, by quadrature on a fine grid (no sampling)."""
    step = 0.08
    grid = np.arange(-30.0, 30.0, step)
    g1, g2 = np.meshgrid(grid, grid)
    x = np.column_stack([g1.ravel(), g2.ravel()])
    q = prob_z1_given_x(x)
    z1_pos = float((q * multivariate_normal(MEAN_POS, COV_POS).pdf(x)).sum() * step**2)
    z1_neg = float((q * multivariate_normal(MEAN_NEG, COV_NEG).pdf(x)).sum() * step**2)
    return {
        "P(z=1|y=1)": z1_pos,
        "P(z=1|y=0)": z1_neg,
        "P(z=1)": (z1_pos + z1_neg) / 2,
        "P(y=1|z=1)": z1_pos / (z1_pos + z1_neg),
        "P(y=1|z=0)": (1 - z1_pos) / ((1 - z1_pos) + (1 - z1_neg)),
    }


@pytest.fixture(scope="module")
def large() -> Dataset:
    return make_synthetic(n_per_class=250_000, seed=11)


# --- make_synthetic: the paper's numbers ------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_synthetic_base_rates_match_the_paper(seed):
    data = make_synthetic(seed=seed)
    z, y = data.z, data.y
    assert len(data) == 7400
    assert abs(z.mean() - 0.44) <= 0.02
    assert abs(y[z == 0].mean() - 0.34) <= 0.03
    assert abs(y[z == 1].mean() - 0.71) <= 0.03
    stats = data.describe()
    assert stats["n"] == 7400
    assert stats["P(z=1)"] == pytest.approx(z.mean())
    assert stats["P(y=1|z=0)"] == pytest.approx(y[z == 0].mean())
    assert stats["P(y=1|z=1)"] == pytest.approx(y[z == 1].mean())


def test_population_rates_by_quadrature_match_the_documented_values():
    rates = population_rates()
    # The values measured with 10^6 points: 0.455, 0.331, 0.703.
    assert rates["P(z=1)"] == pytest.approx(0.455, abs=0.001)
    assert rates["P(y=1|z=0)"] == pytest.approx(0.331, abs=0.001)
    assert rates["P(y=1|z=1)"] == pytest.approx(0.703, abs=0.001)


def test_large_sample_matches_the_population_rates(large):
    rates = population_rates()
    z, y = large.z, large.y
    # 500,000 points: standard errors are about 0.001 or less; 0.004 is about 4 of them.
    assert z.mean() == pytest.approx(rates["P(z=1)"], abs=0.004)
    assert z[y == 1].mean() == pytest.approx(rates["P(z=1|y=1)"], abs=0.004)
    assert z[y == 0].mean() == pytest.approx(rates["P(z=1|y=0)"], abs=0.004)
    assert y[z == 1].mean() == pytest.approx(rates["P(y=1|z=1)"], abs=0.004)
    assert y[z == 0].mean() == pytest.approx(rates["P(y=1|z=0)"], abs=0.004)


def test_class_gaussians_have_the_generators_parameters(large):
    x, y = large.X[:, :2], large.y
    for label, mean, cov in ((1, MEAN_POS, COV_POS), (0, MEAN_NEG, COV_NEG)):
        points = x[y == label]
        np.testing.assert_allclose(points.mean(axis=0), mean, atol=0.04)
        np.testing.assert_allclose(np.cov(points, rowvar=False), cov, atol=0.15)


@pytest.mark.parametrize("label", [None, 0, 1])
def test_z_given_x_follows_the_rotated_density_ratio(large, label):
    """E[z | x] = p1(R x) / (p1(R x) + p0(R x)), and z depends on y only through x.

    Bin the points by the independently computed probability and compare the fraction of
    z = 1 in each bin with the mean probability there (binomial standard error).
    """
    mask = np.ones(len(large), dtype=bool) if label is None else large.y == label
    q = prob_z1_given_x(large.X[mask, :2])
    z = large.z[mask]
    edges = np.quantile(q, np.linspace(0, 1, 11))
    bins = np.clip(np.searchsorted(edges, q, side="right") - 1, 0, 9)
    for b in range(10):
        in_bin = bins == b
        expected = q[in_bin].mean()
        se = np.sqrt(max(expected * (1 - expected), 1e-4) / in_bin.sum())
        assert abs(z[in_bin].mean() - expected) < 5 * se + 0.002, (b, z[in_bin].mean(), expected)


def test_z_given_x_in_regions(large):
    q = prob_z1_given_x(large.X[:, :2])
    z = large.z
    # Where the rotated point looks like the y=1 Gaussian z is mostly 1, and vice versa.
    assert z[q > 0.95].mean() > 0.95
    assert z[q < 0.05].mean() < 0.05
    middle = (q > 0.45) & (q < 0.55)
    assert z[middle].mean() == pytest.approx(0.5, abs=0.02)


@pytest.mark.parametrize("n_per_class", [1, 7, 100, 3700])
def test_exactly_n_per_class_points_per_class(n_per_class):
    data = make_synthetic(n_per_class=n_per_class, seed=3)
    assert len(data) == 2 * n_per_class
    assert int(data.y.sum()) == n_per_class
    assert int((data.y == 0).sum()) == n_per_class


def test_same_seed_same_data_and_different_seed_different_data():
    a, b, c = make_synthetic(seed=4), make_synthetic(seed=4), make_synthetic(seed=5)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(a.z, b.z)
    assert not np.array_equal(a.X, c.X)
    assert not np.array_equal(a.y, c.y)
    assert not np.array_equal(a.z, c.z)


def test_synthetic_columns_and_types():
    data = make_synthetic(n_per_class=50, seed=0)
    assert data.feature_names == ("x1", "x2", "z")
    assert data.name == "synthetic"
    assert data.X.shape == (100, 3) and data.X.dtype == np.float64
    assert data.y.shape == (100,) and data.y.dtype == np.int64
    assert data.z.shape == (100,) and data.z.dtype == np.int64
    np.testing.assert_array_equal(data.X[:, 2], data.z)
    assert set(np.unique(data.y)) == {0, 1}
    assert set(np.unique(data.z)) == {0, 1}


def test_synthetic_is_shuffled():
    y = make_synthetic(n_per_class=500, seed=0).y
    # Unshuffled it would be 500 ones then 500 zeros; shuffled, the first half is balanced.
    assert 0.4 < y[:500].mean() < 0.6
    assert (np.diff(y) != 0).sum() > 300


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"n_per_class": 0}, ValueError, "n_per_class"),
        ({"n_per_class": -5}, ValueError, "n_per_class"),
        ({"n_per_class": 10.0}, TypeError, "n_per_class"),
        ({"n_per_class": True}, TypeError, "n_per_class"),
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": 1.5}, TypeError, "seed"),
        ({"seed": "0"}, TypeError, "seed"),
    ],
)
def test_make_synthetic_rejects_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        make_synthetic(**kwargs)


def test_numpy_integer_arguments_are_accepted():
    a = make_synthetic(n_per_class=np.int64(20), seed=np.int32(2))
    b = make_synthetic(n_per_class=20, seed=2)
    np.testing.assert_array_equal(a.X, b.X)


# --- split_dataset ------------------------------------------------------------------------------


def test_split_sizes_order_and_disjointness():
    data = make_synthetic(seed=1)
    split = split_dataset(data)
    assert isinstance(split, Split)
    assert (len(split.train), len(split.val), len(split.test)) == (1800, 200, 1000)
    # In order: train is rows 0..1799, val 1800..1999, test 2000..2999.
    np.testing.assert_array_equal(split.train.X, data.X[:1800])
    np.testing.assert_array_equal(split.val.X, data.X[1800:2000])
    np.testing.assert_array_equal(split.test.X, data.X[2000:3000])
    for part, rows in ((split.train, slice(0, 1800)), (split.val, slice(1800, 2000)), (split.test, slice(2000, 3000))):
        np.testing.assert_array_equal(part.y, data.y[rows])
        np.testing.assert_array_equal(part.z, data.z[rows])
        assert part.feature_names == data.feature_names
    # Disjoint: no feature row appears in two parts (the Gaussian draws are all distinct).
    keys = [set(map(tuple, part.X)) for part in (split.train, split.val, split.test)]
    assert sum(len(k) for k in keys) == len(set().union(*keys)) == 3000


def test_split_custom_sizes():
    data = make_synthetic(n_per_class=50, seed=0)
    split = split_dataset(data, n_train=60, n_val=15, n_test=25)
    assert (len(split.train), len(split.val), len(split.test)) == (60, 15, 25)
    np.testing.assert_array_equal(split.test.X, data.X[75:100])


def test_split_rejects_bad_arguments():
    data = make_synthetic(n_per_class=50, seed=0)
    with pytest.raises(ValueError, match="n_train"):
        split_dataset(data, n_train=80, n_val=15, n_test=25)  # needs 120 rows, has 100
    with pytest.raises(ValueError, match="n_val"):
        split_dataset(data, n_train=10, n_val=0, n_test=10)
    with pytest.raises(ValueError, match="n_test"):
        split_dataset(data, n_train=10, n_val=10, n_test=-1)
    with pytest.raises(TypeError, match="n_train"):
        split_dataset(data, n_train=10.0)
    with pytest.raises(TypeError, match="data"):
        split_dataset(data.X)


# --- Dataset --------------------------------------------------------------------------------------


def small() -> Dataset:
    X = np.array([[0.0, 1.0], [1.0, 2.0], [2.0, 3.0], [3.0, 4.0], [4.0, 5.0]])
    return Dataset(X, [1, 0, 1, 1, 0], [0, 0, 1, 1, 1], ("a", "b"), name="small")


def test_tensors_dtypes_shapes_and_values(synthetic_split):
    X, y, z = synthetic_split.train.tensors()
    for tensor in (X, y, z):
        assert isinstance(tensor, torch.Tensor) and tensor.dtype == torch.float32
    assert X.shape == (1800, 3) and y.shape == (1800,) and z.shape == (1800,)
    np.testing.assert_allclose(X.numpy(), synthetic_split.train.X, rtol=1e-6)
    np.testing.assert_array_equal(y.numpy(), synthetic_split.train.y)
    np.testing.assert_array_equal(z.numpy(), synthetic_split.train.z)


def test_dataset_converts_array_likes():
    ref = small()
    other = Dataset(
        pd.DataFrame(ref.X),
        pd.Series(ref.y, index=[10, 11, 12, 13, 14]),
        torch.tensor(ref.z),
        ["a", "b"],
    )
    np.testing.assert_array_equal(other.X, ref.X)
    np.testing.assert_array_equal(other.y, ref.y)
    np.testing.assert_array_equal(other.z, ref.z)
    assert other.y.dtype == np.int64 and other.z.dtype == np.int64 and other.X.dtype == np.float64
    assert other.feature_names == ("a", "b")  # a list becomes a tuple
    listed = Dataset(ref.X.tolist(), [True, False, True, True, False], [0.0, 0.0, 1.0, 1.0, 1.0], ("a", "b"))
    np.testing.assert_array_equal(listed.y, ref.y)
    np.testing.assert_array_equal(listed.z, ref.z)


def test_dataset_is_frozen():
    data = small()
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.y = np.zeros(5)  # type: ignore[misc]


def test_describe_by_hand():
    stats = small().describe()
    assert stats == {
        "n": 5.0,
        "P(z=1)": pytest.approx(3 / 5),
        "P(y=1)": pytest.approx(3 / 5),
        "P(y=1|z=0)": pytest.approx(1 / 2),
        "P(y=1|z=1)": pytest.approx(2 / 3),
    }


X5 = np.arange(10.0).reshape(5, 2)


@pytest.mark.parametrize(
    "args, error, pattern",
    [
        ((X5[:, 0], [1, 0, 1, 1, 0], [0, 0, 1, 1, 1], ("a",)), ValueError, "X must be two-dimensional"),
        ((np.empty((0, 2)), [], [], ("a", "b")), ValueError, "X is empty"),
        ((np.where(X5 == 3, np.nan, X5), [1, 0, 1, 1, 0], [0, 0, 1, 1, 1], ("a", "b")), ValueError, "X contains NaN"),
        ((np.where(X5 == 3, np.inf, X5), [1, 0, 1, 1, 0], [0, 0, 1, 1, 1], ("a", "b")), ValueError, "X contains NaN or inf"),
        ((X5, [1, 0, 2, 1, 0], [0, 0, 1, 1, 1], ("a", "b")), ValueError, "y must contain only 0 and 1"),
        ((X5, [1, -1, 1, 1, -1], [0, 0, 1, 1, 1], ("a", "b")), ValueError, r"y must .*\(y \+ 1\) // 2"),
        ((X5, [1, 0, 1, 1, 0], [0, 0, np.nan, 1, 1], ("a", "b")), ValueError, "z contains NaN"),
        ((X5, [1, 0, 1, 1, 0], [0, 0, 1, 1], ("a", "b")), ValueError, "z has 4"),
        ((X5, [1, 0, 1, 1, 0], [0, 0, 1, 1, 1], ("a",)), ValueError, "feature_names"),
        ((X5, ["1", "0", "1", "1", "0"], [0, 0, 1, 1, 1], ("a", "b")), TypeError, "y must hold numbers"),
        ((X5, None, [0, 0, 1, 1, 1], ("a", "b")), TypeError, "y must be an array"),
        ((X5, [1, 0, 1, 1, 0], "00111", ("a", "b")), TypeError, "z must be an array"),
    ],
)
def test_dataset_rejects_bad_inputs(args, error, pattern):
    with pytest.raises(error, match=pattern):
        Dataset(*args)


def test_subset_by_positions_and_mask():
    data = small()
    part = data.subset([4, 0, 2])
    np.testing.assert_array_equal(part.X, data.X[[4, 0, 2]])
    np.testing.assert_array_equal(part.y, [0, 1, 1])
    np.testing.assert_array_equal(part.z, [1, 0, 1])
    assert part.feature_names == data.feature_names and part.name == "small"
    masked = data.subset(data.z == 1)
    np.testing.assert_array_equal(masked.y, [1, 1, 0])
    np.testing.assert_array_equal(data.subset(np.array([-1])).X, data.X[[-1]])
    np.testing.assert_array_equal(data.subset(torch.tensor([1, 3])).y, [0, 1])
    # The original is untouched.
    np.testing.assert_array_equal(data.y, [1, 0, 1, 1, 0])


def test_subset_rejects_out_of_range_and_wrong_masks():
    data = small()
    with pytest.raises(ValueError, match="indices"):
        data.subset([0, 5])
    with pytest.raises(ValueError, match="indices"):
        data.subset([-6])
    with pytest.raises(ValueError, match="indices"):
        data.subset([True, False])


@pytest.mark.parametrize("indices", [[], [0.5, 1.0]], ids=["empty", "fractional"])
def test_subset_rejects_empty_or_fractional_indices_with_a_named_error(indices):
    # BUG: numpy's IndexError ("arrays used as indices must be of integer (or boolean) type")
    # escapes instead of an error naming `indices`.
    with pytest.raises((TypeError, ValueError), match="indices"):
        small().subset(indices)


def test_with_labels_replaces_only_the_labels():
    data = small()
    new = data.with_labels(pd.Series([0, 0, 0, 1, 1]))
    np.testing.assert_array_equal(new.y, [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(new.X, data.X)
    np.testing.assert_array_equal(new.z, data.z)
    assert new.feature_names == data.feature_names and new.name == data.name
    np.testing.assert_array_equal(data.y, [1, 0, 1, 1, 0])
    with pytest.raises(ValueError, match="y has 4"):
        data.with_labels([0, 1, 0, 1])
    with pytest.raises(ValueError, match="y must contain only 0 and 1"):
        data.with_labels([0, 1, 0, 1, 3])
