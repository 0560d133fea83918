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
    "05_mutual_information": [
        (
            "ex05-q5b-answer",
            # Miller's bias without its factor 1/2
            "def miller_corrected_mi(a, b):\n"
            "    a, b = np.asarray(a), np.asarray(b)\n"
            "    return float(mi.plugin_mi(a, b) - (len(np.unique(a)) - 1) * (len(np.unique(b)) - 1) / len(a))\n",
            ["Question 5.b: wrong on 4 of 4 cases:", "- the result on case 1 of 4", "expected -0.125, got -0.25",
             "the bias is (|A| - 1)(|B| - 1) / (2n)"],
        ),
        (
            "ex05-q5c-answer",
            'leakage_ratio = 1\nwhy = "a"\n',
            ["Question 5.c: 2 of 2 answers are not right:", "`leakage_ratio` = 1 is below the accepted range [8, 40]",
             "`why` = 'a' is not right: DI is a ratio of rates"],
        ),
        (
            "ex05-q5e-answer",
            'report_a = "v"\nreport_b = "v"\nreport_c = "i"\nreport_d = "i"\n',
            ["Question 5.e: 2 of 4 answers are not right:", "- `report_b` = 'v' is not right",
             "the best a discriminator of a discrete Yhat can reach is the plug-in value", "- `report_c` = 'i' is not right"],
        ),
    ],
    "06_frtrain": [
        (
            "ex06-q6a-answer",
            # the -3 of the mixing weight forgotten
            "a = 1 / (1 + math.exp(-(L_G / L_DR)))\nweights_a = a * D_R_OUT + (1 - a)\n",
            ["Question 6.a: the answer is not right.", "`weights_a` is not right: 4 of 4 entries differ",
             "first the mixing weight a = sigmoid(L_G / L_DR - 3)"],
        ),
        (
            "ex06-q6b-answer",
            'gain_targeted = 0.05\ngain_random = 0.05\nwhy_random = "b"\n',
            ["Question 6.b: 2 of 3 answers are not right:", "`gain_random` = 0.05 is above the accepted range [-0.02, 0.02]",
             "`why_random` = 'b' is not right"],
        ),
        (
            "ex06-q6e-answer",
            # the positive rate of the whole validation set, and the size blamed
            'val_positive_rate_1 = colleague_val.y.mean()\ncause = "c"\n',
            ["Question 6.e: 2 of 2 answers are not right:", "- `val_positive_rate_1` is not right",
             "colleague_val.y[colleague_val.z == 1].mean()", "- `cause` = 'c' is not right: the paper's clean validation set has 200 rows too"],
        ),
    ],
    "07_reproducing_the_paper": [
        (
            "ex07-q7a-answer",
            "cell_mean, cell_std = LR_CLEAN.mean(), LR_CLEAN.std(ddof=1)\n",
            ["Question 7.a: 1 of 2 answers are not right:", "- `cell_std` is not right: expected 0.0109", "got 0.0122",
             "divide by the number of seeds"],
        ),
        (
            "ex07-q7c-answer",
            'winners = ["FR-Train", "FR-Train", "FR-Train"]\nverdict = "a"\n',
            ["Question 7.c: 2 of 2 answers are not right:", "the most accurate methods with DI >= 0.75, 0.80 and 0.85 are not these",
             "`verdict` = 'a' is not right: RML+FC (0.817) is more accurate than FR-Train (0.812)"],
        ),
        (
            "ex07-q7e-answer",
            # the normal quantile 1.96 instead of Student's t with S - 1 degrees of freedom
            "def paired_interval(a, b, level=0.95):\n"
            "    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)\n"
            "    half = stats.norm.ppf((1 + level) / 2) * d.std(ddof=1) / math.sqrt(len(d))\n"
            "    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)\n"
            "attack_cost = paired_interval(LR_CLEAN, LR_POISONED)\n",
            ["Question 7.e: wrong on", "the result on case 1 of 4", "the t quantile at (1 + level) / 2"],
        ),
    ],
    "08_crowdsourcing": [
        (
            "ex08-q8a-answer",
            # "more than half" read as "at least 5 of 7"
            "p_majority_7 = float(binom.sf(4, 7, 0.65))\n"
            "workers_needed = next(m for m in range(1, 200, 2) if binom.sf(m // 2, m, 0.65) >= 0.9)\n",
            ["Question 8.a: 1 of 2 answers are not right:", "- `p_majority_7` is not right: expected 0.800", "the majority needs at least 4"],
        ),
        (
            "ex08-q8c-answer",
            # every vote counted alike: the plain majority
            "def log_odds_vote(votes, workers, accuracy):\n"
            "    votes = np.asarray(votes)\n"
            "    return (2 * votes.sum(axis=1) >= votes.shape[1]).astype(int)\n",
            ["Question 8.c: wrong on", "the result on case 1 of 4", "look up each vote's worker weight"],
        ),
        (
            "ex08-q8d-answer",
            "uneven = crowd.simulate_crowd(val.y, 8, z=val.z, group_accuracy=[0.6, 0.9], answers_per_item=5, seed=SEED)\n"
            "crowd_labels = crowd.majority_vote(uneven)\n"
            "accuracy_by_group = [np.mean(crowd_labels[val.z == g] == val.y[val.z == g]) for g in (1, 0)]\n"
            "crowd_di = metrics.disparate_impact(crowd_labels, val.z)\n"
            "true_di = metrics.disparate_impact(val.y, val.z)\n"
            'what_changes = "c"\n',
            ["Question 8.d: 2 of 4 answers are not right:", "- `accuracy_by_group` has the right values in the wrong order",
             "- `what_changes` = 'c' is not right: errors do not cancel"],
        ),
    ],
    "09_open_problems": [
        (
            "ex09-q9a-answer",
            # the flip rates taken for the mixture rates
            "alpha, beta = 0.3, 0.1\nshrink = 1 - 0.1 - 0.3\n",
            ["Question 9.a: 3 of 3 answers are not right:", "- `alpha` is not right: expected 0.181818, got 0.3",
             "- `shrink` is not right", "not 1 - rho_0 - rho_1"],
        ),
        (
            "ex09-q9b-answer",
            # the recorded share of the whole data set in both classes
            "def equalized_odds_tolerances(y, z_recorded, rho_0, rho_1, tolerance):\n"
            "    p = (np.mean(z_recorded) - rho_0) / (1 - rho_0 - rho_1)\n"
            "    alpha = p * rho_1 / ((1 - p) * (1 - rho_0) + p * rho_1)\n"
            "    beta = (1 - p) * rho_0 / ((1 - p) * rho_0 + p * (1 - rho_1))\n"
            "    return (tolerance * (1 - alpha - beta),) * 2\n",
            ["Question 9.b: wrong on", "the result on case 1 of 3", "among the examples with y == c"],
        ),
        (
            "ex09-q9e-answer",
            'positive_rate_gap = tampered.y[tampered.z == 1].mean() - split.test.y[split.test.z == 1].mean()\ntampering = "a"\n',
            ["Question 9.e: 2 of 2 answers are not right:", "- `positive_rate_gap` is not right",
             "- `tampering` = 'a' is not right: the overall positive rate is the test set's"],
        ),
    ],
}
