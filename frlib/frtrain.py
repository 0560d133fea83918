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
PAPER_LAMBDAS = {"poisoned": (0.52, 0.4), "clean": (0.85, 0.1)}  # (lambda_f, lambda_r) of the paper's table
# Our table's (lambda_f, lambda_r): lambda_r as the paper; lambda_f from the authors' sweep range,
# the value whose mean test DI on calibration data seeds 100-109 (never used by the table, which
# uses 0-4) is closest to the paper's DI for that column (scripts/calibrate_frtrain.py: poisoned
# 0.44 -> .819 / .821, 0.52 -> .814 / .833; clean 0.75 -> .824 / .807, 0.85 -> .813 / .859).
# Our implementation is slightly fairer than the authors' at the same lambda_f.
TABLE_LAMBDAS = {"poisoned": (0.44, 0.4), "clean": (0.75, 0.1)}


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

    Per-row tensors of the grid are (data set S, run R, row n), and D_R works on the S * R runs
    as one batch of B matrices, so that each player's forward pass is one batched matrix product:

    ====================  =====================  ==================================================
    name                  shape                  what
    ====================  =====================  ==================================================
    ``gen_w``, ``gen_b``  (S, R, d), (S, R, 1)   generator: logit = gen_w @ X^T + gen_b
    ``f_u``, ``f_v``,     (S, R, 1)              D_F: u * logit (+ v * y for eo) + b
    ``f_b``
    ``r_w1``              (B, H, d + 2)          D_R's first layer on the rows [x, label, 1]: the
                                                 feature weights, the label's weights, the bias
    ``r_w2``, ``r_b2``    (B, H, 1), (B, 1, 1)   D_R's output layer
    ====================  =====================  ==================================================
    """
    d, R, H = n_features, len(runs), hidden
    draws = [initial_parameters(run.seed, d, 2 if eo else 1, H) for run in runs]

    def stacked(name: str) -> torch.Tensor:
        return torch.stack([draw[name] for draw in draws])  # (R, ...)

    f_w = stacked("f_w")  # (R, 1 or 2)
    per_dataset = {
        "gen_w": stacked("gen_w"),
        "gen_b": stacked("gen_b").reshape(R, 1),
        "f_u": f_w[:, :1],
        "f_b": stacked("f_b").reshape(R, 1),
        "r_w1": torch.cat([stacked("r_w1"), stacked("r_b1").unsqueeze(1)], dim=1).transpose(1, 2),  # (R, H, d + 2)
        "r_w2": stacked("r_w2").unsqueeze(-1),
        "r_b2": stacked("r_b2").reshape(R, 1, 1),
    }
    if eo:
        per_dataset["f_v"] = f_w[:, 1:]
    layout = {name: value.unsqueeze(0).repeat(n_datasets, *[1] * value.dim()) for name, value in per_dataset.items()}
    for name in ("r_w1", "r_w2", "r_b2"):
        layout[name] = layout[name].flatten(0, 1)  # (S, R, ...) -> (B, ...)
    return {name: value.contiguous() for name, value in layout.items()}


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


LEAKY_SLOPE = 0.2  # D_R's LeakyReLU, as the authors'


class _GridRobustness:
    """D_R for every run of a grid at once, on preallocated buffers.

    D_R(x, label) = w2 . leaky_relu(W1 [x, label, 1]) + b2 (before the sigmoid); the bias of the
    first layer is W1's last column, so the layer is one batched product. The rows are stored
    transposed, ``rows`` (B, d + 2, N) for the B = S * R runs and N rows, and the hidden layer
    as (B, H, N), so that every product reads long contiguous rows. The (B, H, N) tensors are
    the only large ones of FR-Train; they are allocated once and overwritten in place (a fresh
    multi-megabyte tensor per operation costs more than the arithmetic on it).

    Backward: with s = leaky_relu'(pre) (1 or 0.2) and g = dLoss/dlogit, the first layer's
    gradient is g * w2 * s; ``_slope_times`` forms q = g * s (one pass over the hidden layer) and
    w2 is applied to the small results: dW1 = (rows q^T) * w2, dlabel = (w2 * W1[:, label]) . q.
    """

    def __init__(self, rows: torch.Tensor, hidden: int) -> None:
        B, _, N = rows.shape
        self.rows = rows
        self.hidden = torch.empty(B, hidden, N)
        self.slope_times_grad = torch.empty(B, hidden, N)
        self.logit = torch.empty(B, 1, N)

    def forward(self, p: dict[str, torch.Tensor]) -> torch.Tensor:
        """D_R's logit on every row, (B, 1, N); keeps the hidden layer for a backward pass."""
        torch.bmm(p["r_w1"], self.rows, out=self.hidden)
        F.leaky_relu_(self.hidden, LEAKY_SLOPE)
        torch.bmm(p["r_w2"].transpose(1, 2), self.hidden, out=self.logit)
        return self.logit.add_(p["r_b2"])

    def _slope_times(self, grad_logit: torch.Tensor) -> torch.Tensor:
        """q = dLoss/dlogit * leaky_relu'(pre), (B, H, N), in a preallocated buffer."""
        return torch.ops.aten.leaky_relu_backward.grad_input(
            grad_logit, self.hidden, LEAKY_SLOPE, True, grad_input=self.slope_times_grad)

    def parameter_grads(self, p: dict[str, torch.Tensor], grad_logit: torch.Tensor) -> dict[str, torch.Tensor]:
        """Gradients of D_R's parameters after :meth:`forward`, given dLoss/dlogit (B, 1, N)."""
        grad_w2 = torch.bmm(self.hidden, grad_logit.transpose(1, 2))
        q = self._slope_times(grad_logit)
        return {
            "r_w1": torch.bmm(self.rows, q.transpose(1, 2)).transpose(1, 2).mul_(p["r_w2"]),
            "r_w2": grad_w2,
            "r_b2": grad_logit.sum(-1, keepdim=True),
        }

    def label_grad(self, p: dict[str, torch.Tensor], grad_logit: torch.Tensor, label_row: int) -> torch.Tensor:
        """dLoss/dlabel (B, 1, N) after :meth:`forward`, given dLoss/dlogit (B, 1, N)."""
        q = self._slope_times(grad_logit)
        return torch.bmm((p["r_w2"] * p["r_w1"][:, :, label_row:label_row + 1]).transpose(1, 2), q)


