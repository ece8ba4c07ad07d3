"""What a picture of a graph shows: which nodes are drawn, which boxes stand for many, and
the text of every label at any point of the passes.

A graph of any size becomes a picture of at most `max_nodes` items. While there are more,
groups collapse into boxes, the most detailed first: runs of one associative op (a builtin
`sum` over 100 values becomes one "Σ 100 terms" box), then `nn` modules, neurons before
layers, and last whatever is farthest from the root: the items nearest to it stay and the
rest become one box that says how many nodes it holds. Every box opens as a picture of its
own (`expand`), with the values it reads from outside drawn as its inputs.

Nodes are named as the stepper names them: their label, or `n` and their place in the
topological order (`n7`). The drawer and the viewer read a Scene; this module imports
neither graphviz nor anything of Jupyter.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from autograd.graph import topological_order
from autograd.module_paths import module_depth, module_paths, outer_module
from autograd.value import Value

MAX_LABEL = 40
"""Longer labels are shortened with an ellipsis."""
MAX_TERMS = 6
"""A fan-out sum of more messages shows the first and last few and how many it left out."""
CHAINS = {"add": "Σ", "sum": "Σ", "mul": "Π"}
"""Associative ops whose runs collapse into one box, and the box's symbol."""
SHORTEST_CHAIN = 3


@dataclass(eq=False)
class Box:
    """Nodes drawn as one box: a run of one associative op (`kind` "chain"), an `nn`
    module ("module"), or the nodes farthest from the root ("more"). `outputs` are the
    members used outside the box (or the root); the box shows the data and grad of a
    single output."""

    key: str
    kind: str
    members: list[Value]
    outputs: list[Value]
    terms: int = 0

    def title(self, base: str = "") -> str:
        """What the box says it holds; a module's path without the `base` module's."""
        size = plural(len(self.members), "node")
        if self.kind == "chain":
            noun = "term" if self.key[0] == "Σ" else "factor"
            return f"{self.key[0]} {plural(self.terms, noun)} ({size}): {self.key}"
        if self.kind == "module":
            return f"{self.key.removeprefix(base + '.') if base else self.key}: {size}"
        return f"{size} farther from the root: {self.key}"

    def answers_to(self, key: str, base: str) -> bool:
        """Whether `expand` names this box by `key`: its key, or a module's path without
        the path of the module whose picture shows it ("neurons.1" inside "layers.0")."""
        return key == self.key or (self.kind == "module" and f"{base}.{key}" == self.key)


@dataclass(eq=False)
class Scene:
    """One picture: the `nodes` drawn as themselves (topological order), the `boxes`, the
    `inputs` read from outside the picture (when it is the inside of a box) and the
    module path of each drawn node and box (`modules`). `place` is every node's position
    in the whole graph's topological order, which names it; `note` says what was
    collapsed or left out. `crossing` lists the edges (parent, consumer, position) into
    or out of a box or from outside the picture."""

    root: Value
    nodes: list[Value]
    boxes: list[Box]
    box_of: dict[Value, Box]
    inputs: list[Value]
    hidden_inputs: list[Value]
    modules: dict[Value | Box, str]
    place: dict[Value, int]
    note: str
    max_nodes: int
    order: list[Value]
    crossing: list[tuple[Value, Value, int]]
    path: tuple[str, ...] = ()
    base: str = ""
    chains: bool = True
    members: set[Value] = field(default_factory=set)

    def name(self, node: Value) -> str:
        """The node's name; inside a module's cluster, or the picture of a module, without
        the module's path ("w.0" for "layers.0.neurons.1.w.0")."""
        module = self.modules.get(node, self.base)
        if module and node.label.startswith(module + "."):
            return name(node, self.place, node.label[len(module) + 1 :])
        return name(node, self.place)


