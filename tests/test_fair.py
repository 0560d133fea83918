"""frlib.fair (lesson 04): reweighing, FC, LBC, AD, group thresholds, the knob rule, two-step baselines."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.optimize import minimize
from sklearn.linear_model import LogisticRegression as SklearnLR

from frlib import fair, methods
from frlib.config import quick_mode
from frlib.data import make_synthetic, split_dataset
from frlib.fair import (
    GroupThresholds,
    ad_path,
    adversary_gradients,
    adversary_loss,
    check_target_di,
    choose_setting,
    covariance_direction,
    decision_boundary_covariance,
    fc_path,
    fit_ad,
    fit_fc,
    fit_group_thresholds,
    fit_lbc,
    fit_reweighing,
    fit_weighted_logistic,
    lbc_path,
    lbc_weights,
    logistic_loss_and_gradient,
    newton_logistic,
    project_out,
    reweighing_weights,
    unconstrained_covariance,
)
from frlib.metrics import accuracy, disparate_impact, equalized_odds_difference
from frlib.models import LogisticRegression, linear_weights, predict, predict_proba
from frlib.poison import poison_split


def params_of(model):
    """(theta, b) of a LogisticRegression as one vector, the layout of the Newton fits."""
    return np.append(*linear_weights(model))


@pytest.fixture(scope="module")
def split():
    return split_dataset(make_synthetic(seed=0))


@pytest.fixture(scope="module")
def lr_di(split):
    """Test DI of plain logistic regression (the paper: .409; the course: about .43)."""
    model = fit_weighted_logistic(split.train.X, split.train.y)
    return disparate_impact(predict(model, split.test.X), split.test.z)


def small_problem(n=300, seed=0):
    rng = np.random.default_rng(seed)
    z = rng.integers(0, 2, n)
    X = np.column_stack([rng.normal(size=n) + z, rng.normal(size=n), z])
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=n) > 0.5).astype(int)
    return X, y, z


# --- the exact weighted logistic regression ---------------------------------------------------------


def test_weighted_logistic_matches_scikit_learn():
    X, y, z = small_problem()
    w = np.random.default_rng(1).uniform(0.2, 3.0, len(y))
    l2 = 1e-2
    ours = params_of(fit_weighted_logistic(X, y, sample_weight=w, l2=l2))
    # scikit-learn minimises C sum_i w_i loss_i + ||theta||^2 / 2: the same optimum for C = 1 / (l2 sum w).
    sk = SklearnLR(C=1 / (l2 * w.sum()), tol=1e-12, max_iter=10_000).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours[:-1], sk.coef_.ravel(), atol=2e-4)
    assert ours[-1] == pytest.approx(sk.intercept_[0], abs=2e-4)


def test_newton_gradient_is_zero_at_the_optimum_and_the_gradient_is_right():
    X, y, z = small_problem()
    X1 = np.hstack([X, np.ones((len(X), 1))])
    w = np.full(len(y), 1 / len(y))
    params = newton_logistic(X1, y.astype(float), w, l2=1e-3)
    _, grad = logistic_loss_and_gradient(params, X1, y.astype(float), w, 1e-3)
    assert np.abs(grad).max() < 1e-7
    # The analytic gradient against central differences.
    point = np.array([0.3, -0.2, 0.5, 0.1])
    _, analytic = logistic_loss_and_gradient(point, X1, y.astype(float), w, 1e-3)
    numeric = [(logistic_loss_and_gradient(point + e, X1, y, w, 1e-3)[0]
                - logistic_loss_and_gradient(point - e, X1, y, w, 1e-3)[0]) / 2e-6
               for e in 1e-6 * np.eye(4)]
    np.testing.assert_allclose(analytic, numeric, atol=1e-7)


# --- reweighing -----------------------------------------------------------------------------------


def test_reweighing_weights_match_the_closed_form():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 500)
    z = rng.integers(0, 2, 500)
    weights = reweighing_weights(y, z)
    n = len(y)
    for g in (0, 1):
        for label in (0, 1):
            cell = (z == g) & (y == label)
            expected = (np.sum(z == g) * np.sum(y == label)) / (n * cell.sum())  # Kamiran and Calders
            np.testing.assert_allclose(weights[cell], expected)


def test_reweighing_makes_group_and_label_independent_and_keeps_the_totals(split):
    y, z = split.train.y, split.train.z
    w = reweighing_weights(y, z)
    rate = [np.sum(w[(z == g) & (y == 1)]) / np.sum(w[z == g]) for g in (0, 1)]
    assert rate[0] == pytest.approx(y.mean()) and rate[1] == pytest.approx(y.mean())
    assert w.sum() == pytest.approx(len(y))
    for g in (0, 1):
        assert w[z == g].sum() == pytest.approx(np.sum(z == g))
    # Prior weights: probabilities become weighted frequencies and the result multiplies them.
    prior = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    weighted = reweighing_weights(y, z, prior)
    rate = [np.sum(weighted[(z == g) & (y == 1)]) / np.sum(weighted[z == g]) for g in (0, 1)]
    assert rate[0] == pytest.approx(rate[1])
    assert weighted.sum() == pytest.approx(prior.sum())


def test_reweighing_raises_di_above_plain_lr(split, lr_di):
    model = fit_reweighing(split.train.X, split.train.y, split.train.z)
    di = disparate_impact(predict(model, split.test.X), split.test.z)
    assert di > lr_di + 0.05


def test_reweighing_needs_every_group_label_combination():
    with pytest.raises(ValueError, match=r"group z = 0 has no positive \(y = 1\) examples"):
        reweighing_weights([0, 0, 1, 0], [0, 0, 1, 1])
    with pytest.raises(ValueError, match="no members in group 1"):
        reweighing_weights([0, 1, 1], [0, 0, 0])


# --- FC: the covariance constraint ----------------------------------------------------------------


def test_decision_boundary_covariance_is_the_empirical_covariance():
    X, y, z = small_problem()
    model = fit_weighted_logistic(X, y)
    theta, b = params_of(model)[:-1], params_of(model)[-1]
    distance = X @ theta + b
    expected = np.mean((z - z.mean()) * distance)
    assert decision_boundary_covariance(model, X, z) == pytest.approx(expected, rel=1e-9)
    # The biased sample covariance of numpy says the same.
    assert expected == pytest.approx(np.cov(z, distance, bias=True)[0, 1])
    w = np.random.default_rng(0).uniform(0.1, 2, len(z))
    zbar = np.average(z, weights=w)
    assert decision_boundary_covariance(model, X, z, sample_weight=w) == pytest.approx(
        np.average((z - zbar) * distance, weights=w))


def test_fc_bound_holds_and_binds(split):
    train = split.train
    c_max = unconstrained_covariance(train.X, train.y, train.z)
    assert c_max > 0.3
    for c in (0.0, 0.1 * c_max, 0.5 * c_max):
        model = fit_fc(train.X, train.y, train.z, c)
        assert abs(decision_boundary_covariance(model, train.X, train.z)) == pytest.approx(c, abs=1e-5)
    # A bound the unconstrained model already meets changes nothing.
    free = fit_fc(train.X, train.y, train.z, 2 * c_max)
    np.testing.assert_allclose(params_of(free),
                               params_of(fit_weighted_logistic(train.X, train.y)), atol=1e-6)


def test_fc_matches_an_independent_constrained_solver():
    X, y, z = small_problem(seed=5)
    c = 0.02
    model = fit_fc(X, y, z, c, l2=1e-3)
    ours = params_of(model)
    X1 = np.hstack([X, np.ones((len(X), 1))])
    w = np.full(len(y), 1 / len(y))
    a = np.append(covariance_direction(X, z.astype(float), w), 0.0)
    result = minimize(logistic_loss_and_gradient, np.zeros(4), args=(X1, y.astype(float), w, 1e-3),
                      jac=True, method="SLSQP", options={"ftol": 1e-12, "maxiter": 1000},
                      constraints=[{"type": "ineq", "fun": lambda p: c - a @ p},
                                   {"type": "ineq", "fun": lambda p: c + a @ p}])
    np.testing.assert_allclose(ours, result.x, atol=1e-4)


def test_fc_trades_accuracy_for_fairness_along_the_path(split, lr_di):
    train, test = split.train, split.test
    c_max = unconstrained_covariance(train.X, train.y, train.z)
    models = fc_path(train.X, train.y, train.z, c_max * np.array([1.0, 0.5, 0.1, 0.0]))
    di = [disparate_impact(predict(m, test.X), test.z) for m in models]
    losses = [logistic_loss_and_gradient(params_of(m), np.hstack([train.X, np.ones((len(train), 1))]),
                                         train.y.astype(float), np.full(len(train), 1 / len(train)), 1e-4)[0]
              for m in models]
    assert np.all(np.diff(losses) > 0)        # a tighter bound costs training loss
    assert di[0] == pytest.approx(lr_di, abs=0.01)
    assert di[-1] > 0.8 and di[-1] > lr_di + 0.3


def test_fc_rejects_a_negative_bound(split):
    with pytest.raises(ValueError, match=r"c \(the covariance bound\) must be a finite number >= 0"):
        fit_fc(split.train.X, split.train.y, split.train.z, -0.1)
    with pytest.raises(ValueError, match="covariance bound"):
        fit_fc(split.train.X, split.train.y, split.train.z, float("nan"))
    with pytest.raises(TypeError, match="covariance bound"):
        fit_fc(split.train.X, split.train.y, split.train.z, "0.1")
    with pytest.raises(ValueError, match="bounds is empty"):
        fc_path(split.train.X, split.train.y, split.train.z, [])


# --- LBC --------------------------------------------------------------------------------------------


def test_lbc_weights_are_jiang_and_nachums():
    y = np.array([1, 0, 1, 0])
    z = np.array([0, 0, 1, 1])
    w = lbc_weights(y, z, np.array([np.log(3.0), 0.0]))  # sigmoid(log 3) = 3/4
    np.testing.assert_allclose(w, [0.75, 0.25, 0.5, 0.5])


def test_lbc_starts_at_lr_and_moves_towards_parity(split, lr_di):
    train, test = split.train, split.test
    path = lbc_path(train.X, train.y, train.z, rounds=15)
    np.testing.assert_allclose(params_of(path.models[0]),
                               params_of(fit_weighted_logistic(train.X, train.y)), atol=1e-6)
    assert path.multipliers.shape == (16, 2) and np.all(path.multipliers[0] == 0)
    # Group 0 is selected less often: its multiplier grows, group 1's shrinks.
    assert path.multipliers[-1, 0] > 0.5 and path.multipliers[-1, 1] < -0.5
    # lambda_{t+1} = lambda_t + eta Delta_t, with eta = 1.
    np.testing.assert_allclose(np.diff(path.multipliers, axis=0), path.violations[:-1])
    di = [disparate_impact(predict(m, test.X), test.z) for m in path.models]
    assert di[-1] > 0.85 > lr_di + 0.3
    assert np.abs(path.violations[-1]).max() < np.abs(path.violations[0]).max() / 4


def test_fit_lbc_is_the_last_round(split):
    train = split.train
    model = fit_lbc(train.X, train.y, train.z, rounds=3)
    path = lbc_path(train.X, train.y, train.z, rounds=3)
    np.testing.assert_allclose(params_of(model), params_of(path.models[-1]))
    with pytest.raises(ValueError, match="eta"):
        lbc_path(train.X, train.y, train.z, eta=0)


# --- AD ---------------------------------------------------------------------------------------------


def test_project_out_leaves_the_orthogonal_part():
    u = torch.tensor([[1.0, 2.0, 3.0], [1.0, 0.0, 0.0]])
    v = torch.tensor([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(project_out(u, v).numpy(), [[1.0, 0.0, 3.0], [1.0, 0.0, 0.0]])
    rng = torch.Generator().manual_seed(0)
    u, v = torch.randn(5, 4, generator=rng), torch.randn(5, 4, generator=rng)
    assert torch.allclose((project_out(u, v) * v).sum(1), torch.zeros(5), atol=1e-5)


@pytest.mark.parametrize("criterion", ["demographic_parity", "equalized_odds"])
def test_adversary_gradients_match_autograd(criterion):
    torch.manual_seed(0)
    K, n = 3, 50
    logits = torch.randn(K, n, dtype=torch.float64, requires_grad=True)
    scale = torch.randn(K, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(K, 1 if criterion == "demographic_parity" else 3, dtype=torch.float64, requires_grad=True)
    bias = torch.randn(K, dtype=torch.float64, requires_grad=True)
    y = torch.randint(0, 2, (n,)).double()
    z = torch.randint(0, 2, (n,)).double()
    w = torch.rand(n, dtype=torch.float64)
    w = w / w.sum()
    ours = adversary_gradients(logits, scale, weight, bias, y, z, w, criterion)
    loss = adversary_loss(logits, scale, weight, bias, y, z, w, criterion).sum()
    reference = torch.autograd.grad(loss, [scale, weight, bias, logits])
    for mine, theirs in zip(ours, reference):
        torch.testing.assert_close(mine.detach(), theirs)


def test_ad_adams_steps_are_torchs_to_the_last_bit():
    from frlib.fair.adversarial import ElementwiseAdam

    rng = torch.Generator().manual_seed(1)
    shapes = [(7,), (7, 3), (7,)]
    ours = [torch.randn(shape, generator=rng) for shape in shapes]
    theirs = [p.clone() for p in ours]
    adam = ElementwiseAdam(ours, lr=0.5)
    reference = torch.optim.Adam(theirs, lr=0.5)
    for _ in range(60):
        grads = [torch.randn(shape, generator=rng) * 10 for shape in shapes]
        adam.step(grads)
        for parameter, grad in zip(theirs, grads):
            parameter.grad = grad.clone()
        reference.step()
    for mine, torchs in zip(ours, theirs):
        assert torch.equal(mine, torchs)


def test_ad_raises_di_above_plain_lr(split, lr_di):
    train, test = split.train, split.test
    models = ad_path(train.X, train.y, train.z, [0.0, 0.3, 1.0], epochs=300)
    di = [disparate_impact(predict(m, test.X), test.z) for m in models]
    acc = [accuracy(test.y, predict(m, test.X)) for m in models]
    assert di[0] == pytest.approx(lr_di, abs=0.03)  # alpha = 0 from the LR optimum: barely moves
    assert max(di[1:]) > 0.8
    assert min(acc) > 0.7


def test_ad_equalized_odds_adversary_narrows_the_odds_gap(split):
    train, test = split.train, split.test
    plain = predict(fit_weighted_logistic(train.X, train.y), test.X)
    odds = predict(fit_ad(train.X, train.y, train.z, 0.1, criterion="equalized_odds"), test.X)
    parity = predict(fit_ad(train.X, train.y, train.z, 0.3, criterion="demographic_parity"), test.X)
    gap = {name: equalized_odds_difference(test.y, y_pred, test.z)
           for name, y_pred in (("LR", plain), ("EO adversary", odds), ("DP adversary", parity))}
    assert gap["EO adversary"] < gap["LR"] / 2              # about 0.04 against 0.15
    assert accuracy(test.y, odds) > 0.84
    # The parity adversary equalises selection rates instead, and widens the odds gap.
    assert disparate_impact(parity, test.z) > 0.9 and gap["DP adversary"] > gap["LR"]


def test_ad_is_seeded_and_batches_run(split):
    train = split.train
    a = ad_path(train.X, train.y, train.z, [0.3], epochs=50, batch_size=500, seed=1)[0]
    b = ad_path(train.X, train.y, train.z, [0.3], epochs=50, batch_size=500, seed=1)[0]
    np.testing.assert_array_equal(params_of(a), params_of(b))
    with pytest.raises(ValueError, match="alpha"):
        ad_path(train.X, train.y, train.z, [-1.0])
    with pytest.raises(ValueError, match="criterion"):
        ad_path(train.X, train.y, train.z, [1.0], criterion="parity")


# --- post-processing --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scores(split):
    model = fit_weighted_logistic(split.train.X, split.train.y)
    return predict_proba(model, split.train.X)


@pytest.mark.parametrize("target", [0.5, 0.8, 0.9, 1.0])
def test_group_thresholds_reach_the_requested_di(split, scores, target):
    train = split.train
    rule = fit_group_thresholds(scores, train.y, train.z, target_di=target)
    p = rule.positive_probability(scores, train.z)
    expected_di = min(p[train.z == 0].mean() / p[train.z == 1].mean(),
                      p[train.z == 1].mean() / p[train.z == 0].mean())
    assert expected_di == pytest.approx(target, abs=1e-6)  # LR's DI is 0.4: the constraint binds
    realised = disparate_impact(rule.predict(scores, train.z, seed=0), train.z)
    assert abs(realised - target) <= 0.02


def test_group_thresholds_raise_di_above_plain_lr_on_the_test_set(split, scores, lr_di):
    train, test = split.train, split.test
    model = fit_weighted_logistic(train.X, train.y)
    rule = fit_group_thresholds(scores, train.y, train.z, target_di=0.8)
    y_pred = rule.predict(predict_proba(model, test.X), test.z)
    assert disparate_impact(y_pred, test.z) > lr_di + 0.3
    assert accuracy(test.y, y_pred) > 0.78


def test_group_thresholds_match_fairlearn(split, scores):
    """Independent implementation: fairlearn's ThresholdOptimizer (same LP, on a grid)."""
    from fairlearn.postprocessing import ThresholdOptimizer
    from sklearn.base import BaseEstimator, ClassifierMixin

    class FixedScores(BaseEstimator, ClassifierMixin):
        def fit(self, X, y):
            self.classes_ = np.array([0, 1])
            return self

        def predict_proba(self, X):
            return np.column_stack([1 - X[:, 0], X[:, 0]])

    train = split.train
    for constraint, kwargs in (("equalized_odds", {"criterion": "equalized_odds"}),
                               ("demographic_parity", {"target_di": 1.0})):
        optimizer = ThresholdOptimizer(
            estimator=FixedScores().fit(scores[:, None], train.y), constraints=constraint,
            objective="accuracy_score", prefit=True, predict_method="predict_proba", grid_size=5000)
        optimizer.fit(scores[:, None], train.y, sensitive_features=train.z)
        theirs = optimizer._pmf_predict(scores[:, None], sensitive_features=train.z)[:, 1]
        ours = fit_group_thresholds(scores, train.y, train.z, **kwargs).positive_probability(scores, train.z)

        def expected_accuracy(p):
            return np.mean(p * train.y + (1 - p) * (1 - train.y))

        assert expected_accuracy(ours) == pytest.approx(expected_accuracy(theirs), abs=5e-4)
        assert expected_accuracy(ours) >= expected_accuracy(theirs) - 1e-9  # exact LP >= grid


