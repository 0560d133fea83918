"""A lesson's claims: checked where they are made, explained when they fail.

A lesson asserts what it teaches ("the attack costs LR at least five points of accuracy"). The
course's policy for such claims (README, "Claims"): a claim about a trained model holds with the
lesson's default constants for seeds 0-4 (``FRLIB_SEED``), in the quick and the full setting and
on other CPUs' float kernels; its margin comes from the spread measured over those seeds, and a
claim about what usually happens is checked on a mean over seeds.

A lesson registers its defaults once, in its setup cell, and states each claim through one of
the functions below::

    from frlib import claims, config

    SEED = config.seed()                             # FRLIB_SEED, 0 unless set
    EPOCHS = config.budget(full=1000, quick=300)     # change it to explore
    claims.defaults(EPOCHS=config.budget(full=1000, quick=300))   # what the claims were checked with

    claims.at_least(accuracy, 0.85, claim="LR is accurate on clean labels")
    claims.check(peak_epoch <= 60, claim="test accuracy peaks early", measured=peak_epoch)

A claim that does not hold raises :class:`ClaimNotConfirmed` (an ``AssertionError``) whose
message says what was claimed, what was measured, and, when the learner has changed the seed,
the setting or a registered constant, that the claim was checked for the defaults and seeds
0-4 and that exploring is fine. The comparison functions (:func:`at_least`, :func:`at_most`,
:func:`above`, :func:`below`, :func:`between`) also know the claim's **margin**, how far the
measured value is from its bound (negative: the claim failed); ``scripts/check_claims.py``
records every claim with its margin (see :func:`frlib.config.claims_record`) and prints the
tightest margin of each lesson.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import numpy as np

from . import config

CHECKED_SEEDS = range(5)  # the seeds every lesson's claims are checked for (scripts/check_claims.py)


class ClaimNotConfirmed(AssertionError):
    """A lesson's claim did not hold; the message explains what was claimed and measured."""


@dataclass
class _Defaults:
    values: dict[str, Any]
    namespace: dict[str, Any]
    quick: bool
    seed: int


@dataclass
class _State:
    defaults: _Defaults | None = None
    counted: dict[str, int] = field(default_factory=dict)


_state = _State()


def defaults(**values: Any) -> None:
    """Register the lesson's default constants, the values its claims were checked with.

    Call it once in the lesson's setup cell with the defaults written out (not the variables
    that hold them, which the learner may edit), for example
    ``claims.defaults(EPOCHS=config.budget(full=1000, quick=300), RATE=0.1)``. When a claim fails
    later, each registered name is looked up among the lesson's variables; one that differs
    from its default is reported as an exploration. ``SEED`` is always compared with the
    checked seeds 0-4, and the setting with the one active here.
    """
    for name in values:
        if not name.isidentifier():
            raise ValueError(f"defaults takes the names of the lesson's constants; {name!r} is not a name")
    caller = sys._getframe(1).f_globals
    _state.defaults = _Defaults(dict(values), caller, config.is_quick(), config.seed())


def check(condition: Any, claim: str, measured: Any = None, margin: float | None = None) -> None:
    """Check one claim: ``condition`` must be true.

    Parameters
    ----------
    condition
        The claim's truth (a bool or a numpy bool).
    claim
        What the lesson claims, in words: "random flips barely matter".
    measured
        What was measured, shown when the claim fails (a number, a dict, a short text).
    margin
        How far the measurement is from failing, in the claim's own units, if known
        (the comparison functions below compute it).
    """
    _check(condition, claim, measured, margin, None)


def _check(condition: Any, claim: str, measured: Any, margin: float | None, value: float | None) -> None:
    if not isinstance(claim, str) or not claim.strip():
        raise TypeError(f"claim must be a sentence saying what is claimed, got {claim!r}")
    passed = bool(condition)
    _record(claim, passed, measured, margin, value)
    if passed:
        return
    message = _explain(claim, measured, margin)
    if config.claims_record()[1]:
        print(f"[claim not confirmed, recorded] {message}", file=sys.stderr)
        return
    raise ClaimNotConfirmed(message)


def at_least(value: Any, bound: float, claim: str) -> None:
    """Claim ``value >= bound``; the margin is ``value - bound``."""
    value = _number(value, "value")
    _check(value >= bound, claim, f"{_fmt(value)} (claimed: at least {_fmt(bound)})", value - bound, value)


def above(value: Any, bound: float, claim: str) -> None:
    """Claim ``value > bound``; the margin is ``value - bound``."""
    value = _number(value, "value")
    _check(value > bound, claim, f"{_fmt(value)} (claimed: above {_fmt(bound)})", value - bound, value)


