"""frlib.mi: entropy and mutual information against closed forms and independent implementations;
Theorem 1 (Roh et al. 2020) checked with exact and trained discriminators; the variational
bounds on the correlated-Gaussian benchmark."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import integrate, stats
from sklearn.feature_selection import mutual_info_regression
from sklearn.metrics import mutual_info_score

from frlib import mi

LOG2 = math.log(2.0)


def binary_entropy(p: float) -> float:
    return 0.0 if p in (0.0, 1.0) else -p * math.log(p) - (1 - p) * math.log(1 - p)


# A joint distribution of Z (rows, 2 values) and a discrete Yhat (columns, 4 values).
JOINT = np.array([[0.30, 0.10, 0.05, 0.05],
                  [0.05, 0.10, 0.15, 0.20]])


def sample_joint(joint: np.ndarray, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    cells = rng.choice(joint.size, size=n, p=joint.ravel())
    return cells // joint.shape[1], cells % joint.shape[1]


# --- entropy ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3, 7, 10])
def test_entropy_of_a_uniform_distribution_is_log_k(k):
    assert mi.entropy(np.full(k, 1 / k)) == pytest.approx(math.log(k), abs=1e-12)


@pytest.mark.parametrize("p", [0.0, 0.01, 0.2, 0.5, 0.9, 1.0])
def test_entropy_of_a_coin(p):
    assert mi.entropy([p, 1 - p]) == pytest.approx(binary_entropy(p), abs=1e-12)


def test_entropy_matches_scipy_and_ignores_zeros(rng):
    for _ in range(20):
        p = rng.dirichlet(np.ones(int(rng.integers(2, 12))))
        assert mi.entropy(p) == pytest.approx(stats.entropy(p), abs=1e-12)
        assert mi.entropy(np.r_[p, 0.0, 0.0]) == pytest.approx(mi.entropy(p), abs=1e-15)


def test_entropy_of_a_joint_table_is_the_joint_entropy():
    a, b = np.array([0.3, 0.7]), np.array([0.1, 0.2, 0.7])
    assert mi.entropy(np.outer(a, b)) == pytest.approx(mi.entropy(a) + mi.entropy(b), abs=1e-12)


def test_entropy_accepts_array_likes():
    p = [0.25, 0.25, 0.5]
    expected = 1.5 * LOG2
    for variant in (p, np.array(p), pd.Series(p), torch.tensor(p, dtype=torch.float64)):
        assert mi.entropy(variant) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    "p, error, match",
    [([0.5, 0.4], ValueError, "sum to 1"), ([3, 1], ValueError, "normalize_counts"),
     ([1.2, -0.2], ValueError, "negative"), ([0.5, float("nan")], ValueError, "NaN"),
     ([], ValueError, "empty"), ("0.5", TypeError, "p must"), (None, TypeError, "p must")],
)
def test_entropy_rejects_what_is_not_a_distribution(p, error, match):
    with pytest.raises(error, match=match):
        mi.entropy(p)


def test_normalize_counts():
    np.testing.assert_allclose(mi.normalize_counts([[2, 6], [0, 2]]), [[0.2, 0.6], [0.0, 0.2]])
    with pytest.raises(ValueError, match="non-negative"):
        mi.normalize_counts([3, -1, 4])
    with pytest.raises(ValueError, match="all 0"):
        mi.normalize_counts([0, 0])
    with pytest.raises(ValueError, match="NaN or infinite"):
        mi.normalize_counts([1, np.inf])


# --- mutual information of a table ------------------------------------------------------------------


def test_mutual_information_of_independent_variables_is_zero(rng):
    for _ in range(10):
        a, b = rng.dirichlet(np.ones(3)), rng.dirichlet(np.ones(5))
        assert mi.mutual_information(np.outer(a, b)) == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("k", [2, 3, 6])
def test_a_copy_carries_its_whole_entropy(k):
    assert mi.mutual_information(np.eye(k) / k) == pytest.approx(math.log(k), abs=1e-12)


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.25, 0.5])
def test_binary_symmetric_channel_with_uniform_input(eps):
    # Z uniform, Yhat = Z flipped with probability eps: I = log 2 - H_b(eps) (Cover and Thomas 7.1.4).
    joint = 0.5 * np.array([[1 - eps, eps], [eps, 1 - eps]])
    assert mi.mutual_information(joint) == pytest.approx(LOG2 - binary_entropy(eps), abs=1e-12)


def test_mutual_information_is_h_a_plus_h_b_minus_h_ab_symmetric_and_bounded(rng):
    for _ in range(20):
        joint = rng.dirichlet(np.ones(12)).reshape(3, 4)
        h_a, h_b = mi.entropy(joint.sum(axis=1)), mi.entropy(joint.sum(axis=0))
        value = mi.mutual_information(joint)
        assert value == pytest.approx(h_a + h_b - mi.entropy(joint), abs=1e-12)
        assert value == pytest.approx(mi.mutual_information(joint.T), abs=1e-12)
        assert 0 <= value <= min(h_a, h_b)


def test_mutual_information_of_the_joint_used_below():
    # By hand: P(z) = (0.5, 0.5), P(yhat) = (0.35, 0.2, 0.2, 0.25).
    p_y = np.array([0.35, 0.2, 0.2, 0.25])
    by_hand = sum(JOINT[z, y] * math.log(JOINT[z, y] / (0.5 * p_y[y])) for z in range(2) for y in range(4))
    assert mi.mutual_information(JOINT) == pytest.approx(by_hand, abs=1e-12)


def test_mutual_information_rejects_bad_tables():
    with pytest.raises(ValueError, match="2-D"):
        mi.mutual_information([0.5, 0.5])
    with pytest.raises(ValueError, match="sum to 1"):
        mi.mutual_information([[10, 5], [3, 2]])
    with pytest.raises(ValueError, match="negative"):
        mi.mutual_information([[0.6, -0.1], [0.3, 0.2]])


# --- plug-in estimates from samples -----------------------------------------------------------------


def test_contingency_table_counts_pairs_of_values():
    table = mi.contingency_table([1, 1, 5, 5, 5, 1], [0.5, -2, -2, -2, 0.5, 0.5])
    np.testing.assert_array_equal(table.a_values, [1, 5])
    np.testing.assert_array_equal(table.b_values, [-2, 0.5])
    np.testing.assert_array_equal(table.counts, [[1, 2], [2, 1]])


def test_plugin_mi_matches_scikit_learn(rng):
    for seed in range(10):
        z, yhat = sample_joint(JOINT, 500 + 100 * seed, seed)
        assert mi.plugin_mi(z, yhat) == pytest.approx(mutual_info_score(z, yhat), abs=1e-12)


def test_plugin_mi_ignores_the_names_of_the_values():
    z, yhat = sample_joint(JOINT, 2000, 1)
    reference = mi.plugin_mi(z, yhat)
    assert mi.plugin_mi(2 * z - 1, 10.5 - 3 * yhat) == pytest.approx(reference, abs=1e-12)
    assert mi.plugin_mi(yhat, z) == pytest.approx(reference, abs=1e-12)
    assert mi.plugin_mi(pd.Series(z), torch.tensor(yhat)) == pytest.approx(reference, abs=1e-12)


def test_plugin_mi_of_a_variable_with_itself_is_its_entropy():
    _, yhat = sample_joint(JOINT, 3000, 2)
    freq = np.bincount(yhat) / len(yhat)
    assert mi.plugin_entropy(yhat) == pytest.approx(stats.entropy(freq), abs=1e-12)
    assert mi.plugin_mi(yhat, yhat) == pytest.approx(mi.plugin_entropy(yhat), abs=1e-12)


def test_plugin_mi_converges_and_its_bias_is_miller_s():
    exact = mi.mutual_information(JOINT)
    z, yhat = sample_joint(JOINT, 400_000, 3)
    assert mi.plugin_mi(z, yhat) == pytest.approx(exact, abs=0.003)
    # Independent 3 x 4 samples of n = 300: E[plug-in] ~ (3 - 1)(4 - 1) / (2 n) = 0.01.
    rng = np.random.default_rng(4)
    values = [mi.plugin_mi(rng.integers(0, 3, 300), rng.integers(0, 4, 300)) for _ in range(400)]
    assert np.mean(values) == pytest.approx(6 / 600, rel=0.15)


def test_plugin_mi_rejects_bad_samples():
    with pytest.raises(ValueError, match="lengths differ"):
        mi.plugin_mi([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="a contains NaN"):
        mi.plugin_mi([0, np.nan], [0, 1])
    with pytest.raises(ValueError, match="a is empty"):
        mi.plugin_mi([], [])


# --- Theorem 1: the bound from given discriminator outputs ------------------------------------------


def test_the_bayes_discriminator_attains_the_plugin_mi_exactly():
    z, yhat = sample_joint(JOINT, 5000, 5)
    counts = mi.contingency_table(z, yhat).counts                # rows z, columns yhat
    posterior = (counts / counts.sum(axis=0)).T                  # P_hat(z | yhat), shape (4, 2)
    assert mi.discriminator_bound(z, posterior[yhat]) == pytest.approx(mi.plugin_mi(z, yhat), abs=1e-12)


def test_every_other_discriminator_gives_less(rng):
    z, yhat = sample_joint(JOINT, 5000, 6)
    plugin = mi.plugin_mi(z, yhat)
    for _ in range(50):
        table = rng.dirichlet(np.ones(2), size=4)                # any D_z(yhat) with sum_z D_z = 1
        assert mi.discriminator_bound(z, table[yhat]) < plugin
    # The true (population) posterior is close to the best one.
    true_posterior = (JOINT / JOINT.sum(axis=0)).T
    assert mi.discriminator_bound(z, true_posterior[yhat]) == pytest.approx(plugin, abs=0.005)


def test_discriminator_bound_closed_forms():
    z = np.array([0, 0, 1, 1, 1, 1])
    assert mi.discriminator_bound(z, np.eye(2)[z]) == pytest.approx(binary_entropy(2 / 3), abs=1e-12)
    prior = np.tile([1 / 3, 2 / 3], (6, 1))                     # D = P(z): knows nothing
    assert mi.discriminator_bound(z, prior) == pytest.approx(0.0, abs=1e-12)
    # A 1-D d is D_1 = P(z = 1 | yhat), as a sigmoid unit outputs.
    d1 = np.array([0.1, 0.4, 0.8, 0.7, 0.9, 0.6])
    two_columns = np.column_stack([1 - d1, d1])
    assert mi.discriminator_bound(z, d1) == pytest.approx(mi.discriminator_bound(z, two_columns), abs=1e-12)
    by_hand = np.mean(np.log([0.9, 0.6, 0.8, 0.7, 0.9, 0.6])) + binary_entropy(2 / 3)
    assert mi.discriminator_bound(z, d1) == pytest.approx(by_hand, abs=1e-12)
    assert mi.discriminator_bound([0, 1], [1.0, 1.0]) == -math.inf  # D_0 = 0 for an example with z = 0


@pytest.mark.parametrize(
    "z, d, error, match",
    [([0, 1], [[0.5, 0.6], [0.5, 0.5]], ValueError, "sum to 1"),
     ([0, 1], [[2.0, -1.0], [0.5, 0.5]], ValueError, "softmax"),
     ([0, 1], [1.5, 0.5], ValueError, "sigmoid"),
     ([0, 2], [[0.5, 0.5], [0.5, 0.5]], ValueError, "z must contain class indices"),
     ([0, 1, 1], [[0.5, 0.5], [0.5, 0.5]], ValueError, "lengths differ"),
     ([0, 1], [[1.0], [1.0]], ValueError, "column per value"),
     ([0, 1], np.ones((2, 2, 2)) / 2, ValueError, "1-D"),
     ([0, 1], "0.5", TypeError, "d must")],
)
def test_discriminator_bound_rejects_bad_outputs(z, d, error, match):
    with pytest.raises(error, match=match):
        mi.discriminator_bound(z, d)


# --- Theorem 1 with a trained discriminator ---------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_discriminator_mi_matches_the_plugin_value_on_a_discrete_yhat(seed):
    # The acceptance test of issue 7: n = 20,000, within 0.01 nats, never above by more than noise.
    z, yhat = sample_joint(JOINT, 20_000, seed)
    result = mi.discriminator_mi(z, np.eye(4)[yhat], seed=seed)   # one-hot: a linear D is exact
    plugin = mi.plugin_mi(z, yhat)
    assert abs(result.estimate - plugin) < 0.01
    assert result.estimate <= plugin + 2 * result.stderr
    assert 0.003 < result.stderr < 0.01
    # On its held-out rows the bound can never beat their plug-in MI (Gibbs' inequality).
    held_out = np.random.default_rng(seed).permutation(len(z))[: result.n_test]
    assert result.estimate <= mi.plugin_mi(z[held_out], yhat[held_out]) + 1e-9
    assert result.entropy_z == pytest.approx(mi.plugin_entropy(z[held_out]), abs=1e-12)


def test_discriminator_mi_of_independent_variables_is_about_zero():
    rng = np.random.default_rng(7)
    z = rng.integers(0, 3, 6000)
    result = mi.discriminator_mi(z, rng.normal(size=(6000, 3)), hidden=(8,), epochs=100, lr=0.01)
    assert -0.01 < result.estimate < 2 * result.stderr
    assert result.train_estimate > result.estimate  # fitted on the training rows: optimistic there


def gaussian_shift_mi(shift: float, p1: float) -> float:
    """I(Z; Yhat) for Yhat | Z = z ~ N(z * shift, 1), P(Z = 1) = p1, by numerical integration."""
    def integrand(t):
        f0, f1 = stats.norm.pdf(t), stats.norm.pdf(t, shift)
        mix = (1 - p1) * f0 + p1 * f1
        return (1 - p1) * f0 * math.log(f0 / mix) + p1 * f1 * math.log(f1 / mix)
    return integrate.quad(integrand, -12, 12 + shift, limit=200)[0]


def test_discriminator_mi_on_a_continuous_yhat_where_a_logistic_unit_is_optimal():
    # P(z = 1 | yhat) is a logistic function of yhat here, so FR-Train's D_F family holds the optimum.
    rng = np.random.default_rng(8)
    z = (rng.random(20_000) < 0.4).astype(int)
    yhat = rng.normal(1.5 * z, 1.0)
    result = mi.discriminator_mi(z, yhat)
    exact = gaussian_shift_mi(1.5, 0.4)
    assert exact == pytest.approx(0.2135, abs=1e-3)
    assert abs(result.estimate - exact) < 3 * result.stderr + 0.003


def test_a_linear_discriminator_misses_what_an_mlp_sees():
    # Same mean, different spread: P(z | yhat) depends on |yhat|, which no logistic unit can express.
    rng = np.random.default_rng(9)
    z = rng.integers(0, 2, 10_000)
    yhat = rng.normal(0.0, np.where(z == 1, 3.0, 1.0))
    linear = mi.discriminator_mi(z, yhat)
    mlp = mi.discriminator_mi(z, yhat, hidden=(16,), epochs=400, lr=0.01)
    assert abs(linear.estimate) < 0.01
    assert mlp.estimate > 0.15


def test_discriminator_mi_result_is_complete_and_seeded():
    z, yhat = sample_joint(JOINT, 4000, 10)
    features = np.eye(4)[yhat]
    a = mi.discriminator_mi(2 * z + 5, features, epochs=50, seed=3)   # any two values of z
    b = mi.discriminator_mi(2 * z + 5, features, epochs=50, seed=3)
    c = mi.discriminator_mi(2 * z + 5, features, epochs=50, seed=4)
    assert a.estimate == b.estimate and a.estimate != c.estimate
    np.testing.assert_array_equal(a.held_out_curve, b.held_out_curve)
    assert a.epochs.tolist() == list(range(51)) and a.train_curve.shape == a.held_out_curve.shape == (51,)
    assert a.held_out_curve[-1] == pytest.approx(a.estimate, abs=1e-5)
    assert a.train_curve[0] == pytest.approx(0.0, abs=1e-6)             # it starts from D_z = P(z) ...
    assert -0.001 < a.held_out_curve[0] <= 1e-6 < 0.1 < a.held_out_curve[-1]   # ... and learns
    assert a.n_train + a.n_test == 4000 and a.n_test == 2000
    np.testing.assert_array_equal(a.values, [5, 7])
    probabilities = a.probabilities(features[:10])
    assert probabilities.shape == (10, 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-6)
    # A learned D_7 is higher where the table makes z = 1 likelier (columns 2, 3).
    assert probabilities[yhat[:10] == 3, 1].min() > probabilities[yhat[:10] == 0, 1].max()


@pytest.mark.parametrize(
    "z, features, kwargs, error, match",
    [([1, 1, 1, 1], [0.0, 1.0, 2.0, 3.0], {}, ValueError, "single value"),
     ([0, 1, 0], [0.0, 1.0], {}, ValueError, "lengths differ"),
     ([0, 1, 0, 1], [0.0, np.nan, 1.0, 2.0], {}, ValueError, "features contains NaN"),
     ([0, 1, np.nan, 1], [0.0, 1.0, 1.0, 2.0], {}, ValueError, "z contains NaN"),
     ([0, 1, 0, 1], [0.0, 1.0, 1.0, 2.0], {"held_out": 1.0}, ValueError, "held_out"),
     ([0, 1, 0, 1], [0.0, 1.0, 1.0, 2.0], {"held_out": 0.01}, ValueError, "cannot be split"),
     ([0, 1, 0, 1], [0.0, 1.0, 1.0, 2.0], {"hidden": 16}, TypeError, "hidden"),
     ([0, 1, 0, 1], [0.0, 1.0, 1.0, 2.0], {"epochs": 0}, ValueError, "epochs"),
     ([0, 1, 0, 1], [0.0, 1.0, 1.0, 2.0], {"lr": -1}, ValueError, "lr")],
)
def test_discriminator_mi_rejects_bad_input(z, features, kwargs, error, match):
    with pytest.raises(error, match=match):
        mi.discriminator_mi(z, features, **kwargs)


# --- variational bounds on score matrices -----------------------------------------------------------


def test_the_bounds_on_a_2x2_matrix_by_hand():
    S = np.array([[2.0, 0.0], [1.0, 3.0]])
    assert mi.dv_bound(S) == pytest.approx(2.5 - math.log((1 + math.e) / 2), abs=1e-12)
    assert mi.nwj_bound(S) == pytest.approx(2.5 - (math.exp(-1) + 1) / 2, abs=1e-12)
    row0 = 2 - math.log(math.exp(2) + 1)
    row1 = 3 - math.log(math.e + math.exp(3))
    assert mi.infonce_bound(S) == pytest.approx((row0 + row1) / 2 + LOG2, abs=1e-12)


def test_general_properties_of_the_bounds(rng):
    for _ in range(30):
        B = int(rng.integers(2, 40))
        S = rng.normal(scale=3.0, size=(B, B))
        assert mi.infonce_bound(S) <= math.log(B) + 1e-12                # the ceiling
        assert mi.nwj_bound(S) <= mi.dv_bound(S) + 1e-12                  # NWJ is the looser bound
        assert mi.dv_bound(S + 5.0) == pytest.approx(mi.dv_bound(S), abs=1e-9)          # shift-invariant
        assert mi.infonce_bound(S + rng.normal(size=(B, 1))) == pytest.approx(mi.infonce_bound(S), abs=1e-9)
    # A critic that tells every pair apart reaches InfoNCE's ceiling exactly in the limit.
    assert mi.infonce_bound(100.0 * np.eye(16)) == pytest.approx(math.log(16), abs=1e-9)


@pytest.mark.parametrize("true_mi", [0.5, 1.0, 2.0])
def test_the_optimal_gaussian_critic_makes_dv_and_nwj_tight(true_mi):
    rho = mi.rho_for_mi(true_mi, 5)
    x, y = mi.correlated_gaussians(2000, 5, rho, seed=11)
    S = mi.gaussian_log_ratio(x, y, rho)
    # Its mean on joint pairs is the MI (a Monte Carlo check of the closed form).
    assert S.diagonal().mean() == pytest.approx(true_mi, abs=4 * S.diagonal().std() / math.sqrt(2000))
    assert mi.dv_bound(S) == pytest.approx(true_mi, abs=0.1)
    assert mi.nwj_bound(S + 1.0) == pytest.approx(true_mi, abs=0.1)
    assert mi.infonce_bound(S) <= math.log(2000)


@pytest.mark.parametrize("bound", [mi.dv_bound, mi.nwj_bound, mi.infonce_bound])
def test_bounds_reject_bad_score_matrices(bound):
    with pytest.raises(ValueError, match="square"):
        bound(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="at least 2"):
        bound(np.zeros((1, 1)))
    with pytest.raises(ValueError, match="NaN"):
        bound(np.full((2, 2), np.nan))


# --- the Gaussian benchmark ---------------------------------------------------------------------------


def test_gaussian_mi_closed_form_and_its_inverse():
    assert mi.gaussian_mi(0.0, 3) == 0.0
    assert mi.gaussian_mi(0.6, 1) == pytest.approx(-0.5 * math.log(0.64), abs=1e-12)
    assert mi.gaussian_mi(0.6, 5) == pytest.approx(5 * mi.gaussian_mi(0.6, 1), abs=1e-12)
    assert mi.gaussian_mi(-0.6, 2) == mi.gaussian_mi(0.6, 2)
    rho = mi.rho_for_mi(2.0, 5)
    assert rho == pytest.approx(math.sqrt(1 - math.exp(-0.8)), abs=1e-12)
    assert mi.gaussian_mi(rho, 5) == pytest.approx(2.0, abs=1e-12)
    with pytest.raises(ValueError, match="rho"):
        mi.gaussian_mi(1.0)
    with pytest.raises(ValueError, match="dim"):
        mi.gaussian_mi(0.5, 0)
    with pytest.raises(ValueError, match="mi"):
        mi.rho_for_mi(-1.0)


def test_correlated_gaussians_have_the_stated_law_and_mi():
    x, y = mi.correlated_gaussians(50_000, 3, 0.7, seed=12)
    assert x.shape == y.shape == (50_000, 3)
    corr = np.corrcoef(np.hstack([x, y]).T)
    np.testing.assert_allclose(np.diag(corr[:3, 3:]), 0.7, atol=0.01)
    np.testing.assert_allclose(corr[:3, :3], np.eye(3), atol=0.02)
    np.testing.assert_allclose(y.std(axis=0), 1.0, atol=0.01)
    # An independent estimator (Kraskov et al. 2004, in scikit-learn) on one coordinate pair.
    x1, y1 = mi.correlated_gaussians(4000, 1, 0.8, seed=13)
    ksg = mutual_info_regression(x1, y1[:, 0], n_neighbors=5, random_state=0)[0]
    assert ksg == pytest.approx(mi.gaussian_mi(0.8), abs=0.05)
    first, again, other = (mi.correlated_gaussians(10, 2, 0.5, seed=s)[1] for s in (1, 1, 2))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


# --- trained critics ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def benchmark_2_nats():
    rho = mi.rho_for_mi(2.0, 5)
    return mi.correlated_gaussians(20_000, 5, rho, seed=0)


@pytest.mark.parametrize("bound", ["dv", "nwj"])
def test_dv_and_nwj_estimate_2_nats_within_0_3(benchmark_2_nats, bound):
    # The acceptance test of issue 7: x ~ N(0, I_5), y = rho x + sqrt(1 - rho^2) e, I = 2 nats.
    x, y = benchmark_2_nats
    result = mi.variational_mi(x, y, bound, seed=0)
    assert abs(result.estimate - 2.0) < 0.3
    assert result.ceiling == math.inf and result.curve.shape == (1000,)
    assert result.curve[-100:].mean() > result.curve[:50].mean() + 1.0   # the critic learned


def test_infonce_is_capped_at_log_batch(benchmark_2_nats):
    x, y = benchmark_2_nats
    at_2 = mi.variational_mi(x, y, "infonce", seed=0)
    assert at_2.ceiling == pytest.approx(math.log(128))
    assert abs(at_2.estimate - 2.0) < 0.3                                # far below its ceiling: fine
    rho = mi.rho_for_mi(6.0, 5)
    x6, y6 = mi.correlated_gaussians(8000, 5, rho, seed=1)
    capped = mi.variational_mi(x6, y6, "infonce", batch_size=16, steps=600, seed=0)
    assert capped.ceiling == pytest.approx(math.log(16))
    assert np.all(capped.batch_values <= math.log(16) + 1e-9) and np.all(capped.curve <= math.log(16) + 1e-6)
    assert math.log(16) - 0.3 < capped.estimate <= math.log(16)          # saturated, 3.2 nats short of 6


def test_variational_mi_is_seeded_and_validates(benchmark_2_nats):
    x, y = benchmark_2_nats
    a = mi.variational_mi(x[:2000], y[:2000], "nwj", steps=30, seed=5)
    b = mi.variational_mi(x[:2000], y[:2000], "nwj", steps=30, seed=5)
    assert a.estimate == b.estimate
    np.testing.assert_array_equal(a.curve, b.curve)
    assert len(a.batch_values) == 500 // 128
    with pytest.raises(ValueError, match="bound must be one of"):
        mi.variational_mi(x, y, "mine")
    with pytest.raises(ValueError, match="too few"):
        mi.variational_mi(x[:200], y[:200], batch_size=128)
    with pytest.raises(ValueError, match="lengths differ"):
        mi.variational_mi(x, y[:-1])
    with pytest.raises(ValueError, match="batch_size"):
        mi.variational_mi(x, y, batch_size=1)