def test_equalized_odds_thresholds_equalise_the_rates(split, scores):
    train = split.train
    rule = fit_group_thresholds(scores, train.y, train.z, criterion="equalized_odds")
    p = rule.positive_probability(scores, train.z)
    for label in (0, 1):
        rates = [p[(train.z == g) & (train.y == label)].mean() for g in (0, 1)]
        assert rates[0] == pytest.approx(rates[1], abs=1e-9)
    assert rule.is_randomised()


def test_thresholds_are_a_plain_threshold_when_no_constraint_binds():
    scores = np.array([0.1, 0.4, 0.6, 0.9, 0.2, 0.7])
    y = np.array([0, 0, 1, 1, 0, 1])
    z = np.array([0, 0, 0, 1, 1, 1])
    rule = fit_group_thresholds(scores, y, z, target_di=0.5)
    assert isinstance(rule, GroupThresholds) and not rule.is_randomised()
    np.testing.assert_array_equal(rule.predict(scores, z), y)  # the perfect rule is fair enough


def test_thresholds_bad_input(split, scores):
    train = split.train
    for bad in (0.0, -0.2, 1.2, float("nan")):
        with pytest.raises(ValueError, match=r"target_di must be in \(0, 1\]"):
            fit_group_thresholds(scores, train.y, train.z, target_di=bad)
    with pytest.raises(TypeError, match="target_di"):
        fit_group_thresholds(scores, train.y, train.z, target_di="0.8")
    y = np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match=r"group z = 0 has no positive \(y = 1\) examples"):
        fit_group_thresholds([0.1, 0.2, 0.3, 0.4], y, [0, 0, 1, 1], criterion="equalized_odds")
    with pytest.raises(ValueError, match="no members in group 1"):
        fit_group_thresholds([0.1, 0.2], [0, 1], [0, 0])
    with pytest.raises(ValueError, match="lengths differ"):
        fit_group_thresholds([0.1, 0.2, 0.3], [0, 1], [0, 1])