def _fairness_logit(p: dict[str, torch.Tensor], logit: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
    """D_F before the sigmoid: u * logit + b (dp), or u * logit + v * y + b (eo). (S, R, n)."""
    out = logit * p["f_u"] + p["f_b"]
    if y is not None:
        out = out + y * p["f_v"]
    return out


def _entropy(z: torch.Tensor) -> torch.Tensor:
    """H(Z) in nats of each data set's binary z (S, 1, n): (S, 1)."""
    q = z.mean(-1).clamp(1e-12, 1 - 1e-12)
    return -(q * q.log() + (1 - q) * (1 - q).log())


def _bce_with_logits(logit: torch.Tensor, target: torch.Tensor | float) -> torch.Tensor:
    """Per-example binary cross-entropy of sigmoid(logit) against target."""
    if not torch.is_tensor(target):
        target = torch.full_like(logit, float(target))
    return F.binary_cross_entropy_with_logits(logit, target.expand_as(logit), reduction="none")


def _generator_logit(p: dict[str, torch.Tensor], X_t: torch.Tensor) -> torch.Tensor:
    """logit = w . x + b for every run and row: (S, R, n), from X^T (S, d, n)."""
    return torch.baddbmm(p["gen_b"], p["gen_w"], X_t)


def _robustness_rows(X_val: torch.Tensor, y_val: torch.Tensor, X: torch.Tensor, R: int) -> torch.Tensor:
    """D_R's input rows [x, label, 1] for every run, transposed: (S, R, d + 2, n_val + n).

    The first n_val rows are the clean validation rows with their label coded -1 / +1; the
    other n are the training rows, whose label (index d) holds the generator's logit and is
    refreshed whenever the generator moves.
    """
    S, n_val, d = X_val.shape
    n = X.shape[1]
    rows = torch.ones(S, R, d + 2, n_val + n)
    rows[:, :, :d, :n_val] = X_val.transpose(1, 2).unsqueeze(1)
    rows[:, :, d, :n_val] = (2 * y_val - 1).unsqueeze(1)
    rows[:, :, :d, n_val:] = X.transpose(1, 2).unsqueeze(1)
    return rows


def _is_recorded(epoch: int, settings: FRTrainSettings) -> bool:
    return epoch % settings.record_every == 0 or epoch == settings.epochs - 1


def _next_generator_step(epoch: int, settings: FRTrainSettings) -> int:
    """The epoch of the generator's next step after ``epoch``: every epoch of the warm-up, then every k."""
    if epoch + 1 < settings.warmup_epochs:
        return epoch + 1
    first = max(epoch + 1, settings.warmup_epochs)
    return -(-first // settings.k) * settings.k


def _generator_loss_read(epoch: int, settings: FRTrainSettings) -> bool:
    """Whether the loss of the generator's step at ``epoch`` is ever read.

    It is read by the recorded epochs up to the next step (the history carries the last step's
    loss) and by the reweighting if the next step refreshes the weights (a = sigmoid(L_G / L_DR
    - 3)). Other steps need the loss's gradient only, which is written out.
    """
    following = _next_generator_step(epoch, settings)
    if following < settings.epochs and following % settings.reweight_every == 0:
        return True
    return any(_is_recorded(e, settings) for e in range(epoch, min(following, settings.epochs)))


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
    X_t = X.transpose(1, 2).contiguous()  # (S, d, n)
    opt_g = _Adam([p["gen_w"], p["gen_b"]], lr=settings.lr_generator)
    fairness_names = ("f_u", "f_v", "f_b") if eo else ("f_u", "f_b")
    robustness_names = ("r_w1", "r_w2", "r_b2")

    lambda_f = torch.tensor([r.lambda_f for r in runs]).view(1, R, 1)
    lambda_r = torch.tensor([r.lambda_r for r in runs]).view(1, R, 1)
    label_weight = 1 - lambda_f - lambda_r
    y_rows, z_rows = y.unsqueeze(1), z.unsqueeze(1)  # (S, 1, n), broadcast over the runs
    y_sign = 2 * y_rows - 1
    y_fair = y_rows if eo else None
    h_z = _entropy(z_rows)
    log2 = math.log(2.0)

    # D_R sees the clean rows (target 1) and the generated rows (target 0) in one batch; its
    # loss 0.5 * (mean over clean + mean over generated) has dLoss/dlogit = (sigmoid - target) *
    # row_scale (section 3.2).
    rows = _robustness_rows(Xv, yv, X, R)
    robustness = _GridRobustness(rows.view(S * R, d + 2, n_val + n), settings.hidden_robustness)
    target = torch.cat([torch.ones(n_val), torch.zeros(n)]).view(1, 1, -1)
    row_scale = torch.cat([torch.full((n_val,), 0.5 / n_val), torch.full((n,), 0.5 / n)]).view(1, 1, -1)
    generated_only = torch.cat([torch.zeros(n_val), torch.full((n,), 1.0 / n)]).view(1, 1, -1)

    example_weights = torch.ones(S, R, n)
    loss = last_generator_loss = torch.zeros(S, R)
    # The curves go into tensors allocated up front: thousands of small tensors kept alive among
    # the large temporaries of each epoch would fragment the heap (measured: +150 MB by 10,000 epochs).
    recorded_epochs = [epoch for epoch in range(settings.epochs) if _is_recorded(epoch, settings)]
    records = {k: torch.empty(len(recorded_epochs), S, R)
               for k in ("generator", "fairness", "robustness", "label", "mi_z_yhat", "mi_clean")}
    point = 0

    logit = _generator_logit(p, X_t)
    rows[:, :, d, n_val:] = logit
    for epoch in range(settings.epochs):
        record = _is_recorded(epoch, settings)
        warmup = epoch < settings.warmup_epochs
        game = not warmup and epoch % settings.k == 0
        reweight = game and epoch % settings.reweight_every == 0

        # D_F: predict z from the generator's output (section 3.1); one SGD step on its BCE.
        f_logit = _fairness_logit(p, logit, y_fair)
        if record:
            fairness_loss = _bce_with_logits(f_logit, z_rows).mean(-1)
        grad_f = torch.sigmoid(f_logit).sub_(z_rows).div_(n)
        grads = {"f_u": torch.linalg.vecdot(grad_f, logit).unsqueeze(-1), "f_b": grad_f.sum(-1, keepdim=True)}
        if eo:
            grads["f_v"] = torch.linalg.vecdot(grad_f, y_rows).unsqueeze(-1)
        for name in fairness_names:
            p[name].add_(grads[name], alpha=-settings.lr_fairness)

        # D_R: clean validation rows (target 1) vs training rows labelled by the generator
        # (target 0), loss 0.5 * (clean + generated) (section 3.2); one SGD step.
        r_logit = robustness.forward(p)
        if record or reweight:
            bce = _bce_with_logits(r_logit, target.expand_as(r_logit))[:, 0]
            robustness_loss = 0.5 * (bce[:, :n_val].mean(1) + bce[:, n_val:].mean(1)).view(S, R)
        grads = robustness.parameter_grads(p, torch.sigmoid(r_logit).sub_(target).mul_(row_scale))
        for name in robustness_names:
            p[name].add_(grads[name], alpha=-settings.lr_robustness)

        if warmup:
            # 0.1 * BCE((tanh(logit) + 1) / 2, y): its gradient in the logit is
            # 0.1 * (tanh(logit) - (2y - 1)) / n. (torch's BCE clamps the log at -100.)
            t = torch.tanh(logit)
            if _generator_loss_read(epoch, settings):
                loss = -0.1 * torch.log((1 + y_sign * t) / 2).clamp_min(-100).mean(-1)
            grad_logit = t.sub_(y_sign).mul_(0.1 / n)
        elif game:
            # The generator's step (section 3.3), against the discriminators just updated.
            # D_R runs on every row, the clean ones get no gradient (generated_only).
            fooled = robustness.forward(p)
            fooled_logit = fooled[:, 0, n_val:].view(S, R, n)
            if reweight:
                a = torch.sigmoid(last_generator_loss / robustness_loss - 3).unsqueeze(-1)
                example_weights = a * torch.sigmoid(fooled_logit) + (1 - a)
            f_logit = _fairness_logit(p, logit, y_fair)
            w = example_weights
            if _generator_loss_read(epoch, settings):
                loss = (label_weight[..., 0] * (_bce_with_logits(logit, y_rows) * w).mean(-1)
                        - lambda_f[..., 0] * (_bce_with_logits(f_logit, z_rows) * w).mean(-1)
                        - lambda_r[..., 0] * _bce_with_logits(fooled_logit, 0.0).mean(-1))
            grad_label = robustness.label_grad(p, torch.sigmoid(fooled).mul_(generated_only), label_row=d)
            grad_logit = (
                label_weight * w * (torch.sigmoid(logit) - y_rows) / n
                - lambda_f * w * (torch.sigmoid(f_logit) - z_rows) * p["f_u"] / n
                - lambda_r * grad_label[:, 0, n_val:].view(S, R, n)
            )

        if record:
            records["generator"][point] = loss if warmup or game else last_generator_loss
            records["fairness"][point] = fairness_loss
            records["robustness"][point] = robustness_loss
            records["label"][point] = _bce_with_logits(logit, y_rows).mean(-1)
            records["mi_z_yhat"][point] = h_z - fairness_loss
            records["mi_clean"][point] = log2 - robustness_loss
            point += 1
        if warmup or game:
            opt_g.step([torch.bmm(grad_logit, X), grad_logit.sum(-1, keepdim=True)])
            last_generator_loss = loss
            logit = _generator_logit(p, X_t)
            rows[:, :, d, n_val:] = logit

    clean_score = torch.sigmoid(robustness.forward(p)[:, 0, n_val:]).reshape(S, R, n)
    return FRTrainGridResult(
        runs=runs,
        settings=settings,
        weight=p["gen_w"].numpy().astype(float),
        bias=p["gen_b"][..., 0].numpy().astype(float),
        example_weights=example_weights.numpy().astype(float),
        clean_score=clean_score.numpy().astype(float),
        history={k: v.numpy().astype(float) for k, v in records.items()},
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
# The quick setting trains the same game in fewer, larger steps: epochs x learning rates as in the
# paper's settings (2,000 x 5 = 10,000 x 1 poisoned; 1,500 x 8/3 = 4,000 x 1 clean) and a 300-epoch
# warm-up. It converges to the same accuracy and DI (seeds 0-4, lambdas of TABLE_LAMBDAS: poisoned
# .808 / .838 against .808 / .843 in the full setting, clean .816 / .819 against .815 / .821).
# The game between the generator and D_R is more sensitive to the step size: lessons 06 and 09, which
# look inside it, train the paper's settings in both settings.
QUICK_SETTINGS = {
    column: replace(settings, epochs=QUICK_EPOCHS[column], warmup_epochs=300,
                    lr_generator=settings.lr_generator * scale, lr_fairness=settings.lr_fairness * scale,
                    lr_robustness=settings.lr_robustness * scale)
    for (column, settings), scale in zip(PAPER_SETTINGS.items(), (5.0, 8.0 / 3.0))
}


def train_frtrain_paper(train: Dataset, val: Dataset, seed: int, poisoned: bool = True):
    """FR-Train as in our reproduction of the paper's table: the authors' settings for its column.

    The paper tunes FR-Train separately for clean data (4,000 epochs, k = 3, lambda_r = 0.1) and
    poisoned data (10,000 epochs, k = 5, lambda_r = 0.4); :func:`frlib.experiments.run_experiment`
    says which column it trains for. lambda_f is :data:`TABLE_LAMBDAS` (0.75 clean, 0.44
    poisoned), calibrated on other data seeds to the paper's DI (the paper's own table points,
    0.85 and 0.52, give our implementation a DI 0.01-0.06 higher). The quick setting trains
    :data:`QUICK_SETTINGS` (fewer, larger steps, the same result). Returns a predictor ``X -> {0, 1}``.
    """
    column = "poisoned" if poisoned else "clean"
    settings = budget(full=PAPER_SETTINGS[column], quick=QUICK_SETTINGS[column])
    lambda_f, lambda_r = TABLE_LAMBDAS[column]
    return train_frtrain(train, val, lambda_f, lambda_r, seed=seed, settings=settings).predict
