"""What the defences of lesson 03 share (robust training, Part I): networks, training, results.

* :func:`make_network`, the softmax classifier of every method (linear, or an MLP), trained
  by the course's one loop :func:`frlib.models.train_model` with any per-example loss
  (:data:`frlib.models.ExampleLoss`; the cross-entropy by default);
* :class:`TrainConfig`, how every method trains, with the lesson's two settings
  :func:`digits_config` and :func:`synthetic_config`;
* :class:`RobustFit`, what every method returns, and :func:`fit_plain`, plain training on the
  noisy labels (the baseline every defence must beat);
* :func:`detection_scores`: precision and recall of "which labels are noisy".

Labels are class indices 0 .. K-1 everywhere (binary labels are the case K = 2), and every
classifier outputs K logits. The facade :mod:`frlib.robust` re-exports the public names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
from torch import nn

from .._validation import (
    as_features,
    as_labels,
    as_vector,
    check_positive_int,
    check_same_length,
    check_scalar,
    to_numpy,
)
from ..config import budget
from ..models import class_probabilities, make_mlp, train_model


# --- networks and training ------------------------------------------------------------------------


def make_network(n_features: int, n_classes: int, hidden: Sequence[int] = (), seed: int = 0) -> nn.Sequential:
    """The classifier of lesson 03: n_features -> hidden[0] -> ... -> n_classes logits, ReLU in
    between (:func:`frlib.models.make_mlp` with one output per class, read through a softmax).

    ``hidden=()`` gives multinomial logistic regression (one linear layer); with two classes
    it is the paper's logistic regression written with two logits.
    """
    n_features = check_positive_int(n_features, "n_features")
    n_classes = check_positive_int(n_classes, "n_classes", minimum=2)
    return make_mlp(n_features, hidden, n_classes, seed=seed)


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
        check_scalar(self.lr, "lr", min_val=0, include_boundaries="neither")
        check_scalar(self.weight_decay, "weight_decay", min_val=0)


def digits_config() -> TrainConfig:
    """The lesson's MLP on the digits: 64 -> 128 -> 128 -> 10, full batch, Adam.

    Full setting: 300 epochs at step size 3e-3; quick setting: 150 epochs at 6e-3, which
    follows about the same path in half the steps (it memorises the noise as well).
    """
    return TrainConfig(hidden=(128, 128), epochs=budget(full=300, quick=150), lr=budget(full=3e-3, quick=6e-3))


def synthetic_config() -> TrainConfig:
    """Logistic regression on the synthetic data, as :func:`frlib.methods.train_lr` trains it."""
    return TrainConfig(hidden=(), epochs=budget(full=1000, quick=300), lr=0.05)


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


def predict_labels(model: nn.Module, X: Any) -> np.ndarray:
    """The most probable class of each row of X, an int array of shape (n,)."""
    return class_probabilities(model, X).argmax(axis=1).astype(np.int64)


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

    def class_probabilities(self, X: Any) -> np.ndarray:
        """Class probabilities for the rows of X, shape (n, K) (:func:`frlib.models.class_probabilities`)."""
        return class_probabilities(self.model, X)

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
    losses = train_model(model, X, y, epochs=config.epochs, lr=config.lr, weight_decay=config.weight_decay).loss
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
        :func:`frlib.robust.add_label_noise` / :func:`frlib.poison.flip_with_transition`.

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
