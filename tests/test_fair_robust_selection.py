"""frlib.fair.robust_selection (lesson 09, section 2): fair and robust sample selection (Roh et al. 2021)."""

from __future__ import annotations

import numpy as np
import pytest

from frlib.data import make_synthetic, split_dataset
from frlib.fair import (
    check_noise_rate,
    fit_fair_robust_selection,
    fit_weighted_logistic,
    group_budgets,
    group_weights,
    select_small_loss,
    selection_size,
    update_shares,
)
from frlib.methods import train_fair_robust_selection
from frlib.metrics import accuracy, disparate_impact
from frlib.models import linear_weights, predict
from frlib.poison import flip_random, poison_split
from frlib.robust import detection_scores


def params_of(model):
    """(theta, b) of a LogisticRegression as one vector, the layout of the Newton fits."""
    return np.append(*linear_weights(model))


@pytest.fixture(scope="module")
def split():
    return split_dataset(make_synthetic(seed=0))


@pytest.fixture(scope="module")
def attacked(split):
    poisoned, flipped = poison_split(split)
    return poisoned, flipped


# --- the pieces ---------------------------------------------------------------------------------------


def test_small_loss_selection_keeps_the_b_smallest():
    losses = np.array([0.5, 0.1, 2.0, 0.1, 3.0, 0.7, 0.0, 1.5, 0.2, 0.9])
    kept = select_small_loss(losses, 0.3)
    assert kept.sum() == selection_size(10, 0.3) == 7
    assert losses[kept].max() < losses[~kept].min()
    assert select_small_loss(losses, 0.0).all()
    # ties: the earlier example first
    np.testing.assert_array_equal(select_small_loss([1.0, 1.0, 1.0, 0.0], 0.5), [True, False, False, True])
    assert selection_size(3, 0.99) == 1  # always keeps one


def test_budgets_add_up_to_the_selection_and_weights_carry_them():
    rng = np.random.default_rng(0)
    y, z = rng.integers(0, 2, 500), rng.integers(0, 2, 500)
    kept = select_small_loss(rng.random(500), 0.2)
    for shares in ([0.5, 0.5], [0.1, 0.9], [0.0, 1.0], [0.37, 0.61]):
        budgets = group_budgets(kept, y, z, shares)
        assert budgets.sum() == pytest.approx(kept.sum())          # the total is B = 400
        assert budgets.sum(axis=1) == pytest.approx([np.sum(kept & (y == c)) for c in (0, 1)])
        assert budgets[:, 1] == pytest.approx(np.array(shares) * budgets.sum(axis=1))
        weights = group_weights(kept, y, z, shares)
        assert (weights[~kept] == 0).all()
        for label in (0, 1):
            for group in (0, 1):
                members = (y == label) & (z == group)
                assert weights[members].sum() == pytest.approx(budgets[label, group])


def test_weights_are_one_at_the_selected_shares():
    rng = np.random.default_rng(1)
    y, z = rng.integers(0, 2, 300), rng.integers(0, 2, 300)
    kept = select_small_loss(rng.random(300), 0.1)
    natural = [z[kept & (y == c)].mean() for c in (0, 1)]
    np.testing.assert_allclose(group_weights(kept, y, z, natural)[kept], 1.0)


def test_an_empty_group_hands_its_budget_to_the_other_group_of_its_class():
    y = np.array([0, 0, 0, 1, 1, 1])
    z = np.array([0, 0, 0, 0, 1, 1])  # class 0 has no member of group 1
    kept = np.ones(6, dtype=bool)
    budgets = group_budgets(kept, y, z, [0.8, 0.5])
    np.testing.assert_allclose(budgets, [[3.0, 0.0], [1.5, 1.5]])
    np.testing.assert_allclose(group_weights(kept, y, z, [0.8, 0.5]), [1, 1, 1, 1.5, 0.75, 0.75])


def test_the_share_rule_moves_against_the_favoured_group():
    z = np.array([0, 0, 1, 1])
    favoured_1 = np.array([-2.0, -1.0, 1.0, 2.0])
    assert update_shares([0.4, 0.6], favoured_1, z, 0.05) == pytest.approx([0.45, 0.55])
    assert update_shares([0.4, 0.6], -favoured_1, z, 0.05) == pytest.approx([0.35, 0.65])
    assert update_shares([1.0, 0.0], favoured_1, z, 0.05) == pytest.approx([1.0, 0.0])  # clipped


# --- the method -------------------------------------------------------------------------------------


def test_without_noise_and_fairness_it_is_plain_logistic_regression(split):
    fit = fit_fair_robust_selection(split.train.X, split.train.y, split.train.z, noise_rate=0.0, fairness=None, rounds=3)
    assert fit.kept.all() and fit.budgets.sum() == len(split.train)
    np.testing.assert_allclose(fit.weights, 1.0)
    reference = params_of(fit_weighted_logistic(split.train.X, split.train.y))
    np.testing.assert_allclose(params_of(fit.model), reference, atol=1e-5)