# --- the knob rule ----------------------------------------------------------------------------------


def test_choose_setting_takes_the_most_accurate_fair_setting():
    y = np.array([1, 1, 0, 0, 1, 0, 1, 0])
    z = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    candidates = [
        np.array([1, 1, 0, 0, 1, 0, 1, 0]),   # accuracy 1, DI 1
        np.array([1, 1, 0, 0, 1, 1, 1, 1]),   # accuracy 0.75, DI 0.5
        np.array([1, 0, 0, 0, 1, 0, 1, 0]),   # accuracy 0.875, DI 0.5
    ]
    choice = choose_setting(candidates, y, z)
    assert choice.index == 0 and choice.reached_target
    np.testing.assert_allclose(choice.accuracy, [1.0, 0.75, 0.875])
    np.testing.assert_allclose(choice.disparate_impact, [1.0, 0.5, 0.5])
    # Without the fair candidate no setting reaches 0.8: the fairest, then the more accurate.
    choice = choose_setting(candidates[1:], y, z)
    assert choice.index == 1 and not choice.reached_target
    # A lower target admits the more accurate unfair one.
    assert choose_setting(candidates[1:], y, z, target_di=0.5).index == 1


def test_choose_setting_bad_input():
    y, z = np.array([1, 0, 1, 0]), np.array([0, 0, 1, 1])
    for bad in (0, 1.01, -1):
        with pytest.raises(ValueError, match=r"target_di must be in \(0, 1\]"):
            choose_setting([y], y, z, target_di=bad)
    with pytest.raises(ValueError, match="predictions is empty"):
        choose_setting([], y, z)
    with pytest.raises(ValueError, match=r"predictions\[0\] has 3 entries"):
        choose_setting([[1, 0, 1]], y, z)
    assert check_target_di(1) == 1.0


