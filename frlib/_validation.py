"""Input checks shared by the public functions of frlib.

Every public function validates its arguments here, at the boundary, before any computation,
and raises a ``TypeError`` (wrong kind of object) or ``ValueError`` (wrong values) whose
message names the argument and says what is wrong. Arrays may be NumPy arrays, pandas Series,
torch tensors or plain lists.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np


def to_numpy(values: Any, name: str) -> np.ndarray:
    """Convert an array-like (NumPy, pandas, torch, list) to a NumPy array."""
    if values is None:
        raise TypeError(f"{name} must be an array, got None")
    if isinstance(values, (str, bytes, dict, set)):
        raise TypeError(f"{name} must be an array of numbers, got {type(values).__name__}")
    if hasattr(values, "detach") and hasattr(values, "cpu"):  # a torch tensor
        values = values.detach().cpu().numpy()
    elif hasattr(values, "to_numpy"):  # a pandas Series or DataFrame
        values = values.to_numpy()
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name} must be an array of numbers: {error}") from None
    if array.dtype == object or not (
        np.issubdtype(array.dtype, np.number) or np.issubdtype(array.dtype, np.bool_)
    ):
        raise TypeError(f"{name} must hold numbers, got values of type {array.dtype}")
    return array


def as_vector(values: Any, name: str) -> np.ndarray:
    """A non-empty 1-D float array without NaN."""
    array = to_numpy(values, name)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty")
    array = array.astype(float)
    if np.isnan(array).any():
        raise ValueError(f"{name} contains NaN at {int(np.isnan(array).sum())} position(s)")
    return array


def as_binary(values: Any, name: str) -> np.ndarray:
    """A non-empty 1-D int64 array whose values are all 0 or 1."""
    array = as_vector(values, name)
    bad = ~np.isin(array, (0.0, 1.0))
    if bad.any():
        found = np.unique(array[bad])[:5].tolist()
        hint = " (labels in {-1, +1}? convert with (y + 1) // 2)" if -1.0 in found else ""
        raise ValueError(f"{name} must contain only 0 and 1; found {found}{hint}")
    return array.astype(np.int64)


def as_labels(values: Any, name: str, n_classes: int) -> np.ndarray:
    """A non-empty 1-D int64 array of class indices 0 .. n_classes - 1."""
    array = as_vector(values, name)
    bad = (array != np.round(array)) | (array < 0) | (array >= n_classes)
    if bad.any():
        found = np.unique(array[bad])[:5].tolist()
        raise ValueError(
            f"{name} must contain class indices 0..{n_classes - 1}; found {found}"
        )
    return array.astype(np.int64)


def as_features(values: Any, name: str = "X") -> np.ndarray:
    """A non-empty 2-D float array (rows are examples) without NaN or infinity."""
    array = to_numpy(values, name)
    if array.ndim == 1:
        raise ValueError(
            f"{name} must be two-dimensional (examples x features), got shape {array.shape}; "
            "use X.reshape(-1, 1) for a single feature"
        )
    if array.ndim != 2:
        raise ValueError(f"{name} must be two-dimensional, got shape {array.shape}")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {array.shape})")
    array = array.astype(float)
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def check_same_length(**arrays: np.ndarray) -> None:
    """All arrays have as many rows; the message lists each length by name."""
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise ValueError(f"lengths differ: {listed}")


def check_both_groups(z: np.ndarray, name: str = "z") -> None:
    """Both groups 0 and 1 have at least one member."""
    for group in (0, 1):
        if not np.any(z == group):
            raise ValueError(f"{name} has no members in group {group}; both groups 0 and 1 are needed")


def _condition(min_val: float | None, max_val: float | None, include_boundaries: str, integral: bool) -> str:
    """The allowed range in words: "in [0, 1)", "at least 1", "a finite number > 0", ..."""
    left = include_boundaries in ("left", "both")
    right = include_boundaries in ("right", "both")
    if min_val is not None and max_val is not None:
        return f"in {'[' if left else '('}{min_val:g}, {max_val:g}{']' if right else ')'}"
    if min_val is not None:
        if integral:
            return f"at least {min_val:g}" if left else f"greater than {min_val:g}"
        return f"a finite number {'>=' if left else '>'} {min_val:g}"
    if max_val is not None:
        if integral:
            return f"at most {max_val:g}" if right else f"less than {max_val:g}"
        return f"a finite number {'<=' if right else '<'} {max_val:g}"
    return "a finite number" if not integral else ""


def check_scalar(
    x: Any,
    name: str,
    target_type: type | tuple[type, ...] = numbers.Real,
    *,
    min_val: float | None = None,
    max_val: float | None = None,
    include_boundaries: str = "both",
    why: str = "",
) -> Any:
    """A number of the right type and range, on the pattern of scikit-learn's ``check_scalar``.

    Raises a ``TypeError`` when ``x`` is not a ``target_type`` (``numbers.Real`` or
    ``numbers.Integral``; a bool is never a number here), and a ``ValueError`` when it is NaN,
    infinite or outside the range from ``min_val`` to ``max_val`` (``include_boundaries``:
    ``"both"``, ``"left"``, ``"right"`` or ``"neither"`` of them belong to it). Both messages
    name the argument, say what was expected and what came; ``why``, when given, ends the
    ValueError's message. Returns ``x`` as a float (or an int for ``numbers.Integral``).

    Examples
    --------
    >>> check_scalar(0.5, "rate", min_val=0, max_val=1)
    0.5
    >>> check_scalar(0, "lr", min_val=0, include_boundaries="neither")
    Traceback (most recent call last):
    ...
    ValueError: lr must be a finite number > 0, got 0
    """
    integral = target_type is numbers.Integral
    condition = _condition(min_val, max_val, include_boundaries, integral)
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, target_type):
        if integral:
            expected = "an integer" + (f" {condition}" if condition else "")
        else:
            expected = condition if condition.startswith("a finite number") else f"a number {condition}"
        raise TypeError(f"{name} must be {expected}, got {x!r}")
    reason = f": {why}" if why else ""
    if not math.isfinite(x):
        raise ValueError(f"{name} must be {condition or 'a finite number'}, got {x!r}{reason}")
    left = include_boundaries in ("left", "both")
    right = include_boundaries in ("right", "both")
    too_low = min_val is not None and (x < min_val if left else x <= min_val)
    too_high = max_val is not None and (x > max_val if right else x >= max_val)
    if too_low or too_high:
        raise ValueError(f"{name} must be {condition}, got {x!r}{reason}")
    return int(x) if integral else float(x)


def check_rate(rate: Any, name: str = "rate", *, below: float | None = None, why: str = "") -> float:
    """A number in [0, 1], or in [0, below) when ``below`` is given (``why`` then says why)."""
    if below is None:
        return check_scalar(rate, name, min_val=0, max_val=1, why=why)
    return check_scalar(rate, name, min_val=0, max_val=below, include_boundaries="left", why=why)


def check_positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """An integer >= minimum (bools rejected)."""
    return check_scalar(value, name, numbers.Integral, min_val=minimum)


def check_choice(value: Any, name: str, choices: tuple) -> Any:
    """value is one of choices."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {list(choices)}, got {value!r}")
    return value


