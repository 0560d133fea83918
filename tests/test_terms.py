"""The terms of reuse: the code's licence, the content's licence, and how to cite the course."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_the_code_is_mit_as_pyproject_says():
    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("MIT License") and "THE SOFTWARE IS PROVIDED \"AS IS\"" in licence
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text()


def test_the_content_licence_names_cc_by_4_and_what_it_covers():
    text = (ROOT / "LICENSE-CONTENT").read_text()
    assert "Creative Commons Attribution 4.0 International" in text
    assert "https://creativecommons.org/licenses/by/4.0/legalcode" in text
    for covered in ("notebooks/", "solutions/", "exercises/", "INSTRUCTORS.md", "make site", "make slides"):
        assert covered in text, covered
    for own_terms in ("frlib/datasets/", "site/vendor/"):
        assert own_terms in text, own_terms


def test_citation_cff_has_the_required_fields_and_agrees_with_pyproject():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0"
    for field in ("message", "title", "authors", "version", "license"):
        assert citation.get(field), field
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'version = "{citation["version"]}"' in pyproject
    assert citation["license"] == "MIT"
    [paper] = [ref for ref in citation["references"] if "FR-Train" in ref["title"]]
    assert paper["year"] == 2020 and [a["family-names"] for a in paper["authors"]] == ["Roh", "Lee", "Whang", "Suh"]
