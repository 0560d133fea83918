"""Noise-robust losses: bootstrapping and generalized cross entropy (lesson 03, section 4).

Neither needs the transition matrix; both change what the network is asked to fit.

* :func:`bootstrap_loss` (Reed et al. 2015, "Training deep neural networks on noisy labels
  with bootstrapping", section 3): the target is a mix of the given label and the network's
  own prediction, so a confident network can overrule a label it disagrees with.
* :func:`gce_loss` (Zhang & Sabuncu 2018, "Generalized cross entropy loss for training deep
  neural networks with noisy labels", section 3): L_q = (1 - p_y^q) / q, between the
  cross-entropy (q -> 0) and the noise-tolerant mean absolute error (q = 1). Its gradient
  weights each example by p_y^q, so examples the network finds unlikely (often the noisy
  ones) count less.
"""

from __future__ import annotations

from typing import Any

import torch

from .._validation import check_choice, check_scalar
from ..models import ExampleLoss, train_model
from ._common import RobustFit, TrainConfig, check_training_data, digits_config, make_network

BOOTSTRAP_KINDS = ("hard", "soft")


def bootstrap_loss(beta: float = 0.8, kind: str = "hard") -> ExampleLoss:
    """Bootstrapping (Reed et al. 2015): cross-entropy against beta * label + (1 - beta) * prediction.

    loss_i = -sum_k (beta [y_i = k] + (1 - beta) q_ik) log p_ik, where p_i is the softmax and
    q_i the network's own belief: the one-hot argmax of p_i ("hard", beta = 0.8 in the paper)
    or p_i itself ("soft", beta = 0.95). q_i is treated as a constant target (no gradient).
    """
    beta = check_scalar(beta, "beta", min_val=0, max_val=1, include_boundaries="right")
    kind = check_choice(kind, "kind", BOOTSTRAP_KINDS)

    def loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        log_p = torch.log_softmax(logits, dim=1)
        with torch.no_grad():
            belief = log_p.exp()
            if kind == "hard":
                belief = torch.nn.functional.one_hot(belief.argmax(dim=1), logits.shape[1]).float()
        target = beta * torch.nn.functional.one_hot(y, logits.shape[1]).float() + (1 - beta) * belief
        return -(target * log_p).sum(dim=1)

    return loss


def gce_loss(q: float = 0.7) -> ExampleLoss:
    """Generalized cross entropy (Zhang & Sabuncu 2018): L_q(p, y) = (1 - p_y^q) / q.

    q -> 0 gives the cross-entropy -log p_y; q = 1 gives 1 - p_y, the mean absolute error
    (up to a factor 2), which is robust to symmetric noise but slow to train. The paper uses
    q = 0.7.
    """
    q = check_scalar(q, "q", min_val=0, max_val=1, include_boundaries="right")

    def loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        p_y = torch.softmax(logits, dim=1).gather(1, y.unsqueeze(1)).squeeze(1)
        return (1 - p_y.clamp_min(1e-12) ** q) / q

    return loss


def _fit_with_loss(method: str, loss: ExampleLoss, X: Any, y: Any, n_classes: int | None,
                   config: TrainConfig | None, seed: int) -> RobustFit:
    X, y, n_classes = check_training_data(X, y, n_classes)
    config = config or digits_config()
    model = make_network(X.shape[1], n_classes, config.hidden, seed=seed)
    losses = train_model(model, X, y, loss=loss, epochs=config.epochs, lr=config.lr,
                         weight_decay=config.weight_decay).loss
    return RobustFit(method, model, history={"loss": losses})


def fit_bootstrap(
    X: Any,
    y: Any,
    *,
    beta: float = 0.8,
    kind: str = "hard",
    n_classes: int | None = None,
    config: TrainConfig | None = None,
    seed: int = 0,
) -> RobustFit:
    """Train with :func:`bootstrap_loss` on the noisy labels."""
    return _fit_with_loss(f"bootstrap ({kind})", bootstrap_loss(beta, kind), X, y, n_classes, config, seed)


def fit_gce(
    X: Any,
    y: Any,
    *,
    q: float = 0.7,
    n_classes: int | None = None,
    config: TrainConfig | None = None,
    seed: int = 0,
) -> RobustFit:
    """Train with :func:`gce_loss` on the noisy labels."""
    return _fit_with_loss("GCE", gce_loss(q), X, y, n_classes, config, seed)
