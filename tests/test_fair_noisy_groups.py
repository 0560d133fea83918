"""frlib.fair.noisy_groups (lesson 09, section 1): noisy sensitive attributes, Lamy et al.'s correction."""

from __future__ import annotations

import numpy as np
import pytest

from frlib.data import make_synthetic
from frlib.fair import (
    check_group_flip_rate,
    fit_fc_within_tolerance,
    flip_groups,
    mixture_rates,
    mixture_rates_from_observed,
    noise_tolerant_tolerance,
    unmix_group_rates,
)
from frlib.metrics import demographic_parity_difference, selection_rates, true_positive_rates
from frlib.poison import Flipped


def large_population(n=400_000, share_1=0.35, seed=0):
    """Groups, labels and a fixed classifier of x alone (1[x1 + x2 > 0.3]) on a large sample."""
    rng = np.random.default_rng(seed)
    z = (rng.random(n) < share_1).astype(int)
    x = rng.normal(size=(n, 2)) + 0.8 * z[:, None]
    y = (x[:, 0] + rng.normal(size=n) > 0.5).astype(int)
    y_pred = (x[:, 0] + x[:, 1] > 0.3).astype(int)
    return z, y, y_pred


# --- flip_groups ------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate_0, rate_1", [(0.0, 0.0), (0.1, 0.1), (0.1, 0.3), (0.45, 0.0), (0.2, None)])
def test_flip_groups_flips_exactly_round_rate_n_in_each_group(rate_0, rate_1):
    z = np.random.default_rng(3).integers(0, 2, 1001)
    before = z.copy()
    result = flip_groups(z, rate_0, rate_1, seed=5)
    assert isinstance(result, Flipped)
    observed, flipped = result
    np.testing.assert_array_equal(z, before)  # input untouched
    np.testing.assert_array_equal(flipped, np.flatnonzero(observed != z))
    expected_1 = rate_0 if rate_1 is None else rate_1
    assert np.sum(z[flipped] == 0) == round(rate_0 * np.sum(z == 0))
    assert np.sum(z[flipped] == 1) == round(expected_1 * np.sum(z == 1))
    np.testing.assert_array_equal(flip_groups(z, rate_0, rate_1, seed=5).labels, observed)  # seeded


def test_flip_groups_is_independent_of_the_label_given_the_group():
    z, y, _ = large_population(n=200_000)
    observed, flipped = flip_groups(z, 0.3, seed=1)
    is_flipped = np.zeros(len(z), dtype=bool)
    is_flipped[flipped] = True
    for group in (0, 1):
        for label in (0, 1):
            members = (z == group) & (y == label)
            assert abs(is_flipped[members].mean() - 0.3) < 0.01


# --- the mixture rates and the identity -------------------------------------------------------------


def test_mixture_rates_closed_forms():
    # balanced groups, symmetric flips: alpha = beta = rho
    assert mixture_rates(0.2, 0.2, 0.5) == pytest.approx((0.2, 0.2))
    assert mixture_rates(0.0, 0.0, 0.3) == (0.0, 0.0)
    # only group 1 is flipped: nobody recorded as 1 is truly 0, so beta = 0
    alpha, beta = mixture_rates(0.0, 0.25, 0.4)
    assert beta == 0.0 and alpha == pytest.approx(0.4 * 0.25 / (0.6 + 0.4 * 0.25))
    # an independent form of the shrinkage: (1 - rho0 - rho1) p (1 - p) / (p~ (1 - p~))
    for rho0, rho1, p in [(0.1, 0.25, 0.44), (0.3, 0.05, 0.2), (0.4, 0.45, 0.7)]:
        alpha, beta = mixture_rates(rho0, rho1, p)
        observed_share = (1 - p) * rho0 + p * (1 - rho1)
        assert 1 - alpha - beta == pytest.approx(
            (1 - rho0 - rho1) * p * (1 - p) / (observed_share * (1 - observed_share)), rel=1e-12)


