"""FR-Train one configuration at a time, with torch modules and autograd: the readable trainer.

FR-Train (Roh, Lee, Whang and Suh, ICML 2020, section 3, and the authors' released code) written the way
the authors wrote theirs: three ``nn.Module`` players, three optimizers, ``loss.backward()``, one
(lambda_f, lambda_r, seed) per call. Lesson 06 reads :func:`train_reference` line by line.

:mod:`frlib.frtrain_grid` is the same algorithm for a whole grid of configurations at once, its
gradients and optimizers written out; it also holds what both share (the settings
:class:`frlib.frtrain_grid.FRTrainSettings`, the paper's settings and lambdas, :class:`Run` and
the initial parameters). The tests use this module as an independent implementation of the
batched grid, and benchmarks/frtrain_grid.py times a plain loop over it against the grid. Both
start from the same initial parameters (:func:`frlib.frtrain_grid.initial_parameters`), so they
follow the same trajectory up to floating-point rounding.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .data import Dataset
from .frtrain_grid import (
    POISONED_SETTINGS,
    FRTrainSettings,
    Run,
    check_run,
    check_validation_set,
    initial_parameters,
)
from .models import LogisticRegression, make_mlp


class RobustnessDiscriminator(nn.Module):
    """D_R: P(clean | x, label), an MLP d + 1 -> hidden -> 1 with LeakyReLU(0.2) (:func:`frlib.models.make_mlp`)."""

    def __init__(self, n_features: int, hidden: int) -> None:
        super().__init__()
        self.net = make_mlp(n_features + 1, (hidden,), 1, activation="leaky_relu")

    def forward(self, X: torch.Tensor, label: torch.Tensor) -> torch.Tensor:  # logit of P(clean)
        return self.net(torch.cat([X, label.unsqueeze(-1)], dim=1)).squeeze(-1)


def _load(players: tuple[LogisticRegression, LogisticRegression, RobustnessDiscriminator], params: dict) -> None:
    generator, fairness, robustness = players
    with torch.no_grad():
        generator.linear.weight.copy_(params["gen_w"].unsqueeze(0))
        generator.linear.bias.copy_(params["gen_b"].reshape(1))
        fairness.linear.weight.copy_(params["f_w"].unsqueeze(0))
        fairness.linear.bias.copy_(params["f_b"].reshape(1))
        robustness.net[0].weight.copy_(params["r_w1"].T)
        robustness.net[0].bias.copy_(params["r_b1"])
        robustness.net[2].weight.copy_(params["r_w2"].unsqueeze(0))
        robustness.net[2].bias.copy_(params["r_b2"].reshape(1))


def train_reference(
    train: Dataset, val: Dataset, run: Run | tuple, settings: FRTrainSettings = POISONED_SETTINGS
) -> dict[str, np.ndarray]:
    """Train one FR-Train configuration; return the generator and the last example weights.

    Returns
    -------
    dict
        ``weight`` (d,), ``bias`` (float), ``example_weights`` (n,), ``generator_loss`` (the
        generator's loss at every epoch, the last value carried over on epochs it does not step).
    """
    check_validation_set(val)
    lambda_f, lambda_r, seed = check_run(run)
    X, y, z = train.tensors()
    X_val, y_val, _ = val.tensors()
    n_features = X.shape[1]
    eo = settings.fairness == "eo"

    # The generator is the course's logistic regression; D_F a logistic unit on the generator's
    # logit (and y for equalized odds), predicting z; D_R an MLP. _load sets their parameters.
    generator = LogisticRegression(n_features, seed=None)
    fairness = LogisticRegression(2 if eo else 1, seed=None)
    robustness = RobustnessDiscriminator(n_features, settings.hidden_robustness)
    _load((generator, fairness, robustness),
          initial_parameters(seed, n_features, 2 if eo else 1, settings.hidden_robustness))
    opt_g = torch.optim.Adam(generator.parameters(), lr=settings.lr_generator)
    opt_f = torch.optim.SGD(fairness.parameters(), lr=settings.lr_fairness)
    opt_r = torch.optim.SGD(robustness.parameters(), lr=settings.lr_robustness)

    def fairness_inputs(logit: torch.Tensor) -> torch.Tensor:
        return torch.stack([logit, y], dim=1) if eo else logit.unsqueeze(1)

    clean_label = 2 * y_val - 1  # the clean rows' label column, coded -1 / +1
    weights = torch.ones(len(y))
    generator_losses = []
    generator_loss = torch.tensor(0.0)
    for epoch in range(settings.epochs):
        logit = generator(X)

        # The fairness discriminator learns to predict z from the generator's output.
        opt_f.zero_grad()
        fairness_loss = F.binary_cross_entropy_with_logits(fairness(fairness_inputs(logit.detach())), z)
        fairness_loss.backward()
        opt_f.step()

        # The robustness discriminator learns to tell clean validation rows from generated ones.
        opt_r.zero_grad()
        clean_loss = F.binary_cross_entropy_with_logits(robustness(X_val, clean_label), torch.ones(len(y_val)))
        generated_loss = F.binary_cross_entropy_with_logits(robustness(X, logit.detach()), torch.zeros(len(y)))
        robustness_loss = 0.5 * (clean_loss + generated_loss)
        robustness_loss.backward()
        opt_r.step()

        # The generator: warm-up on the labels, then the game every k epochs.
        if epoch < settings.warmup_epochs:
            generator_loss = 0.1 * F.binary_cross_entropy((torch.tanh(logit) + 1) / 2, y)
        elif epoch % settings.k == 0:
            r_logit = robustness(X, logit)
            if epoch % settings.reweight_every == 0:
                a = torch.sigmoid(generator_loss.detach() / robustness_loss.detach() - 3)
                weights = a * torch.sigmoid(r_logit.detach()) + (1 - a)
            label_cost = F.binary_cross_entropy_with_logits(logit, y, reduction="none")
            fair_cost = F.binary_cross_entropy_with_logits(fairness(fairness_inputs(logit)), z, reduction="none")
            fooled = F.binary_cross_entropy_with_logits(r_logit, torch.zeros(len(y)))
            generator_loss = ((1 - lambda_f - lambda_r) * (label_cost * weights).mean()
                              - lambda_f * (fair_cost * weights).mean()
                              - lambda_r * fooled)
        else:
            generator_losses.append(float(generator_loss.detach()))
            continue
        opt_g.zero_grad()
        generator_loss.backward()
        opt_g.step()
        generator_losses.append(float(generator_loss.detach()))

    return {
        "weight": generator.linear.weight.detach().numpy()[0].astype(float),
        "bias": float(generator.linear.bias.detach()[0]),
        "example_weights": weights.numpy().astype(float),
        "generator_loss": np.array(generator_losses),
    }
