"""frlib.plots: the figures draw what they should and refuse bad input (Agg backend)."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from frlib.data import make_synthetic
from frlib.plots import GROUP_COLORS, plot_dataset, plot_linear_boundary


@pytest.fixture(scope="module")
def data():
    return make_synthetic(n_per_class=100, seed=0)


def test_backend_is_headless():
    assert matplotlib.get_backend().lower() == "agg"


def scatter_counts(ax):
    return {c.get_label(): len(c.get_offsets()) for c in ax.collections}


def test_plot_dataset_draws_every_point_by_group_and_label(data):
    fig, ax = plt.subplots()
    returned = plot_dataset(data, ax, title="synthetic")
    assert returned is ax
    counts = scatter_counts(ax)
    for g in (0, 1):
        for y in (0, 1):
            assert counts[f"z={g}, y={y}"] == int(((data.z == g) & (data.y == y)).sum())
    assert sum(counts.values()) == len(data)
    assert ax.get_xlabel() == "x1" and ax.get_ylabel() == "x2" and ax.get_title() == "synthetic"
    assert ax.get_legend() is not None
    # The drawn coordinates are the data's first two features.
    drawn = np.vstack([c.get_offsets() for c in ax.collections])
    assert sorted(map(tuple, drawn)) == sorted(map(tuple, data.X[:, :2]))


def test_plot_dataset_uses_the_given_labels_and_max_points(data):
    fig, ax = plt.subplots()
    flipped = 1 - data.y
    plot_dataset(data, ax, labels=flipped, max_points=50, highlight=[0, 3, 49, 120])
    counts = scatter_counts(ax)
    first = np.arange(len(data)) < 50
    for g in (0, 1):
        for y in (0, 1):
            assert counts[f"z={g}, y={y}"] == int((first & (data.z == g) & (flipped == y)).sum())
    assert counts["flipped"] == 3  # 120 is beyond max_points
    highlighted = next(c for c in ax.collections if c.get_label() == "flipped")
    np.testing.assert_allclose(highlighted.get_offsets(), data.X[[0, 3, 49], :2])


def test_plot_dataset_defaults_to_the_current_axes(data):
    fig = plt.figure()
    ax = plot_dataset(data)
    assert ax is plt.gca() and ax.figure is fig


def test_plot_dataset_rejects_bad_input(data):
    with pytest.raises(TypeError, match="data"):
        plot_dataset(data.X)
    with pytest.raises(ValueError, match="labels"):
        plot_dataset(data, labels=data.y[:-1])
    with pytest.raises(ValueError, match="labels must contain only 0 and 1"):
        plot_dataset(data, labels=data.y * 2)


def test_plot_dataset_rejects_a_highlight_outside_the_data(data):
    # BUG: an index >= len(data) (but < max_points) reaches numpy and fails with
    # "IndexError: index 250 is out of bounds for axis 0 with size 200".
    with pytest.raises(ValueError, match="highlight"):
        plot_dataset(data, highlight=[5, 250])


def line_points(ax):
    (line,) = ax.lines
    return np.asarray(line.get_xydata())


def axes(limits=(-6.0, 6.0)):
    fig, ax = plt.subplots()
    ax.set_xlim(*limits)
    ax.set_ylim(*limits)
    return ax


def test_plot_linear_boundary_draws_the_zero_line_and_keeps_limits():
    ax = axes()
    w, b = np.array([1.5, -2.0]), 0.5
    assert plot_linear_boundary(w, b, ax, color="k") is ax
    points = line_points(ax)
    np.testing.assert_allclose(points @ w + b, 0.0, atol=1e-9)
    assert points[:, 0].min() == pytest.approx(-6.0) and points[:, 0].max() == pytest.approx(6.0)
    assert ax.get_xlim() == (-6.0, 6.0) and ax.get_ylim() == (-6.0, 6.0)
    assert ax.lines[0].get_color() == "k"


def test_plot_linear_boundary_with_a_group_weight():
    w, b = np.array([1.0, 1.0, 2.0]), -1.0
    for z_value in (0.0, 1.0):
        ax = axes()
        plot_linear_boundary(w, b, ax, z_value=z_value)
        points = line_points(ax)
        np.testing.assert_allclose(points @ w[:2] + w[2] * z_value + b, 0.0, atol=1e-9)
    ax = axes()
    plot_linear_boundary(torch.tensor([1.0, 1.0, 2.0]), -1.0, ax)  # without z_value the z term is left out
    np.testing.assert_allclose(line_points(ax) @ w[:2] + b, 0.0, atol=1e-6)


def test_plot_linear_boundary_vertical_line():
    ax = axes()
    plot_linear_boundary([2.0, 0.0], -3.0, ax)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), 1.5)


def test_plot_linear_boundary_rejects_too_few_weights():
    with pytest.raises(ValueError, match="weights"):
        plot_linear_boundary([1.0], 0.0, axes())


@pytest.mark.parametrize("weights", [[0.0, 0.0], [np.nan, 1.0], [1.0, np.inf]], ids=["zero", "nan", "inf"])
def test_plot_linear_boundary_rejects_weights_without_a_line(weights):
    # BUG: w = (0, 0) draws an axvline at -inf (with a divide-by-zero RuntimeWarning), and NaN or
    # infinite weights draw an invisible line; none of them raises.
    with pytest.raises(ValueError, match="weights"):
        plot_linear_boundary(weights, 1.0, axes())


def test_plot_linear_boundary_accepts_a_trained_torch_weight():
    # BUG: the guide says arrays may be torch tensors, but a layer's weight (requires_grad)
    # fails inside np.asarray with "Can't call numpy() on Tensor that requires grad".
    layer = torch.nn.Linear(2, 1)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[1.0, -1.0]]))
    ax = axes()
    plot_linear_boundary(layer.weight, 0.0, ax)
    points = line_points(ax)
    np.testing.assert_allclose(points[:, 0], points[:, 1], atol=1e-6)


def test_group_colours_are_distinct():
    assert set(GROUP_COLORS) == {0, 1} and GROUP_COLORS[0] != GROUP_COLORS[1]


def test_plot_accuracy_vs_di_draws_ours_and_the_papers_points():
    import matplotlib.pyplot as plt

    from frlib import paper, plots

    rows = [
        {"method": "LR", "data": "poisoned", "acc_mean": 0.81, "acc_std": 0.01, "di_mean": 0.39, "di_std": 0.03},
        {"method": "FR-Train", "data": "poisoned", "acc_mean": 0.81, "acc_std": 0.01, "di_mean": 0.83, "di_std": 0.02},
        {"method": "FR-Train", "data": "clean", "acc_mean": 0.81, "acc_std": 0.01, "di_mean": 0.82, "di_std": 0.04},
    ]
    table = paper.compare_with_paper(rows)
    fig, ax = plt.subplots()
    plots.plot_accuracy_vs_di(table, "poisoned", ax)
    hollow = [line for line in ax.lines if line.get_markerfacecolor() == "none"]
    assert sorted((line.get_xdata()[0], line.get_ydata()[0]) for line in hollow) == [(0.446, 0.819), (0.827, 0.814)]
    assert [text.get_text() for text in ax.texts] == ["LR", "FR-Train"]
    with pytest.raises(ValueError, match="no rows with data == 'dirty'"):
        plots.plot_accuracy_vs_di(table, "dirty", ax)
    with pytest.raises(ValueError, match="compare_with_paper"):
        plots.plot_accuracy_vs_di(table.drop(columns="paper_di"), "clean", ax)
    plt.close(fig)