def test_mixture_rates_are_the_bayes_posteriors_on_a_sample():
    z, _, _ = large_population()
    observed, _ = flip_groups(z, 0.1, 0.3, seed=2)
    alpha, beta = mixture_rates(0.1, 0.3, z.mean())
    assert np.mean(z[observed == 0] == 1) == pytest.approx(alpha, abs=0.003)
    assert np.mean(z[observed == 1] == 0) == pytest.approx(beta, abs=0.003)
    # the same from the observed groups only
    assert mixture_rates_from_observed(observed, 0.1, 0.3) == pytest.approx((alpha, beta), abs=0.003)


@pytest.mark.parametrize("rho0, rho1", [(0.1, 0.3), (0.25, 0.25), (0.4, 0.05)])
def test_the_measured_demographic_parity_gap_shrinks_by_one_minus_alpha_minus_beta(rho0, rho1):
    z, _, y_pred = large_population()
    observed, _ = flip_groups(z, rho0, rho1, seed=7)
    alpha, beta = mixture_rates(rho0, rho1, z.mean())
    true_rates = selection_rates(y_pred, z)
    measured_rates = selection_rates(y_pred, observed)
    true_gap = true_rates[0] - true_rates[1]
    assert abs(true_gap) > 0.3
    assert measured_rates[0] - measured_rates[1] == pytest.approx((1 - alpha - beta) * true_gap, abs=0.005)
    # ... because each measured rate is the mixture of the true ones
    assert measured_rates[0] == pytest.approx((1 - alpha) * true_rates[0] + alpha * true_rates[1], abs=0.004)
    assert measured_rates[1] == pytest.approx(beta * true_rates[0] + (1 - beta) * true_rates[1], abs=0.004)


def test_the_equal_opportunity_gap_shrinks_with_the_rates_inside_the_class():
    z, y, y_pred = large_population()
    observed, _ = flip_groups(z, 0.2, 0.1, seed=8)
    positives = y == 1
    alpha, beta = mixture_rates(0.2, 0.1, z[positives].mean())
    true_tpr = true_positive_rates(y, y_pred, z)
    measured_tpr = true_positive_rates(y, y_pred, observed)
    assert measured_tpr[0] - measured_tpr[1] == pytest.approx((1 - alpha - beta) * (true_tpr[0] - true_tpr[1]), abs=0.006)
    # the overall alpha, beta would be the wrong ones here: z and y are correlated
    overall = mixture_rates(0.2, 0.1, z.mean())
    assert abs(sum(overall) - (alpha + beta)) > 0.01


def test_unmix_inverts_the_mixture_and_estimates_the_true_rates():
    alpha, beta = 0.15, 0.3
    r0, r1 = 0.25, 0.7
    mixed = ((1 - alpha) * r0 + alpha * r1, beta * r0 + (1 - beta) * r1)
    assert unmix_group_rates(*mixed, alpha, beta) == pytest.approx((r0, r1), abs=1e-12)
    z, _, y_pred = large_population()
    observed, _ = flip_groups(z, 0.3, 0.2, seed=4)
    alpha, beta = mixture_rates_from_observed(observed, 0.3, 0.2)
    estimate = unmix_group_rates(*selection_rates(y_pred, observed), alpha, beta)
    assert estimate == pytest.approx(selection_rates(y_pred, z), abs=0.01)
    assert unmix_group_rates(0.0, 1.0, 0.3, 0.3) == (0.0, 1.0)  # clipped into [0, 1]


def test_noise_tolerant_tolerance():
    assert noise_tolerant_tolerance(0.1, 0.2, 0.3) == pytest.approx(0.05)
    assert noise_tolerant_tolerance(0.1, 0.0, 0.0) == 0.1


# --- fair training with noisy groups ----------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic_parts():
    data = make_synthetic(seed=1)
    train, test = data.subset(np.arange(4000)), data.subset(np.arange(4000, 7400))
    return train.X[:, :2], train.y, train.z, test.X[:, :2], test.y, test.z