def check_sample_weight(sample_weight: Any, n: int) -> np.ndarray:
    """Per-example weights: None (all 1) or n finite non-negative numbers, not all zero."""
    if sample_weight is None:
        return np.ones(n)
    weights = as_vector(sample_weight, "sample_weight")
    if len(weights) != n:
        raise ValueError(f"sample_weight has {len(weights)} entries, expected one per example ({n})")
    if not np.isfinite(weights).all():
        raise ValueError("sample_weight contains infinite values")
    if (weights < 0).any():
        raise ValueError("sample_weight must be non-negative")
    if weights.sum() == 0:
        raise ValueError("sample_weight is all zeros; at least one example must count")
    return weights


def check_method_names(names: list[str], known: Any, also: str = "") -> list[str]:
    """names is a non-empty list of keys of ``known``; the errors list the known names (+ ``also``)."""
    listed = ", ".join(known)
    if not names:
        raise ValueError("methods is empty; name at least one of " + listed)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}; known: {listed}{also}")
    return names


def as_seed_list(seeds: Any) -> list[int]:
    """A count N (seeds 0 .. N-1) or an explicit non-empty list of non-negative seeds."""
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        return list(range(check_positive_int(seeds, "seeds")))
    seed_list = [check_positive_int(s, "seeds", minimum=0) for s in seeds]
    if not seed_list:
        raise ValueError("seeds is empty")
    return seed_list
