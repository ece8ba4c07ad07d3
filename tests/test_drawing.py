"""Drawing graphs: labels, messages, fan-out sums, determinism, escaping, summaries of
large graphs, and no-dot help."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import OPS, Value
from autograd.drawing import draw
from autograd.testing.strategies import Graph, graphs


def lecture_example() -> tuple[Value, Value]:
    """Lecture 003: z = w x + b, y = σ(z), L = ½ (y - t)²."""
    w, x, b = Value(0.5, label="w"), Value(1.5, label="x"), Value(-0.2, label="b")
    z = w * x + b
    z.label = "z"
    y = z.sigmoid()
    y.label = "y"
    loss = 0.5 * (y - 1.0) ** 2
    loss.label = "L"
    return w, loss


def test_values_ops_and_messages_are_written() -> None:
    _, loss = lecture_example()
    loss.backward()
    source = draw(loss).source
    assert "<b>w</b></td><td>data 0.5</td><td>grad -0.1273" in source
    for op_text in ["<*>", "<+>", "<σ>", "<- 1>", "<** 2>", "<0.5 *>"]:
        assert re.search(rf"\[label={re.escape(op_text)} id=v\d+op shape=ellipse\]", source)
    assert "1.5 × -0.08488 = -0.1273" in source


def test_before_backward_grads_are_not_zeros() -> None:
    _, loss = lecture_example()
    source = draw(loss).source
    assert "grad ? (run backward)" in source and "grad 0<" not in source
    assert " × " not in source


def test_each_use_is_an_edge_and_fan_out_sums_its_messages() -> None:
    a = Value(3.0, label="a")
    square = a * a
    square.backward()
    source = draw(square).source
    assert source.count("v0 -> v1op") == 2
    assert source.count("3 × 1 = 3") == 2
    assert "grad 3 + 3 = 6" in source


def test_views() -> None:
    _, loss = lecture_example()
    loss.backward()
    forward, backward = draw(loss, show="forward").source, draw(loss, show="backward").source
    assert "data 0.5" in forward and "grad" not in forward and " × " not in forward
    assert "data" not in backward and "grad -0.1273" in backward
    with pytest.raises(ValueError, match="draw: show must be one of both, forward, backward"):
        draw(loss, show="sideways")


def test_params_and_constants_from_the_table() -> None:
    x = Value(-1.0)
    texts = {
        "leaky_relu α=0.1": x.leaky_relu(0.1),
        "elu α=1": x.elu(),
        "1 -": 1 - x,
        "2 **": 2.0**x,
        "Σ (4)": autograd.sum([x, x, 4.0]),
        "Σ w·x (784 constants)": autograd.dot([x] * 784, [0.5] * 784),
        OPS["tanh"].symbol: x.tanh(),
    }
    for text, node in texts.items():
        assert (
            f"v{len(autograd.topological_order(node)) - 1}op [label=<{text}>" in draw(node).source
        )


def test_the_same_graph_gives_the_same_source() -> None:
    first, second = lecture_example()[1], lecture_example()[1]
    first.backward()
    second.backward()
    assert draw(first).source == draw(second).source
    assert draw(first).source == draw(first).source


def test_highlight_outlines_a_value() -> None:
    w, loss = lecture_example()
    assert draw(loss, highlight=[w]).source.count("color=red") == 1


NUMBER = r"-?[\d.]+(?:e[+-]?\d+)?|-?inf|nan"


@given(graphs())
def test_messages_on_the_edges_sum_to_the_gradient_on_the_node(graph: Graph) -> None:
    root = graph.root
    root.backward()
    source = draw(root).source
    sent: dict[str, list[str]] = {}
    for tail, a, b, c in re.findall(
        rf"(v\d+) -> v\d+op \[label=<({NUMBER}) × ({NUMBER}) = ({NUMBER})>", source
    ):
        assert float(c) == pytest.approx(float(a) * float(b), rel=2e-3, abs=1e-9)
        sent.setdefault(tail, []).append(c)
    for name, label in re.findall(r"(v\d+) \[label=<<table.*?grad ([^<]*)</td>", source):
        parts = label.split(" = ")
        if "more" in label:
            assert len(sent[name]) > autograd.scene.MAX_TERMS
        elif len(parts) == 2:
            first, *rest = re.split(r" ([+-]) ", parts[0])
            signs, numbers = rest[::2], rest[1::2]
            summands = [first] + [sign.strip("+") + n for sign, n in zip(signs, numbers)]
            assert sorted(summands) == sorted(sent[name])
            total = sum(map(float, summands))
            scale = max(abs(float(s)) for s in summands)
            assert total == pytest.approx(float(parts[1]), abs=2e-3 * scale + 1e-12)
        elif name in sent:
            assert sent[name] == [parts[0]]


def test_renders_with_dot(dot_program: str) -> None:
    _, loss = lecture_example()
    loss.backward()
    svg = draw(loss).pipe(format="svg").decode()
    assert svg.startswith("<?xml") and "0.5 *" in svg


@settings(max_examples=40)
@given(st.text(max_size=12))
def test_any_label_renders(dot_program: str, label: str) -> None:
    x = Value(1.0, label=label)
    y = x.tanh()
    y.label = label
    y.backward()
    assert draw(y).pipe(format="svg").startswith(b"<?xml")


def test_without_dot_the_source_and_the_install_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    _, loss = lecture_example()
    drawing = draw(loss)
    bundle = drawing._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert (
        bundle["text/plain"].startswith("digraph {")
        and "sudo apt-get install graphviz" in bundle["text/plain"]
    )
    with pytest.raises(RuntimeError, match="draw: rendering needs Graphviz"):
        drawing.render(tmp_path / "graph", format="svg")
    assert not list(tmp_path.glob("graph.svg"))


def model_loss(sizes: list[int], samples: int) -> Value:
    from nn import MLP

    model = MLP(sizes[0], sizes[1:], init="xavier", seed=0)
    inputs = [[0.01 * (i + j) - 0.3 for j in range(sizes[0])] for i in range(samples)]
    outputs = [model(x) for x in inputs]
    loss = autograd.sum([y for out in outputs for y in (out if isinstance(out, list) else [out])])
    loss.backward()
    return loss


def test_model_nodes_are_clustered_by_layer_and_neuron() -> None:
    source = draw(model_loss([2, 2, 1], 1)).source
    assert "subgraph cluster_model {" in source and "subgraph cluster_layers_0 {" in source
    assert "subgraph cluster_layers_0_neurons_1 {" in source
    assert "label=<layers.0.neurons.1>" in source
    assert "<b>w.0</b>" in source and "<b>layers.0.neurons.1.w.0</b>" not in source
    assert 'tooltip="layers.0.neurons.1.w.0"' in source
    assert source.index("subgraph cluster_layers_0 {") < source.index("cluster_layers_0_neurons_1")


def test_large_graphs_collapse_neurons_then_layers() -> None:
    loss = model_loss([4, 6, 6, 2], 3)
    full = draw(loss, max_nodes=10_000).source
    assert "b0 [" not in full and "boxes" not in full
    neurons = draw(loss, max_nodes=60).source
    assert "layers.0.neurons.5: " in neurons and "modules); max_nodes=60" in neurons
    layers = draw(loss, max_nodes=10).source
    assert "layers.0: " in layers and "neurons" not in layers
    assert re.search(r"[\d,]+ of [\d,]+ nodes in 3 boxes \(3 modules\); max_nodes=10", layers)


def test_an_mnist_sized_sample_draws_as_three_layer_boxes(dot_program: str) -> None:
    drawing = draw(model_loss([784, 128, 256, 10], 1))
    assert re.search(r"[\d,]+ of [\d,]+ nodes in 3 boxes", drawing.source)
    assert len(drawing.source) < 10_000
    assert drawing.pipe(format="svg").startswith(b"<?xml")


def test_a_builtin_sum_collapses_into_one_box_of_its_terms() -> None:
    x = Value(0.5, label="x")
    y = sum(x * float(i) for i in range(100))
    y.backward()
    source = draw(y).source
    assert "Σ 101 terms (100 nodes): Σ n200" in source and "data 2475" in source
    assert "x</b></td><td>data 0.5</td><td>grad 99 + 98 + 97 + … 95 more + 1 + 0 = 4950" in source
    inside = draw(y, expand="Σ n200").source
    assert inside.count("shape=ellipse") == 100 and inside.count("<i>input</i>") == 37
    assert "63 more inputs" in inside and "63 of 100 inputs drawn as one" in inside


def test_far_from_the_root_is_one_box_that_opens() -> None:
    x = Value(0.1, label="x")
    y = x
    for _ in range(2_000):
        y = y.tanh()
    y.backward()
    drawing = draw(y, max_nodes=50)
    source = drawing.source
    assert "1,952 nodes farther from the root: more" in source
    assert "1,952 of 2,001 nodes in 1 box (1 box of the farthest nodes); max_nodes=50" in source
    assert len(drawing.scene.nodes) == 49
    inside = draw(y, max_nodes=50, expand="more").source
    assert "<b>n1951</b>" in inside and "<b>n1952</b>" not in inside
    deeper = draw(y, max_nodes=50, expand=["more", "more"]).source
    assert "farther from the root" in deeper
    with pytest.raises(
        ValueError, match=r"draw: expand: no box 'layers.0' in more; its boxes: 'more'"
    ):
        draw(y, max_nodes=50, expand=["more", "layers.0"])


def test_unlabelled_nodes_carry_the_steppers_names() -> None:
    x = Value(2.0, label="x")
    y = (x * 3.0).tanh()
    stepper = autograd.Stepper(y)
    source = draw(y).source
    for node in autograd.topological_order(y):
        assert f"<b>{stepper.names[node]}</b>" in source
    assert "<b>n1</b>" in source and "<b>n2</b>" in source


def test_the_fan_out_sum_adds_up_after_several_passes() -> None:
    a = Value(3.0, label="a")
    square = a * a
    square.backward()
    square.backward()
    source = draw(square).source
    assert "grad 3 + 3 + 6 (earlier passes) = 12" in source
    assert "grad 1<" in source


def test_long_and_strange_labels_draw(dot_program: str) -> None:
    long = Value(1.0, label="w" * 20_000)
    odd = Value(2.0, label="a\x00b\nc<d>&")
    y = long * odd
    y.backward()
    source = draw(y).source
    assert "<b>" + "w" * 39 + "…</b>" in source and "w" * 201 not in source
    assert "aU+0000bU+000Ac&lt;d&gt;&amp;" in source and "\x00" not in source
    assert draw(y).pipe(format="svg").startswith(b"<?xml")


def test_a_value_used_five_thousand_times_draws(dot_program: str) -> None:
    x = Value(1.0, label="x")
    y = autograd.sum([x] * 5_000)
    y.backward()
    drawing = draw(y)
    assert "grad 1 + 1 + 1 + … 4,995 more + 1 + 1 = 5000" in drawing.source
    assert '[label="×5000" id=x0]' in drawing.source
    assert drawing.pipe(format="svg").startswith(b"<?xml")


def test_a_label_must_be_a_string() -> None:
    with pytest.raises(TypeError, match=r"Value: label must be a str, got 5 \(int\)"):
        Value(1.0, label=5)


def test_a_negative_message_is_subtracted_in_the_sum() -> None:
    z = Value(0.5, label="z")
    loss = z * 2.0 - z
    loss.backward()
    assert "grad -1 + 2 = 1" in draw(loss).source


def test_a_failed_render_loses_nothing(
    tmp_path, dot_program: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, loss = lecture_example()
    target = tmp_path / "graph.svg"
    target.write_text("the drawing of yesterday")

    def interrupted(source: str, destination: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        draw(loss).render(tmp_path / "graph", cleanup=True)
    assert target.read_text() == "the drawing of yesterday"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.svg"]


def test_render_writes_svg_by_default_as_micrograds_draw_dot(tmp_path, dot_program: str) -> None:
    _, loss = lecture_example()
    path = draw(loss, format="svg", rankdir="TB").render(tmp_path / "gout")
    assert path == str(tmp_path / "gout.svg") and (tmp_path / "gout").read_text().startswith(
        "digraph"
    )
    assert (tmp_path / "gout.svg").read_text().startswith("<?xml")


def test_two_runs_with_one_label_are_two_boxes() -> None:
    x = Value(0.5, label="x")
    first = sum(x * float(i) for i in range(50))
    second = sum(x * float(-i) for i in range(50))
    first.label = second.label = "s"
    total = first * second
    total.backward()
    boxes = draw(total).scene.boxes
    assert [b.title().split(":")[0] for b in boxes] == ["Σ 51 terms (50 nodes)"] * 2
    assert len({b.key for b in boxes}) == 2


def test_a_module_box_opens_by_the_name_it_shows() -> None:
    loss = model_loss([4, 6, 6, 2], 3)
    inside = draw(loss, max_nodes=10, expand=["layers.0", "neurons.1"]).scene
    assert inside.path == ("layers.0", "layers.0.neurons.1")
    shown = draw(loss, max_nodes=10, expand="layers.0").source
    assert "neurons.1: " in shown


def test_the_box_of_the_farthest_nodes_is_in_no_module() -> None:
    from nn import MLP

    model = MLP(3, [4, 4, 1], seed=0)
    loss = model([0.1, 0.2, 0.3])
    for _ in range(12):
        loss = loss.tanh()
    loss.backward()
    scene = draw(loss, max_nodes=10).scene
    more = next(b for b in scene.boxes if b.kind == "more")
    assert more not in scene.modules
    inside = draw(loss, max_nodes=10, expand="more").scene
    assert inside.base == "" and {b.key for b in inside.boxes} >= {"layers.0", "layers.1"}


def test_grads_from_another_roots_pass_are_said_to_be() -> None:
    w, x, h = Value(2.0, label="w"), Value(0.5, label="x"), Value(3.0, label="h")
    z = (w * x).tanh()
    z.label = "z"
    loss = 2.0 * z + h * w
    loss.backward()
    source = draw(z).source
    assert "grads from a pass from another root" in source
    assert "(from outside this graph)" in source and "earlier passes" not in source


def test_a_drawing_lays_out_the_same_note_every_time() -> None:
    loss = model_loss([4, 6, 6, 2], 3)
    drawing = draw(loss, max_nodes=10)
    first = drawing.note
    draw(loss, max_nodes=10)
    assert draw(loss, max_nodes=10).note == first == drawing.scene.note


def test_a_written_file_has_the_permissions_of_a_new_file(tmp_path, dot_program: str) -> None:
    x = Value(1.0, label="x")
    previous = os.umask(0o022)
    try:
        path = Path(draw(x * 2.0).render(tmp_path / "graph", cleanup=True))
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        path.chmod(0o600)
        draw(x * 3.0).render(tmp_path / "graph", cleanup=True)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    finally:
        os.umask(previous)
