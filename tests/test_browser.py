"""Every lesson's widget works in a real browser, and Run All reaches every check of a blank
exercise notebook.

The test starts JupyterLab from the course environment (headless, on a free localhost port, with
a token and throw-away Jupyter config, data, runtime and settings folders) and, for each lesson
with a widget (WIDGETS below), drives Debian's Chromium through Playwright to open the lesson,
run all cells from the Run menu, check that the widget rendered (a slider at least 100 px long,
its printed line and its figure), move one slider with the keyboard, and check that the printed
line follows the slider's readout and the figure is redrawn. It also checks that JupyterLab does
not ask about its news (the environment's settings overrides turn that off), and that *Run All
Cells* on a blank exercise notebook runs every cell, so that each test cell shows "not answered
yet" (the test cells' ``raises-exception`` tag keeps a failed check from stopping the run). It
never downloads a browser: it uses the system's Chromium (/usr/bin/chromium,
or the path in FRCOURSE_CHROMIUM), which `make test` installs with apt-get when it runs as root
(see the Makefile's `browser` step).

Without that browser (or without Playwright) the test is skipped with the reason, except under
CI (CI=true), where it fails: CI must never pass without having run it.

The same check can be pointed at another copy of the lessons, for example one where the widget's
callback is broken, to see it fail:

    FRLIB_QUICK=1 .venv/bin/python tests/test_browser.py /path/to/folder/with/notebooks [01 06 ...]
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Flags that work for a root user in a container without a display or GPU.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_TIMEOUT = 60  # s, for JupyterLab to answer
KERNEL_TIMEOUT = 60  # s, for the notebook's kernel to be idle after opening it
RUN_ALL_TIMEOUT = 900  # s, for "Run All Cells" of one lesson (10 s to 2 minutes in the quick setting)
SLIDER_TIMEOUT = 180  # s, for the widget to redraw after the slider moved (lesson 03 trains two networks)

# Lab user settings: no autosave (the test must not write outputs into the lesson). The news
# pop-up and update check are turned off by the environment's settings overrides, installed by
# `make env` (scripts/jupyterlab_overrides.json); the test checks that they work.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
}

STDOUT = ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stdout']"


def find_chromium() -> str | None:
    """The system's Chromium: FRCOURSE_CHROMIUM, /usr/bin/chromium or chromium on the PATH."""
    for candidate in (
        os.environ.get("FRCOURSE_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _unavailable(reason: str):
    """Skip on a learner's machine, fail under CI: never a silent pass in CI."""
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail(f"CI is set and the browser test cannot run: {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 5.0):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.loads(response.read().decode())


class Lab:
    """A running JupyterLab server: its base URL, token and log file."""

    def __init__(self, url: str, token: str, log: Path):
        self.url, self.token, self.log = url, token, log

    def api(self, path: str):
        return _get(f"{self.url}/api/{path}?token={self.token}")

    def kernels_idle(self) -> bool:
        kernels = self.api("kernels")
        return bool(kernels) and all(k.get("execution_state") == "idle" for k in kernels)

    def shutdown_kernels(self) -> None:
        """Stop every kernel of this server (one lesson's kernel must not hold memory for the next)."""
        for kernel in self.api("kernels"):
            request = urllib.request.Request(
                f"{self.url}/api/kernels/{kernel['id']}?token={self.token}", method="DELETE")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(request, timeout=30).close()

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def jupyter_lab(root_dir: Path, workdir: Path):
    """Start `jupyter lab` of this environment on root_dir; stop it (and its kernels) at exit."""
    workdir.mkdir(parents=True, exist_ok=True)
    dirs = {name: workdir / name for name in ("config", "data", "runtime", "settings", "workspaces", "ipython")}
    for path in dirs.values():
        path.mkdir(exist_ok=True)
    for name, settings in LAB_SETTINGS.items():
        (dirs["settings"] / name).parent.mkdir(parents=True, exist_ok=True)
        (dirs["settings"] / name).write_text(json.dumps(settings))
    env = dict(
        os.environ,
        FRLIB_QUICK="1",
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
        JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
        IPYTHONDIR=str(dirs["ipython"]),
    )
    port, token = _free_port(), hashlib.sha256(os.urandom(32)).hexdigest()[:32]
    command = [
        sys.executable, "-m", "jupyter", "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root_dir}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")
    log = workdir / "jupyter-lab.log"
    with open(log, "wb") as log_file:
        # Its own session, so that its kernels can be stopped with it if it does not stop cleanly.
        server = subprocess.Popen(
            command, env=env, cwd=root_dir, stdin=subprocess.DEVNULL, stdout=log_file,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
    lab = Lab(f"http://127.0.0.1:{port}", token, log)
    try:
        deadline = time.monotonic() + SERVER_TIMEOUT
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with code {server.returncode}:\n{lab.log_tail()}")
            try:
                lab.api("status")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"jupyter lab did not answer in {SERVER_TIMEOUT} s:\n{lab.log_tail()}")
                time.sleep(0.2)
        yield lab
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)  # shuts its kernels down, then exits
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)  # the server's own process group only
                server.wait(timeout=10)


def _wait(condition, timeout: float, what: str, diagnose=lambda: ""):
    """Poll condition() until it returns something true; raise with a diagnosis after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}. {diagnose()}")
        time.sleep(0.25)


# The state of the open notebook, read from the page: how many code cells ran, are queued or
# running, and the text of any error traceback.
NOTEBOOK_STATE_JS = """() => {
    const prompts = [...document.querySelectorAll(
        '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputArea-prompt')];
    const texts = prompts.map(p => p.textContent.trim());
    const errors = [...document.querySelectorAll(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")]
        .map(e => e.textContent).filter(t => t.includes('Traceback'));
    return {
        cells: texts.length,
        ran: texts.filter(t => /\\[\\d+\\]/.test(t)).length,
        pending: texts.filter(t => t.includes('*')).length,
        errors: errors,
        status: (document.querySelector('#jp-main-statusbar') || {innerText: ''}).innerText,
    };
}"""


@dataclass(frozen=True)
class WidgetCheck:
    """What to do with one lesson's widget and what to expect.

    ``slider`` is the description of the slider to move with the keyboard (``presses`` steps to
    the right); ``printed`` the text the widget's printed output must contain, with ``{readout}``
    standing for the slider's readout (before and after the move); ``run_button`` is set for an
    ``interact_manual`` widget, whose output appears when its button is clicked.
    """

    notebook: str
    slider: str
    printed: str
    readouts: tuple[str, str]
    presses: int = 1
    run_button: bool = False


WIDGETS = [
    WidgetCheck("notebooks/01_fairness_metrics.ipynb", "threshold of group z = 0", "t_0 = {readout},", ("0.50", "0.55"), presses=5),
    WidgetCheck("notebooks/02_poisoning_and_label_noise.ipynb", "rate", "rate {readout}:", ("0.10", "0.15")),
    WidgetCheck("notebooks/03_robust_training.ipynb", "rate", "rate {readout}:", ("0.40", "0.45"), run_button=True),
    WidgetCheck("notebooks/04_fair_training.ipynb", "c / c_max", "c / c_max = {readout}:", ("0.20", "0.25")),
    WidgetCheck("notebooks/05_mutual_information.ipynb", "rho", "rho = {readout},", ("0.74", "0.75")),
    WidgetCheck("notebooks/06_frtrain.ipynb", "lambda_f", "lambda_f = {readout},", ("0.2", "0.3")),
    WidgetCheck("notebooks/08_crowdsourcing.ipynb", "accuracy", "accuracy {readout}:", ("0.65", "0.70")),
    WidgetCheck("notebooks/09_open_problems.ipynb", "flip rate", "flip rate {readout},", ("0.30", "0.35")),
]
MIN_SLIDER_WIDTH = 100  # px: a slider's track must be long enough to use


def check_widget(lab: Lab, check: WidgetCheck, chromium: str, shots: Path) -> dict:
    """Open the lesson in Chromium, run all cells, move the slider, see the output follow it.

    Returns what it saw (readouts, printed text, timings). Saves a screenshot to
    shots/<lesson>-failure.png when a step fails.
    """
    from playwright.sync_api import sync_playwright

    seen: dict = {}
    start = time.monotonic()
    shot = shots / f"{Path(check.notebook).stem}-failure.png"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(30_000)
            try:
                _drive(page, lab, check, seen, start)
            except Exception as error:
                shots.mkdir(parents=True, exist_ok=True)
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(shot))
                note = f"screenshot: {shot}; server log: {lab.log}"
                print(note)  # pytest shows it with the failure
                if hasattr(error, "add_note"):  # Python >= 3.11
                    error.add_note(note)
                raise
        finally:
            browser.close()
    return seen


def _printed(widget) -> str:
    return "\n".join(widget.locator(f".widget-output {STDOUT}").all_inner_texts()).strip()


def _drive(page, lab: Lab, check: WidgetCheck, seen: dict, start: float) -> None:
    notebook = check.notebook
    state = lambda: page.evaluate(NOTEBOOK_STATE_JS)  # noqa: E731

    # 1. Open the lesson; wait until its kernel is up and idle.
    page.goto(f"{lab.url}/lab/tree/{notebook}?token={lab.token}", wait_until="domcontentloaded",
              timeout=KERNEL_TIMEOUT * 1000)
    _wait(lambda: state()["cells"] > 0 and "Idle" in state()["status"] and lab.kernels_idle(),
          KERNEL_TIMEOUT, "the notebook to open with an idle kernel", lambda: f"page state: {state()}")
    seen["opened_s"] = round(time.monotonic() - start, 1)
    # JupyterLab's news pop-up is off (the environment's settings overrides): no toast asks.
    assert page.get_by_text("official Jupyter news").count() == 0, "JupyterLab asks about its news"

    # 2. Run > Run All Cells, and wait until every code cell has run and the kernel is idle.
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()

    def all_ran():
        now = state()
        if now["errors"]:
            raise AssertionError(f"a cell of {notebook} failed in the browser:\n{now['errors'][0][-3000:]}")
        return now["ran"] == now["cells"] and not now["pending"] and lab.kernels_idle()

    _wait(all_ran, RUN_ALL_TIMEOUT, f"Run All Cells of {notebook}", lambda: f"page state: {state()}")
    seen["ran_all_s"] = round(time.monotonic() - start, 1)

    # 3. The interact widget: the slider, then the output with the printed lines and the figure.
    label = page.locator(".widget-label", has_text=re.compile(rf"^{re.escape(check.slider)}$"))
    slider = page.locator(".widget-interact .widget-slider").filter(has=label)
    assert slider.count() == 1, f"expected one slider {check.slider!r} in {notebook}, found {slider.count()}"
    widget = page.locator(".widget-interact").filter(has=page.locator(".widget-slider").filter(has=label))
    readout, handle = slider.locator(".widget-readout"), slider.locator(".noUi-handle")
    button = widget.locator("button", has_text="Run Interact")
    widget.scroll_into_view_if_needed()
    seen["slider_px"] = round(slider.locator(".noUi-target").bounding_box()["width"])
    assert seen["slider_px"] >= MIN_SLIDER_WIDTH, f"the slider {check.slider!r} is only {seen['slider_px']} px long"
    if check.run_button:
        button.click()
    figure = widget.locator(".widget-output img").first
    figure.wait_for(state="visible", timeout=SLIDER_TIMEOUT * 1000)
    seen["readout_before"] = readout.inner_text().strip()
    expected_before = check.printed.format(readout=seen["readout_before"])
    _wait(lambda: expected_before in _printed(widget) and lab.kernels_idle(), SLIDER_TIMEOUT,
          f"the widget to print {expected_before!r}", lambda: f"printed: {_printed(widget)!r}")
    seen["printed_before"] = _printed(widget)
    figure_before = figure.get_attribute("src")

    # 4. Move the slider with the keyboard.
    moved = time.monotonic()
    handle.focus()
    for _ in range(check.presses):
        handle.press("ArrowRight")
    _wait(lambda: readout.inner_text().strip() != seen["readout_before"], SLIDER_TIMEOUT,
          "the slider's readout to change")
    seen["readout_after"] = readout.inner_text().strip()
    if check.run_button:
        button.click()

    # 5. The callback reruns: the printed text follows the readout, the figure is redrawn.
    expected_after = check.printed.format(readout=seen["readout_after"])
    _wait(lambda: expected_after in _printed(widget) and lab.kernels_idle(), SLIDER_TIMEOUT,
          "the widget's output to follow the slider",
          lambda: f"readout {seen['readout_before']} -> {seen['readout_after']}, expected {expected_after!r}, "
                  f"printed now: {_printed(widget)!r}")
    seen["printed_after"] = _printed(widget)
    seen["slider_s"] = round(time.monotonic() - moved, 1)
    assert seen["printed_after"] != seen["printed_before"], f"the printed output did not change: {seen}"
    _wait(lambda: widget.locator(".widget-output img").first.get_attribute("src") != figure_before, SLIDER_TIMEOUT,
          "the widget's figure to be redrawn")


@pytest.fixture(scope="module")
def chromium() -> str:
    """The system's Chromium and Playwright, or a skip (a failure under CI) saying what is missing."""
    path = find_chromium()
    if path is None:
        _unavailable(
            "no Chromium at /usr/bin/chromium or on the PATH: install Debian's 'chromium' package "
            "(as root, `make test` does it with apt-get) or set FRCOURSE_CHROMIUM to a Chromium"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the Python package 'playwright' is missing: rebuild the environment (make clean-env test)")
    return path


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on the course (one for every lesson of this module), stopped at the end."""
    with jupyter_lab(ROOT, tmp_path_factory.mktemp("jupyter")) as server:
        yield server


def test_the_environment_turns_off_jupyterlab_news():
    """`make env` installs the settings overrides that turn off the news pop-up and update check."""
    installed = Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    if not installed.is_file():
        _unavailable(f"{installed} is missing: the environment was not built by `make env`")
    settings = json.loads(installed.read_text())["@jupyterlab/apputils-extension:notification"]
    assert settings == {"fetchNews": "false", "checkForUpdates": False}
    assert json.loads(installed.read_text()) == json.loads((ROOT / "scripts" / "jupyterlab_overrides.json").read_text())


@pytest.mark.parametrize("check", WIDGETS, ids=lambda c: Path(c.notebook).stem)
def test_lesson_widget_in_a_real_browser(chromium, lab, check, tmp_path):
    listing = {item["name"] for item in lab.api("contents/notebooks")["content"]}
    assert Path(check.notebook).name in listing, f"the server does not serve the course: {sorted(listing)}"
    lesson = ROOT / check.notebook
    stored = lesson.read_bytes()
    try:
        seen = check_widget(lab, check, chromium, tmp_path)
    finally:
        lab.shutdown_kernels()
    print("browser test:", seen)
    assert (seen["readout_before"], seen["readout_after"]) == check.readouts, seen
    assert lesson.read_bytes() == stored, f"the browser test changed {check.notebook}"


def test_every_lesson_with_a_widget_is_checked():
    with_widgets = {p.relative_to(ROOT).as_posix() for p in (ROOT / "notebooks").glob("*.ipynb")
                    if "widgets.interact" in p.read_text()}
    assert with_widgets == {c.notebook for c in WIDGETS}


EXERCISE = "exercises/07_reproducing_the_paper.ipynb"   # the fastest set: nothing trains

# The output text of every code cell of the open notebook, in order.
CODE_CELL_OUTPUTS_JS = """() => [...document.querySelectorAll(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell')].map(cell => {
        const area = cell.querySelector('.jp-OutputArea');
        return area ? area.textContent : '';
    })"""


def run_all_on_blank_exercise(lab: Lab, notebook: str, chromium: str, shots: Path) -> list[str]:
    """Open a blank exercise notebook, Run All Cells, return the output text of each code cell."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(30_000)
            state = lambda: page.evaluate(NOTEBOOK_STATE_JS)  # noqa: E731
            try:
                page.goto(f"{lab.url}/lab/tree/{notebook}?token={lab.token}", wait_until="domcontentloaded",
                          timeout=KERNEL_TIMEOUT * 1000)
                _wait(lambda: state()["cells"] > 0 and "Idle" in state()["status"] and lab.kernels_idle(),
                      KERNEL_TIMEOUT, "the notebook to open with an idle kernel", lambda: f"page state: {state()}")
                page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
                page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
                _wait(lambda: (lambda now: now["ran"] == now["cells"] and not now["pending"])(state())
                      and lab.kernels_idle(), RUN_ALL_TIMEOUT, f"Run All Cells to reach every cell of {notebook}",
                      lambda: f"page state: {state()} (a cell that raised would stop the run: ran < cells)")
                return page.evaluate(CODE_CELL_OUTPUTS_JS)
            except Exception:
                shots.mkdir(parents=True, exist_ok=True)
                with contextlib.suppress(Exception):
                    page.screenshot(path=str(shots / "failure.png"))
                print(f"screenshot: {shots / 'failure.png'}; server log: {lab.log}")
                raise
        finally:
            browser.close()


def test_run_all_on_a_blank_exercise_reaches_every_check(lab, chromium, tmp_path):
    path = ROOT / EXERCISE
    stored = path.read_bytes()
    code_cells = [c for c in json.loads(stored)["cells"] if c["cell_type"] == "code"]
    outputs = run_all_on_blank_exercise(lab, EXERCISE, chromium, tmp_path)
    assert len(outputs) == len(code_cells), f"{len(outputs)} code cells on the page, {len(code_cells)} in the notebook"
    test_cells = [(c["id"], text) for c, text in zip(code_cells, outputs) if c["metadata"].get("nbgrader", {}).get("grade")]
    print("browser test, blank exercise:", {cell_id: text[:70] for cell_id, text in test_cells})
    assert len(test_cells) >= 4
    for cell_id, text in test_cells:
        assert "not answered yet" in text, f"{cell_id} does not say 'not answered yet': {text!r}"
        assert "Traceback" not in text, f"{cell_id} shows a traceback: {text!r}"
    assert path.read_bytes() == stored, f"the browser test changed {EXERCISE}"


if __name__ == "__main__":
    # Point the check at another folder holding the lessons (for example a copy where a widget's
    # callback is broken) and, optionally, name the lessons: 01 06 ...
    import tempfile

    folder = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT).resolve()
    wanted = set(sys.argv[2:])
    chromium = find_chromium()
    if chromium is None:
        sys.exit("no Chromium found (install Debian's 'chromium' package)")
    with tempfile.TemporaryDirectory() as scratch, jupyter_lab(folder, Path(scratch) / "jupyter") as lab:
        for check in WIDGETS:
            if wanted and Path(check.notebook).stem[:2] not in wanted:
                continue
            try:
                print(check.notebook, check_widget(lab, check, chromium, Path(scratch)))
            except Exception:
                for shot in Path(scratch).glob("*-failure.png"):
                    shutil.copy(shot, Path.cwd() / shot.name)
                    print(f"screenshot copied to {Path.cwd() / shot.name}", file=sys.stderr)
                raise
            finally:
                lab.shutdown_kernels()
    print("every widget follows its slider")
