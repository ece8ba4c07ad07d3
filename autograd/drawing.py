"""Draw a computation graph with graphviz: values on nodes, backward messages on edges.

Each Value is a box with its name, data and grad; each op is an ellipse with its symbol
and constants (`** 2`, `leaky_relu α=0.01`, `* 0.5`), read from the op table. Every use of
a value is its own edge, so `a * a` has two. In the backward view an edge from a value to
the op that used it carries the message that op sent back, written so it can be checked by
hand: local derivative × upstream gradient = message. A value used several times shows its
messages adding up to its gradient: the `+=` of backward.

What is drawn comes from `autograd.scene`: a graph of any size becomes at most `max_nodes`
items, with boxes for runs of + or *, for `nn` modules and for what is farthest from the
root. Element ids come from the topological order, so the same graph always gives the same
DOT source. Rendering runs `dot` with a time bound (`autograd.rendering`). This module only
reads the graph, and imports graphviz, which `import autograd` does not.
"""

from __future__ import annotations

import html
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import graphviz

from autograd import scene as scenes
from autograd.blame import Blame
from autograd.blame import blame as blame_edges
from autograd.diff import GraphDiff, percent
from autograd.gradients import BACKWARD_PREFIXES
from autograd.module_paths import module_depth, outer_module
from autograd.rendering import GraphvizMissing, run_dot
from autograd.scene import Box, Scene, data_text, grad_text, message_text, number
from autograd.value import Value

SHOWS = ("both", "forward", "backward")
PARAM_PREFIXES = {"alpha": "α=", "exponent": ""}
"""How an op node writes its params: `leaky_relu α=0.01`, `** 2`; others as `name=value`."""
TIMEOUT = 30.0
"""Seconds `dot` may take to lay out one drawing."""
LIMITS = {"nslimit": "4", "nslimit1": "4", "mclimit": "0.5", "searchsize": "10"}
"""Bounds on dot's own passes (network simplex and crossing minimization): a large graph
is laid out in seconds, a small one as well as without them."""

MAX_TOOLTIP = 200
"""A value's tooltip is its whole label (a cluster shows "w.0" for "layers.0.neurons.1.w.0"),
up to this many characters."""
LONG_EDGES = 400
"""dot lays out every rank an edge spans, and its label, as a node of its own: a value
used all along a long run makes thousands, and minutes of dot. Past this many, an edge
spanning more than MAX_SPAN ranks starts from a reference to its tail ("n12 ↗") drawn
beside its head."""
MAX_SPAN = 2
MAX_LINKS = 3
"""A picture draws at most this many links between boxes per item it may draw."""
MAX_PARALLEL = 4
"""A value used more often by one op is drawn with one edge that says how often."""

Slot = tuple
"""What a text on the picture shows: ("d", node), ("g", node) or ("m", consumer, position)."""
CHANGE_COLOURS = (
    (0.1, "#d62728", "red ≥ 10%"),
    (0.01, "#ff7f0e", "orange ≥ 1%"),
    (1e-4, "#9a9a00", "olive ≥ 0.01%"),
    (0.0, "#1f77b4", "blue less"),
)
"""How `draw(diff)` colours an edge by the change of its message: the first colour whose
threshold the change exceeds; an unchanged message stays grey."""


BACKWARD_COLOR = "#1f5fbf"
"""The colour of the nodes a `grad(..., create_graph=True)` pass made (named δ_…, ∂…)."""


@dataclass(frozen=True)
class EdgeMark:
    """How one edge is drawn apart: its colour, a second line under its message, and the
    text shown on hover."""

    color: str
    note: str
    tooltip: str


@dataclass
class Picture:
    """Where a picture's texts are: slot -> [(element id, index of the text in that
    element)]; `links` names the edge element between two elements, and `boxes` the key
    of each box element."""

    slots: dict[Slot, list[tuple[str, int]]] = field(default_factory=dict)
    links: dict[tuple[str, str], str] = field(default_factory=dict)
    boxes: dict[str, str] = field(default_factory=dict)


