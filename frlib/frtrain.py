"""FR-Train: fair and robust training with two discriminators (Roh, Lee, Whang, Suh, ICML 2020).

The three players (paper section 3, Figure 2):

* the **generator** is the classifier: a linear layer, ``logit = w . x + b``, ``yhat = 1[logit > 0]``;
* the **fairness discriminator** D_F (section 3.1) predicts z from the generator's output
  (demographic parity, the paper) or from the output and the label y (equalized odds). By
  Theorem 1 its best binary cross-entropy is H(Z) - I(Z; Yhat): a generator that makes D_F fail
  makes Yhat independent of Z;
* the **robustness discriminator** D_R (section 3.2) is an MLP on rows (x, label). It tells the
  clean validation set (the true label, target 1) from the training set labelled by the
  generator (the generator's output, target 0). By Theorem 2 its best loss measures
  I(V; X, Z, Y) between "clean or generated" and the rows: a generator whose training rows look
  like the clean ones has learnt the clean joint distribution.

The generator minimises (section 3.3)

    L_G = (1 - lambda_f - lambda_r) * mean_i(w_i * BCE(logit_i, y_i))
          - lambda_f * mean_i(w_i * BCE(D_F(logit_i), z_i))
          - lambda_r * mean_i(BCE(D_R(x_i, logit_i), 0)),

the label loss on the (possibly poisoned) training labels, minus the two discriminators'
losses. The example weights w_i come from D_R (section 3.2, "reweighting"): every
``reweight_every`` epochs, ``w_i = a * D_R(x_i, logit_i) + (1 - a)`` with
``a = sigmoid(L_G / L_DR - 3)``, so rows that D_R finds clean-looking count more once D_R is
confident relative to the generator.

As in the authors' implementation (PAPER_FACTS section 5): full batch; ``warmup_epochs`` of
plain label loss first (``0.1 * BCE((tanh(logit) + 1) / 2, y)``, which fits tanh(logit) to the
label coded as -1 / +1); then the generator steps every ``k`` epochs while both discriminators
step every epoch; Adam for the generator, SGD for the discriminators; all weights drawn from
N(0, 0.2^2), biases 0. D_R sees the generator's raw logit in the label column, and the clean
rows' label coded as -1 / +1, the scale the warm-up puts the logit on.

**Batched grids.** :func:`train_frtrain_grid` trains many configurations (lambda_f, lambda_r,
seed), on one or several data sets of the same shape, as one computation: every parameter is a
stacked tensor with leading dimensions (data set, run), each run's losses are means over its own
rows, and the grid's loss is their sum, so each run's parameters get exactly its own gradient.
Adam and SGD act element by element, so a run trained in a grid follows the same trajectory as
trained alone (:func:`train_frtrain` is the same code with a grid of one). Each run's initial
weights come from its own seed, whatever else is in the grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from itertools import product
from typing import Any, NamedTuple, Sequence

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F

from ._validation import check_choice, check_positive_int
from .config import budget
from .data import Dataset
from .metrics import accuracy, disparate_impact

INIT_STD = 0.2  # the authors' initialisation: N(0, 0.2^2) weights, zero biases


@dataclass(frozen=True)
class FRTrainSettings:
    """Everything about a run except the two lambdas and the seed.

    Attributes
    ----------
    epochs : int
        Full-batch epochs (discriminator steps).
    k : int
        After the warm-up the generator steps every ``k`` epochs (the 1:k schedule).
    warmup_epochs : int
        Epochs of plain label loss before the adversarial game starts.
    reweight_every : int
        Epochs between refreshes of the example weights from D_R.
    lr_generator, lr_fairness, lr_robustness : float
        Learning rates of the generator (Adam), D_F (SGD) and D_R (SGD).
    hidden_robustness : int
        Width of D_R's hidden layer.
    fairness : {"dp", "eo"}
        What D_F sees: the output only (demographic parity, the paper) or the output and the
        label y (equalized odds).
    record_every : int
        Epochs between recorded points of the loss curves.
    """

    epochs: int = 10_000
    k: int = 5
    warmup_epochs: int = 500
    reweight_every: int = 100
    lr_generator: float = 1e-3
    lr_fairness: float = 1e-3
    lr_robustness: float = 1e-3
    hidden_robustness: int = 16
    fairness: str = "dp"
    record_every: int = 10

    def __post_init__(self) -> None:
        check_positive_int(self.epochs, "epochs")
        check_positive_int(self.k, "k")
        check_positive_int(self.warmup_epochs, "warmup_epochs", minimum=0)
        check_positive_int(self.reweight_every, "reweight_every")
        check_positive_int(self.hidden_robustness, "hidden_robustness")
        check_positive_int(self.record_every, "record_every")
        for name in ("lr_generator", "lr_fairness", "lr_robustness"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        check_choice(self.fairness, "fairness", ("dp", "eo"))


# The authors' settings on the synthetic data (PAPER_FACTS section 5).
POISONED_SETTINGS = FRTrainSettings(epochs=10_000, k=5, lr_generator=1e-3, lr_fairness=1e-3, lr_robustness=1e-3)
CLEAN_SETTINGS = FRTrainSettings(epochs=4_000, k=3, lr_generator=5e-3, lr_fairness=1e-2, lr_robustness=1e-3)
PAPER_LAMBDAS = {"poisoned": (0.52, 0.4), "clean": (0.85, 0.1)}  # (lambda_f, lambda_r) of the tables


class Run(NamedTuple):
    """One configuration of a grid."""

    lambda_f: float
    lambda_r: float
    seed: int


def grid(lambda_f: Sequence[float], lambda_r: Sequence[float] | float, seeds: Sequence[int] | int = (0,)) -> list[Run]:
    """Every combination of the given lambda_f, lambda_r and seeds (seeds vary fastest)."""
    lambda_r = [lambda_r] if isinstance(lambda_r, (int, float)) else list(lambda_r)
    seeds = [seeds] if isinstance(seeds, (int, np.integer)) else list(seeds)
    return [Run(float(f), float(r), int(s)) for f, r, s in product(lambda_f, lambda_r, seeds)]


def check_run(run: Any) -> Run:
    """A valid Run: lambdas non-negative with lambda_f + lambda_r < 1, seed a non-negative int."""
    try:
        lambda_f, lambda_r, seed = run
    except (TypeError, ValueError):
        raise TypeError(f"a run must be (lambda_f, lambda_r, seed), got {run!r}") from None
    for name, value in (("lambda_f", lambda_f), ("lambda_r", lambda_r)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) or not math.isfinite(value):
            raise TypeError(f"{name} must be a number, got {value!r}")
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    if lambda_f + lambda_r >= 1:
        raise ValueError(
            f"lambda_f + lambda_r must be below 1 (the label loss has weight 1 - lambda_f - lambda_r), "
            f"got {lambda_f} + {lambda_r} = {lambda_f + lambda_r}"
        )
    return Run(float(lambda_f), float(lambda_r), check_positive_int(seed, "seed", minimum=0))


def check_validation_set(val: Dataset, name: str = "val") -> None:
    """D_R needs a clean validation set of at least 10 rows with both labels."""
    if not isinstance(val, Dataset):
        raise TypeError(f"{name} must be a frlib.data.Dataset, got {type(val).__name__}")
    if len(val) < 10:
        raise ValueError(f"{name} has {len(val)} rows; the robustness discriminator needs at least 10")
    if len(np.unique(val.y)) < 2:
        raise ValueError(f"{name} has a single class (y = {val.y[0]}); the clean validation set needs both labels")


@dataclass
class FRTrainGridResult:
    """A trained grid: ``S`` data sets times ``R`` runs.

    Attributes
    ----------
    runs : list of Run
        The ``R`` configurations, the same on every data set.
    settings : FRTrainSettings
    weight, bias : ndarray (S, R, d), (S, R)
        The generators: ``logit = X @ weight[s, r] + bias[s, r]``.
    example_weights : ndarray (S, R, n_train)
        The last example weights from D_R (all 1 when training ended before the first refresh).
    clean_score : ndarray (S, R, n_train)
        D_R's final output on each training row with the generator's label: its belief that the
        row is clean.
    history : dict of str -> ndarray (T, S, R)
        Curves recorded every ``settings.record_every`` epochs: ``"generator"`` (L_G),
        ``"fairness"`` (D_F's BCE), ``"robustness"`` (D_R's loss), ``"label"`` (unweighted BCE of
        the generator on the training labels), ``"mi_z_yhat"`` (Theorem 1 estimate
        H(Z) - BCE of D_F, nats), ``"mi_clean"`` (Theorem 2 estimate log 2 - D_R loss, nats).
    epochs_recorded : ndarray (T,)
    """

    runs: list[Run]
    settings: FRTrainSettings
    weight: np.ndarray
    bias: np.ndarray
    example_weights: np.ndarray
    clean_score: np.ndarray
    history: dict[str, np.ndarray] = field(repr=False)
    epochs_recorded: np.ndarray = field(repr=False)

    def logits(self, X: Any, dataset: int = 0) -> np.ndarray:
        """(R, n) logits of every run trained on data set ``dataset``."""
        X = np.asarray(X, dtype=float)
        return X @ self.weight[dataset].T + self.bias[dataset][None, :]  # (n, R)

    def predict(self, X: Any, dataset: int = 0) -> np.ndarray:
        """(R, n) predictions in {0, 1} of every run trained on data set ``dataset``."""
        return (self.logits(X, dataset).T > 0).astype(int)

    def evaluate(self, tests: Dataset | Sequence[Dataset]) -> pd.DataFrame:
        """Test accuracy and DI of every run: one row per (data set, run)."""
        tests = [tests] if isinstance(tests, Dataset) else list(tests)
        if len(tests) != self.weight.shape[0]:
            raise ValueError(f"tests has {len(tests)} data sets; the grid was trained on {self.weight.shape[0]}")
        rows = []
        for s, test in enumerate(tests):
            predictions = self.predict(test.X, s)
            for r, run in enumerate(self.runs):
                rows.append({"dataset": s, **run._asdict(),
                             "accuracy": accuracy(test.y, predictions[r]),
                             "DI": disparate_impact(predictions[r], test.z)})
        return pd.DataFrame(rows)


@dataclass
class FRTrainModel:
    """One trained FR-Train classifier (a grid of one, see :func:`train_frtrain`)."""

    run: Run
    settings: FRTrainSettings
    weight: np.ndarray
    bias: float
    example_weights: np.ndarray
    clean_score: np.ndarray
    history: dict[str, np.ndarray] = field(repr=False)
    epochs_recorded: np.ndarray = field(repr=False)

    def predict_logit(self, X: Any) -> np.ndarray:
        return np.asarray(X, dtype=float) @ self.weight + self.bias

    def predict(self, X: Any) -> np.ndarray:
        """yhat = 1[logit > 0]."""
        return (self.predict_logit(X) > 0).astype(int)


def _stack(datasets: Sequence[Dataset], name: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    shapes = {d.X.shape for d in datasets}
    if len(shapes) != 1:
        raise ValueError(f"{name}: every data set of a grid must have the same shape, got {sorted(shapes)}")
    X = torch.as_tensor(np.stack([d.X for d in datasets]), dtype=torch.float32)
    y = torch.as_tensor(np.stack([d.y for d in datasets]), dtype=torch.float32)
    z = torch.as_tensor(np.stack([d.z for d in datasets]), dtype=torch.float32)
    return X, y, z


def _as_list(data: Dataset | Sequence[Dataset], name: str) -> list[Dataset]:
    items = [data] if isinstance(data, Dataset) else list(data)
    if not items:
        raise ValueError(f"{name} is empty")
    for item in items:
        if not isinstance(item, Dataset):
            raise TypeError(f"{name} must be a frlib.data.Dataset or a list of them, got {type(item).__name__}")
    return items


def initial_parameters(seed: int, n_features: int, fairness_inputs: int, hidden: int) -> dict[str, torch.Tensor]:
    """The players' initial parameters for one run, drawn from its own seed.

    Weights ~ N(0, 0.2^2), biases 0 (the authors' initialisation). Names: generator
    ``gen_w`` (d,), ``gen_b``; D_F ``f_w`` (1 or 2,), ``f_b``; D_R ``r_w1`` (d + 1, hidden)
    (the last row multiplies the label column), ``r_b1``, ``r_w2`` (hidden,), ``r_b2``.
    """
    generator = torch.Generator().manual_seed(seed)

    def weights(*shape: int) -> torch.Tensor:
        return torch.randn(shape, generator=generator) * INIT_STD

    return {
        "gen_w": weights(n_features), "gen_b": torch.zeros(()),
        "f_w": weights(fairness_inputs), "f_b": torch.zeros(()),
        "r_w1": weights(n_features + 1, hidden), "r_b1": torch.zeros(hidden),
        "r_w2": weights(hidden), "r_b2": torch.zeros(()),
    }  # fmt: skip


def _grid_parameters(runs: Sequence[Run], n_datasets: int, n_features: int, eo: bool, hidden: int) -> dict[str, torch.Tensor]:
    """Every run's initial parameters, laid out for whole-grid computation.

    Per-row tensors in the grid are (data set S, row n, run R); the parameters are stored so
    that each player's forward pass is one matrix product or one broadcast:

    ====================  ==================  ==========================================
    name                  shape               what
    ====================  ==================  ==========================================
    ``gen_w``, ``gen_b``  (S, d, R), (S,1,R)  generator: logit = X @ gen_w + gen_b
    ``f_u``, ``f_v``,     (S, 1, R)           D_F: u * logit (+ v * y for eo) + b
    ``f_b``
    ``r_wx``              (S, d, R * H)       D_R's first layer on x: X @ r_wx
    ``r_wl``, ``r_b1``,   (S, 1, R, H)        D_R's first layer on the label, its bias,
    ``r_w2``                                  and the output layer
    ``r_b2``              (S, 1, R)           D_R's output bias
    ====================  ==================  ==========================================
    """
    d, R, H = n_features, len(runs), hidden
    draws = [initial_parameters(run.seed, d, 2 if eo else 1, H) for run in runs]

    def stacked(name: str) -> torch.Tensor:
        return torch.stack([draw[name] for draw in draws])  # (R, ...)

    r_w1 = stacked("r_w1")  # (R, d + 1, H)
    f_w = stacked("f_w")    # (R, 1 or 2)
    layout = {
        "gen_w": stacked("gen_w").T.reshape(1, d, R),
        "gen_b": stacked("gen_b").reshape(1, 1, R),
        "f_u": f_w[:, 0].reshape(1, 1, R),
        "f_b": stacked("f_b").reshape(1, 1, R),
        "r_wx": r_w1[:, :d, :].permute(1, 0, 2).reshape(1, d, R * H),
        "r_wl": r_w1[:, d, :].reshape(1, 1, R, H),
        "r_b1": stacked("r_b1").reshape(1, 1, R, H),
        "r_w2": stacked("r_w2").reshape(1, 1, R, H),
        "r_b2": stacked("r_b2").reshape(1, 1, R),
    }
    if eo:
        layout["f_v"] = f_w[:, 1].reshape(1, 1, R)
    return {name: value.repeat(n_datasets, *[1] * (value.dim() - 1)).contiguous() for name, value in layout.items()}


class _Adam:
    """Adam (Kingma and Ba 2015) with torch's defaults, on the grid's parameter tensors.

    Element by element, exactly as ``torch.optim.Adam``: each run's parameters move as if they
    had their own optimizer.
    """

    def __init__(self, params: list[torch.Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        self.params, self.lr, self.betas, self.eps, self.steps = params, lr, betas, eps, 0
        self.first = [torch.zeros_like(p) for p in params]
        self.second = [torch.zeros_like(p) for p in params]

    def step(self, grads: list[torch.Tensor]) -> None:
        beta1, beta2 = self.betas
        self.steps += 1
        step_size = self.lr / (1 - beta1 ** self.steps)
        bias_correction2_sqrt = math.sqrt(1 - beta2 ** self.steps)
        for param, grad, first, second in zip(self.params, grads, self.first, self.second):
            first.lerp_(grad, 1 - beta1)
            second.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            param.addcdiv_(first, (second.sqrt() / bias_correction2_sqrt).add_(self.eps), value=-step_size)


class _RobustnessPass(NamedTuple):
    """D_R's forward pass on rows (X, label), kept for the backward pass."""

    pre_activation: torch.Tensor  # (S, n, R, H)
    hidden: torch.Tensor          # (S, n, R, H)
    logit: torch.Tensor           # (S, n, R)


def _robustness_forward(p: dict[str, torch.Tensor], X: torch.Tensor, label: torch.Tensor) -> _RobustnessPass:
    """D_R(x, label) = w2 . leaky_relu(W1 [x, label] + b1) + b2, before the sigmoid.

    X (S, n, d) is shared by the runs; label (S, n, R) is each run's label column.
    """
    S, n, _ = X.shape
    R, H = p["r_w2"].shape[2:]
    pre = torch.bmm(X, p["r_wx"]).view(S, n, R, H)
    pre.add_(p["r_b1"]).addcmul_(label.unsqueeze(-1), p["r_wl"])
    hidden = F.leaky_relu(pre, 0.2)
    logit = (hidden * p["r_w2"]).sum(-1) + p["r_b2"]
    return _RobustnessPass(pre, hidden, logit)


def _robustness_backward(p: dict[str, torch.Tensor], X: torch.Tensor, label: torch.Tensor,
                         forward: _RobustnessPass, grad_logit: torch.Tensor) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
    """Gradients of a loss through D_R, given dLoss/dlogit (S, n, R).

    Returns the gradients of D_R's parameters and dLoss/dlabel (S, n, R).
    """
    S, n, _ = X.shape
    R, H = p["r_w2"].shape[2:]
    grad_hidden = grad_logit.unsqueeze(-1) * p["r_w2"]
    grad_pre = torch.ops.aten.leaky_relu_backward(grad_hidden, forward.pre_activation, 0.2, False)
    grads = {
        "r_wx": torch.bmm(X.transpose(1, 2), grad_pre.view(S, n, R * H)),
        "r_wl": (label.unsqueeze(-1) * grad_pre).sum(1, keepdim=True),
        "r_b1": grad_pre.sum(1, keepdim=True),
        "r_w2": (grad_logit.unsqueeze(-1) * forward.hidden).sum(1, keepdim=True),
        "r_b2": grad_logit.sum(1, keepdim=True),
    }
    grad_label = (grad_pre * p["r_wl"]).sum(-1)
    return grads, grad_label


def _fairness_logit(p: dict[str, torch.Tensor], logit: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
    """D_F before the sigmoid: u * logit + b (dp), or u * logit + v * y + b (eo). (S, n, R)."""
    out = logit * p["f_u"] + p["f_b"]
    if y is not None:
        out = out + y * p["f_v"]
    return out


def _entropy(z: torch.Tensor) -> torch.Tensor:
    """H(Z) in nats of each data set's binary z (S, n, 1): (S, 1)."""
    q = z.mean(1).clamp(1e-12, 1 - 1e-12)
    return -(q * q.log() + (1 - q) * (1 - q).log())


def _bce_with_logits(logit: torch.Tensor, target: torch.Tensor | float) -> torch.Tensor:
    """Per-example binary cross-entropy of sigmoid(logit) against target."""
    if not torch.is_tensor(target):
        target = torch.full_like(logit, float(target))
    return F.binary_cross_entropy_with_logits(logit, target.expand_as(logit), reduction="none")


def _generator_logit(p: dict[str, torch.Tensor], X: torch.Tensor) -> torch.Tensor:
    """logit = X w + b for every run: (S, n, R)."""
    return torch.bmm(X, p["gen_w"]) + p["gen_b"]


def train_frtrain_grid(
    train: Dataset | Sequence[Dataset],
    val: Dataset | Sequence[Dataset],
    runs: Sequence[Run | tuple],
    settings: FRTrainSettings = POISONED_SETTINGS,
) -> FRTrainGridResult:
    """Train every run of the grid on every (train, val) pair, as one batched computation.

    The gradients are written out (the players are a linear layer, a logistic unit and a
    one-hidden-layer MLP) and the optimizers too (Adam and plain SGD, element by element), so an
    epoch is a fixed sequence of whole-grid tensor operations; :mod:`frlib.frtrain_reference` is
    the same algorithm with torch modules, autograd and torch's optimizers, one configuration at
    a time, and the tests check that both follow the same trajectory.

    Parameters
    ----------
    train, val : Dataset or list of Dataset
        Training sets (labels possibly poisoned) and their clean validation sets, one pair per
        data set (for example one per data seed); all training sets must have the same shape,
        and all validation sets too.
    runs : list of Run or (lambda_f, lambda_r, seed)
        The configurations, trained on every data set. :func:`grid` builds products.
    settings : FRTrainSettings, default POISONED_SETTINGS

    Returns
    -------
    FRTrainGridResult
    """
    if not isinstance(settings, FRTrainSettings):
        raise TypeError(f"settings must be FRTrainSettings, got {type(settings).__name__}")
    trains, vals = _as_list(train, "train"), _as_list(val, "val")
    if len(trains) != len(vals):
        raise ValueError(f"train has {len(trains)} data sets but val has {len(vals)}")
    for v in vals:
        check_validation_set(v)
    runs = [check_run(run) for run in runs]
    if not runs:
        raise ValueError("runs is empty; give at least one (lambda_f, lambda_r, seed)")
    X, y, z = _stack(trains, "train")
    Xv, yv, _ = _stack(vals, "val")
    if Xv.shape[-1] != X.shape[-1]:
        raise ValueError(f"val has {Xv.shape[-1]} features but train has {X.shape[-1]}")

    S, R, n, d = X.shape[0], len(runs), X.shape[1], X.shape[2]
    n_val = Xv.shape[1]
    eo = settings.fairness == "eo"
    p = _grid_parameters(runs, S, d, eo, settings.hidden_robustness)
    X_t = X.transpose(1, 2)
    opt_g = _Adam([p["gen_w"], p["gen_b"]], lr=settings.lr_generator)
    fairness_names = ("f_u", "f_v", "f_b") if eo else ("f_u", "f_b")
    robustness_names = ("r_wx", "r_wl", "r_b1", "r_w2", "r_b2")

    lambda_f = torch.tensor([r.lambda_f for r in runs]).view(1, 1, R)
    lambda_r = torch.tensor([r.lambda_r for r in runs]).view(1, 1, R)
    label_weight = 1 - lambda_f - lambda_r
    y_rows, z_rows = y.unsqueeze(-1), z.unsqueeze(-1)  # (S, n, 1), broadcast over the runs
    y_sign = 2 * y_rows - 1
    y_fair = y_rows if eo else None
    clean_label = (2 * yv - 1).unsqueeze(-1).expand(S, n_val, R)  # clean rows: the label as -1 / +1
    h_z = _entropy(z_rows)
    log2 = math.log(2.0)

    example_weights = torch.ones(S, n, R)
    last_generator_loss = torch.zeros(S, R)
    records: dict[str, list[torch.Tensor]] = {k: [] for k in ("generator", "fairness", "robustness", "label", "mi_z_yhat", "mi_clean")}
    recorded_epochs = []

    for epoch in range(settings.epochs):
        record = epoch % settings.record_every == 0 or epoch == settings.epochs - 1
        warmup = epoch < settings.warmup_epochs
        game = not warmup and epoch % settings.k == 0
        reweight = game and epoch % settings.reweight_every == 0
        logit = _generator_logit(p, X)

        # D_F: predict z from the generator's output (section 3.1); one SGD step on its BCE.
        f_logit = _fairness_logit(p, logit, y_fair)
        if record:
            fairness_loss = _bce_with_logits(f_logit, z_rows).mean(1)
        grad_f = (torch.sigmoid(f_logit) - z_rows) / n
        grads = {"f_u": (grad_f * logit).sum(1, keepdim=True), "f_b": grad_f.sum(1, keepdim=True)}
        if eo:
            grads["f_v"] = (grad_f * y_rows).sum(1, keepdim=True)
        for name in fairness_names:
            p[name].add_(grads[name], alpha=-settings.lr_fairness)

        # D_R: clean validation rows (target 1) vs training rows labelled by the generator
        # (target 0), loss 0.5 * (clean + generated) (section 3.2); one SGD step.
        clean = _robustness_forward(p, Xv, clean_label)
        generated = _robustness_forward(p, X, logit)
        if record or reweight:
            robustness_loss = 0.5 * (_bce_with_logits(clean.logit, 1.0).mean(1) + _bce_with_logits(generated.logit, 0.0).mean(1))
        grads_clean, _ = _robustness_backward(p, Xv, clean_label, clean, 0.5 * (torch.sigmoid(clean.logit) - 1) / n_val)
        grads_generated, _ = _robustness_backward(p, X, logit, generated, 0.5 * torch.sigmoid(generated.logit) / n)
        for name in robustness_names:
            p[name].add_(grads_clean[name] + grads_generated[name], alpha=-settings.lr_robustness)

        if warmup:
            # 0.1 * BCE((tanh(logit) + 1) / 2, y): its gradient in the logit is
            # 0.1 * (tanh(logit) - (2y - 1)) / n. (torch's BCE clamps the log at -100.)
            t = torch.tanh(logit)
            loss = -0.1 * torch.log((1 + y_sign * t) / 2).clamp_min(-100).mean(1)
            grad_logit = 0.1 * (t - y_sign) / n
        elif game:
            # The generator's step (section 3.3), against the discriminators just updated.
            fooled = _robustness_forward(p, X, logit)
            if reweight:
                a = torch.sigmoid(last_generator_loss / robustness_loss - 3).unsqueeze(1)
                example_weights = a * torch.sigmoid(fooled.logit) + (1 - a)
            f_logit = _fairness_logit(p, logit, y_fair)
            w = example_weights
            loss = (label_weight[0] * (_bce_with_logits(logit, y_rows) * w).mean(1)
                    - lambda_f[0] * (_bce_with_logits(f_logit, z_rows) * w).mean(1)
                    - lambda_r[0] * _bce_with_logits(fooled.logit, 0.0).mean(1))
            _, grad_label = _robustness_backward(p, X, logit, fooled, torch.sigmoid(fooled.logit) / n)
            grad_logit = (
                label_weight * w * (torch.sigmoid(logit) - y_rows) / n
                - lambda_f * w * (torch.sigmoid(f_logit) - z_rows) * p["f_u"] / n
                - lambda_r * grad_label
            )
        if warmup or game:
            opt_g.step([torch.bmm(X_t, grad_logit), grad_logit.sum(1, keepdim=True)])
            last_generator_loss = loss

        if record:
            recorded_epochs.append(epoch)
            records["generator"].append(last_generator_loss)
            records["fairness"].append(fairness_loss)
            records["robustness"].append(robustness_loss)
            records["label"].append(_bce_with_logits(logit, y_rows).mean(1))
            records["mi_z_yhat"].append(h_z - fairness_loss)
            records["mi_clean"].append(log2 - robustness_loss)

    final_logit = _generator_logit(p, X)
    clean_score = torch.sigmoid(_robustness_forward(p, X, final_logit).logit)
    return FRTrainGridResult(
        runs=runs,
        settings=settings,
        weight=p["gen_w"].transpose(1, 2).numpy().astype(float),
        bias=p["gen_b"][:, 0, :].numpy().astype(float),
        example_weights=example_weights.transpose(1, 2).numpy().astype(float),
        clean_score=clean_score.transpose(1, 2).numpy().astype(float),
        history={k: torch.stack(v).numpy().astype(float) for k, v in records.items()},
        epochs_recorded=np.array(recorded_epochs),
    )


def train_frtrain(
    train: Dataset,
    val: Dataset,
    lambda_f: float = PAPER_LAMBDAS["poisoned"][0],
    lambda_r: float = PAPER_LAMBDAS["poisoned"][1],
    seed: int = 0,
    settings: FRTrainSettings = POISONED_SETTINGS,
) -> FRTrainModel:
    """One FR-Train classifier: :func:`train_frtrain_grid` with a grid of one.

    The defaults are the paper's setting on poisoned data: lambda_f = 0.52, lambda_r = 0.4,
    10,000 epochs, k = 5.
    """
    if not isinstance(train, Dataset):
        raise TypeError(f"train must be a frlib.data.Dataset, got {type(train).__name__}")
    result = train_frtrain_grid(train, val, [Run(lambda_f, lambda_r, seed)], settings)
    return FRTrainModel(
        run=result.runs[0],
        settings=settings,
        weight=result.weight[0, 0],
        bias=float(result.bias[0, 0]),
        example_weights=result.example_weights[0, 0],
        clean_score=result.clean_score[0, 0],
        history={k: v[:, 0, 0] for k, v in result.history.items()},
        epochs_recorded=result.epochs_recorded,
    )


def quick_settings(settings: FRTrainSettings, epochs: int) -> FRTrainSettings:
    """The same settings with fewer epochs (for the quick setting of the lessons)."""
    return replace(settings, epochs=epochs)


PAPER_SETTINGS = {"poisoned": POISONED_SETTINGS, "clean": CLEAN_SETTINGS}
QUICK_EPOCHS = {"poisoned": 2_000, "clean": 1_500}


def train_frtrain_paper(train: Dataset, val: Dataset, seed: int, poisoned: bool = True):
    """FR-Train as in the paper's table: the authors' settings and lambdas for its column.

    The paper tunes FR-Train separately for clean data (lambda_f = 0.85, lambda_r = 0.1,
    4,000 epochs, k = 3) and poisoned data (lambda_f = 0.52, lambda_r = 0.4, 10,000 epochs,
    k = 5); :func:`frlib.experiments.run_experiment` says which column it trains for. The quick
    setting trains fewer epochs. Returns a predictor ``X -> {0, 1}``.
    """
    column = "poisoned" if poisoned else "clean"
    settings = replace(PAPER_SETTINGS[column], epochs=budget(full=PAPER_SETTINGS[column].epochs, quick=QUICK_EPOCHS[column]))
    lambda_f, lambda_r = PAPER_LAMBDAS[column]
    return train_frtrain(train, val, lambda_f, lambda_r, seed=seed, settings=settings).predict
