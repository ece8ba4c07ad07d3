"""The viewer where people meet it: real JupyterLab and Notebook 7 servers on 127.0.0.1,
driven by headless Chromium, and an nbconvert export opened with no kernel.

Each server runs from this venv (so its kernel is this venv's python) with its own
config, data and runtime folders in a temporary folder, and nothing that reaches for the
network. Every wait has a deadline; a server and its kernels are shut down at the end and
no process that mentions the temporary folder may be left.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import require

SHOTS = Path(tempfile.gettempdir())
"""Where the screenshots go, to look at after a run."""
TOKEN = "stepgrad-jupyter-test"
START_SECONDS = 60.0
"""A server answers within this long, or the test fails with its log."""
RUN_MS = 90_000
"""Run All has shown every viewer within this long (the demo MLP's stepper is ~1,400 steps)."""
STEP_MS = 15_000
"""Any other wait in a page: a click, a step, a menu."""
WIDTHS = [1108, 1920]
"""Viewport widths: 1,108 px, where the old widget overflowed Notebook 7's output area, and a
wide screen."""

GRAPH = """\
from autograd import Stepper, Value

w, x = Value(0.5, label="w"), Value(1.5, label="x")
s = w * x
s.label = "s"
y = s.sigmoid() + s
y.label = "y"
stepper = Stepper(y, learning_rate=0.1, parameters=[w])"""
DEMO = """\
from nn import MLP

model = MLP(2, [16, 16, 1], seed=1337)
loss = (1 + -1.0 * model([0.5, -0.3])).relu()
Stepper(loss, learning_rate=0.1).show(0)"""
# Run again after stepping in the widget, this cell prints the step the browser chose and
# sets four times that step from Python; under Run All the step is 0, and stays 0.
AGAIN = 'print("widget step", widget.step)\nwidget.step *= 4'
CELLS = [
    "import sys\nprint(sys.prefix)",
    GRAPH,
    "stepper.show(0)",
    "widget = stepper.widget()\nwidget",
    DEMO,
    AGAIN,
    'stepper.quiz(ask="message")',
]
PREFIX, GRAPH_CELL, SHOW, WIDGET, DEMO_CELL, AGAIN_CELL, QUIZ_CELL = range(len(CELLS))
VIEWERS = {"show": SHOW, "widget": WIDGET, "demo": DEMO_CELL}
STEPS = {"show": 10, "widget": 10, "demo": None}


def write_notebook(folder: Path) -> Path:
    nbformat = require("nbformat")
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in CELLS],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    path = folder / "viewer.ipynb"
    nbformat.write(notebook, path)
    return path


def isolated_env(home: Path) -> dict[str, str]:
    """The environment of a Jupyter process whose settings and runtime files live in home."""
    folders = {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "IPYTHONDIR": "ipython",
    }
    env = dict(os.environ, JUPYTER_PLATFORM_DIRS="0")
    for name, folder in folders.items():
        (home / folder).mkdir(parents=True, exist_ok=True)
        env[name] = str(home / folder)
    return env