class Drawing(graphviz.Digraph):
    """A `graphviz.Digraph` of a computation graph, rendered with a time bound.

    Jupyter shows it in stepgrad's viewer: fitted to the output area, with zoom, pan and
    boxes that open on a click. `pipe` and `render` run `dot` as a child process that is
    killed when the call is interrupted or takes longer than `timeout` seconds; they raise
    `GraphvizMissing` (a RuntimeError) that says what to install when there is no `dot`.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scene: Scene | None = None
        self.note = ""
        self.pictures: scenes.Pictures | None = None
        self.picture = Picture()
        self.options: dict = {}
        self.texts: Callable[[Scene], Texts] | None = None
        self.timeout = TIMEOUT

    def pipe(self, format: str | None = None, encoding: str | None = None, **_) -> bytes | str:
        output = run_dot(self.source, format=format or self.format, timeout=self.timeout)
        return output.decode(encoding) if encoding else output

    def render(
        self,
        filename: str | os.PathLike | None = None,
        directory: str | os.PathLike | None = None,
        view: bool = False,
        cleanup: bool = False,
        format: str | None = None,
        **_,
    ) -> str:
        """Write the DOT source to `filename` (unless `cleanup`) and the picture to
        `filename.format`; each file is written whole or not at all. Returns its path."""
        format = format or self.format
        base = Path(directory or "") / (filename or self.filename or "Digraph.gv")
        output = run_dot(self.source, format=format, timeout=self.timeout)
        if not cleanup:
            write_atomically(base, self.source.encode())
        target = Path(f"{base}.{format}")
        write_atomically(target, output)
        return str(target)

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        from autograd.viewer import Viewer

        try:
            return Viewer.of_drawing(self)._repr_mimebundle_(include, exclude)
        except GraphvizMissing as error:
            return {"text/plain": f"{self.source}\n// to see this drawing, {error}"}


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all: a temporary file beside it, then a rename.
    The file gets the permissions of the one it replaces, or those a new file gets (a page
    for a course website must be readable by the web server, not only by its owner)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.chmod(temporary, path.stat().st_mode if path.exists() else 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def _umask() -> int:
    """The process's umask (reading it means setting it, so it is set back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def draw(
    root: Value | GraphDiff,
    *,
    show: str = "both",
    rankdir: str = "LR",
    highlight: Iterable[Value] = (),
    max_nodes: int = 150,
    expand: str | Sequence[str] = (),
    format: str = "svg",
    timeout: float = TIMEOUT,
    blame: bool = False,
) -> Drawing:
    """The graph of `root` as a graphviz Digraph (Jupyter displays it; `.render(path)`
    writes a file, `format="svg"` by default as micrograd's draw_dot). It prints nothing
    and writes nothing by itself.

    `show` picks what is written: "forward" (data), "backward" (grads and the messages on
    the edges) or "both". Before `root.backward()` has run, grads show as not yet computed.
    `highlight` lists values to outline in red. With `blame=True`, the edges that
    `autograd.blame` finds wrong are red, with the local derivative backward used and the
    one finite differences give.

    Given a `GraphDiff` (`autograd.diff(a, b)`), it draws graph a with both graphs'
    numbers, a → b, on every node and edge, and colours each edge by how much its message
    changed (see CHANGE_COLOURS).

    A graph of more than `max_nodes` items is summarised: runs of + or * (a builtin `sum`),
    `nn` modules (neurons, then layers) and last the nodes farthest from the root are drawn
    as boxes, and the drawing says what it collapsed. `expand` draws the inside of a box
    instead: its key as the drawing shows it ("layers.0", "Σ n40", "more"), or a list of
    keys from the outermost box in. `timeout` bounds `dot`'s time in seconds.

    >>> x = Value(3.0, label="x")
    >>> y = x * x
    >>> y.backward()
    >>> print(draw(y, show="backward").source.count("3 × 1 = 3"))
    2
    """
    if show not in SHOWS:
        raise ValueError(f"draw: show must be one of {', '.join(SHOWS)}, got {show!r}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw: rankdir must be LR, TB, RL or BT, got {rankdir!r}")
    highlight = tuple(highlight)
    if isinstance(root, GraphDiff):
        if blame:
            raise ValueError("draw: blame=True draws one graph, not a diff; blame each root")
        found, root = root, root.a

        def texts(_: Scene) -> Texts:
            return DiffTexts(found)

    elif isinstance(root, Value):
        computed = root.grad != 0.0 and show != "forward"
        marks = blame_marks(blame_edges(root)) if blame else {}

        def texts(scene: Scene) -> Texts:
            return GraphTexts(scene, computed, marks)

    else:
        raise TypeError(f"draw: root must be a Value or a GraphDiff, got {type(root).__name__}")
    pictures = scenes.Pictures(root, max_nodes=max_nodes)
    scene = pictures.scene(expand)
    drawing = layout(scene, texts(scene), show=show, rankdir=rankdir, highlight=highlight)
    drawing.pictures = pictures
    drawing.format = format
    drawing.timeout = timeout
    drawing.texts = texts
    drawing.options = {"show": show, "rankdir": rankdir, "highlight": highlight}
    return drawing


