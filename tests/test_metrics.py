"""frlib.metrics against fairlearn and scikit-learn, hand-computed examples and bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference as fl_dp_difference,
    demographic_parity_ratio as fl_dp_ratio,
    equalized_odds_difference as fl_eo_difference,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score

from frlib.metrics import (
    accuracy,
    demographic_parity_difference,
    disparate_impact,
    equal_opportunity_difference,
    equalized_odds_difference,
    false_positive_rates,
    group_table,
    selection_rates,
    true_positive_rates,
)

N_DRAWS = 200
# fairlearn's named metrics cost 20-40 ms per call (a MetricFrame each); they are checked on the
# first N_NAMED draws, which already span every size and imbalance. All N_DRAWS are checked
# against fairlearn's per-group rate functions, aggregated as fairlearn documents.
N_NAMED = 100


def draw(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random (y_true, y_pred, z) of random size and imbalance, every (z, y) cell non-empty.

    Per group, the base rate, the TPR and the FPR are random; sometimes a rate is exactly 0 or 1
    so that selection rates of 0 and 1 occur too.
    """
    rng = np.random.default_rng(seed)
    while True:
        n = int(rng.integers(4, 800))
        z = (rng.random(n) < rng.uniform(0.02, 0.98)).astype(int)
        y_true = np.empty(n, dtype=int)
        y_pred = np.empty(n, dtype=int)
        for group in (0, 1):
            members = z == group
            y_true[members] = rng.random(members.sum()) < rng.uniform(0.05, 0.95)
            tpr, fpr = rng.choice([0.0, 1.0, rng.random(), rng.random()], size=2)
            p = np.where(y_true[members] == 1, tpr, fpr)
            y_pred[members] = rng.random(members.sum()) < p
        if all(((z == g) & (y_true == t)).any() for g in (0, 1) for t in (0, 1)):
            return y_true, y_pred, z


DRAWS = [draw(seed) for seed in range(N_DRAWS)]


def test_the_draws_cover_sizes_imbalance_and_extreme_rates():
    for draws in (DRAWS, DRAWS[:N_NAMED]):
        sizes = [len(z) for _, _, z in draws]
        shares = [z.mean() for _, _, z in draws]
        assert min(sizes) < 40 and max(sizes) > 500
        assert min(shares) < 0.1 and max(shares) > 0.9
        rates = np.array([[yp[z == g].mean() for g in (0, 1)] for _, yp, z in draws])
        assert (rates == 0).any() and (rates == 1).any()


def fairlearn_group_rates(y_true, y_pred, z):
    """Per group (0, 1): fairlearn's selection_rate, true_positive_rate, false_positive_rate."""
    groups = [z == g for g in (0, 1)]
    return (
        [selection_rate(y_true[m], y_pred[m]) for m in groups],
        [true_positive_rate(y_true[m], y_pred[m]) for m in groups],
        [false_positive_rate(y_true[m], y_pred[m]) for m in groups],
    )


def test_all_draws_agree_with_fairlearn_group_rates():
    for y_true, y_pred, z in DRAWS:
        sel, tpr, fpr = fairlearn_group_rates(y_true, y_pred, z)
        np.testing.assert_allclose(selection_rates(y_pred, z), sel, atol=1e-12)
        np.testing.assert_allclose(true_positive_rates(y_true, y_pred, z), tpr, atol=1e-12)
        np.testing.assert_allclose(false_positive_rates(y_true, y_pred, z), fpr, atol=1e-12)
        # demographic_parity_ratio = min / max of the selection rates (0 / 0 -> frlib says 1).
        expected_di = min(sel) / max(sel) if max(sel) > 0 else 1.0
        assert disparate_impact(y_pred, z) == pytest.approx(expected_di, abs=1e-9)
        assert demographic_parity_difference(y_pred, z) == pytest.approx(max(sel) - min(sel), abs=1e-9)
        # equalized_odds_difference (agg="worst_case") = the larger of the TPR and FPR gaps.
        gaps = (max(tpr) - min(tpr), max(fpr) - min(fpr))
        assert equalized_odds_difference(y_true, y_pred, z) == pytest.approx(max(gaps), abs=1e-9)
        assert equal_opportunity_difference(y_true, y_pred, z) == pytest.approx(gaps[0], abs=1e-9)