def processes_mentioning(text: str) -> list[int]:
    """Ids of live processes whose command line contains text (a kernel's names its
    connection file in the runtime folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in command:
            found.append(int(entry.name))
    return found


def leftovers(home: Path) -> list[int]:
    """Processes left from home (ended here, by id, so the next test starts clean)."""
    pids = processes_mentioning(str(home))
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return pids


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A Jupyter server serving the test notebook."""

    app: str
    url: str
    notebook: Path
    log: Path
    process: subprocess.Popen = field(repr=False)

    def api(self, path: str, method: str = "GET") -> object:
        request = urllib.request.Request(
            f"{self.url}/api/{path}",
            method=method,
            headers={"Authorization": f"token {TOKEN}"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read()
        return json.loads(body) if body else None

    def page_url(self) -> str:
        where = "lab/tree" if self.app == "jupyterlab" else "notebooks"
        return f"{self.url}/{where}/{self.notebook.name}?token={TOKEN}"

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                self.api("status")
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)  # the interval between polls, not a wait for readiness
        pytest.fail(f"{self.app} did not answer on {self.url}:\n{self.log.read_text()[-3000:]}")

    def wait_for_kernel(self) -> None:
        """Wait until the page's kernel is up and connected, so Run All does not ask for one."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            kernels = [
                session["kernel"]
                for session in self.api("sessions")
                if session["path"] == self.notebook.name
            ]
            if any(k["connections"] > 0 and k["execution_state"] == "idle" for k in kernels):
                return
            time.sleep(0.2)  # the interval between polls
        pytest.fail(f"no kernel connected to {self.notebook.name}:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        """Shut down the server and its kernels through the API, or end its process group."""
        try:
            self.api("shutdown", method="POST")
            self.process.wait(timeout=30)
        except (urllib.error.URLError, ConnectionError, TimeoutError, subprocess.TimeoutExpired):
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)
                    self.process.wait(timeout=10)


def serve(app: str, home: Path) -> Iterator[Server]:
    """Run `python -m app` (jupyterlab or notebook) on 127.0.0.1 with the test notebook."""
    require(app)
    require("ipykernel")
    require("anywidget")
    root = home / "notebooks"
    root.mkdir()
    notebook = write_notebook(root)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        app,
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={root}",
        # Nothing from the network: no news, no update check, no extension index.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    env = isolated_env(home)
    # Nor a toast asking whether to fetch the news, over the notebook in a screenshot.
    settings = Path(env["JUPYTER_CONFIG_DIR"], "lab/user-settings/@jupyterlab/apputils-extension")
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    log = home / f"{app}.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=root,
            start_new_session=True,
        )
    server = Server(app, f"http://127.0.0.1:{port}", notebook, log, process)
    try:
        server.wait_until_up()
        yield server
    finally:
        server.stop()
        left = leftovers(home)
        assert not left, f"{app} left processes {left} running:\n{log.read_text()[-3000:]}"


@pytest.fixture(scope="session")
def jupyter_lab(tmp_path_factory: pytest.TempPathFactory, dot_program: str) -> Iterator[Server]:
    yield from serve("jupyterlab", tmp_path_factory.mktemp("lab"))


@pytest.fixture(scope="session")
def jupyter_notebook(
    tmp_path_factory: pytest.TempPathFactory, dot_program: str
) -> Iterator[Server]:
    yield from serve("notebook", tmp_path_factory.mktemp("notebook"))


@dataclass
class Session:
    """A notebook run to its end in one frontend, and what its page asked for."""

    name: str
    page: object
    errors: list[str]
    off_machine: list[str]

    def cell(self, index: int):
        return self.page.locator(".jp-Notebook .jp-CodeCell").nth(index)

    def viewer(self, which: str):
        return self.cell(VIEWERS[which]).locator(".stepgrad-viewer.sg-ready")

    def output(self, which: str):
        return self.cell(VIEWERS[which]).locator(".jp-OutputArea-output").first


def settle(page) -> None:
    """Let resize observers and Lumino's layout run: two animation frames."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def number(viewer) -> str:
    return viewer.locator(".sg-number").text_content()


ERROR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
OUTPUTS = """() => [...document.querySelectorAll('.jp-OutputArea-output')].map(
    e => (e.dataset.mimeType || '') + ': ' + e.textContent.slice(0, 300))"""
FINISHED = """([viewers, error]) => document.querySelector(error) ||
    document.querySelectorAll('.stepgrad-viewer.sg-ready').length >= viewers"""


@pytest.fixture(scope="session", params=["lab", "notebook"])
def session(request: pytest.FixtureRequest, browser) -> Iterator[Session]:
    """The test notebook opened in JupyterLab or Notebook 7 and run with Run > Run All Cells."""
    server = request.getfixturevalue(f"jupyter_{request.param}")
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    context.set_default_timeout(STEP_MS)
    off_machine: list[str] = []

    def refuse(route) -> None:
        off_machine.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(?!http://127\.0\.0\.1:|ws://127\.0\.0\.1:|data:|blob:)"), refuse)
    page = context.new_page()
    errors: list[str] = []
    page.goto(server.page_url())
    page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60_000)
    server.wait_for_kernel()
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status=idle]")
    # Errors count from here on: Notebook 7.6 throws one of its own while loading its
    # settings ("Cannot read properties of undefined (reading 'schema')"), viewer or not.
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.click('.lm-Menu-item[data-command="runmenu:run-all"]')
    try:
        page.wait_for_function(FINISHED, arg=[len(VIEWERS) + 1, ERROR_OUTPUT], timeout=RUN_MS)
    except Exception as error:
        page.screenshot(path=SHOTS / f"jupyter-{request.param}-failed.png")
        pytest.fail(
            f"Run All showed no {len(VIEWERS)} viewers ({error}); outputs: "
            f"{page.evaluate(OUTPUTS)}; see {SHOTS}/jupyter-{request.param}-failed.png"
        )
    stderr = page.locator(ERROR_OUTPUT)
    assert stderr.count() == 0, f"a cell wrote an error or to stderr: {stderr.first.text_content()}"
    session = Session(request.param, page, errors, off_machine)
    session.cell(AGAIN_CELL).get_by_text("widget step 0").wait_for(timeout=RUN_MS)
    for which in VIEWERS:
        assert re.fullmatch(r"step 0 of \d+", number(session.viewer(which))), which
    yield session
    context.close()


