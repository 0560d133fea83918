"""frlib.robust and its siblings: learning with noisy labels (lesson 03).

Closed forms for the losses and weights (forward / backward correction, GCE, bootstrapping,
importance weights, the RML weights of a linear model), the transition-matrix estimate against
the truth, every method against plain training on the digits with 40% symmetric noise, RML on
the paper's poisoned synthetic data, and the bad inputs of the issue.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.linear_model import LogisticRegression as SklearnLR

from frlib import methods
from frlib.config import quick_mode
from frlib.methods import train_rml
from frlib.models import class_probabilities, train_model
from frlib.poison import poison_split
from frlib.robust import (
    ROBUST_METHODS,
    LabelledSplit,
    NoiseAdaptationLayer,
    RobustFit,
    TrainConfig,
    add_label_noise,
    backward_corrected_loss,
    bootstrap_loss,
    check_invertible,
    compare_methods,
    detection_scores,
    digits_config,
    estimate_transition,
    estimate_transition_matrix,
    evaluate_fit,
    fit_backward_correction,
    fit_bootstrap,
    fit_coteaching,
    fit_forward_correction,
    fit_importance_reweighting,
    fit_noise_adaptation,
    fit_plain,
    fit_rml,
    fit_selfie,
    forget_rate_schedule,
    forward_corrected_loss,
    from_dataset_split,
    gce_loss,
    importance_weights,
    load_digits_split,
    make_network,
    make_task,
    memorization_curves,
    noise_matrix,
    prediction_entropy,
    rml_example_weights,
    small_loss_indices,
    summarize_comparison,
    synthetic_config,
)

# The tests' own budget (independent of FRLIB_QUICK): the quick setting's digits network.
FAST = TrainConfig(hidden=(128, 128), epochs=150, lr=6e-3)


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def digits():
    return load_digits_split(seed=0)


@pytest.fixture(scope="module")
def noisy40(digits):
    """The digits with 40% symmetric noise on the training labels (seed 0)."""
    return make_task(digits, "symmetric", 0.4, seed=0)


@pytest.fixture(scope="module")
def plain40(noisy40):
    fit = fit_plain(noisy40.split.X_train, noisy40.y_noisy, n_classes=10, config=FAST)
    return evaluate_fit(fit, noisy40)["test_acc"]


# --- data and noise -------------------------------------------------------------------------------


def test_digits_split_is_offline_scaled_disjoint_and_seeded(digits):
    from sklearn.datasets import load_digits

    assert digits.n_classes == 10 and digits.n_features == 64
    assert (len(digits.y_train), len(digits.y_val), len(digits.y_test)) == (1000, 100, 697)
    for X in (digits.X_train, digits.X_val, digits.X_test):
        assert X.min() >= 0.0 and X.max() <= 1.0
    # Every image appears exactly once, with its label (pixels / 16).
    raw = load_digits()
    all_X = np.vstack([digits.X_train, digits.X_val, digits.X_test]) * 16
    all_y = np.concatenate([digits.y_train, digits.y_val, digits.y_test])
    order = np.lexsort(all_X.T)
    raw_order = np.lexsort(raw.data.T)
    np.testing.assert_array_equal(all_X[order], raw.data[raw_order])
    np.testing.assert_array_equal(all_y[order], raw.target[raw_order])
    again = load_digits_split(seed=0)
    np.testing.assert_array_equal(again.X_train, digits.X_train)
    assert not np.array_equal(load_digits_split(seed=1).y_train, digits.y_train)
    assert set(np.unique(digits.y_val)) == set(range(10))


def test_labelled_split_from_the_synthetic_data(synthetic_split):
    split = from_dataset_split(synthetic_split)
    assert split.n_classes == 2 and split.n_features == 3
    np.testing.assert_array_equal(split.y_val, synthetic_split.val.y)
    with pytest.raises(TypeError, match="frlib.data.Split"):
        from_dataset_split(split)
    with pytest.raises(ValueError, match="y_val"):
        LabelledSplit(split.X_train, split.y_train, split.X_val, split.y_val + 2, split.X_test, split.y_test, 2)
    with pytest.raises(ValueError, match="X_test has 2 columns"):
        LabelledSplit(split.X_train, split.y_train, split.X_val, split.y_val, split.X_test[:, :2], split.y_test, 2)
    with pytest.raises(ValueError, match="leaves no test images"):
        load_digits_split(n_train=1700, n_val=97)


def test_label_noise_follows_its_matrix(digits):
    T = noise_matrix("pair", 10, 0.3)
    np.testing.assert_allclose(np.diag(T), 0.7)
    np.testing.assert_allclose(T[np.arange(10), (np.arange(10) + 1) % 10], 0.3)
    labels, flipped = add_label_noise(digits.y_train, "pair", 0.3, 10, seed=4)
    # Pair noise only moves a label to the next class.
    np.testing.assert_array_equal(labels[flipped], (digits.y_train[flipped] + 1) % 10)
    assert abs(len(flipped) / 1000 - 0.3) < 0.05
    labels, flipped = add_label_noise(digits.y_train, "symmetric", 0.4, 10, seed=4)
    assert abs(len(flipped) / 1000 - 0.4) < 0.05
    assert len(np.unique(labels[flipped] - digits.y_train[flipped])) > 10  # spread over other classes
    with pytest.raises(ValueError, match="kind"):
        noise_matrix("uniform", 10, 0.2)


# --- networks and training ---------------------------------------------------------------------------


def test_a_linear_network_trained_on_clean_labels_matches_sklearn(synthetic_split):
    split = from_dataset_split(synthetic_split)
    fit = fit_plain(split.X_train, split.y_train, n_classes=2, config=synthetic_config(), seed=0)
    assert len(list(fit.model.parameters())) == 2  # hidden=() is one linear layer
    reference = SklearnLR(C=np.inf, max_iter=10_000).fit(split.X_train, split.y_train)
    agreement = np.mean(fit.predict(split.X_test) == reference.predict(split.X_test))
    assert agreement >= 0.99
    np.testing.assert_allclose(fit.class_probabilities(split.X_test)[:, 1], reference.predict_proba(split.X_test)[:, 1],
                               atol=0.03)


def test_training_k_logits_minimises_the_weighted_mean_cross_entropy():
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 2])
    weights = np.array([1.0, 2.0, 5.0])
    model = make_network(2, 3, seed=3)
    with torch.no_grad():
        per_example = torch.nn.functional.cross_entropy(model(torch.tensor(X, dtype=torch.float32)),
                                                        torch.tensor(y), reduction="none").numpy()
    losses = train_model(model, X, y, sample_weight=weights, epochs=2, lr=1e-3).loss
    assert losses[0] == pytest.approx(np.sum(weights * per_example) / weights.sum(), rel=1e-5)
    # Integer weights act like repeated examples.
    repeated = make_network(2, 3, seed=3)
    duplicated = train_model(repeated, np.repeat(X, [1, 2, 5], axis=0), np.repeat(y, [1, 2, 5]), epochs=2, lr=1e-3).loss
    np.testing.assert_allclose(losses, duplicated, rtol=1e-5)


def test_training_rejects_bad_input():
    model = make_network(2, 2)
    X, y = np.zeros((3, 2)), np.array([0, 1, 1])
    with pytest.raises(ValueError, match="sample_weight is all zeros"):
        train_model(model, X, y, sample_weight=[0, 0, 0])
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        train_model(model, X, y, sample_weight=[1, -1, 0])
    with pytest.raises(ValueError, match="lengths differ"):
        train_model(model, X, y[:2])
    with pytest.raises(ValueError, match="class indices"):
        train_model(model, X, [0, 0.5, 1])
    with pytest.raises(ValueError, match="lr"):
        train_model(model, X, y, lr=0)
    with pytest.raises(ValueError, match="y holds class 2 but the model outputs only 2 logits"):
        train_model(model, X, [0, 1, 2])
    with pytest.raises(TypeError, match="hidden"):
        make_network(2, 2, hidden=128)
    with pytest.raises(ValueError, match="n_classes"):
        make_network(2, 1)
    with pytest.raises(ValueError, match="epochs"):
        TrainConfig(epochs=0)
    with pytest.raises(ValueError, match="y must contain class indices 0..1"):
        fit_plain(X, [0, 1, 2], n_classes=2)


# --- the memorisation effect -------------------------------------------------------------------------


def test_memorization_curves_show_the_network_memorising_noisy_labels(noisy40):
    split = noisy40.split
    config = TrainConfig(hidden=(128, 128), epochs=300, lr=6e-3)
    noisy = memorization_curves(split.X_train, noisy40.y_noisy, split.X_test, split.y_test,
                                y_true=split.y_train, n_classes=10, config=config, every=5)
    clean = memorization_curves(split.X_train, split.y_train, split.X_test, split.y_test,
                                n_classes=10, config=config, every=5)
    assert list(noisy.columns) == ["epoch", "train_acc", "test_acc", "clean_fit", "memorized", "recovered"]
    assert list(clean.columns) == ["epoch", "train_acc", "test_acc"]
    assert noisy["epoch"].iloc[-1] == 300 and noisy["epoch"].iloc[0] == 5
    last, best = noisy.iloc[-1], noisy["test_acc"].max()
    # First the pattern: the flipped examples are predicted as their true class ...
    assert noisy["recovered"].max() >= 0.8 and best >= 0.9
    # ... then the noise: at the end most flipped labels are memorised and test accuracy fell.
    assert last["memorized"] >= 0.95 and last["train_acc"] >= 0.98 and last["recovered"] <= 0.05
    assert best - last["test_acc"] >= 0.2
    # Training accuracy on the noisy labels splits into the clean and the flipped examples.
    share = len(noisy40.flipped) / 1000
    np.testing.assert_allclose(noisy["train_acc"], (1 - share) * noisy["clean_fit"] + share * noisy["memorized"])
    # On clean labels the same network ends up well above.
    assert clean["test_acc"].iloc[-1] >= 0.95 and clean["test_acc"].iloc[-1] - last["test_acc"] >= 0.2


# --- the transition-matrix methods: closed forms ------------------------------------------------------


def test_forward_corrected_loss_is_minus_log_of_p_times_T():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 3))
    y = np.array([0, 1, 2, 2, 1, 0])
    T = np.array([[0.7, 0.2, 0.1], [0.0, 0.9, 0.1], [0.3, 0.0, 0.7]])  # zeros are allowed
    got = forward_corrected_loss(T)(torch.tensor(logits, dtype=torch.float32), torch.tensor(y)).numpy()
    expected = -np.log((softmax(logits) @ T)[np.arange(6), y])
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    identity = forward_corrected_loss(np.eye(3))(torch.tensor(logits, dtype=torch.float32), torch.tensor(y)).numpy()
    np.testing.assert_allclose(identity, -np.log(softmax(logits)[np.arange(6), y]), rtol=1e-5)


def test_backward_corrected_loss_is_unbiased_for_the_clean_loss():
    rng = np.random.default_rng(1)
    logits = torch.tensor(rng.normal(size=(5, 4)), dtype=torch.float32)
    T = noise_matrix("pair", 4, 0.3) * 0.5 + noise_matrix("symmetric", 4, 0.2) * 0.5
    loss = backward_corrected_loss(T)
    clean = -np.log(softmax(logits.numpy()))  # (n, K): the clean loss under each true label
    for true_label in range(4):
        # E over the noisy label y~ ~ T[true_label] of the corrected loss = the clean loss.
        expected = sum(T[true_label, j] * loss(logits, torch.full((5,), j)).numpy() for j in range(4))
        np.testing.assert_allclose(expected, clean[:, true_label], rtol=1e-4)


def test_noise_adaptation_layer_outputs_log_of_p_times_its_transition():
    base = make_network(3, 4, seed=2)
    T0 = noise_matrix("symmetric", 4, 0.3)
    layer = NoiseAdaptationLayer(base, T0)
    np.testing.assert_allclose(layer.transition(), T0, rtol=1e-5)
    X = torch.tensor(np.random.default_rng(2).normal(size=(7, 3)), dtype=torch.float32)
    with torch.no_grad():
        expected = np.log(softmax(base(X).numpy()) @ T0)
        np.testing.assert_allclose(layer(X).numpy(), expected, rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="positive entries"):
        NoiseAdaptationLayer(base, np.eye(4))


def test_importance_weights_match_the_binary_closed_form():
    # Liu & Tao 2016: beta = (p~(y~|x) - rho_{1-y~}) / ((1 - rho_0 - rho_1) p~(y~|x)).
    rho0, rho1 = 0.2, 0.1  # P(y~=1 | y=0), P(y~=0 | y=1)
    T = np.array([[1 - rho0, rho0], [rho1, 1 - rho1]])
    p1 = np.array([0.3, 0.5, 0.85, 0.25, 0.6])
    probs = np.column_stack([1 - p1, p1])
    y = np.array([1, 1, 0, 0, 1])
    p_label = probs[np.arange(5), y]
    rho_other = np.where(y == 1, rho0, rho1)
    expected = np.clip((p_label - rho_other) / ((1 - rho0 - rho1) * p_label), 0, None)
    np.testing.assert_allclose(importance_weights(probs, y, T), expected, rtol=1e-10)
    assert importance_weights(probs, y, np.eye(2)).tolist() == [1.0] * 5


def test_estimate_transition_matrix_is_exact_on_exact_posteriors():
    T = np.array([[0.6, 0.3, 0.1], [0.1, 0.8, 0.1], [0.25, 0.05, 0.7]])
    rng = np.random.default_rng(3)
    clean = rng.dirichlet(np.ones(3) * 0.5, size=300)
    clean[:3] = np.eye(3)  # one sure example per class: the anchors
    noisy = clean @ T
    np.testing.assert_allclose(estimate_transition_matrix(noisy, quantile=1.0), T, atol=1e-12)


def test_estimated_transition_is_close_to_the_truth_on_separated_classes():
    # Three well separated Gaussian classes with pair noise: the anchors are sure examples.
    rng = np.random.default_rng(5)
    means = np.array([[0.0, 6.0], [6.0, 0.0], [-6.0, -6.0]])
    y = np.repeat(np.arange(3), 1000)
    X = means[y] + rng.normal(size=(3000, 2))
    T = noise_matrix("pair", 3, 0.3)
    labels, _ = add_label_noise(y, "pair", 0.3, 3, seed=5)
    estimate = estimate_transition(X, labels, n_classes=3)
    assert np.abs(estimate - T).max() < 0.07
    assert np.abs(estimate_transition(X, labels, n_classes=3, quantile=0.9) - T).max() < 0.04
    np.testing.assert_allclose(estimate.sum(axis=1), 1.0)


def test_estimated_noise_rate_on_the_digits_is_close_to_the_truth(digits):
    for rate in (0.2, 0.4):
        task = make_task(digits, "symmetric", rate, seed=0)
        estimate = estimate_transition(digits.X_train, task.y_noisy, n_classes=10, seed=0)
        assert abs((1 - np.diag(estimate).mean()) - rate) < 0.08, rate
        assert np.abs(estimate - task.transition).max() < 0.25


# --- robust losses: closed forms ---------------------------------------------------------------------


def test_gce_between_cross_entropy_and_mae():
    rng = np.random.default_rng(6)
    logits = torch.tensor(rng.normal(size=(5, 3)), dtype=torch.float32)
    y = torch.tensor([0, 2, 1, 1, 0])
    p_y = softmax(logits.numpy())[np.arange(5), y.numpy()]
    np.testing.assert_allclose(gce_loss(0.7)(logits, y).numpy(), (1 - p_y**0.7) / 0.7, rtol=1e-5)
    np.testing.assert_allclose(gce_loss(1.0)(logits, y).numpy(), 1 - p_y, rtol=1e-5)
    np.testing.assert_allclose(gce_loss(1e-4)(logits, y).numpy(), -np.log(p_y), rtol=1e-3)


def test_bootstrap_mixes_label_and_prediction():
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 3.0, 0.0]])
    y = torch.tensor([1, 1])
    p = softmax(logits.numpy())
    log_p = np.log(p)
    hard = bootstrap_loss(0.8, "hard")(logits, y).numpy()
    # Example 0: label 1, prediction 0; example 1: both 1, so the loss is the cross-entropy.
    np.testing.assert_allclose(hard, [-(0.8 * log_p[0, 1] + 0.2 * log_p[0, 0]), -log_p[1, 1]], rtol=1e-5)
    soft = bootstrap_loss(0.95, "soft")(logits, y).numpy()
    target = 0.95 * np.eye(3)[[1, 1]] + 0.05 * p
    np.testing.assert_allclose(soft, -(target * log_p).sum(axis=1), rtol=1e-5)
    np.testing.assert_allclose(bootstrap_loss(1.0)(logits, y).numpy(), -log_p[[0, 1], [1, 1]], rtol=1e-5)


# --- selection: schedule, entropy ---------------------------------------------------------------------


def test_forget_rate_schedule_and_small_loss_selection():
    np.testing.assert_allclose(forget_rate_schedule(6, 0.4, 4), [0, 0.1, 0.2, 0.3, 0.4, 0.4])
    np.testing.assert_allclose(forget_rate_schedule(3, 0.0, 1), [0, 0, 0])
    losses = torch.tensor([0.5, 0.1, 0.9, 0.3, 0.2])
    assert small_loss_indices(losses, 0.6).tolist() == [1, 4, 3]
    assert small_loss_indices(losses, 0.0).tolist() == [1]  # at least one example


def test_prediction_entropy():
    history = np.array([[1, 1, 1, 1], [0, 1, 2, 3], [2, 2, 0, 0]])
    np.testing.assert_allclose(prediction_entropy(history, 4), [0.0, 1.0, np.log(2) / np.log(4)])


def test_detection_scores():
    flagged = np.array([True, True, False, False, True])
    assert detection_scores(flagged, np.array([0, 3])) == {"precision": 1 / 3, "recall": 0.5, "flagged": 3}
    assert detection_scores(flagged, np.array([True, False, False, False, True]))["recall"] == 1.0
    assert np.isnan(detection_scores(np.zeros(5, dtype=bool), np.array([1]))["precision"])
    with pytest.raises(TypeError, match="flagged"):
        detection_scores([1, 0, 1], [0])
    with pytest.raises(ValueError, match="outside"):
        detection_scores(flagged, np.array([7]))


# --- RML: the weights of learning to reweight -----------------------------------------------------


def test_rml_weights_are_the_normalised_gradient_alignment_of_a_linear_model():
    # For softmax regression, grad l_i = (p_i - e_{y_i}) [x_i, 1]^T, and Ren et al.'s weight is
    # max(0, grad L_val . grad l_i), normalised: an independent closed form of the look-ahead.
    rng = np.random.default_rng(7)
    X, y = rng.normal(size=(40, 3)), rng.integers(0, 3, 40)
    X_val, y_val = rng.normal(size=(15, 3)), rng.integers(0, 3, 15)
    model = make_network(3, 3, seed=7)
    W = model[0].weight.detach().numpy().astype(float)
    b = model[0].bias.detach().numpy().astype(float)

    def gradients(X_, y_):
        residual = softmax(X_ @ W.T + b) - np.eye(3)[y_]  # (n, K)
        return np.concatenate([np.einsum("nk,nd->nkd", residual, X_).reshape(len(y_), -1), residual], axis=1)

    alignment = gradients(X, y) @ gradients(X_val, y_val).mean(axis=0)
    expected = np.clip(alignment, 0, None) / np.clip(alignment, 0, None).sum()
    tensors = [torch.tensor(X, dtype=torch.float32), torch.tensor(y), torch.tensor(X_val, dtype=torch.float32),
               torch.tensor(y_val)]
    got = rml_example_weights(model, *tensors).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-6)
    assert (got == 0).any() and got.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(rml_example_weights(model, *tensors, step_size=0.01).numpy(), got, atol=1e-6)


def test_rml_on_the_papers_poisoned_synthetic_data(synthetic_split):
    poisoned, flipped = poison_split(synthetic_split)
    config = TrainConfig(hidden=(), epochs=300, lr=0.05)
    train, val, test = poisoned.train, poisoned.val, poisoned.test
    rml = fit_rml(train.X, train.y, val.X, val.y, config=config, seed=0)
    plain = fit_plain(train.X, train.y, n_classes=2, config=config, seed=0)
    rml_acc = np.mean(rml.predict(test.X) == test.y)
    plain_acc = np.mean(plain.predict(test.X) == test.y)
    assert rml_acc >= 0.85 and rml_acc - plain_acc >= 0.04  # paper: RML .869, LR .819
    # The flipped examples get far less weight than the others.
    is_flipped = np.zeros(len(train), dtype=bool)
    is_flipped[flipped] = True
    assert rml.weights.mean() == pytest.approx(1.0)
    assert rml.weights[is_flipped].mean() < 0.5 * rml.weights[~is_flipped].mean()


def test_rml_is_registered_for_the_table(synthetic_split):
    assert methods.METHODS["RML"] is train_rml
    with quick_mode(True):
        predictor = train_rml(synthetic_split.train, synthetic_split.val, 0)
    y_pred = predictor(synthetic_split.test.X)
    assert y_pred.dtype == np.int64 and set(np.unique(y_pred)) <= {0, 1}
    assert np.mean(y_pred == synthetic_split.test.y) >= 0.85


# --- every method beats plain training on the digits with 40% symmetric noise -------------------------


# Test-accuracy points over plain training each method must gain (seed 0). Backward correction is the
# least stable (lesson 03): its gain at seed 0 measured 0.027 (this test's native AVX-512 kernels on an
# Intel Xeon), 0.029 (AVX-512 on an AMD EPYC), 0.036 (ATEN_CPU_CAPABILITY=avx2), 0.039 (=default); over
# seeds 0-4 it ranges from -0.04 to +0.10, so only seed 0 is claimed, with room for other kernels.
METHOD_MARGINS = {
    "noise adaptation": 0.10,
    "forward (T known)": 0.10,
    "forward (T estimated)": 0.10,
    "backward (T known)": 0.015,
    "importance reweighting": 0.05,
    "bootstrap": 0.05,
    "GCE": 0.10,
    "Co-teaching": 0.10,
    "SELFIE": 0.10,
    "RML": 0.10,
}


@pytest.mark.parametrize("method", list(METHOD_MARGINS))
def test_every_method_beats_plain_training_under_40_percent_symmetric_noise(method, noisy40, plain40):
    fit = ROBUST_METHODS[method](noisy40, FAST, 0)
    assert isinstance(fit, RobustFit)
    result = evaluate_fit(fit, noisy40)
    assert plain40 < 0.75  # plain training memorised the noise
    assert result["test_acc"] - plain40 >= METHOD_MARGINS[method], (method, result["test_acc"], plain40)
    if method in ("Co-teaching", "SELFIE"):
        assert result["precision"] >= 0.8 and result["recall"] >= 0.8, result
    if method == "RML":
        assert result["precision"] >= 0.8, result


def test_selection_methods_report_what_they_kept(noisy40):
    X, y = noisy40.split.X_train, noisy40.y_noisy
    small = TrainConfig(hidden=(32,), epochs=40, lr=6e-3)
    coteaching = fit_coteaching(X, y, forget_rate=0.3, warmup_epochs=10, config=small)
    assert coteaching.kept.sum() == 700  # 1 - 0.3 of the examples after the warm-up
    np.testing.assert_allclose(coteaching.history["forget_rate"][:11], np.linspace(0, 0.3, 11))
    assert len(coteaching.history["agreement"]) == 40
    selfie = fit_selfie(X, y, forget_rate=0.4, config=FAST)
    assert selfie.kept.sum() == 600
    changed = selfie.labels != y
    assert not (changed & selfie.kept).any()  # relabelled examples are not "kept with their label"
    assert selfie.history["refurbished"][:FAST.epochs // 10] == [0] * (FAST.epochs // 10)  # warm-up
    assert selfie.history["refurbished"][-1] >= int(changed.sum()) > 200
    # Most relabelled examples get their true label back.
    assert np.mean(selfie.labels[changed] == noisy40.split.y_train[changed]) >= 0.85


# --- the comparison ------------------------------------------------------------------------------------


def test_compare_methods_and_the_summary_table(digits):
    config = TrainConfig(hidden=(16,), epochs=20, lr=1e-2)
    runs = compare_methods(lambda seed: digits, kind="pair", rates=[0.2, 0.4], seeds=2,
                           methods=["plain", "Co-teaching"], config=config)
    assert list(runs.columns) == ["method", "kind", "rate", "seed", "test_acc", "precision", "recall", "seconds"]
    assert len(runs) == 8 and set(runs["kind"]) == {"pair"}
    assert runs.loc[runs["method"] == "plain", "precision"].isna().all()
    assert runs.loc[runs["method"] == "Co-teaching", "recall"].notna().all()
    table = summarize_comparison(runs)
    assert list(table.index) == ["plain", "Co-teaching"]
    for rate in (0.2, 0.4):
        part = runs[(runs["method"] == "Co-teaching") & (runs["rate"] == rate)]
        assert table.loc["Co-teaching", (rate, "acc_mean")] == pytest.approx(part["test_acc"].mean())
        assert table.loc["Co-teaching", (rate, "acc_std")] == pytest.approx(part["test_acc"].std(ddof=0))
        assert table.loc["Co-teaching", (rate, "seeds")] == 2
    # Fits trained beforehand on the same task are evaluated, not trained again.
    task = make_task(digits, "pair", 0.4, seed=1)
    fit = ROBUST_METHODS["plain"](task, config, 1)
    reused = compare_methods(lambda seed: digits, kind="pair", rates=[0.4], seeds=[1], methods=["plain"],
                             config=config, trained={("plain", 0.4, 1): fit})
    fresh = runs[(runs["method"] == "plain") & (runs["rate"] == 0.4) & (runs["seed"] == 1)]
    assert reused["test_acc"].iloc[0] == fresh["test_acc"].iloc[0]
    assert np.isnan(reused["seconds"].iloc[0]) and (runs["seconds"] > 0).all()
    with pytest.raises(TypeError, match="RobustFit"):
        compare_methods(lambda seed: digits, methods=["plain"], trained={("plain", 0.2, 0): "fit"})
    with pytest.raises(ValueError, match="unknown method"):
        compare_methods(lambda seed: digits, methods=["nope"])
    with pytest.raises(ValueError, match="methods is empty"):
        compare_methods(lambda seed: digits, methods=[])
    with pytest.raises(ValueError, match="kind"):
        compare_methods(lambda seed: digits, kind="uniform", methods=["plain"])
    with pytest.raises(ValueError, match="compare_methods"):
        summarize_comparison(pd.DataFrame({"method": ["a"]}))


# --- bad input: the list -------------------------------------------------------------------


def test_a_transition_matrix_that_is_not_row_stochastic_is_rejected(noisy40):
    X, y = noisy40.split.X_train[:50], noisy40.y_noisy[:50]
    bad = np.full((10, 10), 0.2)
    for call in (
        lambda: forward_corrected_loss(bad),
        lambda: backward_corrected_loss(bad),
        lambda: fit_forward_correction(X, y, bad, config=FAST),
        lambda: fit_backward_correction(X, y, bad, config=FAST),
        lambda: fit_importance_reweighting(X, y, bad, config=FAST),
        lambda: importance_weights(np.full((3, 10), 0.1), [0, 1, 2], bad),
    ):
        with pytest.raises(ValueError, match="row 0 sums to 2"):
            call()
    with pytest.raises(ValueError, match="square"):
        forward_corrected_loss(np.ones((2, 3)) / 3)
    with pytest.raises(ValueError, match=r"entries in \[0, 1\]"):
        forward_corrected_loss([[1.5, -0.5], [0.0, 1.0]])
    with pytest.raises(ValueError, match="T has 3 classes"):
        fit_forward_correction(X, y, noise_matrix("symmetric", 3, 0.2), config=FAST)
    with pytest.raises(ValueError, match="T has 3 classes"):
        fit_backward_correction(X, y, noise_matrix("symmetric", 3, 0.2), config=FAST)


def test_a_singular_transition_matrix_is_rejected_where_it_is_inverted(noisy40):
    singular = noise_matrix("symmetric", 10, 0.9)  # rate (K - 1) / K: every row is the same
    X, y = noisy40.split.X_train[:50], noisy40.y_noisy[:50]
    for call in (
        lambda: check_invertible(singular),
        lambda: backward_corrected_loss(singular),
        lambda: fit_backward_correction(X, y, singular, config=FAST),
        lambda: fit_importance_reweighting(X, y, singular, config=FAST),
        lambda: importance_weights(np.full((3, 10), 0.1), [0, 1, 2], singular),
    ):
        with pytest.raises(ValueError, match="T is singular"):
            call()
    with pytest.raises(ValueError, match="T is singular"):
        check_invertible([[0.5, 0.5], [0.5, 0.5]])
    # Forward correction never inverts T, so it accepts it.
    forward_corrected_loss(singular)
    np.testing.assert_allclose(check_invertible(noise_matrix("pair", 10, 0.3)) @ noise_matrix("pair", 10, 0.3),
                               np.eye(10), atol=1e-10)


@pytest.mark.parametrize("rate", [1.0, 1.5, -0.1, float("nan")])
def test_a_forget_rate_outside_0_1_is_rejected(rate, noisy40):
    X, y = noisy40.split.X_train[:50], noisy40.y_noisy[:50]
    for call in (
        lambda: forget_rate_schedule(10, rate, 2),
        lambda: fit_coteaching(X, y, forget_rate=rate, config=FAST),
        lambda: fit_selfie(X, y, forget_rate=rate, config=FAST),
    ):
        with pytest.raises(ValueError, match=r"forget_rate must be in \[0, 1\)"):
            call()
    with pytest.raises(TypeError, match="forget_rate"):
        fit_coteaching(X, y, forget_rate="0.2", config=FAST)


def test_a_validation_set_with_one_class_is_rejected(synthetic_split):
    train, val = synthetic_split.train, synthetic_split.val
    one_class = val.subset(np.flatnonzero(val.y == 1))
    with pytest.raises(ValueError, match="y_val holds a single class"):
        fit_rml(train.X, train.y, one_class.X, one_class.y, config=synthetic_config())
    with pytest.raises(ValueError, match="y_val holds a single class"):
        train_rml(train, one_class, 0)
    with pytest.raises(ValueError, match="X_val has 2 columns"):
        fit_rml(train.X, train.y, val.X[:, :2], val.y)
    with pytest.raises(TypeError, match="Dataset"):
        train_rml(train.X, val, 0)
    model = make_network(3, 2)
    X_t, y_t = torch.tensor(train.X, dtype=torch.float32), torch.tensor(train.y)
    with pytest.raises(TypeError, match="torch tensors"):
        rml_example_weights(model, train.X, train.y, X_t, y_t)
    with pytest.raises(ValueError, match="y_val must be a 1-D long tensor"):
        rml_example_weights(model, X_t, y_t, X_t, y_t.float())


def test_other_bad_arguments_get_clear_errors(noisy40):
    X, y = noisy40.split.X_train[:50], noisy40.y_noisy[:50]
    with pytest.raises(ValueError, match="q must be in"):
        gce_loss(0.0)
    with pytest.raises(ValueError, match="beta must be in"):
        bootstrap_loss(1.5)
    with pytest.raises(ValueError, match="kind"):
        fit_bootstrap(X, y, kind="medium")
    with pytest.raises(ValueError, match="warmup_epochs"):
        fit_noise_adaptation(X, y, warmup_epochs=FAST.epochs, config=FAST)
    with pytest.raises(ValueError, match="noisy_probabilities"):
        estimate_transition_matrix(np.full((4, 3), 0.5))
    with pytest.raises(ValueError, match="X_test has 3 columns"):
        memorization_curves(X, y, np.zeros((2, 3)), [0, 1])
    with pytest.raises(TypeError, match="LabelledSplit"):
        make_task("digits", "symmetric", 0.2)
    with pytest.raises(ValueError, match="rate"):
        make_task(noisy40.split, "symmetric", 1.2)
    with pytest.raises(TypeError, match="model"):
        class_probabilities("model", X)
    assert digits_config().hidden == (128, 128)
