"""AD: adversarial debiasing (Zhang, Lemoine and Mitchell 2018), lesson 04, section 5.

Zhang, Lemoine and Mitchell (AIES 2018, "Mitigating unwanted biases with adversarial
learning", section 3) train a predictor f against an adversary that tries to recover the
sensitive attribute z from the predictor's output:

* the **predictor** is the course's logistic regression, logit f(x) = theta . x + b;
* the **adversary** sees s = sigmoid((1 + |c|) f(x)) (c is learned) and predicts z with a
  logistic unit: from s alone for **demographic parity** (Yhat independent of Z), from
  (s, s y, s (1 - y)) for **equalized odds** (Yhat independent of Z given Y);
* the adversary descends its loss L_A (cross-entropy for z); the predictor moves along

      g = grad L_P - proj_{grad L_A} grad L_P - alpha grad L_A,

  where L_P is the predictor's cross-entropy for y, all gradients are with respect to the
  predictor's parameters, and proj_v u = (u . v / |v|^2) v. The projection removes the part of
  the predictor's step that would help the adversary; the last term actively hurts it.
  ``alpha`` is the fairness knob: 0 keeps only the projection.

:func:`ad_path` trains one predictor-adversary pair for each alpha of a sweep **at once**, as one
batched computation: the K predictors are the rows of a (K, d + 1) parameter matrix, their
logits one matrix product, and the gradients of both losses (written out by the chain rule in
:func:`adversary_gradients`) one more. Every
predictor starts from the (weighted) logistic regression, as if pre-trained, and every
adversary from zero. Sample weights weight the predictor's label loss L_P; the adversary's
loss is an unweighted mean (fairness is measured on the examples as they are, see
:mod:`frlib.fair._common`).
"""

from __future__ import annotations

import numbers
from typing import Any, Sequence

import numpy as np
import torch
from torch.nn.functional import binary_cross_entropy_with_logits

from .._validation import check_choice, check_positive_int, check_scalar
from ._common import (
    CRITERIA,
    DEFAULT_L2,
    with_intercept,
    check_fairness_data,
    fit_logistic_params,
    one_thread,
    params_to_model,
)
from ..models import LogisticRegression, torch_seed



