"""The disparate-impact remover (frlib.fair_repair, Feldman et al. 2015)."""

import numpy as np
import pytest

from frlib import data
from frlib.fair.repair import repair_column, repair_features


def test_level_zero_changes_nothing_and_order_is_kept():
    rng = np.random.default_rng(0)
    x, z = rng.normal(size=300), rng.integers(0, 2, 300)
    np.testing.assert_allclose(repair_column(x, z, 0.0), x)
    repaired = repair_column(x, z, 1.0)
    for g in (0, 1):
        members = z == g
        assert np.array_equal(np.argsort(x[members], kind="stable"), np.argsort(repaired[members], kind="stable"))


def test_full_repair_gives_both_groups_one_distribution():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(0, 1, 500), rng.normal(3, 2, 500)])
    z = np.repeat([0, 1], 500)
    repaired = repair_column(x, z, 1.0)
    # equal group sizes: the repaired values of the two groups are the same multiset
    np.testing.assert_allclose(np.sort(repaired[z == 0]), np.sort(repaired[z == 1]))
    # ... the median of the two groups' quantile functions
    u = (np.arange(500) + 0.5) / 500
    expected = np.median([np.quantile(x[z == 0], u), np.quantile(x[z == 1], u)], axis=0)
    np.testing.assert_allclose(np.sort(repaired[z == 0]), expected)
    # partial repair moves every value part of the way
    np.testing.assert_allclose(repair_column(x, z, 0.3), 0.7 * x + 0.3 * repaired)


def test_unequal_groups_end_up_close_in_distribution():
    people = data.make_synthetic(seed=0)
    score = people.X[:, 0] + people.X[:, 1]
    grid = np.linspace(-15, 15, 301)

    def ks(values):
        cdf = [np.searchsorted(np.sort(values[people.z == g]), grid) / np.sum(people.z == g) for g in (0, 1)]
        return np.abs(cdf[0] - cdf[1]).max()

    repaired = repair_features(people.X[:, :2], people.z, 1.0)
    assert ks(score) > 0.2
    assert ks(repaired[:, 0]) < 0.03 and ks(repaired[:, 1]) < 0.03


def test_columns_not_listed_are_copied():
    people = data.make_synthetic(seed=0)
    repaired = repair_features(people.X, people.z, 1.0, columns=[0])
    np.testing.assert_array_equal(repaired[:, 1:], people.X[:, 1:])
    assert not np.allclose(repaired[:, 0], people.X[:, 0])


def test_bad_input():
    with pytest.raises(ValueError, match="level must be a number in \\[0, 1\\]"):
        repair_column([1.0, 2.0], [0, 1], 1.5)
    with pytest.raises(ValueError, match="columns must be column positions"):
        repair_features(np.ones((3, 2)), [0, 1, 0], columns=[2])
    with pytest.raises(ValueError):
        repair_column([1.0, 2.0], [0, 1, 1])
