"""COMPAS and AdultCensus: the shipped files, their checks, the loaders, the split and the attack.

Reference numbers that do not come from frlib:

* COMPAS after ProPublica's filters, as printed in ProPublica's own analysis notebook
  ("How We Analyzed the COMPAS Recidivism Algorithm", 2016): 6,172 rows; African-American 3,175,
  Caucasian 2,103, Hispanic 509, Other 343, Asian 31, Native American 11; Male 4,997, Female
  1,175; age 25 - 45: 3,532, Less than 25: 1,347, Greater than 45: 1,293; 2,809 reoffended
  within two years (45.5%).
* UCI Adult without missing values: 45,222 rows, 11,208 with income >50K; 30,527 men and
  14,695 women; 38,903 White.
"""

from __future__ import annotations

import gzip
import importlib.util
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from frlib import datafiles
from frlib.data import (
    Dataset,
    load_adult,
    load_compas,
    make_synthetic,
    proportional_split_sizes,
    split_dataset,
)
from frlib.datafiles import DATA_FILES, DataFileError, read_data_file, sha256_of
from frlib.poison import flip_random, flip_with_transition, poison_split, symmetric_noise_matrix

ROOT = Path(__file__).resolve().parent.parent
LOADERS = {"compas": load_compas, "adult": load_adult}


@pytest.fixture(scope="module")
def compas() -> Dataset:
    return load_compas()


@pytest.fixture(scope="module")
def adult() -> Dataset:
    return load_adult()


def _build_script():
    spec = importlib.util.spec_from_file_location("build_real_data", ROOT / "scripts" / "build_real_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the shipped files ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(DATA_FILES))
def test_shipped_file_matches_its_checksum_and_the_provenance_note(name):
    spec = DATA_FILES[name]
    path = datafiles.DATA_DIR / spec.filename
    assert sha256_of(path) == spec.sha256
    note = (datafiles.DATA_DIR / "README.md").read_text()
    row = next(line for line in note.splitlines() if f"`{spec.filename}`" in line and "|" in line)
    assert spec.sha256 in row and f"{spec.rows:,}" in row and f"{path.stat().st_size:,}" in row


def test_the_files_are_small():
    total = sum((datafiles.DATA_DIR / spec.filename).stat().st_size for spec in DATA_FILES.values())
    assert total < 1_000_000, f"{total} bytes; the issue asks for well under 5 MB"


def test_compas_rows_match_propublicas_published_counts():
    frame = read_data_file("compas")
    assert len(frame) == 6172
    assert frame["race"].value_counts().to_dict() == {
        "African-American": 3175, "Caucasian": 2103, "Hispanic": 509, "Other": 343, "Asian": 31,
        "Native American": 11,
    }  # fmt: skip
    assert frame["sex"].value_counts().to_dict() == {"Male": 4997, "Female": 1175}
    assert frame["age_cat"].value_counts().to_dict() == {
        "25 - 45": 3532, "Less than 25": 1347, "Greater than 45": 1293,
    }  # fmt: skip
    assert frame["two_year_recid"].sum() == 2809
    assert set(frame["c_charge_degree"]) == {"F", "M"}


def test_adult_rows_match_the_known_counts():
    frame = read_data_file("adult")
    assert len(frame) == 45222
    assert frame["income"].value_counts().to_dict() == {"<=50K": 34014, ">50K": 11208}
    assert frame["sex"].value_counts().to_dict() == {"Male": 30527, "Female": 14695}
    assert (frame["race"] == "White").sum() == 38903
    assert not frame.isna().any().any()
    assert "fnlwgt" not in frame.columns


# --- damaged files give a clear error ------------------------------------------------------------


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """A copy of frlib/datasets/ that the loaders read instead of the real one."""
    for spec in DATA_FILES.values():
        shutil.copy(datafiles.DATA_DIR / spec.filename, tmp_path / spec.filename)
    monkeypatch.setattr(datafiles, "DATA_DIR", tmp_path)
    return tmp_path


@pytest.mark.parametrize("name", sorted(DATA_FILES))
def test_truncated_file_names_the_file_and_the_expected_checksum(data_copy, name):
    spec = DATA_FILES[name]
    path = data_copy / spec.filename
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(DataFileError) as error:
        LOADERS[name]()
    message = str(error.value)
    assert spec.filename in message and spec.sha256 in message and "truncated" in message
    assert "build_real_data.py" in message  # says how to get a good file back


def test_corrupted_byte_is_detected(data_copy):
    path = data_copy / DATA_FILES["compas"].filename
    payload = bytearray(path.read_bytes())
    payload[len(payload) // 2] ^= 0xFF
    path.write_bytes(bytes(payload))
    with pytest.raises(DataFileError, match=re.escape(DATA_FILES["compas"].sha256)):
        load_compas()


def test_an_edited_but_valid_file_is_detected(data_copy):
    """A file that still parses but holds other rows fails the checksum too."""
    path = data_copy / DATA_FILES["compas"].filename
    frame = pd.read_csv(path).iloc[:-1]
    with gzip.open(path, "wt") as handle:
        frame.to_csv(handle, index=False)
    with pytest.raises(DataFileError, match="compas.csv.gz"):
        load_compas()


def test_missing_file(data_copy):
    (data_copy / DATA_FILES["adult"].filename).unlink()
    with pytest.raises(DataFileError, match=r"adult\.csv\.gz is missing.*" + DATA_FILES["adult"].sha256):
        load_adult()


def test_read_data_file_rejects_an_unknown_name():
    with pytest.raises(ValueError, match=r"name must be one of \['adult', 'compas'\]"):
        read_data_file("german")


# --- loaders -------------------------------------------------------------------------------------


@pytest.mark.parametrize("loader", [load_compas, load_adult])
def test_unknown_sensitive_value_lists_the_valid_ones(loader):
    with pytest.raises(ValueError, match=r"sensitive must be one of \['race', 'sex'\], got 'gender'"):
        loader(sensitive="gender")


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        (dict(seed=-1), ValueError, "seed"),
        (dict(seed=1.5), TypeError, "seed"),
        (dict(test_fraction=1.5), ValueError, "test_fraction"),
        (dict(val_fraction=-0.1), ValueError, "val_fraction"),
    ],
)
def test_loaders_reject_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=name):
        load_compas(**kwargs)


