"""frlib.experiments (the paper's clean / poisoned protocol over seeds) and the command line."""

from __future__ import annotations

from dataclasses import replace

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SklearnLR

from frlib import cli, experiments
from frlib.config import is_quick, quick_mode
from frlib.data import make_synthetic, split_dataset
from frlib.experiments import (
    Result,
    format_table,
    parse_methods,
    run_experiment,
    run_table,
    summarize,
)
from frlib.methods import KNOBS, METHODS
from frlib.poison import poison_split

ROW_KEYS = {"method", "data", "acc_mean", "acc_std", "di_mean", "di_std", "seeds", "knobs"}


@pytest.fixture(scope="module")
def two_seeds():
    with quick_mode(True):
        return run_experiment("synthetic", "LR", seeds=2), run_table("synthetic", "LR", seeds=2)


@pytest.fixture(scope="module")
def one_seed_rows():
    with quick_mode(True):
        return run_table("synthetic", ["LR"], seeds=1)


# --- run_experiment / run_table -------------------------------------------------------------------


def test_run_table_one_seed_rows(one_seed_rows):
    rows = one_seed_rows
    assert [(r["method"], r["data"]) for r in rows] == [("LR", "clean"), ("LR", "poisoned")]
    for row in rows:
        assert set(row) == ROW_KEYS
        assert row["seeds"] == 1
        assert row["acc_std"] == 0.0 and row["di_std"] == 0.0
        assert 0.0 <= row["di_mean"] <= 1.0
        assert all(type(row[k]) is float for k in ("acc_mean", "acc_std", "di_mean", "di_std"))
    clean, poisoned = rows
    assert 0.84 <= clean["acc_mean"] <= 0.91
    assert poisoned["acc_mean"] < clean["acc_mean"]
    # Paper: LR .885 / .409 clean, .819 / .446 poisoned: LR is accurate and unfair.
    assert 0.76 <= poisoned["acc_mean"] <= 0.86
    assert clean["di_mean"] < 0.6 and poisoned["di_mean"] < 0.6
    # Both rows are JSON-serialisable as they are (the CLI writes them).
    assert json.loads(json.dumps(rows)) == rows


def test_run_table_two_seeds_is_the_summary_of_the_runs(two_seeds):
    results, rows = two_seeds
    assert [(r.method, r.data, r.seed) for r in results] == [
        ("LR", "clean", 0), ("LR", "poisoned", 0), ("LR", "clean", 1), ("LR", "poisoned", 1)
    ]
    assert [(r["method"], r["data"], r["seeds"]) for r in rows] == [("LR", "clean", 2), ("LR", "poisoned", 2)]
    for row in rows:
        assert set(row) == ROW_KEYS
        runs = [r for r in results if r.data == row["data"]]
        acc = [r.accuracy for r in runs]
        di = [r.disparate_impact for r in runs]
        assert row["acc_mean"] == pytest.approx(np.mean(acc), abs=1e-12)
        assert row["acc_std"] == pytest.approx(np.std(acc), abs=1e-12)
        assert row["di_mean"] == pytest.approx(np.mean(di), abs=1e-12)
        assert row["di_std"] == pytest.approx(np.std(di), abs=1e-12)
    clean, poisoned = rows
    assert 0.84 <= clean["acc_mean"] <= 0.91
    assert poisoned["acc_mean"] < clean["acc_mean"]
    for seed in (0, 1):
        by_data = {r.data: r for r in results if r.seed == seed}
        assert by_data["poisoned"].accuracy < by_data["clean"].accuracy


