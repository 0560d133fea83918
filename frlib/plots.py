"""Figures shared by several lessons (matplotlib).

Colours: group z = 0 in orange, z = 1 in blue; markers: y = 1 as "+", y = 0 as "o".
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from ._validation import as_binary, check_same_length, to_numpy
from .data import Dataset

GROUP_COLORS = {0: "tab:orange", 1: "tab:blue"}
LABEL_MARKERS = {1: "+", 0: "o"}


def plot_dataset(
    data: Dataset,
    ax: plt.Axes | None = None,
    *,
    labels: Any = None,
    highlight: Any = None,
    max_points: int = 600,
    title: str | None = None,
) -> plt.Axes:
    """Scatter the first two features, coloured by group z and marked by label y.

    Parameters
    ----------
    data : Dataset
    ax : matplotlib Axes, optional
    labels : array of {0, 1}, optional
        Labels to draw instead of ``data.y`` (for example poisoned ones).
    highlight : array of int, optional
        Positions to circle in red (for example flipped labels).
    max_points : int
        Draw at most this many points (the first ones; the data are shuffled).
    """
    if not isinstance(data, Dataset):
        raise TypeError(f"data must be a frlib.data.Dataset, got {type(data).__name__}")
    y = data.y if labels is None else as_binary(labels, "labels")
    check_same_length(labels=y, X=data.X)
    ax = ax or plt.gca()
    shown = np.arange(len(data)) < max_points
    for group in (0, 1):
        for label in (1, 0):
            mask = shown & (data.z == group) & (y == label)
            color = {"c": GROUP_COLORS[group]} if label == 1 else {"facecolors": "none", "edgecolors": GROUP_COLORS[group]}
            ax.scatter(
                data.X[mask, 0],
                data.X[mask, 1],
                **color,
                marker=LABEL_MARKERS[label],
                s=30 if label == 1 else 18,
                linewidths=1,
                alpha=0.7,
                label=f"z={group}, y={label}",
            )
    if highlight is not None:
        idx = to_numpy(highlight, "highlight")
        if idx.ndim != 1 or not np.issubdtype(idx.dtype, np.integer):
            raise TypeError(f"highlight must be a 1-D array of integer positions, got {idx.dtype} {idx.shape}")
        if idx.size and (idx.min() < 0 or idx.max() >= len(data)):
            raise ValueError(f"highlight must hold positions in [0, {len(data)}), got {idx.min()}..{idx.max()}")
        idx = idx[idx < max_points]
        ax.scatter(data.X[idx, 0], data.X[idx, 1], s=90, facecolors="none", edgecolors="red",
                   linewidths=1.2, label="flipped")
    ax.set_xlabel(data.feature_names[0])
    ax.set_ylabel(data.feature_names[1])
    if title:
        ax.set_title(title)
    ax.legend(loc="lower right", fontsize=7, framealpha=0.8)
    return ax


def plot_linear_boundary(
    weights: Any, bias: float, ax: plt.Axes | None = None, *, z_value: float | None = None, **style: Any
) -> plt.Axes:
    """Draw the line w1 x1 + w2 x2 (+ w3 z) + b = 0 of a linear classifier on the (x1, x2) plane.

    With a third weight (the paper's models see z), pass ``z_value`` to draw the boundary
    for that group; each group then has its own parallel line.
    """
    w = to_numpy(weights, "weights").astype(float).ravel()
    if w.size < 2:
        raise ValueError(f"weights needs at least 2 entries, got {w.size}")
    if not np.isfinite(w).all() or not np.isfinite(float(bias)):
        raise ValueError("weights and bias must be finite numbers")
    if w[0] == 0 and w[1] == 0:
        raise ValueError("weights has w1 = w2 = 0: the boundary is not a line in the (x1, x2) plane")
    if z_value is not None and w.size < 3:
        raise ValueError("z_value was given but weights has no third (z) weight")
    offset = float(bias) + (w[2] * z_value if (w.size > 2 and z_value is not None) else 0.0)
    ax = ax or plt.gca()
    x_low, x_high = ax.get_xlim()
    y_low, y_high = ax.get_ylim()
    xs = np.linspace(x_low, x_high, 50)
    if abs(w[1]) < 1e-12:
        ax.axvline(-offset / w[0], **style)
    else:
        ax.plot(xs, -(w[0] * xs + offset) / w[1], **style)
    ax.set_xlim(x_low, x_high)
    ax.set_ylim(y_low, y_high)
    return ax


FAMILY_COLORS = {"plain": "tab:gray", "robust-only": "tab:purple", "fair-only": "tab:orange",
                 "two-step": "tab:green", "fair and robust": "tab:red"}


def plot_accuracy_vs_di(table: Any, data: str, ax: plt.Axes | None = None, *, paper: bool = True) -> plt.Axes:
    """Accuracy against DI, one point per method, for the rows of one column ("clean" or "poisoned").

    ``table`` is :func:`frlib.paper.compare_with_paper`'s DataFrame: our means with error bars
    (one standard deviation over the seeds) as filled points coloured by family, and, with
    ``paper=True``, the paper's numbers as hollow points joined to ours by a thin line. The
    upper right corner is fair and accurate; the dotted line marks the 80% rule (DI = 0.8).
    """
    missing = {"method", "family", "data", "acc_mean", "acc_std", "di_mean", "di_std", "paper_acc", "paper_di"} - set(getattr(table, "columns", ()))
    if missing:
        raise ValueError(f"table must come from frlib.paper.compare_with_paper; it lacks {sorted(missing)}")
    rows = table[table["data"] == data]
    if rows.empty:
        raise ValueError(f"table has no rows with data == {data!r}; it has {sorted(set(table['data']))}")
    ax = ax or plt.gca()
    for _, row in rows.iterrows():
        color = FAMILY_COLORS.get(row["family"], "black")
        ax.errorbar(row["di_mean"], row["acc_mean"], xerr=row["di_std"], yerr=row["acc_std"], fmt="o", color=color, capsize=2)
        ax.annotate(row["method"], (row["di_mean"], row["acc_mean"]), textcoords="offset points", xytext=(4, 4), fontsize=8)
        if paper and np.isfinite(row["paper_acc"]):
            ax.plot(row["paper_di"], row["paper_acc"], "o", mfc="none", color=color)
            ax.plot([row["di_mean"], row["paper_di"]], [row["acc_mean"], row["paper_acc"]], "-", color=color, lw=0.5)
    ax.axvline(0.8, color="black", ls=":", lw=1)
    ax.set_xlabel("disparate impact (test)")
    ax.set_ylabel("accuracy (test)")
    ax.set_title(f"{data} training labels" + (" (hollow: paper)" if paper else ""))
    return ax
