"""Entropy, mutual information, and the discriminators and critics that estimate it.

All quantities are in **nats** (natural logarithms); divide by ``log(2)`` for bits.

FR-Train (Roh, Lee, Whang and Suh, ICML 2020, section 3) rests on two statements that turn a
discriminator's best achievable log-likelihood into a mutual information:

* **Theorem 1.** For a sensitive attribute Z and a prediction Yhat,

      I(Z; Yhat) = max_D  sum_z P(z) E[log D_z(Yhat) | Z = z] + H(Z),

  the maximum over discriminators D with sum_z D_z(y) = 1 for every y. Any discriminator gives
  a lower bound; the Bayes posterior D_z(y) = P(z | y) attains it. FR-Train's fairness
  discriminator is such a D, so the generator that makes it fail makes I(Z; Yhat) small.
* **Theorem 2.** The same with V (a row's source: clean validation data or the possibly
  poisoned training data) in place of Z and the row (X, Z, Y) in place of Yhat: the
  robustness discriminator measures I(V; X, Z, Y), how far the training rows are from the
  clean ones.

What this module holds (lesson 05 teaches each of them):

* discrete variables: :func:`entropy`, :func:`mutual_information` of a joint table,
  :func:`normalize_counts`, :func:`contingency_table`, and the plug-in estimates
  :func:`plugin_entropy` and :func:`plugin_mi` from samples;
* Theorem 1 and 2: :func:`discriminator_bound` (the bound from given discriminator outputs) and
  :func:`discriminator_mi` (train a classifier of z, return the bound on held-out data);
* variational bounds for continuous pairs, evaluated on a matrix of critic scores
  (Poole, Ozair, van den Oord, Alemi and Tucker 2019, "On Variational Bounds of Mutual
  Information"): :func:`dv_bound` (Donsker-Varadhan, the bound of MINE, Belghazi et al. 2018),
  :func:`nwj_bound` (Nguyen, Wainwright and Jordan 2010) and :func:`infonce_bound` (van den Oord,
  Li and Vinyals 2018), and :func:`variational_mi`, which trains a critic on one of them;
* the benchmark with a known answer: :func:`correlated_gaussians`, :func:`gaussian_mi`,
  :func:`rho_for_mi` and the optimal critic :func:`gaussian_log_ratio`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Sequence

import numpy as np
import torch
from torch import nn

from ._validation import (
    as_binary,
    as_features,
    as_labels,
    as_vector,
    check_choice,
    check_positive_int,
    check_same_length,
    check_scalar,
    to_numpy,
)
from .models import make_mlp, torch_seed

SUM_TOLERANCE = 1e-6  # how far from 1 a probability distribution may sum

__all__ = [
    "BOUNDS",
    "Contingency",
    "DiscriminatorMI",
    "SeparableCritic",
    "VariationalMI",
    "contingency_table",
    "correlated_gaussians",
    "discriminator_bound",
    "discriminator_mi",
    "dv_bound",
    "entropy",
    "gaussian_log_ratio",
    "gaussian_mi",
    "infonce_bound",
    "mutual_information",
    "normalize_counts",
    "nwj_bound",
    "plugin_entropy",
    "plugin_mi",
    "rho_for_mi",
    "variational_mi",
]


# --- discrete variables -------------------------------------------------------------------------


def _as_distribution(p: Any, name: str) -> np.ndarray:
    """A non-empty float array of probabilities (any shape) that sums to 1."""
    array = to_numpy(p, name).astype(float)
    if array.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    if (array < 0).any():
        raise ValueError(f"{name} has negative entries ({array[array < 0][:3].tolist()}); probabilities are >= 0")
    total = float(array.sum())
    if abs(total - 1.0) > SUM_TOLERANCE:
        raise ValueError(
            f"{name} must sum to 1 (a probability distribution), but sums to {total:.6g}; "
            "for counts, use normalize_counts(counts) first"
        )
    return array


def _entropy_of(p: np.ndarray) -> float:
    positive = p[p > 0]  # 0 log 0 = 0
    return float(-(positive * np.log(positive)).sum()) + 0.0  # + 0.0 turns -0.0 into 0.0


def entropy(p: Any) -> float:
    """Shannon entropy H(p) = -sum_i p_i log p_i, in nats, with 0 log 0 = 0.

    Parameters
    ----------
    p : array of probabilities, any shape
        A distribution: entries >= 0 that sum to 1. A 2-D joint table gives the joint
        entropy H(A, B).

    Returns
    -------
    float
        Between 0 (a certain outcome) and log(number of entries) (the uniform distribution).

    Examples
    --------
    >>> round(entropy([0.5, 0.5]), 6)  # log 2
    0.693147
    >>> entropy([1.0, 0.0])
    0.0
    """
    return _entropy_of(_as_distribution(p, "p"))


def normalize_counts(counts: Any) -> np.ndarray:
    """Counts (or any non-negative weights) divided by their total: an empirical distribution.

    Raises a ``ValueError`` for negative, NaN or infinite counts and for counts that are all 0.
    """
    array = to_numpy(counts, "counts").astype(float)
    if array.size == 0:
        raise ValueError("counts is empty")
    if not np.isfinite(array).all():
        raise ValueError("counts contains NaN or infinite values")
    if (array < 0).any():
        raise ValueError(f"counts must be non-negative, found {array[array < 0][:3].tolist()}")
    total = array.sum()
    if total == 0:
        raise ValueError("counts are all 0; there is no distribution to estimate")
    return array / total


def mutual_information(joint: Any) -> float:
    """Mutual information of a joint probability table, in nats.

        I(A; B) = sum_{a, b} P(a, b) log( P(a, b) / (P(a) P(b)) ) = H(A) + H(B) - H(A, B),

    where P(a) and P(b) are the row and column sums of the table. It is 0 exactly when A and B
    are independent and at most min(H(A), H(B)).

    Parameters
    ----------
    joint : 2-D array of probabilities
        ``joint[i, j] = P(A = a_i, B = b_j)``, entries >= 0 summing to 1.

    Examples
    --------
    >>> mutual_information([[0.25, 0.25], [0.25, 0.25]])  # independent
    0.0
    >>> round(mutual_information([[0.5, 0.0], [0.0, 0.5]]), 6)  # B = A: I = H(A) = log 2
    0.693147
    """
    table = to_numpy(joint, "joint")
    if table.ndim != 2:
        raise ValueError(f"joint must be a 2-D table P(A = a_i, B = b_j), got shape {table.shape}")
    table = _as_distribution(table, "joint")
    outer = np.outer(table.sum(axis=1), table.sum(axis=0))
    mask = table > 0  # then the marginals are > 0 too
    value = float((table[mask] * np.log(table[mask] / outer[mask])).sum())
    return max(value, 0.0)  # rounding can leave -1e-17 for independent tables


class Contingency(NamedTuple):
    """Counts of each pair of values, with the values that label the rows and the columns."""

    counts: np.ndarray  # shape (len(a_values), len(b_values)), int
    a_values: np.ndarray
    b_values: np.ndarray


def contingency_table(a: Any, b: Any) -> Contingency:
    """``counts[i, j]`` = number of examples with ``a == a_values[i]`` and ``b == b_values[j]``.

    ``a_values`` and ``b_values`` are the sorted distinct values of each sample.
    """
    a = as_vector(a, "a")
    b = as_vector(b, "b")
    check_same_length(a=a, b=b)
    a_values, a_codes = np.unique(a, return_inverse=True)
    b_values, b_codes = np.unique(b, return_inverse=True)
    flat = np.bincount(a_codes * len(b_values) + b_codes, minlength=len(a_values) * len(b_values))
    return Contingency(flat.reshape(len(a_values), len(b_values)), a_values, b_values)


def plugin_entropy(values: Any) -> float:
    """Entropy of the empirical distribution of a discrete sample, in nats (the plug-in estimate).

    H_hat = -sum_v p_hat(v) log p_hat(v), with p_hat(v) the fraction of the sample equal to v.
    """
    sample = as_vector(values, "values")
    _, counts = np.unique(sample, return_counts=True)
    return _entropy_of(counts / counts.sum())


def plugin_mi(a: Any, b: Any) -> float:
    """Plug-in estimate of I(A; B) from paired samples of two discrete variables, in nats.

    The mutual information of the empirical joint distribution: count the pairs
    (:func:`contingency_table`), divide by n (:func:`normalize_counts`) and apply
    :func:`mutual_information`. It is consistent, and for a finite sample biased upwards by
    about (|A| - 1)(|B| - 1) / (2 n) (Miller 1955; Panzeri and Treves 1996): two independent
    samples rarely give exactly 0.

    Examples
    --------
    >>> round(plugin_mi([0, 0, 1, 1], [0, 0, 1, 1]), 6)  # log 2
    0.693147
    >>> plugin_mi([0, 1, 0, 1], [0, 0, 1, 1])
    0.0
    """
    table = contingency_table(a, b)
    return mutual_information(normalize_counts(table.counts))


# --- Theorem 1 and 2: discriminators -------------------------------------------------------------


def _discriminator_outputs(d: Any, z: Any) -> tuple[np.ndarray, np.ndarray]:
    """(n, K) probabilities D_k(y_i) whose rows sum to 1, and z as indices 0..K-1."""
    outputs = to_numpy(d, "d").astype(float)
    if outputs.ndim == 1:
        z = as_binary(z, "z")  # a single column is D_1 = P(z = 1 | y), as FR-Train's sigmoid unit
        outputs = outputs.reshape(-1, 1)
        if outputs.size == 0:
            raise ValueError("d is empty")
        if np.isnan(outputs).any() or (outputs < 0).any() or (outputs > 1).any():
            raise ValueError(
                "d must hold probabilities D_1(y) = P(z = 1 | y) in [0, 1] "
                "(logits? apply a sigmoid first)"
            )
        outputs = np.hstack([1.0 - outputs, outputs])
    elif outputs.ndim == 2:
        if outputs.shape[0] == 0 or outputs.shape[1] < 2:
            raise ValueError(
                f"d must have one row per example and a column per value of z (>= 2), got shape {outputs.shape}"
            )
        if np.isnan(outputs).any() or (outputs < 0).any() or (outputs > 1).any():
            raise ValueError("d must hold probabilities in [0, 1] (logits? apply a softmax first)")
        sums = outputs.sum(axis=1)
        bad = np.flatnonzero(np.abs(sums - 1.0) > SUM_TOLERANCE)
        if bad.size:
            raise ValueError(
                f"each row of d must sum to 1 (Theorem 1 asks sum_z D_z(y) = 1); row {int(bad[0])} "
                f"sums to {sums[bad[0]]:.6g} (logits? apply a softmax first)"
            )
        z = as_labels(z, "z", outputs.shape[1])
    else:
        raise ValueError(f"d must be 1-D (binary z) or 2-D (examples x values of z), got shape {outputs.shape}")
    check_same_length(z=z, d=outputs)
    return outputs, z


def discriminator_bound(z: Any, d: Any) -> float:
    """The Theorem 1 lower bound on I(Z; Yhat) from a discriminator's outputs, in nats.

        sum_z P(z) E[log D_z(Yhat) | Z = z] + H(Z)  =  mean_i log D_{z_i}(yhat_i) + H(Z),

    with P(z) and H(Z) the empirical ones of ``z`` (Roh et al. 2020, Theorem 1; Theorem 2 with
    V in place of Z). The bound is at most the plug-in MI of the sample when the
    discriminator's input is discrete, with equality for D_z(y) = P_hat(z | y) (Gibbs'
    inequality); an output D_{z_i} = 0 for the true z_i makes it -inf.

    Parameters
    ----------
    z : array of shape (n,)
        The values of Z, as indices 0..K-1 into the columns of ``d`` (or 0/1 with a 1-D ``d``).
    d : array of shape (n, K) or (n,)
        ``d[i, k] = D_k(yhat_i)``, probabilities with rows summing to 1; or, for a binary Z, the
        single column D_1(yhat_i) = P(Z = 1 | yhat_i) that a sigmoid unit outputs.

    Examples
    --------
    >>> round(discriminator_bound([0, 1], [[1.0, 0.0], [0.0, 1.0]]), 6)  # a perfect D: log 2
    0.693147
    >>> discriminator_bound([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])  # an uninformed D
    0.0
    """
    outputs, codes = _discriminator_outputs(d, z)
    with np.errstate(divide="ignore"):
        log_likelihood = float(np.mean(np.log(outputs[np.arange(len(codes)), codes])))
    counts = np.bincount(codes, minlength=outputs.shape[1])
    return log_likelihood + _entropy_of(counts / counts.sum())


def _features_2d(features: Any, name: str) -> np.ndarray:
    array = to_numpy(features, name)
    if array.ndim == 1:
        return as_vector(array, name).reshape(-1, 1)
    return as_features(array, name)


@dataclass
class DiscriminatorMI:
    """What :func:`discriminator_mi` returns.

    Attributes
    ----------
    estimate : float
        The Theorem 1 bound on the held-out rows: mean_i log D_{z_i}(x_i) + H(Z), in nats.
    stderr : float
        Its standard error: the estimate is the mean of the pointwise terms
        log D_{z_i}(x_i) - log P_hat(z_i), and this is their standard deviation / sqrt(n_test).
    train_estimate : float
        The same bound on the training rows (optimistic: the discriminator was fitted there).
    entropy_z : float
        H(Z) of the held-out rows, the largest value the bound can take.
    epochs, train_curve, held_out_curve : ndarray
        The training curve: after each epoch in ``epochs`` (0 is the untrained discriminator),
        the bound on the training and on the held-out rows.
    values : ndarray
        The distinct values of z; column k of :meth:`probabilities` is D for ``values[k]``.
    model : torch.nn.Module
        The trained discriminator (on standardised features; use :meth:`probabilities`).
    n_train, n_test : int
    """

    estimate: float
    stderr: float
    train_estimate: float
    entropy_z: float
    epochs: np.ndarray
    train_curve: np.ndarray
    held_out_curve: np.ndarray
    values: np.ndarray
    model: nn.Module = field(repr=False)
    n_train: int
    n_test: int
    _mean: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(1))
    _scale: np.ndarray = field(repr=False, default_factory=lambda: np.ones(1))

    def probabilities(self, features: Any) -> np.ndarray:
        """D_k(x) for each row of ``features``: an (n, K) array whose rows sum to 1."""
        array = _features_2d(features, "features")
        if array.shape[1] != len(self._mean):
            raise ValueError(f"features has {array.shape[1]} columns, the discriminator expects {len(self._mean)}")
        inputs = torch.as_tensor((array - self._mean) / self._scale, dtype=torch.float32)
        self.model.eval()
        with torch.no_grad():
            return torch.softmax(self.model(inputs), dim=1).double().numpy()


def discriminator_mi(
    z: Any,
    features: Any,
    *,
    hidden: Sequence[int] = (),
    epochs: int = 300,
    lr: float = 0.05,
    weight_decay: float = 0.0,
    held_out: float = 0.5,
    seed: int = 0,
) -> DiscriminatorMI:
    """Estimate I(Z; features) by training a discriminator of z (Roh et al. 2020, Theorems 1, 2).

    The rows are shuffled (seeded) and split into a training part and a held-out part
    (fraction ``held_out``). A softmax classifier D of z from the features is trained on the
    first by full-batch Adam on the cross-entropy, i.e. it maximises
    sum_z P(z) E[log D_z(x) | Z = z]; the returned estimate is the bound of Theorem 1,

        mean over held-out rows of log D_{z_i}(x_i)  +  H(Z)   (H(Z) of the held-out rows).

    Every discriminator gives a lower bound of I(Z; X) (in expectation), so a weak or
    overfitted D underestimates, and evaluating on held-out rows keeps the estimate honest: it
    can only exceed the true value by noise (see ``stderr``). On the held-out rows it is never
    above their plug-in MI when the features are discrete.

    Features are standardised with the training part's mean and standard deviation. Training
    starts from the discriminator that knows nothing, D_z = P(z) (zero output weights), whose
    bound is 0, so the training curve shows what the features add. With
    ``hidden=()`` the discriminator is multinomial logistic regression, like FR-Train's
    fairness discriminator (a logistic unit on the prediction); with hidden layers it is an MLP
    with LeakyReLU(0.2), like its robustness discriminator (4 -> 16 -> 1 on rows [x, z, y]).
    A discrete feature with more than two values should be one-hot encoded, so that a linear
    D can represent any P(z | feature).

    Parameters
    ----------
    z : array of shape (n,)
        A discrete variable with at least two distinct values (any numbers).
    features : array of shape (n,) or (n, d)
        What the discriminator sees (Yhat for Theorem 1; the rows (x, z, y) for Theorem 2).
    hidden : sequence of int, default ()
        Hidden layer sizes; () is a linear discriminator.
    epochs, lr, weight_decay : training budget, Adam's learning rate and L2 penalty.
    held_out : float in (0, 1), default 0.5
        Fraction of the rows kept out of training to evaluate the bound.
    seed : int
        Seeds the split and the initial weights.

    Returns
    -------
    DiscriminatorMI
        The held-out estimate, its standard error, the training curve and the discriminator.
    """
    labels = as_vector(z, "z")
    values, codes = np.unique(labels, return_inverse=True)
    if len(values) < 2:
        raise ValueError(
            f"z has a single value ({values[0]:g}); then H(Z) = I(Z; features) = 0 and there is "
            "nothing for a discriminator to learn"
        )
    inputs = _features_2d(features, "features")
    check_same_length(z=labels, features=inputs)
    epochs = check_positive_int(epochs, "epochs")
    lr = check_scalar(lr, "lr", min_val=0, include_boundaries="neither")
    weight_decay = check_scalar(weight_decay, "weight_decay", min_val=0)
    held_out = check_scalar(held_out, "held_out", min_val=0, max_val=1, include_boundaries="neither")
    seed = check_positive_int(seed, "seed", minimum=0)
    K = len(values)
    # Linear layers with LeakyReLU(0.2) between them, the activation of FR-Train's D_R.
    model = make_mlp(inputs.shape[1], hidden, K, activation="leaky_relu", seed=seed)
    train, test = _split_rows(len(labels), held_out, seed)
    standardised, mean, scale = _standardise(inputs, train)
    targets = torch.as_tensor(codes, dtype=torch.long)
    h_train, h_test = _plugin_entropy_of_codes(codes[train], K), _plugin_entropy_of_codes(codes[test], K)
    _start_from_the_prior(model, codes[train], K)
    train_curve, test_curve = _train_discriminator(
        model, (standardised[train], targets[train], h_train), (standardised[test], targets[test], h_test),
        epochs=epochs, lr=lr, weight_decay=weight_decay,
    )
    pointwise = _pointwise_bound(model, standardised[test], codes[test], K)
    n_test = len(test)
    stderr = float(pointwise.std(ddof=1) / math.sqrt(n_test)) if n_test > 1 else float("nan")
    return DiscriminatorMI(
        estimate=float(pointwise.mean()),
        stderr=stderr,
        train_estimate=train_curve[-1],
        entropy_z=h_test,
        epochs=np.arange(epochs + 1),
        train_curve=np.array(train_curve),
        held_out_curve=np.array(test_curve),
        values=values,
        model=model,
        n_train=len(train),
        n_test=n_test,
        _mean=mean,
        _scale=scale,
    )


def _split_rows(n: int, held_out: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A seeded shuffle of the n rows into a training part and a held-out part (fraction ``held_out``)."""
    n_test = int(round(held_out * n))
    if n_test < 1 or n - n_test < 1:
        raise ValueError(
            f"{n} rows cannot be split into a training part and a held-out part of fraction {held_out}"
        )
    order = np.random.default_rng(seed).permutation(n)
    return order[n_test:], order[:n_test]