def test_lr_results_agree_with_sklearn_on_the_same_split(two_seeds):
    results, _ = two_seeds
    for seed in (0, 1):
        clean = split_dataset(make_synthetic(seed=seed))
        poisoned, _ = poison_split(clean)
        for data, split in (("clean", clean), ("poisoned", poisoned)):
            reference = SklearnLR(C=np.inf, max_iter=10_000).fit(split.train.X, split.train.y)
            y_pred = reference.predict(split.test.X)
            expected_acc = np.mean(y_pred == split.test.y)
            got = next(r for r in results if r.seed == seed and r.data == data)
            assert got.accuracy == pytest.approx(expected_acc, abs=0.005)
            rates = [y_pred[split.test.z == g].mean() for g in (0, 1)]
            assert got.disparate_impact == pytest.approx(min(rates) / max(rates), abs=0.02)


def test_the_protocol_trains_on_clean_then_poisoned_labels_and_tests_on_the_test_set(monkeypatch):
    calls = []

    def recorder(train, val, seed, *, poisoned):
        calls.append((train, val, seed))
        return lambda X: np.ones(len(X), dtype=int)

    def by_group(train, val, seed, *, poisoned):
        return lambda X: np.asarray(X)[:, 2].astype(int)  # predict z: maximally unfair

    for name, method in (("RECORD", recorder), ("BYGROUP", by_group)):
        monkeypatch.setitem(METHODS, name, method)
        monkeypatch.setitem(KNOBS, name, None)
    results = run_experiment("synthetic", "RECORD,BYGROUP", seeds=[3])
    assert [(r.method, r.data, r.seed) for r in results] == [
        ("RECORD", "clean", 3), ("BYGROUP", "clean", 3), ("RECORD", "poisoned", 3), ("BYGROUP", "poisoned", 3)
    ]
    split = split_dataset(make_synthetic(seed=3))
    poisoned, flipped = poison_split(split)
    (clean_train, clean_val, s1), (poisoned_train, poisoned_val, s2) = calls
    assert s1 == s2 == 3
    np.testing.assert_array_equal(clean_train.y, split.train.y)
    np.testing.assert_array_equal(poisoned_train.y, poisoned.train.y)
    assert (poisoned_train.y != clean_train.y).sum() == len(flipped) > 150
    np.testing.assert_array_equal(clean_val.y, split.val.y)
    np.testing.assert_array_equal(poisoned_val.y, split.val.y)  # validation stays clean
    test = split.test
    for r in results:
        if r.method == "RECORD":  # everyone positive: accuracy = base rate, DI = 1
            assert r.accuracy == pytest.approx(test.y.mean())
            assert r.disparate_impact == 1.0
        else:  # yhat = z: DI = 0, accuracy = P(y = z)
            assert r.accuracy == pytest.approx(np.mean(test.y == test.z))
            assert r.disparate_impact == 0.0


def test_rml_in_the_table_resists_the_papers_attack():
    # Lesson 03's RML (learning to reweight against the clean validation set), registered as "RML".
    with quick_mode(True):
        rows = run_table("synthetic", "LR,RML", seeds=1)
    by = {(r["method"], r["data"]): r for r in rows}
    assert set(by) == {("LR", "clean"), ("LR", "poisoned"), ("RML", "clean"), ("RML", "poisoned")}
    # Paper: RML .876 clean, .869 poisoned; LR .885 / .819. RML loses little to the attack.
    assert by[("RML", "poisoned")]["acc_mean"] >= 0.85
    assert by[("RML", "poisoned")]["acc_mean"] - by[("LR", "poisoned")]["acc_mean"] >= 0.03
    assert abs(by[("RML", "clean")]["acc_mean"] - by[("LR", "clean")]["acc_mean"]) <= 0.02
    assert by[("RML", "poisoned")]["di_mean"] < 0.6  # robust, not fair


def test_run_experiment_rejects_bad_arguments():
    with pytest.raises(ValueError, match="'nope'"):
        run_experiment("nope", "LR", seeds=1)
    with pytest.raises(ValueError, match="seeds"):
        run_experiment("synthetic", "LR", seeds=0)
    with pytest.raises(ValueError, match="seeds is empty"):
        run_experiment("synthetic", "LR", seeds=[])
    with pytest.raises(ValueError, match="seeds"):
        run_experiment("synthetic", "LR", seeds=[-1])
    with pytest.raises(TypeError, match="seeds"):
        run_experiment("synthetic", "LR", seeds=[0.5])
    with pytest.raises(ValueError, match="FOO"):
        run_experiment("synthetic", "FOO", seeds=1)


