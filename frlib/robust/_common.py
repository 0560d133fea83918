"""What the defences of lesson 03 share (robust training, Part I): networks, training, results.

* :func:`make_network` (a softmax classifier: linear, or an MLP) and :func:`train_network`,
  full-batch training of any per-example loss;
* :class:`TrainConfig`, how every method trains, with the lesson's two settings
  :func:`digits_config` and :func:`synthetic_config`;
* :class:`RobustFit`, what every method returns, and :func:`fit_plain`, plain training on the
  noisy labels (the baseline every defence must beat);
* :func:`detection_scores`: precision and recall of "which labels are noisy".

Labels are class indices 0 .. K-1 everywhere (binary labels are the case K = 2), and every
classifier outputs K logits. The facade :mod:`frlib.robust` re-exports the public names.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import nn

from .._validation import (
    as_features,
    as_labels,
    as_vector,
    check_positive_int,
    check_same_length,
    check_sample_weight,
    to_numpy,
)
from ..config import budget
from ..models import torch_seed

# A per-example loss: (logits of shape (n, K), labels of shape (n,)) -> losses of shape (n,).
ExampleLoss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


# --- networks and training ------------------------------------------------------------------------


def make_network(n_features: int, n_classes: int, hidden: Sequence[int] = (), seed: int = 0) -> nn.Sequential:
    """A softmax classifier n_features -> hidden[0] -> ... -> n_classes logits, ReLU in between.

    ``hidden=()`` gives multinomial logistic regression (one linear layer); with two classes
    it is the paper's logistic regression written with two logits.
    """
    n_features = check_positive_int(n_features, "n_features")
    n_classes = check_positive_int(n_classes, "n_classes", minimum=2)
    if not isinstance(hidden, (list, tuple)):
        raise TypeError(f"hidden must be a sequence of layer sizes such as (128, 128), got {hidden!r}")
    sizes = [n_features] + [check_positive_int(h, "hidden sizes") for h in hidden]
    layers: list[nn.Module] = []
    with torch_seed(seed):
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(fan_in, fan_out), nn.ReLU()]
        layers.append(nn.Linear(sizes[-1], n_classes))
    return nn.Sequential(*layers)


@dataclass(frozen=True)
class TrainConfig:
    """How every method of lesson 03 trains its network(s): architecture and optimiser budget.

    Full-batch Adam, ``epochs`` steps. The defaults are the lesson's over-parameterised MLP on
    the digits, trained long enough to memorise noisy labels.
    """

    hidden: tuple[int, ...] = (128, 128)
    epochs: int = 300
    lr: float = 3e-3
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.hidden, (list, tuple)):
            raise TypeError(f"hidden must be a sequence of layer sizes, got {self.hidden!r}")
        object.__setattr__(self, "hidden", tuple(check_positive_int(h, "hidden sizes") for h in self.hidden))
        check_positive_int(self.epochs, "epochs")
        _check_positive_number(self.lr, "lr")
        _check_positive_number(self.weight_decay, "weight_decay", allow_zero=True)


def digits_config() -> TrainConfig:
    """The lesson's MLP on the digits: 64 -> 128 -> 128 -> 10, full batch, Adam.

    Full setting: 300 epochs at step size 3e-3; quick setting: 150 epochs at 6e-3, which
    follows about the same path in half the steps (it memorises the noise as well).
    """
    return TrainConfig(hidden=(128, 128), epochs=budget(full=300, quick=150), lr=budget(full=3e-3, quick=6e-3))


def synthetic_config() -> TrainConfig:
    """Logistic regression on the synthetic data, as :func:`frlib.methods.train_lr` trains it."""
    return TrainConfig(hidden=(), epochs=budget(full=1000, quick=300), lr=0.05)


def _check_positive_number(value: Any, name: str, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'non-negative' if allow_zero else 'positive'}, got {value!r}")
    return float(value)


def infer_n_classes(y: np.ndarray, n_classes: int | None) -> int:
    """``n_classes`` if given (checked), else max(y) + 1 (at least 2)."""
    if n_classes is None:
        return max(2, int(np.max(y)) + 1)
    return check_positive_int(n_classes, "n_classes", minimum=2)


def check_training_data(X: Any, y: Any, n_classes: int | None, prefix: str = "") -> tuple[np.ndarray, np.ndarray, int]:
    """Features, class-index labels and the number of classes, checked at the boundary."""
    features = as_features(X, f"X{prefix}")
    labels = as_vector(y, f"y{prefix}")
    n_classes = infer_n_classes(labels, n_classes)
    labels = as_labels(labels, f"y{prefix}", n_classes)
    check_same_length(**{f"X{prefix}": features, f"y{prefix}": labels})
    return features, labels, n_classes


def cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The per-example cross-entropy -log softmax(logits)[y]."""
    return nn.functional.cross_entropy(logits, y, reduction="none")