def test_the_kernel_is_this_venvs_python(session: Session) -> None:
    printed = session.cell(PREFIX).locator(".jp-OutputArea-output").text_content()
    assert printed.strip() == sys.prefix


@pytest.mark.parametrize("which", list(VIEWERS))
def test_each_viewer_steps_by_button_slider_and_keys(session: Session, which: str) -> None:
    viewer = session.viewer(which)
    viewer.scroll_into_view_if_needed()
    assert viewer.locator(".sg-canvas svg").count() == 1
    viewer.locator(".sg-slider").fill("0")
    viewer.locator(".sg-slider").dispatch_event("input")
    last = re.fullmatch(r"step 0 of (\d+)", number(viewer)).group(1)
    assert STEPS[which] is None or int(last) == STEPS[which]
    viewer.locator("[data-action=next]").click()
    assert number(viewer) == f"step 1 of {last}"
    viewer.locator(".sg-slider").fill("6")
    viewer.locator(".sg-slider").dispatch_event("input")
    assert number(viewer) == f"step 6 of {last}"
    viewer.locator(".sg-equation").click()  # where a reader clicks before using the keys
    assert viewer.evaluate("v => document.activeElement === v")
    session.page.keyboard.press("ArrowRight")
    assert number(viewer) == f"step 7 of {last}", "ArrowRight did not reach the viewer"
    session.page.keyboard.press("ArrowLeft")
    assert number(viewer) == f"step 6 of {last}"
    assert session.errors == [] and session.off_machine == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_viewers_fit_the_output_area(session: Session, width: int) -> None:
    page = session.page
    page.set_viewport_size({"width": width, "height": 900})
    settle(page)
    for which in VIEWERS:
        viewer, output = session.viewer(which), session.output(which)
        viewer.scroll_into_view_if_needed()
        settle(page)
        sizes = output.evaluate(
            """(output) => { const v = output.querySelector('.stepgrad-viewer');
            const o = output.getBoundingClientRect(), r = v.getBoundingClientRect();
            return {viewer: [v.scrollWidth, v.clientWidth], output: [output.scrollWidth,
            output.clientWidth], right: [r.right, o.right]}; }"""
        )
        assert sizes["viewer"][0] <= sizes["viewer"][1], (which, sizes)
        assert sizes["output"][0] <= sizes["output"][1], (which, sizes)
        assert sizes["right"][0] <= sizes["right"][1] + 0.5, (which, sizes)
        output.screenshot(path=SHOTS / f"jupyter-{session.name}-{width}-{which}.png")
    page.screenshot(path=SHOTS / f"jupyter-{session.name}-{width}.png")
    assert session.errors == [] and session.off_machine == []


def test_the_widget_shares_its_step_with_the_kernel(session: Session) -> None:
    output = session.output("widget")
    assert "jp-RenderedHTMLCommon" not in output.get_attribute("class")  # a widget view
    viewer = session.viewer("widget")
    viewer.scroll_into_view_if_needed()
    assert viewer.locator(".sg-canvas svg").count() == 1
    viewer.locator(".sg-slider").fill("1")
    viewer.locator(".sg-slider").dispatch_event("input")
    viewer.locator("[data-action=next]").click()
    assert number(viewer) == "step 2 of 10"
    again = session.cell(AGAIN_CELL)
    again.locator(".cm-content").click()
    session.page.keyboard.press("Shift+Enter")
    again.get_by_text("widget step 2").wait_for()
    session.page.wait_for_function(
        "v => v.querySelector('.sg-number').textContent === 'step 8 of 10'",
        arg=viewer.element_handle(),
    )
    assert session.errors == [] and session.off_machine == []


