"""Step through the forward and backward passes of a graph, one node or message at a time.

The forward pass has one step per node, in topological order: the node's value from its
inputs. The backward pass has one step per edge, in the order `backward()` sends them:
the consumer's gradient δ times its local derivative is the message, added (`+=`) to the
receiver's running total. Optional update steps follow, w ← w − η δ_w. Each step is an
equation in the lectures' notation, with the graph's labels where it has them.

A stepper keeps its own gradients and never changes `node.grad`; after its last backward
step they equal what `backward()` computes, exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from autograd.graph import topological_order
from autograd.value import Value

PHASES = ("forward", "backward", "update")


@dataclass(frozen=True)
class Step:
    """One step: its phase, the node it computes or sends to, its equation, and `value`:
    the node's data (forward), the receiver's running total after the `+=` (backward), or
    the parameter's new data (update). Backward steps also hold the `sender` (the
    consumer), the `local_grad` ∂sender/∂node and the sender's `upstream` gradient δ; the
    message is their product. The backward pass starts from δ_root = 1.
    """

    phase: str
    node: Value
    equation: str
    value: float
    sender: Value | None = None
    local_grad: float | None = None
    upstream: float | None = None
    position: int | None = None


class Stepper:
    """The steps of the forward pass, the backward pass and optional updates of `root`.

    With `learning_rate`, update steps w ← w − η δ_w follow for `parameters` (default: the
    leaves). `rankdir` lays out the frames' drawings: "LR" (left to right) or "TB" (top
    to bottom, narrower for wide graphs).

    >>> w, x = Value(0.5, label="w"), Value(1.5, label="x")
    >>> s = w * x
    >>> s.label = "s"
    >>> stepper = Stepper(s)
    >>> [step.equation for step in stepper.steps]  # doctest: +NORMALIZE_WHITESPACE
    ['w = 0.5', 'x = 1.5', 's = w * x = 0.5 * 1.5 = 0.75',
     'δ_w += δ_s · ∂s/∂w = 1 · 1.5 = 1.5', 'δ_x += δ_s · ∂s/∂x = 1 · 0.5 = 0.5']
    """

    def __init__(
        self,
        root: Value,
        *,
        learning_rate: float | None = None,
        parameters: Iterable[Value] | None = None,
        rankdir: str = "LR",
    ) -> None:
        order = topological_order(root)
        self.root = root
        self.rankdir = rankdir
        self.names = {node: node.label or f"n{i}" for i, node in enumerate(order)}
        self.grads: dict[Value, float] = {node: 0.0 for node in order}
        self.steps: list[Step] = [self._forward(node) for node in order]
        self.grads[root] = 1.0
        for node in reversed(order):
            for position, (parent, local_grad) in enumerate(zip(node.parents, node.local_grads)):
                self.steps.append(self._message(node, position, parent, local_grad))
        if learning_rate is not None:
            chosen = [p for p in order if not p.parents] if parameters is None else parameters
            self.steps += [self._update(p, learning_rate) for p in chosen]

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, k: int) -> Step:
        return self.steps[k]

    def frame(self, k: int):
        """The drawing at step k: the active node outlined and the active message in red,
        the data computed so far, and the messages sent and gradients gathered so far."""
        from autograd.drawing import Snapshot, draw

        done = self.steps[: k + 1]
        grads = {self.root: 1.0} if self.steps[k].phase != "forward" else {}
        for step in done:
            if step.phase == "backward":
                grads[step.node] = step.value
        active = self.steps[k]
        snapshot = Snapshot(
            known=frozenset(s.node for s in done if s.phase == "forward")
            if active.phase == "forward"
            else frozenset(self.names),
            grads=grads,
            sent=frozenset((s.sender, s.position) for s in done if s.phase == "backward"),
            active=(active.sender, active.position) if active.phase == "backward" else None,
        )
        drawing = draw(self.root, snapshot=snapshot, highlight=[active.node], rankdir=self.rankdir)
        drawing.attr(label=f"step {k}: {active.equation}", labelloc="b")
        return drawing

    def show(self, k: int):
        """Step k's drawing, which Jupyter displays (as DOT text without Graphviz)."""
        return self.frame(k)

    def to_html(self, path: str) -> str:
        """Write one self-contained HTML page: every step's drawing as SVG, a slider and
        previous / next / play buttons, and no request to any network. Returns the path."""
        frames = [self.frame(k).pipe(format="svg").decode() for k in range(len(self.steps))]
        slides = "\n".join(
            f'<div class="step" id="step{k}"{"" if k == 0 else " hidden"}>{_svg_body(svg)}</div>'
            for k, svg in enumerate(frames)
        )
        page = _PAGE.replace("{last}", str(len(frames) - 1)).replace("{slides}", slides)
        with open(path, "w", encoding="utf-8") as file:
            file.write(page)
        return path

    def widget(self):
        """Play, previous / next and a slider over the steps, in Jupyter (ipywidgets)."""
        try:
            import ipywidgets
        except ImportError:
            raise ImportError(
                "Stepper.widget needs ipywidgets: pip install 'stepgrad[jupyter]' "
                "(stepper.show(k) displays step k without it)"
            ) from None
        last = len(self.steps) - 1
        slider = ipywidgets.IntSlider(value=0, min=0, max=last, description="step")
        play = ipywidgets.Play(value=0, min=0, max=last, interval=800)
        ipywidgets.jslink((play, "value"), (slider, "value"))
        previous, following = ipywidgets.Button(description="◀"), ipywidgets.Button(description="▶")
        previous.on_click(lambda _: setattr(slider, "value", max(slider.value - 1, 0)))
        following.on_click(lambda _: setattr(slider, "value", min(slider.value + 1, last)))
        picture = ipywidgets.HTML()

        def redraw(change: dict | None = None) -> None:
            picture.value = _svg_body(self.frame(slider.value).pipe(format="svg").decode())

        slider.observe(redraw, names="value")
        redraw()
        return ipywidgets.VBox([ipywidgets.HBox([play, previous, following, slider]), picture])

    def table(self, *, markdown: bool = False) -> str:
        """Every step as a numbered line: a terminal table, or a markdown one."""
        if markdown:
            rows = [f"| {k} | {s.phase} | `{s.equation}` |" for k, s in enumerate(self.steps)]
            return "\n".join(["| step | phase | equation |", "|---:|---|---|", *rows])
        return "\n".join(f"{k:>4}  {s.phase:<8}  {s.equation}" for k, s in enumerate(self.steps))

    def _forward(self, node: Value) -> Step:
        name = self.names[node]
        if node.op is None:
            return Step("forward", node, f"{name} = {_number(node.data)}", node.data)
        symbolic, numeric = _expression(node, [self.names[p] for p in node.parents])
        equation = f"{name} = {symbolic} = {numeric} = {_number(node.data)}"
        return Step("forward", node, equation, node.data)

    def _message(self, sender: Value, position: int, receiver: Value, local_grad: float) -> Step:
        upstream = self.grads[sender]
        self.grads[receiver] += local_grad * upstream
        s, r = self.names[sender], self.names[receiver]
        equation = (
            f"δ_{r} += δ_{s} · ∂{s}/∂{r} = {_operand(upstream)} · {_operand(local_grad)} "
            f"= {_number(local_grad * upstream)}"
        )
        total = self.grads[receiver]
        if total != local_grad * upstream:
            equation += f"  (δ_{r} = {_number(total)})"
        return Step("backward", receiver, equation, total, sender, local_grad, upstream, position)

    def _update(self, parameter: Value, learning_rate: float) -> Step:
        name, grad = self.names[parameter], self.grads[parameter]
        new = parameter.data - learning_rate * grad
        equation = (
            f"{name} ← {name} − η δ_{name} = {_operand(parameter.data)} − "
            f"{_operand(learning_rate)} · {_operand(grad)} = {_number(new)}"
        )
        return Step("update", parameter, equation, new)