def _standardise(inputs: np.ndarray, train: np.ndarray) -> tuple[torch.Tensor, np.ndarray, np.ndarray]:
    """The features standardised with the training rows' mean and standard deviation (1 where 0)."""
    mean = inputs[train].mean(axis=0)
    scale = inputs[train].std(axis=0)
    scale[scale == 0] = 1.0
    return torch.as_tensor((inputs - mean) / scale, dtype=torch.float32), mean, scale


def _plugin_entropy_of_codes(codes: np.ndarray, K: int) -> float:
    """H(Z) of a sample of z coded 0 .. K-1 (the plug-in estimate)."""
    counts = np.bincount(codes, minlength=K)
    return _entropy_of(counts / counts.sum())


def _start_from_the_prior(model: nn.Sequential, codes: np.ndarray, K: int) -> None:
    """Make ``model`` the discriminator that knows nothing, D_z = P(z), whose bound is 0: zero
    output weights, output bias log P(z) of the given (training) rows."""
    prior = np.bincount(codes, minlength=K) / len(codes)
    with torch.no_grad():
        model[-1].weight.zero_()
        model[-1].bias.copy_(torch.as_tensor(np.log(np.maximum(prior, 1e-12)), dtype=torch.float32))


def _train_discriminator(
    model: nn.Module,
    training: tuple[torch.Tensor, torch.Tensor, float],
    held_out: tuple[torch.Tensor, torch.Tensor, float],
    *,
    epochs: int,
    lr: float,
    weight_decay: float,
) -> tuple[list[float], list[float]]:
    """Full-batch Adam on the cross-entropy of z; the Theorem 1 bound H(Z) - CE on both parts.

    ``training`` and ``held_out`` are (features, z codes, H(Z) of those rows). Returns the two
    curves: the training bound before each update and after the last one, and the held-out bound
    of the untrained discriminator and after each update (``epochs + 1`` values each).
    """
    (x_train, y_train, h_train), (x_test, y_test, h_test) = training, held_out
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = nn.CrossEntropyLoss()

    def bound(x: torch.Tensor, y: torch.Tensor, h: float) -> float:
        with torch.no_grad():
            return h - float(loss_fn(model(x), y))

    train_curve, test_curve = [], [bound(x_test, y_test, h_test)]  # epoch 0: the untrained D
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(x_train), y_train)
        train_curve.append(h_train - float(loss.detach()))  # the bound before this update
        loss.backward()
        optimizer.step()
        test_curve.append(bound(x_test, y_test, h_test))
    train_curve.append(bound(x_train, y_train, h_train))
    model.eval()
    return train_curve, test_curve


