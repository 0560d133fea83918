"""frlib.frtrain_grid (the batched grid) against frlib.frtrain (modules + autograd), and its API.

The batched grid writes its gradients out; the reference is the same algorithm written the
straightforward way, one configuration at a time, with autograd. Starting from the same seeded
parameters they must follow the same trajectory, for demographic parity and equalized odds,
for every run of a grid and every data set of it.
"""

from __future__ import annotations

import math
import platform
from dataclasses import replace

import numpy as np
import pytest

from frlib import frtrain_compiled, frtrain_grid
from frlib.data import make_synthetic, split_dataset
from frlib.frtrain import train_reference
from frlib.frtrain_grid import (
    FRTrainSettings,
    Run,
    grid,
    initial_parameters,
    train_frtrain,
    train_frtrain_grid,
)
from frlib.metrics import disparate_impact
from frlib.poison import poison_split

# Short runs on small data: a warm-up, then enough of the game to pass several reweightings.
SHORT = FRTrainSettings(epochs=420, k=3, warmup_epochs=150, reweight_every=60,
                        lr_generator=5e-3, lr_fairness=1e-2, lr_robustness=1e-2, record_every=30)


@pytest.fixture(scope="module")
def small():
    """Two small synthetic data sets (seeds 0 and 1), poisoned by the paper's attack."""
    splits = []
    for seed in (0, 1):
        clean = split_dataset(make_synthetic(n_per_class=400, seed=seed), n_train=500, n_val=60, n_test=240)
        splits.append((clean, poison_split(clean)[0]))
    return splits


RUNS = [Run(0.3, 0.2, 0), Run(0.5, 0.4, 1), Run(0.0, 0.0, 2), Run(0.6, 0.0, 3)]
BACKENDS = ["compiled", "torch"]


@pytest.fixture(scope="module")
def compiled_available():
    """The C kernel builds here (CI has a compiler; a laptop without one runs the torch path only)."""
    if frtrain_compiled.load() is None:
        pytest.skip("no C compiler: the compiled backend is not available")


@pytest.fixture(scope="module")
def references(small):
    """The autograd reference of every run of RUNS on both data sets, for dp and eo (computed once)."""
    out = {}
    for fairness in ("dp", "eo"):
        settings = replace(SHORT, fairness=fairness)
        out[fairness] = [[train_reference(poisoned.train, poisoned.val, run, settings) for run in RUNS]
                         for _, poisoned in small]
    return out


