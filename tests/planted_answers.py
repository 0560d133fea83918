"""Wrong answers planted in the exercise sets, and what their feedback must say (tests/test_solutions.py).

For each set (the stem of its notebook): a list of ``(answer cell id, wrong source, fragments)``.
The wrong source replaces the whole answer cell; the question's test cell must fail with an
``AnswerError`` whose message holds every fragment. The mistakes are the ones a learner makes:
a ratio the wrong way round, a rate of the wrong row, a prediction against the mechanism, a
constraint left out, a formula with one term forgotten.
"""

PLANTED = {
    "01_fairness_metrics": [
        (
            "ex01-q1a-answer",
            "rate_0 = 5 / 8\nrate_1 = 1 / 5\ndi_table = rate_0 / rate_1\nextra_approvals = 2\n",
            ["Question 1.a: 3 of 4 answers are not right:", "- `rate_0` is not right: expected 0.2, got 0.625",
             "- `rate_1` is not right: expected 0.625, got 0.2", "- `di_table` is not right: expected 0.32, got 3.125"],
        ),
        (
            "ex01-q1b-answer",
            # the false positive rates (first row) instead of the true positive rates
            "def equal_opportunity_difference(counts):\n"
            "    counts = np.asarray(counts, dtype=float)\n"
            "    rates = [counts[g, 0, 1] / counts[g, 0].sum() for g in (0, 1)]\n"
            "    return float(abs(rates[0] - rates[1]))\n",
            ["Question 1.b: wrong on", "the result on case 1 of 4", "expected 0, got 0.5", "TP_g / (FN_g + TP_g)"],
        ),
        (
            "ex01-q1c-answer",
            'di_at_08 = 0.6\ndi_direction = "a"\ndpd_direction = "c"\n',
            ["Question 1.c: 2 of 3 answers are not right:", "`di_at_08` = 0.6 is above the accepted range [0.2, 0.4]",
             "`di_direction` = 'a' is not right: a stricter threshold removes selected people from both groups"],
        ),
    ],
    "02_poisoning_and_label_noise": [
        (
            "ex02-q2a-answer",
            # the two noise rates swapped, and the noisy positive rate taken for the number of changes
            "p1 = train.y.mean()\n"
            "noisy_positive_rate = p1 * (1 - RHO_0) + (1 - p1) * RHO_1\n"
            "expected_changed = noisy_positive_rate * len(train)\n",
            ["Question 2.a: 2 of 2 answers are not right:", "- `noisy_positive_rate` is not right: expected",
             "- `expected_changed` is not right: expected", "a count, not a rate"],
        ),
        (
            "ex02-q2b-answer",
            'share_up = 0.1\ngroup_hurt = "a"\ndi_after = "a"\n',
            ["Question 2.b: 3 of 3 answers are not right:", "`share_up` = 0.1 is below the accepted range [0.6, 1]",
             "`group_hurt` = 'a' is not right", "`di_after` = 'a' is not right"],
        ),
        (
            "ex02-q2c-answer",
            # each row counted among its own neighbours
            "def neighbour_disagreement(X, y, k):\n"
            "    X, y = np.asarray(X, dtype=float), np.asarray(y)\n"
            "    distances = ((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2)\n"
            "    nearest = np.argsort(distances, axis=1)[:, :k]\n"
            "    return (y[nearest] != y[:, None]).mean(axis=1)\n",
            ["Question 2.c: wrong on 4 of 4 cases:", "- the result on case 1 of 4", "entries differ",
             "exclude each row from its own neighbours"],
        ),
    ],
    "03_robust_training": [
        (
            "ex03-q3a-answer",
            # the noise forgotten in the forward loss, T instead of its inverse in the backward one
            "forward_1 = -np.log(P_HAT[1])\nbackward_0 = (T3 @ -np.log(P_HAT))[0]\n",
            ["Question 3.a: 2 of 2 answers are not right:", "- `forward_1` is not right: expected 1.34707, got 1.60944",
             "- `backward_0` is not right: expected -0.51569", "push the probabilities through the noise first"],
        ),
        (
            "ex03-q3c-answer",
            # the small losses over all classes, as Co-teaching does, instead of within each class
            "def per_class_small_loss(losses, labels, keep_share):\n"
            "    losses = np.asarray(losses, dtype=float)\n"
            "    n_keep = max(1, int(np.ceil(keep_share * len(losses))))\n"
            "    return np.sort(np.argsort(losses, kind='stable')[:n_keep])\n",
            ["Question 3.c: wrong on", "the result on case 1 of 4", "has shape", "within a class rank by loss"],
        ),
        (
            "ex03-q3e-answer",
            'shift = 9\ncause = "a"\n',
            ["Question 3.e: 2 of 2 answers are not right:", "- `shift` is not right: expected 1, got 9",
             "- `cause` = 'a' is not right: memorisation leaves a network right on most test digits"],
        ),
    ],
    "04_fair_training": [
        (
            "ex04-q4a-answer",
            # the ratio the wrong way round: P(z, y) / (P(z) P(y))
            "joint = COUNTS / COUNTS.sum()\n"
            "cell_weights = joint / np.outer(joint.sum(axis=1), joint.sum(axis=0))\n",
            ["Question 4.a: the answer is not right.", "`cell_weights` is not right: 4 of 4 entries differ",
             "at [0, 1] expected 2, got 0.5", "the under-represented cells"],
        ),
        (
            "ex04-q4c-answer",
            # the rates of all examples instead of the positive ones (a threshold for DI, not for equal opportunity)
            "def equal_opportunity_threshold(scores, y, z, t1):\n"
            "    scores, z = np.asarray(scores, dtype=float), np.asarray(z)\n"
            "    rate_1 = np.mean(scores[z == 1] >= t1)\n"
            "    group_0 = np.sort(scores[z == 0])[::-1]\n"
            "    k = int(np.ceil(rate_1 * len(group_0) - 1e-9))\n"
            "    return float(group_0[k - 1]) if k > 0 else np.inf\n",
            ["Question 4.c: wrong on", "the result on case 1 of 4", "only the POSITIVE examples count"],
        ),
        (
            "ex04-q4e-answer",
            'cause = "a"\ncorrect_multipliers = [colleague_rounds.loc[1, "lambda_0"], colleague_rounds.loc[1, "lambda_1"]]\n',
            ["Question 4.e: 2 of 2 answers are not right:", "- `cause` = 'a' is not right: an oscillation would go back and forth",
             "- `correct_multipliers` is not right: 2 of 2 entries differ", "positive for the group selected less than average"],
        ),
    ],
}