def test_compas_labels_groups_and_shapes(compas):
    assert isinstance(compas, Dataset) and len(compas) == 6172
    assert compas.split_sizes == (4703, 235, 1234)
    assert compas.X.shape == (6172, 10) and np.isfinite(compas.X).all()
    assert set(np.unique(compas.y)) == {0, 1} and set(np.unique(compas.z)) == {0, 1}
    # y = 1 is "did not reoffend" (6172 - 2809 rows), z = 1 is Caucasian (2103 rows).
    assert compas.y.sum() == 6172 - 2809 and compas.z.sum() == 2103
    by_sex = load_compas(sensitive="sex")
    assert by_sex.z.sum() == 1175  # z = 1: women
    np.testing.assert_array_equal(by_sex.X, compas.X)  # the same features whatever z is
    np.testing.assert_array_equal(by_sex.y, compas.y)
    # z = 1 is the privileged group: the higher rate of the favourable label.
    for data in (compas, by_sex):
        assert data.y[data.z == 1].mean() > data.y[data.z == 0].mean()


def test_adult_labels_groups_and_shapes(adult):
    assert len(adult) == 45222 and adult.split_sizes == (34455, 1723, 9044)
    assert np.isfinite(adult.X).all()
    assert adult.y.sum() == 11208 and adult.z.sum() == 30527  # y = 1: >50K, z = 1: men
    by_race = load_adult(sensitive="race")
    assert by_race.z.sum() == 38903  # z = 1: White
    for data in (adult, by_race):
        assert data.y[data.z == 1].mean() > data.y[data.z == 0].mean()


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_the_sensitive_column_is_a_feature_and_equals_z(name):
    for sensitive, column in {"compas": {"race": "race_caucasian", "sex": "sex_female"},
                              "adult": {"race": "race_white", "sex": "sex_male"}}[name].items():
        data = LOADERS[name](sensitive=sensitive, seed=3)
        np.testing.assert_array_equal(data.X[:, data.feature_names.index(column)], data.z)


def test_rows_are_the_file_rows_shuffled_by_the_seed(compas):
    frame = read_data_file("compas")
    order = np.random.default_rng(0).permutation(len(frame))
    np.testing.assert_array_equal(compas.y, 1 - frame["two_year_recid"].to_numpy()[order])
    np.testing.assert_array_equal(compas.z, (frame["race"] == "Caucasian").to_numpy()[order])
    raw_priors = frame["priors_count"].to_numpy()[order]
    column = compas.X[:, compas.feature_names.index("priors_count")]
    assert np.corrcoef(column, raw_priors)[0, 1] == pytest.approx(1.0)


