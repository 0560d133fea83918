"""The FR-Train authors' crowdsourcing files, and a validation set labelled by their crowd.

Roh et al. (2020, section 5 and Table 8) built a clean validation set by crowdsourcing on Amazon
Mechanical Turk and released the answers for COMPAS (440 examples) and AdultCensus (3,046
examples) in the ``crowdsourcing-data`` folder of their repository (yuji-roh/fr-train on
GitHub). The course does not ship these files: :func:`load_authors_crowd_file` reads one from a
path. Format: one row per example with ``example_idx``, the features shown to the workers,
``true_label`` (-1 / +1), ``ans_1`` .. ``ans_11`` (answers on a 1-4 scale) and
``worker_id_1`` .. ``worker_id_11`` (anonymised ids; different workers on different rows).

**Which end of the scale means "yes".** The READMEs describe the answers as "probabilities of
recidivism within two years" (the AdultCensus README repeats the COMPAS wording). The data
settle the direction: on both files 4 is "surely ``true_label = +1``" (COMPAS: reoffended within
two years; AdultCensus: income above $50K) and 1 is "surely -1". Measured on the files:

=====================================================  ===============  ===============
measured on the file                                   COMPAS           AdultCensus
=====================================================  ===============  ===============
examples with true_label = +1 / -1                     212 / 228        1,523 / 1,523
mean answer when true_label = +1 / -1                  2.72 / 2.17      2.98 / 2.39
P(true_label = +1 | answer = 1, 2, 3, 4)               .33 .41 .54 .69  .22 .39 .56 .70
single answers >= 3 that agree with true_label = +1    61.7%            63.2%
majority of the 11 answers (>= 3 is a vote for +1)     66.1%            72.3%
=====================================================  ===============  ===============

Reading the scale the other way round would give 38.3% / 36.8% single-answer agreement, worse
than a coin. :class:`AuthorsCrowdFile` therefore codes ``true_label = 1`` as class 1 and the
answers 3 and 4 as votes for 1 (:attr:`frlib.crowd.CrowdAnswers.votes`).

**Class 1 is not the course's y = 1 on COMPAS.** In the crowd file, class 1 means "reoffended";
in the course's COMPAS data (:func:`frlib.data.load_compas`) ``y = 1`` means "did **not**
reoffend", the favourable outcome. On AdultCensus both mean "income above $50K".
:func:`course_labels` converts (COMPAS: ``y = 1 - label``).

**Finding the examples in the course's data.** The workers saw a few raw features; the course's
files hold the same people with more columns. :func:`match_course_rows` finds, for each crowd
example, the rows of the course's data file with the same shown features and the same true
label: all 3,046 AdultCensus examples and 435 of the 440 COMPAS examples (the other 5 have a
jail-stay bin that disagrees with ProPublica's dates) find at least one row; some find several
(rows that differ only in what the workers did not see, e.g. the exact days in jail, or capital
loss and native country). :func:`crowd_validation_split` then builds the paper's experiment: a
validation set of crowd examples, once with the crowd's labels and once with the true ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._validation import as_binary, check_positive_int
from .workers import CrowdAnswers
from ..data import REAL_VAL_FRACTION, Dataset, load_adult, load_compas
from ..datafiles import read_data_file

N_ANSWERS = 11
ANSWER_COLUMNS = tuple(f"ans_{j}" for j in range(1, N_ANSWERS + 1))
WORKER_COLUMNS = tuple(f"worker_id_{j}" for j in range(1, N_ANSWERS + 1))
META_COLUMNS = ("example_idx", "true_label")

# The features the authors showed their workers (the READMEs), by data set.
SHOWN_FEATURES = {
    "compas": ("age_category", "age", "crime_level", "num_of_crimes", "stay_in_prison", "gender", "race"),
    "adult": ("age", "work_class", "education", "education_num", "marital_status", "occupation",
              "role_in_family", "capital_gain", "work_hours_per_week", "gender", "race"),
}

# Measured on the authors' files (see the table above; tests/test_crowd.py recounts them):
# accuracy of one answer read as a vote, and of the majority of the 11 answers.
AUTHORS_SINGLE_ANSWER_ACCURACY = {"compas": 0.617, "adult": 0.632}
AUTHORS_MAJORITY_ACCURACY = {"compas": 0.661, "adult": 0.723}

# Jail-stay bins of the COMPAS file, in days (length_of_stay in frlib's COMPAS file).
STAY_BINS = ((7, "< week"), (90, "< 3 months"), (None, "> 3 months"))


@dataclass(frozen=True)
class AuthorsCrowdFile:
    """One of the authors' crowdsourcing files, read and checked.

    Attributes
    ----------
    dataset : {"compas", "adult"} or None
        Which data set the shown features belong to (None: neither; matching is then unavailable).
    example_idx : ndarray of int
        The file's example ids.
    features : DataFrame
        The features shown to the workers, one row per example.
    true_label : ndarray of int in {0, 1}
        1 where the file says +1 (COMPAS: reoffended within two years; AdultCensus: income above
        $50K), 0 where it says -1. Not the course's y on COMPAS: see :func:`course_labels`.
    crowd : CrowdAnswers
        The 11 answers per example on the 1-4 scale (4 = surely true_label 1) and their workers.
    """

    dataset: str | None
    example_idx: np.ndarray
    features: pd.DataFrame
    true_label: np.ndarray
    crowd: CrowdAnswers

    def __len__(self) -> int:
        return len(self.true_label)


def _fail_rows(column: str, problem: str, rows: np.ndarray) -> ValueError:
    shown = ", ".join(str(int(r)) for r in rows[:5]) + (", ..." if len(rows) > 5 else "")
    return ValueError(f"column {column!r} {problem} (data row(s) {shown})")


def load_authors_crowd_file(path: str | Path) -> AuthorsCrowdFile:
    """Read one of the authors' crowdsourcing CSV files (COMPAS or AdultCensus) from ``path``.

    Checks that every column of the format is there (``example_idx``, ``true_label``,
    ``ans_1`` .. ``ans_11``, ``worker_id_1`` .. ``worker_id_11``), that no value is missing, that
    the answers are whole numbers from 1 to 4, that ``true_label`` is -1 / +1 (0 / 1 is accepted
    too) and that no worker answers an example twice; a problem raises a ``ValueError`` naming
    the column and the first rows concerned (rows counted from 0 after the header).

    **Direction of the scale, established from the data** (the READMEs' wording, "probabilities
    of recidivism", is copied into the AdultCensus README and does not say which label is which):
    an answer of 3 or 4 is a vote for ``true_label = +1``, 4 the surest. Single answers >= 3
    agree with ``true_label = +1`` for 61.7% of the COMPAS answers and 63.2% of the AdultCensus
    answers (38.3% / 36.8% read the other way round); P(true_label = +1 | answer) rises with the
    answer, .33 / .41 / .54 / .69 on COMPAS and .22 / .39 / .56 / .70 on AdultCensus; the
    majority of the 11 answers is right on 291 of 440 (66.1%) and 2,202 of 3,046 (72.3%)
    examples. ``true_label`` is returned as 1 for +1 (COMPAS: reoffended, the course's y = 0;
    AdultCensus: income above $50K, the course's y = 1; see :func:`course_labels`) and 0 for -1.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no crowdsourcing file at {path}; the course does not ship the authors' files (see "
            "frlib.crowd.authors: the crowdsourcing-data folder of the authors' repository)"
        )
    frame = pd.read_csv(path)
    missing = [c for c in (*META_COLUMNS, *ANSWER_COLUMNS, *WORKER_COLUMNS) if c not in frame.columns]
    if missing:
        raise ValueError(f"{path.name}: missing column(s) {missing}; the authors' format has "
                         "example_idx, true_label, ans_1..ans_11 and worker_id_1..worker_id_11")
    if len(frame) == 0:
        raise ValueError(f"{path.name} has no rows")
    for column in (*META_COLUMNS, *ANSWER_COLUMNS, *WORKER_COLUMNS):
        empty = np.flatnonzero(frame[column].isna().to_numpy())
        if empty.size:
            raise _fail_rows(column, f"has {empty.size} missing value(s)", empty)

    answers = np.empty((len(frame), N_ANSWERS), dtype=np.int64)
    for j, column in enumerate(ANSWER_COLUMNS):
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isin(values, (1.0, 2.0, 3.0, 4.0)))
        if bad.size:
            found = sorted(set(frame[column].iloc[bad].astype(str)))[:5]
            raise _fail_rows(column, f"holds answers outside the 1-4 scale: {found}", bad)
        answers[:, j] = values.astype(np.int64)

    labels = pd.to_numeric(frame["true_label"], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isin(labels, (-1.0, 0.0, 1.0)))
    if bad.size:
        raise _fail_rows("true_label", f"must be -1 or +1, found {sorted(set(frame['true_label'].iloc[bad].astype(str)))[:5]}", bad)
    if (labels == -1).any() and (labels == 0).any():
        raise ValueError("column 'true_label' mixes -1 and 0; use -1 / +1 (the authors' coding) or 0 / 1")
    true_label = (labels == 1).astype(np.int64)

    ids = frame[list(WORKER_COLUMNS)].astype(str).to_numpy()
    names, workers = np.unique(ids, return_inverse=True)
    workers = workers.reshape(ids.shape)
    ordered = np.sort(workers, axis=1)
    twice = np.flatnonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1))
    if twice.size:
        raise _fail_rows("worker_id_*", "names a worker twice on one example", twice)

    dataset = next((name for name, shown in SHOWN_FEATURES.items() if set(shown) <= set(frame.columns)), None)
    shown = [c for c in frame.columns if c not in (*META_COLUMNS, *ANSWER_COLUMNS, *WORKER_COLUMNS)]
    return AuthorsCrowdFile(
        dataset=dataset,
        example_idx=frame["example_idx"].to_numpy(),
        features=frame[shown].reset_index(drop=True),
        true_label=true_label,
        crowd=CrowdAnswers(answers, workers, scale="1-4", worker_names=tuple(names)),
    )


