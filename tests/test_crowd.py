"""frlib.crowd (lesson 08): simulated workers, majority vote, filtering, Dawid-Skene, the authors' files.

Reference numbers that do not come from frlib:

* Condorcet's formula: three workers of accuracy 0.7, majority right with probability
  0.7^3 + 3 * 0.7^2 * 0.3 = 0.784.
* One Dawid-Skene step worked out by hand (below, :func:`test_one_dawid_skene_step_by_hand`).
* The authors' crowdsourcing files (read from ``../shared/reference/fr-train-crowdsourcing``
  beside the repository when it is there): majority-vote accuracy against ``true_label`` recounted
  with pandas in long format, independently of frlib's code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from frlib import crowd
from frlib.datafiles import read_data_file
from frlib.data import load_adult, load_compas
from frlib.crowd import (
    CrowdAnswers,
    dawid_skene,
    dawid_skene_e_step,
    dawid_skene_m_step,
    filtered_majority_vote,
    load_authors_crowd_file,
    majority_vote,
    majority_vote_accuracy,
    simulate_crowd,
    worker_agreement,
)

CROWD_FOLDER = Path(__file__).resolve().parents[2] / "shared/reference/fr-train-crowdsourcing"
AUTHORS_FILES = {"compas": "COMPAS_crowdsourcing_data.csv", "adult": "AdultCensus_crowdsourcing_data.csv"}
needs_authors_files = pytest.mark.skipif(
    not all((CROWD_FOLDER / name).is_file() for name in AUTHORS_FILES.values()),
    reason=f"the authors' crowdsourcing files are not at {CROWD_FOLDER} (the repository is not next to "
           "the shared reference folder); they are not part of the course",
)


# --- CrowdAnswers ------------------------------------------------------------------------------------


def test_votes_and_options_on_both_scales():
    scaled = CrowdAnswers([[1, 2, 3], [4, 4, 1]], [[0, 1, 2], [2, 0, 1]], scale="1-4")
    np.testing.assert_array_equal(scaled.votes, [[0, 0, 1], [1, 1, 0]])
    np.testing.assert_array_equal(scaled.options, [[0, 1, 2], [3, 3, 0]])
    assert scaled.n_options == 4 and scaled.n_workers == 3 and scaled.n_items == 2
    np.testing.assert_array_equal(scaled.answers_per_worker(), [2, 2, 2])
    binary = CrowdAnswers([[1, 0]], [[3, 1]])
    assert binary.n_workers == 4 and binary.worker_names[3] == "worker_3"
    np.testing.assert_array_equal(binary.votes, [[1, 0]])
    np.testing.assert_array_equal(binary.answers_per_worker(), [0, 1, 0, 1])


@pytest.mark.parametrize(
    "answers, workers, scale, message",
    [
        ([[0, 1]], [[0, 1]], "1-4", r"1-4 scale \(1 to 4\); found \[0\]"),
        ([[1, 5]], [[0, 1]], "1-4", r"found \[5\]"),
        ([[1, 2]], [[0, 1]], "binary", r"binary scale \(0 to 1\); found \[2\]"),
        ([[1, 0]], [[0, 1, 2]], "binary", "one worker per answer"),
        ([[1, 0]], [[1, 1]], "binary", "answers item 0 twice"),
        ([[1, 0]], [[0, -1]], "binary", "indices"),
        (np.zeros((0, 3)), np.zeros((0, 3)), "binary", "empty"),
        ([1, 0], [0, 1], "binary", "two-dimensional"),
        ([[1, 0.5]], [[0, 1]], "binary", "whole numbers"),
        ([[1, 0]], [[0, 1]], "1-5", "scale must be one of"),
    ],
)
def test_crowd_answers_reject_bad_input(answers, workers, scale, message):
    with pytest.raises(ValueError, match=message):
        CrowdAnswers(np.asarray(answers), np.asarray(workers), scale=scale)


# --- simulated workers ----------------------------------------------------------------------------------


def test_simulated_workers_have_their_accuracy():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 4000)
    accuracy = np.array([0.5, 0.6, 0.75, 0.9, 1.0, 0.0])
    answers = simulate_crowd(y, n_workers=6, accuracy=accuracy, answers_per_item=3, seed=2)
    assert answers.answers.shape == (4000, 3)
    right = answers.votes == y[:, None]
    per_worker = np.bincount(answers.workers.ravel(), weights=right.ravel()) / answers.answers_per_worker()
    # each worker answers about 2,000 items: binomial standard error <= 0.012
    np.testing.assert_allclose(per_worker, accuracy, atol=0.04)
    assert per_worker[4] == 1.0 and per_worker[5] == 0.0
    counts = answers.answers_per_worker()
    assert counts.sum() == 12000 and counts.min() > 1800      # workers drawn uniformly


def test_everyone_answers_everything_by_default_and_seeds_repeat():
    y = np.array([1, 0, 1, 1, 0])
    first = simulate_crowd(y, 4, 0.8, seed=7)
    np.testing.assert_array_equal(first.workers, np.tile(np.arange(4), (5, 1)))
    again = simulate_crowd(y, 4, 0.8, seed=7)
    np.testing.assert_array_equal(first.answers, again.answers)
    many = np.tile(y, 40)
    assert not np.array_equal(simulate_crowd(many, 4, 0.8, seed=7).answers, simulate_crowd(many, 4, 0.8, seed=8).answers)


def test_group_dependent_accuracy():
    rng = np.random.default_rng(3)
    y, z = rng.integers(0, 2, 6000), rng.integers(0, 2, 6000)
    answers = simulate_crowd(y, 5, z=z, group_accuracy=[0.6, 0.9], seed=4)
    right = answers.votes == y[:, None]
    assert abs(right[z == 0].mean() - 0.6) < 0.02 and abs(right[z == 1].mean() - 0.9) < 0.02
    per_worker = np.array([[0.55, 0.95]] * 2 + [[0.9, 0.9]] * 3)
    answers = simulate_crowd(y, 5, z=z, group_accuracy=per_worker, seed=4)
    right = answers.votes == y[:, None]
    assert abs(right[z == 0][:, :2].mean() - 0.55) < 0.02 and abs(right[z == 1][:, :2].mean() - 0.95) < 0.02


def test_the_1_4_scale_is_more_confident_when_right():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 8000)
    answers = simulate_crowd(y, 3, 0.7, scale="1-4", confidence=0.8, seed=6)
    assert set(np.unique(answers.answers)) == {1, 2, 3, 4}
    right = answers.votes == y[:, None]
    confident = np.isin(answers.answers, (1, 4))
    assert abs(right.mean() - 0.7) < 0.01
    assert abs(confident[right].mean() - 0.8) < 0.01 and abs(confident[~right].mean() - 0.2) < 0.015
    # a yes-vote is 3 or 4, a no-vote 1 or 2
    np.testing.assert_array_equal(answers.votes, (answers.answers >= 3).astype(int))


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(n_workers=0), ValueError, "n_workers must be at least 1, got 0"),
        (dict(n_workers=2.0), TypeError, "n_workers must be an integer"),
        (dict(n_workers=3, answers_per_item=4), ValueError, "answers_per_item = 4 exceeds n_workers = 3"),
        (dict(n_workers=3, answers_per_item=0), ValueError, "answers_per_item must be at least 1"),
        (dict(n_workers=3, accuracy=1.2), ValueError, r"accuracy must lie in \[0, 1\]"),
        (dict(n_workers=3, accuracy=[0.7, 0.8]), ValueError, r"one per worker \(3\)"),
        (dict(n_workers=3, group_accuracy=[0.7, 0.8]), ValueError, "z is None"),
        (dict(n_workers=3, z=[0, 1, 1, 0], group_accuracy=[[0.7, 0.8]]), ValueError, r"\(n_workers, 2\)"),
        (dict(n_workers=3, scale="1-5"), ValueError, "scale must be one of"),
        (dict(n_workers=3, confidence=-0.1), ValueError, "confidence"),
        (dict(n_workers=3, z=[0, 1]), ValueError, "lengths differ"),
    ],
)
def test_simulate_crowd_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        simulate_crowd([1, 0, 1, 0], **kwargs)


def test_simulate_crowd_rejects_bad_labels():
    with pytest.raises(ValueError, match="y must contain only 0 and 1"):
        simulate_crowd([1, 2, 0], 3)


# --- majority vote ----------------------------------------------------------------------------------------


def _majority_by_loops(votes, tie_label=1):
    labels = []
    for row in np.asarray(votes):
        ones = sum(1 for v in row if v == 1)
        zeros = len(row) - ones
        labels.append(1 if ones > zeros else 0 if zeros > ones else tie_label)
    return np.array(labels)


def test_majority_vote_against_loops_and_ties():
    np.testing.assert_array_equal(majority_vote([[1, 1, 0], [0, 0, 1], [1, 0, 0], [1, 0, 1]]), [1, 0, 0, 1])
    np.testing.assert_array_equal(majority_vote([[1, 0], [0, 1]]), [1, 1])
    np.testing.assert_array_equal(majority_vote([[1, 0], [0, 1]], tie_label=0), [0, 0])
    votes = np.random.default_rng(0).integers(0, 2, (500, 4))
    for tie in (0, 1):
        np.testing.assert_array_equal(majority_vote(votes, tie_label=tie), _majority_by_loops(votes, tie))
    crowd_answers = CrowdAnswers([[1, 4, 2], [2, 3, 1]], [[0, 1, 2], [0, 1, 2]], scale="1-4")
    np.testing.assert_array_equal(majority_vote(crowd_answers), [0, 0])


def test_weighted_majority_vote():
    votes = [[1, 0, 0], [1, 0, 0]]
    np.testing.assert_array_equal(majority_vote(votes, weights=[[3, 1, 1], [1, 1, 1]]), [1, 0])
    np.testing.assert_array_equal(majority_vote(votes, weights=[[0, 0, 0], [0, 1, 0]], tie_label=1), [1, 0])
    with pytest.raises(ValueError, match="weights has shape"):
        majority_vote(votes, weights=[1, 1, 1])
    with pytest.raises(ValueError, match="non-negative"):
        majority_vote(votes, weights=[[1, -1, 1], [1, 1, 1]])
    with pytest.raises(ValueError, match="votes must contain only 0 and 1"):
        majority_vote([[1, 2]])
    with pytest.raises(ValueError, match="tie_label"):
        majority_vote([[1, 0]], tie_label=2)


def test_condorcet_formula():
    assert majority_vote_accuracy(3, 0.7) == pytest.approx(0.7**3 + 3 * 0.7**2 * 0.3)
    assert majority_vote_accuracy(1, 0.62) == pytest.approx(0.62)
    # an even crowd: a tie is right half the time, so 2 workers are worth exactly 1
    assert majority_vote_accuracy(2, 0.7) == pytest.approx(0.7)
    accuracies = [majority_vote_accuracy(m, 0.6) for m in (1, 3, 5, 11, 51)]
    assert np.all(np.diff(accuracies) > 0) and accuracies[-1] > 0.9
    assert majority_vote_accuracy(11, 0.4) < 0.4  # worse than a coin: the crowd makes it worse


def test_condorcet_formula_matches_simulation():
    y = np.random.default_rng(9).integers(0, 2, 20000)
    for m, p in ((5, 0.65), (4, 0.7)):
        labels = majority_vote(simulate_crowd(y, m, p, seed=m), tie_label=1)
        # ties go to 1: right on a tie exactly when y = 1, half the items
        assert abs(np.mean(labels == y) - majority_vote_accuracy(m, p)) < 0.012


def test_worker_accuracy_for_inverts_condorcet():
    for m, p in ((11, 0.57), (5, 0.8), (1, 0.66)):
        assert crowd.worker_accuracy_for(majority_vote_accuracy(m, p), m) == pytest.approx(p, abs=1e-9)
    with pytest.raises(ValueError, match="majority_accuracy must be at least 0.5"):
        crowd.worker_accuracy_for(0.4, 5)


# --- worker filtering -------------------------------------------------------------------------------------


def test_worker_agreement_by_hand():
    # three items, four workers; worker 3 answers only item 2
    answers = CrowdAnswers([[1, 1, 0], [0, 0, 0], [1, 0, 1]], [[0, 1, 2], [0, 1, 2], [0, 1, 3]])
    agreement, counts = worker_agreement(answers)
    np.testing.assert_array_equal(counts, [3, 3, 2, 1])
    # item 0: worker 0's others (1, 0) tie -> 0.5; worker 1's others (1, 0) tie -> 0.5; worker 2's
    # others (1, 1) say 1, it says 0 -> 0. item 1: all agree -> 1 each. item 2: worker 0: others (0, 1)
    # tie -> 0.5; worker 1: others (1, 1), it says 0 -> 0; worker 3: others (1, 0) tie -> 0.5.
    np.testing.assert_allclose(agreement, [(0.5 + 1 + 0.5) / 3, (0.5 + 1 + 0) / 3, (0 + 1) / 2, 0.5])


def test_worker_agreement_tracks_true_accuracy_and_filtering_drops_guessers():
    rng = np.random.default_rng(11)
    y = rng.integers(0, 2, 600)
    accuracy = np.r_[np.full(12, 0.85), np.full(8, 0.5)]
    answers = simulate_crowd(y, 20, accuracy, answers_per_item=5, seed=12)
    agreement, counts = worker_agreement(answers)
    assert np.corrcoef(agreement, accuracy)[0, 1] > 0.9
    labels, kept = filtered_majority_vote(answers, min_agreement=0.6)
    assert kept[:12].all() and not kept[12:].any()
    assert np.mean(labels == y) > np.mean(majority_vote(answers) == y) + 0.02
    with pytest.raises(ValueError, match="min_agreement"):
        filtered_majority_vote(answers, min_agreement=1.5)


def test_filtering_falls_back_to_majority_where_no_worker_is_kept():
    answers = CrowdAnswers([[1, 1, 0], [0, 1, 1]], [[0, 1, 2], [0, 1, 2]])
    labels, kept = filtered_majority_vote(answers, min_agreement=1.0)
    assert not kept.any()
    np.testing.assert_array_equal(labels, majority_vote(answers))


# --- Dawid-Skene ------------------------------------------------------------------------------------------


def test_one_dawid_skene_step_by_hand():
    # Two items, two workers, binary answers.
    #   item 0: worker 0 says 1, worker 1 says 1     -> vote share 1
    #   item 1: worker 0 says 1, worker 1 says 0     -> vote share 1/2
    answers = CrowdAnswers([[1, 1], [1, 0]], [[0, 1], [0, 1]])
    T = np.array([[0.0, 1.0], [0.5, 0.5]])
    prior, confusion = dawid_skene_m_step(T, answers, smoothing=0.0)
    # prior = column means of T
    np.testing.assert_allclose(prior, [0.25, 0.75])
    # worker 0 said 1 on both items. class 0 mass: 0 + 0.5 -> all on answer 1; class 1 mass: 1 + 0.5
    # -> all on answer 1.  worker 1 said 1 on item 0 and 0 on item 1. class 0: item 1 (0.5) said 0
    # -> [1, 0]; class 1: item 0 (1.0) said 1, item 1 (0.5) said 0 -> [0.5/1.5, 1/1.5].
    np.testing.assert_allclose(confusion[0], [[0, 1], [0, 1]])
    np.testing.assert_allclose(confusion[1], [[1, 0], [1 / 3, 2 / 3]])
    posterior, log_likelihood = dawid_skene_e_step(prior, confusion, answers)
    # item 0 (1, 1): class 0: 0.25 * 1 * 0 = 0; class 1: 0.75 * 1 * 2/3 = 0.5 -> [0, 1], Z = 0.5
    # item 1 (1, 0): class 0: 0.25 * 1 * 1 = 0.25; class 1: 0.75 * 1 * 1/3 = 0.25 -> [0.5, 0.5], Z = 0.5
    np.testing.assert_allclose(posterior, [[0, 1], [0.5, 0.5]])
    assert log_likelihood == pytest.approx(2 * np.log(0.5))
    # With smoothing s every cell gains s before normalising.
    _, smoothed = dawid_skene_m_step(T, answers, smoothing=0.5)
    np.testing.assert_allclose(smoothed[1, 1], [(0.5 + 0.5) / (1.5 + 1.0), (1.0 + 0.5) / (1.5 + 1.0)])


def _ds_step_by_loops(T, answers, workers, n_workers, n_options, smoothing):
    """One M-step then E-step written with plain loops over the answers (an independent version)."""
    n, K = T.shape
    prior = T.sum(axis=0) / n
    confusion = np.full((n_workers, K, n_options), smoothing)
    for i in range(n):
        for j in range(answers.shape[1]):
            for k in range(K):
                confusion[workers[i, j], k, answers[i, j]] += T[i, k]
    for w in range(n_workers):
        for k in range(K):
            total = confusion[w, k].sum()
            confusion[w, k] = confusion[w, k] / total if total > 0 else 1 / n_options
    new = np.zeros_like(T)
    for i in range(n):
        for k in range(K):
            p = prior[k]
            for j in range(answers.shape[1]):
                p *= confusion[workers[i, j], k, answers[i, j]]
            new[i, k] = p
    new /= new.sum(axis=1, keepdims=True)
    return prior, confusion, new


@pytest.mark.parametrize("scale", ["binary", "1-4"])
def test_dawid_skene_step_against_loops(scale):
    rng = np.random.default_rng(21)
    y = rng.integers(0, 2, 40)
    answers = simulate_crowd(y, 7, rng.uniform(0.4, 0.95, 7), answers_per_item=3, scale=scale, seed=22)
    T = rng.dirichlet([1, 1], size=40)
    prior, confusion = dawid_skene_m_step(T, answers, smoothing=0.1)
    posterior, _ = dawid_skene_e_step(prior, confusion, answers)
    ref_prior, ref_confusion, ref_posterior = _ds_step_by_loops(
        T, answers.options, answers.workers, answers.n_workers, answers.n_options, 0.1)
    np.testing.assert_allclose(prior, ref_prior)
    np.testing.assert_allclose(confusion, ref_confusion)
    np.testing.assert_allclose(posterior, ref_posterior)


def test_dawid_skene_starts_from_vote_shares_and_never_lowers_the_likelihood():
    rng = np.random.default_rng(31)
    y = rng.integers(0, 2, 300)
    answers = simulate_crowd(y, 15, rng.uniform(0.45, 0.95, 15), answers_per_item=5, seed=32)
    result = dawid_skene(answers, smoothing=0.0, max_iter=1)
    shares = answers.votes.mean(axis=1)
    prior, confusion = dawid_skene_m_step(np.column_stack([1 - shares, shares]), answers, smoothing=0.0)
    np.testing.assert_allclose(result.posterior, dawid_skene_e_step(prior, confusion, answers)[0])
    full = dawid_skene(answers, smoothing=0.0, tol=1e-9, max_iter=300)
    assert np.all(np.diff(full.log_likelihood) > -1e-7)  # EM's ascent property
    assert full.converged


def test_dawid_skene_learns_the_workers():
    rng = np.random.default_rng(41)
    y = rng.integers(0, 2, 2000)
    accuracy = np.r_[rng.uniform(0.75, 0.95, 10), np.full(5, 0.5), np.full(3, 0.25)]
    answers = simulate_crowd(y, 18, accuracy, answers_per_item=5, seed=42)
    result = dawid_skene(answers)
    np.testing.assert_allclose(result.worker_accuracy, accuracy, atol=0.06)
    assert abs(result.prior[1] - y.mean()) < 0.03
    np.testing.assert_allclose(result.posterior.sum(axis=1), 1.0)
    np.testing.assert_array_equal(result.labels, (result.posterior[:, 1] >= 0.5).astype(int))


def test_dawid_skene_beats_majority_vote_on_mixed_workers():
    """Acceptance (issue 9): mean over seeds, workers of mixed accuracy, five answers per item."""
    gains = []
    for seed in range(8):
        rng = np.random.default_rng(seed)
        y = rng.integers(0, 2, 500)
        accuracy = np.r_[rng.uniform(0.7, 0.95, 12), rng.uniform(0.45, 0.6, 8)]  # good workers and guessers
        answers = simulate_crowd(y, 20, accuracy, answers_per_item=5, seed=seed)
        mv = np.mean(majority_vote(answers) == y)
        ds = np.mean(dawid_skene(answers).labels == y)
        gains.append(ds - mv)
    gains = np.array(gains)
    print(f"\nDawid-Skene minus majority vote, 8 seeds: mean {gains.mean():+.4f}, min {gains.min():+.4f}")
    assert gains.mean() > 0.02 and (gains > 0).mean() >= 0.75


def test_dawid_skene_uses_the_confidence_of_the_1_4_scale():
    rng = np.random.default_rng(51)
    y = rng.integers(0, 2, 3000)
    answers = simulate_crowd(y, 10, 0.65, answers_per_item=3, scale="1-4", confidence=0.85, seed=52)
    with_scale = np.mean(dawid_skene(answers).labels == y)
    votes_only = np.mean(dawid_skene(answers, use_scale=False).labels == y)
    assert with_scale > votes_only + 0.03


def test_dawid_skene_rejects_bad_input():
    answers = CrowdAnswers([[1, 0]], [[0, 1]])
    with pytest.raises(TypeError, match="crowd must be a frlib.crowd.CrowdAnswers"):
        dawid_skene([[1, 0]])
    with pytest.raises(ValueError, match="smoothing"):
        dawid_skene(answers, smoothing=-1)
    with pytest.raises(ValueError, match="posterior must have shape"):
        dawid_skene_m_step(np.ones((2, 2)) / 2, answers)
    with pytest.raises(ValueError, match="probability distribution"):
        dawid_skene_m_step([[0.2, 0.2]], answers)
    with pytest.raises(ValueError, match="confusion of shape"):
        dawid_skene_e_step([0.5, 0.5], np.ones((2, 2, 4)) / 4, answers)
    with pytest.raises(ValueError, match="max_iter"):
        dawid_skene(answers, max_iter=0)
    with pytest.raises(ValueError, match="method must be one of"):
        crowd.aggregate(answers, "median")


def test_crowdsource_labels_aggregates_a_simulated_crowd():
    y = np.random.default_rng(61).integers(0, 2, 3000)
    labels = crowd.crowdsource_labels(y, 5, 0.7, seed=3)
    np.testing.assert_array_equal(labels, majority_vote(simulate_crowd(y, 5, 0.7, seed=3)))
    assert abs(np.mean(labels == y) - majority_vote_accuracy(5, 0.7)) < 0.02
    ds = crowd.crowdsource_labels(y, 5, 0.7, method="dawid-skene", seed=3)
    assert abs(np.mean(ds == y) - np.mean(labels == y)) < 0.02  # equal workers: DS is a majority vote


# --- the authors' files: format checks on small files ------------------------------------------------------


def _authors_frame(n=4, seed=0):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"example_idx": np.arange(n), "age": rng.integers(20, 60, n),
                          "true_label": np.where(np.arange(n) % 2 == 0, 1, -1)})
    for j in range(1, 12):
        frame[f"ans_{j}"] = rng.integers(1, 5, n)
    for j in range(1, 12):
        frame[f"worker_id_{j}"] = [f"worker_{(i + j) % 15}" for i in range(n)]
    return frame


def test_loader_reads_a_file_in_the_authors_format(tmp_path):
    frame = _authors_frame()
    frame.to_csv(tmp_path / "small.csv", index=False)
    loaded = load_authors_crowd_file(tmp_path / "small.csv")
    assert loaded.dataset is None and len(loaded) == 4 and list(loaded.features.columns) == ["age"]
    np.testing.assert_array_equal(loaded.true_label, [1, 0, 1, 0])
    np.testing.assert_array_equal(loaded.crowd.answers, frame[[f"ans_{j}" for j in range(1, 12)]].to_numpy())
    names = np.array(loaded.crowd.worker_names)[loaded.crowd.workers]
    np.testing.assert_array_equal(names, frame[[f"worker_id_{j}" for j in range(1, 12)]].to_numpy())
    assert loaded.crowd.scale == "1-4"
    with pytest.raises(ValueError, match="neither COMPAS's nor AdultCensus's"):
        crowd.match_course_rows(loaded)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda f: f.drop(columns=["ans_3"]), r"missing column\(s\) \['ans_3'\]"),
        (lambda f: f.drop(columns=["worker_id_11", "true_label"]), r"\['true_label', 'worker_id_11'\]"),
        (lambda f: f.assign(ans_5=[1, 5, 2, 0]), r"column 'ans_5' holds answers outside the 1-4 scale: \['0', '5'\] \(data row\(s\) 1, 3\)"),
        (lambda f: f.assign(ans_2=[1, 2.5, 2, 3]), r"column 'ans_2' holds answers outside the 1-4 scale: \['2.5'\]"),
        (lambda f: f.assign(ans_7=["1", "yes", "2", "3"]), r"column 'ans_7' holds answers outside the 1-4 scale: \['yes'\]"),
        (lambda f: f.assign(ans_1=[1, None, 2, 3]), r"column 'ans_1' has 1 missing value\(s\) \(data row\(s\) 1\)"),
        (lambda f: f.assign(true_label=[1, 2, -1, 1]), r"column 'true_label' must be -1 or \+1"),
        (lambda f: f.assign(true_label=[1, 0, -1, 1]), "mixes -1 and 0"),
        (lambda f: f.assign(worker_id_2=f["worker_id_1"]), r"column 'worker_id_\*' names a worker twice"),
        (lambda f: f.iloc[:0], "has no rows"),
    ],
)
def test_loader_rejects_bad_files(tmp_path, change, message):
    change(_authors_frame()).to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ValueError, match=message):
        load_authors_crowd_file(tmp_path / "bad.csv")


def test_loader_says_when_the_file_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not ship the authors' files"):
        load_authors_crowd_file(tmp_path / "nothing.csv")


# --- the authors' real files ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def authors():
    return {name: load_authors_crowd_file(CROWD_FOLDER / file) for name, file in AUTHORS_FILES.items()}


def _long_format(path):
    """The file as one line per answer, written with pandas only (independent of frlib)."""
    frame = pd.read_csv(path)
    answers = frame.melt(id_vars=["example_idx", "true_label"], value_vars=[f"ans_{j}" for j in range(1, 12)],
                         var_name="slot", value_name="answer")
    return frame, answers


@needs_authors_files
@pytest.mark.parametrize("name, rows, workers, majority_right", [("compas", 440, 141, 291), ("adult", 3046, 655, 2202)])
def test_majority_vote_on_the_authors_files_matches_an_independent_count(authors, name, rows, workers, majority_right):
    loaded = authors[name]
    assert loaded.dataset == name and len(loaded) == rows and loaded.crowd.n_workers == workers
    frame, answers = _long_format(CROWD_FOLDER / AUTHORS_FILES[name])
    yes_share = answers.assign(yes=answers["answer"] >= 3).groupby("example_idx")["yes"].mean()
    truth = frame.set_index("example_idx")["true_label"] == 1
    independent = ((yes_share > 0.5) == truth.loc[yes_share.index]).sum()
    ours = int(np.sum(majority_vote(loaded.crowd) == loaded.true_label))
    print(f"\n{name}: majority vote right on {ours} of {rows} examples ({ours / rows:.4f})")
    assert ours == independent == majority_right
    assert round(ours / rows, 3) == crowd.AUTHORS_MAJORITY_ACCURACY[name]


@needs_authors_files
@pytest.mark.parametrize("name", ["compas", "adult"])
def test_the_data_say_which_end_of_the_scale_means_true_label_1(name):
    frame, answers = _long_format(CROWD_FOLDER / AUTHORS_FILES[name])
    high = answers["answer"] >= 3
    agrees = (high == (answers["true_label"] == 1)).mean()
    assert agrees > 0.6 and 1 - agrees < 0.4     # 3-4 means true_label = 1; the other way is worse than a coin
    assert round(agrees, 3) == crowd.AUTHORS_SINGLE_ANSWER_ACCURACY[name]
    by_answer = answers.groupby("answer")["true_label"].apply(lambda s: (s == 1).mean())
    assert by_answer.is_monotonic_increasing     # the surer the "yes", the likelier true_label = 1


@needs_authors_files
def test_aggregations_on_the_authors_files(authors):
    """Dawid-Skene on the 1-4 answers is the most accurate on both files; filtering changes little."""
    found = {}
    for name, loaded in authors.items():
        truth = loaded.true_label
        found[name] = {
            "majority": np.mean(majority_vote(loaded.crowd) == truth),
            "filtered": np.mean(filtered_majority_vote(loaded.crowd)[0] == truth),
            "dawid-skene": np.mean(dawid_skene(loaded.crowd).labels == truth),
        }
    print("\n" + pd.DataFrame(found).round(4).to_string())
    for name, accuracy in found.items():
        assert accuracy["dawid-skene"] > accuracy["majority"]
        assert abs(accuracy["filtered"] - accuracy["majority"]) < 0.01


@needs_authors_files
def test_crowd_examples_are_found_in_the_course_data(authors):
    compas_matches = crowd.match_course_rows(authors["compas"])
    adult_matches = crowd.match_course_rows(authors["adult"])
    assert compas_matches["example"].nunique() == 435 and adult_matches["example"].nunique() == 3046
    # a matched row has the example's true label (COMPAS: reoffended = two_year_recid)
    raw = read_data_file("compas")
    np.testing.assert_array_equal(raw["two_year_recid"].to_numpy()[compas_matches["row"]],
                                  authors["compas"].true_label[compas_matches["example"]])
    np.testing.assert_array_equal(raw["age"].to_numpy()[compas_matches["row"]],
                                  authors["compas"].features["age"].to_numpy()[compas_matches["example"]])


@needs_authors_files
@pytest.mark.parametrize("name, n_train, n_val", [("compas", None, None), ("adult", 5000, None), ("compas", 3000, 120)])
def test_crowd_validation_split(authors, name, n_train, n_val):
    loaded = authors[name]
    split = crowd.crowd_validation_split(loaded, seed=3, n_train=n_train, n_val=n_val)
    data = (load_compas if name == "compas" else load_adult)(seed=3)
    full_train, full_val, full_test = data.split_sizes
    n_train = n_train or full_train
    n_val = n_val or round(0.05 * n_train)
    rows = split.rows
    assert len(split.train) == len(rows["train"]) == n_train and len(split.val) == n_val
    assert len(np.intersect1d(rows["train"], rows["val"])) == 0 and len(np.intersect1d(rows["test"], rows["val"])) == 0
    assert len(split.test) == full_test - np.sum(rows["val"] >= full_train + full_val)
    np.testing.assert_array_equal(split.val.X, data.X[rows["val"]])
    np.testing.assert_array_equal(split.train.y, data.y[rows["train"]])
    # the validation rows carry the crowd file's true labels, in the course's coding
    np.testing.assert_array_equal(split.val.y, crowd.course_labels(loaded, loaded.true_label)[split.val_examples])
    assert len(set(split.val_examples)) == n_val
    assert abs(split.val.y.mean() - data.y[:full_train].mean()) <= 1 / n_val   # the data's label rate
    # crowd labels: as right as the majority vote on those examples
    votes = majority_vote(loaded.crowd)
    crowd_val = split.crowd_val(votes)
    np.testing.assert_array_equal(crowd_val.y == split.val.y, (votes == loaded.true_label)[split.val_examples])
    np.testing.assert_array_equal(crowd_val.X, split.val.X)
    # seeded
    again = crowd.crowd_validation_split(loaded, seed=3, n_train=n_train, n_val=n_val)
    np.testing.assert_array_equal(again.rows["val"], rows["val"])


@needs_authors_files
def test_crowd_validation_split_rejects_bad_requests(authors):
    with pytest.raises(ValueError, match="needs .* examples with y = 1"):
        crowd.crowd_validation_split(authors["compas"], n_val=430)
    with pytest.raises(ValueError, match="n_train = 5000 exceeds"):
        crowd.crowd_validation_split(authors["compas"], n_train=5000)
    with pytest.raises(ValueError, match="labels has 3 entries"):
        crowd.crowd_validation_split(authors["compas"], n_train=1000).crowd_val([1, 0, 1])


@needs_authors_files
def test_course_labels_flip_compas_only(authors):
    labels = np.array([1, 0, 1])
    np.testing.assert_array_equal(crowd.course_labels(authors["compas"], labels), [0, 1, 0])
    np.testing.assert_array_equal(crowd.course_labels(authors["adult"], labels), [1, 0, 1])


@needs_authors_files
def test_a_changed_shuffle_cannot_go_unnoticed(authors):
    from frlib.crowd.authors import _positions_in_dataset

    rows = crowd.match_course_rows(authors["compas"])["row"].to_numpy()
    # rows located with the shuffle of seed 0 inside the data set loaded with seed 1: the check fails
    with pytest.raises(RuntimeError, match="has frlib.data changed how it shuffles"):
        _positions_in_dataset(load_compas(seed=1), 0, rows, "compas")
    positions = _positions_in_dataset(load_compas(seed=1), 1, rows, "compas")
    assert len(np.unique(positions)) == len(np.unique(rows))


def test_subset_and_aggregate():
    y = np.random.default_rng(71).integers(0, 2, 300)
    answers = simulate_crowd(y, 9, 0.75, answers_per_item=5, seed=72)
    part = answers.subset(np.arange(10, 20))
    np.testing.assert_array_equal(part.answers, answers.answers[10:20])
    assert part.worker_names == answers.worker_names
    np.testing.assert_array_equal(crowd.aggregate(answers, "majority"), majority_vote(answers))
    np.testing.assert_array_equal(crowd.aggregate(answers, "filtered"), filtered_majority_vote(answers)[0])
    np.testing.assert_array_equal(crowd.aggregate(answers, "dawid-skene"), dawid_skene(answers).labels)
    np.testing.assert_allclose(crowd.vote_shares([[1, 0, 1, 1], [0, 0, 0, 1]]), [0.75, 0.25])


def test_course_labels_need_a_known_data_set(tmp_path):
    _authors_frame().to_csv(tmp_path / "small.csv", index=False)
    with pytest.raises(ValueError, match="neither COMPAS's nor AdultCensus's"):
        crowd.course_labels(load_authors_crowd_file(tmp_path / "small.csv"), [1, 0, 1, 0])
    with pytest.raises(TypeError, match="crowd_file must be an AuthorsCrowdFile"):
        crowd.crowd_validation_split("COMPAS_crowdsourcing_data.csv")
