"""Sample selection and label correction (lesson 03, sections 5 and 6).

Both rest on the memorisation effect (:func:`frlib.robust.memorization_curves`): early in
training, the examples with a small loss are mostly the clean ones.

* :func:`fit_coteaching` (Han et al. 2018, "Co-teaching: robust training of deep neural
  networks with extremely noisy labels", Algorithm 1): two networks; each keeps the
  small-loss share R(t) of the examples and its *peer* is updated on them, so that the errors
  of one network do not reinforce themselves. R(t) follows :func:`forget_rate_schedule`.
* :func:`fit_selfie` (Song, Kim & Lee 2019, "SELFIE: refurbishing unclean samples for robust
  deep learning", section 3): small-loss selection plus *refurbishing*: an example whose
  recent predictions agree (low entropy of its prediction history) is relabelled with the
  label it is predicted most often, and trained on with that label.

Both train full batch (one step per epoch, as everywhere in the course). Their result's
``kept`` mask (:class:`frlib.robust.RobustFit`) says which examples they trust with their
given label; :func:`frlib.robust.detection_scores` compares it with the truly flipped ones.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from .._validation import check_positive_int, check_rate, check_scalar
from ..models import cross_entropy
from ._common import RobustFit, TrainConfig, check_training_data, digits_config, make_network


def check_forget_rate(forget_rate: Any, name: str = "forget_rate") -> float:
    """A number in [0, 1): the share of examples a selection method leaves out (it must keep some)."""
    return check_rate(forget_rate, name, below=1.0, why="it is the share of examples left out (set it to the "
                      "estimated noise rate); at 1 or more nothing would be left to train on")


def forget_rate_schedule(epochs: int, forget_rate: float, warmup_epochs: int) -> np.ndarray:
    """The share of examples dropped at each epoch, min(t / T_k, 1) * tau (Han et al. 2018).

    Co-teaching keeps R(t) = 1 - min(t / T_k * tau, tau) of the examples at epoch t: all of
    them at first, while the networks learn the easy clean pattern, then a growing share is
    dropped until ``forget_rate`` = tau (ideally the noise rate) is reached at t = T_k =
    ``warmup_epochs``.

    Returns
    -------
    ndarray of shape (epochs,)
        The forget rate 1 - R(t) for t = 0 .. epochs - 1.
    """
    epochs = check_positive_int(epochs, "epochs")
    forget_rate = check_forget_rate(forget_rate)
    warmup_epochs = check_positive_int(warmup_epochs, "warmup_epochs")
    return forget_rate * np.minimum(np.arange(epochs) / warmup_epochs, 1.0)


def small_loss_indices(losses: torch.Tensor, keep_share: float) -> torch.Tensor:
    """Positions of the ceil(keep_share * n) examples with the smallest loss (at least one)."""
    n_keep = max(1, int(math.ceil(keep_share * len(losses))))
    return torch.argsort(losses, stable=True)[:n_keep]


def _default_warmup(config: TrainConfig, warmup_epochs: int | None) -> int:
    if warmup_epochs is None:
        return max(1, config.epochs // 10)
    return check_positive_int(warmup_epochs, "warmup_epochs")


def fit_coteaching(
    X: Any,
    y: Any,
    *,
    forget_rate: float,
    warmup_epochs: int | None = None,
    n_classes: int | None = None,
    config: TrainConfig | None = None,
    seed: int = 0,
) -> RobustFit:
    """Co-teaching (Han et al. 2018, Algorithm 1), full batch.

    At every epoch t, each network f and g computes the loss of every example; f picks the
    share 1 - forget(t) with the smallest loss under f, g those under g; then f takes a step on
    g's pick and g on f's (the "cross update"). ``forget(t)`` is :func:`forget_rate_schedule`
    (``warmup_epochs`` = T_k, default a tenth of the epochs).

    Parameters
    ----------
    forget_rate : float in [0, 1)
        tau, the share of examples left out after the warm-up: the (estimated) noise rate.

    Returns
    -------
    RobustFit
        ``model`` is f; ``kept`` is f's small-loss pick at the last epoch;
        ``history["forget_rate"]`` the schedule and ``history["agreement"]`` the share of
        examples both networks picked.
    """
    forget_rate = check_forget_rate(forget_rate)
    X, y, n_classes = check_training_data(X, y, n_classes)
    config = config or digits_config()
    warmup_epochs = _default_warmup(config, warmup_epochs)
    schedule = forget_rate_schedule(config.epochs, forget_rate, warmup_epochs)
    nets = [make_network(X.shape[1], n_classes, config.hidden, seed=seed + k) for k in (0, 1)]
    optimizers = [torch.optim.Adam(net.parameters(), lr=config.lr, weight_decay=config.weight_decay) for net in nets]
    inputs = torch.as_tensor(X, dtype=torch.float32)
    targets = torch.as_tensor(y)
    agreement = []
    picks: list[torch.Tensor] = []
    for forget in schedule:
        losses = [cross_entropy(net(inputs), targets) for net in nets]
        picks = [small_loss_indices(loss.detach(), 1.0 - forget) for loss in losses]
        agreement.append(len(np.intersect1d(picks[0].numpy(), picks[1].numpy())) / len(picks[0]))
        for k, optimizer in enumerate(optimizers):
            peer_pick = picks[1 - k]
            optimizer.zero_grad()
            losses[k][peer_pick].mean().backward()
            optimizer.step()
    for net in nets:
        net.eval()
    kept = np.zeros(len(y), dtype=bool)
    kept[picks[0].numpy()] = True
    return RobustFit("Co-teaching", nets[0], kept=kept,
                     history={"forget_rate": schedule.tolist(), "agreement": agreement})


def prediction_entropy(history: np.ndarray, n_classes: int) -> np.ndarray:
    """Normalised entropy of each example's recent predictions (SELFIE's uncertainty, eq. 3).

    ``history`` has shape (n, q): the last q predicted labels of each example. With
    P(k) = share of the q predictions equal to k, the uncertainty is
    -sum_k P(k) log P(k) / log(K): 0 when all q predictions agree, 1 when they are spread
    evenly over all classes.
    """
    counts = np.stack([(history == k).sum(axis=1) for k in range(n_classes)], axis=1)
    share = counts / history.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(share > 0, share * np.log(share), 0.0)
    return -terms.sum(axis=1) / np.log(n_classes)


def fit_selfie(
    X: Any,
    y: Any,
    *,
    forget_rate: float,
    warmup_epochs: int | None = None,
    history_length: int = 15,
    uncertainty_threshold: float = 0.05,
    n_classes: int | None = None,
    config: TrainConfig | None = None,
    seed: int = 0,
) -> RobustFit:
    """SELFIE (Song, Kim & Lee 2019): small-loss selection plus refurbishing, full batch.

    1. Warm-up (``warmup_epochs``, default a tenth of the epochs): plain training on all
       examples; every epoch's predictions go into a history of the last ``history_length``
       (q) predicted labels of each example.
    2. After it, at every epoch (Algorithm 1 of the paper): the 1 - ``forget_rate`` share of
       the examples with the smallest loss under their given labels is the clean set C; among
       the others, an example whose history is full and whose :func:`prediction_entropy` is at
       most ``uncertainty_threshold`` is *refurbished*: its label becomes its most frequent
       prediction. The step uses C with the given labels and the refurbished examples with
       their new labels; the rest is left out.

    Returns
    -------
    RobustFit
        ``labels``: the labels at the last epoch (refurbished or given); ``kept``: the clean set
        C of the last epoch, the examples trained on with their *given* label (the flagged ones
        are those refurbished or left out); ``history["refurbished"]``: how many examples were
        refurbished at each epoch.
    """
    forget_rate = check_forget_rate(forget_rate)
    X, y, n_classes = check_training_data(X, y, n_classes)
    config = config or digits_config()
    warmup_epochs = _default_warmup(config, warmup_epochs)
    history_length = check_positive_int(history_length, "history_length")
    uncertainty_threshold = check_scalar(uncertainty_threshold, "uncertainty_threshold", min_val=0, max_val=1)
    if warmup_epochs >= config.epochs:
        raise ValueError(f"warmup_epochs ({warmup_epochs}) must be smaller than epochs ({config.epochs})")
    model = make_network(X.shape[1], n_classes, config.hidden, seed=seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    inputs = torch.as_tensor(X, dtype=torch.float32)
    given = torch.as_tensor(y)
    n = len(y)
    predictions = np.zeros((n, history_length), dtype=np.int64)
    filled = 0
    labels = y.copy()
    kept = np.ones(n, dtype=bool)
    refurbished_counts = []
    for epoch in range(config.epochs):
        logits = model(inputs)
        predictions[:, epoch % history_length] = logits.detach().argmax(1).numpy()
        filled = min(filled + 1, history_length)
        refurbished = np.zeros(n, dtype=bool)
        if epoch < warmup_epochs:
            used = torch.arange(n)
        else:
            losses = cross_entropy(logits.detach(), given).numpy()
            clean = small_loss_indices(torch.as_tensor(losses), 1.0 - forget_rate).numpy()
            kept = np.zeros(n, dtype=bool)
            kept[clean] = True
            labels = y.copy()
            if filled == history_length:
                refurbished = ~kept & (prediction_entropy(predictions, n_classes) <= uncertainty_threshold + 1e-12)
                votes = np.stack([(predictions == k).sum(axis=1) for k in range(n_classes)], axis=1)
                labels[refurbished] = votes[refurbished].argmax(axis=1)
            used = torch.as_tensor(np.flatnonzero(kept | refurbished))
        refurbished_counts.append(int(refurbished.sum()))
        optimizer.zero_grad()
        cross_entropy(logits[used], torch.as_tensor(labels)[used]).mean().backward()
        optimizer.step()
    model.eval()
    return RobustFit("SELFIE", model, kept=kept, labels=labels, history={"refurbished": refurbished_counts})
