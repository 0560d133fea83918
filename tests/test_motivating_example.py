"""The motivating example of lessons 00 and 02: the talk's numbers, exactly."""

import numpy as np
import pytest

from frlib import motivating_example as example


def test_the_applicants():
    people = example.applicants()
    assert people.score.tolist() == list(range(1, 11))
    assert people.y.sum() == 6 and people.y[people.z == 1].sum() == 4          # four qualified in A, two in B
    assert people.z.sum() == 5
    assert (example.poisoned_labels(people) != people.y).sum() == 2


def test_clean_and_poisoned_cutoffs_match_lesson_02():
    people = example.applicants()
    poisoned = example.poisoned_labels(people)
    s, z, y = people.score, people.z, people.y
    vanilla, fair = example.best_cutoff(s, y, z), example.best_cutoff(s, y, z, min_di=1.0)
    assert (vanilla, fair) == (4.5, 2.5)
    assert example.evaluate_cutoff(vanilla, s, y, z) == (1.0, 0.5)
    assert example.evaluate_cutoff(fair, s, y, z) == (0.8, 1.0)
    vanilla_p, fair_p = example.best_cutoff(s, poisoned, z), example.best_cutoff(s, poisoned, z, min_di=1.0)
    assert (vanilla_p, fair_p) == (5.5, 8.5)
    acc, di = example.evaluate_cutoff(vanilla_p, s, y, z)          # measured on the clean labels
    assert acc == 0.9 and di == pytest.approx(2 / 3)
    assert example.evaluate_cutoff(fair_p, s, y, z) == (0.6, 1.0)
    assert example.best_cutoff(s, poisoned, z, min_di=0.8) == 8.5   # the 80% rule does the same


def test_candidates_and_errors():
    assert example.candidate_cutoffs([3, 1, 2, 2]).tolist() == [0.5, 1.5, 2.5, 3.5]
    with pytest.raises(ValueError, match="no cut-off reaches"):
        example.best_cutoff(np.array([1, 2]), np.array([0, 1]), np.array([0, 1]), min_di=1.1)
    with pytest.raises(ValueError, match="tie"):
        example.best_cutoff(np.array([1, 2, 3, 4]), np.array([1, 0, 1, 0]), np.array([0, 1, 0, 1]))