def test_accuracy_agrees_with_sklearn():
    for y_true, y_pred, _ in DRAWS:
        assert accuracy(y_true, y_pred) == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-12)


@pytest.mark.parametrize("index", range(N_NAMED))
def test_agrees_with_fairlearns_named_metrics(index):
    y_true, y_pred, z = DRAWS[index]
    expected = fl_dp_ratio(y_true, y_pred, sensitive_features=z)
    if math.isnan(expected):  # fairlearn: 0 / 0 when no one is selected; frlib: 1 by definition
        assert y_pred.sum() == 0 and disparate_impact(y_pred, z) == 1.0
    else:
        assert disparate_impact(y_pred, z) == pytest.approx(expected, abs=1e-9)
    assert demographic_parity_difference(y_pred, z) == pytest.approx(
        fl_dp_difference(y_true, y_pred, sensitive_features=z), abs=1e-9
    )
    assert equalized_odds_difference(y_true, y_pred, z) == pytest.approx(
        fl_eo_difference(y_true, y_pred, sensitive_features=z), abs=1e-9
    )
    tpr_frame = MetricFrame(
        metrics=true_positive_rate, y_true=y_true, y_pred=y_pred, sensitive_features=z
    )
    assert equal_opportunity_difference(y_true, y_pred, z) == pytest.approx(tpr_frame.difference(), abs=1e-9)


@pytest.mark.parametrize("index", range(0, N_NAMED, 3))
def test_group_table_agrees_with_fairlearn_metric_frame(index):
    y_true, y_pred, z = DRAWS[index]
    frame = MetricFrame(
        metrics={
            "count": count,
            "selection_rate": selection_rate,
            "tpr": true_positive_rate,
            "fpr": false_positive_rate,
            "accuracy": accuracy_score,
        },
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=z,
    )
    table = group_table(y_true, y_pred, z)
    for column in ("count", "selection_rate", "tpr", "fpr", "accuracy"):
        np.testing.assert_allclose(
            table.loc[[0, 1], column].astype(float), frame.by_group[column].loc[[0, 1]], atol=1e-9
        )
        assert table.loc["all", column] == pytest.approx(frame.overall[column], abs=1e-9)
    np.testing.assert_allclose(
        table.loc[[0, 1], "base_rate"].astype(float), [y_true[z == g].mean() for g in (0, 1)], atol=1e-12
    )
    assert table.loc["all", "base_rate"] == pytest.approx(y_true.mean(), abs=1e-12)


# --- Hand-computed examples -----------------------------------------------------------------------


def test_disparate_impact_docstring_example():
    # Group 0 = first two: selection 1/2; group 1 = last two: selection 1. DI = 0.5.
    assert disparate_impact([1, 0, 1, 1], [0, 0, 1, 1]) == 0.5


def test_disparate_impact_is_the_min_ratio_and_symmetric_in_groups():
    y_pred = [1, 0, 0, 0, 1, 1, 1, 0]  # group 0: 1/4, group 1: 3/4
    z = [0, 0, 0, 0, 1, 1, 1, 1]
    assert disparate_impact(y_pred, z) == pytest.approx(1 / 3)
    assert disparate_impact(y_pred, 1 - np.array(z)) == pytest.approx(1 / 3)
    assert demographic_parity_difference(y_pred, z) == pytest.approx(0.5)
    assert selection_rates(y_pred, z) == (0.25, 0.75)


