"""The same seed gives identical numbers twice in one process.

The lessons' claims are checked for seeds 0-4 (frlib.claims, scripts/check_claims.py); that only
means something if a seed pins every number down. Each computation below runs twice in this
process with the same seed and must give bit-identical results, and a different seed must give
different ones (so that the seed is really used). One representative per kind of randomness:
data and split, the attack, label noise, a torch training loop, a fair method with its knob
choice, the robust methods' networks, a discriminator estimate, the batched FR-Train grid and
the table protocol that runs them all.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from frlib import data, experiments, fair, frtrain_grid, mi, models, poison
from frlib.config import quick_mode
from frlib.robust import ROBUST_METHODS, TrainConfig, evaluate_fit, load_digits_split, make_task

SMALL_NET = TrainConfig(hidden=(32,), epochs=30, lr=6e-3)
SHORT_FRTRAIN = replace(frtrain_grid.POISONED_SETTINGS, epochs=300, warmup_epochs=100, reweight_every=50)


def _synthetic(seed):
    split = data.split_dataset(data.make_synthetic(seed=seed))
    return split, poison.poison_split(split)[0]


def lr_accuracy(seed):
    split, _ = _synthetic(seed)
    model = models.fit_logistic_regression(split.train.X, split.train.y, epochs=100, seed=seed)
    return models.predict_proba(model, split.test.X)


def random_flips(seed):
    split, poisoned = _synthetic(seed)
    return np.concatenate([poison.flip_random(split.train.y, 0.2, seed=seed).labels, poisoned.train.y])


def fair_method(seed):
    split, poisoned = _synthetic(seed)
    with quick_mode(True):
        fitted = fair.fit_fair("AD", poisoned.train, poisoned.val, seed=seed)
    return fitted.predict(split.test.X)


def robust_methods(seed):
    task = make_task(load_digits_split(seed=seed), "symmetric", 0.4, seed=seed)
    return [evaluate_fit(ROBUST_METHODS[name](task, SMALL_NET, seed), task)["test_acc"]
            for name in ("plain", "Co-teaching", "RML")]


def discriminator(seed):
    rng = np.random.default_rng(seed)
    z = rng.integers(0, 2, 2000)
    estimate = mi.discriminator_mi(z, z + rng.normal(0, 1, 2000), epochs=50, seed=seed)
    return [estimate.estimate, estimate.stderr, *estimate.held_out_curve]


def frtrain_batched(seed):
    _, poisoned = _synthetic(seed)
    result = frtrain_grid.train_frtrain_grid(poisoned.train, poisoned.val, frtrain_grid.grid([0.2, 0.52], 0.4, [seed]), SHORT_FRTRAIN)
    return np.concatenate([result.weight.ravel(), result.bias.ravel(), result.example_weights.ravel()])


def table(seed):
    with quick_mode(True):
        results = experiments.run_experiment("synthetic", ["LR", "FC"], [seed])
    return [(r.accuracy, r.disparate_impact) for r in results]


COMPUTATIONS = [lr_accuracy, random_flips, fair_method, robust_methods, discriminator, frtrain_batched, table]


@pytest.mark.parametrize("computation", COMPUTATIONS, ids=lambda f: f.__name__)
def test_the_same_seed_gives_identical_numbers_twice(computation):
    first, second = np.asarray(computation(1), dtype=float), np.asarray(computation(1), dtype=float)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, np.asarray(computation(2), dtype=float)), "the seed changes nothing"