def _backend(request, backend):
    if backend == "compiled":
        request.getfixturevalue("compiled_available")
    return backend


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("fairness", ["dp", "eo"])
def test_batched_grid_follows_the_autograd_reference(small, references, fairness, backend, request):
    settings = replace(SHORT, fairness=fairness)
    trains = [poisoned.train for _, poisoned in small]
    vals = [poisoned.val for _, poisoned in small]
    result = train_frtrain_grid(trains, vals, RUNS, settings, backend=_backend(request, backend))
    assert result.weight.shape == (2, len(RUNS), 3) and result.example_weights.shape == (2, len(RUNS), 500)
    for s in range(len(trains)):
        for r in range(len(RUNS)):
            reference = references[fairness][s][r]
            np.testing.assert_allclose(result.weight[s, r], reference["weight"], atol=2e-5)
            assert result.bias[s, r] == pytest.approx(reference["bias"], abs=2e-5)
            np.testing.assert_allclose(result.example_weights[s, r], reference["example_weights"], atol=2e-5)
            recorded = reference["generator_loss"][result.epochs_recorded]
            np.testing.assert_allclose(result.history["generator"][:, s, r], recorded, atol=2e-5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_run_does_not_depend_on_the_rest_of_the_grid(small, backend, request):
    _, poisoned = small[0]
    backend = _backend(request, backend)
    alone = train_frtrain_grid(poisoned.train, poisoned.val, [Run(0.5, 0.4, 1)], SHORT, backend=backend)
    alone = frtrain_grid.FRTrainModel(alone.runs[0], SHORT, alone.weight[0, 0], alone.bias[0, 0], alone.example_weights[0, 0],
                                 alone.clean_score[0, 0], {k: v[:, 0, 0] for k, v in alone.history.items()},
                                 alone.epochs_recorded)
    in_grid = train_frtrain_grid(poisoned.train, poisoned.val, RUNS, SHORT, backend=backend)
    np.testing.assert_allclose(alone.weight, in_grid.weight[0, 1], atol=1e-6)
    np.testing.assert_allclose(alone.example_weights, in_grid.example_weights[0, 1], atol=1e-6)
    for key, curve in alone.history.items():
        np.testing.assert_allclose(curve, in_grid.history[key][:, 0, 1], atol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_data_set_can_train_its_own_runs(small, backend, request):
    """runs given per data set: run r of data set s is the run trained alone on that data set."""
    backend = _backend(request, backend)
    trains = [poisoned.train for _, poisoned in small]
    vals = [poisoned.val for _, poisoned in small]
    per_dataset = [[Run(0.3, 0.2, 0), Run(0.5, 0.4, 1)], [Run(0.5, 0.4, 2), Run(0.0, 0.0, 0)]]
    result = train_frtrain_grid(trains, vals, per_dataset, SHORT, backend=backend)
    assert result.run(1, 0) == Run(0.5, 0.4, 2) and result.runs == per_dataset
    for s, (train, val) in enumerate(zip(trains, vals)):
        for r, run in enumerate(per_dataset[s]):
            alone = train_frtrain_grid(train, val, [run], SHORT, backend=backend)
            np.testing.assert_allclose(result.weight[s, r], alone.weight[0, 0], atol=1e-6)
            np.testing.assert_allclose(result.history["generator"][:, s, r], alone.history["generator"][:, 0, 0], atol=1e-6)
    table = result.evaluate([clean.test for clean, _ in small])
    assert list(table["seed"]) == [0, 1, 2, 0]
    with pytest.raises(ValueError, match="one per data set"):
        train_frtrain_grid(trains, vals, per_dataset[:1], SHORT, backend=backend)
    with pytest.raises(ValueError, match="as many runs"):
        train_frtrain_grid(trains, vals, [per_dataset[0], per_dataset[1][:1]], SHORT, backend=backend)


@pytest.mark.parametrize("fairness", ["dp", "eo"])
def test_the_two_backends_agree_on_every_output(small, fairness, compiled_available):
    """The C kernel and the torch code: same generators, weights, scores and curves."""
    settings = replace(SHORT, fairness=fairness)
    trains = [poisoned.train for _, poisoned in small]
    vals = [poisoned.val for _, poisoned in small]
    compiled = train_frtrain_grid(trains, vals, RUNS, settings, backend="compiled")
    torch_ = train_frtrain_grid(trains, vals, RUNS, settings, backend="torch")
    for name in ("weight", "bias", "example_weights", "clean_score"):
        np.testing.assert_allclose(getattr(compiled, name), getattr(torch_, name), atol=1e-5, err_msg=name)
    assert set(compiled.history) == set(torch_.history)
    for key, curve in compiled.history.items():
        np.testing.assert_allclose(curve, torch_.history[key], atol=1e-5, err_msg=key)
    np.testing.assert_array_equal(compiled.epochs_recorded, torch_.epochs_recorded)


@pytest.mark.parametrize("threads", ["2", "3", "8"])
def test_the_kernels_threads_do_not_change_any_output(small, threads, compiled_available, monkeypatch):
    """FRLIB_THREADS shares the runs out between threads (8 runs: 4, 3 with 2 and 2 runs, 1 each);
    every output is bit for bit the one-thread output."""
    trains = [poisoned.train for _, poisoned in small]
    vals = [poisoned.val for _, poisoned in small]
    monkeypatch.setenv("FRLIB_THREADS", "1")
    one = train_frtrain_grid(trains, vals, RUNS, SHORT, backend="compiled")
    monkeypatch.setenv("FRLIB_THREADS", threads)
    several = train_frtrain_grid(trains, vals, RUNS, SHORT, backend="compiled")
    for name in ("weight", "bias", "example_weights", "clean_score"):
        np.testing.assert_array_equal(getattr(several, name), getattr(one, name), err_msg=name)
    for key, curve in one.history.items():
        np.testing.assert_array_equal(several.history[key], curve, err_msg=key)


def test_same_seed_same_model_other_seed_other_model(small):
    _, poisoned = small[0]
    a = train_frtrain(poisoned.train, poisoned.val, 0.3, 0.2, seed=5, settings=SHORT)
    b = train_frtrain(poisoned.train, poisoned.val, 0.3, 0.2, seed=5, settings=SHORT)
    c = train_frtrain(poisoned.train, poisoned.val, 0.3, 0.2, seed=6, settings=SHORT)
    np.testing.assert_array_equal(a.weight, b.weight)
    assert not np.allclose(a.weight, c.weight)


def test_initial_parameters_follow_the_authors_initialisation():
    draws = [initial_parameters(seed, 3, 1, 16) for seed in range(200)]
    weights = np.concatenate([np.concatenate([d["gen_w"].numpy(), d["r_w1"].numpy().ravel()]) for d in draws])
    assert weights.std() == pytest.approx(frtrain_grid.INIT_STD, rel=0.03) and abs(weights.mean()) < 0.01
    assert all(float(d["gen_b"]) == 0 and not d["r_b1"].any() for d in draws)
    assert draws[0]["r_w1"].shape == (4, 16)  # [x1, x2, z, label] -> 16, as the authors' D_R


def test_lambdas_zero_is_plain_warm_started_logistic_regression(small):
    """With lambda_f = lambda_r = 0 and no reweighting yet, the game reduces to the label loss."""
    clean, _ = small[0]
    settings = replace(SHORT, epochs=800, reweight_every=10_000)
    model = train_frtrain(clean.train, clean.val, 0.0, 0.0, seed=0, settings=settings)
    assert np.all(model.example_weights == 1)
    accuracy = (model.predict(clean.test.X) == clean.test.y).mean()
    assert accuracy > 0.82  # LR reaches about 0.87 on this data
    assert model.history["label"][-1] < model.history["label"][0]


def test_the_fairness_discriminator_pulls_di_up(small):
    """A large lambda_f gives a fairer classifier than lambda_f = 0 on the same data and seed."""
    clean, _ = small[0]
    settings = replace(SHORT, epochs=1500)
    runs = train_frtrain_grid(clean.train, clean.val, grid([0.0, 0.8], 0.0, seeds=[0, 1]), settings)
    table = runs.evaluate(clean.test)
    di = table.groupby("lambda_f")["DI"].mean()
    assert di[0.8] > di[0.0] + 0.15, di
    # Theorem 1: D_F's estimate of I(Z; Yhat) is lower for the fair runs at the end.
    mi = runs.history["mi_z_yhat"][-1, 0]
    assert mi[2:].mean() < mi[:2].mean()


def test_history_and_mi_estimates_are_consistent(small):
    _, poisoned = small[0]
    model = train_frtrain(poisoned.train, poisoned.val, 0.3, 0.2, seed=0, settings=SHORT)
    epochs = model.epochs_recorded
    assert epochs[0] == 0 and epochs[-1] == SHORT.epochs - 1 and np.all(np.diff(epochs) > 0)
    p = poisoned.train.z.mean()
    h_z = -(p * math.log(p) + (1 - p) * math.log(1 - p))
    np.testing.assert_allclose(model.history["mi_z_yhat"], h_z - model.history["fairness"], atol=1e-6)
    np.testing.assert_allclose(model.history["mi_clean"], math.log(2) - model.history["robustness"], atol=1e-6)
    assert set(model.history) == {"generator", "fairness", "robustness", "label", "mi_z_yhat", "mi_clean"}
    assert np.all((model.clean_score > 0) & (model.clean_score < 1))


def test_evaluate_matches_the_metrics(small):
    clean, poisoned = small[0]
    result = train_frtrain_grid(poisoned.train, poisoned.val, RUNS[:2], SHORT)
    table = result.evaluate(clean.test)
    predictions = result.predict(clean.test.X)
    for r in range(2):
        row = table.iloc[r]
        assert row["accuracy"] == pytest.approx((predictions[r] == clean.test.y).mean())
        assert row["DI"] == pytest.approx(disparate_impact(predictions[r], clean.test.z))
    with pytest.raises(ValueError, match="tests has 2 data sets"):
        result.evaluate([clean.test, clean.test])


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "run, error, fragment",
    [
        ((0.6, 0.4, 0), ValueError, "lambda_f \\+ lambda_r must be below 1"),
        ((0.7, 0.5, 0), ValueError, "below 1"),
        ((-0.1, 0.2, 0), ValueError, "lambda_f must be >= 0"),
        ((0.1, -0.2, 0), ValueError, "lambda_r must be >= 0"),
        ((0.1, 0.2, -1), ValueError, "seed"),
        (("a", 0.2, 0), TypeError, "lambda_f must be a number"),
        ((0.1, 0.2), TypeError, "a run must be"),
    ],
)
def test_bad_runs_are_rejected(small, run, error, fragment):
    _, poisoned = small[0]
    with pytest.raises(error, match=fragment):
        train_frtrain_grid(poisoned.train, poisoned.val, [run], SHORT)


def test_bad_validation_sets_are_rejected(small):
    _, poisoned = small[0]
    with pytest.raises(ValueError, match="val has 9 rows.*at least 10"):
        train_frtrain(poisoned.train, poisoned.val.subset(np.arange(9)), settings=SHORT)
    one_class = poisoned.val.subset(np.flatnonzero(poisoned.val.y == 1))
    with pytest.raises(ValueError, match="single class"):
        train_frtrain(poisoned.train, one_class, settings=SHORT)
    with pytest.raises(TypeError, match="val must be a frlib.data.Dataset"):
        train_frtrain(poisoned.train, poisoned.val.X, settings=SHORT)


@pytest.mark.parametrize(
    "changes, fragment",
    [
        (dict(k=0), "k"),
        (dict(epochs=0), "epochs"),
        (dict(warmup_epochs=-1), "warmup_epochs"),
        (dict(lr_generator=0.0), "lr_generator"),
        (dict(fairness="equal"), "fairness"),
    ],
)
def test_bad_settings_are_rejected(changes, fragment):
    with pytest.raises(ValueError, match=fragment):
        FRTrainSettings(**changes)


def test_grid_shapes_must_agree(small):
    (clean0, poisoned0), (clean1, _) = small
    with pytest.raises(ValueError, match="train has 2 data sets but val has 1"):
        train_frtrain_grid([poisoned0.train, clean1.train], [poisoned0.val], RUNS, SHORT)
    with pytest.raises(ValueError, match="same shape"):
        train_frtrain_grid([poisoned0.train, clean1.train.subset(np.arange(400))], [poisoned0.val] * 2, RUNS, SHORT)
    with pytest.raises(ValueError, match="runs is empty"):
        train_frtrain_grid(poisoned0.train, poisoned0.val, [], SHORT)


def test_unknown_backend_is_rejected(small):
    _, poisoned = small[0]
    with pytest.raises(ValueError, match="backend"):
        train_frtrain_grid(poisoned.train, poisoned.val, RUNS, SHORT, backend="gpu")


def test_a_hidden_layer_wider_than_the_kernels_trains_on_torch(small):
    _, poisoned = small[0]
    wide = replace(SHORT, epochs=20, hidden_robustness=frtrain_compiled.MAX_HIDDEN + 1)
    auto = train_frtrain_grid(poisoned.train, poisoned.val, RUNS[:1], wide)
    on_torch = train_frtrain_grid(poisoned.train, poisoned.val, RUNS[:1], wide, backend="torch")
    np.testing.assert_array_equal(auto.weight, on_torch.weight)
    with pytest.raises(ValueError, match="hidden_robustness <= 64"):
        train_frtrain_grid(poisoned.train, poisoned.val, RUNS[:1], wide, backend="compiled")


# --- building the C kernel ------------------------------------------------------------------------


@pytest.fixture
def fresh_loader(monkeypatch, tmp_path):
    """frtrain_compiled as in a new process, with its cache in a temporary folder."""
    monkeypatch.setattr(frtrain_compiled, "_tried", False)
    monkeypatch.setattr(frtrain_compiled, "_library", None)
    monkeypatch.setenv("FRLIB_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_without_a_compiler_the_grid_runs_on_torch_after_one_line(small, fresh_loader, monkeypatch, capsys):
    monkeypatch.setattr(frtrain_compiled, "find_compiler", lambda: None)
    _, poisoned = small[0]
    short = replace(SHORT, epochs=30)
    auto = train_frtrain_grid(poisoned.train, poisoned.val, RUNS[:2], short)
    again = train_frtrain_grid(poisoned.train, poisoned.val, RUNS[:2], short)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "no C compiler" in lines[0] and "torch" in lines[0]
    on_torch = train_frtrain_grid(poisoned.train, poisoned.val, RUNS[:2], short, backend="torch")
    np.testing.assert_array_equal(auto.weight, on_torch.weight)
    np.testing.assert_array_equal(again.weight, on_torch.weight)
    with pytest.raises(RuntimeError, match="C compiler"):
        train_frtrain_grid(poisoned.train, poisoned.val, RUNS[:2], short, backend="compiled")


def test_a_failing_build_falls_back_with_the_compilers_message(fresh_loader, monkeypatch, tmp_path, capsys):
    broken = tmp_path / "broken-cc"
    broken.write_text("#!/bin/sh\necho 'fatal error: this compiler is broken' >&2\nexit 1\n")
    broken.chmod(0o755)
    monkeypatch.setenv("CC", str(broken))
    assert frtrain_compiled.load() is None
    message = capsys.readouterr().err.strip()
    assert len(message.splitlines()) == 1 and "did not build" in message and "this compiler is broken" in message
    assert not list(fresh_loader.glob("*")), "a failed build leaves no file behind"


def test_the_kernel_is_built_once_and_reused(fresh_loader, monkeypatch, compiled_available):
    assert frtrain_compiled.load() is not None
    built = list(fresh_loader.glob("*"))
    assert len(built) == 1 and built[0].suffix == ".so"
    stamp = built[0].stat().st_mtime_ns
    monkeypatch.setattr(frtrain_compiled, "_tried", False)
    monkeypatch.setattr(frtrain_compiled, "_library", None)
    monkeypatch.setattr(frtrain_compiled, "_build", lambda *args: pytest.fail("rebuilt a cached kernel"))
    assert frtrain_compiled.load() is not None
    assert list(fresh_loader.glob("*")) == built and built[0].stat().st_mtime_ns == stamp


def test_a_damaged_kernel_file_is_built_again(fresh_loader, compiled_available):
    name = frtrain_compiled.kernel_name(frtrain_compiled.find_compiler(), frtrain_compiled._isa_flags())
    fresh_loader.mkdir(mode=0o700, parents=True)
    damaged = fresh_loader / name
    damaged.write_bytes(b"not a shared library")  # e.g. a disk that filled up, or an old copy
    assert frtrain_compiled.load() is not None
    assert damaged.stat().st_size > 1000


def test_a_folder_others_can_write_to_is_never_used(monkeypatch, tmp_path, capsys, fresh_loader):
    """A built file is code that gets loaded: never from a folder another user could write to."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setattr(frtrain_compiled, "_folders", lambda: [shared])
    assert frtrain_compiled.load() is None
    assert "no private folder" in capsys.readouterr().err
    assert not list(shared.iterdir())


def test_the_kernel_follows_torchs_instruction_set_and_the_source(monkeypatch, tmp_path):
    """ATEN_CPU_CAPABILITY narrows the kernel's vector instructions as torch's; each set, and each
    edit of the source, gets its own built file."""
    flags = {}
    for capability in ("default", "avx2", None):
        if capability is None:
            monkeypatch.delenv("ATEN_CPU_CAPABILITY", raising=False)
        else:
            monkeypatch.setenv("ATEN_CPU_CAPABILITY", capability)
        flags[capability] = frtrain_compiled._isa_flags()
    assert flags[None] == ("-march=native",)
    if platform.machine().lower() in ("x86_64", "amd64"):
        assert flags["default"] == () and "-mavx2" in flags["avx2"]
    names = {frtrain_compiled.kernel_name("cc", f) for f in flags.values()}
    assert len(names) == len(set(flags.values()))
    edited = tmp_path / "frtrain_kernel.c"
    edited.write_bytes(frtrain_compiled.SOURCE.read_bytes() + b"\n/* edited */\n")
    name = frtrain_compiled.kernel_name("cc", ())
    monkeypatch.setattr(frtrain_compiled, "SOURCE", edited)
    assert frtrain_compiled.kernel_name("cc", ()) != name


def test_grid_builds_the_product_with_seeds_fastest():
    runs = grid([0.1, 0.2], [0.3], seeds=[0, 1])
    assert runs == [Run(0.1, 0.3, 0), Run(0.1, 0.3, 1), Run(0.2, 0.3, 0), Run(0.2, 0.3, 1)]
    assert grid([0.5], 0.4, 7) == [Run(0.5, 0.4, 7)]