def course_labels(crowd_file: AuthorsCrowdFile, labels: Any) -> np.ndarray:
    """Crowd-file labels (1 = ``true_label`` +1) as the course's y for the same data set.

    COMPAS: the file's 1 is "reoffended", the course's y = 1 "did not reoffend", so
    ``y = 1 - label``. AdultCensus: both are "income above $50K", ``y = label``.
    """
    _check_file(crowd_file, need_dataset=True)
    labels = as_binary(labels, "labels")
    return 1 - labels if crowd_file.dataset == "compas" else labels


def _check_file(crowd_file: Any, need_dataset: bool = False) -> AuthorsCrowdFile:
    if not isinstance(crowd_file, AuthorsCrowdFile):
        raise TypeError(f"crowd_file must be an AuthorsCrowdFile (load_authors_crowd_file), got {type(crowd_file).__name__}")
    if need_dataset and crowd_file.dataset is None:
        raise ValueError("the crowd file's shown features are neither COMPAS's nor AdultCensus's; "
                         f"expected the columns of one of {SHOWN_FEATURES}")
    return crowd_file


def _shown_course_features(dataset: str) -> pd.DataFrame:
    """The course's data file with the columns and spellings the workers saw (and true_label)."""
    raw = read_data_file(dataset)
    if dataset == "compas":
        stay = raw["length_of_stay"]
        return pd.DataFrame({
            "age_category": raw["age_cat"].replace({"25 - 45": "25 to 45"}),
            "age": raw["age"],
            "crime_level": raw["c_charge_degree"].map({"F": "Felony (Serious)", "M": "Misdemeanor (Light)"}),
            "num_of_crimes": raw["priors_count"],
            "stay_in_prison": np.select([stay < STAY_BINS[0][0], stay < STAY_BINS[1][0]],
                                        [STAY_BINS[0][1], STAY_BINS[1][1]], STAY_BINS[2][1]),
            "gender": raw["sex"],
            "race": np.where(raw["race"] == "Caucasian", "Caucasian", "Non-caucasian"),
            "true_label": raw["two_year_recid"].to_numpy(),           # 1 = reoffended
        })
    return pd.DataFrame({
        "age": raw["age"],
        "work_class": raw["workclass"].replace({"Self-emp-not-inc": "Self-employed (not inc.)",
                                                "Self-emp-inc": "Self-employed (inc.)"}),
        "education_num": raw["education_num"],
        "marital_status": raw["marital_status"].replace({"Married-civ-spouse": "Civilian spouse",
                                                         "Married-AF-spouse": "Spouse in the Armed Forces"}),
        "occupation": raw["occupation"],
        "role_in_family": raw["relationship"].replace({"Own-child": "Child"}),
        "capital_gain": raw["capital_gain"],
        "work_hours_per_week": raw["hours_per_week"],
        "gender": raw["sex"],
        "race": raw["race"],
        "true_label": (raw["income"] == ">50K").astype(int).to_numpy(),   # 1 = income above $50K
    })


