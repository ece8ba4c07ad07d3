"""stepgrad's viewer: one laid-out picture, the steps as data, and a small script.

The same component shows a drawing, a stepper in a notebook (`Stepper.show`), the live
widget (`Stepper.widget`, anywidget) and a self-contained HTML page (`Stepper.to_html`). The
graph is laid out once, by `dot`, with every label at its final text; a step then changes
only texts and colours in the browser, so nothing moves between steps and a step costs no
`dot` run. The boxes of a summarised graph are laid out as pictures of their own, opened
by a click, up to a budget of nodes per page. The page needs no kernel and no network:
the script and the data are in it.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from autograd import scene as scenes
from autograd.drawing import Drawing, GraphTexts, layout, write_atomically
from autograd.rendering import RenderTimeout, run_dot
from autograd.scene import Scene
from autograd.value import Value

if TYPE_CHECKING:
    from autograd.stepping import Stepper

PAGE_NODES = 1000
"""At most this many nodes are laid out for one page, over all its pictures; boxes beyond
it do not open, and say so."""
PAGE_SECONDS = 20.0
"""At most this long is spent laying out the pictures of one page."""
PAGE_WORK = 200_000
"""Boxes are opened for a page while the nodes they hold add up to at most this many."""


_COMMENT = re.compile(r"<!--.*?-->\n?", re.DOTALL)


def script() -> str:
    """The viewer's script: `stepgradViewer(root, data, options)` and `mountAll()`."""
    return resources.files("autograd").joinpath("viewer.js").read_text(encoding="utf-8")


def style() -> str:
    """The viewer's style sheet, scoped to `.stepgrad-viewer`."""
    return resources.files("autograd").joinpath("viewer.css").read_text(encoding="utf-8")


class Viewer:
    """The pictures of one graph (the whole, and the inside of each box), the steps that
    change their texts, and the step shown first. Jupyter displays it; `to_html` writes it
    as a page; `data` is what the script reads."""

    def __init__(self, data: dict) -> None:
        self.data = data

    @classmethod
    def of_drawing(cls, drawing: Drawing) -> Viewer:
        """A drawing with its boxes openable, and no steps."""
        root = drawing.scene.root

        def texts(scene: Scene):
            return GraphTexts(scene, root.grad != 0.0)

        views = _views(drawing.pictures, drawing.scene, texts, stepping=False, **drawing.options)
        return cls({"views": views, "steps": [], "initial": {}, "start": 0})

    @classmethod
    def of_stepper(cls, stepper: Stepper, start: int = 0, *, max_nodes: int = 150) -> Viewer:
        """The stepper's graph laid out with the texts of its last step, and every step as
        the texts it changes."""
        pictures = scenes.Pictures(stepper.root, max_nodes=max_nodes)
        scene = pictures.scene()
        changes, final = stepper_texts(stepper, scene.place)
        initial = {slot: _before(slot) for slot in final}

        def texts(_: Scene) -> _Final:
            return _Final(final, scene.place)

        views = _views(pictures, scene, texts, show="both", rankdir=stepper.rankdir, stepping=True)
        steps = [
            {
                "phase": step.phase,
                "equation": step.equation,
                "node": scene.place[step.node],
                "edge": None if step.sender is None else [scene.place[step.sender], step.position],
                "texts": texts_,
            }
            for step, texts_ in zip(stepper.steps, changes)
        ]
        if not 0 <= start < max(len(steps), 1):
            raise IndexError(f"Stepper: step {start} is not one of 0 to {len(steps) - 1}")
        return cls({"views": views, "steps": steps, "initial": initial, "start": start})

    def texts_at(self, k: int) -> dict[str, str]:
        """Every slot's text once step k is done ("d12" data, "g12" grad, "m12_0" message)."""
        state = dict(self.data["initial"])
        for step in self.data["steps"][: k + 1]:
            state.update(step["texts"])
        return state

    def fragment(self) -> str:
        """The viewer as an HTML element with its data and script, for a notebook."""
        top = self.data["views"][0]
        payload = json.dumps(self.data, separators=(",", ":")).replace("</", "<\\/")
        return (
            f'<div class="stepgrad-viewer"><style>{style()}</style>'
            f'<div class="sg-fallback">{top["svg"]}</div>'
            f'<script type="application/json" class="sg-data">{payload}</script>'
            f"<script>{script()}\nstepgradViewer.mountAll();</script></div>"
        )

    def page(self, title: str = "stepgrad: backprop step by step") -> str:
        return (
            f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}'
            f'</title><meta name="viewport" content="width=device-width, initial-scale=1">'
            f"</head><body>\n{self.fragment()}\n</body></html>\n"
        )

    def to_html(self, path: str) -> str:
        """Write the viewer as one self-contained page, whole or not at all; returns the path."""
        write_atomically(Path(path), self.page().encode("utf-8"))
        return str(path)

    def _repr_mimebundle_(self, include=None, exclude=None, **_):
        steps = len(self.data["steps"])
        plain = f"<stepgrad viewer: {steps} steps>" if steps else "<stepgrad drawing>"
        return {"text/html": self.fragment(), "text/plain": plain}