def blame_marks(found: Blame) -> dict[tuple[Value, int], EdgeMark]:
    """The blamed edges in red, each with both derivatives."""
    return {
        (edge.consumer, edge.position): EdgeMark(
            "red",
            f"✗ used ∂ {number(edge.used)}, finite differences {number(edge.numerical)}",
            edge.describe(found.names),
        )
        for edge in found.edges
    }


def diff_marks(found: GraphDiff) -> dict[tuple[Value, int], EdgeMark]:
    """Every edge coloured by the change of its message, both messages on hover."""
    marks = {}
    for edge in found.edges:
        change = edge.change
        color = next((c for limit, c, _ in CHANGE_COLOURS if change > limit), "grey60")
        tooltip = (
            f"{found.names[edge.parent]} → {found.names[edge.consumer]}: message "
            f"{edge.a!r} in a, {edge.b!r} in b, change {change:.3%}"
        )
        marks[edge.consumer, edge.position] = EdgeMark(color, "", tooltip)
    return marks


class Texts(Protocol):
    """What a picture writes in its slots: a node's data and grad, an edge's message, and
    a `note` on where they come from ("" for nothing to say); `marks` are the edges drawn
    apart (blamed, or coloured by a diff), by (consumer, position)."""

    note: str
    marks: Mapping[tuple[Value, int], EdgeMark]

    def data(self, node: Value) -> str: ...

    def grad(self, node: Value) -> str: ...

    def message(self, consumer: Value, position: int) -> str: ...


class GraphTexts:
    """The texts of a picture after `backward` has run: each node's data, its grad as the
    sum of the messages it received in backward's order, and each edge's message. Before
    backward, grads are unknown.

    What the messages do not explain is said: in a leaf, what earlier passes left; when
    the grads come from a pass from another root (the drawn root's grad is not 1), what
    uses outside this graph sent. The consumers of a drawn value are its drawn consumers
    and the boxes' members that use it; the inside of a box may be used from anywhere."""

    def __init__(
        self, scene: Scene, computed: bool, marks: Mapping[tuple[Value, int], EdgeMark] = {}
    ) -> None:
        self.computed = computed
        self.own_pass = scene.root.grad == 1.0
        notes = [] if self.own_pass or not computed else ["grads from a pass from another root"]
        if marks:
            notes.append(f"{len(marks)} edge(s) blamed, in red: their local derivative is wrong")
        self.note = "; ".join(notes)
        self.marks = marks
        wanted = set(scene.nodes) | set(scene.inputs)
        wanted.update(out for box in scene.boxes for out in box.outputs)
        self.messages: dict[Value, list[float]] = {node: [] for node in wanted}
        if not computed:
            return
        if scene.path:
            consumers = scene.order
        else:
            found = {*scene.nodes, *(consumer for _, consumer, _ in scene.crossing)}
            consumers = sorted(found, key=scene.place.__getitem__)
        for consumer in reversed(consumers):
            for parent, local_grad in zip(consumer.parents, consumer.local_grads):
                if parent in self.messages:
                    self.messages[parent].append(local_grad * consumer.grad)

    def data(self, node: Value) -> str:
        return data_text(node.data)

    def grad(self, node: Value) -> str:
        if not self.computed:
            return "grad ? (run backward)"
        messages = self.messages.get(node, [])
        total = 0.0
        for message in messages:  # in backward's order, one rounding at a time, as it adds
            total += message
        if self.own_pass:
            rest = node.grad - total if messages and not node.parents else 0.0
            return grad_text(messages, node.grad, rest)
        rest = node.grad - total if messages else 0.0
        return grad_text(messages, node.grad, rest, "from outside this graph")

    def message(self, consumer: Value, position: int) -> str:
        if not self.computed:
            return ""
        return message_text(consumer.local_grads[position], consumer.grad)


