"""One model-selection rule for every method of the table (frlib.methods, frlib.experiments).

Every method with a knob chooses it per data seed on the clean validation set by the paper's
rule (frlib.fair.choose_setting); FR-Train over its lambda_f grid, trained as one grid per
column; the two readings of the two-step baselines; the reference row at the paper's lambdas;
nothing looks at the test set.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from frlib import cli, experiments, fair, frtrain_grid, methods, paper
from frlib.config import quick_mode
from frlib.data import Dataset, Split, make_synthetic, split_dataset
from frlib.experiments import run_experiment, run_table
from frlib.methods import KNOBS, LAMBDA_F_GRID, METHODS
from frlib.metrics import disparate_impact
from frlib.poison import poison_split

SHORT = 300  # FR-Train epochs in these tests: the selection, not the training, is under test


@pytest.fixture
def short_frtrain(monkeypatch):
    for column in ("poisoned", "clean"):
        monkeypatch.setitem(frtrain_grid.QUICK_SETTINGS, column,
                            replace(frtrain_grid.QUICK_SETTINGS[column], epochs=SHORT, warmup_epochs=100))
    methods._GRID_CACHE.clear()
    yield
    methods._GRID_CACHE.clear()


def rule_by_hand(predictions, val):
    """The paper's rule written out: the most accurate candidate whose validation DI is >= 0.8
    (ties: higher DI, then earlier); if none, the highest DI (ties: more accurate, then earlier)."""
    scored = [(np.mean(p == val.y), disparate_impact(p, val.z), k) for k, p in enumerate(predictions)]
    fair_enough = [s for s in scored if s[1] >= 0.8]
    if fair_enough:
        return min(fair_enough, key=lambda s: (-s[0], -s[1], s[2]))[2]
    return min(scored, key=lambda s: (-s[1], -s[0], s[2]))[2]


# --- the registry -----------------------------------------------------------------------------------


def test_every_table_method_declares_its_knob():
    assert set(KNOBS) == set(METHODS)
    assert [m for m, knob in KNOBS.items() if knob is None] == ["LR", "RML"]
    for reading in ("+", "->"):
        for fair_method in ("FC", "LBC", "AD"):
            assert KNOBS[f"RML{reading}{fair_method}"] == KNOBS[fair_method]
    assert KNOBS["FR-Train"] == "lambda_f"
    assert paper.FAMILIES.keys() >= METHODS.keys()


def test_a_method_without_a_knob_rule_is_refused(monkeypatch):
    monkeypatch.setitem(METHODS, "NOKNOB", lambda train, val, seed, *, poisoned: (lambda X: np.ones(len(X), int)))
    with pytest.raises(ValueError, match=r"method 'NOKNOB' has no knob rule.*frlib\.methods\.KNOBS"):
        run_experiment("synthetic", ["LR", "NOKNOB"], seeds=1)
    with pytest.raises(SystemExit):
        cli.main(["table", "--methods", "NOKNOB", "--seeds", "1", "--no-progress"])


def test_a_method_with_a_knob_must_report_the_setting_chosen(monkeypatch):
    monkeypatch.setitem(METHODS, "SILENT", lambda train, val, seed, *, poisoned: (lambda X: np.ones(len(X), int)))
    monkeypatch.setitem(KNOBS, "SILENT", "alpha")
    with pytest.raises(ValueError, match=r"method 'SILENT' has a knob \(alpha\) but its predictor does not report"):
        run_experiment("synthetic", ["SILENT"], seeds=[0])


def test_the_rule_names_the_method_when_its_grid_is_empty_or_a_group_is_missing():
    y, z = np.array([1, 0, 1, 0]), np.array([0, 0, 1, 1])
    with pytest.raises(ValueError, match="FR-Train: the knob rule got an empty grid"):
        fair.choose_setting([], y, z, method="FR-Train")
    with pytest.raises(ValueError, match="FR-Train: the validation set has no members of group z = 1"):
        fair.choose_setting([y], y, np.zeros(4, int), method="FR-Train")
    with pytest.raises(ValueError, match="the validation set has no members of group z = 0"):
        fair.choose_setting([y], y, np.ones(4, int))
    split = split_dataset(make_synthetic(seed=0))
    one_group = split.val.subset(np.flatnonzero(split.val.z == 1))
    with pytest.raises(ValueError, match="AD: the validation set has no members of group z = 0"):
        with quick_mode(True):
            fair.fit_fair("AD", split.train, one_group)


def test_frtrain_with_a_validation_set_of_one_group_names_frtrain(short_frtrain):
    split = split_dataset(make_synthetic(seed=0))
    one_group = split.val.subset(np.flatnonzero(split.val.z == 0))
    with quick_mode(True), pytest.raises(ValueError, match="FR-Train: the validation set has no members of group z = 1"):
        methods.train_frtrain(split.train, one_group, 0)


# --- FR-Train: lambda_f chosen by the rule, one grid per column --------------------------------------


def test_frtrain_chooses_lambda_f_by_the_rule_on_one_grid_per_column(monkeypatch, short_frtrain):
    grids = []
    original = methods.train_frtrain_grid

    def counting(trains, vals, runs, settings, **kwargs):
        grids.append([[(run.lambda_f, run.lambda_r, run.seed) for run in dataset_runs] for dataset_runs in runs])
        return original(trains, vals, runs, settings, **kwargs)

    monkeypatch.setattr(methods, "train_frtrain_grid", counting)
    seeds = [2, 4]
    with quick_mode(True):
        results = run_experiment("synthetic", ["FR-Train", "FR-Train (paper's lambdas)"], seeds=seeds)
        # one grid per column (clean, then poisoned), every lambda_f of the column for every seed,
        # init seed = data seed; the reference row reuses it
        assert len(grids) == 2
        for grid, column in zip(grids, ("clean", "poisoned")):
            lambda_r = frtrain_grid.PAPER_LAMBDAS[column][1]
            assert grid == [[(f, lambda_r, seed) for f in LAMBDA_F_GRID[column]] for seed in seeds]
        for seed in seeds:
            clean = split_dataset(make_synthetic(seed=seed))
            for column, split in (("clean", clean), ("poisoned", poison_split(clean)[0])):
                # each lambda_f alone, then the rule by hand on the validation set
                alone = frtrain_grid.train_frtrain_grid(
                    split.train, split.val, [(f, frtrain_grid.PAPER_LAMBDAS[column][1], seed) for f in LAMBDA_F_GRID[column]],
                    frtrain_grid.QUICK_SETTINGS[column])
                chosen = rule_by_hand(alone.predict(split.val.X), split.val)
                by_method = {r.method: r for r in results if r.seed == seed and r.data == column}
                selected, reference = by_method["FR-Train"], by_method["FR-Train (paper's lambdas)"]
                assert selected.knob == LAMBDA_F_GRID[column][chosen]
                y_pred = alone.predict(split.test.X)[chosen]
                assert selected.accuracy == pytest.approx(np.mean(y_pred == split.test.y))
                paper_lambda_f = frtrain_grid.PAPER_LAMBDAS[column][0]
                assert reference.knob == paper_lambda_f == LAMBDA_F_GRID[column][-1]
                y_ref = alone.predict(split.test.X)[-1]
                assert reference.accuracy == pytest.approx(np.mean(y_ref == split.test.y))


def test_the_lambda_f_grid_spans_the_authors_sweeps_and_ends_at_the_papers_points():
    for column, (low, high) in (("poisoned", (0.10, 0.52)), ("clean", (0.20, 0.85))):
        grid = np.array(LAMBDA_F_GRID[column])
        assert np.all(np.diff(grid) > 0) and grid[0] >= low and grid[-1] == high
        assert grid[-1] == frtrain_grid.PAPER_LAMBDAS[column][0]
        assert np.all(grid + frtrain_grid.PAPER_LAMBDAS[column][1] < 1)


def test_the_choices_never_look_at_the_test_set(monkeypatch, short_frtrain):
    """The same training and validation data with the test labels and groups scrambled: every
    method makes the same choice (the knobs reported are equal)."""
    def scrambled(seed):
        split = split_dataset(make_synthetic(seed=seed))
        rng = np.random.default_rng(99)
        test = Dataset(split.test.X, rng.permutation(split.test.y), 1 - split.test.z, split.test.feature_names)
        return Split(split.train, split.val, test)

    monkeypatch.setitem(experiments.DATASETS, "scrambled test", scrambled)
    names = ["FC", "RML->LBC", "FR-Train"]
    with quick_mode(True):
        original = run_experiment("synthetic", names, seeds=[1])
        methods._GRID_CACHE.clear()
        fair.two_step._RML_CACHE.clear()
        again = run_experiment("scrambled test", names, seeds=[1])
    assert [r.knob for r in original] == [r.knob for r in again]
    assert all(r.knob is not None for r in original)
    assert [r.accuracy for r in original] != [r.accuracy for r in again]  # the test sets do differ


# --- the two readings of the two-step baselines --------------------------------------------------------


def test_the_two_readings_of_the_two_step_baselines(monkeypatch):
    split = split_dataset(make_synthetic(seed=0))
    poisoned, flipped = poison_split(split)
    seen = []
    original = methods.fit_fair

    def recording(method, train, val, *, seed=0, sample_weight=None, **kwargs):
        seen.append((method, train, sample_weight))
        return original(method, train, val, seed=seed, sample_weight=sample_weight, **kwargs)

    monkeypatch.setattr(methods, "fit_fair", recording)
    with quick_mode(True):
        weights = fair.rml_weights(poisoned.train, poisoned.val, seed=0)
        kept = fair.rml_fit(poisoned.train, poisoned.val, 0, fair.two_step._two_step_epochs()).kept
        weighted = METHODS["RML+LBC"](poisoned.train, poisoned.val, 0, poisoned=True)
        sanitised = METHODS["RML->LBC"](poisoned.train, poisoned.val, 0, poisoned=True)
    (m1, train1, w1), (m2, train2, w2) = seen
    # weights in the label loss: every example, RML's weights
    assert m1 == "LBC" and len(train1) == len(poisoned.train)
    np.testing.assert_array_equal(w1, weights)
    # sanitise: only the examples RML weights at least half the average, unweighted
    assert m2 == "LBC" and w2 is None
    assert np.array_equal(kept, weights >= 0.5) and 0.6 < kept.mean() < 0.95
    np.testing.assert_array_equal(train2.X, poisoned.train.X[kept])
    np.testing.assert_array_equal(train2.y, poisoned.train.y[kept])
    assert kept[flipped].mean() < 0.2  # what RML distrusts is mostly the poison
    assert isinstance(weighted.knob, float) and isinstance(sanitised.knob, float)
    # the sanitised data are (almost) clean: its LBC must undo less of the labels' bias
    assert np.mean(train2.y[train2.z == 1]) > np.mean(poisoned.train.y[poisoned.train.z == 1])


def test_fc_reports_its_bound_as_a_share_of_the_unconstrained_covariance():
    split = split_dataset(make_synthetic(seed=0))
    with quick_mode(True):
        fitted = METHODS["FC"](split.train, split.val, 0, poisoned=False)
        fit = fair.fit_fair("FC", split.train, split.val, seed=0)
    assert fitted.knob == pytest.approx(fit.knob / fit.knobs[0])
    assert 0 <= fitted.knob <= 1
    np.testing.assert_array_equal(fitted(split.test.X), fit.predict(split.test.X))


# --- the table's rows ------------------------------------------------------------------------------------


def test_rows_report_the_knob_of_every_seed():
    with quick_mode(True):
        rows = run_table("synthetic", ["LR", "FC"], seeds=[0, 3])
    by = {(r["method"], r["data"]): r for r in rows}
    assert by[("LR", "clean")]["knobs"] == [None, None]
    knobs = by[("FC", "poisoned")]["knobs"]
    assert len(knobs) == 2 and all(0 <= k <= 1 for k in knobs)
    assert "c / c_max" in experiments.format_table(rows)


def test_poisoned_column_only_and_other_poisoning_rates(monkeypatch):
    calls = []

    def recorder(train, val, seed, *, poisoned):
        calls.append((poisoned, train.y.copy()))
        return lambda X: np.ones(len(X), dtype=int)

    monkeypatch.setitem(METHODS, "RECORD", recorder)
    monkeypatch.setitem(KNOBS, "RECORD", None)
    clean_y = split_dataset(make_synthetic(seed=0)).train.y
    flips = {}
    for rate in (0.1, 0.2, 0.3):
        calls.clear()
        results = run_experiment("synthetic", ["RECORD"], seeds=[0], columns=("poisoned",), poison_rate=rate)
        assert [(r.data, r.seed) for r in results] == [("poisoned", 0)]
        ((poisoned, y),) = calls
        assert poisoned is True
        flips[rate] = int(np.sum(y != clean_y))
    # round(rate * 2000) flips over the training and validation rows, about 90% of them in training
    for rate, count in flips.items():
        assert 0.85 * rate * 2000 <= count <= rate * 2000
    with pytest.raises(ValueError, match="columns"):
        run_experiment("synthetic", ["LR"], seeds=1, columns=("dirty",))
    with pytest.raises(ValueError, match="columns"):
        run_experiment("synthetic", ["LR"], seeds=1, columns=())


def test_the_paper_numbers_stand_next_to_both_readings_and_the_reference_row():
    rows = [{"method": m, "data": "poisoned", "acc_mean": 0.8, "acc_std": 0.0, "di_mean": 0.8, "di_std": 0.0}
            for m in ("RML+FC", "RML->FC", "FR-Train", "FR-Train (paper's lambdas)")]
    table = paper.compare_with_paper(rows).set_index("method")
    assert table.loc["RML+FC", "paper_acc"] == table.loc["RML->FC", "paper_acc"] == 0.529
    assert table.loc["FR-Train", "paper_acc"] == table.loc["FR-Train (paper's lambdas)", "paper_acc"] == 0.814
    assert (table["family"] == ["two-step", "two-step", "fair and robust", "fair and robust"]).all()
    real = paper.compare_with_paper(rows, dataset="compas").set_index("method")
    assert real.loc["FR-Train (paper's lambdas)", "paper_di"] == 0.899
    assert np.isnan(real.loc["RML->FC", "paper_acc"])