def test_clean_data_with_noise_rate_zero_keeps_everything(split):
    fit = fit_fair_robust_selection(split.train.X, split.train.y, split.train.z, noise_rate=0.0, rounds=20)
    assert fit.kept.all() and all(k == len(split.train) for k in fit.history["kept"])


def test_small_loss_selection_drops_the_flipped_labels(split, attacked):
    poisoned, flipped = attacked
    train = poisoned.train
    fit = fit_fair_robust_selection(train.X, train.y, train.z, noise_rate=0.1, fairness=None, rounds=50)
    scores = detection_scores(~fit.kept, flipped)
    assert fit.budgets.sum() == pytest.approx(selection_size(len(train), 0.1)) == fit.kept.sum()
    assert scores["precision"] > 0.9 and scores["recall"] > 0.9        # measured 0.99 / 0.97
    lr = fit_weighted_logistic(train.X, train.y)
    assert accuracy(split.test.y, fit.predict(split.test.X)) > accuracy(split.test.y, predict(lr, split.test.X)) + 0.04


def test_random_flips_are_mostly_dropped(split):
    labels, flipped = flip_random(split.train.y, 0.1, seed=0)
    fit = fit_fair_robust_selection(split.train.X, labels, split.train.z, noise_rate=0.1, fairness=None, rounds=50)
    scores = detection_scores(~fit.kept, flipped)
    assert scores["precision"] > 0.6 and scores["recall"] > 0.6        # measured 0.69 / 0.69; chance is 0.1


def test_the_fairness_shares_reach_demographic_parity_and_cost_accuracy(split, attacked):
    poisoned, _ = attacked
    train = poisoned.train
    robust = fit_fair_robust_selection(train.X, train.y, train.z, noise_rate=0.1, fairness=None)
    fair = fit_fair_robust_selection(train.X, train.y, train.z, noise_rate=0.1)
    di_robust = disparate_impact(robust.predict(split.test.X), split.test.z)
    di_fair = disparate_impact(fair.predict(split.test.X), split.test.z)
    assert di_robust < 0.55 and di_fair > 0.85                        # measured 0.44 and 0.98
    assert fair.history["training_di"][-1] > 0.85
    assert fair.shares[-1, 1] < fair.shares[1, 1] and fair.shares[-1, 0] > fair.shares[1, 0]
    assert fair.budgets.sum() == pytest.approx(fair.kept.sum())
    again = fit_fair_robust_selection(train.X, train.y, train.z, noise_rate=0.1)
    np.testing.assert_array_equal(again.kept, fair.kept)              # deterministic


def test_the_table_signature(split, attacked):
    poisoned, _ = attacked
    predictor = train_fair_robust_selection(poisoned.train, poisoned.val, 0)
    y_pred = predictor(split.test.X)
    assert y_pred.shape == (len(split.test),) and set(np.unique(y_pred)) <= {0, 1}


# --- bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [1.0, 1.5, -0.1, float("nan")])
def test_noise_rate_outside_zero_to_one_is_rejected(split, rate):
    with pytest.raises(ValueError, match="noise_rate must be in \\[0, 1\\)"):
        fit_fair_robust_selection(split.train.X, split.train.y, split.train.z, noise_rate=rate)


def test_other_bad_input(split):
    X, y, z = split.train.X, split.train.y, split.train.z
    with pytest.raises(TypeError, match="noise_rate"):
        check_noise_rate("0.1")
    with pytest.raises(ValueError, match="fairness must be one of"):
        fit_fair_robust_selection(X, y, z, noise_rate=0.1, fairness="eo")
    with pytest.raises(ValueError, match="rounds must be at least 1"):
        fit_fair_robust_selection(X, y, z, noise_rate=0.1, rounds=0)
    with pytest.raises(ValueError, match="step must be positive"):
        fit_fair_robust_selection(X, y, z, noise_rate=0.1, step=0)
    with pytest.raises(ValueError, match="lengths differ"):
        fit_fair_robust_selection(X, y[:-1], z, noise_rate=0.1)
    with pytest.raises(ValueError, match="y must contain only 0 and 1"):
        fit_fair_robust_selection(X, 2 * y - 1, z, noise_rate=0.1)
    with pytest.raises(ValueError, match="shares must be"):
        group_budgets(np.ones(3, dtype=bool), [0, 1, 1], [0, 1, 0], [0.5, 1.5])
    with pytest.raises(ValueError, match="losses contains NaN"):
        select_small_loss([0.1, float("nan")], 0.1)
