"""frlib.claims: a lesson's claims, their messages, margins and record; the FRLIB_SEED knob."""

from __future__ import annotations

import json

import numpy as np
import pytest

from frlib import claims, config


@pytest.fixture(autouse=True)
def _fresh_state(monkeypatch):
    """Every test starts without registered defaults, without a record and with seed 0."""
    monkeypatch.setattr(claims, "_state", claims._State())
    for name in ("FRLIB_SEED", "FRLIB_CLAIMS_RECORD", "FRLIB_CLAIMS_RECORD_ONLY"):
        monkeypatch.delenv(name, raising=False)


# --- FRLIB_SEED --------------------------------------------------------------------------------------


def test_the_seed_is_0_unless_set(monkeypatch):
    assert config.seed() == 0
    monkeypatch.setenv("FRLIB_SEED", "")
    assert config.seed() == 0


@pytest.mark.parametrize("raw, value", [("0", 0), ("1", 1), (" 4 ", 4), ("17", 17), ("007", 7)])
def test_the_seed_reads_non_negative_integers(monkeypatch, raw, value):
    monkeypatch.setenv("FRLIB_SEED", raw)
    assert config.seed() == value


@pytest.mark.parametrize("raw", ["-1", "1.5", "1e3", "one", "+2", "0x10", "3 4", "nan"])
def test_a_seed_that_is_not_a_non_negative_integer_is_an_error_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("FRLIB_SEED", raw)
    with pytest.raises(ValueError, match="FRLIB_SEED must be a non-negative integer") as info:
        config.seed()
    assert repr(raw) in str(info.value)


def test_record_only_needs_a_record_file(monkeypatch):
    assert config.claims_record() == (None, False)
    monkeypatch.setenv("FRLIB_CLAIMS_RECORD_ONLY", "1")
    with pytest.raises(ValueError, match="FRLIB_CLAIMS_RECORD_ONLY is on but FRLIB_CLAIMS_RECORD"):
        config.claims_record()
    monkeypatch.setenv("FRLIB_CLAIMS_RECORD_ONLY", "perhaps")
    with pytest.raises(ValueError, match="FRLIB_CLAIMS_RECORD_ONLY must be one of"):
        config.claims_record()


# --- the comparisons and their margins ---------------------------------------------------------------


@pytest.mark.parametrize(
    "function, args, passes, margin",
    [
        (claims.at_least, (0.85, 0.8), True, 0.05),
        (claims.at_least, (0.8, 0.8), True, 0.0),
        (claims.at_least, (0.75, 0.8), False, -0.05),
        (claims.above, (0.8, 0.8), False, 0.0),
        (claims.above, (0.81, 0.8), True, 0.01),
        (claims.at_most, (0.02, 0.03), True, 0.01),
        (claims.at_most, (0.04, 0.03), False, -0.01),
        (claims.below, (0.03, 0.03), False, 0.0),
        (claims.between, (0.88, 0.86, 0.90), True, 0.02),
        (claims.between, (0.899, 0.86, 0.90), True, 0.001),
        (claims.between, (0.85, 0.86, 0.90), False, -0.01),
    ],
)
def test_comparisons_decide_and_record_their_margin(monkeypatch, tmp_path, function, args, passes, margin):
    record = tmp_path / "claims.jsonl"
    monkeypatch.setenv("FRLIB_CLAIMS_RECORD", str(record))
    if passes:
        function(*args, claim="a claim")
    else:
        with pytest.raises(claims.ClaimNotConfirmed):
            function(*args, claim="a claim")
    (entry,) = [json.loads(line) for line in record.read_text().splitlines()]
    assert entry["passed"] is passes and entry["margin"] == pytest.approx(margin)
    assert entry["claim"] == "a claim" and entry["seed"] == 0 and entry["exploring"] == []


def test_a_failed_claim_is_an_assertion_error_saying_what_was_claimed_and_measured():
    with pytest.raises(AssertionError) as info:
        claims.at_least(0.7312, 0.8, claim="FR-Train is fair on poisoned labels")
    message = str(info.value)
    assert "Claim not confirmed: FR-Train is fair on poisoned labels" in message
    assert "0.7312 (claimed: at least 0.8)" in message
    # with the defaults, the message says the claim was checked and asks for a report
    assert "uses the lesson's defaults" in message and "please report" in message
    assert "exploring" not in message.lower()


def test_check_takes_any_condition_and_shows_the_measurement():
    claims.check(np.bool_(True), claim="numpy booleans count")
    with pytest.raises(claims.ClaimNotConfirmed, match=r"Measured: \{'epoch': 80\}"):
        claims.check(False, claim="test accuracy peaks early", measured={"epoch": 80})