def _pointwise_bound(model: nn.Module, x: torch.Tensor, codes: np.ndarray, K: int) -> np.ndarray:
    """log D_{z_i}(x_i) - log P_hat(z_i) on the given rows: the terms whose mean is the bound."""
    with torch.no_grad():
        log_d = torch.log_softmax(model(x), dim=1).double().numpy()
    counts = np.bincount(codes, minlength=K)
    with np.errstate(divide="ignore"):
        log_prior = np.log(counts / counts.sum())
    return log_d[np.arange(len(codes)), codes] - log_prior[codes]


# --- variational bounds for continuous pairs -----------------------------------------------------
#
# Each bound is a function of a B x B matrix of critic scores S[i, j] = f(x_i, y_j) on a batch of
# B pairs (x_i, y_i) drawn from the joint distribution P: the diagonal holds joint pairs, the
# off-diagonal entries pairs (x_i, y_j), i != j, that behave like draws from P(x) P(y).


def _offdiagonal(scores: torch.Tensor) -> torch.Tensor:
    n = scores.shape[0]
    return scores[~torch.eye(n, dtype=torch.bool, device=scores.device)]


def _dv(scores: torch.Tensor) -> torch.Tensor:
    off = _offdiagonal(scores)
    return scores.diagonal().mean() - (torch.logsumexp(off, dim=0) - math.log(off.numel()))