def test_the_rule_keeps_the_most_accurate_candidate_within_the_tolerance(synthetic_parts):
    X, y, z, *_ = synthetic_parts
    fit = fit_fc_within_tolerance(X, y, z, 0.1, n_bounds=21)
    within = fit.measured_gap <= 0.1 + 1e-12
    assert fit.within_tolerance and within[fit.index]
    assert fit.accuracy[fit.index] == fit.accuracy[within].max()
    assert fit.effective_tolerance == 0.1
    assert fit.measured_gap[0] > 0.3 and fit.measured_gap[-1] < 0.05   # from plain LR down to parity
    assert demographic_parity_difference(fit.predict(X), z) == pytest.approx(fit.measured_gap[fit.index])
    # a tolerance nothing meets: the smallest gap
    strict = fit_fc_within_tolerance(X, y, z, 0.0, n_bounds=5)
    assert strict.index == int(np.argmin(strict.measured_gap))


def test_the_corrected_tolerance_keeps_the_true_gap_and_the_plain_one_does_not(synthetic_parts):
    X, y, z, X_test, y_test, z_test = synthetic_parts
    observed, _ = flip_groups(z, 0.3, seed=0)
    alpha, beta = mixture_rates_from_observed(observed, 0.3, 0.3)
    plain = fit_fc_within_tolerance(X, y, observed, 0.1, n_bounds=31)
    corrected = fit_fc_within_tolerance(X, y, observed, 0.1, alpha=alpha, beta=beta, n_bounds=31)
    assert corrected.effective_tolerance == pytest.approx(0.1 * (1 - alpha - beta))
    plain_gap = demographic_parity_difference(plain.predict(X_test), z_test)
    corrected_gap = demographic_parity_difference(corrected.predict(X_test), z_test)
    observed_test, _ = flip_groups(z_test, 0.3, seed=1)
    assert demographic_parity_difference(plain.predict(X_test), observed_test) < 0.13  # looks fine
    assert plain_gap > 0.15                                                             # is not
    assert corrected_gap < 0.13


# --- bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [0.5, 0.7, -0.1, float("nan")])
def test_flip_rates_outside_zero_to_a_half_are_rejected(rate):
    with pytest.raises(ValueError, match="rate_0 must be in \\[0, 0.5\\)"):
        flip_groups([0, 1, 1], rate)
    with pytest.raises(ValueError, match="rate_1"):
        mixture_rates(0.1, rate, 0.5)


@pytest.mark.parametrize("rate", [True, "0.1", None])
def test_flip_rates_must_be_numbers(rate):
    with pytest.raises(TypeError, match="rate"):
        check_group_flip_rate(rate, "rate")


def test_other_bad_input():
    with pytest.raises(ValueError, match="z must contain only 0 and 1"):
        flip_groups([0, 2, 1], 0.1)
    with pytest.raises(ValueError, match="share_1 must be in \\(0, 1\\)"):
        mixture_rates(0.1, 0.1, 1.0)
    with pytest.raises(ValueError, match="alpha \\+ beta must be below 1"):
        noise_tolerant_tolerance(0.1, 0.6, 0.5)
    with pytest.raises(ValueError, match="tolerance"):
        noise_tolerant_tolerance(1.5, 0.1, 0.1)
    with pytest.raises(ValueError, match="rate_1_observed"):
        unmix_group_rates(0.2, 1.2, 0.1, 0.1)
    with pytest.raises(ValueError, match="lengths differ"):
        fit_fc_within_tolerance(np.ones((5, 2)), [0, 1, 0, 1, 0], [0, 1, 1, 0], 0.1)
    with pytest.raises(ValueError, match="z has no members in group 1"):
        fit_fc_within_tolerance(np.random.default_rng(0).normal(size=(6, 2)), [0, 1, 0, 1, 0, 1], [0] * 6, 0.1)