@pytest.mark.parametrize("bad", ["", "   ", None, 3])
def test_a_claim_needs_a_sentence(bad):
    with pytest.raises(TypeError, match="claim must be a sentence"):
        claims.check(True, claim=bad)


@pytest.mark.parametrize("value", ["0.9", None, [0.9, 0.8], True])
def test_comparisons_need_a_number(value):
    with pytest.raises(TypeError, match="value must be a number"):
        claims.at_least(value, 0.8, claim="a claim")


def test_between_needs_an_ordered_interval():
    with pytest.raises(ValueError, match="low <= high"):
        claims.between(0.5, 0.9, 0.1, claim="a claim")


def test_nan_never_passes_and_records_no_margin(monkeypatch, tmp_path):
    record = tmp_path / "claims.jsonl"
    monkeypatch.setenv("FRLIB_CLAIMS_RECORD", str(record))
    with pytest.raises(claims.ClaimNotConfirmed):
        claims.at_least(float("nan"), 0.5, claim="a claim")
    assert json.loads(record.read_text())["margin"] is None


# --- exploring: the seed, the setting, the lesson's constants ---------------------------------------


def _lesson(**constants):
    """Run the setup of a lesson in a fresh namespace, as a notebook's cells would."""
    namespace = {"claims": claims, "config": config}
    exec("SEED = config.seed()\nEPOCHS = config.budget(full=1000, quick=300)\nRATES = [0.1, 0.2]\n"
         "claims.defaults(EPOCHS=config.budget(full=1000, quick=300), RATES=[0.1, 0.2], WIDGET=5)", namespace)
    namespace.update(constants)
    return namespace


def test_an_edited_constant_is_reported_as_exploring():
    with config.quick_mode(True):
        _lesson(EPOCHS=150)
        with pytest.raises(claims.ClaimNotConfirmed) as info:
            claims.at_least(0.5, 0.9, claim="memorisation is complete")
    message = str(info.value)
    assert "You are exploring: EPOCHS is 150 (default: 300)" in message
    assert "checked with its defaults, for seeds 0-4, in the quick and the full setting" in message
    assert "Exploring is fine" in message and "please report" not in message


def test_unchanged_constants_and_names_not_yet_defined_are_not_changes():
    with config.quick_mode(False):
        _lesson()
        assert claims.changes() == []           # WIDGET is registered but not defined yet
        _lesson(RATES=np.array([0.1, 0.2]))      # the same values in another container
        assert claims.changes() == []
        _lesson(RATES=[0.1, 0.3], WIDGET=5)
        assert claims.changes() == ["RATES is [0.1, 0.3] (default: [0.1, 0.2])"]


def test_a_seed_outside_0_to_4_is_exploring_whether_set_in_the_environment_or_the_lesson(monkeypatch):
    _lesson(SEED=4)
    assert claims.changes() == []
    _lesson(SEED=11)
    assert claims.changes() == ["SEED is 11 (checked: 0-4)"]
    monkeypatch.setenv("FRLIB_SEED", "7")
    _lesson()
    with pytest.raises(claims.ClaimNotConfirmed, match=r"You are exploring: SEED is 7 \(checked: 0-4\)"):
        claims.below(0.9, 0.1, claim="a claim")


def test_switching_the_setting_after_the_setup_cell_is_exploring():
    with config.quick_mode(False):
        _lesson()
    with config.quick_mode(True):
        assert claims.changes()[0] == "the setting is now quick, not the one the setup cell ran in"


def test_defaults_takes_names():
    with pytest.raises(ValueError, match="not a name"):
        claims.defaults(**{"two words": 1})


# --- the record read by scripts/check_claims.py --------------------------------------------------------


def test_record_only_prints_a_failed_claim_instead_of_raising(monkeypatch, tmp_path, capsys):
    record = tmp_path / "claims.jsonl"
    monkeypatch.setenv("FRLIB_CLAIMS_RECORD", str(record))
    monkeypatch.setenv("FRLIB_CLAIMS_RECORD_ONLY", "1")
    claims.at_most(0.2, 0.1, claim="random flips barely matter")
    claims.at_most(0.05, 0.1, claim="random flips barely matter")
    entries = [json.loads(line) for line in record.read_text().splitlines()]
    assert [e["passed"] for e in entries] == [False, True]
    assert [e["claim"] for e in entries] == ["random flips barely matter", "random flips barely matter [2]"]
    assert "[claim not confirmed, recorded] Claim not confirmed: random flips barely matter" in capsys.readouterr().err
