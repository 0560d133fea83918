"""MORPH: sample selection by self-transition, without the small-loss trick (lesson 03, section 5).

Song, Kim, Park, Shin & Lee (KDD 2021, "Robust learning by self-transition for handling noisy
labels") select the examples to train on by what the network has *memorised*, not by a loss
ranking with a fixed forget rate:

* an example is **memorised** at epoch t when the label the network predicted most often over
  its last q epochs is the example's given label (:func:`memorised_mask`);
* **phase I, seeding**: train on every example (the network learns the clean pattern first,
  lesson 03 section 2) until the *transition point*, when the memorised set is about as large
  as the estimated clean part of the data;
* **phase II, evolution**: train only on the *safe set*, the examples memorised at the current
  epoch. The set is recomputed every epoch, so it grows as the network learns more clean
  examples, while a wrong label that is not in the set is never trained on and so is never
  memorised.

The noise rate behind the transition point is estimated from the losses by a two-component
Gaussian mixture (:func:`estimate_noise_rate`): the share of examples in the high-loss
component.

What the course simplified (our reading, stated in the lesson): full batch, one step per
epoch as everywhere in the course; the transition point is the first epoch at which the
memorised share reaches 1 - tau_hat, with tau_hat re-estimated at every epoch from the current
losses (the paper derives the point from estimated memorisation precision and recall); the
safe set of phase II is the memorised set of the current epoch, without the paper's
consistency regularisation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .._validation import check_positive_int, to_numpy
from ..models import cross_entropy
from ._common import RobustFit, TrainConfig, check_training_data, digits_config, make_network


def memorised_mask(history: Any, given: Any, n_classes: int) -> np.ndarray:
    """Which examples the network has memorised: the most frequent of their last q predictions
    is their given label.

    Parameters
    ----------
    history : int array of shape (n, q)
        The last q predicted labels of each example.
    given : int array of shape (n,)
        The labels the examples carry (noisy or not).
    n_classes : int

    Returns
    -------
    ndarray of bool, shape (n,)
        Ties between classes go to the smallest class index (``argmax`` of the counts).
    """
    history = to_numpy(history, "history")
    given = to_numpy(given, "given")
    n_classes = check_positive_int(n_classes, "n_classes", minimum=2)
    if history.ndim != 2 or history.shape[1] == 0:
        raise ValueError(f"history must have shape (n, q) with q >= 1, got {history.shape}")
    if given.shape != (history.shape[0],):
        raise ValueError(f"given must have shape ({history.shape[0]},), got {given.shape}")
    if history.size and (history.min() < 0 or history.max() >= n_classes):
        raise ValueError(f"history holds labels outside 0 .. {n_classes - 1}")
    counts = np.stack([(history == k).sum(axis=1) for k in range(n_classes)], axis=1)
    return counts.argmax(axis=1) == given


def estimate_noise_rate(losses: Any, seed: int = 0) -> float:
    """The share of examples in the high-loss component of a two-component Gaussian mixture.

    Fits ``sklearn.mixture.GaussianMixture(2)`` to the per-example losses (one dimension) and
    returns the share of examples whose posterior favours the component with the larger mean:
    the estimated noise rate tau_hat, as MORPH estimates it before its transition point.
    """
    from sklearn.mixture import GaussianMixture

    values = to_numpy(losses, "losses").astype(float).reshape(-1, 1)
    if len(values) < 2 or not np.all(np.isfinite(values)):
        raise ValueError("losses must hold at least two finite values")
    if np.ptp(values) == 0:
        return 0.0
    mixture = GaussianMixture(n_components=2, random_state=seed).fit(values)
    noisy_component = int(np.argmax(mixture.means_.ravel()))
    return float(np.mean(mixture.predict(values) == noisy_component))


def fit_morph(
    X: Any,
    y: Any,
    *,
    history_length: int = 10,
    min_seeding_epochs: int | None = None,
    n_classes: int | None = None,
    config: TrainConfig | None = None,
    seed: int = 0,
) -> RobustFit:
    """MORPH (Song et al. 2021), full batch: seeding on all examples, then evolution on the safe set.

    At every epoch the network predicts every training example; the last ``history_length``
    (q) predictions give the memorised set M_t (:func:`memorised_mask`). During seeding every
    example is trained on; the transition comes at the first epoch t >= ``min_seeding_epochs``
    (default: a tenth of the epochs, the warm-up Co-teaching gets, and at least q) with
    |M_t| >= (1 - tau_hat_t) n, tau_hat_t = :func:`estimate_noise_rate` of the current losses.
    (Earlier, the losses are not yet separated and the estimate is unreliable.) From then on
    each step uses only the current M_t with the given labels.

    No noise rate, transition matrix or clean data is given to it.

    Returns
    -------
    RobustFit
        ``kept``: the safe set of the last epoch; ``history``: ``"safe_share"`` (|M_t| / n per
        epoch, NaN before the history is full), ``"noise_rate_estimate"`` (tau_hat_t, NaN before),
        ``"transition_epoch"`` (a one-element list, 1-based; ``[nan]`` if it never came).
    """
    X, y, n_classes = check_training_data(X, y, n_classes)
    history_length = check_positive_int(history_length, "history_length")
    config = config or digits_config()
    if history_length >= config.epochs:
        raise ValueError(f"history_length ({history_length}) must be smaller than epochs ({config.epochs})")
    if min_seeding_epochs is None:
        min_seeding_epochs = config.epochs // 10
    min_seeding_epochs = max(history_length, check_positive_int(min_seeding_epochs, "min_seeding_epochs"))
    model = make_network(X.shape[1], n_classes, config.hidden, seed=seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    inputs = torch.as_tensor(X, dtype=torch.float32)
    given = torch.as_tensor(y)
    n = len(y)
    predictions = np.zeros((n, history_length), dtype=np.int64)
    safe_share, noise_estimates = [], []
    transition = float("nan")
    safe = np.ones(n, dtype=bool)
    for epoch in range(config.epochs):
        logits = model(inputs)
        losses = cross_entropy(logits, given)
        predictions[:, epoch % history_length] = logits.detach().argmax(1).numpy()
        if epoch + 1 < history_length:
            safe_share.append(float("nan"))
            noise_estimates.append(float("nan"))
            used = torch.arange(n)
        else:
            memorised = memorised_mask(predictions, y, n_classes)
            safe_share.append(float(memorised.mean()))
            if np.isnan(transition) and epoch + 1 >= min_seeding_epochs:
                tau_hat = estimate_noise_rate(losses.detach().numpy(), seed=seed)
                noise_estimates.append(tau_hat)
                if memorised.mean() >= 1.0 - tau_hat:
                    transition = epoch + 1
            else:
                noise_estimates.append(noise_estimates[-1] if np.isfinite(transition) else float("nan"))
            if np.isnan(transition) or not memorised.any():
                used = torch.arange(n)
            else:
                safe = memorised
                used = torch.as_tensor(np.flatnonzero(safe))
        optimizer.zero_grad()
        losses[used].mean().backward()
        optimizer.step()
    model.eval()
    kept = safe if not np.isnan(transition) else np.ones(n, dtype=bool)
    return RobustFit("MORPH", model, kept=kept.copy(), history={
        "safe_share": safe_share, "noise_rate_estimate": noise_estimates, "transition_epoch": [transition]})
