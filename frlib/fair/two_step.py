"""The first step of the two-step baselines: RML's example weights, or the examples it keeps (lesson 04, section 9).

The paper's two-step baselines ``RML+FC``, ``RML+LBC`` and ``RML+AD`` (Roh et al. 2020,
section 5) first run RML (learning to reweight against the clean validation set, Ren et al.
2018; :mod:`frlib.robust.rml`), then a fair method. The paper does not say how RML's output
enters the fair method, so the course's table runs both readings:

* **weights in the label loss** (``RML+FC`` etc.): every training example keeps its RML weight
  in the fair method's classification loss, and the fairness term is measured on all training
  examples alike (:mod:`frlib.fair._common` says why); :func:`rml_weights`;
* **sanitise** (``RML->FC`` etc.): drop the examples RML distrusts (weight below half the
  average, :data:`frlib.robust.KEEP_ABOVE`) and train the fair method on the rest, which then
  measures fairness on the kept examples only; :func:`rml_sanitise`.

Both come from one RML fit per training set (:func:`rml_fit`, kept in a small cache, so the
table's RML row and its six two-step rows train RML once per training set). :mod:`frlib.methods`
holds the baselines.
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

_RML_CACHE: OrderedDict[tuple, object] = OrderedDict()
_RML_CACHE_SIZE = 8


def fingerprint(*arrays: np.ndarray) -> str:
    """A digest of the arrays' bytes and shapes: equal arrays, equal fingerprints (cache keys)."""
    digest = hashlib.sha1()
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
        digest.update(str(array.shape).encode())
    return digest.hexdigest()


def rml_fit(train: Dataset, val: Dataset, seed: int = 0, epochs: int | None = None):
    """RML (:func:`frlib.robust.fit_rml`) on ``train`` against the clean set ``val``.

    The configuration of the table's ``"RML"`` method (logistic regression,
    :func:`frlib.robust.synthetic_config`), with ``epochs`` epochs if given. One thread (small
    matrices). The last few fits are cached by their inputs: the same call returns the same
    :class:`frlib.robust.RobustFit` object.
    """
    from ..robust import fit_rml, synthetic_config

    if not isinstance(train, Dataset) or not isinstance(val, Dataset):
        raise TypeError("train and val must be frlib.data.Dataset objects")
    seed = check_positive_int(seed, "seed", minimum=0)
    config = synthetic_config()
    if epochs is not None:
        config = replace(config, epochs=check_positive_int(epochs, "epochs"))
    key = (seed, config.epochs, is_quick(), fingerprint(train.X, train.y, val.X, val.y))
    if key in _RML_CACHE:
        _RML_CACHE.move_to_end(key)
        return _RML_CACHE[key]
    with one_thread():
        fit = fit_rml(train.X, train.y, val.X, val.y, n_classes=2, config=config, seed=seed)
    _RML_CACHE[key] = fit
    while len(_RML_CACHE) > _RML_CACHE_SIZE:
        _RML_CACHE.popitem(last=False)
    return fit


def _two_step_epochs() -> int:
    # In the quick setting at most 100 epochs, so that the two-step baselines stay fast on AdultCensus.
    from ..robust import synthetic_config

    epochs = synthetic_config().epochs
    return budget(full=epochs, quick=min(epochs, 100))


def rml_weights(train: Dataset, val: Dataset, seed: int = 0) -> np.ndarray:
    """RML's example weights (mean 1) for ``train``, learned against the clean set ``val``.

    :func:`rml_fit` (in the quick setting at most 100 epochs); the weight of an example is its
    learning-to-reweight weight averaged over training (Ren et al. 2018).
    """
    return np.asarray(rml_fit(train, val, seed, _two_step_epochs()).weights, dtype=float).copy()


def rml_sanitise(train: Dataset, val: Dataset, seed: int = 0) -> Dataset:
    """The training examples RML keeps: weight at least half the average (the sanitise reading).

    The same RML fit as :func:`rml_weights`; the examples whose averaged weight is below
    :data:`frlib.robust.KEEP_ABOVE` (0.5, weights of mean 1) are dropped.
    """
    kept = np.flatnonzero(rml_fit(train, val, seed, _two_step_epochs()).kept)
    return train.subset(kept)