def _nwj(scores: torch.Tensor) -> torch.Tensor:
    off = _offdiagonal(scores)
    return scores.diagonal().mean() - torch.exp(torch.logsumexp(off - 1.0, dim=0) - math.log(off.numel()))


def _infonce(scores: torch.Tensor) -> torch.Tensor:
    n = scores.shape[0]
    return (scores.diagonal() - torch.logsumexp(scores, dim=1)).mean() + math.log(n)


BOUNDS = {"dv": _dv, "nwj": _nwj, "infonce": _infonce}


def _score_matrix(scores: Any) -> torch.Tensor:
    matrix = to_numpy(scores, "scores").astype(float)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"scores must be a square matrix S[i, j] = f(x_i, y_j), got shape {matrix.shape}")
    if matrix.shape[0] < 2:
        raise ValueError(
            "scores needs at least 2 pairs (a 2 x 2 matrix): the bounds compare joint and mismatched pairs"
        )
    if np.isnan(matrix).any():
        raise ValueError("scores contains NaN")
    return torch.as_tensor(matrix, dtype=torch.float64)


def dv_bound(scores: Any) -> float:
    """Donsker-Varadhan lower bound on I(X; Y) from critic scores (the bound MINE maximises).

        I(X; Y) >= E_P[f(x, y)] - log E_{P(x)P(y)}[exp f(x, y)]

    (Donsker and Varadhan 1983; Belghazi et al. 2018, MINE), estimated on a batch: the mean of
    the diagonal of ``scores`` minus the log of the mean of exp over the off-diagonal entries.
    Tight for f = log p(y | x) / p(y) + any constant.

    Parameters
    ----------
    scores : array of shape (B, B)
        ``scores[i, j] = f(x_i, y_j)`` for a batch of B joint pairs (x_i, y_i).
    """
    return float(_dv(_score_matrix(scores)))