def _svg_body(svg: str) -> str:
    """The <svg> element of an SVG document, for inlining in HTML."""
    return svg[svg.index("<svg") :]


_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>stepgrad: backprop step by step</title>
<style>body{font-family:sans-serif} .controls{margin:8px 0} svg{max-width:100%;height:auto}</style>
</head><body>
<div class="controls">
<button id="previous">&#9664;</button> <button id="play">play</button>
<button id="next">&#9654;</button>
<input id="slider" type="range" min="0" max="{last}" value="0"> <span id="number">0</span>
</div>
{slides}
<script>
const slider = document.getElementById("slider"), number = document.getElementById("number");
let timer = null;
function go(k) {
  k = Math.max(0, Math.min({last}, k));
  document.querySelectorAll(".step").forEach((s, i) => s.hidden = i !== k);
  slider.value = k; number.textContent = k;
}
slider.oninput = () => go(Number(slider.value));
document.getElementById("previous").onclick = () => go(Number(slider.value) - 1);
document.getElementById("next").onclick = () => go(Number(slider.value) + 1);
document.getElementById("play").onclick = () => {
  if (timer) { clearInterval(timer); timer = null; return; }
  timer = setInterval(() => {
    if (Number(slider.value) < {last}) { go(Number(slider.value) + 1); return; }
    clearInterval(timer); timer = null;
  }, 800);
};
</script>
</body></html>
"""


def _expression(node: Value, names: list[str]) -> tuple[str, str]:
    """`w * x` and `0.5 * 1.5`, or `tanh(z)` and `tanh(-0.5)`: the node's op applied to its
    inputs' names and values."""
    op = node.op
    if op.base is None and op.arity != 2 and op.name != "pow":
        values = [_number(p.data) for p in node.parents]
        constants = [_number(c) for c in node.params]
        extra = (
            constants if op.arity is None else [f"{k}={v}" for k, v in zip(op.params, constants)]
        )
        call = f"{op.symbol}({{}})"
        return call.format(", ".join(names + extra)), call.format(", ".join(values + extra))
    values = [_operand(p.data) for p in node.parents]
    constants = [_operand(c) for c in node.params]
    if op.base is not None:
        names, values = (
            _with_constant(names, op.constant_position, constants[0]),
            _with_constant(values, op.constant_position, constants[0]),
        )
        return _binary(op.base.symbol, names), _binary(op.base.symbol, values)
    if op.arity == 2:
        return _binary(op.symbol, names), _binary(op.symbol, values)
    return f"{names[0]} ** {constants[0]}", f"{values[0]} ** {constants[0]}"


def _with_constant(items: list[str], position: int, constant: str) -> list[str]:
    return [constant, *items] if position == 0 else [*items, constant]


def _binary(symbol: str, operands: list[str]) -> str:
    return f"{operands[0]} {symbol} {operands[1]}"


def _number(x: float) -> str:
    """Four significant digits; -0.0 (such as 0 · -1) is shown as 0."""
    return f"{x + 0.0:.4g}"


def _operand(x: float) -> str:
    """A number inside an expression: negative ones in parentheses, `0.5 · (-0.3659)`."""
    return f"({_number(x)})" if x < 0 else _number(x)