def train_network(
    model: nn.Module,
    X: Any,
    y: Any,
    *,
    loss: ExampleLoss = cross_entropy,
    sample_weight: Any = None,
    epochs: int = 300,
    lr: float = 3e-3,
    weight_decay: float = 0.0,
    on_epoch: Callable[[int, nn.Module], None] | None = None,
) -> list[float]:
    """Train ``model`` in place: full-batch Adam on the (weighted) mean of a per-example loss.

    L(theta) = sum_i w_i loss(f_theta(x_i), y_i) / sum_i w_i, all w_i = 1 by default.

    Parameters
    ----------
    model : torch.nn.Module
        Maps an (n, d) float tensor to (n, K) logits.
    X : array of shape (n, d)
    y : array of class indices, shape (n,)
    loss : callable
        ``loss(logits, y)`` -> per-example losses (default: cross-entropy). The noise-aware
        losses of :mod:`frlib.robust.transition` and :mod:`frlib.robust.losses` plug in here.
    sample_weight : array of shape (n,), optional
        Non-negative weights, not all zero.
    epochs, lr, weight_decay
        Number of full-batch steps, Adam's step size and L2 penalty.
    on_epoch : callable, optional
        Called as ``on_epoch(epoch, model)`` after every step (for learning curves).

    Returns
    -------
    list of float
        The training loss before each step.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    features = as_features(X, "X")
    labels = as_vector(y, "y")
    if (labels != np.round(labels)).any() or (labels < 0).any():
        raise ValueError("y must contain class indices 0, 1, 2, ...")
    check_same_length(X=features, y=labels)
    weights = check_sample_weight(sample_weight, len(labels))
    epochs = check_positive_int(epochs, "epochs")
    lr = _check_positive_number(lr, "lr")
    weight_decay = _check_positive_number(weight_decay, "weight_decay", allow_zero=True)
    inputs = torch.as_tensor(features, dtype=torch.float32)
    targets = torch.as_tensor(labels.astype(np.int64))
    w = torch.as_tensor(weights / weights.sum(), dtype=torch.float32)
    with torch.no_grad():
        width = model(inputs[:1]).shape[-1]
    if labels.max() >= width:
        raise ValueError(f"y holds class {labels.max():g} but the model outputs only {width} logits")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    losses = []
    model.train()
    for epoch in range(epochs):
        optimizer.zero_grad()
        value = (loss(model(inputs), targets) * w).sum()
        value.backward()
        optimizer.step()
        losses.append(float(value.detach()))
        if on_epoch is not None:
            on_epoch(epoch, model)
    model.eval()
    return losses


def predict_proba(model: nn.Module, X: Any) -> np.ndarray:
    """Class probabilities softmax(f(x)) for each row of X, shape (n, K)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    inputs = torch.as_tensor(as_features(X, "X"), dtype=torch.float32)
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(inputs), dim=1).numpy().astype(float)


def predict_labels(model: nn.Module, X: Any) -> np.ndarray:
    """The most probable class of each row of X, an int array of shape (n,)."""
    return predict_proba(model, X).argmax(axis=1).astype(np.int64)


# --- what every method returns ---------------------------------------------------------------------


