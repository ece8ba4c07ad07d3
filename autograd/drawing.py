"""Draw a computation graph with graphviz: values on nodes, backward messages on edges.

Each Value is a box with its label, data and grad; each op is an ellipse with its symbol
and constants (`** 2`, `leaky_relu α=0.01`, `* 0.5`), read from the op table. Every use of
a value is its own edge, so `a * a` has two. In the backward view an edge from a value to
the op that used it carries the message that op sent back, written so it can be checked by
hand: local derivative × upstream gradient = message. A value used several times shows its
messages adding up to its gradient: the `+=` of backward.

Node names come from the topological order, so the same graph always gives the same DOT
source. This module only reads the graph, and imports graphviz, which `import autograd`
does not.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import graphviz

from autograd.graph import edges, topological_order
from autograd.value import Value

INSTALL = "install Graphviz's dot program: sudo apt-get install graphviz (or graphviz.org/download)"
SHOWS = ("both", "forward", "backward")
PARAM_PREFIXES = {"alpha": "α=", "exponent": ""}
"""How an op node writes its params: `leaky_relu α=0.01`, `** 2`; others as `name=value`."""


class GraphvizMissing(RuntimeError):
    """Rendering needs Graphviz's `dot` program, and it is not installed."""


class Drawing(graphviz.Digraph):
    """A `graphviz.Digraph` that says how to install Graphviz instead of failing obscurely.

    Jupyter shows it as SVG; without the `dot` program it shows the DOT source and the
    install command. `render` and `pipe` raise `GraphvizMissing` (a RuntimeError) that
    says what to install.
    """

    def _repr_mimebundle_(self, include=None, exclude=None, **options):
        try:
            return super()._repr_mimebundle_(include, exclude, **options)
        except GraphvizMissing:
            return {"text/plain": f"{self.source}\n// to see this drawing, {INSTALL}"}

    def render(self, *args, **kwargs):
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizMissing(f"draw: rendering needs Graphviz: {INSTALL}") from None

    def pipe(self, *args, **kwargs):
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise GraphvizMissing(f"draw: rendering needs Graphviz: {INSTALL}") from None


@dataclass(frozen=True)
class Snapshot:
    """The passes part way through, as a stepper draws them: the nodes whose data is
    `known`, the gradients received so far (`grads`; a node missing has none yet), the
    edges whose messages were `sent`, as (consumer, position), and the `active` one."""

    known: frozenset[Value]
    grads: Mapping[Value, float]
    sent: frozenset[tuple[Value, int]]
    active: tuple[Value, int] | None = None


def draw(
    root: Value,
    *,
    show: str = "both",
    rankdir: str = "LR",
    highlight: Iterable[Value] = (),
    max_nodes: int = 150,
    snapshot: Snapshot | None = None,
) -> Drawing:
    """The graph of `root` as a graphviz Digraph (Jupyter displays it; `.render(path,
    format="svg")` writes a file). It prints nothing and writes nothing by itself.

    `show` picks what is written: "forward" (data), "backward" (grads and the messages on
    the edges) or "both". Before `root.backward()` has run, grads show as not yet computed.
    `highlight` lists values to outline in red, e.g. the one a stepper is at, and
    `snapshot` draws the passes part way through (see `Stepper.frame`).

    Nodes made inside an `nn` model are grouped into clusters (model, layer, neuron), read
    from the labels `nn` gives its parameters ("layers.0.neurons.3.w.2"). A graph of more
    than `max_nodes` values draws each neuron as one box with its output's data and grad,
    then each layer, and says what it collapsed.

    >>> x = Value(3.0, label="x")
    >>> y = x * x
    >>> y.backward()
    >>> print(draw(y, show="backward").source.count("3 × 1 = 3"))
    2
    """
    if show not in SHOWS:
        raise ValueError(f"draw: show must be one of {', '.join(SHOWS)}, got {show!r}")
    order = topological_order(root)
    computed = (root.grad != 0.0 or snapshot is not None) and show != "forward"
    grads = snapshot.grads if snapshot else {node: node.grad for node in order}
    messages: dict[Value, list[float]] = {node: [] for node in order}
    for edge in edges(root):
        if snapshot is None or (edge.consumer, edge.position) in snapshot.sent:
            messages[edge.parent].append(edge.local_grad * grads[edge.consumer])
    marked = set(highlight)
    drawing = Drawing(
        graph_attr={"rankdir": rankdir},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9"},
    )
    clusters = module_paths(order)
    boxes = _collapse(order, clusters, max_nodes)
    names = {
        node: _box_name(boxes[node]) if node in boxes else f"v{i}" for i, node in enumerate(order)
    }
    placed: dict[str | None, list[tuple[str, str, dict[str, str]]]] = {}

    def place(path: str | None, name: str, label: str, **attributes: str) -> None:
        placed.setdefault(path, []).append((name, label, attributes))

    for path, (outputs, size) in _boxes(order, boxes, root).items():
        lines = [_escape(f"{path}: {size} nodes")]
        if len(outputs) == 1:
            lines.append(f"output data {_number(outputs[0].data)}")
            if computed:
                lines.append(f"grad {_number(outputs[0].grad)}")
        else:
            lines.append(f"{len(outputs)} outputs")
        place(
            _parent_path(path),
            _box_name(path),
            f"<{'<br/>'.join(lines)}>",
            shape="box",
            style="rounded",
        )
    for node in order:
        if node in boxes:
            continue
        name, path = names[node], clusters.get(node)
        style = {"color": "red", "penwidth": "2"} if node in marked else {}
        place(
            path,
            name,
            _value_label(node, show, computed, messages[node], path, grads, snapshot),
            shape="plaintext",
            **style,
        )
        if node.op is not None:
            place(path, f"{name}op", _text(_op_text(node)), shape="ellipse")
    _emit(drawing, placed)
    between_boxes: set[tuple[str, str]] = set()
    for node in order:
        if node.op is None:
            continue
        if node not in boxes:
            drawing.edge(f"{names[node]}op", names[node])
        for position, (parent, local_grad) in enumerate(zip(node.parents, node.local_grads)):
            if node not in boxes and parent not in boxes:
                sent = snapshot is None or (node, position) in snapshot.sent
                label = _message(local_grad, grads[node]) if computed and sent else ""
                active = snapshot is not None and snapshot.active == (node, position)
                style = {"color": "red", "fontcolor": "red", "penwidth": "2"} if active else {}
                drawing.edge(names[parent], f"{names[node]}op", label=label, **style)
                continue
            head = names[node] if node in boxes else f"{names[node]}op"
            pair = (names[parent], head)
            if pair[0] != pair[1] and pair not in between_boxes:
                between_boxes.add(pair)
                drawing.edge(*pair)
    if boxes:
        drawing.attr(
            label=f"collapsed {len(boxes)} of {len(order)} nodes into "
            f"{len(set(boxes.values()))} boxes (max_nodes={max_nodes})",
            labelloc="t",
        )
    return drawing