def match_course_rows(crowd_file: AuthorsCrowdFile) -> pd.DataFrame:
    """Rows of the course's data file that show the same features as each crowd example.

    Matching uses every shown feature the course's file also holds (COMPAS: age, age category,
    charge degree, number of priors, jail-stay bin, sex, Caucasian or not; AdultCensus: age,
    work class, education number, marital status, occupation, relationship, capital gain, hours
    per week, sex, race) and the true label, after translating the course's spellings to the
    file's ("Married-civ-spouse" is "Civilian spouse", charge "F" is "Felony (Serious)", a stay
    of fewer than 7 days is "< week", fewer than 90 "< 3 months", ...).

    Returns
    -------
    DataFrame with columns ``example`` (position in the crowd file) and ``row`` (position in
    :func:`frlib.datafiles.read_data_file`), one line per match, sorted; an example may match
    several rows or none.
    """
    crowd_file = _check_file(crowd_file, need_dataset=True)
    course = _shown_course_features(crowd_file.dataset)
    keys = [c for c in course.columns if c != "true_label"]
    crowd = crowd_file.features[keys].assign(true_label=crowd_file.true_label, example=np.arange(len(crowd_file)))
    for key in keys:  # compare like with like (the file's numbers are read as numbers, text as text)
        crowd[key] = crowd[key].astype(course[key].dtype) if course[key].dtype.kind in "iuf" else crowd[key].astype(str)
        if course[key].dtype.kind not in "iuf":
            course[key] = course[key].astype(str)
    matches = crowd.merge(course.assign(row=np.arange(len(course))), on=[*keys, "true_label"], how="inner")
    return matches[["example", "row"]].sort_values(["example", "row"]).reset_index(drop=True)