@dataclass
class RobustFit:
    """A classifier trained on noisy labels, with what the method learned about the examples.

    Attributes
    ----------
    method : str
    model : torch.nn.Module
        The classifier (for the noise adaptation layer: the base network, without the layer).
    weights : ndarray of shape (n,), optional
        Per-example weights the method gave the training examples (reweighting methods),
        scaled to mean 1.
    kept : ndarray of bool, shape (n,), optional
        Selection methods: the examples trained on with their given label at the end (RML: those
        weighted at least half as much as the average).
    labels : ndarray of int, shape (n,), optional
        Label correction: the training labels after correction.
    transition : ndarray of shape (K, K), optional
        The transition matrix the method used or learned.
    history : dict of lists
        Per-epoch diagnostics (training loss, fraction kept, ...).
    """

    method: str
    model: nn.Module
    weights: np.ndarray | None = None
    kept: np.ndarray | None = None
    labels: np.ndarray | None = None
    transition: np.ndarray | None = None
    history: dict[str, list[float]] = field(default_factory=dict)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted classes for the rows of X."""
        return predict_labels(self.model, X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities for the rows of X."""
        return predict_proba(self.model, X)

    def flagged(self) -> np.ndarray | None:
        """The training examples the method treats as noisy (None if it does not select).

        Selection methods flag what they do not keep with its given label (Co-teaching: the
        large-loss examples; SELFIE: those too, including the relabelled ones); RML flags the
        examples it weighted less than half as much as the average example.
        """
        if self.kept is not None:
            return ~self.kept
        return None


def fit_plain(
    X: Any, y: Any, *, n_classes: int | None = None, config: TrainConfig | None = None, seed: int = 0
) -> RobustFit:
    """Plain training: the cross-entropy on the noisy labels, nothing else (the baseline)."""
    X, y, n_classes = check_training_data(X, y, n_classes)
    config = config or digits_config()
    model = make_network(X.shape[1], n_classes, config.hidden, seed=seed)
    losses = train_network(model, X, y, epochs=config.epochs, lr=config.lr, weight_decay=config.weight_decay)
    return RobustFit("plain", model, history={"loss": losses})


# --- the memorisation effect -------------------------------------------------------------------------


# --- detecting the noisy labels -------------------------------------------------------------------


def detection_scores(flagged: Any, noisy: Any) -> dict[str, float]:
    """Precision and recall of a method's guess of which training labels are noisy.

    precision = |flagged and truly noisy| / |flagged|, recall = |flagged and truly noisy| /
    |truly noisy| (NaN when the denominator is zero).

    Parameters
    ----------
    flagged : array of bool, shape (n,)
        The examples the method treats as noisy (:meth:`RobustFit.flagged`).
    noisy : array of bool of shape (n,), or of int positions
        The truly flipped examples: a boolean mask, or the positions returned by
        :func:`add_label_noise` / :func:`frlib.poison.flip_with_transition`.

    Returns
    -------
    dict
        ``precision``, ``recall`` and ``flagged`` (how many examples were flagged).
    """
    flagged = to_numpy(flagged, "flagged")
    if flagged.dtype != bool or flagged.ndim != 1:
        raise TypeError(f"flagged must be a one-dimensional boolean mask, got {flagged.dtype} of shape {flagged.shape}")
    truth = to_numpy(noisy, "noisy")
    if truth.ndim != 1:
        raise ValueError(f"noisy must be one-dimensional, got shape {truth.shape}")
    if truth.dtype == bool:
        check_same_length(flagged=flagged, noisy=truth)
    elif truth.size == 0 or np.issubdtype(truth.dtype, np.integer):
        if truth.size and (truth.min() < 0 or truth.max() >= len(flagged)):
            raise ValueError(f"noisy holds positions outside [0, {len(flagged)})")
        mask = np.zeros(len(flagged), dtype=bool)
        mask[truth.astype(np.int64)] = True
        truth = mask
    else:
        raise TypeError(f"noisy must be a boolean mask or integer positions, got {truth.dtype}")
    hits = int(np.sum(flagged & truth))
    return {
        "precision": hits / int(flagged.sum()) if flagged.any() else float("nan"),
        "recall": hits / int(truth.sum()) if truth.any() else float("nan"),
        "flagged": int(flagged.sum()),
    }