# --- summarize, parse_methods, format_table -------------------------------------------------------


def test_summarize_by_hand():
    results = [
        Result("A", "clean", 0, accuracy=0.80, disparate_impact=0.50),
        Result("A", "poisoned", 0, accuracy=0.70, disparate_impact=0.60),
        Result("B", "clean", 0, accuracy=0.90, disparate_impact=0.40),
        Result("A", "clean", 1, accuracy=0.90, disparate_impact=0.70),
        Result("A", "clean", 2, accuracy=0.85, disparate_impact=0.90),
        Result("A", "poisoned", 1, accuracy=0.60, disparate_impact=0.60),
    ]
    rows = summarize(results)
    assert [(r["method"], r["data"]) for r in rows] == [("A", "clean"), ("A", "poisoned"), ("B", "clean")]
    a_clean, a_poisoned, b_clean = rows
    assert a_clean["seeds"] == 3
    assert a_clean["acc_mean"] == pytest.approx(0.85)
    # Population standard deviation (ddof = 0): sqrt(((-.05)^2 + .05^2 + 0) / 3).
    assert a_clean["acc_std"] == pytest.approx(np.sqrt(0.005 / 3))
    assert a_clean["di_mean"] == pytest.approx(0.7)
    assert a_clean["di_std"] == pytest.approx(np.sqrt((0.04 + 0 + 0.04) / 3))
    assert a_poisoned == {"method": "A", "data": "poisoned", "acc_mean": pytest.approx(0.65),
                          "acc_std": pytest.approx(0.05), "di_mean": pytest.approx(0.6),
                          "di_std": pytest.approx(0.0), "seeds": 2, "knobs": [None, None]}
    assert b_clean["seeds"] == 1 and b_clean["acc_std"] == 0.0
    assert summarize([]) == []


def test_parse_methods(monkeypatch):
    assert parse_methods("LR") == ["LR"]
    assert parse_methods(" LR , ") == ["LR"]
    assert parse_methods(["LR"]) == ["LR"]
    assert parse_methods("all") == list(METHODS)
    registered = list(METHODS)
    monkeypatch.setitem(METHODS, "OTHER", METHODS["LR"])
    monkeypatch.setitem(KNOBS, "OTHER", None)
    assert parse_methods("all") == [*registered, "OTHER"]
    assert parse_methods("OTHER,LR") == ["OTHER", "LR"]
    with pytest.raises(ValueError, match="FOO"):
        parse_methods("FOO")
    with pytest.raises(ValueError, match="FOO"):
        parse_methods("LR,FOO")
    with pytest.raises(ValueError, match="methods is empty"):
        parse_methods("")
    with pytest.raises(ValueError, match="methods is empty"):
        parse_methods([])


def test_format_table():
    rows = [{"method": "LR", "data": "clean", "acc_mean": 0.8834, "acc_std": 0.0123,
             "di_mean": 0.41, "di_std": 0.0, "seeds": 5}]
    text = format_table(rows)
    lines = text.splitlines()
    assert len(lines) == 3
    assert lines[0].split() == ["method", "data", "accuracy", "DI", "seeds", "knob", "chosen", "per", "seed"]
    assert set(lines[1]) == {"-"}
    assert lines[2].split() == ["LR", "clean", "0.883", "+-", "0.012", "0.410", "+-", "0.000", "5"]
    # The knob each seed chose follows, named as in frlib.methods.KNOBS; integers print as such.
    rows = [{**rows[0], "knobs": [None] * 5},
            {"method": "LBC", "data": "clean", "acc_mean": 0.8, "acc_std": 0.0, "di_mean": 0.8, "di_std": 0.0,
             "seeds": 2, "knobs": [7.0, 15.0]},
            {"method": "FR-Train", "data": "poisoned", "acc_mean": 0.8, "acc_std": 0.0, "di_mean": 0.8,
             "di_std": 0.0, "seeds": 2, "knobs": [0.17, 0.52]}]
    lines = format_table(rows).splitlines()
    assert lines[2].split()[-1] == "5"
    assert lines[3].split()[-3:] == ["rounds", "7", "15"]
    assert lines[4].split()[-3:] == ["lambda_f", "0.17", "0.52"]