def project_out(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """u minus its projection on v, row by row: u - (u . v / |v|^2) v (rows with v = 0: u)."""
    norm2 = (v * v).sum(dim=-1, keepdim=True)
    coefficient = torch.where(norm2 > 0, (u * v).sum(dim=-1, keepdim=True) / norm2.clamp_min(1e-30), 0.0)
    return u - coefficient * v


def adversary_gradients(
    logits: torch.Tensor,
    scale: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor,
    y: torch.Tensor,
    z: torch.Tensor,
    w: torch.Tensor,
    criterion: str,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The gradients of the adversaries' loss, written out by the chain rule (K pairs at once).

    Adversary k sees s = sigmoid((1 + |c_k|) f) and outputs the logit
    a = s v + b_k with v = u_k1 (demographic parity) or v = u_k1 + u_k2 y + u_k3 (1 - y)
    (equalized odds: the logistic unit on (s, s y, s (1 - y))). Its loss is the weighted
    cross-entropy L_A = sum_i w_i BCE(a_i, z_i) (``w`` sums to 1; :func:`ad_path` passes 1/n).

    Parameters
    ----------
    logits : (K, n) predictor logits f;  scale : (K,) c;  weight : (K, 1) or (K, 3) u;
    bias : (K,) b;  y, z, w : (n,) labels, groups, weights.

    Returns
    -------
    (dL_A/dc (K,), dL_A/du (K, 1 or 3), dL_A/db (K,), dL_A/df (K, n)); :func:`adversary_loss`
    is the loss itself.
    """
    k = 1 + scale.abs()
    s = torch.sigmoid(k[:, None] * logits)
    if criterion == "demographic_parity":
        v = weight[:, :1].expand_as(logits)
        features = [s]
    else:
        v = weight[:, 0:1] + weight[:, 1:2] * y + weight[:, 2:3] * (1 - y)
        features = [s, s * y, s * (1 - y)]
    adv_logits = s * v + bias[:, None]
    r = w * (torch.sigmoid(adv_logits) - z)                     # dL_A / da
    ds = r * v * s * (1 - s)                                     # dL_A / d(k f)
    grad_weight = torch.stack([(r * f).sum(1) for f in features], dim=1)
    grad_scale = (ds * logits).sum(1) * torch.sign(scale)
    return grad_scale, grad_weight, r.sum(1), ds * k[:, None]


def adversary_loss(
    logits: torch.Tensor,
    scale: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor,
    y: torch.Tensor,
    z: torch.Tensor,
    w: torch.Tensor,
    criterion: str,
) -> torch.Tensor:
    """L_A = sum_i w_i BCE(a_i, z_i) of each of the K adversaries (see :func:`adversary_gradients`)."""
    s = torch.sigmoid((1 + scale.abs())[:, None] * logits)
    if criterion == "demographic_parity":
        v = weight[:, :1].expand_as(logits)
    else:
        v = weight[:, 0:1] + weight[:, 1:2] * y + weight[:, 2:3] * (1 - y)
    adv_logits = s * v + bias[:, None]
    return (binary_cross_entropy_with_logits(adv_logits, z.expand_as(adv_logits), reduction="none") * w).sum(1)


class ElementwiseAdam:
    """torch.optim.Adam's step (default betas and eps, no weight decay) written out.

    The same operations in the same order as torch's single-tensor Adam, so the parameters
    follow the same values to the last bit (tests compare them); without the optimizer's
    bookkeeping, which costs more than the arithmetic on AD's small tensors (measured: about
    40% of :func:`ad_path`'s time).
    """

    def __init__(self, params: Sequence[torch.Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8) -> None:
        self.params, self.lr, self.betas, self.eps = list(params), lr, betas, eps
        self.exp_avg = [torch.zeros_like(p) for p in self.params]
        self.exp_avg_sq = [torch.zeros_like(p) for p in self.params]
        self.steps = 0

    def step(self, grads: Sequence[torch.Tensor]) -> None:
        beta1, beta2 = self.betas
        self.steps += 1
        step = float(self.steps)
        step_size = self.lr / (1 - beta1**step)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        for param, grad, exp_avg, exp_avg_sq in zip(self.params, grads, self.exp_avg, self.exp_avg_sq):
            exp_avg.lerp_(grad, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(self.eps)
            param.addcdiv_(exp_avg, denom, value=-step_size)


def _check_alphas(alphas: Any) -> np.ndarray:
    if isinstance(alphas, numbers.Real) and not isinstance(alphas, bool):
        alphas = [alphas]
    try:
        values = [float(a) for a in alphas if not isinstance(a, bool)]
    except (TypeError, ValueError):
        raise TypeError(f"alphas must be a sequence of non-negative numbers, got {alphas!r}") from None
    if len(values) != len(alphas) or not values:
        raise ValueError(f"alphas must be a non-empty sequence of non-negative numbers, got {alphas!r}")
    return np.array([check_scalar(a, "alpha", min_val=0) for a in values])


def ad_path(
    X: Any,
    y: Any,
    z: Any,
    alphas: Sequence[float],
    *,
    criterion: str = "demographic_parity",
    epochs: int = 400,
    lr: float = 1.0,
    lr_decay: float = 10.0,
    adversary_lr: float = 0.5,
    adversary_steps: int = 3,
    batch_size: int | None = None,
    sample_weight: Any = None,
    l2: float = DEFAULT_L2,
    seed: int = 0,
) -> list[LogisticRegression]:
    """Adversarial debiasing for several alphas at once: one logistic regression per alpha.

    Every epoch: ``adversary_steps`` Adam steps of the adversaries on the current predictors'
    outputs (so that each adversary stays close to its best response, as Zhang et al.'s
    analysis assumes), then one gradient step of the predictors along
    g = grad L_P - proj_{grad L_A} grad L_P - alpha grad L_A (plain gradient descent, so that
    alpha scales the push away from the adversary), with the step size lr / (1 + lr_decay t / T)
    at epoch t of T. The returned predictor is the average of the parameters over the second
    half of the epochs (Polyak averaging). The decay and the averaging damp the oscillations
    of the two-player game; without them the result jumps from one alpha to the next.

    Parameters
    ----------
    X : array of shape (n, d)
    y, z : arrays of {0, 1}, shape (n,)
    alphas : sequence of floats >= 0
        The weight of the "hurt the adversary" term: larger moves faster towards fairness.
    criterion : {"demographic_parity", "equalized_odds"}
        What the adversary sees (see the module docstring).
    epochs : int, default 400
        Full-batch steps of the predictors.
    lr : float, default 1.0
        Initial step size of the predictors' gradient descent.
    lr_decay : float >= 0, default 10
        The step size falls to lr / (1 + lr_decay) by the last epoch.
    adversary_lr : float, default 0.5
        Adam step size of the adversaries.
    adversary_steps : int, default 3
        Adversary steps per predictor step.
    batch_size : int, optional
        Train each step on a random batch of this many rows (seeded) instead of all rows, for
        large data sets; None (the default) is full-batch training.
    sample_weight : array of shape (n,), optional
        Per-example weights of the predictor's label loss (the adversary's loss is unweighted).
    l2 : float
        Ridge penalty of the logistic regression the predictors start from.
    seed : int
        Seeds the adversaries' initial scale c and the batches.

    Returns
    -------
    list of frlib.models.LogisticRegression, in the order of ``alphas``.
    """
    X, y, z, w = check_fairness_data(X, y, z, sample_weight)
    if batch_size is not None:
        batch_size = check_positive_int(batch_size, "batch_size")
    alpha_values = _check_alphas(alphas)
    criterion = check_choice(criterion, "criterion", CRITERIA)
    epochs = check_positive_int(epochs, "epochs")
    adversary_steps = check_positive_int(adversary_steps, "adversary_steps")
    lr = check_scalar(lr, "lr", min_val=0, include_boundaries="neither")
    adversary_lr = check_scalar(adversary_lr, "adversary_lr", min_val=0, include_boundaries="neither")
    lr_decay = check_scalar(lr_decay, "lr_decay", min_val=0)
    l2 = check_scalar(l2, "l2", min_val=0)
    seed = check_positive_int(seed, "seed", minimum=0)

    with one_thread():
        return _ad_path(X, y, z, w, alpha_values, criterion, epochs, lr, lr_decay, adversary_lr,
                        adversary_steps, batch_size, l2, seed)


def _ad_path(
    X: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    w: np.ndarray,
    alpha_values: np.ndarray,
    criterion: str,
    epochs: int,
    lr: float,
    lr_decay: float,
    adversary_lr: float,
    adversary_steps: int,
    batch_size: int | None,
    l2: float,
    seed: int,
) -> list[LogisticRegression]:
    """The training loop of :func:`ad_path`, on checked inputs."""
    start = fit_logistic_params(X, y, w, l2=l2)
    K = len(alpha_values)
    inputs = torch.as_tensor(with_intercept(X), dtype=torch.float32)          # (n, d+1)
    labels = torch.as_tensor(y, dtype=torch.float32)
    groups = torch.as_tensor(z, dtype=torch.float32)
    weights = torch.as_tensor(w / w.sum(), dtype=torch.float32)         # the label loss
    uniform = torch.full((len(y),), 1.0 / len(y))                          # the adversary
    alpha = torch.as_tensor(alpha_values, dtype=torch.float32)[:, None]
    n_in = 1 if criterion == "demographic_parity" else 3

    theta = torch.as_tensor(np.tile(start, (K, 1)), dtype=torch.float32)     # (K, d+1)
    with torch_seed(seed):
        scale = 0.1 * torch.randn(K)
    adv_weight = torch.zeros(K, n_in)
    adv_bias = torch.zeros(K)
    adversary_opt = ElementwiseAdam([scale, adv_weight, adv_bias], lr=adversary_lr)

    rng = np.random.default_rng(seed)
    n = len(y)
    batched = batch_size is not None and batch_size < n
    averaged, n_averaged = torch.zeros_like(theta), 0
    for epoch in range(epochs):
        if batched:
            rows = torch.as_tensor(rng.choice(n, size=batch_size, replace=False))
            x_b, y_b, z_b, w_b = inputs[rows], labels[rows], groups[rows], weights[rows]
            w_b = w_b / w_b.sum().clamp_min(1e-30)
            u_b = torch.full((batch_size,), 1.0 / batch_size)
        else:
            x_b, y_b, z_b, w_b, u_b = inputs, labels, groups, weights, uniform
        logits = theta @ x_b.T                                                     # (K, n)
        for _ in range(adversary_steps):
            *grads, _ = adversary_gradients(logits, scale, adv_weight, adv_bias, y_b, z_b, u_b, criterion)
            adversary_opt.step(grads)
        # dL/df of both losses, then the chain rule through f = theta . x in one product.
        d_predictor = w_b * (torch.sigmoid(logits) - y_b)
        *_, d_adversary = adversary_gradients(logits, scale, adv_weight, adv_bias, y_b, z_b, u_b, criterion)
        grads = torch.cat([d_predictor, d_adversary]) @ x_b                         # (2K, d+1)
        grad_p, grad_a = grads[:K], grads[K:]
        # plain gradient descent (torch.optim.SGD's step), the step size decaying
        theta.add_(project_out(grad_p, grad_a) - alpha * grad_a, alpha=-(lr / (1 + lr_decay * epoch / epochs)))
        if epoch >= epochs // 2:
            averaged += theta
            n_averaged += 1

    final = (averaged / n_averaged).numpy().astype(float)
    return [params_to_model(final[k], seed=seed) for k in range(K)]


def fit_ad(
    X: Any,
    y: Any,
    z: Any,
    alpha: float = 1.0,
    *,
    criterion: str = "demographic_parity",
    epochs: int = 400,
    lr: float = 1.0,
    lr_decay: float = 10.0,
    adversary_lr: float = 0.5,
    adversary_steps: int = 3,
    batch_size: int | None = None,
    sample_weight: Any = None,
    l2: float = DEFAULT_L2,
    seed: int = 0,
) -> LogisticRegression:
    """Adversarial debiasing (Zhang et al. 2018) with one alpha; see :func:`ad_path`."""
    return ad_path(X, y, z, [alpha], criterion=criterion, epochs=epochs, lr=lr, lr_decay=lr_decay,
                   adversary_lr=adversary_lr, adversary_steps=adversary_steps, batch_size=batch_size,
                   sample_weight=sample_weight, l2=l2, seed=seed)[0]