@dataclass(frozen=True)
class CrowdValidationSplit:
    """The paper's Table 8 experiment on a real data set: one validation set, two labellings.

    Attributes
    ----------
    train, test : Dataset
        Training and test rows of the course's data set (the validation rows removed from both).
    val : Dataset
        The validation rows with their **true** labels (the ground-truth validation set).
    val_examples : ndarray of int
        For each validation row, its example in the crowd file.
    crowd_file : AuthorsCrowdFile
    rows : dict of str -> ndarray of int
        ``"train"``, ``"val"``, ``"test"``: the positions of each part's rows in the loaded data
        set (``load_compas(seed=...)`` or ``load_adult(seed=...)``); disjoint.
    """

    train: Dataset
    val: Dataset
    test: Dataset
    val_examples: np.ndarray
    crowd_file: AuthorsCrowdFile
    rows: dict

    def crowd_val(self, labels: Any) -> Dataset:
        """The validation rows with crowd labels.

        ``labels`` holds one aggregated label per example of the crowd file, in the file's coding
        (1 = ``true_label`` +1), e.g. ``majority_vote(crowd_file.crowd)``; they are converted to the
        course's y (:func:`course_labels`).
        """
        labels = as_binary(labels, "labels")
        if len(labels) != len(self.crowd_file):
            raise ValueError(f"labels has {len(labels)} entries, expected one per example of the crowd file ({len(self.crowd_file)})")
        return self.val.with_labels(course_labels(self.crowd_file, labels)[self.val_examples])


def _load_course_dataset(dataset: str, seed: int, sensitive: str | None) -> Dataset:
    loader = load_compas if dataset == "compas" else load_adult
    return loader(seed=seed) if sensitive is None else loader(sensitive=sensitive, seed=seed)


def _positions_in_dataset(data: Dataset, seed: int, rows: np.ndarray, dataset: str) -> np.ndarray:
    """Where raw rows of the data file sit in ``load_compas(seed=...)`` / ``load_adult(seed=...)``.

    The loaders shuffle the file's rows with ``np.random.default_rng(seed).permutation``
    (:mod:`frlib.data`); row ``order[k]`` of the file becomes row k. The result is checked
    against the labels and the 0/1 columns, so a change of the shuffle cannot go unnoticed.
    """
    order = np.random.default_rng(seed).permutation(len(data))
    positions = np.argsort(order)[rows]
    raw = read_data_file(dataset).iloc[rows]
    if dataset == "compas":
        expected = {"y": 1 - raw["two_year_recid"].to_numpy(),
                    "race_caucasian": (raw["race"] == "Caucasian").to_numpy(),
                    "sex_female": (raw["sex"] == "Female").to_numpy()}
    else:
        expected = {"y": (raw["income"] == ">50K").to_numpy(),
                    "race_white": (raw["race"] == "White").to_numpy(),
                    "sex_male": (raw["sex"] == "Male").to_numpy()}
    names = list(data.feature_names)
    for name, values in expected.items():
        found = data.y[positions] if name == "y" else data.X[positions, names.index(name)]
        if not np.array_equal(found.astype(int), values.astype(int)):
            raise RuntimeError(
                f"the rows of the {dataset} data set are not where frlib.crowd.authors expects them "
                f"({name} differs); has frlib.data changed how it shuffles?"
            )
    return positions