class DiffTexts:
    """The texts of a diff's picture: each number as `a → b` where the graphs differ."""

    def __init__(self, found: GraphDiff) -> None:
        self.found = found
        self.nodes = {change.node: change for change in found.nodes}
        self.edges = {(e.consumer, e.position): e for e in found.edges}
        legend = ", ".join(text for _, _, text in CHANGE_COLOURS)
        self.note = f"diff a → b: edges by change of their message: {legend}, grey none"
        self.marks = diff_marks(found)

    def data(self, node: Value) -> str:
        return f"data {_pair(*self.nodes[node].data)}"

    def grad(self, node: Value) -> str:
        return f"grad {_pair(*self.nodes[node].grad)}"

    def message(self, consumer: Value, position: int) -> str:
        edge = self.edges[consumer, position]
        return _pair(edge.a, edge.b) + (f" ({percent(edge.change)})" if edge.change else "")


def _pair(a: float, b: float) -> str:
    """`0.5 → 0.75`, or `0.5` when both are the same."""
    return number(a) if a == b else f"{number(a)} → {number(b)}"


def layout(
    scene: Scene,
    texts: Texts,
    *,
    show: str = "both",
    rankdir: str = "LR",
    highlight: Iterable[Value] = (),
    note: bool = True,
) -> Drawing:
    """The DOT drawing of `scene` with the texts of `texts` (data, grad and message of
    each slot), and where each text is (`drawing.picture`). With `note`, the drawing
    says what it collapsed or left out above it; the viewer says it under its picture."""
    drawing = Drawing(
        graph_attr={"rankdir": rankdir, **LIMITS},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9"},
    )
    drawing.scene = scene
    picture = drawing.picture
    marked = set(highlight)
    placed: dict[str | None, list[tuple[str, str, dict[str, str]]]] = {}
    ids: dict[Value | Box, str] = {}
    names: dict[str, str] = {"hidden": f"{len(scene.hidden_inputs):,} inputs"}

    def place(element: str, label: str, module: str | None, **attributes: str) -> None:
        placed.setdefault(module, []).append((element, label, {"id": element, **attributes}))

    def cells(element: str, node: Value, before: int = 0) -> list[str]:
        """The name, data and grad cells of `node`, after `before` other texts."""
        row = [f"<b>{_escape(scene.name(node))}</b>"]
        for kind, wanted in (("d", show != "backward"), ("g", show != "forward")):
            if wanted:
                picture.slots.setdefault((kind, node), []).append((element, before + len(row)))
                row.append(_escape(texts.data(node) if kind == "d" else texts.grad(node)))
        return row

    backward_nodes = 0
    for node in scene.nodes:
        element = f"v{scene.place[node]}"
        ids[node] = element
        names[element] = _escape(scene.name(node))
        style = {"color": "red", "penwidth": "2"} if node in marked else {}
        module = scene.modules.get(node)
        tooltip = graphviz.nohtml(scenes.printable(node.label[:MAX_TOOLTIP]) or scene.name(node))
        backward = node.label.startswith(BACKWARD_PREFIXES)
        backward_nodes += backward
        color = {"color": BACKWARD_COLOR, "fontcolor": BACKWARD_COLOR} if backward else {}
        place(
            element,
            _table(cells(element, node), color.get("color", "black")),
            module,
            shape="plaintext",
            tooltip=tooltip,
            **style,
        )
        if node.op is not None:
            op_text = f"<{_escape(_op_text(node))}>"
            place(f"{element}op", op_text, module, shape="ellipse", **color)
    for node in scene.inputs:
        element = f"i{scene.place[node]}"
        ids[node] = element
        names[element] = _escape(scene.name(node))
        row = ["<i>input</i>", *cells(element, node, before=1)]
        place(element, _table(row, color="grey"), None, shape="plaintext")
    if scene.hidden_inputs:
        place(
            "hidden",
            f"<{len(scene.hidden_inputs):,} {'more ' if scene.inputs else ''}inputs>",
            None,
            shape="box",
            style="dashed",
        )
    for number_, box in enumerate(scene.boxes):
        element = f"b{number_}"
        ids[box] = element
        names[element] = _escape(box.key)
        picture.boxes[element] = box.key
        rows = [f"<b>{_escape(box.title(scene.modules.get(box, scene.base)))}</b>"]
        if len(box.outputs) == 1:
            rows += cells(element, box.outputs[0], before=1)
        else:
            rows.append(f"{len(box.outputs)} outputs")
        label = "<" + "<br/>".join(rows) + ">"
        place(
            element,
            label,
            scene.modules.get(box),
            shape="box",
            style="rounded,filled",
            fillcolor="#eeeeee",
            tooltip=f"{box.key}: click to open",
        )
    _emit(drawing, placed)
    aggregated: dict[tuple[str, str], int] = {}

    def aggregate(tail: str, head: str) -> None:
        if tail != head:
            aggregated[tail, head] = aggregated.get((tail, head), 0) + 1

    edges: list[tuple[str, str, str, dict[str, str]]] = []
    for node in scene.nodes:
        if node.op is None:
            continue
        head = f"{ids[node]}op"
        edges.append((head, ids[node], "", {}))
        uses = Counter(node.parents) if len(node.parents) > MAX_PARALLEL else {}
        for position, parent in enumerate(node.parents):
            shown = scene.box_of.get(parent, parent)
            tail = ids.get(shown, "hidden")
            if shown is parent and tail != "hidden" and uses.get(parent, 1) <= MAX_PARALLEL:
                element = f"e{scene.place[node]}_{position}"
                picture.slots[("m", node, position)] = [(element, 0)]
                text = _escape(texts.message(node, position))
                attributes = {"id": element}
                mark = texts.marks.get((node, position))
                if mark is not None:
                    text += f"<br/>{_escape(mark.note)}" if mark.note else ""
                    attributes.update(
                        color=mark.color, fontcolor=mark.color, penwidth="2", tooltip=mark.tooltip
                    )
                edges.append((tail, head, f"<{text}>" if text else "", attributes))
            else:
                aggregate(tail, head)
    for parent, consumer, _ in scene.crossing:
        if consumer in scene.box_of:
            tail = ids.get(scene.box_of.get(parent, parent), "hidden")
            aggregate(tail, ids[scene.box_of[consumer]])
    most = MAX_LINKS * scene.max_nodes
    notes = [text for text in (scene.note, texts.note) if text]
    if backward_nodes:
        notes.append(f"{backward_nodes} node(s) of a create_graph=True backward pass, in blue")
    if len(aggregated) > most:
        hidden = len(aggregated) - most
        notes.append(f"{hidden:,} of {len(aggregated):,} links between boxes not drawn")
        aggregated = dict(list(aggregated.items())[:most])
    for k, (pair, count) in enumerate(aggregated.items()):
        element = f"x{k}"
        picture.links[pair] = element
        edges.append((*pair, f"×{count}" if count > 1 else "", {"id": element}))
    rank = _ranks(edges)
    spans = [rank.get(tail, 0) - rank.get(head, 0) for tail, head, _, _ in edges]
    cut = sum(max(0, span - 1) * (1 + bool(e[2])) for span, e in zip(spans, edges)) > LONG_EDGES
    for k, ((tail, head, label, attributes), span) in enumerate(zip(edges, spans)):
        if cut and span > MAX_SPAN:
            drawing.node(f"r{k}", f"<{names[tail]} ↗>", shape="plaintext", fontcolor="grey40")
            tail = f"r{k}"
        drawing.edge(tail, head, **({"label": label} if label else {}), **attributes)
    drawing.note = "; ".join(notes)
    if note and drawing.note:
        drawing.attr(label=_escape_label(drawing.note), labelloc="t")
    return drawing


