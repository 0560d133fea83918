"""RML: learning to reweight examples against a clean validation set (lesson 03, section 7).

The FR-Train paper (Roh et al. 2020, section 5) compares with "RML", a robust-only method that,
like FR-Train, uses a small clean validation set; the tutorial slides group it with "data
sanitization using a clean validation set". The course reads it as *learning to reweight
examples* (Ren, Zeng, Yang & Urtasun 2018, "Learning to reweight examples for robust deep
learning", section 3). At every training step:

1. perturb the training loss with a weight eps_i per example,
   L(theta, eps) = sum_i eps_i l_i(theta), and take one virtual gradient step
   theta'(eps) = theta - alpha grad_theta L(theta, eps);
2. measure the loss on the clean validation set at theta'(eps) and its gradient with respect
   to eps at eps = 0; by the chain rule it is
   d L_val(theta'(eps)) / d eps_i = -alpha grad L_val(theta) . grad l_i(theta);
3. weight w_i = max(0, -d L_val / d eps_i), normalised to sum to 1 (all zero if none is
   positive), and take the real step on sum_i w_i l_i(theta).

So an example counts in proportion to how well its gradient agrees with the clean validation
gradient, and not at all when a step on it would *raise* the validation loss, which is what a
flipped label does. :func:`rml_example_weights` computes step 2 literally, with a look-ahead
through the virtual step (double back-propagation); :func:`fit_rml` trains with it (the
table's method ``"RML"`` is :func:`frlib.methods.train_rml`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn
from torch.func import functional_call

from ..models import cross_entropy
from ._common import RobustFit, TrainConfig, check_training_data, make_network, synthetic_config

# RML "keeps" an example whose weight, averaged over training and scaled to mean 1, is at least this.
KEEP_ABOVE = 0.5


def check_validation_labels(y_val: np.ndarray, name: str = "y_val") -> None:
    """The clean validation set must show at least two classes, or it cannot tell them apart."""
    classes = np.unique(y_val)
    if len(classes) < 2:
        raise ValueError(
            f"{name} holds a single class ({int(classes[0])}); the clean validation set needs at "
            "least two classes to say which training labels are right"
        )


def _check_batch(X: Any, y: Any, x_name: str, y_name: str) -> None:
    if not isinstance(X, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise TypeError(f"{x_name} and {y_name} must be torch tensors (float features, long labels)")
    if X.ndim != 2 or not X.is_floating_point():
        raise ValueError(f"{x_name} must be a 2-D float tensor, got {X.dtype} of shape {tuple(X.shape)}")
    if y.ndim != 1 or y.dtype != torch.long or len(y) != len(X):
        raise ValueError(f"{y_name} must be a 1-D long tensor with one label per row of {x_name}, "
                         f"got {y.dtype} of shape {tuple(y.shape)}")


def rml_example_weights(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    X_val: torch.Tensor,
    y_val: torch.Tensor,
    *,
    step_size: float = 1.0,
) -> torch.Tensor:
    """The example weights of one step of learning to reweight (Ren et al. 2018, Algorithm 1).

    Takes the virtual step theta' = theta - step_size * grad_theta sum_i eps_i l_i(theta) at
    eps = 0, evaluates the mean validation cross-entropy at theta', and returns
    w_i = max(0, -dL_val/d eps_i) / sum_j max(0, -dL_val/d eps_j) (zeros when no weight is
    positive). ``step_size`` (alpha) scales every gradient alike, so it does not change the
    normalised weights.

    Parameters
    ----------
    model : torch.nn.Module mapping (n, d) inputs to (n, K) logits
    X, y : float tensor (n, d) and long tensor (n,): a batch of training examples
    X_val, y_val : the clean validation set, as tensors

    Returns
    -------
    torch.Tensor of shape (n,), detached, non-negative, summing to 1 or to 0.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    _check_batch(X, y, "X", "y")
    _check_batch(X_val, y_val, "X_val", "y_val")
    if X.shape[1] != X_val.shape[1]:
        raise ValueError(f"X_val has {X_val.shape[1]} columns, X has {X.shape[1]}")
    params = {name: p for name, p in model.named_parameters()}
    eps = torch.zeros(len(y), requires_grad=True)
    train_losses = cross_entropy(functional_call(model, params, (X,)), y)
    grads = torch.autograd.grad((eps * train_losses).sum(), list(params.values()), create_graph=True)
    looked_ahead = {name: p - step_size * g for (name, p), g in zip(params.items(), grads)}
    val_loss = cross_entropy(functional_call(model, looked_ahead, (X_val,)), y_val).mean()
    (eps_grad,) = torch.autograd.grad(val_loss, eps)
    weights = torch.clamp(-eps_grad.detach(), min=0.0)
    total = weights.sum()
    return weights / total if total > 0 else weights


def fit_rml(
    X: Any,
    y: Any,
    X_val: Any,
    y_val: Any,
    *,
    n_classes: int | None = None,
    config: TrainConfig | None = None,
    seed: int = 0,
) -> RobustFit:
    """Train a network with learning to reweight against the clean set (X_val, y_val).

    Full batch: at every epoch, :func:`rml_example_weights` on the whole training set, then
    one Adam step on the weighted loss sum_i w_i l_i. An epoch whose weights are all zero (no
    example agrees with the validation gradient) takes no step.

    Parameters
    ----------
    X, y : training features and (possibly noisy) class-index labels
    X_val, y_val : the clean validation set; it must hold at least two classes
    n_classes : int, optional (default: inferred from y)
    config : TrainConfig, optional
        Network and budget; default :func:`frlib.robust.synthetic_config`, the paper's logistic
        regression (lesson 03 passes :func:`frlib.robust.digits_config` for the digits).
    seed : int

    Returns
    -------
    RobustFit
        ``weights``: each example's weight averaged over the epochs, scaled to mean 1;
        ``kept``: the examples whose averaged weight is at least :data:`KEEP_ABOVE` (half the
        mean), so the flagged ones are those RML weighted less than half as much as the average;
        ``history["zero_weight"]``: per epoch, the share of examples with weight 0.
    """
    X, y, n_classes = check_training_data(X, y, n_classes)
    X_val, y_val, _ = check_training_data(X_val, y_val, n_classes, prefix="_val")
    if X_val.shape[1] != X.shape[1]:
        raise ValueError(f"X_val has {X_val.shape[1]} columns, X has {X.shape[1]}")
    check_validation_labels(y_val)
    config = config or synthetic_config()
    model = make_network(X.shape[1], n_classes, config.hidden, seed=seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    inputs, targets = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y)
    val_inputs, val_targets = torch.as_tensor(X_val, dtype=torch.float32), torch.as_tensor(y_val)
    total_weight = torch.zeros(len(y))
    zero_share, losses = [], []
    model.train()
    for _ in range(config.epochs):
        weights = rml_example_weights(model, inputs, targets, val_inputs, val_targets)
        total_weight += weights
        zero_share.append(float((weights == 0).float().mean()))
        optimizer.zero_grad()
        loss = (weights * cross_entropy(model(inputs), targets)).sum()
        losses.append(float(loss.detach()))
        if weights.sum() > 0:
            loss.backward()
            optimizer.step()
    model.eval()
    average = total_weight.numpy().astype(float)
    if average.sum() > 0:
        average = average / average.mean()
    return RobustFit("RML", model, weights=average, kept=average >= KEEP_ABOVE,
                     history={"loss": losses, "zero_weight": zero_share})
