"""The first step of the two-step baselines: RML's example weights (lesson 04, section 9).

The paper's two-step baselines ``RML+FC``, ``RML+LBC`` and ``RML+AD`` (Roh et al. 2020,
section 5) first run RML (learning to reweight against the clean validation set, Ren et al.
2018; :mod:`frlib.robust.rml`), which gives every training example a weight, then the fair
method with those weights in its classification loss, its fairness term measured on all
training examples alike (:mod:`frlib.fair._common` says why). :func:`rml_weights` is that
first step; :mod:`frlib.methods` holds the three baselines.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import replace

import numpy as np

from .._validation import check_positive_int
from ..config import budget, is_quick
from ..data import Dataset
from ._common import one_thread

_RML_CACHE: OrderedDict[tuple, np.ndarray] = OrderedDict()
_RML_CACHE_SIZE = 8


def _fingerprint(*arrays: np.ndarray) -> str:
    digest = hashlib.sha1()
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
        digest.update(str(array.shape).encode())
    return digest.hexdigest()


def rml_weights(train: Dataset, val: Dataset, seed: int = 0) -> np.ndarray:
    """RML's example weights (mean 1) for ``train``, learned against the clean set ``val``.

    :func:`frlib.robust.rml.fit_rml` with the configuration of the table's ``"RML"`` method
    (logistic regression, :func:`frlib.robust.synthetic_config`; in the quick setting at most
    100 epochs, so that the two-step baselines stay fast on AdultCensus); the weight of an
    example is its learning-to-reweight weight averaged over training (Ren et al. 2018). The
    three two-step baselines of one training set share one computation (a small cache).
    """
    from ..robust import fit_rml, synthetic_config

    if not isinstance(train, Dataset) or not isinstance(val, Dataset):
        raise TypeError("train and val must be frlib.data.Dataset objects")
    seed = check_positive_int(seed, "seed", minimum=0)
    key = (seed, is_quick(), _fingerprint(train.X, train.y, val.X, val.y))
    if key in _RML_CACHE:
        _RML_CACHE.move_to_end(key)
        return _RML_CACHE[key].copy()
    config = synthetic_config()
    config = replace(config, epochs=budget(full=config.epochs, quick=min(config.epochs, 100)))
    with one_thread():
        fit = fit_rml(train.X, train.y, val.X, val.y, n_classes=2, config=config, seed=seed)
    weights = np.asarray(fit.weights, dtype=float)
    _RML_CACHE[key] = weights
    while len(_RML_CACHE) > _RML_CACHE_SIZE:
        _RML_CACHE.popitem(last=False)
    return weights.copy()