def test_a_quiz_takes_answers_typed_in_the_notebook(session: Session) -> None:
    """Keys typed into the answer box reach the box, not the notebook: in command mode
    "1" would make a cell a heading, "0, 0" restart the kernel, Enter run a cell."""
    page = session.page
    cells = page.locator(".jp-Notebook .jp-Cell").count()
    viewer = session.cell(QUIZ_CELL).locator(".stepgrad-viewer.sg-ready")
    viewer.scroll_into_view_if_needed()
    for _ in range(8):  # the viewer stops at the first question, at step 5
        viewer.locator("[data-action=next]").click()
    assert number(viewer) == "step 5 of 10"
    assert viewer.locator(".sg-question").text_content() == (
        "question 1 of 5: δ_n3 += δ_y · ∂y/∂n3: what is the message δ_y · ∂y/∂n3?"
    )
    viewer.locator(".sg-answer").click()
    page.keyboard.type("1.005")
    page.keyboard.press("Enter")
    assert viewer.locator(".sg-feedback").text_content() == "not quite, try again"
    page.keyboard.press("Control+A")
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    assert viewer.locator(".sg-feedback").text_content() == "right"
    assert viewer.locator(".sg-score").text_content() == "score: 1 of 5 right"
    assert page.locator(".jp-Notebook .jp-Cell").count() == cells
    assert page.locator(".jp-Notebook .jp-MarkdownCell").count() == 0
    assert page.locator(".jp-Dialog").count() == 0
    viewer.screenshot(path=SHOTS / f"jupyter-{session.name}-quiz.png")
    assert session.errors == [] and session.off_machine == []


def test_an_nbconvert_export_steps_without_a_kernel(
    tmp_path: Path, browser, dot_program: str
) -> None:
    require("nbconvert")
    require("ipykernel")
    require("anywidget")
    notebook = write_notebook(tmp_path)
    # nbconvert's template loads require.js, MathJax and the widget manager from a CDN;
    # an empty local script in their place keeps the page offline, so any request that
    # leaves the machine would be the viewer's.
    (tmp_path / "offline.js").write_text("")
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "nbconvert",
        "--to",
        "html",
        "--execute",
        "--ExecutePreprocessor.timeout=120",
        "--HTMLExporter.require_js_url=offline.js",
        "--HTMLExporter.mathjax_url=offline.js",
        "--HTMLExporter.widget_renderer_url=offline.js",
        "--output-dir",
        str(tmp_path),
        str(notebook),
    ]
    home = tmp_path / "jupyter"
    done = subprocess.run(
        command, env=isolated_env(home), capture_output=True, text=True, timeout=150, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert leftovers(home) == []
    page = browser.new_page(viewport={"width": WIDTHS[0], "height": 900})
    page.set_default_timeout(STEP_MS)
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.route(re.compile(r"^(?!file:|data:)"), lambda route: route.abort())
    page.goto((tmp_path / "viewer.html").as_uri())
    page.wait_for_function(
        "n => document.querySelectorAll('.stepgrad-viewer.sg-ready').length >= n", arg=3
    )
    assert page.locator(".jp-OutputArea-output").first.text_content().strip() == sys.prefix
    # The anywidget output stays empty: a static page has no widget manager to draw it.
    assert page.locator(".stepgrad-viewer").count() == 3
    quiz = page.locator(".stepgrad-viewer.sg-ready").last
    assert quiz.locator(".sg-score").text_content() == "score: 0 of 5 right"
    for viewer in page.locator(".stepgrad-viewer.sg-ready").all():
        viewer.scroll_into_view_if_needed()
        assert viewer.locator(".sg-canvas svg").count() == 1
        last = re.fullmatch(r"step 0 of (\d+)", number(viewer)).group(1)
        viewer.locator("[data-action=next]").click()
        assert number(viewer) == f"step 1 of {last}"
        assert viewer.evaluate("v => v.scrollWidth <= v.clientWidth")
    page.screenshot(path=SHOTS / "jupyter-nbconvert.png", full_page=True)
    page.close()
    assert errors == []
    assert [url for url in requests if not url.startswith(("file:", "data:"))] == []