# --- the table's methods ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["FC", "LBC", "AD"])
def test_each_fair_method_raises_di_above_lr(split, lr_di, method):
    with quick_mode(True):
        fitted = fair.fit_fair(method, split.train, split.val, seed=0)
    y_pred = fitted.predict(split.test.X)
    assert disparate_impact(y_pred, split.test.z) > lr_di + 0.2
    assert accuracy(split.test.y, y_pred) > 0.75
    assert fitted.choice.reached_target and fitted.choice.disparate_impact[fitted.choice.index] >= 0.8
    assert fitted.model is fitted.candidates[fitted.choice.index]
    assert fitted.knob == fitted.knobs[fitted.choice.index]


def test_knob_grids():
    with quick_mode(True):
        assert list(fair.knob_grid("LBC")) == list(range(21))
        alphas = fair.knob_grid("AD")
        assert alphas[0] == 0 and len(alphas) == 9 and np.all(np.diff(alphas) > 0)
    with quick_mode(False):
        assert len(fair.knob_grid("AD")) == 25
    with pytest.raises(TypeError, match="training Dataset"):
        fair.knob_grid("FC")
    with pytest.raises(ValueError, match="method"):
        fair.knob_grid("FR-Train")


def test_fair_methods_lose_accuracy_on_poisoned_labels(split):
    """The paper's point (section 5): FC trained on poisoned labels is less accurate."""
    poisoned, _ = poison_split(split)
    with quick_mode(True):
        clean = fair.fit_fair("FC", split.train, split.val).predict(split.test.X)
        dirty = fair.fit_fair("FC", poisoned.train, poisoned.val).predict(split.test.X)
    assert accuracy(split.test.y, dirty) < accuracy(split.test.y, clean) - 0.03