def _ranks(edges: list[tuple[str, str, str, dict]]) -> dict[str, int]:
    """How far each element is from the picture's end, in edges: about where dot ranks it."""
    heads: dict[str, list[str]] = {}
    for tail, head, _, _ in edges:
        heads.setdefault(tail, []).append(head)
    rank: dict[str, int] = {}
    for start in heads:
        stack = [start]
        while stack:
            element = stack[-1]
            pending = [h for h in heads.get(element, ()) if h not in rank and h not in stack]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            rank[element] = max((rank.get(h, 0) + 1 for h in heads.get(element, ())), default=0)
    return rank


def _table(cells: list[str], color: str = "black") -> str:
    row = "".join(f"<td>{cell}</td>" for cell in cells)
    return (
        f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="4" color="{color}">'
        f"<tr>{row}</tr></table>>"
    )


def _emit(drawing: graphviz.Digraph, placed: dict) -> None:
    """The nodes of each module path inside nested clusters (model, layer, neuron), the
    others outside."""
    for element, label, attributes in placed.get(None, []):
        drawing.node(element, label, **attributes)
    tops = sorted({outer_module(path, 1) for path in placed if path})
    if tops:
        with drawing.subgraph(name="cluster_model") as model:
            model.attr(label="model", style="rounded", color="grey")
            for top in tops:
                _cluster(model, top, placed)