def nwj_bound(scores: Any) -> float:
    """Nguyen-Wainwright-Jordan lower bound on I(X; Y) from critic scores (also "f-GAN KL", "MINE-f").

        I(X; Y) >= E_P[f(x, y)] - e^{-1} E_{P(x)P(y)}[exp f(x, y)]

    (Nguyen, Wainwright and Jordan 2010): the diagonal mean minus the mean of exp(f - 1) over
    the off-diagonal entries. Tight for f = 1 + log p(y | x) / p(y); unlike DV it is not
    invariant to shifting f, and it is never above the DV bound of the same scores.
    """
    return float(_nwj(_score_matrix(scores)))


def infonce_bound(scores: Any) -> float:
    """InfoNCE lower bound on I(X; Y) from critic scores (van den Oord, Li and Vinyals 2018).

        I(X; Y) >= mean_i log( exp f(x_i, y_i) / ((1/B) sum_j exp f(x_i, y_j)) )

    Each x_i must pick out its own y_i among the B candidates of the batch. The term inside
    the log is at most B, so the bound never exceeds **log B** whatever the critic: with a
    batch of B pairs InfoNCE cannot certify more than log B nats. Low variance, high bias
    when I(X; Y) is close to or above log B (Poole et al. 2019).
    """
    return float(_infonce(_score_matrix(scores)))