def module_paths(order: list[Value]) -> dict[Value, str]:
    """The `nn` module each node was made in, for the nodes made in one.

    A parameter's label names its module ("layers.0.neurons.3.w.2" is in
    "layers.0.neurons.3"); a node made from a parameter is in that parameter's module, and
    a node of a table op whose parents all are in one module is in it too (the activation).
    """
    paths: dict[Value, str] = {}
    for node in order:
        if not node.parents:
            path = _module_of(node.label)
            if path is not None:
                paths[node] = path
            continue
        owners = [paths[p] for p in node.parents if not p.parents and p in paths]
        if owners:
            paths[node] = owners[0]
            continue
        first = paths.get(node.parents[0])
        if (
            first is not None
            and node.op.base is None
            and all(p.parents and paths.get(p) == first for p in node.parents)
        ):
            paths[node] = first
    return paths


def _module_of(label: str) -> str | None:
    """ "layers.0.neurons.3.w.2" -> "layers.0.neurons.3"; None for labels not of that form."""
    parts = label.split(".")
    parts = parts[:-2] if parts[-1].isdigit() else parts[:-1]
    if not parts or len(parts) % 2 or not all(part.isdigit() for part in parts[1::2]):
        return None
    return ".".join(parts)


def _parent_path(path: str) -> str | None:
    parts = path.split(".")
    return ".".join(parts[:-2]) or None


def _collapse(order: list[Value], clusters: dict[Value, str], max_nodes: int) -> dict[Value, str]:
    """The module path of the box each collapsed node is drawn in: while more than
    `max_nodes` things would be drawn, the deepest modules (neurons, then layers) collapse."""
    boxes: dict[Value, str] = {}
    paths = dict(clusters)
    while paths and len(order) - len(boxes) + len(set(boxes.values())) > max_nodes:
        depth = max(path.count(".") for path in paths.values())
        for node, path in paths.items():
            if path.count(".") == depth:
                boxes[node] = path
        paths = {node: _parent_path(path) for node, path in paths.items() if _parent_path(path)}
    return boxes


def _box_name(path: str) -> str:
    return "box_" + path.replace(".", "_")


def _boxes(
    order: list[Value], boxes: dict[Value, str], root: Value
) -> dict[str, tuple[list[Value], int]]:
    """Per box path: its outputs (members used outside the box, or the root) and its size."""
    used_outside: set[Value] = {root}
    for node in order:
        for parent in node.parents:
            if parent in boxes and boxes.get(node) != boxes[parent]:
                used_outside.add(parent)
    members: dict[str, list[Value]] = {}
    for node in order:
        if node in boxes:
            members.setdefault(boxes[node], []).append(node)
    return {
        path: ([n for n in nodes if n in used_outside], len(nodes))
        for path, nodes in members.items()
    }