@pytest.mark.parametrize(
    "y_pred, expected",
    [
        ([0, 0, 0, 0, 0], 1.0),  # nobody selected: equal rates, perfectly fair
        ([1, 1, 1, 1, 1], 1.0),
        ([1, 0, 0, 0, 0], 0.0),  # only group 0 gets positives
        ([0, 0, 1, 0, 0], 0.0),  # only group 1 gets positives
        ([1, 0, 1, 0, 0], 2 / 3),  # rates 1/2 and 1/3
    ],
)
def test_disparate_impact_edge_cases(y_pred, expected):
    z = [0, 0, 1, 1, 1]
    assert disparate_impact(y_pred, z) == pytest.approx(expected, abs=1e-12)


def test_equalized_odds_and_equal_opportunity_by_hand():
    y_true = [1, 1, 1, 0, 0, 1, 1, 0, 0, 0]
    y_pred = [1, 1, 0, 1, 0, 1, 0, 0, 0, 1]
    z = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    # group 0: TPR 2/3, FPR 1/2; group 1: TPR 1/2, FPR 1/3.
    assert true_positive_rates(y_true, y_pred, z) == pytest.approx((2 / 3, 1 / 2))
    assert false_positive_rates(y_true, y_pred, z) == pytest.approx((1 / 2, 1 / 3))
    assert equal_opportunity_difference(y_true, y_pred, z) == pytest.approx(1 / 6)
    assert equalized_odds_difference(y_true, y_pred, z) == pytest.approx(1 / 6)
    # Make the FPR gap the larger one: group 1 FPR 3/3.
    y_pred_2 = [1, 1, 0, 1, 0, 1, 0, 1, 1, 1]
    assert equalized_odds_difference(y_true, y_pred_2, z) == pytest.approx(1 / 2)
    assert equal_opportunity_difference(y_true, y_pred_2, z) == pytest.approx(1 / 6)
    assert accuracy(y_true, y_pred) == pytest.approx(6 / 10)


def test_group_table_by_hand():
    y_true = [1, 1, 1, 0, 0, 1, 1, 0, 0, 0]
    y_pred = [1, 1, 0, 1, 0, 1, 0, 0, 0, 1]
    z = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    table = group_table(y_true, y_pred, z)
    assert list(table.columns) == ["count", "base_rate", "selection_rate", "tpr", "fpr", "accuracy"]
    assert list(table.index) == [0, 1, "all"]
    expected = {
        0: [5, 3 / 5, 3 / 5, 2 / 3, 1 / 2, 3 / 5],
        1: [5, 2 / 5, 2 / 5, 1 / 2, 1 / 3, 3 / 5],
        "all": [10, 5 / 10, 5 / 10, 3 / 5, 2 / 5, 6 / 10],
    }
    for row, values in expected.items():
        np.testing.assert_allclose(table.loc[row].to_numpy(dtype=float), values, atol=1e-12)
    assert table.loc[0, "count"] == 5


def test_group_table_gives_nan_for_an_empty_conditioning_set():
    # Group 1 has no positive labels: its TPR is undefined (NaN in the table) ...
    y_true = [1, 0, 1, 0, 0, 0]
    y_pred = [1, 0, 0, 1, 1, 0]
    z = [0, 0, 0, 1, 1, 1]
    table = group_table(y_true, y_pred, z)
    assert math.isnan(table.loc[1, "tpr"])
    assert table.loc[1, "fpr"] == pytest.approx(2 / 3)
    assert table.loc[0, "tpr"] == pytest.approx(1 / 2)
    # ... while the gap functions refuse, naming what is missing.
    with pytest.raises(ValueError, match=r"y_true has no positive .* z = 1"):
        equal_opportunity_difference(y_true, y_pred, z)
    with pytest.raises(ValueError, match=r"y_true has no positive .* z = 1"):
        equalized_odds_difference(y_true, y_pred, z)
    with pytest.raises(ValueError, match=r"y_true has no negative .* z = 0"):
        false_positive_rates([1, 1, 1, 0, 0, 0], y_pred, z)


# --- Array types ----------------------------------------------------------------------------------