class SeparableCritic(nn.Module):
    """f(x, y) = g(x) . h(y), with g and h small MLPs (Poole et al. 2019, the "separable" critic).

    One forward pass on a batch gives the whole B x B score matrix ``g(X) @ h(Y).T``.
    """

    def __init__(self, x_dim: int, y_dim: int, hidden: int = 64, embed: int = 32) -> None:
        super().__init__()
        x_dim, y_dim = check_positive_int(x_dim, "x_dim"), check_positive_int(y_dim, "y_dim")
        hidden, embed = check_positive_int(hidden, "hidden"), check_positive_int(embed, "embed")
        # Two MLPs n -> hidden -> hidden -> embed with ReLU, drawn in turn from torch's generator.
        self.g = make_mlp(x_dim, (hidden, hidden), embed)
        self.h = make_mlp(y_dim, (hidden, hidden), embed)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.g(x) @ self.h(y).T


@dataclass
class VariationalMI:
    """What :func:`variational_mi` returns.

    Attributes
    ----------
    bound : str
        ``"dv"``, ``"nwj"`` or ``"infonce"``.
    estimate : float
        The bound of the trained critic on held-out pairs: the mean over held-out batches of
        ``batch_size`` pairs, in nats.
    stderr : float
        Standard deviation of the held-out batch values / sqrt(number of batches).
    batch_values : ndarray
        The bound on each held-out batch (their spread is the estimator's variance at this
        batch size).
    curve : ndarray
        The bound on each training batch, one value per step (the training curve).
    batch_size : int
    ceiling : float
        log(batch_size) for InfoNCE (it can never exceed it), +inf for the others.
    critic : SeparableCritic
    """

    bound: str
    estimate: float
    stderr: float
    batch_values: np.ndarray
    curve: np.ndarray
    batch_size: int
    ceiling: float
    critic: nn.Module = field(repr=False)


