"""Stepper: one step per node forward and per edge backward, equations, exact gradients."""

from __future__ import annotations

import re

import pytest
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


def test_the_viewer_shows_the_passes_part_way(dot_program: str) -> None:
    stepper = small_stepper()
    viewer = stepper.show(2)
    place = {node: i for i, node in enumerate(topological_order(stepper.root))}
    at = viewer.texts_at
    w, s, y = (next(n for n in place if n.label == name) for name in "wsy")
    assert at(2)[f"d{place[s]}"] == "data 0.75" and at(2)[f"d{place[y]}"] == "data ?"
    assert not any(text for key, text in at(2).items() if key.startswith("m"))
    first = at(4)
    assert [text for key, text in first.items() if key.startswith("m") and text] == [
        "0.2179 × 1 = 0.2179"
    ]
    assert first[f"g{place[y]}"] == "grad 1" and first[f"g{place[w]}"] == "grad ?"
    last = at(len(stepper) - 1)
    assert last[f"d{place[w]}"] == "data 0.5 → 0.4673"
    assert viewer.data["start"] == 2 and len(viewer.data["steps"]) == len(stepper)


def test_one_sample_through_an_nn_model_steps_in_clusters(dot_program: str) -> None:
    from nn import MLP, losses

    model = MLP(2, [2, 1], seed=0)
    loss = losses.sse(model([0.5, -1.0]), 1.0)
    stepper = Stepper(loss, learning_rate=0.1, parameters=model.parameters())
    svg = stepper.show().data["views"][0]["svg"]
    assert "cluster_layers_0_neurons_1" in svg
    updates = [step for step in stepper if step.phase == "update"]
    assert [step.node for step in updates] == model.parameters()


def test_the_viewer_can_be_laid_out_top_to_bottom(dot_program: str) -> None:
    _, _, loss = lecture_example()

    def size(rankdir: str) -> tuple[float, float]:
        svg = Stepper(loss, rankdir=rankdir).show(3).data["views"][0]["svg"]
        width, height = re.search(r'viewBox="0.00 0.00 ([\d.]+) ([\d.]+)"', svg).groups()
        return float(width), float(height)

    (tall_width, tall_height), (wide_width, wide_height) = size("TB"), size("LR")
    assert tall_width < wide_width and tall_height > wide_height
