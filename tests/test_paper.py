"""frlib.paper: the paper's numbers, checked against the reference text they were typed from."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from frlib import paper

PAPER_FACTS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "PAPER_FACTS.md"


def _markdown_rows(section: str) -> list[list[str]]:
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and all(re.fullmatch(r"\.\d+", c) for c in cells[-2:]):
            rows.append(cells)
    return rows


@pytest.fixture(scope="module")
def facts() -> str:
    if not PAPER_FACTS.exists():
        pytest.skip(f"{PAPER_FACTS} is absent (the reference folder ../shared is not next to the repository)")
    return PAPER_FACTS.read_text()


def test_synthetic_table_matches_the_reference_text(facts):
    section = facts.split("## 4.")[1].split("## 5.")[0]
    rows = {cells[0]: tuple(float(c) for c in cells[2:6]) for cells in _markdown_rows(section)}
    assert rows == paper.SYNTHETIC_TABLE


def test_real_data_table_matches_the_reference_text(facts):
    section = facts.split("## 6.")[1].split("## 7.")[0]
    names = {"COMPAS": "compas", "AdultCensus": "adult"}
    rows = {(names[c[0]], c[1]): (float(c[2]), float(c[3])) for c in _markdown_rows(section)}
    assert rows == paper.REAL_DATA_TABLE


def test_paper_row_reads_the_right_columns():
    assert paper.paper_row("FR-Train", "poisoned") == (0.814, 0.827)
    assert paper.paper_row("RML+FC", "clean") == (0.806, 0.822)


@pytest.mark.parametrize("method, data, match", [("SVM", "clean", "method 'SVM'"), ("LR", "dirty", "data must be")])
def test_paper_row_rejects_unknown_names(method, data, match):
    with pytest.raises(ValueError, match=match):
        paper.paper_row(method, data)


def test_compare_with_paper_computes_the_gaps():
    rows = [
        {"method": "LR", "data": "poisoned", "acc_mean": 0.80, "acc_std": 0.01, "di_mean": 0.50, "di_std": 0.02, "seeds": 5},
        {"method": "new", "data": "clean", "acc_mean": 0.70, "acc_std": 0.01, "di_mean": 0.90, "di_std": 0.02, "seeds": 5},
    ]
    table = paper.compare_with_paper(rows)
    assert table.loc[0, "acc_diff"] == pytest.approx(0.80 - 0.819)
    assert table.loc[0, "di_diff"] == pytest.approx(0.50 - 0.446)
    assert table.loc[0, "family"] == "plain"
    assert math.isnan(table.loc[1, "paper_acc"]) and math.isnan(table.loc[1, "acc_diff"])


def test_compare_with_paper_names_a_missing_column():
    with pytest.raises(ValueError, match="di_std"):
        paper.compare_with_paper([{"method": "LR", "data": "clean", "acc_mean": 0.8, "acc_std": 0.0, "di_mean": 0.5}])


def test_compare_with_paper_on_real_data_reports_only_frtrain_poisoned():
    rows = [
        {"method": "LR", "data": "poisoned", "acc_mean": 0.72, "acc_std": 0.0, "di_mean": 0.2, "di_std": 0.0},
        {"method": "FR-Train", "data": "clean", "acc_mean": 0.80, "acc_std": 0.0, "di_mean": 0.9, "di_std": 0.0},
        {"method": "FR-Train", "data": "poisoned", "acc_mean": 0.79, "acc_std": 0.0, "di_mean": 0.85, "di_std": 0.0},
    ]
    table = paper.compare_with_paper(rows, dataset="adult")
    assert table["paper_acc"].isna().tolist() == [True, True, False]
    assert (table.loc[2, "paper_acc"], table.loc[2, "paper_di"]) == (0.809, 0.864)
    with pytest.raises(ValueError, match="dataset must be"):
        paper.compare_with_paper(rows, dataset="mnist")