def test_two_step_baselines_use_rmls_weights(split):
    poisoned, flipped = poison_split(split)
    with quick_mode(True):
        weights = fair.rml_weights(poisoned.train, poisoned.val, seed=0)
        again = fair.rml_weights(poisoned.train, poisoned.val, seed=0)
        np.testing.assert_array_equal(weights, again)  # cached, and a copy
        weights_copy = again.copy()
        again[:] = 0
        np.testing.assert_array_equal(fair.rml_weights(poisoned.train, poisoned.val, seed=0), weights_copy)
        assert weights.shape == (len(poisoned.train),) and weights.mean() == pytest.approx(1.0)
        assert weights[flipped].mean() < 0.6 * np.delete(weights, flipped).mean()  # RML spots the poison
        predictor = methods.train_rml_fc(poisoned.train, poisoned.val, 0)
        weighted = fair.fit_fair("FC", poisoned.train, poisoned.val, sample_weight=weights)
    np.testing.assert_array_equal(predictor(split.test.X), weighted.predict(split.test.X))


def test_fit_fair_bad_input(split):
    with pytest.raises(ValueError, match="method"):
        fair.fit_fair("XX", split.train, split.val)
    with pytest.raises(TypeError, match="Dataset"):
        fair.fit_fair("FC", split.train.X, split.val)
    with pytest.raises(ValueError, match=r"target_di must be in \(0, 1\]"):
        fair.fit_fair("FC", split.train, split.val, target_di=1.5)
    with pytest.raises(ValueError, match="sample_weight"):
        fair.fit_fair("LBC", split.train, split.val, sample_weight=-np.ones(len(split.train)))


def test_inputs_are_checked_at_the_boundary(split):
    X, y, z = split.train.X, split.train.y, split.train.z
    with pytest.raises(ValueError, match="y must contain only 0 and 1"):
        fit_fc(X, 2 * y - 1, z, 0.1)
    with pytest.raises(ValueError, match="lengths differ"):
        lbc_path(X[:-1], y, z)
    with pytest.raises(ValueError, match="no members in group 0"):
        ad_path(X, y, np.ones_like(z), [1.0], epochs=5)
    with pytest.raises(ValueError, match="sample_weight has 3 entries"):
        fit_weighted_logistic(X, y, sample_weight=[1, 2, 3])
    with pytest.raises(ValueError, match="model has 1 weights"):
        decision_boundary_covariance(np.ones(2), X, z)
    assert isinstance(fit_weighted_logistic(X, y), LogisticRegression)