def crowd_validation_split(
    crowd_file: AuthorsCrowdFile,
    seed: int = 0,
    *,
    sensitive: str | None = None,
    n_train: int | None = None,
    n_val: int | None = None,
) -> CrowdValidationSplit:
    """A split of the course's data set whose validation rows are examples of the crowd file.

    As the authors describe it, the validation set is "a random subset of the (unlabeled) training
    data" whose labels are crowdsourced, with the data's label distribution. Here:

    1. load the course's data set with ``seed`` (:func:`frlib.data.load_compas` or
       :func:`~frlib.data.load_adult`, default sensitive attribute unless ``sensitive`` is given)
       and find each crowd example's row (:func:`match_course_rows`; of several matches, the
       first in the shuffled order);
    2. draw ``n_val`` of these rows at random (``seed``), as many with y = 1 as the training
       rows' rate of y = 1 asks for (the crowd files are balanced 1:1, the data are not);
    3. remove them from the training and test parts of the course's split; the training set is
       the first ``n_train`` remaining rows of the training-and-validation part.

    Parameters
    ----------
    crowd_file : AuthorsCrowdFile
    seed : int, default 0
    sensitive : str, optional
        Passed to the loader.
    n_train : int, optional
        Training rows; default the course's split (4,703 for COMPAS, 34,455 for AdultCensus).
        Fewer rows subsample the training set (the first ones, which are random).
    n_val : int, optional
        Validation rows; default 5% of ``n_train`` (the paper's proportion).

    Returns
    -------
    CrowdValidationSplit
        ``val`` holds the true labels; ``crowd_val(labels)`` the crowd's.
    """
    crowd_file = _check_file(crowd_file, need_dataset=True)
    seed = check_positive_int(seed, "seed", minimum=0)
    data = _load_course_dataset(crowd_file.dataset, seed, sensitive)
    full_train, full_val, _ = data.split_sizes
    n_train = full_train if n_train is None else check_positive_int(n_train, "n_train")
    if n_train > full_train:
        raise ValueError(f"n_train = {n_train} exceeds the {full_train} training rows of the {crowd_file.dataset} split")
    n_val = int(round(REAL_VAL_FRACTION * n_train)) if n_val is None else check_positive_int(n_val, "n_val")

    matches = match_course_rows(crowd_file)
    matches = matches.assign(position=_positions_in_dataset(data, seed, matches["row"].to_numpy(), crowd_file.dataset))
    first = matches.sort_values("position").drop_duplicates("example")     # one row per example
    examples, positions = first["example"].to_numpy(), first["position"].to_numpy()

    rng = np.random.default_rng(seed)
    n_positive = int(round(data.y[:full_train].mean() * n_val))
    chosen = []
    for label, count in ((1, n_positive), (0, n_val - n_positive)):
        pool = np.flatnonzero(data.y[positions] == label)
        if count > len(pool):
            raise ValueError(
                f"n_val = {n_val} needs {count} examples with y = {label}, but the crowd file has only "
                f"{len(pool)} matched ones; ask for a smaller n_val"
            )
        chosen.append(rng.choice(pool, size=count, replace=False))
    chosen = rng.permutation(np.concatenate(chosen))
    val_positions = positions[chosen]

    keep = np.ones(len(data), dtype=bool)
    keep[val_positions] = False
    region = np.flatnonzero(keep[: full_train + full_val])[:n_train]
    test = full_train + full_val + np.flatnonzero(keep[full_train + full_val:])
    return CrowdValidationSplit(
        train=data.subset(region),
        val=data.subset(val_positions),
        test=data.subset(test),
        val_examples=examples[chosen],
        crowd_file=crowd_file,
        rows={"train": region, "val": val_positions, "test": test},
    )