def name(node: Value, place: Mapping[Value, int], label: str | None = None) -> str:
    """The name the stepper and the drawing give a node: its label (shortened, with
    control characters written as their code, U+000A), or `n` and its place in topological
    order."""
    label = str(node.label if label is None else label)
    if not label:
        return f"n{place[node]}"
    return printable(label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…")


def printable(text: str) -> str:
    """Control and unassigned characters written as their code point, `U+0000`."""
    return "".join(c if unicodedata.category(c)[0] != "C" else f"U+{ord(c):04X}" for c in text)


class Pictures:
    """Every picture of one graph: the whole, and the inside of each box, all sharing the
    graph's order, places and modules, so opening a box costs only its own nodes."""

    def __init__(self, root: Value, *, max_nodes: int = 150) -> None:
        if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 10:
            raise ValueError(f"draw: max_nodes must be a whole number ≥ 10, got {max_nodes!r}")
        self.root = root
        self.max_nodes = max_nodes
        self.order = topological_order(root)
        self.place = {node: i for i, node in enumerate(self.order)}
        self.modules = module_paths(self.order)

    def scene(self, expand: str | Sequence[str] = ()) -> Scene:
        """The whole graph's picture, or the inside of the box at the path `expand`."""
        path = (expand,) if isinstance(expand, str) else tuple(expand)
        scene = self.view(self.order, [self.root], "", ())
        for depth, key in enumerate(path):
            box = next((b for b in scene.boxes if b.answers_to(key, scene.base)), None)
            if box is None:
                keys = ", ".join(repr(b.key) for b in scene.boxes) or "none"
                where = " > ".join(path[:depth]) or "the whole graph"
                raise ValueError(f"draw: expand: no box {key!r} in {where}; its boxes: {keys}")
            scene = self.inside(scene, box)
        return scene

    def inside(self, scene: Scene, box: Box) -> Scene:
        """The picture of what `box` of `scene` holds. Inside a run of + or * (and what it
        holds), runs are not boxed again."""
        base = box.key if box.kind == "module" else scene.modules.get(box, scene.base)
        chains = scene.chains and box.kind != "chain"
        return self.view(box.members, box.outputs, base, (*scene.path, box.key), chains)

    def view(
        self,
        members: list[Value],
        outputs: list[Value],
        base: str,
        path: tuple[str, ...],
        chains: bool = True,
    ) -> Scene:
        """The picture of `members` (a topological order), whose `outputs` are used
        outside it, inside the module `base` ("" for none)."""
        max_nodes = self.max_nodes
        member_set = set(members)
        depth = module_depth(base)
        inside = {
            node: module
            for node, module in self.modules.items()
            if module_depth(module) > depth and node in member_set
        }
        box_key: dict[Value, str] = {}
        boxes: dict[str, Box] = {}
        if chains and len(members) > max_nodes:
            boxes.update(self._chains(members, member_set, inside, box_key))
        level = max((module_depth(p) for p in inside.values()), default=0)
        while level > depth and (
            _count(members, box_key) > max_nodes or _links(members, box_key) > max_nodes
        ):
            for node, module in inside.items():
                if module_depth(module) >= level:
                    box_key[node] = outer_module(module, level)
            level -= 1
        kept = None
        if _count(members, box_key) > max_nodes:
            kept = _nearest(members, member_set, outputs, box_key, max_nodes - 1)
        box_of: dict[Value, Box] = {}
        drawn: list[Value] = []
        used, inputs, crossing = set(outputs), {}, []
        for node in members:
            key = box_key.get(node)
            if kept is not None and (node if key is None else key) not in kept:
                key = "more"
            mine = None
            if key is None:
                drawn.append(node)
            else:
                mine = boxes.get(key)
                if mine is None:
                    mine = boxes[key] = Box(key, "more" if key == "more" else "module", [], [])
                mine.members.append(node)
                box_of[node] = mine
            for position, parent in enumerate(node.parents):
                if parent not in member_set:
                    inputs[parent] = None
                    if mine is not None:
                        crossing.append((parent, node, position))
                    continue
                theirs = box_of.get(parent)
                if theirs is not mine:
                    if theirs is not None:
                        used.add(parent)
                    crossing.append((parent, node, position))
        boxes = {key: box for key, box in boxes.items() if box.members}
        for box in boxes.values():
            box.outputs = [n for n in box.members if n in used]
        ordered = sorted(boxes.values(), key=lambda b: self.place[b.members[-1]])
        modules: dict[Value | Box, str] = {
            n: module for n, module in inside.items() if n not in box_of
        }
        for box in ordered:
            module = inside.get(box.members[-1])
            if module is not None and box.kind == "chain":
                modules[box] = module
            elif box.kind == "module" and module_depth(box.key) > depth + 1:
                modules[box] = outer_module(box.key, module_depth(box.key) - 1)
        limit = max(10, max_nodes // 4)
        if len({(p, box_of.get(c, c)) for p, c, _ in crossing if p in inputs}) > max_nodes:
            limit = 0
        notes = []
        if ordered:
            kinds = Counter(b.kind for b in ordered)
            said = ", ".join(plural(n, _KIND_NAMES[k]) for k, n in sorted(kinds.items()))
            notes.append(
                f"{len(box_of):,} of {plural(len(members), 'node')} in "
                f"{plural(len(ordered), 'box')} ({said}); max_nodes={max_nodes}"
            )
        if len(inputs) > limit:
            notes.append(f"{len(inputs) - limit:,} of {len(inputs):,} inputs drawn as one")
        return Scene(
            root=self.root,
            nodes=drawn,
            boxes=ordered,
            box_of=box_of,
            inputs=list(inputs)[:limit],
            hidden_inputs=list(inputs)[limit:],
            modules=modules,
            place=self.place,
            note="; ".join(notes),
            max_nodes=max_nodes,
            order=self.order,
            crossing=crossing,
            path=path,
            base=base,
            chains=chains,
            members=member_set,
        )

    def _chains(self, members, member_set, inside, box_key) -> dict[str, Box]:
        """Runs of one associative op outside modules: a node continues into its one
        consumer when both are of the same kind (a + b feeding (a + b) + c) and it has no
        label of its own."""
        into: dict[Value, Value] = {}
        for node in members:
            op = node.op
            symbol = op is not None and CHAINS.get(op.name)
            if not symbol or node in inside:
                continue
            for parent in node.parents:
                if (
                    parent.op is not None
                    and CHAINS.get(parent.op.name) == symbol
                    and not parent.label
                    and parent in member_set
                    and parent not in inside
                ):
                    into[parent] = node
        if not into:
            return {}
        uses = Counter(p for node in self.order for p in node.parents if p in into)
        into = {parent: node for parent, node in into.items() if uses[parent] == 1}
        top: dict[Value, Value] = {}
        runs: dict[Value, list[Value]] = {}
        for node in reversed(members):
            if node in into:
                top[node] = top.get(into[node], into[node])
                runs.setdefault(top[node], []).append(node)
        boxes = {}
        for last, run in runs.items():
            if len(run) + 1 < SHORTEST_CHAIN:
                continue
            nodes = [*reversed(run), last]
            inner = set(nodes)
            terms = sum(sum(p not in inner for p in n.parents) + len(n.params) for n in nodes)
            key = f"{CHAINS[last.op.name]} n{self.place[last]}"
            boxes[key] = Box(key, "chain", [], [last], terms)
            for node in nodes:
                box_key[node] = key
        return boxes


def _nearest(members, member_set, outputs, box_key, keep) -> set[Value | str]:
    """The `keep` items (nodes, or keys of boxes) nearest to the outputs, breadth first
    along inputs from the outputs made last; the others are drawn as one box."""
    grouped: dict[str, list[Value]] = {}
    for node, key in box_key.items():
        grouped.setdefault(key, []).append(node)

    def inputs(item: Value | str) -> Iterable[Value | str]:
        for node in grouped[item] if isinstance(item, str) else (item,):
            for parent in node.parents:
                if parent in member_set:
                    theirs = box_key.get(parent, parent)
                    if theirs != item:
                        yield theirs

    kept: dict[Value | str, None] = {}
    for node in reversed(outputs):
        if len(kept) >= keep:
            break
        kept[box_key.get(node, node)] = None
    frontier = list(kept)
    while frontier and len(kept) < keep:
        following = []
        for item in frontier:
            for parent in inputs(item):
                if len(kept) >= keep:
                    break
                if parent not in kept:
                    kept[parent] = None
                    following.append(parent)
        frontier = following
    return set(kept)


_KIND_NAMES = {"chain": "run of + or *", "module": "module", "more": "box of the farthest nodes"}


def plural(count: int, noun: str) -> str:
    """`1 box`, `3 boxes`, `2 runs of + or *`: the count and the noun, with commas."""
    head, _, tail = noun.partition(" ")
    if count != 1:
        head += "es" if head.endswith(("x", "s")) else "s"
    return f"{count:,} {head} {tail}".rstrip()


def _count(members: list[Value], box_key: dict[Value, str]) -> int:
    return len(members) - len(box_key) + len(set(box_key.values()))


def _links(members: list[Value], box_key: dict[Value, str]) -> int:
    """How many edges a picture would draw: one per use between drawn nodes, one per pair
    of things where a box is at either end."""
    single = 0
    pairs: set[tuple] = set()
    for node in members:
        mine = box_key.get(node)
        for parent in node.parents:
            theirs = box_key.get(parent)
            if mine is None and theirs is None:
                single += 1
            elif mine != theirs:
                pairs.add((theirs or parent, mine or node))
    return single + len(pairs)


def number(x: float) -> str:
    """Four significant digits; -0.0 (such as 0 · -1) is shown as 0."""
    return f"{x + 0.0:.4g}"


def data_text(data: float | None) -> str:
    """`data 0.75`, or `data ?` before the forward pass has reached the node."""
    return "data ?" if data is None else f"data {number(data)}"


def grad_text(
    messages: Sequence[float],
    grad: float | None,
    rest: float = 0.0,
    rest_is: str = "earlier passes",
) -> str:
    """A node's gradient as the sum of the messages it received, in the order backward
    sent them, and the `rest` of its grad that they do not explain (`rest_is`, what earlier
    backward passes left in a leaf): `3 + 3 + 6 (earlier passes) = 12`. None: not computed
    yet. Past MAX_TERMS messages, the middle ones are counted, not written."""
    if grad is None:
        return "grad ?"
    if len(messages) < 2 and rest == 0.0:
        return f"grad {number(grad)}"
    if len(messages) > MAX_TERMS:
        left = len(messages) - MAX_TERMS + 1
        head, tail = messages[: MAX_TERMS // 2], messages[-2:]
        terms = [*_terms(head), f" + … {left:,} more", *_terms(tail)]
    else:
        terms = _terms(messages)
    if rest != 0.0:
        terms.append(f"{_terms([rest])[0]} ({rest_is})")
    text = "".join(terms)
    text = text[3:] if text.startswith(" + ") else "-" + text[3:]
    return f"grad {text} = {number(grad)}"


def _terms(messages: Sequence[float]) -> list[str]:
    return [f" - {number(-m)}" if m < 0 else f" + {number(m)}" for m in messages]


def message_text(local_grad: float, upstream: float) -> str:
    """An edge's message as backward computes it: `local × upstream = message`."""
    return f"{number(local_grad)} × {number(upstream)} = {number(local_grad * upstream)}"
