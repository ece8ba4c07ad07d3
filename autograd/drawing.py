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
from collections.abc import Iterable

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


def draw(
    root: Value,
    *,
    show: str = "both",
    rankdir: str = "LR",
    highlight: Iterable[Value] = (),
) -> Drawing:
    """The graph of `root` as a graphviz Digraph (Jupyter displays it; `.render(path,
    format="svg")` writes a file). It prints nothing and writes nothing by itself.

    `show` picks what is written: "forward" (data), "backward" (grads and the messages on
    the edges) or "both". Before `root.backward()` has run, grads show as not yet computed.
    `highlight` lists values to outline in red, e.g. the one a stepper is at.

    >>> x = Value(3.0, label="x")
    >>> y = x * x
    >>> y.backward()
    >>> print(draw(y, show="backward").source.count("3 × 1 = 3"))
    2
    """
    if show not in SHOWS:
        raise ValueError(f"draw: show must be one of {', '.join(SHOWS)}, got {show!r}")
    order = topological_order(root)
    names = {node: f"v{i}" for i, node in enumerate(order)}
    computed = root.grad != 0.0 and show != "forward"
    messages: dict[Value, list[float]] = {node: [] for node in order}
    for edge in edges(root):
        messages[edge.parent].append(edge.message)
    marked = set(highlight)
    drawing = Drawing(
        graph_attr={"rankdir": rankdir},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9"},
    )
    for node in order:
        name = names[node]
        style = {"color": "red", "penwidth": "2"} if node in marked else {}
        drawing.node(
            name, _value_label(node, show, computed, messages[node]), shape="plaintext", **style
        )
        if node.op is None:
            continue
        drawing.node(f"{name}op", _text(_op_text(node)), shape="ellipse")
        drawing.edge(f"{name}op", name)
        for parent, local_grad in zip(node.parents, node.local_grads):
            label = _message(local_grad, node.grad) if computed else ""
            drawing.edge(names[parent], f"{name}op", label=label)
    return drawing


def _value_label(node: Value, show: str, computed: bool, messages: list[float]) -> str:
    cells = []
    if node.label:
        cells.append(f"<b>{_escape(node.label)}</b>")
    if show != "backward":
        cells.append(f"data {_number(node.data)}")
    if show != "forward":
        cells.append(f"grad {_grad(node, computed, messages)}")
    row = "".join(f"<td>{cell}</td>" for cell in cells)
    return (
        f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="4"><tr>{row}</tr></table>>'
    )


def _grad(node: Value, computed: bool, messages: list[float]) -> str:
    if not computed:
        return "? (run backward)"
    if len(messages) < 2:
        return _number(node.grad)
    total = " + ".join(_number(m) for m in messages)
    return f"{total} = {_number(node.grad)}"


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
    return f"{x:.4g}"


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