def _emit(drawing: graphviz.Digraph, placed: dict) -> None:
    """The nodes of each module path inside nested clusters (model, layer, neuron), the
    others outside."""
    for name, label, attributes in placed.get(None, []):
        drawing.node(name, label, **attributes)
    tops = sorted({".".join(path.split(".")[:2]) for path in placed if path})
    if tops:
        with drawing.subgraph(name="cluster_model") as model:
            model.attr(label="model", style="rounded", color="grey")
            for top in tops:
                _cluster(model, top, placed)


def _cluster(graph: graphviz.Digraph, path: str, placed: dict) -> None:
    with graph.subgraph(name=f"cluster_{path.replace('.', '_')}") as sub:
        sub.attr(label=_escape(path), style="rounded", color="grey")
        for name, label, attributes in placed.get(path, []):
            sub.node(name, label, **attributes)
        depth = path.count(".") + 2
        children = {
            ".".join(p.split(".")[: depth + 1])
            for p in placed
            if p and p.startswith(path + ".") and p.count(".") >= depth
        }
        for child in sorted(children):
            _cluster(sub, child, placed)


def _value_label(
    node: Value,
    show: str,
    computed: bool,
    messages: list[float],
    path: str | None,
    grads: Mapping[Value, float],
    snapshot: Snapshot | None,
) -> str:
    cells = []
    if node.label:
        short = (
            node.label[len(path) + 1 :]
            if path and node.label.startswith(path + ".")
            else node.label
        )
        cells.append(f"<b>{_escape(short)}</b>")
    if show != "backward":
        known = snapshot is None or node in snapshot.known
        cells.append(f"data {_number(node.data)}" if known else "data ?")
    if show != "forward":
        if snapshot is not None and node not in grads:
            cells.append("grad ?")
        else:
            cells.append(f"grad {_grad(grads.get(node, 0.0), computed, messages)}")
    row = "".join(f"<td>{cell}</td>" for cell in cells)
    return (
        f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="4"><tr>{row}</tr></table>>'
    )


def _grad(grad: float, computed: bool, messages: list[float]) -> str:
    if not computed:
        return "? (run backward)"
    if len(messages) < 2:
        return _number(grad)
    first, *rest = messages
    total = _number(first) + "".join(
        f" - {_number(-m)}" if m < 0 else f" + {_number(m)}" for m in rest
    )
    return f"{total} = {_number(grad)}"


def _op_text(node: Value) -> str:
    op = node.op
    constants = [_number(c) for c in node.params]
    if op.base is not None:
        return (
            f"{op.symbol} {constants[0]}"
            if op.constant_position == 1
            else f"{constants[0]} {op.symbol}"
        )
    if op.params:
        named = [f"{PARAM_PREFIXES.get(k, k + '=')}{v}" for k, v in zip(op.params, constants)]
        return " ".join([op.symbol, *named])
    if constants:
        shown = ", ".join(constants) if len(constants) <= 3 else f"{len(constants)} constants"
        return f"{op.symbol} ({shown})"
    return op.symbol


def _message(local_grad: float, upstream: float) -> str:
    return _text(f"{_number(local_grad)} × {_number(upstream)} = {_number(local_grad * upstream)}")


def _number(x: float) -> str:
    """Four significant digits; -0.0 (such as 0 · -1) is shown as 0."""
    return f"{x + 0.0:.4g}"


def _text(text: str) -> str:
    return f"<{_escape(text)}>"


def _escape(text: str) -> str:
    """Any string as HTML-like label text: markup escaped, line breaks kept, and control
    or unencodable characters written as their code (U+0000)."""
    lines = (
        "".join(c if unicodedata.category(c)[0] != "C" else f"U+{ord(c):04X}" for c in line)
        for line in text.split("\n")
    )
    return "<br/>".join(html.escape(line) for line in lines)


def lecture_figures(folder: str) -> list[str]:
    """Write the drawings of lecture 003's regularized logistic least squares to `folder`:
    z = w x + b, y = σ(z), L = ½ (y - t)², R = ½ w², L_reg = L + λ R, after backward, in the
    forward and the backward view. Returns the files written."""
    from pathlib import Path

    w, x, b = Value(0.5, label="w"), Value(1.5, label="x"), Value(-0.2, label="b")
    z = w * x + b
    y = z.sigmoid()
    loss = 0.5 * (y - 1.0) ** 2
    regularizer = 0.5 * w**2
    total = loss + 0.1 * regularizer
    for node, label in [(z, "z"), (y, "y"), (loss, "L"), (regularizer, "R"), (total, "L_reg")]:
        node.label = label
    total.backward()
    written = []
    for show in ("forward", "backward"):
        path = Path(folder) / f"lecture003_{show}"
        draw(total, show=show).render(path, format="svg", cleanup=True)
        written.append(f"{path}.svg")
    return written


if __name__ == "__main__":
    import sys

    print("\n".join(lecture_figures(sys.argv[1] if len(sys.argv) > 1 else ".")))
