"""Defences that model label noise with a transition matrix (lesson 03, sections 2 and 3).

Class-conditional noise (lesson 02) is a row-stochastic matrix T[i, j] = P(noisy j | true i).
If p(x) is the row vector of clean-class probabilities, the noisy labels follow
p~(x) = p(x) T. The methods here use T, given or estimated:

* :func:`forward_corrected_loss` (Patrini et al. 2017, "Making deep neural networks robust
  to label noise: a loss correction approach", section 3): train on -log (p(x) T)[y~], so
  the network's own softmax estimates the *clean* posterior;
* :func:`backward_corrected_loss` (Patrini et al. 2017, section 3; Natarajan et al. 2013):
  the loss vector multiplied by T^{-1}, an unbiased estimate of the clean loss;
* :class:`NoiseAdaptationLayer` (Goldberger & Ben-Reuven 2017, "Training deep
  neural-networks using a noise adaptation layer"; Sukhbaatar et al. 2015): the same
  forward model with T *learned*, a softmax layer on top of the classifier;
* :func:`fit_importance_reweighting` (Liu & Tao 2016, "Classification with noisy labels by
  importance reweighting"): weight each example by P(Y = y~ | x) / P(Y~ = y~ | x);
* :func:`estimate_transition_matrix` (Patrini et al. 2017, section 4): T from "anchor points",
  the examples a network trained on the noisy labels is most sure about.

Backward correction and importance reweighting invert T: :func:`check_invertible` refuses a
singular T (for instance symmetric noise at rate (K - 1) / K, where every row is the same and
the labels carry no information).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from .._validation import check_positive_int, check_rate
from ..poison import check_transition_matrix
from ..models import ExampleLoss, class_probabilities, cross_entropy, train_model
from ._common import RobustFit, TrainConfig, check_training_data, digits_config, make_network

# A transition matrix whose condition number exceeds this is treated as singular.
MAX_CONDITION_NUMBER = 1e6


def check_invertible(T: Any, name: str = "T") -> np.ndarray:
    """A row-stochastic T that can be inverted; returns T^{-1}.

    Raises a ValueError naming ``name`` when T is not row-stochastic
    (:func:`frlib.poison.check_transition_matrix`) or is singular, or so close to it (condition
    number above :data:`MAX_CONDITION_NUMBER`) that T^{-1} would blow the loss up.
    """
    T = check_transition_matrix(T, name)
    condition = np.linalg.cond(T)
    if not np.isfinite(condition) or condition > MAX_CONDITION_NUMBER:
        raise ValueError(
            f"{name} is singular (condition number {condition:.3g}), but this method needs its "
            f"inverse. A noise rate of (K - 1) / K in symmetric noise (0.5 for two classes) makes "
            "all rows equal: the noisy label then says nothing about the true one."
        )
    return np.linalg.inv(T)


def _log_transition(T: np.ndarray) -> torch.Tensor:
    with np.errstate(divide="ignore"):
        return torch.as_tensor(np.log(T), dtype=torch.float32)  # log 0 = -inf is fine in logsumexp


def noisy_log_probabilities(logits: torch.Tensor, log_T: torch.Tensor) -> torch.Tensor:
    """log p~(x) = log (softmax(logits) T), computed stably as a log-sum-exp.

    log p~_j = log sum_i exp(log p_i + log T[i, j]).
    """
    log_p = torch.log_softmax(logits, dim=1)
    return torch.logsumexp(log_p.unsqueeze(2) + log_T.unsqueeze(0), dim=1)


def forward_corrected_loss(T: Any) -> ExampleLoss:
    """Forward correction (Patrini et al. 2017): the per-example loss -log (softmax(f(x)) T)[y~].

    The network's softmax is pushed through the noise before it meets the noisy label, so
    at the optimum softmax(f(x)) T equals the noisy posterior and softmax(f(x)) the clean one.
    T only has to be row-stochastic (it is never inverted).
    """
    T = check_transition_matrix(T, "T")
    log_T = _log_transition(T)

    def loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        _check_width(logits, T.shape[0])
        noisy = noisy_log_probabilities(logits, log_T)
        return -noisy.gather(1, y.unsqueeze(1)).squeeze(1)

    return loss


def backward_corrected_loss(T: Any) -> ExampleLoss:
    """Backward correction (Patrini et al. 2017): the per-example loss (T^{-1} l(x))[y~].

    l(x) is the vector of the losses the example would have under each label,
    l_j = -log softmax(f(x))_j. Because E[(T^{-1} l)_{Y~} | Y = y] = sum_j T[y, j] (T^{-1} l)_j
    = l_y, the corrected loss is, in expectation over the noise, the clean loss. The price:
    T^{-1} has negative entries, so the corrected loss is unbounded below and the network can
    drive it down by making some classes extremely unlikely.
    """
    T_inv = torch.as_tensor(check_invertible(T, "T"), dtype=torch.float32)

    def loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        _check_width(logits, T_inv.shape[0])
        per_label = -torch.log_softmax(logits, dim=1)  # (n, K): the loss under each label j
        corrected = per_label @ T_inv.T  # corrected[n, k] = sum_j T^{-1}[k, j] l_j
        return corrected.gather(1, y.unsqueeze(1)).squeeze(1)

    return loss


def _check_width(logits: torch.Tensor, n_classes: int) -> None:
    if logits.ndim != 2 or logits.shape[1] != n_classes:
        raise ValueError(
            f"the network outputs {tuple(logits.shape)} logits but T has {n_classes} classes"
        )


def _labels_for(T: np.ndarray, y: Any) -> None:
    labels = np.asarray(y)
    if labels.ndim == 1 and labels.size and np.issubdtype(labels.dtype, np.number) and labels.max() >= T.shape[0]:
        raise ValueError(f"y holds class {labels.max():g} but T has {T.shape[0]} classes (0 .. {T.shape[0] - 1})")


def fit_forward_correction(
    X: Any, y: Any, T: Any, *, config: TrainConfig | None = None, seed: int = 0, method: str = "forward"
) -> RobustFit:
    """Train with :func:`forward_corrected_loss` on the noisy labels ``y`` (T known or estimated)."""
    T = check_transition_matrix(T, "T")
    _labels_for(T, y)
    X, y, n_classes = check_training_data(X, y, T.shape[0])
    config = config or digits_config()
    model = make_network(X.shape[1], n_classes, config.hidden, seed=seed)
    losses = train_model(model, X, y, loss=forward_corrected_loss(T), epochs=config.epochs,
                         lr=config.lr, weight_decay=config.weight_decay).loss
    return RobustFit(method, model, transition=T, history={"loss": losses})


def fit_backward_correction(
    X: Any, y: Any, T: Any, *, config: TrainConfig | None = None, seed: int = 0
) -> RobustFit:
    """Train with :func:`backward_corrected_loss` on the noisy labels ``y``; T must be invertible."""
    loss = backward_corrected_loss(T)  # checks T first
    T = check_transition_matrix(T, "T")
    _labels_for(T, y)
    X, y, n_classes = check_training_data(X, y, T.shape[0])
    config = config or digits_config()
    model = make_network(X.shape[1], n_classes, config.hidden, seed=seed)
    losses = train_model(model, X, y, loss=loss, epochs=config.epochs, lr=config.lr,
                         weight_decay=config.weight_decay).loss
    return RobustFit("backward", model, transition=T, history={"loss": losses})


class NoiseAdaptationLayer(nn.Module):
    """A classifier followed by a learned noisy channel (Goldberger & Ben-Reuven 2017).

    p~(x) = softmax(base(x)) T_theta, with T_theta = row-wise softmax of a free K x K matrix
    of parameters (so it stays row-stochastic). The module outputs log p~(x), which works as
    logits for the cross-entropy with the noisy labels. After training, ``base`` alone is the
    clean classifier and :meth:`transition` the learned noise.
    """

    def __init__(self, base: nn.Module, initial_transition: Any) -> None:
        super().__init__()
        if not isinstance(base, nn.Module):
            raise TypeError(f"base must be a torch.nn.Module, got {type(base).__name__}")
        T0 = check_transition_matrix(initial_transition, "initial_transition")
        if (T0 <= 0).any():
            raise ValueError("initial_transition needs positive entries (the layer learns log T)")
        self.base = base
        self.transition_logits = nn.Parameter(torch.as_tensor(np.log(T0), dtype=torch.float32))

    def transition(self) -> np.ndarray:
        """The learned T_theta as a NumPy array (rows sum to 1)."""
        with torch.no_grad():
            return torch.softmax(self.transition_logits, dim=1).numpy().astype(float)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        log_T = torch.log_softmax(self.transition_logits, dim=1)
        return noisy_log_probabilities(self.base(X), log_T)


def confusion_transition(y_pred: Any, y: Any, n_classes: int, smoothing: float = 1.0) -> np.ndarray:
    """Row-normalised confusion matrix C[i, j] = P(noisy label j | predicted class i).

    Goldberger & Ben-Reuven (2017) initialise the noise adaptation layer with it. ``smoothing``
    is added to every count (Laplace) so that no entry is zero.
    """
    y_pred = np.asarray(y_pred, dtype=np.int64)
    y = np.asarray(y, dtype=np.int64)
    counts = np.full((n_classes, n_classes), float(smoothing))
    np.add.at(counts, (y_pred, y), 1.0)
    return counts / counts.sum(axis=1, keepdims=True)


def fit_noise_adaptation(
    X: Any,
    y: Any,
    *,
    n_classes: int | None = None,
    warmup_epochs: int | None = None,
    config: TrainConfig | None = None,
    seed: int = 0,
) -> RobustFit:
    """The noise adaptation layer, trained as Goldberger & Ben-Reuven (2017) do.

    1. Warm-up: train the base network alone on the noisy labels for ``warmup_epochs``
       (default: a tenth of the epochs, before it has memorised the noise).
    2. Initialise T_theta with the confusion matrix of its predictions against the noisy labels
       (:func:`confusion_transition`).
    3. Train base and noise layer together for the remaining epochs; predict with the base.
    """
    X, y, n_classes = check_training_data(X, y, n_classes)
    config = config or digits_config()
    if warmup_epochs is None:
        warmup_epochs = max(1, config.epochs // 10)
    warmup_epochs = check_positive_int(warmup_epochs, "warmup_epochs")
    if warmup_epochs >= config.epochs:
        raise ValueError(f"warmup_epochs ({warmup_epochs}) must be smaller than epochs ({config.epochs})")
    base = make_network(X.shape[1], n_classes, config.hidden, seed=seed)
    warm = train_model(base, X, y, epochs=warmup_epochs, lr=config.lr, weight_decay=config.weight_decay).loss
    initial = confusion_transition(class_probabilities(base, X).argmax(axis=1), y, n_classes)
    layer = NoiseAdaptationLayer(base, initial)
    rest = train_model(layer, X, y, epochs=config.epochs - warmup_epochs, lr=config.lr,
                       weight_decay=config.weight_decay).loss
    return RobustFit("noise adaptation", base, transition=layer.transition(),
                     history={"loss": warm + rest, "initial_transition": initial.tolist()})


def estimator_config() -> TrainConfig:
    """The network that estimates the noisy posterior p~(x): one hidden layer, L2, not memorising."""
    return TrainConfig(hidden=(64,), epochs=150, lr=3e-3, weight_decay=1e-3)


def noisy_posterior(
    X: Any, y: Any, *, n_classes: int | None = None, config: TrainConfig | None = None, seed: int = 0
) -> np.ndarray:
    """Estimate P(noisy label | x) for the training examples: a regularised network's softmax.

    The network is trained with plain cross-entropy on the noisy labels, with an L2 penalty
    and few epochs (:func:`estimator_config`) so that it does not memorise them: its softmax is
    then an estimate of p~(x) = p(x) T.
    """
    X, y, n_classes = check_training_data(X, y, n_classes)
    config = config or estimator_config()
    model = make_network(X.shape[1], n_classes, config.hidden, seed=seed)
    train_model(model, X, y, epochs=config.epochs, lr=config.lr, weight_decay=config.weight_decay)
    return class_probabilities(model, X)


def estimate_transition_matrix(noisy_probabilities: Any, quantile: float = 0.97) -> np.ndarray:
    """T from anchor points (Patrini et al. 2017, section 4).

    For each class i, the anchor x_i is the example whose estimated P(Y~ = i | x) sits at the
    ``quantile`` of that column (0.97 as in the paper; 1.0 is the plain argmax, more sensitive
    to overconfident outliers). If x_i surely belongs to class i, p~(x_i) = e_i T = T[i, :], so

        T_hat[i, :] = p~(x_i).

    Parameters
    ----------
    noisy_probabilities : array of shape (n, K)
        Estimated noisy-class probabilities, e.g. from :func:`noisy_posterior`.
    quantile : float in [0, 1]

    Returns
    -------
    ndarray of shape (K, K), row-stochastic.
    """
    probs = np.asarray(noisy_probabilities, dtype=float)
    if probs.ndim != 2 or probs.shape[1] < 2 or probs.shape[0] < 1:
        raise ValueError(f"noisy_probabilities must have shape (n, K) with K >= 2, got {probs.shape}")
    if not np.isfinite(probs).all() or (probs < 0).any() or np.abs(probs.sum(axis=1) - 1).max() > 1e-4:
        raise ValueError("noisy_probabilities must hold probability vectors (non-negative rows summing to 1)")
    quantile = check_rate(quantile, "quantile")
    n_classes = probs.shape[1]
    T = np.empty((n_classes, n_classes))
    for i in range(n_classes):
        level = np.quantile(probs[:, i], quantile, method="lower")
        anchor = int(np.argmin(np.abs(probs[:, i] - level)))
        T[i] = probs[anchor]
    return T / T.sum(axis=1, keepdims=True)


def estimate_transition(
    X: Any,
    y: Any,
    *,
    n_classes: int | None = None,
    quantile: float = 0.97,
    config: TrainConfig | None = None,
    seed: int = 0,
) -> np.ndarray:
    """:func:`noisy_posterior` followed by :func:`estimate_transition_matrix`: T_hat from data."""
    probs = noisy_posterior(X, y, n_classes=n_classes, config=config, seed=seed)
    return estimate_transition_matrix(probs, quantile=quantile)


def importance_weights(noisy_probabilities: Any, y: Any, T: Any, max_weight: float = 10.0) -> np.ndarray:
    """Importance weights beta_i = P(Y = y~_i | x_i) / P(Y~ = y~_i | x_i) (Liu & Tao 2016).

    The clean posterior comes from the noisy one by undoing the noise, p(x) = p~(x) T^{-1},
    clipped to [0, 1]. An example whose noisy label is unlikely to be its true label gets a
    small weight. The weights are clipped to [0, ``max_weight``].
    """
    T_inv = check_invertible(T, "T")
    probs = np.asarray(noisy_probabilities, dtype=float)
    n_classes = T_inv.shape[0]
    if probs.ndim != 2 or probs.shape[1] != n_classes:
        raise ValueError(f"noisy_probabilities must have shape (n, {n_classes}), got {probs.shape}")
    labels = np.asarray(y, dtype=np.int64)
    if labels.shape != (len(probs),):
        raise ValueError(f"y must have shape ({len(probs)},), got {labels.shape}")
    clean = np.clip(probs @ T_inv, 0.0, 1.0)
    rows = np.arange(len(labels))
    beta = clean[rows, labels] / np.maximum(probs[rows, labels], 1e-12)
    return np.clip(beta, 0.0, max_weight)


def fit_importance_reweighting(
    X: Any,
    y: Any,
    T: Any,
    *,
    config: TrainConfig | None = None,
    estimator: TrainConfig | None = None,
    seed: int = 0,
) -> RobustFit:
    """Importance reweighting (Liu & Tao 2016): estimate p~(x), weight, train the weighted CE.

    1. p~(x) from a regularised network (:func:`noisy_posterior`, configured by ``estimator``);
    2. beta_i from :func:`importance_weights` with the (known or estimated) T;
    3. train a fresh network on the noisy labels with the cross-entropy weighted by beta.
    """
    check_invertible(T, "T")
    T = check_transition_matrix(T, "T")
    _labels_for(T, y)
    X, y, n_classes = check_training_data(X, y, T.shape[0])
    probs = noisy_posterior(X, y, n_classes=n_classes, config=estimator, seed=seed)
    beta = importance_weights(probs, y, T)
    if beta.sum() == 0:
        raise ValueError("every importance weight is zero: T does not match the labels")
    config = config or digits_config()
    model = make_network(X.shape[1], n_classes, config.hidden, seed=seed)
    losses = train_model(model, X, y, loss=cross_entropy, sample_weight=beta, epochs=config.epochs,
                         lr=config.lr, weight_decay=config.weight_decay).loss
    return RobustFit("importance reweighting", model, weights=beta / beta.mean(), transition=T,
                     history={"loss": losses})
