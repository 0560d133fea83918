"""The course site (`make site`): offline pages of the executed lessons, and the JavaScript it ships.

The browser test builds lesson 01 alone, in the quick setting (`make site` builds every lesson in
the full one), opens it from ``file://`` in Debian's Chromium with the network cut off, and checks
what a reader sees: the figures, the threshold slider moving and changing its readout, formulas
typeset by MathJax (no ``$`` left in the text), and no request for anything off the disk.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from script_modules import load_script

from test_browser import chromium  # noqa: F401  (the fixture: the system's Chromium, or a skip)

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "site"




build_site = load_script("build_site")


def test_the_vendored_javascript_is_the_pinned_npm_packages_files():
    manifest = json.loads((SITE / "vendor" / "MANIFEST.json").read_text())
    pinned = json.loads((SITE / "package.json").read_text())["dependencies"]
    locked = json.loads((SITE / "package-lock.json").read_text())["packages"]
    assert manifest["packages"] == pinned, "site/vendor/ is not from site/package.json's pins: run make vendor"
    for package, version in pinned.items():
        assert locked[f"node_modules/{package}"]["version"] == version, f"package-lock.json disagrees on {package}"
    on_disk = {p.relative_to(SITE / "vendor").as_posix() for p in (SITE / "vendor").rglob("*")
               if p.is_file() and p.name != "MANIFEST.json"}
    assert on_disk == set(manifest["files"]), "site/vendor/ holds files the manifest does not list, or lacks some"
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((SITE / "vendor" / name).read_bytes()).hexdigest() == digest, f"{name} was edited"
    for folder in ("html-manager", "mathjax", "reveal.js", "requirejs"):
        assert any("LICENSE" in name for name in manifest["files"] if name.startswith(folder + "/")), (
            f"site/vendor/{folder} ships without its licence")


def test_page_problems_names_what_is_wrong(tmp_path):
    good = ('<img src="data:image/png;base64,AAAA"><script src="_static/mathjax/tex-svg-full.js"></script>'
            '<a href="https://doi.org/10.1">a paper</a>')
    (tmp_path / "good.html").write_text(good)
    assert build_site.page_problems(tmp_path / "good.html") == []
    (tmp_path / "cdn.html").write_text(good + '<script src="https://cdn.example/x.js"></script>'
                                       '<link rel="stylesheet" href="//fonts.example/a.css">')
    assert build_site.page_problems(tmp_path / "cdn.html") == [
        "cdn.html: loads https://cdn.example/x.js from the network",
        "cdn.html: loads //fonts.example/a.css from the network"]
    (tmp_path / "bare.html").write_text('<script type="application/vnd.jupyter.widget-view+json">{}</script>')
    assert build_site.page_problems(tmp_path / "bare.html") == ["bare.html: no figure",
                                                               "bare.html: widgets without their state"]
    assert build_site.page_problems(tmp_path / "absent.html") == [f"{tmp_path / 'absent.html'}: missing"]


def test_lessons_come_in_syllabus_order_with_their_titles_and_exercises():
    lessons = build_site.find_lessons()
    numbers = [lesson.number for lesson in lessons]
    assert numbers == sorted(numbers) and numbers[:2] == ["00", "01"]
    assert lessons[1].title.startswith("01 ·") and lessons[1].page == "01_fairness_metrics.html"
    assert build_site.exercise_for(lessons[1]).name == "01_fairness_metrics.ipynb"
    assert build_site.exercise_for(lessons[0]) is None  # the welcome has no exercise set
    with pytest.raises(ValueError, match="no lesson numbered 99"):
        build_site.find_lessons(numbers=["01", "99"])


@pytest.fixture(scope="module")
def lesson_01_site(tmp_path_factory):
    """The site of lesson 01 alone, built in the quick setting into a temporary folder."""
    out = tmp_path_factory.mktemp("site")
    saved = os.environ.get("FRLIB_QUICK")
    os.environ["FRLIB_QUICK"] = "1"  # the kernel inherits it
    try:
        build_site.build_site(out, ["01"], cache=out / "_executed")
    finally:
        if saved is None:
            del os.environ["FRLIB_QUICK"]
        else:
            os.environ["FRLIB_QUICK"] = saved
    return out


def test_the_built_site_links_its_pages_and_downloads(lesson_01_site):
    index = (lesson_01_site / "index.html").read_text()
    assert 'href="01_fairness_metrics.html"' in index
    page = (lesson_01_site / "01_fairness_metrics.html").read_text()
    for link in ("downloads/notebooks/01_fairness_metrics.ipynb", "downloads/exercises/01_fairness_metrics.ipynb"):
        assert f'href="{link}"' in page and (lesson_01_site / link).is_file(), link
    assert (lesson_01_site / "_static" / "mathjax" / "LICENSE").is_file()
    assert "Outputs of the quick setting" in page


def test_lesson_01_offline_in_a_real_browser(lesson_01_site, chromium):  # noqa: F811
    from offline_browser import offline_page

    with offline_page(chromium, lesson_01_site / "01_fairness_metrics.html") as opened:
        page = opened.page
        # Figures: inline PNGs that the browser decoded.
        page.wait_for_load_state("load")
        figures = page.locator("img[src^='data:image/png']")
        assert figures.count() >= 5, f"only {figures.count()} figures on the page"
        assert page.evaluate("() => [...document.querySelectorAll(\"img[src^='data:image/png']\")]"
                             ".every(img => img.complete && img.naturalWidth > 0)"), "a figure did not decode"
        # Math: MathJax typeset every formula of the text; no $ is left in it.
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise"
                               " && document.querySelectorAll('mjx-container').length > 0")
        page.evaluate("() => MathJax.startup.promise")
        markdown = " ".join(page.locator(".jp-MarkdownOutput").all_inner_texts())
        assert "$" not in markdown, markdown[max(0, markdown.find("$") - 80):markdown.find("$") + 80]
        assert page.locator(".jp-MarkdownOutput mjx-container").count() >= 10
        # The threshold widget: drawn from its saved state; its slider moves and its readout follows.
        widget = page.locator(".widget-interact").filter(has_text="threshold of group z = 0")
        assert widget.count() == 1, "the threshold widget is not on the page"
        slider = widget.locator(".widget-slider").filter(has_text="threshold of group z = 0")
        readout, handle = slider.locator(".widget-readout"), slider.locator(".noUi-handle")
        widget.scroll_into_view_if_needed()
        assert readout.inner_text().strip() == "0.50"
        assert widget.locator(".widget-output img").count() >= 1, "the widget's saved figure is missing"
        handle.focus()
        for _ in range(5):
            handle.press("ArrowRight")
        page.wait_for_function("(el) => el.innerText.trim() === '0.55'", arg=readout.element_handle())
        assert opened.blocked == [], f"the page asked the network for {opened.blocked}"
        assert opened.errors == [], f"JavaScript errors: {opened.errors}"
