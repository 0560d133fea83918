"""Shared fixtures of the frlib unit tests.

Matplotlib draws off-screen (Agg) so the tests run headless. Torch uses one thread: the models
here are tiny (a few thousand rows, full batch), where a second thread only adds
synchronisation cost, and several times more of it on a busy 2-core machine. Data fixtures are
built once per session.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from frlib.data import Split, make_synthetic, split_dataset  # noqa: E402

torch.set_num_threads(1)


@pytest.fixture(scope="session")
def synthetic_split() -> Split:
    """The authors' split (1,800 / 200 / 1,000) of the seed-0 synthetic data."""
    return split_dataset(make_synthetic(seed=0))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20200224)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")