# --- Command line ---------------------------------------------------------------------------------


def test_cli_main_prints_the_table_and_writes_json(tmp_path, capsys, one_seed_rows):
    out = tmp_path / "nested" / "dir" / "table.json"
    code = cli.main(["table", "--dataset", "synthetic", "--methods", "LR", "--seeds", "1",
                     "--json", str(out), "--quick", "--no-progress"])
    assert code == 0
    rows = json.loads(out.read_text())
    assert rows == one_seed_rows  # the same numbers as the library call, same seed and budget
    printed = capsys.readouterr().out
    assert format_table(rows) in printed
    assert f"wrote 2 rows to {out}" in printed


def test_cli_quick_flag_selects_the_quick_setting(monkeypatch, capsys):
    seen = []

    def probe(train, val, seed, *, poisoned):
        seen.append(is_quick())
        return lambda X: np.ones(len(X), dtype=int)

    monkeypatch.setitem(METHODS, "PROBE", probe)
    monkeypatch.setitem(KNOBS, "PROBE", None)
    monkeypatch.setenv("FRLIB_QUICK", "0")
    assert cli.main(["table", "--methods", "PROBE", "--seeds", "1", "--no-progress", "--quick"]) == 0
    assert seen == [True, True]
    seen.clear()
    assert cli.main(["table", "--methods", "PROBE", "--seeds", "1", "--no-progress"]) == 0
    assert seen == [False, False]
    assert not is_quick()  # --quick does not leak out of the command


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["table", "--methods", "FOO", "--seeds", "1", "--no-progress"], "FOO"),
        (["table", "--methods", "LR,BAR", "--seeds", "1", "--no-progress"], "BAR"),
        (["table", "--methods", "LR", "--seeds", "0", "--no-progress"], "seeds"),
        (["table", "--dataset", "bogus", "--seeds", "1"], "bogus"),
        (["table", "--seeds", "two"], "two"),
        ([], "command"),
    ],
)
def test_cli_bad_arguments_exit_non_zero_with_a_message(argv, fragment, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code != 0
    assert fragment in capsys.readouterr().err


def test_python_dash_m_frlib_table(tmp_path, one_seed_rows):
    out = tmp_path / "rows.json"
    # --quick alone must select the quick budget; one thread as in conftest (tiny models).
    env = {**os.environ, "FRLIB_QUICK": "0", "OMP_NUM_THREADS": "1"}
    completed = subprocess.run(
        [sys.executable, "-m", "frlib", "table", "--dataset", "synthetic", "--methods", "LR",
         "--seeds", "1", "--json", str(out), "--quick"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    rows = json.loads(out.read_text())
    assert [(r["method"], r["data"], r["seeds"]) for r in rows] == [("LR", "clean", 1), ("LR", "poisoned", 1)]
    for row, expected in zip(rows, one_seed_rows):
        assert set(row) == ROW_KEYS
        for key in ("acc_mean", "di_mean"):
            assert row[key] == pytest.approx(expected[key], abs=1e-9)
    assert 0.84 <= rows[0]["acc_mean"] <= 0.91 and rows[1]["acc_mean"] < rows[0]["acc_mean"]
    assert format_table(rows) in completed.stdout


# --- real data ------------------------------------------------------------------------------------


@pytest.mark.parametrize("dataset, band", [("compas", (0.64, 0.70)), ("adult", (0.80, 0.86))])
def test_cli_table_on_real_data_with_every_method(dataset, band, tmp_path, capsys, monkeypatch):
    """``python -m frlib table --dataset compas|adult --methods all`` (quick setting, one seed).

    AdultCensus keeps its first 4,000 training rows (and a validation set of 5% of them): every
    method meets its 82 features, FR-Train its seven lambda_f on both columns, in a quarter of
    the time of all 34,455 rows."""
    if dataset == "adult":
        whole = experiments.DATASETS["adult"]

        def first_rows(seed):
            split = whole(seed)
            return replace(split, train=split.train.subset(np.arange(4_000)), val=split.val.subset(np.arange(200)))

        monkeypatch.setitem(experiments.DATASETS, "adult", first_rows)
    out = tmp_path / "rows.json"
    assert cli.main(["table", "--dataset", dataset, "--methods", "all", "--seeds", "1",
                     "--quick", "--no-progress", "--json", str(out)]) == 0
    rows = json.loads(out.read_text())
    assert [(r["method"], r["data"]) for r in rows] == [
        (m, d) for d in ("clean", "poisoned") for m in METHODS
    ]
    lr = {r["data"]: r for r in rows if r["method"] == "LR"}
    assert band[0] <= lr["clean"]["acc_mean"] <= band[1]  # the band for clean LR
    assert lr["poisoned"]["acc_mean"] < lr["clean"]["acc_mean"]
    assert format_table(rows) in capsys.readouterr().out


def test_methods_with_a_poisoned_keyword_are_told_which_column(monkeypatch):
    seen = []

    def column_aware(train, val, seed, poisoned=None):
        seen.append(poisoned)
        return lambda X: np.ones(len(X), dtype=int)

    monkeypatch.setitem(METHODS, "AWARE", column_aware)
    monkeypatch.setitem(KNOBS, "AWARE", None)
    with quick_mode(True):
        run_experiment("synthetic", ["LR", "AWARE"], seeds=[0])
    assert seen == [False, True]  # clean first, then poisoned


def test_every_table_method_has_the_one_signature():
    # (train, val, seed, *, poisoned) -> predictor: the protocol passes `poisoned` to every method.
    import inspect

    from frlib.methods import train_fair_robust_selection

    for method in [*METHODS.values(), train_fair_robust_selection]:
        parameters = inspect.signature(method).parameters
        assert list(parameters)[:3] == ["train", "val", "seed"], method.__name__
        assert parameters["poisoned"].kind is inspect.Parameter.KEYWORD_ONLY, method.__name__


def test_fair_and_two_step_methods_in_the_table():
    # Lesson 04: the paper's fair-only baselines and the two-step "RML, then fair" baselines.
    names = ["FC", "LBC", "AD", "RML+FC", "RML+LBC", "RML+AD"]
    assert [m for m in METHODS if m in names] == names  # registered, in the paper's order
    with quick_mode(True):
        rows = run_table("synthetic", ["LR", "FC", "LBC", "AD", "RML+FC"], seeds=1)
    by = {(r["method"], r["data"]): r for r in rows}
    for method in ("FC", "LBC", "AD"):
        # Fairer than LR (DI about 0.43) on both columns, and the attack costs accuracy
        # (paper: FC .806 -> .760, LBC .760 -> .715, AD .811 -> .769).
        for data in ("clean", "poisoned"):
            assert by[(method, data)]["di_mean"] > by[("LR", data)]["di_mean"] + 0.2
        assert by[(method, "poisoned")]["acc_mean"] < by[(method, "clean")]["acc_mean"] - 0.02
        assert 0.78 <= by[(method, "clean")]["acc_mean"] <= 0.86
    # RML's weights in the loss recover accuracy on poisoned labels.
    assert by[("RML+FC", "poisoned")]["acc_mean"] > by[("FC", "poisoned")]["acc_mean"] + 0.03
    assert by[("RML+FC", "poisoned")]["di_mean"] > 0.7