def test_same_seed_same_rows_other_seed_other_rows(compas):
    again = load_compas(seed=0)
    np.testing.assert_array_equal(again.X, compas.X)
    np.testing.assert_array_equal(again.y, compas.y)
    other = load_compas(seed=1)
    assert not np.array_equal(other.y, compas.y)
    assert sorted(map(tuple, other.X.round(9))) != sorted(map(tuple, compas.X.round(9)))  # other scaling


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_encoding_uses_training_statistics_only(name):
    """An independent encoding (pandas get_dummies + training mean and std) gives the same X."""
    data = LOADERS[name](seed=7)
    frame = read_data_file(name)
    frame = frame.iloc[np.random.default_rng(7).permutation(len(frame))].reset_index(drop=True)
    n_train = data.split_sizes[0]
    train = frame.iloc[:n_train]
    numeric = [c for c in frame.columns if c in data.feature_names]
    for column in numeric:
        values = frame[column].to_numpy(float)
        expected = (values - train[column].mean()) / train[column].std(ddof=0)
        np.testing.assert_allclose(data.X[:, data.feature_names.index(column)], expected, atol=1e-9)
    # Standardised on the training rows: mean 0, std 1 there, not on the whole data set.
    columns = [data.feature_names.index(c) for c in numeric]
    np.testing.assert_allclose(data.X[:n_train, columns].mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(data.X[:n_train, columns].std(axis=0), 1, atol=1e-9)
    categorical = [
        c for c in frame.columns
        if not pd.api.types.is_numeric_dtype(frame[c]) and c not in ("sex", "race", "income")
    ]  # fmt: skip
    assert len(categorical) == {"compas": 2, "adult": 5}[name]
    for column in categorical:
        seen = sorted(train[column].unique())
        names = [f"{column}_{value}" for value in seen]
        block = data.X[:, [data.feature_names.index(n) for n in names]]
        expected = pd.get_dummies(frame[column]).reindex(columns=seen, fill_value=False).to_numpy(float)
        np.testing.assert_array_equal(block, expected)
        assert set(np.unique(block)) <= {0.0, 1.0}
    one_hot = len(data.feature_names) - len(numeric) - 2
    assert one_hot == sum(train[c].nunique() for c in categorical)


def test_a_category_absent_from_training_is_encoded_as_zeros():
    """Adult's native_country 'Holand-Netherlands' has one row: wherever it lands outside the
    training rows, its one-hot block is all zeros (the encoder knows only training categories)."""
    frame = read_data_file("adult")
    (row,) = np.flatnonzero(frame["native_country"] == "Holand-Netherlands")
    for seed in range(20):
        order = np.random.default_rng(seed).permutation(len(frame))
        position = int(np.flatnonzero(order == row)[0])
        data = load_adult(seed=seed)
        if position >= data.split_sizes[0]:
            break
    else:
        pytest.skip("the row trained under seeds 0-19")
    assert "native_country_Holand-Netherlands" not in data.feature_names
    block = [i for i, n in enumerate(data.feature_names) if n.startswith("native_country_")]
    assert data.X[position, block].sum() == 0


# --- split ---------------------------------------------------------------------------------------


def test_proportional_split_sizes_closed_form():
    assert proportional_split_sizes(6172) == (4703, 235, 1234)
    assert proportional_split_sizes(45222) == (34455, 1723, 9044)
    assert proportional_split_sizes(2100, test_fraction=1 / 3, val_fraction=0.05) == (1333, 67, 700)


@pytest.mark.parametrize("n_rows", [100, 999, 6172, 45222])
@pytest.mark.parametrize("test_fraction, val_fraction", [(0.2, 0.05), (1 / 3, 0.1)])
def test_proportional_split_sizes_proportions(n_rows, test_fraction, val_fraction):
    n_train, n_val, n_test = proportional_split_sizes(n_rows, test_fraction, val_fraction)
    assert n_train + n_val + n_test == n_rows
    assert abs(n_test - test_fraction * n_rows) <= 0.5
    assert abs(n_val - val_fraction * n_train) <= 1  # the validation set is a fraction of training


@pytest.mark.parametrize(
    "args, error, name",
    [
        ((0,), ValueError, "n_rows"),
        ((10, 1.2), ValueError, "test_fraction"),
        ((10, 0.2, 2.0), ValueError, "val_fraction"),
        ((10, 0.0, 0.0), ValueError, "empty part"),
        ((3, 0.2, 0.05), ValueError, "empty part"),
    ],
)
def test_proportional_split_sizes_rejects_bad_arguments(args, error, name):
    with pytest.raises(error, match=name):
        proportional_split_sizes(*args)


def test_split_dataset_uses_the_loaders_sizes(compas):
    split = split_dataset(compas)
    assert (len(split.train), len(split.val), len(split.test)) == (4703, 235, 1234)
    assert len(split.val) / len(split.train) == pytest.approx(0.05, abs=0.001)
    np.testing.assert_array_equal(split.test.y, compas.y[4938:])
    assert split.train.split_sizes is None  # a part is not pre-split any more
    smaller = split_dataset(compas, n_train=1000)  # explicit sizes still win
    assert (len(smaller.train), len(smaller.val), len(smaller.test)) == (1000, 235, 1234)


def test_split_sizes_are_validated_and_follow_the_rows():
    data = make_synthetic(n_per_class=50, seed=0)
    sized = Dataset(data.X, data.y, data.z, data.feature_names, split_sizes=(70, 10, 20))
    assert sized.with_labels(1 - data.y).split_sizes == (70, 10, 20)
    assert sized.subset(np.arange(50)).split_sizes is None
    for bad in [(70, 10, 19), (90, 0, 10), (100,)]:
        with pytest.raises(ValueError, match="split_sizes"):
            Dataset(data.X, data.y, data.z, data.feature_names, split_sizes=bad)


# --- the poisoning functions work unchanged ------------------------------------------------------


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_the_papers_attack_on_real_data(name):
    split = split_dataset(LOADERS[name](seed=0))
    poisoned, flipped = poison_split(split, rate=0.1)
    n_attacked = len(split.train) + len(split.val)
    changed = np.flatnonzero(poisoned.train.y != split.train.y)
    np.testing.assert_array_equal(changed, flipped)
    # round(10%) of the attacked rows are flipped; those in training are about 10% of training.
    assert len(flipped) <= round(0.1 * n_attacked)
    assert len(flipped) == pytest.approx(0.1 * len(split.train), rel=0.05)
    assert (split.train.z[flipped] == 1).all()  # only the privileged group is attacked
    np.testing.assert_array_equal(poisoned.val.y, split.val.y)  # validation stays clean
    np.testing.assert_array_equal(poisoned.test.y, split.test.y)


def test_random_and_transition_noise_on_real_data(compas):
    split = split_dataset(compas)
    labels, flipped = flip_random(split.train.y, 0.2, seed=0)
    assert len(flipped) == round(0.2 * len(split.train))
    noisy = flip_with_transition(split.train.y, symmetric_noise_matrix(2, 0.3), seed=0)
    assert abs((noisy.labels != split.train.y).mean() - 0.3) < 0.03


# --- the rebuild script --------------------------------------------------------------------------


def _raw_compas(**changes) -> pd.DataFrame:
    row = dict(
        days_b_screening_arrest=0, is_recid=0, c_charge_degree="F", score_text="Low", age=30,
        age_cat="25 - 45", priors_count=2, c_jail_in="2013-01-01 10:00:00",
        c_jail_out="2013-01-04 09:00:00", sex="Male", race="Caucasian", two_year_recid=0,
    )  # fmt: skip
    row.update(changes)
    return pd.DataFrame([row])


@pytest.mark.parametrize(
    "changes, kept",
    [
        ({}, True),
        (dict(days_b_screening_arrest=30), True),
        (dict(days_b_screening_arrest=-30), True),
        (dict(days_b_screening_arrest=31), False),
        (dict(days_b_screening_arrest=-31), False),
        (dict(days_b_screening_arrest=np.nan), False),
        (dict(is_recid=-1), False),
        (dict(c_charge_degree="O"), False),
        (dict(score_text="N/A"), False),
        (dict(score_text=np.nan), False),
    ],
)
def test_build_script_applies_propublicas_filters(changes, kept):
    rows = _build_script().compas_rows(_raw_compas(**changes))
    assert len(rows) == (1 if kept else 0)
    if kept:
        assert list(rows.columns) == list(DATA_FILES["compas"].columns)
        assert rows["length_of_stay"].iloc[0] == 2  # 2 days 23 hours: whole days, as ProPublica


def test_build_script_adult_rows_and_reproducible_output(tmp_path):
    build = _build_script()
    columns = build.ADULT_RAW_COLUMNS
    base = [39, "State-gov", 77516, "Bachelors", 13, "Never-married", "Adm-clerical",
            "Not-in-family", "White", "Male", 2174, 0, 40, "United-States"]  # fmt: skip
    train = pd.DataFrame([base + ["<=50K"], base[:1] + [np.nan] + base[2:] + [">50K"]], columns=columns)
    test = pd.DataFrame([base + [">50K."]], columns=columns)
    rows = build.adult_rows(train, test)
    assert list(rows.columns) == list(DATA_FILES["adult"].columns)
    assert rows["income"].tolist() == ["<=50K", ">50K"]  # the '?' row dropped, the '.' removed
    first = build.write_gzip_csv(rows, tmp_path / "a.csv.gz")
    second = build.write_gzip_csv(rows, tmp_path / "b.csv.gz")
    assert first == second == sha256_of(tmp_path / "a.csv.gz")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "a.csv.gz"), rows)
