"""The memorisation effect (lesson 03, section 1): why training on noisy labels needs a defence.

Arpit et al. (2017, "A closer look at memorization in deep networks") and Zhang et al. (2017,
"Understanding deep learning requires rethinking generalization"): trained on noisy labels, an
over-parameterised network first fits the clean examples, then memorises the noisy ones.
:func:`memorization_curves` records it epoch by epoch. The small-loss selection of
:mod:`frlib.robust.selection` rests on it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from .._validation import as_labels, check_positive_int, check_same_length
from ..models import train_model
from ._common import TrainConfig, check_training_data, digits_config, make_network


def memorization_curves(
    X: Any,
    y: Any,
    X_test: Any,
    y_test: Any,
    *,
    y_true: Any = None,
    n_classes: int | None = None,
    config: TrainConfig | None = None,
    seed: int = 0,
    every: int = 5,
) -> pd.DataFrame:
    """Training and test accuracy, epoch by epoch, of a network trained on the labels ``y``.

    The memorisation effect (Arpit et al. 2017, "A closer look at memorization in deep
    networks"; Zhang et al. 2017): trained on noisy labels, an over-parameterised network
    first learns the pattern shared by the clean examples (test accuracy rises), then fits the
    wrong labels one by one (training accuracy on the noisy labels goes to 1, test accuracy
    falls).

    Parameters
    ----------
    X, y : the training features and the (possibly noisy) labels the network is trained on
    X_test, y_test : the test set
    y_true : array, optional
        The true training labels. When given, the flipped examples (``y != y_true``) are
        followed separately.
    every : int
        Record every ``every`` epochs (and the last one).

    Returns
    -------
    pandas.DataFrame
        One row per recorded epoch: ``epoch`` (1-based), ``train_acc`` (on the labels
        trained on), ``test_acc``; with ``y_true`` also ``clean_fit`` (accuracy on the
        unflipped examples), ``memorized`` (share of flipped examples predicted as their
        *noisy* label) and ``recovered`` (share predicted as their *true* label).
    """
    X, y, n_classes = check_training_data(X, y, n_classes)
    X_test, y_test, _ = check_training_data(X_test, y_test, n_classes, prefix="_test")
    if X_test.shape[1] != X.shape[1]:
        raise ValueError(f"X_test has {X_test.shape[1]} columns, X has {X.shape[1]}")
    flipped = None
    if y_true is not None:
        truth = as_labels(y_true, "y_true", n_classes)
        check_same_length(y=y, y_true=truth)
        flipped = y != truth
    every = check_positive_int(every, "every")
    config = config or digits_config()
    model = make_network(X.shape[1], n_classes, config.hidden, seed=seed)
    train_inputs = torch.as_tensor(X, dtype=torch.float32)
    test_inputs = torch.as_tensor(X_test, dtype=torch.float32)
    rows = []

    def record(epoch: int, network: nn.Module) -> None:
        if (epoch + 1) % every and epoch + 1 != config.epochs:
            return
        with torch.no_grad():
            train_pred = network(train_inputs).argmax(1).numpy()
            test_pred = network(test_inputs).argmax(1).numpy()
        row = {"epoch": epoch + 1, "train_acc": float(np.mean(train_pred == y)),
               "test_acc": float(np.mean(test_pred == y_test))}
        if flipped is not None:
            row["clean_fit"] = float(np.mean(train_pred[~flipped] == y[~flipped])) if (~flipped).any() else float("nan")
            row["memorized"] = float(np.mean(train_pred[flipped] == y[flipped])) if flipped.any() else float("nan")
            row["recovered"] = float(np.mean(train_pred[flipped] == truth[flipped])) if flipped.any() else float("nan")
        rows.append(row)

    train_model(model, X, y, epochs=config.epochs, lr=config.lr, weight_decay=config.weight_decay, on_epoch=record)
    return pd.DataFrame(rows)