def _cluster(graph: graphviz.Digraph, path: str, placed: dict) -> None:
    with graph.subgraph(name=f"cluster_{path.replace('.', '_')}") as sub:
        sub.attr(label=_escape_label(path), style="rounded", color="grey")
        for element, label, attributes in placed.get(path, []):
            sub.node(element, label, **attributes)
        depth = module_depth(path) + 1
        children = {
            outer_module(p, depth)
            for p in placed
            if p and p.startswith(path + ".") and module_depth(p) >= depth
        }
        for child in sorted(children):
            _cluster(sub, child, placed)


def _op_text(node: Value) -> str:
    op = node.op
    constants = [number(c) for c in node.params]
    if op.base is not None:
        return (
            f"{op.symbol} {constants[0]}"
            if op.constant_position == 1
            else f"{constants[0]} {op.symbol}"
        )
    if op.param_defaults:
        named = [
            f"{PARAM_PREFIXES.get(k, k + '=')}{v}" for k, v in zip(op.param_defaults, constants)
        ]
        return " ".join([op.symbol, *named])
    if constants:
        shown = ", ".join(constants) if len(constants) <= 3 else f"{len(constants)} constants"
        return f"{op.symbol} ({shown})"
    return op.symbol


def _escape_label(text: str) -> str:
    return f"<{_escape(text)}>"


def _escape(text: str) -> str:
    """Any string as HTML-like label text: markup escaped, and control characters (line
    breaks too) written as their code (U+000A), never passed to dot."""
    return html.escape(scenes.printable(text))
