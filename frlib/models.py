"""Small PyTorch classifiers and a seeded full-batch training loop.

Binary classifiers output one logit per example; P(y=1 | x) = sigmoid(logit).

* :class:`LogisticRegression`: one linear layer (the FR-Train paper's classifier on the
  synthetic data).
* :class:`MLP`: a small multi-layer perceptron with ReLU activations.
* :func:`train_model`: full-batch training of the (optionally per-example weighted)
  cross-entropy with Adam or SGD, seeded.
* :func:`predict_proba`, :func:`predict`.
"""

from __future__ import annotations

import contextlib
import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import numpy as np
import torch
from torch import nn

from ._validation import (
    as_binary,
    as_features,
    check_choice,
    check_positive_int,
    check_same_length,
    check_sample_weight,
)


@contextlib.contextmanager
def torch_seed(seed: int) -> Iterator[None]:
    """Seed torch's global generator inside a ``with`` block and restore its state after."""
    seed = check_positive_int(seed, "seed", minimum=0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


class LogisticRegression(nn.Module):
    """logit = w . x + b."""

    def __init__(self, n_features: int, seed: int = 0) -> None:
        super().__init__()
        n_features = check_positive_int(n_features, "n_features")
        with torch_seed(seed):
            self.linear = nn.Linear(n_features, 1)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        return self.linear(X).squeeze(-1)


class MLP(nn.Module):
    """A multi-layer perceptron n_features -> hidden[0] -> ... -> 1 with ReLU activations."""

    def __init__(self, n_features: int, hidden: Sequence[int] = (32, 32), seed: int = 0) -> None:
        super().__init__()
        n_features = check_positive_int(n_features, "n_features")
        if not isinstance(hidden, (list, tuple)):
            raise TypeError(f"hidden must be a sequence of layer sizes such as (16,), got {hidden!r}")
        sizes = [n_features] + [check_positive_int(h, "hidden sizes") for h in hidden]
        layers: list[nn.Module] = []
        with torch_seed(seed):
            for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
                layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
            layers.append(nn.Linear(sizes[-1], 1))
        self.net = nn.Sequential(*layers)

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


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


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


def train_model(
    model: nn.Module,
    X: Any,
    y: Any,
    *,
    sample_weight: Any = None,
    epochs: int = 500,
    lr: float = 0.05,
    optimizer: str = "adam",
    weight_decay: float = 0.0,
    seed: int = 0,
    track_accuracy: bool = False,
) -> TrainingHistory:
    """Train a binary classifier in place by full-batch gradient descent.

    Minimises the weighted cross-entropy

        L(theta) = sum_i w_i * BCE(sigmoid(f_theta(x_i)), y_i) / sum_i w_i

    (all w_i = 1 without ``sample_weight``) with Adam or plain SGD, one step per epoch on
    the whole training set.

    Parameters
    ----------
    model : torch.nn.Module
        Maps an (n, d) float tensor to n logits (:class:`LogisticRegression`, :class:`MLP`).
    X : array of shape (n, d)
    y : array of {0, 1}, shape (n,)
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
        Also record the training accuracy after every epoch.

    Returns
    -------
    TrainingHistory
    """
    features = _features_for(model, X)
    labels = as_binary(y, "y")
    check_same_length(X=features, y=labels)
    weights = check_sample_weight(sample_weight, len(labels))
    epochs = check_positive_int(epochs, "epochs")
    optimizer = check_choice(optimizer, "optimizer", ("adam", "sgd"))
    if not _is_real(lr) or not (0 < lr < math.inf):
        raise ValueError(f"lr must be a positive finite number, got {lr!r}")
    if not _is_real(weight_decay) or not (0 <= weight_decay < math.inf):
        raise ValueError(f"weight_decay must be a non-negative finite number, got {weight_decay!r}")

    targets = _as_float_tensor(labels)
    w = _as_float_tensor(weights / weights.sum())
    make = torch.optim.Adam if optimizer == "adam" else torch.optim.SGD
    opt = make(model.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = nn.BCEWithLogitsLoss(reduction="none")
    history = TrainingHistory()
    model.train()
    with torch_seed(seed):
        for _ in range(epochs):
            opt.zero_grad()
            logits = model(features)
            loss = (loss_fn(logits, targets) * w).sum()
            loss.backward()
            opt.step()
            history.loss.append(float(loss.detach()))
            if track_accuracy:
                with torch.no_grad():
                    correct = ((logits > 0).float() == targets).float().mean()
                history.train_accuracy.append(float(correct))
    model.eval()
    return history


def predict_proba(model: nn.Module, X: Any) -> np.ndarray:
    """P(y = 1 | x) for each row of X, as a NumPy array of shape (n,)."""
    features = _features_for(model, X)
    model.eval()
    with torch.no_grad():
        return torch.sigmoid(model(features)).numpy().astype(float)


def predict(model: nn.Module, X: Any, threshold: float = 0.5) -> np.ndarray:
    """Binary predictions 1[P(y=1 | x) >= threshold], as an int NumPy array of shape (n,)."""
    if not _is_real(threshold) or not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be a number in [0, 1], got {threshold!r}")
    return (predict_proba(model, X) >= threshold).astype(np.int64)


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
