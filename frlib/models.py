"""Small PyTorch classifiers, the one MLP builder and the one training loop of the course.

* :class:`LogisticRegression`: one linear layer, logit = w . x + b, P(y=1 | x) = sigmoid(logit)
  (the FR-Train paper's classifier on the synthetic data). Every logistic regression of the
  course is one: :func:`fit_logistic_regression` trains it by Adam, the fair methods' exact fit
  (:func:`frlib.fair.fit_weighted_logistic`, Newton's method) returns one too, and so does
  FR-Train's readable generator. :func:`linear_weights` reads its (w, b).
* :func:`make_mlp`: linear layers with an activation between them (ReLU, or LeakyReLU(0.2) as
  FR-Train's discriminator); :class:`MLP` is the binary classifier built with it, and lesson
  03's K-class networks (:func:`frlib.robust.make_network`) and lesson 05's discriminators are
  too.
* :func:`train_model`: full-batch training of the (optionally per-example weighted) mean of a
  per-example loss with Adam or SGD, seeded: binary cross-entropy for a one-logit classifier,
  cross-entropy for K logits, or any loss of lesson 03.
* Predictions, two contracts with two names: :func:`predict_proba` is P(y = 1 | x) of a binary
  (one-logit) classifier, shape (n,), and :func:`predict` thresholds it; for K logits,
  :func:`class_probabilities` is the softmax, shape (n, K).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import torch
from torch import nn

from ._validation import (
    as_binary,
    as_features,
    as_vector,
    check_choice,
    check_positive_int,
    check_same_length,
    check_sample_weight,
    check_scalar,
)

# A per-example loss: (logits, labels) -> losses of shape (n,).
ExampleLoss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
ACTIVATIONS = {"relu": nn.ReLU, "leaky_relu": lambda: nn.LeakyReLU(0.2)}


@contextlib.contextmanager
def torch_seed(seed: int | None) -> Iterator[None]:
    """Seed torch's global generator inside a ``with`` block and restore its state after.

    ``seed=None`` seeds nothing: the block draws from the global generator as it is.
    """
    if seed is None:
        yield
        return
    seed = check_positive_int(seed, "seed", minimum=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def make_mlp(
    n_inputs: int,
    hidden: Sequence[int] = (),
    n_outputs: int = 1,
    *,
    activation: str = "relu",
    seed: int | None = None,
) -> nn.Sequential:
    """Linear layers n_inputs -> hidden[0] -> ... -> n_outputs, ``activation`` between them.

    ``hidden=()`` is a single linear layer (logistic regression with ``n_outputs`` logits).
    ``activation`` is ``"relu"`` or ``"leaky_relu"`` (slope 0.2, FR-Train's D_R). The layers are
    created in order from a generator seeded with ``seed`` (:func:`torch_seed`; ``None`` draws
    from torch's global generator, for a caller that seeds a larger block itself).
    """
    n_inputs = check_positive_int(n_inputs, "n_inputs")
    n_outputs = check_positive_int(n_outputs, "n_outputs")
    if not isinstance(hidden, (list, tuple)):
        raise TypeError(f"hidden must be a sequence of layer sizes such as (16,) or (), got {hidden!r}")
    activation = check_choice(activation, "activation", tuple(ACTIVATIONS))
    sizes = [n_inputs] + [check_positive_int(h, "hidden sizes") for h in hidden]
    layers: list[nn.Module] = []
    with torch_seed(seed):
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(fan_in, fan_out), ACTIVATIONS[activation]()]
        layers.append(nn.Linear(sizes[-1], n_outputs))
    return nn.Sequential(*layers)


class BinaryClassifier(nn.Module):
    """A torch module mapping (n, d) features to n logits, with P(y = 1 | x) = sigmoid(logit).

    ``model.predict_proba(X)`` and ``model.predict(X)`` are :func:`predict_proba` and
    :func:`predict`.
    """

    def predict_proba(self, X: Any) -> np.ndarray:
        """P(y = 1 | x) for each row of X, shape (n,)."""
        return predict_proba(self, X)

    def predict(self, X: Any, threshold: float = 0.5) -> np.ndarray:
        """Predictions 1[P(y = 1 | x) >= threshold] in {0, 1}, shape (n,)."""
        return predict(self, X, threshold)


class LogisticRegression(BinaryClassifier):
    """logit = w . x + b (``seed`` draws the initial w and b; ``None``: torch's global generator)."""

    def __init__(self, n_features: int, seed: int | None = 0) -> None:
        super().__init__()
        n_features = check_positive_int(n_features, "n_features")
        with torch_seed(seed):
            self.linear = nn.Linear(n_features, 1)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.linear(X).squeeze(-1)


class MLP(BinaryClassifier):
    """A binary classifier n_features -> hidden[0] -> ... -> 1 logit, ReLU in between (:func:`make_mlp`)."""

    def __init__(self, n_features: int, hidden: Sequence[int] = (32, 32), seed: int = 0) -> None:
        super().__init__()
        n_features = check_positive_int(n_features, "n_features")
        seed = check_positive_int(seed, "seed", minimum=0)
        self.net = make_mlp(n_features, hidden, 1, seed=seed)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.net(X).squeeze(-1)


@dataclass
class TrainingHistory:
    """Training loss (and, if asked, training accuracy) at every epoch of :func:`train_model`.

    Entry t is measured on the parameters *before* the t-th update (the loss that update
    descends), as in most training loops.
    """

    loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)


def _as_float_tensor(values: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(values, dtype=torch.float32)


def _n_inputs(model: nn.Module) -> int | None:
    for module in model.modules():
        if isinstance(module, nn.Linear):
            return module.in_features
    return None


def _features_for(model: nn.Module, X: Any) -> torch.Tensor:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    features = as_features(X, "X")
    expected = _n_inputs(model)
    if expected is not None and features.shape[1] != expected:
        raise ValueError(f"X has {features.shape[1]} columns but the model expects {expected}")
    return _as_float_tensor(features)


def _n_logits(model: nn.Module, features: torch.Tensor) -> int:
    """How many logits the model outputs per example: 1 for a binary classifier (shape (n,))."""
    with torch.no_grad():
        out = model(features[:1])
    return 1 if out.ndim == 1 else int(out.shape[-1])


def _targets(y: Any, n_logits: int) -> torch.Tensor:
    """Binary labels as floats (one logit), or class indices < n_logits as longs (K logits)."""
    if n_logits == 1:
        return _as_float_tensor(as_binary(y, "y"))
    labels = as_vector(y, "y")
    if (labels != np.round(labels)).any() or (labels < 0).any():
        raise ValueError("y must contain class indices 0, 1, 2, ...")
    if labels.max() >= n_logits:
        raise ValueError(f"y holds class {labels.max():g} but the model outputs only {n_logits} logits")
    return torch.as_tensor(labels.astype(np.int64))


def binary_cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The per-example BCE(sigmoid(logit), y) of a one-logit classifier."""
    return nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none")


def cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The per-example cross-entropy -log softmax(logits)[y] of a K-logit classifier."""
    return nn.functional.cross_entropy(logits, y, reduction="none")


def train_model(
    model: nn.Module,
    X: Any,
    y: Any,
    *,
    loss: ExampleLoss | None = None,
    sample_weight: Any = None,
    epochs: int = 500,
    lr: float = 0.05,
    optimizer: str = "adam",
    weight_decay: float = 0.0,
    seed: int = 0,
    track_accuracy: bool = False,
    on_epoch: Callable[[int, nn.Module], None] | None = None,
) -> TrainingHistory:
    """Train a classifier in place by full-batch gradient descent: the course's training loop.

    Minimises the weighted mean of a per-example loss

        L(theta) = sum_i w_i * loss(f_theta(x_i), y_i) / sum_i w_i

    (all w_i = 1 without ``sample_weight``) with Adam or plain SGD, one step per epoch on the
    whole training set. The default loss is the binary cross-entropy BCE(sigmoid(f(x)), y) for a
    model with one logit (labels in {0, 1}) and the cross-entropy -log softmax(f(x))[y] for a
    model with K logits (labels are class indices 0 .. K-1).

    Parameters
    ----------
    model : torch.nn.Module
        Maps an (n, d) float tensor to n logits (:class:`LogisticRegression`, :class:`MLP`) or to
        (n, K) logits (:func:`make_mlp` with K outputs).
    X : array of shape (n, d)
    y : array of shape (n,): {0, 1} for one logit, class indices for K logits
    loss : callable, optional
        ``loss(logits, y)`` -> per-example losses; the noise-aware losses of lesson 03
        (:mod:`frlib.robust.transition`, :mod:`frlib.robust.losses`) plug in here.
    sample_weight : array of shape (n,), optional
        Non-negative per-example weights, not all zero.
    epochs : int, default 500
    lr : float, default 0.05
    optimizer : {"adam", "sgd"}
    weight_decay : float, default 0
        L2 penalty passed to the optimizer.
    seed : int
        Seeds anything random during training (nothing is, for full-batch training of a
        fixed model; dropout layers would be).
    track_accuracy : bool
        Also record the training accuracy at every epoch.
    on_epoch : callable, optional
        Called as ``on_epoch(epoch, model)`` after every step (for learning curves).

    Returns
    -------
    TrainingHistory
    """
    features = _features_for(model, X)
    n_logits = _n_logits(model, features)
    targets = _targets(y, n_logits)
    check_same_length(X=features, y=targets)
    weights = check_sample_weight(sample_weight, len(targets))
    epochs = check_positive_int(epochs, "epochs")
    optimizer = check_choice(optimizer, "optimizer", ("adam", "sgd"))
    lr = check_scalar(lr, "lr", min_val=0, include_boundaries="neither")
    weight_decay = check_scalar(weight_decay, "weight_decay", min_val=0)
    if loss is None:
        loss = binary_cross_entropy if n_logits == 1 else cross_entropy

    w = _as_float_tensor(weights / weights.sum())
    make = torch.optim.Adam if optimizer == "adam" else torch.optim.SGD
    opt = make(model.parameters(), lr=lr, weight_decay=weight_decay)
    history = TrainingHistory()
    model.train()
    with torch_seed(seed):
        for epoch in range(epochs):
            opt.zero_grad()
            logits = model(features)
            value = (loss(logits, targets) * w).sum()
            value.backward()
            opt.step()
            history.loss.append(float(value.detach()))
            if track_accuracy:
                with torch.no_grad():
                    predicted = (logits > 0).float() if n_logits == 1 else logits.argmax(1)
                    correct = (predicted == targets).float().mean()
                history.train_accuracy.append(float(correct))
            if on_epoch is not None:
                on_epoch(epoch, model)
    model.eval()
    return history


def predict_proba(model: nn.Module, X: Any) -> np.ndarray:
    """P(y = 1 | x) = sigmoid(logit) of a binary (one-logit) classifier for each row of X, shape (n,)."""
    features = _features_for(model, X)
    model.eval()
    with torch.no_grad():
        return torch.sigmoid(model(features)).numpy().astype(float)


def predict(model: nn.Module, X: Any, threshold: float = 0.5) -> np.ndarray:
    """Binary predictions 1[P(y=1 | x) >= threshold], as an int NumPy array of shape (n,)."""
    threshold = check_scalar(threshold, "threshold", min_val=0, max_val=1)
    return (predict_proba(model, X) >= threshold).astype(np.int64)


def class_probabilities(model: nn.Module, X: Any) -> np.ndarray:
    """Class probabilities softmax(logits) of a K-logit classifier for each row of X, shape (n, K)."""
    features = _features_for(model, X)
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(features), dim=1).numpy().astype(float)


def linear_weights(model: LogisticRegression) -> tuple[np.ndarray, float]:
    """``(w, b)`` of a trained :class:`LogisticRegression` as NumPy, for plots and closed forms."""
    if not isinstance(model, LogisticRegression):
        raise TypeError(f"model must be a frlib.models.LogisticRegression, got {type(model).__name__}")
    weight = model.linear.weight.detach().numpy().ravel().astype(float)
    return weight, float(model.linear.bias.detach()[0])


def fit_logistic_regression(
    X: Any,
    y: Any,
    *,
    sample_weight: Any = None,
    epochs: int = 1000,
    lr: float = 0.05,
    seed: int = 0,
) -> LogisticRegression:
    """Train a :class:`LogisticRegression` on (X, y) and return it (the course's "LR" baseline)."""
    features = as_features(X, "X")
    model = LogisticRegression(features.shape[1], seed=seed)
    train_model(model, features, y, sample_weight=sample_weight, epochs=epochs, lr=lr, seed=seed)
    return model