def at_most(value: Any, bound: float, claim: str) -> None:
    """Claim ``value <= bound``; the margin is ``bound - value``."""
    value = _number(value, "value")
    _check(value <= bound, claim, f"{_fmt(value)} (claimed: at most {_fmt(bound)})", bound - value, value)


def below(value: Any, bound: float, claim: str) -> None:
    """Claim ``value < bound``; the margin is ``bound - value``."""
    value = _number(value, "value")
    _check(value < bound, claim, f"{_fmt(value)} (claimed: below {_fmt(bound)})", bound - value, value)


def between(value: Any, low: float, high: float, claim: str) -> None:
    """Claim ``low <= value <= high``; the margin is the distance to the nearer end."""
    value = _number(value, "value")
    if not low <= high:
        raise ValueError(f"between needs low <= high, got low={low!r}, high={high!r}")
    _check(low <= value <= high, claim, f"{_fmt(value)} (claimed: between {_fmt(low)} and {_fmt(high)})",
           min(value - low, high - value), value)


def changes() -> list[str]:
    """How the current run differs from what the claims were checked with (empty: it does not)."""
    found = []
    registered = _state.defaults
    namespace = registered.namespace if registered else {}
    seed = namespace.get("SEED", config.seed())
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and seed not in CHECKED_SEEDS:
        found.append(f"SEED is {seed} (checked: {CHECKED_SEEDS[0]}-{CHECKED_SEEDS[-1]})")
    if registered is None:
        return found
    if config.is_quick() != registered.quick:
        setting = "quick" if config.is_quick() else "full"
        found.append(f"the setting is now {setting}, not the one the setup cell ran in")
    for name, default in registered.values.items():
        if name in namespace and not _same(namespace[name], default):
            found.append(f"{name} is {_short(namespace[name])} (default: {_short(default)})")
    return found


def _explain(claim: str, measured: Any, margin: float | None) -> str:
    lines = [f"Claim not confirmed: {claim}"]
    if measured is not None:
        lines.append(f"Measured: {_short(measured, 300)}")
    setting = "quick" if config.is_quick() else "full"
    explored = changes()
    if explored:
        lines.append(
            "You are exploring: " + "; ".join(explored) + ". The lesson's claims were checked with its "
            f"defaults, for seeds {CHECKED_SEEDS[0]}-{CHECKED_SEEDS[-1]}, in the quick and the full setting; "
            "with other values a claim may stop holding, and finding out where is part of exploring. "
            "Exploring is fine: to see the claim hold, put the defaults back and run the cells again."
        )
    else:
        lines.append(
            f"This run uses the lesson's defaults ({setting} setting, seed {_current_seed()}), for which the "
            "claim was checked, so it should hold. Other CPUs compute floats slightly differently and "
            "training can take another path; please report this message so that the claim can be fixed."
        )
    return "\n".join(lines)


def _finite(number: float | None) -> float | None:
    return None if number is None or not math.isfinite(number) else float(number)


def _record(claim: str, passed: bool, measured: Any, margin: float | None, value: float | None) -> None:
    path, _ = config.claims_record()
    if path is None:
        return
    number = _state.counted.get(claim, 0)
    _state.counted[claim] = number + 1
    entry = {
        "claim": claim if number == 0 else f"{claim} [{number + 1}]",
        "passed": passed,
        "margin": _finite(margin),
        "value": _finite(value),
        "measured": _short(measured, 300) if measured is not None else None,
        "seed": _current_seed(),
        "quick": config.is_quick(),
        "exploring": changes(),
    }
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(entry) + "\n")


def _current_seed() -> Any:
    registered = _state.defaults
    return (registered.namespace if registered else {}).get("SEED", config.seed())


def _number(value: Any, name: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (Real, np.number)):
        if isinstance(value, np.ndarray) and value.size == 1:
            return float(value)
        raise TypeError(f"{name} must be a number, got {type(value).__name__}: {_short(value)}")
    return float(value)


def _fmt(value: float) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _short(value: Any, limit: int = 80) -> str:
    text = _fmt(value) if isinstance(value, float) else repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _same(a: Any, b: Any) -> bool:
    """Equality for the lessons' constants: numbers, lists, arrays, dataclasses."""
    try:
        if np.shape(a) != np.shape(b):
            return False
        equal = a == b
        return bool(equal) if isinstance(equal, (bool, np.bool_)) else bool(np.all(equal))
    except Exception:  # values that cannot be compared count as changed
        return False
