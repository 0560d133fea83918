"""The paper's published numbers, to put next to ours (Roh, Lee, Whang, Suh, ICML 2020).

:data:`SYNTHETIC_TABLE` is the paper's synthetic-data table (test accuracy and disparate impact
of every method trained on clean and on poisoned labels) and
:data:`REAL_DATA_TABLE` its real-data comparison of validation sets (Table 8: FR-Train with a
crowdsourced or a ground-truth validation set, poisoned COMPAS and AdultCensus; section 6).
:func:`compare_with_paper` joins the rows of :func:`frlib.experiments.run_table` with them.
"""

from __future__ import annotations

from typing import Sequence

import pandas as pd

# method -> (clean DI, clean accuracy, poisoned DI, poisoned accuracy), in the paper's order.
SYNTHETIC_TABLE: dict[str, tuple[float, float, float, float]] = {
    "LR": (0.409, 0.885, 0.446, 0.819),
    "RML": (0.471, 0.876, 0.395, 0.869),
    "FC": (0.822, 0.806, 0.831, 0.760),
    "LBC": (0.819, 0.760, 0.827, 0.715),
    "AD": (0.807, 0.811, 0.834, 0.769),
    "RML+FC": (0.822, 0.806, 0.802, 0.529),
    "RML+LBC": (0.819, 0.760, 0.810, 0.752),
    "RML+AD": (0.807, 0.811, 0.808, 0.756),
    "FR-Train": (0.818, 0.807, 0.827, 0.814),
}

# (data set, validation set) -> (DI, accuracy) of FR-Train on poisoned data (paper Table 8).
REAL_DATA_TABLE: dict[tuple[str, str], tuple[float, float]] = {
    ("compas", "crowdsourced"): (0.846, 0.670),
    ("compas", "ground truth"): (0.899, 0.674),
    ("adult", "crowdsourced"): (0.847, 0.809),
    ("adult", "ground truth"): (0.864, 0.809),
}

FAMILIES = {
    "LR": "plain", "RML": "robust-only", "FC": "fair-only", "LBC": "fair-only", "AD": "fair-only",
    "RML+FC": "two-step", "RML+LBC": "two-step", "RML+AD": "two-step",
    "RML->FC": "two-step", "RML->LBC": "two-step", "RML->AD": "two-step",
    "FR-Train": "fair and robust", "FR-Train (paper's lambdas)": "fair and robust",
}  # fmt: skip

# The course's rows that stand for one of the paper's: both readings of a two-step baseline (RML's
# weights in the loss, "RML+FC"; sanitise, "RML->FC") stand for the paper's "RML+FC", and FR-Train
# with its lambda_f chosen on the validation set or at the paper's lambda_f for the paper's FR-Train.
PAPER_ROW_OF = {"RML->FC": "RML+FC", "RML->LBC": "RML+LBC", "RML->AD": "RML+AD",
                "FR-Train (paper's lambdas)": "FR-Train"}


def paper_row(method: str, data: str) -> tuple[float, float]:
    """(accuracy, DI) the paper reports for ``method`` trained on ``data`` ("clean" or "poisoned")."""
    if method not in SYNTHETIC_TABLE:
        raise ValueError(f"method {method!r} is not in the paper's table; known: {', '.join(SYNTHETIC_TABLE)}")
    if data not in ("clean", "poisoned"):
        raise ValueError(f"data must be 'clean' or 'poisoned', got {data!r}")
    clean_di, clean_acc, poisoned_di, poisoned_acc = SYNTHETIC_TABLE[method]
    return (clean_acc, clean_di) if data == "clean" else (poisoned_acc, poisoned_di)


def compare_with_paper(rows: Sequence[dict], dataset: str = "synthetic") -> pd.DataFrame:
    """Our table (rows of :func:`frlib.experiments.run_table`) next to the paper's numbers.

    One row per (method, data) with our accuracy and DI (mean and std over the seeds), the
    paper's, and the differences ``acc_diff = acc_mean - paper_acc``, ``di_diff = di_mean -
    paper_di``. On ``dataset="synthetic"`` the paper's numbers come from its synthetic table; on
    "compas" and "adult" the paper reports FR-Train on poisoned data only (Table 8, ground-truth
    validation set). Rows the paper does not report get NaN in the paper's columns; rows of
    :data:`PAPER_ROW_OF` get the numbers of the paper's row they stand for.
    """
    if dataset not in ("synthetic", "compas", "adult"):
        raise ValueError(f"dataset must be 'synthetic', 'compas' or 'adult', got {dataset!r}")
    records = []
    for row in rows:
        missing = {"method", "data", "acc_mean", "acc_std", "di_mean", "di_std"} - set(row)
        if missing:
            raise ValueError(f"rows must come from frlib.experiments.run_table; a row lacks {sorted(missing)}")
        paper_acc = paper_di = float("nan")
        method = PAPER_ROW_OF.get(row["method"], row["method"])
        if dataset == "synthetic" and method in SYNTHETIC_TABLE:
            paper_acc, paper_di = paper_row(method, row["data"])
        elif dataset != "synthetic" and (method, row["data"]) == ("FR-Train", "poisoned"):
            paper_di, paper_acc = REAL_DATA_TABLE[(dataset, "ground truth")]
        records.append({
            "method": row["method"], "family": FAMILIES.get(row["method"], ""), "data": row["data"],
            "acc_mean": row["acc_mean"], "acc_std": row["acc_std"], "paper_acc": paper_acc,
            "di_mean": row["di_mean"], "di_std": row["di_std"], "paper_di": paper_di,
        })  # fmt: skip
    table = pd.DataFrame(records)
    table["acc_diff"] = table["acc_mean"] - table["paper_acc"]
    table["di_diff"] = table["di_mean"] - table["paper_di"]
    return table
