"""MORPH (frlib.robust_morph): the memorised set, the noise-rate estimate and the two phases."""

import numpy as np
import pytest
import torch

from frlib import config, robust
from frlib.robust.morph import estimate_noise_rate, fit_morph, memorised_mask


def test_memorised_means_the_most_frequent_prediction_is_the_given_label():
    history = np.array([[3, 3, 3, 5], [5, 5, 3, 3], [1, 2, 2, 2], [0, 0, 0, 0]])
    given = np.array([3, 3, 1, 0])
    # row 1: a tie between 3 and 5 goes to the smaller class, 3
    assert memorised_mask(history, given, 6).tolist() == [True, True, False, True]


def test_memorised_mask_rejects_bad_input():
    with pytest.raises(ValueError, match="history must have shape"):
        memorised_mask(np.zeros(4, dtype=int), np.zeros(4, dtype=int), 2)
    with pytest.raises(ValueError, match="given must have shape"):
        memorised_mask(np.zeros((4, 3), dtype=int), np.zeros(3, dtype=int), 2)
    with pytest.raises(ValueError, match="outside 0 .. 1"):
        memorised_mask(np.full((2, 3), 2), np.zeros(2, dtype=int), 2)


def test_noise_rate_is_the_share_of_the_high_loss_component():
    rng = np.random.default_rng(0)
    losses = np.concatenate([rng.normal(0.2, 0.05, 1000), rng.normal(2.0, 0.3, 400)])
    assert abs(estimate_noise_rate(losses) - 400 / 1400) < 0.01
    assert estimate_noise_rate(np.ones(10)) == 0.0
    with pytest.raises(ValueError, match="at least two finite"):
        estimate_noise_rate([0.1, np.nan])


def test_history_must_be_shorter_than_training():
    X, y = np.random.default_rng(0).normal(size=(20, 3)), np.arange(20) % 2
    with pytest.raises(ValueError, match="history_length"):
        fit_morph(X, y, history_length=50, config=robust.TrainConfig(hidden=(), epochs=40))


def test_morph_finds_the_flipped_digits_without_the_noise_rate():
    """40% symmetric noise on the digits (lesson 03's task), quick setting, one seed."""
    torch.set_num_threads(1)
    with config.quick_mode(True):
        cfg = robust.digits_config()
        digits = robust.load_digits_split(seed=0)
        task = robust.make_task(digits, "symmetric", 0.4, seed=0)
        morph = fit_morph(digits.X_train, task.y_noisy, n_classes=10, config=cfg, seed=0)
        plain = robust.fit_plain(digits.X_train, task.y_noisy, n_classes=10, config=cfg, seed=0)
    result = robust.evaluate_fit(morph, task)
    assert result["recall"] >= 0.9 and result["precision"] >= 0.8, result
    assert result["test_acc"] >= robust.evaluate_fit(plain, task)["test_acc"] + 0.1
    transition = morph.history["transition_epoch"][0]
    assert cfg.epochs // 10 <= transition < cfg.epochs
    # before the transition every example is trained on; the safe set is what it keeps at the end
    assert morph.kept.mean() == pytest.approx(morph.history["safe_share"][-1])
    assert 0.3 <= morph.history["noise_rate_estimate"][-1] <= 0.6