def variational_mi(
    x: Any,
    y: Any,
    bound: str = "dv",
    *,
    batch_size: int = 128,
    steps: int = 1000,
    lr: float = 1e-3,
    hidden: int = 64,
    embed: int = 32,
    held_out: float = 0.25,
    seed: int = 0,
) -> VariationalMI:
    """Estimate I(X; Y) of continuous pairs by training a critic on a variational lower bound.

    The pairs are split (seeded) into a training and a held-out part. A
    :class:`SeparableCritic` f(x, y) = g(x) . h(y) is trained by Adam to maximise the chosen
    bound (:func:`dv_bound`, :func:`nwj_bound` or :func:`infonce_bound`) on random batches of
    ``batch_size`` training pairs; within a batch the B (B - 1) mismatched pairs play the
    samples of P(x) P(y). The estimate is the bound of the trained critic averaged over
    held-out batches of the same size.

    "dv" is MINE's objective (Belghazi et al. 2018) without its moving-average gradient
    correction, which the B (B - 1) negatives of each batch make unnecessary here.

    Parameters
    ----------
    x, y : arrays of shape (n, d_x) and (n, d_y) (or (n,) for one dimension)
        Paired samples of the joint distribution.
    bound : {"dv", "nwj", "infonce"}
    batch_size : int, default 128
        B; InfoNCE's estimate is capped at log B.
    steps, lr : Adam steps and learning rate.
    hidden, embed : widths of the critic's MLPs and of their output embedding.
    held_out : float in (0, 1), default 0.25
        Fraction of the pairs kept to evaluate the trained critic; it must hold at least one
        batch.
    seed : int
        Seeds the split, the batches and the critic's initial weights.
    """
    bound = check_choice(bound, "bound", tuple(BOUNDS))
    xs = _features_2d(x, "x")
    ys = _features_2d(y, "y")
    check_same_length(x=xs, y=ys)
    batch_size = check_positive_int(batch_size, "batch_size", minimum=2)
    steps = check_positive_int(steps, "steps")
    lr = check_scalar(lr, "lr", min_val=0, include_boundaries="neither")
    held_out = check_scalar(held_out, "held_out", min_val=0, max_val=1, include_boundaries="neither")
    seed = check_positive_int(seed, "seed", minimum=0)
    n = len(xs)
    n_test = int(round(held_out * n))
    if n_test < batch_size or n - n_test < batch_size:
        needed = math.ceil(batch_size / min(held_out, 1 - held_out))
        raise ValueError(
            f"{n} pairs are too few for batch_size = {batch_size} with held_out = {held_out}: "
            f"each part needs at least one batch (about {needed} pairs)"
        )
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    train, test = order[n_test:], order[:n_test]
    x_all = torch.as_tensor(xs, dtype=torch.float32)
    y_all = torch.as_tensor(ys, dtype=torch.float32)
    objective = BOUNDS[bound]
    with torch_seed(seed):
        critic = SeparableCritic(xs.shape[1], ys.shape[1], hidden=hidden, embed=embed)
    optimizer = torch.optim.Adam(critic.parameters(), lr=lr)
    curve = np.empty(steps)
    critic.train()
    for step in range(steps):
        batch = torch.as_tensor(rng.choice(train, size=batch_size, replace=False))
        optimizer.zero_grad()
        value = objective(critic(x_all[batch], y_all[batch]))
        (-value).backward()
        optimizer.step()
        curve[step] = float(value.detach())
    critic.eval()
    n_batches = n_test // batch_size
    with torch.no_grad():
        batch_values = np.array([
            float(objective(critic(x_all[rows], y_all[rows]).double()))
            for rows in (torch.as_tensor(test[k * batch_size:(k + 1) * batch_size]) for k in range(n_batches))
        ])
    stderr = float(batch_values.std(ddof=1) / math.sqrt(n_batches)) if n_batches > 1 else float("nan")
    return VariationalMI(
        bound=bound,
        estimate=float(batch_values.mean()),
        stderr=stderr,
        batch_values=batch_values,
        curve=curve,
        batch_size=batch_size,
        ceiling=math.log(batch_size) if bound == "infonce" else math.inf,
        critic=critic,
    )


