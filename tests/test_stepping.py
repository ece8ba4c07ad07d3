"""Stepper: one step per node forward and per edge backward, equations, exact gradients."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import require
from hypothesis import given

from autograd import Stepper, Value, edges, topological_order
from autograd.testing.strategies import Graph, graphs


def lecture_example() -> tuple[Value, Value, Value]:
    w, x, b = Value(0.5, label="w"), Value(1.5, label="x"), Value(-0.2, label="b")
    z = w * x + b
    z.label = "z"
    loss = 0.5 * (z.sigmoid() - 1.0) ** 2
    loss.label = "L"
    return w, b, loss


def test_one_step_per_node_forward_and_per_edge_backward() -> None:
    w, b, loss = lecture_example()
    stepper = Stepper(loss, learning_rate=0.1, parameters=[w, b])
    phases = [step.phase for step in stepper]
    assert phases.count("forward") == len(topological_order(loss))
    assert phases.count("backward") == len(edges(loss))
    assert phases.count("update") == 2
    assert phases == sorted(phases, key=["forward", "backward", "update"].index)


def test_equations_in_the_lectures_notation() -> None:
    w, _, loss = lecture_example()
    equations = [step.equation for step in Stepper(loss, learning_rate=0.1, parameters=[w])]
    assert "w = 0.5" in equations
    assert "z = n3 + b = 0.75 + (-0.2) = 0.55" in equations
    assert "δ_b += δ_z · ∂z/∂b = (-0.08488) · 1 = -0.08488" in equations
    assert "w ← w − η δ_w = 0.5 − 0.1 · (-0.1273) = 0.5127" in equations


def test_fan_out_shows_the_running_total() -> None:
    a = Value(3.0, label="a")
    square = a * a
    square.label = "q"
    backward = [step.equation for step in Stepper(square) if step.phase == "backward"]
    assert backward == [
        "δ_a += δ_q · ∂q/∂a = 1 · 3 = 3",
        "δ_a += δ_q · ∂q/∂a = 1 · 3 = 3  (δ_a = 6)",
    ]


def test_steps_carry_their_numbers() -> None:
    _, _, loss = lecture_example()
    for step in Stepper(loss):
        value = f"{step.value:.4g}"
        assert step.equation.endswith(value) or step.equation.endswith(f"= {value})")
        if step.phase == "backward":
            message = f"{step.local_grad * step.upstream:.4g}"
            assert f"= {message}" in step.equation


@given(graphs(kinks=True))
def test_after_the_last_step_the_gradients_are_backwards_exactly(graph: Graph) -> None:
    root = graph.root
    stepper = Stepper(root)
    assert all(node.grad == 0.0 for node in topological_order(root))
    root.backward()
    assert all(stepper.grads[node] == node.grad for node in topological_order(root))


def test_tables() -> None:
    _, _, loss = lecture_example()
    stepper = Stepper(loss)
    text = stepper.table().splitlines()
    assert len(text) == len(stepper) and text[0] == "   0  forward   w = 0.5"
    markdown = stepper.table(markdown=True).splitlines()
    assert markdown[:3] == [
        "| step | phase | equation |",
        "|---:|---|---|",
        "| 0 | forward | `w = 0.5` |",
    ]
    assert stepper[0].equation == "w = 0.5"


@pytest.mark.parametrize(
    ("make", "text"),
    [
        (
            lambda x: x.leaky_relu(0.1),
            "n1 = leaky_relu(x, alpha=0.1) = leaky_relu(-2, alpha=0.1) = -0.2",
        ),
        (lambda x: 1 - x, "n1 = 1 - x = 1 - (-2) = 3"),
        (lambda x: x**3, "n1 = x ** 3 = (-2) ** 3 = -8"),
    ],
)
def test_ops_with_constants(make, text: str) -> None:
    x = Value(-2.0, label="x")
    assert Stepper(make(x))[1].equation == text


def small_stepper() -> Stepper:
    w, x = Value(0.5, label="w"), Value(1.5, label="x")
    s = w * x
    s.label = "s"
    y = s.sigmoid()
    y.label = "y"
    return Stepper(y, learning_rate=0.1, parameters=[w])


def test_frames_show_the_passes_part_way() -> None:
    stepper = small_stepper()
    forward = stepper.frame(2).source
    assert forward.count("data ?") == 1 and "step 2: s = w * x" in forward
    assert " × " not in forward
    first_message = stepper.frame(4).source
    assert "step 4: δ_s += δ_y" in first_message
    assert first_message.count(" × ") == 1 and "color=red" in first_message
    assert "grad ?" in first_message
    last = stepper.frame(len(stepper) - 2).source
    assert last.count(" × ") == 3 and "grad ?" not in last


def test_to_html_is_one_page_with_every_frame(tmp_path, dot_program: str) -> None:
    stepper = small_stepper()
    path = stepper.to_html(str(tmp_path / "steps.html"))
    page = Path(path).read_text(encoding="utf-8")
    assert page.count('class="step"') == len(stepper) == 8
    assert page.count("<svg") == len(stepper) and "<script>" in page
    assert not re.search(r"""(src|href)=["']?https?:""", page) and "<link" not in page


def test_widget_redraws_at_each_step(dot_program: str) -> None:
    require("ipywidgets")
    stepper = small_stepper()
    box = stepper.widget()
    controls, picture = box.children
    slider = controls.children[-1]
    assert "step 0: w = 0.5" in picture.value
    slider.value = 4
    assert "step 4: δ_s += δ_y" in picture.value
    controls.children[2].click()
    assert slider.value == 5 and "step 5:" in picture.value


def test_widget_without_ipywidgets_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match=r"pip install 'stepgrad\[jupyter\]'"):
        small_stepper().widget()


def test_the_html_page_steps_in_a_real_browser(tmp_path, dot_program: str, chromium: str) -> None:
    """Load the page in headless Chromium, press next, and see the next frame."""
    sync_api = require("playwright.sync_api")
    path = Path(small_stepper().to_html(str(tmp_path / "steps.html")))
    flags = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=flags)
        page = browser.new_page()
        requests = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(path.as_uri())
        assert page.is_visible("#step0") and not page.is_visible("#step1")
        page.click("#next")
        assert page.is_visible("#step1") and not page.is_visible("#step0")
        assert page.text_content("#number") == "1"
        page.fill("#slider", "5")
        page.dispatch_event("#slider", "input")
        assert page.is_visible("#step5")
        browser.close()
    assert all(url.startswith("file:") for url in requests)


def test_one_sample_through_an_nn_model_steps_in_clusters() -> None:
    from nn import MLP, losses

    model = MLP(2, [2, 1], seed=0)
    loss = losses.sse(model([0.5, -1.0]), 1.0)
    stepper = Stepper(loss, learning_rate=0.1, parameters=model.parameters())
    frame = stepper.frame(len(stepper) - 1).source
    assert "subgraph cluster_layers_0_neurons_1 {" in frame
    updates = [step for step in stepper if step.phase == "update"]
    assert [step.node for step in updates] == model.parameters()


def test_frames_can_be_laid_out_top_to_bottom() -> None:
    _, _, loss = lecture_example()
    assert "rankdir=TB" in Stepper(loss, rankdir="TB").frame(3).source
    assert "rankdir=LR" in Stepper(loss).frame(3).source