class _Final:
    """The texts of a stepper's last step, looked up by slot."""

    def __init__(self, final: Mapping[str, str], place: Mapping[Value, int]) -> None:
        self.final, self.place = final, place

    def data(self, node: Value) -> str:
        return self.final.get(f"d{self.place[node]}", scenes.data_text(node.data))

    def grad(self, node: Value) -> str:
        return self.final.get(f"g{self.place[node]}", "grad ?")

    def message(self, consumer: Value, position: int) -> str:
        return self.final.get(f"m{self.place[consumer]}_{position}", "")


def _before(slot: str) -> str:
    return {"d": "data ?", "g": "grad ?", "m": ""}[slot[0]]


def stepper_texts(stepper: Stepper, place: Mapping[Value, int]) -> tuple[list[dict], dict]:
    """The texts each step changes, and every slot's text after the last step."""
    changes: list[dict[str, str]] = []
    messages: dict[Value, list[float]] = {}
    final: dict[str, str] = {}
    root_grad = f"g{place[stepper.root]}"
    for step in stepper.steps:
        k = place[step.node]
        if step.phase == "forward":
            change = {f"d{k}": scenes.data_text(step.value)}
        elif step.phase == "backward":
            received = messages.setdefault(step.node, [])
            received.append(step.local_grad * step.upstream)
            change = {
                f"m{place[step.sender]}_{step.position}": scenes.message_text(
                    step.local_grad, step.upstream
                ),
                f"g{k}": scenes.grad_text(received, step.value),
            }
            if root_grad not in final:
                change[root_grad] = scenes.grad_text([], 1.0)
        else:
            change = {
                f"d{k}": f"data {scenes.number(step.node.data)} → {scenes.number(step.value)}"
            }
        final.update(change)
        changes.append(change)
    return changes, final


def _views(
    pictures: scenes.Pictures,
    top: Scene,
    texts: Callable[[Scene], object],
    *,
    show: str,
    rankdir: str,
    stepping: bool,
    highlight: tuple[Value, ...] = (),
) -> list[dict]:
    """Lay out the picture `top` and, breadth first, the inside of its boxes, while the
    page's budget of nodes, work and time lasts. A page that steps also gets, per node,
    where it is best seen (`home`), to highlight the step's node in any picture."""
    started = time.monotonic()
    views: list[dict] = []
    queue: list[tuple[Scene, int, str]] = [(top, -1, "")]
    drawn = work = 0
    while queue:
        scene, parent, opened_by = queue.pop(0)
        drawing = layout(
            scene, texts(scene), show=show, rankdir=rankdir, highlight=highlight, note=False
        )
        remaining = PAGE_SECONDS - (time.monotonic() - started)
        try:
            svg = run_dot(drawing.source, format="svg", timeout=max(remaining, 1.0)).decode()
        except RenderTimeout:
            if parent == -1:
                raise
            views[parent]["boxes"][opened_by] = -1
            views[parent]["members"][opened_by] = [scene.place[n] for n in scene.members]
            continue
        index = len(views)
        if parent != -1:
            views[parent]["boxes"][opened_by] = index
        picture = drawing.picture
        views.append(
            {
                "path": list(scene.path),
                "title": " › ".join(scene.path) or "whole graph",
                "note": scene.note,
                "svg": _COMMENT.sub("", svg[svg.index("<svg") :]),
                "slots": {_key(slot, scene.place): where for slot, where in picture.slots.items()},
                "drawn": [scene.place[n] for n in scene.nodes],
                "inputs": [scene.place[n] for n in scene.inputs],
                "links": {f"{a}>{b}": e for (a, b), e in picture.links.items()},
                "boxes": {},
                "members": {},
                "parent": parent,
                "openedBy": opened_by,
            }
        )
        drawn += len(scene.nodes) + len(scene.boxes)
        for element, key in picture.boxes.items():
            box = next(b for b in scene.boxes if b.key == key)
            too_late = time.monotonic() - started > PAGE_SECONDS / 2
            size = min(len(box.members), pictures.max_nodes)
            work += len(box.members)
            if drawn + size > PAGE_NODES or work > PAGE_WORK or too_late:
                views[index]["boxes"][element] = -1
                views[index]["members"][element] = [scene.place[n] for n in box.members]
                continue
            inner = pictures.inside(scene, box)
            drawn += size
            views[index]["boxes"][element] = -1
            queue.append((inner, index, element))
    if stepping:
        views[0]["home"] = _homes(views, top)
    for view in views:
        del view["members"]
    return views


def _homes(views: list[dict], top: Scene) -> dict[str, list]:
    """Where each node is best seen: the deepest picture that draws it (element "" is its
    own box, "v12"), or the picture whose unopened box holds it (that box's element)."""
    view_of = [0] * len(top.place)
    element_of = [""] * len(top.place)
    for index, view in enumerate(views):
        for element, child in view["boxes"].items():
            if child == -1:
                for place in view["members"][element]:
                    view_of[place], element_of[place] = index, element
        for place in view["drawn"]:
            view_of[place], element_of[place] = index, ""
    return {"view": view_of, "element": element_of}


def _key(slot: tuple, place: Mapping[Value, int]) -> str:
    if slot[0] == "m":
        return f"m{place[slot[1]]}_{slot[2]}"
    return f"{slot[0]}{place[slot[1]]}"