def as_types(values):
    array = np.asarray(values)
    return {
        "numpy int": array.astype(int),
        "numpy float": array.astype(float),
        "numpy bool": array.astype(bool),
        "list": array.tolist(),
        "pandas": pd.Series(array, index=np.arange(len(array))[::-1] + 100),
        "torch long": torch.tensor(array, dtype=torch.long),
        "torch float": torch.tensor(array, dtype=torch.float32),
        "torch bool": torch.tensor(array, dtype=torch.bool),
    }


def test_every_array_type_gives_the_same_answer():
    y_true, y_pred, z = DRAWS[7]
    reference = {
        "acc": accuracy(y_true, y_pred),
        "di": disparate_impact(y_pred, z),
        "dpd": demographic_parity_difference(y_pred, z),
        "eod": equalized_odds_difference(y_true, y_pred, z),
        "eop": equal_opportunity_difference(y_true, y_pred, z),
    }
    assert 0 < reference["di"] < 1 and reference["eod"] > 0  # a draw with something to measure
    for kind in as_types(y_true):
        t, p, g = as_types(y_true)[kind], as_types(y_pred)[kind], as_types(z)[kind]
        assert accuracy(t, p) == reference["acc"], kind
        assert disparate_impact(p, g) == reference["di"], kind
        assert demographic_parity_difference(p, g) == reference["dpd"], kind
        assert equalized_odds_difference(t, p, g) == reference["eod"], kind
        assert equal_opportunity_difference(t, p, g) == reference["eop"], kind
        pd.testing.assert_frame_equal(group_table(t, p, g), group_table(y_true, y_pred, z))


def test_results_are_plain_floats():
    y_true, y_pred, z = DRAWS[3]
    for value in (
        accuracy(y_true, y_pred),
        disparate_impact(y_pred, z),
        demographic_parity_difference(y_pred, z),
        equalized_odds_difference(y_true, y_pred, z),
        equal_opportunity_difference(y_true, y_pred, z),
        *selection_rates(y_pred, z),
    ):
        assert type(value) is float


# --- Bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, pattern",
    [
        (lambda: disparate_impact([1, 2, 0], [0, 1, 1]), ValueError, "y_pred must contain only 0 and 1"),
        (lambda: disparate_impact([1, 0, 0], [0, 1, 2]), ValueError, "z must contain only 0 and 1"),
        (lambda: disparate_impact([1, -1, 1], [0, 1, 1]), ValueError, r"y_pred .*\(y \+ 1\) // 2"),
        (lambda: disparate_impact([1, 0, 1], [0, 1]), ValueError, "y_pred has 3, z has 2"),
        (lambda: disparate_impact([1, 0, 1], [1, 1, 1]), ValueError, "z has no members in group 0"),
        (lambda: disparate_impact([1, 0, 1], [0, 0, 0]), ValueError, "z has no members in group 1"),
        (lambda: disparate_impact([], []), ValueError, "y_pred is empty"),
        (lambda: disparate_impact([1, np.nan], [0, 1]), ValueError, "y_pred contains NaN"),
        (lambda: disparate_impact([[1, 0], [0, 1]], [0, 1]), ValueError, "y_pred must be one-dimensional"),
        (lambda: disparate_impact(None, [0, 1]), TypeError, "y_pred"),
        (lambda: disparate_impact(["1", "0"], [0, 1]), TypeError, "y_pred"),
        (lambda: accuracy([1, 0, 1], [1, 0]), ValueError, "y_true has 3, y_pred has 2"),
        (lambda: accuracy([1, 0, 3], [1, 0, 1]), ValueError, "y_true must contain only 0 and 1"),
        (lambda: equalized_odds_difference([1, 0], [1, 0, 1], [0, 1, 1]), ValueError, "y_true has 2"),
        (lambda: equalized_odds_difference([1, 0, 1], [1, 0, 1], [0, 1, 0.5]), ValueError, "z must contain"),
        (lambda: group_table([1, 0, 1], [1, 0, 1], [1, 1, 1]), ValueError, "z has no members in group 0"),
        (lambda: equal_opportunity_difference([1, 0, 1], [1, 0, 1], {"z": 1}), TypeError, "z"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()
