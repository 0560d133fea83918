"""Where lesson 08 finds the authors' crowdsourcing files: FRLIB_CROWD_DIR or data/crowdsourcing/."""

from pathlib import Path

import pytest

from frlib import config

ROOT = Path(__file__).resolve().parent.parent


def test_default_is_the_course_data_folder(monkeypatch):
    monkeypatch.delenv(config.CROWD_DIR_VAR, raising=False)
    assert config.crowd_dir() == ROOT / "data" / "crowdsourcing"
    assert (ROOT / "data" / "crowdsourcing" / "README.md").is_file()


def test_the_environment_variable_wins(monkeypatch, tmp_path):
    monkeypatch.setenv(config.CROWD_DIR_VAR, str(tmp_path))
    assert config.crowd_dir() == tmp_path
    monkeypatch.setenv(config.CROWD_DIR_VAR, "~/crowd")
    assert config.crowd_dir() == Path.home() / "crowd"
    monkeypatch.setenv(config.CROWD_DIR_VAR, "  ")
    assert config.crowd_dir() == config.COURSE_CROWD_DIR


def test_files_are_found_only_when_both_are_there(monkeypatch, tmp_path):
    monkeypatch.setenv(config.CROWD_DIR_VAR, str(tmp_path))
    assert config.crowd_files() is None
    (tmp_path / "COMPAS_crowdsourcing_data.csv").write_text("x")
    assert config.crowd_files() is None
    (tmp_path / "AdultCensus_crowdsourcing_data.csv").write_text("x")
    assert config.crowd_files() == {"compas": tmp_path / "COMPAS_crowdsourcing_data.csv",
                                    "adult": tmp_path / "AdultCensus_crowdsourcing_data.csv"}
    assert config.crowd_files(tmp_path / "missing") is None
    with pytest.raises(TypeError, match="folder must be a path"):
        config.crowd_files(3)


def test_the_csv_files_are_never_committed():
    ignore = (ROOT / "data" / "crowdsourcing" / ".gitignore").read_text().splitlines()
    assert "*.csv" in ignore