# --- the Gaussian benchmark ----------------------------------------------------------------------


def _check_rho(rho: Any) -> float:
    return check_scalar(rho, "rho", min_val=-1, max_val=1, include_boundaries="neither",
                        why="a correlation strictly between -1 and 1")


def gaussian_mi(rho: float, dim: int = 1) -> float:
    """I(X; Y) for x ~ N(0, I_d), y = rho x + sqrt(1 - rho^2) e, e ~ N(0, I_d): -(d/2) log(1 - rho^2).

    Each of the d coordinate pairs is a bivariate normal with correlation rho, independent of
    the others, and a bivariate normal has I = -1/2 log(1 - rho^2) nats.
    """
    rho = _check_rho(rho)
    dim = check_positive_int(dim, "dim")
    return -0.5 * dim * math.log1p(-rho * rho)


def rho_for_mi(mi: float, dim: int = 1) -> float:
    """The correlation rho >= 0 at which :func:`gaussian_mi` equals ``mi``: sqrt(1 - exp(-2 mi / d))."""
    mi = check_scalar(mi, "mi", min_val=0)
    dim = check_positive_int(dim, "dim")
    return math.sqrt(-math.expm1(-2.0 * mi / dim))


def correlated_gaussians(n: int, dim: int = 1, rho: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n pairs x ~ N(0, I_d), y = rho x + sqrt(1 - rho^2) e with e ~ N(0, I_d): arrays of shape (n, d).

    The standard sanity test of MI estimators (Belghazi et al. 2018; Poole et al. 2019): the
    true value is :func:`gaussian_mi` ``(rho, dim)``.
    """
    n = check_positive_int(n, "n")
    dim = check_positive_int(dim, "dim")
    rho = _check_rho(rho)
    seed = check_positive_int(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, dim))
    y = rho * x + math.sqrt(1.0 - rho * rho) * rng.standard_normal((n, dim))
    return x, y


def gaussian_log_ratio(x: Any, y: Any, rho: float) -> np.ndarray:
    """The optimal critic of the Gaussian benchmark, log p(y | x) / p(y), for every pair.

        log p(y_j | x_i) / p(y_j) = -(d/2) log(1 - rho^2) - |y_j - rho x_i|^2 / (2 (1 - rho^2)) + |y_j|^2 / 2

    Returned as the (n, n) matrix S[i, j] for x_i, y_j, ready for :func:`dv_bound` (tight as is),
    :func:`nwj_bound` (tight with 1 added) and :func:`infonce_bound`. Its mean on joint pairs is
    the true MI.
    """
    rho = _check_rho(rho)
    xs, ys = _features_2d(x, "x"), _features_2d(y, "y")
    check_same_length(x=xs, y=ys)
    if xs.shape[1] != ys.shape[1]:
        raise ValueError(f"x and y must have the same dimension, got {xs.shape[1]} and {ys.shape[1]}")
    d = xs.shape[1]
    var = 1.0 - rho * rho
    squared = ((ys[None, :, :] - rho * xs[:, None, :]) ** 2).sum(axis=2)
    return -0.5 * d * math.log(var) - squared / (2 * var) + 0.5 * (ys**2).sum(axis=1)[None, :]
